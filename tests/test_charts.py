"""The chart stage: localised, accessible, cached and deterministic SVG figures."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bulletin import charts
from bulletin.charts import ChartRenderer, Figure, status_label
from bulletin.l10n import Lang
from bulletin.palette import STATUS_LABELS
from bulletin.model import Baseline, Milestone, ProgressEntry, Target, Thresholds
from bulletin.status import Status, assess_target

@pytest.fixture
def zh() -> Lang:
    """Chinese with the project's own catalogue, as the build uses it."""
    return Lang("zh", ["zh", "en"])


@pytest.fixture
def en() -> Lang:
    return Lang("en", ["zh", "en"])


@pytest.fixture
def renderer(chart_cache) -> ChartRenderer:
    return ChartRenderer(chart_cache / "charts")  # the session's: a chart drawn by an earlier test is not drawn again


AS_OF = dt.date(2020, 6, 30)
COUNTS = {Status.COMPLETED: 12, Status.ON_TRACK: 9, Status.BEHIND: 4, Status.OVERDUE: 2}
PER_PROGRAMME = [
    ("回天行动计划", {Status.COMPLETED: 10, Status.BEHIND: 3, Status.NO_DATA: 17}),
    ("朝阳区方案", {Status.ON_TRACK: 4, Status.OVERDUE: 2}),
]
MONTHS = [(dt.date(2020, 6, 1), 7), (dt.date(2020, 12, 1), 28)]


def coverage_target(**changes) -> Target:
    fields = dict(
        id="coverage", title={"zh": "服务圈覆盖率", "en": "Service-circle coverage"}, kind="percentage", source="s",
        target=100, baseline=Baseline(87.5, dt.date(2018, 12, 31)), deadline=dt.date(2020, 12, 31),
        milestones=[Milestone(dt.date(2019, 12, 31), 90)],
        progress=[ProgressEntry(dt.date(2019, 6, 30), 88.6), ProgressEntry(dt.date(2020, 6, 30), 92)],
    )
    fields.update(changes)
    return Target(**fields)


def assess(target: Target):
    return assess_target(target, start=dt.date(2018, 1, 1), deadline=dt.date(2020, 12, 31), as_of=AS_OF,
                         thresholds=Thresholds(), stale_after_days=180)


def all_figures(lang: Lang, renderer: ChartRenderer) -> list[Figure]:
    target = coverage_target()
    return [
        charts.status_breakdown(COUNTS, lang=lang, renderer=renderer, fig_id="status", caption="cap-status"),
        charts.programme_statuses(PER_PROGRAMME, lang=lang, renderer=renderer, fig_id="programmes", caption="cap-prog"),
        charts.target_progress(target, assess(target), lang=lang, renderer=renderer, fig_id="coverage"),
        charts.deadlines_per_month(MONTHS, lang=lang, renderer=renderer, fig_id="deadlines", caption="cap-months"),
    ]


def visible_text(svg: str) -> list[str]:
    """Text drawn in the chart (not the <title>/<desc> accessibility text)."""
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


# ---------------------------------------------------------------- language


def test_status_label_uses_gettext(zh, en):
    assert status_label(Status.BEHIND, zh) == "滞后"
    assert status_label(Status.BEHIND, en) == "Behind"
    assert {status_label(s, en) for s in Status} == set(STATUS_LABELS.values())


def test_status_breakdown_in_chinese(zh, renderer):
    fig = charts.status_breakdown(COUNTS, lang=zh, renderer=renderer, fig_id="s", caption="措施状态")
    text = visible_text(fig.svg)
    assert "▼ 滞后" in text and "✓ 已完成" in text
    assert "措施" in visible_text(fig.svg)  # axis title
    assert not any("Behind" in t or "Measures" in t for t in text)
    assert "滞后4项" in fig.summary and "27" in fig.summary


