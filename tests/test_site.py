"""The built site as a reader, a search engine and a feed reader see it.

The demo content/ is built once per session (with a chart cache in the session's
temporary directory, seeded from the repository's .cache/charts when there is one,
which only saves time: the cache is keyed by the chart's full input).
"""

from __future__ import annotations

import csv
import html
import io
import json
import posixpath
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from bulletin.builder import Builder
from bulletin.status import Status, assess
from bulletin.validate import check

from conftest import MINIMAL, built_once, shared_chart_cache  # noqa: E402
from e2e import checks  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
TEMPLATES = ROOT / "templates"
THEME = ROOT / "theme"
LANGS = {"zh": "zh-CN", "en": "en"}
ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
BOM = b"\xef\xbb\xbf"


# --------------------------------------------------------------------------- helpers


class Page(HTMLParser):
    """The parts of an HTML page the tests look at."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.html_lang: str | None = None
        self.links: list[dict[str, str]] = []  # <link> attributes
        self.refs: list[tuple[str, dict[str, str], str]] = []  # (tag, attributes, value) of every href/src
        self.anchors: list[dict[str, str]] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self._stack: list[list] = []  # [tag, attrs, text parts]
        self.texts: list[tuple[str, dict[str, str], str]] = []  # (tag, attrs, text) of closed elements
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.elements.append((tag, a))
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "link":
            self.links.append(a)
        if tag == "a":
            self.anchors.append(a)
        for attr in ("href", "src"):
            if attr in a:
                self.refs.append((tag, a, a[attr]))
        if tag not in ("meta", "link", "br", "hr", "img", "input", "source"):
            self._stack.append([tag, a, []])

    def handle_endtag(self, tag):
        while self._stack:
            t, a, parts = self._stack.pop()
            text = "".join(parts)
            self.texts.append((t, a, text))
            if self._stack:
                self._stack[-1][2].append(text)
            if t == tag:
                break

    def handle_data(self, data):
        if self._stack:
            self._stack[-1][2].append(data)

    def lang_switch(self) -> list[str]:
        return [a["href"] for a in self.anchors if "lang-switch" in a.get("class", "").split()]

    def canonical(self) -> list[str]:
        return [link["href"] for link in self.links if link.get("rel") == "canonical"]

    def alternates(self) -> dict[str, str]:
        return {link["hreflang"]: link["href"] for link in self.links
                if link.get("rel") == "alternate" and "hreflang" in link}


_pages: dict[Path, Page] = {}


def page(path: Path) -> Page:
    if path not in _pages:
        _pages[path] = Page(path.read_text(encoding="utf-8"))
    return _pages[path]


def resolve(site: Path, html_file: Path, href: str, base_path: str) -> Path | None:
    """The file a link in `html_file` points to, or None for an external or in-page link."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        assert path.startswith(base_path), f"{href} is outside the site's path {base_path}"
        target = site / path[len(base_path):]
    else:
        target = Path(posixpath.normpath(posixpath.join(html_file.parent.as_posix(), path)))
    if href.split("#")[0].split("?")[0].endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def from_url(site: Path, base_url: str, url: str) -> Path:
    """The file an absolute URL under base_url is served from."""
    assert url.startswith(base_url), url
    rel = urlsplit(url[len(base_url):]).path
    target = site / rel
    return target / "index.html" if rel == "" or rel.endswith("/") else target


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def is_404(site: Path, path: Path) -> bool:
    return path.name == "404.html"


