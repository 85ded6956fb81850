"""`bulletin check`: every mistake in tests/cases/ is reported with its file, line, field and a
plain-words message; the minimal fixture and the demo content pass; the JSON Schemas are current."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from bulletin.loader import load_yaml
from bulletin.validate import check

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
SUMMARY = re.compile(r"^check: .*; (\d+) errors, (\d+) warnings$")
PROBLEM = re.compile(r"^content/\S+:\d+:\d+: ")
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "expect.yaml").exists())


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def build_case(name: str, minimal: Path, workdir: Path) -> dict:
    """Lay tests/cases/<name>/content over a copy of the minimal fixture at workdir/content."""
    case = CASES / name
    expect = yaml.safe_load((case / "expect.yaml").read_text(encoding="utf-8"))
    content = workdir / "content"
    shutil.copytree(minimal, content)
    if (case / "content").exists():
        shutil.copytree(case / "content", content, dirs_exist_ok=True)
    for rel in expect.get("delete", []):
        (content / rel).unlink()
    if "pad" in expect:
        path = content / expect["pad"]["file"]
        data = path.read_bytes()
        path.write_bytes(data + b"#" * (expect["pad"]["bytes"] - len(data) - 1) + b"\n")
    return expect


def test_corpus_has_a_case_for_each_kind_of_mistake():
    required = {"yaml-syntax-error", "unknown-key", "wrong-type", "impossible-date", "missing-required-field",
                "duplicate-department-id", "duplicate-source-id", "duplicate-target-id", "duplicate-measure-number",
                "unknown-department", "unknown-category", "unknown-programme", "unknown-source",
                "progress-after-as-of", "progress-before-baseline", "percentage-out-of-range",
                "completed-milestone-without-source", "paused-override-without-reason",
                "dropped-override-without-reason", "completed-override-without-source", "not-utf8",
                "missing-translation", "missing-translation-warning", "huge-file", "alias-bomb", "python-tag",
                "several-problems"}
    assert required <= set(CASE_NAMES)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_bad_content_is_reported_with_file_line_and_message(name, minimal_dir, tmp_path, run_cli):
    expect = build_case(name, minimal_dir, tmp_path)
    run = run_cli("check", "--content", "content", cwd=tmp_path)

    assert run.code == expect["exit"], run.out
    for problem in expect["problems"]:
        prefix = f"content/{problem['at']}: {problem['field']}: "
        matching = [line for line in run.lines if line.startswith(prefix)]
        assert matching, f"no problem reported at {prefix!r}:\n{run.out}"
        assert any(problem["message"] in line for line in matching), f"{problem['message']!r} not in {matching}"
    # Nothing else is reported, and the summary comes last with the right counts.
    reported = [line for line in run.lines if PROBLEM.match(line)]
    assert len(reported) == expect["errors"] + expect["warnings"], run.out
    summary = SUMMARY.match(run.summary)
    assert summary, f"last line is not the summary: {run.summary!r}"
    assert (int(summary[1]), int(summary[2])) == (expect["errors"], expect["warnings"])


def test_problems_in_several_files_are_all_reported_in_file_order(minimal_dir, tmp_path, run_cli):
    build_case("several-problems", minimal_dir, tmp_path)
    run = run_cli("check", "--content", "content", cwd=tmp_path)
    files = [line.split(":", 1)[0] for line in run.lines if PROBLEM.match(line)]
    assert len(set(files)) == 5
    assert files == sorted(files)


def test_missing_translation_warning_still_prints_the_status_counts(minimal_dir, tmp_path, run_cli):
    build_case("missing-translation-warning", minimal_dir, tmp_path)
    run = run_cli("check", "--content", "content", cwd=tmp_path)
    assert run.code == 0
    assert "statuses: " in run.summary
    translations = next(line for line in run.lines if line.startswith("translations: "))
    assert "en: " in translations and "2 missing" in translations
    assert "zh: " in translations and "zh: 0/" not in translations


def test_alias_bomb_is_refused_quickly_by_the_real_command(minimal_dir, tmp_path):
    build_case("alias-bomb", minimal_dir, tmp_path)
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "bulletin", "check", "--content", "content"], cwd=tmp_path,
                            env=_env(), capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"took {elapsed:.1f}s"
    assert result.returncode == 1
    assert "content/measures/huitian/03-elderly-care-stations.yaml:1:1: (file): file expands to more than" in result.stdout
    assert result.stderr == ""
    assert SUMMARY.match(result.stdout.splitlines()[-1])


def test_python_tag_is_never_executed(minimal_dir, tmp_path):
    """Safe loading: the tag is refused, the command in it does not run."""
    build_case("python-tag", minimal_dir, tmp_path)
    measure = tmp_path / "content/measures/huitian/03-elderly-care-stations.yaml"
    marker = tmp_path / "pwned"
    measure.write_text(measure.read_text(encoding="utf-8").replace("echo pwned", f"touch {marker}"), encoding="utf-8")
    result = subprocess.run([sys.executable, "build.py", "check", "--content", str(tmp_path / "content")], cwd=ROOT,
                            env=_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "!!python/object/apply:os.system` tag is not allowed" in result.stdout
    assert not marker.exists()


def test_real_command_prints_problems_and_summary(minimal_dir, tmp_path):
    build_case("wrong-type", minimal_dir, tmp_path)
    result = subprocess.run([sys.executable, "-m", "bulletin", "check", "--content", "content"], cwd=tmp_path,
                            env=_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("content/measures/huitian/03-elderly-care-stations.yaml:13:11: targets[0].target: expected a number")
    assert lines[-1].endswith("; 1 errors, 0 warnings")


def test_github_format_annotates_the_line(minimal_dir, tmp_path, run_cli):
    build_case("impossible-date", minimal_dir, tmp_path)
    run = run_cli("check", "--content", "content", "--format", "github", cwd=tmp_path)
    assert run.code == 1
    assert run.lines[0].startswith("::error file=content/measures/huitian/03-elderly-care-stations.yaml,line=17,col=11::"
                                   "targets[0].progress[0].date: `2020-02-30` is not a real date")


def test_directory_without_bulletin_yaml_is_explained(tmp_path, run_cli):
    (tmp_path / "content").mkdir()
    run = run_cli("check", "--content", "content", cwd=tmp_path)
    assert run.code == 1
    assert run.lines[0].startswith("content/bulletin.yaml:1:1: ")
    assert "no bulletin.yaml" in run.lines[0]
    assert run.summary == "check: content could not be read; 1 errors, 0 warnings"


def test_minimal_fixture_is_valid_and_covers_every_status(minimal_dir, tmp_path, run_cli):
    shutil.copytree(minimal_dir, tmp_path / "content")
    run = run_cli("check", "--content", "content", cwd=tmp_path)
    assert run.code == 0, run.out
    assert run.summary == ("check: 1 programmes, 9 measures, 11 targets, 11 progress entries; statuses: overdue 1, "
                           "behind 1, on_track 1, ahead 1, in_progress 1, completed 1, not_started 1, ongoing 1, "
                           "paused 1; 0 errors, 0 warnings")
    assert "translations: zh: 50/50 texts translated; en: 50/50 texts translated" in run.lines


def test_check_returns_content_with_locations_for_other_stages(minimal_dir):
    result = check(minimal_dir)
    assert result.problems == [] and result.content is not None
    c = result.content
    assert list(c.measures) == [f"huitian-{n}" for n in range(1, 10)]
    assert c.files["measure:huitian-3"] == "measures/huitian/03-elderly-care-stations.yaml"
    assert c.pages["about"].title == {"zh": "关于本公报", "en": "About this bulletin"}
    assert c.sources["huitian-plan"].seed == "000_404d1ccf9095f5fe.txt"


def test_an_edit_is_seen_even_when_size_and_timestamp_are_unchanged(content_dir):
    """The dev server re-checks often; a quick save must never show the previous figures."""
    from bulletin.status import assess

    path = content_dir / "measures/huitian/02-household-visits.yaml"
    assert assess(check(content_dir).content)["huitian-2"].status == "behind"
    stat = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("value: 38", "value: 88"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as on a file system with coarse timestamps
    assert path.stat().st_size == stat.st_size
    assert assess(check(content_dir).content)["huitian-2"].status == "ahead"


# --- the demo content ----------------------------------------------------------------

DEMO = ROOT / "content"


@pytest.mark.skipif(not (DEMO / "bulletin.yaml").exists(), reason="content/bulletin.yaml not written yet (demo content pending)")
def test_demo_content_passes_check():
    result = subprocess.run([sys.executable, "build.py", "check"], cwd=ROOT, env=_env(),
                            capture_output=True, text=True, timeout=120)
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout
    assert "missing" not in result.stdout, result.stdout  # 0 missing translations
    summary = re.match(r"^check: (\d+) programmes, (\d+) measures, (\d+) targets, (\d+) progress entries; "
                       r"statuses: ((?:\w+ \d+)(?:, \w+ \d+)*); 0 errors, 0 warnings$", lines[-1])
    assert summary, lines[-1]
    programmes, measures, targets, entries = (int(summary[i]) for i in range(1, 5))
    assert programmes >= 1 and measures >= 1 and targets >= 1 and entries >= 1
    counts = dict(item.rsplit(" ", 1) for item in summary[5].split(", "))
    assert sum(int(n) for n in counts.values()) == measures


# --- JSON Schemas for editors' VS Code ------------------------------------------------

def test_published_schemas_are_up_to_date():
    result = subprocess.run([sys.executable, "build.py", "schema", "--check"], cwd=ROOT, env=_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout


def test_measure_schema_accepts_a_measure_and_rejects_an_unknown_key(minimal_dir):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "content/schema/measure.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    doc, problems = load_yaml(minimal_dir / "measures/huitian/03-elderly-care-stations.yaml", "measure")
    assert not problems
    measure = copy.deepcopy(doc.data)  # as the editor wrote it (dates are text); a copy: the loader caches documents
    assert list(validator.iter_errors(measure)) == []

    measure["targets"][0]["deadlien"] = "2020-12-31"
    errors = list(validator.iter_errors(measure))
    assert len(errors) == 1
    assert "deadlien" in errors[0].message
    assert list(errors[0].absolute_path) == ["targets", 0]


@pytest.mark.parametrize("written", ["1:20", "0x1F", "1_000", "010"])
def test_a_figure_yaml_1_1_would_read_as_another_number_is_not_taken_silently(content_dir: Path, tmp_path: Path, run_cli, written):
    """YAML 1.1 reads `1:20` as 80 (base 60), `0x1F` as 31, `1_000` as 1000 and `010` as 8 (octal).
    Only plain decimals are YAML numbers: `1:20` and `0x1F` are refused with the fix; `010` and
    `1_000` are read as the figures they show (10, 1000)."""
    path = content_dir / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  target: 6\n", f"  target: {written}\n"), encoding="utf-8")
    run = run_cli("check", "--content", "content", cwd=tmp_path)
    if written in ("010", "1_000"):
        from bulletin.validate import check

        assert run.code == 0 and check(content_dir).content.measures["huitian-3"].targets[0].target == int(written.replace("_", ""))
    else:
        assert run.code == 1 and f"03-elderly-care-stations.yaml:13:11: targets[0].target: `{written}` is not written as a plain number" in run.out, run.out


def test_a_return_reads_full_width_digits_but_not_other_scripts_or_underscores():
    from bulletin.returns import _parse_value
    from bulletin.model import Target

    target = Target(id="t", title={"zh": "站", "en": "Stations"}, kind="count", target=6, source="s")
    assert _parse_value("１２", target) == (12.0, None)
    assert _parse_value(" 3.5 ", target) == (3.5, None)
    for text in ("1_0", "٣٤", "inf", "1,200"):
        value, problem = _parse_value(text, target)
        assert value is None and problem, text


@pytest.mark.parametrize("line,expected", [
    ("number: true", "number: `true` is a yes/no value, not a number"),
    ("number: [3]", "number: `[3]` is a list of one; write the value without brackets: `number: 3`"),
])
def test_a_measure_number_written_as_yes_no_or_in_brackets_is_named_as_such(content_dir: Path, tmp_path: Path, run_cli, line, expected):
    """`number: true` was taken as 1 (then reported as a clash with measure 1), and `[3]` said `3` is not a number."""
    path = content_dir / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("number: 3\n", line + "\n"), encoding="utf-8")
    run = run_cli("check", "--content", "content", cwd=tmp_path)
    assert run.code == 1 and f"03-elderly-care-stations.yaml:3:9: {expected}" in run.out, run.out


def test_a_measure_in_upper_case_yaml_and_a_stray_file_at_the_top_are_not_passed_over(content_dir: Path, tmp_path: Path, run_cli):
    """`03-….YAML` was skipped without a word (its measure simply missing from the site), and so was
    a `notes.yaml` beside bulletin.yaml."""
    measure = content_dir / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    measure.rename(measure.with_suffix(".YAML"))
    (content_dir / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    run = run_cli("check", "--content", "content", cwd=tmp_path)
    assert run.code == 1
    assert ("content/measures/huitian/03-elderly-care-stations.YAML:1:1: (file): this file is not read: content files end in "
            ".yaml (lower case); rename it to 03-elderly-care-stations.yaml") in run.out
    assert "content/notes.yaml:1:1: (file): warning: this file is not read: at the top of content/ only bulletin.yaml" in run.out


def test_a_huge_figure_and_a_lone_equals_sign_get_messages_that_fit_them(content_dir: Path, tmp_path: Path, run_cli):
    """A 4,000-digit figure was echoed whole as "not a number"; `category: =` was said to carry a tag."""
    path = content_dir / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    # and past 4,300 digits Python's int() raised a traceback (hostile-input audit)
    path.write_text(path.read_text(encoding="utf-8").replace("  target: 6\n", "  target: " + "9" * 4000 + "\n")
                    .replace("number: 3\n", "number: " + "9" * 5000 + "\n"), encoding="utf-8")
    other = content_dir / "measures" / "huitian" / "02-household-visits.yaml"
    other.write_text(other.read_text(encoding="utf-8").replace("category: community-services\n", "category: =\n"), encoding="utf-8")
    run = run_cli("check", "--content", "content", cwd=tmp_path)
    assert run.code == 1 and max(len(line) for line in run.lines) < 400
    assert "targets[0].target: `99999999999999999999…(4,000 digits)` is too large a figure" in run.out
    assert "number: `99999999999999999999…(5,000 digits)` is too large a figure" in run.out
    assert "category: unknown category `=`" in run.out


def test_a_misspelt_field_does_not_hide_the_files_other_problems(content_dir: Path, tmp_path: Path, run_cli):
    """An unknown key left its whole file out of the other rules: the editor fixed `deadlien`, ran
    check again, and only then learnt that the same file had a progress date after as_of."""
    path = content_dir / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    text = path.read_text(encoding="utf-8").replace("  target: 6\n", "  target: 6\n  deadlien: 2020-12-31\n")
    path.write_text(text.replace("  - date: 2020-06-20\n", "  - date: 2099-06-20\n"), encoding="utf-8")
    run = run_cli("check", "--content", "content", cwd=tmp_path)
    assert run.code == 1
    assert "03-elderly-care-stations.yaml:14:3: targets[0].deadlien: unknown field `deadlien`; did you mean `deadline`?" in run.out
    assert re.search(r"03-elderly-care-stations\.yaml:\d+:\d+: targets\[0\]\.progress\[1\]\.date: progress dated 2099-06-20 is after", run.out)
    assert "9 measures" in run.summary  # the file counts, as it is read


def test_a_chinese_only_bulletin_builds_from_content_written_in_two_languages(content_dir: Path, tmp_path: Path, run_cli, chart_cache):
    """`languages: [zh]` over texts that also have `en:` (as `bulletin new` writes them): each file is
    warned of once, never told to quote a comma (following that advice published "…, en: …" in
    Chinese), and the site is built in Chinese only."""
    from bulletin.builder import Builder

    bulletin = content_dir / "bulletin.yaml"
    bulletin.write_text(re.sub(r"(?m)^languages: .*$", "languages: [zh]", bulletin.read_text(encoding="utf-8")), encoding="utf-8")
    run = run_cli("check", "--content", "content", cwd=tmp_path)
    assert run.code == 0, run.out
    warned = [line for line in run.lines if "is not one of this bulletin's languages" in line]
    files = {line.split(":", 1)[0] for line in warned}
    assert len(warned) == len(files) > 5 and "content/pages/about.en.md" in files
    assert "comma" not in run.out and "quotes" not in run.out
    out = tmp_path / "out"
    Builder(content_dir, ROOT / "templates", ROOT / "theme", out, cache=chart_cache).build()
    assert (out / "zh" / "index.html").is_file() and not (out / "en").exists()


def test_a_yes_key_and_a_link_loop_are_named_for_what_they_are(content_dir: Path, tmp_path: Path, run_cli):
    folder = content_dir / "measures" / "huitian"
    path = folder / "03-elderly-care-stations.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "yes: 1\n", encoding="utf-8")
    (folder / "loop1.yaml").symlink_to("loop2.yaml")
    (folder / "loop2.yaml").symlink_to("loop1.yaml")
    run = run_cli("check", "--content", "content", cwd=tmp_path)
    assert "a key written `yes`, `no`, `on` or `off` is read as true (YAML 1.1)" in run.out and "unknown field `True`" not in run.out
    assert "loop1.yaml:1:1: (file): this link leads back to itself through other links (a loop)" in run.out


def test_a_stray_language_key_is_not_blamed_on_a_comma_and_eng_is_written_en(content_dir: Path, tmp_path: Path, run_cli):
    """`{zh: …, en: Test, zh-TW: 測試}` was said to be a text cut by a comma, with advice that, followed,
    published "Test, zh-TW: 測試" as the English title."""
    path = content_dir / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("en: Build elderly-care stations}", "en: Build elderly-care stations, zh-TW: 建設}"),
                    encoding="utf-8")
    (content_dir / "programmes" / "sub").mkdir()
    shutil.copy(content_dir / "programmes" / "huitian.yaml", content_dir / "programmes" / "sub" / "again.yaml")
    run = run_cli("check", "--content", "content", cwd=tmp_path)
    assert "title.zh-TW: unknown language `zh-TW`" in run.out and "comma" not in run.out
    assert "programmes/sub/again.yaml:1:1: (file): this file is not read: programme files are read only directly" in run.out
    from bulletin.validate import language_problem

    assert "write `en`" in language_problem("eng") and language_problem("en") is None and language_problem("zh-Hant") is None


def test_a_value_in_brackets_names_the_field_not_its_type(content_dir: Path, tmp_path: Path, run_cli):
    path = content_dir / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  target: 6\n", "  target: [6]\n"), encoding="utf-8")
    run = run_cli("check", "--content", "content", cwd=tmp_path)
    assert "write the value without brackets: `target: 6`" in run.out, run.out


def test_a_word_kept_from_conversion_that_is_empty_or_too_long_is_said_so_in_chinese(content_dir: Path, tmp_path: Path, run_cli):
    bulletin = content_dir / "bulletin.yaml"
    bulletin.write_text(bulletin.read_text(encoding="utf-8") + 'traditional_keep: ["", ' + "回" * 5000 + "]\n", encoding="utf-8")
    run = run_cli("check", "--content", "content", "--lang", "zh", cwd=tmp_path)
    assert "traditional_keep[0]: 不能为空" in run.out
    assert "traditional_keep[1]: `回回回回回回回回回回回回回回回回回回回回…` 有 5000 个字符；这里最多 40 个" in run.out


def test_a_milestone_is_checked_against_the_target_as_it_stood_on_its_date(content_dir):
    """A target lowered by a revision after its milestone was set (120 → 100; milestone 110) was
    refused, and the only way out rewrote a published round (regression audit)."""
    from bulletin.validate import check

    path = content_dir / "measures" / "huitian" / "04-service-circle.yaml"
    text = path.read_text(encoding="utf-8").replace("  kind: percentage\n  target: 100\n", "  kind: count\n  target: 100\n")
    text = text.replace("  baseline: {value: 87.5, date: 2019-01-01}\n", "  baseline: {value: 0, date: 2019-01-01}\n")
    text = text.replace("  - {date: 2019-12-31, value: 90}\n", "  - {date: 2019-12-31, value: 110}\n")
    revised = text.replace("  source: huitian-plan\n  progress:", "  source: huitian-plan\n  revisions:\n"
                           "  - {date: 2020-03-01, field: value, from: 120, to: 100, reason: {zh: 调减。, en: Lowered.}, source: huitian-plan}\n"
                           "  progress:", 1)
    path.write_text(revised, encoding="utf-8")
    assert not [p for p in check(content_dir).problems if "milestones" in p.field], [str(p) for p in check(content_dir).problems]
    path.write_text(text, encoding="utf-8")  # no revision: 110 is beyond the target 100
    assert [p.field for p in check(content_dir).problems if "milestones" in p.field] == ["targets[0].milestones[0].value"]


def test_a_text_written_once_and_full_width_digits_get_the_fix_spelled_out(content_dir: Path, tmp_path: Path, run_cli):
    """Second-bulletin audit: `title: 推广社区涂鸦治理小广告` got "expected a block of `key: value`
    lines", and `target: ３５` "expected a number, got `３５`", which looks like what was typed."""
    path = content_dir / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: {zh: 建设养老驿站, en: Build elderly-care stations}", "title: 建设养老驿站")
                    .replace("  target: 6\n", "  target: ３５\n"), encoding="utf-8")
    run = run_cli("check", "--content", "content", "--lang", "zh", cwd=tmp_path)
    assert run.code == 1
    assert "title: 文字要按语言分别写：`title: {zh: 建设养老驿站, en: …}`" in run.out
    assert "targets[0].target: `３５` 用的是全角数字" in run.out and "写作 `35`" in run.out


def test_a_name_too_long_to_print_is_refused_with_its_length(content_dir: Path, tmp_path: Path, run_cli):
    """Hostile-input review: a measure title of 100,000 characters and a programme short title of
    90,000 passed check and took ten minutes to build (a report PDF lays every title out)."""
    path = content_dir / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: {zh: 建设养老驿站, en: Build elderly-care stations}",
                                 "title: {zh: " + "建设养老驿站" * 100 + ", en: Build elderly-care stations}"), encoding="utf-8")
    run = run_cli("check", "--content", "content", "--lang", "zh", cwd=tmp_path)
    assert run.code == 1
    assert "03-elderly-care-stations.yaml:" in run.out and "title.zh: `title` 长 600 个字符，超过上限 400" in run.out
    path.write_text(text.replace("title: {zh: 建设养老驿站, en: Build elderly-care stations}",
                                 "title: {zh: " + "建设养老驿站" * 60 + ", en: Build elderly-care stations}"), encoding="utf-8")
    assert run_cli("check", "--content", "content", "--lang", "zh", cwd=tmp_path).code == 0  # 360 characters: a long title, kept
