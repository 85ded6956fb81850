"""The content model: what editors write, as dataclasses.

These classes are the single definition of the YAML format. Pydantic validates raw
YAML against them (types, required fields, unknown keys) and generates the published
JSON Schema from them, so the format is never described twice. Cross-file rules
(references, dates against `as_of`, translations) live in `validate.py`.

Every human-readable text is a `Text`: a mapping from language code to string,
written side by side in the YAML, e.g. `{zh: 养老驿站, en: elderly-care station}`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace
import datetime as dt
from typing import Annotated, Literal, Union

from pydantic import ConfigDict, Field

Text = dict[str, str]
# Languages whose texts, where the editors wrote none, are converted from another
# language's at build time: Traditional Chinese from Simplified, with OpenCC.
CONVERTED = {"zh-Hant": "zh"}
# Ids become folder names and URLs: plain slugs, short enough for every file system.
Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64, description="Lower-case letters, digits and hyphens; at most 64.")]

# Unknown keys are errors: a typo such as `deadlien` must not pass silently. Figures are
# finite: `.nan` and `.inf` are not figures, and standard JSON cannot hold them.
STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)

# A figure in a target or report. Bounded so every sum, ratio and formatted number stays a
# real number (1e15 is far beyond any budget in yuan; 1e308 would overflow on subtraction).
MAX_FIGURE = 1e15
Figure = Annotated[float, Field(ge=-MAX_FIGURE, le=MAX_FIGURE)]

TargetKind = Literal["count", "percentage", "amount", "milestone"]
Direction = Literal["up", "down"]
OverrideStatus = Literal["paused", "dropped", "completed"]


def _doc(text: str):
    return Field(description=text)


@dataclass(frozen=True)
class Thresholds:
    """Pace ratios (progress ÷ expected) that separate ahead / on track / behind."""

    __pydantic_config__ = STRICT
    ahead: Annotated[float, Field(gt=0, description="p/e at or above this is 'ahead'.")] = 1.10
    behind: Annotated[float, Field(gt=0, description="p/e below this is 'behind'.")] = 0.95


@dataclass(frozen=True)
class Licence:
    """The licence readers may reuse the figures under, shown on every page and download."""

    __pydantic_config__ = STRICT
    name: Annotated[str, _doc("Short name, e.g. CC BY 4.0.")]
    url: Annotated[str | None, _doc("Address of the licence text.")] = None


@dataclass(frozen=True)
class Feedback:
    """Where readers send a correction: an email address or a web page (hotline, message board)."""

    __pydantic_config__ = STRICT
    email: Annotated[str | None, _doc("Address for corrections; each measure page links to it with the measure filled in.")] = None
    url: Annotated[str | None, _doc("A web page for corrections; may contain {measure}, {number}, {title} and {page}, filled in per measure.")] = None


@dataclass(frozen=True)
class PointsRule:
    """The pace rule of Chinese supervision practice: compare shares in percentage points.

    Behind when the share reached is more than `behind` points below the share expected
    (序时进度); ahead when it is at least `ahead` points above it. `seriously_behind` adds a
    flag beside "behind", not another status: the status set and its colours stay the same."""

    __pydantic_config__ = STRICT
    kind: Annotated[Literal["points"], _doc("`points`: percentage points between the share reached and the share expected.")]
    behind: Annotated[float, Field(gt=0, le=100, description="More than this many points below the expected share is 'behind'.")] = 10
    ahead: Annotated[float, Field(gt=0, le=100, description="At least this many points above the expected share is 'ahead'.")] = 10
    seriously_behind: Annotated[float | None, Field(gt=0, le=100, description="Optional: more than this many points below is flagged 'seriously behind' (严重滞后) beside the status.")] = None


PaceRule = Union[Thresholds, PointsRule]


@dataclass(frozen=True)
class Bulletin:
    """content/bulletin.yaml: the whole site."""

    __pydantic_config__ = STRICT
    title: Annotated[Text, _doc("Site title, in every language.")]
    organisation: Annotated[Text, _doc("The publishing body.")]
    languages: Annotated[list[str], Field(min_length=1, description="Language codes, first is the default unless default_language says otherwise.")]
    base_url: Annotated[str, _doc("Public address of the site, for canonical links and the sitemap.")]
    # Optional in the file when `rounds` is given (the last round is then the reporting date);
    # after validation it is always set.
    as_of: Annotated[dt.date | None, _doc("Reporting date: statuses are measured against it. May be left out when `rounds` is given: the last round is the reporting date.")] = None
    rounds: Annotated[list[dt.date], _doc("Reporting rounds, oldest first: the dates statuses are published at. The last is the current reporting date (as_of); add a line for each new round.")] = field(default_factory=list)
    default_language: Annotated[str | None, _doc("Language served at x-default; defaults to the first of `languages`.")] = None
    description: Annotated[Text | None, _doc("One-paragraph description for the home page.")] = None
    stale_after_days: Annotated[int, Field(gt=0, description="A target whose latest report is older than this is flagged as stale.")] = 180
    thresholds: Thresholds = field(default_factory=Thresholds)
    pace_rule: Annotated[PointsRule | None, _doc("Optional: `{kind: points, behind: 10, ahead: 10}` compares shares in percentage points instead of the `thresholds` ratios.")] = None
    due_soon_days: Annotated[int, Field(ge=0, description="An unfinished target or measure due within this many days of the reporting date is flagged 'due soon'.")] = 30
    missing_translations: Annotated[Literal["error", "warning"], _doc("Whether a text missing in a language fails `check`.")] = "error"
    licence: Annotated[Licence | None, _doc("Licence of the figures, e.g. {name: CC BY 4.0, url: https://creativecommons.org/licenses/by/4.0/}.")] = None
    citation: Annotated[Text | None, _doc("How to cite the bulletin; by default the organisation, title, reporting date and address.")] = None
    feedback: Annotated[Feedback | None, _doc("Where readers report a correction or a completion.")] = None
    traditional_conversion: Annotated[Literal["s2t", "s2tw", "s2twp", "s2hk"], _doc(
        "With zh-Hant among the languages: how texts written only in Simplified Chinese are converted (OpenCC): "
        "s2t plain Traditional characters, s2tw / s2hk Taiwan / Hong Kong character forms, s2twp Taiwan forms and phrases.")] = "s2t"
    traditional_keep: Annotated[list[Annotated[str, Field(min_length=1, max_length=40)]], Field(max_length=500), _doc(
        "With zh-Hant among the languages: words the conversion leaves as written, such as place and personal names "
        "(回天 would become 迴天), e.g. [回天, 回龙观].")] = field(default_factory=list)
    missing_explanation: Annotated[Literal["error", "warning", "off"], _doc("A measure that is behind, overdue or overdue and not reported without an `explanation`: an error, a warning (the default), or `off` for a bulletin transcribed from sources that give no reasons.")] = "warning"

    @property
    def pace(self) -> PaceRule:
        """The pace rule statuses are measured with: the points rule when configured, else the ratio thresholds."""
        return self.pace_rule or self.thresholds

    @property
    def default_lang(self) -> str:
        return self.default_language or self.languages[0]


@dataclass(frozen=True)
class Department:
    __pydantic_config__ = STRICT
    id: Id
    name: Text
    short_name: Text | None = None


@dataclass(frozen=True)
class Category:
    __pydantic_config__ = STRICT
    id: Id
    name: Text
    description: Text | None = None


@dataclass(frozen=True)
class Source:
    """A document that figures are taken from: an article, a plan, a report."""

    __pydantic_config__ = STRICT
    id: Id
    title: Text
    publisher: Text
    date: Annotated[dt.date | None, _doc("Publication date; omit if the document gives none.")] = None
    url: Annotated[str | None, _doc("Public link, if there is one.")] = None
    seed: Annotated[str | None, _doc("File name of a copy kept in content/sources/, published with the site.")] = None


@dataclass(frozen=True)
class Period:
    __pydantic_config__ = STRICT
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Programme:
    """content/programmes/<id>.yaml: an issued plan (方案 / 计划)."""

    __pydantic_config__ = STRICT
    id: Id
    title: Text
    period: Period
    sources: Annotated[list[str], Field(min_length=1, description="Source ids.")]
    summary: Annotated[Text, _doc("Markdown.")]
    issued: Annotated[dt.date | None, _doc("Date the plan was issued, if the source gives it.")] = None
    issuers: Annotated[list[str], _doc("Department ids of the issuing bodies; leave empty when the source names none.")] = field(default_factory=list)
    short_title: Text | None = None
    as_of: Annotated[dt.date | None, _doc("Reporting date for this programme, if not the bulletin's.")] = None

    def reporting_date(self, bulletin: Bulletin) -> dt.date:
        return self.as_of or bulletin.as_of

    @property
    def begins(self) -> dt.date:
        """The first day the programme is in the bulletin: its issue date, else its period's start."""
        return self.issued or self.period.start


