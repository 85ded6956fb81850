"""The chart stage: Vega-Lite specs rendered to static, accessible SVG at build time.

Charts are built as plain Vega-Lite dicts (no schema validation in the hot path) and
rendered with vl-convert, so the published pages need no JavaScript and no CDN. Every
chart comes with a `Figure`: the SVG plus a caption, a one-sentence summary with the key
numbers and the equivalent data table, all in the page language.

Localisation: every label computed here goes through `Lang` (gettext msgids in English,
Babel for numbers and dates); axis numbers and dates that Vega formats itself use
vl-convert's d3 `format_locale` / `time_format_locale` for the page's locale (zh-CN,
en-GB).

Accessibility: Vega's own ARIA output is English ("X-axis titled … for a linear scale")
and calls the chart a "graphics-object", so axes and legends are rendered with
`aria: false`, and the SVG is post-processed: the root gets role="img", an aria-label
(the caption) and <title>/<desc>; each data mark's description becomes a <title>
child, which browsers show as a tooltip on hover. Status is never shown by colour alone:
every status colour comes with its label and symbol (palette.STATUS_SYMBOLS).

Speed and determinism: rendered SVG is cached on disk keyed by the sha256 of the
canonical JSON of spec + locales + Vega-Lite/vl-convert versions; the same input gives
byte-identical output.

Fonts: vl-convert measures text with its own font database, which includes the
system fonts, so the Noto CJK fonts installed by fonts-noto-cjk are found without
registration. The SVG keeps <text> elements; the reader's browser draws them with the
first family of FONT_FAMILY[lang] it has.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import vl_convert as vlc
from babel.lists import format_list

from .l10n import Lang
from .model import Target
from .palette import STATUS_COLOURS, STATUS_SYMBOLS, status_label
from .problems import ChartFailure
from .safety import refused_character
from .status import DISPLAY_ORDER, Assessment, Status
from .units import axis_title, target_figure

DEFAULT_CACHE_DIR = Path(".cache/charts")
WIDTH = 640  # intrinsic width of every chart (the SVG scales with CSS; viewBox kept)
FONT_SIZE = 13
# Bumped when the spec conventions or the SVG post-processing change, to invalidate caches.
CHART_STYLE_VERSION = "1"

# The reader's browser draws the SVG text: the first family it has wins. vl-convert
# measures with the first it has (Noto Sans CJK SC on the build machine).
_CJK = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei'"
FONT_FAMILY = {
    "zh": f"{_CJK}, sans-serif",
    "en": f"'Noto Sans', 'Segoe UI', 'Helvetica Neue', Arial, {_CJK}, sans-serif",
}

# d3 time formats for month labels on time axes, per language.
MONTH_FORMAT = {"zh": "%Y年%-m月", "en": "%b %Y"}

TEXT_COLOUR = "#1f1f1f"
MUTED_COLOUR = "#56606b"
NEUTRAL_BAR = "#2a6f97"
AS_OF_COLOUR = "#1f1f1f"  # solid; the deadline is dashed, milestones dotted

def status_label_with_symbol(status: Status, lang: Lang) -> str:
    return f"{STATUS_SYMBOLS[Status(status)]} {status_label(status, lang)}"


@dataclass(frozen=True)
class Figure:
    id: str  # unique, stable slug, used for aria ids in HTML
    svg: str  # inline-ready SVG markup (no XML declaration)
    caption: str  # in the page language
    summary: str  # one sentence describing the chart, with the key numbers
    columns: list[str] = field(default_factory=list)  # header of the equivalent data table
    rows: list[list[str]] = field(default_factory=list)  # formatted for the page language


# --------------------------------------------------------------------------- locales


def _vl_version() -> str:
    """The newest Vega-Lite bundled with vl-convert whose major version matches Altair's schema."""
    import altair as alt

    wanted = alt.SCHEMA_VERSION.lstrip("v").split(".")
    available = vlc.get_vegalite_versions()
    exact = ".".join(wanted[:2])
    if exact in available:
        return exact
    same_major = [v for v in available if v.split(".")[0] == wanted[0]]
    return (same_major or available)[-1]


