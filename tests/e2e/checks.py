"""Site checkers as plain functions.

They are used by the end-to-end tests against the built site and by the tests that
prove they can fail (against ``broken_site/``).  Each returns a list of problems; an
empty list means the check passed.  Nothing here depends on pytest.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import posixpath
import re
import shutil
import socket
import subprocess
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".cache" / "node" / "node_modules"

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Problem:
    file: str  # path relative to the site root (or a URL)
    line: int
    kind: str  # e.g. "missing", "external-resource", "anchor", "outside-base"
    target: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: [{self.kind}] {self.target}: {self.message}"


# --------------------------------------------------------------------------- tools


def find_chromium() -> str | None:
    """Debian's Chromium (or another Chrome) to drive with Playwright; BULLETIN_CHROMIUM overrides."""
    env = os.environ.get("BULLETIN_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"):
        if Path(candidate).exists():
            return candidate
    return None


def find_axe_js() -> Path | None:
    """axe-core's axe.min.js: BULLETIN_AXE_JS, else npm's axe-core installed by .ci/run into .cache/node."""
    candidates = [os.environ.get("BULLETIN_AXE_JS"), TOOLS / "axe-core" / "axe.min.js"]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def find_vnu_jar() -> Path | None:
    """The Nu Html Checker: BULLETIN_VNU_JAR, else npm's vnu-jar installed by .ci/run into .cache/node."""
    candidates = [os.environ.get("BULLETIN_VNU_JAR"), TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


# --------------------------------------------------------------------------- site layout


def html_files(root: Path) -> list[Path]:
    """Every HTML page of the site, sorted, as paths relative to ``root``."""
    return sorted(p.relative_to(root) for p in root.rglob("*.html") if p.is_file())


def site_base_url(root: Path) -> str:
    """The absolute URL the site is published at (e.g. ``https://example.gov.cn/bulletin/``).

    Read from sitemap.xml: the base is the part of a ``<loc>`` before the path that
    names a file of the site.  Falls back to ``http://localhost/`` without a sitemap.
    """
    sitemap = root / "sitemap.xml"
    if not sitemap.is_file():
        return "http://localhost/"
    try:
        tree = ET.parse(sitemap)
    except ET.ParseError:
        return "http://localhost/"
    locs = [el.text.strip() for el in tree.iter() if el.tag.endswith("}loc") or el.tag == "loc" if el.text]
    for loc in locs:
        parts = urlsplit(loc)
        segments = parts.path.split("/")
        for i in range(1, len(segments)):
            rest = "/".join(segments[i:])
            if _local_file(root, rest) is not None:
                base_path = "/".join(segments[:i]) + "/"
                return f"{parts.scheme}://{parts.netloc}{base_path}"
    return "http://localhost/"


def base_path_of(base_url: str) -> str:
    path = urlsplit(base_url).path or "/"
    return path if path.endswith("/") else path + "/"


def _local_file(root: Path, rest: str) -> Path | None:
    """The file a URL path (relative to the site root) is served from, or None."""
    rest = unquote(rest)
    if rest.startswith("/") or "\x00" in rest:
        return None
    normal = posixpath.normpath("/" + rest)
    if normal.startswith("/.."):
        return None
    candidate = root / normal.lstrip("/")
    if rest == "" or rest.endswith("/"):
        candidate = candidate / "index.html"
    elif candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def languages(root: Path) -> list[str]:
    """Language folders of the site: top-level directories with an index.html (e.g. zh, en)."""
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "index.html").is_file() and p.name != "assets")


PAGE_TYPES = {
    "programme": ("programme", "program"),
    "measure": ("measure",),
    "department": ("department", "dept"),
    "category": ("categor",),
    "status": ("status",),
    "deadlines": ("deadline",),
    "updates": ("update",),
    "methodology": ("methodology", "method"),
    "search": ("search",),
    "about": ("about",),
    "changes": ("changes",),
    "rounds": ("round",),
}


def sample_pages(root: Path) -> dict[str, list[str]]:
    """A few pages of each kind, by language: ``{"zh:measure": ["zh/measures/index.html", ...]}``.

    Pages are grouped by their first folder under the language folder; of each group
    the listing (group/index.html) and the first detail page are taken.  The home
    page is ``<lang>:home``; 404 pages are ``<lang or root>:404``.  Group names are
    mapped to the page types of PAGE_TYPES when a keyword matches, else kept as is.
    """
    result: dict[str, list[str]] = {}
    pages = [p.as_posix() for p in html_files(root)]
    for page in pages:
        if posixpath.basename(page) == "404.html":
            where = page.split("/")[0] if "/" in page else "root"
            result.setdefault(f"{where}:404", []).append(page)
    for lang in languages(root):
        result[f"{lang}:home"] = [f"{lang}/index.html"]
        groups: dict[str, list[str]] = {}
        for page in pages:
            parts = page.split("/")
            if parts[0] != lang or len(parts) < 3 or parts[-1] == "404.html":
                continue
            group = parts[1]
            groups.setdefault(group, []).append(page)
        for group, members in sorted(groups.items()):
            kind = page_type(group)
            listing = [m for m in members if m == f"{lang}/{group}/index.html"]
            details = sorted((m for m in members if m not in listing), key=lambda m: (m.count("/"), m))
            chosen = listing + details[:1]
            result.setdefault(f"{lang}:{kind}", []).extend(c for c in chosen if c not in result.get(f"{lang}:{kind}", []))
    return result


