"""Rules for what content may contain, shared by the loader and validation (stage 1–2).

Everything an editor writes ends up in HTML, XML, CSV, JSON, file names and URLs.
Rather than hoping every output escapes every oddity, content that could only be a
mistake or an attack is refused at the source, with the character or the rule named:

- invisible characters: control characters (tab and line break are allowed in text),
  noncharacters such as U+FFFE, the line/paragraph separators U+2028/U+2029, bidi
  controls (they can make text read differently from what it is) and zero-width
  characters (they make two ids or names look the same);
- links: only `http:`, `https:` and `mailto:`, judged the way a browser reads them
  (after dropping the spaces and control characters it ignores);
- names that become paths: plain slugs of limited length, not one of the site's own folders;
- files: only regular files inside the content folder (no symlink pointing elsewhere),
  and for published source documents only types that cannot run script.

Nothing here imports a later stage; messages are English, in the style of `check`.
"""

from __future__ import annotations

import errno
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .messages import N_

# --------------------------------------------------------------------------- characters

_CONTROL_NAMES = {
    0x00: "NULL", 0x09: "CHARACTER TABULATION", 0x0A: "LINE FEED", 0x07: "BELL", 0x08: "BACKSPACE", 0x0B: "LINE TABULATION", 0x0C: "FORM FEED",
    0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE", 0x7F: "DELETE", 0x85: "NEXT LINE",
}
# Format characters refused by name: bidi controls, zero-width characters, invisible operators.
_REFUSED_FORMAT = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C} \
    | {0x200B, 0x200C, 0x200D, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0x180E} \
    | {0x2028, 0x2029} | set(range(0xFFF9, 0xFFFC)) | set(range(0xE0000, 0xE0080)) \
    | {0x00AD, 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0}  # soft hyphen, grapheme joiner, Hangul fillers: blank


def refused_character(ch: str, *, newlines: bool = True) -> bool:
    """True for a character content may not hold (tab and line feed allowed when `newlines`)."""
    code = ord(ch)
    if ch in "\t\n":
        return not newlines
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return True
    if code in _REFUSED_FORMAT:
        return True
    if 0xD800 <= code <= 0xDFFF:  # a lone surrogate (from a YAML "\ud800" escape) is not text
        return True
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:  # noncharacters, U+FFFE, U+FFFF, …
        return True
    return False


_SCAN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u034f\u115f\u1160\u3164\uffa0\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069"
                   "\ufdd0-\ufdef\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff\U000e0000-\U000e007f"
                   "\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U000efffe\U000effff"
                   "\U0010fffe\U0010ffff]")


def first_refused(text: str, *, newlines: bool = True) -> int | None:
    """Index of the first refused character in `text`, or None (fast path: one regex search)."""
    found = []
    match = _SCAN.search(text)
    if match:
        found.append(match.start())
    if not newlines:
        found += [i for i in (text.find("\t"), text.find("\n")) if i >= 0]
    if not found and not text.isascii():  # noncharacters of the other planes: rare enough to scan for
        found += [next((i for i, ch in enumerate(text) if ord(ch) > 0xFFFF and refused_character(ch)), -1)]
        found = [i for i in found if i >= 0]
    return min(found) if found else None


def character_name(ch: str) -> str:
    """`U+202E RIGHT-TO-LEFT OVERRIDE`, `U+0000 NULL`, `U+FFFE (a noncharacter)`."""
    code = ord(ch)
    name = _CONTROL_NAMES.get(code) or unicodedata.name(ch, "")
    if not name:
        name = N_("(a control character)") if code < 0xA0 else N_("(a noncharacter)") if not 0xD800 <= code <= 0xDFFF else N_("(half of a surrogate pair)")
    return N_("U+%(code)s %(name)s", code=f"{code:04X}", name=name)


