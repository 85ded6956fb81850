"""Statuses that tell the truth at a glance (issue 11): units with a scale, revisions,
explanations, the methodology page, and the demo as a reader sees it."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from bulletin import downloads
from bulletin.l10n import languages_for
from bulletin.status import Status
from bulletin.units import format_figure, scaled_unit
from bulletin.validate import check

ROOT = Path(__file__).resolve().parent.parent
CONTENT, TEMPLATES, THEME = ROOT / "content", ROOT / "templates", ROOT / "theme"
LANGS = languages_for(["zh", "en"])


# --- amounts with a scale ------------------------------------------------------------------------

@pytest.mark.parametrize("unit, scale", [
    ({"zh": "元", "en": "yuan"}, 10000),  # the form the README teaches
    ({"zh": "万元", "en": "10,000 yuan"}, None),  # content written before `scale` existed
    ({"zh": "万元", "en": "yuan"}, None),
    ({"zh": "万元", "en": "yuan"}, 10000),
])
def test_an_amount_in_wan_yuan_reads_naturally_in_both_languages(unit, scale):
    zh, en = LANGS["zh"], LANGS["en"]
    assert format_figure(zh, 13000, unit, scale) == "1.3亿元"
    assert format_figure(en, 13000, unit, scale) == "130 million yuan"
    assert format_figure(zh, 2000, unit, scale) == "2000万元"
    assert format_figure(en, 2000, unit, scale) == "20 million yuan"
    assert format_figure(zh, 12804.68, unit, scale) == "12,804.68万元"  # not exact in 亿: stays in 万
    assert format_figure(en, 0.5, unit, scale) == "5,000 yuan"


@pytest.mark.parametrize("unit, figure, zh, en", [
    ({"zh": "万人", "en": "10,000 people"}, 554.49, "554.49万人", "5.5449 million people"),
    ({"zh": "亿元", "en": "100 million yuan"}, 1.5, "1.5亿元", "150 million yuan"),
    ({"zh": "万平方米", "en": "m²"}, 3, "3万平方米", "30,000 m²"),
    ({"zh": "个", "en": "stations"}, 13000, "1.3万个", "13,000 stations"),  # unscaled units as before
    ({"zh": "千米", "en": "km"}, 12, "12千米", "12 km"),  # 千米 is a unit, not "a thousand 米"
])
def test_known_chinese_scales(unit, figure, zh, en):
    assert format_figure(LANGS["zh"], figure, unit, None) == zh
    assert format_figure(LANGS["en"], figure, unit, None) == en


def test_contradictory_unit_and_scale_are_reported():
    assert scaled_unit({"zh": "万元", "en": "yuan"}, 1e8).problems
    assert scaled_unit({"zh": "元", "en": "10,000 yuan"}, None).problems
    assert scaled_unit({"zh": "元", "en": "yuan 10,000"}, 10000).problems  # a figure left anywhere in the unit
    assert scaled_unit({"zh": "元", "en": "100 million yuan"}, 10000).problems  # en says ×1e8, scale ×1e4
    assert not scaled_unit({"zh": "元", "en": "yuan"}, 10000).problems
    assert not scaled_unit({"zh": "平方米", "en": "m²"}, 10000).problems


def test_a_scale_alone_with_no_unit_name():
    unit = {"zh": "万", "en": "10,000"}
    assert not scaled_unit(unit, None).problems
    assert format_figure(LANGS["zh"], 13000, unit, None) == "1.3亿"
    assert format_figure(LANGS["en"], 13000, unit, None) == "130 million"


def test_a_measure_as_at_a_date_has_every_target_as_it_stood():
    from bulletin.model import Measure, Revision, Target

    rev = Revision(date=dt.date(2020, 3, 1), field="value", from_=5.0, to=6.0, reason={"zh": "调", "en": "up"}, source="s")
    t = Target(id="t", title={"zh": "指标"}, kind="count", source="s", target=6, revisions=[rev])
    ms = Measure(programme="p", number=1, title={"zh": "措施"}, category="c", sources=["s"], targets=[t])
    assert ms.as_at(dt.date(2020, 2, 1)).targets[0].target == 5
    assert ms.as_at(dt.date(2020, 3, 1)).targets[0].target == 6


# --- check: units, revisions, next steps, explanations -----------------------------------------------

def render(content_dir: Path, *paths: str) -> dict[str, str]:
    """Chosen pages (and the downloads) of a content tree, in every language, without charts or writing."""
    from bulletin.render import Renderer
    from bulletin.site import Site

    result = check(content_dir)
    assert result.content is not None and not result.errors, result.errors
    renderer = Renderer(Site(result.content), TEMPLATES)
    chosen = [spec for spec in renderer.site.pages() if spec.path in paths]
    files = {k: v.decode("utf-8") for k, v in renderer.render_all(chosen).items()}
    for code, lang in renderer.langs.items():
        files[f"{code}/data/bulletin.json"] = downloads.bulletin_json(renderer, lang).decode("utf-8")
        files[f"{code}/data/measures.csv"] = downloads.measures_csv(renderer, lang).decode("utf-8-sig")
        files[f"{code}/data/progress.csv"] = downloads.progress_csv(renderer, lang).decode("utf-8-sig")
    return files


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


STATIONS = "measures/huitian/03-elderly-care-stations.yaml"
PREMISES = "measures/huitian/05-office-premises.yaml"  # overdue


def test_old_scaled_unit_form_passes_check(content_dir):
    _edit(content_dir / STATIONS, "kind: count\n  unit: {zh: 个, en: stations}", "kind: amount\n  unit: {zh: 万元, en: '10,000 yuan'}")
    assert not check(content_dir).errors


def test_check_reports_a_scale_that_contradicts_the_unit(content_dir):
    _edit(content_dir / STATIONS, "unit: {zh: 个, en: stations}", "unit: {zh: 万元, en: yuan}\n  scale: 100000000")
    errors = check(content_dir).errors
    assert any(e.field == "targets[0].unit" and "万元" in e.message and "scale" in e.message for e in errors), errors


REVISION = """  revisions:
  - date: 2020-03-01
    field: value
    from: 5
    to: 6
    reason: {zh: 年中调增, en: Raised at mid-year}
    source: huitian-plan
