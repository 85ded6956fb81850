"""`bulletin returns export | import`: a department fills its spreadsheet, the editors import it, the site shows it."""

from __future__ import annotations

import re

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from bulletin.builder import Builder
from conftest import require_tool, shared_chart_cache

ROOT = Path(__file__).resolve().parent.parent
MEASURE = "measures/huitian/02-household-visits.yaml"  # households-visited, led by changping-civil-affairs


def _export(run_cli, root: Path, *extra: str) -> Path:
    run = run_cli("returns", "export", "--content", "content", "--department", "changping-civil-affairs",
                  "--round", "2020-06-30", "--output", "returns", *extra, cwd=root)
    assert run.code == 0, run.out
    return root / "returns" / "changping-civil-affairs.xlsx"


def _fill(path: Path, target_id: str, **cells) -> Path:
    """Fill one row as a department would in Excel, by the column keys in the first row."""
    wb = load_workbook(path)
    ws = wb.active
    keys = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == target_id)
    for key, value in cells.items():
        ws.cell(row, keys.index(key) + 1, value)
    wb.save(path)
    return path


def _progress(content: Path, target: str) -> list[dict]:
    data = yaml.safe_load((content / MEASURE).read_text(encoding="utf-8"))
    return next(t for t in data["targets"] if t["id"] == target)["progress"]


def test_export_has_key_row_headers_in_both_languages_validation_and_protection(content_dir, run_cli):
    path = _export(run_cli, content_dir.parent)
    wb = load_workbook(path)
    ws = wb.active
    keys = [c.value for c in ws[1]]
    assert keys[0] == "id" and {"value", "date", "source", "note.zh", "note.en"} <= set(keys)
    assert ws.cell(2, keys.index("value") + 1).value == "本次填报值"  # Chinese header
    assert ws.cell(3, keys.index("value") + 1).value == "Value to report"  # English header
    ids = [ws.cell(r, 1).value for r in range(4, ws.max_row + 1)]
    assert "huitian-2/households-visited" in ids  # a target the department leads
    assert "huitian-1/boundary-survey" not in ids  # led by another department
    assert ws.freeze_panes == "B4"
    assert ws.protection.sheet
    row = 4 + ids.index("huitian-2/households-visited")
    assert ws.cell(row, 1).protection.locked and not ws.cell(row, keys.index("value") + 1).protection.locked
    assert str(ws.cell(row, keys.index("date") + 1).value).startswith("2020-06-30")  # pre-filled with the round
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"decimal", "date", "list"} <= kinds
    assert ws.column_dimensions["E"].width >= 20  # the target's Chinese title fits


def test_filled_return_is_imported_checked_and_shown_on_the_site(content_dir, run_cli, tmp_path_factory):
    root = content_dir.parent
    before = (content_dir / MEASURE).read_text(encoding="utf-8")
    path = _fill(_export(run_cli, root), "huitian-2/households-visited", value=61, source="progress-report",
                 **{"note.zh": "已走访61%的住户。", "note.en": "61% of households visited, so far."})
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root)
    assert run.code == 0, run.out
    assert "households-visited" in run.out and "1" in run.out

    entries = _progress(content_dir, "households-visited")
    assert entries[-1] == {"date": __import__("datetime").date(2020, 6, 30), "value": 61, "source": "progress-report",
                           "note": {"zh": "已走访61%的住户。", "en": "61% of households visited, so far."}}
    after = (content_dir / MEASURE).read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))  # the comment, key order and layout above are untouched
    assert run_cli("check", "--content", "content", cwd=root).code == 0

    out = root / "output"
    # Relative, as the commands above were given it (the loader's parse cache keeps the path as first given).
    Builder(Path("content"), ROOT / "templates", ROOT / "theme", out, cache=shared_chart_cache(tmp_path_factory)).build()
    page = (out / "en" / "measures" / "huitian-2" / "index.html").read_text(encoding="utf-8")
    # (as the reader sees it: the page keeps "61%" on one line with a span of its own)
    assert "61% of households visited, so far." in re.sub(r"<[^>]+>", "", page)

    again = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root)
    assert again.code == 0, again.out
    assert (content_dir / MEASURE).read_text(encoding="utf-8") == after  # importing twice adds nothing
    assert "0 entries added, 1 already there" in again.out


def test_comments_inside_the_measure_file_survive_an_import(content_dir, run_cli):
    root = content_dir.parent
    measure = content_dir / MEASURE
    text = measure.read_text(encoding="utf-8").replace("  kind: percentage\n", "  kind: percentage   # 按户数计\n")
    text = text.replace("  progress:\n", "  # 进展按季度填报\n  progress:\n")
    measure.write_text(text, encoding="utf-8")
    path = _fill(_export(run_cli, root), "huitian-2/households-visited", value=61, source="progress-report")
    assert run_cli("returns", "import", "--content", "content", str(path), cwd=root).code == 0
    after = measure.read_text(encoding="utf-8")
    assert "kind: percentage   # 按户数计" in after and "  # 进展按季度填报\n  progress:\n" in after
    keys = [line.split(":")[0].strip() for line in after.splitlines() if line.startswith("  ") and not line.startswith("  -")
            and not line.startswith("   ") and ":" in line and not line.lstrip().startswith("#")]
    assert keys[:4] == ["title", "kind", "target", "baseline"]  # key order kept


