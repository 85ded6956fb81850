"""Stage 4b (render): a report page as PDF, made at build time with WeasyPrint.

The PDF is printed from the report's own HTML (the same bytes the site publishes), with
its print stylesheet: one source for screen, paper and PDF. WeasyPrint never reaches the
network or the disk here: every URL the page asks for is answered from the site being
built, or refused. Output is deterministic (WeasyPrint writes no timestamp; the PDF
identifier is fixed) and cached by a hash of everything that goes in.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import posixpath
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import cachefile

# A made-up origin the site is laid out under while printing; nothing is fetched from it.
_ORIGIN = "https://bulletin.invalid/"
_MEDIA_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
                ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or the Pango library it needs) is not installed."""


def weasyprint_version() -> str:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Pango shared library is missing
        raise PdfUnavailable(str(exc)) from exc
    return weasyprint.__version__


class PdfRenderer:
    """Prints report pages to PDF, with a disk cache keyed by the page and every asset it uses."""

    def __init__(self, cache_dir: Path | None, workers: int | None = None):
        self.cache_dir = cache_dir
        self.workers = workers if workers is not None else min(2, os.cpu_count() or 1)
        self.count = 0  # PDFs asked for by the last call
        self.renders = 0  # of those, printed (not from the cache)

    def render_many(self, pages: list[str], files: dict[str, bytes]) -> dict[str, bytes]:
        """PDFs of the report pages `pages` (site paths such as "zh/report/index.html" in `files`).

        Printing is slow (a second or more for a long table), so uncached pages are printed
        in parallel, one process per core; the result does not depend on the order."""
        version = weasyprint_version()
        assets = {rel: data for rel, data in files.items() if rel.startswith("assets/")}
        out: dict[str, bytes] = {}
        todo: dict[str, str] = {}
        for path in pages:
            key = _key(version, path, files[path], assets)
            cached = self._lookup(key)
            if cached is None:
                todo[path] = key
            else:
                out[path] = cached
        self.count, self.renders = len(pages), len(todo)
        jobs = [(path, files[path], assets) for path in todo]
        if len(jobs) >= 4 and self.workers > 1:
            printed = _print_in_workers(jobs, min(self.workers, len(jobs)))
        else:
            printed = [_print(job) for job in jobs]
        for (path, key), pdf in zip(todo.items(), printed):
            self._store(key, pdf)
            out[path] = pdf
        return out

    def _lookup(self, key: str) -> bytes | None:
        if self.cache_dir is None:
            return None
        data = cachefile.read_checked(self.cache_dir / f"{key}.pdf")  # verified whole: a damaged entry is printed again
        return data if data is not None and data.startswith(b"%PDF-") else None

    def _store(self, key: str, data: bytes) -> None:
        if self.cache_dir is not None:
            cachefile.store_checked(self.cache_dir / f"{key}.pdf", data)


def _key(version: str, path: str, html: bytes, assets: dict[str, bytes]) -> str:
    """Hash of the page, of every asset it could link (stylesheets, images) and of the WeasyPrint version."""
    from .print_fonts import stamp

    digest = hashlib.sha256(f"{version}\0{stamp()}\0{path}\0".encode())
    digest.update(hashlib.sha256(html).digest())
    for rel in sorted(assets):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(assets[rel]).digest())
    return digest.hexdigest()


def _print(job: tuple[str, bytes, dict[str, bytes]]) -> bytes:
    """One page to PDF (top level, so a worker process can run it)."""
    import weasyprint

    from weasyprint.text.fonts import FontConfiguration

    from .print_fonts import for_page

    path, html, assets = job
    fonts = FontConfiguration()
    stylesheets = []
    prepared = for_page(html, assets, _ORIGIN)  # fonts cut to the page's characters, where that is smaller
    if prepared is not None:
        assets, faces = prepared
        stylesheets.append(weasyprint.CSS(string=faces, font_config=fonts, url_fetcher=_site_fetcher(assets)))
    document = weasyprint.HTML(string=html.decode("utf-8"), base_url=_ORIGIN + path,
                               url_fetcher=_site_fetcher(assets), media_type="print")
    # A fixed identifier (WeasyPrint would draw a random one): the same page gives the same bytes.
    return document.write_pdf(stylesheets=stylesheets, font_config=fonts,
                              pdf_identifier=hashlib.sha256(html).hexdigest()[:32].encode("ascii"))


def _print_in_workers(jobs: list[tuple[str, bytes, dict[str, bytes]]], workers: int) -> list[bytes]:
    """The PDFs of `jobs`, in order, printed by `workers` processes at once.

    Workers are `python -m bulletin.pdf` processes speaking JSON lines, as the chart workers
    are (`pool.drive_workers`), not multiprocessing: `spawn` re-runs the caller's main script
    in every worker, which fails for a build started from standard input and runs a script
    without a `__main__` guard again; `fork` copies the dev server's threads. A page a worker
    could not print is printed here, so its error is raised in the build, as printing alone would."""
    from .pool import drive_workers

    greeting = {"assets": {rel: _b64(data) for rel, data in jobs[0][2].items()}}  # the same stylesheets for every page
    answers = drive_workers("bulletin.pdf", [{"path": path, "html": _b64(html)} for path, html, _ in jobs], workers,
                            greeting=greeting)
    return [base64.b64decode(answers[i]["pdf"]) if "pdf" in answers.get(i, {}) else _print(job) for i, job in enumerate(jobs)]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _serve() -> None:
    """Worker: {"assets": …} first, then a page per line on stdin; {"pdf": …} or {"error": …} per line on stdout."""
    out = sys.stdout.buffer
    assets: dict[str, bytes] = {}
    for line in sys.stdin.buffer:
        message = json.loads(line)
        if "assets" in message:
            assets = {rel: base64.b64decode(data) for rel, data in message["assets"].items()}
            continue
        try:
            answer = {"pdf": _b64(_print((message["path"], base64.b64decode(message["html"]), assets)))}
        except Exception as exc:  # noqa: BLE001 - the build prints the page again and raises it there
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(answer).encode() + b"\n")
        out.flush()


def _site_path(url: str) -> str | None:
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != _ORIGIN:
        return None
    rel = posixpath.normpath(unquote(parts.path)).lstrip("/")
    return None if rel.startswith("..") else rel


def _site_fetcher(files: dict[str, bytes]):
    """A WeasyPrint URL fetcher that answers from the site being built and from nowhere else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SiteFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            rel = _site_path(url)
            if rel is None or rel not in files:  # no network, no disk: a missing asset is left out
                raise ValueError(f"not part of the site: {url}")
            media_type = _MEDIA_TYPES.get(posixpath.splitext(rel)[1], "application/octet-stream")
            return URLFetcherResponse(url, files[rel], {"Content-Type": media_type})

    return SiteFetcher(allowed_protocols=("https",))


if __name__ == "__main__":
    _serve()