def test_programme_statuses_in_both_languages(zh, en, renderer):
    fig = charts.programme_statuses(PER_PROGRAMME, lang=zh, renderer=renderer, fig_id="p", caption="c")
    text = visible_text(fig.svg)
    assert "回天行动计划" in text and "▼ 滞后" in text and "! 逾期" in text  # programme names and legend
    fig = charts.programme_statuses(PER_PROGRAMME, lang=en, renderer=renderer, fig_id="p", caption="c")
    assert "▼ Behind" in visible_text(fig.svg)


def test_target_progress_dates_are_localised(zh, en, renderer):
    target = coverage_target()
    fig = charts.target_progress(target, assess(target), lang=zh, renderer=renderer, fig_id="t")
    text = visible_text(fig.svg)
    assert any(re.fullmatch(r"20\d\d年\d{1,2}月", t) for t in text)  # time axis
    assert "截至2020年6月30日" in text and "完成时限：100%" in text and "阶段性目标：90%" in text
    assert fig.caption == "服务圈覆盖率：完成进度与序时进度对比"
    fig = charts.target_progress(target, assess(target), lang=en, renderer=renderer, fig_id="t")
    text = visible_text(fig.svg)
    assert "Jan 2020" in text
    assert "As of 30 June 2020" in text and "Deadline: 100%" in text and "Milestone: 90%" in text
    assert "92%" in fig.summary and "30 June 2020" in fig.summary and "31 December 2020" in fig.summary


def test_deadlines_per_month_localised(zh, en, renderer):
    fig = charts.deadlines_per_month(MONTHS, lang=zh, renderer=renderer, fig_id="d", caption="c")
    assert {"2020年6月", "2020年12月", "到期措施"} <= set(visible_text(fig.svg))
    assert fig.rows == [["2020年6月", "7"], ["2020年12月", "28"]]
    fig = charts.deadlines_per_month(MONTHS, lang=en, renderer=renderer, fig_id="d", caption="c")
    assert {"Jun 2020", "Dec 2020", "Measures due"} <= set(visible_text(fig.svg))
    assert fig.rows == [["June 2020", "7"], ["December 2020", "28"]]
    assert "35" in fig.summary and "December 2020" in fig.summary


# ---------------------------------------------------------------- data table = the data


def test_tables_match_the_data(zh, en, renderer):
    fig = charts.status_breakdown(COUNTS, lang=en, renderer=renderer, fig_id="s", caption="c")
    assert fig.columns == ["Status", "Measures"]
    assert fig.rows == [["Overdue", "2"], ["Behind", "4"], ["On track", "9"], ["Completed", "12"]]  # display order
    assert {r[0]: int(r[1]) for r in fig.rows} == {status_label(s, en): n for s, n in COUNTS.items()}

    fig = charts.programme_statuses(PER_PROGRAMME, lang=zh, renderer=renderer, fig_id="p", caption="c")
    assert fig.columns == ["方案", "逾期", "滞后", "按进度", "已完成", "尚未报告", "合计"]
    assert fig.rows == [["回天行动计划", "0", "3", "0", "10", "17", "30"], ["朝阳区方案", "2", "0", "4", "0", "0", "6"]]


def test_target_table_holds_exactly_the_model_points(en, renderer):
    target = coverage_target()
    fig = charts.target_progress(target, assess(target), lang=en, renderer=renderer, fig_id="t")
    assert fig.columns == ["Date", "Series", "Value"]
    assert fig.rows == [
        ["31 December 2018", "Baseline", "87.5%"],
        ["30 June 2019", "Reported", "88.6%"],
        ["31 December 2019", "Interim milestone", "90%"],
        ["30 June 2020", "Reported", "92%"],
        ["31 December 2020", "Target", "100%"],
    ]


def test_target_progress_count_without_baseline(zh, renderer):
    target = coverage_target(kind="count", target=6, baseline=None, milestones=[], unit={"zh": "个", "en": "stations"},
                             progress=[ProgressEntry(dt.date(2020, 3, 31), 2)])
    fig = charts.target_progress(target, assess(target), lang=zh, renderer=renderer, fig_id="t")
    assert fig is not None
    assert ["2020年3月31日", "报告值", "2个"] in fig.rows
    assert ["2020年12月31日", "目标值", "6个"] in fig.rows
    assert ["2018年1月1日", "序时进度起点", "0个"] in fig.rows  # the pace starts from 0, as the status does
    assert "个" in visible_text(fig.svg)  # the unit is the axis title


