"""The sentences that explain a status (bulletin/reasons.py), read without Jinja or a site:
what a reader of a measure page, a download or a report is told, in Chinese and English."""

from __future__ import annotations

import datetime as dt

import pytest

from bulletin import reasons
from bulletin.l10n import languages_for
from bulletin.model import Baseline, Measure, Override, ProgressEntry, Target, Thresholds
from bulletin.status import Status, assess_measure

LANGS = languages_for(["zh", "en"])
ZH, EN = LANGS["zh"], LANGS["en"]
START, END = dt.date(2020, 1, 1), dt.date(2020, 12, 31)


def stations(*progress: tuple[dt.date, float], target: float = 6, tid: str = "stations") -> Target:
    return Target(id=tid, title={"zh": "养老驿站", "en": "Elderly-care stations"}, kind="count", source="s",
                  target=target, unit={"zh": "个", "en": "stations"}, baseline=Baseline(0, START),
                  progress=[ProgressEntry(day, value) for day, value in progress])


def relocation(*progress: tuple[dt.date, bool]) -> Target:
    return Target(id="move", title={"zh": "街道办事处搬迁", "en": "Office relocation"}, kind="milestone", source="s",
                  target=True, progress=[ProgressEntry(day, value, source="s") for day, value in progress])


def measure(*targets: Target, override: Override | None = None) -> Measure:
    return Measure(programme="p", number=1, title={"zh": "措施", "en": "A measure"}, category="c", sources=["s"],
                   targets=list(targets), override=override)


def assessed(ms: Measure, as_of: dt.date):
    return assess_measure(ms, period_start=START, period_end=END, as_of=as_of, thresholds=Thresholds(), stale_after_days=365)


def target_sentence(lang, target: Target, as_of: dt.date) -> str:
    return reasons.target_reason(lang, target, assessed(measure(target), as_of).targets[target.id])


def test_behind_names_the_expected_share_and_what_was_reached():
    t = stations((dt.date(2020, 6, 1), 1))
    a = assessed(measure(t), dt.date(2020, 7, 1)).targets[t.id]
    assert a.status == Status.BEHIND
    en = reasons.target_reason(EN, t, a)
    assert en.startswith("By 1 July 2020, 50% of the way to 6 stations was expected; 17% was reached (1 station")
    zh = reasons.target_reason(ZH, t, a)
    assert "2020年7月1日" in zh and "50%" in zh and "17%" in zh and "6个" in zh


def test_overdue_unreported_says_nothing_was_reported_and_when_it_was_due():
    t = stations()
    a = assessed(measure(t), dt.date(2021, 3, 1)).targets[t.id]
    assert a.status == Status.OVERDUE_UNREPORTED
    assert reasons.target_reason(EN, t, a) == "No progress has been reported; the deadline was 31 December 2020."
    assert "2020年12月31日" in reasons.target_reason(ZH, t, a)


def test_completed_milestone_gives_the_day_it_was_reported_done():
    t = relocation((dt.date(2020, 5, 20), True))
    assert target_sentence(EN, t, dt.date(2020, 7, 1)) == "Completed: reported done on 20 May 2020."
    assert "2020年5月20日" in target_sentence(ZH, t, dt.date(2020, 7, 1))


def test_completed_count_gives_the_figure_against_the_target():
    t = stations((dt.date(2020, 9, 1), 6))
    assert target_sentence(EN, t, dt.date(2020, 10, 1)) == \
        "Completed: 6 stations reported on 1 September 2020, against a target of 6 stations."


def test_overdue_milestone_and_not_yet_due():
    late = relocation((dt.date(2020, 6, 1), False))
    assert target_sentence(EN, late, dt.date(2021, 2, 1)) == \
        "The deadline 31 December 2020 has passed and the milestone is not reported done."
    assert target_sentence(EN, stations(), dt.date(2020, 3, 1)) == \
        "No progress has been reported yet; the deadline is 31 December 2020."


def test_a_single_target_measure_gives_the_target_sentence_alone():
    t = stations((dt.date(2020, 6, 1), 1))
    ms = measure(t)
    a = assessed(ms, dt.date(2020, 7, 1))
    assert reasons.measure_reason(EN, ms, a) == reasons.target_reason(EN, t, a.targets[t.id])


def test_a_measure_of_several_targets_names_the_deciding_one_and_the_unreported_ones():
    ms = measure(stations((dt.date(2020, 6, 1), 1)), relocation(), stations(tid="visits"))
    a = assessed(ms, dt.date(2020, 7, 1))
    en = str(reasons.measure_reason(EN, ms, a))
    assert en.startswith("Elderly-care stations: By 1 July 2020, 50% of the way")
    assert "1 of 3 targets reported." in en
    assert en.endswith("Not yet reported: Office relocation, Elderly-care stations.")  # unreported ones are named
    zh = str(reasons.measure_reason(ZH, ms, a))
    assert zh.startswith("养老驿站：") and "。" in zh and " " not in zh.split("：", 1)[0]


def test_an_override_gives_the_editors_reason_escaped():
    ms = measure(stations(), override=Override(status="paused", reason={"zh": "资金<未到位>", "en": "Funds <not> arrived"}))
    a = assessed(ms, dt.date(2020, 7, 1))
    assert str(reasons.measure_reason(EN, ms, a)) == "Paused: Funds &lt;not&gt; arrived"
    assert str(reasons.measure_reason(ZH, ms, a)).startswith("暂停：资金&lt;未到位&gt;")


def test_a_measure_without_targets_says_so():
    ms = measure()
    assert str(reasons.measure_reason(EN, ms, assessed(ms, dt.date(2020, 7, 1)))) == \
        "This measure has no measurable target in its sources."


