"""Charts rendered by worker processes: the same site, whichever process rendered what."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bulletin import pool
from bulletin.builder import Builder

from conftest import shared_chart_cache  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_output_is_byte_identical_with_one_worker_and_with_two(minimal_dir: Path, tmp_path: Path,
                                                               tmp_path_factory: pytest.TempPathFactory,
                                                               monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(pool, "MIN_CHARTS_FOR_POOL", 1)  # the fixture is small: use the pool anyway
    content = tmp_path / "content"  # two measures keep it quick: a dozen charts
    shutil.copytree(minimal_dir, content)
    for path in sorted((content / "measures").rglob("*.yaml"))[3:]:
        path.unlink()
    for path in sorted((content / "measures").rglob("*.yaml"))[:1]:
        path.unlink()
    # One worker: the build process renders what the session's shared cache lacks itself.
    one = Builder(content, ROOT / "templates", ROOT / "theme", tmp_path / "one",
                  cache=shared_chart_cache(tmp_path_factory), workers=1).build()
    # Two workers and an empty cache: every chart is rendered by two worker processes.
    two = Builder(content, ROOT / "templates", ROOT / "theme", tmp_path / "two", cache=tmp_path / "empty",
                  workers=2).build()
    assert two.chart_renders > 4 and one.charts == two.charts, two.summary()
    a, b = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert a.keys() == b.keys()
    assert [name for name in a if a[name] != b[name]] == []


def test_a_chart_a_worker_cannot_render_is_left_to_the_page(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(pool, "MIN_CHARTS_FOR_POOL", 1)
    good = {"data": {"values": [{"a": 1}]}, "mark": "point", "encoding": {"x": {"field": "a", "type": "quantitative"}}}
    bad = {"mark": {"type": "no-such-mark"}, "data": {"values": []}}
    from bulletin.charts import VL_VERSION

    jobs = [("good", good, VL_VERSION, "en-GB", "en-GB"), ("bad", bad, VL_VERSION, "en-GB", "en-GB")]
    results = pool.render_many(jobs, workers=2)
    assert set(results) == {"good"}
    assert results["good"].lstrip().startswith(("<svg", "<?xml"))
