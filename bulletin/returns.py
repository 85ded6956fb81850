"""`bulletin returns export | import`: departments report progress in spreadsheets (进展情况汇总表).

Export writes one workbook per department with a row per target it leads: read-only
context, then the cells to fill (`value`, `date`, `source`, `note.<lang>`). Import reads
filled workbooks (or CSV with the same key row), checks every filled row with the same
rules as `check` (by running `check` on a copy of the content with the entries added),
and only when every row of every file is right adds the entries to the measure files,
through a round-trip YAML writer that keeps the editors' comments, key order and layout.
An entry already in the file (same date and value) is not added again.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import os
import re
import shutil
import stat
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .l10n import languages_for
from .messages import N_, Msg, Printer, date_argument, editor_language
from .model import MAX_FIGURE, Content, Measure, Target
from .units import axis_title, scaled_unit
from .validate import _number_in_words, _yes_no_words, check

MAX_RETURN_BYTES = 20 * 1024 * 1024  # a department's return is a few kilobytes; this stops accidents
MAX_RETURN_ROWS = 20_000  # rows read from a sheet: a row per target a department leads
MAX_RETURN_COLUMNS = 64  # the export writes about twenty
# A workbook is a zip: 20 MiB of it could unpack to gigabytes (one 300 MB string packs into 314 KB).
# A return as exported unpacks to some tens of kilobytes, each part packing 2 to 7 times; a
# spreadsheet program's parts stay far below a hundred times. Both bounds are read from the zip's
# directory before anything is unpacked (Python's zipfile never unpacks past a part's stated size).
MAX_RETURN_UNPACKED = 64 * 1024 * 1024
MAX_PACKING_RATIO = 100  # for parts of more than a megabyte unpacked
MAX_CELL_CHARS = 32_767  # Excel's own limit on a cell: longer text is not from a spreadsheet program
KEY_ROW = 1  # the row of column keys; human headers follow in each language

# Column key -> (zh header, en header). Context columns are read-only.
CONTEXT = {
    "id": ("编号（措施/指标，勿改）", "id (measure/target, do not edit)"),
    "programme": ("方案", "Programme"),
    "measure": ("措施序号", "Measure no."),
    "measure_title": ("措施", "Measure"),
    "target_title": ("指标", "Target"),
    "kind": ("类型", "Kind"),
    "unit": ("单位（按此单位填写）", "Unit (report in this unit)"),
    "target": ("目标值", "Target value"),
    "deadline": ("完成时限", "Deadline"),
    "last_value": ("上次填报值", "Last reported value"),
    "last_date": ("上次填报日期", "Last reported on"),
    "expected": ("本轮应达到", "Expected by this round"),
}
FILLED = {
    "value": ("本次填报值", "Value to report"),
    "date": ("填报日期", "Date (YYYY-MM-DD)"),
    "source": ("来源编号", "Source id"),
}
KIND_WORDS = {"count": ("数量", "count"), "percentage": ("百分比", "percentage"), "amount": ("金额", "amount"),
              "milestone": ("是否完成", "yes/no milestone")}
YES_NO = {"是": True, "否": False, "yes": True, "no": False, "true": True, "false": False}


def _text(value: dict | None, lang: str, languages: list[str]) -> str:
    if not value:
        return ""
    return value.get(lang) or next((value[other] for other in languages if value.get(other)), "")


def _headers(languages: list[str]) -> dict[str, tuple[str, str]]:
    heads = dict(CONTEXT)
    heads.update(FILLED)
    for lang in languages:
        heads[f"note.{lang}"] = (f"说明（{lang}）", f"Note ({lang})")
    return heads


def _expected(content: Content, ms: Measure, t: Target, on: dt.date) -> float | None:
    """The value expected on `on` if progress keeps pace with the time elapsed (序时进度)."""
    from .status import expected_value_fraction, figure_at

    if t.kind == "milestone" or not isinstance(t.target, (int, float)) or isinstance(t.target, bool):
        return None
    window = t.window(content.window(ms))
    share = expected_value_fraction(window.start, window.end, on, figure_at(t, 0.0), t.target, list(t.milestones))
    return round(figure_at(t, share), 2)


def export(content_dir: Path, output: Path, departments: list[str] | None = None, round_date: dt.date | None = None,
           print_note=lambda message: None) -> list[Path]:
    """Write `<department>.xlsx` for each department that leads a target; return the files written."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    result = check(content_dir)
    if result.content is None or result.errors:
        raise ReturnsError([N_("the content has errors; run `bulletin check` and fix them first")])
    c = result.content
    languages = c.bulletin.languages
    unknown = [d for d in departments or [] if d not in c.departments]
    if unknown:
        raise ReturnsError([N_("unknown department `%(id)s`; choose one of: %(ids)s", id=d, ids=list(c.departments)) for d in unknown])
    on = round_date or c.bulletin.as_of
    if on > c.bulletin.as_of:  # every row's date would be refused at import
        raise ReturnsError([N_("the round %(round)s is after the reporting date as_of %(as_of)s; move as_of in bulletin.yaml "
                               "forward first, or choose an earlier round", round=on, as_of=c.bulletin.as_of)])
    if c.bulletin.rounds and on not in c.bulletin.rounds and on != c.bulletin.as_of:
        raise ReturnsError([N_("%(round)s is not a reporting round; choose one of %(rounds)s (the `rounds` in bulletin.yaml)",
                               round=on, rounds=", ".join(d.isoformat() for d in c.bulletin.rounds))])
    langs = languages_for(languages, conversion=c.bulletin.traditional_conversion, keep=c.bulletin.traditional_keep)
    # What was known at the round: its programmes and measures, their targets as they stood then
    # (revisions undone), progress reported by then; a measure dropped by then is not reported on again.
    c = known = c.at(on)
    dropped = lambda mid: (o := known.measures[mid].override) is not None and o.status == "dropped"  # noqa: E731
    # A programme with its own as_of before the round stopped reporting then: a row dated at the
    # round would be refused at import ("after the programme's as_of"), so it asks nothing.
    ended = {pid: c.as_of(pid) for pid in c.programmes if c.as_of(pid) < on}
    for pid, day in ended.items():
        if any(ms.programme == pid and ms.lead and ms.targets for ms in c.measures.values()):
            print_note(N_("the programme %(programme)s stopped reporting at its own as_of %(as_of)s (in %(file)s), before the "
                          "round %(round)s: its targets are left out of the returns", programme=pid, as_of=day,
                          file=c.files.get(f"programme:{pid}", ""), round=on))
    heads = _headers(languages)
    keys = list(heads)
    written = []
    output.mkdir(parents=True, exist_ok=True)
    done = _completed(known)
    for dept_id in departments or list(c.departments):
        rows = [(ms, t) for ms in c.measures.values()
                if dept_id in ms.lead and not dropped(ms.id) and ms.programme not in ended and c.begins(ms) <= on
                for t in ms.targets]
        finished = [(ms, t) for ms, t in rows if (ms.id, t.id) in done]
        rows = [row for row in rows if row not in finished]
        if finished:
            print_note(N_("%(id)s: %(n)d completed target(s) left out, as nothing more is asked of them (%(targets)s)",
                          id=dept_id, n=len(finished), targets=", ".join(f"{ms.id}/{t.id}" for ms, t in finished)))
        if not rows:
            if departments:
                print_note(N_("%(id)s leads no target that is still to be reported (a department that only supports "
                              "a measure reports through the lead department); no file written", id=dept_id))
            continue
        wb = Workbook()
        ws = wb.active
        ws.title = sheet_title(dept_id)
        ws.append(keys)
        ws.append([heads[k][0] for k in keys])
        ws.append([heads[k][1] for k in keys])
        first = KEY_ROW + 3
        for ms, t in rows:
            last = max(t.progress, key=lambda e: e.date, default=None)
            # As the figures are written: 万人 / people (× 10,000) for `unit: {zh: 人, en: people}, scale: 10000`,
            # so a clerk who counted 11,200 people writes 1.12, not 11200.
            unit = " / ".join(dict.fromkeys(filter(None, (axis_title(langs[lang], t.unit, t.scale) for lang in languages))))
            unit = unit or ("%" if t.kind == "percentage" else "")
            target = "" if t.target is None else ("是/yes" if t.target is True else t.target)
            ws.append([
                f"{ms.id}/{t.id}", _text(c.programmes[ms.programme].short_title or c.programmes[ms.programme].title, languages[0], languages),
                ms.number, _text(ms.title, languages[0], languages), _text(t.title, languages[0], languages),
                " / ".join(dict.fromkeys(KIND_WORDS[t.kind])), unit, target,
                c.window(ms).end if t.deadline is None else t.deadline,
                "" if last is None else ({True: "是", False: "否"}.get(last.value, last.value) if isinstance(last.value, bool) else last.value),
                "" if last is None else last.date,
                _expected(c, ms, t, on),
                None, on, None, *[None for _ in languages],
            ])
        last_row = ws.max_row
        for row in ws.iter_rows(min_row=1, max_row=last_row):
            for cell in row:
                if cell.data_type == "f":  # text starting with `=` from the content: shown as text, never run as a formula
                    cell.data_type = "s"
        fill_col = {k: keys.index(k) + 1 for k in keys}
        bold = Font(bold=True)
        grey = PatternFill("solid", fgColor="EEEEEE")
        for row in ws.iter_rows(min_row=1, max_row=first - 1):
            for cell in row:
                cell.font = bold
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in ws.iter_rows(min_row=first, max_row=last_row):
            for cell in row:
                key = keys[cell.column - 1]
                editable = key in FILLED or key.startswith("note.")
                cell.protection = Protection(locked=not editable)
                if not editable:
                    cell.fill = grey
                if key in ("date", "deadline", "last_date"):
                    cell.number_format = "yyyy-mm-dd"
        # Data validation: numbers or yes/no by target, dates, a drop-down of source ids.
        numbers = DataValidation(type="decimal", operator="between", formula1="-1E+15", formula2="1E+15", allow_blank=True,
                                 error="请填写数字 / Write a number", errorTitle="bulletin", showErrorMessage=True)
        yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True,
                                error="请选择 是 或 否 / Choose 是 (yes) or 否 (no)", showErrorMessage=True)
        dates = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True,
                               error="请填写日期 YYYY-MM-DD / Write a date", showErrorMessage=True)
        sources = DataValidation(type="list", formula1=f"=Sources!$A$2:$A${len(c.sources) + 1}", allow_blank=True,
                                 error="请从列表中选择来源编号 / Choose a source id from the list", showErrorMessage=True)
        for dv in (numbers, yes_no, dates, sources):
            ws.add_data_validation(dv)
        value_letter = get_column_letter(fill_col["value"])
        # Outside 0–100 the spreadsheet asks (errorStyle warning) rather than refuses: a ratio or a
        # growth rate passes 100, as `check` allows; a share that does is a slip worth a question.
        percent = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                                 errorStyle="warning",
                                 error="占比（如覆盖率）填 0–100，80% 写作 80；比率、增长率可以超过 100。确定吗？ / "
                                       "A share (coverage) is 0 to 100, 80 for 80%; a ratio or growth rate may pass 100. Keep it?",
                                 errorTitle="bulletin", showErrorMessage=True)
        ws.add_data_validation(percent)
        for i, (_, t) in enumerate(rows):
            dv = yes_no if t.kind == "milestone" else percent if t.kind == "percentage" else numbers
            dv.add(f"{value_letter}{first + i}")
        dates.add(f"{get_column_letter(fill_col['date'])}{first}:{get_column_letter(fill_col['date'])}{last_row}")
        sources.add(f"{get_column_letter(fill_col['source'])}{first}:{get_column_letter(fill_col['source'])}{last_row}")
        ref = wb.create_sheet("Sources")
        ref.append(["id", "来源 / source"])
        for sid, src in c.sources.items():
            ref.append([sid, " / ".join(filter(None, (src.title.get(lang) for lang in languages)))])
        ref.protection.sheet = True
        # Widths that fit Chinese: a CJK character is about two Latin ones wide.
        for col in range(1, len(keys) + 1):
            letter = get_column_letter(col)
            widest = max((_display_width(cell.value) for cell in ws[letter][1:]), default=8)
            ws.column_dimensions[letter].width = min(60, max(10, widest + 2))
        ws.freeze_panes = ws.cell(row=first, column=2)
        # Printed (departments often sign a paper copy): landscape, all columns on one page width.
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.print_title_rows = f"1:{first - 1}"
        ws.protection.sheet = True  # context columns locked; the cells to fill are unlocked
        ws.protection.formatCells = False
        ws.protection.formatColumns = False
        path = output / f"{dept_id}.xlsx"
        wb.save(path)
        written.append(path)
    if not written and any(ms.lead and ms.targets and c.begins(ms) > on for ms in c.measures.values()):
        # Not "no department leads a target": they do, from a later round.
        raise ReturnsError([N_("no measure with a lead department is in the bulletin yet at the round %(round)s (its programme "
                               "was issued, or the measure added, later); choose a later round", round=on)])
    return written


