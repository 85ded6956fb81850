"""Stage 4a: the site's structure — every page, its template and its data.

Nothing here knows HTML. Each page is described once, language-independently; the
render stage turns it into one file per language. Pages declare no dependencies: what a
page reads is recorded while it renders (`deps.py`), through this `Site`'s content and
query methods.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable

from .deps import RecordedMap, entity_index, recorded_fields, recorded_queries
from .model import Content, Measure, ProgressEntry, Target
from .rounds import History, RoundChanges, StatusChange, history
from .status import CLOSED, DISPLAY_ORDER, MeasureAssessment, Status, assess, count_by_status


@dataclass(frozen=True)
class Update:
    """A progress entry in context, for the updates page, the feed and the downloads."""

    measure: Measure
    target: Target
    entry: ProgressEntry
    index: int  # position in the target's progress list, for a stable order

    @property
    def key(self) -> str:
        """The entry's id within its measure (feeds): the target and the date, with the entry's place
        among that day's reports only for a second one. An entry inserted before it never changes it;
        the position in the list did, and feed readers showed every later report again."""
        day = [e for e in self.target.progress[:self.index] if e.date == self.entry.date]
        return f"{self.target.id}-{self.entry.date.isoformat()}" + (f"-{len(day) + 1}" if day else "")


@dataclass(frozen=True)
class ListedMeasure:
    """A measure as a filtered list shows it: number, title, status and flags, the date it is listed
    under. A filtered page is given these values rather than the measures, so it is rendered again
    only when what it shows changes, not after every edit of every measure of its list."""

    id: str
    programme: str
    number: int
    title: Any  # Text
    status: Status
    due_soon: bool
    seriously_behind: bool
    due_date: dt.date
    # For templates written before these rows (their list macro asks `site.deadline_of(ms)` and `ms.lead`):
    deadline: dt.date
    lead: tuple[str, ...]


@dataclass
class PageSpec:
    path: str  # relative to the language root, e.g. "measures/huitian-2019-3/index.html"
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    charts: tuple[tuple[str, tuple], ...] = ()  # (chart kind, arguments) rendered per language
    in_sitemap: bool = True


def measure_path(measure_id: str) -> str:
    return f"measures/{measure_id}/index.html"


def facet_path(base: str, facet: str | None = None, value: str | None = None) -> str:
    """A list page (`base` is its folder, e.g. "departments/x/"), or the same list narrowed to one value."""
    return base + (f"{facet}/{value}/" if facet else "") + "index.html"


def programme_path(programme_id: str, facet: str | None = None, value: str | None = None) -> str:
    return facet_path(f"programmes/{programme_id}/", facet, value)


# Lists shorter than this are shown whole, without filter pages.
MIN_MEASURES_FOR_FILTERS = 10

PATHS = {
    "home": "index.html",
    "departments": "departments/index.html",
    "categories": "categories/index.html",
    "statuses": "status/index.html",
    "deadlines": "deadlines/index.html",
    "updates": "updates/index.html",
    "methodology": "methodology/index.html",
    "changes": "changes/index.html",
    "rounds": "rounds/index.html",
    "search": "search/index.html",
    "report": "report/index.html",
}

# The updates page lists this many of the newest progress reports. A bulletin with more
# puts all of them on a page per month as well: listed whole, a city's (6,000 reports at
# 300 measures) made one page of 1.2 MB, too much to open on a phone.
UPDATES_ON_INDEX = 100


def updates_month_path(month: dt.date) -> str:
    """The progress reports of one month; the address never changes as later months are added."""
    return f"updates/{month:%Y-%m}/index.html"


# A report (通报) lives in a `report/` folder beside its list, with its PDF and workbook.
REPORT_FILES = ("report.pdf", "report.xlsx")


def report_path(scope: str | None = None, ident: str | None = None) -> str:
    """The report of the whole bulletin, or of one programme or department."""
    return {None: "", "programme": f"programmes/{ident}/", "department": f"departments/{ident}/"}[scope] + PATHS["report"]


def round_path(day: dt.date) -> str:
    """A round's own page: the URL never changes when later rounds are added."""
    return f"rounds/{day.isoformat()}/index.html"


