"""The build: load → validate → derive → render → write, with incremental rebuilds.

A `Builder` remembers what it rendered last time. On a rebuild it reloads and
validates all content (cheap), works out which entities and templates changed, and
re-renders only the pages that depend on them; feeds, downloads and the sitemap are
always regenerated because they summarise everything.
"""

from __future__ import annotations

import hashlib
import html
import os
import posixpath
import re
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from jinja2 import TemplateError

from .deps import Changes, fingerprint, recording
from .model import Content
from .problems import BuildFailure, ChartFailure, ContentError, Problem, TemplateFailure
from .site import PageSpec, Site
from .advice import full_check
from .messages import N_, Gettext, Msg, localise
from .writer import SpareTree, WriteStats, check_cache, check_output, write_site

DEFAULT_CACHE = Path(".cache")
# Earlier rounds' reports are HTML (printed from the browser with the same A4 stylesheet)
# and .xlsx, without a PDF: printing them all took the demo's cold build from 36 s to 158 s
# (148 PDFs instead of 50; benchmarks/round_report_pdfs.py), and CI starts with no PDF cache.
ARCHIVED_REPORT_PDFS = False


@dataclass
class BuildResult:
    pages: int  # HTML pages in the site
    rendered: int  # HTML pages rendered by this build
    charts: int
    chart_renders: int
    chart_seconds: float
    seconds: float
    write: WriteStats
    warnings: list[Problem] = field(default_factory=list)
    rendered_paths: list[str] = field(default_factory=list)  # page paths (per language root) this build rendered

    def summary(self, gettext: Gettext | None = None) -> str:
        """The line `build` and `serve` print, in the editor's language (English when None)."""
        return localise(N_(
            "build: %(pages)d pages (%(rendered)d rendered), %(written)d files written, %(unchanged)d unchanged; %(charts)d charts "
            "(%(renders)d rendered, %(cached)d from cache, %(chart_seconds)s s); %(seconds)s s",
            pages=self.pages, rendered=self.rendered, written=len(self.write.written), unchanged=self.write.unchanged,
            charts=self.charts, renders=self.chart_renders, cached=self.charts - self.chart_renders,
            chart_seconds=f"{self.chart_seconds:.2f}", seconds=f"{self.seconds:.2f}"), gettext)


@dataclass(frozen=True)
class PageRecord:
    """What one page was made from: its spec's shape (entities as keys) and the keys it read."""

    shape: object
    reads: frozenset
    outputs: tuple[str, ...] = ()  # for a group of files beside the pages: the files it made


@dataclass
class Rendering:
    """One build's files before they are written, and what the builder keeps of it once they are."""

    files: dict[str, bytes]
    paths: list[str]  # page paths (per language root) rendered rather than reused
    languages: int
    warnings: list[Problem]
    charts: tuple[int, int, float]  # charts asked for, from the cache, seconds
    state: tuple


class OutputFiles:
    """The files of one build, by output path. Each path has one origin: a second claim fails the build."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self._origin: dict[str, str] = {}

    def claim(self, path: str, origin: str) -> None:
        if path in self._origin and self._origin[path] != origin:
            raise BuildFailure(f"{path}: written twice, by {self._origin[path]} and by {origin}; "
                               "rename one of them (for a Markdown page, its file in content/pages/)")
        self._origin[path] = origin

    def add(self, path: str, data: bytes, origin: str) -> None:
        if origin:
            self.claim(path, origin)
        self.data[path] = data


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): _digest(p) for p in sorted(root.rglob("*")) if p.is_file()} if root.is_dir() else {}


def _page_outputs(spec: PageSpec, code: str) -> list[str]:
    """The files a page makes in one language: its HTML, and a report's workbook beside it."""
    page = f"{code}/{spec.path}"
    return [page, page.removesuffix("index.html") + "report.xlsx"] if spec.context.get("kind") == "report" else [page]


def _page_files(renderer, spec: PageSpec, code: str) -> dict[str, bytes]:
    """A page's files in one language (`_page_outputs`). A report's workbook is made from the
    same rows as the page, while the page's reads are recorded: so it is remade exactly when
    the page is, and kept with it otherwise."""
    from .report import report_workbook

    return {out: renderer.render_page(spec, code) if out.endswith(".html")  # the page first: the workbook reuses its rows
            else report_workbook(renderer, spec.context, renderer.langs[code]) for out in _page_outputs(spec, code)}