def page_type(segment: str) -> str:
    name = segment.lower()
    for kind, keywords in PAGE_TYPES.items():
        if any(k in name for k in keywords):
            return kind
    return name.removesuffix(".html")


# --------------------------------------------------------------------------- link checker


RESOURCE_LINK_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload", "manifest", "mask-icon", "prefetch"}


class _RefCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[int, str, str, bool]] = []  # (line, attribute, url, is_resource)
        self.ids: set[str] = set()
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs)

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        a = {k.lower(): (v or "") for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "name" in a:
            self.ids.add(a["name"])
        if tag == "base" and a.get("href"):
            self.base = a["href"]
            return
        if tag in ("a", "area") and "href" in a:
            self.refs.append((line, "href", a["href"], False))
        elif tag == "link" and "href" in a:
            rels = set(a.get("rel", "").lower().split())
            self.refs.append((line, "href", a["href"], bool(rels & RESOURCE_LINK_RELS)))
        elif "href" in a or "xlink:href" in a:  # svg <use>, <image>
            self.refs.append((line, "href", a.get("href") or a.get("xlink:href", ""), tag in ("use", "image")))
        for attr in ("src", "poster", "data"):
            if attr in a and tag not in ("a",):
                self.refs.append((line, attr, a[attr], True))
        for attr in ("srcset", "imagesrcset"):
            if a.get(attr):
                for item in a[attr].split(","):
                    url = item.strip().split(" ")[0]
                    if url:
                        self.refs.append((line, attr, url, True))
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            m = re.search(r"url\s*=\s*['\"]?([^'\";]+)", a.get("content", ""), re.I)
            if m:
                self.refs.append((line, "refresh", m.group(1).strip(), False))
        if "style" in a:
            for url in _css_urls(a["style"]):
                self.refs.append((line, "style", url, True))

    def handle_data(self, data: str) -> None:
        if self.lasttag == "style":
            for url in _css_urls(data):
                self.refs.append((self.getpos()[0], "style", url, True))


_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.I)


def _css_urls(css: str) -> list[str]:
    return [m.group(2) or m.group(4) for m in _CSS_URL.finditer(css) if (m.group(2) or m.group(4))]


@functools.lru_cache(maxsize=4096)
def _ids_of(path: Path, mtime: float) -> frozenset[str]:
    collector = _RefCollector()
    collector.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(collector.ids)


def check_links(root: Path, base_url: str | None = None, check_anchors: bool = True) -> list[Problem]:
    """Every internal href/src/srcset (HTML and CSS) must resolve to a file of the site.

    * relative links are resolved against the page's URL under ``base_url``;
    * root-relative links (``/x``) and absolute links to ``base_url`` must stay under its path;
    * a link to a folder needs that folder's index.html; ``#fragment`` needs that id;
    * resources (scripts, styles, images, fonts, icons) must never come from another host
      (hyperlinks to other sites, e.g. sources, are fine and not followed).
    """
    root = Path(root)
    base_url = base_url or site_base_url(root)
    base = urlsplit(base_url)
    base_path = base_path_of(base_url)
    problems: list[Problem] = []
    files = [p for p in root.rglob("*") if p.is_file() and p.suffix in (".html", ".css")]
    for path in sorted(files):
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".css":
            refs = []
            for i, line in enumerate(text.splitlines(), 1):
                refs += [(i, "css", u, True) for u in _css_urls(line)]
            page_base = None
        else:
            collector = _RefCollector()
            collector.feed(text)
            refs = collector.refs
            page_base = collector.base
        page_url = f"{base.scheme}://{base.netloc}{base_path}{rel}"
        doc_url = urljoin(page_url, page_base) if page_base else page_url
        for line, attr, raw, is_resource in refs:
            url = raw.strip()
            if not url or url.startswith(("data:", "mailto:", "tel:", "blob:", "about:")):
                continue
            if url.lower().startswith("javascript:"):
                problems.append(Problem(rel, line, "javascript-url", url, "javascript: URLs do not work without JavaScript"))
                continue
            if url == "#":
                continue
            absolute = urljoin(doc_url, url)
            parts = urlsplit(absolute)
            if parts.scheme not in ("http", "https"):
                continue
            if parts.netloc != base.netloc:
                if is_resource:
                    problems.append(Problem(rel, line, "external-resource", url,
                                            "resource loaded from another host (the site must work offline / without foreign CDNs)"))
                continue
            if not parts.path.startswith(base_path) and parts.path + "/" != base_path:
                problems.append(Problem(rel, line, "outside-base", url,
                                        f"resolves to {parts.path}, outside the site's base path {base_path}"))
                continue
            rest = parts.path[len(base_path):] if parts.path.startswith(base_path) else ""
            target = _local_file(root, rest)
            if target is None:
                problems.append(Problem(rel, line, "missing", url, f"no file for {parts.path} (404)"))
                continue
            if check_anchors and parts.fragment and target.suffix == ".html" and parts.fragment != "top":
                ids = _ids_of(target, target.stat().st_mtime)
                if unquote(parts.fragment) not in ids:
                    problems.append(Problem(rel, line, "anchor", url,
                                            f"no element with id {unquote(parts.fragment)!r} in {target.relative_to(root).as_posix()}"))
    return problems


