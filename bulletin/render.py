"""Stage 4b: render the site's pages, charts, feeds and sitemap to bytes, with the downloads beside them.

The sentences explaining statuses are in `reasons.py`, the open-data files in `downloads.py`. Output is a mapping of output-relative path → bytes; nothing is written here. Every
link is relative (so the site works from a sub-path and from file://) except on the
404 page, which a server shows at any depth and which therefore links from base_url.
"""

from __future__ import annotations

import functools
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from jinja2 import BytecodeCache, Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup, escape

from .deps import record, recording
from .l10n import LOCALE_DIR, Lang, Localised, languages_for
from .markup import render_markdown
from .model import Measure, Text
from . import downloads, reasons
from .downloads import KIND_LABELS, xml_text
from .palette import N_, STATUS_SYMBOLS, status_label
from .reasons import BRACKETS, LABEL_SEPARATOR
from .rounds import CHANGE_KINDS
from .report import report_groups, report_round, round_line
from .reuse import citation, css_string, feedback_href, licence_line
from .site import (MIN_MEASURES_FOR_FILTERS, PATHS, PageSpec, Site, category_path, department_path, measure_path, page_path, report_path, round_report_path,
                   programme_path, updates_month_path, round_path, status_from_slug, status_path, status_slug)
from .status import DISPLAY_ORDER, SEVERITY, UNREPORTED, MeasureAssessment, Status
from .typography import polish
from .units import target_figure

# What changed between two rounds, as the changes page, the home page and `bulletin diff` name it.
CHANGE_LABELS = {
    "completed": N_("Newly completed"), "slipped": N_("Newly behind or overdue"), "recovered": N_("Recovered"),
    "halted": N_("Paused or dropped"), "other": N_("Other status changes"), "added": N_("New in the bulletin"),
    "reports": N_("New progress reports"), "revisions": N_("Revised targets"),
}



class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory; Jinja checks each against its source's checksum.

    Compiled code holds no site data (the environments, which do, belong to one
    Renderer), so one cache serves every Renderer of the process."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()



COMPILED_TEMPLATES = MemoryBytecodeCache()


@dataclass(frozen=True)
class FileGroup:
    """Files beside the pages that are made together (a feed, one measure's downloads, the sitemap)."""

    key: str  # names the group among a build's groups (an output path of it)
    shape: object  # what it is made from that is not read through the site: compared like a page's spec
    make: Callable[[], dict[str, bytes]]


class _RecordingTemplate(Template):
    """A template whose module (what `{% import %}` without context gives) Jinja makes once and
    keeps: the reads its top level made are recorded again by every page that imports it, not
    only by the first (a department's name set at the top of an imported file stayed stale)."""

    _module_reads: frozenset = frozenset()

    def _get_default_module(self, ctx=None):
        if ctx is not None and ctx.globals_keys - self.globals.keys():
            return super()._get_default_module(ctx)  # made anew for this page: its reads are the page's own
        if self._module is None:
            with recording() as reads:
                module = super()._get_default_module(ctx)
            self._module_reads = frozenset(reads)
        else:
            module = self._module
        for key in self._module_reads:
            record(key)
        return module


class _RecordingEnvironment(Environment):
    """Records each template a render loads, the ones it extends, imports and includes too
    (Jinja loads those through `get_template` or `select_template` as the render reaches them):
    so a template edit re-renders exactly the pages and files that read that template."""

    template_class = _RecordingTemplate

    def select_template(self, names, parent=None, globals=None):  # type: ignore[override]
        # `{% include ["_custom.html", "_default.html"] %}`: every name tried is read (adding the
        # first one changes what is included), and Jinja loads them without `get_template`.
        for name in names:
            if isinstance(name, str):
                record(("template", _template_file(self.join_path(name, parent) if parent is not None else name)))
        return super().select_template(names, parent, globals)

    def get_template(self, name, parent=None, globals=None):  # type: ignore[override]
        record(("template", _template_file(self.join_path(name, parent) if parent is not None else name)))
        try:
            return super().get_template(name, parent, globals)
        except UnicodeDecodeError as exc:  # a template saved in GBK or with stray bytes: named, never a traceback
            from jinja2 import TemplateSyntaxError

            from . import messages

            raise TemplateSyntaxError(messages.N_("the file is not UTF-8 text (byte %(at)s); save it as UTF-8", at=exc.start + 1),
                                      lineno=1, name=self.join_path(name, parent) if parent is not None else name) from exc


