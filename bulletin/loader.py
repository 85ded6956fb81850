"""Stage 1: read content files safely, keeping where every key and value was written.

Only PyYAML's safe loader is used. Dates are kept as strings here, so that an
impossible date such as 2020-02-30 becomes a field error (with its line) in
validation instead of an exception that hides every other problem in the file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem
from .safety import character_message, first_refused

# An editor's file is a few kilobytes; these limits only stop accidents and abuse.
MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 100_000  # after alias expansion: stops "billion laughs" alias bombs
MAX_DEPTH = 100  # nested blocks and lists; real content needs five or six

Loc = tuple  # path of keys and list indexes inside a document, e.g. ("targets", 0, "value")


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when installed: ~10x faster
    """Safe loader that leaves timestamps as strings (validation parses them)."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Document:
    """One parsed YAML file: its data and the 1-based (line, column) of each value and key."""

    path: Path
    name: str  # as shown to the editor
    data: Any
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def where(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Position of `loc`, or of its nearest written ancestor (e.g. for a missing field)."""
        if key and loc in self.keys:
            return self.keys[loc]
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.values:
                return self.values[loc[:end]]
        return (1, 1)


class _TooLarge(Exception):
    pass


class _Refused(Exception):
    """A construct that content files may not use; carries the problem to report."""

    def __init__(self, pos: tuple[int, int], message: str):
        super().__init__(message)
        self.pos = pos
        self.message = message


# Plain values only. Anything else written with `!` (`!!python/object`, `!include`, `!!set`,
# `!!binary`, ...) is refused with a clear message, never constructed or silently ignored.
_PLAIN = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(_PLAIN + t for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp"))


def _check_tag(node: yaml.Node) -> None:
    if node.tag in ALLOWED_TAGS:
        return
    if node.tag == _PLAIN + "merge":
        raise _Refused(_pos(node.start_mark), "`<<` merge keys are not supported; write the keys out in full")
    tag = node.tag[len(_PLAIN):] if node.tag.startswith(_PLAIN) else node.tag
    shown = f"!!{tag}" if node.tag.startswith(_PLAIN) else (tag if tag.startswith("!") else f"!<{tag}>")
    raise _Refused(_pos(node.start_mark), f"the `{shown}` tag is not allowed; content files hold plain text, numbers, "
                                          "dates, lists and `key: value` blocks only (remove the tag, or put the value in quotes)")


def _pos(mark: yaml.Mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _problem(name: str, pos: tuple[int, int], message: str, field: str = "") -> Problem:
    return Problem(name, pos[0], pos[1], field, message)


def _convert(loader: _Loader, doc: Document, node: yaml.Node, loc: Loc, budget: list[int], problems: list[Problem],
             active: frozenset = frozenset()) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    _check_tag(node)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        if id(node) in active:  # `&a [*a]`: an alias inside the block it names
            raise _Refused(_pos(node.start_mark), "an `*alias` refers to the block that contains it, which never ends; "
                                                  "write the values out instead of using anchors and aliases")
        active = active | {id(node)}
    doc.values[loc] = _pos(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(_problem(doc.name, _pos(key_node.start_mark), "a key must be a plain word", _dotted(loc)))
                continue
            _check_tag(key_node)
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, str):
                _check_characters(loader, doc, key_node, key, loc, problems)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                problems.append(_problem(doc.name, _pos(key_node.start_mark), "a key must be a plain word", _dotted(loc)))
                continue
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                first = doc.keys[loc + (key,)]
                problems.append(_problem(doc.name, _pos(key_node.start_mark),
                                         f"`{key}` is written twice in this block (first on line {first[0]}); keep one", _dotted(loc + (key,))))
                continue
            doc.keys[loc + (key,)] = _pos(key_node.start_mark)
            result[key] = _convert(loader, doc, value_node, loc + (key,), budget, problems, active)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(loader, doc, item, loc + (i,), budget, problems, active) for i, item in enumerate(node.value)]
    value = loader.construct_object(node, deep=True)
    if isinstance(value, str):
        _check_characters(loader, doc, node, value, loc, problems)
    return value


def _check_characters(loader: _Loader, doc: Document, node: yaml.Node, value: str, loc: Loc, problems: list[Problem]) -> None:
    """Refuse invisible and unsafe characters in every text, key and id, once, here: a YAML escape
    ("\\u202e", "\\0") yields characters the file itself does not show, so they are checked after parsing."""
    index = first_refused(value)
    if index is None:
        return
    ch = value[index]
    pos = _pos(node.start_mark)
    text = getattr(loader, "source_text", "")
    start, end = node.start_mark.index, node.end_mark.index
    if text and 0 <= start <= end <= len(text):
        literal = text.find(ch, start, end)  # written as the character itself: point at it exactly
        if literal >= 0:
            line = text.count("\n", 0, literal) + 1
            pos = (line, literal - (text.rfind("\n", 0, literal) + 1) + 1)
    problems.append(_problem(doc.name, pos, character_message(ch), _dotted(loc)))


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


dotted = _dotted


def read_text(path: Path, name: str) -> tuple[str | None, list[Problem]]:
    """Read a file as UTF-8 text, refusing huge files and other encodings with a clear message."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return None, [_problem(name, (1, 1), f"file is too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes = "
                                             f"{MAX_FILE_BYTES // 1024 // 1024} MiB); split it into smaller files")]
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [_problem(name, (line, column), f"file is not UTF-8 (byte 0x{raw[exc.start]:02x} cannot be read); "
                                                     "save it as UTF-8 in your editor (in VS Code: 'Save with Encoding' → UTF-8)")]