# --------------------------------------------------------------------------- Nu Html Checker


def check_html_vnu(root: Path, files: list[Path] | None = None, vnu_jar: Path | None = None,
                   java: str | None = None, timeout: int = 600) -> list[Problem]:
    """Run the Nu Html Checker once over all pages (one JVM); return its errors."""
    root = Path(root)
    vnu_jar = vnu_jar or find_vnu_jar()
    java = java or shutil.which("java")
    if vnu_jar is None or java is None:
        raise RuntimeError("vnu.jar or java not found (run .ci/run, or set BULLETIN_VNU_JAR)")
    files = files if files is not None else html_files(root)
    if not files:
        return []
    cmd = [java, "-Xss1024k", "-jar", str(vnu_jar), "--errors-only", "--format", "json",
           *[str(root / f) for f in files]]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    out = proc.stderr.strip() or proc.stdout.strip()
    start = out.find('{"')
    if start < 0:
        if proc.returncode == 0:
            return []
        raise RuntimeError(f"vnu failed (exit {proc.returncode}): {out[-2000:]}")
    report = json.loads(out[start:])
    problems = []
    for msg in report.get("messages", []):
        if msg.get("type") not in ("error", "non-document-error"):
            continue
        url = msg.get("url", "")
        file = url.removeprefix("file:")
        try:
            file = Path(file).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
        problems.append(Problem(file, int(msg.get("lastLine", 0) or 0), "vnu", (msg.get("extract") or "").strip()[:120],
                                msg.get("message", "")))
    return problems


# --------------------------------------------------------------------------- browser checks


def run_axe(page, axe_js: Path, tags: list[str] | None = None) -> list[dict]:
    """Inject axe-core into the loaded page and return its violations (id, impact, help, targets)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_js))
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), summary: n.failureSummary}))
            }));
        }""",
        tags or AXE_TAGS,
    )


def format_axe(url: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{url}: {v['id']} ({v['impact']}): {v['help']}")
        for n in v["nodes"]:
            summary = (n.get("summary") or "").replace("\n", " ")[:300]
            lines.append(f"    {n['target']}  — {summary}")
    return "\n".join(lines)


class PageWatcher:
    """Records console errors, page errors, failed requests and requests to other hosts."""

    def __init__(self, page, allowed_hosts: tuple[str, ...]) -> None:
        self.page = page
        self.allowed = allowed_hosts
        self.reset()
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("request", self._request)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def reset(self) -> None:
        self.errors: list[str] = []
        self.foreign: list[str] = []

    def _console(self, msg) -> None:
        if msg.type == "error":
            loc = msg.location or {}
            self.errors.append(f"console error: {msg.text} ({loc.get('url', '')}:{loc.get('lineNumber', '')})")

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname not in self.allowed:
            self.foreign.append(request.url)

    def _failed(self, request) -> None:
        if request.is_navigation_request() and "ERR_ABORTED" in (request.failure or ""):
            return  # a navigation cut short by the next visit (e.g. a meta refresh in flight)
        if request.resource_type == "other" and "ERR_ABORTED" in (request.failure or ""):
            return  # the favicon, which Chromium fetches after `load`, cut short by the next visit (a missing one is an HTTP 404)
        self.errors.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status}: {response.url}")

    def visit(self, url: str, expect_status: int | None = 200) -> list[str]:
        """Load url; return every problem seen (console errors, failed loads, foreign requests)."""
        self.reset()
        response = self.page.goto(url, wait_until="load")
        problems = []
        if expect_status is not None and (response is None or response.status != expect_status):
            problems.append(f"status {response.status if response else None} (expected {expect_status})")
        problems += self.errors
        if expect_status is not None and expect_status >= 400:
            # the document's own status is expected; Chromium logs it as a console error
            problems = [p for p in problems if not (p.startswith(f"HTTP {expect_status}: {url}")
                                                    or ("status of 404" in p and url in p))]
        problems += [f"request to another host: {u}" for u in self.foreign]
        self._settle_refresh(url, response)
        return problems

    def _settle_refresh(self, url: str, response) -> None:
        """Let a page's own meta refresh finish before the caller navigates again.

        Otherwise the refresh, already scheduled, can replace the *next* page.goto (which
        then fails or returns no response): the root chooser page refreshes to a language
        at once. Read from the response: by now the document may already be unloading."""
        try:
            body = response.text() if response is not None else ""
        except Exception:
            body = ""
        if 'http-equiv="refresh"' not in body:
            return
        try:
            self.page.wait_for_url(lambda current: current != url, timeout=10_000)
            self.page.wait_for_load_state("load")
        except Exception:
            pass


