"""What pages read is recorded while they render; what an edit changes is looked up by the same keys."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from bulletin.builder import Builder, failure_lines
from bulletin.deps import Changes, recording, unrecordable_fields
from bulletin.problems import BuildFailure
from bulletin.render import Renderer
from bulletin.site import Site, measure_path
from bulletin.validate import check

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES, THEME = ROOT / "templates", ROOT / "theme"


def _site(content_dir: Path) -> Site:
    result = check(content_dir)
    assert not result.errors, result.errors
    return Site(result.content)


def test_every_content_field_records_its_reads(content_dir):
    """A field added to Content must be a mapping, a list or a model object, or pages reading it go unrecorded."""
    site = _site(content_dir)
    assert unrecordable_fields(site.content) == []
    with recording() as reads:
        for f in dataclasses.fields(site.content):
            value = getattr(site.content, f.name)
            list(value) if not hasattr(value, "_target") else value.title  # noqa: B018
    assert {key[1] for key in reads} == {f.name for f in dataclasses.fields(site.content)}


def test_a_measure_page_reads_its_measure_its_status_and_its_programme(content_dir):
    site = _site(content_dir)
    renderer = Renderer(site, TEMPLATES)
    spec = next(s for s in site.pages() if s.path == measure_path("huitian-3"))
    with recording() as reads:
        renderer.render_page(spec, "en")
    assert ("item", "assessments", "huitian-3") in reads
    assert ("item", "programmes", "huitian") in reads
    assert ("attr", "bulletin", "title") in reads
    assert not any(key[:2] == ("item", "measures") and key[2] != "huitian-3" for key in reads)


def test_every_public_site_method_is_a_recorded_query():
    """A query another developer adds to Site is followed by rebuilds without declaring anything."""
    public = [name for name, f in vars(Site).items() if callable(f) and not name.startswith("_")]
    assert public
    unrecorded = [n for n in public if not getattr(vars(Site)[n], "__recorded_query__", False)]
    assert sorted(unrecorded) == ["collections", "entity_index", "pages"]


def test_a_query_result_change_is_a_change_even_when_no_entity_it_returns_changed(content_dir):
    """A measure newly naming a department changes `departments_used()`, which every list asks."""
    before = _site(content_dir)
    with recording() as reads:
        before.departments_used()
    query = next(k for k in reads if k[0] == "query")
    measure = content_dir / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    departments = [d for d in before.content.departments if d not in before.departments_used()]
    assert departments, "the fixture needs a department no measure names"
    text = measure.read_text(encoding="utf-8")
    measure.write_text(text.replace("support: []", f"support: [{departments[0]}]") if "support: []" in text
                       else text + f"support: [{departments[0]}]\n", encoding="utf-8")
    after = _site(content_dir)
    changes = Changes(before, after)
    assert query in changes
    assert ("item", "measures", "huitian-3") in changes
    assert ("item", "measures", "huitian-1") not in changes


def test_two_renderers_each_render_their_own_site(content_dir, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(content_dir, other)
    bulletin = other / "bulletin.yaml"
    text = bulletin.read_text(encoding="utf-8")
    bulletin.write_text(text.replace("en: ", "en: Other ", 1), encoding="utf-8")
    first = Renderer(_site(content_dir), TEMPLATES)
    second = Renderer(_site(other), TEMPLATES)
    spec = next(s for s in first.site.pages() if s.path == "methodology/index.html")
    assert first.render_page(spec, "en") != second.render_page(spec, "en")
    assert b"Other " not in first.render_page(spec, "en")


def test_a_markdown_page_named_like_a_section_fails_the_build_and_keeps_the_site(content_dir, tmp_path, chart_cache):
    """`check` refuses the name with the file; were it to let one through, the builder would refuse the clash."""
    out = tmp_path / "out"
    Builder(content_dir, TEMPLATES, THEME, out, cache=chart_cache).build()
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    slug = "updates"
    for lang in ("zh", "en"):
        (content_dir / "pages" / f"{slug}.{lang}.md").write_text(f"# {slug}\n\nText.\n", encoding="utf-8")
    with pytest.raises(BuildFailure) as exc:
        Builder(content_dir, TEMPLATES, THEME, out, cache=chart_cache).build()
    assert f"pages/{slug}.en.md" in "\n".join(failure_lines(exc.value))
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


def test_the_builder_refuses_to_write_one_path_twice(content_dir, tmp_path, chart_cache):
    """A theme file named like a generated one would silently replace it (or be replaced)."""
    theme = tmp_path / "theme"
    shutil.copytree(THEME, theme)
    (theme / "status.css").write_text("/* mine */\n", encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(BuildFailure, match=r"assets/status.css: written twice, by assets/status.css \(status colours\) "
                                           r"and by assets/status.css \(theme file or source document\)"):
        Builder(content_dir, TEMPLATES, theme, out, cache=chart_cache).build()
    assert not out.exists()


def test_the_build_command_reports_a_clash_without_a_traceback(content_dir, tmp_path, monkeypatch, capsys):
    from bulletin.cli import main

    theme = tmp_path / "theme"
    shutil.copytree(THEME, theme)
    (theme / "status.css").write_text("/* mine */\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the command's .cache/ and output/ go here
    code = main(["build", "--content", str(content_dir), "--templates", str(TEMPLATES), "--theme", str(theme),
                 "--output", "out"])
    err = capsys.readouterr().err
    assert code == 1
    assert "assets/status.css: written twice" in err and "rename one of them" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
