"""Stage 4b: render the site's pages, charts, feeds, sitemap and downloads to bytes.

Output is a mapping of output-relative path → bytes; nothing is written here. Every
link is relative (so the site works from a sub-path and from file://) except on the
404 page, which a server shows at any depth and which therefore links from base_url.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import posixpath
import re
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from jinja2 import BytecodeCache, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from .deps import record, recording
from .l10n import LOCALE_DIR, Lang, Localised, languages_for
from .markup import render_markdown
from .model import Measure, NextStep, Target, Text
from .palette import STATUS_LABELS, STATUS_SYMBOLS, status_label
from .rounds import CHANGE_KINDS
from .report import report_groups, report_round, round_line
from .reuse import citation, css_string, feedback_href, licence_line
from .site import (MIN_MEASURES_FOR_FILTERS, PATHS, PageSpec, Site, category_path, department_path, measure_path, page_path, report_path, round_report_path,
                   programme_path, round_path, status_from_slug, status_path, status_slug)
from .status import DISPLAY_ORDER, SEVERITY, UNREPORTED, Assessment, MeasureAssessment, Status
from .typography import polish
from .units import scaled_unit, target_figure

# Status names are gettext msgids, marked with N_ so extraction finds them.
def N_(message: str) -> str:
    return message


STATUS_MEANINGS: dict[Status, str] = {
    Status.COMPLETED: N_("The target value has been reached (for a yes/no milestone: reported done, with a source)."),
    Status.AHEAD: N_("Progress is well ahead of the share of time elapsed."),
    Status.ON_TRACK: N_("Progress keeps pace with the share of time elapsed."),
    Status.BEHIND: N_("Progress lags the share of time elapsed."),
    Status.OVERDUE: N_("The deadline has passed and the target has not been reached."),
    Status.OVERDUE_UNREPORTED: N_("The deadline has passed and nothing has been reported by the reporting date (逾期未报)."),
    Status.IN_PROGRESS: N_("Work under way with no pace to measure: a yes/no milestone not yet done before its deadline, or a measure whose reported targets are done while others are not yet reported."),
    Status.NOT_STARTED: N_("The reporting date is before the work starts."),
    Status.NO_DATA: N_("Nothing has been reported yet, and the deadline has not passed."),
    Status.ONGOING: N_("Continuing work with no end target."),
    Status.PAUSED: N_("Paused by the editors, who give the reason."),
    Status.DROPPED: N_("Dropped by the editors, who give the reason."),
}
# Punctuation that differs by language: Chinese uses a full-width colon.
LABEL_SEPARATOR = N_(": ")
# What changed between two rounds, as the changes page, the home page and `bulletin diff` name it.
CHANGE_LABELS = {
    "completed": N_("Newly completed"), "slipped": N_("Newly behind or overdue"), "recovered": N_("Recovered"),
    "halted": N_("Paused or dropped"), "other": N_("Other status changes"), "added": N_("New in the bulletin"),
    "reports": N_("New progress reports"), "revisions": N_("Revised targets"),
}
KIND_LABELS = {"count": N_("Count"), "percentage": N_("Percentage"), "amount": N_("Amount"), "milestone": N_("Yes/no milestone")}



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
                 archived_report_pdfs: bool = False):
        self.site = site
        self.report_pdfs = report_pdfs  # whether report pages have a PDF beside them to link to
        self.archived_report_pdfs = archived_report_pdfs  # also the earlier rounds' reports
        self.content = site.content
        # What is read here shapes every page (languages, their conversion): each page's
        # render records it again (`render_page`), so an edit to it re-renders them all.
        with recording() as self._setup_reads:
            b = self.content.bulletin
            self._langs: dict[str, Lang] = languages_for(b.languages, conversion=b.traditional_conversion, locale_dir=locale_dir)
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
        env = Environment(loader=FileSystemLoader(str(templates)), autoescape=select_autoescape(["html", "xml"], default=True),
                          undefined=StrictUndefined, extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
                          keep_trailing_newline=True, bytecode_cache=bytecode_cache)
        env.install_gettext_translations(lang.translations, newstyle=True)  # type: ignore[attr-defined]
        g = env.globals
        g.update(lang=lang, langs=self._langs, bulletin=self.content.bulletin, content=self.content, site=self.site,
                 Status=Status, DISPLAY_ORDER=DISPLAY_ORDER, SEVERITY=SEVERITY, STATUS_MEANINGS=STATUS_MEANINGS,
                 KIND_LABELS=KIND_LABELS, PATHS=PATHS, measure_path=measure_path, programme_path=programme_path,
                 department_path=department_path, category_path=category_path, report_path=report_path, status_path=status_path, page_path=page_path,
                 MIN_MEASURES_FOR_FILTERS=MIN_MEASURES_FOR_FILTERS)
        g.update(round_path=round_path, CHANGE_KINDS=CHANGE_KINDS, change_label=lambda kind: lang.gettext(CHANGE_LABELS[kind]))
        g["t"] = lambda text, **kw: polish(self.text(lang, text, **kw), lang.code)
        g["plain"] = lambda text: lang.text(text).text
        g["colon"] = lang.gettext(LABEL_SEPARATOR)
        g["md"] = lambda text, inline=False: polish(self.markdown(lang, text, inline=inline), lang.code)
        g["status_label"] = lambda s: status_label(s, lang)
        g["status_symbol"] = lambda s: STATUS_SYMBOLS[Status(s)]
        g["status_class"] = lambda s: "status-" + status_slug(s)
        g["status_from_slug"] = status_from_slug
        g["status_slug"] = status_slug
        g["due_soon_count"] = lambda measures: sum(1 for ms in measures if self.site.assessments[ms.id].due_soon)
        g["assessment"] = lambda mid: self.site.assessments[mid]
        g["measure_reason"] = lambda ms: polish(self.measure_reason(lang, ms), lang.code)
        g["target_reason"] = lambda ms, t: polish(escape(self.target_reason(lang, ms, t, self.site.assessments[ms.id].targets[t.id])), lang.code)
        g["fmt_value"] = lambda t, v: self.value(lang, t, v)
        g["figure_id"] = _figure_id
        g["site_url"] = lambda path: self.base_url + path  # absolute, e.g. for addresses printed on paper
        g["report_groups"] = lambda context: report_groups(self, lang, context)
        g["report_round"] = lambda context: report_round(self.site, context)
        g["round_line"] = lambda when: round_line(lang, when)
        g["round_report_path"] = round_report_path
        g["licence_line"] = licence_line(lang, self.content.bulletin)
        g["citation"] = lambda title, path, as_of: citation(lang, self.content.bulletin, title=title,
                                                            url=self.canonical(lang.code, path), as_of=as_of)
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

    # --- reasons: one sentence per status, from the figures the status carries ----
    def value(self, lang: Lang, target: Target, value: Any) -> str:
        return target_figure(lang, target, value)

    def target_reason(self, lang: Lang, ms: Measure, t: Target, a: Assessment) -> str:
        _ = lang.gettext
        args = {"deadline": lang.date(a.deadline), "start": lang.date(a.start), "as_of": lang.date(a.as_of),
                "expected": lang.percent(a.expected), "reached": lang.percent(a.reached),
                "target": self.value(lang, t, t.target)}
        if a.latest is not None:
            args.update(value=self.value(lang, t, a.latest.value), reported=lang.date(a.latest.date))
        s = a.status
        if s == Status.COMPLETED and t.kind == "milestone":
            sentence = _("Completed: reported done on %(reported)s.")
        elif s == Status.COMPLETED:
            sentence = _("Completed: %(value)s reported on %(reported)s, against a target of %(target)s.")
        elif s in (Status.AHEAD, Status.ON_TRACK, Status.BEHIND):
            sentence = _("By %(as_of)s, %(expected)s of the way to %(target)s was expected; %(reached)s was reached (%(value)s on %(reported)s).")
        elif s == Status.OVERDUE and t.kind == "milestone":
            sentence = _("The deadline %(deadline)s has passed and the milestone is not reported done.")
        elif s == Status.OVERDUE:
            sentence = _("The deadline %(deadline)s has passed with %(reached)s of the way to %(target)s reached (%(value)s on %(reported)s).")
        elif s == Status.IN_PROGRESS:
            sentence = _("A yes/no milestone due by %(deadline)s, not yet reported done.")
        elif s == Status.NOT_STARTED:
            sentence = _("Work is due to start on %(start)s.")
        elif s == Status.OVERDUE_UNREPORTED:
            sentence = _("No progress has been reported; the deadline was %(deadline)s.")
        elif s == Status.NO_DATA:
            sentence = _("No progress has been reported yet; the deadline is %(deadline)s.")
        elif s == Status.ONGOING and a.latest is not None:
            sentence = _("Continuing work with no end target; latest figure %(value)s on %(reported)s.")
        else:
            sentence = _("Continuing work with no end target.")
        text = sentence % args
        if a.stale and a.latest is not None:
            text = _("%(sentence)s The latest report is from %(reported)s, older than the reporting interval.") % dict(args, sentence=text)
        return text

    def measure_reason(self, lang: Lang, ms: Measure, a: MeasureAssessment | None = None) -> Markup:
        """Why `ms` has its status; `a` is its assessment at an earlier round (default: now)."""
        a = self.site.assessments[ms.id] if a is None else a
        if a.overridden and ms.override is not None:
            label = status_label(a.status, lang)
            why = self.text(lang, ms.override.reason) if ms.override.reason else escape(lang.gettext("Confirmed by the cited source."))
            return Markup(f"{escape(label)}{escape(lang.gettext(LABEL_SEPARATOR))}{why}")
        _ = lang.gettext
        if not ms.targets:
            if a.status == Status.OVERDUE_UNREPORTED:
                return escape(_("This measure has no measurable target in its sources, and its deadline %(deadline)s has passed "
                                "with no progress reported.") % {"deadline": lang.date(a.deadline)})
            return escape(_("This measure has no measurable target in its sources."))
        target = next(t for t in ms.targets if t.id == a.deciding)
        sentence = self.target_reason(lang, ms, target, a.targets[target.id])
        if len(ms.targets) == 1:
            return escape(sentence)
        colon = escape(_(LABEL_SEPARATOR))
        parts = [Markup(f"{self.text(lang, target.title)}{colon}{escape(sentence)}"),
                 self._reported_sentence(lang, a, len(ms.targets))]
        # Unreported targets other than the deciding one are named, latest first: they must not vanish.
        titles = {t.id: t.title for t in ms.targets}
        for status in (Status.OVERDUE_UNREPORTED, Status.NO_DATA):
            others = [tid for tid in a.unreported if tid != a.deciding and a.targets[tid].status == status]
            if others:
                names = escape(_(", ")).join(self.text(lang, titles[tid]) for tid in others)
                stop = escape(_(". ").rstrip())  # a full stop: 。 in Chinese
                parts.append(Markup(f"{escape(_(STATUS_LABELS[status]))}{colon}{names}{stop}"))
        return Markup("").join(parts) if lang.chinese else Markup(" ").join(parts)

    def _reported_sentence(self, lang: Lang, a, n: int) -> Markup:
        """"2 of 3 targets reported, 2 completed.": how much of the measure the status rests on."""
        done = sum(1 for t in a.targets.values() if t.status == Status.COMPLETED)
        args = {"k": lang.number(a.reported), "n": lang.number(n), "c": lang.number(done)}
        if done:
            return escape(lang.gettext("%(k)s of %(n)s targets reported, %(c)s completed.") % args)
        return escape(lang.gettext("%(k)s of %(n)s targets reported.") % args)

    def next_steps_text(self, lang: Lang, steps: list[NextStep]) -> str:
        """Next steps on one line for the CSV: date, department: action; …"""
        dept = self.content.departments
        return "; ".join(f"{s.date.isoformat()} {lang.text(dept[s.department].name).text if s.department in dept else s.department}"
                         f"{lang.gettext(LABEL_SEPARATOR)}{lang.text(s.action).text}" for s in steps)

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

    def render_all(self, pages: list[PageSpec] | None = None) -> dict[str, bytes]:
        """Render `pages` (default: all) in every language."""
        files: dict[str, bytes] = {}
        for spec in pages if pages is not None else self.site.pages():
            for code in self.langs:
                files[f"{code}/{spec.path}"] = self.render_page(spec, code)
        return files

    # --- beside the pages ------------------------------------------------------------
    def extras(self, pages: list[PageSpec]) -> dict[str, bytes]:
        """Root chooser, 404, feeds, sitemap, robots.txt and open-data downloads."""
        files: dict[str, bytes] = {}
        env = self.envs[self.default]
        files["index.html"] = env.get_template("root.html").render(
            canonical=self.base_url, alternates=[(c, f"{c}/index.html", self.canonical(c, "index.html")) for c in self.langs], x_default=self.base_url,
            choices=self.language_choices(),
        ).encode("utf-8")
        files["404.html"] = self.render_page(PageSpec("404.html", "404.html", {"kind": "404"}), self.default)
        for code, lang in self.langs.items():
            files.update(self.feeds(code))
            files[f"{code}/data/measures.csv"] = self.measures_csv(lang)
            files[f"{code}/data/status_history.csv"] = self.status_history_csv(lang)
            files[f"{code}/data/progress.csv"] = self.progress_csv(lang)
            files[f"{code}/data/bulletin.json"] = self.bulletin_json(lang)
            files.update(self.measure_downloads(lang))
        urls = [(spec.path, [(c, self.canonical(c, spec.path)) for c in self.langs], self.x_default(spec.path))
                for spec in pages if spec.in_sitemap]
        files["sitemap.xml"] = xml_text(env.get_template("sitemap.xml").render(urls=urls)).encode("utf-8")
        files["robots.txt"] = f"User-agent: *\nAllow: /\n\nSitemap: {self.base_url}sitemap.xml\n".encode("utf-8")
        return files

    def feeds(self, code: str) -> dict[str, bytes]:
        """The site's Atom feed, and one per programme and per department: progress reports and status changes."""
        template = self.envs[code].get_template("feed.xml")
        feeds = [("feed.xml", {}, PATHS["updates"], None)]
        feeds += [(programme_path(pid).replace("index.html", "feed.xml"), {"programme": pid}, programme_path(pid), p.title)
                  for pid, p in self.content.programmes.items()]
        feeds += [(department_path(did).replace("index.html", "feed.xml"), {"department": did}, department_path(did),
                   self.content.departments[did].name) for did in self.site.departments_used()]
        files = {}
        for path, query, page, subject in feeds:
            files[f"{code}/{path}"] = xml_text(template.render(
                entries=self.site.feed(**query), canonical=self.canonical, feed_url=self.base_url + f"{code}/{path}",
                page_url=self.canonical(code, page), subject=subject)).encode("utf-8")
        return files

    def status_history_csv(self, lang: Lang) -> bytes:
        """Every measure's and target's status at every round it takes part in, oldest round first."""
        header = ["measure", "target", "round", "status", "reached", "expected", "status_label"]
        rows = []
        label = lambda s: lang.gettext(STATUS_LABELS[s])
        for ms in self.content.measures.values():
            for day, a in self.site.history_of(ms.id):
                if a is None:
                    continue
                rows.append([ms.id, "", day.isoformat(), a.status.value, "", "", label(a.status)])
                for tid, ta in a.targets.items():
                    rows.append([ms.id, tid, day.isoformat(), ta.status.value, _share(ta.reached), _share(ta.expected),
                                 label(ta.status)])
        return self._csv(header, rows)

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
        return choices

    def _csv(self, header: list[str], rows: list[list[Any]], lang: Lang | None = None) -> bytes:
        licence = self.content.bulletin.licence
        if licence:  # a file passed on alone still says under what terms it may be reused
            terms = f"{licence.name} {licence.url}" if licence.url else licence.name
            name = lang.gettext("Licence") if lang is not None else "licence"  # headers in the file's language
            header, rows = header + [name], [row + [terms] for row in rows]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([[spreadsheet_cell(value) for value in row] for row in rows])
        return buffer.getvalue().encode("utf-8-sig")  # BOM: Excel then reads the Chinese correctly

    # Open data in the reader's language: headers and labels translated, codes kept in their own
    # columns (status, kind, ids) for programs, dates ISO 8601, yes/no milestones as words.
    def measures_csv(self, lang: Lang) -> bytes:
        c, text, _ = self.content, lambda v: lang.text(v).text, lang.gettext
        header = [_("Programme ID"), _("Number"), _("Measure ID"), _("Title"), _("Category"), _("Lead"), _("Supporting"),
                  _("Deadline"), _("Status"), _("Status code"), _("Reason"), _("Address"), _("Due soon"),
                  _("Targets reported"), _("Targets"), _("Explanation"), _("Next steps")]
        rows = []
        for ms in c.measures.values():
            a = self.site.assessments[ms.id]
            rows.append([ms.programme, ms.number, ms.id, text(ms.title), text(c.categories[ms.category].name),
                         "; ".join(text(c.departments[d].name) for d in ms.lead),
                         "; ".join(text(c.departments[d].name) for d in ms.support),
                         self.site.deadline_of(ms).isoformat(), _(STATUS_LABELS[a.status]), a.status.value,
                         str(Markup(self.measure_reason(lang, ms)).striptags()), self.canonical(lang.code, measure_path(ms.id)),
                         _("yes") if a.due_soon else _("no"), a.reported, len(ms.targets), text(ms.explanation),
                         self.next_steps_text(lang, ms.next_steps)])
        return self._csv(header, rows, lang)

    def progress_csv(self, lang: Lang) -> bytes:
        rows = [row for ms in self.content.measures.values() for row in self._progress_rows(lang, ms)]
        return self._csv(self.progress_header(lang), rows, lang)

    @staticmethod
    def progress_header(lang: Lang) -> list[str]:
        _ = lang.gettext
        return [_("Programme ID"), _("Measure ID"), _("Target ID"), _("Target name"), _("Kind"), _("Kind code"), _("Unit"),
                _("Baseline"), _("Target value"), _("Deadline"), _("Date"), _("Value"), _("Note"), _("Source ID"),
                _("Source"), _("Scale"), _("Original target value"), _("Original deadline")]

    def _progress_rows(self, lang: Lang, ms: Measure) -> list[list[Any]]:
        c, text, _ = self.content, lambda v: lang.text(v).text, lang.gettext

        def cell(value: Any) -> Any:
            return (_("yes") if value else _("no")) if isinstance(value, bool) else _figure(value)

        rows = []
        window = self.content.window(ms)
        for t in ms.targets:
            a = self.site.assessments[ms.id].targets[t.id]
            first = t.original
            original_deadline = first.window(window).end if first.deadline != t.deadline else a.deadline
            scale = scaled_unit(t.unit, t.scale).scale
            for e in t.progress:
                rows.append([ms.programme, ms.id, t.id, text(t.title), _(KIND_LABELS[t.kind]), t.kind, text(t.unit),
                             cell(t.baseline.value) if t.baseline else "", cell(t.target),
                             a.deadline.isoformat() if a.deadline else "", e.date.isoformat(), cell(e.value),
                             text(e.note), e.source or "", text(c.sources[e.source].title) if e.source else "",
                             _figure(scale), cell(first.target),
                             original_deadline.isoformat() if original_deadline else ""])
        return rows

    def measure_downloads(self, lang: Lang) -> dict[str, bytes]:
        """Beside each measure page: its data as JSON and CSV, and each chart as an SVG file.

        The JSON is the measure's entry of bulletin.json with the bulletin's licence and the
        page's address, so a file passed on alone still says where it is from."""
        files: dict[str, bytes] = {}
        for ms in self.content.measures.values():
            folder = f"{lang.code}/{measure_path(ms.id).removesuffix('index.html')}"
            data = dict(self._about(lang), url=self.canonical(lang.code, measure_path(ms.id)),
                        measure=self._measure_json(lang, ms))
            files[folder + "data.json"] = _json(data)
            files[folder + "data.csv"] = self._csv(self.progress_header(lang), self._progress_rows(lang, ms), lang)
            for t in ms.targets if self.chart_renderer else ():
                fig = self.figure("target_progress", (ms.id, t.id), lang)
                if fig is not None:
                    files[folder + f"chart-{t.id}.svg"] = ('<?xml version="1.0" encoding="UTF-8"?>\n' + fig.svg + "\n").encode("utf-8")
        return files

    def _about(self, lang: Lang) -> dict[str, Any]:
        """Where a download comes from and under what terms, at the top of every JSON file."""
        b = self.content.bulletin
        about: dict[str, Any] = {"language": lang.code, "title": lang.text(b.title).text,
                                 "organisation": lang.text(b.organisation).text, "as_of": b.as_of.isoformat()}
        if b.licence:
            about["licence"] = {"name": b.licence.name, "url": b.licence.url}
        return about

    def bulletin_json(self, lang: Lang) -> bytes:
        c, text = self.content, lambda v: lang.text(v).text if v else None
        data = {
            **self._about(lang), "rounds": [d.isoformat() for d in self.site.rounds()], "thresholds": {"ahead": c.bulletin.thresholds.ahead, "behind": c.bulletin.thresholds.behind},
            "pace_rule": ({"kind": "points", "ahead": c.bulletin.pace_rule.ahead, "behind": c.bulletin.pace_rule.behind,
                           "seriously_behind": c.bulletin.pace_rule.seriously_behind}
                          if c.bulletin.pace_rule else {"kind": "ratio", "ahead": c.bulletin.thresholds.ahead, "behind": c.bulletin.thresholds.behind}),
            "due_soon_days": c.bulletin.due_soon_days,
            "programmes": [{"id": p.id, "title": text(p.title), "period": [p.period.start.isoformat(), p.period.end.isoformat()],
                            "issuers": p.issuers, "sources": p.sources} for p in c.programmes.values()],
            "departments": {d.id: text(d.name) for d in c.departments.values()},
            "categories": {k.id: text(k.name) for k in c.categories.values()},
            "sources": {s.id: {"title": text(s.title), "publisher": text(s.publisher),
                               "date": s.date.isoformat() if s.date else None, "url": s.url, "seed": s.seed} for s in c.sources.values()},
            "measures": [self._measure_json(lang, ms) for ms in c.measures.values()],
        }
        return _json(data)

    def _steps_json(self, lang: Lang, steps: list[NextStep]) -> list[dict]:
        return [{"date": s.date.isoformat(), "action": lang.text(s.action).text, "department": s.department} for s in steps]

    def _measure_json(self, lang: Lang, ms: Measure) -> dict:
        text = lambda v: lang.text(v).text if v else None
        a = self.site.assessments[ms.id]
        history = [(day.isoformat(), then) for day, then in self.site.history_of(ms.id) if then is not None]
        return {
            "id": ms.id, "programme": ms.programme, "number": ms.number, "title": text(ms.title), "category": ms.category,
            "lead": ms.lead, "support": ms.support, "deadline": self.site.deadline_of(ms).isoformat(),
            "status": a.status.value, "stale": a.stale, "reason": str(Markup(self.measure_reason(lang, ms)).striptags()),
            "due_soon": a.due_soon, "seriously_behind": a.seriously_behind, "targets_reported": a.reported,
            "explanation": text(ms.explanation), "next_steps": self._steps_json(lang, ms.next_steps),
            "targets": [{
                "id": t.id, "title": text(t.title), "kind": t.kind, "unit": text(t.unit), "direction": t.direction,
                # Figures are as the source gives them: `scale` × `base_unit` each (e.g. 10000 × yuan for 万元).
                "scale": scaled_unit(t.unit, t.scale).scale, "base_unit": text(scaled_unit(t.unit, t.scale).unit),
                "baseline": {"value": t.baseline.value, "date": t.baseline.date.isoformat()} if t.baseline else None,
                "target": t.target, "deadline": a.targets[t.id].deadline.isoformat() if a.targets[t.id].deadline else None,
                "original": {"target": t.original.target,
                             "deadline": t.original.window(self.content.window(ms)).end.isoformat()},
                "revisions": [{"date": r.date.isoformat(), "field": r.field, "from": _json_value(r.from_), "to": _json_value(r.to),
                               "reason": text(r.reason), "source": r.source} for r in t.revisions],
                "status": a.targets[t.id].status.value, "due_soon": a.targets[t.id].due_soon,
                "seriously_behind": a.targets[t.id].seriously_behind,
                "explanation": text(t.explanation), "next_steps": self._steps_json(lang, t.next_steps),
                "expected": a.targets[t.id].expected, "reached": a.targets[t.id].reached,
                "milestones": [{"date": m.date.isoformat(), "value": m.value} for m in t.milestones],
                "progress": [{"date": e.date.isoformat(), "value": e.value, "source": e.source, "note": text(e.note)} for e in t.progress],
                "history": [{"round": day, "status": then.targets[t.id].status.value, "reached": then.targets[t.id].reached,
                             "expected": then.targets[t.id].expected} for day, then in history if t.id in then.targets],
            } for t in ms.targets],
            "history": [{"round": day, "status": then.status.value} for day, then in history],
        }


