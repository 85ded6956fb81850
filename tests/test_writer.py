"""A build is all or nothing, and the same input always gives the same bytes."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bulletin.builder import Builder
from bulletin.problems import ContentError, TemplateFailure
from bulletin.writer import MARKER, clean_leftovers, write_site

from conftest import shared_chart_cache  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
THEME = ROOT / "theme"



def tree(root: Path) -> dict[str, str]:
    """Every file under root with the sha256 of its bytes."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != MARKER}


def leftovers(output: Path) -> list[str]:
    return sorted(p.name for p in output.parent.iterdir() if p.name.startswith(f".{output.name}-"))


@pytest.fixture
def built(content_dir: Path, tmp_path: Path, tmp_path_factory):
    """The minimal fixture built into tmp_path/out; returns (content, output, digests)."""
    out = tmp_path / "out"
    Builder(content_dir, TEMPLATES, THEME, out, cache=shared_chart_cache(tmp_path_factory)).build()
    digests = tree(out)
    assert "en/measures/huitian-3/index.html" in digests
    return content_dir, out, digests


# --------------------------------------------------------------------------- failed builds

def break_yaml(content: Path) -> None:
    measure = content / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    measure.write_text(measure.read_text(encoding="utf-8") + "targets: [unclosed\n  - : :\n", encoding="utf-8")


def test_content_error_leaves_the_published_site_untouched(built, tmp_path, tmp_path_factory):
    content, out, before = built
    break_yaml(content)
    with pytest.raises(ContentError) as exc:
        Builder(content, TEMPLATES, THEME, out, cache=shared_chart_cache(tmp_path_factory)).build()
    assert any("03-elderly-care-stations.yaml" in str(p) for p in exc.value.problems)
    assert tree(out) == before
    assert leftovers(out) == []


def test_cli_build_with_a_broken_file_exits_1_and_keeps_the_site(built, tmp_path):
    content, out, before = built
    break_yaml(content)
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--content", str(content),
                           "--templates", str(TEMPLATES), "--theme", str(THEME), "--output", str(out)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "03-elderly-care-stations.yaml" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert tree(out) == before
    assert leftovers(out) == []


def test_template_error_during_rendering_leaves_the_site_untouched(built, tmp_path, tmp_path_factory):
    content, out, before = built
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    measure = templates / "measure.html"
    text = measure.read_text(encoding="utf-8")
    assert "<h1>{{ t(measure.title) }}</h1>" in text
    measure.write_text(text.replace("<h1>{{ t(measure.title) }}</h1>",
                                    "<h1>{{ t(measure.title) }}</h1>{{ undefined_variable_xyz }}"), encoding="utf-8")
    with pytest.raises(TemplateFailure, match=r"measure\.html:\d+: template error: `undefined_variable_xyz` is not defined"):
        Builder(content, templates, THEME, out, cache=shared_chart_cache(tmp_path_factory)).build()
    assert tree(out) == before
    assert leftovers(out) == []


@pytest.mark.parametrize("broken,expected", [
    ("{{ undefined_variable_xyz }}", "`undefined_variable_xyz` is not defined for this page"),
    ("{% if %}", "template error: "),
])
def test_cli_names_the_template_line_of_a_template_error(built, tmp_path, tmp_path_factory, broken, expected):
    content, out, before = built
    (tmp_path / ".cache").symlink_to(shared_chart_cache(tmp_path_factory))  # the command's .cache/: the warm shared one
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    page = templates / "deadlines.html"
    lines = page.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("<h1>")) + 1  # inside the content block
    lines.insert(at, broken)
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "bulletin", "build", "--content", str(content), "--templates", str(templates),
                          "--theme", str(THEME), "--output", str(out)], capture_output=True, text=True,
                         cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)))  # its .cache/ goes there, not into the checkout
    assert run.returncode == 1
    assert f"deadlines.html:{at + 1}: template error" in run.stderr, run.stderr
    assert expected in run.stderr
    assert "Traceback" not in run.stderr
    assert tree(out) == before


@pytest.mark.parametrize("broken,expected", [
    ("{{ 1 / 0 }}", "ZeroDivisionError: division by zero"),
    ('{{ "%d" % "x" }}', "TypeError: "),
    ("{% macro again() %}{{ again() }}{% endmacro %}{{ again() }}", "RecursionError: "),
])
def test_a_templates_runtime_error_is_named_at_its_line_not_a_traceback(built, tmp_path, tmp_path_factory, broken, expected):
    """Only Jinja's own errors were caught: Python's, raised by template code, were tracebacks."""
    from bulletin.builder import failure_lines
    from bulletin.messages import gettext_for

    content, out, before = built
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    page = templates / "deadlines.html"
    lines = page.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("<h1>")) + 1
    lines.insert(at, broken)
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(TemplateFailure) as failed:
        Builder(content, templates, THEME, out, cache=shared_chart_cache(tmp_path_factory)).build()
    assert f"deadlines.html:{at + 1}: template error: {expected}" in str(failed.value)
    assert "模板错误" in failure_lines(failed.value, gettext_for("zh"))[0]
    assert tree(out) == before