class Builder:
    def __init__(self, content: Path, templates: Path, theme: Path, output: Path,
                 cache: Path | None = DEFAULT_CACHE, progress: Callable[[int, int], None] | None = None,
                 locale_dir: Path | None = None, report_pdfs: bool | None = None, workers: int | None = None):
        self.content_dir, self.templates, self.theme, self.output = Path(content), Path(templates), Path(theme), Path(output)
        self.cache = cache
        self.locale_dir = Path(locale_dir) if locale_dir else None  # the gettext catalogues (default: the package's)
        self.progress = progress
        self._site: Site | None = None  # the last build's site: an edit's changes are looked up against it
        self._records: dict[str, PageRecord] = {}  # what each page read when it was last rendered
        self.workers = workers  # chart-rendering processes; None: BULLETIN_JOBS, else every core
        self._pages: dict[str, bytes] = {}  # what pages and file groups made in the last build, by output path
        self._templates: dict[str, str] = {}
        self._catalogues: dict[str, str] = {}
        self._chart_renderer = None
        self._pdf_renderer = None
        # Printing a report takes seconds and every save changes the reports, so the dev
        # server leaves the PDFs out (its report pages say so); `build` always makes them.
        # None: print them unless the environment says BULLETIN_REPORT_PDFS=0 (the fast tests
        # do, outside the report tests: printing would be most of their time).
        self.report_pdfs = report_pdfs if report_pdfs is not None else os.environ.get("BULLETIN_REPORT_PDFS", "1") != "0"
        self.archived_report_pdfs = ARCHIVED_REPORT_PDFS  # whether earlier rounds' reports get a PDF too
        if self.report_pdfs and not _pdf_printing_available():
            # WeasyPrint needs the Pango library from the system; without it the site is still
            # built (its report pages then link only the workbook), and the editor is told why.
            self.report_pdfs = False
            print("build: 报告 PDF 未生成：WeasyPrint 需要 Pango 库（Debian/Ubuntu：apt-get install libpango-1.0-0 "
                  "libpangoft2-1.0-0）。\nbuild: report PDFs left out: WeasyPrint needs the Pango library "
                  "(Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0).", file=sys.stderr)
        self.files: dict[str, bytes] = {}  # every file of the last good build, as written (the dev server serves these)
        self.background_cleanup = False  # the dev server sets this: old trees are deleted in a thread
        # The dev server sets this too (`keep_replaced_site`): the site a build replaces is kept
        # and brought up to date by the next build, which then writes only what changed.
        self.spare: SpareTree | None = None
        # The dev server sets this too: after an edit it keeps the search index it has
        # rather than re-indexing every measure (seconds) before serving the page.
        self.stale_search = False
        self._search: tuple[str, dict[str, bytes]] | None = None

    def _charts(self):
        if self._chart_renderer is None:
            from .charts import ChartRenderer

            self._chart_renderer = ChartRenderer(self.cache / "charts" if self.cache else None)
        return self._chart_renderer

    def keep_replaced_site(self) -> None:
        """For a builder that lives across builds: see `writer.SpareTree`. Call `close` when done."""
        if self.spare is None:
            self.spare = SpareTree()

    def close(self) -> None:
        """Delete the kept replaced site, if any (the output itself stays)."""
        if self.spare is not None:
            self.spare.discard()

    def build(self) -> BuildResult:
        """Build the site; raises a BuildFailure (ContentError, TemplateFailure…), leaving the output as it was."""
        started = time.perf_counter()
        rendering = self.render()
        write = write_site(rendering.files, self.output, background_cleanup=self.background_cleanup,
                           protected=self._protected(), project=self._project(),
                           spare=self.spare)
        self._site, self._records, self._pages, self._templates, self._catalogues = rendering.state
        self.files = rendering.files
        charts = rendering.charts
        return BuildResult(
            pages=sum(1 for f in rendering.files if f.endswith(".html")), rendered=len(rendering.paths) * rendering.languages,
            charts=charts[0], chart_renders=charts[0] - charts[1], chart_seconds=charts[2],
            seconds=time.perf_counter() - started, write=write, warnings=rendering.warnings, rendered_paths=rendering.paths)

    def render(self) -> Rendering:
        """Every file of the site, in memory; pages unchanged since the last `build` are reused."""
        try:
            return self._render()
        except TemplateError as exc:
            where = template_location(exc, self.templates)
            raise TemplateFailure(where + N_("template error: %(message)s", message=jinja_message(exc.message or type(exc).__name__))) from exc
        except (BuildFailure, ChartFailure, OSError):
            raise
        except Exception as exc:  # {{ 1 / 0 }}, a macro calling itself…: a template's own error, named at its line
            where = template_location(exc, self.templates)
            if not where:
                raise
            raise TemplateFailure(where + N_("template error: %(message)s", message=f"{type(exc).__name__}: {exc}")) from exc

    def _render(self) -> Rendering:
        from .l10n import LOCALE_DIR
        from .palette import status_css
        from .render import Renderer

        check_output(self.output, self._protected(), self._project())  # refuse before spending time rendering
        check_cache(self.cache, self.output, self._protected())
        result = full_check(self.content_dir, warnings=False)
        if result.content is None or result.errors:
            raise ContentError(result.problems)
        content = result.content
        static = self._static()  # before rendering: a theme file linking outside the theme fails fast
        site = Site(content)
        charts = self._charts()
        before = (charts.count, charts.cache_hits, charts.seconds)
        renderer = Renderer(site, self.templates, charts, locale_dir=self.locale_dir or LOCALE_DIR, report_pdfs=self.report_pdfs,
                            archived_report_pdfs=self.archived_report_pdfs,
                            workbook_cache=self.cache / "workbooks" if self.cache else None)
        pages = site.pages()
        files = OutputFiles()
        for spec in pages:  # refuse two files at one path before rendering anything
            for code in renderer.langs:
                files.claim(f"{code}/{spec.path}", f"page {spec.path} ({spec.template})")
        files.claim("assets/status.css", "assets/status.css (status colours)")
        for rel in static:
            files.claim(rel, f"{rel} (theme file or source document)")

        templates = tree_digests(self.templates)
        catalogues = tree_digests(self.locale_dir or LOCALE_DIR)
        # What the edit since the last build changed, worked out for the keys pages ask about
        # (the templates a page read are among its recorded keys).
        changed_templates = frozenset(n for n in templates.keys() | self._templates.keys() if templates.get(n) != self._templates.get(n))
        changes = Changes(self._site, site, changed_templates) \
            if self._site is not None and catalogues == self._catalogues else None
        records: dict[str, PageRecord] = {}
        html_pages: dict[str, bytes] = {}
        rendered: list[str] = []
        total = len(pages)
        index = site.entity_index()
        plans = []
        same_content = changes is not None and changes.same_content
        for spec in pages:
            found: set = set()
            previous = self._records.get(spec.path)
            outputs = [out for code in renderer.langs for out in _page_outputs(spec, code)]
            if same_content and previous is not None and self._still_valid(previous, previous.shape, outputs, changes):
                # The same content makes the same page specs (a site is a function of its content):
                # kept without working out its shape, which is most of a rebuild after a save that changed nothing.
                plans.append((spec, found, previous.shape, previous, outputs, True))
                continue
            shape = fingerprint((spec.template, spec.context, spec.charts, spec.in_sitemap), index, found)
            reuse = self._still_valid(previous, shape, outputs, changes)
            plans.append((spec, found, shape, previous, outputs, reuse))
        # Every uncached chart of the pages to render, rendered first on every core.
        renderer.prepare_charts([plan[0] for plan in plans if not plan[5]], self.workers)
        for i, (spec, found, shape, previous, outputs, reuse) in enumerate(plans, 1):
            if reuse:
                records[spec.path] = previous
                for out in outputs:
                    html_pages[out] = self._pages[out]
            else:
                with recording() as reads:
                    try:
                        for code in renderer.langs:
                            html_pages.update(_page_files(renderer, spec, code))
                    except ChartFailure as exc:
                        raise ContentError([chart_problem(content, self.content_dir, spec, exc.args[0] if exc.args else str(exc))]) from None
                records[spec.path] = PageRecord(shape, frozenset(reads | found))
                rendered.append(spec.path)
            if self.progress:  # counted in pages, as the summary does: one per language
                self.progress(i * len(renderer.langs), total * len(renderer.langs))
        for out, data in html_pages.items():
            files.add(out, data, "")
        # The files beside the pages, in groups: each kept, like a page, unless what it read changed.
        for group in renderer.file_groups(pages):
            key = "files:" + group.key  # never a page's path
            found = set()
            previous = self._records.get(key)
            shape = previous.shape if same_content and previous is not None else fingerprint(group.shape, index, found)
            if previous is not None and self._still_valid(previous, shape, previous.outputs, changes):
                made = {out: self._pages[out] for out in previous.outputs}
                records[key] = previous
            else:
                with recording() as reads:
                    made = renderer.make_files(group)
                records[key] = PageRecord(shape, frozenset(reads | found), tuple(made))
            for rel, data in made.items():
                files.add(rel, data, f"{rel} (feeds, downloads, sitemap)")
                html_pages[rel] = data
        files.add("assets/status.css", status_css().encode("utf-8"), "assets/status.css (status colours)")
        for rel, data in self._search_index(site, renderer).items():
            files.add(rel, data, f"{rel} (search index)")
        for rel, data in static.items():
            files.add(rel, data, f"{rel} (theme file or source document)")
        for rel, data in self._report_downloads(renderer, pages, files.data).items():
            files.add(rel, data, f"{rel} (report download)")
        warnings = [p for p in result.problems if p.severity == "warning"]
        warnings += page_link_problems(self.content_dir, pages, renderer.langs, files.data)
        return Rendering(files.data, rendered, len(renderer.langs), warnings,
                         (charts.count - before[0], charts.cache_hits - before[1], charts.seconds - before[2]),
                         (site, records, html_pages, templates, catalogues))

    def _still_valid(self, previous: PageRecord | None, shape: object, outputs, changes: Changes | None) -> bool:
        """Whether what a page or file group made last time can be kept: its spec is the same,
        its files are at hand, and nothing it read has changed since."""
        return changes is not None and previous is not None and previous.shape == shape \
            and all(out in self._pages for out in outputs) and not changes.any(previous.reads)

    def _search_index(self, site: Site, renderer) -> dict[str, bytes]:
        """Pagefind's index of the measures: rebuilt only when a measure's searchable text
        changed (kept in memory and under the cache folder, keyed by the records)."""
        from .palette import status_label
        from .search import build_index, measure_records, records_digest

        records = measure_records(site, renderer.langs, status_label)
        digest = records_digest(records)
        if self._search is not None and (self._search[0] == digest or self.stale_search):
            return self._search[1]
        folder = self.cache / "search" if self.cache else None
        index = _read_index(folder / digest, tuple(sorted({r.html_lang for r in records}))) if folder else None
        if index is None:
            index = build_index(records)
            if folder:
                _store_index(folder, digest, index)
        self._search = (digest, index)
        return index

    def _report_downloads(self, renderer, pages, files: dict[str, bytes]) -> dict[str, bytes]:
        """Beside each report page: its PDF, printed from the page itself (its workbook is
        made with the page: `_page_files`)."""
        from .pdf import PdfRenderer

        if self._pdf_renderer is None:
            self._pdf_renderer = PdfRenderer(self.cache / "pdf" if self.cache else None)
        out: dict[str, bytes] = {}
        reports = []
        for spec in pages:
            if spec.context.get("kind") != "report":
                continue
            for code in renderer.langs:
                if self.archived_report_pdfs or not spec.context.get("round"):
                    reports.append(f"{code}/{spec.path}")
        for page, pdf in (self._pdf_renderer.render_many(reports, files) if self.report_pdfs else {}).items():
            out[page.removesuffix("index.html") + "report.pdf"] = pdf
        return out
    def _protected(self) -> list[Path]:
        """Folders the output may not be, contain or be inside."""
        return [self.content_dir, self.templates, self.theme]

    def _project(self) -> list[Path]:
        """Folders the output may not be or contain: where the editor works and the project holding the content."""
        return [Path.cwd(), self.content_dir.absolute().parent]

    def _static(self) -> dict[str, bytes]:
        """Theme files under assets/, and source documents under sources/.

        Only what `check` accepted is published: regular files (or links resolving to one inside
        the same folder), and for sources only the allowed types; a theme file linking outside
        the theme fails the build with its name."""
        from .safety import walk_files
        from .validate import _display, source_documents

        files: dict[str, bytes] = {}
        theme, refused = walk_files(self.theme, inside=self.theme)
        if refused:
            raise ContentError([Problem(_display(r.path, self.theme), 1, 1, "", r.message) for r in refused])
        sources, problems = source_documents(self.content_dir)
        if problems:
            raise ContentError(problems)
        for prefix, found in (("assets", theme), ("sources", sources)):
            for f in found:
                try:
                    files[f"{prefix}/{f.relative}"] = f.path.read_bytes()
                except OSError as exc:
                    raise ContentError([Problem(_display(f.path, self.content_dir), 1, 1, "",
                                                N_("this file cannot be read (%(reason)s); check it, or delete it",
                                                   reason=exc.strerror or type(exc).__name__))]) from exc
        return files


