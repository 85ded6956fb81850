"""Stage 3: derive every status from targets, progress and dates (pure functions).

Chinese progress reporting compares completion with the share of time elapsed
(序时进度). For a numeric target:

    p = (value - baseline) / (target - baseline)     progress fraction; works going down
    e = (as_of - start) / (deadline - start)          expected fraction, clamped to [0, 1]

and p / e against the bulletin's thresholds gives ahead / on track / behind. Interim
milestones bend the expected line: it runs baseline → milestone → … → target.
Every result carries the figures behind it, so the site can say in one sentence why.

Precedence, first match wins: the editor's override (paused / dropped / completed) >
completed > not_started (as_of before start) > nothing reported by as_of (overdue_unreported
once the deadline has passed, 逾期未报; no_data before it, 尚未报告) > overdue (deadline
passed) > pace (ahead / on_track / behind; in_progress for a milestone reported not yet
done). `ongoing` is a target with no end value that has started. Stale data (latest report
older than stale_after_days) and due soon (deadline within due_soon_days) are flags beside
the status, never statuses.

The pace rule is either the ratio p / e against `thresholds` (the default), or the
percentage-point rule of supervision practice: behind when p is more than N points below e.

A measure rolls its targets up so that unreported targets never hide reported ones; see
`combine`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from .model import Content, Measure, Milestone, PaceRule, Period, PointsRule, ProgressEntry, Target


class Status(StrEnum):
    COMPLETED = "completed"
    AHEAD = "ahead"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    OVERDUE = "overdue"
    OVERDUE_UNREPORTED = "overdue_unreported"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    NO_DATA = "no_data"
    ONGOING = "ongoing"
    PAUSED = "paused"
    DROPPED = "dropped"


# A measure takes the worst status of its targets: this is the order, worst first.
# `completed` comes last because a measure is completed only when every target is.
# Overdue and not reported ranks with overdue (just before it: supervision treats 逾期未报 as
# the most serious case). `no_data` is never compared with reported statuses: see `combine`.
SEVERITY: tuple[Status, ...] = (
    Status.OVERDUE_UNREPORTED, Status.OVERDUE, Status.BEHIND, Status.NO_DATA, Status.IN_PROGRESS, Status.ON_TRACK,
    Status.AHEAD, Status.NOT_STARTED, Status.ONGOING, Status.COMPLETED,
)
# Nothing reported by the reporting date: these statuses say so, and never decide a measure
# that has reported targets.
UNREPORTED: frozenset[Status] = frozenset({Status.NO_DATA, Status.OVERDUE_UNREPORTED})
# Finished one way or another: never "due soon".
CLOSED: frozenset[Status] = frozenset({Status.COMPLETED, Status.DROPPED, Status.PAUSED})
# The order statuses are listed in on the site: the editor's overrides last.
DISPLAY_ORDER: tuple[Status, ...] = (
    Status.OVERDUE_UNREPORTED, Status.OVERDUE, Status.BEHIND, Status.ON_TRACK, Status.AHEAD, Status.IN_PROGRESS,
    Status.COMPLETED, Status.NOT_STARTED, Status.NO_DATA, Status.ONGOING, Status.PAUSED, Status.DROPPED,
)


@dataclass(frozen=True)
class Assessment:
    """A target's status and the figures that explain it."""

    status: Status
    as_of: dt.date
    start: dt.date | None = None
    deadline: dt.date | None = None
    expected: float | None = None  # e: share of the way expected by as_of
    reached: float | None = None  # p: share of the way reached by the latest report
    latest: ProgressEntry | None = None
    stale: bool = False  # no report within the reporting interval
    next_milestone: Milestone | None = None
    due_soon: bool = False  # unfinished, and the deadline falls within due_soon_days of as_of
    seriously_behind: bool = False  # behind by more than the points rule's `seriously_behind`

    @property
    def reported(self) -> bool:
        """Whether anything was reported by the reporting date."""
        return self.latest is not None