def character_message(ch: str) -> str:
    code = ord(ch)
    if code in (0x2028, 0x2029):
        why = N_("it is an invisible line separator; use an ordinary line break")
    elif code in _REFUSED_FORMAT and (0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069 or code in (0x200E, 0x200F, 0x061C)):
        why = N_("it is an invisible direction control that can make text read differently from what it says; delete it")
    elif code in _REFUSED_FORMAT:
        why = N_("it is an invisible zero-width character that makes texts and ids look alike; delete it")
    elif code >= 0xA0:
        why = N_("it is not a character at all (often the sign of a damaged or wrongly converted file); delete it")
    else:
        why = N_("it is an invisible control character, often pasted from Word or a PDF; delete it")
    return N_("contains %(character)s, which is not allowed: %(why)s", character=character_name(ch), why=why)


# --------------------------------------------------------------------------- links

# What browsers drop before reading a URL (WHATWG URL standard): leading and trailing C0
# controls and spaces, and tab / line feed / carriage return anywhere.
_C0_SPACE = "".join(chr(c) for c in range(0x21))
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
LINK_SCHEMES = ("http", "https", "mailto")


def browser_reading(url: str) -> str:
    return re.sub("[\t\n\r]", "", url.strip(_C0_SPACE))


def link_problem(url: str) -> str | None:
    """Why `url` may not be published as a source link, or None when it may."""
    reading = browser_reading(url)  # judged as a browser reads it, so ` JaVa\tscript:` is seen for what it is
    scheme = _SCHEME.match(reading)
    if scheme is not None and scheme.group(1).lower() not in LINK_SCHEMES:
        return N_("`%(scheme)s:` links are not allowed (they can run script or hide content); "
                  "use an https:// address, or keep a copy of the document in content/sources/ and name it in `seed:`",
                  scheme=scheme.group(1).lower())
    if url != url.strip() or any(c in url for c in " \t\n\r"):
        return N_("a link may not contain spaces, tabs or line breaks; write it on one line, with spaces as %20")
    index = first_refused(url, newlines=False)
    if index is not None:
        return N_("the link %(problem)s", problem=character_message(url[index]))
    if scheme is None:
        return N_("write the full address, starting with https:// (or mailto: for an e-mail address)")
    name = scheme.group(1).lower()
    if name not in LINK_SCHEMES:
        return N_("`%(scheme)s:` links are not allowed (they can run script or hide content); "
                  "use an https:// address, or keep a copy of the document in content/sources/ and name it in `seed:`", scheme=name)
    if name in ("http", "https"):
        try:
            parts = urlsplit(reading)
        except ValueError:  # an unclosed `[` (Python reads it as an IPv6 address)
            return N_("the link has no valid host name; write it as https://host/path")
        if not parts.netloc or not parts.hostname or any(c in parts.netloc for c in "\\<>\"'`{}|^"):
            return N_("the link has no valid host name; write it as https://host/path")
        if "@" in parts.netloc:  # https://example.gov.cn@other.example/ goes to other.example
            return N_("the link has a name and `@` before its host (a browser goes to the host after the `@`, "
                      "%(host)s); write it as https://host/path", host=parts.hostname)
    if any(c in reading for c in "<>\"`"):
        return N_("the link contains < > \" or `; write them as %3C %3E %22 %60")
    return None


def base_url_problem(url: str) -> str | None:
    """Why `url` cannot be the site's base_url, or None. It is written into every page, the
    feeds, the sitemap and robots.txt, so it must be one plain absolute http(s) address."""
    index = first_refused(url, newlines=False)
    if index is not None:
        return N_("base_url %(problem)s", problem=character_message(url[index]))
    if any(c.isspace() for c in url):
        return N_("base_url may not contain spaces or line breaks; write the address on one line")
    if not url.startswith(("http://", "https://")):
        return N_("write the full address, starting with https://")
    if "?" in url or "#" in url:
        return N_("base_url may not contain `?` or `#`; write only the address the site is served at, e.g. https://example.gov.cn/bulletin/")
    if not re.fullmatch(r"[A-Za-z0-9\-._~:/%!$&'()*+,;=@\[\]]+", url):
        return N_("base_url may contain only letters, digits and - . _ ~ / : %; percent-encode anything else")
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed `[` (Python reads it as an IPv6 address)
        return N_("base_url has no valid host name; write it as https://example.gov.cn/bulletin/")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return N_("base_url may not contain a user name or `@`; write https://host/path")
    try:
        parts.port
    except ValueError:
        return N_("base_url has an invalid port number")
    host = parts.hostname or ""
    if not host or not re.fullmatch(r"[a-z0-9]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)*\.?|\[[0-9a-f:.]+\]",
                                    host if not parts.netloc.split(":")[0].startswith("[") else f"[{host}]"):
        return N_("base_url has no valid host name; write it as https://example.gov.cn/bulletin/")
    if "//" in parts.path:
        return N_("base_url may not contain `//` in its path (a browser would read what follows as another host); write single slashes")
    if any(segment in (".", "..") for segment in parts.path.split("/")):
        return N_("base_url may not contain `.` or `..` folders; write the path the site is served at")
    return None


