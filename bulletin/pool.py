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
from typing import Any

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
    env = {FONTS_ENV: json.dumps(fonts, ensure_ascii=False) if fonts is not None else None}
    answers = drive_workers("bulletin.pool", list(jobs), workers, env=env)
    # what a worker could not render (or did not, having died) is rendered by its page
    return {jobs[i][0]: answer["svg"] for i, answer in answers.items() if "svg" in answer}


def drive_workers(module: str, messages: list[Any], workers: int, *, env: dict[str, str | None] | None = None,
                  greeting: Any = None) -> dict[int, dict]:
    """Each message's answer, by its index, from `workers` `python -m <module>` processes
    speaking JSON lines: `greeting` first to each worker, then one message out and its
    answer back, until none is left. A worker that dies leaves the rest of its messages
    unanswered; the caller does those itself (and reports their errors in its own name)."""
    queue = list(reversed(range(len(messages))))  # popped from the end: messages go out in order
    lock = threading.Lock()
    answers: dict[int, dict] = {}
    threads = [threading.Thread(target=_feed, args=(module, messages, queue, lock, answers, env or {}, greeting), daemon=True)
               for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def _feed(module: str, messages: list[Any], queue: list[int], lock: threading.Lock, answers: dict[int, dict],
          extra_env: dict[str, str | None], greeting: Any) -> None:
    """Drive one worker process: the greeting, then one message out, one answer back, until the queue is empty."""
    package_parent = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH")) if p))
    for name, value in extra_env.items():  # None: not passed on from this process
        env.pop(name, None)
        if value is not None:
            env[name] = value
    proc = subprocess.Popen([sys.executable, "-m", module], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)

    def send(message: Any) -> None:
        proc.stdin.write(json.dumps(message, ensure_ascii=False, default=str).encode("utf-8") + b"\n")
        proc.stdin.flush()

    try:
        if greeting is not None:
            send(greeting)
        while True:
            with lock:
                if not queue:
                    break
                i = queue.pop()
            send(messages[i])
            line = proc.stdout.readline()
            if not line:  # the worker died
                break
            with lock:
                answers[i] = json.loads(line)
    except OSError:  # a broken pipe: the worker died
        pass
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