def test_no_chart_without_a_report(en, renderer):
    for target in (
        coverage_target(progress=[]),  # a baseline alone: an empty chart says nothing the reason does not
        coverage_target(progress=[ProgressEntry(dt.date(2020, 9, 30), 99)]),  # reported only after the as-of date
        coverage_target(progress=[], baseline=None),  # nothing to draw
        coverage_target(kind="milestone", target=True, baseline=None, milestones=[], progress=[]),
        coverage_target(target=None),  # ongoing
    ):
        assert charts.target_progress(target, assess(target), lang=en, renderer=renderer, fig_id="t") is None


def test_reports_after_as_of_are_not_drawn(en, renderer):
    target = coverage_target(progress=[ProgressEntry(dt.date(2020, 6, 30), 92), ProgressEntry(dt.date(2020, 9, 30), 99)])
    fig = charts.target_progress(target, assess(target), lang=en, renderer=renderer, fig_id="t")
    assert "99%" not in fig.svg and not any("99%" in cell for row in fig.rows for cell in row)


# ---------------------------------------------------------------- accessibility


@pytest.mark.parametrize("code", ["zh", "en"])
def test_svg_is_accessible_and_responsive(code, zh, en, renderer):
    lang = {"zh": zh, "en": en}[code]
    for fig in all_figures(lang, renderer):
        root = re.match(r"<svg\b[^>]*>", fig.svg).group(0)
        assert 'role="img"' in root and f'aria-label="{fig.caption}"' in root
        assert "viewBox=" in root and " width=" not in root and " height=" not in root
        assert fig.svg.startswith("<svg") and "<?xml" not in fig.svg
        assert f"<title>{fig.caption}</title><desc>{fig.summary}</desc>" in fig.svg
        assert "graphics-object" not in fig.svg and "aria-roledescription" not in fig.svg
        assert fig.svg.count("aria-label") == 1  # only the root; Vega's English labels are gone
        assert "X-axis" not in fig.svg and "Y-axis" not in fig.svg
        # Marks carry <title> tooltips in the page language.
        assert fig.svg.count("<title>") > 1
        assert fig.summary and fig.summary.count(".") + fig.summary.count("。") >= 1


def test_mark_tooltips_in_page_language(zh, renderer):
    fig = charts.status_breakdown(COUNTS, lang=zh, renderer=renderer, fig_id="s", caption="c")
    assert "<title>滞后：4项</title>" in fig.svg


def test_status_colours_come_from_the_palette(en, renderer):
    from bulletin.palette import STATUS_COLOURS

    fig = charts.status_breakdown(COUNTS, lang=en, renderer=renderer, fig_id="s", caption="c")
    for status in COUNTS:
        assert f'fill="{STATUS_COLOURS[status]}"' in fig.svg


# ---------------------------------------------------------------- cache and determinism


def test_second_render_hits_the_cache(en, tmp_path, monkeypatch):
    renderer = ChartRenderer(tmp_path / "cache")
    first = charts.status_breakdown(COUNTS, lang=en, renderer=renderer, fig_id="s", caption="c")
    layouts = len(charts.LAYOUTS)  # one drawing per layout (narrow, wide)
    assert (renderer.count, renderer.cache_hits) == (layouts, 0)
    assert len(list((tmp_path / "cache").rglob("*.svg"))) == layouts

    def must_not_render(*args, **kwargs):
        raise AssertionError("vl_convert called for a cached chart")

    monkeypatch.setattr(charts.vlc, "vegalite_to_svg", must_not_render)
    again = charts.status_breakdown(COUNTS, lang=en, renderer=renderer, fig_id="s", caption="c")
    assert again.svg == first.svg and again.variants == first.variants
    assert (renderer.count, renderer.cache_hits) == (2 * layouts, layouts)

    # A new renderer (next build) reads the cache from disk.
    fresh = ChartRenderer(tmp_path / "cache")
    assert charts.status_breakdown(COUNTS, lang=en, renderer=fresh, fig_id="s", caption="c").svg == first.svg
    assert fresh.cache_hits == layouts and fresh.seconds > 0


