"""Cut-down measuring fonts: charts drawn with them are the charts drawn with the installed fonts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bulletin import charts, measure_fonts, pool
from bulletin.charts import VL_VERSION, ChartRenderer
from bulletin.l10n import Lang

from conftest import require_tool  # noqa: E402
from test_charts import all_figures  # noqa: E402


def _jobs(tmp_path: Path) -> list[pool.Job]:
    """The Vega-Lite jobs of every chart kind, both languages and layouts (nothing drawn)."""
    renderer = ChartRenderer(tmp_path / "empty")
    jobs = []
    for lang in (Lang("zh", ["zh", "en"]), Lang("en", ["zh", "en"])):
        with renderer.collecting():
            all_figures(lang, renderer)
        jobs += [(key, spec, VL_VERSION, fmt, time_fmt) for key, (spec, fmt, time_fmt) in sorted(renderer._collected.items())]
    return jobs


def test_charts_measured_with_cut_down_fonts_are_byte_identical(tmp_path: Path):
    require_tool(shutil.which("fc-match"), "fc-match (fontconfig)")
    jobs = _jobs(tmp_path)
    assert len(jobs) >= 16  # four kinds, two layouts, two languages
    fonts = measure_fonts.prepare([job[1] for job in jobs], tmp_path / "fonts")
    assert fonts is not None, "Noto Sans CJK SC and Liberation Sans are installed (.ci/run), so they can be cut"
    directory, aliases = fonts
    assert set(aliases) == set(charts.MEASURE_FONT.values())
    cut = sorted(Path(directory).glob("*.otf"))
    assert len(cut) == 4  # regular and bold (programme names) of each language's font
    assert all(path.stat().st_size < 400_000 for path in cut), [(p.name, p.stat().st_size) for p in cut]
    for job in jobs:
        with_cut = pool.render_one(job, fonts)
        assert not any(alias in with_cut for alias in aliases.values())
        assert with_cut == pool.render_one(job), f"{job[3]}: widths differ from the installed font's"
    # The same characters and fonts: the cut fonts are reused, not cut again.
    assert measure_fonts.prepare([job[1] for job in jobs], tmp_path / "fonts") == fonts
    # A later batch in the same process (the build process, `serve`) with other characters gets
    # its own fonts: its text is never measured with the first batch's cut font.
    spec = {"config": {"font": charts.MEASURE_FONT["zh"]}, "data": {"values": [{"t": "鑫淼犇骉 Café Zürich 2026年"}]},
            "mark": {"type": "text", "fontSize": 13}, "encoding": {"text": {"field": "t", "type": "nominal"}}}
    later = measure_fonts.prepare([spec], tmp_path / "fonts")
    assert later is not None and set(later[1].values()).isdisjoint(aliases.values())
    job = ("later", spec, VL_VERSION, "zh-CN", "zh-CN")
    assert pool.render_one(job, later) == pool.render_one(job)


def test_no_cut_fonts_for_a_family_fontconfig_does_not_have(tmp_path: Path):
    spec = {"config": {"font": "No Such Family 42"}, "mark": "text", "data": {"values": [{"t": "x"}]},
            "encoding": {"text": {"field": "t"}}}
    assert measure_fonts.prepare([spec], tmp_path) is None


def test_aliases_apply_to_font_properties_only():
    spec = {"config": {"font": "Noto Sans CJK SC", "axis": {"labelFont": "Noto Sans CJK SC"}},
            "data": {"values": [{"label": "Noto Sans CJK SC"}]}}
    out = measure_fonts.aliased(spec, {"Noto Sans CJK SC": "bulletin-measure-x"})
    assert out["config"] == {"font": "bulletin-measure-x", "axis": {"labelFont": "bulletin-measure-x"}}
    assert out["data"] == spec["data"]  # chart text naming the font is text
    svg = '<svg font-family="bulletin-measure-x"><text>bulletin-measure-x</text></svg>'
    assert measure_fonts.unaliased(svg, {"Noto Sans CJK SC": "bulletin-measure-x"}) == \
        '<svg font-family="Noto Sans CJK SC"><text>bulletin-measure-x</text></svg>'


def test_a_small_batch_is_measured_with_the_installed_fonts(monkeypatch: pytest.MonkeyPatch):
    """Cutting the fonts costs about a second: an edit's few charts do not pay it."""
    drawings = measure_fonts.MIN_DRAWINGS - 1
    called = []
    monkeypatch.setattr(measure_fonts, "prepare", lambda *a, **k: called.append(1))
    monkeypatch.setattr(pool, "render_one", lambda job, fonts=None: "<svg/>")
    pool.render_many([(str(i), {}, VL_VERSION, "en-GB", "en-GB") for i in range(drawings)], workers=1)
    assert called == []


def test_a_small_batch_uses_an_earlier_batch_s_fonts_when_they_cover_its_text(tmp_path: Path):
    """An edit's few charts (in `serve`, or a CI build after a small change) are measured with
    the last large batch's cut fonts when those hold all their characters: the same SVG."""
    require_tool(shutil.which("fc-match"), "fc-match (fontconfig)")
    jobs = _jobs(tmp_path)
    fonts = measure_fonts.prepare([job[1] for job in jobs], tmp_path / "fonts")
    assert fonts is not None
    small = jobs[:3]
    assert measure_fonts.covering([job[1] for job in small], tmp_path / "fonts") == fonts
    for job in small:
        assert pool.render_one(job, fonts) == pool.render_one(job)
    # A character the earlier batch never had: not covered, measured with the installed fonts.
    spec = {"config": {"font": charts.MEASURE_FONT["zh"]}, "data": {"values": [{"t": "鑫淼犇骉"}]},
            "mark": {"type": "text"}, "encoding": {"text": {"field": "t", "type": "nominal"}}}
    assert measure_fonts.covering([spec], tmp_path / "fonts") is None
    assert measure_fonts.covering([job[1] for job in small], tmp_path / "no-fonts-yet") is None
