"""Status rules (PRODUCT.md, "Status: measured against the expected pace"), edge by edge.

Precedence: override > completed > not_started > nothing reported (overdue_unreported after the
deadline, no_data before) > overdue > pace.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bulletin.model import Baseline, Milestone, Override, ProgressEntry, Target, Thresholds, Measure
from bulletin.status import (Assessment, MeasureAssessment, Status, assess, assess_measure, assess_target, combine,
                             count_by_status, expected_fraction, progress_fraction)
from bulletin.validate import check

D = dt.date
DEFAULT = Thresholds()  # 1.10 / 0.95


def target(kind="count", target=100.0, baseline=None, progress=(), **kw) -> Target:
    """A target; `baseline` is (value, date), `progress` is [(date, value), ...]."""
    return Target(id=kw.pop("id", "t"), title={"zh": "指标", "en": "target"}, kind=kind, source="src", target=target,
                  baseline=Baseline(*baseline) if baseline else None,
                  progress=[ProgressEntry(d, v, **({"source": "src"} if v is True else {})) for d, v in progress], **kw)


def run(t: Target, *, as_of, start=D(2020, 1, 1), deadline=D(2020, 4, 10), thresholds=DEFAULT, stale_after_days=180) -> Assessment:
    return assess_target(t, start=start, deadline=deadline, as_of=as_of, thresholds=thresholds,
                         stale_after_days=stale_after_days)


# 2020-01-01 → 2020-04-10 is 100 days: on 2020-02-20 (day 50) half the time has gone.
HALF = D(2020, 2, 20)


# --- the two fractions ------------------------------------------------------------------

@pytest.mark.parametrize("as_of, expected", [
    (D(2019, 12, 1), 0.0),  # before the start: clamped
    (D(2020, 1, 1), 0.0),
    (D(2020, 1, 11), 0.1),
    (HALF, 0.5),
    (D(2020, 4, 10), 1.0),
    (D(2021, 1, 1), 1.0),  # after the deadline: clamped
])
def test_expected_fraction_is_share_of_time_elapsed_clamped(as_of, expected):
    assert expected_fraction(D(2020, 1, 1), D(2020, 4, 10), as_of) == pytest.approx(expected)


def test_zero_length_period_expects_nothing_before_and_everything_from_its_day():
    day = D(2020, 6, 30)
    assert expected_fraction(day, day, D(2020, 6, 29)) == 0.0
    assert expected_fraction(day, day, day) == 1.0
    assert expected_fraction(day, day, D(2020, 7, 1)) == 1.0


@pytest.mark.parametrize("value, baseline, goal, p", [
    (50, 0, 100, 0.5),
    (95, 87.5, 100, 0.6),
    (25, 40, 10, 0.5),  # a target that goes down, from 40 to 10
    (10, 40, 10, 1.0),
    (45, 40, 10, -1 / 6),  # moved the wrong way
    (100, 100, 100, 1.0),  # baseline equal to target: reached
    (99, 100, 100, 0.0),  # ... or not
])
def test_progress_fraction(value, baseline, goal, p):
    assert progress_fraction(value, baseline, goal) == pytest.approx(p)


# --- numeric targets against the pace -------------------------------------------------------

@pytest.mark.parametrize("value, status", [
    (55, Status.AHEAD),  # p/e = 1.10 exactly: "at or above" is ahead
    (54.9, Status.ON_TRACK),
    (50, Status.ON_TRACK),
    (47.5, Status.ON_TRACK),  # p/e = 0.95 exactly: not below, so on track
    (47.4, Status.BEHIND),
    (0, Status.BEHIND),
])
def test_pace_around_the_default_thresholds(value, status):
    a = run(target(baseline=(0, D(2020, 1, 1)), progress=[(D(2020, 2, 15), value)]), as_of=HALF)
    assert a.status == status
    assert a.expected == pytest.approx(0.5)
    assert a.reached == pytest.approx(value / 100)
    assert a.deadline == D(2020, 4, 10) and a.start == D(2020, 1, 1) and a.as_of == HALF


@pytest.mark.parametrize("as_of, value, status", [
    (D(2020, 1, 11), 11, Status.AHEAD),  # 0.11 / 0.10 is 1.0999999999999999 in floating point
    (D(2020, 2, 4), 32.3, Status.ON_TRACK),  # 0.323 / 0.34 is 0.9499999999999998 in floating point
])
def test_figures_exactly_on_a_threshold_fall_on_the_documented_side(as_of, value, status):
    assert run(target(progress=[(as_of, value)]), as_of=as_of).status == status


@pytest.mark.parametrize("value, status", [(75, Status.AHEAD), (74, Status.ON_TRACK), (55, Status.ON_TRACK),
                                           (40, Status.ON_TRACK), (39, Status.BEHIND)])
def test_pace_with_custom_thresholds(value, status):
    custom = Thresholds(ahead=1.5, behind=0.8)
    a = run(target(progress=[(D(2020, 2, 15), value)]), as_of=HALF, thresholds=custom)
    assert a.status == status


def test_thresholds_from_the_bulletin_configuration_are_used(minimal_dir):
    content = check(minimal_dir).content
    assert assess(content)["huitian-3"].status == Status.AHEAD  # 4 of 6 stations at mid-year: p/e ≈ 1.34
    strict = dataclasses.replace(content, bulletin=dataclasses.replace(content.bulletin, thresholds=Thresholds(ahead=1.5, behind=1.4)))
    assert assess(strict)["huitian-3"].status == Status.BEHIND


@pytest.mark.parametrize("value, status, reached", [
    (40, Status.BEHIND, 0.0),
    (35, Status.BEHIND, 1 / 6),
    (25, Status.ON_TRACK, 0.5),
    (20, Status.AHEAD, 2 / 3),
    (10, Status.COMPLETED, 1.0),
    (4, Status.COMPLETED, 1.2),  # beyond the target: the figure says by how much
    (45, Status.BEHIND, -1 / 6),  # the wrong way
])
def test_target_that_goes_down_from_40_to_10(value, status, reached):
    t = target(target=10, baseline=(40, D(2020, 1, 1)), direction="down", progress=[(D(2020, 2, 1), value)])
    a = run(t, as_of=HALF)
    assert a.status == status
    assert a.reached == pytest.approx(reached)


def test_interim_milestones_bend_the_expected_line():
    """Coverage 87.5% (2019-01-01) → 90% by 2019-12-31 → 100% by 2020-12-31."""
    t = target(kind="percentage", target=100, baseline=(87.5, D(2019, 1, 1)),
               milestones=[Milestone(D(2019, 12, 31), 90)], deadline=D(2020, 12, 31))

    def e(as_of):
        return run(t, as_of=as_of, start=D(2019, 1, 1)).expected

    assert e(D(2019, 1, 1)) == pytest.approx(0.0)
    assert e(D(2019, 7, 2)) == pytest.approx(0.1)  # half-way to the first milestone: 88.75%
    assert e(D(2019, 12, 31)) == pytest.approx(0.2)  # the milestone: 90%
    assert e(D(2020, 7, 1)) == pytest.approx(0.6)  # half-way through 2020: 95%
    assert e(D(2020, 12, 31)) == pytest.approx(1.0)
    # Without the milestone, half the time (and half the way) would be expected by the end of 2019.
    straight = dataclasses.replace(t, milestones=[])
    assert run(straight, as_of=D(2019, 12, 31), start=D(2019, 1, 1)).expected == pytest.approx(364 / 730)


def test_interim_milestone_decides_the_pace_and_is_announced():
    t = target(kind="percentage", target=100, baseline=(87.5, D(2019, 1, 1)),
               milestones=[Milestone(D(2019, 12, 31), 90)], deadline=D(2020, 12, 31),
               progress=[(D(2019, 12, 31), 90.5)])
    at_milestone = run(t, as_of=D(2019, 12, 31))
    assert at_milestone.status == Status.AHEAD  # p 0.24 against e 0.2 (a straight line would say behind)
    assert at_milestone.reached == pytest.approx(0.24)
    assert at_milestone.next_milestone == Milestone(D(2019, 12, 31), 90)
    later = run(t, as_of=D(2020, 3, 1))
    assert later.next_milestone is None
    assert later.status == Status.BEHIND  # no progress since: 90.5% against ~91.6% expected


def test_interim_milestones_on_a_target_that_goes_down():
    t = target(target=10, baseline=(40, D(2020, 1, 1)), direction="down", deadline=D(2020, 12, 31),
               milestones=[Milestone(D(2020, 7, 1), 20)], progress=[(D(2020, 6, 1), 25)])
    a = run(t, as_of=D(2020, 4, 1), start=D(2020, 1, 1))
    # Expected by 2020-04-01 (day 91 of 182 to the milestone): 40 → 30, i.e. e = 10/30.
    assert a.expected == pytest.approx((91 / 182) * 20 / 30)


def test_zero_length_period_target():
    t = target(progress=[(D(2020, 6, 30), 50)])
    day = D(2020, 6, 30)
    a = run(t, as_of=day, start=day, deadline=day)
    assert (a.status, a.expected, a.reached) == (Status.BEHIND, 1.0, 0.5)
    assert run(target(), as_of=D(2020, 6, 29), start=day, deadline=day).status == Status.NOT_STARTED


def test_baseline_equal_to_target():
    """"Keep coverage at 100%": reached while the figure holds, behind when it slips."""
    held = target(kind="percentage", baseline=(100, D(2020, 1, 1)), progress=[(D(2020, 2, 1), 100)])
    slipped = target(kind="percentage", baseline=(100, D(2020, 1, 1)), progress=[(D(2020, 2, 1), 99)])
    assert run(held, as_of=HALF).status == Status.COMPLETED
    a = run(slipped, as_of=HALF)
    assert (a.status, a.reached) == (Status.BEHIND, 0.0)


# --- completed, overdue, not started, no data, ongoing -------------------------------------------

def test_completed_when_target_reached():
    a = run(target(progress=[(D(2020, 2, 1), 100)]), as_of=HALF)
    assert (a.status, a.reached) == (Status.COMPLETED, 1.0)
    assert a.expected == pytest.approx(0.5)
    assert not a.stale


def test_completed_wins_over_overdue_when_reached_late():
    a = run(target(progress=[(D(2020, 5, 1), 120)]), as_of=D(2020, 6, 30))
    assert (a.status, a.reached) == (Status.COMPLETED, 1.2)


def test_overdue_when_deadline_passed_short_of_target():
    a = run(target(progress=[(D(2020, 4, 1), 70)]), as_of=D(2020, 6, 30))
    assert a.status == Status.OVERDUE
    assert (a.expected, a.reached, a.deadline) == (1.0, pytest.approx(0.7), D(2020, 4, 10))


def test_overdue_wins_over_pace_even_when_nearly_there():
    a = run(target(progress=[(D(2020, 4, 10), 99)]), as_of=D(2020, 4, 11))
    assert a.status == Status.OVERDUE


def test_no_data_when_nothing_reported():
    a = run(target(), as_of=HALF)
    assert a.status == Status.NO_DATA
    assert a.latest is None and a.reached is None
    assert a.expected == pytest.approx(0.5)


def test_nothing_reported_after_the_deadline_is_overdue_unreported_not_no_data():
    assert run(target(), as_of=D(2020, 6, 30)).status == Status.OVERDUE_UNREPORTED
    assert run(target(), as_of=D(2020, 4, 10)).status == Status.NO_DATA  # due today: not yet late
    assert run(target(), as_of=D(2020, 4, 11)).status == Status.OVERDUE_UNREPORTED


def test_a_report_after_the_reporting_date_does_not_count():
    a = run(target(progress=[(D(2020, 7, 1), 50)]), as_of=D(2020, 6, 30))
    assert a.status == Status.OVERDUE_UNREPORTED and not a.reported


def test_not_started_before_the_start_even_without_data():
    a = run(target(), as_of=D(2019, 12, 31))
    assert (a.status, a.expected) == (Status.NOT_STARTED, 0.0)


def test_start_defaults_to_the_baseline_date_then_the_measure():
    t = target(baseline=(0, D(2020, 3, 1)))
    assert run(t, as_of=D(2020, 2, 1)).status == Status.NOT_STARTED  # the measure started in January
    own = target(start=D(2020, 2, 1), deadline=D(2020, 3, 2), progress=[(D(2020, 2, 10), 20)])
    a = run(own, as_of=D(2020, 2, 16))
    assert (a.start, a.deadline, a.expected) == (D(2020, 2, 1), D(2020, 3, 2), pytest.approx(0.5))
    assert a.status == Status.BEHIND


def test_ongoing_when_there_is_no_end_target():
    t = target(target=None, progress=[(D(2020, 2, 1), 24)])
    a = run(t, as_of=HALF)
    assert a.status == Status.ONGOING
    assert a.latest.value == 24
    assert run(target(target=None), as_of=D(2019, 12, 1)).status == Status.NOT_STARTED


def test_latest_report_counts_and_later_reports_are_ignored():
    t = target(progress=[(D(2020, 1, 20), 10), (D(2020, 2, 10), 60), (D(2020, 2, 10), 52), (D(2020, 3, 1), 100)])
    a = run(t, as_of=HALF)
    assert a.latest == ProgressEntry(D(2020, 2, 10), 52)  # of two on the same day, the later-written one
    assert a.status == Status.ON_TRACK


# --- yes/no milestones ---------------------------------------------------------------------

def milestone(progress=(), **kw) -> Target:
    return target(kind="milestone", target=True, progress=progress, **kw)


def test_milestone_in_progress_before_its_deadline():
    a = run(milestone([(D(2020, 2, 1), False)]), as_of=HALF)
    assert (a.status, a.reached) == (Status.IN_PROGRESS, 0.0)
    assert a.expected == pytest.approx(0.5)


def test_milestone_completed():
    a = run(milestone([(D(2020, 2, 1), False), (D(2020, 2, 15), True)]), as_of=HALF)
    assert (a.status, a.reached) == (Status.COMPLETED, 1.0)
    late = run(milestone([(D(2020, 5, 1), True)]), as_of=D(2020, 6, 30))
    assert late.status == Status.COMPLETED


def test_milestone_overdue_after_its_deadline():
    a = run(milestone([(D(2020, 4, 1), False)]), as_of=D(2020, 6, 30))
    assert (a.status, a.expected, a.reached, a.deadline) == (Status.OVERDUE, 1.0, 0.0, D(2020, 4, 10))


def test_milestone_without_any_report_is_no_data_then_overdue_unreported():
    assert run(milestone(), as_of=HALF).status == Status.NO_DATA
    assert run(milestone(), as_of=D(2020, 6, 30)).status == Status.OVERDUE_UNREPORTED


def test_milestone_not_started():
    assert run(milestone(), as_of=D(2019, 12, 1)).status == Status.NOT_STARTED


def test_milestone_without_explicit_target_true_is_still_a_milestone():
    t = target(kind="milestone", target=None, progress=[(D(2020, 2, 1), False)])
    assert run(t, as_of=HALF).status == Status.IN_PROGRESS


# --- stale data -----------------------------------------------------------------------------

def test_stale_when_no_report_within_the_interval():
    t = target(deadline=D(2020, 12, 31), progress=[(D(2020, 1, 1), 10)])
    assert not run(t, as_of=D(2020, 6, 29), stale_after_days=180).stale  # exactly 180 days old: still fresh
    a = run(t, as_of=D(2020, 6, 30), stale_after_days=180)  # 181 days
    assert a.stale and a.status == Status.BEHIND  # flagged, status unchanged
    assert run(t, as_of=D(2020, 6, 30), stale_after_days=365).stale is False


def test_overdue_and_in_progress_targets_are_flagged_stale_too():
    assert run(target(progress=[(D(2019, 1, 1), 10)]), as_of=D(2020, 6, 30)).stale
    assert run(milestone([(D(2020, 1, 1), False)]), as_of=D(2020, 12, 1), deadline=D(2020, 12, 31)).stale


def test_completed_targets_are_never_stale():
    t = target(progress=[(D(2019, 1, 1), 100)])
    assert not run(t, as_of=D(2020, 12, 31)).stale


# --- measures: worst of the targets, overrides -------------------------------------------------

def measure(*targets: Target, override=None) -> Measure:
    return Measure(programme="p", number=1, title={"zh": "措施", "en": "measure"}, category="c", sources=["src"],
                   targets=list(targets), override=override)


def assess_m(ms: Measure, as_of=HALF) -> MeasureAssessment:
    return assess_measure(ms, period_start=D(2020, 1, 1), period_end=D(2020, 4, 10), as_of=as_of,
                          thresholds=DEFAULT, stale_after_days=180)


def test_measure_takes_the_worst_status_and_names_the_target():
    ms = measure(target(id="fast", progress=[(HALF, 80)]), target(id="slow", progress=[(HALF, 20)]),
                 milestone(id="done", progress=[(HALF, True)]))
    a = assess_m(ms)
    assert (a.status, a.deciding) == (Status.BEHIND, "slow")
    assert {k: v.status for k, v in a.targets.items()} == {"fast": Status.AHEAD, "slow": Status.BEHIND, "done": Status.COMPLETED}


def test_measure_completed_only_when_every_target_is():
    done = milestone(id="a", progress=[(HALF, True)])
    assert assess_m(measure(done, target(id="b", progress=[(HALF, 100)]))).status == Status.COMPLETED
    assert assess_m(measure(done, target(id="b", progress=[(HALF, 60)]))).status == Status.AHEAD
    # Continuing work with no end value does not decide a measure whose other targets have one.
    assert assess_m(measure(done, target(id="b", target=None))).status == Status.COMPLETED
    assert assess_m(measure(done, target(id="b"))).status == Status.IN_PROGRESS  # b not yet reported


@pytest.mark.parametrize("statuses, worst", [
    ({"a": Status.OVERDUE, "b": Status.BEHIND}, Status.OVERDUE),
    ({"a": Status.BEHIND, "b": Status.NO_DATA}, Status.BEHIND),
    ({"a": Status.NO_DATA, "b": Status.IN_PROGRESS}, Status.IN_PROGRESS),  # unreported never hides reported
    ({"a": Status.OVERDUE_UNREPORTED, "b": Status.ON_TRACK}, Status.ON_TRACK),
    ({"a": Status.OVERDUE_UNREPORTED, "b": Status.OVERDUE}, Status.OVERDUE),
    ({"a": Status.NO_DATA, "b": Status.OVERDUE_UNREPORTED}, Status.OVERDUE_UNREPORTED),
    ({"a": Status.NO_DATA, "b": Status.NO_DATA}, Status.NO_DATA),
    ({"a": Status.COMPLETED, "b": Status.NO_DATA}, Status.IN_PROGRESS),  # not done, not late
    ({"a": Status.COMPLETED, "b": Status.OVERDUE_UNREPORTED}, Status.OVERDUE_UNREPORTED),
    ({"a": Status.COMPLETED, "b": Status.ONGOING}, Status.COMPLETED),  # continuing work does not decide
    ({"a": Status.BEHIND, "b": Status.ONGOING}, Status.BEHIND),
    ({"a": Status.NO_DATA, "b": Status.ONGOING}, Status.ONGOING),  # figures reported: never "not yet reported"
    ({"a": Status.ONGOING, "b": Status.ONGOING}, Status.ONGOING),
    ({"a": Status.ON_TRACK, "b": Status.AHEAD}, Status.ON_TRACK),
    ({"a": Status.AHEAD, "b": Status.NOT_STARTED}, Status.AHEAD),
    ({"a": Status.COMPLETED, "b": Status.COMPLETED}, Status.COMPLETED),
    ({"a": Status.COMPLETED, "b": Status.NOT_STARTED}, Status.IN_PROGRESS),  # one done, one yet to begin
    # A target not started yet never hides one under way, reported or not.
    ({"a": Status.NOT_STARTED, "b": Status.OVERDUE_UNREPORTED}, Status.OVERDUE_UNREPORTED),
    ({"a": Status.NOT_STARTED, "b": Status.NO_DATA}, Status.NO_DATA),
    ({"a": Status.COMPLETED, "b": Status.NOT_STARTED, "c": Status.NO_DATA}, Status.IN_PROGRESS),
    ({"a": Status.NOT_STARTED, "b": Status.BEHIND}, Status.BEHIND),
    ({"a": Status.NOT_STARTED, "b": Status.NOT_STARTED}, Status.NOT_STARTED),
    ({"a": Status.NOT_STARTED, "b": Status.ONGOING}, Status.NOT_STARTED),
])
def test_combine_worst_of(statuses, worst):
    assert combine(statuses)[0] == worst


def test_combine_of_nothing_is_no_data_and_tolerates_overrides():
    assert combine({}) == (Status.NO_DATA, None)
    assert combine({"a": Status.PAUSED, "b": Status.COMPLETED}) == (Status.PAUSED, "a")


@pytest.mark.parametrize("status, extra", [
    ("paused", {"reason": {"zh": "暂停", "en": "paused"}}),
    ("dropped", {"reason": {"zh": "取消", "en": "dropped"}}),
    ("completed", {"source": "src"}),
])
def test_override_wins_over_the_derived_status(status, extra):
    overdue = target(id="late", progress=[(D(2020, 4, 1), 10)])
    a = assess_m(measure(overdue, override=Override(status=status, **extra)), as_of=D(2020, 6, 30))
    assert a.status == Status(status)
    assert a.overridden and a.deciding is None
    assert a.targets["late"].status == Status.OVERDUE  # the figures are still shown


def test_measure_is_stale_when_any_target_is():
    old = target(id="old", deadline=D(2020, 12, 31), progress=[(D(2019, 12, 1), 10)])
    a = assess_m(measure(old, target(id="new", deadline=D(2020, 12, 31), progress=[(D(2020, 6, 1), 50)])), as_of=D(2020, 6, 30))
    assert a.stale and a.targets["old"].stale and not a.targets["new"].stale


def test_a_measure_the_editors_closed_is_not_flagged_stale():
    """A dropped measure carried "Stale data" beside "Dropped" (status audit): no report is awaited."""
    old = target(id="old", deadline=D(2020, 12, 31), progress=[(D(2019, 12, 1), 10)])
    for status, extra in (("dropped", {"reason": {"zh": "取消。", "en": "Cancelled."}}), ("paused", {"reason": {"zh": "暂停。", "en": "Paused."}})):
        a = assess_m(dataclasses.replace(measure(old), override=Override(status=status, **extra)), as_of=D(2020, 6, 30))
        assert a.status == status and not a.stale and a.targets["old"].stale


def test_measure_without_targets_has_no_data():
    assert assess_m(measure()).status == Status.NO_DATA


# --- the whole fixture ------------------------------------------------------------------------

def test_assess_minimal_fixture(minimal_dir):
    content = check(minimal_dir).content
    result = assess(content)
    assert {mid: a.status.value for mid, a in result.items()} == {
        "huitian-1": "in_progress", "huitian-2": "behind", "huitian-3": "ahead", "huitian-4": "on_track",
        "huitian-5": "overdue", "huitian-6": "completed", "huitian-7": "paused", "huitian-8": "ongoing",
        "huitian-9": "not_started",
    }
    assert result["huitian-1"].deciding == "office-relocation"
    assert result["huitian-5"].stale and not result["huitian-3"].stale
    coverage = result["huitian-4"].targets["coverage"]
    assert coverage.expected == pytest.approx((90 + 10 * 182 / 366 - 87.5) / 12.5)
    assert coverage.reached == pytest.approx(0.6)
    assert result["huitian-8"].targets["deliberation-meetings"].status == Status.ONGOING
    assert result["huitian-8"].targets["studios"].status == Status.NO_DATA
    assert (result["huitian-8"].deciding, result["huitian-8"].reported) == ("deliberation-meetings", 1)
    assert list(count_by_status(result)) == [Status.OVERDUE, Status.BEHIND, Status.ON_TRACK, Status.AHEAD,
                                             Status.IN_PROGRESS, Status.COMPLETED, Status.NOT_STARTED,
                                             Status.ONGOING, Status.PAUSED]
    assert count_by_status(list(result.values()))[Status.PAUSED] == 1


def test_programme_as_of_overrides_the_bulletin(minimal_dir):
    content = check(minimal_dir).content
    later = dataclasses.replace(content.programmes["huitian"], as_of=D(2021, 1, 31))
    result = assess(dataclasses.replace(content, programmes={"huitian": later}))
    assert result["huitian-3"].status == Status.OVERDUE
    assert result["huitian-3"].targets["stations"].as_of == D(2021, 1, 31)


# --- issue 11: overdue_unreported, roll-up, points rule, due soon, revisions ------------------------

from bulletin.model import PointsRule, Revision  # noqa: E402
from bulletin.status import pace  # noqa: E402

POINTS = PointsRule(kind="points", behind=10, ahead=10)


@pytest.mark.parametrize("value, status", [
    (60, Status.AHEAD),  # 10 points above the expected 50%: "at least" is ahead
    (59.9, Status.ON_TRACK),
    (40, Status.ON_TRACK),  # exactly 10 points below: not "more than", so on track
    (39.9, Status.BEHIND),
    (0, Status.BEHIND),
])
def test_points_rule_compares_shares_in_percentage_points(value, status):
    a = run(target(progress=[(D(2020, 2, 15), value)]), as_of=HALF, thresholds=POINTS)
    assert a.status == status


def test_points_and_ratio_rules_disagree_where_they_should():
    # 80% reached against 83% expected (the county table of the issue): 3 points behind.
    assert pace(0.80, 0.83, POINTS) == Status.ON_TRACK
    assert pace(0.80, 0.83, Thresholds(ahead=1.1, behind=0.98)) == Status.BEHIND  # 0.96 < 0.98
    # Early in the period a small gap is a large ratio: 4% against 10% expected.
    assert pace(0.04, 0.10, POINTS) == Status.ON_TRACK
    assert pace(0.04, 0.10, DEFAULT) == Status.BEHIND
    assert pace(0.0, 0.0, POINTS) == Status.ON_TRACK


def test_when_nothing_is_expected_yet_a_gain_is_ahead_and_a_loss_behind_by_the_ratio_rule_too():
    """At the very start (e = 0) p / e has no value: a figure that moved away from the target
    was "on track" beside a sentence saying so."""
    rule = Thresholds(ahead=1.10, behind=0.95)
    assert pace(0.33, 0.0, rule) == Status.AHEAD == pace(0.33, 0.0, POINTS)
    assert pace(-0.25, 0.0, rule) == Status.BEHIND
    assert pace(0.0, 0.0, rule) == Status.ON_TRACK


def test_points_rule_from_bulletin_yaml_decides_the_measures(minimal_dir):
    content = check(minimal_dir).content
    assert content.bulletin.pace is content.bulletin.thresholds  # no pace_rule: the ratio thresholds
    strict = dataclasses.replace(content, bulletin=dataclasses.replace(content.bulletin, pace_rule=PointsRule(kind="points", behind=1, ahead=90)))
    ratio, points = assess(content), assess(strict)
    assert ratio["huitian-3"].status == Status.AHEAD and points["huitian-3"].status == Status.ON_TRACK


def test_overdue_unreported_ranks_with_overdue_before_everything_reported():
    assert combine({"a": Status.OVERDUE_UNREPORTED, "b": Status.NO_DATA}) == (Status.OVERDUE_UNREPORTED, "a")
    from bulletin.status import SEVERITY
    assert SEVERITY.index(Status.OVERDUE_UNREPORTED) < SEVERITY.index(Status.OVERDUE) < SEVERITY.index(Status.BEHIND)


def test_measure_with_done_and_unreported_targets_is_never_no_data_and_counts_reports():
    """huitian-action-2018-9: 2 of 3 targets completed, the third has no report."""
    ms = measure(milestone(id="park", progress=[(HALF, True)]), target(id="started", progress=[(HALF, 100)]),
                 target(id="projects", deadline=D(2020, 12, 31)))
    a = assess_m(ms)
    assert (a.status, a.deciding, a.reported, a.unreported) == (Status.IN_PROGRESS, "projects", 2, ["projects"])
    late = assess_m(ms, as_of=D(2021, 1, 5))
    assert (late.status, late.deciding) == (Status.OVERDUE_UNREPORTED, "projects")


def test_measure_takes_the_least_favourable_reported_status_not_the_unreported_one():
    """The county table: main target 80% against 83% expected, a second target with no report."""
    ms = measure(target(id="main", progress=[(HALF, 40)]), target(id="second"))
    a = assess_m(ms)
    assert (a.status, a.deciding, a.reported) == (Status.BEHIND, "main", 1)
    assert assess_m(ms, as_of=HALF).targets["second"].status == Status.NO_DATA


def test_measure_with_nothing_reported_is_no_data_before_and_overdue_unreported_after_the_deadline():
    ms = measure(target(id="a"), milestone(id="b"))
    assert assess_m(ms).status == Status.NO_DATA
    assert assess_m(ms, as_of=D(2020, 6, 30)).status == Status.OVERDUE_UNREPORTED
    assert assess_m(measure(), as_of=D(2020, 6, 30)).status == Status.OVERDUE_UNREPORTED  # no target, deadline passed


def test_override_still_wins_over_overdue_unreported():
    a = assess_m(measure(target(id="a"), override=Override(status="paused", reason={"zh": "暂停", "en": "paused"})),
                 as_of=D(2020, 6, 30))
    assert a.status == Status.PAUSED and a.targets["a"].status == Status.OVERDUE_UNREPORTED


@pytest.mark.parametrize("as_of, soon", [
    (D(2020, 3, 10), False),  # 31 days before the deadline
    (D(2020, 3, 11), True),  # 30 days
    (D(2020, 4, 10), True),  # the deadline itself
    (D(2020, 4, 11), False),  # past it: overdue, not "soon"
])
def test_due_soon_flags_unfinished_targets_and_measures_within_the_window(as_of, soon):
    t = target(progress=[(D(2020, 3, 1), 50)])
    a = run(t, as_of=as_of)
    assert a.due_soon is soon
    m = assess_measure(measure(t), period_start=D(2020, 1, 1), period_end=D(2020, 4, 10), as_of=as_of,
                       thresholds=DEFAULT, stale_after_days=180, due_soon_days=30)
    assert m.due_soon is soon


def test_due_soon_never_flags_completed_work_and_follows_the_configured_days():
    done = target(progress=[(D(2020, 3, 1), 100)])
    assert not run(done, as_of=D(2020, 4, 1)).due_soon
    t = target(progress=[(D(2020, 3, 1), 50)])
    assert not assess_target(t, start=D(2020, 1, 1), deadline=D(2020, 4, 10), as_of=D(2020, 3, 1), thresholds=DEFAULT,
                             stale_after_days=180, due_soon_days=30).due_soon
    assert assess_target(t, start=D(2020, 1, 1), deadline=D(2020, 4, 10), as_of=D(2020, 3, 1), thresholds=DEFAULT,
                         stale_after_days=180, due_soon_days=60).due_soon


def revised(**kw) -> Target:
    revs = [Revision(date=D(2020, 2, 1), field="value", from_=80.0, to=100.0, reason={"zh": "调整", "en": "raised"}, source="src"),
            Revision(date=D(2020, 3, 1), field="deadline", from_=D(2020, 3, 31), to=D(2020, 4, 10),
                     reason={"zh": "延期", "en": "extended"}, source="src")]
    return target(deadline=D(2020, 4, 10), revisions=revs, **kw)


def test_target_as_at_a_date_undoes_later_revisions():
    t = revised()
    assert (t.as_at(D(2020, 1, 15)).target, t.as_at(D(2020, 1, 15)).deadline) == (80.0, D(2020, 3, 31))
    assert (t.as_at(D(2020, 2, 1)).target, t.as_at(D(2020, 2, 1)).deadline) == (100.0, D(2020, 3, 31))
    assert (t.as_at(D(2020, 6, 30)).target, t.as_at(D(2020, 6, 30)).deadline) == (100.0, D(2020, 4, 10))
    assert (t.original.target, t.original.deadline, t.original.revisions) == (80.0, D(2020, 3, 31), [])
    assert len(t.as_at(D(2020, 2, 15)).revisions) == 1


def test_status_uses_the_current_target_not_the_original():
    t = revised(progress=[(D(2020, 2, 15), 85)])
    assert run(t, as_of=HALF).status == Status.AHEAD  # 85 of 100, against 50% expected
    assert run(t.original, as_of=D(2020, 3, 31), deadline=D(2020, 3, 31)).status == Status.COMPLETED  # 85 ≥ 80


def test_points_rule_flags_seriously_behind_beside_behind():
    rule = PointsRule(kind="points", behind=10, ahead=10, seriously_behind=30)
    # e = 50%: 20% reached is 30 points below (behind, not seriously); 19.9% is more than 30 below.
    a = run(target(progress=[(D(2020, 2, 15), 20)]), as_of=HALF, thresholds=rule)
    assert (a.status, a.seriously_behind) == (Status.BEHIND, False)
    b = run(target(progress=[(D(2020, 2, 15), 19.9)]), as_of=HALF, thresholds=rule)
    assert (b.status, b.seriously_behind) == (Status.BEHIND, True)
    assert not run(target(progress=[(D(2020, 2, 15), 19.9)]), as_of=HALF, thresholds=POINTS).seriously_behind
    assert not run(target(progress=[(D(2020, 2, 15), 10)]), as_of=HALF).seriously_behind  # ratio rule: no such flag
    ms = measure(target(id="bit", progress=[(HALF, 35)]), target(id="far", progress=[(HALF, 5)]))
    m = assess_measure(ms, period_start=D(2020, 1, 1), period_end=D(2020, 4, 10), as_of=HALF, thresholds=rule,
                       stale_after_days=180)
    assert (m.status, m.seriously_behind, m.deciding) == (Status.BEHIND, True, "far")


def test_a_measure_with_no_target_has_not_started_before_its_work_begins():
    """It said "not yet reported" while every other measure of the programme said "not started"."""
    from bulletin.status import assess_measure

    ms = Measure(programme="p", number=1, title={"zh": "措施", "en": "A measure"}, category="c", sources=["s"], targets=[])
    early = assess_measure(ms, period_start=D(2021, 1, 1), period_end=D(2021, 12, 31), as_of=D(2020, 6, 30),
                           thresholds=Thresholds(), stale_after_days=365)
    late = assess_measure(ms, period_start=D(2021, 1, 1), period_end=D(2021, 12, 31), as_of=D(2022, 1, 31),
                          thresholds=Thresholds(), stale_after_days=365)
    assert early.status == Status.NOT_STARTED and late.status == Status.OVERDUE_UNREPORTED