@dataclass(frozen=True)
class MeasureAssessment:
    status: Status
    targets: dict[str, Assessment] = field(default_factory=dict)
    deciding: str | None = None  # id of the target whose status the measure took
    stale: bool = False
    overridden: bool = False
    due_soon: bool = False
    deadline: dt.date | None = None  # the measure's own deadline
    seriously_behind: bool = False  # the deciding target is seriously behind

    @property
    def reported(self) -> int:
        """How many of the measure's targets have a report by the reporting date."""
        return sum(1 for a in self.targets.values() if a.reported)

    @property
    def unreported(self) -> list[str]:
        """Ids of targets with an end value and nothing reported (no_data / overdue_unreported)."""
        return [tid for tid, a in self.targets.items() if a.status in UNREPORTED]


def expected_fraction(start: dt.date, deadline: dt.date, as_of: dt.date) -> float:
    """Share of the period elapsed at as_of, clamped to [0, 1]. A zero-length period is all or nothing."""
    if deadline <= start:
        return 1.0 if as_of >= deadline else 0.0
    return min(1.0, max(0.0, (as_of - start).days / (deadline - start).days))


def progress_fraction(value: float, baseline: float, target: float) -> float:
    """Share of the way from baseline to target; negative when moving the wrong way."""
    if target == baseline:
        return 1.0 if value == target else 0.0
    return (value - baseline) / (target - baseline)


def pace_points(start: dt.date, deadline: dt.date, baseline: float, target: float,
                milestones: list[Milestone]) -> list[tuple[dt.date, float]]:
    """The expected pace as a line: baseline at the start, each interim milestone, the target at the deadline."""
    return [(start, baseline)] + [(ms.date, ms.value) for ms in sorted(milestones, key=lambda ms: ms.date)] + [(deadline, target)]


def figure_at(target: Target, share: float) -> float:
    """The figure `share` of the way from the target's baseline (0 without one) to its value."""
    base = float(target.baseline.value) if target.baseline else 0.0
    return base + (float(target.target) - base) * share  # type: ignore[arg-type]


def expected_value_fraction(start: dt.date, deadline: dt.date, as_of: dt.date,
                            baseline: float, target: float, milestones: list[Milestone]) -> float:
    """Expected fraction along the line baseline → interim milestones → target."""
    if not milestones or target == baseline:
        return expected_fraction(start, deadline, as_of)
    points = pace_points(start, deadline, baseline, target, milestones)
    if as_of <= start:
        return 0.0
    for (d0, v0), (d1, v1) in zip(points, points[1:]):
        if as_of <= d1:
            share = expected_fraction(d0, d1, as_of)
            return min(1.0, max(0.0, progress_fraction(v0 + (v1 - v0) * share, baseline, target)))
    return 1.0


def pace(p: float, e: float, thresholds: PaceRule) -> Status:
    """ahead / on_track / behind from progress p against expected e, by the configured rule.

    Figures are rounded to 9 decimals so that a figure exactly on a threshold (e.g. p/e
    = 0.95, which is 0.9499999… in binary floating point) falls on the documented side."""
    if isinstance(thresholds, PointsRule):
        gap = round((p - e) * 100, 9)  # percentage points above (+) or below (−) the expected share
        if gap >= thresholds.ahead:
            return Status.AHEAD
        if gap < -thresholds.behind:  # "more than N points below"
            return Status.BEHIND
        return Status.ON_TRACK
    if e <= 0:  # nothing was expected yet: any gain is ahead of the pace, a loss behind it (as the points rule says)
        return Status.AHEAD if p > 0 else Status.BEHIND if p < 0 else Status.ON_TRACK
    ratio = round(p / e, 9)
    if ratio >= thresholds.ahead:
        return Status.AHEAD
    if ratio >= thresholds.behind:
        return Status.ON_TRACK
    return Status.BEHIND


