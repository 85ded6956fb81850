"""The editor loop: `bulletin serve` tested in-process through its WSGI app, its watcher and its build thread.

One module-wide live preview (watcher and build thread running on a copy of the minimal
project) serves most tests: each edit is undone before the test ends. One subprocess
test drives the real command over HTTP. Nothing sleeps for a fixed time: every wait is
for an event (a build attempt, a watcher batch), with a timeout.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from bulletin.builder import Builder
from bulletin.serve import GENERATION_PATH, DevState, SourceWatcher, make_app, preview_builder

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import shared_chart_cache  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
PORT = 8000
HOST = f"127.0.0.1:{PORT}"
WAIT = 60.0  # generous: the machine is shared; a wait ends as soon as its event happens
MEASURE = "content/measures/huitian/01-adjust-community-size.yaml"
PAGE = "/en/measures/huitian-1/"


def request(app, target: str, host: str | None = HOST, method: str = "GET", **headers: str) -> tuple[int, dict, bytes]:
    """One request through the WSGI app, with the environ wsgiref's server would build for it."""
    path, _, query = target.partition("?")
    environ = {"REQUEST_METHOD": method, "PATH_INFO": unquote(path, "iso-8859-1"), "QUERY_STRING": query,
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": str(PORT), "SERVER_PROTOCOL": "HTTP/1.1",
               "wsgi.url_scheme": "http", **{f"HTTP_{k.upper()}": v for k, v in headers.items()}}
    if host is not None:
        environ["HTTP_HOST"] = host
    seen: dict = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


