"""Stage 4b (render): the round's report (通报) — one table of numbered tasks, as rows.

A report lists every measure of its scope (the whole bulletin, a programme or a
department) once, in the official form: number, measure, lead unit, deadline, target,
latest progress with its date, status with its reason sentence, source. Rows are
grouped by status in display order and summarised by count, so the same rows feed the
HTML page (and through it the PDF) and the `.xlsx` workbook, and the three agree.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from . import cachefile
from .deps import kept_for_this_page
from .model import Measure
from .palette import status_label
from .status import DISPLAY_ORDER, Status
from .units import target_figure

if TYPE_CHECKING:  # the renderer is passed in; imported only for type checking
    from .l10n import Lang
    from .render import Renderer
    from .site import Site
    from .status import MeasureAssessment


@dataclass(frozen=True)
class ReportTarget:
    title: str
    target: str  # target value with its unit, or "" for continuing work
    latest: str  # latest reported value, or ""
    reported: dt.date | None  # date of that report


@dataclass(frozen=True)
class ReportRow:
    measure: Measure
    number: int
    programme: str  # the programme's short title in a report spanning programmes, else ""
    title: str
    lead: str
    deadline: dt.date
    targets: tuple[ReportTarget, ...]
    status: Status
    reason: str
    sources: tuple[str, ...]  # source titles


@dataclass(frozen=True)
class ReportGroup:
    status: Status
    rows: tuple[ReportRow, ...]

    @property
    def size(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class ReportRound:
    """Which reporting round a report shows, and the reporting date its figures are measured at."""

    day: dt.date
    archived: bool  # an earlier round: the report shows what was known then, not now
    as_of: dt.date  # the round, or a programme's own earlier reporting date


def report_round(site: "Site", context: dict) -> ReportRound:
    """The round of a report page (context: the page's; no `round` means the current round)."""
    content = site.content
    day = context.get("round") or site.current_round()
    archived = day != site.current_round()
    if context.get("scope") == "programme":
        as_of = content.as_of(context["programme"].id)
        # At an earlier round a programme's own as_of still caps it (as in `Content.at`).
        as_of = min(as_of, day) if archived else as_of
    else:
        as_of = day if archived else content.bulletin.as_of
    return ReportRound(day, archived, as_of)


def report_entries(site: "Site", context: dict) -> list[tuple[Measure, "MeasureAssessment"]]:
    """The measures a report lists, with the assessment it shows: now, or as known at its round."""
    day = context.get("round")
    if day is None:
        return [(ms, site.assessments[ms.id]) for ms in context["measures"]]
    scope = context.get("scope")
    return site.round_measures(day, programme=context["programme"].id if scope == "programme" else None,
                               department=context["department"].id if scope == "department" else None)


def report_groups(renderer: "Renderer", lang: "Lang", context: dict) -> list[ReportGroup]:
    """The report's rows, grouped by status in display order; within a group, in bulletin order."""
    return kept_for_this_page(renderer.memo, ("report_groups", lang.code, id(context)),
                              lambda: _report_groups(renderer, lang, context))


def _report_groups(renderer: "Renderer", lang: "Lang", context: dict) -> list[ReportGroup]:
    with_programme = context.get("scope") != "programme"
    rows = [_row(renderer, lang, ms, a, with_programme=with_programme) for ms, a in report_entries(renderer.site, context)]
    return [ReportGroup(status, tuple(r for r in rows if r.status == status))
            for status in DISPLAY_ORDER if any(r.status == status for r in rows)]


def _row(renderer: "Renderer", lang: "Lang", ms: Measure, a: "MeasureAssessment", *, with_programme: bool) -> ReportRow:
    """One measure's row; `ms` and `a` as known at the report's round (targets valid then, progress by then)."""
    content = renderer.content
    text = lambda value: lang.text(value).text
    programme = content.programmes[ms.programme]
    targets = []
    for t in ms.targets:
        ta = a.targets[t.id]
        latest = ta.latest
        targets.append(ReportTarget(
            title=text(t.title),
            target=target_figure(lang, t, t.target) if t.target is not None else "",
            latest=target_figure(lang, t, latest.value) if latest is not None else "",
            reported=latest.date if latest is not None else None))
    return ReportRow(
        measure=ms, number=ms.number, title=text(ms.title),
        programme=text(programme.short_title or programme.title) if with_programme else "",
        lead=lang.gettext(", ").join(text(content.departments[d].name) for d in ms.lead),
        deadline=content.window(ms).end, targets=tuple(targets), status=a.status,
        reason=str(Markup(renderer.measure_reason(lang, ms, a)).striptags()),
        # an editor's `completed` rests on its own source: cited with the measure's
        sources=tuple(text(content.sources[s].title) for s in dict.fromkeys(
            (*ms.sources, *((ms.override.source,) if a.overridden and ms.override and ms.override.source else ())))
            if s in content.sources))


# --------------------------------------------------------------------------- xlsx

# Stamped on every entry of the workbook's zip and in its document properties, so two
# builds of the same content give the same bytes (openpyxl would write "now").
_EPOCH = (1980, 1, 1, 0, 0, 0)


def report_xlsx(groups: list[ReportGroup], lang: "Lang", *, title: str, subtitle: str, as_of: dt.date,
                status_label, licence: str = "", cache: Path | None = None) -> bytes:
    """The report as one worksheet: a title block, a header row, one row per target line."""
    _ = lang.gettext
    header = (_("Programme"), _("No."), _("Measure"), _("Lead"), _("Deadline"), _("Targets"), _("Target value"),
              _("Latest progress"), _("Reported on"), _("Status"), _("Reason"), _("Source"))
    rows = []
    for group in groups:
        for row in group.rows:
            lines = row.targets or (ReportTarget("", "", "", None),)
            for i, target in enumerate(lines):
                first = i == 0
                rows.append((row.programme if first else "", row.number if first else None, row.title if first else "",
                             row.lead if first else "",
                             row.deadline if first else None, target.title, target.target, target.latest,
                             target.reported, status_label(row.status) if first else "", row.reason if first else "",
                             "; ".join(row.sources) if first else ""))
    return _cached_workbook(cache, (_("Report")[:31], tuple(line for line in (title, subtitle, licence) if line), header,
                                    tuple(rows), title, as_of))


# Part of every cache key: bump it when `_workbook` writes anything differently.
WORKBOOK_FORMAT = 1


def _cached_workbook(cache: Path | None, cells: tuple) -> bytes:
    """`_workbook(*cells)`, from the disk cache when it has it (a fresh build process, e.g. CI
    with its cache, then writes no workbook whose cells did not change), else written and stored."""
    if cache is None:
        return _workbook(*cells)
    from openpyxl import __version__ as openpyxl_version

    key = hashlib.sha256(repr((WORKBOOK_FORMAT, openpyxl_version, cells)).encode("utf-8")).hexdigest()
    path = cache / key[:2] / f"{key}.xlsx"
    data = cachefile.read_checked(path)  # verified whole: a damaged entry is made again
    if data is None:
        data = _workbook(*cells)
        cachefile.store_checked(path, data)
    return data


@functools.lru_cache(maxsize=256)
def _workbook(sheet: str, top: tuple[str, ...], header: tuple[str, ...], rows: tuple[tuple, ...], title: str,
              as_of: dt.date) -> bytes:
    """The workbook's bytes, a pure function of the cells: kept, because writing one with
    openpyxl costs more than the rest of its report page, and most rebuilds leave it unchanged."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for line in top:
        ws.append([line])
        ws.cell(row=ws.max_row, column=1).data_type = "s"  # never a formula, whatever the title says
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(list(header))
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EDF2")
    wrap = Alignment(wrap_text=True, vertical="top")
    # Rows and cells reached by number: openpyxl's `max_row` and `ws[row]` (which asks
    # `max_column`) scan every cell, so asking them per row made the workbook quadratic.
    for row, values in enumerate(rows, header_row + 1):
        ws.append(list(values))
        for column in range(1, len(values) + 1):
            cell = ws.cell(row=row, column=column)
            if cell.data_type == "f":  # openpyxl takes text starting with "=" for a formula: keep it text
                cell.data_type = "s"
            cell.alignment = wrap
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"  # the header repeats on every printed page
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    # Widths in characters; a CJK character is two columns wide.
    widths = [20, 6, 36, 20, 12, 24, 12, 14, 12, 10, 48, 30]
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    stamp = dt.datetime.combine(as_of, dt.time())
    wb.properties.creator = "bulletin"
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.title = title
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed_zip(buffer.getvalue(), stamp)


def _fixed_zip(data: bytes, stamp: dt.datetime) -> bytes:
    """The same workbook with no trace of when it was written: fixed entry times, and the
    "modified" property (which openpyxl sets to the time of saving) set to `stamp`."""
    out = io.BytesIO()
    modified = f"<dcterms:modified xsi:type=\"dcterms:W3CDTF\">{stamp:%Y-%m-%dT%H:%M:%SZ}</dcterms:modified>".encode()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>", modified, body)
            fixed = zipfile.ZipInfo(info.filename, date_time=_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, body)
    return out.getvalue()


def report_workbook(renderer: "Renderer", context: dict, lang: "Lang") -> bytes:
    """The .xlsx beside a report page, from the same rows as the page (context: the page's)."""
    from .reuse import licence_line

    bulletin = renderer.content.bulletin
    text = lambda value: lang.text(value).text
    scope = context.get("scope")
    title = text(bulletin.title)
    heading = {"programme": lambda: text(context["programme"].title),
               "department": lambda: text(context["department"].name)}.get(scope, lambda: "")()
    when = report_round(renderer.site, context)
    subtitle = lang.gettext("Progress report") + (lang.gettext(": ") + heading if heading else "") + " · " + \
        lang.gettext("Figures as of %(date)s.") % {"date": lang.date(when.as_of)} + " · " + round_line(lang, when)
    groups = report_groups(renderer, lang, context)
    return report_xlsx(groups, lang, title=title, subtitle=subtitle, as_of=when.as_of,
                       status_label=lambda s: status_label(s, lang), licence=licence_line(lang, bulletin),
                       cache=renderer.workbook_cache)


def round_line(lang: "Lang", when: ReportRound) -> str:
    """Which round a report is, as its first page and its workbook say it."""
    _ = lang.gettext
    line = _("Reporting round %(date)s") % {"date": lang.date(when.day)}
    if when.archived:
        return line + _(": ") + _("an archived round; the report shows what had been reported by then, "
                                   "with the targets valid then.")
    return line + _(": ") + _("the current round.")
