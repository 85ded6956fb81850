"""`bulletin serve`: build, serve on loopback, rebuild on every save, reload the browser.

Three parts, each on its own thread, so no request ever waits for a file system walk:

- `SourceWatcher` lists the watched folders (without following symlinks, so a link
  loop or a link to a huge tree costs nothing) and asks watchfiles to watch each one.
  File system events, not modification times, say what changed, so a file moved in
  with an old date is noticed like any save.
- `DevState` rebuilds on its own thread. Changes reported while a build runs are kept
  and trigger one more build after it: a save is never lost, and a burst of saves
  (grouped by watchfiles) gives one build. Every build attempt, good or bad, advances
  the *generation*, which is what reloads the browser.
- `make_app` is the WSGI app. It serves the files of the last good build from memory,
  exactly as they were written to `output/`, so a request never sees a half-swapped
  output folder, and a request path can only ever name a file of the site. While the
  content is broken it lays the problems over every page in the page's language.

The reload is a small script injected into every HTML page (the published pages stay
JavaScript-free): it asks `/__bulletin__/generation` a few times a second and reloads
when the answer changes. Polling rather than a held-open connection, because browsers
allow only six connections per host: six open preview tabs would otherwise hang.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import json
import mimetypes
import os
import re
import secrets
import signal
import socket
import socketserver
import sys
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping
from urllib.parse import quote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from markupsafe import escape

from .builder import Builder, failure_lines, terminal_progress
from .messages import N_, editor_language, gettext_for, localise
from .problems import BuildFailure, ContentError, Problem

mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("text/csv", ".csv")

GENERATION_PATH = "/__bulletin__/generation"  # never a site path: page names and ids are lower-case slugs
MAX_PATH_BYTES = 2048  # far longer than any page path; longer requests are refused, not looked up
POLL_MS = 400


# --- the build thread -------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    """The files of one good build, by path from the site root (`zh/index.html`)."""

    files: Mapping[str, bytes]


class DevState:
    """The last build's outcome, shared by the watcher, the build thread and the web app."""

    def __init__(self, builder: Builder, *, log: Callable[[str], None] | None = None, gettext=None):
        self.builder = builder
        self.gettext = gettext  # the editor's language for the terminal (messages.gettext_for); None: English
        self.snapshot: Snapshot | None = None  # the last good site; replaced whole, never changed in place
        self.problems: list[Problem] = []
        self.error: str | None = None
        self.attempts = 0  # build attempts so far, good or bad: each one reloads the browser
        self.instance = secrets.token_hex(4)  # a restarted server differs from the old one even at the same count
        self.log = log or (lambda line: print(line, file=sys.stderr))
        self._cond = threading.Condition()
        self._dirty = False

    # The generation the browser compares: changes after every build attempt.
    @property
    def generation(self) -> str:
        return f"{self.instance}-{self.attempts}"

    @property
    def failing(self) -> bool:
        return bool(self.problems or self.error)

    @property
    def pending(self) -> bool:
        """Whether a change is waiting for a build."""
        with self._cond:
            return self._dirty

    def changed(self, paths: Iterable[str] = ()) -> None:
        """Called by the watcher: something changed; the build thread rebuilds (again) as soon as it can."""
        with self._cond:
            self._dirty = True
            self._cond.notify_all()

    def run(self, stop: threading.Event) -> None:
        """The build thread: one build per batch of changes, however many arrive while building."""
        while not stop.is_set():
            with self._cond:
                self._cond.wait_for(lambda: self._dirty or stop.is_set(), timeout=0.5)
                if not self._dirty:
                    continue
                self._dirty = False
            self.rebuild()

    def wait_for_attempts(self, count: int, timeout: float) -> bool:
        """Block until at least `count` build attempts have finished (for tests and tools)."""
        with self._cond:
            return self._cond.wait_for(lambda: self.attempts >= count, timeout=timeout)

    def rebuild(self) -> bool:
        """Build once, keeping the last good site and recording the problems if it fails."""
        started = time.perf_counter()
        ok = False
        try:
            result = self.builder.build()
        except BuildFailure as exc:  # content, a template, a clash of paths: said as `build` says it; the server goes on
            content = isinstance(exc, ContentError)
            self.problems, self.error = (exc.problems, None) if content else ([], str(exc))
            for line in failure_lines(exc, self.gettext):
                self.log(line)
            self.log(localise(N_("serve: still serving the last good site"), self.gettext))
        except Exception as exc:  # nor anything else a half-finished edit can cause
            self.problems, self.error = [], f"{type(exc).__name__}: {exc}"
            self.log(localise(N_("serve: the build failed: %(error)s; still serving the last good site", error=self.error), self.gettext))
        else:
            self.snapshot = Snapshot(dict(self.builder.files))
            self.problems, self.error = [], None
            for warning in result.warnings:
                self.log(warning.localised(self.gettext))  # in the editor's language, as `build` prints it
            print(result.summary(self.gettext) + localise(N_(" (rebuilt in %(seconds)s s)", seconds=f"{time.perf_counter() - started:.2f}"),
                                                          self.gettext), flush=True)
            ok = True
        with self._cond:
            self.attempts += 1
            self._cond.notify_all()
        return ok


