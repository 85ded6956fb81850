"""`bulletin new …` writes starter files explained in both languages: a whole bulletin that passes `check`, and
departments, sources, programmes and measures whose example texts `check` asks to replace."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bulletin", *args], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "BULLETIN_LANG": "en"})


def test_new_measure_is_valid_and_numbered_next(content_dir: Path):
    root = content_dir.parent
    programme = yaml.safe_load(next((content_dir / "programmes").glob("*.yaml")).read_text(encoding="utf-8"))["id"]
    existing = [yaml.safe_load(p.read_text(encoding="utf-8"))["number"] for p in (content_dir / "measures").rglob("*.yaml")]

    made = _cli("new", "measure", "--programme", programme, "--slug", "Elderly care", cwd=root)
    assert made.returncode == 0, made.stdout + made.stderr
    path = content_dir / "measures" / programme / f"{max(existing) + 1:02d}-elderly-care.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schema/measure.schema.json")
    assert "牵头单位" in text and "lead department" in text  # fields explained in both languages
    assert yaml.safe_load(text)["number"] == max(existing) + 1

    # Left as written, the example title and description are reported (they would be published) ...
    checked = _cli("check", cwd=root)
    assert checked.returncode == 1, checked.stdout
    placeholders = [line for line in checked.stdout.splitlines() if "still the example text written by `bulletin new`" in line]
    assert [line.split(": ")[1] for line in placeholders] == ["title", "description"], checked.stdout
    # ... and once filled in, the file is valid as written.
    text = text.replace("新措施（请填写标题）", "养老服务").replace("New measure (write the title)", "Elderly care")
    text = text.replace("用一两句话说明这项措施要做什么。", "建设养老驿站。").replace("Say in a sentence or two what this measure will do.", "Build stations.")
    path.write_text(text, encoding="utf-8")
    checked = _cli("check", cwd=root)
    assert checked.returncode == 0, checked.stdout
    assert "0 errors" in checked.stdout.splitlines()[-1]


def test_new_measure_for_unknown_programme_says_which_exist(content_dir: Path):
    made = _cli("new", "measure", "--programme", "nope", cwd=content_dir.parent)
    assert made.returncode != 0
    assert "unknown programme `nope`" in made.stderr


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    """`bulletin <args>` in-process (quicker than a subprocess), with its exit code, stdout and stderr."""
    from bulletin.cli import main

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, captured.out, captured.err)

    return run


def test_new_measure_number_fills_a_gap_and_refuses_a_used_one(content_dir: Path, cli):
    root = content_dir.parent
    (content_dir / "measures" / "huitian" / "05-office-premises.yaml").unlink()
    made = cli("new", "measure", "--programme", "huitian", "--number", "5", "--slug", "premises", cwd=root)
    assert made.returncode == 0, made.stderr
    assert yaml.safe_load((content_dir / "measures" / "huitian" / "05-premises.yaml").read_text(encoding="utf-8"))["number"] == 5
    taken = cli("new", "measure", "--programme", "huitian", "--number", "3", cwd=root)
    assert taken.returncode == 1
    assert "measure number 3 is already used" in taken.stderr and "free numbers: 10" in taken.stderr


def test_new_bulletin_is_complete_valid_and_ready_for_vs_code(tmp_path: Path, cli):
    made = cli("new", "bulletin", "site", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    content = tmp_path / "site" / "content"
    for rel in ("bulletin.yaml", "departments.yaml", "categories.yaml", "sources.yaml", "pages/about.zh.md", "pages/about.en.md"):
        assert (content / rel).is_file(), rel
    assert list((content / "programmes").glob("*.yaml")) and list((content / "measures").rglob("*.yaml"))
    checked = cli("check", "--content", "site/content", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    assert "0 errors, 10 warnings" in checked.stdout  # it builds as it is; each example text is still to be replaced
    assert checked.stdout.count("this is still the starter bulletin's example text") == 10
    assert "site/content/bulletin.yaml:3:8: title: warning:" in checked.stdout
    # Every `$schema=` line points at a schema that exists.
    for path in content.rglob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        assert (path.parent / first.split("=", 1)[1]).resolve().is_file(), first
    settings = json.loads((tmp_path / "site" / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert settings["yaml.yamlVersion"] == "1.1"  # PyYAML reads YAML 1.1: `yes` is true for the editor too
    for schema, files in settings["yaml.schemas"].items():
        assert (tmp_path / "site" / schema).is_file(), schema
    assert settings["yaml.schemas"]["content/schema/measure.schema.json"] == "content/measures/**/*.yaml"


def test_a_new_bulletin_builds_where_it_was_made_with_the_built_in_templates_and_theme(tmp_path: Path, cli, chart_cache):
    """`new bulletin` writes content/ only: `bulletin build` there uses the templates and theme
    that come with bulletin, and a --theme folder that does not exist is refused before building."""
    assert cli("new", "bulletin", "site", cwd=tmp_path).returncode == 0
    site = tmp_path / "site"
    missing = cli("build", "--theme", "no-such-theme", "--cache", str(chart_cache), cwd=site)
    assert missing.returncode == 1 and "no-such-theme" in missing.stderr and "--theme" in missing.stderr
    assert not (site / "output").exists()
    built = cli("build", "--cache", str(chart_cache), cwd=site)
    assert built.returncode == 0, built.stderr
    assert (site / "output" / "assets" / "style.css").read_bytes() == (ROOT / "theme" / "style.css").read_bytes()
    assert (site / "output" / "zh" / "index.html").is_file()


def test_new_department_source_and_programme_are_added_and_their_examples_reported(content_dir: Path, cli):
    root = content_dir.parent
    shutil.rmtree(content_dir / "schema", ignore_errors=True)
    before = (content_dir / "departments.yaml").read_text(encoding="utf-8")
    for args in (("department", "street-office"), ("source", "q2-report"), ("programme", "plan-2021", "--start", "2021-01-01",
                                                                              "--end", "2021-12-31", "--source", "huitian-plan")):
        made = cli("new", *args, cwd=root)
        assert made.returncode == 0, made.stderr
    after = (content_dir / "departments.yaml").read_text(encoding="utf-8")
    assert after.startswith(before)  # appended; the rest untouched
    assert yaml.safe_load(after)["departments"][-1]["id"] == "street-office"
    programme = (content_dir / "programmes" / "plan-2021.yaml").read_text(encoding="utf-8")
    schema_line = programme.splitlines()[0].split("=", 1)[1]
    assert (content_dir / "programmes" / schema_line).resolve().is_file()  # the schema line points at a file
    checked = cli("check", cwd=root)
    flagged = {line.split(":")[0] + ":" + line.split(": ")[1] for line in checked.stdout.splitlines() if "still the example text" in line}
    assert flagged == {"content/departments.yaml:departments[4].name", "content/sources.yaml:sources[2].title",
                       "content/sources.yaml:sources[2].publisher", "content/programmes/plan-2021.yaml:title",
                       "content/programmes/plan-2021.yaml:summary"}, checked.stdout
    again = cli("new", "department", "street-office", cwd=root)
    assert again.returncode == 1 and "duplicate department id `street-office`" in again.stderr
    bad = cli("new", "source", "Q2 Report", cwd=root)
    assert bad.returncode == 1 and "not a valid id" in bad.stderr


def test_new_never_overwrites_or_breaks_an_editors_file(tmp_path: Path, content_dir: Path, cli):
    (tmp_path / "site" / "content").mkdir(parents=True)
    (tmp_path / "site" / "content" / "sources.yaml").write_text("sources: []  # mine\n", encoding="utf-8")
    made = cli("new", "bulletin", "site", cwd=tmp_path)
    assert made.returncode == 1 and "exists already" in made.stderr
    assert (tmp_path / "site" / "content" / "sources.yaml").read_text(encoding="utf-8") == "sources: []  # mine\n"
    flow = content_dir / "departments.yaml"
    data = yaml.safe_load(flow.read_text(encoding="utf-8"))
    flow.write_text("departments: " + json.dumps(data["departments"], ensure_ascii=False) + "\n", encoding="utf-8")
    before = flow.read_text(encoding="utf-8")
    made = cli("new", "department", "street-office", cwd=content_dir.parent)
    assert made.returncode == 1 and "add `street-office` to it by hand" in made.stderr
    assert flow.read_text(encoding="utf-8") == before


def test_new_refuses_what_check_would_refuse_and_writes_nothing(content_dir: Path, cli):
    before = sorted(p.relative_to(content_dir) for p in content_dir.rglob("*"))
    big = cli("new", "measure", "--content", str(content_dir), "--programme", "huitian", "--number", "99999", cwd=content_dir.parent)
    backwards = cli("new", "programme", "later", "--content", str(content_dir), "--start", "2021-01-01", "--end", "2020-01-01",
                    cwd=content_dir.parent)
    assert big.returncode == 1 and "--number must be between 1 and 9999" in big.stderr
    assert backwards.returncode == 1 and "--end 2020-01-01 is before --start 2021-01-01" in backwards.stderr
    assert sorted(p.relative_to(content_dir) for p in content_dir.rglob("*")) == before
