"""Stage 1: read content files safely, keeping where every key and value was written.

Only PyYAML's safe loader is used. Dates are kept as strings here, so that an
impossible date such as 2020-02-30 becomes a field error (with its line) in
validation instead of an exception that hides every other problem in the file.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .messages import N_
from .problems import Problem
from .safety import character_message, first_refused

# An editor's file is a few kilobytes; these limits only stop accidents and abuse.
MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 100_000  # after alias expansion: stops "billion laughs" alias bombs
MAX_DEPTH = 100  # nested blocks and lists; real content needs five or six

Loc = tuple  # path of keys and list indexes inside a document, e.g. ("targets", 0, "value")


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when installed: ~10x faster
    """Safe loader that leaves timestamps as strings (validation parses them)."""


# YAML 1.1 reads more than decimals as numbers: `1:20` is 80 (base 60), `010` is 8 (octal),
# `0x1F` is 31 and `1_000` is 1000. A figure written like that is a slip, read silently as
# another figure; here only plain decimals are numbers, and the rest stay text for
# validation to report ("expected a number, got `1:20`"). Timestamps stay text too (dates
# are parsed by validation, which names the field).
_NUMBERS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_Loader.yaml_implicit_resolvers = {
    # (and a lone `=` is text: YAML 1.1 reads it as its obscure "value" type, which is then refused as a tag)
    first: [r for r in resolvers if r[0] not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value") and r[0] not in _NUMBERS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# At most 18 digits (no figure of a bulletin has more): a longer run stays text for validation to
# report, where Python's int() would refuse it with a traceback past 4,300 digits.
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]{0,17})$"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def _float(loader: yaml.SafeLoader, node: yaml.Node) -> float:
    # -0.0 becomes 0.0: the two are equal, so an edit from one to the other changes no content,
    # and they must be written (JSON, charts) the same way too.
    return loader.construct_yaml_float(node) + 0.0


_Loader.add_constructor("tag:yaml.org,2002:float", _float)


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
        raise _Refused(_pos(node.start_mark), N_("`<<` merge keys are not supported; write the keys out in full"))
    tag = node.tag[len(_PLAIN):] if node.tag.startswith(_PLAIN) else node.tag
    shown = f"!!{tag}" if node.tag.startswith(_PLAIN) else (tag if tag.startswith("!") else f"!<{tag}>")
    raise _Refused(_pos(node.start_mark), N_("the `%(tag)s` tag is not allowed; content files hold plain text, numbers, "
                                             "dates, lists and `key: value` blocks only (remove the tag, or put the value in quotes)", tag=shown))


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
            raise _Refused(_pos(node.start_mark), N_("an `*alias` refers to the block that contains it, which never ends; "
                                                     "write the values out instead of using anchors and aliases"))
        active = active | {id(node)}
    doc.values[loc] = _pos(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(_problem(doc.name, _pos(key_node.start_mark), N_("a key must be a plain word"), _dotted(loc)))
                continue
            _check_tag(key_node)
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, str):
                _check_characters(loader, doc, key_node, key, loc, problems)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                problems.append(_problem(doc.name, _pos(key_node.start_mark), N_("a key must be a plain word"), _dotted(loc)))
                continue
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                first = doc.keys[loc + (key,)]
                problems.append(_problem(doc.name, _pos(key_node.start_mark),
                                         N_("`%(key)s` is written twice in this block (first on line %(line)s); keep one", key=key, line=first[0]),
                                         _dotted(loc + (key,))))
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
        return None, [_problem(name, (1, 1), N_("file is too large (%(size)s bytes; the limit is %(limit)s bytes = "
                                                "%(mib)s MiB); split it into smaller files", size=f"{size:,}", limit=f"{MAX_FILE_BYTES:,}",
                                                mib=MAX_FILE_BYTES // 1024 // 1024))]
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [_problem(name, (line, column), N_("file is not UTF-8 (byte 0x%(byte)s cannot be read); "
                                                        "save it as UTF-8 in your editor (in VS Code: 'Save with Encoding' → UTF-8)",
                                                        byte=f"{raw[exc.start]:02x}"))]


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
    full_width = _full_width_colons(name, text)
    if full_width:  # parsed, these would be reported on the wrong line as something else
        return None, full_width
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad:  # checked here so the position is the same with libyaml and the pure-Python reader
        return None, [_control_character(name, text, bad.start())]
    too_deep = _too_deep(text)
    if too_deep:  # libyaml composes recursively in C: very deep nesting would crash the whole process
        return None, [_problem(name, too_deep, N_("blocks or lists are nested more than %(depth)s levels deep; "
                                                  "check for unbalanced `[` or `{` brackets or a run of `- - -`", depth=MAX_DEPTH))]
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
        return None, [_problem(name, (1, 1), N_("file expands to more than %(n)s values (too many `*alias` references?); "
                                                "write the values out instead of using anchors and aliases", n=f"{MAX_NODES:,}"))]
    except _Refused as exc:
        return None, [_problem(name, exc.pos, exc.message)]
    except RecursionError:
        return None, [_problem(name, (1, 1), N_("blocks or lists are nested too deeply to read; "
                                                "check for unbalanced `[` or `{` brackets"))]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = _pos(mark) if mark else (1, 1)
        what = (exc.problem or "invalid YAML").strip()
        if "another document" in what:
            return None, [_problem(name, pos, N_("a content file holds one YAML document; remove this `---` line "
                                                 "and move what follows into its own file"))]
        return None, [_syntax_problem(name, text, pos, what)]
    except yaml.reader.ReaderError as exc:
        return None, [_reader_problem(name, text, exc)]
    except yaml.YAMLError as exc:
        return None, [_problem(name, (1, 1), N_("YAML could not be read: %(error)s", error=str(exc)))]
    finally:
        loader.dispose()


def _reader_problem(name: str, text: str, exc: yaml.reader.ReaderError) -> Problem:
    """A character YAML refuses (control characters, often pasted from Word or a PDF)."""
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad:
        return _control_character(name, text, bad.start())
    return _problem(name, (1, 1), N_("YAML could not be read: %(error)s", error=str(exc)))


def _control_character(name: str, text: str, position: int) -> Problem:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return _problem(name, (line, column), N_("contains an invisible control character (U+%(code)s) that YAML "
                                             "does not allow; delete it (it often comes from text pasted from Word or a PDF)",
                                             code=f"{ord(text[position]):04X}"))


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


# Words that start a `key: value` line in content files: every field name and language code.
# A full-width colon after one of them is a slip of the Chinese input method, never text.
@lru_cache(maxsize=1)
def _known_keys() -> frozenset[str]:
    import dataclasses

    from . import model

    names = {f.name for cls in vars(model).values() if dataclasses.is_dataclass(cls) for f in dataclasses.fields(cls)}
    return frozenset(names | {"zh", "en", "fr", "de", "es", "ru", "ar", "ja", "ko"})


_FULL_WIDTH_KEY = re.compile(r"(^[ \t]*(?:-[ \t]+)?|[{,][ \t]*)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*(：)")


_FULL_WIDTH_COMMA = re.compile(r"(，)[ \t]*([A-Za-z_][A-Za-z0-9_-]*)[ \t]*[:：]")


def _full_width_colons(name: str, text: str) -> list[Problem]:
    """Full-width `：` after a key, or `，` between two `key: value` pairs of a one-line block."""
    if "：" not in text and "，" not in text:
        return []
    keys = _known_keys()
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        for match in _FULL_WIDTH_KEY.finditer(line):
            if match[2] in keys:
                problems.append(_problem(name, (number, match.start(3) + 1), N_(
                    "full-width colon `：` after `%(key)s` (column %(column)s): YAML needs the ASCII colon `:` and a space; "
                    "write `%(key)s: ` (switch the input method to half-width, or retype the colon)",
                    key=match[2], column=match.start(3) + 1)))
        if "{" in line:
            for match in _FULL_WIDTH_COMMA.finditer(line):
                if match[2] in keys and line.rfind("{", 0, match.start()) > line.rfind("}", 0, match.start()):
                    problems.append(_problem(name, (number, match.start(1) + 1), N_(
                        "full-width comma `，` before `%(key)s` (column %(column)s): between the texts of a one-line "
                        "`{zh: …, en: …}` YAML needs the ASCII comma `,` and a space", key=match[2], column=match.start(1) + 1)))
    return problems


def _syntax_problem(name: str, text: str, pos: tuple[int, int], what: str) -> Problem:
    """A YAML syntax error, naming the slip behind it when it is a common one."""
    lines = text.splitlines()
    for number, line in enumerate(lines[: pos[0]], 1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent or ("\t" in line and number == pos[0]):
            column = line.index("\t") + 1
            return _problem(name, (number, column), N_(
                "a tab character at column %(column)s: YAML indents with spaces only; replace the tab with spaces "
                "(in VS Code: 'Convert Indentation to Spaces')", column=column))
    reason = _reason(what)
    if reason is not None:
        return _problem(name, pos, N_("YAML syntax error: %(error)s: %(reason)s; check the indentation and quoting near here "
                                      "(text containing `: ` or starting with `*`, `&`, `!` or `{` must be in quotes)",
                                      error=what, reason=reason))
    return _problem(name, pos, N_("YAML syntax error: %(error)s; check the indentation and quoting near here "
                                  "(text containing `: ` or starting with `*`, `&`, `!` or `{` must be in quotes)", error=what))


# What libyaml / PyYAML say, in words an editor can act on (and translate). Matched by prefix.
_REASONS = (
    ("mapping values are not allowed", N_("a `: ` where no key can start (is a text with `: ` missing its quotes?)")),
    ("could not find expected ':'", N_("a line without the `: ` its block expects")),
    ("did not find expected key", N_("a line that is not a `key: value` of its block (check its indentation)")),
    ("did not find expected '-' indicator", N_("a line inside a list that does not start with `- `")),
    ("did not find expected ',' or ']'", N_("a `[` list without its closing `]`, or a comma missing")),
    ("did not find expected ',' or '}'", N_("a `{` block without its closing `}`, or a comma missing")),
    ("expected ',' or ']'", N_("a `[` list without its closing `]`, or a comma missing")),
    ("expected ',' or '}'", N_("a `{` block without its closing `}`, or a comma missing")),
    ("found unexpected end of stream", N_("the file ends inside a quoted text (a closing quote is missing)")),
    ("found undefined alias", N_("an `*alias` with no `&anchor` of that name")),
    ("found character that cannot start any token", N_("a character that cannot start a value here (put the value in quotes)")),
    ("found character", N_("a character that cannot start a value here (put the value in quotes)")),
    ("expected <block end>", N_("a line indented differently from the lines of its block")),
    ("block sequence entries are not allowed", N_("a `- ` list item where a value was expected (check the indentation)")),
    ("found unknown escape character", N_("an unknown `\\` escape in a double-quoted text (use single quotes, or write `\\\\`)")),
)


def _reason(what: str):
    for start, reason in _REASONS:
        if what.startswith(start):
            return reason
    return None