# --- the watcher thread -------------------------------------------------------------

class SourceWatcher:
    """Watches folders for changes without following symlinks or walking without bound.

    watchfiles (through the Rust `notify` crate) would follow symlinks while it walks a
    tree it is asked to watch recursively, holding the interpreter meanwhile: a link to
    `/usr` froze the whole server for seconds. So the folders are listed here, with
    `os.walk` not following links, and each is watched on its own; when a folder is
    added or removed the list is made again, and the new watch is set up before the old
    one stops, so nothing saved in between is missed.
    """

    MAX_FOLDERS = 5000  # a content tree has tens; more means a stray copy of something huge

    def __init__(self, roots: Iterable[Path], ignore: Iterable[Path] = (), *, step_ms: int = 100,
                 debounce_ms: int = 1600, log: Callable[[str], None] | None = None):
        from watchfiles import DefaultFilter

        self.roots = [Path(r).absolute() for r in roots]
        self.ignore = [Path(p).absolute() for p in ignore]
        self.step_ms, self.debounce_ms = step_ms, debounce_ms
        self.log = log or (lambda line: print(line, file=sys.stderr))
        self._filter = DefaultFilter()  # editors' swap, backup and lock files; .git, __pycache__
        self.ready = threading.Event()  # set once the first watch is in place

    def _ignored(self, path: str) -> bool:
        """The output, the cache, and the writer's staging folders and lock beside the output (`.output-…`)."""
        p = Path(path)
        for base in self.ignore:
            for q in (p, *p.parents):
                if q == base or q.parent == base.parent and q.name.startswith((f".{base.name}-", f".{base.name}.")):
                    return True
        return False

    def folders(self) -> list[str]:
        """Every real folder under the roots (symlinked folders are not entered)."""
        found: list[str] = []
        skip = set(self._filter.ignore_dirs)
        for root in self.roots:
            if not root.is_dir():
                continue
            for folder, subfolders, _ in os.walk(root, followlinks=False):
                if self._ignored(folder):
                    subfolders[:] = []
                    continue
                found.append(folder)
                if len(found) >= self.MAX_FOLDERS:
                    self.log(f"serve: more than {self.MAX_FOLDERS} folders under {root}; watching only the first")
                    return found
                subfolders[:] = sorted(d for d in subfolders if d not in skip and not os.path.islink(os.path.join(folder, d)))
        return found

    def _watch(self, folders: list[str]):
        from watchfiles._rust_notify import RustNotify  # the documented direct interface of watchfiles

        while True:
            try:  # args: paths, debug, force_polling, poll_delay_ms, recursive, ignore_permission_denied
                return RustNotify(folders, False, False, 300, False, True), folders
            except FileNotFoundError:  # a folder went away while we listed them: list again
                folders = self.folders()

    def run(self, stop: threading.Event, on_change: Callable[[set[str]], None]) -> None:
        from watchfiles import Change

        notify, folders = self._watch(self.folders())
        self.ready.set()
        try:
            while not stop.is_set():
                try:
                    raw = notify.watch(self.debounce_ms, self.step_ms, 500, stop)
                except Exception as exc:  # e.g. the system's limit of watches reached: say so, start again
                    self.log(f"serve: watching failed ({exc}); starting again")
                    stop.wait(1)
                    notify.close()
                    notify, folders = self._watch(self.folders())
                    on_change(set())
                    continue
                if raw == "stop":
                    return
                if not isinstance(raw, set):  # "timeout", or "signal" (the main thread handles those)
                    continue
                changes = {(Change(kind), path) for kind, path in raw}
                kept = {path for kind, path in changes if self._filter(kind, path) and not self._ignored(path)}
                moved = False
                if any(kind != Change.modified for kind, _ in changes):  # a folder may have come or gone
                    listed = self.folders()
                    if listed != folders:
                        new, listed = self._watch(listed)  # the new watch first, then the old one stops
                        notify.close()
                        notify, folders, moved = new, listed, True
                if kept or moved:  # after a new folder, build anyway: files may have landed before its watch
                    on_change(kept)
        finally:
            notify.close()