def _template_file(name: str) -> str:
    """A template's name as its file under templates/ (the name a template edit is known by):
    `./_macros.html` is `_macros.html`."""
    from jinja2.exceptions import TemplateNotFound
    from jinja2.loaders import split_template_path

    try:
        return "/".join(split_template_path(name))
    except TemplateNotFound:  # a name with `..`: not loaded, and the error says so
        return name


def relative_link(target: str, here: str) -> str:
    """`target` (a file path from the site root) as seen from folder `here`, e.g. ../../assets/style.css.

    Both are clean site paths, so this is string work only; posixpath.relpath would ask
    the operating system for the working directory on every one of thousands of links."""
    folder = here.split("/") if here else []
    parts = target.split("/")
    common = 0
    while common < len(folder) and common < len(parts) - 1 and folder[common] == parts[common]:
        common += 1
    return "/".join([".."] * (len(folder) - common) + parts[common:])


class Renderer:
    """Renders a Site in every language with the templates and theme given."""

    def __init__(self, site: Site, templates: Path, chart_renderer: Any = None, locale_dir: Path = LOCALE_DIR,
                 bytecode_cache: BytecodeCache | None = COMPILED_TEMPLATES, report_pdfs: bool = True,
                 archived_report_pdfs: bool = False, workbook_cache: Path | None = None):
        self.site = site
        self.workbook_cache = workbook_cache  # report workbooks by their cells (report._cached_workbook)
        self.report_pdfs = report_pdfs  # whether report pages have a PDF beside them to link to
        self.archived_report_pdfs = archived_report_pdfs  # also the earlier rounds' reports
        self.content = site.content
        self.memo: dict = {}  # results one page uses twice (deps.kept_for_this_page)
        # What is read here shapes every page (languages, their conversion, the environments' globals
        # such as the licence line): each page's render records it again (`render_page`), so an edit
        # to it re-renders them all.
        with recording() as self._setup_reads:
            b = self.content.bulletin
            self._langs: dict[str, Lang] = languages_for(b.languages, conversion=b.traditional_conversion, locale_dir=locale_dir,
                                                         keep=b.traditional_keep)
            for lang in self._langs.values():
                _memoise_formatting(lang)
            self.envs = {code: self._environment(templates, lang, bytecode_cache) for code, lang in self._langs.items()}
        self.chart_renderer = chart_renderer

    # Read from the bulletin when used, so that the pages using them record it.
    @property
    def langs(self) -> dict[str, Lang]:
        return self._langs

    @property
    def default(self) -> str:
        return self.content.bulletin.default_lang

    @property
    def base_url(self) -> str:
        url = self.content.bulletin.base_url
        return url if url.endswith("/") else url + "/"

    @property
    def base_path(self) -> str:
        return urlsplit(self.base_url).path or "/"

    # --- Jinja -------------------------------------------------------------------
    def _environment(self, templates: Path, lang: Lang, bytecode_cache: BytecodeCache | None) -> Environment:
        # Each Renderer owns its environments: their globals are this site's. Compiled
        # templates come from a bytecode cache shared by every Renderer, so a template
        # whose source did not change is not compiled again by the next build.
        env = _RecordingEnvironment(loader=FileSystemLoader(str(templates)), autoescape=select_autoescape(["html", "xml"], default=True),
                          undefined=StrictUndefined, extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
                          keep_trailing_newline=True, bytecode_cache=bytecode_cache)
        env.install_gettext_translations(lang.translations, newstyle=True)  # type: ignore[attr-defined]
        g = env.globals
        g["_"] = _template_gettext(lang)
        g["ngettext"] = _template_ngettext(lang)
        g.update(lang=lang, langs=self._langs, bulletin=self.content.bulletin, content=self.content, site=self.site,
                 Status=Status, DISPLAY_ORDER=DISPLAY_ORDER, SEVERITY=SEVERITY,
                 KIND_LABELS=KIND_LABELS, PATHS=PATHS, measure_path=measure_path, programme_path=programme_path,
                 department_path=department_path, category_path=category_path, report_path=report_path, status_path=status_path, page_path=page_path,
                 updates_month_path=updates_month_path,
                 MIN_MEASURES_FOR_FILTERS=MIN_MEASURES_FOR_FILTERS)
        g.update(round_path=round_path, CHANGE_KINDS=CHANGE_KINDS, change_label=lambda kind: lang.gettext(CHANGE_LABELS[kind]))
        g["t"] = lambda text, **kw: polish(self.text(lang, text, **kw), lang.code)
        g["plain"] = lambda text: lang.text(text).text
        g["colon"] = lang.gettext(LABEL_SEPARATOR)
        g["brackets"] = tuple(lang.gettext(b) for b in BRACKETS)
        g["md"] = lambda text, inline=False: polish(self.markdown(lang, text, inline=inline), lang.code)
        g["status_label"] = lambda s: status_label(s, lang)
        g["status_meaning"] = lambda s: polish(escape(reasons.status_meaning(lang, s)), lang.code)
        g["status_symbol"] = lambda s: STATUS_SYMBOLS[Status(s)]
        g["status_class"] = lambda s: "status-" + status_slug(s)
        g["status_from_slug"] = status_from_slug
        g["status_slug"] = status_slug
        g["due_soon_count"] = lambda measures: sum(1 for ms in measures if self.site.assessments[ms.id].due_soon)
        g["assessment"] = lambda mid: self.site.assessments[mid]
        g["measure_reason"] = lambda ms: polish(self.measure_reason(lang, ms), lang.code)
        g["target_reason"] = lambda ms, t: polish(escape(reasons.target_reason(lang, t, self.site.assessments[ms.id].targets[t.id],
                                                                               self.content.bulletin.pace)), lang.code)
        g["fmt_value"] = lambda t, v: target_figure(lang, t, v)
        g["figure_id"] = _figure_id
        g["site_url"] = lambda path: self.base_url + path  # absolute, e.g. for addresses printed on paper
        g["report_groups"] = lambda context: report_groups(self, lang, context)
        g["report_round"] = lambda context: report_round(self.site, context)
        g["round_line"] = lambda when: round_line(lang, when)
        g["round_report_path"] = round_report_path
        g["licence_line"] = licence_line(lang, self.content.bulletin)  # a setup read, recorded by every page
        g["licence_link_text"] = licence_line(lang, self.content.bulletin, with_url=False)
        g["citation"] = lambda ms, path: citation(  # how to cite a measure's page: number and title as plain text
            lang, self.content.bulletin, title=f"{lang.gettext('No. %(n)s') % {'n': ms.number}} {lang.text(ms.title).text}",
            url=self.canonical(lang.code, path), as_of=self.content.as_of(ms.programme))
        g["feedback_href"] = lambda ms, path: feedback_href(
            self.content.bulletin.feedback, lang, measure=ms.id, number=ms.number, title=lang.text(ms.title).text,
            page=self.canonical(lang.code, path))
        g["css_string"] = lambda text: Markup(css_string(text))
        g["report_pdfs"] = self.report_pdfs
        g["archived_report_pdfs"] = self.archived_report_pdfs
        g["original"] = lambda t: t.original
        g["UNREPORTED"] = UNREPORTED
        env.filters.update(date=lang.date, month=lang.month, number=lang.number, percent=lang.percent)
        env.filters["polish"] = lambda text: polish(escape(text), lang.code)  # typography of generated sentences
        return env

    def text(self, lang: Lang, value: Text | None) -> Markup:
        """A content text in the page language; a fallback carries its own lang and a visible marker."""
        loc = lang.text(value)
        return self._fallback(lang, loc, escape(loc.text), "span") if loc.fallback else escape(loc.text)

    def markdown(self, lang: Lang, value: Text | None, *, inline: bool = False) -> Markup:
        loc = lang.text(value)
        html = render_markdown(loc.text, inline=inline)
        return self._fallback(lang, loc, html, "span" if inline else "div") if loc.fallback else html

    def _fallback(self, lang: Lang, loc: Localised, html: Markup, tag: str) -> Markup:
        other = self.langs[loc.lang]
        marker = lang.gettext("(in %(language)s: no %(page_language)s text yet)") % {"language": other.name, "page_language": lang.name}
        return Markup(f'<{tag} lang="{other.html_lang}" class="fallback">{html}</{tag}>'
                      f' <small class="fallback-marker">{escape(marker)}</small>')

    # --- reasons: the sentences are in reasons.py; pages show content texts with their fallback marker
    def measure_reason(self, lang: Lang, ms: Measure, a: MeasureAssessment | None = None) -> Markup:
        """Why `ms` has its status; `a` is its assessment at an earlier round (default: now)."""
        return reasons.measure_reason(lang, ms, self.site.assessments[ms.id] if a is None else a, self.text,
                                      lambda sid: lang.text(self.content.sources[sid].title).text if sid in self.content.sources else sid,
                                      self.content.bulletin.pace)

    # --- pages -------------------------------------------------------------------
    def link_builder(self, lang: str, current: str, *, absolute: bool) -> Callable[..., str]:
        here = posixpath.dirname(f"{lang}/{current}")

        def url(path: str, *, language: str | None = None, root: bool = False) -> str:
            target = path if root else f"{language or lang}/{path}"
            return self.base_path + target if absolute else relative_link(target, here)
        return url

    def x_default(self, path: str) -> str:
        """The x-default alternate, the same in pages and sitemap: the language chooser for the
        home page, else the page in the default language."""
        return self.base_url if path == "index.html" else self.canonical(self.default, path)

    def canonical(self, lang: str, path: str) -> str:
        return self.base_url + f"{lang}/{path}".removesuffix("index.html")

    def render_page(self, spec: PageSpec, code: str) -> bytes:
        for key in self._setup_reads:
            record(key)
        env = self.envs[code]
        lang = self.langs[code]
        url = self.link_builder(code, spec.path, absolute=spec.path == "404.html")
        alternates = [(other, url(spec.path, language=other), self.canonical(other, spec.path)) for other in self.langs]
        figures = [self.figure(kind, args, lang) for kind, args in spec.charts] if self.chart_renderer else []
        context = dict(spec.context, page=spec, url=url, alternates=alternates, canonical=self.canonical(code, spec.path),
                       x_default=self.x_default(spec.path), figures={f.id: f for f in figures if f is not None})
        html = env.get_template(spec.template).render(context)
        return html.encode("utf-8")

    def figure(self, kind: str, args: tuple, lang: Lang):
        from . import charts

        return charts.make_figure(kind, args, self.site, lang, self.chart_renderer)

    def prepare_charts(self, pages: list[PageSpec], workers: int | None = None) -> int:
        """Render, all at once and on every core, the charts `pages` need that are not cached,
        so rendering the pages afterwards finds each one ready. Returns how many were rendered."""
        r = self.chart_renderer
        if r is None or not hasattr(r, "collecting"):
            return 0
        with r.collecting():
            for spec in pages:
                for code, lang in self.langs.items():
                    for kind, args in spec.charts:
                        try:
                            self.figure(kind, args, lang)
                        except Exception:  # noqa: BLE001 - the page rendering it reports it, in its own name
                            pass
        return r.render_pending(workers)

    def render_all(self, pages: list[PageSpec]) -> dict[str, bytes]:
        """Render `pages` in every language (the builder renders page by page; tests render a few)."""
        files: dict[str, bytes] = {}
        for spec in pages:
            for code in self.langs:
                files[f"{code}/{spec.path}"] = self.render_page(spec, code)
        return files

    # --- beside the pages ------------------------------------------------------------
    def extras(self, pages: list[PageSpec]) -> dict[str, bytes]:
        """Root chooser, 404, feeds, sitemap, robots.txt and open-data downloads (every file group at once)."""
        return {path: data for group in self.file_groups(pages) for path, data in self.make_files(group).items()}

    def file_groups(self, pages: list[PageSpec]) -> list[FileGroup]:
        """The files beside the pages, in groups made together: the root chooser, the 404 page,
        each feed, each download file and each measure's downloads, the sitemap and robots.txt.
        The builder makes a group again, like a page, only when what it read has changed."""
        def root() -> dict[str, bytes]:
            return {"index.html": self.envs[self.default].get_template("root.html").render(
                canonical=self.base_url, alternates=[(c, f"{c}/index.html", self.canonical(c, "index.html")) for c in self.langs],
                x_default=self.base_url, choices=self.language_choices()).encode("utf-8")}

        def sitemap() -> dict[str, bytes]:
            urls = [(path, [(c, self.canonical(c, path)) for c in self.langs], self.x_default(path)) for path in in_sitemap]
            return {"sitemap.xml": xml_text(self.envs[self.default].get_template("sitemap.xml").render(urls=urls)).encode("utf-8")}

        in_sitemap = tuple(spec.path for spec in pages if spec.in_sitemap)
        groups = [FileGroup("index.html", None, root),
                  FileGroup("404.html", None, lambda: {"404.html": self.render_page(
                      PageSpec("404.html", "404.html", {"kind": "404", "elsewhere": self.not_found_elsewhere()}), self.default)})]
        for code, lang in self.langs.items():
            groups += [FileGroup(key, None, make) for key, make in downloads.feed_groups(self, code)]
            groups += [FileGroup(key, None, make) for key, make in downloads.download_groups(self, lang)]
        groups.append(FileGroup("sitemap.xml", in_sitemap, sitemap))
        groups.append(FileGroup("robots.txt", None, lambda: {
            "robots.txt": f"User-agent: *\nAllow: /\n\nSitemap: {self.base_url}sitemap.xml\n".encode("utf-8")}))
        return groups

    def make_files(self, group: FileGroup) -> dict[str, bytes]:
        """A group's files; what shapes every page (the languages) is recorded for it too."""
        for key in self._setup_reads:
            record(key)
        return group.make()

    def not_found_elsewhere(self) -> list[dict[str, str]]:
        """The root 404 page is in the default language, and a server shows it for any bad address,
        an English one included: it says the same in every other language, with that language's way in."""
        return [{"code": code, "html_lang": lang.html_lang, "title": lang.gettext("Page not found"),
                 "lead": lang.gettext("There is no page at this address. It may have moved when the bulletin was updated."),
                 "home": lang.gettext("Go to the overview")}
                for code, lang in self.langs.items() if code != self.default]

    def language_choices(self) -> list[dict[str, str]]:
        """The root page's choices, each in its own language: the bulletin's title there and a call to enter."""
        b = self.content.bulletin
        choices = []
        for code, lang in self.langs.items():
            description = lang.gettext("Figures as of %(date)s.") % {"date": lang.date(b.as_of)}
            if b.description:
                description = f"{lang.text(b.description).text} {description}"
            choices.append({"code": code, "href": f"{code}/index.html", "html_lang": lang.html_lang, "name": lang.name,
                            "title": lang.text(b.title).text, "action": lang.gettext("Read the bulletin in this language"),
                            "description": description})
        # The default language first: the page is marked as written in it (<html lang>), so its
        # title and description lead in it too.
        return sorted(choices, key=lambda choice: choice["code"] != b.default_lang)

