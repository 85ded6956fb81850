"""Markdown in content becomes safe HTML, and content text is escaped everywhere it is shown."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from markupsafe import Markup

from bulletin.builder import Builder
from bulletin.markup import render_markdown

from conftest import shared_chart_cache  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
THEME = ROOT / "theme"

DANGEROUS = ["<script>alert", "onerror=", "onclick=", "javascript:", "data:text/html"]



# --------------------------------------------------------------------------- render_markdown

def test_markdown_renders_ordinary_formatting():
    html = render_markdown("Some **bold**, *em* and `code`.\n\n- one\n- two\n\n[link](https://example.org/a)")
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html and "<code>code</code>" in html
    assert "<ul>" in html and "<li>one</li>" in html
    assert '<a href="https://example.org/a" rel="noopener noreferrer">link</a>' in html
    assert isinstance(html, Markup)


def test_markdown_tables_are_kept():
    html = render_markdown("| a | b |\n| --- | --- |\n| 1 | 2 |")
    assert "<table>" in html and "<th>a</th>" in html and "<td>2</td>" in html


def test_relative_and_mailto_links_are_kept():
    html = render_markdown("[doc](../sources/x.txt) [mail](mailto:a@example.org) [top](#main)")
    assert 'href="../sources/x.txt"' in html
    assert 'href="mailto:a@example.org"' in html
    assert 'href="#main"' in html


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "text <script>alert(1)</script> more",
    "<img src=x onerror=alert(1)>",
    '<a href="#" onclick="alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "[y](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<svg onload=alert(1)>',
    '<p onmouseover="alert(1)">hover</p>',
    "<style>body{display:none}</style>",
])
def test_dangerous_markup_is_removed(source):
    html = str(render_markdown(source)).lower()
    for bad in ["<script", "onerror", "onclick", "onload", "onmouseover", "javascript:", "data:text/html",
                "<iframe", "<style", "style=", "<img", "<svg"]:
        assert bad not in html, f"{source!r} → {html!r}"


def test_harmless_text_around_removed_markup_survives():
    html = render_markdown('Before <a href="#" onclick="z">link</a> after')
    assert "Before" in html and "link" in html and "after" in html
    assert 'href="#"' in html and "onclick" not in html


def test_text_that_looks_like_html_is_escaped_not_dropped():
    html = render_markdown("1 < 2 & 3 > 2")
    assert "1 &lt; 2 &amp; 3 &gt; 2" in html


def test_inline_drops_the_single_paragraph_only():
    assert render_markdown("just *this*", inline=True) == "just <em>this</em>"
    two = render_markdown("one\n\ntwo", inline=True)
    assert two.count("<p>") == 2


def test_empty_and_missing_text():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


# --------------------------------------------------------------------------- in the built site

@pytest.fixture
def hostile_site(content_dir: Path, tmp_path: Path, tmp_path_factory) -> Path:
    """The minimal fixture with script in a measure's title and description."""
    measure = content_dir / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    text = measure.read_text(encoding="utf-8")
    old = "title: {zh: 建设养老驿站, en: Build elderly-care stations}"
    assert old in text
    description = (
        "description:\n"
        "  zh: |\n"
        "    养老驿站 <script>alert(1)</script>\n\n"
        "    <img src=x onerror=alert(1)>\n\n"
        "    [x](javascript:alert(1)) [y](data:text/html;base64,xx)\n\n"
        '    <a href="#" onclick="z">点击</a> and **bold**\n'
        "  en: |\n"
        "    Stations <script>alert(1)</script>\n\n"
        "    <img src=x onerror=alert(1)>\n\n"
        "    [x](javascript:alert(1)) [y](data:text/html;base64,xx)\n\n"
        '    <a href="#" onclick="z">click</a> and **bold**\n'
    )
    new = ("title: {zh: '<script>alert(1)</script>建设养老驿站', en: '<script>alert(1)</script>Build stations'}\n"
           + description)
    measure.write_text(text.replace(old, new), encoding="utf-8")
    out = tmp_path / "out"
    Builder(content_dir, TEMPLATES, THEME, out, cache=shared_chart_cache(tmp_path_factory)).build()
    return out


@pytest.mark.parametrize("code", ["zh", "en"])
def test_measure_page_shows_the_title_escaped_and_no_script(hostile_site, code):
    html = (hostile_site / code / "measures" / "huitian-3" / "index.html").read_text(encoding="utf-8")
    for bad in DANGEROUS:
        assert bad not in html, f"{bad!r} on the {code} measure page"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the title, shown as text
    assert "<strong>bold</strong>" in html  # the description's Markdown still renders
    assert "Stations" in html or "养老驿站" in html


def test_no_page_feed_or_download_carries_the_script(hostile_site):
    checked = 0
    for f in hostile_site.rglob("*"):
        if f.suffix in (".html", ".xml"):
            text = f.read_text(encoding="utf-8")
            for bad in DANGEROUS:
                assert bad not in text, f"{bad!r} in {f.relative_to(hostile_site)}"
            checked += 1
    assert checked > 50
    # Lists show the escaped title too.
    listing = (hostile_site / "en" / "programmes" / "huitian" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Build stations" in listing
    # The feed stays well-formed XML with the title as text.
    for code in ("zh", "en"):
        feed = ET.parse(hostile_site / code / "feed.xml").getroot()
        summaries = [e.text or "" for e in feed.iter("{http://www.w3.org/2005/Atom}summary")]
        assert any("<script>alert(1)</script>" in s for s in summaries)  # as text, not markup


@pytest.mark.parametrize("href", ["//evil.example/x", "/\\evil.example/x", " //evil.example/x",
                                  '"/&#9;/evil.example/x"', '"/&#10;/evil.example/x"', '"&#9;//evil.example/x"'])
def test_a_scheme_relative_link_to_another_host_is_dropped(href):
    """`//host/x` looks relative but goes to another host (and `/\\host` reads the same)."""
    # an encoded tab or line break (hostile-input audit): browsers drop them, so `/<tab>/host` is `//host`
    html = render_markdown(f"<a href={href}>x</a>" if href.startswith('"') else f"[x]({href})", inline=True)
    assert "evil.example" not in html and ">x</a>" in html


def test_a_paragraph_of_thousands_of_brackets_renders_at_once_as_written():
    """Hostile-input review: Python-Markdown looks for the end of every `[` to the end of its
    paragraph (its issue #798), so 20,000 of them took 106 s and `![` 210 s, per text and language.
    Such a paragraph is shown with its brackets as written; the others keep their links. The
    alarm only turns a hang into a failure."""
    import signal

    from bulletin.markup import render_markdown

    def hang(*_):
        raise TimeoutError("rendering took more than 30 s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(30)
    try:
        for text in ("[" * 20_000, "[a](" * 20_000, "![" * 20_000):
            html = str(render_markdown("See [the plan](plan.md).\n\n" + text))
            assert '<a href="plan.md"' in html  # the other paragraph keeps its link
            assert html.count("[") >= 20_000 and "\\[" not in html  # the brackets shown as written
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert str(render_markdown("[a](b) " * 150)).count("<a ") == 150  # a paragraph of many links is one still
