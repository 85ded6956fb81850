"""Hostile content, careless editors and a failing machine: every case ends in a message naming
the file (and what to do), exit 1, no traceback, and the published output exactly as it was.

The corpus is a table of small edits to a copy of the minimal fixture; each runs the real
`build` command in-process (an escaping exception fails the test: that is the traceback an
editor would see). Nothing here renders a chart: a refused build stops before rendering.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bulletin import downloads
from bulletin.writer import MARKER, OutputRefused, check_output, clean_leftovers, write_site

from conftest import MINIMAL, ROOT

MEASURE = "measures/huitian/03-elderly-care-stations.yaml"


# --------------------------------------------------------------------------- helpers

@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    """A project folder with templates, theme, the minimal content and a previous output of ours."""
    shutil.copytree(MINIMAL, tmp_path / "content")
    (tmp_path / "templates").symlink_to(ROOT / "templates")  # read only; a case that edits the theme copies it
    (tmp_path / "theme").symlink_to(ROOT / "theme")
    out = tmp_path / "output"
    out.mkdir()
    (out / MARKER).write_bytes(b"")
    (out / "index.html").write_bytes(b"<p>the published site</p>")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def snapshot(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir")
            for p in sorted(root.rglob("*"))}


def run(capsys, *args: str) -> tuple[int, str]:
    from bulletin.cli import main

    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / "content" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def write(project: Path, rel: str, data: str | bytes) -> None:
    path = project / "content" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def link(project: Path, rel: str, target: str | Path) -> None:
    path = project / "content" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)


def outside_file(project: Path, name: str = "secret.txt", text: str = "PRIVATE KEY\n") -> Path:
    secret = project.parent / f"{project.name}-outside" / name
    secret.parent.mkdir(exist_ok=True)
    secret.write_text(text, encoding="utf-8")
    return secret


def title(value: str) -> callable:
    """Edit measure 3's English title to a YAML double-quoted string (escapes are YAML's)."""
    return lambda p: edit(p, MEASURE, "en: Build elderly-care stations}", f'en: "{value}"}}')


def source_url(value: str) -> callable:
    return lambda p: edit(p, "sources.yaml", "url: https://example.org/reports/2020-06", f'url: "{value}"')


def base_url(value: str) -> callable:
    return lambda p: edit(p, "bulletin.yaml", "base_url: https://example.org/bulletin/", f'base_url: "{value}"')


def seed(value: str) -> callable:
    return lambda p: edit(p, "sources.yaml", "seed: 000_404d1ccf9095f5fe.txt", f'seed: "{value}"')


def target_value(value: str) -> callable:
    return lambda p: edit(p, MEASURE, "  target: 6\n", f"  target: {value}\n")


def page(name: str, text: str = "# Title\n\nBody.\n") -> callable:
    return lambda p: write(p, f"pages/{name}", text)


def source_file(name: str, data: str = "<script>alert(document.cookie)</script>") -> callable:
    def apply(p: Path) -> None:
        write(p, f"sources/{name}", data)
    return apply


def symlink_loop(p: Path) -> None:
    link(p, "measures/huitian/98-a.yaml", "99-b.yaml")
    link(p, "measures/huitian/99-b.yaml", "98-a.yaml")


def folder_loop(p: Path) -> None:
    link(p, "measures/huitian/loop", ".")


def folder_named_yaml(p: Path) -> None:
    (p / "content" / "measures" / "huitian" / "10-x.yaml").mkdir()


def long_id(p: Path) -> None:
    edit(p, "categories.yaml", "id: community-services", "id: " + "c" * 300)


def secret_source(p: Path) -> None:
    (p / "content" / "sources" / "000_404d1ccf9095f5fe.txt").unlink()
    link(p, "sources/000_404d1ccf9095f5fe.txt", outside_file(p))


def secret_page(p: Path) -> None:
    link(p, "pages/private.en.md", outside_file(p, "notes.md", "# Private\n\nnot for the public\n"))
    link(p, "pages/private.zh.md", outside_file(p, "notes.md", "# Private\n\nnot for the public\n"))


def secret_yaml(p: Path) -> None:
    target = outside_file(p, "m.yaml", (p / "content" / MEASURE).read_text(encoding="utf-8").replace("number: 3", "number: 30"))
    link(p, "measures/huitian/30-elsewhere.yaml", target)


def dangling(p: Path) -> None:
    link(p, "measures/huitian/11-gone.yaml", "/nonexistent/never.yaml")


def folder_link(p: Path) -> None:
    (p / "content" / "sources" / "000_404d1ccf9095f5fe.txt").unlink()
    outside_file(p, "000_404d1ccf9095f5fe.txt")
    link(p, "sources/docs", outside_file(p).parent)
    edit(p, "sources.yaml", "seed: 000_404d1ccf9095f5fe.txt", "seed: docs/000_404d1ccf9095f5fe.txt")


def not_utf8_page(p: Path) -> None:
    write(p, "pages/about.en.md", "# About\n\n".encode("utf-8") + "中文".encode("gb18030"))


def measures_elsewhere(p: Path) -> None:
    elsewhere = outside_file(p).parent / "measures"
    shutil.move(p / "content" / "measures", elsewhere)
    os.symlink(elsewhere, p / "content" / "measures")


def own_theme(p: Path) -> None:
    (p / "theme").unlink()
    shutil.copytree(ROOT / "theme", p / "theme")


# Each case: (name, edit, the file the message must name).
CASES = [
    # invisible and unsafe characters, written as YAML escapes or literally
    ("nul-escape", title("a\\0b"), MEASURE),
    ("fffe-escape", title("a\\uFFFEb"), MEASURE),
    ("ffff-escape", title("a\\uFFFFb"), MEASURE),
    ("escape-char", title("a\\eb"), MEASURE),
    ("bell", title("a\\ab"), MEASURE),
    ("c1-next-line", title("a\\Nb"), MEASURE),
    ("c1-control", title("a\\x9bb"), MEASURE),
    ("line-separator", title("a\\Lb"), MEASURE),
    ("paragraph-separator", title("a\\Pb"), MEASURE),
    ("line-separator-literal", title("a\u2028b"), MEASURE),
    ("rtl-override", title("a\u202eb"), MEASURE),
    ("rtl-isolate", title("a\\u2067b"), MEASURE),
    ("rlm", title("a\\u200fb"), MEASURE),
    ("zero-width-space", title("a\\u200bb"), MEASURE),
    ("zero-width-joiner", title("a\\u200db"), MEASURE),
    ("bom-inside", title("a\\ufeffb"), MEASURE),
    ("unicode-tag", title("a\\U000E0041b"), MEASURE),
    ("lone-surrogate", title("a\\ud800b"), MEASURE),
    ("astral-noncharacter", title("a\\U0001FFFEb"), MEASURE),
    ("carriage-return", title("=1+1\\r@x"), MEASURE),
    ("control-in-key", lambda p: edit(p, MEASURE, "kind: count", '"ki\\u202end": count'), MEASURE),
    ("zero-width-in-id", lambda p: edit(p, MEASURE, "- id: stations", '- id: "stat\\u200bions"'), MEASURE),
    ("control-in-department-name", lambda p: edit(p, "departments.yaml", "en: ", 'en: "\\x07" #', ), "departments.yaml"),
    ("bidi-in-page", page("extra.en.md", "# Extra\n\ntext \u202e reversed\n"), "pages/extra.en.md"),
    ("control-in-page", page("extra.en.md", "# Extra\n\ntext \x1b[31m red\n"), "pages/extra.en.md"),
    ("page-not-utf8", not_utf8_page, "pages/about.en.md"),
    # links
    ("javascript-url", source_url("javascript:alert(1)"), "sources.yaml"),
    ("javascript-mixed-case", source_url("JaVaScRiPt:alert(1)"), "sources.yaml"),
    ("javascript-leading-space", source_url(" javascript:alert(1)"), "sources.yaml"),
    ("javascript-leading-control", source_url("\\x01javascript:alert(1)"), "sources.yaml"),
    ("javascript-tab-inside", source_url("java\\tscript:alert(1)"), "sources.yaml"),
    ("javascript-newline-inside", source_url("java\\nscript:alert(1)"), "sources.yaml"),
    ("javascript-cr-inside", source_url("jav\\ra\\rscript:alert(1)"), "sources.yaml"),
    ("javascript-entity", source_url("javascript&colon;alert(1)"), "sources.yaml"),
    ("data-url", source_url("data:text/html,<script>alert(1)</script>"), "sources.yaml"),
    ("vbscript-url", source_url("vbscript:msgbox(1)"), "sources.yaml"),
    ("file-url", source_url("file:///etc/passwd"), "sources.yaml"),
    ("protocol-relative-url", source_url("//evil.example/x"), "sources.yaml"),
    ("url-without-host", source_url("https:evil.example"), "sources.yaml"),
    ("url-with-quote", source_url("https://example.org/\\\"onmouseover=alert(1)"), "sources.yaml"),
    ("url-bidi", source_url("https://example.org/\\u202egpj.exe"), "sources.yaml"),
    ("url-unclosed-ipv6", source_url("https://[x/"), "sources.yaml"),  # was a traceback (urlsplit's ValueError)
    ("base-unclosed-ipv6", base_url("https://[x/"), "bulletin.yaml"),
    # base_url
    ("base-double-slash", base_url("https://example.org//evil.example/"), "bulletin.yaml"),
    ("base-newline", base_url("https://example.org/\\nDisallow: /"), "bulletin.yaml"),
    ("base-javascript", base_url("javascript://example.org/%0aalert(1)"), "bulletin.yaml"),
    ("base-space", base_url("https://exa mple.org/"), "bulletin.yaml"),
    ("base-query", base_url("https://example.org/?x=1"), "bulletin.yaml"),
    ("base-fragment", base_url("https://example.org/#x"), "bulletin.yaml"),
    ("base-userinfo", base_url("https://user@evil.example/"), "bulletin.yaml"),
    ("base-no-host", base_url("https:///bulletin/"), "bulletin.yaml"),
    ("base-quote", base_url("https://example.org/\\\"><script>x</script>"), "bulletin.yaml"),
    ("base-backslash", base_url("https://example.org\\\\@evil.example/"), "bulletin.yaml"),
    ("base-dot-segment", base_url("https://example.org/a/../b/"), "bulletin.yaml"),
    # language codes
    ("unknown-language", lambda p: edit(p, "bulletin.yaml", "languages: [zh, en]", "languages: [zh, en, qq]"), "bulletin.yaml"),
    ("language-not-a-code", lambda p: edit(p, "bulletin.yaml", "languages: [zh, en]", "languages: [zh, english]"), "bulletin.yaml"),
    ("language-path", lambda p: edit(p, "bulletin.yaml", "languages: [zh, en]", 'languages: [zh, "../x"]'), "bulletin.yaml"),
    ("language-upper-case", lambda p: edit(p, "bulletin.yaml", "languages: [zh, en]", "languages: [zh, EN]"), "bulletin.yaml"),
    # numbers
    ("nan-target", target_value(".nan"), MEASURE),
    ("inf-target", target_value(".inf"), MEASURE),
    ("minus-inf-target", target_value("-.Inf"), MEASURE),
    ("overflowing-target", target_value("1.0e+400"), MEASURE),
    ("huge-integer-target", target_value("1" + "0" * 400), MEASURE),
    ("too-large-figure", target_value("1.0e+308"), MEASURE),  # finite, but target − baseline would overflow
    ("too-large-negative-baseline", lambda p: edit(p, MEASURE, "baseline: {value: 0,", "baseline: {value: -1.0e+300,"), MEASURE),
    ("nan-progress", lambda p: edit(p, MEASURE, "    value: 2\n", "    value: .NaN\n"), MEASURE),
    ("inf-baseline", lambda p: edit(p, MEASURE, "baseline: {value: 0,", "baseline: {value: .inf,"), MEASURE),
    ("inf-threshold", lambda p: edit(p, "bulletin.yaml", "ahead: 1.10", "ahead: .inf"), "bulletin.yaml"),
    ("huge-measure-number", lambda p: edit(p, MEASURE, "number: 3\n", "number: 3000000000000\n"), MEASURE),
    # ids and names that become paths
    ("long-id", long_id, "categories.yaml"),
    ("id-with-dots", lambda p: edit(p, "categories.yaml", "id: community-services", 'id: "..".'), "categories.yaml"),
    ("target-id-long", lambda p: edit(p, MEASURE, "- id: stations", "- id: " + "s" * 65), MEASURE),
    ("page-javascript-name", page("javascript:alert(1).zh.md"), "javascript:alert(1).zh.md"),
    ("page-dots", page("....zh.md"), "....zh.md"),
    ("page-dot-dot", page("...en.md"), "...en.md"),
    ("page-section-departments", page("departments.en.md"), "pages/departments.en.md"),
    ("page-section-updates", page("updates.zh.md"), "pages/updates.zh.md"),
    ("page-section-measures", page("measures.zh.md"), "pages/measures.zh.md"),
    ("page-section-assets", page("assets.en.md"), "pages/assets.en.md"),
    ("page-index", page("index.en.md"), "pages/index.en.md"),
    ("page-upper-case", page("About.en.md"), "pages/About.en.md"),
    ("page-space", page("open data.en.md"), "pages/open data.en.md"),
    ("page-quote", page('a"onmouseover=x.en.md'), "onmouseover=x.en.md"),
    ("page-long", page("p" * 100 + ".en.md"), "p" * 100),
    ("page-non-ascii", page("关于.zh.md"), "关于.zh.md"),
    ("page-in-subfolder", page("team/about.en.md"), "pages/team/about.en.md"),
    # files from outside the content, and files that would run script
    ("source-symlink-out", secret_source, "sources/000_404d1ccf9095f5fe.txt"),
    ("source-etc-passwd-link", lambda p: link(p, "sources/passwd.txt", "/etc/passwd"), "sources/passwd.txt"),
    ("source-folder-link", folder_link, "sources/docs"),
    # hostile-input audit: a link inside the content to a hidden file (.env, .git/config) published it under another name
    ("source-link-to-hidden-file", lambda p: (write(p, ".env", "DB_PASSWORD=PRIVATE\n"), link(p, "sources/notes.txt", "../.env")),
     "sources/notes.txt"),
    ("source-link-into-git", lambda p: (write(p, ".git/config", "url = https://user:PRIVATE@example.org/x\n"),
                                        link(p, "sources/config.txt", "../.git/config")), "sources/config.txt"),
    ("page-symlink-out", secret_page, "pages/private."),
    ("yaml-symlink-out", secret_yaml, "measures/huitian/30-elsewhere.yaml"),
    ("seed-traversal", seed("../../../etc/passwd"), "sources.yaml"),
    ("seed-traversal-inside", seed("../bulletin.yaml"), "sources.yaml"),
    ("seed-absolute", seed("/etc/passwd"), "sources.yaml"),
    ("seed-windows-absolute", seed("C:\\\\Windows\\\\win.ini"), "sources.yaml"),
    ("seed-hidden", lambda p: (write(p, "sources/.hidden.txt", "x"), seed(".hidden.txt")(p)), "sources.yaml"),
    ("seed-missing", seed("missing.pdf"), "sources.yaml"),
    ("source-html", source_file("evil.html"), "sources/evil.html"),
    ("source-htm", source_file("evil.HTM"), "sources/evil.HTM"),
    ("source-svg", source_file("evil.svg", "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"), "sources/evil.svg"),
    ("source-xhtml", source_file("evil.xhtml"), "sources/evil.xhtml"),
    ("source-xml", source_file("evil.xml"), "sources/evil.xml"),
    ("source-js", source_file("evil.js", "alert(1)"), "sources/evil.js"),
    ("source-no-extension", source_file("README"), "sources/README"),
    ("source-shtml", source_file("evil.shtml"), "sources/evil.shtml"),
    ("source-bad-name", source_file("report 2020.pdf", "%PDF-1.4"), "sources/report 2020.pdf"),
    # crashes that must be messages
    ("dangling-symlink", dangling, "measures/huitian/11-gone.yaml"),
    ("yaml-symlink-loop", symlink_loop, "measures/huitian/98-a.yaml"),
    ("folder-symlink-loop", folder_loop, "measures/huitian/loop"),
    ("folder-named-yaml", folder_named_yaml, "measures/huitian/10-x.yaml"),
    ("programme-folder-named-yaml", lambda p: (p / "content" / "programmes" / "y.yaml").mkdir(), "programmes/y.yaml"),
    ("bulletin-yaml-is-folder", lambda p: ((p / "content" / "bulletin.yaml").unlink(), (p / "content" / "bulletin.yaml").mkdir()), "bulletin.yaml"),
    ("measures-folder-link-out", measures_elsewhere, "content/measures"),
    ("file-name-not-utf8", lambda p: write(p, os.fsdecode(b"measures/huitian/\xff\xfe.yaml"), "x: 1\n"), "measures/huitian/"),
    ("fifo-named-yaml", lambda p: os.mkfifo(p / "content" / "measures" / "huitian" / "12-pipe.yaml"), "12-pipe.yaml"),
    ("bulletin-yaml-dangling", lambda p: ((p / "content" / "bulletin.yaml").unlink(),
                                          os.symlink("gone.yaml", p / "content" / "bulletin.yaml")), "bulletin.yaml"),
    ("theme-symlink-out", lambda p: (own_theme(p), os.symlink(outside_file(p), p / "theme" / "leak.txt")), "leak.txt"),
]


@pytest.mark.parametrize("name,apply,named", CASES, ids=[c[0] for c in CASES])
def test_hostile_content_is_refused_with_the_file_named(name, apply, named, project, capsys):
    apply(project)
    before = snapshot(project / "output")
    code, out = run(capsys, "build")
    assert code == 1, out
    assert named in out, f"the message does not name {named}:\n{out}"
    assert "Traceback" not in out
    assert snapshot(project / "output") == before, "a refused build changed the published output"
    if name.startswith(("source-symlink", "page-symlink", "yaml-symlink-out", "theme-symlink", "source-link")):
        assert "PRIVATE" not in out


# `build` runs `check` first; a sample of the corpus confirms `check` alone says the same.
CHECK_SAMPLE = [c for c in CASES if c[0] in ("nul-escape", "rtl-override", "javascript-tab-inside", "base-double-slash",
                                             "unknown-language", "nan-target", "long-id", "page-dots", "seed-traversal",
                                             "source-svg", "yaml-symlink-loop", "folder-named-yaml", "source-symlink-out")]


@pytest.mark.parametrize("name,apply,named", CHECK_SAMPLE, ids=[c[0] for c in CHECK_SAMPLE])
def test_check_reports_the_same_problems(name, apply, named, project, capsys):
    apply(project)
    code, out = run(capsys, "check")
    assert code == 1 and named in out and "Traceback" not in out, out


def test_character_problems_name_the_character_line_and_column(project, capsys):
    edit(project, MEASURE, "en: Build elderly-care stations}", "en: Build \u202eelderly-care stations}")
    code, out = run(capsys, "check")
    line = next(l for l in out.splitlines() if "U+202E" in l)
    text = (project / "content" / MEASURE).read_text(encoding="utf-8").splitlines()
    row = next(i for i, l in enumerate(text, 1) if "\u202e" in l)
    assert line.startswith(f"content/{MEASURE}:{row}:{text[row - 1].index(chr(0x202e)) + 1}: title.en: ")
    assert "RIGHT-TO-LEFT OVERRIDE" in line


def test_editor_leftovers_are_ignored(project, capsys):
    measures = project / "content" / "measures" / "huitian"
    os.symlink("root@host.1234:1600000000", measures / ".#03-elderly-care-stations.yaml")  # Emacs lock file
    shutil.copy(measures / "03-elderly-care-stations.yaml", measures / "03-elderly-care-stations.yaml~")
    (measures / ".03-elderly-care-stations.yaml.swp").write_bytes(b"\x00\x01binary")
    (measures / "#03-elderly-care-stations.yaml#").write_bytes(b"\x00")
    (project / "content" / "sources" / "~$report.docx").write_bytes(b"\x00")
    code, out = run(capsys, "check")
    assert code == 0, out


def test_links_inside_the_content_are_followed(project, capsys):
    """A symlink that stays inside the content folder is an ordinary file."""
    pages = project / "content" / "pages"
    shutil.move(pages / "about.en.md", project / "content" / "about-en.md")
    os.symlink("../about-en.md", pages / "about.en.md")
    code, out = run(capsys, "check")
    assert code == 0, out


def test_plain_links_and_allowed_source_types_pass(project, capsys):
    edit(project, "sources.yaml", "url: https://example.org/reports/2020-06", "url: mailto:office@example.org")
    for name in ("scan.pdf", "photo.JPG", "table.csv", "return.xlsx", "报告.docx", "notes.md"):
        write(project, f"sources/{name}", b"data")
    code, out = run(capsys, "check")
    assert code == 0, out


# --------------------------------------------------------------------------- the output folder

@pytest.mark.parametrize("output", ["content", ".", "templates", "theme", "content/out", "theme/x", "..", "/"])
def test_output_that_is_or_holds_the_project_is_refused(output, project, capsys):
    before = snapshot(project)
    code, out = run(capsys, "build", "--output", output)
    assert code == 1 and "Traceback" not in out
    assert "output" in out and "输出" in out  # in both languages
    assert snapshot(project) == before


@pytest.mark.parametrize("cache", ["content/sources/cache", "content", "output/cache", "theme"])
def test_a_cache_inside_the_content_theme_or_output_is_refused(cache, project, capsys):
    """Cached charts in content/sources/ would be published; in output/ deleted by the swap."""
    before = snapshot(project)
    code, out = run(capsys, "build", "--cache", cache)
    assert code == 1 and "Traceback" not in out, out
    assert "cache" in out and "缓存" in out  # in both languages
    assert snapshot(project) == before


def test_output_through_a_symlink_into_the_content_is_refused(project, capsys):
    os.symlink(project / "content", project / "site")
    before = snapshot(project / "content")
    code, out = run(capsys, "build", "--output", "site")
    assert code == 1 and "Traceback" not in out, out
    assert snapshot(project / "content") == before


def test_a_folder_with_someone_elses_files_is_never_replaced(project, capsys):
    docs = project / "docs"
    docs.mkdir()
    (docs / "CNAME").write_text("example.org\n")
    code, out = run(capsys, "build", "--output", "docs")
    assert code == 1 and "Traceback" not in out and ".bulletin-output" in out, out
    assert (docs / "CNAME").read_text() == "example.org\n"


def test_an_output_that_is_a_file_is_refused(project, capsys):
    (project / "site.html").write_text("mine")
    code, out = run(capsys, "build", "--output", "site.html")
    assert code == 1 and "Traceback" not in out
    assert (project / "site.html").read_text() == "mine"


def test_an_output_that_is_a_mount_point_is_refused_before_rendering(monkeypatch, tmp_path):
    """A Docker volume as the output: the swap renames the folder, which a mount point refuses
    (EBUSY), after every page had been rendered. Now it is refused first, with what to do."""
    volume = tmp_path / "volume"
    volume.mkdir()
    monkeypatch.setattr("os.path.ismount", lambda path: Path(path) == volume.resolve())
    with pytest.raises(OutputRefused) as refused:
        check_output(volume)
    assert "挂载点" in refused.value.zh and f"{volume}/site" in refused.value.en
    check_output(volume / "site")  # a folder inside it is fine


def test_empty_absent_and_own_outputs_are_written(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    write_site({"a.txt": b"1"}, empty)
    write_site({"a.txt": b"1"}, tmp_path / "absent" / "deeper")
    assert (tmp_path / "absent" / "deeper" / "a.txt").read_bytes() == b"1"
    write_site({"b.txt": b"2"}, empty)  # ours now: it carries the marker
    assert sorted(p.name for p in empty.iterdir()) == [MARKER, "b.txt"]


def test_an_output_from_before_the_marker_is_recognised_by_its_shape(tmp_path):
    legacy = tmp_path / "output"
    for rel in ("index.html", "404.html", "sitemap.xml", "robots.txt", "assets/status.css", "sources/a.txt",
                "zh/index.html", "zh/feed.xml", "en/index.html", "en/feed.xml"):
        (legacy / rel).parent.mkdir(parents=True, exist_ok=True)
        (legacy / rel).write_bytes(b"old")
    check_output(legacy)  # accepted
    (legacy / "CNAME").write_text("x")  # but not once someone's own file is in it
    with pytest.raises(OutputRefused):
        check_output(legacy)


def test_another_builds_staging_folder_is_never_removed(tmp_path):
    out = tmp_path / "out"
    write_site({"a.txt": b"1"}, out)
    # A live build's staging folder (this process is alive) and an editor's backup named like ours.
    live = tmp_path / f".out-new-{os.getpid()}-deadbeef"
    live.mkdir()
    (live / MARKER).write_bytes(b"")
    backup = tmp_path / ".out-backup-2020"
    backup.mkdir()
    (backup / "page.html").write_text("keep")
    write_site({"a.txt": b"2"}, out)
    clean_leftovers(out)
    assert live.is_dir() and (backup / "page.html").read_text() == "keep"


def test_output_gets_the_umask_mode(tmp_path):
    old = os.umask(0o022)
    try:
        write_site({"d/a.txt": b"1"}, tmp_path / "out")
    finally:
        os.umask(old)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "out" / "d").stat().st_mode & 0o777 == 0o755


def test_the_swap_never_leaves_the_output_missing(tmp_path):
    """While builds replace the output again and again, a reader always finds it."""
    out = tmp_path / "out"
    write_site({"index.html": b"0"}, out)
    stop = threading.Event()
    missing = []

    def reader():
        while not stop.is_set():
            if not (out / "index.html").exists():
                missing.append(time.monotonic())

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(40):
            write_site({"index.html": str(i).encode(), "x/y.html": str(i).encode()}, out)
    finally:
        stop.set()
        thread.join()
    from bulletin.writer import _RENAMEAT2

    if _RENAMEAT2 is None:
        pytest.skip("no renameat2 on this system: the swap is two renames (documented)")
    assert missing == []


_SECOND_BUILD = """
import sys, time
sys.path.insert(0, {root!r})
from bulletin.writer import write_site
write_site({{"b.txt": b"second"}}, __import__("pathlib").Path({out!r}), lock_timeout={timeout})
"""


def test_builds_are_serialised_by_the_lock(tmp_path):
    from bulletin.writer import _Lock

    out = tmp_path / "out"
    write_site({"a.txt": b"first"}, out)
    if sys.platform.startswith("win"):
        pytest.skip("no flock on Windows")
    with _Lock(out, 1, lambda message: None):  # a first build holds the output
        proc = subprocess.run([sys.executable, "-c", _SECOND_BUILD.format(root=str(ROOT), out=str(out), timeout=0.5)],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode != 0
        assert "another build" in proc.stderr and "另一个构建" in proc.stderr
        assert (out / "a.txt").read_bytes() == b"first"
        waiting = subprocess.Popen([sys.executable, "-c", _SECOND_BUILD.format(root=str(ROOT), out=str(out), timeout=30)],
                                   stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        assert (out / "a.txt").exists(), "the second build must wait while the first holds the lock"
    assert waiting.wait(timeout=60) == 0
    assert "waiting" in waiting.stderr.read()
    assert (out / "b.txt").read_bytes() == b"second"


def test_write_site_refuses_paths_that_leave_the_output(tmp_path):
    for bad in ("../escape.txt", "/etc/x", "a/../../b", ""):
        with pytest.raises(ValueError):
            write_site({bad: b"x"}, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


# --------------------------------------------------------------------------- outputs escape for themselves

HOSTILE_TEXTS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)",
                 "\t=1+1", "=1+41", "<b>&amp;</b> ]]> \" ' <!--", "-5", "Stations;=cmd|' /C calc'!A0"]


@pytest.fixture
def hostile_renderer(tmp_path, monkeypatch):
    """A Renderer (no charts) over content whose texts are formulas and markup."""
    from bulletin.render import Renderer
    from bulletin.site import Site
    from bulletin.validate import check

    content = tmp_path / "content"
    shutil.copytree(MINIMAL, content)
    import yaml

    path = content / MEASURE
    text = path.read_text(encoding="utf-8")
    text = text.replace("en: Build elderly-care stations}", "en: " + json.dumps(HOSTILE_TEXTS[0]) + "}")
    text = text.replace("en: stations}", "en: " + json.dumps(HOSTILE_TEXTS[1]) + "}")
    text = text.replace("unit: {zh: 个, en: ", "unit: {zh: " + json.dumps(HOSTILE_TEXTS[8]) + ", en: ")
    text = text.replace("title: {zh: 完成6个养老驿站建设, en: Build 6 elderly-care stations}",
                        "title: {zh: " + json.dumps(HOSTILE_TEXTS[3]) + ", en: " + json.dumps(HOSTILE_TEXTS[2]) + "}")
    text = text.replace("    value: 2\n", "    value: 2\n    note: {zh: " + json.dumps(HOSTILE_TEXTS[4]) + ", en: "
                        + json.dumps(HOSTILE_TEXTS[5]) + "}\n")
    path.write_text(text, encoding="utf-8")
    sources = content / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8").replace(
        "en: Huitian task list progress (illustrative)}", "en: " + json.dumps(HOSTILE_TEXTS[6]) + "}"), encoding="utf-8")
    yaml.safe_load(path.read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    result = check(content)
    assert not result.errors, result.errors
    return Renderer(Site(result.content), ROOT / "templates", None)


def csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_cells_never_start_a_formula(hostile_renderer):
    lang = hostile_renderer.langs["en"]
    for data in (downloads.measures_csv(hostile_renderer, lang), downloads.progress_csv(hostile_renderer, lang),
                 downloads.progress_csv(hostile_renderer, hostile_renderer.langs["zh"])):
        cells = [cell for row in csv_cells(data) for cell in row]
        dangerous = [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and not re.fullmatch(r"-\d+(\.\d+)?", c))]
        assert dangerous == []
    cells = [cell for row in csv_cells(downloads.progress_csv(hostile_renderer, lang)) for cell in row]
    assert "'=1+41" in cells and "'" + HOSTILE_TEXTS[1] in cells  # the text is kept, shown as text


def test_csv_cells_run_no_formula_where_excel_splits_at_semicolons(hostile_renderer):
    # Excel with `;` as list separator (German, French) splits each line at every `;`, quotes or not.
    lang = hostile_renderer.langs["zh"]
    for data in (downloads.progress_csv(hostile_renderer, lang), downloads.measures_csv(hostile_renderer, lang)):
        pieces = [piece for line in data.decode("utf-8-sig").split("\r\n") for piece in line.split(";")[1:]]
        assert [p for p in pieces if p.lstrip(" ")[:1] in ("=", "+", "@", "\t", "\r")] == []
    cells = [cell for row in csv_cells(downloads.progress_csv(hostile_renderer, lang)) for cell in row]
    assert "Stations;'=cmd|' /C calc'!A0" in cells  # the text is kept; only the piece Excel would run is marked text
    from bulletin.downloads import spreadsheet_cell

    assert spreadsheet_cell("a; -5") == "a; -5" and spreadsheet_cell("-5;x") == "'-5;x" and spreadsheet_cell("a; b") == "a; b"


def test_csv_cells_run_no_formula_after_a_line_break_inside_a_cell():
    # A reader that ignores quotes (a text import, some CSV tools) starts a row at every line break
    # inside a quoted note, so the line after it is a cell start too.
    from bulletin.downloads import spreadsheet_cell

    assert spreadsheet_cell("Done.\n=cmd|' /C calc'!A0") == "Done.\n'=cmd|' /C calc'!A0"
    assert spreadsheet_cell("a\r\n@SUM(1)") == "a\r\n'@SUM(1)" and spreadsheet_cell("a\r+1") == "a\r'+1"
    assert spreadsheet_cell("first line\nsecond line") == "first line\nsecond line"
    assert spreadsheet_cell("a\n-5") == "a\n-5"  # a plain negative number stays one


def test_plain_negative_numbers_stay_numbers():
    from bulletin.downloads import spreadsheet_cell

    assert spreadsheet_cell("-5") == "-5" and spreadsheet_cell("-0.25") == "-0.25" and spreadsheet_cell(-3) == -3
    assert spreadsheet_cell("-5+1") == "'-5+1" and spreadsheet_cell(" =1") == "' =1"


def test_libreoffice_does_not_evaluate_the_csv(hostile_renderer, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        from conftest import require_tool

        require_tool(None, "LibreOffice (soffice)")
    source = tmp_path / "progress.csv"
    source.write_bytes(downloads.progress_csv(hostile_renderer, hostile_renderer.langs["en"]))
    profile = tmp_path / "lo-profile"
    proc = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                           "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false",
                           "--infilter=CSV:44,34,76,1,,0,false,true,false,false,false,true", "--outdir", str(tmp_path / "lo"),
                           str(source)], capture_output=True, text=True, timeout=180)
    converted = tmp_path / "lo" / "progress.csv"
    assert converted.exists(), proc.stdout + proc.stderr
    cells = [cell for row in csv_cells(converted.read_bytes()) for cell in row]
    assert "42" not in cells, "LibreOffice evaluated =1+41"
    assert any("=1+41" in c for c in cells), "the text itself must survive, shown as text"
    assert any("cmd|" in c for c in cells)


def test_feeds_and_sitemap_are_well_formed_for_hostile_text(hostile_renderer):
    files = hostile_renderer.extras(hostile_renderer.site.pages())
    for name in ("sitemap.xml", "en/feed.xml", "zh/feed.xml"):
        ET.fromstring(files[name])  # raises on anything not well-formed


def test_xml_guard_replaces_characters_xml_cannot_hold():
    from bulletin.downloads import xml_text

    ET.fromstring(xml_text("<a>\x00\x1b\ufffe x</a>").encode("utf-8"))


def test_json_download_is_standard_json(hostile_renderer):
    data = downloads.bulletin_json(hostile_renderer, hostile_renderer.langs["en"])
    json.loads(data, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


# --------------------------------------------------------------------------- charts

_PANIC = """
import sys
sys.path.insert(0, {root!r})
from bulletin.charts import ChartRenderer
from bulletin.l10n import languages_for
lang = languages_for(["en"])["en"]
label = "a\\x00b\\ufffec\\x1bd\\u2028e\\ud800"
spec = {{"data": {{"values": [{{"a": label, "b": 1}}]}}, "mark": "bar", "title": label,
        "encoding": {{"x": {{"field": "a", "type": "nominal"}}, "y": {{"field": "b", "type": "quantitative"}}}}}}
