"""Reporting rounds: statuses at each round from what was known then, the history and
changes pages, feeds and downloads, incremental rebuilds, and `bulletin diff`.

The minimal fixture's programme starts on 2019-12-11; its reports are dated between
2019-12-31 and 2020-06-20, so rounds on 2019-12-31, 2020-03-31 and 2020-06-30 each see
a different set of reports.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from bulletin.builder import Builder, tree_digests
from bulletin.rounds import change_kind
from bulletin.status import Status, assess
from bulletin.validate import check

from conftest import shared_chart_cache

ROOT = Path(__file__).resolve().parent.parent
D = dt.date
ROUNDS = ["2019-12-31", "2020-03-31", "2020-06-30"]
ATOM = "{http://www.w3.org/2005/Atom}"


def set_rounds(content: Path, rounds: list[str], as_of: str | None = "keep") -> None:
    """Write `rounds:` (and optionally change or drop `as_of`) in bulletin.yaml, as an editor would."""
    path = content / "bulletin.yaml"
    lines = [l for l in path.read_text(encoding="utf-8").splitlines() if not l.startswith(("rounds:", "- 20"))]
    if as_of is None:
        lines = [l for l in lines if not l.startswith("as_of:")]
    elif as_of != "keep":
        lines = [f"as_of: {as_of}" if l.startswith("as_of:") else l for l in lines]
    if rounds:
        lines += ["rounds:"] + [f"- {r}" for r in rounds]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def add_report(content: Path, measure_file: str, target_index: int, date: str, value) -> None:
    path = next((content / "measures").rglob(measure_file))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["targets"][target_index].setdefault("progress", []).append({"date": date, "value": value, "source": "progress-report"})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def loaded(content: Path):
    result = check(content)
    assert result.content is not None and not result.errors, [str(p) for p in result.errors]
    return result.content


@pytest.fixture
def cache(tmp_path_factory) -> Path:
    return shared_chart_cache(tmp_path_factory)


def build(root: Path, cache: Path, output: str = "output", builder: Builder | None = None) -> Builder:
    builder = builder or Builder(root / "content", root / "templates", root / "theme", root / output, cache=cache)
    builder.build()
    return builder


# --------------------------------------------------------------------------- statuses at a round


def test_statuses_at_each_round_use_only_what_was_reported_by_then(content_dir: Path, tmp_path: Path):
    """Oracle: the statuses at a round equal those of the same content with later reports deleted
    and as_of set to the round, as an editor would have published it on that day."""
    from bulletin.site import Site

    set_rounds(content_dir, ROUNDS)
    site = Site(loaded(content_dir))
    seen = set()
    for day in ROUNDS[:-1]:
        then = tmp_path / f"then-{day}"
        shutil.copytree(content_dir, then)
        set_rounds(then, [], as_of=day)
        for path in (then / "measures").rglob("*.yaml"):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            for t in data.get("targets", []):
                t["progress"] = [e for e in t.get("progress", []) if str(e["date"]) <= day]
            if str(data.get("override", {}).get("date", day)) > day:  # not yet decided on that day
                del data["override"]
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        expected = assess(loaded(then))
        at = site.history.at[D.fromisoformat(day)]
        assert {mid: a.status for mid, a in at.items()} == {mid: a.status for mid, a in expected.items()}
        assert {(mid, tid): ta for mid, a in at.items() for tid, ta in a.targets.items()} == \
            {(mid, tid): ta for mid, a in expected.items() for tid, ta in a.targets.items()}
        seen.add(tuple(a.status for a in at.values()))
    # The current round is the site itself, and the rounds really differ from one another.
    assert site.history.at[D(2020, 6, 30)] == site.assessments
    seen.add(tuple(a.status for a in site.assessments.values()))
    assert len(seen) == 3


def test_a_report_after_a_round_does_not_change_that_round(content_dir: Path):
    from bulletin.site import Site

    set_rounds(content_dir, ROUNDS)
    before = Site(loaded(content_dir)).history
    add_report(content_dir, "03-elderly-care-stations.yaml", 0, "2020-06-25", 6)
    after = Site(loaded(content_dir)).history
    assert after.at[D(2020, 3, 31)] == before.at[D(2020, 3, 31)]
    assert after.at[D(2020, 6, 30)]["huitian-3"].status == Status.COMPLETED != before.at[D(2020, 6, 30)]["huitian-3"].status


def test_a_programme_as_of_caps_the_rounds_for_it(content_dir: Path):
    from bulletin.site import Site

    set_rounds(content_dir, [*ROUNDS, "2020-09-30"], as_of="2020-09-30")
    programme = content_dir / "programmes" / "huitian.yaml"
    programme.write_text(programme.read_text(encoding="utf-8") + "as_of: 2020-06-30\n", encoding="utf-8")
    history = Site(loaded(content_dir)).history
    # Frozen at its own reporting date: later rounds show what the programme reported by 2020-06-30.
    assert history.at[D(2020, 9, 30)] == history.at[D(2020, 6, 30)]
    assert {a.as_of for a in history.at[D(2020, 9, 30)]["huitian-2"].targets.values()} == {D(2020, 6, 30)}
    assert {a.as_of for a in history.at[D(2020, 3, 31)]["huitian-2"].targets.values()} == {D(2020, 3, 31)}


def test_a_programme_takes_part_from_the_round_it_exists(content_dir: Path):
    from bulletin.site import Site

    set_rounds(content_dir, ["2019-06-30", *ROUNDS])  # the fixture's programme was issued on 2019-12-11
    site = Site(loaded(content_dir))
    assert site.history.at[D(2019, 6, 30)] == {}
    assert site.changes(D(2019, 12, 31)).of_kind("added")
    assert [a for _, a in site.history_of("huitian-3")][0] is None


@pytest.mark.parametrize("before, after, kind", [
    (Status.ON_TRACK, Status.COMPLETED, "completed"), (Status.ON_TRACK, Status.BEHIND, "slipped"),
    (Status.BEHIND, Status.OVERDUE, "slipped"), (Status.BEHIND, Status.ON_TRACK, "recovered"),
    (Status.ON_TRACK, Status.PAUSED, "halted"), (Status.NO_DATA, Status.ON_TRACK, "other"),
    (None, Status.NO_DATA, "added"), (Status.BEHIND, Status.BEHIND, None),
    # already late: a late report arriving, or a deadline extended, is not "newly behind or overdue"
    (Status.OVERDUE_UNREPORTED, Status.OVERDUE, "other"), (Status.OVERDUE, Status.OVERDUE_UNREPORTED, "other"),
    (Status.OVERDUE, Status.BEHIND, "other"), (Status.BEHIND, Status.OVERDUE_UNREPORTED, "slipped"),
])
def test_kinds_of_change(before, after, kind):
    assert change_kind(before, after) == kind


# --------------------------------------------------------------------------- bulletin.yaml


@pytest.mark.parametrize("rounds, as_of, message", [
    (["2020-06-30", "2020-03-31"], "keep", "list the rounds oldest first"),
    (["2020-03-31", "2020-03-31", "2020-06-30"], "keep", "listed twice"),
    (["2020-03-31", "2020-05-31"], "keep", "is not in `rounds`"),
    (["2020-03-31", "2020-09-30"], "keep", "is after the reporting date"),
    ([], None, "required field `as_of` is missing"),
])
def test_check_explains_bad_rounds(content_dir: Path, run_cli, rounds, as_of, message):
    set_rounds(content_dir, rounds, as_of=as_of)
    result = run_cli("check", "--content", "content", cwd=content_dir.parent)
    assert result.code == 1
    problem = next(l for l in result.lines if message in l)
    assert problem.startswith("content/bulletin.yaml:") and re.match(r"content/bulletin.yaml:\d+:\d+: (rounds|as_of)", problem)


def test_rounds_without_as_of_make_the_last_round_the_reporting_date(content_dir: Path):
    set_rounds(content_dir, ROUNDS, as_of=None)
    content = loaded(content_dir)
    assert content.bulletin.as_of == D(2020, 6, 30)
    assert content.bulletin.rounds == [D.fromisoformat(r) for r in ROUNDS]


# --------------------------------------------------------------------------- pages and downloads


def render(content: Path) -> dict[str, bytes]:
    """Every page, feed and download of the content, without charts (cheap; the Builder tests below draw them)."""
    from bulletin.render import Renderer
    from bulletin.site import Site

    site = Site(loaded(content))
    renderer = Renderer(site, ROOT / "templates", None)
    pages = site.pages()
    return {**renderer.render_all(pages), **renderer.extras(pages)}


@pytest.fixture(scope="module")
def rounds_site(tmp_path_factory) -> dict[str, bytes]:
    content = tmp_path_factory.mktemp("rounds") / "content"
    shutil.copytree(ROOT / "tests" / "fixtures" / "minimal", content)
    set_rounds(content, ROUNDS)
    return render(content)


def _main(html: bytes) -> str:
    text = html.decode("utf-8")
    return text[text.index("<main"):text.index("</main>")]


def test_adding_a_round_leaves_earlier_rounds_and_their_pages_unchanged_and_lists_what_completed(content_dir: Path):
    set_rounds(content_dir, ROUNDS)
    first = render(content_dir)
    earlier = {p: b for p, b in first.items() if re.fullmatch(r"\w+/rounds/[\d-]+/index.html", p)}
    history = {m["id"]: m["history"] for m in json.loads(first["en/data/bulletin.json"])["measures"]}
    assert len(earlier) == 2 * len(ROUNDS)

    # The next round: one line in bulletin.yaml, and a report that completes the elderly-care stations.
    set_rounds(content_dir, [*ROUNDS, "2020-09-30"], as_of="2020-09-30")
    add_report(content_dir, "03-elderly-care-stations.yaml", 0, "2020-09-15", 6)
    out = render(content_dir)

    assert {p: out[p] for p in earlier} == earlier
    data = json.loads(out["en/data/bulletin.json"])
    assert data["rounds"] == [*ROUNDS, "2020-09-30"]
    for m in data["measures"]:
        assert m["history"][:-1] == history[m["id"]]
    # The changes page (the current round against the one before) lists the completed measure, linked.
    changes = _main(out["en/changes/index.html"])
    completed = changes[changes.index('id="changes-completed"'):]
    completed = completed[:completed.index("</section>")]
    assert '../measures/huitian-3/index.html#history' in completed and "Build elderly-care stations" in completed
    assert "30 June 2020" in changes and "30 September 2020" in changes
    zh = _main(out["zh/changes/index.html"])
    assert "新完成" in zh and "建设养老驿站" in zh
    # The home page counts it; the new round has its own page; the measure's timeline shows it.
    home = _main(out["en/index.html"])
    assert re.search(r'href="changes/index.html#changes-completed">Newly completed <span class="count">1</span>', home)
    assert "Build elderly-care stations" in _main(out["en/rounds/2020-09-30/index.html"])
    timeline = _main(out["en/measures/huitian-3/index.html"])
    timeline = timeline[timeline.index('<ol class="timeline round-timeline"'):]
    timeline = timeline[:timeline.index("</ol>")]
    assert timeline.count("timeline-round") == 4 and timeline.rindex("Completed") > timeline.rindex("30 June 2020")


def test_incremental_rebuild_after_a_report_or_a_round_equals_a_clean_build(project_copy: Path, cache: Path, tmp_path: Path):
    root = project_copy
    set_rounds(root / "content", ROUNDS)
    builder = build(root, cache)
    # A report: one measure file. Only what reads it is rendered again, the history and changes pages among them.
    add_report(root / "content", "02-household-visits.yaml", 0, "2020-06-28", 50)
    result = builder.build()
    assert "measures/huitian-2/index.html" in result.rendered_paths and "changes/index.html" in result.rendered_paths
    assert "measures/huitian-3/index.html" not in result.rendered_paths
    clean = Builder(root / "content", root / "templates", root / "theme", tmp_path / "clean", cache=cache)
    clean.build()
    assert tree_digests(root / "output") == tree_digests(tmp_path / "clean")
    # A round: bulletin.yaml; the pages that show rounds are rendered again. Inserted before the
    # current round so that as_of, and with it every chart, stays as it was (a new current round redraws
    # every chart: correct, but seconds of test time).
    set_rounds(root / "content", [*ROUNDS[:-1], "2020-05-31", ROUNDS[-1]])
    result = builder.build()
    assert "rounds/2020-05-31/index.html" in result.rendered_paths and "changes/index.html" in result.rendered_paths
    assert b"2020-05-31" in (root / "output/en/data/bulletin.json").read_bytes()
    Builder(root / "content", root / "templates", root / "theme", tmp_path / "clean-2", cache=cache).build()
    assert tree_digests(root / "output") == tree_digests(tmp_path / "clean-2")


def test_history_downloads_parse(rounds_site):
    for code in ("zh", "en"):
        raw = rounds_site[f"{code}/data/status_history.csv"]
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        assert list(rows[0])[:6] == ["measure", "target", "round", "status", "reached", "expected"]
        data = json.loads(rounds_site[f"{code}/data/bulletin.json"])
        assert data["rounds"] == ROUNDS
        for m in data["measures"]:
            assert [h["round"] for h in m["history"]] == ROUNDS  # oldest first
            assert m["history"][-1]["status"] == m["status"]
            measure_rows = [r for r in rows if r["measure"] == m["id"] and not r["target"]]
            assert [(r["round"], r["status"]) for r in measure_rows] == [(h["round"], h["status"]) for h in m["history"]]
            for t in m["targets"]:
                target_rows = [r for r in rows if r["measure"] == m["id"] and r["target"] == t["id"]]
                assert [r["status"] for r in target_rows] == [h["status"] for h in t["history"]]
                assert target_rows[-1]["status"] == t["status"]
                for r in target_rows:
                    assert r["reached"] == "" or float(r["reached"]) == pytest.approx(
                        next(h["reached"] for h in t["history"] if h["round"] == r["round"]), abs=1e-4)
        # The visits target moved between rounds: 2019-12-31 had no report, 2020-06-30 has 38%.
        visits = [r for r in rows if r["target"] == "households-visited"]
        assert [r["status"] for r in visits][0] != visits[-1]["status"]


def test_feeds_per_programme_and_department_carry_status_changes(rounds_site):
    xml = lambda path: ET.fromstring(rounds_site[path])
    departments = sorted(p for p in rounds_site if re.fullmatch(r"en/departments/[^/]+/feed.xml", p))
    feeds = ["en/feed.xml", "en/programmes/huitian/feed.xml", *departments]
    assert len(feeds) > 3
    for path in feeds:
        feed = xml(path)
        entries = feed.findall(f"{ATOM}entry")
        ids = [e.findtext(f"{ATOM}id") for e in entries]
        assert len(ids) == len(set(ids)) and entries
    main = xml("en/feed.xml")
    changes = [e for e in main.findall(f"{ATOM}entry") if e.find(f"{ATOM}category").get("term") == "status-change"]
    assert changes and all("→" in e.findtext(f"{ATOM}title") for e in changes)
    assert any(e.findtext(f"{ATOM}updated").startswith("2020-06-30") for e in changes)
    # A department's feed holds only its own measures; the programme page links its feed.
    for dept in departments:
        dept_id = dept.split("/")[2]
        measures = {m["id"] for m in json.loads(rounds_site["en/data/bulletin.json"])["measures"]
                    if dept_id in m["lead"] + m["support"]}
        linked = {re.search(r"/measures/([^/]+)/", e.find(f"{ATOM}link").get("href")).group(1)
                  for e in xml(dept).findall(f"{ATOM}entry")}
        assert linked and linked <= measures
    assert b'type="application/atom+xml" title="Progress updates: Implementation plan' in rounds_site["en/programmes/huitian/index.html"]


def test_a_bulletin_without_rounds_has_one_round_and_no_timeline(minimal_dir: Path):
    out = render(minimal_dir)
    assert b'class="timeline round-timeline"' not in out["en/measures/huitian-3/index.html"]
    assert "first reporting round" in _main(out["en/changes/index.html"])
    assert json.loads(out["en/data/bulletin.json"])["rounds"] == ["2020-06-30"]


# --------------------------------------------------------------------------- bulletin diff


def test_diff_reports_a_status_change_between_two_content_folders(content_dir: Path, tmp_path: Path, run_cli):
    base = tmp_path / "base"
    shutil.copytree(content_dir, base)
    add_report(content_dir, "03-elderly-care-stations.yaml", 0, "2020-06-25", 6)
    sources = content_dir / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8") + "- id: new-report\n  title: {zh: 新报告, en: New report}\n"
                       "  publisher: {zh: 区政府, en: District government}\n", encoding="utf-8")
    measure = next((content_dir / "measures").rglob("02-household-visits.yaml"))
    measure.write_text(measure.read_text(encoding="utf-8").replace("target: 90", "target: 95"), encoding="utf-8")
    result = run_cli("diff", str(base), "--content", "content", "--lang", "en", cwd=tmp_path)
    assert result.code == 0
    row = next(l for l in result.lines if "huitian-3" in l and l.startswith("|") and "Completed" in l)
    assert row.index("Ahead") < row.index("Completed")  # old → new
    assert re.search(r"huitian-2 .*: `target` 90 → 95", result.out)
    assert "| 2020-06-25 |" in result.out and "`new-report`" in result.out
    assert re.search(r"\| 2020-06-25 \| .* \| 6 stations \|$", result.out, re.M)  # the figure with its unit, as the site shows it
    zh = run_cli("diff", str(base), "--content", "content", cwd=tmp_path)  # the bulletin's default language
    assert "状态变化" in zh.out and "已完成" in zh.out and zh.code == 0
    assert "| 日期 | 措施 | 指标 | 数值 |" in zh.out and re.search(r"\| 2020-06-25 \| .* \| 6个 \|$", zh.out, re.M)


def test_diff_against_a_git_revision(project_copy: Path, run_cli):
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    git = lambda *args: subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                                       cwd=project_copy, check=True, capture_output=True)
    git("init", "-q")
    git("add", "content")
    git("commit", "-qm", "base")
    add_report(project_copy / "content", "02-household-visits.yaml", 0, "2020-06-28", 90)
    git("commit", "-qam", "visits done")
    result = run_cli("diff", "HEAD~1", "--lang", "en", cwd=project_copy)
    assert result.code == 0
    assert any("huitian-2" in l and "Behind" in l and "Completed" in l for l in result.lines)
    # The working tree is not touched, and nothing is left behind.
    assert "2020-06-28" in next((project_copy / "content" / "measures").rglob("02-household-visits.yaml")).read_text(encoding="utf-8")
    same = run_cli("diff", "HEAD", "--lang", "en", cwd=project_copy)
    assert same.code == 0 and "No change to statuses" in same.out
    bad = run_cli("diff", "no-such-branch", "--lang", "en", cwd=project_copy)
    assert bad.code == 1


def test_every_link_on_the_new_pages_resolves_with_and_without_rounds(rounds_site, minimal_dir: Path):
    """Links and #fragments from the changes, rounds and measure pages point at something that exists."""
    from urllib.parse import urldefrag
    import posixpath

    for site in (rounds_site, render(minimal_dir)):
        for path, html in site.items():
            if not re.search(r"/(changes|rounds|measures)/", path) or not path.endswith(".html"):
                continue
            for href in re.findall(r'href="([^"#][^"]*)"', html.decode("utf-8")):
                # theme files (stylesheets, the favicon) and source documents are copied by the builder, not rendered,
                # and a report's downloads are made by it (tests/test_round_reports.py follows those links)
                if href.startswith(("http", "mailto:")) or "assets/" in href or "sources/" in href \
                        or href.endswith(("report.xlsx", "report.pdf")):
                    continue
                target, fragment = urldefrag(href)
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
                if resolved.endswith("/") or resolved == ".":
                    resolved += "/index.html"
                assert resolved in site, f"{path}: {href}"
                if fragment:
                    assert f'id="{fragment}"'.encode() in site[resolved], f"{path}: {href}"