def _latest(progress: list[ProgressEntry], as_of: dt.date) -> ProgressEntry | None:
    reported = [e for e in progress if e.date <= as_of]
    # Stable: of two reports on the same day, the later-written one counts.
    return max(reversed(reported), key=lambda e: e.date) if reported else None


def seriously_behind(p: float | None, e: float | None, rule: PaceRule) -> bool:
    """More than `seriously_behind` percentage points below the expected share (points rule only)."""
    if not isinstance(rule, PointsRule) or rule.seriously_behind is None or p is None or e is None:
        return False
    return round((p - e) * 100, 9) < -rule.seriously_behind


def due_soon(status: Status, deadline: dt.date | None, as_of: dt.date, days: int) -> bool:
    """Unfinished and due within `days` of the reporting date (the day itself included)."""
    return status not in CLOSED and deadline is not None and 0 <= (deadline - as_of).days <= days


def assess_target(target: Target, *, start: dt.date, deadline: dt.date, as_of: dt.date,
                  thresholds: PaceRule, stale_after_days: int, due_soon_days: int = 30,
                  today: dt.date | None = None) -> Assessment:
    """Status of one target at as_of. `start` and `deadline` are already resolved from the measure.

    `today` is the bulletin's reporting date, the reader's present (never before a programme's own
    `as_of`: check refuses that), when the programme is frozen at an earlier `as_of`: "due soon" looks ahead from it, so a deadline that passed after the
    programme's last report is not flagged as coming up (its status stays as it was at as_of)."""
    a = _assess_target(target, start=start, deadline=deadline, as_of=as_of, thresholds=thresholds,
                       stale_after_days=stale_after_days)
    flags = {}
    if due_soon(a.status, a.deadline, today or as_of, due_soon_days) and a.status != Status.ONGOING:
        flags["due_soon"] = True
    if a.status == Status.BEHIND and seriously_behind(a.reached, a.expected, thresholds):
        flags["seriously_behind"] = True
    return dataclasses.replace(a, **flags) if flags else a


def _unreported(as_of: dt.date, deadline: dt.date) -> Status:
    """Nothing reported: 逾期未报 once the deadline has passed, 尚未报告 before."""
    return Status.OVERDUE_UNREPORTED if as_of > deadline else Status.NO_DATA


def _assess_target(target: Target, *, start: dt.date, deadline: dt.date, as_of: dt.date,
                   thresholds: PaceRule, stale_after_days: int) -> Assessment:
    window = target.window(Period(start, deadline))
    start, deadline = window.start, window.end
    latest = _latest(target.progress, as_of)
    upcoming = [ms for ms in sorted(target.milestones, key=lambda ms: ms.date) if ms.date >= as_of]
    base = dict(as_of=as_of, start=start, deadline=deadline, latest=latest,
                next_milestone=upcoming[0] if upcoming else None)
    stale = latest is not None and (as_of - latest.date).days > stale_after_days

    if target.kind == "milestone":  # yes/no: done, or not yet (a missing `target` means true)
        e = expected_fraction(start, deadline, as_of)
        if latest is not None and latest.value is True:
            return Assessment(Status.COMPLETED, **base, expected=e, reached=1.0)
        if as_of < start:
            return Assessment(Status.NOT_STARTED, **base, expected=0.0)
        if latest is None:  # no report at all
            return Assessment(_unreported(as_of, deadline), **base, expected=e)
        if as_of > deadline:
            return Assessment(Status.OVERDUE, **base, expected=1.0, reached=0.0, stale=stale)
        return Assessment(Status.IN_PROGRESS, **base, expected=e, reached=0.0, stale=stale)
    if target.target is None:  # continuing work with no end target
        if as_of < start:
            return Assessment(Status.NOT_STARTED, **base)
        return Assessment(Status.ONGOING, **base, stale=stale)

    baseline = target.baseline.value if target.baseline else 0.0
    goal = float(target.target)
    if target.direction == "down":  # mirror so that "more" always means "better"
        baseline, goal = -baseline, -goal
        milestones = [Milestone(ms.date, -ms.value) for ms in target.milestones]
    else:
        milestones = list(target.milestones)
    e = expected_value_fraction(start, deadline, as_of, baseline, goal, milestones)
    if latest is None:
        if as_of < start:
            return Assessment(Status.NOT_STARTED, **base, expected=0.0)
        return Assessment(_unreported(as_of, deadline), **base, expected=e)
    value = -float(latest.value) if target.direction == "down" else float(latest.value)
    p = progress_fraction(value, baseline, goal)
    if value >= goal:
        return Assessment(Status.COMPLETED, **base, expected=e, reached=max(p, 1.0))
    if as_of < start:
        return Assessment(Status.NOT_STARTED, **base, reached=p, expected=0.0)
    if as_of > deadline:
        return Assessment(Status.OVERDUE, **base, reached=p, expected=1.0, stale=stale)
    return Assessment(pace(p, e, thresholds), **base, reached=p, expected=e, stale=stale)