svg = ChartRenderer(None).svg(spec, lang, title="t", description="d")
assert svg.startswith("<svg")
print("ok")
"""


def test_chart_text_that_would_abort_vl_convert_is_drawn(tmp_path):
    """A NUL or U+FFFE in a chart label makes vl-convert abort the whole process; the guard removes them.
    (Run in a subprocess: if the guard failed, the abort would take pytest down with it.)"""
    proc = subprocess.run([sys.executable, "-c", _PANIC.format(root=str(ROOT))], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr[-2000:]


def test_a_chart_that_fails_names_its_page_and_content_file(project, capsys, monkeypatch):
    import vl_convert

    def fail(spec, **kwargs):
        raise ValueError("simulated renderer error")

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", fail)  # the project's own .cache/ is empty: every chart is drawn
    monkeypatch.setenv("BULLETIN_JOBS", "1")  # drawn in this process, where the renderer is replaced
    before = snapshot(project / "output")
    code, out = run(capsys, "build")
    assert code == 1, out
    assert "Traceback" not in out and "could not be drawn" in out and "simulated renderer error" in out
    assert "index.html" in out and "bulletin.yaml" in out
    assert snapshot(project / "output") == before


def test_a_failing_target_chart_names_the_measure_file_and_line(project, monkeypatch):
    from bulletin.builder import chart_problem
    from bulletin.site import Site
    from bulletin.validate import check

    content = check(project / "content").content
    spec = next(s for s in Site(content).pages() if s.path == "measures/huitian-3/index.html")
    problem = chart_problem(content, project / "content", spec, "boom")
    text = (project / "content" / MEASURE).read_text(encoding="utf-8").splitlines()
    assert problem.file == f"content/{MEASURE}"
    assert text[problem.line - 1].lstrip().startswith("- id: stations")
    assert "measures/huitian-3/index.html" in problem.message


def test_a_damaged_chart_cache_entry_is_discarded_and_drawn_again(tmp_path):
    from bulletin.charts import ChartRenderer
    from bulletin.l10n import languages_for

    lang = languages_for(["en"])["en"]
    spec = {"data": {"values": [{"a": "x", "b": 1}]}, "mark": "bar",
            "encoding": {"x": {"field": "a", "type": "nominal"}, "y": {"field": "b", "type": "quantitative"}}}
    first = ChartRenderer(tmp_path / "cache").svg(spec, lang, title="t", description="d")
    [entry] = list((tmp_path / "cache").rglob("*.svg"))
    for damage in (os.urandom(3000), entry.read_bytes()[:200], b"<svg" + os.urandom(500), b""):
        entry.write_bytes(damage)
        renderer = ChartRenderer(tmp_path / "cache")
        assert renderer.svg(spec, lang, title="t", description="d") == first
        assert renderer.cache_hits == 0, "a damaged entry was used"
        assert ChartRenderer(tmp_path / "cache").svg(spec, lang, title="t", description="d") == first
    assert not list((tmp_path / "cache").rglob("*.tmp"))



def test_a_chart_cache_entry_that_is_not_a_chart_is_never_inlined(tmp_path):
    """Hostile-input audit: an entry with a correct hash header but a script in the SVG went
    into the pages (the hash only proves an entry whole; anyone can compute it). A cache can
    be restored from elsewhere (CI), so what is inlined must also be a chart."""
    from bulletin.charts import ChartRenderer
    from bulletin.l10n import languages_for

    lang = languages_for(["en"])["en"]
    spec = {"data": {"values": [{"a": "x", "b": 1}]}, "mark": "bar",
            "encoding": {"x": {"field": "a", "type": "nominal"}, "y": {"field": "b", "type": "quantitative"}}}
    first = ChartRenderer(tmp_path / "cache").svg(spec, lang, title="t", description="d")
    [entry] = list((tmp_path / "cache").rglob("*.svg"))
    body = entry.read_bytes().partition(b"\n")[2]
    for evil in (b"<script>alert(1)</script>", b'<g onload="alert(1)"></g>', b'<image href="https://evil.example/x.png"/>',
                 b'<rect fill="&#117;rl(https://evil.example/)"/>', b"<!-- x --><style>@import url(//evil.example)</style>"):
        forged = body.replace(b"</svg>", evil + b"</svg>", 1)
        entry.write_bytes(b"<!-- bulletin chart cache sha256=" + hashlib.sha256(forged).hexdigest().encode() + b" -->\n" + forged)
        renderer = ChartRenderer(tmp_path / "cache")
        assert renderer.svg(spec, lang, title="t", description="d") == first, evil
        assert renderer.cache_hits == 0


def test_a_damaged_chart_spec_cache_is_composed_again_not_blamed_on_the_content(project, capsys, chart_cache):
    """Hostile-input audit: spec cache entries that are valid JSON of the wrong shape failed every
    build, with an English message pointing at bulletin.yaml, until the cache was deleted."""
    shutil.copytree(chart_cache, project / "cache")
    assert run(capsys, "build", "--cache", "cache")[0] == 0
    pages = snapshot(project / "output")
    specs = list((project / "cache" / "charts-specs").rglob("*.json"))
    assert specs
    for i, entry in enumerate(specs):
        entry.write_text(["{}", '{"layer": 5, "data": {"values": "x"}}', '{"mark": "image", "encoding": '
                          '{"url": {"value": "https://evil.example/x.png"}}, "data": {"values": [{}]}}'][i % 3])
    from bulletin import charts
    charts._SPECS.clear()  # as a new build process would: the specs come from the cache
    code, out = run(capsys, "build", "--cache", "cache")  # each damaged spec composed again, its drawing from the cache
    assert code == 0, out
    assert snapshot(project / "output") == pages
    assert "evil.example" not in "".join(p.read_text(encoding="utf-8") for p in (project / "output").rglob("*.html"))


def test_a_search_cache_entry_cannot_publish_other_files_nor_bring_its_own_code(project, capsys, chart_cache):
    """Hostile-input audit: the search cache's listing was read name by name, following links:
    a link to /proc/self/environ or a secret file beside the project was published under
    pagefind/, and a name with `..` gave a traceback. Only Pagefind's data files are read from
    the cache now, and its scripts come from the installed Pagefind."""
    pytest.importorskip("pagefind")
    shutil.copytree(chart_cache, project / "cache")
    shutil.rmtree(project / "cache" / "search", ignore_errors=True)
    assert run(capsys, "build", "--cache", "cache")[0] == 0
    pages = snapshot(project / "output")
    [entry] = [p for p in (project / "cache" / "search").iterdir() if not p.name.startswith(".")]
    secret = outside_file(project)
    listing = (entry / "files.txt").read_text(encoding="utf-8")
    (entry / "pagefind" / "leak.pf_meta").symlink_to(secret)
    (entry / "pagefind" / "env.txt").symlink_to("/proc/self/environ")
    script = next(n for n in listing.split() if n.endswith("pagefind.js"))
    (entry / script).write_text("alert(document.domain)", encoding="utf-8")
    for extra in ("pagefind/leak.pf_meta", "pagefind/env.txt", "../../../../etc/hostname", "zh/evil.html"):
        (entry / "files.txt").write_text(listing + extra + "\n", encoding="utf-8")
        code, out = run(capsys, "build", "--cache", "cache")
        assert code == 0 and "Traceback" not in out, out
        assert snapshot(project / "output") == pages, extra
    published = b"".join(p.read_bytes() for p in (project / "output").rglob("*") if p.is_file())
    assert b"PRIVATE KEY" not in published and b"alert(document.domain)" not in published

# --------------------------------------------------------------------------- one real process

def test_real_command_prints_no_traceback_for_a_symlink_loop(project):
    symlink_loop(project)
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "build"], cwd=project, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "98-a.yaml" in proc.stdout + proc.stderr


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "\x01javascript:alert(1)", "java\tscript:x",
                                 "java\nscript:x", "j\ra\rvascript:x", "javascript\x00:x", "\x1f\x20javascript:x\x00",
                                 "JAVASCRIPT:x"])
def test_every_spelling_of_a_script_link_is_named_as_such(url):
    """Browsers drop leading controls and spaces and tabs/line breaks inside: the message says what the link really is."""
    from bulletin.safety import link_problem

    message = link_problem(url)
    assert message is not None
    assert "javascript:" in message or "control character" in message or "NULL" in message


@pytest.mark.parametrize("url", ["https://example.org/a?b=1#c", "http://example.org", "mailto:office@example.gov.cn",
                                 "https://例子.中国/报告"])
def test_ordinary_links_pass(url):
    from bulletin.safety import link_problem

    assert link_problem(url) is None


def test_json_stays_standard_when_extreme_figures_overflow_a_ratio(tmp_path, monkeypatch):
    """Each figure is bounded, but a tiny target and a huge report still make progress infinite."""
    from bulletin.render import Renderer
    from bulletin.site import Site
    from bulletin.validate import check

    content = tmp_path / "content"
    shutil.copytree(MINIMAL, content)
    path = content / MEASURE
    path.write_text(path.read_text(encoding="utf-8").replace("  target: 6\n", "  target: 1.0e-300\n")
                    .replace("    value: 4\n", "    value: 1.0e+15\n"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = check(content)
    assert not result.errors, result.errors
    renderer = Renderer(Site(result.content), ROOT / "templates", None)
    data = json.loads(downloads.bulletin_json(renderer, renderer.langs["en"]),
                      parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    [measure] = [m for m in data["measures"] if m["id"] == "huitian-3"]
    assert measure["targets"][0]["reached"] is None


# --- bulletin.yaml is read for the messages' language before any check ------------------

def _deep(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "x: " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _zero(path: Path) -> None:
    path.unlink()
    path.symlink_to("/dev/zero")


def _broken(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "title: [\n", encoding="utf-8")


@pytest.mark.parametrize("spoil", [_deep, _fifo, _zero, _broken], ids=["deep nesting", "a pipe", "a link to /dev/zero", "broken YAML"])
def test_a_bulletin_yaml_that_cannot_be_read_is_reported_in_chinese_never_hangs_or_crashes(content_dir: Path, spoil):
    """The messages' language is looked up in bulletin.yaml before `check` reads it: that lookup
    hung on a pipe, read /dev/zero without end and gave a RecursionError traceback. Now `check`
    itself reports the file, in Chinese, the editors' language when the bulletin cannot say."""
    spoil(content_dir / "bulletin.yaml")
    env = {k: v for k, v in os.environ.items() if k != "BULLETIN_LANG"}
    run = subprocess.run([sys.executable, "-m", "bulletin", "check"], cwd=content_dir.parent, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert "content/bulletin.yaml:" in run.stdout and "检查：无法读取内容" in run.stdout, run.stdout


def test_a_link_with_a_name_before_an_at_sign_is_refused():
    """https://example.gov.cn@evil.example/ reads as the office's address and goes to evil.example."""
    from bulletin.safety import link_problem

    assert "evil.example" in link_problem("https://example.gov.cn@evil.example/")
    assert link_problem("https://example.gov.cn/a@b") is None  # an @ in the path is only a character


@pytest.mark.parametrize("char", ["\u00ad", "\u3164", "\u115f", "\u034f"])
def test_blank_characters_that_make_texts_look_alike_are_refused(char):
    from bulletin.safety import first_refused

    assert first_refused(f"养老{char}驿站") == 2
    assert first_refused("✔\ufe0f 完成") is None  # an emoji's variation selector is part of the emoji


def test_a_cache_that_is_a_file_is_refused(project, capsys):
    """`--cache afile` quietly turned the cache off: every chart drawn again on every build."""
    (project / "afile").write_text("mine")
    code, out = run(capsys, "build", "--cache", "afile")
    assert code == 1 and "afile" in out and "not a folder" in out
    assert (project / "afile").read_text() == "mine"


def test_ctrl_c_during_a_build_says_so_and_leaves_the_output(project, capsys, monkeypatch):
    """Hostile-input audit: Ctrl+C during `build` printed a KeyboardInterrupt traceback."""
    from bulletin import builder

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(builder.Builder, "render", interrupted)
    before = snapshot(project / "output")
    code, out = run(capsys, "build")
    assert code == 130 and "Traceback" not in out
    assert "已中断" in out and "interrupted" in out and "output/" in out
    assert snapshot(project / "output") == before


def test_patterns_that_read_content_or_a_cache_take_a_time_linear_in_what_they_read():
    """Hostile-input review: a chart cache entry with a comment after its drawing took two minutes
    to refuse, and long content strings took a time quadratic in their length (a figure written
    `1` + spaces + a word, a feedback address, a link). Each is refused here at 100,000 characters;
    the alarm only turns a hang (hours with the old patterns) into a failure."""
    import signal

    from bulletin import charts, validate
    from bulletin.safety import svg_problem

    def hang(*_):
        raise TimeoutError("a pattern took more than 30 s: it backtracks")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(30)
    try:
        n = 100_000
        assert svg_problem("<svg>" + "chart text " * (n // 10) + "<!-- x --><style>@import url(//evil.example)</style></svg>")
        assert svg_problem("<svg>" + '<g x="1"  y="2">t</g>' * (n // 20) + "<!--x--></svg>")
        assert validate._number_in_words("1" + " " * n + "x y") is None
        assert validate._number_in_words("1_" * (n // 2) + "x") is None
        assert validate._NOT_DECIMAL.fullmatch("1_000") and validate._NOT_DECIMAL.fullmatch("1_0:30")  # still YAML 1.1's
        assert not validate._email_address("a@" + "." * n + "@") and not validate._email_address("a@" + "a." * (n // 2) + " ")
        assert validate._email_address("zhengwu@example.gov.cn") and not validate._email_address("zhengwu@cn.")
        assert not validate._web_address("https://" + "a" * n + " ") and validate._web_address("https://example.gov.cn/a b"[:-2])
        assert charts._NOISE.sub("", " " * n + "!") == " " * n + "!"
        assert charts._NOISE.sub("", '<g role="graphics-object" aria-roledescription="x" x="1">') == '<g x="1">'
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