def test_a_bad_row_names_file_sheet_row_and_column_and_nothing_is_written(content_dir, run_cli, tmp_path):
    root = content_dir.parent
    good = _fill(_export(run_cli, root), "huitian-2/households-visited", value=61, source="progress-report")
    other = root / "returns" / "other.csv"
    other.write_text("id,value,date,source,note.zh,note.en\n"
                     "huitian-3/stations,2.47万,2020-06-30,progress-report,,\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in (content_dir / "measures").rglob("*.yaml")}
    run = run_cli("returns", "import", "--content", "content", str(good.relative_to(root)), str(other.relative_to(root)), cwd=root)
    assert run.code == 1
    assert "returns/other.csv:other:2:2: `2.47万`" in run.out and "24700" in run.out
    assert "nothing was written" in run.out
    assert {p: p.read_bytes() for p in before} == before  # the good file's row was not written either


def test_a_row_that_check_rejects_is_reported_at_its_cell(content_dir, run_cli):
    root = content_dir.parent
    path = _fill(_export(run_cli, root), "huitian-2/households-visited", value=61, source="no-such-report", date="2020-07-15")
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root)
    assert run.code == 1
    sheet = "changping-civil-affairs"
    assert any(line.startswith(f"returns/changping-civil-affairs.xlsx:{sheet}:") and ":O: unknown source `no-such-report`" in line
               for line in run.lines), run.out
    assert any(":N: progress dated 2020-07-15 is after the reporting date" in line for line in run.lines), run.out


def test_csv_return_with_milestone_and_note(content_dir, run_cli):
    root = content_dir.parent
    csv = root / "return.csv"
    csv.write_text("id,value,date,source,note.zh,note.en\n"
                   "huitian-1/office-relocation,是,2020-06-25,progress-report,两个街道已迁入新址。,\"Both offices moved, as planned.\"\n"
                   "huitian-3/stations,,2020-06-30,,,\n", encoding="utf-8-sig")
    run = run_cli("returns", "import", "--content", "content", "return.csv", cwd=root)
    assert run.code == 0, run.out
    data = yaml.safe_load((content_dir / "measures/huitian/01-adjust-community-size.yaml").read_text(encoding="utf-8"))
    last = data["targets"][1]["progress"][-1]
    assert last["value"] is True and last["note"]["en"] == "Both offices moved, as planned."
    assert run_cli("check", "--content", "content", cwd=root).code == 0


def test_messages_of_returns_follow_lang(content_dir, run_cli):
    root = content_dir.parent
    (root / "r.csv").write_text("id,value,date\nhuitian-2/households-visited,是,2020-06-30\n", encoding="utf-8")
    run = run_cli("returns", "import", "--content", "content", "--lang", "zh", "r.csv", cwd=root)
    assert run.code == 1 and "未写入任何内容" in run.out


def test_a_return_saved_again_by_libreoffice_calc_still_imports(content_dir, run_cli, tmp_path):
    soffice = require_tool(shutil.which("soffice") or shutil.which("libreoffice"), "LibreOffice (soffice)")
    root = content_dir.parent
    path = _fill(_export(run_cli, root), "huitian-2/households-visited", value=61, source="progress-report",
                 **{"note.zh": "已走访。", "note.en": "Visited."})
    saved = tmp_path / "calc"
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--convert-to", "xlsx", "--outdir", str(saved), str(path)], check=True, capture_output=True, timeout=180,
                   env={**os.environ, "HOME": str(tmp_path)})
    resaved = saved / path.name
    assert resaved.exists()
    run = run_cli("returns", "import", "--content", "content", str(resaved), cwd=root)
    assert run.code == 0, run.out
    assert _progress(content_dir, "households-visited")[-1]["value"] == 61


def test_percent_formatted_cell_and_a_date_written_the_chinese_way_are_read_as_meant(content_dir, run_cli):
    root = content_dir.parent
    path = _export(run_cli, root)
    wb = load_workbook(path)
    ws = wb.active
    keys = [c.value for c in ws[1]]
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "huitian-2/households-visited")
    cell = ws.cell(row, keys.index("value") + 1, 0.61)  # typed as 61% in a percent-formatted cell
    cell.number_format = "0%"
    ws.cell(row, keys.index("date") + 1, "2020年6月28日")
    ws.cell(row, keys.index("source") + 1, "progress-report")
    wb.save(path)
    run = run_cli("returns", "import", "--content", "content", str(path), cwd=root)
    assert run.code == 0, run.out
    last = _progress(content_dir, "households-visited")[-1]
    assert last["value"] == 61 and str(last["date"]) == "2020-06-28"


