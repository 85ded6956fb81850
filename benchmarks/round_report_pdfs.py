#!/usr/bin/env python3
"""What printing a PDF for every reporting round's report costs, against the current round only.

    python benchmarks/round_report_pdfs.py [--runs 1]

Builds the demo from a copy of content/, templates/ and theme/ with a cold PDF cache (charts
seeded from .cache/charts when present, so chart drawing is not what is measured), once with
PDFs for every round's reports and once for the current round's only, and prints the build
times and how many PDFs each printed. Then a second build with the PDF cache warm.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bulletin.builder import Builder  # noqa: E402


def build(root: Path, archived: bool) -> tuple[float, int]:
    builder = Builder(root / "content", root / "templates", root / "theme", root / "output", cache=root / ".cache",
                      report_pdfs=True)
    builder.archived_report_pdfs = archived
    started = time.perf_counter()
    builder.build()
    seconds = time.perf_counter() - started
    return seconds, builder._pdf_renderer.renders  # PDFs printed (not taken from the cache)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    runs = parser.parse_args().runs
    for archived in (True, False):
        cold, warm, printed = [], [], 0
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp)
                for name in ("content", "templates", "theme"):
                    shutil.copytree(ROOT / name, root / name)
                if (ROOT / ".cache" / "charts").is_dir():
                    shutil.copytree(ROOT / ".cache" / "charts", root / ".cache" / "charts")
                seconds, printed = build(root, archived)
                cold.append(seconds)
                shutil.rmtree(root / "output")
                warm.append(build(root, archived)[0])
        label = "every round" if archived else "current round only"
        print(f"PDFs for {label}: {printed} printed; cold PDF cache {statistics.median(cold):.1f} s, "
              f"warm {statistics.median(warm):.1f} s (median of {runs})")


if __name__ == "__main__":
    main()