# --------------------------------------------------------------------------- names that become paths

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
MAX_SLUG = 64
# Folders and files the site generates at a language root (and the site root); a page may not take
# one of these names, nor one kept for sections other parts of the project add.
GENERATED_NAMES = frozenset({
    "index", "404", "assets", "sources", "data", "feed", "sitemap", "robots",
    "departments", "categories", "status", "statuses", "deadlines", "updates", "methodology",
    "measures", "programmes", "search", "changes", "rounds", "reports", "history", "returns",
    "pagefind", "static", "api", "zh", "en",
})


_WHAT = {"page name": N_("page name"), "id": N_("id")}  # the kinds of name, as words in a message


def slug_problem(name: str, what: str) -> str | None:
    if len(name) > MAX_SLUG:
        return N_("the %(what)s `%(start)s…` is %(length)s characters long; the limit is %(limit)s",
                  what=_WHAT.get(what, what), start=name[:20], length=len(name), limit=MAX_SLUG)
    if not SLUG.match(name):
        return N_("`%(name)s` is not a valid %(what)s: use lower-case letters, digits and hyphens "
                  "(not at the start or end), e.g. about or open-data", name=name, what=_WHAT.get(what, what))
    return None


# --------------------------------------------------------------------------- files

_EDITOR_LEFTOVER = re.compile(r"^(?:\.#|#|~\$|\.~lock\.|\._|\.git|\.DS_Store$|Thumbs\.db$|desktop\.ini$)"
                              r"|(?:~|\.swp|\.swo|\.swx|\.tmp|\.bak|\.orig|\.part|\.crdownload|#)$", re.IGNORECASE)


def editor_leftover(name: str) -> bool:
    """Editor lock files and backups, and system clutter (`.#x.yaml`, `#x#`, `x.yaml~`, `.x.swp`,
    `~$x.docx`, `.DS_Store`, `.gitkeep`): never content, so skipped without a word. Other names
    starting with a dot are content like any other (and a page named `...` is refused by its rules)."""
    return bool(_EDITOR_LEFTOVER.search(name))


def _valid_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, kept by Python as lone surrogates
        return False
    return first_refused(name, newlines=False) is None


def printable_path(path: Path | str) -> str:
    """A path as text that can always be printed (undecodable bytes shown as U+FFFD)."""
    return os.fsencode(str(path)).decode("utf-8", "replace")


@dataclass(frozen=True)
class FoundFile:
    path: Path  # as found under the root (not resolved)
    relative: str  # posix path relative to the root


@dataclass(frozen=True)
class FileRefusal:
    path: Path
    message: str