@dataclass(frozen=True)
class Baseline:
    __pydantic_config__ = STRICT
    value: Figure
    date: dt.date


@dataclass(frozen=True)
class Milestone:
    """An interim milestone, e.g. 90 by 2019-12-31 on the way to 100 by 2020-12-31."""

    __pydantic_config__ = STRICT
    date: dt.date
    value: Figure


@dataclass(frozen=True)
class ProgressEntry:
    """进展: a dated report against a target."""

    __pydantic_config__ = STRICT
    date: dt.date
    value: Annotated[Union[Figure, bool], _doc("A number, or true/false for a milestone target.")]
    source: Annotated[str | None, _doc("Source id; required when it completes a milestone.")] = None
    note: Annotated[Text | None, _doc("Markdown.")] = None


@dataclass(frozen=True)
class NextStep:
    """A dated action the responsible department has committed to (整改措施 / 下一步)."""

    __pydantic_config__ = STRICT
    date: Annotated[dt.date, _doc("When the action is due.")]
    action: Annotated[Text, _doc("What will be done, in every language.")]
    department: Annotated[str, _doc("Department id of the body responsible.")]


RevisedField = Literal["value", "deadline"]


@dataclass(frozen=True)
class Revision:
    """A recorded change to a target's value or deadline: the target file holds the current one."""

    __pydantic_config__ = ConfigDict(extra="forbid", populate_by_name=True)
    date: Annotated[dt.date, _doc("When the change was decided.")]
    field: Annotated[RevisedField, _doc("What changed: `value` (the target value) or `deadline`.")]
    from_: Annotated[Union[dt.date, Figure], Field(alias="from", description="The value or deadline before the change.")]
    to: Annotated[Union[dt.date, Figure], _doc("The value or deadline after the change.")]
    reason: Annotated[Text, _doc("Why it was changed, in every language.")]
    source: Annotated[str, _doc("Source id of the document that records the change.")]