def read_csv(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --------------------------------------------------------------------------- the demo site

@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    result = check(CONTENT)
    assert result.content is not None and not result.errors, [str(p) for p in result.errors]
    cache = shared_chart_cache(tmp_path_factory)
    out = built_once(tmp_path_factory, "demo-site",
                     lambda folder: Builder(CONTENT, TEMPLATES, THEME, folder, cache=cache).build())
    return out, result.content


@pytest.fixture(scope="session")
def site(demo) -> Path:
    return demo[0]


@pytest.fixture(scope="session")
def content(demo):
    return demo[1]


@pytest.fixture(scope="session")
def base_url(content) -> str:
    url = content.bulletin.base_url
    return url if url.endswith("/") else url + "/"


@pytest.fixture(scope="session")
def base_path(base_url) -> str:
    return urlsplit(base_url).path or "/"


def expected_pages(content) -> list[str]:
    """Every page a reader can reach, per language, worked out from the content alone."""
    paths = ["index.html", "departments/index.html", "categories/index.html", "status/index.html",
             "deadlines/index.html", "updates/index.html", "methodology/index.html", "404.html"]
    paths += [f"programmes/{pid}/index.html" for pid in content.programmes]
    paths += [f"measures/{ms.programme}-{ms.number}/index.html" for ms in content.measures.values()]
    paths += [f"departments/{d}/index.html" for ms in content.measures.values() for d in (*ms.lead, *ms.support)]
    paths += [f"categories/{ms.category}/index.html" for ms in content.measures.values()]
    paths += [f"status/{a.status.value.replace('_', '-')}/index.html" for a in assess(content).values()]
    paths += [f"{slug}/index.html" for slug in content.pages]
    return sorted(set(paths))


def test_the_demo_has_pages_of_every_kind(content):
    paths = expected_pages(content)
    assert "about/index.html" in paths  # the demo has an about page
    assert sum(p.startswith("measures/") for p in paths) == len(content.measures) > 30
    assert sum(p.startswith("departments/") for p in paths) > 2
    assert sum(p.startswith("status/") for p in paths) > 2


@pytest.mark.parametrize("code", LANGS)
def test_every_entity_has_a_page_in_every_language(site, content, code):
    missing = [p for p in expected_pages(content) if not (site / code / p).is_file()]
    assert not missing, f"{code}: no page for {missing[:10]} ({len(missing)} missing)"


def test_root_has_a_language_chooser_and_a_404(site, content, base_url):
    assert (site / "404.html").is_file()
    root = page(site / "index.html")
    assert root.canonical() == [base_url]
    hrefs = {a["href"] for a in root.anchors}
    assert {f"{code}/index.html" for code in LANGS} <= hrefs
    assert set(root.alternates()) == {"zh-CN", "en", "x-default"}


def test_root_page_lets_readers_choose_without_redirecting(site):
    root = page(site / "index.html")
    assert not [a for tag, a in root.elements if tag == "meta" and a.get("http-equiv", "").lower() == "refresh"], \
        "the root page must not redirect: English readers would never see the choice"
    choices = {a["hreflang"]: a["href"] for a in root.anchors if a.get("hreflang")}
    assert choices == {"zh-CN": "zh/index.html", "en": "en/index.html"}
    text = " ".join(t for _, _, t in root.texts)
    assert "Read the bulletin in this language" in text and "阅读中文版公报" in text  # each choice in its own language


def _meta(p: Page, key: str, value: str) -> list[str]:
    return [a.get("content", "") for tag, a in p.elements if tag == "meta" and a.get(key) == value]


def test_x_default_is_the_same_in_pages_and_sitemap(site, base_url):
    tree = ET.parse(site / "sitemap.xml")
    in_sitemap = {}
    for url in tree.getroot().iter(f"{SM}url"):
        loc = url.find(f"{SM}loc").text
        in_sitemap[loc] = next(link.get("href") for link in url.iter(f"{XHTML}link") if link.get("hreflang") == "x-default")
    disagree = []
    for code in LANGS:
        for f in html_files(site / code):
            canonical = page(f).canonical()[0]
            if canonical in in_sitemap and page(f).alternates()["x-default"] != in_sitemap[canonical]:
                disagree.append(canonical)
    assert len(in_sitemap) > 100 and not disagree, f"x-default differs between page and sitemap: {disagree[:5]}"
    assert in_sitemap[f"{base_url}en/"] == base_url  # the home page's x-default is the language choice


def test_every_page_has_its_own_description_and_open_graph_tags(site, content):
    seen: dict[str, str] = {}
    for code in LANGS:
        for f in html_files(site / code):
            p = page(f)
            if "noindex" in " ".join(_meta(p, "name", "robots")):
                continue  # filtered views and 404 pages are not for search engines
            description = _meta(p, "name", "description")
            assert len(description) == 1 and description[0].strip(), f
            assert description[0] not in seen, f"{f} and {seen.get(description[0])} share a description"
            seen[description[0]] = str(f)
            for prop in ("og:title", "og:description", "og:url", "og:type", "og:locale"):
                assert _meta(p, "property", prop), f"{f}: no {prop}"
            assert _meta(p, "property", "og:url") == p.canonical(), f
    assert _meta(page(site / "index.html"), "name", "description")[0].strip()


@pytest.mark.parametrize("code", LANGS)
def test_measure_description_names_the_measure_and_its_status(site, content, code):
    statuses = assess(content)
    words = {"zh": "无数据", "en": "No data"}[code]
    for mid, ms in list(content.measures.items())[:10]:
        description = _meta(page(site / code / "measures" / mid / "index.html"), "name", "description")[0]
        assert ms.title[code] in description, (mid, description)
        if statuses[mid].status.value == "no_data":
            assert words in description, (mid, description)


def test_404_pages_are_not_indexed(site):
    for f in [site / "404.html"] + [site / code / "404.html" for code in LANGS]:
        assert "noindex" in " ".join(_meta(page(f), "name", "robots")), f


def test_every_page_has_a_local_favicon(site, base_path):
    assert (site / "assets" / "favicon.svg").read_text(encoding="utf-8").lstrip().startswith("<svg")
    for f in html_files(site)[:200]:
        icons = [link["href"] for link in page(f).links if "icon" in link.get("rel", "").split()]
        assert icons and not any(h.startswith(("http:", "https:", "//")) for h in icons), f
        assert resolve(site, f, icons[0], base_path) == site / "assets" / "favicon.svg", f


def test_every_page_declares_its_language(site):
    for f in html_files(site):
        rel = f.relative_to(site).parts
        code = rel[0] if rel[0] in LANGS else "zh"  # root pages are in the default language
        assert page(f).html_lang == LANGS[code], f


class _UnmarkedChinese(HTMLParser):
    """Chinese text on a page, outside any element marked lang="zh…" (charts and <title> aside)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.found: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if re.search(r"[\u3400-\u9fff]", data) and not {"svg", "title"} & {t for t, _ in self.stack}:
            lang = next((lang for _, lang in reversed(self.stack) if lang), "")
            if not lang.startswith("zh"):
                self.found.append(data.strip()[:50])


def test_chinese_words_on_english_pages_are_marked_as_chinese(site):
    """"(逾期未报)" in the status definitions, "(序时进度)" on the methodology page and "2000万元"
    on the about page (a catalogue message, a template, a Markdown page) were read as English."""
    offenders = [f"{path.relative_to(site)}: {text}" for path in sorted((site / "en").rglob("*.html"))
                 for text in _UnmarkedChinese(path.read_text(encoding="utf-8")).found]
    assert not offenders, offenders[:5]



def test_chinese_pages_bracket_with_full_width_parentheses(site):
    """Second-bulletin audit: "滞后 (3)" in report and change headings, "进展情况通报 (可打印…)"
    and "基数 12个 (2017年12月31日)": half-width brackets beside Chinese."""
    offenders = []
    for path in sorted((site / "zh").rglob("*.html")):
        text = re.sub(r"<svg.*?</svg>|<[^>]+>", "", path.read_text(encoding="utf-8"), flags=re.S)
        offenders += [f"{path.relative_to(site)}: {m}" for m in re.findall(r"[\u3400-\u9fff] ?\([^)]{0,40}\)", text)]
    assert not offenders, offenders[:5]

def test_every_page_has_canonical_and_hreflang_alternates(site, base_url):
    for code in LANGS:
        for f in html_files(site / code):
            p = page(f)
            rel = f.relative_to(site).as_posix()
            expected = base_url + rel.removesuffix("index.html")
            assert p.canonical() == [expected], f
            alternates = p.alternates()
            assert set(alternates) == {"zh-CN", "en", "x-default"}, f
            for other, html_lang in LANGS.items():
                other_rel = f"{other}/" + f.relative_to(site / code).as_posix()
                assert alternates[html_lang] == base_url + other_rel.removesuffix("index.html"), f
                assert (site / other_rel).is_file(), f"{f}: alternate {other_rel} does not exist"
            assert alternates["x-default"].startswith(base_url)


def test_the_language_switch_goes_to_the_same_page_and_back(site, base_path):
    checked = 0
    for code in LANGS:
        for f in html_files(site / code):
            switch = page(f).lang_switch()
            assert len(switch) == len(LANGS) - 1, f"{f}: language links {switch}"
            there = resolve(site, f, switch[0], base_path)
            other = next(c for c in LANGS if c != code)
            assert there == site / other / f.relative_to(site / code), f"{f}: switch goes to {there}"
            assert there.is_file()
            back = resolve(site, there, page(there).lang_switch()[0], base_path)
            assert back == f, f"{there}: switch goes back to {back}, not {f}"
            checked += 1
    assert checked > 150


def test_root_404_switches_to_the_other_language(site, base_path):
    switch = page(site / "404.html").lang_switch()
    assert [resolve(site, site / "404.html", href, base_path) for href in switch] == [site / "en" / "404.html"]


def test_root_404_says_it_in_every_language(site, base_path):
    # a server shows the root 404 for any bad address, an English one too: not in Chinese alone
    html = (site / "404.html").read_text(encoding="utf-8")
    main = html[html.index("<main"):html.index("</main>")]
    assert "页面不存在" in main and '<section class="not-found-other" lang="en"' in main and "Page not found" in main
    english = main[main.index('lang="en"'):]
    home = re.search(r'<a href="([^"]+)" hreflang="en">Go to the overview</a>', english)
    assert home and resolve(site, site / "404.html", home.group(1), base_path) == site / "en" / "index.html"
    assert "not-found-other" not in (site / "en" / "404.html").read_text(encoding="utf-8")  # a language's own 404: its language only


def test_footer_links_the_licence_without_printing_its_address(site):
    for code in LANGS:
        footer = (site / code / "index.html").read_text(encoding="utf-8").split('<footer', 1)[1]
        link = re.search(r'<a rel="license" href="([^"]+)">([^<]+)</a>', footer)
        assert link and link.group(1) == "https://creativecommons.org/licenses/by/4.0/"
        assert "CC BY 4.0" in link.group(2) and "https://" not in link.group(2), link.group(2)


# --------------------------------------------------------------------------- feeds, sitemap, robots

@pytest.mark.parametrize("code", LANGS)
def test_feed_is_atom_with_entries_linking_into_the_site(site, content, base_url, code):
    root = ET.parse(site / code / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == LANGS[code]
    assert root.findtext(f"{ATOM}title").strip()
    assert root.findtext(f"{ATOM}id") == f"{base_url}{code}/feed.xml"
    entries = root.findall(f"{ATOM}entry")
    reports = sum(len(t.progress) for ms in content.measures.values() for t in ms.targets)
    assert len(entries) == min(50, reports) > 0
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids), "entry ids are not unique"
    for entry in entries:
        assert entry.findtext(f"{ATOM}title").strip()
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", entry.findtext(f"{ATOM}updated"))
        href = entry.find(f"{ATOM}link").get("href")
        assert href.startswith(f"{base_url}{code}/measures/"), href
        assert from_url(site, base_url, href).is_file(), href
    dates = [e.findtext(f"{ATOM}updated") for e in entries]
    assert dates == sorted(dates, reverse=True), "newest first"


def test_sitemap_lists_pages_with_hreflang_alternates(site, content, base_url):
    root = ET.parse(site / "sitemap.xml").getroot()
    assert root.tag == f"{SM}urlset"
    urls = root.findall(f"{SM}url")
    locs = [u.findtext(f"{SM}loc") for u in urls]
    assert len(set(locs)) == len(locs)
    for u, loc in zip(urls, locs):
        assert from_url(site, base_url, loc).is_file(), loc
        alt = {link.get("hreflang"): link.get("href") for link in u.findall(f"{XHTML}link")}
        assert set(alt) == {"zh-CN", "en", "x-default"}, loc
        assert loc in alt.values()
        for href in alt.values():
            assert from_url(site, base_url, href).is_file(), href
    for code in LANGS:
        for ms in content.measures.values():
            assert f"{base_url}{code}/measures/{ms.programme}-{ms.number}/" in locs
        assert f"{base_url}{code}/" in locs
    assert not any(loc.endswith("404.html") for loc in locs)


def test_robots_txt_names_the_sitemap(site, base_url):
    text = (site / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {base_url}sitemap.xml" in text.splitlines()


# --------------------------------------------------------------------------- downloads

# Downloads speak the reader's language: headers and labels translated, codes in their own columns.
MEASURE_COLUMNS = {
    "en": ["Programme ID", "Number", "Measure ID", "Title", "Category", "Lead", "Supporting", "Deadline", "Status",
           "Status code", "Reason", "Address", "Due soon", "Targets reported", "Targets", "Explanation", "Next steps"],
    "zh": ["方案编号", "序号", "措施编号", "标题", "分类", "牵头单位", "配合单位", "完成时限", "状态", "状态代码", "说明", "网址",
           "即将到期", "已报告指标数", "指标", "原因说明", "下一步工作"],
}
PROGRESS_COLUMNS = {
    "en": ["Programme ID", "Measure ID", "Target ID", "Target name", "Kind", "Kind code", "Unit", "Baseline", "Target value",
           "Deadline", "Date", "Value", "Note", "Source ID", "Source", "Scale", "Original target value", "Original deadline"],
    "zh": ["方案编号", "措施编号", "指标编号", "指标名称", "类型", "类型代码", "单位", "基数", "目标值", "完成时限", "日期", "数值",
           "备注", "来源编号", "来源", "数量级", "原定目标值", "原定完成时限"],
}
LICENCE = {"en": "Licence", "zh": "许可协议"}
STATUS_WORDS = {"en": {"no_data": "Not yet reported", "behind": "Behind", "ongoing": "Ongoing"},
                "zh": {"no_data": "尚未报告", "behind": "滞后", "ongoing": "持续推进"}}


@pytest.mark.parametrize("code", LANGS)
def test_measures_csv(site, content, base_url, code):
    path = site / code / "data" / "measures.csv"
    assert path.read_bytes().startswith(BOM), "Excel needs the BOM to read UTF-8"
    header = next(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert header == MEASURE_COLUMNS[code] + [LICENCE[code]]  # the demo names a licence: every row carries it
    columns = dict(zip(MEASURE_COLUMNS["en"], header))
    rows = read_csv(path)
    assert len(rows) == len(content.measures)
    assert [r[columns["Measure ID"]] for r in rows] == list(content.measures)
    statuses = {mid: a.status.value for mid, a in assess(content).items()}
    for r in rows:
        ms = content.measures[r[columns["Measure ID"]]]
        assert r[columns["Title"]] == ms.title[code]
        assert r[columns["Status code"]] == statuses[ms.id]  # the code, for programs
        label = r[columns["Status"]]
        assert label != statuses[ms.id] and label == STATUS_WORDS[code].get(statuses[ms.id], label)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[columns["Deadline"]])  # ISO dates in every language
        assert r[columns["Reason"]].strip()
        assert r[columns["Address"]].startswith(f"{base_url}{code}/measures/")
        assert from_url(site, base_url, r[columns["Address"]]).is_file()


def test_zh_csv_has_chinese_titles(site):
    rows = read_csv(site / "zh" / "data" / "measures.csv")
    assert all(re.search(r"[\u4e00-\u9fff]", r["标题"]) for r in rows)


@pytest.mark.parametrize("code", LANGS)
def test_progress_csv(site, content, code):
    path = site / code / "data" / "progress.csv"
    assert path.read_bytes().startswith(BOM)
    header = next(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert header == PROGRESS_COLUMNS[code] + [LICENCE[code]]
    columns = dict(zip(PROGRESS_COLUMNS["en"], header))
    rows = read_csv(path)
    expected = [(ms.id, t.id, e.date.isoformat()) for ms in content.measures.values() for t in ms.targets for e in t.progress]
    assert len(rows) == len(expected) > 0
    assert [(r[columns["Measure ID"]], r[columns["Target ID"]], r[columns["Date"]]) for r in rows] == expected
    milestones = [r for r in rows if r[columns["Kind code"]] == "milestone"]
    assert milestones, "the demo has yes/no milestones"
    words = {"en": {"yes", "no"}, "zh": {"是", "否"}}[code]
    for r in milestones:  # words a spreadsheet keeps as text, never TRUE/FALSE
        assert r[columns["Value"]] in words and r[columns["Target value"]] in words
        assert r[columns["Kind"]] == {"en": "Yes/no milestone", "zh": "节点性任务"}[code]
    if code == "zh":
        assert any(re.search(r"[\u4e00-\u9fff]", r[columns["Target name"]]) for r in rows)


@pytest.mark.parametrize("code", LANGS)
def test_bulletin_json_has_every_measure_with_its_status(site, content, code):
    data = json.loads((site / code / "data" / "bulletin.json").read_text(encoding="utf-8"))
    assert data["language"] == code
    assert data["as_of"] == content.bulletin.as_of.isoformat()
    statuses = {mid: a.status.value for mid, a in assess(content).items()}
    assert {m["id"]: m["status"] for m in data["measures"]} == statuses
    for m in data["measures"]:
        assert m["title"] == content.measures[m["id"]].title[code]
        assert len(m["targets"]) == len(content.measures[m["id"]].targets)


# --------------------------------------------------------------------------- links

def test_internal_links_are_relative(site, base_url, base_path):
    checked = 0
    for f in html_files(site):
        for tag, attrs, value in page(f).refs:
            if tag == "link" and (attrs.get("rel") == "canonical" or "hreflang" in attrs):
                continue  # canonical and hreflang links are absolute by definition
            checked += 1
            assert not value.startswith(base_url), f"{f}: absolute internal link {value}"
            if is_404(site, f):
                if not value.startswith("#") and not urlsplit(value).scheme:
                    assert value.startswith(base_path), f"{f}: {value} does not work at any depth"
            else:
                assert not value.startswith("/"), f"{f}: root-relative link {value} breaks under a sub-path"
    assert checked > 5000


def test_every_link_asset_and_fragment_resolves(site, base_url):
    """The same checker as the browser suite, run here because it needs no browser."""
    problems = checks.check_links(site, base_url)
    assert not problems, [str(p) for p in problems[:10]]


def test_no_absolute_build_paths_leak(site):
    for f in site.rglob("*"):
        if f.is_file() and f.suffix in (".html", ".xml", ".csv", ".json", ".txt", ".css"):
            text = f.read_text(encoding="utf-8", errors="replace")
            assert str(site) not in text and str(ROOT) not in text, f


# --------------------------------------------------------------------------- localisation

def test_dates_are_written_the_chinese_way_in_chinese(site):
    home = (site / "zh" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", home)
    assert "2020年6月30日" in home  # the as-of date
    assert not re.search(r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October"
                         r"|November|December) \d{4}\b", home)


def test_dates_are_written_the_english_way_in_english(site):
    home = (site / "en" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"\b\d{1,2} [A-Z][a-z]+ \d{4}\b", home)
    assert "30 June 2020" in home
    assert not re.search(r"\d{4}年\d{1,2}月\d{1,2}日", home)


def test_numbers_are_localised():
    from bulletin.l10n import languages_for

    langs = languages_for(["zh", "en"])
    assert langs["zh"].number(146000) == "14.6万"
    assert langs["en"].number(146000) == "146,000"
    assert langs["en"].number(12804.68) == "12,804.68"
    assert langs["zh"].percent(0.875) == "88%"


# --------------------------------------------------------------------------- text fallback

def test_missing_english_title_falls_back_to_chinese_with_a_marker(content_dir, tmp_path_factory, tmp_path):
    measure = content_dir / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    text = measure.read_text(encoding="utf-8")
    assert "title: {zh: 建设养老驿站, en: Build elderly-care stations}" in text
    measure.write_text(text.replace("title: {zh: 建设养老驿站, en: Build elderly-care stations}",
                                    "title: {zh: 建设养老驿站}"), encoding="utf-8")
    bulletin = content_dir / "bulletin.yaml"
    bulletin.write_text(bulletin.read_text(encoding="utf-8").replace("missing_translations: error",
                                                                     "missing_translations: warning"), encoding="utf-8")
    out = tmp_path / "out"
    result = Builder(content_dir, TEMPLATES, THEME, out, cache=shared_chart_cache(tmp_path_factory)).build()
    assert any("title" in str(w) for w in result.warnings)

    en = Page((out / "en" / "measures" / "huitian-3" / "index.html").read_text(encoding="utf-8"))
    h1 = [(a, t) for tag, a, t in en.texts if tag == "h1"]
    assert len(h1) == 1 and "建设养老驿站" in h1[0][1]
    fallback = [(tag, a) for tag, a, t in en.texts if t == "建设养老驿站" and a.get("lang") == "zh-CN"]
    assert fallback, "the Chinese title is not marked lang=zh-CN on the English page"
    markers = [t for tag, a, t in en.texts if "fallback-marker" in a.get("class", "").split()]
    assert markers and all(t.strip() for t in markers)
    # The same fallback in lists of measures; the Chinese page has no marker.
    programme = (out / "en" / "programmes" / "huitian" / "index.html").read_text(encoding="utf-8")
    assert 'lang="zh-CN" class="fallback">建设养老驿站' in programme
    zh = (out / "zh" / "measures" / "huitian-3" / "index.html").read_text(encoding="utf-8")
    assert "fallback-marker" not in zh
    other = (out / "en" / "measures" / "huitian-4" / "index.html").read_text(encoding="utf-8")
    assert "fallback-marker" not in other


# --------------------------------------------------------------------------- chart markup

def test_ids_are_unique_on_every_page(site):
    from collections import Counter

    for f in html_files(site):
        ids = Counter(a["id"] for _, a in page(f).elements if "id" in a)
        assert not [i for i, n in ids.items() if n > 1], f


def test_chart_svg_does_not_depend_on_what_was_rendered_before(content):
    """vl-convert numbers clip paths with a process-wide counter; the page must not show it."""
    from bulletin.charts import ChartRenderer
    from bulletin.render import Renderer
    from bulletin.site import Site

    s = Site(content)
    first = Renderer(s, TEMPLATES, ChartRenderer(None))
    second = Renderer(s, TEMPLATES, ChartRenderer(None))  # a cold cache: renders again, counter moved on
    for kind in ("deadlines_per_month", "programme_statuses"):
        a = first.figure(kind, (), first.langs["en"])
        b = second.figure(kind, (), second.langs["en"])
        assert a.svg == b.svg, kind
        ids = re.findall(r'\bid="([^"]+)"', a.svg)
        assert len(set(ids)) == len(ids)


# --------------------------------------------------------------------------- filters

def _measure_links(html: str) -> set[str]:
    return set(re.findall(r'class="measure-title" href="[./]*measures/([^/]+)/index.html"', html))


@pytest.mark.parametrize("list_page", ["programmes/huitian-2019", "categories/community-services", "status/no-data"])
def test_filters_narrow_lists_with_plain_links(site, content, list_page):
    """Each filter link leads to a page listing exactly the measures with that value; no JavaScript involved."""
    from bulletin.site import Site

    derived = Site(content)
    base = site / "en" / list_page
    full = _measure_links((base / "index.html").read_text(encoding="utf-8"))
    links = re.findall(r'<nav class="filters".*?</nav>', (base / "index.html").read_text(encoding="utf-8"), re.S)
    assert links, f"{list_page} has no filters"
    targets = re.findall(r'href="((?:status|category|department|programme)/[^/]+)/index.html"', links[0])
    assert targets
    for target in targets:
        kind, value = target.split("/")
        html = (base / target / "index.html").read_text(encoding="utf-8")
        shown = _measure_links(html)
        if kind == "status":
            expected = {m for m in full if derived.status_of(m).value.replace("_", "-") == value}
        elif kind == "category":
            expected = {m for m in full if content.measures[m].category == value}
        elif kind == "department":
            expected = {m for m in full if value in (*content.measures[m].lead, *content.measures[m].support)}
        else:
            expected = {m for m in full if content.measures[m].programme == value}
        assert shown == expected and shown, f"{list_page} filtered by {kind}={value}"
        assert '<meta name="robots" content="noindex, follow">' in html
        assert 'aria-current="page"' in html
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert f"{list_page}/{targets[0]}/" not in sitemap, "filtered views stay out of the sitemap"


# --------------------------------------------------------------------------- statuses as a reader sees them (issue 11)

def test_no_measure_shows_no_data_while_a_target_has_a_report(site, content):
    out, assessments = site, assess(content)
    for mid, a in assessments.items():
        if any(t.reported for t in a.targets.values()):
            assert a.status != Status.NO_DATA, mid
            for code in ("zh", "en"):
                page = (out / code / "measures" / mid / "index.html").read_text(encoding="utf-8")
                verdict = re.search(r'<section class="verdict.*?</section>', page, re.S).group(0)
                assert "status-no-data" not in verdict, (mid, code)
    # The measure the issue names: 2 of 3 targets completed, the park open.
    a = assessments["huitian-action-2018-9"]
    assert a.status not in (Status.NO_DATA, Status.COMPLETED) and a.reported == 2
    page = (out / "en" / "measures" / "huitian-action-2018-9" / "index.html").read_text(encoding="utf-8")
    assert "2 of 3 targets reported, 2 completed." in page


def test_no_past_deadline_unreported_target_or_measure_shows_no_data(site, content):
    out, assessments = site, assess(content)
    late = 0
    for mid, a in assessments.items():
        for tid, ta in a.targets.items():
            if not ta.reported and ta.deadline and ta.as_of > ta.deadline and ta.status != Status.ONGOING:
                assert ta.status == Status.OVERDUE_UNREPORTED, (mid, tid)
                late += 1
        if a.deadline and content.as_of(content.measures[mid].programme) > a.deadline and not any(t.reported for t in a.targets.values()):
            assert a.status in (Status.OVERDUE_UNREPORTED, Status.ONGOING), mid
            page = (out / "en" / "measures" / mid / "index.html").read_text(encoding="utf-8")
            assert "status-no-data" not in re.search(r'<section class="verdict.*?</section>', page, re.S).group(0)
    assert late > 0  # the demo has such targets (35 of its 70 measures are past their deadline)


FIGURE_THEN_SCALE = re.compile(r"\d\s*(?:10,000|10000|一万) ?yuan|万万|\d[\d,.]*\s+10,000\b")


def test_no_page_shows_wan_wan_or_a_scale_after_a_figure(site):
    out = site
    offenders = []
    for path in sorted(out.rglob("*.html")):
        text = html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
        text = re.sub(r"\s+", " ", text)
        for match in FIGURE_THEN_SCALE.finditer(text):
            offenders.append(f"{path.relative_to(out)}: …{text[max(0, match.start() - 30):match.end() + 10]}…")
    assert not offenders, offenders[:5]
    zh = (out / "zh" / "measures" / "beijing-citywide-2017-7" / "index.html").read_text(encoding="utf-8")
    en = (out / "en" / "measures" / "beijing-citywide-2017-7" / "index.html").read_text(encoding="utf-8")
    assert "1.3亿元" in zh and "130 million yuan" in en


def test_home_shows_completed_and_overdue_work_and_cards_open_their_own_lists(site, content):
    out, assessments = site, assess(content)
    for code in ("zh", "en"):
        home = (out / code / "index.html").read_text(encoding="utf-8")
        assert 'id="h-late"' in home and 'id="h-done"' in home
        late = [m for m, a in assessments.items() if a.status in (Status.OVERDUE, Status.OVERDUE_UNREPORTED)]
        section = re.search(r'id="h-late".*?</section>', home, re.S).group(0)
        assert len(re.findall(r'href="measures/', section)) == min(8, len(late))
        cards = re.search(r'id="h-programmes".*?</section>', home, re.S).group(0)
        for pid in content.programmes:
            card = re.search(rf'<li class="card">\s*<h3><a href="programmes/{pid}/index.html">.*?</li>\s*</ul>\s*</li>', cards, re.S).group(0)
            links = re.findall(r'<ul class="status-counts">.*?</ul>', card, re.S)[0]
            hrefs = re.findall(r'href="([^"]+)"', links)
            assert hrefs and all(h.startswith(f"programmes/{pid}/") for h in hrefs), (pid, hrefs)
            for h in hrefs:
                assert (out / code / h).exists(), h


def test_home_leads_with_the_counts_and_what_changed_before_the_introduction_and_chart(site):
    """On a phone the counts by status and what changed since the last round were two screens
    down, under the introduction and the chart: they come right after the H1."""
    expected = {"zh": "自2019年12月11日以来：新出现滞后或逾期8项、新完成0项。",
                "en": "Since 11 December 2019: 8 newly behind or overdue, 0 newly completed."}
    for code in ("zh", "en"):
        home = (site / code / "index.html").read_text(encoding="utf-8")
        order = [home.index(marker) for marker in ("<h1>", 'class="status-counts"', 'class="since-last"',
                                                   'class="lead"', '<figure class="chart"')]
        assert order == sorted(order), (code, order)
        line = re.search(r'<p class="since-last">(.*?)</p>', home, re.S).group(1)
        text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", line)))
        assert text.startswith(expected[code]), text
        assert 'href="changes/index.html#changes-slipped"' in line


def test_a_status_page_is_headed_by_its_status_at_heading_size(site):
    """The only H1 of a status page (and its filtered pages) was a 14 px badge, smaller than the
    H2 below it: it says "Status: <badge>", and the badge takes the heading's size."""
    for code, heading in (("zh", "状态：!? 逾期未报"), ("en", "Status: !? Overdue, not reported")):
        for rel in ("status/overdue-unreported/index.html", "status/overdue-unreported/category/governance-structure/index.html"):
            h1 = re.search(r"<h1>(.*?)</h1>", (site / code / rel).read_text(encoding="utf-8"), re.S).group(1)
            assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", h1)).strip() == heading, (code, rel, h1)
    assert re.search(r"^h1 \.status \{ font-size: 0\.8em;", (site / "assets" / "style.css").read_text(encoding="utf-8"), re.M)


ONE_THEN_PLURAL = re.compile(r"(?<![\d,.])1 (measures|programmes|targets)\b")


def test_english_counts_of_one_are_singular(site):
    """A department with one measure says "1 measure." (the demo has 18 such pages), and the
    Chinese page keeps its own wording (Chinese has one form)."""
    offenders = []
    for path in sorted((site / "en").rglob("*.html")):
        text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))))
        offenders += [f"{path.relative_to(site)}: …{text[max(0, m.start() - 30):m.end() + 10]}…" for m in ONE_THEN_PLURAL.finditer(text)]
    assert not offenders, offenders[:5]
    one = site / "en" / "departments" / "daxing-district" / "index.html"
    assert "<p>1 measure.</p>" in one.read_text(encoding="utf-8")
    assert "<p>共1项措施。</p>" in (site / "zh" / "departments" / "daxing-district" / "index.html").read_text(encoding="utf-8")


