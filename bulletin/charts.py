"""The chart stage: charts composed with Altair, rendered to static, accessible SVG at build time.

Each chart kind is a few small functions: one builds the data, a base chart
(`_base`) carries size and description, layers add marks, and the language's
registered Altair theme (`bulletin-zh`, `bulletin-en`) supplies fonts, colours and axis
style. `KINDS` is the one registry of chart kinds: the site names a kind and its
arguments, the registry gives the figure id, the data and the chart.

Phones first: every chart is drawn twice at build time, a narrow layout (NARROW px,
for screens up to about 42rem) and a wide one (WIDE px); the page's CSS shows one of
them with a media query, without JavaScript. Widths are chosen so that chart text is
at least 12 CSS px on a 320 px screen and on the narrowest desktop layout.

Rendering is vl-convert's (`ChartRenderer`), so the published pages need no JavaScript
and no CDN. Every chart comes with a `Figure`: the SVGs plus a caption, a one-sentence
summary with the key numbers and the equivalent data table, all in the page language.

Localisation: every label computed here goes through `Lang` (gettext msgids in English,
Babel for numbers and dates); axis numbers and dates that Vega formats itself use
vl-convert's d3 `format_locale` / `time_format_locale` for the page's locale (zh-CN,
en-GB).

Accessibility: Vega's own ARIA output is English, so axes and legends are rendered with
`aria: false`, and the SVG is post-processed (`finish_svg`). On the page the figure is
named once, by its caption; the drawing itself is hidden from screen readers, which get
the summary and the data table instead. Status is never shown by colour alone: every
status colour comes with its label and symbol, and every bar segment carries its symbol
(inside the bar, or beside it when the segment is too narrow).

Fonts: text is measured by vl-convert with one font per language that the build machine
has (MEASURE_FONT; looking up a long list of absent families costs more than the
drawing); the page's CSS gives the reader's browser the full list of families.

Speed and determinism: rendered SVG is cached on disk keyed by the sha256 of the
canonical JSON of spec + locales + Vega-Lite/vl-convert versions; the same input gives
byte-identical output.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import html
import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import altair as alt
import vl_convert as vlc
from babel.lists import format_list

from . import cachefile
from .l10n import Lang
from .model import Target
from .palette import OUTLINE, STATUS_COLOURS, STATUS_INK, STATUS_SYMBOLS, status_label
from .messages import N_
from .problems import ChartFailure
from .safety import refused_character, svg_problem
from .status import DISPLAY_ORDER, Assessment, Status, expected_line
from .units import axis_title, target_figure

DEFAULT_CACHE_DIR = Path(".cache/charts")
# Intrinsic widths of the two layouts (the SVG scales with CSS; viewBox kept). The page
# shows NARROW below 42rem: at 320 px the chart box is 270 px, so 13 px text stays >= 12.5
# px; WIDE at 42rem gets a 614 px box, 12.5 px text.
NARROW = 280
WIDE = 640
WIDTH = WIDE
FONT_SIZE = 13  # every text in every chart: never smaller
# Bumped when the spec conventions or the SVG post-processing change, to invalidate caches.
CHART_STYLE_VERSION = "2"

# The font vl-convert measures text with, per language (present on the build machine:
# fonts-noto-cjk, and fonts-liberation, which Chromium depends on). The reader's browser
# draws the SVG text with the families theme/style.css lists for `.chart-svg text`.
MEASURE_FONT = {"zh": "Noto Sans CJK SC", "en": "Liberation Sans"}

# d3 time formats for month labels on time axes, per language.
MONTH_FORMAT = {"zh": "%Y年%-m月", "en": "%b %Y"}
_LABEL_SEPARATION = 8  # px between axis labels

TEXT_COLOUR = "#1f1f1f"
MUTED_COLOUR = "#56606b"
NEUTRAL_BAR = "#2a6f97"
AS_OF_COLOUR = "#1f1f1f"  # solid; the deadline is dashed, milestones dotted

def status_label_with_symbol(status: Status, lang: Lang) -> str:
    return f"{STATUS_SYMBOLS[Status(status)]} {status_label(status, lang)}"


@dataclass(frozen=True)
class Figure:
    id: str  # unique, stable slug, used for aria ids in HTML
    svg: str  # inline-ready SVG markup (no XML declaration) of the wide layout
    caption: str  # in the page language
    summary: str  # one sentence describing the chart, with the key numbers
    columns: list[str] = field(default_factory=list)  # header of the equivalent data table
    rows: list[list[str]] = field(default_factory=list)  # formatted for the page language
    variants: tuple[tuple[str, str], ...] = ()  # (layout name, SVG) for every layout: narrow, wide


# --------------------------------------------------------------------------- locales


def _vl_version() -> str:
    """The newest Vega-Lite bundled with vl-convert whose major version matches Altair's schema."""
    wanted = alt.SCHEMA_VERSION.lstrip("v").split(".")
    available = vlc.get_vegalite_versions()
    exact = ".".join(wanted[:2])
    if exact in available:
        return exact
    same_major = [v for v in available if v.split(".")[0] == wanted[0]]
    return (same_major or available)[-1]


VL_VERSION = _vl_version()


def _locale_names(lang: Lang) -> tuple[str, str]:
    """d3 format / time-format locale names built into vl-convert for this language."""
    return _locale_names_for(lang.locale)