def test_cache_key_depends_on_spec_and_locale(zh, en):
    renderer = ChartRenderer(None)
    spec = {"mark": "bar", "data": {"values": [{"a": 1}]}, "encoding": {"x": {"field": "a", "type": "quantitative"}}}
    assert renderer.key(spec, en) == renderer.key(dict(reversed(list(spec.items()))), en)  # canonical JSON
    assert renderer.key(spec, en) != renderer.key(spec, zh)
    assert renderer.key(spec, en) != renderer.key({**spec, "mark": "point"}, en)


def test_accepts_altair_charts(en):
    import altair as alt

    renderer = ChartRenderer(None)
    chart = alt.Chart(alt.Data(values=[{"a": 1}])).mark_bar().encode(x="a:Q")
    svg = renderer.svg(chart, en, title="T", description="D")
    assert svg.startswith("<svg") and 'aria-label="T"' in svg


@pytest.mark.parametrize("code", ["zh", "en"])
def test_deterministic(code, zh, en, tmp_path):
    lang = {"zh": zh, "en": en}[code]
    first = [f.svg for f in all_figures(lang, ChartRenderer(None))]
    second = [f.svg for f in all_figures(lang, ChartRenderer(tmp_path / "other"))]
    assert first == second


def test_empty_inputs_do_not_fail(en, renderer):
    assert charts.status_breakdown({}, lang=en, renderer=renderer, fig_id="s", caption="c").rows == []
    assert charts.programme_statuses([], lang=en, renderer=renderer, fig_id="p", caption="c").rows == []
    fig = charts.deadlines_per_month([], lang=en, renderer=renderer, fig_id="d", caption="c")
    assert fig.rows == [] and fig.svg.startswith("<svg")


def test_ids_are_deterministic_and_unique_per_chart(en):
    raw = '<svg viewBox="0 0 1 1"><defs><clipPath id="clip7"><rect/></clipPath></defs><g clip-path="url(#clip7)"></g></svg>'
    one = charts.finish_svg(raw, title="t", description="d", id_prefix="chart-a-")
    assert 'id="chart-a-1"' in one and "url(#chart-a-1)" in one and "clip7" not in one
    assert charts.finish_svg(raw.replace("clip7", "clip9"), title="t", description="d", id_prefix="chart-a-") == one


# ---------------------------------------------------------------- phones, registry, pace line


def test_every_chart_has_a_narrow_and_a_wide_drawing(en, renderer):
    for fig in all_figures(en, renderer):
        layouts = dict(fig.variants)
        assert set(layouts) == {"narrow", "wide"} and layouts["wide"] == fig.svg
        widths = {name: float(re.search(r'viewBox="0 0 ([\d.]+)', svg).group(1)) for name, svg in layouts.items()}
        # What CSS scales to the box: 13 px text in a 280 px drawing is 12.5 px in the 270 px box of a 320 px phone.
        assert widths["narrow"] <= charts.NARROW + 1 and widths["wide"] <= charts.WIDE + 1, widths
        for svg in layouts.values():
            sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)', svg)] + \
                    [float(s) for s in re.findall(r"font-size:\s*([\d.]+)px", svg)]
            assert sizes and min(sizes) >= charts.FONT_SIZE, sorted(set(sizes))


def test_every_bar_segment_is_labelled_however_narrow(zh, renderer):
    per = [("甲方案", {Status.COMPLETED: 40, Status.BEHIND: 1, Status.OVERDUE: 1, Status.NO_DATA: 1})]
    fig = charts.programme_statuses(per, lang=zh, renderer=renderer, fig_id="p", caption="c")
    for name, svg in fig.variants:
        text = visible_text(svg)
        for status, n in per[0][1].items():
            assert f"{charts.STATUS_SYMBOLS[status]}{n}" in text, (name, status, text)


