"""The report (通报) of every reporting round, from what was known at that round.

The minimal fixture with rounds 2019-12-31, 2020-03-31 and 2020-06-30 (the reporting date):
the elderly-care stations (huitian-3) reported 2 on 2020-03-31 and 4 on 2020-06-20; the
large communities (huitian-6) were ahead at 2020-03-31 and are completed now.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import shutil
from pathlib import Path

import pytest

from bulletin.builder import Builder
from bulletin.site import Site
from bulletin.status import Status
from conftest import MINIMAL, ROOT
from test_rounds import ROUNDS, add_report, loaded, render, set_rounds

D = dt.date
TEMPLATES, THEME = ROOT / "templates", ROOT / "theme"
EARLIER = "rounds/2020-03-31/report/index.html"


@pytest.fixture(scope="module")
def built(tmp_path_factory, chart_cache) -> tuple[Site, Path]:
    """The minimal fixture with three rounds, built as `build` does (report PDFs off)."""
    content = tmp_path_factory.mktemp("round-reports") / "content"
    shutil.copytree(MINIMAL, content)
    set_rounds(content, ROUNDS)
    out = content.parent / "output"
    Builder(content, TEMPLATES, THEME, out, cache=chart_cache, report_pdfs=False).build()
    return Site(loaded(content)), out


def _rows(html: str) -> dict[str, str]:
    """Each report row by measure id."""
    return {m.group(1): m.group(0) for m in re.finditer(r'<tr>\s*<td class="col-no".*?/measures/([^/]+)/index\.html.*?</tr>', html, re.S)}


def _article(html: str) -> str:
    return html[html.index('<article class="report">'):html.index("</article>")]


def test_an_earlier_rounds_report_shows_what_was_known_at_that_round(built):
    site, out = built
    day = D(2020, 3, 31)
    html = (out / "en" / EARLIER).read_text(encoding="utf-8")
    rows = _rows(html)
    # Every measure taking part then, once, with its status at that round (not today's).
    assert sorted(rows) == sorted(site.history.at[day])
    for mid, row in rows.items():
        status = site.history.at[day][mid].status
        assert f'status-{status.value.replace("_", "-")}"' in row, mid
    assert site.status_of("huitian-6") == Status.COMPLETED and "status-ahead" in rows["huitian-6"]
    # The latest progress dated on or before the round: 2 stations on 31 March, not the 4 of 20 June.
    reported = re.findall(r'\(<time datetime="([\d-]+)">', _article(html))
    assert reported and max(reported) <= day.isoformat()
    assert "2 stations" in rows["huitian-3"] and "4 stations" not in rows["huitian-3"]
    assert "By 31 March 2020, 25% of the way to 6 stations was expected; 33% was reached" in rows["huitian-3"]
    # The first page says which round it is, that it is archived, and the reporting date.
    head = html[html.index('<header class="report-head">'):html.index("</header>", html.index('<header class="report-head">'))]
    assert "Figures as of 31 March 2020." in head
    assert re.search(r'class="report-round archived">Reporting round 31 March 2020: an archived round', head)
    zh = (out / "zh" / EARLIER).read_text(encoding="utf-8")
    assert "2020年3月31日报告轮次：已归档的轮次" in zh and "数据截至2020年3月31日。" in zh


def test_the_current_rounds_report_is_unchanged_and_its_round_address_leads_to_it(built, minimal_dir: Path):
    site, out = built
    from bulletin.render import Renderer

    plain = Site(loaded(minimal_dir))  # the same content and reporting date, no `rounds:`
    renderer = Renderer(plain, TEMPLATES, None, report_pdfs=False)
    without_rounds = renderer.render_all([p for p in plain.pages() if p.path.endswith("report/index.html")])
    for code in ("zh", "en"):
        for report in ("report/index.html", "programmes/huitian/report/index.html",
                       "departments/changping-government/report/index.html"):
            page = (out / code / report).read_text(encoding="utf-8")
            assert _article(page) == _article(without_rounds[f"{code}/{report}"].decode("utf-8")), report
            assert 'class="report-round">' in page and "report-round archived" not in page
            # rounds/<current>/…/report/ is no second copy: it links to this one.
            here = f"{code}/rounds/2020-06-30/{report}"
            lead = (out / here).read_text(encoding="utf-8")
            target = re.search(r'<a class="report-current-link" href="([^"]+)">', lead).group(1)
            assert posixpath.normpath(posixpath.join(posixpath.dirname(here), target)) == f"{code}/{report}"
            assert '<meta name="robots" content="noindex, follow">' in lead
            assert "report-table" not in lead and not (out / here).with_name("report.xlsx").exists()
    assert "rounds/2020-06-30/report/" not in (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "Reporting round 30 June 2020: the current round." in (out / "en/report/index.html").read_text(encoding="utf-8")


def test_per_programme_and_department_round_reports_with_their_workbook(built):
    from openpyxl import load_workbook

    site, out = built
    day = D(2019, 12, 31)
    folder = out / "en" / "rounds" / day.isoformat()
    for did in ("changping-government", "changping-civil-affairs"):
        html = (folder / "departments" / did / "report" / "index.html").read_text(encoding="utf-8")
        expected = {ms.id for ms, _ in site.round_measures(day) if did in ms.lead or did in ms.support}
        assert set(_rows(html)) == expected and expected
    programme = (folder / "programmes" / "huitian" / "report" / "index.html").read_text(encoding="utf-8")
    assert set(_rows(programme)) == set(site.history.at[day])
    # The workbook beside it has the same measures and says which round; an earlier round has no PDF.
    book = folder / "programmes" / "huitian" / "report" / "report.xlsx"
    rows = list(load_workbook(book).active.iter_rows(values_only=True))
    assert any("Reporting round 31 December 2019: an archived round" in (r[0] or "") for r in rows[:3])
    header = next(i for i, r in enumerate(rows) if r[:3] == ("Programme", "No.", "Measure"))
    assert {r[2] for r in rows[header + 1:] if r[2]} == {site.content.measures[m].title["en"] for m in site.history.at[day]}
    assert "report.pdf" not in programme and not book.with_name("report.pdf").exists()


def test_round_pages_and_the_rounds_index_link_every_rounds_report(built):
    site, out = built
    for code in ("zh", "en"):
        for day in site.rounds():
            page = f"{code}/rounds/{day.isoformat()}/index.html"
            html = (out / page).read_text(encoding="utf-8")
            section = html[html.index('class="round-report"'):html.index("</section>", html.index('class="round-report"'))]
            links = re.findall(r'href="([^"]+)"', section)
            assert "report/index.html" in links
            assert "departments/changping-government/report/index.html" in links
            for href in links:
                assert (out / posixpath.dirname(page) / href).is_file(), f"{page}: {href}"
        index = (out / code / "rounds" / "index.html").read_text(encoding="utf-8")
        assert 'href="2019-12-31/report/index.html"' in index and 'href="../report/index.html"' in index
    # Every link on an earlier round's report resolves, its workbook and the current report among them.
    report = f"en/{EARLIER}"
    for href in set(re.findall(r'href="([^"#:]+)"', (out / report).read_text(encoding="utf-8"))):
        assert (out / posixpath.normpath(posixpath.join(posixpath.dirname(report), href))).is_file(), href


def test_adding_a_round_leaves_earlier_rounds_reports_unchanged(content_dir: Path):
    set_rounds(content_dir, ROUNDS)
    before = {p: b for p, b in render(content_dir).items() if "/rounds/" in p and "/report/" in p}
    set_rounds(content_dir, [*ROUNDS, "2020-09-30"], as_of="2020-09-30")
    add_report(content_dir, "03-elderly-care-stations.yaml", 0, "2020-09-15", 6)
    after = render(content_dir)
    for path, html in before.items():
        if "/2020-06-30/" in path:  # the round that was current now has its own archived report
            assert b'report-round archived' in after[path] and b"report-current-link" in html
        else:
            assert after[path] == html, path
    archived = after["en/rounds/2020-06-30/report/index.html"].decode("utf-8")
    assert "4 stations" in _rows(archived)["huitian-3"]  # not the 6 reported after it