def sheet_title(dept_id: str) -> str:
    """The name of a department's return sheet: its id, as a sheet name may be written."""
    return re.sub(r"[\[\]:*?/\\]", "-", dept_id)[:31]


def _completed(content: Content) -> set[tuple[str, str]]:
    """(measure id, target id) of the targets completed by the content's reporting date: reached
    (or a milestone reported done), or in a measure the editors marked `completed`.

    A return is what the department is asked to report. Asking every round again for a target
    it reported done reads as if the report had been lost, and a row filled again only adds a
    repeat of the same figure; so completed targets are left out, as dropped measures are, and
    the export names them (the editors can still add a figure to the measure file)."""
    from .status import Status, assess

    return {(mid, tid) for mid, a in assess(content).items() for tid, ta in a.targets.items()
            if ta.status == Status.COMPLETED or a.status == Status.COMPLETED and a.overridden}


def _display_width(value: Any) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


# --- import -------------------------------------------------------------------------

class ReturnsError(Exception):
    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass
class Row:
    file: str
    sheet: str
    row: int
    cells: dict[str, Any]
    columns: dict[str, str]  # key -> column letter (or number for CSV)
    formulas: dict[str, str] = field(default_factory=dict)  # key -> the formula in that cell (its value is in `cells`)


class NoKeyRow(Exception):
    """No sheet of a return has the row of column keys (id, value, …) the export wrote."""