def _link_loop(path: Path) -> bool:
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def walk_files(root: Path, *, inside: Path, recursive: bool = True, suffix: str | None = None
               ) -> tuple[list[FoundFile], list[FileRefusal]]:
    """Regular files under `root` (optionally ending in `suffix`), in a stable order, and the entries refused.

    Editor leftovers are skipped silently. A symlink is followed only when it resolves to a
    regular file inside `inside` (the content or theme folder); a symlink to a folder is not
    followed (no loops, no escaping). A folder named like a file (`x.yaml/`) is refused."""
    found: list[FoundFile] = []
    refused: list[FileRefusal] = []
    if not root.is_dir():
        return found, refused
    boundary = Path(os.path.realpath(inside))
    real_root = Path(os.path.realpath(root))
    if not (real_root == boundary or boundary in real_root.parents):
        refused.append(FileRefusal(root, N_("this folder is a link to %(target)s, outside %(inside)s; nothing from outside "
                                            "the content is published: make it a real folder", target=real_root, inside=inside)))
        return found, refused
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            refused.append(FileRefusal(folder, N_("this folder cannot be read (%(reason)s); check its permissions", reason=exc.strerror)))
            continue
        subfolders = []
        for entry in entries:
            name = entry.name
            path = Path(entry.path)
            if editor_leftover(name):
                continue
            if not _valid_name(name):
                refused.append(FileRefusal(path, N_("this file name is not valid UTF-8 (it was probably copied from another "
                                                    "system); rename it using ordinary letters and digits")))
                continue
            matches = suffix is None or name.endswith(suffix)
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_link:
                target = Path(os.path.realpath(path))
                if not matches and not target.is_dir():
                    continue
                if not target.exists() and _link_loop(path):
                    refused.append(FileRefusal(path, N_("this link leads back to itself through other links (a loop); delete it")))
                elif not target.exists():
                    refused.append(FileRefusal(path, N_("this is a link to a file that does not exist (a dangling symlink); delete it or copy the file here")))
                elif target.is_dir():
                    refused.append(FileRefusal(path, N_("this is a link to a folder; links to folders are not followed: copy the folder here instead")))
                elif not (target == boundary or boundary in target.parents):
                    refused.append(FileRefusal(path, N_("this is a link to %(target)s, outside %(inside)s; nothing from outside the "
                                                        "content is published: copy the file here instead of linking to it",
                                                        target=target, inside=inside)))
                elif any(part.startswith(".") or editor_leftover(part) for part in target.relative_to(boundary).parts):
                    # .env, .git/config: never published themselves, so not under another name either
                    refused.append(FileRefusal(path, N_("this is a link to %(target)s, a hidden file (or one in a hidden folder "
                                                        "such as .git), which is never published; copy the file here instead of "
                                                        "linking to it", target=target)))
                elif not target.is_file():
                    refused.append(FileRefusal(path, N_("this is a link to something that is not a regular file; delete it")))
                else:
                    found.append(FoundFile(path, path.relative_to(root).as_posix()))
                continue
            if is_dir:
                if suffix is not None and matches:
                    refused.append(FileRefusal(path, N_("this is a folder, but its name ends in %(suffix)s like a content file; rename it", suffix=suffix)))
                if recursive:
                    subfolders.append(path)
                continue
            if not matches:
                continue
            try:
                regular = entry.is_file(follow_symlinks=False)
            except OSError:
                regular = False
            if regular:
                found.append(FoundFile(path, path.relative_to(root).as_posix()))
            else:
                refused.append(FileRefusal(path, N_("this is not a regular file (a device, socket or pipe); delete it")))
        stack += reversed(subfolders)
    found.sort(key=lambda f: f.relative)
    return found, refused


# Source documents published with the site: types a browser shows without running script.
# HTML, SVG, XHTML, XML and JavaScript would run on the site's own origin; anything unknown
# might be sniffed as one of them.
PUBLISHED_TYPES: dict[str, str] = {
    ".txt": "text/plain; charset=utf-8", ".md": "text/plain; charset=utf-8", ".csv": "text/csv; charset=utf-8",
    ".pdf": "application/pdf",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
}
_FILE_NAME = re.compile(r"^[\w][\w.\-]*$")


def source_file_problem(relative: str) -> str | None:
    """Why a file in content/sources/ may not be published, or None."""
    parts = relative.split("/")
    for part in parts:
        if not _FILE_NAME.match(part) or len(part.encode("utf-8")) > 200 or first_refused(part) is not None:
            return N_("the file name may contain only letters, digits, `-`, `_` and `.` (no spaces or other signs, "
                      "at most 200 bytes); rename it, and its `seed:` in sources.yaml")
    suffix = os.path.splitext(parts[-1])[1].lower()
    if suffix not in PUBLISHED_TYPES:
        allowed = ", ".join(sorted(PUBLISHED_TYPES))
        return N_("`%(suffix)s` files are not published, because a browser could run script in them "
                  "on the site; save the document as PDF (or plain text or an image) instead. Published types: %(allowed)s",
                  suffix=suffix or N_("(no extension)"), allowed=allowed)
    return None