@dataclass(frozen=True)
class Target:
    """指标: something measurable."""

    __pydantic_config__ = STRICT
    id: Id
    title: Text
    kind: TargetKind
    source: Annotated[str, _doc("Source id stating this target.")]
    target: Annotated[Union[Figure, bool, None], _doc("Target value; true for a milestone; omit for continuing work with no end target.")] = None
    unit: Annotated[Text | None, _doc("Unit for count and amount targets, e.g. {zh: 个, en: stations}; for figures in 万元 write {zh: 元, en: yuan} with scale: 10000.")] = None
    scale: Annotated[float | None, Field(gt=0, le=1e12, allow_inf_nan=False, description="How many units one written figure stands for, e.g. 10000 when the source gives 万元 and 100000000 for 亿元.")] = None
    unit_one: Annotated[Text | None, _doc("The unit after the figure 1, in a language that changes it, e.g. {en: station} beside unit {zh: 个, en: stations}; a language without it here (Chinese) always uses `unit`.")] = None
    baseline: Baseline | None = None
    start: Annotated[dt.date | None, _doc("When work towards the target starts; defaults to the baseline date, then the measure's start.")] = None
    deadline: Annotated[dt.date | None, _doc("Defaults to the measure's deadline.")] = None
    direction: Direction = "up"
    milestones: list[Milestone] = field(default_factory=list)
    progress: list[ProgressEntry] = field(default_factory=list)
    note: Annotated[Text | None, _doc("Markdown.")] = None
    explanation: Annotated[Text | None, _doc("Why the target is behind or late, in every language (Markdown).")] = None
    next_steps: Annotated[list[NextStep], _doc("Dated actions with the responsible department.")] = field(default_factory=list)
    revisions: Annotated[list[Revision], _doc("Changes to the target value or deadline, oldest first; `target` and `deadline` hold the current ones.")] = field(default_factory=list)

    def window(self, measure_window: Period) -> Period:
        """When work on the target starts and is due: its own dates, else the baseline's, else the measure's."""
        return Period(self.start or (self.baseline.date if self.baseline else measure_window.start),
                      self.deadline or measure_window.end)

    def as_at(self, date: dt.date) -> "Target":
        """The target as it stood on `date`: revisions decided after that day are undone.

        The file holds the current target; each revision records from → to, so going back
        in time replaces `to` by `from`, newest revision first. Progress is left as it is."""
        target, deadline = self.target, self.deadline
        kept = []
        for rev in sorted(self.revisions, key=lambda r: r.date):
            if rev.date <= date:
                kept.append(rev)
        for rev in sorted((r for r in self.revisions if r.date > date), key=lambda r: r.date, reverse=True):
            if rev.field == "value" and not isinstance(rev.from_, dt.date):
                target = rev.from_
            elif rev.field == "deadline" and isinstance(rev.from_, dt.date):
                deadline = rev.from_
        return dataclasses.replace(self, target=target, deadline=deadline, revisions=kept)

    @property
    def original(self) -> "Target":
        """The target as first set, before any revision."""
        if not self.revisions:
            return self
        return self.as_at(min(r.date for r in self.revisions) - dt.timedelta(days=1))