def test_a_template_that_is_not_utf8_is_named(built, tmp_path, tmp_path_factory):
    content, out, before = built
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    with (templates / "page.html").open("ab") as f:
        f.write(b"\xff\xfe")
    with pytest.raises(TemplateFailure, match=r"page\.html:1: template error: the file is not UTF-8 text"):
        Builder(content, templates, THEME, out, cache=shared_chart_cache(tmp_path_factory)).build()
    assert tree(out) == before


def test_a_rebuild_after_fixing_the_error_publishes_again(built, tmp_path_factory):
    content, out, before = built
    measure = content / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    good = measure.read_text(encoding="utf-8")
    builder = Builder(content, TEMPLATES, THEME, out, cache=shared_chart_cache(tmp_path_factory))
    break_yaml(content)
    with pytest.raises(ContentError):
        builder.build()
    measure.write_text(good.replace("Build elderly-care stations", "Build elderly-care stations now"), encoding="utf-8")
    builder.build()
    assert "Build elderly-care stations now" in (out / "en" / "measures" / "huitian-3" / "index.html").read_text(encoding="utf-8")
    assert leftovers(out) == []


# --------------------------------------------------------------------------- determinism

def test_two_builds_of_the_same_input_are_byte_identical(content_dir, tmp_path, tmp_path_factory):
    """In-process, and by the CLI in another process (another hash seed, its own copy of
    the chart cache, read from disk): the bytes must not depend on either. (Charts drawn
    cold by worker processes against the cache: tests/test_pool.py.)"""
    a, b = tmp_path / "a" / "site", tmp_path / "b" / "site"
    shared = shared_chart_cache(tmp_path_factory)
    Builder(content_dir, TEMPLATES, THEME, a, cache=shared).build()
    (tmp_path / "b").mkdir()
    shutil.copytree(shared / "charts", tmp_path / "b" / "cache" / "charts")
    env = dict(os.environ, PYTHONHASHSEED="12345")
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--content", str(content_dir),
                           "--templates", str(TEMPLATES), "--theme", str(THEME), "--output", str(b),
                           "--cache", str(tmp_path / "b" / "cache")],
                          cwd=tmp_path / "b", env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "charts (0 rendered" in proc.stdout, proc.stdout  # every chart from its copy of the cache
    ta, tb = tree(a), tree(b)
    assert ta.keys() == tb.keys()
    different = [f for f in ta if ta[f] != tb[f]]
    assert not different, f"{len(different)} files differ, e.g. {different[:5]}"
    for f in a.rglob("*"):
        if f.is_file() and f.suffix in (".html", ".xml", ".csv", ".json", ".txt"):
            text = f.read_text(encoding="utf-8")
            assert str(tmp_path) not in text and str(ROOT) not in text, f"absolute path in {f}"


def test_chart_ids_are_unique_within_a_page(built):
    import re
    from collections import Counter

    _, out, _ = built
    for f in out.rglob("*.html"):
        ids = Counter(re.findall(r'\sid="([^"]+)"', f.read_text(encoding="utf-8")))
        assert not [i for i, n in ids.items() if n > 1], f


# --------------------------------------------------------------------------- write_site

def test_write_site_creates_and_replaces_the_output(tmp_path):
    out = tmp_path / "out"
    stats = write_site({"a.txt": b"one", "dir/b.txt": b"two"}, out)
    assert tree(out).keys() == {"a.txt", "dir/b.txt"}
    assert sorted(stats.written) == ["a.txt", "dir/b.txt"]
    stats = write_site({"a.txt": b"one", "c.txt": b"three"}, out)
    assert (out / "a.txt").read_bytes() == b"one" and (out / "c.txt").read_bytes() == b"three"
    assert not (out / "dir").exists(), "a page that is gone from the site must go from the output"
    assert stats.written == ["c.txt"] and stats.unchanged == 1 and stats.removed == 1
    assert leftovers(out) == []


def test_unchanged_files_keep_their_modification_time(tmp_path):
    out = tmp_path / "out"
    write_site({"same.txt": b"same", "new.txt": b"v1"}, out)
    old = 1_000_000_000
    os.utime(out / "same.txt", (old, old))
    write_site({"same.txt": b"same", "new.txt": b"v2"}, out)
    assert (out / "same.txt").stat().st_mtime == old
    assert (out / "new.txt").read_bytes() == b"v2"


def test_a_failure_while_writing_keeps_the_old_output(tmp_path):
    out = tmp_path / "out"
    write_site({"a.txt": b"old"}, out)
    before = tree(out)
    with pytest.raises(TypeError):
        write_site({"a.txt": b"new", "z.txt": None}, out)  # type: ignore[dict-item]
    assert tree(out) == before
    assert leftovers(out) == []


