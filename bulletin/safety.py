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

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# --------------------------------------------------------------------------- characters

_CONTROL_NAMES = {
    0x00: "NULL", 0x09: "CHARACTER TABULATION", 0x0A: "LINE FEED", 0x07: "BELL", 0x08: "BACKSPACE", 0x0B: "LINE TABULATION", 0x0C: "FORM FEED",
    0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE", 0x7F: "DELETE", 0x85: "NEXT LINE",
}
# Format characters refused by name: bidi controls, zero-width characters, invisible operators.
_REFUSED_FORMAT = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C} \
    | {0x200B, 0x200C, 0x200D, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0x180E} \
    | {0x2028, 0x2029} | set(range(0xFFF9, 0xFFFC)) | set(range(0xE0000, 0xE0080))


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


_SCAN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069"
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
        name = "(a control character)" if code < 0xA0 else "(a noncharacter)" if not 0xD800 <= code <= 0xDFFF else "(half of a surrogate pair)"
    return f"U+{code:04X} {name}"


def character_message(ch: str) -> str:
    code = ord(ch)
    if code in (0x2028, 0x2029):
        why = "it is an invisible line separator; use an ordinary line break"
    elif code in _REFUSED_FORMAT and (0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069 or code in (0x200E, 0x200F, 0x061C)):
        why = "it is an invisible direction control that can make text read differently from what it says; delete it"
    elif code in _REFUSED_FORMAT:
        why = "it is an invisible zero-width character that makes texts and ids look alike; delete it"
    elif code >= 0xA0:
        why = "it is not a character at all (often the sign of a damaged or wrongly converted file); delete it"
    else:
        why = "it is an invisible control character, often pasted from Word or a PDF; delete it"
    return f"contains {character_name(ch)}, which is not allowed: {why}"


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
        return (f"`{scheme.group(1).lower()}:` links are not allowed (they can run script or hide content); "
                "use an https:// address, or keep a copy of the document in content/sources/ and name it in `seed:`")
    if url != url.strip() or any(c in url for c in " \t\n\r"):
        return "a link may not contain spaces, tabs or line breaks; write it on one line, with spaces as %20"
    index = first_refused(url, newlines=False)
    if index is not None:
        return f"the link {character_message(url[index])}"
    if scheme is None:
        return "write the full address, starting with https:// (or mailto: for an e-mail address)"
    name = scheme.group(1).lower()
    if name not in LINK_SCHEMES:
        return (f"`{name}:` links are not allowed (they can run script or hide content); "
                "use an https:// address, or keep a copy of the document in content/sources/ and name it in `seed:`")
    if name in ("http", "https"):
        parts = urlsplit(reading)
        if not parts.netloc or not parts.hostname or any(c in parts.netloc for c in "\\<>\"'`{}|^"):
            return "the link has no valid host name; write it as https://host/path"
    if any(c in reading for c in "<>\"`"):
        return "the link contains < > \" or `; write them as %3C %3E %22 %60"
    return None


def base_url_problem(url: str) -> str | None:
    """Why `url` cannot be the site's base_url, or None. It is written into every page, the
    feeds, the sitemap and robots.txt, so it must be one plain absolute http(s) address."""
    index = first_refused(url, newlines=False)
    if index is not None:
        return f"base_url {character_message(url[index])}"
    if any(c.isspace() for c in url):
        return "base_url may not contain spaces or line breaks; write the address on one line"
    if not url.startswith(("http://", "https://")):
        return "write the full address, starting with https://"
    if "?" in url or "#" in url:
        return "base_url may not contain `?` or `#`; write only the address the site is served at, e.g. https://example.gov.cn/bulletin/"
    if not re.fullmatch(r"[A-Za-z0-9\-._~:/%!$&'()*+,;=@\[\]]+", url):
        return "base_url may contain only letters, digits and - . _ ~ / : %; percent-encode anything else"
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "base_url may not contain a user name or `@`; write https://host/path"
    try:
        parts.port
    except ValueError:
        return "base_url has an invalid port number"
    host = parts.hostname or ""
    if not host or not re.fullmatch(r"[a-z0-9]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)*\.?|\[[0-9a-f:.]+\]",
                                    host if not parts.netloc.split(":")[0].startswith("[") else f"[{host}]"):
        return "base_url has no valid host name; write it as https://example.gov.cn/bulletin/"
    if "//" in parts.path:
        return "base_url may not contain `//` in its path (a browser would read what follows as another host); write single slashes"
    if any(segment in (".", "..") for segment in parts.path.split("/")):
        return "base_url may not contain `.` or `..` folders; write the path the site is served at"
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


def slug_problem(name: str, what: str) -> str | None:
    if len(name) > MAX_SLUG:
        return f"the {what} `{name[:20]}…` is {len(name)} characters long; the limit is {MAX_SLUG}"
    if not SLUG.match(name):
        return (f"`{name}` is not a valid {what}: use lower-case letters, digits and hyphens "
                "(not at the start or end), e.g. about or open-data")
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
        refused.append(FileRefusal(root, f"this folder is a link to {real_root}, outside {inside}; nothing from outside "
                                         "the content is published: make it a real folder"))
        return found, refused
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            refused.append(FileRefusal(folder, f"this folder cannot be read ({exc.strerror}); check its permissions"))
            continue
        subfolders = []
        for entry in entries:
            name = entry.name
            path = Path(entry.path)
            if editor_leftover(name):
                continue
            if not _valid_name(name):
                refused.append(FileRefusal(path, "this file name is not valid UTF-8 (it was probably copied from another "
                                                 "system); rename it using ordinary letters and digits"))
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
                if not target.exists():
                    refused.append(FileRefusal(path, "this is a link to a file that does not exist (a dangling symlink); delete it or copy the file here"))
                elif target.is_dir():
                    refused.append(FileRefusal(path, "this is a link to a folder; links to folders are not followed: copy the folder here instead"))
                elif not (target == boundary or boundary in target.parents):
                    refused.append(FileRefusal(path, f"this is a link to {target}, outside {inside}; nothing from outside the "
                                                     "content is published: copy the file here instead of linking to it"))
                elif not target.is_file():
                    refused.append(FileRefusal(path, "this is a link to something that is not a regular file; delete it"))
                else:
                    found.append(FoundFile(path, path.relative_to(root).as_posix()))
                continue
            if is_dir:
                if suffix is not None and matches:
                    refused.append(FileRefusal(path, f"this is a folder, but its name ends in {suffix} like a content file; rename it"))
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
                refused.append(FileRefusal(path, "this is not a regular file (a device, socket or pipe); delete it"))
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
            return ("the file name may contain only letters, digits, `-`, `_` and `.` (no spaces or other signs, "
                    "at most 200 bytes); rename it, and its `seed:` in sources.yaml")
    suffix = os.path.splitext(parts[-1])[1].lower()
    if suffix not in PUBLISHED_TYPES:
        allowed = ", ".join(sorted(PUBLISHED_TYPES))
        return (f"`{suffix or '(no extension)'}` files are not published, because a browser could run script in them "
                f"on the site; save the document as PDF (or plain text or an image) instead. Published types: {allowed}")
    return None


def seed_problem(seed: str) -> str | None:
    """Why `seed:` does not name a file inside content/sources/, judged on the text alone."""
    if not seed or seed.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", seed) or "\\" in seed:
        return "`seed` is a file name inside content/sources/, e.g. 000_report.txt, not an absolute path"
    if any(part in ("", ".", "..") for part in seed.split("/")):
        return "`seed` is a file name inside content/sources/, e.g. 000_report.txt; `..` and empty folders are not allowed"
    return source_file_problem(seed)