def _pdf_printing_available() -> bool:
    from .pdf import PdfUnavailable, weasyprint_version

    try:
        weasyprint_version()
    except PdfUnavailable:
        return False
    return True


_HREF = re.compile(r'<a\b[^>]*?\bhref="([^"]*)"')
_MAIN = re.compile(rb"<main\b.*?</main>", re.S)


def page_link_problems(content_dir: Path, pages: list[PageSpec], langs, files: dict[str, bytes]) -> list[Problem]:
    """A warning for each link in a Markdown page that leads nowhere: a relative link to no file
    of the site (`[…](../sourcez/)`), a `#part` that is not on the page it names, and a link
    from the host's root (`/zh/methodology/`), which breaks under a sub-path or from a folder.
    The editor wrote the link, and nothing else would find it broken before readers do. Only
    the page's main part is read; the rest is the templates', which the tests check."""
    problems = []
    for spec in pages:
        if spec.context.get("kind") != "page":
            continue
        slug = spec.context["document"].slug
        for code in langs:
            here = f"{code}/{spec.path}"
            main = _MAIN.search(files.get(here, b""))
            if main is None:
                continue
            # The file the page was made from: its own, or the one it falls back to.
            source = next((f for f in (content_dir / "pages" / f"{slug}.{lang}.md" for lang in (code, *langs)) if f.exists()),
                          content_dir / "pages" / f"{slug}.{code}.md")
            for href in dict.fromkeys(html.unescape(h) for h in _HREF.findall(main.group(0).decode("utf-8"))):
                message = _link_problem(href, here, files)
                if message:
                    problems.append(Problem(str(source), _line_of(source, f"]({href})", f"]({href} ", href), 1, "", message, "warning"))
    return problems