DOUBLE_ESCAPED = re.compile(r"&(?:amp|quot|lt|gt|apos|#\d+|#x[0-9a-fA-F]+);")


def test_no_text_is_escaped_twice(site):
    """What a reader sees never shows an HTML entity: the measure pages' citation line showed
    `Set up &#34;community secretary studio&#34;` (a title escaped in the template, then again)."""
    offenders = []
    for path in sorted(site.rglob("*.html")):
        text = html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
        offenders += [f"{path.relative_to(site)}: …{text[max(0, m.start() - 40):m.end() + 10]}…" for m in DOUBLE_ESCAPED.finditer(text)]
    assert not offenders, offenders[:5]


def test_chinese_source_lines_use_chinese_punctuation(site):
    """— 北京日报，2019年12月11日: the publisher and date were joined by an English comma."""
    lines = [m for path in (site / "zh" / "measures").rglob("index.html")
             for m in re.findall(r'<span class="source-meta">(.*?)</span>', path.read_text(encoding="utf-8"))]
    dated = [line for line in lines if "<time" in line]
    assert dated and not [line for line in dated if ", <time" in line]
    assert all("，<time" in line for line in dated)


# --- a bulletin unlike the demo, built once: what its edge cases read like ------------------

@pytest.fixture(scope="module")
def variant(tmp_path_factory):
    """The minimal fixture with a programme that has no measures yet, a department with no work,
    English as the default language, and a page in Chinese only whose links are checked."""
    from bulletin.builder import Builder

    root = tmp_path_factory.mktemp("variant")
    content = root / "content"
    shutil.copytree(MINIMAL, content)
    (content / "programmes" / "later.yaml").write_text(
        "id: later\ntitle: {zh: 后续方案, en: A later plan}\nperiod: {start: 2020-01-01, end: 2020-12-31}\n"
        "sources: [huitian-plan]\nsummary: {zh: 措施待定。, en: Measures to follow.}\n", encoding="utf-8")
    departments = content / "departments.yaml"
    departments.write_text(departments.read_text(encoding="utf-8") + "- id: idle\n  name: {zh: 空闲单位, en: An idle office}\n",
                           encoding="utf-8")
    bulletin = content / "bulletin.yaml"  # the page below is in Chinese only: the English one falls back to it
    bulletin.write_text(bulletin.read_text(encoding="utf-8").replace("missing_translations: error", "missing_translations: warning")
                        + "default_language: en\n", encoding="utf-8")
    (content / "pages" / "guide.zh.md").write_text(
        "# 指南\n\n[方法](/zh/methodology/)\n\n[部分](../methodology/#nowhere)\n\n[坏链接](../sourcez/)\n\n"
        "[好](../methodology/) [措施](../measures/huitian-3/) [下载](../data/measures.csv) [外部](https://example.org/) "
        "[邮件](mailto:a@example.org)\n", encoding="utf-8")
    out = root / "out"
    result = Builder(content, ROOT / "templates", ROOT / "theme", out, cache=shared_chart_cache(tmp_path_factory)).build()
    return content, out, result


