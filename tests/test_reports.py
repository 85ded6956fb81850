"""The round's report (通报) as HTML, PDF and xlsx; data per measure; licence, citation,
feedback; Traditional Chinese converted at build time."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from bulletin.builder import Builder
from bulletin.l10n import load_translations, opencc_converter
from bulletin.site import Site
from bulletin.status import Status
from bulletin.validate import check
from conftest import MINIMAL, ROOT, built_once, require_tool, shared_chart_cache

TEMPLATES, THEME = ROOT / "templates", ROOT / "theme"
REUSE = """
licence: {name: CC BY 4.0, url: https://creativecommons.org/licenses/by/4.0/}
feedback: {email: corrections@example.org}
"""


def _content(tmp: Path, extra: str = REUSE, languages: str | None = None) -> Path:
    content = tmp / "content"
    shutil.copytree(MINIMAL, content)
    bulletin = content / "bulletin.yaml"
    text = bulletin.read_text(encoding="utf-8") + extra
    if languages:
        text = re.sub(r"^languages:.*$", f"languages: {languages}", text, flags=re.M)
    bulletin.write_text(text, encoding="utf-8")
    return content


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    cache = shared_chart_cache(tmp_path_factory)

    def build(tmp: Path) -> None:
        tmp.mkdir()
        Builder(_content(tmp), TEMPLATES, THEME, tmp / "output", cache=cache, report_pdfs=True).build()
    tmp = built_once(tmp_path_factory, "reports", build)  # one build with PDFs, whichever worker asks first
    return tmp / "content", tmp / "output"


class _Text(HTMLParser):
    """Visible text and the links of a page."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "a" and dict(attrs).get("href"):
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def _parse(path: Path, *, without_language_links: bool = False) -> _Text:
    html = path.read_text(encoding="utf-8")
    if without_language_links:  # each language's name is written in that language
        html = re.sub(r'<nav class="lang-nav".*?</nav>', "", html, flags=re.S)
    parser = _Text()
    parser.feed(html)
    return parser


def _site(content: Path) -> Site:
    return Site(check(content).content)


def test_report_lists_every_measure_once_with_its_status(built):
    content, out = built
    site = _site(content)
    html = (out / "zh" / "report" / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<th scope="row"[^>]*>(?:<span class="report-programme">[^<]*</span> )?'
                      r'<a href="\.\./measures/([^/]+)/index\.html">', html)
    assert sorted(rows) == sorted(site.content.measures)  # each measure exactly once
    # Rows sit under the heading of their own status group.
    for group in re.split(r'<section class="report-group"', html)[1:]:
        status = Status(re.search(r'id="status-status-([a-z-]+)"', group).group(1).replace("-", "_"))
        for mid in re.findall(r'<a href="\.\./measures/([^/]+)/index\.html">', group):
            assert site.status_of(mid) == status, mid
    # The summary counts agree with the rows.
    counts = site.counts(site.measures())
    summary = html.split('class="report-counts"')[1].split("</table>")[0]
    for status, n in counts.items():
        assert re.search(rf'status-{status.value.replace("_", "-")}.*?</th><td>{n}</td>', summary, re.S), status


def test_reports_exist_per_programme_and_department_and_are_linked(built):
    content, out = built
    site = _site(content)
    for code in ("zh", "en"):
        for pid in site.content.programmes:
            folder = out / code / "programmes" / pid / "report"
            assert {p.name for p in folder.iterdir()} >= {"index.html", "report.pdf", "report.xlsx"}
            assert "report/index.html" in (out / code / "programmes" / pid / "index.html").read_text(encoding="utf-8")
        for did in site.departments_used():
            assert (out / code / "departments" / did / "report" / "report.pdf").is_file()
            assert "report/index.html" in (out / code / "departments" / did / "index.html").read_text(encoding="utf-8")
        assert "report/index.html" in (out / code / "index.html").read_text(encoding="utf-8")


def test_report_pdf_has_the_chinese_text_and_every_row(built):
    content, out = built
    pdftotext = require_tool(shutil.which("pdftotext"), "pdftotext (Debian package poppler-utils)")
    site = _site(content)
    pdf = out / "zh" / "report" / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run([pdftotext, "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "".join(site.content.bulletin.title["zh"].split()) in flat  # the title on the first page
    assert "进展情况通报" in flat
    for ms in site.content.measures.values():  # every measure's row, in Chinese
        assert "".join(ms.title["zh"].split()) in flat, ms.id
    assert re.search(r"页 1 / \d+", text)  # page numbers in the page language
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout if shutil.which("pdfinfo") else ""
    if info:
        assert re.search(r"Page size:\s+841\.\d+ x 595\.\d+ pts \(A4\)", info)  # A4, landscape


def test_report_workbook_matches_the_page(built):
    from openpyxl import load_workbook

    content, out = built
    site = _site(content)
    wb = load_workbook(out / "en" / "report" / "report.xlsx")
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == site.content.bulletin.title["en"]
    header = next(i for i, r in enumerate(rows) if r[:3] == ("Programme", "No.", "Measure"))
    body = rows[header + 1:]
    titles = [r[2] for r in body if r[2]]
    assert sorted(titles) == sorted(ms.title["en"] for ms in site.content.measures.values())
    # one line per target (or one for a measure without targets)
    assert len(body) == sum(max(1, len(ms.targets)) for ms in site.content.measures.values())
    assert ws.freeze_panes == f"A{header + 2}"
    assert ws.print_title_rows == f"${header + 1}:${header + 1}"  # the header row repeats on printed pages


def test_reports_are_byte_identical_across_builds(built, tmp_path):
    """Another build, with no cache, gives the same workbooks; the report printed again
    from its page, with no cache, gives the same PDF."""
    from bulletin.pdf import PdfRenderer

    from bulletin import report

    content, out = built
    again = tmp_path / "again"
    report._workbook.cache_clear()  # written afresh, not the same bytes kept from the first build
    Builder(content, TEMPLATES, THEME, again, cache=None, report_pdfs=False).build()
    for rel in ("en/report/report.xlsx", "zh/report/report.xlsx"):
        assert (out / rel).read_bytes() == (again / rel).read_bytes(), rel
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    printed = PdfRenderer(None, workers=1).render_many(["zh/report/index.html"], files)
    assert printed["zh/report/index.html"] == (out / "zh/report/report.pdf").read_bytes()


def test_measure_data_files_match_the_bulletin_json(built):
    content, out = built
    for code in ("zh", "en"):
        whole = json.loads((out / code / "data" / "bulletin.json").read_text(encoding="utf-8"))
        for entry in whole["measures"]:
            folder = out / code / "measures" / entry["id"]
            single = json.loads((folder / "data.json").read_text(encoding="utf-8"))
            assert single["measure"] == entry
            assert single["licence"]["name"] == "CC BY 4.0"
            assert single["url"].endswith(f"/{code}/measures/{entry['id']}/")
            rows = list(csv.DictReader(io.StringIO((folder / "data.csv").read_text(encoding="utf-8-sig"))))
            reports = [(t["id"], p["date"]) for t in entry["targets"] for p in t["progress"]]
            target_id, date = {"en": ("Target ID", "Date"), "zh": ("指标编号", "日期")}[code]  # headers in the file's language
            assert [(r[target_id], r[date]) for r in rows] == reports
            page = (folder / "index.html").read_text(encoding="utf-8")
            assert 'href="data.json"' in page and 'href="data.csv"' in page
            for target in entry["targets"]:
                svg = folder / f"chart-{target['id']}.svg"
                if svg.exists():  # a chart's own file, linked from the page, a standalone SVG document
                    assert f'href="chart-{target["id"]}.svg"' in page
                    assert svg.read_text(encoding="utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')


def test_licence_on_every_page_and_download(built):
    _, out = built
    for page in out.rglob("*.html"):
        if page.name == "index.html" and page.parent == out:
            continue  # the root language chooser
        assert "CC BY 4.0" in page.read_text(encoding="utf-8"), page
    # pagefind/ is the search index (Pagefind's own files), not a download
    for data in [d for d in out.rglob("*.json") if d.relative_to(out).parts[0] != "pagefind"]:
        assert json.loads(data.read_text(encoding="utf-8"))["licence"]["name"] == "CC BY 4.0", data
    for table in out.rglob("*.csv"):
        rows = list(csv.reader(io.StringIO(table.read_text(encoding="utf-8-sig"))))
        licence = {"en": "Licence", "zh": "许可协议"}[table.relative_to(out).parts[0]]  # headers in the file's language
        # (status_history.csv keeps the code-style column names the history format defines)
        assert rows[0][-1] in (licence, "licence") and all(r[-1].startswith("CC BY 4.0") for r in rows[1:]), table
    from openpyxl import load_workbook

    for book in out.rglob("*.xlsx"):
        assert any("CC BY 4.0" in str(c) for row in load_workbook(book).active.iter_rows(max_row=4, values_only=True)
                   for c in row if c), book


def test_measure_page_cites_itself_and_links_feedback(built):
    content, out = built
    site = _site(content)
    ms = next(iter(site.content.measures.values()))
    page = _parse(out / "zh" / "measures" / ms.id / "index.html")
    assert f"https://example.org/bulletin/zh/measures/{ms.id}/" in page.text
    assert "数据截至2020年6月30日" in page.text
    mailto = next(link for link in page.links if link.startswith("mailto:"))
    parts = urlsplit(mailto)
    assert unquote(parts.path) == "corrections@example.org"
    query = parse_qs(parts.query)
    assert str(ms.number) in query["subject"][0] and ms.title["zh"] in query["subject"][0]
    assert f"/zh/measures/{ms.id}/" in query["body"][0]


def test_feedback_page_address_gets_the_measure_filled_in(tmp_path, tmp_path_factory):
    content = _content(tmp_path, "feedback: {url: 'https://example.org/liuyan?subject={title}&id={measure}'}\n")
    out = tmp_path / "out"
    Builder(content, TEMPLATES, THEME, out, cache=shared_chart_cache(tmp_path_factory)).build()
    site = _site(content)
    ms = next(iter(site.content.measures.values()))
    links = _parse(out / "en" / "measures" / ms.id / "index.html").links
    link = next(link for link in links if link.startswith("https://example.org/liuyan"))
    query = parse_qs(urlsplit(link).query)
    assert query == {"subject": [ms.title["en"]], "id": [ms.id]}


@pytest.mark.parametrize("extra, field, words", [
    ("feedback: {}\n", "feedback", "email"),
    ("feedback: {email: not-an-address}\n", "feedback.email", "not an email address"),
    ("feedback: {url: 'https://x.org/?q={name}'}\n", "feedback.url", "unknown placeholder {name}"),
    ("licence: {name: CC BY 4.0, url: 'javascript:alert(1)'}\n", "licence.url", "https://"),
])
def test_bad_reuse_settings_are_reported(tmp_path, extra, field, words):
    content = _content(tmp_path, extra)
    problems = [p for p in check(content).problems if p.severity == "error"]
    assert any(p.field == field and words in p.message for p in problems), [str(p) for p in problems]


def test_traditional_chinese_is_converted_and_complete(tmp_path, tmp_path_factory):
    content = _content(tmp_path, "traditional_conversion: s2twp\n", languages="[zh, en, zh-Hant]")
    result = check(content)
    assert not result.errors, result.errors  # no zh-Hant text written: none is missing
    out = tmp_path / "out"
    Builder(content, TEMPLATES, THEME, out, cache=shared_chart_cache(tmp_path_factory)).build()
    to_traditional = opencc_converter("s2twp")  # the conversion this bulletin asked for
    for rel in ("index.html", "report/index.html",
                f"measures/{next(iter(result.content.measures))}/index.html", "methodology/index.html"):
        text = _parse(out / "zh-Hant" / rel, without_language_links=True).text
        assert text, rel
        # No Simplified-only character is left: each one, converted alone, stays itself.
        # (Whole phrases are not compared: s2twp rewrites some phrases again on a second pass.)
        simplified = sorted({ch for ch in text if "\u4e00" <= ch <= "\u9fff" and to_traditional(ch) != ch})
        assert not simplified, (rel, simplified)
    home = (out / "zh-Hant" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hant">' in home and "繁體中文" not in _parse(out / "zh-Hant" / "index.html").links
    assert "迴天" in home or "回天" in home  # the content itself, converted
    assert 'hreflang="zh-Hant"' in (out / "zh" / "index.html").read_text(encoding="utf-8")
    # Every UI string the Chinese catalogue translates has a Traditional translation.
    zh, hant = load_translations("zh"), load_translations("zh-Hant")
    ids = [m for m in zh._catalog if isinstance(m, str) and m]
    assert ids and all(hant.gettext(m) != m for m in ids if zh.gettext(m) != m)
    assert hant.gettext("Overdue") == opencc_converter("s2t")(zh.gettext("Overdue"))


def test_an_editor_written_traditional_text_wins(tmp_path):
    content = _content(tmp_path, "", languages="[zh, en, zh-Hant]")
    bulletin = content / "bulletin.yaml"
    bulletin.write_text(bulletin.read_text(encoding="utf-8").replace(
        "title: {zh: 回天地区治理进展（测试）,", "title: {zh-Hant: 回天地區治理進展（編輯稿）, zh: 回天地区治理进展（测试）,"), encoding="utf-8")
    from bulletin.l10n import Lang

    result = check(content)
    lang = Lang("zh-Hant", result.content.bulletin.languages)
    assert lang.text(result.content.bulletin.title).text == "回天地區治理進展（編輯稿）"
    assert not lang.text(result.content.bulletin.title).converted
    assert lang.text(result.content.bulletin.organisation).converted


def test_workbook_cells_are_text_never_formulas(tmp_path, tmp_path_factory):
    from openpyxl import load_workbook

    content = _content(tmp_path)
    measure = sorted((content / "measures").rglob("*.yaml"))[0]
    text = measure.read_text(encoding="utf-8")
    title = re.search(r"^title: \{zh: ([^,]+), en: ([^}]+)\}", text, flags=re.M)
    measure.write_text(text.replace(title.group(0), "title: {zh: '=HYPERLINK(\"https://evil.example\",\"点击\")', en: '=1+41'}"),
                       encoding="utf-8")
    out = tmp_path / "out"
    Builder(content, TEMPLATES, THEME, out, cache=shared_chart_cache(tmp_path_factory)).build()
    for code, formula in (("zh", '=HYPERLINK("https://evil.example","点击")'), ("en", "=1+41")):
        ws = load_workbook(out / code / "report" / "report.xlsx").active
        cells = [c for row in ws.iter_rows() for c in row if c.value == formula]
        assert cells and all(c.data_type == "s" for c in cells)


def test_a_workbook_comes_from_the_cache_by_its_cells_and_a_torn_entry_is_written_again(tmp_path, monkeypatch):
    """A fresh build (CI with its cache) writes no workbook whose cells did not change; an
    entry cut short (a build killed while writing, a full disk) is never published."""
    import datetime as dt

    from bulletin import report

    cells = ("Report", ("A bulletin", "Progress report"), ("No.", "Measure"), (("1", "Build 9 stations"),),
             "A bulletin", dt.date(2020, 6, 30))
    first = report._cached_workbook(tmp_path, cells)
    entries = list(tmp_path.rglob("*.xlsx"))
    assert len(entries) == 1 and entries[0].read_bytes().endswith(first)

    def no_writing(*args):
        raise AssertionError("written again although cached")
    monkeypatch.setattr(report, "_workbook", no_writing)
    assert report._cached_workbook(tmp_path, cells) == first
    other = cells[:3] + ((("2", "Another measure"),),) + cells[4:]
    with pytest.raises(AssertionError):
        report._cached_workbook(tmp_path, other)  # other cells: another entry

    monkeypatch.undo()
    whole = entries[0].read_bytes()
    entries[0].write_bytes(whole[: len(whole) // 2])
    assert report._cached_workbook(tmp_path, cells) == first
    assert entries[0].read_bytes() == whole
    # hostile-input audit: any zip holding xl/workbook.xml passed as a whole workbook, and was published
    import io
    import zipfile
    forged = io.BytesIO()
    with zipfile.ZipFile(forged, "w") as book:
        book.writestr("xl/workbook.xml", "garbage")
    entries[0].write_bytes(forged.getvalue())
    assert report._cached_workbook(tmp_path, cells) == first


def _pages_as_png(pdf: bytes, folder: Path) -> list[bytes]:
    pdftoppm = require_tool(shutil.which("pdftoppm"), "pdftoppm (Debian package poppler-utils)")
    folder.mkdir(parents=True)
    (folder / "report.pdf").write_bytes(pdf)
    subprocess.run([pdftoppm, "-r", "50", "-png", str(folder / "report.pdf"), str(folder / "page")], check=True)
    return [p.read_bytes() for p in sorted(folder.glob("page*.png"))]


def _fonts(pdf: bytes, folder: Path) -> list[str]:
    pdffonts = require_tool(shutil.which("pdffonts"), "pdffonts (Debian package poppler-utils)")
    (folder / "fonts.pdf").write_bytes(pdf)
    lines = subprocess.run([pdffonts, str(folder / "fonts.pdf")], capture_output=True, text=True, check=True).stdout.splitlines()
    return [line.split()[0] for line in lines[2:] if line.strip()]


def test_a_report_pdf_carries_its_fonts_cut_to_its_own_characters(built, tmp_path, monkeypatch):
    """WeasyPrint keeps every glyph number up to the highest one a PDF uses, which for a CJK
    font is most of it: a short English department report was 297 kB, 282 kB of it two
    fonts. Printed with the fonts cut to the page's characters, the same report is a
    fraction of that, pixel for pixel the same, and its page header is in the page's font
    (it was in the default serif)."""
    from bulletin import print_fonts
    from bulletin.pdf import PdfRenderer

    content, out = built
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    for page in ("en/report/index.html", sorted(p for p in files if p.startswith("zh/departments/") and p.endswith("report/index.html"))[0]):
        cut = PdfRenderer(None, workers=1).render_many([page], files)[page]
        with monkeypatch.context() as patch:
            patch.setattr(print_fonts, "for_page", lambda *args: None)  # the installed fonts, as before
            whole = PdfRenderer(None, workers=1).render_many([page], files)[page]
        assert len(cut) * 3 < len(whole), (page, len(cut), len(whole))
        folder = tmp_path / page.replace("/", "-")
        assert _pages_as_png(cut, folder / "cut") == _pages_as_png(whole, folder / "whole"), page
        fonts = _fonts(cut, folder)
        assert any("bulletin-print-" in name for name in fonts), fonts
        assert not any("CJK" in name or "Serif" in name for name in fonts), fonts  # no CJK face left whole, no serif header
        assert cut == (out / page.replace("index.html", "report.pdf")).read_bytes()  # alone as in the build's batch


@pytest.mark.parametrize("css, expected", [
    ('p { font-family: "Noto Sans CJK SC", sans-serif; }', 'p { font-family: "A", "Noto Sans CJK SC", sans-serif; }'),
    (":root { --font: system-ui,\n  Noto Sans CJK SC, Arial; }", ":root { --font: system-ui,\n  \"A\", Noto Sans CJK SC, Arial; }"),
    ('h1 { font: 600 1rem/1.2 "Noto Sans CJK SC"; }', 'h1 { font: 600 1rem/1.2 "A", "Noto Sans CJK SC"; }'),
    ('@media print { @page { @top-left { font-family: "noto sans cjk sc" } } }',
     '@media print { @page { @top-left { font-family: "A", "noto sans cjk sc" } } }'),
    # not font lists: text a page shows, a selector, another family
    ('a:hover::after { content: "Noto Sans CJK SC"; } b { font-family: "Noto Serif CJK SC"; }',
     'a:hover::after { content: "Noto Sans CJK SC"; } b { font-family: "Noto Serif CJK SC"; }'),
])
def test_report_stylesheets_name_a_cut_font_only_in_font_lists(css, expected):
    from bulletin.print_fonts import _font_value, _parse, _rewrite

    assert _rewrite(_parse(css.encode()), lambda value: _font_value(value, {"noto sans cjk sc": "A"})) == expected


def test_reports_print_in_workers_when_the_build_is_started_from_standard_input(built, tmp_path):
    """The PDF workers were multiprocessing's `spawn`, which re-runs the caller's main script in
    each worker: a build started as `python -` (a script on standard input) lost its workers
    (BrokenProcessPool, a traceback), and a script without a `__main__` guard would run again
    in each. Workers are now `python -m bulletin.pdf`; what they print is what the build prints."""
    import sys

    content, out = built
    script = (f"from pathlib import Path\nfrom bulletin.builder import Builder\n"
              f"Builder(Path({str(content)!r}), Path({str(TEMPLATES)!r}), Path({str(THEME)!r}), Path({str(tmp_path / 'out')!r}), "
              f"cache=None, report_pdfs=True, workers=2).build()\nprint('built')\n")
    run = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, cwd=tmp_path, timeout=300,
                         env={**__import__("os").environ, "BULLETIN_JOBS": "2"})
    assert run.returncode == 0 and run.stdout.strip() == "built", run.stderr[-2000:]
    pdfs = sorted(p.relative_to(out) for p in out.rglob("report.pdf"))
    assert len(pdfs) >= 4
    for rel in pdfs:
        assert (tmp_path / "out" / rel).read_bytes() == (out / rel).read_bytes(), rel


def test_a_font_that_cannot_be_cut_is_printed_whole(monkeypatch):
    """Cutting fonts is an optimisation: a font HarfBuzz cannot read leaves the page printed
    with the installed fonts, never a failed build."""
    from bulletin import print_fonts

    def broken(face, characters):
        raise RuntimeError("not a font")

    monkeypatch.setattr(print_fonts, "_cut", broken)
    monkeypatch.setattr(print_fonts, "_faces", lambda family: (print_fonts.Face(__file__, 0, 400, False),))
    monkeypatch.setattr(print_fonts, "_large", lambda faces: True)
    css = {"assets/style.css": b'body { font-family: "Noto Sans CJK SC", sans-serif; }'}
    assert print_fonts.for_page("<p>养老</p>".encode(), css, "https://bulletin.invalid/") is None