class Refused(Exception):
    """A return refused before its rows are read: the whole line to show, starting with where."""

    def __init__(self, message: Msg):
        super().__init__(str(message))
        self.message = message


def _zip_problem(path: Path) -> Msg | None:
    """Why a workbook must not be unpacked: more in all than a return can be, or a part packed as no
    spreadsheet program packs it (a zip bomb); from the sizes in the zip's directory alone."""
    import zipfile

    if not zipfile.is_zipfile(path):
        return None  # not a workbook at all: openpyxl says so
    with zipfile.ZipFile(path) as z:
        parts = z.infolist()
    again = N_("it is not a return as exported: export the return again and copy the figures into it")
    total = sum(p.file_size for p in parts)
    if total > MAX_RETURN_UNPACKED:
        return N_("the workbook unpacks to %(size)s bytes, more than a return can hold (%(max)s at most); ",
                  size=f"{total:,}", max=f"{MAX_RETURN_UNPACKED:,}") + again
    for p in parts:
        if p.file_size > 1024 * 1024 and p.file_size > MAX_PACKING_RATIO * max(p.compress_size, 1):
            return N_("its part %(part)s unpacks to %(size)s bytes from %(packed)s, packed as no spreadsheet program packs "
                      "one; ", part=p.filename, size=f"{p.file_size:,}", packed=f"{p.compress_size:,}") + again
    return None


def _long_cell(table: list[tuple[str, list[list[Any]]]], name: str, letters) -> Msg | None:
    """The first cell longer than a spreadsheet cell can be, where it is."""
    for sheet, data in table:
        for number, values in enumerate(data, 1):
            for i, value in enumerate(values):
                if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                    return f"{name}:{sheet}:{number}:{letters(i)}: " + N_(
                        "this cell holds %(n)s characters, more than a spreadsheet cell can (%(max)s); a note is a few "
                        "sentences: shorten it", n=f"{len(value):,}", max=f"{MAX_CELL_CHARS:,}")
    return None


