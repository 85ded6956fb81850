"""Shared fixtures: the minimal valid content tree, a writable copy of it, and the `check` CLI."""

from __future__ import annotations

import fcntl
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Printing report PDFs takes seconds per build and would be most of the suite's time; builds
# in the tests leave them out unless a test asks for them (tests/test_reports.py, the browser
# suite's site). Set before any Builder is made; a subprocess inherits it.
os.environ.setdefault("BULLETIN_REPORT_PDFS", "0")
MINIMAL = ROOT / "tests" / "fixtures" / "minimal"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`--dist loadgroup`), the browser tests run in one worker: they share
    one built site and one Chromium, which a second worker would build and start again."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(autouse=True)
def english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests read the English messages unless they ask for another language (`--lang`, or delenv)."""
    monkeypatch.setenv("BULLETIN_LANG", "en")


@pytest.fixture(scope="session")
def minimal_dir() -> Path:
    """tests/fixtures/minimal: a small valid content tree (read-only; copy it before changing it)."""
    return MINIMAL


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A writable copy of the minimal fixture at tmp_path/content."""
    target = tmp_path / "content"
    shutil.copytree(MINIMAL, target)
    return target


@dataclass
class CliRun:
    code: int
    out: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()

    @property
    def summary(self) -> str:
        return self.lines[-1] if self.lines else ""


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    """Run `bulletin <args>` in-process from `cwd` (so file names print as the editor types them)."""
    from bulletin.cli import main

    def run(*args: str, cwd: Path) -> CliRun:
        monkeypatch.chdir(cwd)
        monkeypatch.delenv("GITHUB_ACTIONS", raising=False)  # plain `file:line:col:` output, as on an editor's machine
        capsys.readouterr()
        code = main(list(args))
        return CliRun(code, capsys.readouterr().out)

    return run


def shared_chart_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One chart cache for the whole run, seeded from the repository's .cache/charts when present.

    Rendering every chart from cold takes seconds; the tests that build share this cache.
    Under pytest-xdist the workers share it too (`built_once`): the cache writes each entry
    atomically, so two builds may fill it at once.
    """
    def fill(cache: Path) -> None:
        seed = ROOT / ".cache" / "charts"
        if seed.is_dir():
            shutil.copytree(seed, cache / "charts")
        cache.mkdir(exist_ok=True)
        # Most tests build the minimal fixture: its charts are drawn here once, while the
        # other workers wait, instead of by two tests at the same time on a cold cache.
        from bulletin.builder import Builder

        Builder(MINIMAL, ROOT / "templates", ROOT / "theme", cache.parent / "bulletin-chart-cache-warm" / "output",
                cache=cache).render()
    return built_once(tmp_path_factory, "bulletin-chart-cache", fill)


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A folder `build(folder)` fills once per test run, shared by the pytest-xdist workers
    (the others wait for it): for read-only builds several test files look at."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    folder, done = base / name, base / f"{name}.done"
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a half-built one from a worker that failed
            build(folder)
            done.touch()
    return folder


def require_tool(found, what: str):
    """`found` if truthy; otherwise skip the test locally, and fail it in CI where every tool must be present."""
    if found:
        return found
    message = f"{what} not found: run `bash .ci/run` once to install the test tools"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A writable project: copies of templates/, theme/ and the minimal content, at tmp_path."""
    for name in ("templates", "theme"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(MINIMAL, tmp_path / "content")
    return tmp_path


@pytest.fixture(scope="session")
def chart_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's shared chart cache directory, to pass as `Builder(cache=…)`."""
    return shared_chart_cache(tmp_path_factory)


# --- no test writes into the checkout -------------------------------------------------

def _checkout_state() -> tuple:
    """What a test writing into the checkout would change: top-level entries, .cache/ and its charts."""
    cache = ROOT / ".cache"
    ignored = {".pytest_cache", "__pycache__"}
    return ({p.name for p in ROOT.iterdir()} - ignored,
            {p.name for p in cache.iterdir()} if cache.is_dir() else set(),
            sum(1 for _ in (cache / "charts").rglob("*")) if (cache / "charts").is_dir() else 0)


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config._bulletin_checkout = _checkout_state()  # type: ignore[attr-defined]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    before, after = session.config._bulletin_checkout, _checkout_state()  # type: ignore[attr-defined]
    if before != after:
        session.config.get_terminal_writer().line(
            f"tests wrote into the checkout {ROOT}: top level {sorted(after[0] - before[0])}, "
            f".cache/ {sorted(after[1] - before[1])}, .cache/charts {before[2]} → {after[2]} files; "
            "write into tmp_path (or the shared chart cache) instead", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