@pytest.mark.parametrize("status", list(Status))
def test_every_status_has_a_meaning_in_both_languages(status):
    en, zh = reasons.status_meaning(EN, status), reasons.status_meaning(ZH, status)
    assert en and zh and en != zh


def test_a_percentage_target_is_explained_in_its_own_figures():
    """"By 30 June, 50% of the way to 50% was expected; 20% was reached (46% …)" read as a riddle."""
    t = Target(id="share", title={"zh": "覆盖率", "en": "Coverage"}, kind="percentage", source="s", target=50,
               baseline=Baseline(0, START), progress=[ProgressEntry(dt.date(2020, 6, 30), 20)])
    en = target_sentence(EN, t, dt.date(2020, 7, 1))
    assert en == "By 1 July 2020, 24.9% was expected on the way to 50%; 20% was reported on 30 June 2020."
    zh = target_sentence(ZH, t, dt.date(2020, 7, 1))
    assert "24.9%" in zh and "50%" in zh and "20%" in zh and "of the way" not in zh


def test_a_figure_that_moved_away_from_its_target_says_so_rather_than_a_negative_share():
    t = Target(id="cases", title={"zh": "积案", "en": "Backlog"}, kind="count", source="s", target=20, direction="down",
               baseline=Baseline(40, START), progress=[ProgressEntry(dt.date(2020, 6, 30), 60)])
    en = target_sentence(EN, t, dt.date(2020, 7, 1))
    assert "moved away from the target" in en and "60 on 30 June 2020, from 40" in en and "-" not in en
    zh = target_sentence(ZH, t, dt.date(2020, 7, 1))
    assert "-" not in zh.replace("—", "")


def test_a_percentage_target_with_a_baseline_says_the_share_of_the_way_its_pace_is_measured_by():
    """From 80% to 100%: 92% against 93.3% expected looks nearly on pace, but is 60% of the way
    where 66.5% was expected, so behind; the sentence gave the figures alone (status audit)."""
    t = Target(id="share", title={"zh": "覆盖率", "en": "Coverage"}, kind="percentage", source="s", target=100,
               baseline=Baseline(80, START), progress=[ProgressEntry(dt.date(2020, 6, 30), 92)])
    a = assessed(measure(t), dt.date(2020, 8, 31))
    assert a.status == Status.BEHIND
    en = target_sentence(EN, t, dt.date(2020, 8, 31))
    assert "from 80% to 100%" in en and "92% was reported" in en and "60% of the way" in en, en
    zh = target_sentence(ZH, t, dt.date(2020, 8, 31))
    assert "80%" in zh and "60%" in zh and "92%" in zh


def test_an_overdue_percentage_target_is_said_in_its_own_figures():
    """zh read 目标100%仅完成75%（…报告为95%）: a share of the way to a percentage."""
    t = Target(id="share", title={"zh": "覆盖率", "en": "Coverage"}, kind="percentage", source="s", target=100,
               deadline=dt.date(2020, 6, 30), baseline=Baseline(80, START), progress=[ProgressEntry(dt.date(2020, 6, 30), 95)])
    en = target_sentence(EN, t, dt.date(2020, 8, 31))
    assert en == "The deadline 30 June 2020 has passed short of the target 100%: 95% was reported on 30 June 2020, from 80%."
    zh = target_sentence(ZH, t, dt.date(2020, 8, 31))
    assert "75%" not in zh and "95%" in zh and "100%" in zh


def test_shares_are_shown_precisely_enough_to_give_the_status_they_explain():
    """Under a 10-point rule, 39.9% against 50% is behind and 40% on track; both read
    "40% was reached" (status audit). Whole per cent stays where it is enough."""
    from bulletin.model import PointsRule
    from bulletin.status import Assessment, pace

    rule = PointsRule(kind="points", behind=10, ahead=10)
    t = Target(id="x", title={"zh": "指标", "en": "Target"}, kind="count", source="s", target=100, baseline=Baseline(0, START))
    for value, shown in ((39.9, "39.9%"), (40.2, "40%")):
        status = pace(value / 100, 0.5, rule)
        a = Assessment(status, dt.date(2020, 7, 1), START, END, expected=0.5, reached=value / 100,
                       latest=ProgressEntry(dt.date(2020, 6, 30), value))
        sentence = reasons.target_reason(EN, t, a, rule)
        assert f"{shown} was reached" in sentence, (status, sentence)
        assert reasons.target_reason(EN, t, a).count("40%") == 1  # without the rule: whole per cent, as before
    assert pace(0.399, 0.5, rule) == Status.BEHIND and pace(0.402, 0.5, rule) == Status.ON_TRACK


def test_a_count_from_a_baseline_says_where_the_way_starts():
    """Second-bulletin audit: from 12 large communities down to 8, a report of 9 read
    "按序时进度应完成目标8个的100%，实际完成75%" — as if 6 of 8 were done. Both languages now
    name the baseline, as percentage targets with a baseline already did."""
    t = Target(id="large", title={"zh": "大社区", "en": "Large communities"}, kind="count", source="s", target=8,
               unit={"zh": "个", "en": "communities"}, baseline=Baseline(12, START), direction="down",
               progress=[ProgressEntry(dt.date(2020, 9, 30), 9)])
    behind = target_sentence(ZH, t, dt.date(2020, 12, 31))
    assert "从基数12个到目标8个" in behind and "报告为9个" in behind and "目标8个的" not in behind
    assert "from 12 communities to 8 communities" in target_sentence(EN, t, dt.date(2020, 12, 31))
    overdue = target_sentence(ZH, t, dt.date(2021, 3, 31))
    assert "12个" in overdue and "目标8个的" not in overdue
