"""The editor loop: `bulletin serve` driven as a subprocess over real HTTP on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "tests" / "fixtures" / "minimal"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def _wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met within %.0f s" % timeout)


@pytest.fixture
def server(project_copy: Path):
    tmp_path = project_copy
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "bulletin", "serve", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/"

    def up():
        try:
            return _get(base + "en/index.html")[0] == 200
        except OSError:
            return False
    try:
        _wait_for(up, timeout=90)
        yield tmp_path, base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _measure_file(root: Path) -> Path:
    return sorted((root / "content" / "measures").rglob("*.yaml"))[0]


def test_serve_binds_loopback_by_default():
    from bulletin.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)


def test_edit_rebuilds_only_dependent_pages_and_errors_are_served(server):
    root, base = server
    source = _measure_file(root)
    text = source.read_text(encoding="utf-8")
    import yaml

    data = yaml.safe_load(text)
    measure_id = f"{data['programme']}-{data['number']}"
    page = f"en/measures/{measure_id}/index.html"
    output = root / "output"
    others = [p for p in (output / "en" / "measures").glob("*/index.html") if p.parent.name != measure_id]
    assert others, "the fixture needs at least two measures"
    unrelated = others[0]
    before = {p: p.stat().st_mtime_ns for p in (output / page, unrelated, output / "en" / "methodology" / "index.html")}

    # 1. An edit shows up in the served page.
    old_title = data["title"]["en"]
    source.write_text(text.replace(old_title, "Edited while serving"), encoding="utf-8")
    _wait_for(lambda: "Edited while serving" in _get(base + page)[1])
    assert (output / page).stat().st_mtime_ns != before[output / page]
    # Pages that do not read this measure were not rewritten.
    assert unrelated.stat().st_mtime_ns == before[unrelated]
    methodology = output / "en" / "methodology" / "index.html"
    assert methodology.stat().st_mtime_ns == before[methodology]

    # 2. Broken YAML: the last good page is still served, with the problem laid over it.
    source.write_text("number: [oops\n" + text, encoding="utf-8")
    body = _wait_for(lambda: (lambda b: b if "bulletin-errors" in b else None)(_get(base + page)[1]))
    assert f"{source.relative_to(root)}:" in body, "the overlay names the file and line like `check`"
    assert "YAML syntax error" in body
    assert "Edited while serving" in body, "the previous good page remains"

    # 3. Fixing the file brings the site back, without a restart.
    source.write_text(text.replace(old_title, "Fixed again"), encoding="utf-8")
    body = _wait_for(lambda: (lambda b: b if "Fixed again" in b else None)(_get(base + page)[1]))
    assert "bulletin-errors" not in body


def test_missing_page_gets_404_page(server):
    _, base = server
    status, body = _get(base + "en/no-such-page/")
    assert status == 404
    assert "<html" in body


def test_a_burst_of_saves_gives_one_rebuild(project_copy: Path):
    """Several saves in quick succession, seen by several watchers, trigger a single rebuild."""
    import threading

    from bulletin.builder import Builder
    from bulletin.serve import DevState

    tmp_path = project_copy
    builder = Builder(tmp_path / "content", tmp_path / "templates", tmp_path / "theme", tmp_path / "output",
                      cache=tmp_path / ".cache")
    state = DevState(builder, [tmp_path / "content", tmp_path / "templates"])
    assert state.on_change() and state.attempts == 1

    files = sorted((tmp_path / "content" / "measures").rglob("*.yaml"))[:3]

    def saves():
        for f in files:  # "save all" in an editor: three files, 50 ms apart
            f.write_text(f.read_text(encoding="utf-8") + "\n# saved\n", encoding="utf-8")
            time.sleep(0.05)

    writer = threading.Thread(target=saves)
    writer.start()
    time.sleep(0.01)
    state.on_change()  # the watcher noticed the first save mid-burst
    writer.join()
    state.on_change()  # the content watcher and the template watcher in the same poll
    state.on_change()
    assert state.attempts == 2, "one rebuild for the whole burst"
    assert not state.failing
