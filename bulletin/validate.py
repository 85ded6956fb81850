"""Stage 2: turn loaded documents into a validated `Content`, collecting every problem.

Shape (types, required fields, unknown keys, dates) is checked by pydantic against
the dataclasses in `model.py`; its errors are rewritten here in plain words, with
the line and column the editor wrote. Rules that span fields or files (references,
dates against `as_of`, percentages, translations) follow once the shapes are right.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import difflib
import os
import re
import unicodedata
import typing
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from . import model as m
from .loader import Document, Loc, dotted, load_yaml, read_text
from .messages import ByLanguage, Msg, N_
from .problems import Problem
from . import safety
from .units import scaled_unit

# How to record a changed target, quoted wherever an editor is likely to need it.
REVISION_HOWTO = N_("keep the current figure in `target:` (and the current `deadline:`), and record the change under "
                    "`revisions:` as `- {date: 2020-03-01, field: value, from: 12, to: 14, reason: {zh: …, en: …}, source: seed-000}` "
                    "(field: value or deadline; from/to are the old and new target value or deadline)")
# Unknown fields that mean "the target was changed": point at `revisions`.
_REVISION_WORDS = ("original", "old", "previous", "revis", "adjust", "changed", "new_target", "new_deadline")

FILE_KINDS = m.FILE_KINDS

_ADAPTERS = {kind: TypeAdapter(cls) for kind, cls in FILE_KINDS.items()}


@dataclass
class TranslationReport:
    """How many texts exist, and how many are written, in each language."""

    total: int = 0
    present: Counter = field(default_factory=Counter)
    converted: Counter = field(default_factory=Counter)  # zh-Hant texts made from zh at build time

    def lines(self, languages: list[str]) -> list[str]:
        lines = []
        for lang in languages:
            missing = self.total - self.present[lang] - self.converted[lang]
            lines.append(N_("%(lang)s: %(present)d/%(total)d texts translated", lang=lang, present=self.present[lang], total=self.total)
                         + (N_(", %(n)d converted at build time", n=self.converted[lang]) if self.converted[lang] else Msg(""))
                         + (N_(", %(n)d missing", n=missing) if missing else Msg("")))
        return lines


@dataclass
class CheckResult:
    content: m.Content | None
    problems: list[Problem]
    translations: TranslationReport

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def discover_checked(root: Path) -> tuple[list[tuple[str, Path]], list[safety.FileRefusal]]:
    """Content files by kind, and the entries refused on the way (links out of the content, folders
    named like files, dangling links). Editor lock files and backups are skipped."""
    found: list[tuple[str, Path]] = []
    refused: list[safety.FileRefusal] = []
    top, bad = safety.walk_files(root, inside=root, recursive=False, suffix=".yaml")
    refused += bad
    names = {f.relative: f.path for f in top}
    if "bulletin.yaml" in names:
        found.append(("bulletin", names["bulletin.yaml"]))
    for kind in ("departments", "categories", "sources"):
        if f"{kind}.yaml" in names:
            found.append((kind, names[f"{kind}.yaml"]))
    for kind, folder, recursive in (("programme", "programmes", False), ("measure", "measures", True)):
        files, bad = safety.walk_files(root / folder, inside=root, recursive=recursive, suffix=".yaml")
        found += [(kind, f.path) for f in files]
        refused += bad
    return found, refused


# The files read at the top of content/; any other .yaml there is not read.
TOP_FILES = ("bulletin.yaml", "departments.yaml", "categories.yaml", "sources.yaml")


def misnamed_files(root: Path) -> list[tuple[Path, Msg, str]]:
    """Files that look like content but are not read, each with what to do and a severity: `.yml`,
    `.YAML` or `.Yaml` where content files are looked for (an error: content missing from the site),
    and other .yaml files at the top of content/ (a warning: perhaps the editors' own notes)."""
    found: list[tuple[Path, Msg, str]] = []
    nested, _ = safety.walk_files(root / "programmes", inside=root, recursive=True, suffix=".yaml")
    for f in nested:
        if f.path.parent != root / "programmes":
            found.append((f.path, N_("this file is not read: programme files are read only directly in content/programmes/, "
                                     "not in a folder inside it; move it up into content/programmes/"), "error"))
    for folder, recursive in ((root, False), (root / "programmes", False), (root / "measures", True)):
        files, _ = safety.walk_files(folder, inside=root, recursive=recursive)
        for f in files:
            name = f.path.name
            stem, dot, suffix = name.rpartition(".")
            if dot and suffix.lower() in ("yaml", "yml") and suffix != "yaml":
                found.append((f.path, N_("this file is not read: content files end in .yaml (lower case); rename it to %(name)s.yaml",
                                         name=stem), "error"))
            elif folder == root and suffix == "yaml" and name not in TOP_FILES:
                found.append((f.path, N_("this file is not read: at the top of content/ only %(files)s are read; a programme "
                                         "goes in content/programmes/, a measure in content/measures/<programme>/",
                                         files=", ".join(TOP_FILES)), "warning"))
    return found


def source_documents(root: Path) -> tuple[list[safety.FoundFile], list[Problem]]:
    """The files of content/sources/ that are published with the site, and the problems of the others."""
    files, refused = safety.walk_files(root / "sources", inside=root)
    problems = [Problem(_display(r.path, root), 1, 1, "", r.message) for r in refused]
    published = []
    for f in files:
        message = safety.source_file_problem(f.relative)
        if message:
            problems.append(Problem(_display(f.path, root), 1, 1, "", message))
        else:
            published.append(f)
    return published, problems


# --- pydantic errors in plain words -------------------------------------------------

def _unwrap(tp: Any) -> Any:
    """Strip Annotated / Optional / list to reach the dataclass a field holds."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            classes = [a for a in args if dataclasses.is_dataclass(a)]
            tp = classes[0] if classes else args[0]
        elif origin is list:
            tp = typing.get_args(tp)[0]
        else:
            return tp


# The longest name each kind of name may be, in characters. The longest in the demo and the test
# bulletins: a title of 170, a short title of 35; a 100,000-character title took ten minutes to
# build (its report PDF laid out one unbreakable line).
NAME_LENGTHS = {"title": 400, "short_title": 80, "name": 200, "short_name": 80}


def _is_text_field(cls: type, loc: Loc) -> bool:
    """Whether `loc` is a field of texts by language (`Text`), e.g. a title."""
    holder = _class_at(cls, loc) if loc and isinstance(loc[-1], str) else None
    if holder is None:
        return False
    hint = typing.get_type_hints(holder).get(loc[-1])
    return hint == m.Text or m.Text in typing.get_args(hint)


def _full_width_digits(given: Any) -> Msg | None:
    """`３５` or `１２．５`: digits typed with a Chinese input method, which look like 35 but are not."""
    if not isinstance(given, str) or not re.fullmatch(r"[-+－＋]?[0-9０-９]+(?:[.．][0-9０-９]+)?", given.strip()) \
            or given.isascii():
        return None
    plain = unicodedata.normalize("NFKC", given.strip())
    return N_("`%(given)s` is written with full-width (Chinese input) digits; write `%(plain)s` with ordinary digits",
              given=given, plain=plain)


def _too_large(raw: Any) -> bool:
    """A figure past MAX_FIGURE: an int, or a run of digits too long for the loader to read as one."""
    if isinstance(raw, str):
        return re.fullmatch(r"[-+]?[0-9]{19,}", raw) is not None
    return isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) > m.MAX_FIGURE


def _class_at(cls: type, loc: Loc) -> type | None:
    """The dataclass that holds the last key of `loc`, for listing its valid fields."""
    current: Any = cls
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not dataclasses.is_dataclass(current):
            return None
        hints = typing.get_type_hints(current, include_extras=True)
        if part not in hints:
            return None
        current = _unwrap(hints[part])
    return current if dataclasses.is_dataclass(current) else None


def _field_names(cls: type) -> list[str]:
    return [f.name.rstrip("_") for f in dataclasses.fields(cls)]  # `from_` is written `from`


# Chinese words an editor writes for a fixed English choice (kind, direction, override status).
CHINESE_CHOICES = {
    "数量": "count", "个数": "count", "数值": "count", "百分比": "percentage", "比例": "percentage", "比率": "percentage",
    "金额": "amount", "资金": "amount", "是否完成": "milestone", "里程碑": "milestone", "节点": "milestone",
    "上升": "up", "增加": "up", "提高": "up", "下降": "down", "减少": "down", "降低": "down",
    "暂停": "paused", "取消": "dropped", "撤销": "dropped", "完成": "completed", "已完成": "completed",
}


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return N_("; did you mean `%(word)s`?", word=close[0]) if close else Msg("")


# --- common slips, named with their fix --------------------------------------------

def _fields_below(cls: type, depth: int = 3) -> dict[str, str]:
    """Field names of the blocks nested inside `cls`, each with the field that holds its block."""
    found: dict[str, str] = {}  # a name under several blocks is placed under the first; progress entries come first
    if depth == 0 or not dataclasses.is_dataclass(cls):
        return found
    hints = typing.get_type_hints(cls, include_extras=True)
    for name, hint in sorted(hints.items(), key=lambda kv: kv[0] != "progress"):
        inner = _unwrap(hint)
        if dataclasses.is_dataclass(inner):
            for sub in _field_names(inner):
                found.setdefault(sub, name)
            for sub, holder in _fields_below(inner, depth - 1).items():
                found.setdefault(sub, holder)
    return found


_HOLDERS = {"targets": N_("a target (an item of `targets:`)"), "progress": N_("a progress entry (an item of `progress:`)"),
            "milestones": N_("a milestone (an item of `milestones:`)"), "baseline": N_("`baseline:`"),
            "override": N_("`override:`"), "period": N_("`period:`"), "thresholds": N_("`thresholds:`")}


def _misplaced_key(cls: type, loc: Loc, name: str) -> Msg | None:
    """An unknown key that is a field one level up or down: the indentation is wrong, not the word."""
    holder = _class_at(cls, loc)
    if holder is None:
        return None
    below = _fields_below(holder)
    if name in below:
        where = below[name]
        return N_("`%(name)s` is not a field of this block but of %(holder)s: indent it under %(holder)s, "
                  "in line with that block's keys", name=name, holder=_HOLDERS.get(where, f"`{where}:`"))
    for end in range(len(loc) - 2, -1, -1):  # the enclosing blocks, nearest first
        outer = _class_at(cls, loc[:end] + ("x",))
        if outer is not None and outer is not holder and name in _field_names(outer):
            return N_("`%(name)s` is not a field of this block but of the block that holds it: indent it less, "
                      "in line with the keys of that block", name=name)
    return None


# Words an editor writes for done / not done, and the YAML they mean.
_YES = {"是", "已完成", "完成", "已完工", "已建成", "已实现", "已落实", "有", "对", "done", "completed", "√", "✓"}
_NO = {"否", "未完成", "没有", "无", "未", "不", "not done", "no data", "×", "✗"}


def _target_kind(data: Any, loc: Loc) -> str | None:
    """The `kind` of the target that holds `loc` (e.g. targets[0].progress[1].value), if it says."""
    if len(loc) < 2 or loc[0] != "targets" or not isinstance(data, dict):
        return None
    try:
        kind = data["targets"][loc[1]].get("kind")
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return kind if isinstance(kind, str) else None


def _yes_no_words(given: Any) -> Msg | None:
    if not isinstance(given, str):
        return None
    word = given.strip()
    if word in _YES or word.lower() in _YES:
        return N_("`%(given)s` is a word, not a yes/no value: for a milestone write `true` (done), e.g. value: true", given=given)
    if word in _NO or word.lower() in _NO:
        return N_("`%(given)s` is a word, not a yes/no value: for a milestone write `false` (not done yet), e.g. value: false", given=given)
    return None


_SCALED = re.compile(r"^\s*([+-]?[0-9][0-9,，]*(?:\.[0-9]+)?)\s*(万|亿)\s*(\S*)\s*$")
# A figure followed by a percent sign or a unit word (个, 户, km), or with thousands separators; not a date.
# Possessive, as _NOT_DECIMAL below: spaces before a failing end were tried every way (7 s for 30,000).
_WITH_EXTRA = re.compile(r"^\s*+([+-]?[0-9][0-9,，]*+(?:\.[0-9]++)?)\s*+(%|％|[^\W\d_][^\s]*+)?\s*+$")


# Possessive (never given back): `[0-9_]*` then `_[0-9_]*` took a time quadratic in the text,
# 14 s for a 32 kB figure written 1_1_1… (the same strings match, checked exhaustively).
_NOT_DECIMAL = re.compile(r"[-+]?0[xXoObB][0-9a-fA-F_]++|[-+]?[0-9]++(?:_[0-9_]*+(?::[0-5]?[0-9])*+|(?::[0-5]?[0-9])++)(?:\.[0-9_]*+)?")


def _plain(number: float) -> str:
    return f"{number:.6f}".rstrip("0").rstrip(".")


def _target_scale(data: Any, loc: Loc) -> float | None:
    """What one written figure stands for in the target that holds `loc` (its `scale`, or 万/亿
    in its Chinese `unit`), when the file says; None when it is 1 or unreadable."""
    if len(loc) < 2 or loc[0] != "targets" or not isinstance(data, dict):
        return None
    try:
        raw = data["targets"][loc[1]]
        unit, scale = raw.get("unit"), raw.get("scale")
        unit = {k: v for k, v in unit.items() if isinstance(v, str)} if isinstance(unit, dict) else None
        scale = float(scale) if isinstance(scale, (int, float)) and not isinstance(scale, bool) and scale > 0 else None
        factor = scaled_unit(unit, scale).scale
    except (KeyError, IndexError, TypeError, AttributeError, ValueError):
        return None
    return factor if factor != 1 else None


def _number_in_words(given: Any, scale: float | None = None) -> Msg | None:
    """`2.47万`, `80%`, `1,200` or `6个`: the figure is there, written the way a report writes it.
    `scale`: the target's, when its figures are written in 万 or 亿 (the suggestion must be too)."""
    if not isinstance(given, str):
        return None
    scaled = _SCALED.match(given)
    if scaled:
        digits = float(scaled[1].replace(",", "").replace("，", ""))
        factor = 10_000 if scaled[2] == "万" else 100_000_000
        if scale and scale != 1:
            return N_("`%(given)s` uses %(word)s: this target's figures are written in units of %(scale)s "
                      "(its `unit` and `scale`), so write %(number)s", given=given, word=scaled[2],
                      scale=f"{scale:,.0f}", number=_plain(digits * factor / scale))
        return N_("`%(given)s` uses %(scale)s: write the figure in digits, %(number)s (if the target's `unit` is already "
                  "in %(scale)s, e.g. %(scale)s元, write %(digits)s)", given=given, scale=scaled[2],
                  number=_plain(digits * factor), digits=_plain(digits))
    if _NOT_DECIMAL.fullmatch(given.strip()):  # hex, digits with _ or :, that YAML 1.1 would read as other figures
        return N_("`%(given)s` is not written as a plain number; write the figure in digits only, e.g. 90 or 14.6", given=given)
    extra = _WITH_EXTRA.match(given)
    if extra:
        digits = _plain(float(extra[1].replace(",", "").replace("，", "")))
        if extra[2] in ("%", "％"):
            return N_("`%(given)s`: write the percentage without the %% sign, %(number)s", given=given, number=digits)
        return N_("`%(given)s`: write digits only, %(number)s; the unit belongs in the target's `unit`, "
                  "and numbers take no thousands separators", given=given, number=digits)
    return None


def _comma_split(doc: Document, loc: Loc) -> Msg | None:
    """A key that exists only because an unquoted comma split a one-line `{zh: …, en: …}` text."""
    if loc not in doc.keys:
        return None
    line_no, column = doc.keys[loc]
    try:
        line = doc.path.read_text(encoding="utf-8-sig").splitlines()[line_no - 1]
    except (OSError, IndexError, UnicodeDecodeError):
        return None
    before = line[: column - 1].rstrip()
    if not before.endswith(",") or "{" not in before:
        return None
    start = before.rfind(": ", before.rfind("{"))
    if start < 0:
        return None
    end = line.find("}", column - 1)
    value = line[start + 2: end if end >= 0 else len(line)].strip()
    key = before[max(before.rfind("{", 0, start), before.rfind(",", 0, start)) + 1:start].strip()
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return N_("the comma in `%(value)s` ends the text there, so `%(name)s` was read as another field: in a one-line "
              "`{zh: …, en: …}` text that contains a comma, put the text in double quotes: %(key)s: %(quoted)s",
              value=value, name=loc[-1], key=key, quoted=quoted)


def _resolve(data: Any, loc: Loc) -> int:
    """How many leading parts of `loc` exist in the data."""
    n = 0
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            break
        n += 1
    return n


def _shortened(value: Any) -> Any:
    """A value as a message quotes it: a 4,000-digit figure or a pasted page is cut to its ends."""
    if isinstance(value, (str, int)) and not isinstance(value, bool) and len(text := str(value)) > 80:
        digits = not isinstance(value, str) or re.fullmatch(r"[-+]?[0-9]+", text)  # a figure the loader left as text
        return f"{text[:20]}…({len(text):,} digits)" if digits else f"{text[:40]}…{text[-12:]} ({len(text):,} characters)"
    return value


def _shape_problem(doc: Document, cls: type, error: dict) -> Problem:
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    given = _shortened(error.get("input"))
    found = _resolve(doc.data, loc)
    if kind in ("missing", "unexpected_keyword_argument", "extra_forbidden"):
        where_loc = loc  # the missing or unknown key itself
    else:
        where_loc = loc[:found]  # drop pydantic's union-member suffixes such as "float"
    name = str(loc[-1]) if loc else ""
    revision_value = "revisions" in loc and any(part in ("from", "to") for part in loc[loc.index("revisions"):])
    if kind == "missing":
        message = N_("required field `%(name)s` is missing; add it (see the editor's guide in README.md)", name=name)
    elif isinstance(given, list) and len(given) == 1 and not isinstance(given[0], (list, dict)) and \
            kind.startswith(("float", "int", "date", "string", "bool")):
        # `number: [13]`: one value in brackets, where one value belongs (the message would show `13`)
        message = N_("`[%(given)s]` is a list of one; write the value without brackets: `%(name)s: %(given)s`",
                     given=given[0], name=str(where_loc[-1]) if where_loc else name)
    elif revision_value and kind != "missing":
        message = N_("`%(given)s` is neither a number nor a date; write the target value (e.g. 12) for `field: value`, "
                     "or the deadline (YYYY-MM-DD) for `field: deadline`", given=given)
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = next(iter(error.get("ctx", {}).values()), "")
        bound = f"{bound:g}" if isinstance(bound, (int, float)) else bound
        message = {"greater_than": N_("`%(given)s` is out of range; write a number more than %(bound)s", given=given, bound=bound),
                   "greater_than_equal": N_("`%(given)s` is out of range; write a number at least %(bound)s", given=given, bound=bound),
                   "less_than": N_("`%(given)s` is out of range; write a number less than %(bound)s", given=given, bound=bound),
                   "less_than_equal": N_("`%(given)s` is out of range; write a number at most %(bound)s", given=given, bound=bound)}[kind]
        if bound in (f"{m.MAX_FIGURE:g}", f"{-m.MAX_FIGURE:g}"):  # the bound on every figure: sums must stay finite
            message = N_("`%(given)s` is too large a figure (at most %(max)s either way); check the digits, "
                         "or write it in a larger unit with `scale`", given=given, max=f"{m.MAX_FIGURE:,.0f}")
    elif kind == "finite_number" and not _too_large(error.get("input")):
        message = N_("`%(given)s` is not an ordinary number (.nan and .inf are not figures); write digits, e.g. 10000", given=given)
    elif kind in ("unexpected_keyword_argument", "extra_forbidden") and name in ("True", "False"):
        # `yes:` / `no:` / `on:` as a key: YAML 1.1 reads it as true or false (the message said `True`)
        message = N_("a key written `yes`, `no`, `on` or `off` is read as %(value)s (YAML 1.1); if it is a field, check its "
                     "name; if it is text, put it in quotes", value=name.lower())
    elif kind in ("unexpected_keyword_argument", "extra_forbidden"):
        holder = _class_at(cls, loc)
        allowed = _field_names(holder) if holder else []
        message = (_misplaced_key(cls, loc, name)
                   or N_("unknown field `%(name)s`", name=name) + (_did_you_mean(name, allowed) or (N_("; allowed here: %(fields)s", fields=allowed) if allowed else "")))
        if holder is m.Target and any(word in name.lower() for word in _REVISION_WORDS) and name != "revisions":
            message += N_("; to record a changed target value or deadline, %(howto)s", howto=REVISION_HOWTO)
    elif kind.startswith("date"):
        reason = error["msg"].split(",", 1)[1].strip() if "," in error["msg"] else ""
        impossible = "outside expected range" in reason
        message = (N_("`%(given)s` is not a real date", given=given) if impossible else N_("`%(given)s` is not a date", given=given)) + \
            N_("; write dates as YYYY-MM-DD, e.g. 2020-06-30")
    elif kind.startswith(("float", "int", "finite")) and _too_large(error.get("input")):
        message = N_("`%(given)s` is too large a figure (at most %(max)s either way); check the digits, "
                     "or write it in a larger unit with `scale`", given=given, max=f"{m.MAX_FIGURE:,.0f}")
    elif kind.startswith(("float", "int")) and isinstance(given, bool):
        message = N_("`%(given)s` is a yes/no value, not a number; write the number here, e.g. 3", given="true" if given else "false")
    elif kind.startswith(("float", "int")):
        yes_no = _yes_no_words(given) if _target_kind(doc.data, loc) in ("milestone", None) else None
        message = (yes_no or _number_in_words(given, _target_scale(doc.data, loc)) or _full_width_digits(given)
                   or N_("expected a number, got `%(given)s`; write digits only, e.g. 90 or 14.6 (no units, no commas)", given=given))
    elif kind.startswith("bool"):
        message = _yes_no_words(given) or N_("expected true or false, got `%(given)s`", given=given)
    elif kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",") if c.strip(" '")]
        # The choices as they are written in the file, without pydantic's English "or".
        message = N_("`%(given)s` is not allowed here; use one of %(allowed)s", given=given,
                     allowed=" / ".join(f"`{c}`" for c in choices))
        meant = CHINESE_CHOICES.get(str(given).strip())
        message += (N_("; for %(given)s write `%(word)s`", given=given, word=meant) if meant in choices
                    else _did_you_mean(str(given), choices))
    elif kind == "dict_type" and isinstance(given, str) and _is_text_field(cls, where_loc):
        # the commonest slip of a new editor: `title: 推广社区涂鸦治理小广告`, one text where each language has one
        field_name = str(where_loc[-1])
        message = N_("a text is written once per language: `%(name)s: {zh: %(given)s, en: …}` (with the English after "
                     "`en:`; in a bulletin in Chinese only, `%(name)s: {zh: %(given)s}`)", name=field_name, given=given)
    elif kind in ("dict_type", "dataclass_type", "dataclass_exact_type"):
        message = N_("expected a block of `key: value` lines here, got `%(given)s`", given=given)
    elif kind == "list_type":
        message = N_("expected a list here (lines starting with `- `), got `%(given)s`", given=given)
    elif kind == "string_type" and given is None and _comma_split(doc, loc):
        message = _comma_split(doc, loc)
    elif kind == "string_type":
        message = N_("expected text, got `%(given)s`; put it in quotes if it is meant as text", given=given)
    elif kind == "string_pattern_mismatch":
        message = N_("`%(given)s` is not a valid id; use lower-case letters, digits and hyphens, e.g. elderly-care", given=given)
    elif kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length", safety.MAX_SLUG)
        length = len(str(error.get("input")))  # the value as written, not as the message quotes it
        message = (N_("`%(start)s…` is %(length)s characters long; at most %(limit)s are allowed here: shorten it",
                      start=str(given)[:20], length=length, limit=limit) if "traditional_keep" in loc
                   else N_("`%(start)s…` is %(length)s characters long; an id has at most %(limit)s: shorten it",
                           start=str(given)[:20], length=length, limit=limit))
    elif kind == "string_too_short":
        message = N_("must not be empty; write the text, or remove the line")
    elif kind == "too_short":
        message = N_("must not be empty; add at least one item")
    else:  # a rule without a message of its own: pydantic's words, said where and of what
        message = N_("`%(given)s` is not allowed here (%(reason)s)", given=given, reason=error["msg"])
    line, column = doc.where(where_loc, key=kind in ("unexpected_keyword_argument", "extra_forbidden"))
    field_path = dotted(where_loc if kind != "missing" else loc)
    return Problem(doc.name, line, column, field_path, message)