def test_content_text_that_looks_like_a_formula_is_exported_as_text(content_dir, run_cli):
    measure = content_dir / MEASURE
    measure.write_text(measure.read_text(encoding="utf-8").replace("title: {zh: 入户走访, en: Door-to-door visits}",
                                                                   "title: {zh: '=HYPERLINK(\"http://x\")', en: Visits}"),
                       encoding="utf-8")
    path = _export(run_cli, content_dir.parent)
    ws = load_workbook(path).active
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_starter_bulletin_round_trip_and_a_gbk_csv(tmp_path, run_cli):
    """`new bulletin`, export, a CSV saved by Excel on Chinese Windows (GBK), import: the entry is a block list item."""
    assert run_cli("new", "bulletin", "site", cwd=tmp_path).code == 0
    root = tmp_path / "site"
    as_of = yaml.safe_load((root / "content" / "bulletin.yaml").read_text(encoding="utf-8"))["as_of"]
    assert run_cli("returns", "export", "--content", "content", "--output", "r", cwd=root).code == 0
    assert (root / "r" / "civil-affairs.xlsx").is_file()
    (root / "r.csv").write_bytes(("id,value,date,source,note.zh,note.en\n"
                                  f"example-plan-1/stations,2,{as_of},example-plan,已建成两个。,Two built.\n").encode("gb18030"))
    run = run_cli("returns", "import", "--content", "content", "r.csv", cwd=root)
    assert run.code == 0, run.out
    text = (root / "content" / "measures" / "example-plan" / "01-elderly-care-stations.yaml").read_text(encoding="utf-8")
    assert f"  progress:\n  - date: {as_of}\n    value: 2\n" in text
    assert "note: {zh: 已建成两个。, en: Two built.}" in text
    assert run_cli("check", "--content", "content", cwd=root).code == 0


def test_empty_date_and_infinite_value_are_refused(content_dir, run_cli):
    root = content_dir.parent
    (root / "r.csv").write_text("id,value,date\nhuitian-2/households-visited,61,\nhuitian-3/stations,inf,2020-06-30\n",
                                encoding="utf-8")
    run = run_cli("returns", "import", "--content", "content", "r.csv", cwd=root)
    assert run.code == 1
    assert "r.csv:r:2:3: the date is empty" in run.out
    assert "r.csv:r:3:2: expected a number, got `inf`" in run.out


# --- a clerk's slips that must not pass in silence ------------------------------------

STATIONS = "measures/huitian/03-elderly-care-stations.yaml"


def _in_wan(content: Path) -> None:
    """The stations target counted in 万 (10,000), as a source giving 万户 or 万人 would be written."""
    path = content / STATIONS
    path.write_text(path.read_text(encoding="utf-8").replace("  unit: {zh: 个, en: stations}\n",
                                                             "  unit: {zh: 个, en: stations}\n  scale: 10000\n"), encoding="utf-8")


def test_a_return_shows_the_unit_its_figures_are_written_in(content_dir, run_cli):
    _in_wan(content_dir)
    ws = load_workbook(_export(run_cli, content_dir.parent)).active
    keys = [c.value for c in ws[1]]
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "huitian-3/stations")
    assert ws.cell(row, keys.index("unit") + 1).value == "万个 / stations (× 10,000)"
    assert ws.cell(row, keys.index("target") + 1).value == 6


def test_a_figure_ten_times_the_target_is_flagged_at_import_and_by_check(content_dir, run_cli):
    """A clerk who counted 11,200 where the target counts in 万 (6 = 60,000) is warned, with the figure to write."""
    _in_wan(content_dir)
    root = content_dir.parent
    path = _fill(_export(run_cli, root), "huitian-3/stations", value=112000, source="progress-report")
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root)
    assert run.code == 0, run.out  # a warning: the figure may be right
    assert re.search(r"changping-civil-affairs\.xlsx:changping-civil-affairs:\d+:M: warning: 112000 is more than ten times "
                     r"the target 6\. .* write 11\.2$", run.out, re.M), run.out
    assert "1 warning(s) above" in run.out
    checked = run_cli("check", "--content", "content", "--lang", "zh", cwd=root)
    assert "03-elderly-care-stations.yaml" in checked.out and "超过目标值 6 的十倍" in checked.out and "请写 11.2" in checked.out


def test_wan_in_a_scaled_targets_figure_is_suggested_in_the_targets_own_unit(content_dir, run_cli):
    _in_wan(content_dir)
    root = content_dir.parent
    path = content_dir / STATIONS
    path.write_text(path.read_text(encoding="utf-8").replace("    value: 4\n", "    value: 5万\n"), encoding="utf-8")
    checked = run_cli("check", "--content", "content", cwd=root)
    assert checked.code == 1
    assert "`5万` uses 万: this target's figures are written in units of 10,000 (its `unit` and `scale`), so write 5" in checked.out


