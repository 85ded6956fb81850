"""Markdown to safe HTML: Python-Markdown renders, nh3 (ammonia) sanitises.

Content is written by trusted editors, but a pasted snippet must still never bring
a script, an event handler or a `javascript:`/`data:` link onto a public site.
"""

from __future__ import annotations

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


# Large enough for every text of a city-sized bulletin (notes included) in every language.
@lru_cache(maxsize=1 << 16)
def render_markdown(text: str, *, inline: bool = False) -> Markup:
    """Render Markdown and sanitise it; `inline` drops the wrapping paragraph for one-line texts."""
    html = _converter().reset().convert(text or "")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                      link_rel="noopener noreferrer", attribute_filter=_same_site_or_scheme)
    if inline and clean.startswith("<p>") and clean.endswith("</p>") and clean.count("<p>") == 1:
        clean = clean[3:-4]
    return Markup(clean)