def _typed(doc: Document, kind: str) -> tuple[Any, list[Problem]]:
    try:
        return _ADAPTERS[kind].validate_python(doc.data), []
    except ValidationError as exc:
        errors = exc.errors()
        seen: set[str] = set()
        problems = []
        for error in errors:
            problem = _shape_problem(doc, FILE_KINDS[kind], error)
            # A union yields one error per member: keep the first. One unquoted comma can split a text
            # into several fields: one message for the line.
            key = (problem.line, "comma") if problem.message.startswith("the comma in `") else problem.field
            if key not in seen:
                seen.add(key)
                problems.append(problem)
        return _without_unknown_keys(doc.data, errors, kind), problems


def _without_unknown_keys(data: Any, errors: list[dict], kind: str) -> Any:
    """The file read without its unknown keys, when they are all that is wrong with it (a
    misspelt `deadlien:`): such a key was never going to be read, so the rest of the file is
    checked as usual and its other problems are reported in the same run. None otherwise."""
    if any(e["type"] not in ("extra_forbidden", "unexpected_keyword_argument") or not e["loc"] for e in errors):
        return None
    data = copy.deepcopy(data)
    for error in errors:
        *path, key = error["loc"]
        holder = data
        for part in path:
            holder = holder[part] if isinstance(holder, (dict, list)) else None
        if not isinstance(holder, dict) or key not in holder:
            return None
        del holder[key]
    try:
        return _ADAPTERS[kind].validate_python(data)
    except (ValidationError, LookupError, TypeError):
        return None