def test_a_programme_without_measures_and_a_department_without_work_read_as_such(variant):
    """A programme published before its measures had an empty chart and "0项措施（）" in the home
    chart's summary; a department with no measures that issues nothing was called "Issuer only"."""
    _, out, _ = variant
    zh_home = (out / "zh" / "index.html").read_text(encoding="utf-8")
    assert "后续方案：暂无措施" in zh_home and "（）" not in zh_home
    page = (out / "en" / "programmes" / "later" / "index.html").read_text(encoding="utf-8")
    assert '<figure class="chart"' not in page and "No measures." in page
    table = (out / "en" / "departments" / "index.html").read_text(encoding="utf-8")
    row = table[table.index("An idle office"):].split("</tr>", 1)[0]
    assert "No measures yet" in row and "Issuer only" not in row


def test_the_root_page_leads_in_the_default_language(variant):
    """With `default_language: en` the root page is `<html lang="en">`; its title led in Chinese."""
    content, out, _ = variant
    root = (out / "index.html").read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", root).group(1)
    english = check(content).content.bulletin.title["en"]
    assert '<html lang="en"' in root and title.startswith(html.escape(english, quote=False))


def test_links_in_a_markdown_page_that_lead_nowhere_are_warned_at_their_line(variant):
    """`[…](../sourcez/)`, a `#part` not on its page and a link from the host's root: nothing else
    would find them before readers do. The English page falls back to the Chinese file, and
    is warned of at that file; links that work are not warned of."""
    content, _, result = variant
    warnings = [str(w) for w in result.warnings if "the link" in w.message]
    guide = f"{content}/pages/guide.zh.md"
    assert any(w.startswith(f"{guide}:3:1:") and "starts from the host's root" in w for w in warnings), warnings
    assert any(w.startswith(f"{guide}:5:1:") and "has no part `#nowhere`" in w for w in warnings), warnings
    assert f"{guide}:7:1: (file): warning: the link `../sourcez/` leads to no page or file of the site; correct it (links " \
           "between pages are relative to this page's address, zh/guide/index.html, e.g. ../methodology/)" in warnings
    assert not [w for w in warnings if "guide.en.md" in w]
    assert not [w for w in warnings if any(ok in w for ok in ("`../methodology/`", "huitian-3", "measures.csv", "example.org", "mailto"))]