def _template_gettext(lang: Lang) -> Callable[..., Markup]:
    """`_()` for templates: what jinja2.ext.i18n's newstyle gettext does in an autoescaping
    template (translate, mark safe, %-format with the variables escaped), without the three
    context calls it makes per string. A page calls it some fifty times; each message is
    looked up once per build and language."""
    plain: dict[str, Markup] = {}
    formatted: dict[str, Markup] = {}

    # Unlike jinja2.ext.i18n, a translation is text, escaped, not markup: no message of the
    # templates holds markup, and a catalogue (a translator's file) must not be a way to put
    # a tag on every page.
    def gettext(message: str, **variables: Any) -> Markup:
        if variables:
            if (rv := plain.get(message)) is None:
                rv = plain[message] = Markup.escape(lang.gettext(message))
            return rv % variables
        if (rv := formatted.get(message)) is None:  # newstyle gettext formats even without variables ("%%" is "%")
            rv = formatted[message] = Markup.escape(lang.gettext(message)) % {}
        return rv
    return gettext


# Messages the shipped templates no longer use (they say "1 measure" / "2 measures" with
# ngettext now), kept in the catalogues so that a project's own copy of an older template
# still reads in Chinese.
TEMPLATE_MESSAGES_BEFORE_PLURALS = (N_("%(n)s measures"), N_(" (%(n)s measures)"), N_("%(n)s measures."),
                                    N_("%(n)s measures in %(p)s programmes."))


def _template_ngettext(lang: Lang) -> Callable[..., Markup]:
    """`ngettext()` for templates, as jinja2.ext.i18n's newstyle one: the form for `num`
    ("1 measure", "2 measures"; Chinese has one form), %-formatted with `num` and the
    variables escaped."""
    def ngettext(singular: str, plural: str, num: int, **variables: Any) -> Markup:
        variables.setdefault("num", num)
        return Markup.escape(lang.ngettext(singular, plural, num)) % variables
    return ngettext


def _memoise_formatting(lang: Lang) -> None:
    """Babel formats the same dates and figures on thousands of pages: format each once per
    build and language (the Lang is this Renderer's own, so the memory goes with it)."""
    for name in ("date", "month", "number", "percent"):
        setattr(lang, name, functools.lru_cache(maxsize=None, typed=True)(getattr(lang, name)))


def _figure_id(kind: str, *args: Any) -> str:
    """The id of a chart kind's figure, from the one registry of chart kinds (for templates)."""
    from .charts import figure_id

    return figure_id(kind, *args)