# --- rules across fields and files ---------------------------------------------------

class _Rules:
    """Collects semantic problems with positions from the document that holds each value."""

    def __init__(self, bulletin: m.Bulletin):
        self.bulletin = bulletin
        self.problems: list[Problem] = []
        self.translations = TranslationReport()
        # Ids written in files that failed validation, by kind ("source", ...): references to
        # them are not reported again, so one typo in sources.yaml is one problem, not fifty.
        self.unverified: dict[str, set[str]] = {}
        self.departments: dict = {}  # known department ids, for next steps
        self.programme_files: dict[str, str] = {}  # programme id -> content-relative file, for messages naming it
        self.unused_languages: set[tuple[str, str]] = set()  # (file, language) already warned of

    def add(self, doc: Document, loc: Loc, message: str, severity: str = "error") -> None:
        line, column = doc.where(loc)
        self.problems.append(Problem(doc.name, line, column, dotted(loc), message, severity))  # type: ignore[arg-type]

    def texts(self, doc: Document, obj: Any, loc: Loc = ()) -> None:
        """Check every Text in `obj` for unknown and missing languages."""
        if isinstance(obj, dict):
            # `unit_one` is written only where a language changes the unit after 1: never missing, never counted
            optional = bool(loc) and loc[-1] == "unit_one"
            self.translations.total += not optional
            languages = self.bulletin.languages
            if any(obj.get(lang) in PLACEHOLDERS for lang in languages):
                self.add(doc, loc, N_("this is still the example text written by `bulletin new`; replace it with the real text "
                                      "in every language"))
            elif any(obj.get(lang) in STARTER_TEXTS for lang in languages):  # a warning: the starter builds as it is
                self.add(doc, loc, N_("this is still the starter bulletin's example text (`bulletin new bulletin`); replace it "
                                      "with the real text before publishing"), "warning")
            for lang in obj:
                if lang in languages:
                    continue
                if isinstance(obj[lang], str) and obj[lang].strip() and isinstance(lang, str) and language_problem(lang) is None:
                    # A real language the bulletin does not publish (an `en:` text in a Chinese-only
                    # bulletin, as `bulletin new` writes it): not published, said once per file.
                    if (doc.name, lang) not in self.unused_languages:
                        self.unused_languages.add((doc.name, lang))
                        self.add(doc, loc + (lang,), N_("`%(lang)s` is not one of this bulletin's languages (%(languages)s), so this "
                                                        "text and every `%(lang)s` text in this file are not published; delete them, "
                                                        "or add `%(lang)s` to `languages` in bulletin.yaml", lang=lang, languages=languages),
                                 "warning")
                elif obj[lang] in (None, "") and _comma_split(doc, loc + (lang,)):  # a split leaves a key with no text
                    self.add(doc, loc + (lang,), _comma_split(doc, loc + (lang,)))
                else:
                    self.add(doc, loc + (lang,), N_("unknown language `%(lang)s`; the bulletin's languages are %(languages)s", lang=lang, languages=languages)
                             + _did_you_mean(lang, languages))
            most = NAME_LENGTHS.get(loc[-1]) if loc and isinstance(loc[-1], str) else None
            for lang in languages:
                if most and isinstance(obj.get(lang), str) and len(obj[lang]) > most:
                    self.add(doc, loc + (lang,), N_(
                        "this `%(field)s` is %(n)s characters long, more than %(most)s; it is printed in lists, "
                        "breadcrumbs, charts and reports (a very long one takes minutes to print): shorten it and put the "
                        "rest in the description or summary", field=loc[-1], n=f"{len(obj[lang]):,}", most=most))
                if optional:
                    continue
                if obj.get(lang, "").strip():
                    self.translations.present[lang] += 1
                elif m.CONVERTED.get(lang) in languages and obj.get(m.CONVERTED[lang], "").strip():
                    self.translations.converted[lang] += 1  # made at build time (zh-Hant from zh)
                else:
                    self.add(doc, loc, N_("missing the `%(lang)s` text; add `%(lang)s: …` beside the others", lang=lang),
                             self.bulletin.missing_translations)
        elif isinstance(obj, list):
            for i, item in enumerate(obj):
                self.texts(doc, item, loc + (i,))
        elif dataclasses.is_dataclass(obj):
            for f in dataclasses.fields(obj):
                self.texts(doc, getattr(obj, f.name), loc + (f.name,))

    def ref(self, doc: Document, loc: Loc, value: str, known: dict, what: str, where: str) -> None:
        if value not in known and value not in self.unverified.get(what, ()):
            named = _named(value, known)
            if named:
                self.add(doc, loc, N_("`%(value)s` is the name of %(what)s `%(id)s`, not its id; write the id: %(id)s",
                                      value=value, what=_WHAT.get(what, what), id=named))
                return
            self.add(doc, loc, N_("unknown %(what)s `%(value)s`", what=_WHAT.get(what, what), value=value)
                     + (_did_you_mean(value, list(known)) or N_("; add it to %(where)s first", where=where)))