VL_VERSION = _vl_version()
_SCHEMA = f"https://vega.github.io/schema/vega-lite/v{VL_VERSION.split('.')[0]}.json"


def _locale_names(lang: Lang) -> tuple[str, str]:
    """d3 format / time-format locale names built into vl-convert for this language."""
    loc = lang.locale
    candidates = []
    if loc.territory:
        candidates.append(f"{loc.language}-{loc.territory}")
    candidates += [{"zh": "zh-CN", "en": "en-GB"}.get(loc.language, loc.language), "en-GB"]
    names = []
    for getter in (vlc.get_format_locale, vlc.get_time_format_locale):
        for name in candidates:
            try:
                getter(name)
            except Exception:  # unknown locale name
                continue
            names.append(name)
            break
    return names[0], names[1]


def _lang_key(lang: Lang) -> str:
    return lang.locale.language if lang.locale.language in FONT_FAMILY else "en"


# --------------------------------------------------------------------------- renderer


class ChartRenderer:
    """Renders Vega-Lite specs to post-processed SVG, with an on-disk cache.

    `cache_dir=None` keeps the cache in memory only (for one build). Stats for the build
    summary: `count` charts asked for, `cache_hits` of them served from the cache,
    `seconds` spent in `svg()` altogether.
    """

    def __init__(self, cache_dir: Path | None = DEFAULT_CACHE_DIR):
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.count = 0
        self.cache_hits = 0
        self.seconds = 0.0
        self._memory: dict[str, str] = {}
        self._lock = threading.Lock()

    def key(self, spec: dict, lang: Lang) -> str:
        fmt, time_fmt = _locale_names(lang)
        material = {
            "spec": spec,
            "format_locale": fmt,
            "time_format_locale": time_fmt,
            "vl_version": VL_VERSION,
            "vl_convert": getattr(vlc, "__version__", ""),
            "style": CHART_STYLE_VERSION,
        }
        canonical = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def svg(self, chart: Any, lang: Lang, *, title: str, description: str) -> str:
        """Inline-ready SVG of `chart` (an Altair chart or a Vega-Lite dict) in `lang`."""
        started = time.perf_counter()
        spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
        spec = renderable(spec)
        key = self.key(spec, lang)
        raw = self._lookup(key)
        with self._lock:
            self.count += 1
            if raw is not None:
                self.cache_hits += 1
        if raw is None:
            fmt, time_fmt = _locale_names(lang)
            try:
                raw = vlc.vegalite_to_svg(spec, vl_version=VL_VERSION, format_locale=fmt, time_format_locale=time_fmt)
            except Exception as exc:  # vl-convert's errors: reported with the page and content file, not a traceback
                raise ChartFailure(f"vl-convert could not draw the chart: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
            if not isinstance(raw, str) or not raw.startswith("<svg"):
                raise ChartFailure("vl-convert returned something that is not an SVG image")
            self._store(key, raw)
        result = finish_svg(raw, title=title, description=description, id_prefix=f"chart-{key[:10]}-")
        with self._lock:
            self.seconds += time.perf_counter() - started
        return result

    def _path(self, key: str) -> Path | None:
        return self.cache_dir / key[:2] / f"{key}.svg" if self.cache_dir is not None else None

    def _lookup(self, key: str) -> str | None:
        """A cached SVG, verified: each file starts with the sha256 of the SVG it holds, so a damaged
        or half-written entry (a full disk, a crash, garbage) is discarded and drawn again."""
        if key in self._memory:
            return self._memory[key]
        path = self._path(key)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        header, _, body = data.partition(b"\n")
        if not header.startswith(b"<!-- bulletin chart cache") and data.startswith(b"<svg") and data.rstrip().endswith(b"</svg>"):
            header, body = _cache_header(data), data  # written before entries carried their hash: whole, so kept
        if header == _cache_header(body) and body.startswith(b"<svg"):
            try:
                raw = body.decode("utf-8")
            except UnicodeDecodeError:
                raw = None
            if raw is not None:
                self._memory[key] = raw
                return raw
        try:  # damaged: drop it, the caller renders the chart again and stores a good copy
            path.unlink()
        except OSError:
            pass
        return None

    def _store(self, key: str, raw: str) -> None:
        self._memory[key] = raw
        path = self._path(key)
        if path is None:
            return
        body = raw.encode("utf-8")
        try:  # atomic: a parallel build never reads half a file
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(_cache_header(body) + b"\n" + body)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            pass  # the cache is an optimisation only


def _cache_header(body: bytes) -> bytes:
    return b"<!-- bulletin chart cache sha256=" + hashlib.sha256(body).hexdigest().encode("ascii") + b" -->"


def renderable(value: Any) -> Any:
    """The spec with characters vl-convert cannot take removed from every string, and labels cut to a length it can draw.

    Validation refuses them in content, but chart text also comes from catalogues and
    computed labels, and a NUL or U+FFFE in a label aborts vl-convert (and with it the
    whole process) instead of raising an error: this guard keeps that from ever happening."""
    if isinstance(value, str):
        if _UNSAFE_FOR_VEGA.search(value):
            value = "".join(ch for ch in value if not refused_character(ch))
        if "\n" in value or "\t" in value:  # a line break in an axis title makes vl-convert fail
            value = re.sub(r"[\t\n]+", " ", value)
        # Text is measured glyph by glyph: a label of 50,000 characters takes vl-convert 20 s.
        return value if len(value) <= MAX_CHART_TEXT else value[:MAX_CHART_TEXT - 1] + "…"
    if isinstance(value, dict):
        return {renderable(k): renderable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [renderable(v) for v in value]
    return value


MAX_CHART_TEXT = 400  # characters of one label in a chart; the table beside it has the full text
_UNSAFE_FOR_VEGA = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]"
                              "|[\U00010000-\U0010ffff]")