def combine(statuses: dict[str, Status], reported: set[str] | None = None) -> tuple[Status, str | None]:
    """A measure's status from its targets' statuses, and the id of the target that decides it.

    - Continuing targets with no end value (`ongoing`) do not decide a measure that also has
      targets with an end value; targets whose work has not begun (`not_started`) do not
      decide a measure with targets under way (nothing is asked of them yet, so they cannot
      hide one that is overdue or unreported), but keep it from being completed.
    - Unreported targets (no_data, overdue_unreported) never hide reported ones: with any
      target reported, the measure takes the least favourable *reported* status.
    - It is completed only when every deciding target is. When every reported target is
      completed but others have no report yet, the measure is not done: it is
      overdue_unreported if one of those is past its deadline, else in_progress.
    - With no target reported it is overdue_unreported if any target is past its deadline
      with nothing reported; else `ongoing` when continuing work has figures reported (a
      report is never shown as "not yet reported"); else no_data.

    `reported` names the targets with a report by the reporting date; by default every target
    whose status is not an unreported one.
    """
    if not statuses:
        return Status.NO_DATA, None
    waiting = [tid for tid, s in statuses.items() if s == Status.NOT_STARTED]
    deciding = {tid: s for tid, s in statuses.items() if s not in (Status.ONGOING, Status.NOT_STARTED)} \
        or {tid: s for tid, s in statuses.items() if s != Status.ONGOING} or dict(statuses)
    status, decider = _combine(statuses, deciding, reported)
    if status == Status.COMPLETED and waiting and waiting[0] not in deciding:
        return Status.IN_PROGRESS, waiting[0]  # done so far, but a target's work has yet to begin
    return status, decider


def _combine(statuses: dict[str, Status], deciding: dict[str, Status], reported: set[str] | None) -> tuple[Status, str | None]:
    decided = {tid: s for tid, s in deciding.items() if s not in UNREPORTED}
    unreported = {tid: s for tid, s in deciding.items() if s in UNREPORTED}
    if decided:
        worst_id, worst = min(decided.items(), key=lambda kv: _rank(kv[1]))
        if worst != Status.COMPLETED or not unreported:
            return worst, worst_id
        late = [tid for tid, s in unreported.items() if s == Status.OVERDUE_UNREPORTED]
        return (Status.OVERDUE_UNREPORTED, late[0]) if late else (Status.IN_PROGRESS, next(iter(unreported)))
    worst_id, worst = min(unreported.items(), key=lambda kv: _rank(kv[1]))
    if worst == Status.NO_DATA:
        has_reports = reported if reported is not None else {tid for tid, s in statuses.items() if s not in UNREPORTED}
        continuing = [tid for tid, s in statuses.items() if s == Status.ONGOING and tid in has_reports]
        if continuing:
            return Status.ONGOING, continuing[0]
    return worst, worst_id


