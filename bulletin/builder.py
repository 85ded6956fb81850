"""The build: load → validate → derive → render → write, with incremental rebuilds.

A `Builder` remembers what it rendered last time. On a rebuild it reloads and
validates all content (cheap), works out which entities and templates changed, and
re-renders only the pages that depend on them; feeds, downloads and the sitemap are
always regenerated because they summarise everything.
"""

from __future__ import annotations

import hashlib
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from jinja2 import TemplateError, meta

from .model import Content
from .problems import ChartFailure, ContentError, Problem, TemplateFailure
from .site import Site, changed_keys, status_keys
from .advice import full_check
from .writer import WriteStats, check_output, write_site

DEFAULT_CACHE = Path(".cache")


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

    def summary(self) -> str:
        return (f"build: {self.pages} pages ({self.rendered} rendered), {len(self.write.written)} files written, "
                f"{self.write.unchanged} unchanged; {self.charts} charts ({self.chart_renders} rendered, "
                f"{self.charts - self.chart_renders} from cache, {self.chart_seconds:.2f} s); {self.seconds:.2f} s")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): _digest(p) for p in sorted(root.rglob("*")) if p.is_file()} if root.is_dir() else {}


class Builder:
    def __init__(self, content: Path, templates: Path, theme: Path, output: Path,
                 cache: Path | None = DEFAULT_CACHE, progress: Callable[[int, int], None] | None = None,
                 report_pdfs: bool = True):
        self.content_dir, self.templates, self.theme, self.output = Path(content), Path(templates), Path(theme), Path(output)
        self.cache = cache
        self.progress = progress
        self._content: Content | None = None
        self._assessments: dict = {}  # the last build's statuses, to know which status lists an edit touches
        self._pages: dict[str, bytes] = {}  # rendered HTML from the last build, by output path
        self._templates: dict[str, str] = {}
        self._catalogues: dict[str, str] = {}
        self._chart_renderer = None
        self._pdf_renderer = None
        # Printing a report takes seconds and every save changes the reports, so the dev
        # server leaves the PDFs out (its report pages say so); `build` always makes them.
        self.report_pdfs = report_pdfs
        self.background_cleanup = False  # the dev server sets this: old trees are deleted in a thread

    def _charts(self):
        if self._chart_renderer is None:
            from .charts import ChartRenderer

            self._chart_renderer = ChartRenderer(self.cache / "charts" if self.cache else None)
        return self._chart_renderer

    def _template_closure(self, name: str, env) -> set[str]:
        """A template and every template it extends, includes or imports."""
        seen: set[str] = set()
        stack = [name]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            source, filename, _ = env.loader.get_source(env, current)
            stack += [t for t in meta.find_referenced_templates(env.parse(source, current, filename)) if t]
        return seen

    def build(self) -> BuildResult:
        """Build the site; raises ContentError or TemplateFailure, leaving the output as it was."""
        try:
            return self._build()
        except TemplateError as exc:
            where = template_location(exc, self.templates)
            raise TemplateFailure(f"{where}template error: {exc.message or type(exc).__name__}") from exc

    def _build(self) -> BuildResult:
        from .l10n import LOCALE_DIR
        from .render import Renderer, status_css

        started = time.perf_counter()
        check_output(self.output, self._protected(), self._project())  # refuse before spending time rendering
        result = full_check(self.content_dir, warnings=False)
        if result.content is None or result.errors:
            raise ContentError(result.problems)
        content = result.content
        static = self._static()  # before rendering: a theme file linking outside the theme fails fast
        site = Site(content)
        charts = self._charts()
        before = (charts.count, charts.cache_hits, charts.seconds)
        renderer = Renderer(site, self.templates, charts)
        pages = site.pages()

        templates = tree_digests(self.templates)
        catalogues = tree_digests(LOCALE_DIR)
        keys = changed_keys(self._content, content) if catalogues == self._catalogues else None
        if keys is not None:
            keys |= status_keys(keys, self._assessments, site.assessments)
        changed_templates = {n for n in templates.keys() | self._templates.keys() if templates.get(n) != self._templates.get(n)}
        env = next(iter(renderer.envs.values()))
        # Which templates each page template reads, worked out once and only when a template changed.
        closures = {name: self._template_closure(name, env) for name in {s.template for s in pages}} if changed_templates else {}
        files: dict[str, bytes] = {}
        rendered: list[str] = []
        total = len(pages)
        for i, spec in enumerate(pages, 1):
            reuse = keys is not None and not (spec.deps & keys) \
                and not (changed_templates & closures.get(spec.template, set())) \
                and all(f"{code}/{spec.path}" in self._pages for code in renderer.langs)
            if reuse:
                for code in renderer.langs:
                    files[f"{code}/{spec.path}"] = self._pages[f"{code}/{spec.path}"]
            else:
                try:
                    files.update(renderer.render_all([spec]))
                except ChartFailure as exc:
                    raise ContentError([chart_problem(content, self.content_dir, spec, str(exc))]) from None
                rendered.append(spec.path)
            if self.progress:  # counted in pages, as the summary does: one per language
                self.progress(i * len(renderer.langs), total * len(renderer.langs))
        html_pages = dict(files)
        files.update(renderer.extras(pages))
        files["assets/status.css"] = status_css()
        for rel, data in static.items():
            files[rel] = data
        files.update(self._report_downloads(renderer, pages, files))

        write = write_site(files, self.output, background_cleanup=self.background_cleanup,
                           protected=self._protected(), project=self._project())
        self._content, self._pages, self._templates, self._catalogues = content, html_pages, templates, catalogues
        self._assessments = site.assessments
        charts_now = (charts.count - before[0], charts.cache_hits - before[1], charts.seconds - before[2])
        return BuildResult(
            pages=sum(1 for f in files if f.endswith(".html")), rendered=len(rendered) * len(renderer.langs),
            charts=charts_now[0], chart_renders=charts_now[0] - charts_now[1], chart_seconds=charts_now[2],
            seconds=time.perf_counter() - started, write=write,
            warnings=[p for p in result.problems if p.severity == "warning"], rendered_paths=rendered)

    def _report_downloads(self, renderer, pages, files: dict[str, bytes]) -> dict[str, bytes]:
        """Beside each report page: its PDF (printed from the page itself) and its workbook."""
        from .pdf import PdfRenderer
        from .report import report_workbook

        if self._pdf_renderer is None:
            self._pdf_renderer = PdfRenderer(self.cache / "pdf" if self.cache else None)
        out: dict[str, bytes] = {}
        reports = []
        for spec in pages:
            if spec.context.get("kind") != "report":
                continue
            for code, lang in renderer.langs.items():
                page = f"{code}/{spec.path}"
                out[page.removesuffix("index.html") + "report.xlsx"] = report_workbook(renderer, spec.context, lang)
                reports.append(page)
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
                                                f"this file cannot be read ({exc.strerror}); check it, or delete it")]) from exc
        return files


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
                   f"a chart on the page {spec.path} could not be drawn ({message}); check the texts and figures "
                   "here for unusual characters or values")


def template_location(exc: Exception, templates: Path) -> str:
    """`templates/x.html:12: ` for a template error: Jinja points its traceback at template lines."""
    if getattr(exc, "lineno", None) and getattr(exc, "name", None):  # syntax errors know where they are
        return f"{templates / exc.name}:{exc.lineno}: "
    root = str(templates.resolve())
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if str(Path(f.filename).resolve()).startswith(root)]
    return f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else ""


def terminal_progress(stream=None) -> Callable[[int, int], None] | None:
    """A one-line progress bar on a terminal; plain lines (every 25%) in CI logs."""
    stream = stream or sys.stderr  # looked up now: a test (or a caller) may have replaced sys.stderr
    if stream.isatty():
        def bar(done: int, total: int) -> None:
            width = 30
            filled = width * done // total
            stream.write(f"\r  rendering [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            if done == total:
                stream.write("\n")
            stream.flush()
        return bar

    marks: set[int] = set()

    def lines(done: int, total: int) -> None:
        quarter = 4 * done // total
        if quarter not in marks and quarter > 0:
            marks.add(quarter)
            stream.write(f"  rendered {done}/{total} pages\n")
    return lines