class Live:
    """A running preview: watcher and build thread on a project copy, and the app that serves it."""

    def __init__(self, root: Path, cache: Path):
        self.root = root
        self.builder = preview_builder(root / "content", root / "templates", root / "theme", root / "output", cache=cache)
        self.state = DevState(self.builder, log=lambda line: None)
        self.app = make_app(self.state, "127.0.0.1", PORT)
        self.watcher = SourceWatcher([root / "content", root / "templates", root / "theme"], ignore=[root / "output"])
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.watcher.run, args=(self.stop, self.state.changed), daemon=True),
                        threading.Thread(target=self.state.run, args=(self.stop,), daemon=True)]

    def start(self) -> "Live":
        self.threads[0].start()
        assert self.watcher.ready.wait(WAIT)
        assert self.state.rebuild(), self.state.problems or self.state.error
        self.threads[1].start()
        return self

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(WAIT)
        self.builder.close()

    def get(self, target: str, **kw) -> tuple[int, dict, bytes]:
        return request(self.app, target, **kw)

    def text(self, target: str) -> str:
        return self.get(target)[2].decode("utf-8")

    def edit(self, rel: str, old: str, new: str) -> None:
        """Save a file with one change, and wait for the build that follows."""
        path = self.root / rel
        before = self.state.attempts
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        self.wait_past(before)

    def wait_past(self, attempts: int) -> None:
        assert self.state.wait_for_attempts(attempts + 1, WAIT), "no build followed the save"

    def until(self, predicate) -> None:
        """Wait, build after build, until `predicate()` holds."""
        deadline = time.monotonic() + WAIT
        while not predicate():
            assert time.monotonic() < deadline, "not served in time"
            self.state.wait_for_attempts(self.state.attempts + 1, 1.0)


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Live:
    root = tmp_path_factory.mktemp("serve")
    for name in ("templates", "theme"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copytree(MINIMAL, root / "content")
    (root / "content" / "sources" / "说明.txt").write_text("中文文件名的资料\n", encoding="utf-8")
    preview = Live(root, shared_chart_cache(tmp_path_factory)).start()
    yield preview
    preview.close()


@pytest.fixture
def measure(live: Live):
    """The measure file, put back as it was (and rebuilt) after the test."""
    path = live.root / MEASURE
    original = path.read_text(encoding="utf-8")
    yield path
    if path.read_text(encoding="utf-8") != original or live.state.failing:
        before = live.state.attempts
        path.write_text(original, encoding="utf-8")
        live.wait_past(before)
    assert not live.state.failing


# --- what a browser gets ------------------------------------------------------------

def test_pages_are_served_with_the_reload_script_before_the_end_of_body(live):
    status, headers, body = live.get(PAGE)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    html = body.decode("utf-8")
    script = html.index("<script>")
    assert script < html.rindex("</body>") and "</body>" not in html[:script], "injected just before </body>"
    assert GENERATION_PATH in html[script:]
    assert f'"{live.state.generation}"' in html[script:], "the page knows the build it was served from"
    assert html.endswith("</html>\n"), "the page still ends as written"
    assert live.get(GENERATION_PATH)[2].decode() == live.state.generation
    # What is served is what the build wrote, apart from the injected script.
    written = (live.root / "output" / "en" / "measures" / "huitian-1" / "index.html").read_bytes()
    assert body.replace(body[body.index(b"<script>"):body.rindex(b"</body>")], b"") == written


def test_folders_redirect_relatively_and_files_keep_their_types(live):
    status, headers, _ = live.get("/en/measures/huitian-1")
    assert status == 301 and headers["Location"] == "./huitian-1/"
    assert urljoin(f"http://{HOST}/en/measures/huitian-1", headers["Location"]) == f"http://{HOST}/en/measures/huitian-1/"
    assert live.get("/")[0] == 200 and live.get("/zh/")[0] == 200
    assert live.get("/en/feed.xml")[1]["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert live.get("/en/data/measures.csv")[1]["Content-Type"] == "text/csv; charset=utf-8"
    assert live.get("/assets/status.css")[1]["Content-Type"] == "text/css; charset=utf-8"
    status, headers, body = live.get("/en/index.html", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
    assert live.get("/en/", method="POST")[0] == 405


def test_request_paths_are_decoded_as_utf8(live):
    status, headers, body = live.get("/sources/%E8%AF%B4%E6%98%8E.txt")
    assert status == 200 and body.decode("utf-8") == "中文文件名的资料\n"
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert live.get("/zh/%E6%B5%8B%E8%AF%95/")[0] == 404


def test_missing_page_gets_the_404_page_with_status_404(live):
    status, headers, body = live.get("/en/no-such-page/")
    assert status == 404 and headers["Content-Type"].startswith("text/html")
    assert body.startswith(b"<!doctype html>") and b"<script>" in body


def test_when_no_build_has_succeeded_the_problems_have_a_page_of_their_own(project_copy):
    (project_copy / MEASURE).write_text("number: [oops\n", encoding="utf-8")
    builder = Builder(project_copy / "content", project_copy / "templates", project_copy / "theme",
                      project_copy / "output", cache=None)
    state = DevState(builder, log=lambda line: None)
    assert not state.rebuild()
    app = make_app(state, "127.0.0.1", PORT)
    status, headers, body = request(app, "/zh/", accept_language="zh-CN,zh;q=0.9")
    html = body.decode("utf-8")
    assert status == 503 and headers["Content-Type"].startswith("text/html")
    assert "网站尚未成功生成过任何版本" in html and re.search(r"01-adjust-community-size\.yaml:\d+:\d+: ", html)
    assert html.index("<script>") < html.rindex("</body>"), "the page reloads once the content is fixed"
    assert "has been built yet" in request(app, "/", accept_language="en-GB")[2].decode("utf-8")
    assert not (project_copy / "output").exists()


def test_a_failed_rebuild_is_told_in_the_terminal_as_build_tells_it_in_the_editors_language(project_copy):
    from bulletin.builder import failure_lines
    from bulletin.messages import gettext_for
    from bulletin.problems import BuildFailure

    (project_copy / MEASURE).write_text("number: [oops\n", encoding="utf-8")
    builder = Builder(project_copy / "content", project_copy / "templates", project_copy / "theme",
                      project_copy / "output", cache=None)
    zh, lines = gettext_for("zh"), []
    state = DevState(builder, log=lines.append, gettext=zh)
    assert not state.rebuild()
    with pytest.raises(BuildFailure) as failed:  # what `build` would print for the same content
        builder.build()
    assert lines[:-1] == failure_lines(failed.value, zh)
    assert re.search(r"01-adjust-community-size\.yaml:\d+:\d+: ", lines[0]) and "个错误" in lines[-2]
    assert lines[-1] == "预览：仍在提供上一个正确构建的网站"



def test_the_warnings_of_a_rebuild_are_in_the_editors_language(project_copy):
    """Second-bulletin audit: `serve` printed content warnings in English in a Chinese bulletin,
    while `build` printed them in Chinese."""
    from bulletin.messages import gettext_for

    visits = project_copy / "content" / "measures" / "huitian" / "02-household-visits.yaml"
    visits.write_text(visits.read_text(encoding="utf-8").replace("    value: 38\n", "    value: 0.38\n"), encoding="utf-8")
    builder = Builder(project_copy / "content", project_copy / "templates", project_copy / "theme",
                      project_copy / "output", cache=None, report_pdfs=False)
    lines: list[str] = []
    assert DevState(builder, log=lines.append, gettext=gettext_for("zh")).rebuild()
    [warning] = [line for line in lines if "02-household-visits.yaml" in line]
    assert "警告：" in warning and "looks like a fraction" not in warning

# --- hostile requests -------------------------------------------------------------------

@pytest.mark.parametrize("target", ["/%00", "/zh/%00index.html", "/zh/index.html%0d%0aSet-Cookie:%20x=1",
                                    "/%7F", "/%C2%85", "/" + "a" * 5000, "/zh/" + "%E6%B5%8B" * 1000])
def test_control_characters_and_over_long_paths_are_bad_requests(live, target):
    assert live.get(target)[0] == 400


@pytest.mark.parametrize("target", ["/%ff", "/%c3%28", "/zh/%e6%b5", "/%ed%a0%80", "/%c0%af"])
def test_paths_that_are_not_utf8_are_bad_requests(live, target):
    assert live.get(target)[0] == 400


@pytest.mark.parametrize("target", ["/../../../etc/passwd", "/zh/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                                    "/..%2f..%2f..%2fetc%2fpasswd", "/zh/..%5c..%5cetc%5cpasswd", "/./zh/../../",
                                    "/zh/.%2e/.%2e/", "/output/../content/bulletin.yaml", "/../content/bulletin.yaml",
                                    "/%2e%2e/templates/base.html", "/etc/passwd", "/../.."])
def test_traversal_gets_404_status_and_never_a_file_outside_the_site(live, target):
    status, _, body = live.get(target)
    assert status == 404
    assert b"root:" not in body and b"as_of:" not in body and b"{%" not in body


@pytest.mark.parametrize("target", ["//zh", "//evil.example", "//evil.example/", "///evil.example/zh", "/%2F%2Fevil.example",
                                    "/%5Cevil.example", "/%5C%5Cevil.example/zh", "//zh/..", "/zh//en"])
def test_nothing_redirects_off_the_host(live, target):
    status, headers, _ = live.get(target)
    assert status in (200, 301, 400, 404)
    if status == 301:
        landed = urlsplit(urljoin(f"http://{HOST}{target}", headers["Location"]))
        assert landed.netloc == HOST, headers["Location"]
        assert "\\" not in headers["Location"]


def test_double_slash_folder_lands_on_the_folder(live):
    status, headers, _ = live.get("//zh")
    assert status == 301
    again = urlsplit(urljoin(f"http://{HOST}//zh", headers["Location"]))
    assert again.netloc == HOST and live.get(again.path)[0] == 200


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST:8000"])
def test_loopback_host_names_are_served(live, host):
    assert live.get("/en/", host=host)[0] == 200


@pytest.mark.parametrize("host", [None, "", "evil.example:8000", "evil.example", "localhost:8001", "localhost",
                                  "127.0.0.1", "127.0.0.1:8000.evil.example", "localhost:8000@evil.example",
                                  "evil.localhost:8000", "127.0.0.2:8000", "[::2]:8000", "localhost:80000",
                                  "local host:8000", "localhost:8000, evil.example"])
def test_other_host_headers_are_refused(live, host):
    """DNS rebinding: a page on another site whose name now points at 127.0.0.1 must not read the preview."""
    status, _, body = live.get("/en/", host=host)
    assert status in (400, 403)
    assert b"<html" not in body
    assert live.get(GENERATION_PATH, host=host)[0] in (400, 403)


def test_a_server_listening_on_every_address_answers_to_addresses_but_not_to_names(live):
    app = make_app(live.state, "0.0.0.0", PORT)
    assert request(app, "/en/", host="192.168.1.20:8000")[0] == 200
    assert request(app, "/en/", host="localhost:8000")[0] == 200
    assert request(app, "/en/", host="attacker.example:8000")[0] == 403
    named = make_app(live.state, "devbox.lan", PORT)
    assert request(named, "/en/", host="devbox.lan:8000")[0] == 200
    assert request(named, "/en/", host="other.lan:8000")[0] == 403


# --- saves, builds and reloads ---------------------------------------------------------

def test_a_save_is_served_and_every_build_reloads_the_browser(live, measure):
    generations = {live.state.generation}
    for n in range(3):  # saves in quick succession: each one is built and changes the generation
        live.edit(MEASURE, "Adjust the size of communities" if n == 0 else f"Edited {n - 1}", f"Edited {n}")
        assert f"Edited {n}" in live.text(PAGE)
        generation = live.get(GENERATION_PATH)[2].decode()
        assert generation not in generations, "a build the browser is not told about"
        generations.add(generation)
        assert f'"{generation}"' in live.text(PAGE)


def test_errors_are_laid_over_the_last_good_page_in_its_language(live, measure):
    live.edit(MEASURE, "Adjust the size of communities", "Last good title")
    live.edit(MEASURE, "number: 1\n", "number: [oops\n")
    assert live.state.failing
    for lang, heading, problem in (("en", "The content has errors", "YAML syntax error"), ("zh", "内容有错误", "YAML 语法错误")):
        html = live.text(f"/{lang}/measures/huitian-1/")
        panel = html.index('id="bulletin-errors"')
        assert html.rindex("<body>") < panel < html.rindex("</body>"), "the panel is inside the body"
        assert "</body>" not in html[:panel]
        assert f'lang="{lang}"' in html[panel - 40:panel + 80]
        assert heading in html[panel:]
        assert f"{MEASURE}:" in html[panel:], "the panel names the file and line like `check`"
        assert problem in html[panel:], "the problem itself in the page's language"
    assert "Last good title" in live.text(PAGE), "the last good page is still served"
    status, _, body = live.get("/en/data/measures.csv")
    assert status == 200 and b"bulletin-errors" not in body, "only HTML pages carry the panel"
    # Fixing the file brings the site back without a restart.
    live.edit(MEASURE, "number: [oops\n", "number: 1\n")
    assert not live.state.failing and "bulletin-errors" not in live.text(PAGE)


def test_a_save_during_a_build_gets_a_build_of_its_own(live, measure, monkeypatch):
    """The second save lands after the first build has read the content: it must not be lost."""
    building, release = threading.Event(), threading.Event()
    real_build = live.builder.build

    def slow_build():
        result = real_build()
        building.set()
        assert release.wait(WAIT)
        return result

    monkeypatch.setattr(live.builder, "build", slow_build)
    before = live.state.attempts
    text = measure.read_text(encoding="utf-8")
    measure.write_text(text.replace("Adjust the size of communities", "First save"), encoding="utf-8")
    assert building.wait(WAIT), "the first save started no build"
    measure.write_text(text.replace("Adjust the size of communities", "Second save"), encoding="utf-8")
    monkeypatch.setattr(live.builder, "build", real_build)
    release.set()
    assert live.state.wait_for_attempts(before + 2, WAIT), "the save made during the build was lost"
    assert "Second save" in live.text(PAGE)


def test_changes_reported_during_a_build_give_one_more_build_not_one_each(live, monkeypatch):
    building, release = threading.Event(), threading.Event()
    real_build = live.builder.build
    calls = []

    def slow_build():
        calls.append(1)
        if len(calls) == 1:
            building.set()
            assert release.wait(WAIT)
        return real_build()

    monkeypatch.setattr(live.builder, "build", slow_build)
    before = live.state.attempts
    live.state.changed({"a"})
    assert building.wait(WAIT)
    for name in "bcdef":  # five more saves reported while the first build runs
        live.state.changed({name})
    release.set()
    assert live.state.wait_for_attempts(before + 2, WAIT)
    assert not live.state.pending, "nothing is left to build"
    assert len(calls) == 2 and live.state.attempts == before + 2


def test_a_file_moved_in_with_an_old_date_is_noticed(live, measure, tmp_path):
    """Editors restore files from backups and `git checkout` old versions: the date says nothing."""
    replacement = tmp_path / "restored.yaml"
    replacement.write_text(measure.read_text(encoding="utf-8").replace("Adjust the size of communities", "Restored"),
                           encoding="utf-8")
    old = measure.stat().st_mtime - 86400 * 365 * 5
    os.utime(replacement, (old, old))
    before = live.state.attempts
    os.replace(replacement, measure)
    live.wait_past(before)
    assert "Restored" in live.text(PAGE)

    new_source = tmp_path / "notes.txt"
    new_source.write_text("moved in\n", encoding="utf-8")
    os.utime(new_source, (0, 0))
    before = live.state.attempts
    target = live.root / "content" / "sources" / "notes.txt"
    os.replace(new_source, target)
    try:
        live.wait_past(before)
        assert live.get("/sources/notes.txt")[2] == b"moved in\n"
    finally:
        before = live.state.attempts
        target.unlink()
        live.wait_past(before)
    assert live.get("/sources/notes.txt")[0] == 404


def test_a_new_folder_is_watched(live):
    """A folder copied in (say, a new programme's measures) is watched from then on."""
    folder = live.root / "content" / "sources" / "annex"
    folder.mkdir()
    (folder / "first.txt").write_text("one\n", encoding="utf-8")
    try:
        live.until(lambda: live.get("/sources/annex/first.txt")[0] == 200)
        before = live.state.attempts
        (folder / "second.txt").write_text("two\n", encoding="utf-8")
        live.wait_past(before)
        assert live.get("/sources/annex/second.txt")[2] == b"two\n"
    finally:
        shutil.rmtree(folder)
        live.until(lambda: live.get("/sources/annex/first.txt")[0] == 404)


def test_requests_during_the_output_swap_are_answered(live):
    """Between the writer's two renames `output/` does not exist; the preview answers from memory."""
    expected = live.get(PAGE)[2]
    output = live.root / "output"
    aside = live.root / "output-aside"
    os.rename(output, aside)
    try:
        status, _, body = live.get(PAGE)
        assert status == 200 and body == expected
    finally:
        os.rename(aside, output)


# --- the watcher ------------------------------------------------------------------------

def _watch(roots, **kw):
    batches: list[set[str]] = []
    seen = threading.Condition()

    def on_change(paths):
        with seen:
            batches.append(set(paths))
            seen.notify_all()

    watcher = SourceWatcher(roots, step_ms=100, **kw)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop, on_change), daemon=True)
    thread.start()
    assert watcher.ready.wait(WAIT)

    def wait(count: int = 1) -> list[set[str]]:
        with seen:
            assert seen.wait_for(lambda: len(batches) >= count, WAIT), "no change reported"
            return list(batches)

    def close():
        stop.set()
        thread.join(WAIT)
    return watcher, wait, close


def test_watcher_neither_follows_symlink_loops_nor_walks_linked_trees(tmp_path):
    content = tmp_path / "content"
    (content / "measures" / "p").mkdir(parents=True)
    (content / "measures" / "p" / "loop").symlink_to(content, target_is_directory=True)
    (content / "measures" / "up").symlink_to("..", target_is_directory=True)
    huge = tmp_path / "huge"
    for i in range(300):
        (huge / f"d{i}" / "e").mkdir(parents=True)
    (content / "big").symlink_to(huge, target_is_directory=True)
    watcher, wait, close = _watch([content])
    try:
        folders = watcher.folders()
        assert sorted(Path(f).relative_to(content).as_posix() for f in folders) == [".", "measures", "measures/p"]
        saved = content / "measures" / "p" / "01.yaml"
        saved.write_text("x: 1\n", encoding="utf-8")
        assert str(saved) in set().union(*wait())
    finally:
        close()


def test_a_burst_of_saves_is_reported_as_one_change(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    files = [content / f"{i:02}.yaml" for i in range(5)]
    for f in files:
        f.write_text("a: 1\n", encoding="utf-8")
    watcher, wait, close = _watch([content])
    try:
        for f in files:  # "save all" in an editor
            f.write_text("a: 2\n", encoding="utf-8")
        first = wait()[0]
        assert {str(f) for f in files} <= first
    finally:
        close()


def test_watcher_ignores_the_output_and_editor_files(tmp_path):
    project = tmp_path
    (project / "content").mkdir()
    (project / "content" / "output").mkdir()  # an output folder inside a watched one
    watcher, wait, close = _watch([project / "content"], ignore=[project / "content" / "output"])
    try:
        assert str(project / "content" / "output") not in watcher.folders()
        (project / "content" / "output" / "index.html").write_text("x", encoding="utf-8")
        (project / "content" / ".output-new-1234").mkdir()
        (project / "content" / ".output.lock").write_text("1", encoding="utf-8")
        (project / "content" / ".x.yaml.swp").write_text("x", encoding="utf-8")
        (project / "content" / "x.yaml~").write_text("x", encoding="utf-8")
        real = project / "content" / "x.yaml"
        real.write_text("a: 1\n", encoding="utf-8")
        reported = set().union(*wait())
        assert str(real) in reported
        assert not {p for p in reported if "output" in p or p.endswith(("~", ".swp"))}, reported
    finally:
        close()


# --- the command ------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_binds_loopback_by_default():
    from bulletin.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)


def test_a_busy_port_is_reported_before_building(project_copy, monkeypatch, capsys):
    from bulletin.cli import main

    monkeypatch.chdir(project_copy)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["serve", "--port", str(port)])
    out, err = capsys.readouterr()
    assert code == 1
    assert f"port {port} is in use; try --port " in err
    assert f"端口 {port} 已被占用；请试试 --port " in err
    assert "Traceback" not in err and "build:" not in out
    assert not (project_copy / "output").exists(), "nothing was built"
    suggested = int(err.rsplit("--port ", 1)[1].split()[0])
    with socket.socket() as s:
        s.bind(("127.0.0.1", suggested))  # the port suggested is free