# --- the web app ------------------------------------------------------------------

def _allowed_hosts(host: str, port: int) -> Callable[[str], bool]:
    """Whether a `Host` header names this server: refuse other names (DNS rebinding)."""
    bound = host.strip("[]").lower()
    wildcard = bound in ("", "0.0.0.0", "::")
    names = {"localhost", "127.0.0.1", "::1", bound}

    def allowed(header: str) -> bool:
        header = header.strip().lower()
        m = re.fullmatch(r"\[([0-9a-f:.]+)\](?::(\d{1,5}))?|([a-z0-9.-]+)(?::(\d{1,5}))?", header)
        if not m:
            return False
        name = m.group(1) or m.group(3)
        given = m.group(2) or m.group(4)
        if (int(given) if given else 80) != port:
            return False
        if name in names:
            return True
        if wildcard:  # listening on every address: any address of this machine, never a domain name
            try:
                ipaddress.ip_address(name)
                return True
            except ValueError:
                return False
        return False

    return allowed


def _page_language(body: bytes, path: str) -> str:
    """The language of a page: its `<html lang>`, else its URL's language prefix (`/zh/…`), else English."""
    m = re.search(rb"<html[^>]*\slang=\"([A-Za-z-]{2,20})\"", body[:2048])
    if m:
        return m.group(1).decode("ascii").split("-")[0].lower()
    return _url_language(path) or "en"


def _url_language(path: str) -> str | None:
    first = path.strip("/").split("/")[0]
    return first if re.fullmatch(r"[a-z]{2,3}", first) else None


def _translations(code: str):
    from .l10n import load_translations

    try:
        return load_translations(code)
    except Exception:  # a broken catalogue is being edited: the panel must still show, in English
        from babel.support import NullTranslations

        return NullTranslations()


