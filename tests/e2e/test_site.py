"""End-to-end tests of the built demo site in headless Chromium (see conftest.py for the setup)."""

from __future__ import annotations

import pytest

from . import checks

pytestmark = pytest.mark.browser

LANGS = ("zh", "en")
PAGE_TYPES = ("home", *checks.PAGE_TYPES, "404")
MAX_LISTED = 40


def _report(title: str, lines: list[str]) -> str:
    shown = lines[:MAX_LISTED]
    more = f"\n… and {len(lines) - MAX_LISTED} more" if len(lines) > MAX_LISTED else ""
    return f"{title} ({len(lines)}):\n" + "\n".join(shown) + more


def _pages_of(samples, lang: str, kind: str) -> list[str]:
    if kind == "404":
        return samples.get(f"{lang}:404") or samples.get("root:404") or []
    return samples.get(f"{lang}:{kind}", [])


def _url(server, rel: str) -> str:
    return server.url + rel


# ----------------------------------------------------------------------------- structure


def test_site_has_both_languages_and_every_page_type(site_root, samples):
    langs = checks.languages(site_root)
    missing = [lang for lang in LANGS if lang not in langs]
    assert not missing, f"language folders missing: {missing}; found {langs}"
    absent = [f"{lang}:{kind}" for lang in LANGS for kind in PAGE_TYPES if not _pages_of(samples, lang, kind)]
    assert not absent, f"no page found for {absent}; page groups found: {sorted(samples)}"


def test_top_level_files(site_root):
    for name in ("index.html", "404.html", "sitemap.xml", "robots.txt"):
        assert (site_root / name).is_file(), f"{name} missing from the built site"


def test_sitemap_names_existing_pages(site_root, site_base_url):
    problems = checks.check_sitemap(site_root, site_base_url)
    assert not problems, _report("sitemap problems", [str(p) for p in problems])


# ----------------------------------------------------------------------------- links and HTML


def test_nu_html_checker_finds_no_errors(site_root, vnu_jar):
    problems = checks.check_html_vnu(site_root, vnu_jar=vnu_jar)
    assert not problems, _report("Nu Html Checker errors", [str(p) for p in problems])


# ----------------------------------------------------------------------------- every page in the browser


def test_every_page_loads_without_errors_or_foreign_requests(site_root, server, js_page):
    page, watcher = js_page
    failures = []
    for rel in checks.html_files(site_root):
        rel = rel.as_posix()
        for problem in watcher.visit(_url(server, rel)):
            failures.append(f"{rel}: {problem}")
    assert not failures, _report("pages with console errors, failed loads or requests to other hosts", failures)


@pytest.mark.parametrize("lang", LANGS)
def test_missing_url_serves_the_404_page_with_its_assets(server, js_page, lang):
    """A static host answers any missing URL, at any depth, with /404.html: its links must still work."""
    page, watcher = js_page
    url = _url(server, f"{lang}/no-such-page/at/depth/")
    problems = watcher.visit(url, expect_status=404)
    assert not problems, _report(f"problems on the 404 page served at {url}", problems)
    assert page.locator("h1").first.is_visible()
    for link in page.locator("a[href]").all():
        href = link.get_attribute("href")
        if href and not href.startswith(("http:", "https:", "mailto:", "#")):
            target = page.evaluate("(a) => a.href", link.element_handle())
            status = page.request.get(target).status
            assert status == 200, f"link {href!r} on the 404 page served at {url} resolves to {target} ({status})"


def test_root_page_leads_to_a_language_without_javascript(site_root, site_base_url, server, nojs_page):
    """output/index.html links to both language home pages and, if it redirects, lands on one of them."""
    collector = checks._RefCollector()
    collector.feed((site_root / "index.html").read_text(encoding="utf-8"))
    targets = {checks.url_key(checks.urljoin(site_base_url, url)) for _, attr, url, _ in collector.refs if attr == "href"}
    base_path = checks.base_path_of(site_base_url)
    for lang in LANGS:
        assert f"{base_path}{lang}/" in targets, f"index.html has no link to the {lang} home page"
    page = nojs_page
    page.goto(server.url)
    page.wait_for_timeout(500)  # a meta refresh of 0 s has fired by now
    landed = checks.url_key(page.url)
    allowed = {checks.url_key(server.url), *(checks.url_key(server.url + f"{lang}/") for lang in LANGS)}
    assert landed in allowed, f"the root page led to {page.url}"
    assert page.locator("main").is_visible()