def test_a_round_uses_the_target_valid_then_and_the_next_round_lists_the_revision(content_dir: Path):
    from bulletin.site import Site

    set_rounds(content_dir, ROUNDS)
    path = next((content_dir / "measures").rglob("03-elderly-care-stations.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("  target: 6\n", "  target: 6\n  revisions:\n"
                    "  - {date: 2020-05-01, field: value, from: 5, to: 6, reason: {zh: 调增, en: Raised}, source: huitian-plan}\n"),
                    encoding="utf-8")
    site = Site(loaded(content_dir))
    assert site.history.known[D(2020, 3, 31)].measures["huitian-3"].targets[0].target == 5
    reached = site.history.at[D(2020, 3, 31)]["huitian-3"].targets["stations"].reached
    assert reached == pytest.approx(2 / 5)  # 2 stations against the 5 set then, not the 6 set later
    revisions = site.changes(D(2020, 6, 30)).revisions
    assert [(r.measure.id, r.before_target, r.after_target) for r in revisions] == [("huitian-3", 5, 6)]
    assert not site.changes(D(2020, 3, 31)).revisions
    from bulletin.render import Renderer

    html = Renderer(site, ROOT / "templates", None).render_page(
        next(p for p in site.pages() if p.path == "changes/index.html"), "en").decode("utf-8")
    section = html[html.index('id="changes-revisions"'):]
    assert "5 stations → 6 stations" in section[:section.index("</section>")]


