"""Incremental rebuilds: an edit re-renders the pages that depend on it and rewrites nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bulletin.builder import Builder

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "tests" / "fixtures" / "minimal"


@pytest.fixture
def project(project_copy: Path, chart_cache: Path):
    builder = Builder(project_copy / "content", project_copy / "templates", project_copy / "theme",
                      project_copy / "output", cache=chart_cache)
    first = builder.build()
    return project_copy, builder, first


def _mtimes(output: Path) -> dict[str, int]:
    return {str(p.relative_to(output)): p.stat().st_mtime_ns for p in output.rglob("*") if p.is_file()}


def test_nothing_changed_renders_and_writes_nothing(project):
    root, builder, first = project
    before = _mtimes(root / "output")
    again = builder.build()
    assert again.rendered == 0
    assert again.write.written == []
    assert _mtimes(root / "output") == before


def test_measure_edit_rewrites_only_dependent_files(project):
    root, builder, first = project
    measure_file = sorted((root / "content" / "measures").rglob("*.yaml"))[0]
    data = yaml.safe_load(measure_file.read_text(encoding="utf-8"))
    mid = f"{data['programme']}-{data['number']}"
    text = measure_file.read_text(encoding="utf-8")
    measure_file.write_text(text.replace(data["title"]["en"], "A new English title"), encoding="utf-8")

    result = builder.build()
    written = set(result.write.written)
    assert f"en/measures/{mid}/index.html" in written
    assert "en/data/measures.csv" in written and "en/data/bulletin.json" in written
    # Other measures' pages, the methodology and the about page read nothing of this measure.
    assert not any(w.startswith("en/measures/") and f"/{mid}/" not in w for w in written)
    assert "en/methodology/index.html" not in written and "zh/methodology/index.html" not in written
    assert result.rendered < first.rendered
    # Re-rendered: the measure, and the lists and summaries it appears in; never a sibling measure.
    assert f"measures/{mid}/index.html" in result.rendered_paths
    assert "index.html" in result.rendered_paths and "updates/index.html" in result.rendered_paths
    assert not [p for p in result.rendered_paths if p.startswith("measures/") and p != f"measures/{mid}/index.html"]
    assert "methodology/index.html" not in result.rendered_paths
    # Only the English title changed, so the Chinese measure page is byte-identical and not rewritten.
    assert f"zh/measures/{mid}/index.html" not in written
    assert "A new English title" in (root / "output" / "en" / "measures" / mid / "index.html").read_text(encoding="utf-8")


def test_downloads_are_made_again_only_when_what_they_read_changed(project, monkeypatch):
    """The files beside the pages follow their reads as pages do: after one measure's edit only
    that measure's downloads are made again, and a rebuild with nothing changed makes none
    (the oracle test checks that the files kept are the clean build's)."""
    from bulletin import downloads

    root, builder, first = project
    made: list[str] = []
    real = downloads.measure_downloads
    monkeypatch.setattr(downloads, "measure_downloads", lambda r, lang, mid: made.append(mid) or real(r, lang, mid))

    builder.build()
    assert made == []

    measure_file = sorted((root / "content" / "measures").rglob("*.yaml"))[0]
    data = yaml.safe_load(measure_file.read_text(encoding="utf-8"))
    mid = f"{data['programme']}-{data['number']}"
    measure_file.write_text(measure_file.read_text(encoding="utf-8").replace(data["title"]["en"], "A new English title"),
                            encoding="utf-8")
    result = builder.build()
    assert made == [mid, mid]  # in each language, and no other measure's
    assert b"A new English title" in (root / "output" / "en" / "measures" / mid / "data.json").read_bytes()
    assert f"en/measures/{mid}/data.json" in result.write.written


def test_template_edit_rerenders_pages_using_it(project):
    root, builder, first = project
    template = root / "templates" / "deadlines.html"
    template.write_text(template.read_text(encoding="utf-8").replace("<h1>", '<h1 class="edited">', 1), encoding="utf-8")
    result = builder.build()
    assert result.rendered == 2  # the deadlines page, in each language
    assert set(result.write.written) == {"en/deadlines/index.html", "zh/deadlines/index.html"}

    base = root / "templates" / "base.html"  # every page extends it
    base.write_text(base.read_text(encoding="utf-8").replace("<footer", '<footer data-edited="1"', 1), encoding="utf-8")
    result = builder.build()
    assert result.rendered == result.pages - 2  # every page but the root chooser and root 404, which are always rendered


def test_renaming_a_markdown_page_updates_every_navigation_bar(project):
    root, builder, first = project
    about = root / "content" / "pages" / "about.en.md"
    text = about.read_text(encoding="utf-8")
    first_line, _, rest = text.partition("\n")
    about.write_text("# Renamed page\n" + rest, encoding="utf-8")
    builder.build()
    methodology = (root / "output" / "en" / "methodology" / "index.html").read_text(encoding="utf-8")
    assert "Renamed page" in methodology


def test_a_progress_edit_re_renders_its_month_s_page_and_no_other_month(project_copy: Path, chart_cache: Path, monkeypatch):
    """With updates by month, an edited report re-renders the updates page and the months that
    list that target (each entry carries its target); the other months' pages are kept, and
    every page equals a clean build's."""
    from bulletin import site

    monkeypatch.setattr(site, "UPDATES_ON_INDEX", 3)
    root = project_copy
    builder = Builder(root / "content", root / "templates", root / "theme", root / "output", cache=chart_cache)
    builder.build()
    months = sorted(p.name for p in (root / "output" / "en" / "updates").iterdir() if p.is_dir())
    assert len(months) > 2
    path = root / "content" / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    text = path.read_text(encoding="utf-8")
    assert "  - date: 2020-03-31\n    value: 2\n" in text
    path.write_text(text.replace("  - date: 2020-03-31\n    value: 2\n", "  - date: 2020-03-31\n    value: 3\n"), encoding="utf-8")
    result = builder.build()
    rendered = {p for p in result.rendered_paths if p.startswith("updates/")}
    # the measure's reports are in March and June 2020; the other months are kept
    assert rendered == {"updates/index.html", "updates/2020-03/index.html", "updates/2020-06/index.html"}, rendered
    assert set(months) - {"2020-03", "2020-06"}
    clean = Builder(root / "content", root / "templates", root / "theme", root / "clean", cache=chart_cache).render().files
    for month in months:
        for code in ("zh", "en"):
            rel = f"{code}/updates/{month}/index.html"
            assert (root / "output" / rel).read_bytes() == clean[rel], rel