# --------------------------------------------------------------------------- SVG post-processing

_ROOT = re.compile(r"<svg\b([^>]*)>")
_ATTR = r'\s+[a-zA-Z][a-zA-Z0-9:_.-]*="[^"]*"'
_TAG_WITH_LABEL = re.compile(rf'<([a-zA-Z]+)((?:{_ATTR})*?)\s+aria-label="([^"]*)"((?:{_ATTR})*)\s*(/?)>')
_NOISE = re.compile(r'\s+(?:role|aria-roledescription|aria-hidden)="[^"]*"')


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _normalise_ids(svg: str, prefix: str) -> str:
    """Vega numbers clip paths with a per-process counter (clip1, clip2…): rename every id in
    order of appearance under a prefix from the spec, so output is deterministic and two
    charts inlined on one page never share an id."""
    ids = list(dict.fromkeys(re.findall(r'\bid="([^"]+)"', svg)))
    if not ids:
        return svg
    mapping = {old: f"{prefix}{i}" for i, old in enumerate(ids, 1)}
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{mapping[m.group(1)]}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{mapping.get(m.group(1), m.group(1))})", svg)
    return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{mapping.get(m.group(1), m.group(1))}"', svg)


def finish_svg(raw: str, *, title: str, description: str, id_prefix: str = "chart-") -> str:
    """Make vl-convert's SVG inline-ready, responsive and accessible.

    - no XML declaration; root keeps its viewBox and loses fixed width/height, so CSS
      scales it (e.g. `width: 100%; height: auto`);
    - root: role="img", aria-label=title, then <title> and <desc> (description);
    - Vega's English ARIA noise (roles, "graphics-object", axis descriptions) removed;
    - ids (Vega's clip paths) renamed deterministically and uniquely per chart;
    - each mark's aria-label (from the spec's `description` encoding, in the page
      language) becomes a <title> child: a tooltip on hover, no JavaScript.
    """
    svg = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", raw)
    svg = _NOISE.sub("", svg)
    svg = _normalise_ids(svg, id_prefix)

    def mark_title(m: re.Match) -> str:
        tag, before, label, after, closing = m.groups()
        opening = f"<{tag}{before}{after}>"
        return f"{opening}<title>{label}</title></{tag}>" if closing else f"{opening}<title>{label}</title>"

    svg = _TAG_WITH_LABEL.sub(mark_title, svg)

    def root(m: re.Match) -> str:
        attrs = re.sub(r'\s+(?:width|height)="[^"]*"', "", m.group(1))
        attrs = attrs.replace('class="marks"', 'class="marks chart"')
        return (f'<svg{attrs} role="img" aria-label="{_esc(title)}">'
                f"<title>{_esc(title)}</title><desc>{_esc(description)}</desc>")

    return _ROOT.sub(root, svg, count=1)