"""


def test_a_recorded_revision_passes_and_the_original_is_shown(content_dir):
    _edit(content_dir / STATIONS, "  source: huitian-plan\n  progress:", "  source: huitian-plan\n" + REVISION + "  progress:")
    result = check(content_dir)
    assert not result.errors, result.errors
    t = result.content.measures["huitian-3"].targets[0]
    assert (t.target, t.original.target, t.as_at(dt.date(2020, 2, 1)).target) == (6, 5, 5)
    out = render(content_dir, "measures/huitian-3/index.html")
    page = out["en/measures/huitian-3/index.html"]
    assert "6 stations" in page and "(originally 5 stations)" in page and "Raised at mid-year" in page
    assert "原定5个" in out["zh/measures/huitian-3/index.html"]
    data = json.loads(out["en/data/bulletin.json"])
    target = next(m for m in data["measures"] if m["id"] == "huitian-3")["targets"][0]
    assert target["target"] == 6 and target["original"]["target"] == 5
    assert target["revisions"][0]["from"] == 5 and target["revisions"][0]["to"] == 6
    header, *rows = out["en/data/progress.csv"].splitlines()
    assert header.endswith("Original target value,Original deadline")  # headers in the file's language
    assert all(row.endswith(",1,5,2020-12-31") for row in rows if ",huitian-3,stations," in row)


def test_a_revision_that_does_not_end_at_the_current_target_says_how_to_record_one(content_dir):
    _edit(content_dir / STATIONS, "  source: huitian-plan\n  progress:",
          "  source: huitian-plan\n" + REVISION.replace("to: 6", "to: 7") + "  progress:")
    errors = check(content_dir).errors
    assert any("revisions[0].to" in e.field and "`target`" in e.message and "revisions:" in e.message for e in errors), errors


def test_an_unknown_field_like_original_target_points_at_revisions(content_dir):
    _edit(content_dir / STATIONS, "  target: 6\n", "  target: 6\n  original_target: 5\n")
    errors = check(content_dir).errors
    assert any("original_target" in e.message and "revisions:" in e.message for e in errors), errors


def test_next_steps_name_a_known_department(content_dir):
    _edit(content_dir / PREMISES, "targets:", "next_steps:\n- {date: 2020-09-30, action: {zh: 完成购置, en: Complete the purchase}, department: nobody}\ntargets:")
    errors = check(content_dir).errors
    assert any(e.field == "next_steps[0].department" and "nobody" in e.message for e in errors), errors


def test_check_warns_about_a_late_measure_without_explanation_and_can_fail(content_dir, run_cli):
    run = run_cli("check", "--content", str(content_dir), cwd=content_dir.parent)
    assert "explanation" not in run.out  # the fixture sets missing_explanation: off
    _edit(content_dir / "bulletin.yaml", "missing_explanation: 'off'", "missing_explanation: warning")
    run = run_cli("check", "--content", str(content_dir), cwd=content_dir.parent)
    assert run.code == 0
    warned = [line for line in run.lines if "05-office-premises.yaml" in line and "explanation" in line]
    assert warned and "warning" in warned[0] and "overdue" in warned[0]
    _edit(content_dir / "bulletin.yaml", "missing_explanation: warning", "missing_explanation: error")
    run = run_cli("check", "--content", str(content_dir), cwd=content_dir.parent)
    assert run.code == 1
    _edit(content_dir / PREMISES, "targets:", "explanation: {zh: 房源不足, en: Too few premises on offer}\n"
          "next_steps:\n- {date: 2020-09-30, action: {zh: 完成购置, en: Complete the purchase}, department: changping-government}\ntargets:")
    run = run_cli("check", "--content", str(content_dir), cwd=content_dir.parent)
    assert not [line for line in run.lines if "05-office-premises.yaml" in line], run.out
    assert [line for line in run.lines if "02-household-visits.yaml" in line and "behind" in line]  # still unexplained


def test_explanation_and_next_steps_show_beside_the_status_and_in_the_downloads(content_dir):
    _edit(content_dir / PREMISES, "targets:", "explanation: {zh: 房源不足, en: Too few premises on offer}\n"
          "next_steps:\n- {date: 2020-09-30, action: {zh: 完成购置, en: Complete the purchase}, department: changping-government}\ntargets:")
    out = render(content_dir, "measures/huitian-5/index.html")
    page = out["en/measures/huitian-5/index.html"]
    verdict = re.search(r'<section class="verdict.*?</section>', page, re.S).group(0)
    assert "Too few premises on offer" in verdict and "Complete the purchase" in verdict and "30 September 2020" in verdict
    data = json.loads(out["zh/data/bulletin.json"])
    ms = next(m for m in data["measures"] if m["id"] == "huitian-5")
    assert ms["explanation"] == "房源不足"
    assert ms["next_steps"] == [{"date": "2020-09-30", "action": "完成购置", "department": "changping-government"}]
    assert "房源不足" in out["zh/data/measures.csv"] and "2020-09-30" in out["zh/data/measures.csv"]


# --- the methodology page states the configured rule ----------------------------------------------

def test_methodology_states_the_configured_pace_rule(content_dir):
    ratio = render(content_dir, "methodology/index.html")["en/methodology/index.html"]
    assert "ratio rule" in ratio and "below 0.95" in ratio and "percentage points" not in ratio
    assert "Seriously behind" not in ratio
    _edit(content_dir / "bulletin.yaml", "thresholds:",
          "pace_rule: {kind: points, behind: 12, ahead: 8, seriously_behind: 35}\ndue_soon_days: 45\nthresholds:")
    out = render(content_dir, "methodology/index.html")
    points = out["en/methodology/index.html"]
    assert "more than 12 percentage points below" in points and "8 or more percentage points above" in points
    assert "Seriously behind" in points and "more than 35 percentage points below" in points
    assert "within 45 days" in points
    assert "超过12个百分点" in out["zh/methodology/index.html"]


def test_every_status_has_a_colour_a_symbol_a_label_and_a_css_rule():
    from bulletin.palette import STATUS_COLOURS, STATUS_INK, STATUS_SYMBOLS, contrast_ratio, status_css
    from bulletin.palette import STATUS_LABELS
    from bulletin.reasons import STATUS_MEANINGS
    from bulletin.site import status_slug

    css = status_css()  # written to assets/status.css by every build
    for status in Status:
        assert status in STATUS_COLOURS and status in STATUS_SYMBOLS and status in STATUS_LABELS and status in STATUS_MEANINGS
        # Status colours are fills (tests/test_palette.py: distinct for every reader); the label on them is legible.
        assert contrast_ratio(STATUS_INK[status], STATUS_COLOURS[status]) >= 4.5
        assert f".status-{status_slug(status)} {{" in css, status


@pytest.mark.parametrize("written, field, words", [
    ("  scale: 0", "targets[0].scale", "more than 0"),
    ("  scale: .inf", "targets[0].scale", "ordinary number"),
    ("  revisions:\n  - {date: 2020-03-01, field: value, from: abc, to: 6, reason: {zh: 调, en: up}, source: huitian-plan}",
     "targets[0].revisions[0].from", "neither a number nor a date"),
    ("  revisions:\n  - {date: 2020-03-01, field: deadline, from: 5, to: 6, reason: {zh: 调, en: up}, source: huitian-plan}",
     "targets[0].revisions[0].from", "YYYY-MM-DD"),
    ("  revisions:\n  - {date: 2020-03-01, field: value, fro: 5, to: 6, reason: {zh: 调, en: up}, source: huitian-plan}",
     "targets[0].revisions[0].fro", "did you mean `from`"),
    ("  next_steps:\n  - {date: 2020-03-01, department: changping-government}", "targets[0].next_steps[0].action", "required"),
])
def test_bad_scales_revisions_and_next_steps_get_a_plain_message(content_dir, written, field, words):
    _edit(content_dir / STATIONS, "  target: 6\n", "  target: 6\n" + written + "\n")
    errors = check(content_dir).errors
    assert any(e.field == field and words in e.message and e.line > 1 for e in errors), [str(e) for e in errors]


def test_seriously_behind_must_be_further_than_behind(content_dir):
    _edit(content_dir / "bulletin.yaml", "thresholds:", "pace_rule: {kind: points, behind: 12, seriously_behind: 10}\nthresholds:")
    errors = check(content_dir).errors
    assert any(e.field == "pace_rule.seriously_behind" and "more than `behind`" in e.message for e in errors), errors


# --- the date a measure is listed under ------------------------------------------------------------

def test_a_measure_overdue_on_an_early_target_is_listed_under_that_target_s_deadline(content_dir: Path, chart_cache: Path):
    """A measure due at the end of 2020, overdue on a target due in May, was listed as
    "31 December 2020 … Overdue" on the home page and the deadlines page (status audit)."""
    from bulletin.builder import Builder

    path = content_dir / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    path.write_text(path.read_text(encoding="utf-8") + """\