def _named(value: str, known: dict) -> str | None:
    """The id of the item whose name (in any language, or short name) is `value`."""
    wanted = value.strip()
    names = {ident: [v.strip() for attr in ("name", "short_name", "title", "short_title")
                     for v in (getattr(item, attr, None) or {}).values() if isinstance(v, str) and v.strip()]
             for ident, item in known.items()}
    for ident, texts in names.items():
        if wanted in texts:
            return ident
    # A shortened or lengthened name (昌平区民政局 for 北京市昌平区民政局): only when one item matches.
    if len(wanted) >= 3:
        close = [ident for ident, texts in names.items() if any(wanted in t or t in wanted for t in texts if len(t) >= 3)]
        if len(close) == 1:
            return close[0]
    return None


# Texts written by `bulletin new` for the editor to replace; left as they are, they would be published.
PLACEHOLDERS = frozenset({
    "新措施（请填写标题）", "New measure (write the title)",
    "用一两句话说明这项措施要做什么。", "Say in a sentence or two what this measure will do.",
    "新方案（请填写标题）", "New programme (write the title)",
    "用一两句话概括这个方案。", "Sum up the programme in a sentence or two.",
    "新单位（请填写名称）", "New department (write its name)",
    "新来源（请填写标题）", "New source (write its title)",
    "发布单位（请填写）", "Publisher (write it)",
})
# The starter bulletin's texts (scaffold.STARTER): it passes `check` so that it builds at once,
# with a warning for each text still to be replaced.
STARTER_TEXTS = frozenset({
    "示例进展公报", "Example Progress Bulletin", "示例编辑部", "Example editorial office",
    "这是由 `bulletin new bulletin` 生成的示例公报，请替换为真实内容。",
    "An example bulletin written by `bulletin new bulletin`; replace it with real content.",
    "示例区人民政府", "Example District People's Government", "示例区民政局", "Example District Civil Affairs Bureau",
    "示例工作方案", "Example work plan", "示例方案，包含一项措施。", "An example plan with one measure.",
    "示例措施。", "An example measure.",
})


def _check_bulletin(rules: _Rules, doc: Document, b: m.Bulletin) -> None:
    if b.default_language and b.default_language not in b.languages:
        rules.add(doc, ("default_language",), N_("`%(lang)s` is not one of the languages (%(languages)s)", lang=b.default_language, languages=b.languages))
    if len(set(b.languages)) != len(b.languages):
        rules.add(doc, ("languages",), N_("a language is listed twice"))
    if b.thresholds.ahead <= b.thresholds.behind:
        rules.add(doc, ("thresholds",), N_("`ahead` must be larger than `behind`"))
    if b.pace_rule and b.pace_rule.seriously_behind is not None and b.pace_rule.seriously_behind <= b.pace_rule.behind:
        rules.add(doc, ("pace_rule", "seriously_behind"), N_("`seriously_behind` (%(serious)s points) must be "
                                                             "more than `behind` (%(behind)s points)",
                                                             serious=float(b.pace_rule.seriously_behind), behind=float(b.pace_rule.behind)))
    problem = safety.base_url_problem(b.base_url)
    if problem:
        rules.add(doc, ("base_url",), problem)
    for i, code in enumerate(b.languages):
        problem = language_problem(code)
        if problem:
            rules.add(doc, ("languages", i), problem)
    if b.licence and b.licence.url and not _web_address(b.licence.url):
        rules.add(doc, ("licence", "url"), N_("write the licence's full address, starting with https://"))
    if b.feedback:
        f = b.feedback
        if not f.email and not f.url:
            rules.add(doc, ("feedback",), N_("give an `email` or a `url` where readers send corrections, or remove `feedback`"))
        if f.email and not _email_address(f.email):
            rules.add(doc, ("feedback", "email"), N_("`%(email)s` is not an email address; write it as name@example.gov.cn", email=f.email))
        if f.url and not _web_address(f.url):
            rules.add(doc, ("feedback", "url"), N_("write the full address of the feedback page, starting with https://"))
        if f.url and (bad := set(re.findall(r"\{([^}]*)\}", f.url)) - FEEDBACK_FIELDS):
            rules.add(doc, ("feedback", "url"), N_("unknown placeholder %(placeholder)s; the url may use %(allowed)s",
                                                    placeholder="{" + sorted(bad)[0] + "}",
                                                    allowed=" ".join("{" + k + "}" for k in sorted(FEEDBACK_FIELDS))))


# Placeholders a feedback url may contain, filled in per measure page.
FEEDBACK_FIELDS = frozenset({"measure", "number", "title", "page"})


def _web_address(url: str) -> bool:
    """A link readers can follow: http(s) only, and safe by the rules every `url:` follows.
    (One host character, then no space: a host pattern with `+` followed by `*` said the same in a
    time quadratic in the address, 8 s for 30,000 characters.)"""
    return re.fullmatch(r"https?://[^\s/?#]\S*+", url) is not None and safety.link_problem(url) is None


