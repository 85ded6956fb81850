"""Stage 3b: statuses at every reporting round, and what changed from one round to the next.

A round is a date the bulletin publishes statuses at (`rounds:` in bulletin.yaml; the last
is the reporting date `as_of`). The statuses at a round are the ordinary assessment (`assess`)
of the content as it was known then (`Content.at`): progress reported by that date, with that
date as the reporting date. Nothing here restates a status rule, so a change to the rules
applies to every round alike.

A programme takes part in a round only once it exists: issued (or, without an issue date,
begun) on or before the round. Earlier rounds simply do not list its measures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .model import Content, Measure, ProgressEntry, Target
from .status import MeasureAssessment, Status, assess

# Statuses that call for attention: a measure entering one of them has "slipped".
# `overdue_unreported` is named by value so this module does not depend on when it is added.
SLIPPED = frozenset({Status.BEHIND.value, Status.OVERDUE.value, "overdue_unreported"})
HALTED = frozenset({Status.PAUSED.value, Status.DROPPED.value})

# Kinds of change, in the order the changes page lists them.
CHANGE_KINDS = ("completed", "slipped", "recovered", "halted", "other", "added")


def rounds_of(content: Content) -> tuple[dt.date, ...]:
    """The reporting rounds, oldest first; a bulletin that lists none has one: its as_of."""
    return tuple(content.bulletin.rounds) or (content.bulletin.as_of,)


@dataclass(frozen=True)
class StatusChange:
    """A measure whose status differs between two rounds (`before` is None for a measure new to the bulletin)."""

    measure: Measure
    kind: str  # one of CHANGE_KINDS
    before: Status | None
    after: Status


@dataclass(frozen=True)
class Report:
    """A progress entry first reported in a round."""

    measure: Measure
    target: Target
    entry: ProgressEntry


@dataclass(frozen=True)
class Revision:
    """A target whose target value or deadline, as known at the round, differs from the round before."""

    measure: Measure
    target: Target
    before_target: object  # the target value at the round before (a number, true, or None)
    after_target: object
    before_deadline: dt.date | None
    after_deadline: dt.date | None


@dataclass(frozen=True)
class RoundChanges:
    round: dt.date
    previous: dt.date | None
    statuses: tuple[StatusChange, ...] = ()
    reports: tuple[Report, ...] = ()
    revisions: tuple[Revision, ...] = ()

    def of_kind(self, kind: str) -> list[StatusChange]:
        return [c for c in self.statuses if c.kind == kind]

    def counts(self) -> dict[str, int]:
        """Changes per kind, in CHANGE_KINDS order, leaving out kinds with none; then reports and revisions."""
        out = {k: len(self.of_kind(k)) for k in CHANGE_KINDS}
        out["reports"], out["revisions"] = len(self.reports), len(self.revisions)
        return {k: n for k, n in out.items() if n}


def change_kind(before: Status | None, after: Status) -> str | None:
    """How a measure's status moved between two rounds; None when it did not."""
    if before is None:
        return "added"
    if before == after:
        return None
    if after == Status.COMPLETED:
        return "completed"
    if after.value in HALTED:
        return "halted"
    if after.value in SLIPPED:
        # Newly behind, overdue or overdue-unreported, or behind and now past the deadline. Between
        # the overdue kinds (a late report arriving) or from overdue back to behind (a deadline
        # extended) it is not newly late: listed with the other changes.
        if before.value not in SLIPPED or (before == Status.BEHIND and after != Status.BEHIND):
            return "slipped"
        return "other"
    if before.value in SLIPPED:
        return "recovered"
    return "other"


@dataclass(frozen=True)
class History:
    """Every measure's assessment at every round it takes part in."""

    rounds: tuple[dt.date, ...]
    at: dict[dt.date, dict[str, MeasureAssessment]] = field(default_factory=dict)
    known: dict[dt.date, Content] = field(default_factory=dict)  # the content as known at each round

    def of(self, measure_id: str) -> list[tuple[dt.date, MeasureAssessment | None]]:
        """A measure's assessment per round, oldest first; None before its programme existed."""
        return [(r, self.at[r].get(measure_id)) for r in self.rounds]

    def previous(self, day: dt.date) -> dt.date | None:
        i = self.rounds.index(day)
        return self.rounds[i - 1] if i else None

    def changes(self, day: dt.date) -> RoundChanges:
        """What changed at round `day` since the round before (for the first round: nothing before it)."""
        previous = self.previous(day)
        content = self.known[day]
        if previous is None:
            return RoundChanges(day, None)
        now, before = self.at[day], self.at[previous]
        statuses = []
        for mid, a in now.items():
            old = before[mid].status if mid in before else None
            kind = change_kind(old, a.status)
            if kind:
                statuses.append(StatusChange(content.measures[mid], kind, old, a.status))
        reports = [Report(ms, t, e) for mid, ms in content.measures.items() if mid in now for t in ms.targets
                   for e in t.progress if previous < e.date <= day]
        reports.sort(key=lambda r: r.entry.date, reverse=True)  # stable: reading order on one date, not ids as text
        revisions = []
        for mid, a in now.items():
            if mid not in before:
                continue
            ms = content.measures[mid]
            old_ms = self.known[previous].measures[mid]
            for t in ms.targets:
                old_t = next((o for o in old_ms.targets if o.id == t.id), None)
                ta, tb = a.targets.get(t.id), before[mid].targets.get(t.id)
                if old_t is None or ta is None or tb is None:
                    continue
                if (_goal(old_t), tb.deadline) != (_goal(t), ta.deadline):
                    revisions.append(Revision(ms, t, _goal(old_t), _goal(t), tb.deadline, ta.deadline))
        return RoundChanges(day, previous, tuple(statuses), tuple(reports), tuple(revisions))


def _goal(target: Target):
    """The target value as known at a round (a revision changes it)."""
    return target.target


def history(content: Content, current: dict[str, MeasureAssessment] | None = None) -> History:
    """Statuses at every round. `current` (the site's own assessment) is reused for the last round."""
    rounds = rounds_of(content)
    at: dict[dt.date, dict[str, MeasureAssessment]] = {}
    known: dict[dt.date, Content] = {}
    for day in rounds:
        then = content.at(day)
        assessed = current if then is content and current is not None else assess(then)
        at[day] = {mid: a for mid, a in assessed.items() if content.begins(content.measures[mid]) <= day}
        known[day] = then
    return History(rounds, at, known)