- id: plan
  title: {zh: 5月底前印发建设方案, en: Issue the building plan by the end of May}
  kind: milestone
  deadline: 2020-05-31
  source: huitian-plan
  progress:
  - {date: 2020-05-20, value: false}
""", encoding="utf-8")
    files = Builder(content_dir, TEMPLATES, THEME, content_dir.parent / "output", cache=chart_cache, report_pdfs=False).render().files
    assert check(content_dir).errors == []
    for code, may, december in (("en", "31 May 2020", "31 December 2020"), ("zh", "2020年5月31日", "2020年12月31日")):
        measure = files[f"{code}/measures/huitian-3/index.html"].decode()
        assert december in measure and may in measure  # its own deadline, and the target due first
        deadlines = files[f"{code}/deadlines/index.html"].decode()
        item = re.search(r'<li><time datetime="([\d-]+)">[^<]*</time>\s*<a href="[^"]*huitian-3/', deadlines)
        assert item and item.group(1) == "2020-05-31", "listed under the overdue target's deadline"
        home = files[f"{code}/index.html"].decode()
        assert 'datetime="2020-12-31"' not in re.search(r'huitian-3/.*?</li>', home, re.S).group(0)


def test_a_completed_override_shows_the_source_that_backs_it(content_dir: Path, chart_cache: Path):
    """"Completed: confirmed by the cited source." cited nothing: the source was on no page or file."""
    from bulletin.builder import Builder

    path = content_dir / "measures" / "huitian" / "07-service-station-reform.yaml"
    text = path.read_text(encoding="utf-8").replace("status: paused", "status: completed\n  source: progress-report")
    path.write_text(re.sub(r"  reason: .*\n", "", text), encoding="utf-8")
    assert check(content_dir).errors == []
    files = Builder(content_dir, TEMPLATES, THEME, content_dir.parent / "output", cache=chart_cache, report_pdfs=False).render().files
    for code, title, date in (("en", "Huitian task list progress (illustrative)", "1 March 2020"),
                              ("zh", "回天地区任务清单办理情况（示例）", "2020年3月1日")):
        verdict = re.search(r'<section class="verdict.*?</section>', files[f"{code}/measures/huitian-7/index.html"].decode(), re.S).group(0)
        assert title in verdict and date in verdict
        entry = json.loads(files[f"{code}/measures/huitian-7/data.json"])["measure"]
        assert entry["override"] == {"status": "completed", "reason": None, "source": "progress-report", "date": "2020-03-01"}
        assert title in entry["reason"] and date in entry["reason"]  # the sentence names it wherever it goes: lists, CSV
        report = files[f"{code}/report/index.html"].decode()  # and the report cites it (regression audit)
        row = re.search(r"huitian-7/.*?</tr>", report, re.S)
        assert row and title in row.group(0), "the report's row cites the override's source"


def test_the_date_a_measure_is_listed_under_is_never_a_passed_one_for_an_open_measure_nor_after_its_deadline(content_dir: Path):
    """Regression audit: an on-track measure with an unreported target due in May was listed as
    "Deadline: 31 May 2020 ● On track" and left out of the upcoming deadlines; a target due
    after its measure put the measure under the later date."""
    from bulletin.site import Site

    path = content_dir / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    text = path.read_text(encoding="utf-8")
    unreported = text + ("- id: plan\n  title: {zh: 印发方案, en: Issue the plan}\n  kind: milestone\n"
                         "  deadline: 2020-05-31\n  source: huitian-plan\n")
    path.write_text(unreported, encoding="utf-8")
    site = Site(check(content_dir).content)
    ms = site.content.measures["huitian-3"]
    assert site.status_of("huitian-3") == Status.AHEAD  # the reported target decides; the unreported one is named
    assert site.due_date(ms) == site.deadline_of(ms) == dt.date(2020, 12, 31)
    assert ms in site.upcoming(limit=100)
    later = text.replace("  target: 6\n", "  target: 6\n  deadline: 2021-06-30\n").replace(
        "lead: [changping-civil-affairs]\n", "lead: [changping-civil-affairs]\ndeadline: 2020-10-31\n")
    path.write_text(later, encoding="utf-8")
    site = Site(check(content_dir).content)
    ms = site.content.measures["huitian-3"]
    assert site.due_date(ms) == site.deadline_of(ms) == dt.date(2020, 10, 31)  # never after the measure's own deadline


def test_a_frozen_programme_s_passed_deadlines_are_not_coming_up(content_dir: Path):
    """Second-bulletin audit: a programme frozen at its own `as_of` showed deadlines that had passed
    by the bulletin's reporting date as "due soon" and under the upcoming deadlines."""
    from bulletin.site import Site

    _edit(content_dir / "bulletin.yaml", "as_of: 2020-06-30", "as_of: 2020-09-30")
    _edit(content_dir / "programmes" / "huitian.yaml", "sources: [huitian-plan]", "sources: [huitian-plan]\nas_of: 2020-06-30")
    _edit(content_dir / STATIONS, "lead: [changping-civil-affairs]\n", "lead: [changping-civil-affairs]\ndeadline: 2020-07-15\n")
    site = Site(check(content_dir).content)
    a = site.assessments["huitian-3"]
    assert a.status == Status.BEHIND  # still measured at the programme's own date: not overdue
    assert not a.due_soon and not a.targets["stations"].due_soon
    assert site.content.measures["huitian-3"] not in site.upcoming(limit=100)
    _edit(content_dir / "programmes" / "huitian.yaml", "as_of: 2020-06-30", "as_of: 2020-07-01")
    site = Site(check(content_dir).content)
    assert not site.assessments["huitian-3"].due_soon  # due 15 July, reader's date 30 September