def _email_address(email: str) -> bool:
    """name@host.domain, with none of the characters that would break a mailto: link. Checked
    part by part: one pattern for the whole address took a time quadratic in its length."""
    local, at, domain = email.partition("@")
    return bool(at) and re.fullmatch(r"[^@\s<>\"'?&]++", local) is not None \
        and re.fullmatch(r"[^@\s<>\"'?&/]++", domain) is not None and "." in domain[1:-1]


def language_problem(code: str) -> str | None:
    """Language codes name folders, `lang` and `hreflang` attributes and a CLDR locale: a plain code CLDR knows."""
    from babel import Locale, UnknownLocaleError

    # A script subtag is allowed for Traditional Chinese (zh-Hant), which the build converts from zh.
    if not re.fullmatch(r"[a-z]{2,3}", code) and code not in m.CONVERTED:
        return N_("`%(code)s` is not a language code; write a two- or three-letter code in lower case, such as zh, en or fr "
                  "(or zh-Hant)", code=code)
    try:
        locale = Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return N_("`%(code)s` is not a language CLDR knows; write a code such as zh, en or fr", code=code)
    if locale.language != code.split("-")[0]:  # `eng` is English, but its pages would live under eng/
        return N_("write `%(short)s` for this language, the shortest code (not `%(code)s`)", short=locale.language, code=code)
    return None


def _check_sources(rules: _Rules, documents: list, published: set[str], root: Path) -> None:
    """Links must be safe to click, and a `seed` must name a published file inside content/sources/."""
    for doc, obj in documents:
        for i, src in enumerate(obj.sources):
            if src.url is not None:
                problem = safety.link_problem(src.url)
                if problem:
                    rules.add(doc, ("sources", i, "url"), problem)
            if src.seed is not None:
                problem = safety.seed_problem(src.seed)
                if problem:
                    rules.add(doc, ("sources", i, "seed"), problem)
                elif src.seed in published:
                    continue
                elif not os.path.lexists(root / "sources" / src.seed):
                    rules.add(doc, ("sources", i, "seed"), N_("no file content/sources/%(seed)s; copy the document there or remove `seed`", seed=src.seed))
                else:
                    rules.add(doc, ("sources", i, "seed"), N_("content/sources/%(seed)s cannot be published (see the problem reported for that file)",
                                                              seed=src.seed))


def file_error_message(exc: OSError) -> str:
    reason = exc.strerror or type(exc).__name__
    return N_("this file cannot be read (%(reason)s); check that it exists, is a file and is readable, or delete it", reason=reason)


def _check_rounds(doc: Document, b: m.Bulletin) -> tuple[list[Problem], Any]:
    """Reporting rounds: in date order, each once, the last being the reporting date.

    Returns the problems and the reporting date (as_of, else the last round; None if neither is written)."""
    problems: list[Problem] = []

    def add(loc: Loc, message) -> None:
        line, column = doc.where(loc)
        problems.append(Problem(doc.name, line, column, dotted(loc), message))

    if b.as_of is None and not b.rounds:
        add(("as_of",), N_("required field `as_of` is missing; add the reporting date, e.g. `as_of: 2020-06-30`, "
                           "or list the reporting rounds, e.g. `rounds: [2019-12-31, 2020-06-30]` (the last is the reporting date)"))
        return problems, None
    seen: dict = {}
    for i, day in enumerate(b.rounds):
        if day in seen:
            add(("rounds", i), N_("round %(day)s is listed twice (first as item %(first)s); remove one of them",
                                  day=day.isoformat(), first=seen[day] + 1))
            continue
        seen[day] = i
        if i and day < b.rounds[i - 1]:
            add(("rounds", i), N_("round %(day)s comes after %(before)s in the list; list the rounds oldest first, "
                                  "so the last line is the current round", day=day.isoformat(), before=b.rounds[i - 1].isoformat()))
    if b.rounds and b.as_of is not None and max(b.rounds) != b.as_of:
        latest = max(b.rounds)
        if b.as_of > latest:
            add(("as_of",), N_("the reporting date as_of %(as_of)s is not in `rounds`; add `- %(as_of)s` at the end of "
                               "`rounds`, or remove `as_of` (the last round is then the reporting date)", as_of=b.as_of.isoformat()))
        else:
            add(("rounds",), N_("the last round %(latest)s is after the reporting date as_of %(as_of)s; the last round is the "
                                "current reporting date: set `as_of: %(latest)s`, or remove `as_of`",
                                latest=latest.isoformat(), as_of=b.as_of.isoformat()))
    return problems, b.as_of if b.as_of is not None else max(b.rounds)


def _unique(rules: _Rules, doc: Document, items: list, key: str, what: str) -> dict:
    seen: dict[str, Any] = {}
    for i, item in enumerate(items):
        ident = item.id
        if ident in seen:
            rules.add(doc, (key, i, "id"), N_("duplicate %(what)s id `%(id)s`; ids must be unique", what=_WHAT.get(what, what), id=ident))
        else:
            seen[ident] = item
    return seen


def _check_milestone_values(rules: _Rules, doc: Document, loc: Loc, t: m.Target) -> None:
    """Interim milestones lie between the baseline and the target: one beyond either end makes the
    expected pace run backwards ("6% of the way expected" on a target that goes down), and a target
    equal to its baseline has no way to measure progress along."""
    if t.kind == "milestone" or not isinstance(t.target, (int, float)) or isinstance(t.target, bool):
        return
    base = float(t.baseline.value) if t.baseline else 0.0
    goal = float(t.target)
    if goal == base and t.baseline is not None:
        rules.add(doc, loc + ("target",), N_("the target %(target)s equals the baseline, so progress towards it cannot be "
                                             "measured (a report is either the target or none of the way); correct the "
                                             "baseline or the target", target=goal), "warning")
        return
    for i, ms in enumerate(t.milestones):
        then = goal  # against the target as it stood on the milestone's date: a later revision may lower it
        if t.revisions:
            try:
                value = t.as_at(ms.date).target
                then = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else goal
            except Exception:  # noqa: BLE001 - inconsistent revisions are reported by their own check
                pass
        low, high = min(base, then), max(base, then)
        if isinstance(ms.value, (int, float)) and not isinstance(ms.value, bool) and not low <= ms.value <= high:
            # A warning: real plans set milestones before a baseline was measured (90% by 2019, from 92%).
            rules.add(doc, loc + ("milestones", i, "value"), N_("milestone value %(value)s is not between the baseline %(baseline)s "
                                                                "and the target %(target)s, so the expected pace runs backwards "
                                                                "there; check the milestone and the baseline", value=float(ms.value),
                                                                baseline=base, target=then), "warning")


@dataclass(frozen=True)
class ReportingLimit:
    """The date nothing in a measure may be dated after, said as the editor will find it.

    "Move as_of forward" sent editors to a field that may not be written: with `rounds` the
    reporting date is the last round, and a programme's own `as_of` (its figures frozen) wins
    over both. The message names the one in force and the file it is in."""

    as_of: dt.date
    what: Msg  # "the reporting date as_of 2020-06-30 in bulletin.yaml"
    fix: Msg  # "move as_of in bulletin.yaml forward"


def reporting_limit(bulletin: m.Bulletin, programme: m.Programme | None, programme_file: str) -> ReportingLimit:
    if programme is not None and programme.as_of is not None:
        return ReportingLimit(programme.as_of, N_("the programme's own reporting date as_of %(as_of)s (in %(file)s: its "
                                                  "figures are frozen at that date)", as_of=programme.as_of, file=programme_file),
                              N_("if the programme is still reported on, move that as_of forward or remove it from %(file)s",
                                 file=programme_file))
    if bulletin.rounds:
        return ReportingLimit(bulletin.as_of, N_("the current round %(as_of)s (the last of `rounds` in bulletin.yaml)",
                                                 as_of=bulletin.as_of),
                              N_("if it belongs to a new round, add that round at the end of `rounds` in bulletin.yaml"))
    return ReportingLimit(bulletin.as_of, N_("the reporting date as_of %(as_of)s in bulletin.yaml", as_of=bulletin.as_of),
                          N_("move as_of in bulletin.yaml forward"))