def test_a_return_whose_key_row_was_changed_is_refused_not_passed_over(content_dir, run_cli):
    root = content_dir.parent
    path = _fill(_export(run_cli, root), "huitian-2/households-visited", value=61, source="progress-report")
    wb = load_workbook(path)
    ws = wb.active
    value_column = [c.value for c in ws[1]].index("value") + 1
    ws.cell(1, value_column, "完成数")  # the clerk "tidied" the first row
    wb.save(path)
    before = (content_dir / MEASURE).read_bytes()
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root)
    assert run.code == 1 and "returns/changping-civil-affairs.xlsx: no sheet has the row of column keys" in run.out
    assert (content_dir / MEASURE).read_bytes() == before


def test_a_row_with_a_source_but_no_value_is_refused(content_dir, run_cli):
    """The figure went into another column: the row has its source and note, and an empty value."""
    root = content_dir.parent
    path = _fill(_export(run_cli, root), "huitian-2/households-visited", source="progress-report", **{"note.zh": "已走访61%。"})
    run = run_cli("returns", "import", "--content", "content", "--lang", "zh", str(path.relative_to(root)), cwd=root)
    assert run.code == 1 and re.search(r":\d+:M: 这一行填了来源或说明，但没有填报值", run.out), run.out


def test_dropped_measures_are_not_exported_and_a_round_after_as_of_is_refused(content_dir, run_cli):
    root = content_dir.parent
    path = content_dir / STATIONS
    path.write_text(path.read_text(encoding="utf-8").replace(
        "lead: [changping-civil-affairs]\n",
        "lead: [changping-civil-affairs]\noverride: {status: dropped, reason: {zh: 取消。, en: Dropped.}}\n"), encoding="utf-8")
    ws = load_workbook(_export(run_cli, root)).active
    ids = [ws.cell(r, 1).value for r in range(4, ws.max_row + 1)]
    assert "huitian-2/households-visited" in ids and "huitian-3/stations" not in ids
    late = run_cli("returns", "export", "--content", "content", "--round", "2099-12-31", "--output", "late", cwd=root)
    assert late.code == 1 and not (root / "late").exists()  # (its message goes to stderr)
    from bulletin.returns import ReturnsError, export

    with pytest.raises(ReturnsError, match="the round 2099-12-31 is after the reporting date as_of"):
        export(content_dir, root / "late", round_date=__import__("datetime").date(2099, 12, 31))


def test_an_import_keeps_the_measure_files_mode(content_dir, run_cli):
    """The file was replaced by a private temporary file (0600): a web server or CI running as
    another user could no longer read it."""
    root = content_dir.parent
    measure = content_dir / MEASURE
    measure.chmod(0o644)
    path = _fill(_export(run_cli, root), "huitian-2/households-visited", value=61, source="progress-report")
    assert run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root).code == 0
    assert _progress(content_dir, "households-visited")[-1]["value"] == 61
    assert measure.stat().st_mode & 0o777 == 0o644


def test_a_cell_far_outside_the_return_does_not_make_it_a_grid_of_millions(content_dir, run_cli):
    """One stray cell at ZZZ200000 (9 KB on disk) made openpyxl build millions of cells and take
    gigabytes; the return is read within its bounds and the filled row is imported."""
    import zipfile

    root = content_dir.parent
    path = _fill(_export(run_cli, root), "huitian-2/households-visited", value=61, source="progress-report")
    stray = root / "stray.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(stray, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b'<row r="200000"><c r="ZZZ200000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
            dst.writestr(item, data)
    run = run_cli("returns", "import", "--content", "content", "stray.xlsx", cwd=root)
    assert run.code == 0, run.out
    assert _progress(content_dir, "households-visited")[-1]["value"] == 61


def test_a_row_with_a_note_but_no_value_is_warned_not_refused(content_dir, run_cli):
    """A clerk may write 本季度无进展 with no figure: nothing can be imported of it, and the
    rest of the return still is."""
    root = content_dir.parent
    path = _fill(_export(run_cli, root), "huitian-2/households-visited", **{"note.zh": "本季度无进展。"})
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root)
    assert run.code == 0 and re.search(r":\d+:M: warning: this row has a note but no value", run.out), run.out


def test_a_renamed_source_or_note_key_is_refused_not_dropped(content_dir, run_cli):
    """Renaming row 1's `source` to `src` imported the figure without its source, exit 0."""
    root = content_dir.parent
    path = _fill(_export(run_cli, root), "huitian-2/households-visited", value=61, source="progress-report")
    wb = load_workbook(path)
    ws = wb.active
    ws.cell(1, [c.value for c in ws[1]].index("source") + 1, "src")
    wb.save(path)
    before = (content_dir / MEASURE).read_bytes()
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root)
    assert run.code == 1 and "the first row (the column keys) has `src` where the export wrote" in run.out, run.out
    assert (content_dir / MEASURE).read_bytes() == before