# --------------------------------------------------------------------------- spec helpers


def _config(lang: Lang) -> dict:
    font = FONT_FAMILY[_lang_key(lang)]
    common = {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE, "labelColor": TEXT_COLOUR,
              "titleColor": TEXT_COLOUR, "titleFontWeight": "normal"}
    return {
        "font": font,
        "background": "white",
        "view": {"stroke": None},
        "axis": {**common, "aria": False, "gridColor": "#e3e3e3", "domainColor": "#8a8a8a", "tickColor": "#8a8a8a",
                 "labelLimit": 220},
        "legend": {**common, "aria": False, "orient": "bottom", "symbolType": "square", "labelLimit": 260},
        "text": {"fontSize": FONT_SIZE, "color": TEXT_COLOUR},
    }


def _base(lang: Lang, description: str) -> dict:
    return {
        "$schema": _SCHEMA,
        "description": description,
        "width": WIDTH,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "padding": 8,
        "config": _config(lang),
    }


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _count_label(n: int, lang: Lang) -> str:
    return lang.number(n)


def _join(items: list[str], lang: Lang) -> str:
    return format_list(items, locale=lang.locale) if items else ""


def _time_axis(lang: Lang, months: int | None = None, **extra) -> dict:
    """Month labels in the page language. Dates are UTC throughout (utc scale or timeUnit),
    so the build machine's time zone never shifts a label."""
    axis = {"format": MONTH_FORMAT[_lang_key(lang)], "labelOverlap": "greedy", "labelSeparation": 8, **extra}
    if months is not None:  # at most about five or six labels: every 1, 2, 3, 6, 12… months
        step = next((s for s in (1, 2, 3, 6, 12, 24, 60) if months / s <= 5), 120)
        axis["tickCount"] = {"interval": "month", "step": step}
    return axis


def _month_span(first: dt.date, last: dt.date) -> int:
    return (last.year * 12 + last.month) - (first.year * 12 + first.month)


# --------------------------------------------------------------------------- charts


def status_breakdown(counts: dict[Status, int], *, lang: Lang, renderer: ChartRenderer, fig_id: str,
                     caption: str) -> Figure:
    """Measures per status: one labelled horizontal bar per status, in display order."""
    statuses = sorted((Status(s) for s in counts), key=DISPLAY_ORDER.index)
    total = sum(counts[s] for s in statuses)
    values = [{
        "status": status_label_with_symbol(s, lang),
        "n": counts[s],
        "label": _count_label(counts[s], lang),
        "tip": lang.gettext("{status}: {count}").format(status=status_label(s, lang), count=_count_label(counts[s], lang)),
    } for s in statuses]
    parts = [lang.gettext("{status} {count}").format(status=status_label(s, lang), count=_count_label(counts[s], lang))
             for s in statuses]
    summary = lang.ngettext("{total} measure by status: {parts}.", "{total} measures by status: {parts}.", total) \
        .format(total=_count_label(total, lang), parts=_join(parts, lang)) if parts else lang.gettext("No measures.")
    labels = [v["status"] for v in values]
    y = {"field": "status", "type": "nominal", "sort": labels, "title": None,
         "axis": {"ticks": False, "domain": False, "labelPadding": 6}}
    spec = {
        **_base(lang, summary),
        "height": {"step": 30},
        "data": {"values": values},
        "encoding": {"y": y},
        "layer": [
            {"mark": {"type": "bar", "height": {"band": 0.72}},
             "encoding": {
                 "x": {"field": "n", "type": "quantitative", "title": lang.gettext("Measures"),
                       "axis": {"tickMinStep": 1, "tickCount": 6, "format": ",d", "grid": True}},
                 "color": {"field": "status", "type": "nominal", "legend": None,
                           "scale": {"domain": labels, "range": [STATUS_COLOURS[s] for s in statuses]}},
                 "description": {"field": "tip"},
             }},
            {"mark": {"type": "text", "align": "left", "dx": 4, "aria": False},
             "encoding": {"x": {"field": "n", "type": "quantitative"}, "text": {"field": "label"}}},
        ],
    }
    svg = renderer.svg(spec, lang, title=caption, description=summary)
    return Figure(
        id=fig_id, svg=svg, caption=caption, summary=summary,
        columns=[lang.gettext("Status"), lang.gettext("Measures")],
        rows=[[status_label(s, lang), _count_label(counts[s], lang)] for s in statuses],
    )


