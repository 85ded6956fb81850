"""Fixtures for the end-to-end tests: the built demo site, a local static server, headless Chromium.

The site is built once per session with ``python build.py --output <tmp>``, unless the
environment variable BULLETIN_SITE names an already built site folder.  It is served
with http.server on 127.0.0.1 under the path of the bulletin's base_url (so sub-path
hosting is exercised), and driven with Playwright in Debian's Chromium (/usr/bin/chromium,
or BULLETIN_CHROMIUM).  axe-core and vnu.jar are installed by .ci/run into .cache/node.

A missing tool skips these tests on a developer machine and fails them in CI (CI set).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import require_tool, shared_chart_cache

from . import checks

HERE = Path(__file__).resolve().parent
LOCAL_HOSTS = ("127.0.0.1",)


@pytest.fixture(scope="session")
def site_root(tmp_path_factory) -> Path:
    env = os.environ.get("BULLETIN_SITE")
    if env:
        root = Path(env).resolve()
        if not (root / "index.html").is_file():
            pytest.fail(f"BULLETIN_SITE={env} has no index.html", pytrace=False)
        return root
    root = tmp_path_factory.mktemp("site")
    # The published site, report PDFs included (the fast tests leave them out); its caches in
    # the session's temporary folder, seeded from the checkout's charts: no test writes into the checkout.
    cache = shared_chart_cache(tmp_path_factory)
    proc = subprocess.run([sys.executable, "build.py", "--output", str(root), "--cache", str(cache)], cwd=checks.REPO,
                          capture_output=True, text=True, timeout=600, env={**os.environ, "BULLETIN_REPORT_PDFS": "1"})
    if proc.returncode != 0 or not (root / "index.html").is_file():
        pytest.fail(f"`python build.py --output {root}` failed (exit {proc.returncode}):\n"
                    f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}", pytrace=False)
    return root


@pytest.fixture(scope="session")
def site_base_url(site_root) -> str:
    return checks.site_base_url(site_root)


@pytest.fixture(scope="session")
def server(site_root, site_base_url):
    with checks.StaticServer(site_root, checks.base_path_of(site_base_url)) as srv:
        yield srv


@pytest.fixture(scope="session")
def samples(site_root) -> dict[str, list[str]]:
    return checks.sample_pages(site_root)


@pytest.fixture(scope="session")
def playwright_instance():
    pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance, tmp_path_factory):
    executable = require_tool(checks.find_chromium(), "Chromium (/usr/bin/chromium)")
    browser = playwright_instance.chromium.launch(executable_path=executable, args=checks.CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def axe_js() -> Path:
    return require_tool(checks.find_axe_js(), "axe-core (.cache/node/node_modules/axe-core/axe.min.js)")


@pytest.fixture(scope="session")
def vnu_jar() -> Path:
    require_tool(checks.shutil.which("java"), "java")
    return require_tool(checks.find_vnu_jar(), "vnu.jar (.cache/node/node_modules/vnu-jar)")


def _context(browser, javascript: bool):
    context = browser.new_context(java_script_enabled=javascript, bypass_csp=True, locale="zh-CN",
                                  viewport={"width": 1280, "height": 900}, service_workers="block")
    context.set_default_timeout(15_000)
    checks.route_local_only(context, LOCAL_HOSTS)
    return context


@pytest.fixture(scope="session")
def js_page(browser):
    """One page with JavaScript, reused across tests (watcher lists are reset on each visit)."""
    context = _context(browser, javascript=True)
    page = context.new_page()
    watcher = checks.PageWatcher(page, LOCAL_HOSTS)
    yield page, watcher
    context.close()


@pytest.fixture()
def nojs_page(browser):
    context = _context(browser, javascript=False)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def fixture_sites():
    return {"good": HERE / "good_site", "broken": HERE / "broken_site"}