@functools.lru_cache(maxsize=None)
def _locale_names_for(loc) -> tuple[str, str]:
    """Worked out once per locale: vl-convert is asked which locales it knows."""
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
    return lang.locale.language if lang.locale.language in MEASURE_FONT else "en"


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
        self._prepared: dict[tuple[int, str], tuple[dict, dict, str]] = {}
        self._lock = threading.Lock()
        self._pending: dict[str, tuple] | None = None  # while collecting: uncached charts by key
        self._fresh: set[str] = set()  # rendered by render_pending, not yet asked for by a page

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
        # A composed spec is one object for the whole build (`composed` keeps it): its
        # renderable form and key are worked out once, not again by every page and download.
        prepared = self._prepared.get((id(spec), lang.code))
        if prepared is not None and prepared[0] is spec:
            spec, key = prepared[1], prepared[2]
        else:
            original, spec = spec, renderable(spec)
            key = self.key(spec, lang)
            if isinstance(chart, dict):
                with self._lock:
                    if len(self._prepared) > 20_000:
                        self._prepared.clear()
                    self._prepared[(id(original), lang.code)] = (original, spec, key)  # kept alive: its id stays its own
        if self._pending is not None:  # collecting: remember what to render, draw nothing yet
            if key not in self._pending and self._lookup(key) is None:
                self._pending[key] = (spec, *_locale_names(lang))
            return ""
        raw = self._lookup(key)
        with self._lock:
            self.count += 1
            if key in self._fresh:  # rendered for this build by render_pending
                self._fresh.discard(key)
            elif raw is not None:
                self.cache_hits += 1
        if raw is None:
            fmt, time_fmt = _locale_names(lang)
            try:
                raw = vlc.vegalite_to_svg(spec, vl_version=VL_VERSION, format_locale=fmt, time_format_locale=time_fmt)
            except Exception as exc:  # vl-convert's errors: reported with the page and content file, not a traceback
                raise ChartFailure(N_("vl-convert could not draw the chart: %(error)s",
                                      error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)) from None
            if not isinstance(raw, str) or not raw.startswith("<svg"):
                raise ChartFailure(N_("vl-convert returned something that is not an SVG image"))
            if problem := svg_problem(raw):  # only from a spec no chart of this site composes (a damaged spec cache)
                raise ChartFailure(N_("the drawing contains %(what)s, which no chart of this site has", what=problem))
            self._store(key, raw)
        result = _finished(raw, title, description, f"chart-{key[:10]}-")
        with self._lock:
            self.seconds += time.perf_counter() - started
        return result

    @contextlib.contextmanager
    def collecting(self):
        """Within this block `svg()` only records the charts missing from the cache (and
        returns ""); `render_pending()` then renders them all at once, on every core."""
        self._pending = {}
        try:
            yield self
        finally:
            pending, self._pending = self._pending, None
            self._collected = pending

    def render_pending(self, workers: int | None = None) -> int:
        """Render the charts collected by the last `collecting()` block; returns how many."""
        from .pool import render_many

        pending, self._collected = getattr(self, "_collected", {}), {}
        if not pending:
            return 0
        started = time.perf_counter()
        jobs = [(key, spec, VL_VERSION, fmt, time_fmt) for key, (spec, fmt, time_fmt) in sorted(pending.items())]
        font_cache = Path(f"{self.cache_dir}-fonts") if self.cache_dir is not None else None
        for key, raw in sorted(render_many(jobs, workers, font_cache).items()):
            if isinstance(raw, str) and svg_problem(raw) is None:  # anything else: the page renders it and says why
                self._store(key, raw)
                self._fresh.add(key)
        with self._lock:
            self.seconds += time.perf_counter() - started
        return len(pending)

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
        data = cachefile.read(path)
        if data is None:
            return None
        header, _, body = data.partition(b"\n")
        if not header.startswith(b"<!-- bulletin chart cache") and data.startswith(b"<svg") and data.rstrip().endswith(b"</svg>"):
            header, body = _cache_header(data), data  # written before entries carried their hash: whole, so kept
        if header == _cache_header(body) and body.startswith(b"<svg"):
            try:
                raw = body.decode("utf-8")
            except UnicodeDecodeError:
                raw = None
            # the hash only proves the entry whole: what is inlined into pages must also be a chart
            if raw is not None and svg_problem(raw) is None:
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
        cachefile.store(path, _cache_header(body) + b"\n" + body)


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
# Matched from the start of a run of spaces only: otherwise each of a long run's spaces started a
# search to its end (a text of 20,000 spaces took 5 s).
_NOISE = re.compile(r'(?<!\s)\s++(?:role|aria-roledescription|aria-hidden)="[^"]*+"')


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


# Vega writes an empty background and foreground path for every axis and legend, and
# opacity="1" on every element: nothing that draws, on every one of thousands of pages.
_EMPTY_PATHS = re.compile(r'<path class="(?:background|foreground)" d="(?:M0,0h0v0h0Z)?"(?: pointer-events="none")?(?: display="none")?/>')
_FONT_FAMILY = re.compile(r' font-family="([^"]*)"')
_GEOMETRY = re.compile(r'(\s(?:d|transform|x|y|x1|x2|y1|y2|width|height|cx|cy|r|points)=")([^"]*)"')
_LONG_DECIMAL = re.compile(r"(\d\.\d{2})\d+")


def _compact(svg: str) -> str:
    """The same picture in fewer bytes: empty paths and default opacity dropped, a font
    family used by every text set once on the root (SVG inherits it), coordinates to two
    decimals (a hundredth of a pixel at the intrinsic width)."""
    svg = _EMPTY_PATHS.sub("", svg).replace(' opacity="1"', "")
    families = set(_FONT_FAMILY.findall(svg))
    if len(families) == 1:
        family = families.pop()
        svg = _FONT_FAMILY.sub("", svg)
        svg = _ROOT.sub(lambda m: f'<svg{m.group(1)} font-family="{family}">', svg, count=1)
    return _GEOMETRY.sub(lambda m: m.group(1) + _LONG_DECIMAL.sub(r"\1", m.group(2)) + '"', svg)


@functools.lru_cache(maxsize=4096)
def _finished(raw: str, title: str, description: str, id_prefix: str) -> str:
    """`finish_svg`, kept for the charts a build asks for again (its page, then its download)."""
    return finish_svg(raw, title=title, description=description, id_prefix=id_prefix)


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
    svg = _compact(svg)
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


# --------------------------------------------------------------------------- theme and layouts


@dataclass(frozen=True)
class Layout:
    """One of the two drawings of every chart."""

    name: str  # "narrow" | "wide": the CSS class that shows it
    width: int

    @property
    def narrow(self) -> bool:
        return self.name == "narrow"


LAYOUTS = (Layout("narrow", NARROW), Layout("wide", WIDE))