def test_an_address_that_cannot_be_listened_on_is_a_message(project_copy, monkeypatch, capsys):
    from bulletin.cli import main

    monkeypatch.chdir(project_copy)
    assert main(["serve", "--host", "192.0.2.1"]) == 1
    err = capsys.readouterr().err
    assert "cannot listen on 192.0.2.1 port 8000" in err and "无法在 192.0.2.1" in err
    assert "Traceback" not in err and not (project_copy / "output").exists()
    with pytest.raises(SystemExit):
        main(["serve", "--port", "70000"])
    assert "not a port number" in capsys.readouterr().err


def test_serve_command_end_to_end(project_copy, tmp_path_factory):
    """The one subprocess test: the real command over real HTTP, an edit, and a clean stop."""
    root = project_copy
    (root / ".cache").symlink_to(shared_chart_cache(tmp_path_factory), target_is_directory=True)
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "bulletin", "serve", "--port", str(port)], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"

    def get(path: str, host: str | None = None) -> tuple[int, str]:
        req = urllib.request.Request(base + path, headers={"Host": host} if host else {})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")

    def until(predicate, what: str):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"serve exited: {proc.stdout.read()}")
            try:
                value = predicate()
            except OSError:
                value = None
            if value:
                return value
            time.sleep(0.1)  # polling an external process; the wait ends as soon as it answers
        raise AssertionError(f"{what} within 90 s")

    try:
        until(lambda: get("/en/")[0] == 200, "the preview answers")
        generation = get(GENERATION_PATH)[1]
        measure = root / MEASURE
        measure.write_text(measure.read_text(encoding="utf-8").replace("Adjust the size of communities", "Edited live"),
                           encoding="utf-8")
        until(lambda: "Edited live" in get(PAGE)[1], "the edit is served")
        assert get(GENERATION_PATH)[1] != generation
        assert get("/en/no-such-page/")[0] == 404
        assert get("/%00")[0] == 400
        assert get("/en/", host=f"evil.example:{port}")[0] == 403
        assert get("/" + "a" * 70000)[0] == 400, "an over-long request line is a bad request too"
    finally:
        proc.terminate()
        try:
            out = proc.communicate(timeout=20)[0]
        except subprocess.TimeoutExpired:
            proc.kill()
            out = proc.communicate()[0]
    assert proc.returncode == 0, out
    assert "Traceback" not in out, out
    # The edit made a second build, which kept the replaced site beside the output: gone on stop.
    assert not [p.name for p in root.iterdir() if p.name.startswith(".output-")], out