@dataclass(frozen=True)
class Override:
    """An editor's explicit status: paused and dropped need a reason, completed a source."""

    __pydantic_config__ = STRICT
    status: OverrideStatus
    reason: Text | None = None
    source: str | None = None
    date: dt.date | None = None


@dataclass(frozen=True)
class Measure:
    """content/measures/<programme>/<number>-<slug>.yaml: one commitment (措施)."""

    __pydantic_config__ = STRICT
    programme: Annotated[str, _doc("Programme id.")]
    number: Annotated[int, Field(ge=1, le=9999, strict=True, description="Position within the programme.")]  # strict: `true` is not 1
    title: Text
    category: Annotated[str, _doc("Category id.")]
    sources: Annotated[list[str], Field(min_length=1, description="Source ids.")]
    lead: Annotated[list[str], _doc("Lead department ids; leave empty when the source names none.")] = field(default_factory=list)
    description: Annotated[Text | None, _doc("Markdown.")] = None
    support: Annotated[list[str], _doc("Supporting department ids.")] = field(default_factory=list)
    start: Annotated[dt.date | None, _doc("Defaults to the programme's period start.")] = None
    deadline: Annotated[dt.date | None, _doc("Defaults to the programme's period end.")] = None
    added: Annotated[dt.date | None, _doc("When the measure entered the bulletin, if later than its programme (a commitment "
                                          "added after the plan was issued): earlier rounds show it as not yet in the bulletin.")] = None
    places: list[Text] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    override: Override | None = None
    explanation: Annotated[Text | None, _doc("Why the measure is behind or late, in every language (Markdown).")] = None
    next_steps: Annotated[list[NextStep], _doc("Dated actions with the responsible department.")] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.programme}-{self.number}"

    def as_at(self, date: dt.date) -> "Measure":
        """The measure with every target as it stood on `date` (see `Target.as_at`)."""
        return dataclasses.replace(self, targets=[t.as_at(date) for t in self.targets])

    def window(self, programme_period: Period) -> Period:
        """When work on the measure starts and is due: its own dates, else the programme's period."""
        return Period(self.start or programme_period.start, self.deadline or programme_period.end)