def test_a_return_for_an_earlier_round_shows_what_was_known_then(content_dir, run_cli):
    """A return for the March round showed June's figure as "last reported", and any date was taken as a round."""
    root = content_dir.parent
    bulletin = content_dir / "bulletin.yaml"
    bulletin.write_text(bulletin.read_text(encoding="utf-8") + "rounds: [2020-03-31, 2020-06-30]\n", encoding="utf-8")
    run = run_cli("returns", "export", "--content", "content", "--department", "changping-civil-affairs",
                  "--round", "2020-03-31", "--output", "march", cwd=root)
    assert run.code == 0, run.out
    ws = load_workbook(root / "march" / "changping-civil-affairs.xlsx").active
    keys = [c.value for c in ws[1]]
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "huitian-3/stations")
    assert ws.cell(row, keys.index("last_value") + 1).value == 2  # reported 2020-03-31; the 4 of 2020-06-20 came later
    assert str(ws.cell(row, keys.index("last_date") + 1).value).startswith("2020-03-31")
    not_a_round = run_cli("returns", "export", "--content", "content", "--round", "2020-05-05", "--output", "may", cwd=root)
    assert not_a_round.code == 1 and not (root / "may").exists()


def test_a_late_figure_dated_inside_a_published_round_is_warned_of(content_dir, run_cli):
    """A return's row dated 2020-03-20 once the March round is published silently changed that
    round's page (rounds audit): the import adds it, and says so."""
    root = content_dir.parent
    bulletin = content_dir / "bulletin.yaml"
    bulletin.write_text(bulletin.read_text(encoding="utf-8") + "rounds: [2020-03-31, 2020-06-30]\n", encoding="utf-8")
    path = _fill(_export(run_cli, root), "huitian-2/households-visited", value=40, date="2020-03-20", source="progress-report")
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root)
    assert run.code == 0 and "2020-03-31" in run.out and "already published" in run.out, run.out
    assert _progress(content_dir, "households-visited")[-1]["value"] == 40  # added all the same
    current = _fill(_export(run_cli, root), "huitian-2/households-visited", value=61, source="progress-report")
    quiet = run_cli("returns", "import", "--content", "content", str(current.relative_to(root)), cwd=root)
    assert quiet.code == 0 and "already published" not in quiet.out, quiet.out


def test_a_return_for_a_round_before_any_measure_was_in_the_bulletin_says_so(content_dir, run_cli):
    """It said "no department leads a target" (regression audit): they do, from a later round."""
    root = content_dir.parent
    bulletin = content_dir / "bulletin.yaml"
    bulletin.write_text(bulletin.read_text(encoding="utf-8") + "rounds: [2019-06-30, 2020-06-30]\n", encoding="utf-8")
    run = run_cli("returns", "export", "--content", "content", "--round", "2019-06-30", "--output", "early", cwd=root)
    assert run.code == 1
    assert not (root / "early").exists() or not list((root / "early").iterdir())  # no workbook written
    from bulletin.returns import ReturnsError, export

    with pytest.raises(ReturnsError, match="is in the bulletin yet at the round 2019-06-30"):
        export(content_dir, root / "early2", round_date=__import__("datetime").date(2019, 6, 30))


# --- second-bulletin audit -------------------------------------------------------------

def _rounds(content: Path, *days: str) -> None:
    """Reporting rounds instead of a lone as_of (the last round is the reporting date)."""
    bulletin = content / "bulletin.yaml"
    text = bulletin.read_text(encoding="utf-8").replace("as_of: 2020-06-30\n", "")
    bulletin.write_text(text + f"rounds: [{', '.join(days)}]\n", encoding="utf-8")


def _freeze(content: Path, as_of: str) -> None:
    """The programme's own as_of: its figures frozen at that date (a programme that ended)."""
    path = content / "programmes" / "huitian.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"as_of: {as_of}\n", encoding="utf-8")


def test_a_late_date_names_the_round_in_force_not_a_missing_as_of(content_dir, run_cli):
    """With `rounds` and no as_of, "move as_of forward" pointed at a field the file does not have."""
    root = content_dir.parent
    _rounds(content_dir, "2020-03-31", "2020-06-30")
    (root / "r.csv").write_text("id,value,date,source\nhuitian-2/households-visited,61,2020-07-15,progress-report\n",
                                encoding="utf-8")
    run = run_cli("returns", "import", "--content", "content", "r.csv", cwd=root)
    assert run.code == 1
    assert ("r.csv:r:2:3: progress dated 2020-07-15 is after the current round 2020-06-30 (the last of `rounds` in "
            "bulletin.yaml); correct the date, or if it belongs to a new round, add that round at the end of `rounds`") in run.out
    assert "as_of" not in run.out.split("r.csv:r:2:3:")[1].splitlines()[0]
    zh = run_cli("returns", "import", "--content", "content", "--lang", "zh", "r.csv", cwd=root)
    assert "晚于本轮的统计截止日期 2020-06-30（bulletin.yaml 中 `rounds` 的最后一轮）" in zh.out, zh.out