def test_site_chart_kinds_are_all_registered():
    from bulletin.site import Site
    from bulletin.validate import check

    content = check(charts.Path(__file__).resolve().parents[1] / "content").content
    kinds = {kind for page in Site(content).pages() for kind, _ in page.charts}
    assert kinds and kinds <= set(charts.KINDS), kinds - set(charts.KINDS)
    with pytest.raises(ValueError, match="unknown chart kind"):
        charts.make_figure("no_such_chart", (), None, None, None)


def test_pace_line_is_the_one_the_status_used(en, renderer):
    from bulletin.status import expected_line

    target = coverage_target()
    assessment = assess(target)
    line = expected_line(target, assessment)
    # From the baseline, through the interim milestone, to the target at the deadline.
    assert line[0][1] == target.baseline.value and (dt.date(2019, 12, 31), 90) in line
    assert line[-1] == (assessment.deadline, 100.0)
    drawn = _progress_args(target, assessment, en)["pace"]
    assert [(p["date"], p["value"]) for p in drawn] == [(d.isoformat(), v) for d, v in line]


def _progress_args(target, assessment, lang):
    """The arguments target_progress gives the wide layout (recorded by a stand-in for `composed`)."""
    seen = {}
    real = charts.composed

    def record(compose, lang_, renderer_, **args):
        seen[args["layout"].name] = args
        return real(compose, lang_, renderer_, **args)

    charts.composed = record
    try:
        charts.target_progress(target, assessment, lang=lang, renderer=charts.ChartRenderer(None), fig_id="t")
    finally:
        charts.composed = real
    return seen["wide"]


def test_every_kind_composes_a_valid_vega_lite_spec(zh, en, tmp_path, monkeypatch):
    """Specs are composed with Altair's debug-mode validation off (it costs as much as composing):
    each kind, in both languages and layouts, is validated against the Vega-Lite schema here."""
    validated = []

    def to_spec(chart, lang):
        with charts._THEME_LOCK, charts.alt.theme.enable(charts.theme_name(lang)):
            spec = chart.to_dict(validate=True)  # raises SchemaValidationError naming the bad property
        validated.append(spec)
        return spec

    monkeypatch.setattr(charts, "to_spec", to_spec)
    monkeypatch.setattr(charts, "_SPECS", {})  # compose again, not from the session's memory
    renderer = ChartRenderer(tmp_path / "cache")
    for lang in (zh, en):
        with renderer.collecting():
            all_figures(lang, renderer)
    assert len(validated) == 16  # four kinds, two layouts, two languages


def test_month_labels_on_a_narrow_chinese_axis_never_run_into_the_deadlines_label():
    """On a 280 px chart 2020年1月 centred on its tick ran into 2020年12月 (the deadline, flush
    right): a tick whose label would touch the next one is left out, the deadline's kept."""
    from bulletin.charts import _labels_apart, _month_label, _text_width

    first, last = dt.date(2018, 1, 1), dt.date(2020, 12, 31)
    ticks = [dt.date(2019, 1, 1), dt.date(2020, 1, 1), last]
    plot = 200
    kept = _labels_apart(ticks, first, last, plot, "zh")
    assert kept[-1] == last and dt.date(2020, 1, 1) not in kept and dt.date(2019, 1, 1) in kept
    span = (last - first).days
    edges = [((t - first).days / span * plot - _text_width(_month_label(t, "zh")) / 2,
              (t - first).days / span * plot + _text_width(_month_label(t, "zh")) / 2) for t in kept[:-1]]
    edges.append((plot - _text_width(_month_label(last, "zh")), plot))
    assert all(a[1] + 8 <= b[0] for a, b in zip(edges, edges[1:]))
    assert _labels_apart(ticks, first, last, 2000, "zh") == ticks  # wide enough: every tick labelled
    assert _month_label(dt.date(2020, 6, 1), "en") == "Jun 2020"