def error_panel(state: DevState, lang: str) -> bytes:
    """The problems over the page, in the page's language."""
    t = _translations(lang)

    localised = gettext_for(lang)  # each problem line in the page's language, as `check --lang` prints it
    items = "".join(f"<li><code>{escape(p.localised(localised))}</code></li>" for p in state.problems)
    if state.error:
        items += f"<li><code>{escape(state.error)}</code></li>"
    heading = (t.gettext("The content has errors: this is the last good version of the site.") if state.snapshot
               else t.gettext("The content has errors, and no version of the site has been built yet."))
    advice = t.gettext("Fix these and save; the page reloads by itself.")
    return (
        f'<div id="bulletin-errors" role="alert" lang="{escape(lang)}" style="position:fixed;inset:0 0 auto 0;z-index:9999;'
        'max-height:70vh;overflow:auto;background:#fff4f2;color:#5c0a05;border-bottom:4px solid #b3261e;padding:1rem 1.5rem;'
        'font:15px/1.5 system-ui,sans-serif;box-shadow:0 4px 16px rgba(0,0,0,.25)">'
        f'<strong style="font-size:17px">{escape(heading)}</strong>'
        f'<p style="margin:.25rem 0">{escape(advice)}</p>'
        f'<ul style="margin:.5rem 0;padding-left:1.25rem">{items}</ul></div>'
    ).encode("utf-8")


def reload_script(generation: str) -> bytes:
    """Dev-only: reload when a build finishes (the generation changes); quiet while the tab is hidden."""
    return (
        "<script>(function(){var g=" + json.dumps(generation) + ",u=" + json.dumps(GENERATION_PATH) + ";"
        "function next(ms){setTimeout(poll,ms)}"
        "function poll(){if(document.hidden){return next(" + str(POLL_MS) + ")}"
        "fetch(u,{cache:\"no-store\"}).then(function(r){return r.text()}).then(function(t){"
        "if(t.trim()!==g){location.reload()}else{next(" + str(POLL_MS) + ")}},function(){next(1000)})}"
        "next(" + str(POLL_MS) + ")})();</script>"
    ).encode("ascii")


def inject(body: bytes, extra: bytes) -> bytes:
    """`extra` just before the last `</body>` (or at the end of a page without one)."""
    at = body.lower().rfind(b"</body>")
    return body + extra if at < 0 else body[:at] + extra + body[at:]


def _content_type(path: str) -> str:
    ctype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if path.endswith("feed.xml"):
        ctype = "application/atom+xml"
    if ctype.startswith("text/") or ctype.endswith(("xml", "json")):
        ctype += "; charset=utf-8"
    return ctype


def _request_path(environ: dict) -> str | None:
    """The request path as text, or None when it is not a path a browser would send."""
    raw = environ.get("PATH_INFO", "")
    try:  # PEP 3333: PATH_INFO holds the percent-decoded bytes as latin-1
        data = raw.encode("latin-1")
    except UnicodeEncodeError:
        data = raw.encode("utf-8", "surrogateescape")
    if len(data) > MAX_PATH_BYTES or not data.startswith(b"/"):
        return None
    try:
        path = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(unicodedata.category(c) == "Cc" for c in path):  # NUL, newlines and other control characters
        return None
    return path


def make_app(state: DevState, host: str = "127.0.0.1", port: int = 8000) -> Callable:
    """WSGI app serving the last good build like a static host, with the error panel while content is broken."""
    host_allowed = _allowed_hosts(host, port)

    def respond(start_response, status: str, body: bytes, ctype: str = "text/plain; charset=utf-8",
                extra: list[tuple[str, str]] | None = None, head: bool = False) -> list[bytes]:
        headers = [("Content-Type", ctype), ("Content-Length", str(len(body))), ("Cache-Control", "no-store"),
                   ("X-Content-Type-Options", "nosniff"), *(extra or [])]
        start_response(status, headers)
        return [] if head else [body]

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        head = method == "HEAD"
        if not host_allowed(environ.get("HTTP_HOST", "")):
            return respond(start_response, "403 Forbidden",
                           f"this preview answers only to http://localhost:{port}/ and http://127.0.0.1:{port}/\n".encode(),
                           head=head)
        if method not in ("GET", "HEAD"):
            return respond(start_response, "405 Method Not Allowed", b"only GET and HEAD\n", extra=[("Allow", "GET, HEAD")])
        path = _request_path(environ)
        if path is None:
            return respond(start_response, "400 Bad Request", b"bad request path\n", head=head)
        if path == GENERATION_PATH:
            return respond(start_response, "200 OK", state.generation.encode("ascii"), head=head)

        snapshot = state.snapshot
        if snapshot is None:  # the first build failed: show the problems on a page of their own
            lang = _url_language(path) or _accept_language(environ)
            body = inject(b'<!doctype html><html><head><meta charset="utf-8"><title>bulletin serve</title></head>'
                          b"<body></body></html>", error_panel(state, lang) + reload_script(state.generation))
            return respond(start_response, "503 Service Unavailable", body, "text/html; charset=utf-8", head=head)

        status, key, location = _resolve(snapshot, path)
        if location is not None:
            return respond(start_response, "301 Moved Permanently", b"", extra=[("Location", location)], head=head)
        body = snapshot.files.get(key, b"not found\n")
        ctype = _content_type(key) if key in snapshot.files else "text/plain; charset=utf-8"
        if ctype.startswith("text/html"):
            extra = reload_script(state.generation)
            if state.failing:
                extra = error_panel(state, _page_language(body, path)) + extra
            body = inject(body, extra)
        return respond(start_response, status, body, ctype, head=head)

    return app