def _standing(a: Assessment, rule: PaceRule) -> float:
    """How a target stands against its pace, by the bulletin's rule: points above (+) or below (−) the
    expected share, or the share reached per share expected; lower is further behind."""
    p, e = a.reached or 0.0, a.expected or 0.0
    if isinstance(rule, PointsRule) or e <= 0:
        return p - e
    return p / e


def _rank(status: Status) -> float:
    """Position in SEVERITY; overrides (paused, dropped) rank just before completed."""
    if status in SEVERITY:
        return SEVERITY.index(status)
    return SEVERITY.index(Status.COMPLETED) - 0.5


def assess_measure(measure: Measure, *, period_start: dt.date, period_end: dt.date, as_of: dt.date,
                   thresholds: PaceRule, stale_after_days: int, due_soon_days: int = 30,
                   today: dt.date | None = None) -> MeasureAssessment:
    window = measure.window(Period(period_start, period_end))
    targets = {t.id: assess_target(t, start=window.start, deadline=window.end, as_of=as_of, thresholds=thresholds,
                                   stale_after_days=stale_after_days, due_soon_days=due_soon_days, today=today)
               for t in measure.targets}
    stale = any(a.stale for a in targets.values())
    if measure.override is not None:  # the editor's word, with its reason, stands
        status = Status(measure.override.status)
        # closed by the editors (paused, dropped, completed): no report is awaited, so none is stale
        return MeasureAssessment(status, targets, None, stale and status not in CLOSED, overridden=True, deadline=window.end)
    if targets:
        status, deciding = combine({tid: a.status for tid, a in targets.items()},
                                   {tid for tid, a in targets.items() if a.reported})
    else:  # no measurable target: nothing can be reported against it (but its work may not have begun)
        status = Status.NOT_STARTED if as_of < window.start else _unreported(as_of, window.end)
        deciding = None
    soon = status not in CLOSED and (due_soon(status, window.end, today or as_of, due_soon_days)
                                     or any(a.due_soon for a in targets.values()))
    if status == Status.BEHIND:  # of two behind targets, the one further behind decides (and is named)
        deciding = min((tid for tid, a in targets.items() if a.status == Status.BEHIND),
                       key=lambda tid: _standing(targets[tid], thresholds))
    serious = status == Status.BEHIND and targets[deciding].seriously_behind
    return MeasureAssessment(status, targets, deciding, stale, due_soon=soon, deadline=window.end, seriously_behind=serious)


def assess(content: Content) -> dict[str, MeasureAssessment]:
    """Every measure's assessment, by measure id."""
    b = content.bulletin
    result = {}
    for mid, measure in content.measures.items():
        programme = content.programmes[measure.programme]
        result[mid] = assess_measure(measure, period_start=programme.period.start, period_end=programme.period.end,
                                     as_of=content.as_of(measure.programme), thresholds=b.pace,
                                     stale_after_days=b.stale_after_days, due_soon_days=b.due_soon_days,
                                     today=b.as_of)
    return result


def count_by_status(assessments: dict[str, MeasureAssessment] | list[MeasureAssessment]) -> dict[Status, int]:
    """Measures per status, in display order, leaving out statuses with none."""
    values = assessments.values() if isinstance(assessments, dict) else assessments
    counts = {s: 0 for s in DISPLAY_ORDER}
    for a in values:
        counts[a.status] += 1
    return {s: n for s, n in counts.items() if n}


def expected_line(target: Target, assessment: Assessment) -> list[tuple[dt.date, float]]:
    """The expected pace a numeric target's status was measured against, in the target's own
    units (not mirrored for targets that go down): what charts draw. Empty when there is none."""
    if target.kind == "milestone" or target.target is None or isinstance(target.target, bool) \
            or assessment.start is None or assessment.deadline is None:
        return []
    baseline = target.baseline.value if target.baseline else 0.0
    return pace_points(assessment.start, assessment.deadline, baseline, float(target.target), list(target.milestones))