def _read_rows(path: Path) -> tuple[list[Row], list[Row]]:
    """The filled rows of a workbook or CSV: every row after the key row whose `value` cell is
    not empty; and the rows with a source or note but no value (a figure in the wrong column)."""
    name = str(path)
    hidden: set[str] = set()
    formulas: dict[tuple[str, int, int], str] = {}  # (sheet, row index, column index) -> formula
    if path.stat().st_size > MAX_RETURN_BYTES:
        raise Refused(f"{name}: " + N_("the file has %(size)s bytes, more than a return can (%(max)s at most); a department's "
                                       "return is a few kilobytes: check that this is the return", size=f"{path.stat().st_size:,}",
                                       max=f"{MAX_RETURN_BYTES:,}"))
    if path.suffix.lower() == ".csv":
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:  # Excel on Chinese Windows saves "CSV" in GBK
            text = raw.decode("gb18030")
        try:
            table = [(path.stem, _csv_rows(text))]
        except csv.Error as exc:  # the csv module's own limit (131,072 characters) is past a spreadsheet cell's
            if "field larger than field limit" not in str(exc):
                raise
            raise Refused(f"{name}: " + N_("a cell holds more characters than a spreadsheet cell can (%(max)s); a note is "
                                           "a few sentences: shorten it", max=f"{MAX_CELL_CHARS:,}")) from None
        letters = lambda i: str(i + 1)  # noqa: E731
    else:
        from openpyxl import load_workbook
        from openpyxl.utils import get_column_letter

        problem = _zip_problem(path)
        if problem:
            raise Refused(f"{name}: " + problem)
        # Read-only and within bounds: one cell far out (ZZZ200000) made a 9 KB workbook a
        # grid of millions of cells, gigabytes of memory. A return has a row per target.
        # (A sheet whose formatting reaches further, as Excel's often does, is read as far as a return goes.)
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            # A cell formatted as a percentage holds 0.8 for what the department typed as 80%.
            table = [(ws.title, [[_cell_value(c) for c in r] for r in ws.iter_rows(max_row=MAX_RETURN_ROWS, max_col=MAX_RETURN_COLUMNS)])
                     for ws in wb.worksheets]
            hidden = {ws.title for ws in wb.worksheets if ws.sheet_state != "visible"}
        finally:
            wb.close()
        formulas = _formulas(path)
        letters = lambda i: get_column_letter(i + 1)  # noqa: E731
    long_cell = _long_cell(table, name, letters)
    if long_cell:
        raise Refused(long_cell)
    rows, strays = [], []
    found = False
    for sheet, data in table:
        key_at = next((i for i, r in enumerate(data) if "id" in r and "value" in r), None)
        if key_at is None:
            continue
        if sheet in hidden:  # the department (and whoever signed the return) never saw these rows
            raise Refused(f"{name}:{sheet}: " + N_(
                "this sheet is hidden and holds rows of a return; only what the department can see is imported: "
                "unhide the sheet (right-click a sheet tab, Unhide) if its rows are to be imported, or copy the figures "
                "into a freshly exported return"))
        found = True
        keys = [str(k).strip() if k is not None else "" for k in data[key_at]]
        columns = {k: letters(i) for i, k in enumerate(keys) if k}
        headers = set(CONTEXT["id"])
        for number, values in enumerate(data[key_at + 1:], key_at + 2):
            cells = {k: values[i] if i < len(values) else None for i, k in enumerate(keys) if k}
            if cells.get("id") in headers or not str(cells.get("id") or "").strip():
                continue
            in_row = {k: formulas[(sheet, number - 1, i)] for i, k in enumerate(keys) if k and (sheet, number - 1, i) in formulas}
            # A formula with no value computed is not an empty cell: passed over, its row would vanish in silence.
            if _blank(cells.get("value")) and "value" not in in_row:  # not reported this round, unless the row says something else
                if any(not _blank(v) for k, v in cells.items() if k == "source" or k.startswith("note.")):
                    strays.append(Row(name, sheet, number, cells, columns, in_row))
                continue
            rows.append(Row(name, sheet, number, cells, columns, in_row))
    if not found:
        raise NoKeyRow
    return rows, strays


