"""Stage 2: turn loaded documents into a validated `Content`, collecting every problem.

Shape (types, required fields, unknown keys, dates) is checked by pydantic against
the dataclasses in `model.py`; its errors are rewritten here in plain words, with
the line and column the editor wrote. Rules that span fields or files (references,
dates against `as_of`, percentages, translations) follow once the shapes are right.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import os
import re
import typing
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from . import model as m
from .loader import Document, Loc, dotted, load_yaml, read_text
from .problems import Problem
from . import safety
from .units import scaled_unit

# How to record a changed target, quoted wherever an editor is likely to need it.
REVISION_HOWTO = ("keep the current figure in `target:` (and the current `deadline:`), and record the change under "
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
            lines.append(f"{lang}: {self.present[lang]}/{self.total} texts translated"
                         + (f", {self.converted[lang]} converted at build time" if self.converted[lang] else "")
                         + (f", {missing} missing" if missing else ""))
        return lines


@dataclass
class CheckResult:
    content: m.Content | None
    problems: list[Problem]
    translations: TranslationReport

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def discover(root: Path) -> list[tuple[str, Path]]:
    """Content files by kind, in a stable order."""
    return discover_checked(root)[0]


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


def misnamed_files(root: Path) -> list[Path]:
    """`.yml` files where content files are looked for: not read, so the editor is told."""
    paths: list[Path] = []
    for folder, recursive in ((root, False), (root / "programmes", False), (root / "measures", True)):
        files, _ = safety.walk_files(folder, inside=root, recursive=recursive, suffix=".yml")
        paths += [f.path for f in files]
    return paths


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


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


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


def _shape_problem(doc: Document, cls: type, error: dict) -> Problem:
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    given = error.get("input")
    found = _resolve(doc.data, loc)
    if kind in ("missing", "unexpected_keyword_argument", "extra_forbidden"):
        where_loc = loc  # the missing or unknown key itself
    else:
        where_loc = loc[:found]  # drop pydantic's union-member suffixes such as "float"
    name = str(loc[-1]) if loc else ""
    revision_value = "revisions" in loc and any(part in ("from", "to") for part in loc[loc.index("revisions"):])
    if kind == "missing":
        message = f"required field `{name}` is missing; add it (see the editor's guide in README.md)"
    elif revision_value and kind != "missing":
        message = (f"`{given}` is neither a number nor a date; write the target value (e.g. 12) for `field: value`, "
                   "or the deadline (YYYY-MM-DD) for `field: deadline`")
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = next(iter(error.get("ctx", {}).values()), "")
        bound = f"{bound:g}" if isinstance(bound, (int, float)) else bound
        words = {"greater_than": "more than", "greater_than_equal": "at least", "less_than": "less than",
                 "less_than_equal": "at most"}[kind]
        message = f"`{given}` is out of range; write a number {words} {bound}"
        if bound in (f"{m.MAX_FIGURE:g}", f"{-m.MAX_FIGURE:g}"):  # the bound on every figure: sums must stay finite
            message = (f"`{given}` is too large a figure (at most {m.MAX_FIGURE:,.0f} either way); check the digits, "
                       "or write it in a larger unit with `scale`")
    elif kind == "finite_number":
        message = f"`{given}` is not an ordinary number (.nan and .inf are not figures); write digits, e.g. 10000"
    elif kind in ("unexpected_keyword_argument", "extra_forbidden"):
        holder = _class_at(cls, loc)
        allowed = _field_names(holder) if holder else []
        message = f"unknown field `{name}`" + (_did_you_mean(name, allowed) or (f"; allowed here: {', '.join(allowed)}" if allowed else ""))
        if holder is m.Target and any(word in name.lower() for word in _REVISION_WORDS) and name != "revisions":
            message += f"; to record a changed target value or deadline, {REVISION_HOWTO}"
    elif kind.startswith("date"):
        reason = error["msg"].split(",", 1)[1].strip() if "," in error["msg"] else ""
        impossible = "outside expected range" in reason
        message = (f"`{given}` is not a real date" if impossible else f"`{given}` is not a date") + \
            "; write dates as YYYY-MM-DD, e.g. 2020-06-30"
    elif kind.startswith(("float", "int")):
        message = f"expected a number, got `{given}`; write digits only, e.g. 90 or 14.6 (no units, no commas)"
    elif kind.startswith("bool"):
        message = f"expected true or false, got `{given}`"
    elif kind == "literal_error":
        allowed = error.get("ctx", {}).get("expected", "")
        message = f"`{given}` is not allowed here; use one of {allowed}"
        choices = [c.strip(" '") for c in allowed.replace(" or ", ",").split(",")]
        message += _did_you_mean(str(given), choices)
    elif kind in ("dict_type", "dataclass_type", "dataclass_exact_type"):
        message = f"expected a block of `key: value` lines here, got `{given}`"
    elif kind == "list_type":
        message = f"expected a list here (lines starting with `- `), got `{given}`"
    elif kind == "string_type":
        message = f"expected text, got `{given}`; put it in quotes if it is meant as text"
    elif kind == "string_pattern_mismatch":
        message = f"`{given}` is not a valid id; use lower-case letters, digits and hyphens, e.g. elderly-care"
    elif kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length", safety.MAX_SLUG)
        message = f"`{str(given)[:20]}…` is {len(str(given))} characters long; an id has at most {limit}: shorten it"
    elif kind == "too_short":
        message = "must not be empty; add at least one item"
    else:
        message = error["msg"]
    line, column = doc.where(where_loc, key=kind in ("unexpected_keyword_argument", "extra_forbidden"))
    field_path = dotted(where_loc if kind != "missing" else loc)
    return Problem(doc.name, line, column, field_path, message)


def _typed(doc: Document, kind: str) -> tuple[Any, list[Problem]]:
    try:
        return _ADAPTERS[kind].validate_python(doc.data), []
    except ValidationError as exc:
        seen: set[str] = set()
        problems = []
        for error in exc.errors():
            problem = _shape_problem(doc, FILE_KINDS[kind], error)
            if problem.field not in seen:  # a union yields one error per member: keep the first
                seen.add(problem.field)
                problems.append(problem)
        return None, problems


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

    def add(self, doc: Document, loc: Loc, message: str, severity: str = "error") -> None:
        line, column = doc.where(loc)
        self.problems.append(Problem(doc.name, line, column, dotted(loc), message, severity))  # type: ignore[arg-type]

    def texts(self, doc: Document, obj: Any, loc: Loc = ()) -> None:
        """Check every Text in `obj` for unknown and missing languages."""
        if isinstance(obj, dict):
            self.translations.total += 1
            languages = self.bulletin.languages
            for lang in obj:
                if lang not in languages:
                    self.add(doc, loc + (lang,), f"unknown language `{lang}`; the bulletin's languages are {', '.join(languages)}"
                             + _did_you_mean(lang, languages))
            for lang in languages:
                if obj.get(lang, "").strip():
                    self.translations.present[lang] += 1
                elif m.CONVERTED.get(lang) in languages and obj.get(m.CONVERTED[lang], "").strip():
                    self.translations.converted[lang] += 1  # made at build time (zh-Hant from zh)
                else:
                    self.add(doc, loc, f"missing the `{lang}` text; add `{lang}: …` beside the others",
                             self.bulletin.missing_translations)
        elif isinstance(obj, list):
            for i, item in enumerate(obj):
                self.texts(doc, item, loc + (i,))
        elif dataclasses.is_dataclass(obj):
            for f in dataclasses.fields(obj):
                self.texts(doc, getattr(obj, f.name), loc + (f.name,))

    def ref(self, doc: Document, loc: Loc, value: str, known: dict, what: str, where: str) -> None:
        if value not in known and value not in self.unverified.get(what, ()):
            self.add(doc, loc, f"unknown {what} `{value}`" + (_did_you_mean(value, list(known)) or f"; add it to {where} first"))


def _check_bulletin(rules: _Rules, doc: Document, b: m.Bulletin) -> None:
    if b.default_language and b.default_language not in b.languages:
        rules.add(doc, ("default_language",), f"`{b.default_language}` is not one of the languages ({', '.join(b.languages)})")
    if len(set(b.languages)) != len(b.languages):
        rules.add(doc, ("languages",), "a language is listed twice")
    if b.thresholds.ahead <= b.thresholds.behind:
        rules.add(doc, ("thresholds",), "`ahead` must be larger than `behind`")
    if b.pace_rule and b.pace_rule.seriously_behind is not None and b.pace_rule.seriously_behind <= b.pace_rule.behind:
        rules.add(doc, ("pace_rule", "seriously_behind"), f"`seriously_behind` ({b.pace_rule.seriously_behind:g} points) must be "
                                                          f"more than `behind` ({b.pace_rule.behind:g} points)")
    problem = safety.base_url_problem(b.base_url)
    if problem:
        rules.add(doc, ("base_url",), problem)
    for i, code in enumerate(b.languages):
        problem = language_problem(code)
        if problem:
            rules.add(doc, ("languages", i), problem)
    if b.licence and b.licence.url and not _web_address(b.licence.url):
        rules.add(doc, ("licence", "url"), "write the licence's full address, starting with https://")
    if b.feedback:
        f = b.feedback
        if not f.email and not f.url:
            rules.add(doc, ("feedback",), "give an `email` or a `url` where readers send corrections, or remove `feedback`")
        if f.email and not re.fullmatch(r"[^@\s<>\"'?&]+@[^@\s<>\"'?&/]+\.[^@\s<>\"'?&/]+", f.email):
            rules.add(doc, ("feedback", "email"), f"`{f.email}` is not an email address; write it as name@example.gov.cn")
        if f.url and not _web_address(f.url):
            rules.add(doc, ("feedback", "url"), "write the full address of the feedback page, starting with https://")
        if f.url and (bad := set(re.findall(r"\{([^}]*)\}", f.url)) - FEEDBACK_FIELDS):
            rules.add(doc, ("feedback", "url"), f"unknown placeholder {{{sorted(bad)[0]}}}; the url may use "
                                                 + ", ".join(f"{{{k}}}" for k in sorted(FEEDBACK_FIELDS)))


# Placeholders a feedback url may contain, filled in per measure page.
FEEDBACK_FIELDS = frozenset({"measure", "number", "title", "page"})


def _web_address(url: str) -> bool:
    """A link readers can follow: http(s) only, and safe by the rules every `url:` follows."""
    return re.fullmatch(r"https?://[^\s/?#]+[^\s]*", url) is not None and safety.link_problem(url) is None


def language_problem(code: str) -> str | None:
    """Language codes name folders, `lang` and `hreflang` attributes and a CLDR locale: a plain code CLDR knows."""
    from babel import Locale, UnknownLocaleError

    # A script subtag is allowed for Traditional Chinese (zh-Hant), which the build converts from zh.
    if not re.fullmatch(r"[a-z]{2,3}", code) and code not in m.CONVERTED:
        return f"`{code}` is not a language code; write a two- or three-letter code in lower case, such as zh, en or fr (or zh-Hant)"
    try:
        Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return f"`{code}` is not a language CLDR knows; write a code such as zh, en or fr"
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
                    rules.add(doc, ("sources", i, "seed"), f"no file content/sources/{src.seed}; copy the document there or remove `seed`")
                else:
                    rules.add(doc, ("sources", i, "seed"), f"content/sources/{src.seed} cannot be published (see the problem reported for that file)")


def file_error_message(exc: OSError) -> str:
    reason = exc.strerror or type(exc).__name__
    return f"this file cannot be read ({reason}); check that it exists, is a file and is readable, or delete it"


def _unique(rules: _Rules, doc: Document, items: list, key: str, what: str) -> dict:
    seen: dict[str, Any] = {}
    for i, item in enumerate(items):
        ident = item.id
        if ident in seen:
            rules.add(doc, (key, i, "id"), f"duplicate {what} id `{ident}`; ids must be unique")
        else:
            seen[ident] = item
    return seen


def _check_target(rules: _Rules, doc: Document, loc: Loc, t: m.Target, start, deadline, as_of, sources: dict) -> None:
    rules.ref(doc, loc + ("source",), t.source, sources, "source", "sources.yaml")
    numeric = t.kind != "milestone"
    if t.kind == "milestone":
        if t.target is not None and t.target is not True:
            rules.add(doc, loc + ("target",), "a milestone's target is `true` (done); use kind: count for numbers")
        for i, entry in enumerate(t.progress):
            if not isinstance(entry.value, bool):
                rules.add(doc, loc + ("progress", i, "value"), "a milestone's progress is true (done) or false (not yet)")
            elif entry.value and not entry.source:
                rules.add(doc, loc + ("progress", i), "a completed milestone needs a `source` that shows it was done")
    else:
        if isinstance(t.target, bool):
            rules.add(doc, loc + ("target",), f"a {t.kind} target is a number; use kind: milestone for yes/no")
        for i, entry in enumerate(t.progress):
            if isinstance(entry.value, bool):
                rules.add(doc, loc + ("progress", i, "value"), f"a {t.kind} target's progress is a number, not true/false")
    if t.kind == "amount" and t.unit is None:
        rules.add(doc, loc + ("unit",), "an amount needs a `unit`, e.g. {zh: 元, en: yuan} with `scale: 10000` for figures in 万元")
    if t.scale is not None and t.kind in ("percentage", "milestone"):
        rules.add(doc, loc + ("scale",), f"a {t.kind} target has no scale; remove `scale`")
    elif t.unit is not None or t.scale is not None:
        for message in scaled_unit(t.unit, t.scale).problems:
            rules.add(doc, loc + ("unit",), message, "error" if t.scale is not None else "warning")
    _check_revisions(rules, doc, loc, t, deadline, as_of, sources)
    _check_steps(rules, doc, loc, t.next_steps)
    if t.kind == "percentage":
        values = [(("target",), t.target), (("baseline", "value"), t.baseline.value if t.baseline else None)]
        values += [(("milestones", i, "value"), ms.value) for i, ms in enumerate(t.milestones)]
        values += [(("progress", i, "value"), e.value) for i, e in enumerate(t.progress)]
        for sub, value in values:
            if isinstance(value, (int, float)) and not isinstance(value, bool) and not 0 <= value <= 100:
                rules.add(doc, loc + sub, f"{value:g} is outside 0–100; a percentage is written as 90 for 90%")
    if numeric and isinstance(t.target, (int, float)) and not isinstance(t.target, bool):
        if t.direction == "down" and t.baseline is None:
            rules.add(doc, loc + ("direction",), "a target that goes down needs a `baseline` (the value it starts from), "
                                                 "e.g. baseline: {value: 40, date: 2020-01-01}")
        elif t.baseline is not None and t.direction == "up" and t.target < t.baseline.value:
            rules.add(doc, loc + ("target",), f"the target {t.target:g} is below the baseline {t.baseline.value:g}; "
                                              "add `direction: down` for a figure that should fall")
        elif t.baseline is not None and t.direction == "down" and t.target > t.baseline.value:
            rules.add(doc, loc + ("target",), f"the target {t.target:g} is above the baseline {t.baseline.value:g} "
                                              "but `direction` is down; remove `direction: down` or correct the figures")
    if numeric and t.milestones and t.target is None:
        rules.add(doc, loc + ("milestones",), "interim milestones need a final `target` value")
    if start and deadline and deadline < start:
        rules.add(doc, loc + ("deadline",), f"deadline {deadline} is before the start {start}")
    for i, ms in enumerate(t.milestones):
        if deadline and ms.date > deadline:
            rules.add(doc, loc + ("milestones", i, "date"), f"milestone {ms.date} is after the deadline {deadline}")
    for i, entry in enumerate(t.progress):
        where = loc + ("progress", i, "date")
        if entry.date > as_of:
            rules.add(doc, where, f"progress dated {entry.date} is after the reporting date as_of {as_of}; "
                                  "correct the date or move as_of forward")
        if t.baseline and entry.date < t.baseline.date:
            rules.add(doc, where, f"progress dated {entry.date} is before the baseline date {t.baseline.date}")
        if entry.source:
            rules.ref(doc, loc + ("progress", i, "source"), entry.source, sources, "source", "sources.yaml")


def _check_revisions(rules: _Rules, doc: Document, loc: Loc, t: m.Target, deadline, as_of, sources: dict) -> None:
    """Revisions form a chain per field (each `from` is the previous `to`) ending at the current target."""
    current = {"value": t.target, "deadline": deadline}
    last: dict[str, Any] = {}
    previous_date = None
    for i, rev in enumerate(t.revisions):
        where = loc + ("revisions", i)
        rules.ref(doc, where + ("source",), rev.source, sources, "source", "sources.yaml")
        if rev.date > as_of:
            rules.add(doc, where + ("date",), f"revision dated {rev.date} is after the reporting date as_of {as_of}")
        if previous_date and rev.date < previous_date:
            rules.add(doc, where + ("date",), f"revisions are listed oldest first; {rev.date} comes before {previous_date}")
        previous_date = rev.date
        if rev.field == "value":
            if t.kind == "milestone" or t.target is None:
                rules.add(doc, where + ("field",), "only a target with a numeric `target:` value can have its value revised; "
                                                   "record `field: deadline` for a changed deadline")
                continue
            wrong = [k for k, v in (("from", rev.from_), ("to", rev.to)) if isinstance(v, dt.date)]
        else:
            wrong = [k for k, v in (("from", rev.from_), ("to", rev.to)) if not isinstance(v, dt.date)]
        if wrong:
            kind = "a number (the target value)" if rev.field == "value" else "a date written YYYY-MM-DD (the deadline)"
            for k in wrong:
                rules.add(doc, where + (k,), f"for `field: {rev.field}`, `{k}` is {kind}")
            continue
        if rev.from_ == rev.to:
            rules.add(doc, where + ("to",), "`from` and `to` are the same: nothing was changed")
        if rev.field in last and last[rev.field] != rev.from_:
            rules.add(doc, where + ("from",), f"`from: {_shown(rev.from_)}` should be `{_shown(last[rev.field])}`, "
                                              f"the `to` of the previous {rev.field} revision")
        last[rev.field] = rev.to
    for what, value in last.items():
        now = current[what]
        if now is not None and value != (float(now) if what == "value" else now):
            key = "target" if what == "value" else "deadline"
            i = max(j for j, r in enumerate(t.revisions) if r.field == what)
            rules.add(doc, loc + ("revisions", i, "to"),
                      f"the latest {what} revision says `to: {_shown(value)}` but the target's `{key}` is {_shown(now)}; "
                      f"{REVISION_HOWTO}")


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
    # With an unknown programme (reported above) only the measure's own dates are known; missing ones stay None.
    window = ms.window(programme.period) if programme else m.Period(ms.start, ms.deadline)
    if ms.override:
        o = ms.override
        if o.status in ("paused", "dropped") and not o.reason:
            rules.add(doc, ("override",), f"a `{o.status}` override needs a `reason` saying why, in every language")
        if o.status == "completed" and not o.source:
            rules.add(doc, ("override",), "a `completed` override needs a `source` that shows it was done")
        if o.source:
            rules.ref(doc, ("override", "source"), o.source, sources, "source", "sources.yaml")
    rules.departments = departments
    _check_steps(rules, doc, (), ms.next_steps)
    seen: set[str] = set()
    for i, t in enumerate(ms.targets):
        if t.id in seen:
            rules.add(doc, ("targets", i, "id"), f"duplicate target id `{t.id}` in this measure")
        seen.add(t.id)
        t_window = t.window(window)
        _check_target(rules, doc, ("targets", i), t, t_window.start, t_window.end, as_of, sources)


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
            problems.append(Problem(name, 1, 1, "", "page files are read only directly in content/pages/, not in a "
                                                    "folder inside it; move the file up into content/pages/"))
            continue
        slug, _, lang = path.name[:-len(".md")].rpartition(".")
        if not slug or lang not in languages:
            problems.append(Problem(name, 1, 1, "", f"page files are named <slug>.<language>.md with a language from {', '.join(languages)}"))
            continue
        problem = safety.slug_problem(slug, "page name")
        if problem is None and slug in safety.GENERATED_NAMES:
            problem = (f"a page may not be named `{slug}`: the site has its own `{slug}/` section there; "
                       f"rename the file, e.g. to about-{slug}.{lang}.md")
        if problem:
            problems.append(Problem(name, 1, 1, "", problem + "; page files are named <slug>.<language>.md"))
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
            problems.append(Problem(name, 1, 1, "", "start the page with its title as a `# Heading` line"))
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
                                          "no bulletin.yaml: is this the content directory? (see the README's editor's guide)")], TranslationReport())
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
    for path in misnamed_files(root):
        problems.append(Problem(_display(path, root), 1, 1, "", f"this file is not read: content files end in .yaml; rename it to {path.stem}.yaml"))
    if not typed["bulletin"]:
        problems.sort(key=lambda p: (p.file, p.line, p.column))
        return CheckResult(None, problems, TranslationReport())
    bdoc, bulletin = typed["bulletin"][0]
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
            rules.add(doc, ("id",), f"duplicate programme id `{p.id}`")
            continue
        registry["programmes"][p.id] = p
        files[f"programme:{p.id}"] = os.path.relpath(doc.path, root)
        for i, dept in enumerate(p.issuers):
            rules.ref(doc, ("issuers", i), dept, registry["departments"], "department", "departments.yaml")
        for i, src in enumerate(p.sources):
            rules.ref(doc, ("sources", i), src, registry["sources"], "source", "sources.yaml")
        if p.period.end < p.period.start:
            rules.add(doc, ("period", "end"), f"the period ends ({p.period.end}) before it starts ({p.period.start})")

    measures: dict[str, m.Measure] = {}
    numbers: dict[tuple[str, int], str] = {}
    for doc, ms in typed["measure"]:
        rules.texts(doc, ms)
        _check_measure(rules, doc, ms, registry)
        key = (ms.programme, ms.number)
        if key in numbers:
            rules.add(doc, ("number",), f"measure number {ms.number} is already used in programme `{ms.programme}` by {numbers[key]}")
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
                                        f"page `{slug}` has no `{lang}` version; add pages/{slug}.{lang}.md", bulletin.missing_translations))
    problems += rules.problems
    # Programmes in the order they began (then by id), and their measures by number.
    registry["programmes"] = dict(sorted(registry["programmes"].items(), key=lambda kv: (kv[1].period.start, kv[0])))
    order = {p: i for i, p in enumerate(registry["programmes"])}
    measures = dict(sorted(measures.items(), key=lambda kv: (order.get(kv[1].programme, 999), kv[1].programme, kv[1].number)))
    content = m.Content(bulletin, registry["departments"], registry["categories"], registry["sources"],
                        registry["programmes"], measures, pages, files)
    problems.sort(key=lambda p: (p.file, p.line, p.column))
    return CheckResult(content, problems, rules.translations)