def test_an_undated_override_is_warned_of_once_rounds_are_published(content_dir: Path):
    """An undated override counts at every round: added now, it rewrote every published round."""
    path = content_dir / "measures" / "huitian" / "07-service-station-reform.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  date: 2020-03-01\n", ""), encoding="utf-8")
    assert not [p for p in check(content_dir).problems if "override" in p.field]  # one round: nothing to rewrite
    set_rounds(content_dir, ROUNDS)
    warned = [p for p in check(content_dir).problems if p.field == "override"]
    assert [p.severity for p in warned] == ["warning"] and "date" in warned[0].message


def test_a_measure_added_later_is_not_backfilled_into_earlier_rounds(content_dir: Path, tmp_path: Path):
    """A measure written in the fourth quarter appeared in every earlier round, as "newly overdue"
    at the third (rounds audit). With `added` it is new in the bulletin at its own round."""
    from bulletin.scaffold import new_measure
    from bulletin.site import Site

    set_rounds(content_dir, ROUNDS)
    path = content_dir / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("lead: [changping-civil-affairs]\n",
                                                             "lead: [changping-civil-affairs]\nadded: 2020-03-31\n"), encoding="utf-8")
    site = Site(loaded(content_dir))
    assert [day for day, a in site.history_of("huitian-3") if a is None] == [D(2019, 12, 31)]
    assert "huitian-3" in {c.measure.id for c in site.changes(D(2020, 3, 31)).of_kind("added")}
    assert "huitian-3" in {ms.id for ms in site.measures()}  # the current site shows it as any other
    # `bulletin new measure` in a bulletin with rounds writes the current round as its `added`
    written = new_measure(content_dir, "huitian")
    assert "\nadded: 2020-06-30 " in written.read_text(encoding="utf-8")
    assert not [p for p in check(content_dir).errors if p.field == "added"]
    written.unlink()
    late = path.read_text(encoding="utf-8").replace("added: 2020-03-31", "added: 2020-09-30")
    path.write_text(late, encoding="utf-8")
    assert [p.field for p in check(content_dir).errors] == ["added"]