def seed_problem(seed: str) -> str | None:
    """Why `seed:` does not name a file inside content/sources/, judged on the text alone."""
    if not seed or seed.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", seed) or "\\" in seed:
        return N_("`seed` is a file name inside content/sources/, e.g. 000_report.txt, not an absolute path")
    if any(part in ("", ".", "..") for part in seed.split("/")):
        return N_("`seed` is a file name inside content/sources/, e.g. 000_report.txt; `..` and empty folders are not allowed")
    return source_file_problem(seed)


# --------------------------------------------------------------------------- drawings from a cache

# What vl-convert's SVG of this site's charts is made of. A drawing read back from the chart
# cache is inlined into pages, and a cache can be restored from elsewhere (CI restores it
# before every build), so it is checked against this list before use, element by element and
# attribute by attribute: anything else (a script, an event handler, a link, an image, a
# style that loads something, a comment or entity) means the entry is not ours.
SVG_ELEMENTS = frozenset({"svg", "g", "path", "line", "rect", "circle", "ellipse", "polygon", "polyline", "text",
                          "tspan", "defs", "clipPath", "linearGradient", "radialGradient", "stop", "title", "desc"})
SVG_ATTRIBUTES = frozenset({
    "xmlns", "xmlns:xlink", "version", "viewBox", "width", "height", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy",
    "r", "rx", "ry", "dx", "dy", "d", "points", "transform", "class", "id", "role", "aria-hidden", "aria-label",
    "aria-roledescription", "aria-labelledby", "aria-describedby", "focusable", "opacity", "fill", "fill-opacity",
    "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray", "stroke-dashoffset",
    "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "clip-path", "clip-rule", "pointer-events", "display",
    "visibility", "text-anchor", "dominant-baseline", "font-family", "font-size", "font-weight", "font-style",
    "font-variant", "letter-spacing", "offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform",
    "fx", "fy", "shape-rendering", "paint-order", "vector-effect"})
# A drawing is text and plain tags only, each attribute quoted: no comment, CDATA, doctype or
# processing instruction. Possessive quantifiers (never given back): with plain ones, a drawing
# that fails the match (a comment after 8 kB of chart) was retried every way its runs of text
# split into pieces, two minutes of CPU; now each character is looked at once or twice.
_SVG_DOCUMENT = re.compile(r'(?:[^<>]++|</?[A-Za-z][\w:.-]*+(?:\s++[A-Za-z_:][\w:.-]*+\s*+=\s*+"[^"<]*+")*+\s*+/?>)*+')
_SVG_ELEMENT = re.compile(r"</?([A-Za-z][\w:.-]*)")
_SVG_ATTRIBUTE = re.compile(r'\s([A-Za-z_:][\w:.-]*)\s*=\s*"([^"]*)"')
_SVG_ATTRIBUTE_NAME = re.compile(r'\s([A-Za-z_:][\w:.-]*)\s*=\s*"')
_SVG_REFERENCE = re.compile(r"url\(\s*#[\w.-]+\s*\)")


def svg_problem(svg: str) -> str | None:
    """What in `svg` a chart drawing never contains (None when it is all chart): markup that is not
    a plain tag, an element or attribute outside `SVG_ELEMENTS`/`SVG_ATTRIBUTES`, a reference
    that is not to the drawing itself (`url(#clip1)`), or a character reference in an attribute
    (`&#117;rl(` is read as `url(`)."""
    if not svg.startswith("<svg"):
        return "not an SVG drawing"
    if not _SVG_DOCUMENT.fullmatch(svg):
        return "markup that is not a plain tag"
    if unknown := set(_SVG_ELEMENT.findall(svg)) - SVG_ELEMENTS:
        return f"the element <{min(unknown)}>"
    if unknown := set(_SVG_ATTRIBUTE_NAME.findall(svg)) - SVG_ATTRIBUTES:  # (text that looks like one too: drawn again)
        return f"the attribute {min(unknown)}"
    if "&#" in svg or "url(" in svg.lower():  # rare in a chart: only then each value is looked at
        for name, value in _SVG_ATTRIBUTE.findall(svg):
            if "&#" in value:
                return f"a character reference in {name}"
            if "url(" in _SVG_REFERENCE.sub("", value).lower():
                return f"a reference in {name}"
    return None
