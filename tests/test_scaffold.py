"""`bulletin new measure` writes the next measure file, valid as written and explained in both languages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bulletin", *args], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


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

    checked = _cli("check", cwd=root)
    assert checked.returncode == 0, checked.stdout
    assert "0 errors" in checked.stdout.splitlines()[-1]


def test_new_measure_for_unknown_programme_says_which_exist(content_dir: Path):
    made = _cli("new", "measure", "--programme", "nope", cwd=content_dir.parent)
    assert made.returncode != 0
    assert "unknown programme `nope`" in made.stderr
