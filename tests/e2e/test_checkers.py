"""The checkers can fail: a deliberately broken site (broken_site/) makes them report its
problems, and a small hand-written good site (good_site/) passes them all."""

from __future__ import annotations

import pytest

from . import checks
from .conftest import LOCAL_HOSTS

pytestmark = pytest.mark.browser


# ----------------------------------------------------------------------------- broken site


def test_link_checker_reports_the_missing_page(fixture_sites):
    problems = checks.check_links(fixture_sites["broken"])
    assert [(p.file, p.kind, p.target) for p in problems] == [("index.html", "missing", "missing-page.html")]
    assert problems[0].line == 10


def test_link_checker_reports_foreign_resources_anchors_and_escapes(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "index.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><title>t</title>'
        '<link rel="stylesheet" href="https://cdn.example.com/x.css"></head><body>'
        '<a href="https://www.gov.cn/">a source: fine</a>'
        '<a href="#nowhere">bad anchor</a><a href="../../../etc/passwd">escape</a>'
        '<a href="/elsewhere/">outside the base path</a>'
        '<img alt="" src="/base/sub/">'
        '</body></html>', encoding="utf-8")
    problems = checks.check_links(tmp_path, "https://example.org/base/")
    kinds = sorted((p.kind, p.target) for p in problems)
    assert kinds == [
        ("anchor", "#nowhere"),
        ("external-resource", "https://cdn.example.com/x.css"),
        ("outside-base", "../../../etc/passwd"),
        ("outside-base", "/elsewhere/"),
    ]


def test_vnu_reports_the_image_without_alt(fixture_sites, vnu_jar):
    problems = checks.check_html_vnu(fixture_sites["broken"], vnu_jar=vnu_jar)
    assert problems, "vnu found nothing wrong with the broken page"
    assert any("alt" in p.message and p.file == "index.html" for p in problems), [str(p) for p in problems]


def test_axe_reports_the_image_without_alt(fixture_sites, browser, axe_js):
    context = browser.new_context(bypass_csp=True)
    checks.route_local_only(context, LOCAL_HOSTS)
    try:
        page = context.new_page()
        watcher = checks.PageWatcher(page, LOCAL_HOSTS)
        with checks.StaticServer(fixture_sites["broken"]) as srv:
            assert watcher.visit(srv.url + "index.html") == []
            violations = checks.run_axe(page, axe_js)
            assert "image-alt" in {v["id"] for v in violations}, violations
            # the watcher notices requests to other hosts and failed loads
            page.evaluate("() => fetch('http://cdn.example.com/lib.js').catch(() => null)")
            page.evaluate("() => fetch('missing.js').catch(() => null)")
            page.wait_for_timeout(200)
            assert watcher.foreign == ["http://cdn.example.com/lib.js"]
            assert any("HTTP 404" in e and "missing.js" in e for e in watcher.errors), watcher.errors
    finally:
        context.close()


# ----------------------------------------------------------------------------- good site


def test_good_site_passes_static_checks(fixture_sites, vnu_jar):
    root = fixture_sites["good"]
    assert checks.site_base_url(root) == "https://example.org/sub/"
    assert checks.check_links(root) == []
    assert checks.check_sitemap(root) == []
    assert checks.check_html_vnu(root, vnu_jar=vnu_jar) == []


def test_good_site_passes_browser_checks(fixture_sites, browser, axe_js):
    root = fixture_sites["good"]
    context = browser.new_context(bypass_csp=True)
    checks.route_local_only(context, LOCAL_HOSTS)
    try:
        page = context.new_page()
        watcher = checks.PageWatcher(page, LOCAL_HOSTS)
        with checks.StaticServer(root, "/sub/") as srv:
            for rel in checks.html_files(root):
                url = srv.url + rel.as_posix()
                assert watcher.visit(url) == [], url
                assert checks.run_axe(page, axe_js) == [], url
            # a deep missing URL gets 404.html, whose root-relative links still work
            assert watcher.visit(srv.url + "zh/a/b/c/", expect_status=404) == []
            # language switch: same page in the other language and back
            page.goto(srv.url + "zh/measures/m1/")
            checks.find_lang_switch(page, "en").click()
            page.wait_for_url("**/en/measures/m1/index.html")
            checks.find_lang_switch(page, "zh").click()
            page.wait_for_url("**/zh/measures/m1/index.html")
    finally:
        context.close()


def test_sample_pages_groups_pages_by_type(fixture_sites):
    samples = checks.sample_pages(fixture_sites["good"])
    assert samples == {
        "root:404": ["404.html"],
        "en:home": ["en/index.html"],
        "en:measure": ["en/measures/index.html", "en/measures/m1/index.html"],
        "zh:home": ["zh/index.html"],
        "zh:measure": ["zh/measures/index.html", "zh/measures/m1/index.html"],
    }