def test_of_two_targets_behind_the_one_further_behind_is_named(content_dir: Path):
    """Second-bulletin audit: the measure's sentence named the first behind target in the file,
    not the one further behind. Both rules (ratio and points) pick the one further behind."""
    from bulletin.site import Site

    def target(tid: str, value: int) -> str:
        return (f"- id: {tid}\n  title: {{zh: 指标{tid}, en: Target {tid}}}\n  kind: count\n  unit: {{zh: 个, en: items}}\n"
                f"  target: 100\n  baseline: {{value: 0, date: 2020-01-01}}\n  source: huitian-plan\n"
                f"  progress:\n  - date: 2020-06-30\n    value: {value}\n")
    (content_dir / "measures" / "huitian" / "10-two-behind.yaml").write_text(
        "programme: huitian\nnumber: 10\ntitle: {zh: 两项指标, en: Two targets}\ncategory: community-services\n"
        "sources: [huitian-plan]\nlead: [changping-civil-affairs]\ntargets:\n" + target("a", 35) + target("b", 20),
        encoding="utf-8")
    for rule in ("", "pace_rule: {kind: points, behind: 10, ahead: 10}\n"):
        if rule:
            _edit(content_dir / "bulletin.yaml", "thresholds:\n  ahead: 1.10\n  behind: 0.95\n", rule)
        a = Site(check(content_dir).content).assessments["huitian-10"]
        assert a.status == Status.BEHIND and {t.status for t in a.targets.values()} == {Status.BEHIND}
        assert a.deciding == "b", rule