def _link_problem(href: str, here: str, files: dict[str, bytes]) -> Msg | None:
    target, _, part = href.partition("#")
    target = target.split("?", 1)[0]
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", target):
        return None  # another site, or mailto:
    if target.startswith("/"):
        return N_("the link `%(href)s` starts from the host's root, so it breaks when the site is published under a "
                  "sub-path or opened from a folder; write it relative to this page (%(page)s), e.g. ../methodology/",
                  href=href, page=here)
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(here), target)) if target else here
    page = files.get(resolved) if resolved in files else files.get(f"{resolved}/index.html")
    if page is None:
        return N_("the link `%(href)s` leads to no page or file of the site; correct it (links between pages are "
                  "relative to this page's address, %(page)s, e.g. ../methodology/)", href=href, page=here)
    if part and f'id="{part}"'.encode() not in page:
        return N_("the link `%(href)s` leads to a page that has no part `#%(part)s`; correct the part after #, or remove it",
                  href=href, part=part)
    return None


def _line_of(path: Path, *texts: str) -> int:
    """The line of `path` where the first of `texts` that it holds is written (1 when none)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    for text in texts:
        for number, line in enumerate(lines, 1):
            if text in line:
                return number
    return 1


def failure_lines(exc: BuildFailure, gettext=None) -> list[str]:
    """What the editor reads when a build fails, for `build` and `serve` alike: each problem
    as `file:line:column: field: message`, or the one failure with its file and line; in the
    language of `gettext` (messages.gettext_for), English when None."""
    from .messages import N_, localise

    if isinstance(exc, ContentError):
        errors = [p for p in exc.problems if p.severity == "error"]
        return [p.localised(gettext) for p in exc.problems] + [localise(N_("%(n)d error(s) in the content", n=len(errors)), gettext)]
    return [localise(exc.args[0], gettext) if exc.args and isinstance(exc.args[0], str) else str(exc)]


def _read_index(folder: Path, html_langs: tuple[str, ...]) -> dict[str, bytes] | None:
    """A search index stored by `_store_index`, or None if it is not there, incomplete or not ours.

    Only its data files are read from the cache, each a regular file named as Pagefind names
    its data; the scripts and WebAssembly come from the installed Pagefind (`code_files`). A
    listing that names anything else (another folder, a link, a page) discards the entry."""
    from . import cachefile
    from .search import DATA_FILE, code_files

    listing = cachefile.read(folder / "files.txt", limit=1 << 20)
    try:
        names = listing.decode("utf-8").splitlines() if listing is not None else None
    except UnicodeDecodeError:
        names = None
    if not names:
        return None
    code = code_files(html_langs)
    index = {}
    for name in names:
        if name in code:
            index[name] = code[name]
            continue
        data = cachefile.read(folder / name) if DATA_FILE.fullmatch(name) else None
        if data is None:
            return None
        index[name] = data
    return index if code.keys() <= index.keys() else None


def _store_index(folder: Path, digest: str, index: dict[str, bytes]) -> None:
    """Keep the latest index only; written to a temporary folder and renamed, so a
    parallel build never reads half of one."""
    import shutil
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder, prefix=".tmp-"))
        for name, data in index.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_bytes(data)
        (tmp / "files.txt").write_text("\n".join(index) + "\n", encoding="utf-8")
        for old in folder.iterdir():
            if old.name != digest and not old.name.startswith(".tmp-"):
                shutil.rmtree(old, ignore_errors=True)
        try:
            tmp.rename(folder / digest)
        except OSError:  # another build stored the same index first
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError:
        pass  # the cache is an optimisation only

def chart_problem(content: Content, root: Path, spec, message: str) -> Problem:
    """A chart that could not be drawn, reported at the content it shows: the measure's target
    for a progress chart (file and line), else bulletin.yaml; the page is named in the message."""
    from .loader import dotted, load_yaml
    from .validate import _display

    relative, loc = "bulletin.yaml", ()
    for kind, args in spec.charts:
        if kind == "target_progress" and f"measure:{args[0]}" in content.files:
            relative = content.files[f"measure:{args[0]}"]
            ms = content.measures[args[0]]
            loc = ("targets", next((i for i, t in enumerate(ms.targets) if t.id == args[1]), 0))
            break
        if kind == "status_breakdown" and args[0] == "programme" and f"programme:{args[1]}" in content.files:
            relative = content.files[f"programme:{args[1]}"]
            break
    path = Path(root) / relative
    line, column = 1, 1
    try:
        doc, _ = load_yaml(path, _display(path, root))
        if doc is not None:
            line, column = doc.where(loc)
    except OSError:
        pass
    return Problem(_display(path, root), line, column, dotted(loc),
                   N_("a chart on the page %(page)s could not be drawn (%(reason)s); check the texts and figures "
                      "here for unusual characters or values", page=spec.path, reason=message))


def jinja_message(message: str) -> str:
    """Jinja's two commonest messages in the editor's language (the others as Jinja writes them):
    a name the page is not given, and a field a value does not have."""
    if found := re.fullmatch(r"'([^']+)' is undefined", message):
        return N_("`%(name)s` is not defined for this page (the template uses a name the page is not given); check its "
                  "spelling", name=found[1])
    if found := re.fullmatch(r"'(.+)' has no attribute '([^']+)'", message):
        return N_("%(value)s has no field `%(name)s`; check its spelling", value=found[1], name=found[2])
    return message


def template_location(exc: Exception, templates: Path) -> str:
    """`templates/x.html:12: ` for a template error: Jinja points its traceback at template lines."""
    if getattr(exc, "lineno", None) and getattr(exc, "name", None):  # syntax errors know where they are
        return f"{templates / exc.name}:{exc.lineno}: "
    root = str(templates.resolve())
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if str(Path(f.filename).resolve()).startswith(root)]
    return f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else ""


def terminal_progress(stream=None, gettext: Gettext | None = None) -> Callable[[int, int], None] | None:
    """A one-line progress bar on a terminal; plain lines (every 25%) in CI logs."""
    stream = stream or sys.stderr  # looked up now: a test (or a caller) may have replaced sys.stderr
    if stream.isatty():
        label = localise(N_("rendering"), gettext)

        def bar(done: int, total: int) -> None:
            width = 30
            filled = width * done // total
            stream.write(f"\r  {label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            if done == total:
                stream.write("\n")
            stream.flush()
        return bar

    marks: set[int] = set()

    def lines(done: int, total: int) -> None:
        quarter = 4 * done // total
        if quarter not in marks and quarter > 0:
            marks.add(quarter)
            stream.write("  " + localise(N_("rendered %(done)d/%(total)d pages", done=done, total=total), gettext) + "\n")
    return lines