def test_a_frozen_programme_is_left_out_of_later_returns_and_its_as_of_is_named(content_dir, run_cli):
    """A programme with its own as_of 2020-06-30 was exported at the 2020-09-30 round, every row
    pre-dated 2020-09-30, and every filled row refused with "move as_of forward" (bulletin.yaml has none)."""
    root = content_dir.parent
    _rounds(content_dir, "2020-06-30", "2020-09-30")
    _freeze(content_dir, "2020-06-30")
    run = run_cli("returns", "export", "--content", "content", "--output", "q3", cwd=root)
    assert run.code == 0, run.out
    assert not (root / "q3").exists() or not list((root / "q3").glob("*.xlsx"))
    assert "huitian stopped reporting at its own as_of 2020-06-30 (in programmes/huitian.yaml)" in run.out
    assert "no department leads a target" not in run.out
    assert _export(run_cli, root).is_file()  # the round it was still reported at
    (root / "r.csv").write_text("id,value,date,source\nhuitian-2/households-visited,61,2020-09-30,progress-report\n",
                                encoding="utf-8")
    late = run_cli("returns", "import", "--content", "content", "r.csv", cwd=root)
    assert late.code == 1
    assert ("progress dated 2020-09-30 is after the programme's own reporting date as_of 2020-06-30 (in "
            "programmes/huitian.yaml") in late.out and "move that as_of forward or remove it from programmes/huitian.yaml" in late.out


def test_a_column_the_department_added_is_ignored_with_a_warning(content_dir, run_cli):
    """A 备注 column refused the whole workbook, hiding its real row errors until it was removed."""
    root = content_dir.parent
    path = _fill(_export(run_cli, root), "huitian-2/households-visited", value=61, source="progress-report")
    wb = load_workbook(path)
    ws = wb.active
    extra = ws.max_column + 1
    ws.cell(1, extra, "remark")
    ws.cell(4, extra, "已核实")
    wb.save(path)
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root)
    assert run.code == 0, run.out
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(extra)
    assert f"warning: the column(s) `remark` (column {letter}) are not the export's and are not imported" in run.out
    assert _progress(content_dir, "households-visited")[-1]["value"] == 61
    zh = run_cli("returns", "import", "--content", "content", "--lang", "zh", str(path.relative_to(root)), cwd=root)
    assert f"`remark`（{letter} 列）" in zh.out and "不会导入" in zh.out, zh.out


def test_a_percentage_above_100_is_imported_with_a_warning_and_the_workbook_asks_rather_than_refuses(content_dir, run_cli):
    """`101 不在 0–100 之间` refused a return, though targets such as 待遇不低于平均工资的100% pass 100."""
    root = content_dir.parent
    path = _export(run_cli, root)
    ws = load_workbook(path).active
    keys = [c.value for c in ws[1]]
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "huitian-2/households-visited")
    from openpyxl.utils import get_column_letter

    cell = f"{get_column_letter(keys.index('value') + 1)}{row}"
    rule = next(dv for dv in ws.data_validations.dataValidation if cell in str(dv.sqref))
    assert rule.errorStyle == "warning"  # Excel asks "keep it?" above 100 instead of refusing the figure
    _fill(path, "huitian-2/households-visited", value=101, source="progress-report")
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root)
    assert run.code == 0, run.out
    assert re.search(r":\d+:M: warning: 101 is above 100: right for a ratio or a growth rate", run.out), run.out
    assert _progress(content_dir, "households-visited")[-1]["value"] == 101
    (root / "r.csv").write_text("id,value,date,source\nhuitian-2/households-visited,-5,2020-06-29,progress-report\n",
                                encoding="utf-8")
    below = run_cli("returns", "import", "--content", "content", "--lang", "zh", "r.csv", cwd=root)
    assert below.code == 1 and "r.csv:r:2:2: -5 小于 0" in below.out, below.out


def test_a_figure_in_yuan_where_the_target_counts_in_wan_yuan_is_told_in_the_targets_unit(content_dir, run_cli):
    """Target 600 万元, the department typed 16000000: the warning said "相当于 160,000,000,000；
    如果填的是按个数统计的数字，请写 1600"; it now says the amount in 亿元 and names 元."""
    path = content_dir / STATIONS
    path.write_text(path.read_text(encoding="utf-8").replace("  kind: count\n  unit: {zh: 个, en: stations}\n  target: 6\n",
                                                             "  kind: amount\n  unit: {zh: 元, en: yuan}\n  scale: 10000\n"
                                                             "  target: 600\n"), encoding="utf-8")
    root = content_dir.parent
    file = _fill(_export(run_cli, root), "huitian-3/stations", value=16000000, source="progress-report")
    zh = run_cli("returns", "import", "--content", "content", "--lang", "zh", str(file.relative_to(root)), cwd=root)
    assert zh.code == 0, zh.out
    assert "16000000 超过目标值 600 的十倍。这项指标的数字以万元为单位填写，16000000 相当于1600亿元；如果填的是元，请写 1600" in zh.out, zh.out
    checked = run_cli("check", "--content", "content", "--lang", "en", cwd=root)
    assert ("written in yuan (× 10,000), so 16000000 means 160 billion yuan; if the figure was written in yuan, "
            "write 1600") in checked.out, checked.out