def _share(value: float | None) -> Any:
    """A share (0.5 = half the way) for the downloads, rounded so equal input gives equal bytes everywhere."""
    return "" if value is None or not math.isfinite(value) else round(value, 4)


def _memoise_formatting(lang: Lang) -> None:
    """Babel formats the same dates and figures on thousands of pages: format each once per
    build and language (the Lang is this Renderer's own, so the memory goes with it)."""
    for name in ("date", "month", "short_month", "number", "percent"):
        method = getattr(lang, name, None)
        if method is not None:
            setattr(lang, name, functools.lru_cache(maxsize=None, typed=True)(method))


def _json(data: Any) -> bytes:
    # Standard JSON has no NaN or Infinity; a ratio of extreme figures could still overflow, so it is written as null.
    return (json.dumps(_finite(data), ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8")


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


# A spreadsheet reads a cell starting with one of these as a formula (=HYPERLINK(…), =cmd|…, @SUM…).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text, never runs: text that would start a formula gets a
    leading apostrophe (the OWASP rule). Numbers, and text that is a plain negative number, stay as they are."""
    if not isinstance(value, str) or not value:
        return value
    first = value.lstrip(" ")[:1] or value[:1]
    if (value[0] in _FORMULA_START or first in _FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


# Characters XML 1.0 cannot hold at all; validation refuses them in content, this keeps a
# feed or sitemap well-formed whatever reaches it (a catalogue, a computed label).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _json_value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _figure(value: Any) -> Any:
    """A value as an editor wrote it: 110, not 110.0; true/false for milestones."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _figure_id(kind: str, *args: Any) -> str:
    """The id of a chart kind's figure, from the one registry of chart kinds (for templates)."""
    from .charts import figure_id

    return figure_id(kind, *args)


def status_css() -> bytes:
    from .palette import status_css as css

    return css().encode("utf-8")

