"""Stage 4b (render): what a reader needs to reuse the figures — licence, citation, feedback.

Pure functions of the bulletin's configuration and the page; the templates and the
downloads call them, so the licence reads the same on every page, in every file.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from .l10n import Lang
from .model import Bulletin, Feedback


def licence_line(lang: Lang, bulletin: Bulletin, *, with_url: bool = True) -> str:
    """"Figures may be reused under CC BY 4.0 (https://…)." — or "" when no licence is named.
    Without `with_url` for a link's text: the link carries the address, and a raw URL in a
    page's footer is noise to a reader (downloads, reports and the citation keep it)."""
    lic = bulletin.licence
    if lic is None:
        return ""
    name = f"{lic.name} ({lic.url})" if lic.url and with_url else lic.name
    return lang.gettext("The figures may be reused under the licence %(licence)s, citing the source.") % {"licence": name}


def citation(lang: Lang, bulletin: Bulletin, *, title: str, url: str, as_of: dt.date) -> str:
    """How to cite one page: the bulletin's own wording, else organisation. title. date. URL."""
    if bulletin.citation:
        lead = lang.text(bulletin.citation).text.strip()
    else:
        lead = lang.gettext("%(organisation)s. %(bulletin)s.") % {
            "organisation": lang.text(bulletin.organisation).text, "bulletin": lang.text(bulletin.title).text}
    return lang.gettext("%(lead)s %(title)s. Figures as of %(date)s. %(url)s") % {
        "lead": lead, "title": title, "date": lang.date(as_of), "url": url}


def feedback_href(feedback: Feedback | None, lang: Lang, *, measure: str, number: int, title: str, page: str) -> str | None:
    """A link for reporting a correction on one measure, with the measure filled in; None when none is set.

    An email address becomes a mailto: link with subject and body; a web page gets the
    placeholders {measure}, {number}, {title} and {page} replaced, each URL-encoded."""
    if feedback is None:
        return None
    subject = lang.gettext("Correction: measure %(number)s, %(title)s") % {"number": number, "title": title}
    if feedback.url:
        values = {"measure": measure, "number": str(number), "title": title, "page": page}
        href = feedback.url
        for key, value in values.items():
            href = href.replace("{" + key + "}", quote(value, safe=""))
        return href
    if feedback.email:
        body = lang.gettext("Page: %(page)s\n\nWhat should be corrected, and the source that shows it:\n") % {"page": page}
        return f"mailto:{quote(feedback.email, safe='@')}?subject={quote(subject, safe='')}&body={quote(body, safe='')}"
    return None


def css_string(text: str) -> str:
    """`text` as the inside of a CSS string: letters, digits and spaces kept, all else escaped.

    Used for the running title of printed pages, inside a <style> element where HTML
    escaping does not apply; the result contains nothing that could end the string or the
    element."""
    return "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):x} " for ch in text)