def _formulas(path: Path) -> dict[tuple[str, int, int], str]:
    """The cells of a workbook that hold a formula, by (sheet, row index, column index), as read for
    the values (which are the values last computed by the spreadsheet program that saved it)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=False)
    try:
        return {(ws.title, r, c): str(getattr(cell.value, "text", cell.value))  # an array formula keeps its text in .text
                for ws in wb.worksheets
                for r, row in enumerate(ws.iter_rows(max_row=MAX_RETURN_ROWS, max_col=MAX_RETURN_COLUMNS))
                for c, cell in enumerate(row) if getattr(cell, "data_type", None) == "f"}
    finally:
        wb.close()


def _csv_rows(text: str) -> list[list[str]]:
    """A CSV return's rows, with the delimiter its key row was written with: Excel set to a
    European locale saves "CSV" with `;` (a tab-separated copy is as common), and read with `,`
    such a file had "no key row"."""
    for delimiter in (",", ";", "\t"):
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        if any("id" in [str(k).strip() for k in r] and "value" in [str(k).strip() for k in r] for r in rows[:50]):
            return rows
    return list(csv.reader(io.StringIO(text)))


def _cell_value(cell) -> Any:
    value = cell.value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return round(value * 100, 10)
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _where(row: Row, key: str) -> str:
    return f"{row.file}:{row.sheet}:{row.row}:{row.columns.get(key, key)}"


_DECIMAL = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?", re.ASCII)


def _parse_value(raw: Any, target: Target) -> tuple[Any, Msg | None]:
    if target.kind == "milestone":
        if isinstance(raw, bool):
            return raw, None
        from .validate import _NO, _YES

        word = str(raw).strip().lower()
        if word in YES_NO:
            return YES_NO[word], None
        if word in _YES or word in _NO:  # 已完成 / 未完成: unambiguous in a return
            return word in _YES, None
        return None, (_yes_no_words(raw) or N_("`%(given)s`: a milestone is reported as 是 (done) or 否 (not yet)", given=raw))
    if isinstance(raw, bool):
        return None, N_("`%(given)s`: this target is reported as a number, not yes/no", given=raw)
    if isinstance(raw, int) and abs(raw) > MAX_FIGURE:  # before float(): 400 digits overflow it
        return None, _too_large(raw)
    if isinstance(raw, (int, float)):
        number = float(raw)
    else:
        # Digits as a clerk types them (full-width １２ too, by NFKC), not all that Python's float
        # takes: `1_0` would be 10 and Arabic-Indic ٣٤ 34.
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        number = float(text) if _DECIMAL.fullmatch(text) else None
    if number is not None and abs(number) > MAX_FIGURE:  # inf too: 1E+400, or a run of 400 digits typed as text
        return None, _too_large(raw)
    if number is not None and math.isfinite(number):
        return number, None
    text = str(raw).strip()
    if number is None:
        return None, (_number_in_words(text, scaled_unit(target.unit, target.scale).scale) or _yes_no_words(text)
                      or N_("expected a number, got `%(given)s`; write digits only, e.g. 90 or 14.6 (no units, no commas)", given=raw))
    return None, N_("expected a number, got `%(given)s`; write digits only, e.g. 90 or 14.6 (no units, no commas)", given=raw)


def _too_large(raw: Any) -> Msg:
    """`check`'s bound on every figure, said to a department: the fix is the digits or the unit column."""
    try:
        text = str(raw).strip()
    except ValueError:  # an int past Python's 4,300 digits for str()
        text = "…"
    given = text if len(text) <= 24 else text[:20] + "…"
    return N_("`%(given)s` is too large a figure (at most %(max)s either way); check the digits, and write the figure "
              "in the unit the unit column gives", given=given, max=f"{MAX_FIGURE:,.0f}")


def _parse_date(raw: Any) -> tuple[dt.date | None, Msg | None]:
    if isinstance(raw, dt.datetime):
        return raw.date(), None
    if isinstance(raw, dt.date):
        return raw, None
    text = str(raw or "").strip()
    if not text:
        return None, N_("the date is empty; write the date of the figure as YYYY-MM-DD, e.g. 2020-06-30")
    # 2020/6/30, 2020.6.30 and 2020年6月30日 are how a spreadsheet user writes a date
    loose = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    try:
        if loose:
            return dt.date(int(loose[1]), int(loose[2]), int(loose[3])), None
        return dt.date.fromisoformat(text), None
    except ValueError:
        return None, N_("`%(given)s` is not a date; write dates as YYYY-MM-DD, e.g. 2020-06-30", given=raw)


@dataclass
class Plan:
    """Entries to add, by measure file (relative to the content directory), and those already there."""

    added: dict[str, list[tuple[str, dict]]]  # file -> [(target id, entry)]
    skipped: int
    warnings: list[str] = field(default_factory=list)