_CACHE: dict[tuple[str, str], tuple[tuple[int, bytes], tuple[Document | None, list[Problem]]]] = {}


def load_yaml(path: Path, name: str) -> tuple[Document | None, list[Problem]]:
    """Parse one YAML file, reusing the last parse while the file is unchanged (the dev server reloads often)."""
    stat = path.stat()
    if stat.st_size > MAX_FILE_BYTES:
        return _parse(path, name)
    # Keyed on the bytes, not only the modification time: two saves within the file system's
    # timestamp resolution (a second on some mounts) must not show the older parse.
    key = (str(path.absolute()), name)
    version = (stat.st_size, hashlib.blake2b(path.read_bytes(), digest_size=16).digest())
    cached = _CACHE.get(key)
    if cached and cached[0] == version:
        return cached[1]
    result = _parse(path, name)
    _CACHE[key] = (version, result)
    return result


def _parse(path: Path, name: str) -> tuple[Document | None, list[Problem]]:
    """Parse one YAML file into a Document, or return the problems that prevent it."""
    text, problems = read_text(path, name)
    if text is None:
        return None, problems
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad:  # checked here so the position is the same with libyaml and the pure-Python reader
        return None, [_control_character(name, text, bad.start())]
    too_deep = _too_deep(text)
    if too_deep:  # libyaml composes recursively in C: very deep nesting would crash the whole process
        return None, [_problem(name, too_deep, f"blocks or lists are nested more than {MAX_DEPTH} levels deep; "
                                               "check for unbalanced `[` or `{` brackets or a run of `- - -`")]
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:  # control characters, checked when the reader starts
        return None, [_reader_problem(name, text, exc)]
    loader.source_text = text  # type: ignore[attr-defined]  # to point at a refused character exactly
    try:
        node = loader.get_single_node()
        doc = Document(path, name, None)
        if node is None:
            doc.data = {}
            return doc, []
        doc.data = _convert(loader, doc, node, (), [MAX_NODES], problems)
        return doc, problems
    except _TooLarge:
        return None, [_problem(name, (1, 1), f"file expands to more than {MAX_NODES:,} values (too many `*alias` references?); "
                                             "write the values out instead of using anchors and aliases")]
    except _Refused as exc:
        return None, [_problem(name, exc.pos, exc.message)]
    except RecursionError:
        return None, [_problem(name, (1, 1), "blocks or lists are nested too deeply to read; "
                                             "check for unbalanced `[` or `{` brackets")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = _pos(mark) if mark else (1, 1)
        what = (exc.problem or "invalid YAML").strip()
        if "another document" in what:
            return None, [_problem(name, pos, "a content file holds one YAML document; remove this `---` line "
                                              "and move what follows into its own file")]
        return None, [_problem(name, pos, f"YAML syntax error: {what}; check the indentation and quoting near here "
                                          "(text containing `: ` or starting with `*`, `&`, `!` or `{` must be in quotes)")]
    except yaml.reader.ReaderError as exc:
        return None, [_reader_problem(name, text, exc)]
    except yaml.YAMLError as exc:
        return None, [_problem(name, (1, 1), f"YAML could not be read: {exc}")]
    finally:
        loader.dispose()


def _reader_problem(name: str, text: str, exc: yaml.reader.ReaderError) -> Problem:
    """A character YAML refuses (control characters, often pasted from Word or a PDF)."""
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad:
        return _control_character(name, text, bad.start())
    return _problem(name, (1, 1), f"YAML could not be read: {exc}")


def _control_character(name: str, text: str, position: int) -> Problem:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return _problem(name, (line, column), f"contains an invisible control character (U+{ord(text[position]):04X}) that YAML "
                                          "does not allow; delete it (it often comes from text pasted from Word or a PDF)")


_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _too_deep(text: str) -> tuple[int, int] | None:
    """Where nesting first goes deeper than MAX_DEPTH, from the event stream (stops there: cheap)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, _OPEN):
                depth += 1
                if depth > MAX_DEPTH:
                    return _pos(event.start_mark)
            elif isinstance(event, _CLOSE):
                depth -= 1
    except yaml.YAMLError:
        return None  # reported with its position by the real parse
    return None