def test_a_home_chart_of_many_programmes_shows_the_largest_twelve(en, renderer):
    """Forty programmes drew a home chart 3,000 px tall on a phone: the twelve largest are charted
    and the caption says so (every programme is listed below it on the page)."""
    from types import SimpleNamespace

    programmes = {f"p{i}": SimpleNamespace(short_title={"en": f"Plan {i}"}, title={"en": f"Plan {i}"}) for i in range(20)}
    sizes = {f"p{i}": i + 1 for i in range(20)}
    site = SimpleNamespace(content=SimpleNamespace(programmes=programmes),
                           measures=lambda programme: [programme] * sizes[programme],
                           counts=lambda ms: {Status.ON_TRACK: len(ms)})
    fig = charts._programme_statuses_figure(site, en, renderer, "programmes")
    assert "12 largest of 20 programmes" in fig.caption
    assert "Plan 19" in fig.summary and "Plan 8:" in fig.summary and "Plan 7:" not in fig.summary


def test_a_count_axis_of_one_measure_is_not_labelled_0_1_1(en, renderer):
    """Vega ignores tickMinStep: a department's chart of one measure read 0, 1, 1 (0.5 shown as 1)."""
    fig = charts.status_breakdown({Status.ONGOING: 1}, lang=en, renderer=renderer, fig_id="one", caption="c")
    for _, svg in fig.variants:
        axis = re.findall(r'role-axis-label.*?</g>', svg, re.S)
        labels = [re.findall(r">([^<]+)</text>", a) for a in axis]
        assert ["0", "1"] in labels, labels


def _legend_symbols(svg: str) -> list[str]:
    """The path of each legend entry's symbol, in order."""
    return re.findall(r'class="mark-symbol role-legend-symbol"[^>]*><path [^>]*d="([^"]+)"', svg)


@pytest.mark.parametrize("code", ["zh", "en"])
def test_a_phone_chart_labels_when_its_line_begins_and_ends(code, zh, en, renderer):
    """On a 280 px chart the axis showed one label, the deadline's: the start is labelled too, flush left."""
    lang = {"zh": zh, "en": en}[code]
    fig = charts.target_progress(coverage_target(), assess(coverage_target()), lang=lang, renderer=renderer, fig_id="t")
    narrow = dict(fig.variants)["narrow"]
    months = [t for t in visible_text(narrow) if re.fullmatch(r"\d{4}年\d{1,2}月|[A-Z][a-z]{2} \d{4}", t)]
    # the line starts at the baseline, 31 December 2018 (where the target's pace starts too); it ends on the deadline
    assert months[0] == {"zh": "2018年12月", "en": "Dec 2018"}[code] and months[-1] == {"zh": "2020年12月", "en": "Dec 2020"}[code]
    assert len(months) >= 2


def test_the_legend_draws_each_series_as_the_chart_does(en, renderer):
    """One report and no baseline is one dot, no line: the legend showed a line for it."""
    alone = coverage_target(kind="count", target=6, baseline=None, milestones=[], unit={"zh": "个", "en": "stations"},
                            progress=[ProgressEntry(dt.date(2020, 3, 31), 2)])
    fig = charts.target_progress(alone, assess(alone), lang=en, renderer=renderer, fig_id="t")
    for _, svg in fig.variants:
        reported, pace = _legend_symbols(svg)
        assert "L" not in reported.split("M")[-1] and ("A" in reported or "C" in reported), reported  # a dot
        assert re.fullmatch(r"M-?[\d.]+,0L[\d.]+,0", pace), pace  # a line
    fig = charts.target_progress(coverage_target(), assess(coverage_target()), lang=en, renderer=renderer, fig_id="t")
    reported, pace = _legend_symbols(fig.svg)
    assert re.match(r"M-?[\d.]+,0L[\d.]+,0M", reported) and ("A" in reported or "C" in reported), reported  # line and dot