def test_leftovers_of_a_killed_build_are_cleaned_and_nothing_else(tmp_path):
    out = tmp_path / "out"
    write_site({"a.txt": b"x"}, out)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    killed = tmp_path / f".out-new-{dead}-0123abcd"  # a killed build's staging folder: its marker, its process gone
    killed.mkdir()
    (killed / MARKER).write_bytes(b"")
    (killed / "half.html").write_bytes(b"<p>")
    kept = [tmp_path / ".out-new-abc123", tmp_path / ".out-backup-2020", tmp_path / f".out-old-{os.getpid()}-0123abcd",
            tmp_path / "other"]
    for folder in kept:  # not provably a dead build's staging folder: never deleted
        folder.mkdir()
        (folder / "keep.txt").write_bytes(b"mine")
    write_site({"a.txt": b"x"}, out)
    assert not killed.exists()
    assert all((folder / "keep.txt").read_bytes() == b"mine" for folder in kept)
    clean_leftovers(out)
    assert (out / "a.txt").read_bytes() == b"x"


# --------------------------------------------------------------------------- the dev server's kept site

def _files(output: Path) -> dict[str, bytes]:
    return {str(p.relative_to(output)): p.read_bytes() for p in sorted(output.rglob("*"))
            if p.is_file() and p.name != MARKER}


def test_a_kept_replaced_site_is_brought_up_to_date_and_never_shares_a_changed_file(tmp_path: Path):
    """A builder that lives across builds keeps the site a swap replaced and, next time, writes
    only what differs from it. The output after each build is exactly that build's files, and
    the kept site's files (hard links to the live ones, some of them) are never written into."""
    from bulletin.writer import SpareTree

    output = tmp_path / "output"
    spare = SpareTree()
    builds = [
        {"index.html": b"one", "a/index.html": b"a1", "b/index.html": b"b", "c/d/index.html": b"d"},
        {"index.html": b"two", "a/index.html": b"a1", "b/index.html": b"b"},  # c/d removed
        {"index.html": b"three", "a/index.html": b"a3", "b/index.html": b"b", "e/index.html": b"e"},
        {"index.html": b"three", "a/index.html": b"a3", "c/d/index.html": b"d again"},
        {"index.html": b"five", "a/index.html": b"a3", "c/d/index.html": b"d again"},
        {"index.html": b"six", "a/index.html": b"a3", "c/d": b"a file where a folder was"},
        {"index.html": b"seven", "c/d/index.html": b"a folder again"},
    ]
    previous: dict[str, bytes] = {}
    for i, files in enumerate(builds):
        stats = write_site(files, output, spare=spare)
        assert _files(output) == files, f"build {i}"
        assert set(stats.written) == {k for k, v in files.items() if previous.get(k) != v}, f"build {i}"
        if i >= 1:  # from the second build on, the replaced site is kept, and holds the build before
            assert spare.path is not None and _files(spare.path) == previous, f"build {i}"
        previous = files
    assert not (output / "c" / "e").exists() and not (output / "e").exists()  # emptied folders are gone
    kept = spare.path
    spare.discard()
    assert not kept.exists() and _files(output) == builds[-1]


def test_a_kept_site_is_not_trusted_once_another_build_replaced_the_output(tmp_path: Path):
    from bulletin.writer import SpareTree

    output = tmp_path / "output"
    spare = SpareTree()
    first, second = {"index.html": b"1", "x/index.html": b"x"}, {"index.html": b"2", "x/index.html": b"x"}
    write_site(first, output, spare=spare)
    write_site(second, output, spare=spare)
    assert spare.path is not None
    other = {"index.html": b"another build", "y/index.html": b"y"}
    write_site(other, output)  # e.g. `bulletin build` from a terminal while the preview runs
    third = {"index.html": b"3", "x/index.html": b"x"}
    write_site(third, output, spare=spare)  # the builder believes the output holds `second`
    assert _files(output) == third
    fourth = {"index.html": b"4", "x/index.html": b"x", "z/index.html": b"z"}
    write_site(fourth, output, spare=spare)
    assert _files(output) == fourth


def test_jinja_s_commonest_messages_read_in_chinese():
    """模板错误：'all_measures' is undefined — Jinja's English inside the Chinese line (regression audit)."""
    from bulletin.builder import jinja_message
    from bulletin.messages import gettext_for, localise

    zh = gettext_for("zh")
    undefined = localise(jinja_message("'all_measures' is undefined"), zh)
    assert "all_measures" in undefined and "undefined" not in undefined.replace("all_measures", "")
    field = localise(jinja_message("'bulletin.site.ListedMeasure object' has no attribute 'window'"), zh)
    assert "window" in field and "has no attribute" not in field
    assert jinja_message("unexpected end of template") == "unexpected end of template"  # others as Jinja writes them
