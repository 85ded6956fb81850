"""Time the chart stage: each chart cold (rendered by vl-convert) and cached.

    python benchmarks/charts.py [repeat]

The first render in a process also pays vl-convert's JavaScript start-up; it is
reported separately ("warm-up"). Besides wall time, the process's CPU time is reported:
on a shared machine it varies much less with other work. Every chart call draws all its
layouts (narrow and wide).

    BULLETIN_ROOT=/path/to/other/checkout python benchmarks/charts.py   # the same cases on other code

Then each kind as a cold build draws it: many charts collected first, then rendered
together in one process, as a chart worker does (`batch`).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.environ.get("BULLETIN_ROOT") or str(Path(__file__).resolve().parents[1]))

from bulletin import charts  # noqa: E402
from bulletin.l10n import Lang  # noqa: E402
from bulletin.model import Baseline, Milestone, ProgressEntry, Target, Thresholds  # noqa: E402
from bulletin.status import Status, assess_target  # noqa: E402

AS_OF = dt.date(2020, 6, 30)


def cases(variant: int):
    """Chart calls; `variant` changes one count so every repeat is a cache miss when wanted."""
    target = Target(id="coverage", title={"zh": "服务圈覆盖率", "en": "Service-circle coverage"}, kind="percentage",
                    source="s", target=100, baseline=Baseline(87.5, dt.date(2018, 12, 31)), deadline=dt.date(2020, 12, 31),
                    milestones=[Milestone(dt.date(2019, 12, 31), 90)],
                    progress=[ProgressEntry(dt.date(2019, 6, 30), 88.6), ProgressEntry(dt.date(2020, 6, 30), 92 - variant / 1000)])
    assessment = assess_target(target, start=dt.date(2018, 1, 1), deadline=dt.date(2020, 12, 31), as_of=AS_OF,
                               thresholds=Thresholds(), stale_after_days=180)
    counts = {Status.COMPLETED: 12 + variant, Status.ON_TRACK: 9, Status.BEHIND: 4, Status.OVERDUE: 2}
    per = [("回天行动计划", {Status.COMPLETED: 10 + variant, Status.BEHIND: 3, Status.NO_DATA: 17}),
           ("朝阳区方案", {Status.ON_TRACK: 4, Status.OVERDUE: 2})]
    months = [(dt.date(2020, 6, 1), 7 + variant), (dt.date(2020, 12, 1), 28)]
    return {
        "status_breakdown": lambda lang, r: charts.status_breakdown(counts, lang=lang, renderer=r, fig_id="s", caption="c"),
        "programme_statuses": lambda lang, r: charts.programme_statuses(per, lang=lang, renderer=r, fig_id="p", caption="c"),
        "target_progress": lambda lang, r: charts.target_progress(target, assessment, lang=lang, renderer=r, fig_id="t"),
        "deadlines_per_month": lambda lang, r: charts.deadlines_per_month(months, lang=lang, renderer=r, fig_id="d", caption="c"),
    }


def main(repeat: int = 5) -> None:
    langs = [Lang("zh", ["zh", "en"]), Lang("en", ["zh", "en"])]
    with tempfile.TemporaryDirectory() as tmp:
        renderer = charts.ChartRenderer(Path(tmp))
        start = time.perf_counter()
        cases(-1)["status_breakdown"](langs[0], renderer)
        print(f"warm-up (first render in the process): {1000 * (time.perf_counter() - start):.0f} ms")
        cold: dict[str, list[tuple[float, float]]] = {}
        cached: dict[str, list[tuple[float, float]]] = {}

        def timed(call, lang) -> tuple[float, float]:
            wall, cpu = time.perf_counter(), time.process_time()
            call(lang, renderer)
            return time.perf_counter() - wall, time.process_time() - cpu

        for i in range(repeat):
            for name, call in cases(i).items():
                for lang in langs:
                    cold.setdefault(name, []).append(timed(call, lang))
                    cached.setdefault(name, []).append(timed(call, lang))

        def ms(samples: list[tuple[float, float]], which: int) -> float:
            return 1000 * statistics.median(s[which] for s in samples)

        print(f"{'chart':22} {'cold ms wall / cpu':>19} {'cached ms wall / cpu':>21}")
        for name in cold:
            print(f"{name:22} {ms(cold[name], 0):9.1f} /{ms(cold[name], 1):7.1f} {ms(cached[name], 0):11.2f} /{ms(cached[name], 1):7.2f}")
        print(f"renderer: count={renderer.count} cache_hits={renderer.cache_hits} seconds={renderer.seconds:.2f}")
        batch(Path(tmp), langs, calls=max(repeat, 1) * 20)


def batch(tmp: Path, langs: list, calls: int) -> None:
    """Each kind as a cold build draws it: `calls` chart calls per language collected (composed
    with Altair), then rendered together in one process (render_pending, as a chart worker
    does: a large batch is measured with cut-down fonts), CPU ms per chart call."""
    try:
        from bulletin import measure_fonts
    except ImportError:  # older code
        measure_fonts = None
    print(f"batch of {calls} calls per language and kind, one process: CPU ms per chart call")
    print(f"{'chart':22} {'compose':>8} {'render':>8} {'total':>8}")
    for name in cases(0):
        renderer = charts.ChartRenderer(tmp / f"batch-{name}")
        cpu = time.process_time()
        with renderer.collecting():
            for i in range(calls):
                for lang in langs:
                    cases(10_000 + i)[name](lang, renderer)
        compose = time.process_time() - cpu
        pending = getattr(renderer, "_collected", {})
        if measure_fonts is not None:  # cut the fonts beforehand: once per build, timed below
            started = time.process_time()
            measure_fonts.prepare([spec for spec, *_ in pending.values()], Path(f"{renderer.cache_dir}-fonts"))
            cutting = time.process_time() - started
        cpu = time.process_time()
        renderer.render_pending(workers=1)
        render = time.process_time() - cpu
        n = calls * len(langs)
        print(f"{name:22} {1000 * compose / n:8.1f} {1000 * render / n:8.1f} {1000 * (compose + render) / n:8.1f}"
              + (f"   (cutting the fonts: {cutting:.1f} s once)" if measure_fonts is not None else ""))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