def test_a_semicolon_separated_csv_is_read(content_dir, run_cli):
    """Excel in a European locale saves CSV with `;`: it was refused with "no sheet has the row of column keys"."""
    root = content_dir.parent
    (root / "r.csv").write_text("id;value;date;source\nhuitian-2/households-visited;61;2020-06-30;progress-report\n",
                                encoding="utf-8")
    run = run_cli("returns", "import", "--content", "content", "r.csv", cwd=root)
    assert run.code == 0, run.out
    assert _progress(content_dir, "households-visited")[-1]["value"] == 61


def test_a_completed_target_is_not_asked_for_again(content_dir, run_cli):
    """A target reported done (6 of 6 stations) was exported every round, as if the report had been lost."""
    root = content_dir.parent
    path = content_dir / STATIONS
    path.write_text(path.read_text(encoding="utf-8").replace("    value: 4\n", "    value: 6\n"), encoding="utf-8")
    run = run_cli("returns", "export", "--content", "content", "--department", "changping-civil-affairs",
                  "--round", "2020-06-30", "--output", "returns", cwd=root)
    assert run.code == 0, run.out
    ws = load_workbook(root / "returns" / "changping-civil-affairs.xlsx").active
    ids = [ws.cell(r, 1).value for r in range(4, ws.max_row + 1)]
    assert "huitian-3/stations" not in ids and "huitian-2/households-visited" in ids
    assert "completed target(s) left out" in run.out and "huitian-3/stations" in run.out
    march = content_dir / "bulletin.yaml"
    march.write_text(march.read_text(encoding="utf-8") + "rounds: [2020-03-31, 2020-06-30]\n", encoding="utf-8")
    earlier = run_cli("returns", "export", "--content", "content", "--department", "changping-civil-affairs",
                      "--round", "2020-03-31", "--output", "march", cwd=root)
    ws = load_workbook(root / "march" / "changping-civil-affairs.xlsx").active
    assert "huitian-3/stations" in [ws.cell(r, 1).value for r in range(4, ws.max_row + 1)]  # 2 of 6 by then
    assert earlier.code == 0


# --- hostile returns (audit, second round) --------------------------------------------

def _raw_cell(path: Path, target_id: str, key: str, inner: str, attributes: str = "") -> Path:
    """Give one filled cell of a return raw sheet XML (a formula, a figure no writer makes), as a hostile file would."""
    import zipfile

    from openpyxl.utils import get_column_letter

    ws = load_workbook(path).active
    keys = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == target_id)
    ref = f"{get_column_letter(keys.index(key) + 1)}{row}"
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet, n = re.subn(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', f'<c r="{ref}"{attributes}>{inner}</c>', sheet, count=1)
    assert n == 1
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_a_figure_of_hundreds_of_digits_is_too_large_not_a_traceback(content_dir, run_cli):
    root = content_dir.parent
    path = _raw_cell(_fill(_export(run_cli, root), "huitian-2/households-visited", value=1, source="progress-report"),
                     "huitian-2/households-visited", "value", "<v>1" + "0" * 400 + "</v>")  # openpyxl cannot write it
    (root / "r.csv").write_text("id,value,date\nhuitian-3/stations," + "9" * 400 + ",2020-06-30\n", encoding="utf-8")
    before = (content_dir / MEASURE).read_bytes()
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), "r.csv", cwd=root)
    assert run.code == 1, run.out
    assert ":M: `10000000000000000000…` is too large a figure (at most 1,000,000,000,000,000 either way)" in run.out
    assert "r.csv:r:2:2: `99999999999999999999…` is too large a figure" in run.out
    assert (content_dir / MEASURE).read_bytes() == before


def test_a_return_imports_when_content_sources_has_a_sub_folder(content_dir, run_cli):
    (content_dir / "sources" / "docs").mkdir()
    (content_dir / "sources" / "docs" / "plan.txt").write_text("plan\n", encoding="utf-8")
    sources = content_dir / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8").replace("seed: 000_404d1ccf9095f5fe.txt", "seed: docs/plan.txt"),
                       encoding="utf-8")
    root = content_dir.parent
    assert run_cli("check", "--content", "content", cwd=root).code == 0
    path = _fill(_export(run_cli, root), "huitian-2/households-visited", value=61, source="progress-report")
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root)
    assert run.code == 0, run.out
    assert _progress(content_dir, "households-visited")[-1]["value"] == 61


