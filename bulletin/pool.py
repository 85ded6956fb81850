"""Chart rendering on every core: a pool of warm vl-convert processes.

vl-convert renders one chart at a time on one thread (its JavaScript engine), and a cold
build spends most of its CPU there, so the charts a build needs are collected first and
the ones not in the cache are rendered by worker processes, each with its own warm
vl-convert. A worker returns vl-convert's raw SVG for a cache key; everything after that
(cache file, post-processing, ids) happens in the build process, so the output does not
depend on which worker rendered a chart or on how many there were.

Workers are plain `python -m bulletin.pool` processes speaking JSON lines on stdin/stdout,
not multiprocessing: `fork` would copy vl-convert's engine without its threads, and
`spawn` re-runs the caller's main script in every worker. Starting one costs about a
second, so a handful of charts is rendered in the build process instead. A chart a
worker cannot render is left out of the answer; the page that needs it then renders it
itself and reports the error in its own name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from . import measure_fonts

# Below this many uncached charts, starting workers costs more than it saves.
MIN_CHARTS_FOR_POOL = 24
JOBS_ENV = "BULLETIN_JOBS"
FONTS_ENV = "BULLETIN_MEASURE_FONTS"  # tells a worker which cut-down measuring fonts to use

Job = tuple[str, dict, str, str, str]  # cache key, Vega-Lite spec, vl version, format locale, time-format locale


def default_workers() -> int:
    """Processes for chart rendering: BULLETIN_JOBS if set, else the cores this process may use."""
    value = os.environ.get(JOBS_ENV, "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            pass
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


Fonts = tuple[str, dict[str, str]]  # measure_fonts.prepare(): a font directory and {family: alias}


def render_one(job: Job, fonts: Fonts | None = None) -> str:
    """vl-convert's SVG for one job; with `fonts`, text is measured with the cut-down fonts
    (the same widths, so the same SVG, in a fraction of the time)."""
    import vl_convert as vlc

    _, spec, vl_version, fmt, time_fmt = job
    if fonts is None:
        return vlc.vegalite_to_svg(spec, vl_version=vl_version, format_locale=fmt, time_format_locale=time_fmt)
    directory, aliases = fonts
    measure_fonts.register(directory)
    svg = vlc.vegalite_to_svg(measure_fonts.aliased(spec, aliases), vl_version=vl_version, format_locale=fmt,
                              time_format_locale=time_fmt)
    return measure_fonts.unaliased(svg, aliases)


def render_many(jobs: list[Job], workers: int | None = None, font_cache: Path | None = None) -> dict[str, str]:
    """Raw SVG by cache key for the jobs, on up to `workers` processes (charts that fail are left out).

    A large batch is measured with fonts cut down to its characters (`measure_fonts`), kept
    under `font_cache` (a temporary directory when None)."""
    workers = default_workers() if workers is None else max(1, workers)
    workers = min(workers, len(jobs))
    specs = [job[1] for job in jobs]
    # A large batch gets fonts cut to its characters; a small one uses an earlier batch's if they cover it.
    fonts = measure_fonts.prepare(specs, font_cache) if len(jobs) >= measure_fonts.MIN_DRAWINGS else \
        measure_fonts.covering(specs, font_cache)
    if workers <= 1 or len(jobs) < MIN_CHARTS_FOR_POOL:
        results = {}
        for job in jobs:
            try:
                results[job[0]] = render_one(job, fonts)
            except Exception:  # noqa: BLE001 - the page rendering it again reports it
                pass
        return results
    queue = list(reversed(jobs))  # popped from the end: jobs go out in order
    lock = threading.Lock()
    results: dict[str, str] = {}
    threads = [threading.Thread(target=_feed, args=(queue, lock, results, fonts), daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _feed(queue: list[Job], lock: threading.Lock, results: dict[str, str], fonts: Fonts | None = None) -> None:
    """Drive one worker process: one job out, one answer back, until the queue is empty."""
    package_parent = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH")) if p))
    env.pop(FONTS_ENV, None)
    if fonts is not None:
        env[FONTS_ENV] = json.dumps(fonts, ensure_ascii=False)
    proc = subprocess.Popen([sys.executable, "-m", "bulletin.pool"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            env=env, text=True, encoding="utf-8")
    try:
        while True:
            with lock:
                if not queue:
                    break
                job = queue.pop()
            proc.stdin.write(json.dumps(job, ensure_ascii=False, default=str) + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
            if not line:  # the worker died; what it had not done is rendered by the pages
                break
            answer = json.loads(line)
            if "svg" in answer:
                with lock:
                    results[job[0]] = answer["svg"]
    finally:
        try:
            proc.stdin.close()
        except OSError:
            pass
        proc.wait()


def _serve() -> None:
    """Worker: a job per line on stdin, {"svg": …} or {"error": …} per line on stdout."""
    out = sys.stdout
    fonts = json.loads(os.environ[FONTS_ENV]) if os.environ.get(FONTS_ENV) else None
    for line in sys.stdin:
        try:
            answer = {"svg": render_one(tuple(json.loads(line)), fonts)}
        except Exception as exc:  # noqa: BLE001 - reported to the build, which re-renders it on the page
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()


if __name__ == "__main__":
    _serve()