def route_local_only(context, allowed_hosts: tuple[str, ...]) -> None:
    """Abort every request that would leave the machine (it is still recorded by PageWatcher)."""

    def handler(route):
        host = urlsplit(route.request.url).hostname
        if host in allowed_hosts or urlsplit(route.request.url).scheme in ("data", "blob"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", handler)


# --------------------------------------------------------------------------- static server


class _Handler(http.server.SimpleHTTPRequestHandler):
    base_path = "/"
    not_found_page: Path | None = None

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass

    def translate_path(self, path: str) -> str:
        clean = urlsplit(path).path
        if not clean.startswith(self.base_path):
            return str(Path(self.directory) / ".outside-base-path")  # never exists
        return super().translate_path("/" + clean[len(self.base_path):])

    def send_error(self, code, message=None, explain=None):
        if code == 404 and self.not_found_page and self.not_found_page.is_file():
            body = self.not_found_page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


_Handler.extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                           ".svg": "image/svg+xml", ".xml": "application/xml", ".json": "application/json",
                           ".csv": "text/csv; charset=utf-8", ".js": "text/javascript", ".css": "text/css",
                           ".atom": "application/atom+xml", ".webmanifest": "application/manifest+json",
                           ".woff2": "font/woff2"}


class StaticServer:
    """Serves a folder at http://127.0.0.1:<free port><base_path> in a thread, like a static host:
    folders serve index.html, a missing file answers 404 with the site's 404.html."""

    def __init__(self, root: Path, base_path: str = "/") -> None:
        self.root = Path(root)
        self.base_path = base_path if base_path.endswith("/") else base_path + "/"
        handler = type("Handler", (_Handler,), {"base_path": self.base_path, "not_found_page": self.root / "404.html"})
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(self.root)))
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="static-site", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_path}"

    def __enter__(self) -> "StaticServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- language switch


def counterpart(rel: str, to_lang: str) -> str:
    """The same page in another language: zh/measures/m1/index.html -> en/measures/m1/index.html."""
    parts = rel.split("/")
    return "/".join([to_lang, *parts[1:]])


def url_key(url: str) -> str:
    """A URL's path without query, fragment or a trailing index.html (folders and their index are one page)."""
    path = urlsplit(url).path
    return path[: -len("index.html")] if path.endswith("/index.html") else path


LANG_SWITCH_SELECTORS = (
    "a.lang-switch[hreflang]",
    "header a[hreflang]",
    "a[hreflang]",
)


def find_lang_switch(page, to_lang: str):
    """The visible link that switches to ``to_lang`` (matched on the start of hreflang, e.g. zh-Hans)."""
    for selector in LANG_SWITCH_SELECTORS:
        for link in page.locator(selector).all():
            hreflang = (link.get_attribute("hreflang") or "").lower()
            if (hreflang == to_lang.lower() or hreflang.startswith(to_lang.lower() + "-")) and link.is_visible():
                return link
    return None


def check_sitemap(root: Path, base_url: str | None = None) -> list[Problem]:
    """Every <loc> and hreflang alternate in sitemap.xml names a page of the site."""
    root = Path(root)
    base_url = base_url or site_base_url(root)
    sitemap = root / "sitemap.xml"
    if not sitemap.is_file():
        return [Problem("sitemap.xml", 0, "missing", "sitemap.xml", "no sitemap")]
    problems = []
    tree = ET.parse(sitemap)
    for el in tree.iter():
        url = None
        if el.tag.endswith("loc") and el.text:
            url = el.text.strip()
        elif el.tag.endswith("}link") and el.get("href"):
            url = el.get("href")
        if url is None:
            continue
        if not url.startswith(base_url):
            problems.append(Problem("sitemap.xml", 0, "outside-base", url, f"not under the base URL {base_url}"))
        elif _local_file(root, urlsplit(url).path[len(base_path_of(base_url)):]) is None:
            problems.append(Problem("sitemap.xml", 0, "missing", url, "no page for this URL"))
    return problems