def programme_statuses(per_programme: list[tuple[str, dict[Status, int]]], *, lang: Lang, renderer: ChartRenderer,
                       fig_id: str, caption: str) -> Figure:
    """Measures by status for each programme: stacked horizontal bars, one per programme."""
    statuses = sorted({Status(s) for _, counts in per_programme for s in counts}, key=DISPLAY_ORDER.index)
    totals = [sum(counts.values()) for _, counts in per_programme]
    longest = max(totals, default=0) or 1
    approx_plot = WIDTH * 0.6  # pixels the bars get at least, for deciding which segments can hold a label
    values, totals_values, sentences = [], [], []
    for (name, counts), total in zip(per_programme, totals):
        x0 = 0
        parts = []
        for s in statuses:
            n = counts.get(s, 0)
            if not n:
                continue
            count = _count_label(n, lang)
            text = f"{STATUS_SYMBOLS[s]}{count}"
            fits = n / longest * approx_plot >= 9 * len(text) + 6
            values.append({
                "programme": name, "status": status_label_with_symbol(s, lang), "x0": x0, "x1": x0 + n,
                "mid": x0 + n / 2, "label": text if fits else "",
                "tip": lang.gettext("{programme} – {status}: {count}").format(
                    programme=name, status=status_label(s, lang), count=count),
            })
            parts.append(lang.gettext("{status} {count}").format(status=status_label(s, lang), count=count))
            x0 += n
        totals_values.append({"programme": name, "total": total, "label": _count_label(total, lang)})
        sentences.append(lang.ngettext("{programme}: {total} measure ({parts})", "{programme}: {total} measures ({parts})",
                                       total).format(programme=name, total=_count_label(total, lang),
                                                     parts=_join(parts, lang)))
    summary = lang.gettext("Measures by status in each programme: {parts}.").format(parts=_join(sentences, lang)) \
        if sentences else lang.gettext("No measures.")
    names = [name for name, _ in per_programme]
    labels = [status_label_with_symbol(s, lang) for s in statuses]
    y = {"field": "programme", "type": "nominal", "sort": names, "title": None,
         "axis": {"ticks": False, "domain": False, "labelPadding": 6, "labelLimit": 260}}
    spec = {
        **_base(lang, summary),
        "height": {"step": 34},
        "encoding": {"y": y},
        "layer": [
            {"data": {"values": values},
             "mark": {"type": "bar", "height": {"band": 0.72}, "stroke": "white", "strokeWidth": 1},
             "encoding": {
                 "x": {"field": "x0", "type": "quantitative", "title": lang.gettext("Measures"),
                       "scale": {"domain": [0, longest], "nice": False},
                       "axis": {"tickMinStep": 1, "tickCount": 6, "format": ",d"}},
                 "x2": {"field": "x1"},
                 "color": {"field": "status", "type": "nominal", "title": None,
                           "scale": {"domain": labels, "range": [STATUS_COLOURS[s] for s in statuses]},
                           "legend": {"columns": 4, "direction": "horizontal"}},
                 "description": {"field": "tip"},
             }},
            {"data": {"values": values},
             "mark": {"type": "text", "color": "white", "aria": False, "fontSize": FONT_SIZE - 1},
             "encoding": {"x": {"field": "mid", "type": "quantitative"}, "text": {"field": "label"}}},
            {"data": {"values": totals_values},
             "mark": {"type": "text", "align": "left", "dx": 4, "aria": False},
             "encoding": {"x": {"field": "total", "type": "quantitative"}, "text": {"field": "label"}}},
        ],
    }
    svg = renderer.svg(spec, lang, title=caption, description=summary)
    return Figure(
        id=fig_id, svg=svg, caption=caption, summary=summary,
        columns=[lang.gettext("Programme")] + [status_label(s, lang) for s in statuses] + [lang.gettext("Total")],
        rows=[[name] + [_count_label(counts.get(s, 0), lang) for s in statuses] + [_count_label(total, lang)]
              for (name, counts), total in zip(per_programme, totals)],
    )


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _value_text(value: float, target: Target, lang: Lang) -> str:
    return target_figure(lang, target, value)