def _theme(key: str) -> dict:
    """The chart style of one language: fonts, text colours and sizes, axes and legends."""
    common = {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE, "labelColor": TEXT_COLOUR,
              "titleColor": TEXT_COLOUR, "titleFontWeight": "normal"}
    return {"config": {
        "font": MEASURE_FONT[key],
        "background": "white",
        "padding": 8,
        "view": {"stroke": None},
        # No label limit on axes (dates and numbers; the status axis sets its own): vl-convert
        # measures a label once more when it is drawn if it has a limit, a sixth of a chart's CPU.
        "axis": {**common, "aria": False, "gridColor": "#e3e3e3", "domainColor": "#8a8a8a", "tickColor": "#8a8a8a",
                 "labelLimit": 0, "labelSeparation": _LABEL_SEPARATION},
        # A horizontal title above the y axis: rotated Chinese text reads sideways.
        "axisY": {"titleAngle": 0, "titleAnchor": "end", "titleAlign": "left", "titleBaseline": "bottom",
                  "titleX": -30, "titleY": -10},
        "legend": {**common, "aria": False, "orient": "bottom", "symbolType": "square", "labelLimit": 260,
                   "symbolStrokeColor": OUTLINE, "symbolStrokeWidth": 1},
        "text": {"fontSize": FONT_SIZE, "color": TEXT_COLOUR, "aria": False},
        "bar": {"stroke": OUTLINE, "strokeWidth": 1},
        "rule": {"aria": False},
    }}


def theme_name(lang: Lang) -> str:
    return f"bulletin-{_lang_key(lang)}"


for _key in MEASURE_FONT:
    alt.theme.register(f"bulletin-{_key}", enable=False)(lambda key=_key: alt.theme.ThemeConfig(_theme(key)))

_THEME_LOCK = threading.Lock()  # the enabled Altair theme is process-wide


def to_spec(chart: alt.TopLevelMixin, lang: Lang) -> dict:
    """The Vega-Lite spec of `chart` in the language's theme (validation skipped: the tests validate)."""
    with _THEME_LOCK, alt.theme.enable(theme_name(lang)):
        return chart.to_dict(validate=False)


def _top(layers: list, width: int, description: str, height: Any, padding: Any = 8) -> alt.LayerChart:
    """The chart every kind builds on: the layout's width, the summary as description, fit to the width."""
    return alt.LayerChart(layer=layers, width=width, height=height, description=description, padding=padding,
                          autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


# Composing a chart with Altair's API costs more than drawing it from the cache, so specs are
# kept too, keyed by what a composing function was given (plain data, already in the page
# language), the theme, and the source of this module and the palette: any change to how
# charts are composed makes new keys.
_SOURCE_DIGEST = hashlib.sha256(b"".join(Path(f).read_bytes() for f in (__file__, Path(__file__).with_name("palette.py")))
                                + alt.__version__.encode()).hexdigest()
_SPECS: dict[str, dict] = {}
_SPECS_LOCK = threading.Lock()


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Layout):
        return [value.name, value.width]
    raise TypeError(f"not plain data: {type(value).__name__}")


def _spec_cache_path(renderer: ChartRenderer, key: str) -> Path | None:
    cache_dir = getattr(renderer, "cache_dir", None)
    return Path(f"{cache_dir}-specs") / key[:2] / f"{key}.json" if cache_dir is not None else None