# The files editors write. `departments.yaml` etc. hold a list under one key so the
# file can grow other keys later without breaking.
@dataclass(frozen=True)
class DepartmentsFile:
    __pydantic_config__ = STRICT
    departments: list[Department]


@dataclass(frozen=True)
class CategoriesFile:
    __pydantic_config__ = STRICT
    categories: list[Category]


@dataclass(frozen=True)
class SourcesFile:
    __pydantic_config__ = STRICT
    sources: list[Source]


# Which dataclass each kind of content file holds: what `check` validates against and
# what `schema` writes a JSON Schema for.
FILE_KINDS: dict[str, type] = {
    "bulletin": Bulletin,
    "departments": DepartmentsFile,
    "categories": CategoriesFile,
    "sources": SourcesFile,
    "programme": Programme,
    "measure": Measure,
}


@dataclass(frozen=True)
class Page:
    """A Markdown page from content/pages/<slug>.<lang>.md."""

    slug: str
    title: Text
    body: Text  # Markdown, per language


@dataclass(frozen=True)
class Content:
    """Everything loaded and validated: the input to status derivation and rendering."""

    bulletin: Bulletin
    departments: dict[str, Department]
    categories: dict[str, Category]
    sources: dict[str, Source]
    programmes: dict[str, Programme]
    measures: dict[str, Measure]  # by Measure.id, in programme then number order
    pages: dict[str, Page]
    files: dict[str, str] = field(default_factory=dict)  # "measure:<id>" / "programme:<id>" -> content-relative file, for messages

    def measures_of(self, programme_id: str) -> list[Measure]:
        return [m for m in self.measures.values() if m.programme == programme_id]

    def as_of(self, programme_id: str) -> dt.date:
        return self.programmes[programme_id].reporting_date(self.bulletin)

    def window(self, measure: Measure) -> Period:
        return measure.window(self.programmes[measure.programme].period)

    def begins(self, measure: Measure) -> dt.date:
        """The first day a measure is in the bulletin: its programme's, or its own `added` date when
        it came later; rounds before it show it as not yet in the bulletin."""
        begins = self.programmes[measure.programme].begins
        return max(begins, measure.added) if measure.added else begins

    def at(self, day: dt.date) -> "Content":
        """The content as it was known on `day`, a reporting round: progress reported by then, and
        overrides dated by then (an undated override has no date to go by and counts at every round).

        The reporting date becomes `day`; a programme with its own `as_of` keeps it when earlier
        (its figures were frozen then), so a programme's as_of caps the rounds for it. On or after
        the bulletin's reporting date the content is returned unchanged: the current round is
        the site itself."""
        if day >= self.bulletin.as_of:
            return self
        bulletin = replace(self.bulletin, as_of=day)
        programmes = {pid: replace(p, as_of=min(p.as_of, day)) if p.as_of else p for pid, p in self.programmes.items()}
        return replace(self, bulletin=bulletin, programmes=programmes,
                       measures={mid: _measure_at(ms, day) for mid, ms in self.measures.items()})


def _measure_at(ms: Measure, day: dt.date) -> Measure:
    targets = [_target_at(t, day) for t in ms.targets]
    override = ms.override if ms.override is None or ms.override.date is None or ms.override.date <= day else None
    if override is ms.override and all(a is b for a, b in zip(targets, ms.targets)):
        return ms
    return replace(ms, targets=targets, override=override)


def _target_at(t: Target, day: dt.date) -> Target:
    """A target as known on `day`: progress reported by then, and the target value and deadline valid then."""
    if t.revisions:
        t = t.as_at(day)
    if any(e.date > day for e in t.progress):
        t = replace(t, progress=[e for e in t.progress if e.date <= day])
    return t
