"""Phone-first layout in headless Chromium: every page kind at 320, 390 and 1280 px in both languages.

What a reader on a phone would notice: the page scrolls sideways, a chart is cut off at
the right edge, chart text is too small to read, Chinese text is slanted (browsers fake
italics for CJK), the header eats the screen. And on paper (A4, print to PDF): the title
and notice on page one, the data behind every chart, the addresses of the sources.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from conftest import require_tool

from . import checks

pytestmark = pytest.mark.browser

LANGS = ("zh", "en")
WIDTHS = (320, 390, 1280)
MIN_CHART_TEXT_PX = 12
MAX_HEADER_PX = 180  # at 390 px, of an 844 px phone screen (English: the title on two lines, the navigation on four)

# Measured in the page: returns what is wrong, as strings.
LAYOUT_PROBLEMS = r"""() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width)
    problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} px wide in ${width} px`);
  const visible = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  for (const svg of document.querySelectorAll('figure svg')) {
    if (!visible(svg)) continue;
    const box = svg.getBoundingClientRect();
    if (box.right > width + 0.5 || box.left < -0.5)
      problems.push(`chart ${svg.closest('figure').id} drawn from ${box.left.toFixed(0)} to ${box.right.toFixed(0)} px in ${width} px`);
    for (const node of svg.querySelectorAll('text')) {
      if (!node.textContent.trim() || !visible(node)) continue;
      const r = node.getBoundingClientRect();
      if (r.right > width + 0.5) problems.push(`chart text "${node.textContent}" ends at ${r.right.toFixed(0)} px in ${width} px`);
      const px = parseFloat(getComputedStyle(node).fontSize) * node.getScreenCTM().a;
      if (px < MIN) problems.push(`chart text "${node.textContent}" is ${px.toFixed(1)} px`);
    }
    let el = svg.parentElement, clipped = false;
    while (el && el !== document.body) {
      const ov = getComputedStyle(el).overflowX;
      if ((ov === 'auto' || ov === 'scroll' || ov === 'hidden') && el.scrollWidth > el.clientWidth + 1) clipped = true;
      el = el.parentElement;
    }
    if (clipped) problems.push(`chart ${svg.closest('figure').id} scrolls or is cut inside its box`);
  }
  for (const table of document.querySelectorAll('main table')) {
    if (!visible(table)) continue;
    const r = table.getBoundingClientRect();
    if (r.right > width + 0.5) problems.push(`table "${(table.querySelector('th') || table).textContent.trim().slice(0, 30)}" ends at ${r.right.toFixed(0)} px in ${width} px`);
  }
  const cjk = /[\u3400-\u9fff\uf900-\ufaff]/;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const slanted = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!cjk.test(node.data) || !node.parentElement || !visible(node.parentElement)) continue;
    if (getComputedStyle(node.parentElement).fontStyle !== 'normal') slanted.add(node.data.trim().slice(0, 20));
  }
  for (const text of slanted) problems.push(`Chinese text in italics: "${text}"`);
  // Warnings (stale data, seriously behind) and secondary lines were 12–13.6 px: nothing under 14.
  const small = new Set();
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (texts.nextNode()) {
    const el = texts.currentNode.parentElement;
    if (!texts.currentNode.data.trim() || !el || !visible(el) || el.closest('svg, .visually-hidden')) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (px < 14) small.add(`${el.tagName.toLowerCase()}.${el.className} ${px} px`);
  }
  for (const text of small) problems.push(`text under 14 px: ${text}`);
  return problems;
}""".replace("MIN", str(MIN_CHART_TEXT_PX))


def _layout_pages(site_root, lang: str) -> list[str]:
    """Home, a programme, a measure with a chart, deadlines, the status pages, (if there) changes,
    the progress reports and a round."""
    pages = [f"{lang}/index.html", f"{lang}/deadlines/index.html", f"{lang}/status/index.html"]
    programmes = sorted((site_root / lang / "programmes").glob("*/index.html"))
    pages.append(programmes[0].relative_to(site_root).as_posix())
    charted = [p for p in sorted((site_root / lang / "measures").glob("*/index.html"))
               if "chart-narrow" in p.read_text(encoding="utf-8")]
    assert charted, "no measure page with a chart in the demo"
    pages.append(charted[0].relative_to(site_root).as_posix())
    pages += [p.relative_to(site_root).as_posix() for p in sorted((site_root / lang / "status").glob("*/index.html"))[:1]]
    if (site_root / lang / "changes" / "index.html").is_file():
        pages.append(f"{lang}/changes/index.html")
    # The progress report (its printable table is read on phones too), a department's report
    # of an earlier round, and that round's page.
    pages.append(f"{lang}/report/index.html")
    archived = sorted((site_root / lang / "rounds").glob("*/departments/*/report/index.html"))
    pages += [archived[0].relative_to(site_root).as_posix()] if archived else []
    pages += [p.relative_to(site_root).as_posix() for p in sorted((site_root / lang / "rounds").glob("*/index.html"))[:1]]
    return pages


@pytest.fixture(scope="module")
def width_page(browser):
    contexts = {}

    def get(width: int):
        if width not in contexts:
            context = browser.new_context(java_script_enabled=True, viewport={"width": width, "height": 844},
                                          service_workers="block")
            checks.route_local_only(context, ("127.0.0.1",))
            contexts[width] = context.new_page()
        return contexts[width]
    yield get
    for page in contexts.values():
        page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
def test_pages_fit_the_screen(server, site_root, width_page, lang, width):
    page = width_page(width)
    failures = []
    for rel in _layout_pages(site_root, lang):
        page.goto(server.url + rel)
        failures += [f"{rel}: {problem}" for problem in page.evaluate(LAYOUT_PROBLEMS)]
        if rel == f"{lang}/index.html":  # the navigation wraps: every item in view, none reached by scrolling sideways
            cut = page.evaluate("""w => [...document.querySelectorAll('.main-nav a')].filter(a => {
                const r = a.getBoundingClientRect(); return r.left < 0 || r.right > w; }).map(a => a.textContent)""", width)
            failures += [f"{rel}: navigation item {text!r} is not wholly in view" for text in cut]
        if width == 390:
            height = page.evaluate("() => document.querySelector('.site-header').getBoundingClientRect().height")
            if height > MAX_HEADER_PX:
                failures.append(f"{rel}: header {height:.0f} px high at 390 px (at most {MAX_HEADER_PX})")
    assert not failures, f"{lang} at {width} px:\n" + "\n".join(failures[:40])


def test_english_pages_fit_a_phone_with_large_text(server, site_root, browser):
    """With the browser's text at 200 % (a 32 px default font) at 390 px, English pages scrolled
    sideways (a badge "!? Overdue, not reported" wider than the screen) and the skip link's
    second line showed over the site title: badges and dates wrap, the link moves up by its own height."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
    checks.route_local_only(context, ("127.0.0.1",))
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 32}})
    failures = []
    for rel in _layout_pages(site_root, "en") + ["en/changes/index.html", "en/methodology/index.html", "en/departments/index.html"]:
        page.goto(server.url + rel)
        wide, skip = page.evaluate("""() => [document.documentElement.scrollWidth,
            document.querySelector('.skip-link').getBoundingClientRect().bottom]""")
        if wide > 390:
            failures.append(f"{rel}: {wide} px wide")
        if skip > 0:
            failures.append(f"{rel}: the unfocused skip link shows down to {skip:.0f} px")
    context.close()
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("width", (320, 1280))
def test_exactly_one_drawing_of_each_chart_is_shown(server, site_root, width_page, width):
    page = width_page(width)
    page.goto(server.url + "en/index.html")
    shown = page.evaluate("""() => [...document.querySelectorAll('figure.chart')].map(f =>
        [...f.querySelectorAll('.chart-svg')].filter(d => d.getClientRects().length).map(d => d.className))""")
    assert shown and all(len(s) == 1 for s in shown), shown
    expected = "chart-narrow" if width < 672 else "chart-wide"
    assert all(expected in s[0] for s in shown), shown


# ----------------------------------------------------------------------------- print


def _pdf_text(pdf, tmp_path, name: str, first: int | None = None, last: int | None = None) -> str:
    pdftotext = require_tool(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    args = [pdftotext, "-raw"]  # reading order (-layout splits CJK set in Type 3 fonts)
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    return subprocess.run(args + [str(path), "-"], capture_output=True, text=True, check=True).stdout


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("lang", LANGS)
def test_printed_measure_page_has_title_data_tables_and_addresses(server, site_root, browser, tmp_path, lang):
    rel = next(p for p in _layout_pages(site_root, lang) if "/measures/" in p)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + rel)
    title = page.evaluate("() => document.querySelector('.print-title').textContent.trim()")
    notice = page.evaluate("() => document.querySelector('.print-header p:nth-child(2)').textContent.trim()")
    cells = page.evaluate("() => [...document.querySelectorAll('details.chart-data tbody td, details.chart-data tbody th')].map(c => c.textContent.trim())")
    sources = page.evaluate("() => [...document.querySelectorAll('main a.source-link')].map(a => a.dataset.href || a.href)")
    footer = page.evaluate("() => document.querySelector('.site-footer').innerText")
    page.emulate_media(media="print")
    # With background graphics off (the browsers' default) white-ink badges printed as pale
    # outlines; and a chart printed on the page after its caption.
    badges, figures = page.evaluate("""() => [
        [...document.querySelectorAll('main .status')].map(s => getComputedStyle(s).printColorAdjust),
        [...document.querySelectorAll('figure.chart')].map(f => getComputedStyle(f).breakInside)]""")
    assert badges and set(badges) == {"exact"}, set(badges)
    assert figures and set(figures) == {"avoid"}, set(figures)
    pdf = page.pdf(format="A4", print_background=False)
    context.close()
    first_page = _squash(_pdf_text(pdf, tmp_path, lang, 1, 1))
    everything = _squash(_pdf_text(pdf, tmp_path, lang))
    assert _squash(title) in first_page, "the bulletin's title is not on the first printed page"
    assert _squash(notice)[:20] in first_page, "the notice (organisation, as-of date) is not on the first printed page"
    assert cells, "the measure page has no chart data table"
    missing = [c for c in cells if _squash(c) not in everything]
    assert not missing, f"chart data not printed: {missing[:5]}"
    unprinted = [u for u in sources if _squash(u)[:40] not in everything]
    assert sources and not unprinted, f"source addresses not printed: {unprinted[:3]}"
    printed_pages = [p for p in _pdf_text(pdf, tmp_path, lang).split("\f") if p.strip()]
    assert _squash(printed_pages[-1]) not in _squash(footer), "the footer was printed alone on the last page"
