"""Search in the built demo site: both languages, keyboard only, screen readers (axe), no JavaScript."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from . import checks

pytestmark = pytest.mark.browser

QUERIES = {"zh": "养老", "en": "elderly care"}


def _measures_titled(lang: str, words: tuple[str, ...]) -> dict[str, str]:
    """Measure page paths whose title in `lang` contains one of `words`, from the demo content."""
    found = {}
    for path in sorted((checks.REPO / "content" / "measures").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        title = data["title"][lang]
        if any(w in title.lower() for w in words):
            found[f"{lang}/measures/{data['programme']}-{data['number']}/"] = title
    return found


EXPECTED = {"zh": ("养老",), "en": ("elderly care", "elderly-care")}


def _search(page, server, lang: str, query: str) -> list[tuple[str, str]]:
    page.goto(server.url + f"{lang}/search/index.html")
    page.locator("#search-input").wait_for(state="visible")
    page.fill("#search-input", query)
    page.press("#search-input", "Enter")
    page.locator("#search-status").filter(has_text=query).wait_for()
    links = page.locator("#search-results h2 a")
    return [(links.nth(i).get_attribute("href"), links.nth(i).inner_text()) for i in range(links.count())]


@pytest.mark.parametrize("lang", sorted(QUERIES))
def test_search_finds_the_measures_in_the_page_language(server, js_page, lang):
    page, watcher = js_page
    watcher.reset()
    results = _search(page, server, lang, QUERIES[lang])
    expected = _measures_titled(lang, EXPECTED[lang])
    assert len(expected) >= 2, "the demo has several elderly-care measures"
    resolved = {page.evaluate("(h) => new URL(h, location.href).href", href).removeprefix(server.url) for href, _ in results}
    missing = set(expected) - resolved
    assert not missing, f"{QUERIES[lang]!r} did not find {[expected[m] for m in missing]}; got {results}"
    assert all(r.startswith(f"{lang}/measures/") for r in resolved), resolved  # results in the page's language
    titles = set(expected.values())
    assert titles <= {title for _, title in results}
    assert watcher.errors == [] and watcher.foreign == []
    # a result opens its measure page
    page.locator("#search-results h2 a", has_text=next(iter(titles))).first.click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang").startswith(lang)
    assert "/measures/" in page.url


# Timers of the as-you-type delay are held until the test lets them run, so a late timer can be
# made to fire at the worst moment (after the reader has tabbed into the results) every time.
HOLD_TIMERS = """(() => {
  const held = new Map(); let next = 1e7; const set = window.setTimeout, clear = window.clearTimeout;
  window.setTimeout = (fn, ms, ...args) => {
    if (ms >= 100 && ms <= 1000) { const id = next++; held.set(id, () => fn(...args)); return id; }
    return set(fn, ms, ...args);
  };
  window.clearTimeout = (id) => { if (!held.delete(id)) clear(id); };
  window.releaseHeldTimers = () => { const fns = [...held.values()]; held.clear(); fns.forEach((f) => f()); return fns.length; };
})()"""


@pytest.fixture()
def held_timers_page(browser):
    from .conftest import _context

    context = _context(browser, javascript=True)
    context.add_init_script(HOLD_TIMERS)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("lang", sorted(QUERIES))
def test_search_works_with_the_keyboard_alone(server, held_timers_page, lang):
    page = held_timers_page
    page.goto(server.url + f"{lang}/search/index.html")
    page.locator("#search-input").wait_for(state="visible")
    page.locator("#search-input").focus()
    page.keyboard.type(QUERIES[lang])
    page.keyboard.press("Enter")
    page.locator("#search-status").filter(has_text=QUERIES[lang]).wait_for()
    assert page.locator("#search-results li").count() > 0
    page.locator("#search-results li a").first.wait_for(state="visible")  # results are drawn after the status line
    page.keyboard.press("Tab")  # the search button
    page.keyboard.press("Tab")  # the first result
    # The as-you-type search still pending from the typing must not redraw the results under the
    # reader's focus once they are there (it did, now and then: the focus fell back to the page).
    page.evaluate("() => window.releaseHeldTimers()")
    page.wait_for_timeout(300)
    focused = page.evaluate("() => document.activeElement.closest('#search-results') !== null")
    assert focused, "Tab from the search box reaches the results, and the focus stays there"
    href = page.evaluate("() => document.activeElement.href")
    page.keyboard.press("Enter")
    page.wait_for_url(href)


@pytest.mark.parametrize("lang", sorted(QUERIES))
def test_search_page_with_results_passes_axe(server, js_page, axe_js, lang):
    page, _ = js_page
    _search(page, server, lang, QUERIES[lang])
    violations = checks.run_axe(page, axe_js)
    assert not violations, checks.format_axe(f"{lang}/search/", violations)
    page.fill("#search-input", "zzzzqqqq")
    page.press("#search-input", "Enter")
    page.locator("#search-status").filter(has_text="zzzzqqqq").wait_for()
    assert page.locator("#search-results li").count() == 0


@pytest.mark.parametrize("lang", sorted(QUERIES))
def test_without_javascript_the_search_page_points_to_the_lists(server, nojs_page, lang):
    nojs_page.goto(server.url + f"{lang}/search/index.html")
    assert not nojs_page.locator("#search-form").is_visible()
    fallback = nojs_page.locator("#search-fallback")
    assert fallback.is_visible()
    hrefs = [fallback.locator("a").nth(i).get_attribute("href") for i in range(fallback.locator("a").count())]
    assert any("departments/" in h for h in hrefs) and any("status/" in h for h in hrefs)


def test_only_the_search_pages_have_javascript(site_root: Path):
    with_script = sorted(p.relative_to(site_root).as_posix() for p in site_root.rglob("*.html")
                         if "<script" in p.read_text(encoding="utf-8"))
    assert with_script and all(p.endswith("search/index.html") for p in with_script), with_script