def test_open_data_gives_the_unit_the_scale_multiplies(content_dir: Path):
    """Second-bulletin audit: with `unit: {zh: 万元}` and no `scale` (the older form), the data
    said unit 万元 and scale 10000, so value × scale read 600万万元."""
    _edit(content_dir / STATIONS, "  unit: {zh: 个, en: stations}\n", "  unit: {zh: 万元, en: \"10,000 yuan\"}\n")
    files = render(content_dir)
    for code, unit in (("zh", "元"), ("en", "yuan")):
        target = next(t for ms in json.loads(files[f"{code}/data/bulletin.json"])["measures"] if ms["id"] == "huitian-3"
                      for t in ms["targets"])
        assert (target["unit"], target["scale"], target["base_unit"]) == (unit, 10000, unit)
        rows = [r for r in files[f"{code}/data/progress.csv"].splitlines() if ",huitian-3,stations," in r]
        assert rows and all(f",{unit}," in r and ",10000," in r for r in rows)


def test_measures_on_one_date_are_listed_in_number_order_not_as_text(content_dir: Path):
    """Second-bulletin audit: new reports of one date were listed 9, 8, … 2, 10, 1 (ids compared
    as text, reversed); lists of one deadline put measure 10 before measure 2."""
    from bulletin.site import Site

    stations = (content_dir / STATIONS).read_text(encoding="utf-8")
    (content_dir / "measures" / "huitian" / "10-more-stations.yaml").write_text(stations.replace("number: 3", "number: 10"),
                                                                                encoding="utf-8")
    site = Site(check(content_dir).content)
    on_one_day = [u.measure.number for u in site.updates() if u.entry.date == dt.date(2020, 6, 20)]
    assert on_one_day == sorted(on_one_day) and {3, 10} <= set(on_one_day)
    upcoming = [ms.number for ms in site.upcoming(limit=100) if site.due_date(ms) == dt.date(2020, 12, 31)]
    assert upcoming == sorted(upcoming) and {3, 10} <= set(upcoming)
    for _, measures in site.by_deadline_month():
        numbers = [ms.number for ms in measures]
        assert numbers == sorted(numbers, key=lambda n: (site.due_date(site.content.measures[f"huitian-{n}"]), n))