def _percentage_problems(t: m.Target) -> list[tuple[Loc, float, str]]:
    """A percentage's figures outside 0–100: (where in the target, value, severity).

    Real targets pass 100 (待遇不低于全市职工平均工资的100%, a growth rate of 120%), so above 100 is
    a warning, not an error; figures above 100 on a target whose own `target` or `baseline` is
    above 100 agree with it and are not warned of again. Below 0 is a slip for a share, but not
    for a rate the editors gave a negative target or baseline: an error unless they did."""
    def number(value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    own = [(("target",), t.target), (("baseline", "value"), t.baseline.value if t.baseline else None)]
    figures = [(("milestones", i, "value"), ms.value) for i, ms in enumerate(t.milestones)]
    figures += [(("progress", i, "value"), e.value) for i, e in enumerate(t.progress)]
    negative = any(number(v) and v < 0 for _, v in own)
    beyond = any(number(v) and v > 100 for _, v in own)
    found = []
    places = {sub for sub, _ in own}
    for sub, value in own + figures:
        if not number(value):
            continue
        if value < 0 and not negative:
            found.append((sub, float(value), "error"))
        elif value > 100 and (sub in places or not beyond):
            found.append((sub, float(value), "warning"))
    return found


def _check_target(rules: _Rules, doc: Document, loc: Loc, t: m.Target, start, deadline, limit: ReportingLimit,
                  sources: dict) -> None:
    as_of = limit.as_of
    rules.ref(doc, loc + ("source",), t.source, sources, "source", "sources.yaml")
    numeric = t.kind != "milestone"
    if t.kind == "milestone":
        if t.target is not None and t.target is not True:
            rules.add(doc, loc + ("target",), N_("a milestone's target is `true` (done); use kind: count for numbers"))
        for i, entry in enumerate(t.progress):
            if not isinstance(entry.value, bool):
                rules.add(doc, loc + ("progress", i, "value"), N_("a milestone's progress is true (done) or false (not yet)"))
            elif entry.value and not entry.source:
                rules.add(doc, loc + ("progress", i), N_("a completed milestone needs a `source` that shows it was done"))
    else:
        if isinstance(t.target, bool):
            rules.add(doc, loc + ("target",), N_("a %(kind)s target is a number; use kind: milestone for yes/no", kind=t.kind))
        for i, entry in enumerate(t.progress):
            if isinstance(entry.value, bool):
                rules.add(doc, loc + ("progress", i, "value"), N_("a %(kind)s target's progress is a number, not true/false", kind=t.kind))
    if t.kind == "amount" and t.unit is None:
        rules.add(doc, loc + ("unit",), N_("an amount needs a `unit`, e.g. {zh: 元, en: yuan} with `scale: 10000` for figures in 万元"))
    if t.kind == "percentage" and not (isinstance(t.target, (int, float)) and not isinstance(t.target, bool) and t.target <= 1):
        for i, entry in enumerate(t.progress):
            if isinstance(entry.value, float) and not isinstance(entry.value, bool) and 0 < entry.value < 1:
                rules.add(doc, loc + ("progress", i, "value"), N_(
                    "%(value)s on a percentage target looks like a fraction: a percentage is written as 80 for 80%%; "
                    "write %(percent)s if %(percent)s%% is meant", value=entry.value, percent=_plain(entry.value * 100)), "warning")
    if t.unit_one is not None and t.unit is None:
        rules.add(doc, loc + ("unit_one",), N_("`unit_one` is the unit after the figure 1 and needs the target's `unit` "
                                               "beside it, e.g. `unit: {zh: 个, en: stations}` with `unit_one: {en: station}`"))
    if t.scale is not None and t.kind in ("percentage", "milestone"):
        rules.add(doc, loc + ("scale",), N_("a %(kind)s target has no scale; remove `scale`", kind=t.kind))
    elif t.unit is not None or t.scale is not None:
        for message in scaled_unit(t.unit, t.scale).problems:
            rules.add(doc, loc + ("unit",), message, "error" if t.scale is not None else "warning")
    _check_revisions(rules, doc, loc, t, deadline, limit, sources)
    _check_steps(rules, doc, loc, t.next_steps)
    if t.kind == "percentage":
        for sub, value, severity in _percentage_problems(t):
            if severity == "error":
                rules.add(doc, loc + sub, N_("%(value)s is below 0; a percentage is written as 90 for 90%%, and only a target whose "
                                             "own `target` or `baseline` is below 0 (a growth rate) takes figures below 0",
                                             value=float(value)))
            else:
                rules.add(doc, loc + sub, N_("%(value)s is above 100: right for a ratio or a growth rate (pay at 105%% of the "
                                             "average wage), a slip for a share such as coverage, which cannot pass 100; a "
                                             "percentage is written as 90 for 90%%", value=float(value)), "warning")
    if numeric and isinstance(t.target, (int, float)) and not isinstance(t.target, bool):
        if t.direction == "down" and t.baseline is None:
            rules.add(doc, loc + ("direction",), N_("a target that goes down needs a `baseline` (the value it starts from), "
                                                    "e.g. baseline: {value: 40, date: 2020-01-01}"))
        elif t.baseline is not None and t.direction == "up" and t.target < t.baseline.value:
            rules.add(doc, loc + ("target",), N_("the target %(target)s is below the baseline %(baseline)s; "
                                                 "add `direction: down` for a figure that should fall", target=float(t.target), baseline=float(t.baseline.value)))
        elif t.baseline is not None and t.direction == "down" and t.target > t.baseline.value:
            rules.add(doc, loc + ("target",), N_("the target %(target)s is above the baseline %(baseline)s "
                                                 "but `direction` is down; remove `direction: down` or correct the figures",
                                                 target=float(t.target), baseline=float(t.baseline.value)))
    if t.kind in ("count", "amount") and isinstance(t.target, (int, float)) and not isinstance(t.target, bool):
        _check_magnitudes(rules, doc, loc, t)
    if numeric and t.milestones and t.target is None:
        rules.add(doc, loc + ("milestones",), N_("interim milestones need a final `target` value"))
    if start and deadline and deadline < start:
        rules.add(doc, loc + ("deadline",), N_("deadline %(deadline)s is before the start %(start)s", deadline=deadline, start=start))
    for i, ms in enumerate(t.milestones):
        if deadline and ms.date > deadline:
            rules.add(doc, loc + ("milestones", i, "date"), N_("milestone %(date)s is after the deadline %(deadline)s", date=ms.date, deadline=deadline))
        elif start and ms.date < start:  # the expected line would run backwards in time (a warning: content that built before still builds)
            rules.add(doc, loc + ("milestones", i, "date"), N_("milestone %(date)s is before the start %(start)s (the target's "
                                                               "`start`, else its baseline date, else the measure's or "
                                                               "programme's start); correct the date, or give the target "
                                                               "an earlier `start`", date=ms.date, start=start), "warning")
    _check_milestone_values(rules, doc, loc, t)
    for i, entry in enumerate(t.progress):
        where = loc + ("progress", i, "date")
        if entry.date > as_of:
            rules.add(doc, where, N_("progress dated %(date)s is after %(limit)s; correct the date, or %(fix)s",
                                     date=entry.date, limit=limit.what, fix=limit.fix))
        if start and entry.date < start and not (t.baseline and entry.date < t.baseline.date):
            rules.add(doc, where, N_("progress dated %(date)s is before the work starts (%(start)s, from the target, measure "
                                     "or programme); correct the date, or set an earlier `start`", date=entry.date, start=start))
        if t.baseline and entry.date < t.baseline.date:
            rules.add(doc, where, N_("progress dated %(date)s is before the baseline date %(baseline)s", date=entry.date, baseline=t.baseline.date))
        if entry.source:
            rules.ref(doc, loc + ("progress", i, "source"), entry.source, sources, "source", "sources.yaml")


# A report more than this many times the target (or its baseline) is taken for a slip of the
# unit: a figure counted one by one (11200 people) where the target counts in 万 (1.5).
IMPLAUSIBLE_TIMES = 10


def _check_magnitudes(rules: _Rules, doc: Document, loc: Loc, t: m.Target) -> None:
    reference = max(abs(float(t.target)), abs(float(t.baseline.value)) if t.baseline else 0.0)  # type: ignore[arg-type]
    if reference == 0:
        return
    scale = scaled_unit(t.unit, t.scale).scale
    for i, entry in enumerate(t.progress):
        value = entry.value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or abs(value) <= IMPLAUSIBLE_TIMES * reference:
            continue
        if scale != 1 and _base_unit(t):
            message = N_("%(value)s is more than ten times the target %(target)s. This target's figures are written in "
                         "%(unit)s, so %(value)s means %(full)s; if the figure was written in %(base)s, write %(suggested)s",
                         value=_plain(value), target=_plain(float(t.target)), **_amount_words(t, value),  # type: ignore[arg-type]
                         suggested=_plain(value / scale))
        elif scale != 1:
            message = N_("%(value)s is more than ten times the target %(target)s. This target's figures are written in "
                         "units of %(scale)s, so %(value)s means %(full)s; if the figure was counted one by one, write "
                         "%(suggested)s", value=_plain(value), target=_plain(float(t.target)), scale=f"{scale:,.0f}",
                         full=f"{value * scale:,.0f}", suggested=_plain(value / scale))  # type: ignore[arg-type]
        else:
            message = N_("%(value)s is more than ten times the target %(target)s; check the figure, and that it is "
                         "written in the target's unit", value=_plain(value), target=_plain(float(t.target)))  # type: ignore[arg-type]
        rules.add(doc, loc + ("progress", i, "value"), message, "warning")


def _base_unit(t: m.Target) -> bool:
    """Whether the target's unit names something besides its scale (元 in 万元; not 万 alone)."""
    return any(scaled_unit(t.unit, t.scale).unit.values())


def _amount_words(t: m.Target, value: float) -> dict[str, ByLanguage]:
    """A figure in the target's unit as each language says it (units.py): the unit figures are
    written in (万元 / yuan (× 10,000)), the amount meant (1600亿元 / 160 billion yuan) and the base unit.
    "means 160,000,000,000" left a clerk counting zeros."""
    from .l10n import languages_for
    from .units import axis_title, format_figure

    langs = languages_for(["zh", "en"])
    su = scaled_unit(t.unit, t.scale)

    def each(say) -> ByLanguage:
        return ByLanguage(tuple((code, say(lang)) for code, lang in langs.items()))

    return {"unit": each(lambda lang: axis_title(lang, t.unit, t.scale)),
            "full": each(lambda lang: format_figure(lang, value, t.unit, t.scale, t.unit_one)),
            "base": each(lambda lang: lang.text(su.unit).text)}


def _check_revisions(rules: _Rules, doc: Document, loc: Loc, t: m.Target, deadline, limit: ReportingLimit, sources: dict) -> None:
    """Revisions form a chain per field (each `from` is the previous `to`) ending at the current target."""
    current = {"value": t.target, "deadline": deadline}
    last: dict[str, Any] = {}
    previous_date = None
    for i, rev in enumerate(t.revisions):
        where = loc + ("revisions", i)
        rules.ref(doc, where + ("source",), rev.source, sources, "source", "sources.yaml")
        if rev.date > limit.as_of:
            rules.add(doc, where + ("date",), N_("revision dated %(date)s is after %(limit)s; correct the date, or %(fix)s",
                                                 date=rev.date, limit=limit.what, fix=limit.fix))
        if previous_date and rev.date < previous_date:
            rules.add(doc, where + ("date",), N_("revisions are listed oldest first; %(date)s comes before %(previous)s",
                                                 date=rev.date, previous=previous_date))
        previous_date = rev.date
        if rev.field == "value":
            if t.kind == "milestone" or t.target is None:
                rules.add(doc, where + ("field",), N_("only a target with a numeric `target:` value can have its value revised; "
                                                      "record `field: deadline` for a changed deadline"))
                continue
            wrong = [k for k, v in (("from", rev.from_), ("to", rev.to)) if isinstance(v, dt.date)]
        else:
            wrong = [k for k, v in (("from", rev.from_), ("to", rev.to)) if not isinstance(v, dt.date)]
        if wrong:
            kind = N_("a number (the target value)") if rev.field == "value" else N_("a date written YYYY-MM-DD (the deadline)")
            for k in wrong:
                rules.add(doc, where + (k,), N_("for `field: %(field)s`, `%(key)s` is %(kind)s", field=rev.field, key=k, kind=kind))
            continue
        if rev.from_ == rev.to:
            rules.add(doc, where + ("to",), N_("`from` and `to` are the same: nothing was changed"))
        if rev.field in last and last[rev.field] != rev.from_:
            rules.add(doc, where + ("from",), N_("`from: %(given)s` should be `%(expected)s`, the `to` of the previous %(field)s revision",
                                                 given=_shown(rev.from_), expected=_shown(last[rev.field]), field=rev.field))
        last[rev.field] = rev.to
    for what, value in last.items():
        now = current[what]
        if now is not None and value != (float(now) if what == "value" else now):
            key = "target" if what == "value" else "deadline"
            i = max(j for j, r in enumerate(t.revisions) if r.field == what)
            rules.add(doc, loc + ("revisions", i, "to"),
                      N_("the latest %(what)s revision says `to: %(to)s` but the target's `%(key)s` is %(now)s; %(howto)s",
                         what=what, to=_shown(value), key=key, now=_shown(now), howto=REVISION_HOWTO))


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else f"{value:g}" if isinstance(value, float) else str(value)


def _check_steps(rules: _Rules, doc: Document, loc: Loc, steps: list[m.NextStep]) -> None:
    for i, step in enumerate(steps):
        rules.ref(doc, loc + ("next_steps", i, "department"), step.department, rules.departments,
                  "department", "departments.yaml")


def _check_measure(rules: _Rules, doc: Document, ms: m.Measure, content: dict) -> None:
    programmes, departments, categories, sources = (content[k] for k in ("programmes", "departments", "categories", "sources"))
    rules.ref(doc, ("programme",), ms.programme, programmes, "programme", "content/programmes/")
    rules.ref(doc, ("category",), ms.category, categories, "category", "categories.yaml")
    for key in ("lead", "support"):
        for i, dept in enumerate(getattr(ms, key)):
            rules.ref(doc, (key, i), dept, departments, "department", "departments.yaml")
    for i, src in enumerate(ms.sources):
        rules.ref(doc, ("sources", i), src, sources, "source", "sources.yaml")
    programme = programmes.get(ms.programme)
    as_of = programme.reporting_date(rules.bulletin) if programme else rules.bulletin.as_of
    limit = reporting_limit(rules.bulletin, programme, rules.programme_files.get(ms.programme, ""))
    # With an unknown programme (reported above) only the measure's own dates are known; missing ones stay None.
    window = ms.window(programme.period) if programme else m.Period(ms.start, ms.deadline)
    if ms.added is not None and as_of is not None and ms.added > as_of:
        rules.add(doc, ("added",), N_("added %(date)s is after the reporting date as_of %(as_of)s; a measure enters the "
                                      "bulletin at a round on or before it: correct the date", date=ms.added, as_of=as_of))
    if ms.override:
        o = ms.override
        if o.status in ("paused", "dropped") and not o.reason:
            rules.add(doc, ("override",), N_("a `%(status)s` override needs a `reason` saying why, in every language", status=o.status))
        if o.status == "completed" and not o.source:
            rules.add(doc, ("override",), N_("a `completed` override needs a `source` that shows it was done"))
        if o.source:
            rules.ref(doc, ("override", "source"), o.source, sources, "source", "sources.yaml")
        published = [d for d in rules.bulletin.rounds if d < rules.bulletin.as_of and (programme is None or d >= programme.begins)]
        if o.date is None and published:  # a round this measure was in has been published
            rules.add(doc, ("override",), N_("an override without a `date` counts at every reporting round, so it changes rounds "
                                             "already published; add `date: YYYY-MM-DD`, the day it took effect"), "warning")
        if o.date is not None and as_of is not None and o.date > as_of:  # as progress: nothing is known after the reporting date
            rules.add(doc, ("override", "date"), N_("override dated %(date)s is after %(limit)s; correct the date, or %(fix)s",
                                                    date=o.date, limit=limit.what, fix=limit.fix))
    rules.departments = departments
    _check_steps(rules, doc, (), ms.next_steps)
    seen: set[str] = set()
    for i, t in enumerate(ms.targets):
        if t.id in seen:
            rules.add(doc, ("targets", i, "id"), N_("duplicate target id `%(id)s` in this measure", id=t.id))
        seen.add(t.id)
        t_window = t.window(window)
        _check_target(rules, doc, ("targets", i), t, t_window.start, t_window.end, limit, sources)
        if t.deadline is not None and window.end is not None and t.deadline > window.end:
            rules.add(doc, ("targets", i, "deadline"), N_("this target's deadline %(deadline)s is after its measure's deadline "
                                                          "%(measure)s; correct one of them", deadline=t.deadline, measure=window.end), "warning")


def _load_pages(root: Path, languages: list[str]) -> tuple[dict[str, m.Page], list[Problem]]:
    """content/pages/<slug>.<lang>.md; the first `# heading` is the page title.

    The slug becomes a folder of the site and a link in every page's navigation, so it is a
    plain slug that no generated section uses."""
    pages: dict[str, dict[str, tuple[str, str]]] = {}
    problems: list[Problem] = []
    files, refused = safety.walk_files(root / "pages", inside=root, recursive=True, suffix=".md")
    problems += [Problem(_display(r.path, root), 1, 1, "", r.message) for r in refused]
    for found in files:
        path = found.path
        name = _display(path, root)
        if "/" in found.relative:
            problems.append(Problem(name, 1, 1, "", N_("page files are read only directly in content/pages/, not in a "
                                                       "folder inside it; move the file up into content/pages/")))
            continue
        slug, _, lang = path.name[:-len(".md")].rpartition(".")
        if slug and lang not in languages and language_problem(lang) is None:  # about.en.md in a Chinese-only bulletin
            problems.append(Problem(name, 1, 1, "", N_("this page is not published: `%(lang)s` is not one of this bulletin's "
                                                       "languages (%(languages)s); delete it, or add `%(lang)s` to `languages` in "
                                                       "bulletin.yaml", lang=lang, languages=languages), "warning"))
            continue
        if not slug or lang not in languages:
            problems.append(Problem(name, 1, 1, "", N_("page files are named <slug>.<language>.md with a language from %(languages)s", languages=languages)))
            continue
        problem = safety.slug_problem(slug, "page name")
        if problem is None and slug in safety.GENERATED_NAMES:
            problem = N_("a page may not be named `%(slug)s`: the site has its own `%(slug)s/` section there; "
                         "rename the file, e.g. to about-%(slug)s.%(lang)s.md", slug=slug, lang=lang)
        if problem:
            problems.append(Problem(name, 1, 1, "", problem + N_("; page files are named <slug>.<language>.md")))
            continue
        try:
            text, errs = read_text(path, name)
        except OSError as exc:
            problems.append(Problem(name, 1, 1, "", file_error_message(exc)))
            continue
        problems += errs
        if text is None:
            continue
        text = text.replace("\r\n", "\n")  # saved on Windows
        bad = safety.first_refused(text)
        if bad is not None:
            line = text.count("\n", 0, bad) + 1
            problems.append(Problem(name, line, bad - (text.rfind("\n", 0, bad) + 1) + 1, "", safety.character_message(text[bad])))
            continue
        first, _, body = text.partition("\n")
        if not first.startswith("# "):
            problems.append(Problem(name, 1, 1, "", N_("start the page with its title as a `# Heading` line")))
            continue
        pages.setdefault(slug, {})[lang] = (first[2:].strip(), body.strip())
    result = {slug: m.Page(slug, {l: v[0] for l, v in by.items()}, {l: v[1] for l, v in by.items()})
              for slug, by in pages.items()}
    return result, problems


def _display(path: Path, root: Path) -> str:
    """Path as the editor would type it: relative to the working directory when possible."""
    try:  # the folder resolved, not the file: the file may be a dangling link or a link loop
        shown = str((Path(path).absolute().parent.resolve() / Path(path).name).relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):
        shown = str(path)
    return safety.printable_path(shown)


_SINGULAR = {"departments": "department", "categories": "category", "sources": "source"}
# The kinds of thing an id names, as words in a message (the dict keys stay the code's names).
_WHAT = {"department": N_("department"), "category": N_("category"), "source": N_("source"), "programme": N_("programme"),
         "departments": N_("department"), "categories": N_("category"), "sources": N_("source")}


def _raw_ids(kind: str, data: Any) -> dict[str, set[str]]:
    """Ids declared in a file that failed validation, read from its raw data."""
    if kind in ("departments", "categories", "sources") and isinstance(data, dict) and isinstance(data.get(kind), list):
        return {_SINGULAR[kind]: {str(item["id"]) for item in data[kind] if isinstance(item, dict) and "id" in item}}
    if kind == "programme" and isinstance(data, dict) and "id" in data:
        return {"programme": {str(data["id"])}}
    return {}


def check(root: Path) -> CheckResult:
    """Load and validate everything under `root` (the content directory)."""
    root = Path(root)
    problems: list[Problem] = []
    if not os.path.lexists(root / "bulletin.yaml"):
        return CheckResult(None, [Problem(_display(root / "bulletin.yaml", root), 1, 1, "",
                                          N_("no bulletin.yaml: is this the content directory? (see the README's editor's guide)"))], TranslationReport())
    typed: dict[str, list[tuple[Document, Any]]] = {kind: [] for kind in FILE_KINDS}
    failed: list[tuple[str, Document]] = []
    found, refused = discover_checked(root)
    problems += [Problem(_display(r.path, root), 1, 1, "", r.message) for r in refused]
    for kind, path in found:
        try:
            doc, errs = load_yaml(path, _display(path, root))
        except OSError as exc:  # vanished, unreadable, a name too long: say which file, not a traceback
            problems.append(Problem(_display(path, root), 1, 1, "", file_error_message(exc)))
            continue
        problems += errs
        if doc is None:
            continue
        if errs:  # read, but with problems: its ids still count, so references to them are not reported again
            failed.append((kind, doc))
            continue
        obj, errs = _typed(doc, kind)
        problems += errs
        if obj is not None:
            typed[kind].append((doc, obj))
        else:
            failed.append((kind, doc))
    for path, message, severity in misnamed_files(root):
        problems.append(Problem(_display(path, root), 1, 1, "", message, severity))  # type: ignore[arg-type]
    if not typed["bulletin"]:
        problems.sort(key=lambda p: (p.file, p.line, p.column))
        return CheckResult(None, problems, TranslationReport())
    bdoc, bulletin = typed["bulletin"][0]
    round_problems, as_of = _check_rounds(bdoc, bulletin)
    problems += round_problems
    if as_of is None:  # every date rule needs a reporting date: stop here, with the one problem that says so
        problems.sort(key=lambda p: (p.file, p.line, p.column))
        return CheckResult(None, problems, TranslationReport())
    bulletin = dataclasses.replace(bulletin, as_of=as_of)
    rules = _Rules(bulletin)
    for kind, doc in failed:
        rules.unverified.update({what: rules.unverified.get(what, set()) | ids for what, ids in _raw_ids(kind, doc.data).items()})
    _check_bulletin(rules, bdoc, bulletin)
    rules.texts(bdoc, bulletin)

    registry: dict[str, dict[str, Any]] = {}
    files: dict[str, str] = {}
    for kind, key in (("departments", "departments"), ("categories", "categories"), ("sources", "sources")):
        registry[key] = {}
        for doc, obj in typed[kind]:
            rules.texts(doc, obj)
            registry[key].update(_unique(rules, doc, getattr(obj, key), key, _SINGULAR[kind]))
    published, source_problems = source_documents(root)
    problems += source_problems
    _check_sources(rules, typed["sources"], {f.relative for f in published}, root)
    registry["programmes"] = {}
    for doc, p in typed["programme"]:
        rules.texts(doc, p)
        if p.id in registry["programmes"]:
            rules.add(doc, ("id",), N_("duplicate programme id `%(id)s`", id=p.id))
            continue
        registry["programmes"][p.id] = p
        files[f"programme:{p.id}"] = rules.programme_files[p.id] = os.path.relpath(doc.path, root)
        for i, dept in enumerate(p.issuers):
            rules.ref(doc, ("issuers", i), dept, registry["departments"], "department", "departments.yaml")
        for i, src in enumerate(p.sources):
            rules.ref(doc, ("sources", i), src, registry["sources"], "source", "sources.yaml")
        if p.period.end < p.period.start:
            rules.add(doc, ("period", "end"), N_("the period ends (%(end)s) before it starts (%(start)s)", end=p.period.end, start=p.period.start))
        if p.as_of is not None and p.as_of > rules.bulletin.as_of:
            # A programme's own as_of freezes its figures at an earlier date; a later one would show
            # figures the bulletin's reporting date does not know, and change its round pages later.
            rules.add(doc, ("as_of",), N_("this programme's as_of %(date)s is after the bulletin's reporting date %(as_of)s; a "
                                          "programme's as_of only freezes its figures at an earlier date: set it to %(as_of)s "
                                          "or earlier, or remove it", date=p.as_of, as_of=rules.bulletin.as_of))

    measures: dict[str, m.Measure] = {}
    numbers: dict[tuple[str, int], str] = {}
    for doc, ms in typed["measure"]:
        rules.texts(doc, ms)
        folder = doc.path.parent.name if doc.path.parent != root / "measures" else None
        if folder and folder != ms.programme and ms.programme in registry["programmes"] and folder in registry["programmes"]:
            rules.add(doc, ("programme",), N_("this file is in the folder measures/%(folder)s/ but says programme: %(programme)s; "
                                              "move it to measures/%(programme)s/, or write programme: %(folder)s",
                                              folder=folder, programme=ms.programme))
        _check_measure(rules, doc, ms, registry)
        key = (ms.programme, ms.number)
        if key in numbers:
            rules.add(doc, ("number",), N_("measure number %(number)s is already used in programme `%(programme)s` by %(file)s",
                                           number=ms.number, programme=ms.programme, file=numbers[key]))
            continue
        numbers[key] = doc.name
        measures[ms.id] = ms
        files[f"measure:{ms.id}"] = os.path.relpath(doc.path, root)

    pages, page_problems = _load_pages(root, bulletin.languages)
    problems += page_problems
    for slug, page in pages.items():
        rules.translations.total += 1  # one text per page, written in each language
        for lang in bulletin.languages:
            if lang in page.body:
                rules.translations.present[lang] += 1
            elif m.CONVERTED.get(lang) in page.body and m.CONVERTED[lang] in bulletin.languages:
                rules.translations.converted[lang] += 1
            else:
                problems.append(Problem(_display(root / "pages" / f"{slug}.{lang}.md", root), 1, 1, "",
                                        N_("page `%(slug)s` has no `%(lang)s` version; add pages/%(slug)s.%(lang)s.md", slug=slug, lang=lang),
                                        bulletin.missing_translations))
    problems += rules.problems
    # Programmes in the order they began (then by id), and their measures by number.
    registry["programmes"] = dict(sorted(registry["programmes"].items(), key=lambda kv: (kv[1].period.start, kv[0])))
    order = {p: i for i, p in enumerate(registry["programmes"])}
    measures = dict(sorted(measures.items(), key=lambda kv: (order.get(kv[1].programme, 999), kv[1].programme, kv[1].number)))
    content = m.Content(bulletin, registry["departments"], registry["categories"], registry["sources"],
                        registry["programmes"], measures, pages, files)
    problems.sort(key=lambda p: (p.file, p.line, p.column))
    return CheckResult(content, problems, rules.translations)
