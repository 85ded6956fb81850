#!/usr/bin/env python3
"""Build figures for a synthetic bulletin of N measures, in the current content format.

    python benchmarks/scale.py 300 [--jobs 2] [--keep DIR] [--profile cold.prof]

Generates, in a temporary directory, a bulletin of N measures (about 2 targets and
10 progress entries per measure, N/100 programmes, 60 departments, the demo's
categories; Chinese and English text, places, notes), copies the project's templates
and theme beside it, and prints:

- cold: a fresh Builder with an empty chart cache (every chart rendered);
- warm: a fresh Builder with the chart cache on disk, output deleted (CI with its cache);
- serve: a Builder set up as `bulletin serve` keeps it (`serve.preview_builder`: no PDFs,
  the replaced site kept): its first build (start), a rebuild with nothing changed (no-op,
  a save of an unchanged file), and save → rebuilt: one progress value edited in one
  measure file, rebuilt by the same Builder before the page is served, median of 3;

each as wall and CPU seconds (CPU includes the chart-rendering worker processes), then
pages, charts, output size and peak memory (resident set, main process and the largest
worker). The machine may be shared: CPU seconds are the comparable figure, and the
load average is printed beside them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

DEPARTMENTS = 60
AS_OF = dt.date(2026, 6, 30)

# Vocabulary for titles: (zh, en) pairs, so each language reads naturally and search
# for a theme (养老 / elderly care) finds the measures about it.
THEMES = [
    ("养老服务驿站", "elderly-care service stations"), ("社区食堂", "community canteens"),
    ("便民服务网点", "convenience outlets"), ("老旧小区改造", "old-estate renovation"),
    ("社区卫生服务站", "community health stations"), ("垃圾分类示范小区", "waste-sorting model estates"),
    ("口袋公园", "pocket parks"), ("停车位", "parking spaces"), ("无障碍设施", "accessibility facilities"),
    ("社区志愿者", "community volunteers"), ("托育机构", "childcare centres"), ("电梯加装", "lift installations"),
    ("雨污分流工程", "storm-water separation works"), ("社区议事厅", "community consultation halls"),
    ("智慧社区", "smart communities"), ("居家养老床位", "home elderly-care beds"),
]
VERBS = [("新建", "Build new"), ("改造提升", "Upgrade"), ("推进", "Expand"), ("完善", "Improve"), ("试点建设", "Pilot")]
PLACES = [("回龙观街道", "Huilongguan Sub-district"), ("天通苑北街道", "Tiantongyuan North Sub-district"),
          ("朝阳门街道", "Chaoyangmen Sub-district"), ("望京街道", "Wangjing Sub-district"),
          ("史各庄街道", "Shigezhuang Sub-district"), ("霍营街道", "Huoying Sub-district"),
          ("东城区", "Dongcheng District"), ("海淀区", "Haidian District")]
DISTRICTS = [("东城", "Dongcheng"), ("西城", "Xicheng"), ("朝阳", "Chaoyang"), ("海淀", "Haidian"), ("丰台", "Fengtai"),
             ("石景山", "Shijingshan"), ("门头沟", "Mentougou"), ("房山", "Fangshan"), ("通州", "Tongzhou"),
             ("顺义", "Shunyi"), ("昌平", "Changping"), ("大兴", "Daxing")]
BUREAUS = [("民政局", "Civil Affairs Bureau"), ("卫生健康委", "Health Commission"), ("住房城乡建设委", "Housing Commission"),
           ("城市管理委", "Urban Management Commission"), ("教委", "Education Commission")]


def _text(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def generate(root: Path, n: int, seed: int = 0) -> Path:
    """Write content/ for a bulletin of `n` measures under `root`; returns the content directory."""
    rnd = random.Random(seed * 1_000_003 + n)
    content = root / "content"
    (content / "measures").mkdir(parents=True)
    (content / "programmes").mkdir()
    (content / "sources").mkdir()
    demo = ROOT / "content"
    shutil.copy(demo / "categories.yaml", content / "categories.yaml")
    categories = [c["id"] for c in yaml.safe_load((demo / "categories.yaml").read_text(encoding="utf-8"))["categories"]]

    bulletin = yaml.safe_load((demo / "bulletin.yaml").read_text(encoding="utf-8"))
    bulletin.update(title=_text(f"城市重点任务进展公报（{n}项合成数据）", f"City key tasks progress bulletin ({n} synthetic measures)"),
                    as_of=AS_OF.isoformat())
    bulletin.pop("rounds", None)  # the demo's rounds end before AS_OF, which `check` refuses
    _dump(content / "bulletin.yaml", bulletin)

    departments = []
    for i in range(DEPARTMENTS):
        (dzh, den), (bzh, ben) = DISTRICTS[i % len(DISTRICTS)], BUREAUS[i // len(DISTRICTS) % len(BUREAUS)]
        departments.append({"id": f"dept-{i:02d}", "name": _text(f"北京市{dzh}区{bzh}", f"{den} District {ben}"),
                            "short_name": _text(f"{dzh}区{bzh}", f"{den} {ben}")})
    _dump(content / "departments.yaml", {"departments": departments})

    programmes = max(1, n // 100)
    sources = [{"id": f"src-{p:03d}", "title": _text(f"第{p + 1}号工作方案", f"Work plan no. {p + 1}"),
                "publisher": _text("合成数据", "Synthetic data"), "date": "2024-01-15"} for p in range(programmes)]
    sources.append({"id": "src-report", "title": _text("年中进展报告", "Mid-year progress report"),
                    "publisher": _text("合成数据", "Synthetic data"), "date": AS_OF.isoformat()})
    _dump(content / "sources.yaml", {"sources": sources})

    for p in range(programmes):
        pid = f"plan-{p:03d}"
        start = dt.date(2024 + p % 2, 1, 1)
        _dump(content / "programmes" / f"{pid}.yaml", {
            "id": pid, "title": _text(f"第{p + 1}批重点民生任务", f"Key livelihood tasks, batch {p + 1}"),
            "short_title": _text(f"第{p + 1}批任务", f"Batch {p + 1}"),
            "issuers": [departments[p % DEPARTMENTS]["id"]], "issued": start.isoformat(),
            "period": {"start": start.isoformat(), "end": dt.date(start.year + 2, 12, 31).isoformat()},
            "sources": [f"src-{p:03d}"],
            "summary": _text(f"本批共{n // programmes}项任务，由各区各部门分别牵头落实。",
                             f"This batch has {n // programmes} tasks, each led by a district or bureau.")})

    for i in range(n):
        p = i % programmes
        pid, number = f"plan-{p:03d}", i // programmes + 1
        (tzh, ten), (vzh, ven) = THEMES[rnd.randrange(len(THEMES))], VERBS[rnd.randrange(len(VERBS))]
        place = PLACES[rnd.randrange(len(PLACES))]
        amount = rnd.randrange(10, 500)
        measure = {
            "programme": pid, "number": number,
            "title": _text(f"在{place[0]}{vzh}{tzh}（第{i + 1}项）", f"{ven} {ten} in {place[1]} (task {i + 1})"),
            "category": categories[rnd.randrange(len(categories))],
            "lead": [departments[rnd.randrange(DEPARTMENTS)]["id"]],
            "support": sorted({departments[rnd.randrange(DEPARTMENTS)]["id"] for _ in range(rnd.randrange(0, 3))}),
            "sources": [f"src-{p:03d}"],
            "places": [_text(*place)],
            "description": _text(f"{vzh}{tzh}{amount}个，重点覆盖{place[0]}，让居民在家门口享受**便利服务**。",
                                 f"{ven} {amount} {ten}, mainly in {place[1]}, so that residents find **services** close to home."),
        }
        measure["support"] = [d for d in measure["support"] if d not in measure["lead"]] or None
        if measure["support"] is None:
            del measure["support"]
        measure["targets"] = [_target(rnd, t, amount, ten, tzh, start=dt.date(2024 + p % 2, 1, 1)) for t in range(rnd.choice((1, 2, 2, 3)))]
        _dump(content / "measures" / pid / f"{number:03d}-task.yaml", measure)
    return content


def _target(rnd: random.Random, t: int, amount: int, ten: str, tzh: str, start: dt.date) -> dict:
    kind = ("count", "percentage", "milestone")[t % 3] if rnd.random() > 0.2 else "count"
    target: dict = {"id": f"t{t + 1}", "kind": kind, "source": "src-report"}
    entries = rnd.randrange(3, 8) if kind != "milestone" else rnd.randrange(1, 3)
    dates = sorted({start + dt.timedelta(days=rnd.randrange(30, (AS_OF - start).days)) for _ in range(entries)})
    if kind == "milestone":
        target.update(title=_text(f"{tzh}建成投用", f"{ten.capitalize()} in service"), target=True)
        done = rnd.random() < 0.4
        target["progress"] = [{"date": d.isoformat(), "value": done and d == dates[-1], "source": "src-report"} for d in dates]
    else:
        goal = amount if kind == "count" else rnd.choice((60, 80, 90, 100))
        target.update(title=_text(f"{tzh}数量" if kind == "count" else f"{tzh}覆盖率",
                                  f"Number of {ten}" if kind == "count" else f"Coverage of {ten}"), target=goal)
        if kind == "count":
            target["unit"] = _text("个", "sites")
        pace = rnd.uniform(0.6, 1.8)
        total_days = (dt.date(start.year + 2, 12, 31) - start).days
        target["progress"] = []
        for d in dates:
            value = round(min(goal, goal * pace * (d - start).days / total_days), 1 if kind == "percentage" else 0)
            entry = {"date": d.isoformat(), "value": int(value) if kind == "count" else value, "source": "src-report"}
            if rnd.random() < 0.3:
                entry["note"] = _text(f"据各街道上报，截至{d.year}年{d.month}月底数据。", f"As reported by the sub-districts, end of {d:%B %Y}.")
            target["progress"].append(entry)
    if rnd.random() < 0.3:
        target["note"] = _text("按年度分解落实。", "Broken down into yearly targets.")
    return target


def _dump(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")


# --------------------------------------------------------------------------- measuring

def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _measured(fn):
    wall, cpu = time.perf_counter(), _cpu()
    result = fn()
    return result, time.perf_counter() - wall, _cpu() - cpu


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _edit_one(content: Path, i: int) -> Path:
    """Change the latest value of one measure's first numeric target, as an editor's save would."""
    files = sorted((content / "measures").rglob("*.yaml"))
    path = files[len(files) // 2]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for target in data["targets"]:
        if target["kind"] != "milestone" and target.get("progress"):
            target["progress"][-1]["value"] = round(target["progress"][-1]["value"] * 0.5 + i, 1)
            break
    else:
        data["title"]["en"] += f" ({i})"
    _dump(path, data)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of measures")
    ap.add_argument("--jobs", type=int, default=None, help="chart-rendering processes (default: the build's default)")
    ap.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    ap.add_argument("--profile", type=Path, help="write a cProfile of the cold build here")
    ap.add_argument("--generate-only", action="store_true", help="only write the bulletin (with --keep)")
    args = ap.parse_args()
    if args.jobs is not None:
        os.environ["BULLETIN_JOBS"] = str(args.jobs)
    from bulletin.builder import Builder

    tmp = None if args.keep else tempfile.TemporaryDirectory()
    root = args.keep or Path(tmp.name)
    try:
        content = generate(root, args.n)
        if args.generate_only:
            print(f"generated {args.n} measures in {content}")
            return
        for name in ("templates", "theme"):
            shutil.copytree(ROOT / name, root / name)
        make = lambda: Builder(content, root / "templates", root / "theme", root / "output", cache=root / ".cache")
        load = os.getloadavg()

        if args.profile:
            import cProfile

            prof = cProfile.Profile()
            cold, cold_wall, cold_cpu = _measured(lambda: prof.runcall(make().build))
            prof.dump_stats(args.profile)
        else:
            cold, cold_wall, cold_cpu = _measured(make().build)
        output_size = _size(root / "output")
        shutil.rmtree(root / "output")
        warm, warm_wall, warm_cpu = _measured(make().build)
        # The preview: a builder kept across saves, set up as `bulletin serve` sets it up.
        from bulletin.serve import preview_builder

        builder = preview_builder(content, root / "templates", root / "theme", root / "output", cache=root / ".cache")
        _, start_wall, start_cpu = _measured(builder.build)
        _measured(builder.build)  # from here on, the replaced site is kept and brought up to date
        _, noop_wall, noop_cpu = _measured(builder.build)
        saves = []
        for i in range(3):
            _edit_one(content, i)
            result, wall, cpu = _measured(builder.build)
            saves.append((wall, cpu, result.rendered, len(result.write.written)))
        builder.close()
        peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

        print(f"measures {args.n}; machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start, "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at end")
        print(f"pages {cold.pages}; charts {cold.charts} ({cold.chart_renders} rendered cold, {warm.chart_renders} warm); "
              f"output {output_size / 1e6:.1f} MB ({sum(1 for _ in (root / 'output').rglob('*') if _.is_file())} files)")
        print(f"cold build      {cold_wall:7.1f} s wall {cold_cpu:7.1f} s CPU")
        print(f"warm build      {warm_wall:7.1f} s wall {warm_cpu:7.1f} s CPU")
        print(f"serve: start    {start_wall:7.1f} s wall {start_cpu:7.1f} s CPU")
        print(f"serve: no-op    {noop_wall:7.2f} s wall {noop_cpu:7.2f} s CPU")
        print(f"serve: save → rebuilt {statistics.median(s[0] for s in saves):5.2f} s wall "
              f"{statistics.median(s[1] for s in saves):5.2f} s CPU ({saves[0][2]} pages re-rendered, {saves[0][3]} files changed)")
        print(f"peak memory     {peak_self:7.0f} MB main process, {peak_child:.0f} MB largest worker")
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