def _accept_language(environ: dict) -> str:
    first = environ.get("HTTP_ACCEPT_LANGUAGE", "").split(",")[0].split(";")[0].strip().lower()
    return first.split("-")[0] if re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]+)*", first) else "en"


def _resolve(snapshot: Snapshot, path: str) -> tuple[str, str, str | None]:
    """(status, file to send, redirect): only files of the site can ever be named."""
    segments = [s for s in path.split("/") if s]
    if any(s in (".", "..") for s in segments):  # traversal: no such page, with the status that says so
        return "404 Not Found", "404.html", None
    key = "/".join(segments)
    if not path.endswith("/") and key in snapshot.files:
        return "200 OK", key, None
    index = f"{key}/index.html" if key else "index.html"
    if index in snapshot.files:
        if path.endswith("/"):
            return "200 OK", index, None
        # A relative redirect to the folder: `./name/` can never name another host, as `//x/` would.
        return "301 Moved Permanently", index, f"./{quote(segments[-1], safe='')}/"
    return "404 Not Found", "404.html", None


# --- the server -------------------------------------------------------------------

class _Handler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the editor reads build lines, not a request log
        pass

    def handle(self) -> None:
        # As wsgiref's, but an over-long request line is a plain 400 like every other bad path.
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline, self.request_version, self.command = "", "", ""
            self.send_error(400, "request line too long")
            return
        if not self.parse_request():
            return
        from wsgiref.simple_server import ServerHandler

        handler = ServerHandler(self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True)
        handler.request_handler = self
        handler.run(self.server.get_app())


class DevServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a reload poll in flight never holds up Ctrl+C

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks DNS for this machine's name, which can hang offline.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]
        self.setup_environ()