def plan_import(content_dir: Path, files: list[Path], content: Content) -> tuple[Plan, list[str]]:
    """Parse and check every row; return what would be added, and every problem found (warnings in plan.warnings)."""
    problems: list[str] = []
    warnings: list[str] = []
    languages = content.bulletin.languages
    added: dict[str, list[tuple[str, dict]]] = {}
    skipped = 0
    seen: dict[tuple[str, str, dt.date], tuple[str, Any]] = {}  # -> (where, value)
    rows_at: dict[tuple[str, str, int], tuple[Row, dict]] = {}  # (file, target, index) -> row, for mapping check's problems
    for path in files:
        try:
            rows, strays = _read_rows(path)
        except Refused as exc:
            problems.append(exc.message)
            continue
        except NoKeyRow:  # e.g. a key in the first row renamed: every row would be passed over in silence
            problems.append(f"{path}: " + N_("no sheet has the row of column keys the export wrote (%(keys)s); keep the first "
                                             "row as it was exported, or export the return again and copy the figures into it",
                                             keys=", ".join(list(CONTEXT)[:1] + list(FILLED))))
            continue
        except Exception as exc:  # a file that is not a workbook: say which, not a traceback
            problems.append(f"{path}: " + N_("cannot be read as a spreadsheet (%(error)s); save it as .xlsx or UTF-8 .csv", error=str(exc)))
            continue
        known = set(CONTEXT) | set(FILLED) | {f"note.{lang}" for lang in languages}
        keyed = next((r for r in (*rows, *strays)), None)
        if keyed is not None:
            unknown, refused = _key_row_problem(keyed.columns, known)
            if refused:  # a renamed `source` or `note.en` was dropped without a word
                problems.append(f"{path}: " + N_(
                    "the first row (the column keys) has %(unknown)s where the export wrote %(keys)s; keep the first row as "
                    "it was exported, or export the return again and copy the figures into it",
                    unknown=", ".join(f"`{k}`" for k in unknown) or N_("no `date`"), keys=", ".join(["id", *FILLED, *sorted(known - set(CONTEXT) - set(FILLED))])))
                continue
            if unknown:  # a column the department added (备注, remark): not the export's, so not read
                named = [N_("`%(key)s` (column %(column)s)", key=k, column=keyed.columns[k]) for k in unknown]
                warnings.append(f"{path}: " + N_("warning: ") + N_(
                    "the column(s) %(columns)s are not the export's and are not imported; a remark to publish goes in the "
                    "note column (%(note)s)", columns=named,
                    note=", ".join(f"note.{lang}" for lang in languages)))
        for row in strays:  # a source names a figure: it went into another column. A note alone may say "no progress".
            if not _blank(row.cells.get("source")):
                problems.append(f"{_where(row, 'value')}: " + N_(
                    "this row has a source or a note but no value; write the figure in this column (%(header)s), "
                    "or clear the row if there is nothing to report", header=" / ".join(FILLED["value"])))
            else:
                warnings.append(f"{_where(row, 'value')}: " + N_("warning: ") + N_(
                    "this row has a note but no value, so nothing of it is imported (a progress report is a figure "
                    "with its date); if there is a figure, write it in this column (%(header)s)", header=" / ".join(FILLED["value"])))
        for row in rows:
            ident = str(row.cells.get("id", "")).strip()
            measure_id, _, target_id = ident.partition("/")
            ms = content.measures.get(measure_id)
            target = next((t for t in ms.targets if t.id == target_id), None) if ms else None
            if target is None:
                problems.append(f"{_where(row, 'id')}: " + N_("unknown target `%(id)s`; keep the id column as exported", id=ident))
                continue
            computed = _formula_problems(row, languages)
            problems += computed[0]
            warnings += computed[1]
            if computed[0]:
                continue
            department = _return_department(row, content)
            if department and not set(department) & set(ms.lead):
                problems.append(f"{_where(row, 'id')}: " + N_(
                    "`%(id)s` is led by %(leads)s, and this is the return of %(department)s (so its sheet or file is named); "
                    "a department reports only the targets it leads: the row belongs in the return of %(leads)s (if the "
                    "editors have the figure from them, put the row in a CSV file of its own, not named after a department)",
                    id=ident, leads=", ".join(ms.lead), department=department[0]))
                continue
            bad = False
            value, err = _parse_value(row.cells.get("value"), target)
            if err:
                problems.append(f"{_where(row, 'value')}: " + err)
                bad = True
            date, err = _parse_date(row.cells.get("date"))
            if err:
                problems.append(f"{_where(row, 'date')}: " + err)
                bad = True
            source = row.cells.get("source")
            source = None if _blank(source) else str(source).strip()
            note = {lang: str(row.cells[f"note.{lang}"]).strip() for lang in languages
                    if not _blank(row.cells.get(f"note.{lang}"))}
            if bad:
                continue
            entry: dict[str, Any] = {"date": date, "value": value if isinstance(value, bool) else _number(value)}
            if source:
                entry["source"] = source
            if note:
                entry["note"] = note
            existing = [e for e in target.progress if e.date == date]
            if any(e.value == value for e in existing):
                skipped += 1  # imported before: nothing to add
                continue
            if existing:
                old = existing[0].value
                problems.append(f"{_where(row, 'value')}: " + N_(
                    "%(file)s already has a report for %(date)s with the value %(old)s; the import never replaces a report: "
                    "if this figure corrects it, change that entry in %(file)s by hand, or give this row the date of its own figure",
                    file=Path(content_dir) / content.files[f"measure:{ms.id}"], date=date,
                    old={True: "是 (true)", False: "否 (false)"}.get(old, old) if isinstance(old, bool) else _number(old)))
                continue
            key = (ms.id, target.id, date)
            if key in seen and seen[key][1] == entry["value"]:
                skipped += 1  # the same figure from a co-leading department's return
                continue
            if key in seen:
                problems.append(f"{_where(row, 'value')}: " + N_(
                    "%(id)s is reported twice for %(date)s with different values (also at %(other)s); keep one row",
                    id=ident, date=date, other=seen[key][0]))
                continue
            seen[key] = (_where(row, "value"), entry["value"])
            published = [d for d in content.bulletin.rounds if d < content.bulletin.as_of and date <= d]
            if published:  # a late figure: the round it falls in was published without it, and its page will change
                warnings.append(f"{_where(row, 'date')}: " + N_("warning: ") + N_(
                    "this report is dated %(date)s, inside the round of %(round)s, which is already published: that "
                    "round's page and report will change to include it; if the figure was only reported now, give it the "
                    "current round's date (%(as_of)s)", date=date, round=published[0], as_of=content.bulletin.as_of))
            rel = content.files[f"measure:{ms.id}"]
            added.setdefault(rel, []).append((target.id, entry))
            index = len(target.progress) + sum(1 for tid, _ in added[rel][:-1] if tid == target.id)
            rows_at[(rel, target.id, index)] = (row, entry)
    if not added:
        return Plan(added, skipped, warnings), problems
    # The same rules as `check`: add the entries to a copy of the content and check it.
    with tempfile.TemporaryDirectory(prefix="bulletin-returns-") as tmp:
        copy = Path(tmp) / "content"
        # Only the top-level `sources/` is left out (ignore_patterns would skip every folder of that name).
        shutil.copytree(content_dir, copy, ignore=lambda folder, names: ["sources"] if Path(folder) == Path(content_dir) else [])
        _mirror_sources(Path(content_dir), copy)
        for rel, entries in added.items():
            (copy / rel).write_text(_with_entries((content_dir / rel).read_text(encoding="utf-8-sig"), entries), encoding="utf-8")
        result = check(copy)
        targets_of = {rel: [t.id for t in content.measures[mid].targets]
                      for mid in content.measures for rel in [content.files[f"measure:{mid}"]] if rel in added}
        for problem in result.problems:
            rel = Path(problem.file).resolve()
            try:
                rel_name = str(rel.relative_to(copy.resolve()))
            except ValueError:
                rel_name = problem.file
            match = re.match(r"targets\[(\d+)\]\.progress\[(\d+)\](?:\.(\w+))?", problem.field)
            found = None
            if match and rel_name in targets_of:
                tid = targets_of[rel_name][int(match[1])]
                found = rows_at.get((rel_name, tid, int(match[2])))
            warning = N_("warning: ") if problem.severity == "warning" else ""
            if found:
                row, _ = found
                column = {"value": "value", "date": "date", "source": "source"}.get(match[3] or "", "value")
                if match[3] == "note":  # a note missing a language: point at that language's column
                    column = next((f"note.{lang}" for lang in languages if _blank(row.cells.get(f"note.{lang}"))), f"note.{languages[0]}")
                line = f"{_where(row, column)}: " + warning + problem.message
            elif problem.severity == "warning":
                continue  # a warning the content had before this import
            else:
                line = f"{rel_name}: {problem.field}: " + problem.message
            (warnings if problem.severity == "warning" else problems).append(line)
    return Plan(added, skipped, warnings), problems


