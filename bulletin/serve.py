"""`bulletin serve`: build, serve on loopback, rebuild on every save, reload the browser.

livereload watches the sources and injects its reload script into every HTML page.
The site is served by a small WSGI app rather than a plain static handler, so that
while the content is invalid it can keep serving the last good site with the
problems laid over every page, in the same `file:line: field: message` form as
`check`. Fixing the file brings the site back without a restart.
"""

from __future__ import annotations

import argparse
import mimetypes
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

from markupsafe import escape

from .builder import Builder, terminal_progress
from .problems import ContentError, Problem, TemplateFailure

mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("text/csv", ".csv")


class DevState:
    """The last build's outcome, shared between the watcher and the web app."""

    SETTLE_SECONDS = 0.1  # an editor's "save all" or a burst of saves lands within this

    def __init__(self, builder: Builder, watched: list[Path] | None = None):
        self.builder = builder
        self.watched = watched or []
        self.problems: list[Problem] = []
        self.error: str | None = None
        self.attempts = 0
        self.lock = threading.Lock()
        self._built: tuple | None = None  # signature of the sources the last attempt saw

    def signature(self) -> tuple:
        """Every watched file with its size and modification time."""
        files = []
        for root in self.watched:
            for path in sorted(Path(root).rglob("*")) if Path(root).is_dir() else []:
                try:
                    st = path.stat()
                except OSError:  # deleted while we looked
                    continue
                files.append((str(path), st.st_mtime_ns, st.st_size))
        return tuple(files)

    def on_change(self) -> bool:
        """Called by the watcher for each changed path: settle, then rebuild once per new state."""
        with self.lock:
            current = self.signature()
            while True:  # wait for a burst of saves to end
                time.sleep(self.SETTLE_SECONDS)
                later = self.signature()
                if later == current:
                    break
                current = later
            if current == self._built:
                return False  # already built by this poll's first call
            self._built = current
            return self.rebuild()

    def rebuild(self) -> bool:
        """Build once, keeping the last good site and recording the problems if it fails."""
        self.attempts += 1
        started = time.perf_counter()
        try:
            result = self.builder.build()
        except ContentError as exc:
            self.problems, self.error = exc.problems, None
            for p in exc.problems:
                print(p, file=sys.stderr)
            print(f"serve: content has {len(exc.problems)} problem(s); still serving the last good site", file=sys.stderr)
            return False
        except TemplateFailure as exc:  # a template error must not stop the server either
            self.problems, self.error = [], str(exc)
            print(f"serve: build failed: {self.error}", file=sys.stderr)
            return False
        except Exception as exc:  # nor anything else a half-finished edit can cause
            self.problems, self.error = [], f"{type(exc).__name__}: {exc}"
            print(f"serve: build failed: {self.error}", file=sys.stderr)
            return False
        self.problems, self.error = [], None
        print(f"{result.summary()} (rebuilt in {time.perf_counter() - started:.2f} s)")
        return True

    @property
    def failing(self) -> bool:
        return bool(self.problems or self.error)

    def overlay(self) -> bytes:
        items = "".join(f"<li><code>{escape(str(p))}</code></li>" for p in self.problems)
        if self.error:
            items += f"<li><code>{escape(self.error)}</code></li>"
        return (
            '<div id="bulletin-errors" role="alert" lang="en" style="position:fixed;inset:0 0 auto 0;z-index:9999;max-height:70vh;'
            'overflow:auto;background:#fff4f2;color:#5c0a05;border-bottom:4px solid #b3261e;padding:1rem 1.5rem;'
            'font:15px/1.5 system-ui,sans-serif;box-shadow:0 4px 16px rgba(0,0,0,.25)">'
            '<strong style="font-size:17px">The content has errors: this is the last good version of the site.</strong>'
            '<p style="margin:.25rem 0">Fix these and save; the page reloads by itself.</p>'
            f'<ul style="margin:.5rem 0;padding-left:1.25rem">{items}</ul></div>'
        ).encode("utf-8")


def make_app(output: Path, state: DevState) -> Callable:
    """WSGI app serving `output/` like a static host, with the error overlay while content is broken."""
    root = output.absolute()

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        target = (root / path.lstrip("/")).resolve()
        if not target.is_relative_to(root.resolve()):  # `..` may not leave the site
            target = root / "404.html"
        if target.is_dir():
            if not path.endswith("/"):
                start_response("301 Moved Permanently", [("Location", path + "/")])
                return [b""]
            target = target / "index.html"
        status = "200 OK"
        if not target.is_file():
            status, target = "404 Not Found", root / "404.html"
        body = target.read_bytes() if target.is_file() else b"not found"
        ctype = mimetypes.guess_type(str(target))[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype.endswith(("xml", "json")):
            ctype += "; charset=utf-8"
        if ctype.startswith("text/html") and state.failing:
            body = body.replace(b"<body>", b"<body>" + state.overlay(), 1)
        start_response(status, [("Content-Type", ctype), ("Cache-Control", "no-store")])
        return [body]

    return app


def cmd_serve(args: argparse.Namespace) -> int:
    from livereload import Server

    from .l10n import LOCALE_DIR

    builder = Builder(args.content, args.templates, args.theme, args.output, progress=terminal_progress(),
                      report_pdfs=False)
    builder.background_cleanup = True
    watched = [args.content, args.templates, args.theme, LOCALE_DIR]
    state = DevState(builder, watched)
    state.on_change()
    server = Server(make_app(args.output, state))
    for path in watched:
        server.watch(str(path), state.on_change)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"serve: listening on {args.host}: the preview is reachable from other machines", file=sys.stderr)
    print(f"serve: http://{args.host}:{args.port}/ — watching {args.content}/, {args.templates}/, {args.theme}/ "
          "and the translation catalogues; Ctrl+C to stop")
    server.serve(host=args.host, port=args.port, debug=False, restart_delay=0)
    return 0


def register(sub, site_args) -> None:
    p = sub.add_parser("serve", help="build, serve on http://127.0.0.1:8000 and rebuild on every change")
    site_args(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.set_defaults(func=cmd_serve)