# --- the unit after the figure 1 -----------------------------------------------------------------

@pytest.mark.parametrize("value, scale, zh, en", [
    (1, None, "1个", "1 station"),
    (2, None, "2个", "2 stations"),
    (1.5, None, "1.5个", "1.5 stations"),
    (0, None, "0个", "0 stations"),
    (100, 10000, "100万个", "1 million stations"),  # said with a word: plural
    (0.0001, 10000, "1个", "1 station"),  # one, once scaled
])
def test_a_unit_after_the_figure_1_is_singular_where_the_language_says_so(value, scale, zh, en):
    unit, one = {"zh": "个", "en": "stations"}, {"en": "station"}
    assert format_figure(LANGS["zh"], value, unit, scale, one) == zh
    assert format_figure(LANGS["en"], value, unit, scale, one) == en
    assert format_figure(LANGS["en"], 1, unit, None) == "1 stations"  # without unit_one, the unit as written


def test_unit_one_needs_no_chinese_and_shows_on_the_pages(content_dir: Path, chart_cache: Path):
    """"1 stations": a target of one centre, platform or station read as a plural on every
    English page. `unit_one: {en: station}` gives the singular; Chinese needs none."""
    from bulletin.builder import Builder

    _edit(content_dir / STATIONS, "unit: {zh: 个, en: stations}\n  target: 6", "unit: {zh: 个, en: stations}\n  unit_one: {en: station}\n  target: 6")
    _edit(content_dir / STATIONS, "    value: 2\n", "    value: 1\n")
    result = check(content_dir)
    assert result.errors == [] and not [w for w in result.problems if "unit_one" in w.field], result.problems
    files = Builder(content_dir, TEMPLATES, THEME, content_dir.parent / "output", cache=chart_cache, report_pdfs=False).render().files
    en = files["en/measures/huitian-3/index.html"].decode()
    assert ">1 station<" in en and ">4 stations<" in en and ">6 stations<" in en
    assert ">1个<" in files["zh/measures/huitian-3/index.html"].decode()


def test_unit_one_without_a_unit_is_refused_in_chinese(content_dir: Path, run_cli):
    _edit(content_dir / STATIONS, "  unit: {zh: 个, en: stations}\n", "  unit_one: {en: station}\n")
    out = run_cli("check", "--content", str(content_dir), "--lang", "zh", cwd=content_dir.parent)
    assert out.code == 1
    assert "03-elderly-care-stations.yaml" in out.out and "unit_one" in out.out and "需要同时写指标的 `unit`" in out.out