def _mirror_sources(content_dir: Path, copy: Path) -> None:
    """The documents of content/sources/ as empty files at the same paths in `copy`, sub-folders too.

    `check` looks at their names, types and existence (a `seed:` must name one), never inside, so
    copying documents of many megabytes would only slow the import. The files are those `check`
    itself finds; a sub-folder copied as an empty file made every import fail."""
    from .safety import walk_files

    (copy / "sources").mkdir(exist_ok=True)
    found, _ = walk_files(content_dir / "sources", inside=content_dir)  # the refused ones failed `check` before the import
    for f in found:
        (copy / "sources" / f.relative).parent.mkdir(parents=True, exist_ok=True)
        (copy / "sources" / f.relative).touch()


def _formula_problems(row: Row, languages: list[str]) -> tuple[list[str], list[str]]:
    """Problems and warnings for the cells read from this row that hold a formula.

    A department may well sum its sub-counts with =SUM(…): the value the spreadsheet computed and
    showed when the file was saved is what it saw and signed, so it is imported, with a warning
    naming the formula (one drawing on the web or another file, =WEBSERVICE(…), may give another
    figure today). A formula with no computed value (a file not saved by a spreadsheet program)
    has nothing to import and is refused."""
    problems, warnings = [], []
    read = {*FILLED, *(f"note.{lang}" for lang in languages)}
    for key, formula in row.formulas.items():
        if key not in read:
            continue
        shown = formula if len(formula) <= 60 else formula[:57] + "…"
        value = row.cells.get(key)
        if _blank(value):
            problems.append(f"{_where(row, key)}: " + N_(
                "this cell holds the formula `%(formula)s` but no value computed by a spreadsheet program (the file "
                "was not saved by one); write the figure itself", formula=shown))
        else:
            warnings.append(f"{_where(row, key)}: " + N_("warning: ") + N_(
                "this cell holds the formula `%(formula)s`; the value it last computed, %(value)s, is imported: check "
                "that it is the figure to report", formula=shown, value=value))
    return problems, warnings


def _return_department(row: Row, content: Content) -> list[str]:
    """The department whose return a row is in: named by its sheet, as the export names it, else
    by the file (a CSV is its own sheet). Empty for a file the editors put together themselves,
    which may hold rows of several departments. (A list: ids cut at 31 characters may share a name.)"""
    for name in (row.sheet, Path(row.file).stem):
        found = [d for d in content.departments if sheet_title(d) == name]
        if found:
            return found
    return []


def _key_row_problem(columns: dict[str, str], known: set[str]) -> tuple[list[str], bool]:
    """The keys in a return's first row that are not the export's, and whether to refuse the file.

    A column the department added (备注 / remark) is only ignored: refusing it hid every real
    problem of the return until it was deleted. But when one of the columns to fill is missing
    as well, an unknown key is that column renamed (`source` → `src`), and reading on would drop
    its cells in silence: that is refused. (A hand-made CSV may leave out `source` and the notes
    when it adds nothing else.)"""
    unknown = [k for k in columns if k not in known]
    filled = {"date", "source"} | {k for k in known if k.startswith("note.")}
    missing = "date" not in columns or (unknown and not filled <= set(columns))
    return unknown, bool(missing)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


# --- round-trip YAML ----------------------------------------------------------------

def _yaml(text: str):
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.version = (1, 1)  # the loader reads YAML 1.1 (PyYAML): `yes` stays what it was
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap long lines
    mapping, sequence, offset = _indentation(text)
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