def round_report_path(day: dt.date, scope: str | None = None, ident: str | None = None) -> str:
    """A round's report: the current report's address under the round's folder, e.g.
    rounds/2019-12-11/programmes/x/report/. It exists for every round, the current one
    included (there a page linking to `report_path`), so a link to it never breaks."""
    return f"rounds/{day.isoformat()}/" + report_path(scope, ident)


@dataclass(frozen=True)
class FeedEntry:
    """One entry of an Atom feed: a progress report (`update`) or a status change at a round (`change`)."""

    date: dt.date
    update: Update | None = None
    change: StatusChange | None = None


def department_path(dept_id: str) -> str:
    return f"departments/{dept_id}/index.html"


def category_path(cat_id: str) -> str:
    return f"categories/{cat_id}/index.html"


def status_slug(status: Status | str) -> str:
    """A status as it appears in URLs and CSS classes: on_track → on-track."""
    return Status(status).value.replace("_", "-")


def status_from_slug(slug: str) -> Status:
    return Status(slug.replace("-", "_"))


def status_path(status: Status | str) -> str:
    return f"status/{status_slug(status)}/index.html"


def page_path(slug: str) -> str:
    return f"{slug}/index.html"


@recorded_queries(exclude=("pages", "collections", "entity_index"))
class Site:
    """The validated content plus derived statuses, and the pages made from them.

    `content` and `assessments` record what is read from them while a page renders, and
    every public method is a recorded query (see `deps.py`): a new query added here is
    followed by incremental rebuilds without further work."""

    def __init__(self, content: Content):
        self._plain = content  # unwrapped: the history is derived from it inside queries, which record their result
        self.content = recorded_fields(content)
        self.assessments: Mapping[str, MeasureAssessment] = RecordedMap("assessments", assess(content))
        self._index: dict[int, tuple] | None = None
        self._history: History | None = None
        self._changes: dict[dt.date, RoundChanges] = {}
        self._updates: list[Update] | None = None
        self._by_month: dict[dt.date, list[Update]] | None = None

    def collections(self) -> dict[str, Mapping]:
        """Every mapping of entities a page can read, by name: the content's and the derived ones."""
        found = {f.name: getattr(self.content, f.name) for f in dataclasses.fields(self.content)
                 if isinstance(getattr(self.content, f.name), Mapping)}
        return dict(found, assessments=self.assessments)

    def entity_index(self) -> dict[int, tuple]:
        if self._index is None:
            self._index = entity_index(self.collections())
        return self._index

    # --- reporting rounds -------------------------------------------------------------
    @property
    def history(self) -> History:
        """Statuses at every round, worked out on first use (the current round is `assessments`)."""
        if self._history is None:
            self._history = history(self._plain, self.assessments.data)
        return self._history

    def rounds(self) -> tuple[dt.date, ...]:
        return self.history.rounds

    def current_round(self) -> dt.date:
        return self.history.rounds[-1]

    def has_history(self) -> bool:
        """More than one round: only then do pages show a timeline and what changed."""
        return len(self.history.rounds) > 1

    def history_of(self, measure_id: str) -> list[tuple[dt.date, MeasureAssessment | None]]:
        return self.history.of(measure_id)

    def changes(self, day: dt.date | None = None) -> RoundChanges:
        """What changed at round `day` (default: the current round) since the round before."""
        day = day or self.current_round()
        if day not in self._changes:  # asked for by many pages and every feed: work it out once
            self._changes[day] = self.history.changes(day)
        return self._changes[day]

    def round_measures(self, day: dt.date, *, programme: str | None = None,
                       department: str | None = None) -> list[tuple[Measure, MeasureAssessment]]:
        """The measures taking part in round `day` (optionally of one programme, or led or
        supported by one department), as known then, with their assessment then."""
        at = self.history.at[day]
        known = self.history.known[day]
        return [(known.measures[mid], at[mid]) for mid, ms in self._plain.measures.items()
                if mid in at and (programme is None or ms.programme == programme)
                and (department is None or department in ms.lead or department in ms.support)]

    def round_programmes(self, day: dt.date) -> list[str]:
        """Ids of the programmes with measures in round `day`, in content order."""
        used = {self._plain.measures[mid].programme for mid in self.history.at[day]}
        return [pid for pid in self._plain.programmes if pid in used]

    def round_departments(self, day: dt.date) -> list[str]:
        """Ids of the departments leading or supporting a measure in round `day`, in content order."""
        used = {d for mid in self.history.at[day] for d in (*self._plain.measures[mid].lead, *self._plain.measures[mid].support)}
        return [did for did in self._plain.departments if did in used]

    def round_counts(self, day: dt.date) -> dict[Status, int]:
        return count_by_status(self.history.at[day])

    def feed(self, *, programme: str | None = None, department: str | None = None, limit: int = 50) -> list[FeedEntry]:
        """Progress reports and status changes, newest first, optionally for one programme or department."""
        wanted = {ms.id for ms in self.measures(programme=programme, department=department)}
        entries = [FeedEntry(u.entry.date, update=u) for u in self.updates() if u.measure.id in wanted]
        for day in self.rounds():
            entries += [FeedEntry(day, change=c) for c in self.changes(day).statuses
                        if c.measure.id in wanted and c.kind != "added"]
        # Newest first; on one day a status change comes before the reports behind it.
        entries.sort(key=lambda e: (e.date, e.change is not None), reverse=True)
        return entries[:limit]

    # --- queries shared by pages, feeds and downloads ------------------------------
    def status_of(self, measure_id: str) -> Status:
        return self.assessments[measure_id].status

    def measures(self, *, programme: str | None = None, department: str | None = None,
                 category: str | None = None, status: Status | None = None) -> list[Measure]:
        out = []
        for mid, ms in self.content.measures.items():
            if programme and ms.programme != programme:
                continue
            if department and department not in ms.lead and department not in ms.support:
                continue
            if category and ms.category != category:
                continue
            if status and self.assessments[mid].status != status:
                continue
            out.append(ms)
        return out

    def counts(self, measures: list[Measure]) -> dict[Status, int]:
        return count_by_status([self.assessments[ms.id] for ms in measures])

    def updates(self) -> list[Update]:
        """Every progress entry, newest first (stable for equal dates)."""
        if self._updates is None:  # asked by every feed and list of updates: sorted once
            items = [Update(ms, t, e, i) for ms in self.content.measures.values() for t in ms.targets
                     for i, e in enumerate(t.progress)]
            # newest first; on one date in reading order (programme, measure number, target), not by
            # id as text, where measure 10 comes before measure 2 (the sort is stable, reversed too)
            self._updates = sorted(items, key=lambda u: u.entry.date, reverse=True)
        return list(self._updates)

    def _updates_by_month(self) -> dict[dt.date, list[Update]]:
        """Every report under the first day of its month, months newest first (grouped once)."""
        if self._by_month is None:
            self._by_month = {}
            for u in self.updates():
                self._by_month.setdefault(u.entry.date.replace(day=1), []).append(u)
        return self._by_month

    def update_months(self) -> list[tuple[dt.date, int]]:
        """(first day of the month, how many reports) for every month with a report, newest
        first; none when the updates page lists every report itself."""
        if len(self.updates()) <= UPDATES_ON_INDEX:
            return []
        return [(month, len(updates)) for month, updates in self._updates_by_month().items()]

    def updates_in(self, month: dt.date) -> list[Update]:
        """The reports of one month, newest first (as on the updates page)."""
        return list(self._updates_by_month().get(month.replace(day=1), ()))

    def _updates_month_shows(self, month: dt.date) -> dict[str, Any]:
        """A month's reports, and the months before and after it: not the whole list of months,
        so a new report re-renders its own month's page and the updates page, not every month's."""
        months = [day for day, _ in self.update_months()]
        i = months.index(month)
        return {"updates": self.updates_in(month), "month": month,
                "newer_month": months[i - 1] if i > 0 else None, "older_month": months[i + 1] if i + 1 < len(months) else None}

    def deadline_of(self, measure: Measure | ListedMeasure) -> dt.date:
        if isinstance(measure, ListedMeasure):  # a filtered page's row, from a template written before rows
            return measure.deadline
        return self.content.window(measure).end

    def due_date(self, measure: Measure) -> dt.date:
        """The date lists show a measure under, never after its own deadline: for a measure overdue,
        the deadline of the target it is overdue on (listed under May, not under its own December
        deadline beside an "overdue" badge); for one still open, the next deadline of an unfinished
        target on or after the reporting date; else its own deadline."""
        a = self.assessments[measure.id]
        own = self.deadline_of(measure)
        if a.status in (Status.OVERDUE, Status.OVERDUE_UNREPORTED) and a.deciding in a.targets:
            passed = a.targets[a.deciding].deadline
            return min(passed, own) if passed else own
        if a.status in CLOSED:
            return own
        as_of = self.content.as_of(measure.programme)
        upcoming = [t.deadline for t in a.targets.values() if t.deadline is not None and t.deadline >= as_of
                    and t.status not in (Status.COMPLETED, Status.ONGOING)]
        return min([*upcoming, own]) if upcoming else own

    def by_deadline_month(self) -> list[tuple[dt.date, list[Measure]]]:
        months: dict[dt.date, list[Measure]] = defaultdict(list)
        for ms in self.content.measures.values():
            d = self.due_date(ms)
            months[d.replace(day=1)].append(ms)
        return sorted((m, sorted(v, key=self.due_date)) for m, v in months.items())  # stable: reading order on one date

    def upcoming(self, limit: int = 8) -> list[Measure]:
        """Open measures whose deadline is on or after the bulletin's reporting date, soonest first
        (a programme frozen at an earlier `as_of` has no deadline coming up once its dates have passed)."""
        closed = {Status.COMPLETED, Status.DROPPED}
        today = self.content.bulletin.as_of
        items = [ms for ms in self.content.measures.values()
                 if self.status_of(ms.id) not in closed and self.due_date(ms) >= today]
        return sorted(items, key=self.due_date)[:limit]  # stable: reading order on one date

    def departments_used(self) -> list[str]:
        # Worked out once per build: every list of departments on every page asks for it.
        if getattr(self, "_departments_used", None) is None:
            used = {d for ms in self.content.measures.values() for d in (*ms.lead, *ms.support)}
            self._departments_used = [d for d in self.content.departments if d in used]
        return list(self._departments_used)

    def categories_used(self) -> list[str]:
        used = {ms.category for ms in self.content.measures.values()}
        return [c for c in self.content.categories if c in used]

    def statuses_used(self) -> list[Status]:
        used = {a.status for a in self.assessments.values()}
        return [s for s in DISPLAY_ORDER if s in used]

    # --- what a page shows beyond its own entity: worked out here, handed to its template ---
    def _shown(self) -> dict[str, Callable[[dict], dict[str, Any]]]:
        """Per kind of page, a function of the page's context giving the site-wide data it shows
        (the context's fingerprint follows the data into incremental rebuilds, as any context does)."""
        c = self.content
        linked = {"linked_departments": self.departments_used()}  # departments with a page of their own
        with_links = lambda context: linked

        def table(entries) -> list[tuple[Any, list[Measure], dict[Status, int]]]:
            return [(entity, ms, self.counts(ms)) for entity, ms in entries]

        return {
            "home": lambda context: self._home_shows(),
            "statuses": lambda context: {"counts": self.counts(self.measures())},
            "departments": lambda context: {"departments": table(
                (dept, self.measures(department=did)) for did, dept in c.departments.items()),
                "issuers": sorted({d for p in c.programmes.values() for d in p.issuers})},
            "categories": lambda context: {"categories": table(
                (c.categories[cid], self.measures(category=cid)) for cid in self.categories_used())},
            "deadlines": lambda context: {"months": self.by_deadline_month()},
            "updates": lambda context: {"updates": self.updates()[:UPDATES_ON_INDEX], "update_months": self.update_months(),
                                        "updates_total": len(self.updates())},
            "updates_month": lambda context: self._updates_month_shows(context["month"]),
            "changes": lambda context: {"changes": self.changes(context["round"])},
            "round": lambda context: self._round_shows(context["round"]),
            "rounds": lambda context: {"rounds_shown": [(day, self.changes(day), len(self.round_measures(day)))
                                                        for day in reversed(self.rounds())]},
            "measure": lambda context: dict(linked, has_history=self.has_history()),
            "programme": with_links, "department": with_links, "category": with_links, "status": with_links,
        }

    def _round_shows(self, day: dt.date) -> dict[str, Any]:
        return {"changes": self.changes(day), "round_programmes": self.round_programmes(day),
                "round_departments": self.round_departments(day), "round_counts": self.round_counts(day),
                "round_rows": [(programme, rows) for pid, programme in self.content.programmes.items()
                               if (rows := self.round_measures(day, programme=pid))],
                "has_history": self.has_history()}

    def _home_shows(self) -> dict[str, Any]:
        return {"counts": self.counts(self.measures()),
                "late": self.measures(status=Status.OVERDUE_UNREPORTED) + self.measures(status=Status.OVERDUE),
                "done": self.measures(status=Status.COMPLETED),
                "programmes": [(p, ms, self.counts(ms)) for p, ms in
                               ((p, self.measures(programme=pid)) for pid, p in self.content.programmes.items())],
                "upcoming": self.upcoming(), "updates": self.updates()[:6],
                "changes": self.changes() if self.has_history() else None}  # what changed since the round before

    # --- pages -----------------------------------------------------------------------
    def pages(self) -> list[PageSpec]:
        c = self.content
        pages = [PageSpec(PATHS["home"], "home.html", {"kind": "home"}, charts=(("programme_statuses", ()),))]
        for pid, programme in c.programmes.items():
            pages += self._list_pages(f"programmes/{pid}/", "programme.html", {"kind": "programme", "programme": programme},
                                      self.measures(programme=pid), ("status", "category", "department"),
                                      (("status_breakdown", ("programme", pid)),))
        for mid, ms in c.measures.items():
            pages.append(PageSpec(measure_path(mid), "measure.html", {"kind": "measure", "measure": ms},
                                  charts=tuple(("target_progress", (mid, t.id)) for t in ms.targets)))
        pages.append(PageSpec(PATHS["departments"], "departments.html", {"kind": "departments"}))
        for did in self.departments_used():
            pages += self._list_pages(f"departments/{did}/", "list.html", {"kind": "department", "department": c.departments[did]},
                                      self.measures(department=did), ("status", "category", "programme"),
                                      (("status_breakdown", ("department", did)),))
        pages.append(PageSpec(PATHS["categories"], "categories.html", {"kind": "categories"}))
        for cid in self.categories_used():
            pages += self._list_pages(f"categories/{cid}/", "list.html", {"kind": "category", "category": c.categories[cid]},
                                      self.measures(category=cid), ("status", "department", "programme"))
        pages.append(PageSpec(PATHS["statuses"], "statuses.html", {"kind": "statuses"}))
        for status in self.statuses_used():
            pages += self._list_pages(status_path(status).removesuffix("index.html"), "list.html",
                                      {"kind": "status", "status": status}, self.measures(status=status),
                                      ("category", "department", "programme"))
        pages.append(PageSpec(PATHS["deadlines"], "deadlines.html", {"kind": "deadlines"},
                              charts=(("deadlines_per_month", ()),)))
        pages.append(PageSpec(PATHS["updates"], "updates.html", {"kind": "updates"}))
        for month, _ in self.update_months():  # the same template, given one month's reports
            pages.append(PageSpec(updates_month_path(month), "updates.html", {"kind": "updates_month", "month": month}))
        pages.append(PageSpec(PATHS["changes"], "changes.html", {"kind": "changes", "round": self.current_round()}))
        pages.append(PageSpec(PATHS["rounds"], "rounds.html", {"kind": "rounds"}))
        for day in self.rounds():
            pages.append(PageSpec(round_path(day), "round.html", {"kind": "round", "round": day}))
        pages += self._report_pages()
        pages += self._round_report_pages()
        pages.append(PageSpec(PATHS["methodology"], "methodology.html", {"kind": "methodology"}))
        pages.append(PageSpec(PATHS["search"], "search.html", {"kind": "search"}))
        for slug, page in c.pages.items():
            pages.append(PageSpec(page_path(slug), "page.html", {"kind": "page", "document": page}))
        pages.append(PageSpec("404.html", "404.html", {"kind": "404", "elsewhere": ()}, in_sitemap=False))
        shown = self._shown()
        for spec in pages:  # each page is given what it shows, so its template queries nothing site-wide
            spec.context.update(shown.get(spec.context["kind"], lambda context: {})(spec.context))
        return pages

    def _report_pages(self) -> list[PageSpec]:
        """The round's report for the whole bulletin, each programme and each department with measures."""
        c = self.content
        pages = [PageSpec(report_path(), "report.html", {"kind": "report", "scope": None, "measures": self.measures()})]
        for pid, programme in c.programmes.items():
            pages.append(PageSpec(report_path("programme", pid), "report.html",
                                  {"kind": "report", "scope": "programme", "programme": programme,
                                   "measures": self.measures(programme=pid)}))
        for did in self.departments_used():
            pages.append(PageSpec(report_path("department", did), "report.html",
                                  {"kind": "report", "scope": "department", "department": c.departments[did],
                                   "measures": self.measures(department=did)}))
        return pages

    def _round_report_pages(self) -> list[PageSpec]:
        """Each earlier round's report, from what was known then; for the current round, pages
        linking to the current report (one report, no second copy)."""
        c = self.content
        pages = []
        for day in self.rounds():
            if day == self.current_round():
                scopes = [(None, None)] + [("programme", pid) for pid in c.programmes] + \
                    [("department", did) for did in self.departments_used()]
                pages += [PageSpec(round_report_path(day, scope, ident), "report_current.html",
                                   {"kind": "report_current", "round": day, "target": report_path(scope, ident)},
                                   in_sitemap=False) for scope, ident in scopes]
                continue
            context = {"kind": "report", "round": day}
            pages.append(PageSpec(round_report_path(day), "report.html", dict(context, scope=None)))
            for pid in self.round_programmes(day):
                pages.append(PageSpec(round_report_path(day, "programme", pid), "report.html",
                                      dict(context, scope="programme", programme=c.programmes[pid])))
            for did in self.round_departments(day):
                pages.append(PageSpec(round_report_path(day, "department", did), "report.html",
                                      dict(context, scope="department", department=c.departments[did])))
        return pages

    def _list_pages(self, base: str, template: str, context: dict[str, Any], measures: list[Measure],
                    kinds: tuple[str, ...], charts: tuple = ()) -> list[PageSpec]:
        """A list of measures, plus one page per filter value, so readers narrow it with plain links.

        A short list has no filters: its reader sees every measure at once, and a city's
        60 departments would otherwise bring thousands of filtered pages of one or two rows."""
        facets = {kind: values for kind, values in self._facets(measures, kinds).items() if len(values) > 1} \
            if len(measures) >= MIN_MEASURES_FOR_FILTERS else {}
        counts = {kind: {value: len(subset) for value, subset in values.items()} for kind, values in facets.items()}
        # all_measures: the list's ids, for templates written before `all_count` (they ask its length)
        shared = dict(context, all_count=len(measures), all_measures=tuple(ms.id for ms in measures),
                      facet_counts=counts, facet_base=base)
        pages = [PageSpec(facet_path(base), template, dict(shared, measures=measures, facet=None), charts=charts)]
        for kind, values in facets.items():
            for value, subset in values.items():
                pages.append(PageSpec(facet_path(base, kind, value), template,
                                      dict(shared, measures=[self._listed(ms) for ms in subset], facet=(kind, value)),
                                      in_sitemap=False))
        return pages

    def _listed(self, ms: Measure) -> ListedMeasure:
        a = self.assessments.data[ms.id]  # unrecorded: the values themselves are in the page's context
        return ListedMeasure(ms.id, ms.programme, ms.number, ms.title, a.status, a.due_soon, a.seriously_behind,
                             self.due_date(ms), self.deadline_of(ms), tuple(ms.lead))

    def _facets(self, measures: list[Measure], kinds: tuple[str, ...]) -> dict[str, dict[str, list[Measure]]]:
        """Measures grouped by each filter kind's values, values in display order."""
        facets: dict[str, dict[str, list[Measure]]] = {kind: {} for kind in kinds}
        order = {s: i for i, s in enumerate(DISPLAY_ORDER)}
        for ms in sorted(measures, key=lambda ms: order[self.status_of(ms.id)]):
            values = {"status": [status_slug(self.status_of(ms.id))], "category": [ms.category],
                      "department": list(dict.fromkeys((*ms.lead, *ms.support))), "programme": [ms.programme]}
            for kind in kinds:
                for value in values[kind]:
                    facets[kind].setdefault(value, []).append(ms)
        # Categories, departments and programmes in the order the content lists them.
        listed = {"category": self.content.categories, "department": self.content.departments, "programme": self.content.programmes}
        for kind, known in listed.items():
            if kind in facets:
                facets[kind] = {k: facets[kind][k] for k in known if k in facets[kind]}
        index = {ms.id: i for i, ms in enumerate(measures)}
        return {kind: {v: sorted(subset, key=lambda m: index[m.id]) for v, subset in values.items()}
                for kind, values in facets.items()}