def test_a_zip_bomb_or_an_over_long_cell_is_refused_before_it_is_unpacked_or_written(content_dir, run_cli, monkeypatch):
    import zipfile

    from bulletin import returns

    root = content_dir.parent
    path = _fill(_export(run_cli, root), "huitian-2/households-visited", value=61, source="progress-report")
    # past the 32,767 characters of a spreadsheet cell (openpyxl cuts what it writes there, so written raw)
    _raw_cell(path, "huitian-2/households-visited", "note.en", "<is><t>" + "x" * 40_000 + "</t></is>", ' t="inlineStr"')
    before = (content_dir / MEASURE).read_bytes()
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root)
    assert run.code == 1 and (content_dir / MEASURE).read_bytes() == before
    assert ":changping-civil-affairs:" in run.out and "this cell holds 40,000 characters" in run.out, run.out

    bomb = root / "bomb.xlsx"  # 4 MiB of one letter packs into a few kilobytes, as no spreadsheet program packs a part
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for name in z.namelist():
            data = z.read(name)
            out.writestr(name, data.replace(b"x" * 40_000, b"x" * (4 << 20)) if name == "xl/worksheets/sheet1.xml" else data)
    run = run_cli("returns", "import", "--content", "content", "bomb.xlsx", cwd=root)
    assert run.code == 1 and "bomb.xlsx: its part xl/worksheets/sheet1.xml unpacks to 4," in run.out, run.out

    (root / "r.csv").write_text("id,value,date,note.en\nhuitian-2/households-visited,61,2020-06-30," + "x" * 40_000 + "\n"
                                "huitian-3/stations,3,2020-06-30," + "y" * 200_000 + "\n", encoding="utf-8")
    run = run_cli("returns", "import", "--content", "content", "r.csv", cwd=root)
    assert run.code == 1 and "r.csv: a cell holds more characters than a spreadsheet cell can (32,767)" in run.out, run.out
    (root / "r.csv").write_text("id,value,date,note.en\nhuitian-2/households-visited,61,2020-06-30," + "x" * 40_000 + "\n")
    run = run_cli("returns", "import", "--content", "content", "r.csv", cwd=root)
    assert run.code == 1 and "r.csv:r:2:4: this cell holds 40,000 characters" in run.out, run.out

    monkeypatch.setattr(returns, "MAX_RETURN_UNPACKED", 10_000)  # the bound on the whole, without unpacking 64 MiB in a test
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root)
    assert run.code == 1 and "the workbook unpacks to" in run.out and "export the return again" in run.out, run.out


def test_a_hidden_sheet_of_rows_and_a_row_for_another_departments_target_are_refused(content_dir, run_cli):
    root = content_dir.parent
    path = _fill(_export(run_cli, root), "huitian-2/households-visited", value=61, source="progress-report")
    wb = load_workbook(path)
    hidden = wb.copy_worksheet(wb.active)
    hidden.title, hidden.sheet_state = "x", "veryHidden"  # Excel's menus cannot even unhide it
    wb.save(path)
    before = (content_dir / MEASURE).read_bytes()
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root)
    assert run.code == 1 and "returns/changping-civil-affairs.xlsx:x: this sheet is hidden" in run.out, run.out

    # huitian-1 is led by changping-government: not in changping-civil-affairs' return, by sheet or by file name
    wb = load_workbook(path)
    del wb["x"]
    wb.active.cell(4, 1, "huitian-1/boundary-survey")
    wb.save(path)
    (root / "changping-civil-affairs.csv").write_text("id,value,date\nhuitian-1/boundary-survey,是,2020-06-30\n", encoding="utf-8")
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), "changping-civil-affairs.csv", cwd=root)
    assert run.code == 1 and (content_dir / MEASURE).read_bytes() == before
    assert "changping-civil-affairs:4:A: `huitian-1/boundary-survey` is led by changping-government, and this is the return " \
           "of changping-civil-affairs" in run.out, run.out
    assert "changping-civil-affairs.csv:changping-civil-affairs:2:1: `huitian-1/boundary-survey` is led by" in run.out

    # A CSV the editors put together, not named after a department, may hold any department's rows.
    (root / "round.csv").write_text("id,value,date,source\nhuitian-1/boundary-survey,是,2020-06-30,progress-report\n"
                                    "huitian-2/households-visited,61,2020-06-30,progress-report\n", encoding="utf-8")
    run = run_cli("returns", "import", "--content", "content", "round.csv", cwd=root)
    assert run.code == 0, run.out


def test_a_formula_in_a_return_is_named_its_computed_value_imported_and_one_never_computed_refused(content_dir, run_cli):
    root = content_dir.parent
    path = _fill(_export(run_cli, root), "huitian-2/households-visited", value=1, source="progress-report")
    _raw_cell(path, "huitian-2/households-visited", "value", "<f>SUM(40,21)</f><v>61</v>")  # as Excel saves =SUM(40,21)
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root)
    assert run.code == 0, run.out
    assert ":M: warning: this cell holds the formula `=SUM(40,21)`; the value it last computed, 61, is imported" in run.out
    assert _progress(content_dir, "households-visited")[-1]["value"] == 61

    path = _fill(_export(run_cli, root), "huitian-2/households-visited", value="=1+1")  # written by a program: no value
    before = (content_dir / MEASURE).read_bytes()
    run = run_cli("returns", "import", "--content", "content", str(path.relative_to(root)), cwd=root)
    assert run.code == 1 and (content_dir / MEASURE).read_bytes() == before
    assert ":M: this cell holds the formula `=1+1` but no value computed by a spreadsheet program" in run.out, run.out