def bind(host: str, port: int) -> DevServer:
    """The listening socket, bound before anything is built; raises OSError as socket.bind does."""
    families = [info[0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    family = socket.AF_INET if socket.AF_INET in families else families[0]  # `localhost`: where 127.0.0.1 reaches
    server_class = type("DevServer", (DevServer,), {"address_family": family})
    return server_class((host, port), _Handler)


def free_port_after(host: str, port: int) -> int | None:
    for candidate in range(port + 1, min(port + 50, 65536)):
        try:
            with socket.socket(socket.getaddrinfo(host, candidate, type=socket.SOCK_STREAM)[0][0]) as s:
                s.bind((host, candidate))
                return candidate
        except OSError:
            continue
    return None


def _messages(args: argparse.Namespace) -> list:
    """The catalogues to print a message in: `--lang` when given, otherwise Chinese and English."""
    lang = getattr(args, "lang", None)
    return [_translations(lang)] if lang else [_translations("zh"), _translations("en")]


def cmd_serve(args: argparse.Namespace) -> int:
    from .l10n import LOCALE_DIR

    try:
        server = bind(args.host, args.port)
    except (OSError, OverflowError) as exc:
        for t in _messages(args):
            if getattr(exc, "errno", None) == errno.EADDRINUSE:
                free = free_port_after(args.host, args.port)
                text = (t.gettext("port %(port)s is in use; try --port %(free)s") % {"port": args.port, "free": free}
                        if free else t.gettext("port %(port)s is in use; choose another with --port") % {"port": args.port})
            else:
                text = t.gettext("cannot listen on %(host)s port %(port)s: %(reason)s") % {
                    "host": args.host, "port": args.port, "reason": getattr(exc, "strerror", None) or exc}
            print(f"serve: {text}", file=sys.stderr)
        return 1

    gettext = gettext_for(editor_language(getattr(args, "lang", None), args.content))
    builder = preview_builder(args.content, args.templates, args.theme, args.output, cache=args.cache,
                              progress=terminal_progress(gettext=gettext))
    from .writer import OutputRefused, check_cache, check_output

    try:  # an output folder that is not the build's own (content, the project, someone's files): say so, serve nothing
        check_output(builder.output, builder._protected(), builder._project())
        check_cache(builder.cache, builder.output, builder._protected())
    except OutputRefused as exc:
        server.server_close()
        print(f"serve: {exc}", file=sys.stderr)
        return 1
    state = DevState(builder, gettext=gettext)
    watcher = SourceWatcher([args.content, args.templates, args.theme, LOCALE_DIR], ignore=[args.output, args.cache])
    port = server.server_address[1]
    server.set_app(make_app(state, args.host, port))
    stop = threading.Event()
    threads = [threading.Thread(target=watcher.run, args=(stop, state.changed), name="watcher", daemon=True),
               threading.Thread(target=state.run, args=(stop,), name="builder", daemon=True)]
    previous = signal.signal(signal.SIGTERM, _interrupt) if threading.current_thread() is threading.main_thread() else None
    try:  # `kill` stops as cleanly as Ctrl+C, at any point
        threads[0].start()  # watching from before the first build, so an early save is not missed
        state.rebuild()  # the first build, before any request is answered (they wait in the listen queue)
        threads[1].start()
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print(localise(N_("serve: listening on %(host)s: the preview is reachable from other machines", host=args.host), gettext),
                  file=sys.stderr)
        shown = f"[{args.host}]" if ":" in args.host else args.host
        print(localise(N_("serve: %(url)s — watching %(content)s/, %(templates)s/, %(theme)s/ and the translation catalogues; "
                          "Ctrl+C to stop", url=f"http://{shown}:{port}/", content=args.content, templates=args.templates,
                          theme=args.theme), gettext), flush=True)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
        for thread in threads:
            if thread.is_alive():
                thread.join(timeout=5)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if not threads[1].is_alive():
            builder.close()  # the replaced site kept beside the output
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0–65535)")
    return value


def preview_builder(content: Path, templates: Path, theme: Path, output: Path, *, cache: Path | None,
                    progress=None) -> Builder:
    """A Builder set up as the preview keeps it across saves: no report PDFs (printing takes
    seconds; its report pages say so), the replaced site kept and brought up to date by the
    next save (`writer.SpareTree`, deleted by `close`), and search as it was when the server
    started (`build` re-indexes)."""
    builder = Builder(content, templates, theme, output, cache=cache, progress=progress, report_pdfs=False)
    builder.background_cleanup = True
    builder.keep_replaced_site()
    builder.stale_search = True
    return builder


def register(sub, site_args) -> None:
    p = sub.add_parser("serve", help=N_("build, serve on http://127.0.0.1:8000 and rebuild on every change"))
    site_args(p)
    p.add_argument("--host", default="127.0.0.1", help=N_("address to listen on (default: 127.0.0.1, this machine only)"))
    p.add_argument("--port", type=_port, default=8000, help=N_("port (default: 8000)"))
    p.set_defaults(func=cmd_serve)
