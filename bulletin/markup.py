"""Markdown to safe HTML: Python-Markdown renders, nh3 (ammonia) sanitises.

Content is written by trusted editors, but a pasted snippet must still never bring
a script, an event handler or a `javascript:`/`data:` link onto a public site.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

from .safety import browser_reading

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "a", "abbr", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "hreflang"}, "abbr": {"title"}, "th": {"scope"}, "td": set()}
# Relative links and these schemes only: no javascript:, no data:.
URL_SCHEMES = {"http", "https", "mailto"}


def _same_site_or_scheme(tag: str, attribute: str, value: str) -> str | None:
    """Drops a scheme-relative link (`//host/x`, or `/\\host/x`, which browsers read the same):
    it goes to another host without saying so, as a relative link never does."""
    # as a browser reads it: `/&#9;/host` is `//host` (tabs and line breaks dropped), `/\\host` too
    if attribute in ("href", "src") and browser_reading(value).replace("\\", "/").startswith("//"):
        return None
    return value


_local = threading.local()


def _converter() -> markdown.Markdown:
    """This thread's Markdown converter: making one loads its extensions, which costs more than
    converting a short text, so each thread keeps one and resets it between texts (as
    Python-Markdown's documentation suggests for many documents)."""
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    return md


# Python-Markdown looks for the end of every `[` to the end of its paragraph, a time quadratic
# in the brackets (Python-Markdown issue #798): 20,000 of them took 106 s, `![` 210 s. No real
# paragraph has this many; one that does is shown with its brackets as written, links and all.
MAX_BRACKETS = 200
_BLOCKS = re.compile(r"(\n[ \t]*\n)")


def _brackets_as_text(text: str) -> str:
    """`text` with every `[` of a paragraph of more than MAX_BRACKETS escaped (`\\[`, drawn as `[`)."""
    if text.count("[") <= MAX_BRACKETS:
        return text
    return "".join(block.replace("[", "\\[") if block.count("[") > MAX_BRACKETS else block for block in _BLOCKS.split(text))


# Large enough for every text of a city-sized bulletin (notes included) in every language.
@lru_cache(maxsize=1 << 16)
def render_markdown(text: str, *, inline: bool = False) -> Markup:
    """Render Markdown and sanitise it; `inline` drops the wrapping paragraph for one-line texts."""
    html = _converter().reset().convert(_brackets_as_text(text or ""))
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                      link_rel="noopener noreferrer", attribute_filter=_same_site_or_scheme)
    if inline and clean.startswith("<p>") and clean.endswith("</p>") and clean.count("<p>") == 1:
        clean = clean[3:-4]
    return Markup(clean)