def target_progress(target: Target, assessment: Assessment, *, lang: Lang, renderer: ChartRenderer,
                    fig_id: str) -> Figure | None:
    """Progress over time (baseline + reports) against the expected pace, with milestones, deadline and as-of.

    None for milestone and ongoing targets, and for targets with neither reports nor a baseline.
    """
    if target.kind == "milestone" or not _numeric(target.target):
        return None
    as_of = assessment.as_of
    # What the status is computed from: reports up to the reporting date.
    reports = sorted((e for e in target.progress if e.date <= as_of and _numeric(e.value)), key=lambda e: e.date)
    if not reports and target.baseline is None:
        return None
    title = lang.text(target.title).text
    caption = lang.gettext("{target}: progress against the expected pace").format(target=title)
    goal = float(target.target)
    start, deadline = assessment.start, assessment.deadline
    base_value = target.baseline.value if target.baseline else 0.0  # as status.assess_target does
    reported_name, pace_name = lang.gettext("Reported"), lang.gettext("Expected pace")

    # Table rows: (date, kind order, kind, value)
    table: list[tuple[dt.date, int, str, float]] = []
    line: list[dict] = []
    if target.baseline is not None:
        table.append((target.baseline.date, 0, lang.gettext("Baseline"), target.baseline.value))
        line.append({"date": _iso(target.baseline.date), "value": target.baseline.value, "series": reported_name,
                     "tip": lang.gettext("Baseline, {date}: {value}").format(
                         date=lang.date(target.baseline.date), value=_value_text(target.baseline.value, target, lang))})
    for e in reports:
        table.append((e.date, 1, reported_name, float(e.value)))
        line.append({"date": _iso(e.date), "value": float(e.value), "series": reported_name,
                     "tip": lang.gettext("Reported, {date}: {value}").format(
                         date=lang.date(e.date), value=_value_text(float(e.value), target, lang))})

    pace: list[dict] = []
    milestones = sorted(target.milestones, key=lambda ms: ms.date)
    for ms in milestones:
        table.append((ms.date, 2, lang.gettext("Interim milestone"), ms.value))
    if deadline is not None:
        table.append((deadline, 3, lang.gettext("Target"), goal))
    if start is not None and deadline is not None and not (target.baseline and target.baseline.date == start):
        # The expected pace starts from the baseline value (0 without a baseline, as the status does).
        table.append((start, 0, lang.gettext("Start of the expected pace"), base_value))
    if start is not None and deadline is not None:
        points = [(start, base_value)] + [(ms.date, ms.value) for ms in milestones] + [(deadline, goal)]
        for day, value in points:
            pace.append({"date": _iso(day), "value": value, "series": pace_name,
                         "tip": lang.gettext("Expected, {date}: {value}").format(
                             date=lang.date(day), value=_value_text(value, target, lang))})

    # Rules: interim milestones, deadline, reporting date; labels above the plot, staggered
    # into rows so that labels close in time do not overlap.
    def with_date(label: str, day: dt.date) -> str:
        return lang.gettext("{label} ({date})").format(label=label, date=lang.date(day))

    rules = []
    for ms in milestones:
        label = lang.gettext("Milestone: {value}").format(value=_value_text(ms.value, target, lang))
        rules.append((ms.date, label, MUTED_COLOUR, [2, 3], with_date(label, ms.date)))
    if deadline is not None:
        label = lang.gettext("Deadline: {value}").format(value=_value_text(goal, target, lang))
        rules.append((deadline, label, "#3d3d3d", [6, 3], with_date(label, deadline)))
    label = lang.gettext("As of {date}").format(date=lang.date(as_of))
    rules.append((as_of, label, AS_OF_COLOUR, [], label))
    days = [d for d, *_ in rules] + [dt.date.fromisoformat(p["date"]) for p in line + pace]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    plot = WIDTH - 80
    row_ends: list[float] = []
    rule_values = []
    for day, label, colour, dash, tip in sorted(rules, key=lambda r: r[0]):
        x = (day - first).days / span * plot
        right = x > plot * 0.6
        width = sum(13 if ord(ch) > 0x2e80 else 7.5 for ch in label) + 8
        left_edge, right_edge = (x - width, x) if right else (x, x + width)
        row = next((i for i, end in enumerate(row_ends) if left_edge > end), len(row_ends))
        if row == len(row_ends):
            row_ends.append(right_edge)
        else:
            row_ends[row] = right_edge
        rule_values.append({"date": _iso(day), "label": label, "colour": colour, "dash": dash,
                            "tip": tip,
                            "y": -6 - 17 * row, "align": "right" if right else "left"})
    rows_used = len(row_ends)

    reached = assessment.reached
    if reports:
        latest = reports[-1]
        facts = dict(value=_value_text(float(latest.value), target, lang), date=lang.date(latest.date),
                     goal=_value_text(goal, target, lang), deadline=lang.date(deadline))
        if reached is not None and assessment.expected is not None:
            summary = lang.gettext("Latest report {value} on {date}, against a target of {goal} by {deadline}: "
                                   "{reached} of the way, where {expected} was expected by {as_of}.").format(
                **facts, reached=lang.percent(reached), expected=lang.percent(assessment.expected), as_of=lang.date(as_of))
        elif reached is not None:
            summary = lang.gettext("Latest report {value} on {date}, against a target of {goal} by {deadline}: "
                                   "{reached} of the way.").format(**facts, reached=lang.percent(reached))
        else:
            summary = lang.gettext("Latest report {value} on {date}, against a target of {goal} by {deadline}.").format(**facts)
    else:
        summary = lang.gettext("Baseline {value} on {date}, against a target of {goal} by {deadline}; "
                               "no progress reported by {as_of}.").format(
            value=_value_text(target.baseline.value, target, lang), date=lang.date(target.baseline.date),
            goal=_value_text(goal, target, lang), deadline=lang.date(deadline), as_of=lang.date(as_of))

    unit = axis_title(lang, target.unit, target.scale)  # the ticks are the figures as written
    y_title = lang.gettext("Per cent") if target.kind == "percentage" else (unit or lang.gettext("Value"))
    # A horizontal unit title above the axis: rotated Chinese text reads sideways.
    y_axis = {"format": ",~r", "tickCount": 5, "titleAngle": 0, "titleAnchor": "end", "titleAlign": "left",
              "titleBaseline": "bottom", "titleX": -30, "titleY": -10}
    if target.kind == "percentage":
        y_axis["labelExpr"] = "datum.label + '%'"
    x = {"field": "date", "type": "temporal", "title": None, "scale": {"type": "utc", "domain": [_iso(first), _iso(last)]},
         "axis": _time_axis(lang, _month_span(first, last))}
    yq = {"field": "value", "type": "quantitative", "title": y_title, "axis": y_axis}
    series_domain = [reported_name] + ([pace_name] if pace else [])
    colour = {"field": "series", "type": "nominal", "title": None,
              "scale": {"domain": series_domain, "range": [STATUS_COLOURS[assessment.status], MUTED_COLOUR][:len(series_domain)]},
              "legend": {"symbolType": "stroke", "symbolStrokeWidth": 3}}
    dash = {"field": "series", "type": "nominal", "title": None,
            "scale": {"domain": series_domain, "range": [[1, 0], [6, 4]][:len(series_domain)]}}
    layers = [
        {"data": {"values": rule_values}, "mark": {"type": "rule", "strokeWidth": 1.5},
         "encoding": {"color": {"field": "colour", "type": "nominal", "scale": None},
                      "strokeDash": {"field": "dash", "type": "nominal", "scale": None},
                      "description": {"field": "tip"}}},
    ]
    for align in ("left", "right"):
        layers.append({
            "data": {"values": rule_values}, "transform": [{"filter": {"field": "align", "equal": align}}],
            "mark": {"type": "text", "baseline": "bottom", "align": align, "dx": 3 if align == "left" else -3,
                     "aria": False, "fontSize": FONT_SIZE - 1},
            "encoding": {"y": {"field": "y", "type": "quantitative", "scale": None},
                         "text": {"field": "label"}, "color": {"field": "colour", "type": "nominal", "scale": None}}})
    lines = pace + line
    layers.append({"data": {"values": lines}, "mark": {"type": "line", "strokeWidth": 2.5, "aria": False},
                   "encoding": {"y": yq, "color": colour, "strokeDash": dash}})
    layers.append({"data": {"values": lines}, "mark": {"type": "point", "filled": True, "size": 60, "opacity": 1},
                   "encoding": {"y": {"field": "value", "type": "quantitative"},
                                "color": {**colour, "legend": None},
                                "shape": {"field": "series", "type": "nominal", "legend": None,
                                          "scale": {"domain": series_domain, "range": ["circle", "diamond"][:len(series_domain)]}},
                                "description": {"field": "tip"}}})
    spec = {**_base(lang, summary), "height": 260, "padding": {"left": 8, "right": 8, "bottom": 8, "top": 8 + 17 * rows_used},
            "encoding": {"x": x}, "layer": layers}
    svg = renderer.svg(spec, lang, title=caption, description=summary)
    table.sort(key=lambda r: (r[0], r[1]))
    return Figure(
        id=fig_id, svg=svg, caption=caption, summary=summary,
        columns=[lang.gettext("Date"), lang.gettext("Series"), lang.gettext("Value")],
        rows=[[lang.date(day), kind, _value_text(value, target, lang)] for day, _, kind, value in table],
    )