def test_a_feed_entry_keeps_its_id_when_a_report_is_inserted_before_it():
    """Ids held the entry's position in the list: a report inserted before others renumbered
    every later one, and feed readers showed them all again (rounds audit)."""
    from bulletin.model import ProgressEntry, Target
    from bulletin.site import Update

    def keys(*days: str) -> list[str]:
        t = Target(id="stations", title={"zh": "驿站", "en": "Stations"}, kind="count", source="s", target=6,
                   progress=[ProgressEntry(dt.date.fromisoformat(d), i) for i, d in enumerate(days)])
        return [Update(None, t, e, i).key for i, e in enumerate(t.progress)]  # type: ignore[arg-type]

    assert keys("2020-06-20", "2020-09-20") == ["stations-2020-06-20", "stations-2020-09-20"]
    assert keys("2020-05-20", "2020-06-20", "2020-09-20")[1:] == ["stations-2020-06-20", "stations-2020-09-20"]
    assert keys("2020-06-20", "2020-06-20") == ["stations-2020-06-20", "stations-2020-06-20-2"]  # two reports that day


def test_diff_names_the_published_rounds_a_correction_rewrites(content_dir: Path, tmp_path: Path, run_cli):
    """A corrected figure dated inside an earlier round changed that round's page, and `diff`
    said "Status changes: 0" (rounds audit): it now lists the rewritten round statuses first."""
    set_rounds(content_dir, ROUNDS)
    base = tmp_path / "base"
    shutil.copytree(content_dir, base)
    path = content_dir / "measures" / "huitian" / "03-elderly-care-stations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  - date: 2020-03-31\n    value: 2\n",
                                                             "  - date: 2020-03-31\n    value: 0\n"), encoding="utf-8")
    result = run_cli("diff", str(base), "--content", "content", "--lang", "en", cwd=tmp_path)
    assert result.code == 0 and "Published rounds rewritten: 1" in result.out, result.out
    assert re.search(r"^\| 2020-03-31 \| huitian-3 .*\|", result.out, re.M)
    unchanged = run_cli("diff", str(base), "--content", str(base), "--lang", "en", cwd=tmp_path)
    assert "Published rounds rewritten" not in unchanged.out