def composed(compose: Callable[..., alt.TopLevelMixin], lang: Lang, renderer: ChartRenderer, *, fresh: bool = False,
             **args: Any) -> dict:
    """The Vega-Lite spec `compose(**args)` gives in `lang`'s theme, from memory, the spec cache or
    Altair (`fresh`: from Altair, replacing what memory and the cache hold)."""
    material = json.dumps([compose.__name__, theme_name(lang), args, _SOURCE_DIGEST], sort_keys=True,
                          ensure_ascii=False, separators=(",", ":"), default=_json_default)
    key = hashlib.sha256(material.encode("utf-8")).hexdigest()
    with _SPECS_LOCK:
        spec = None if fresh else _SPECS.get(key)
    if spec is not None:
        return spec
    path = _spec_cache_path(renderer, key)
    if path is not None and not fresh and (data := cachefile.read(path)) is not None:
        try:
            spec = json.loads(data.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError included
            spec = None
    if not isinstance(spec, dict):
        # A JSON round trip, so a spec from Altair and one from the cache are the same dict.
        # Altair's debug mode validates every object against the schema as it is made, which
        # costs as much again as composing; the tests validate every kind's specs instead.
        with alt.utils.schemapi.debug_mode(False):
            spec = json.loads(json.dumps(to_spec(compose(**args), lang), default=str))
        if finish := getattr(compose, "finish_spec", None):  # what Vega-Lite takes but Altair's schema lacks
            spec = finish(spec, **args)
        if path is not None:
            cachefile.store(path, json.dumps(spec, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    with _SPECS_LOCK:
        if len(_SPECS) > 20_000:
            _SPECS.clear()
        _SPECS[key] = spec
    return spec


def _draw(compose: Callable[..., alt.TopLevelMixin], args: dict[str, dict], lang: Lang, renderer: ChartRenderer, *,
          caption: str, summary: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Compose and render every layout (`args` maps layout name to compose's arguments);
    the wide SVG and all (layout, SVG) pairs."""
    def draw(kw: dict) -> str:
        try:
            return renderer.svg(composed(compose, lang, renderer, **kw), lang, title=caption, description=summary)
        except ChartFailure:
            # a spec read back from the cache may be damaged (or not ours): composed afresh, it is
            # drawn once more before the page reports the chart
            return renderer.svg(composed(compose, lang, renderer, fresh=True, **kw), lang, title=caption, description=summary)

    variants = tuple((name, draw(kw)) for name, kw in args.items())
    return dict(variants)["wide"], variants


_LATIN_EM = 0.56  # a Latin character's estimated width, in ems: the narrowest `_text_width` knows


def _text_width(text: str, size: int = FONT_SIZE) -> float:
    """Estimated drawn width: CJK and the status symbols a full em, Latin about 0.56 em."""
    return sum(size if ord(ch) > 0x2400 else size * _LATIN_EM for ch in text)


def _fit(text: str, room: float) -> str:
    """`text` cut with an ellipsis to fit `room` pixels."""
    if _text_width(text) <= room:
        return text
    # no more characters fit than of the narrowest kind: cut to those first, or a name of 100,000
    # characters is shortened one character and one measure at a time (quadratic)
    text = text[:max(0, int(room / (FONT_SIZE * _LATIN_EM)) + 1)]
    while text and _text_width(text + "…") > room:
        text = text[:-1]
    return text + "…"


# --------------------------------------------------------------------------- helpers


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _count_label(n: int, lang: Lang) -> str:
    return lang.number(n)


def _join(items: list[str], lang: Lang) -> str:
    return format_list(items, locale=lang.locale) if items else ""


def _month_span(first: dt.date, last: dt.date) -> int:
    return (last.year * 12 + last.month) - (first.year * 12 + first.month)


def _datetime(day: dt.date) -> alt.DateTime:
    return alt.DateTime(year=day.year, month=day.month, date=day.day, utc=True)


def _time_ticks(first: dt.date, last: dt.date, most: int, plot: float, key: str) -> list[dt.date]:
    """The first day (the start, flush left) and the last (the deadline, flush right), so a
    reader sees when the line begins and ends even on a phone, and between them month starts
    every 1, 2, 3, 6, 12… months, at most `most` ticks in all; those whose labels would run
    into a neighbour on a plot `plot` px wide are left out (`_labels_apart`)."""
    months = _month_span(first, last)
    step = next((s for s in (1, 2, 3, 6, 12, 24, 60) if months / s <= most - 1), 120)
    ticks: list[dt.date] = []
    year, month = first.year, first.month
    while True:
        year_shift, m = divmod(month - 1, 12)
        day = dt.date(year + year_shift, m + 1, 1)
        if day > last:
            break
        if first < day < last and (day.year * 12 + day.month - 1) % step == 0:
            ticks.append(day)
        month += 1
    same_month = (first.year, first.month) == (last.year, last.month)  # one label would say it twice
    return _labels_apart(([] if same_month else [first]) + ticks + [last], first, last, plot, key)


def _month_label(day: dt.date, key: str) -> str:
    """A tick's label as MONTH_FORMAT draws it (2020年1月 / Jan 2020), to measure before drawing."""
    return f"{day.year}年{day.month}月" if key == "zh" else f"{_MONTHS_EN[day.month - 1]} {day.year}"


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _labels_apart(ticks: list[dt.date], first: dt.date, last: dt.date, plot: float, key: str) -> list[dt.date]:
    """The ticks whose labels do not run into each other: the last (the deadline) flush with the
    end of the axis, a tick on `first` flush with its start (labelFlush), the others centred on
    their ticks. Vega's own overlap check trusts its text measure, which underestimates Chinese
    labels on a narrow chart; this one keeps the ends first, then the ticks between them that fit,
    with the same separation as the theme's (labelSeparation)."""
    span = max((last - first).days, 1)
    kept = [ticks[-1]]
    left_edge = plot - _text_width(_month_label(ticks[-1], key))
    start = ticks[0] if ticks[0] == first and len(ticks) > 1 else None
    right_of_start = _text_width(_month_label(start, key)) + _LABEL_SEPARATION if start else 0.0
    if start is not None and right_of_start > left_edge:  # no room for both ends: the deadline's label
        start, right_of_start = None, 0.0
    for tick in reversed(ticks[1 if start else 0:-1]):
        half = _text_width(_month_label(tick, key)) / 2
        centre = (tick - first).days / span * plot
        if centre + half + _LABEL_SEPARATION <= left_edge and centre - half >= right_of_start:
            kept.append(tick)
            left_edge = centre - half
    if start is not None:
        kept.append(start)
    return kept[::-1]


def _time_axis(month_format: str, **extra) -> alt.Axis:
    """Month labels in the page language. Dates are UTC throughout (utc scale or timeUnit),
    so the build machine's time zone never shifts a label."""
    return alt.Axis(format=month_format, labelOverlap="greedy", **extra)


def _number_format(lang: Lang, kind: str) -> str:
    """d3 format of axis numbers, as `Lang.number` writes them: no separator in Chinese (1452), 1,452 in English."""
    return kind if _lang_key(lang) == "zh" else "," + kind


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _value_text(value: float, target: Target, lang: Lang) -> str:
    return target_figure(lang, target, value)


def _status_scale(statuses: list[Status], lang: Lang) -> dict:
    """Status labels (symbol and name) and their palette colours: plain data for a colour scale."""
    return {"domain": [status_label_with_symbol(s, lang) for s in statuses], "range": [STATUS_COLOURS[s] for s in statuses]}


def _count_axis(top: float, layout: Layout, **extra) -> alt.Axis:
    """An axis of whole counts up to `top`. Vega ignores `tickMinStep` here: a chart of one
    measure was labelled 0, 1, 1 (its 0.5 tick printed as an integer). So where the ticks
    would be fractions (fewer counts than ticks), they are given, one per count."""
    count = 4 if layout.narrow else 6
    ticks = {"values": list(range(int(top) + 1))} if top <= count else {"tickCount": count}
    return alt.Axis(**ticks, **extra)


def _status_bars(*, values: list[dict], scale: dict, x_title: str, count_format: str, layout: Layout, summary: str) -> alt.LayerChart:
    base = alt.Chart(alt.Data(values=values)).encode(
        y=alt.Y(field="status", type="nominal", sort=scale["domain"], title=None,
                axis=alt.Axis(ticks=False, domain=False, labelPadding=6, labelLimit=layout.width // 2)))
    x = alt.X(field="n", type="quantitative", title=x_title,
              axis=_count_axis(max((v["n"] for v in values), default=0), layout, format=count_format, grid=True))
    bars = base.mark_bar(height={"band": 0.72}).encode(
        x=x, color=alt.Color(field="status", type="nominal", legend=None, scale=alt.Scale(**scale)),
        description=alt.Description(field="tip", type="nominal"))
    counts = base.mark_text(align="left", dx=4).encode(x=alt.X(field="n", type="quantitative"),
                                                       text=alt.Text(field="label", type="nominal"))
    return _top([bars, counts], layout.width, summary, alt.Step(30))


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
    args = {layout.name: dict(values=values, scale=_status_scale(statuses, lang), x_title=lang.gettext("Measures"),
                              count_format=_number_format(lang, "d"), layout=layout, summary=summary) for layout in LAYOUTS}
    svg, variants = _draw(_status_bars, args, lang, renderer, caption=caption, summary=summary)
    return Figure(
        id=fig_id, svg=svg, caption=caption, summary=summary,
        columns=[lang.gettext("Status"), lang.gettext("Measures")],
        rows=[[status_label(s, lang), _count_label(counts[s], lang)] for s in statuses],
        variants=variants,
    )


# Rows of the per-programme chart, in pixels from the top of each programme's block.
_NAME_H, _BAR_H, _CALLOUT_H, _GAP = 20, 24, 18, 14


def _segment_layout(per_programme: list[tuple[str, dict[Status, int]]], statuses: list[Status], lang: Lang,
                    layout: Layout) -> tuple[list[dict], list[dict], list[dict], list[dict], int]:
    """Pixel layout of the stacked bars: names above bars, a symbol and count inside every
    segment that can hold them, beside it (below the bar, with a leader) when it cannot.

    Returns (names, segments, callouts, totals, height). y is in pixels from the top."""
    totals = [sum(counts.values()) for _, counts in per_programme]
    longest = max(totals, default=0) or 1
    widest_total = max((_text_width(_count_label(t, lang)) for t in totals), default=0)
    plot = layout.width - 16 - widest_total - 8  # the total is written after the longest bar
    names, segments, callouts, total_rows = [], [], [], []
    top = 0
    for (name, counts), total in zip(per_programme, totals):
        bar_top = top + _NAME_H
        names.append({"programme": name, "label": _fit(name, layout.width - 16), "y": top})
        x0 = 0
        row_ends: list[float] = []
        for s in statuses:
            n = counts.get(s, 0)
            if not n:
                continue
            count = _count_label(n, lang)
            text = f"{STATUS_SYMBOLS[s]}{count}"
            left_px, right_px = x0 / longest * plot, (x0 + n) / longest * plot
            mid_px = (left_px + right_px) / 2
            segment = {
                "programme": name, "status": status_label_with_symbol(s, lang), "x0": x0, "x1": x0 + n,
                "mid": x0 + n / 2, "y": bar_top, "y2": bar_top + _BAR_H, "y_mid": bar_top + _BAR_H / 2,
                "ink": STATUS_INK[s], "label": "",
                "tip": lang.gettext("{programme} – {status}: {count}").format(
                    programme=name, status=status_label(s, lang), count=count),
            }
            if right_px - left_px >= _text_width(text) + 6:
                segment["label"] = text
            else:  # too narrow: the symbol and count go below the bar, in rows that do not overlap
                width = _text_width(text) + 6
                row = next((i for i, end in enumerate(row_ends) if mid_px - width / 2 > end), len(row_ends))
                if row == len(row_ends):
                    row_ends.append(mid_px + width / 2)
                else:
                    row_ends[row] = mid_px + width / 2
                callouts.append({"mid": x0 + n / 2, "label": text, "y": bar_top + _BAR_H + 3 + row * _CALLOUT_H,
                                 "leader_top": bar_top + _BAR_H, "leader_bottom": bar_top + _BAR_H + 3 + row * _CALLOUT_H})
            segments.append(segment)
            x0 += n
        total_rows.append({"total": total, "label": _count_label(total, lang), "y": bar_top + _BAR_H / 2})
        top = bar_top + _BAR_H + len(row_ends) * _CALLOUT_H + _GAP
    return names, segments, callouts, total_rows, max(top - _GAP, 1)


def _programme_bars(*, names: list[dict], segments: list[dict], callouts: list[dict], totals: list[dict], height: int,
                    scale: dict, x_title: str, count_format: str, layout: Layout, summary: str) -> alt.LayerChart:
    # As many legend columns as fit: a label is never cut.
    widest = max((_text_width(label) for label in scale["domain"]), default=0) + 30
    legend_columns = max(1, min(4, int((layout.width - 16) // max(widest, 1)), len(scale["domain"]) or 1))
    longest = max((t["total"] for t in totals), default=0) or 1
    # y in pixels from the top: the domain is the chart's height, reversed.
    y_scale = alt.Scale(domain=[height, 0], nice=False, zero=False)

    def y(name: str) -> alt.Y:
        return alt.Y(field=name, type="quantitative", scale=y_scale, axis=None)

    def x(name: str, **kw) -> alt.X:
        return alt.X(field=name, type="quantitative", **kw)

    text = alt.Text(field="label", type="nominal")
    x_axis = _count_axis(longest, layout, format=count_format, grid=True)
    bars = alt.Chart(alt.Data(values=segments)).mark_bar().encode(
        x=x("x0", title=x_title, scale=alt.Scale(domain=[0, longest], nice=False), axis=x_axis), x2=alt.X2(field="x1"),
        y=y("y"), y2=alt.Y2(field="y2"),
        color=alt.Color(field="status", type="nominal", title=None, scale=alt.Scale(**scale),
                        legend=alt.Legend(columns=legend_columns, direction="horizontal",
                                          labelLimit=layout.width // legend_columns - 30)),
        description=alt.Description(field="tip", type="nominal"))
    inside = alt.Chart(alt.Data(values=[s for s in segments if s["label"]])).mark_text(baseline="middle").encode(
        x=x("mid"), y=y("y_mid"), text=text, color=alt.Color(field="ink", type="nominal", scale=None))
    layers = [bars, inside]
    if callouts:
        layers.append(alt.Chart(alt.Data(values=callouts)).mark_rule(color=OUTLINE, strokeWidth=1).encode(
            x=x("mid"), y=y("leader_top"), y2=alt.Y2(field="leader_bottom")))
        layers.append(alt.Chart(alt.Data(values=callouts)).mark_text(baseline="top", dy=1).encode(
            x=x("mid"), y=y("y"), text=text))
    layers.append(alt.Chart(alt.Data(values=names)).mark_text(align="left", baseline="top", fontWeight="bold").encode(
        x=alt.datum(0), y=y("y"), text=text))
    layers.append(alt.Chart(alt.Data(values=totals)).mark_text(align="left", baseline="middle", dx=4).encode(
        x=x("total"), y=y("y"), text=text))
    return _top(layers, layout.width, summary, height)


def programme_statuses(per_programme: list[tuple[str, dict[Status, int]]], *, lang: Lang, renderer: ChartRenderer,
                       fig_id: str, caption: str) -> Figure:
    """Measures by status for each programme: stacked horizontal bars, one per programme, named above it."""
    statuses = sorted({Status(s) for _, counts in per_programme for s in counts}, key=DISPLAY_ORDER.index)
    totals = [sum(counts.values()) for _, counts in per_programme]
    sentences = []
    for (name, counts), total in zip(per_programme, totals):
        parts = [lang.gettext("{status} {count}").format(status=status_label(s, lang), count=_count_label(counts[s], lang))
                 for s in statuses if counts.get(s)]
        if not total:  # a programme published before its measures: no "0 measures ()"
            sentences.append(lang.gettext("{programme}: no measures yet").format(programme=name))
            continue
        sentences.append(lang.ngettext("{programme}: {total} measure ({parts})", "{programme}: {total} measures ({parts})",
                                       total).format(programme=name, total=_count_label(total, lang),
                                                     parts=_join(parts, lang)))
    summary = lang.gettext("Measures by status in each programme: {parts}.").format(parts=_join(sentences, lang)) \
        if sentences else lang.gettext("No measures.")
    args = {}
    for layout in LAYOUTS:
        names, segments, callouts, total_rows, height = _segment_layout(per_programme, statuses, lang, layout)
        args[layout.name] = dict(names=names, segments=segments, callouts=callouts, totals=total_rows, height=height,
                                 scale=_status_scale(statuses, lang), x_title=lang.gettext("Measures"),
                                 count_format=_number_format(lang, "d"), layout=layout,
                                 summary=summary)
    svg, variants = _draw(_programme_bars, args, lang, renderer, caption=caption, summary=summary)
    return Figure(
        id=fig_id, svg=svg, caption=caption, summary=summary,
        columns=[lang.gettext("Programme")] + [status_label(s, lang) for s in statuses] + [lang.gettext("Total")],
        rows=[[name] + [_count_label(counts.get(s, 0), lang) for s in statuses] + [_count_label(total, lang)]
              for (name, counts), total in zip(per_programme, totals)],
        variants=variants,
    )


@dataclass(frozen=True)
class _Rule:
    day: dt.date
    label: str
    colour: str
    dash: tuple[int, ...]
    tip: str


_RULE_ROW = 17  # px per row of rule labels above the plot


def _rule_labels(rules: list[_Rule], first: dt.date, last: dt.date, layout: Layout) -> tuple[list[dict], int]:
    """Rule labels above the plot, each on the side of its rule with more room, cut to fit,
    staggered into rows so that labels close in time never overlap. (values, rows)."""
    span = max((last - first).days, 1)
    plot = layout.width - 80  # the y axis takes the rest
    row_ends: list[tuple[float, float]] = []
    values = []
    for rule in sorted(rules, key=lambda r: r.day):
        x = (rule.day - first).days / span * plot
        right = x > plot / 2
        room = (x if right else plot + 40 - x) - 4
        label = _fit(rule.label, room)
        width = _text_width(label) + 8
        left_edge, right_edge = (x - width, x) if right else (x, x + width)
        row = next((i for i, (_, end) in enumerate(row_ends) if left_edge > end), len(row_ends))
        if row == len(row_ends):
            row_ends.append((left_edge, right_edge))
        else:
            row_ends[row] = (left_edge, right_edge)
        values.append({"date": _iso(rule.day), "label": label, "colour": rule.colour, "dash": list(rule.dash),
                       "tip": rule.tip, "y": -6 - _RULE_ROW * row, "align": "right" if right else "left"})
    return values, len(row_ends)


# A legend symbol (Vega's unit square, -1…1): a line through a dot, as reports are drawn.
_REPORTED_SYMBOL = "M-1,0H1M0.42,0A0.42,0.42,0,1,1,-0.42,0A0.42,0.42,0,1,1,0.42,0Z"
_DOT_SYMBOL = "M-1,0M1,0M0.42,0A0.42,0.42,0,1,1,-0.42,0A0.42,0.42,0,1,1,0.42,0Z"  # the dot alone, as wide as the others (moves only), so every label is placed alike
_SERIES_LEGEND = "series legend"  # marks the legend `_legend_symbols` finishes
_LINE_SYMBOL = "M-1,0H1"  # a path like the others ("stroke" is placed apart from them and ran into its label)


def _progress_chart(*, rule_values: list[dict], rows: int, lines: list[dict], pace: list[dict], reported: list[dict],
                    first: str, last: str, ticks: list[str], series: list[str], point_colour: str, y_title: str,
                    percentage: bool, value_format: str, month_format: str, layout: Layout,
                    summary: str) -> alt.LayerChart:
    def day(iso: str) -> alt.DateTime:
        return _datetime(dt.date.fromisoformat(iso))

    x = alt.X(field="date", type="temporal", title=None, scale=alt.Scale(type="utc", domain=[day(first), day(last)]),
              axis=_time_axis(month_format, values=[day(t) for t in ticks]))
    y_axis = alt.Axis(format=value_format, tickCount=4 if layout.narrow else 5,
                      labelExpr="datum.label + '%'" if percentage else alt.Undefined)
    value = alt.Y(field="value", type="quantitative", title=y_title, axis=y_axis)
    tip = alt.Description(field="tip", type="nominal")
    layers: list = [alt.Chart(alt.Data(values=rule_values)).mark_rule(strokeWidth=1.5).encode(
        color=alt.Color(field="colour", type="nominal", scale=None),
        strokeDash=alt.StrokeDash(field="dash", type="nominal", scale=None), description=tip)]
    for align in ("left", "right"):
        labels = [r for r in rule_values if r["align"] == align]
        if labels:
            layers.append(alt.Chart(alt.Data(values=labels)).mark_text(
                baseline="bottom", align=align, dx=3 if align == "left" else -3).encode(
                y=alt.Y(field="y", type="quantitative", scale=None), text=alt.Text(field="label", type="nominal"),
                color=alt.Color(field="colour", type="nominal", scale=None)))
    # One legend, of the series (`_legend_symbols` draws each entry as the chart draws it).
    layers.append(alt.Chart(alt.Data(values=lines)).mark_line(strokeWidth=2.5, aria=False).encode(
        y=value,
        color=alt.Color(field="series", type="nominal", title=None,
                        scale=alt.Scale(domain=series, range=[TEXT_COLOUR, MUTED_COLOUR][:len(series)]),
                        legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=600,
                                          symbolStrokeColor=alt.Undefined, description=_SERIES_LEGEND)),
        strokeDash=alt.StrokeDash(field="series", type="nominal", legend=None,
                                  scale=alt.Scale(domain=series, range=[[1, 0], [6, 4]][:len(series)]))))
    if pace:  # open squares at the corners of the pace line, their dates in a tooltip
        layers.append(alt.Chart(alt.Data(values=pace)).mark_point(
            shape="square", filled=True, fill="white", stroke=MUTED_COLOUR, strokeWidth=1.5, size=40).encode(
            y=alt.Y(field="value", type="quantitative"), description=tip))
    layers.append(alt.Chart(alt.Data(values=reported)).mark_point(
        shape="circle", filled=True, fill=point_colour, stroke=OUTLINE, strokeWidth=1.5, size=80, opacity=1).encode(
        y=alt.Y(field="value", type="quantitative"), description=tip))
    # Every layer shares the time axis: given once, on the layer (a smaller spec, cheaper to compose and compile).
    return _top(layers, layout.width, summary, 200 if layout.narrow else 260,
                padding={"left": 8, "right": 8, "bottom": 8, "top": 8 + _RULE_ROW * rows}).encode(x=x)


def _legend_symbols(spec: dict, *, reported: list[dict], point_colour: str, **_: Any) -> dict:
    """The series legend drawn as the chart draws each series: what was reported as its line
    with a dot in the status colour (the dot alone when there is one report and no baseline,
    so no line), the expected pace as a dashed line. Entry 0 is the reported series.

    A legend's `encode` is Vega-Lite's (passed on to Vega) but left out of its JSON schema, so
    it is added to the spec after Altair has made it, not through Altair's Legend."""
    alone = len(reported) < 2
    symbols = {"shape": {"signal": f"datum.index === 0 ? '{_DOT_SYMBOL if alone else _REPORTED_SYMBOL}' : '{_LINE_SYMBOL}'"},
               "fill": {"signal": f"datum.index === 0 ? '{point_colour}' : 'transparent'"}}
    if alone:  # outlined as the chart's dot (one stroke width for all: a varying one upsets Vega's legend layout)
        symbols |= {"stroke": {"signal": f"datum.index === 0 ? '{OUTLINE}' : '{MUTED_COLOUR}'"}}
    for layer in spec.get("layer", []):
        legend = layer.get("encoding", {}).get("color", {}).get("legend")
        if isinstance(legend, dict) and legend.pop("description", None) == _SERIES_LEGEND:
            legend["encode"] = {"symbols": {"update": symbols}}
    return spec


_progress_chart.finish_spec = _legend_symbols  # type: ignore[attr-defined]


def target_progress(target: Target, assessment: Assessment, *, lang: Lang, renderer: ChartRenderer,
                    fig_id: str) -> Figure | None:
    """Progress over time (baseline + reports) against the expected pace, with milestones, deadline and as-of.

    None for milestone and ongoing targets, and for targets with no report by the reporting date
    (an empty chart says nothing the reason sentence does not).
    """
    if target.kind == "milestone" or not _numeric(target.target):
        return None
    as_of = assessment.as_of
    # What the status is computed from: reports up to the reporting date.
    reports = sorted((e for e in target.progress if e.date <= as_of and _numeric(e.value)), key=lambda e: e.date)
    if not reports:
        return None
    title = lang.text(target.title).text
    caption = lang.gettext("{target}: progress against the expected pace").format(target=title)
    goal = float(target.target)
    deadline = assessment.deadline
    reported_name, pace_name = lang.gettext("Reported"), lang.gettext("Expected pace")
    pace_line = expected_line(target, assessment)  # the line the status was measured against

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

    milestones = sorted(target.milestones, key=lambda ms: ms.date)
    for ms in milestones:
        table.append((ms.date, 2, lang.gettext("Interim milestone"), ms.value))
    if deadline is not None:
        table.append((deadline, 3, lang.gettext("Target"), goal))
    if pace_line and not (target.baseline and target.baseline.date == pace_line[0][0]):
        table.append((pace_line[0][0], 0, lang.gettext("Start of the expected pace"), pace_line[0][1]))
    pace = [{"date": _iso(day), "value": value, "series": pace_name,
             "tip": lang.gettext("Expected, {date}: {value}").format(date=lang.date(day), value=_value_text(value, target, lang))}
            for day, value in pace_line]

    def with_date(label: str, day: dt.date) -> str:
        return lang.gettext("{label} ({date})").format(label=label, date=lang.date(day))

    rules = []
    for ms in milestones:
        label = lang.gettext("Milestone: {value}").format(value=_value_text(ms.value, target, lang))
        rules.append(_Rule(ms.date, label, MUTED_COLOUR, (2, 3), with_date(label, ms.date)))
    if deadline is not None:
        label = lang.gettext("Deadline: {value}").format(value=_value_text(goal, target, lang))
        rules.append(_Rule(deadline, label, "#3d3d3d", (6, 3), with_date(label, deadline)))
    label = lang.gettext("As of {date}").format(date=lang.date(as_of))
    rules.append(_Rule(as_of, label, AS_OF_COLOUR, (), label))
    days = [r.day for r in rules] + [dt.date.fromisoformat(p["date"]) for p in line + pace]
    first, last = min(days), max(days)

    reached = assessment.reached
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

    unit = axis_title(lang, target.unit, target.scale)  # the ticks are the figures as written
    y_title = lang.gettext("Per cent") if target.kind == "percentage" else (unit or lang.gettext("Value"))
    args = {}
    for layout in LAYOUTS:
        rule_values, rows = _rule_labels(rules, first, last, layout)
        ticks = [_iso(t) for t in _time_ticks(first, last, 3 if layout.narrow else 6, layout.width - 80, _lang_key(lang))]
        args[layout.name] = dict(
            rule_values=rule_values, rows=rows, lines=pace + line, pace=pace, reported=line, first=_iso(first),
            last=_iso(last), ticks=ticks, series=[reported_name] + ([pace_name] if pace else []),
            point_colour=STATUS_COLOURS[assessment.status], y_title=y_title, percentage=target.kind == "percentage",
            value_format=_number_format(lang, "~r"),
            month_format=MONTH_FORMAT[_lang_key(lang)], layout=layout, summary=summary)
    svg, variants = _draw(_progress_chart, args, lang, renderer, caption=caption, summary=summary)
    table.sort(key=lambda r: (r[0], r[1]))
    return Figure(
        id=fig_id, svg=svg, caption=caption, summary=summary,
        columns=[lang.gettext("Date"), lang.gettext("Series"), lang.gettext("Value")],
        rows=[[lang.date(day), kind, _value_text(value, target, lang)] for day, _, kind, value in table],
        variants=variants,
    )


def _month_bars(*, values: list[dict], count_title: str, count_format: str, month_format: str, layout: Layout,
                summary: str) -> alt.LayerChart:
    """Wide: one column per month with deadlines. Narrow: one row per month, so no label can collide."""
    count_axis = _count_axis(max((v["n"] for v in values), default=0), layout, format=count_format)
    base = alt.Chart(alt.Data(values=values))
    tip, text = alt.Description(field="tip", type="nominal"), alt.Text(field="label", type="nominal")
    if layout.narrow:
        month = alt.Y(field="month", type="ordinal", timeUnit="utcyearmonth", title=None,
                      axis=_time_axis(month_format, ticks=False, domain=False, labelPadding=6))
        count = alt.X(field="n", type="quantitative")
        bars = base.mark_bar(color=NEUTRAL_BAR, height={"band": 0.7}).encode(
            y=month, x=alt.X(field="n", type="quantitative", title=count_title, axis=count_axis), description=tip)
        labels = base.mark_text(align="left", dx=4).encode(y=month, x=count, text=text)
        return _top([bars, labels], layout.width, summary, alt.Step(28))
    month = alt.X(field="month", type="ordinal", timeUnit="utcyearmonth", title=None,
                  axis=_time_axis(month_format, labelAngle=0, ticks=False))
    count = alt.Y(field="n", type="quantitative")
    bars = base.mark_bar(color=NEUTRAL_BAR, width={"band": 0.7}).encode(
        x=month, y=alt.Y(field="n", type="quantitative", title=count_title, axis=count_axis), description=tip)
    labels = base.mark_text(baseline="bottom", dy=-3).encode(x=month, y=count, text=text)
    return _top([bars, labels], layout.width, summary, 220)


def deadlines_per_month(months: list[tuple[dt.date, int]], *, lang: Lang, renderer: ChartRenderer, fig_id: str,
                        caption: str) -> Figure:
    """Measures due per month: one bar per month that has deadlines (months without any are not drawn)."""
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
    args = {layout.name: dict(values=values, count_title=lang.gettext("Measures due"), count_format=_number_format(lang, "d"),
                              month_format=MONTH_FORMAT[_lang_key(lang)], layout=layout, summary=summary)
            for layout in LAYOUTS}
    svg, variants = _draw(_month_bars, args, lang, renderer, caption=caption, summary=summary)
    return Figure(
        id=fig_id, svg=svg, caption=caption, summary=summary,
        columns=[lang.gettext("Month"), lang.gettext("Measures due")],
        rows=[[lang.month(day), _count_label(n, lang)] for day, n in months],
        variants=variants,
    )


# --------------------------------------------------------------------------- the registry of chart kinds


@dataclass(frozen=True)
class ChartKind:
    """A kind of chart the site can ask for: its figure id and how its figure is made from the site."""

    name: str
    figure_id: Callable[..., str]  # (*args) -> the figure's id on the page
    make: Callable[..., Figure | None]  # (site, lang, renderer, fig_id, *args) -> the figure


KINDS: dict[str, ChartKind] = {}


def _kind(name: str, figure_id: Callable[..., str]):
    def register(make: Callable[..., Figure | None]):
        KINDS[name] = ChartKind(name, figure_id, make)
        return make
    return register


def figure_id(kind: str, *args: Any) -> str:
    return KINDS[kind].figure_id(*args)


def make_figure(kind: str, args: tuple, site: Any, lang: Lang, renderer: ChartRenderer) -> Figure | None:
    """The figure of chart `kind` with `args` (as the site's page lists it), in `lang`."""
    chart_kind = KINDS.get(kind)
    if chart_kind is None:
        raise ValueError(f"unknown chart kind {kind!r}; known: {', '.join(sorted(KINDS))}")
    return chart_kind.make(site, lang, renderer, chart_kind.figure_id(*args), *args)


# Bars a phone can take on the home page: with forty programmes the chart was 3,000 px tall.
MOST_PROGRAMMES_CHARTED = 12


@_kind("programme_statuses", lambda: "programme-statuses")
def _programme_statuses_figure(site, lang, renderer, fig_id):
    per = [(lang.text(p.short_title or p.title).text, site.counts(site.measures(programme=pid)))
           for pid, p in site.content.programmes.items()]
    caption = lang.gettext("Measures by status, per programme")
    if len(per) > MOST_PROGRAMMES_CHARTED:  # the largest ones, in their order; every programme is listed below the chart
        largest = set(sorted(range(len(per)), key=lambda i: -sum(per[i][1].values()))[:MOST_PROGRAMMES_CHARTED])
        caption = lang.gettext("Measures by status in the %(n)s largest of %(total)s programmes (all are listed below)") % {
            "n": MOST_PROGRAMMES_CHARTED, "total": len(per)}
        per = [entry for i, entry in enumerate(per) if i in largest]
    return programme_statuses(per, lang=lang, renderer=renderer, fig_id=fig_id, caption=caption)


@_kind("status_breakdown", lambda facet, ident: f"status-{facet}-{ident}")
def _status_breakdown_figure(site, lang, renderer, fig_id, facet, ident):
    return status_breakdown(site.counts(site.measures(**{facet: ident})), lang=lang, renderer=renderer, fig_id=fig_id,
                            caption=lang.gettext("Measures by status"))


@_kind("target_progress", lambda measure_id, target_id: f"progress-{target_id}")
def _target_progress_figure(site, lang, renderer, fig_id, measure_id, target_id):
    target = next(t for t in site.content.measures[measure_id].targets if t.id == target_id)
    return target_progress(target, site.assessments[measure_id].targets[target_id], lang=lang, renderer=renderer,
                           fig_id=fig_id)


@_kind("deadlines_per_month", lambda: "deadlines-per-month")
def _deadlines_figure(site, lang, renderer, fig_id):
    months = [(month, len(items)) for month, items in site.by_deadline_month()]
    return deadlines_per_month(months, lang=lang, renderer=renderer, fig_id=fig_id,
                               caption=lang.gettext("Measures due per month"))