def deadlines_per_month(months: list[tuple[dt.date, int]], *, lang: Lang, renderer: ChartRenderer, fig_id: str,
                        caption: str) -> Figure:
    """Measures due per month: one bar per month on a time axis."""
    months = sorted(((day.replace(day=1), n) for day, n in months), key=lambda m: m[0])
    total = sum(n for _, n in months)
    values = [{"month": _iso(day), "n": n, "label": _count_label(n, lang),
               "tip": lang.gettext("{month}: {count}").format(month=lang.month(day), count=_count_label(n, lang))}
              for day, n in months]
    if not months:
        summary = lang.gettext("No measures are due.")
    elif len(months) == 1:
        summary = lang.ngettext("{total} measure due in {month}.", "{total} measures due in {month}.", total).format(
            total=_count_label(total, lang), month=lang.month(months[0][0]))
    else:
        busiest = max(months, key=lambda m: m[1])  # the first of equals
        summary = lang.ngettext("{total} measure due between {first} and {last}; most in {month} ({count}).",
                                "{total} measures due between {first} and {last}; most in {month} ({count}).", total).format(
            total=_count_label(total, lang), first=lang.month(months[0][0]), last=lang.month(months[-1][0]),
            month=lang.month(busiest[0]), count=_count_label(busiest[1], lang))
    # One band per month that has deadlines (months without any are not drawn), labelled
    # with the month in the page language.
    x = {"field": "month", "type": "ordinal", "timeUnit": "utcyearmonth", "title": None,
         "axis": _time_axis(lang, labelAngle=0, ticks=False)}
    spec = {
        **_base(lang, summary),
        "height": 220,
        "data": {"values": values},
        "encoding": {"x": x},
        "layer": [
            {"mark": {"type": "bar", "color": NEUTRAL_BAR, "width": {"band": 0.7}},
             "encoding": {"y": {"field": "n", "type": "quantitative", "title": lang.gettext("Measures due"),
                                "axis": {"tickMinStep": 1, "tickCount": 6, "format": ",d"}},
                          "description": {"field": "tip"}}},
            {"mark": {"type": "text", "baseline": "bottom", "dy": -3, "aria": False},
             "encoding": {"y": {"field": "n", "type": "quantitative"}, "text": {"field": "label"}}},
        ],
    }
    svg = renderer.svg(spec, lang, title=caption, description=summary)
    return Figure(
        id=fig_id, svg=svg, caption=caption, summary=summary,
        columns=[lang.gettext("Month"), lang.gettext("Measures due")],
        rows=[[lang.month(day), _count_label(n, lang)] for day, n in months],
    )