def test_a_long_list_of_updates_is_kept_short_with_a_page_per_month(tmp_path, tmp_path_factory, monkeypatch):
    """Every progress report on one page was 1.2 MB at 300 measures. Beyond `UPDATES_ON_INDEX`
    reports, the updates page lists the newest and links a page per month, where every
    report is listed once; each month's page links the months beside it."""
    from bulletin import site as site_module
    from bulletin.site import Site

    monkeypatch.setattr(site_module, "UPDATES_ON_INDEX", 3)
    out = tmp_path / "out"
    Builder(MINIMAL, TEMPLATES, THEME, out, cache=shared_chart_cache(tmp_path_factory)).build()
    updates = Site(check(MINIMAL).content).updates()
    months = sorted({u.entry.date.strftime("%Y-%m") for u in updates}, reverse=True)
    assert len(updates) > 3 and len(months) > 2
    for code in LANGS:
        index = Page((out / code / "updates" / "index.html").read_text(encoding="utf-8"))
        assert len(re.findall(r'<p class="update-date">', (out / code / "updates" / "index.html").read_text(encoding="utf-8"))) == 3
        month_of = lambda page: [m.group(1) for a in page.anchors if "lang-switch" not in a.get("class", "") and (m := re.search(r"(?:^|/)(\d{4}-\d\d)/(?:index\.html)?$", a.get("href", "")))]
        assert month_of(index) == months  # every month, newest first
        listed = []
        for i, month in enumerate(months):
            text = (out / code / "updates" / month / "index.html").read_text(encoding="utf-8")
            dates = re.findall(r'<p class="update-date"><time datetime="([\d-]+)"', text)
            assert dates and all(d.startswith(month) for d in dates) and dates == sorted(dates, reverse=True), (code, month)
            listed += dates
            assert month_of(Page(text)) == [m for m in (months[i - 1] if i else None, months[i + 1] if i + 1 < len(months) else None) if m]
        assert sorted(listed) == sorted(u.entry.date.isoformat() for u in updates)  # each report on its month's page, once
    zh = (out / "zh" / "updates" / months[0] / "index.html").read_text(encoding="utf-8")
    year, month = months[0].split("-")
    assert f"<h1>{year}年{int(month)}月进展报告</h1>" in zh
    assert re.search(r"</time></a> <span class=\"count\">（\d+条）</span>", (out / "zh" / "updates" / "index.html").read_text(encoding="utf-8"))


def test_a_short_list_of_updates_is_one_page(site):
    """The demo's 65 reports are all on the updates page, with no month pages."""
    assert not [p for p in (site / "en" / "updates").iterdir() if p.is_dir()]
    text = (site / "en" / "updates" / "index.html").read_text(encoding="utf-8")
    assert "Every progress report, newest first." in text and 'id="months"' not in text