# ----------------------------------------------------------------------------- language switch


def _switch_cases(samples):
    return sorted({rel for kind in PAGE_TYPES if kind != "404" for rel in _pages_of(samples, "zh", kind)})


def test_language_switch_lands_on_the_same_page_and_back(server, samples, js_page):
    page, _ = js_page
    failures = []
    cases = _switch_cases(samples)
    assert cases, "no zh pages to test"
    for rel in cases:
        start = _url(server, rel)
        page.goto(start)
        for to_lang, expected_rel in (("en", checks.counterpart(rel, "en")), ("zh", rel)):
            link = checks.find_lang_switch(page, to_lang)
            if link is None:
                failures.append(f"{page.url}: no visible link with hreflang={to_lang!r} (expected e.g. <a class=lang-switch hreflang=…>)")
                break
            with page.expect_navigation():
                link.click()
            expected = _url(server, expected_rel)
            if checks.url_key(page.url) != checks.url_key(expected):
                failures.append(f"{rel}: switch to {to_lang} went to {page.url}, expected {expected}")
                break
            html_lang = (page.get_attribute("html", "lang") or "").lower()
            if not html_lang.startswith(to_lang):
                failures.append(f"{page.url}: <html lang={html_lang!r}> after switching to {to_lang}")
    assert not failures, _report("language switch failures", failures)


# ----------------------------------------------------------------------------- without JavaScript


@pytest.mark.parametrize("lang", LANGS)
def test_content_and_charts_visible_without_javascript(server, samples, site_root, nojs_page, lang):
    page = nojs_page
    failures = []
    pages = sorted({rel for kind in PAGE_TYPES if kind != "404" for rel in _pages_of(samples, lang, kind)})
    charts_seen = 0
    for rel in pages:
        page.goto(_url(server, rel))
        main = page.locator("main")
        if main.count() != 1:
            failures.append(f"{rel}: expected one <main>, found {main.count()}")
            continue
        if not main.is_visible() or len(main.inner_text().strip()) < 5:
            failures.append(f"{rel}: <main> not visible or nearly empty without JavaScript")
        # Each chart is drawn for narrow and wide screens; CSS shows one of them.
        figures = page.locator("figure.chart")
        for i in range(figures.count()):
            shown = [svg for svg in figures.nth(i).locator("svg").all() if svg.is_visible()]
            box = shown[0].bounding_box() if len(shown) == 1 else None
            if box is None or box["width"] < 10 or box["height"] < 10:
                failures.append(f"{rel}: chart #{i + 1}: {len(shown)} drawings visible without JavaScript, expected 1 (box {box})")
            else:
                charts_seen += 1
        if (site_root / rel).read_text(encoding="utf-8").count("<figure") > page.locator("figure").count():
            failures.append(f"{rel}: fewer <figure>s in the page than in the HTML")
    home = f"{lang}/index.html"
    page.goto(_url(server, home))
    if page.locator("figure svg").count() == 0:
        failures.append(f"{home}: no chart (figure svg) on the home page without JavaScript")
    assert charts_seen or failures, "no chart seen at all"
    assert not failures, _report(f"{lang} pages without JavaScript", failures)


# ----------------------------------------------------------------------------- accessibility


@pytest.mark.parametrize("kind", PAGE_TYPES)
@pytest.mark.parametrize("lang", LANGS)
def test_axe_finds_no_wcag21_aa_violations(server, samples, js_page, axe_js, lang, kind):
    page, _ = js_page
    pages = _pages_of(samples, lang, kind)
    if not pages:
        pytest.fail(f"no {kind} page in {lang} (groups found: {sorted(samples)})", pytrace=False)
    reports = []
    for rel in pages:
        url = _url(server, rel)
        page.goto(url)
        violations = checks.run_axe(page, axe_js)
        if violations:
            reports.append(checks.format_axe(rel, violations))
    assert not reports, "axe-core WCAG 2.1 A/AA violations:\n" + "\n".join(reports)
