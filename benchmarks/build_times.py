#!/usr/bin/env python3
"""Build-speed figures for the demo bulletin, as medians of several runs.

    python benchmarks/build_times.py [--runs 5]

Prints: full build (cold chart cache and warm), rebuild with nothing changed, and the
time from saving a measure file to the rebuilt page being served by `bulletin serve`.
Runs on a copy of content/, templates/ and theme/ in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bulletin.builder import Builder  # noqa: E402


def copy_project(into: Path) -> Path:
    for name in ("content", "templates", "theme"):
        shutil.copytree(ROOT / name, into / name)
    return into


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def full_builds(runs: int) -> tuple[list[float], list[float], list[float]]:
    cold, warm, noop = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            root = copy_project(Path(tmp))
            make = lambda: Builder(root / "content", root / "templates", root / "theme", root / "output", cache=root / ".cache")
            cold.append(timed(make().build))  # empty chart cache: every chart rendered
            shutil.rmtree(root / "output")
            builder = make()
            warm.append(timed(builder.build))  # a fresh process's build with charts cached on disk
            noop.append(timed(builder.build))  # the same builder again, nothing changed
    return cold, warm, noop


def save_to_served(runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_project(Path(tmp))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "bulletin", "serve", "--port", str(port)], cwd=root,
                                env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            measure = sorted((root / "content" / "measures").rglob("*.yaml"))[0]
            import yaml

            data = yaml.safe_load(measure.read_text(encoding="utf-8"))
            url = f"http://127.0.0.1:{port}/en/measures/{data['programme']}-{data['number']}/index.html"
            fetch = lambda: urllib.request.urlopen(url, timeout=5).read().decode("utf-8")
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    fetch()
                    break
                except OSError:
                    time.sleep(0.2)
            original = measure.read_text(encoding="utf-8")
            times = []
            for i in range(runs):
                marker = f"Benchmark edit {i}"
                time.sleep(1.0)  # let the watcher settle so each save is seen on its own
                started = time.perf_counter()
                measure.write_text(original.replace(data["title"]["en"], marker), encoding="utf-8")
                while marker not in fetch():
                    time.sleep(0.02)
                times.append(time.perf_counter() - started)
            return times
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cold, warm, noop = full_builds(args.runs)
    served = save_to_served(args.runs)
    fmt = lambda xs: f"median {statistics.median(xs):.3f} s (min {min(xs):.3f}, max {max(xs):.3f}, n={len(xs)})"
    print(f"full build, cold chart cache : {fmt(cold)}")
    print(f"full build, warm chart cache : {fmt(warm)}")
    print(f"rebuild, nothing changed     : {fmt(noop)}")
    print(f"save measure → page served   : {fmt(served)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