def _indentation(text: str) -> tuple[int, int, int]:
    """The file's own indentation: mapping step, and how far `- ` sits inside its key."""
    lines = text.splitlines()
    mapping, offset = 2, 0
    for a, b in zip(lines, lines[1:]):
        key = re.match(r"^( *)[A-Za-z_][\w-]*:\s*(#.*)?$", a)
        if not key:
            continue
        dash = re.match(r"^( *)- ", b)
        inner = re.match(r"^( *)[A-Za-z_][\w-]*:", b)
        if dash:
            offset = max(0, len(dash[1]) - len(key[1]))
            break
        if inner and len(inner[1]) > len(key[1]):
            mapping = len(inner[1]) - len(key[1])
    return mapping, offset + 2, offset


def _with_entries(text: str, entries: list[tuple[str, dict]]) -> str:
    """`text` (a measure file) with the progress entries added, keeping its comments and layout."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    y = _yaml(text)
    data = y.load(text)
    for target_id, entry in entries:
        target = next(t for t in data["targets"] if t.get("id") == target_id)
        item = CommentedMap()
        for key in ("date", "value", "source"):
            if key in entry:
                item[key] = entry[key]
        if "note" in entry:
            note = CommentedMap(entry["note"])
            note.fa.set_flow_style()
            item["note"] = note
        if "progress" not in target or target["progress"] is None:
            target["progress"] = CommentedSeq()
        if not target["progress"]:  # `progress: []` becomes a block list, as editors write entries
            target["progress"].fa.set_block_style()
        target["progress"].append(item)
    out = io.StringIO()
    y.dump(data, out)
    result = out.getvalue()
    if result.startswith("%YAML"):  # the version directive ruamel adds: the file never had one
        result = result.split("---\n", 1)[1] if "---\n" in result else result
    return result


def apply(content_dir: Path, plan: Plan) -> None:
    """Write every changed measure file; each replaced whole, after all are prepared."""
    prepared = []
    for rel, entries in plan.added.items():
        path = content_dir / rel
        text = _with_entries(path.read_text(encoding="utf-8-sig"), entries)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        # mkstemp makes the file private (0600); the measure file keeps the mode it had, so that
        # the web server, CI or a colleague who could read it still can.
        os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        prepared.append((tmp, path))
    for tmp, path in prepared:
        os.replace(tmp, path)


# --- commands -------------------------------------------------------------------------

def cmd_export(args: argparse.Namespace) -> int:
    say = Printer(editor_language(args.lang, args.content))
    notes: list[str] = []

    def note(message: str) -> None:
        notes.append(message)
        print(say(N_("returns: ")) + say(message))

    try:
        written = export(args.content, args.output, args.department or None, args.round, print_note=note)
    except ReturnsError as exc:
        for message in exc.messages:
            print(say(N_("returns: ")) + say(message), file=sys.stderr)
        return 1
    for path in written:
        print(say(N_("returns: wrote %(path)s", path=path)))
    if not written and not args.department and not notes:  # a note has said why (e.g. every programme stopped reporting)
        print(say(N_("returns: no department leads a target; nothing written")))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    say = Printer(editor_language(args.lang, args.content))
    result = check(args.content)
    if result.content is None or result.errors:
        print(say(N_("returns: the content has errors; run `bulletin check` and fix them first")))
        return 1
    missing = [f for f in args.files if not f.is_file()]
    if missing:
        for f in missing:
            print(say(N_("returns: %(path)s is not a file (a folder, a device or a pipe); give the spreadsheet's own file", path=f)
                      if os.path.lexists(f) else N_("returns: no file %(path)s", path=f)))
        return 1
    plan, problems = plan_import(args.content, args.files, result.content)
    for warning in plan.warnings:
        print(say(warning))
    if problems:
        for problem in problems:
            print(say(problem))
        print(say(N_("returns: %(n)d problem(s) and %(w)d warning(s); nothing was written", n=len(problems), w=len(plan.warnings))))
        return 1
    apply(args.content, plan)
    for rel, entries in plan.added.items():
        print(say(N_("returns: %(file)s: added %(n)d progress entries (%(targets)s)", file=Path(args.content) / rel, n=len(entries),
                     targets=sorted({tid for tid, _ in entries}))))
    print(say(N_("returns: %(added)d entries added, %(skipped)d already there", added=sum(len(e) for e in plan.added.values()),
                 skipped=plan.skipped)) + (say(N_("; %(w)d warning(s) above: check them", w=len(plan.warnings))) if plan.warnings else ""))
    return 0


def register(sub, project_args, lang_args) -> None:
    p = sub.add_parser("returns", help=N_("departments' progress returns by spreadsheet: export, import"))
    rsub = p.add_subparsers(dest="returns_command", required=True)
    e = rsub.add_parser("export", help=N_("write one .xlsx per department, a row per target it leads"))
    project_args(e)
    lang_args(e)
    e.add_argument("--department", action="extend", nargs="+", metavar="ID",
                   help=N_("department id (repeat for several; default: every department)"))
    e.add_argument("--round", type=date_argument, help=N_("reporting round date, YYYY-MM-DD (default: the bulletin's as_of)"))
    e.add_argument("--output", type=Path, required=True, help=N_("folder for the workbooks"))
    e.set_defaults(func=cmd_export)
    i = rsub.add_parser("import", help=N_("add the filled rows of returns (.xlsx or .csv) to the measure files"))
    project_args(i)
    lang_args(i)
    i.add_argument("files", nargs="+", type=Path, help=N_("filled returns"))
    i.set_defaults(func=cmd_import)
