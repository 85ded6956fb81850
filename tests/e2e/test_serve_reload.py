"""The preview in a real browser: every build reloads the open page, and the error panel comes and goes.

The dev server runs in-process (its watcher, build thread and HTTP server on threads) on a
copy of the minimal project; Chromium keeps one page open while files are saved.
"""

from __future__ import annotations

import shutil
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import shared_chart_cache  # noqa: E402
from test_serve import MEASURE, MINIMAL, ROOT, Live  # noqa: E402

from bulletin.serve import bind, make_app  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture
def preview(tmp_path, tmp_path_factory):
    for name in ("templates", "theme"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(MINIMAL, tmp_path / "content")
    live = Live(tmp_path, shared_chart_cache(tmp_path_factory)).start()
    server = bind("127.0.0.1", 0)
    port = server.server_address[1]
    server.set_app(make_app(live.state, "127.0.0.1", port))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield live, f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()
    live.close()


def test_every_save_reloads_the_open_page(preview, browser):
    live, base = preview
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/en/measures/huitian-1/")
    measure = live.root / MEASURE
    original = measure.read_text(encoding="utf-8")
    try:
        for n in range(3):  # saves in quick succession, each right after the last reload
            measure.write_text(original.replace("Adjust the size of communities", f"Save {n}"), encoding="utf-8")
            page.wait_for_function(f"document.body.innerText.includes('Save {n}')", timeout=30_000)

        measure.write_text("number: [oops\n" + original, encoding="utf-8")
        panel = page.wait_for_selector("#bulletin-errors", timeout=30_000)
        assert "The content has errors" in panel.inner_text()
        assert "Save 2" in page.inner_text("main"), "the last good page stays under the panel"
        page.goto(base + "/zh/measures/huitian-1/")
        assert "内容有错误" in page.inner_text("#bulletin-errors")

        measure.write_text(original, encoding="utf-8")
        page.wait_for_function("!document.getElementById('bulletin-errors')", timeout=30_000)  # reloaded, fixed
    finally:
        measure.write_text(original, encoding="utf-8")
        context.close()
