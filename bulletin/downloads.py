"""Render stage: the files beside the pages — open-data downloads (CSV, JSON) and Atom feeds, in each language.

`data/measures.csv`, `data/progress.csv`, `data/status_history.csv` and `data/bulletin.json`
per language, and beside each measure page its `data.json`, `data.csv` and chart SVGs.
Every file says under what terms it may be reused (a licence column, an `about` block),
CSV cells never run as formulas in a spreadsheet, JSON is standard. The functions take the
`Renderer` for what pages and downloads must say alike: addresses, reason sentences (with
the same fallback markers), chart figures, and the feed template. The sitemap lists the
pages and stays in `render.py`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from typing import TYPE_CHECKING, Any, Callable

from markupsafe import Markup

from .l10n import Lang
from .model import Measure, NextStep
from .palette import N_, status_label
from .reasons import LABEL_SEPARATOR
from .site import PATHS, department_path, measure_path, programme_path
from .units import scaled_unit

if TYPE_CHECKING:  # the renderer is passed in; imported only for type checking
    from .render import Renderer

KIND_LABELS = {"count": N_("Count"), "percentage": N_("Percentage"), "amount": N_("Amount"), "milestone": N_("Yes/no milestone")}


Make = Callable[[], dict[str, bytes]]


def download_groups(r: "Renderer", lang: Lang) -> list[tuple[str, Make]]:
    """The downloads of one language as groups of files made together: each site-wide file,
    and each measure's files. A group is named here only by ids; whatever it shows is read
    when it is made, so the builder can tell from its recorded reads when to make it again."""
    code = lang.code
    groups: list[tuple[str, Make]] = [
        (f"{code}/data/{name}", lambda name=name, make=make: {f"{code}/data/{name}": make(r, lang)})
        for name, make in (("measures.csv", measures_csv), ("status_history.csv", status_history_csv),
                           ("progress.csv", progress_csv), ("bulletin.json", bulletin_json))]
    groups += [(f"{code}/{measure_path(mid)}", lambda mid=mid: measure_downloads(r, lang, mid)) for mid in r.content.measures]
    return groups


def feed_groups(r: "Renderer", code: str) -> list[tuple[str, Make]]:
    """Each feed of one language, as a group of one file (see `download_groups`)."""
    def feed(path: str, page: str, subject: Callable[[], Any], **query: str) -> Make:
        def make() -> dict[str, bytes]:
            template = r.envs[code].get_template("feed.xml")
            return {f"{code}/{path}": xml_text(template.render(
                entries=r.site.feed(**query), canonical=r.canonical, feed_url=r.base_url + f"{code}/{path}",
                page_url=r.canonical(code, page), subject=subject())).encode("utf-8")}
        return make

    wanted = [("feed.xml", feed("feed.xml", PATHS["updates"], lambda: None))]
    for pid in r.content.programmes:
        path = programme_path(pid).replace("index.html", "feed.xml")
        wanted.append((path, feed(path, programme_path(pid), lambda pid=pid: r.content.programmes[pid].title, programme=pid)))
    for did in r.site.departments_used():
        path = department_path(did).replace("index.html", "feed.xml")
        wanted.append((path, feed(path, department_path(did), lambda did=did: r.content.departments[did].name, department=did)))
    return [(f"{code}/{path}", make) for path, make in wanted]


def status_history_csv(r: "Renderer", lang: Lang) -> bytes:
    """Every measure's and target's status at every round it takes part in, oldest round first."""
    header = ["measure", "target", "round", "status", "reached", "expected", "status_label"]
    rows = []
    for ms in r.content.measures.values():
        for day, a in r.site.history_of(ms.id):
            if a is None:
                continue
            rows.append([ms.id, "", day.isoformat(), a.status.value, "", "", status_label(a.status, lang)])
            for tid, ta in a.targets.items():
                rows.append([ms.id, tid, day.isoformat(), ta.status.value, _share(ta.reached), _share(ta.expected),
                             status_label(ta.status, lang)])
    return _csv_file(r, header, rows)


def _csv_file(r: "Renderer", header: list[str], rows: list[list[Any]], lang: Lang | None = None) -> bytes:
    licence = r.content.bulletin.licence
    if licence:  # a file passed on alone still says under what terms it may be reused
        terms = f"{licence.name} {licence.url}" if licence.url else licence.name
        name = lang.gettext("Licence") if lang is not None else "licence"  # headers in the file's language
        header, rows = header + [name], [row + [terms] for row in rows]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[spreadsheet_cell(value) for value in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")  # BOM: Excel then reads the Chinese correctly


# Open data in the reader's language: headers and labels translated, codes kept in their own
# columns (status, kind, ids) for programs, dates ISO 8601, yes/no milestones as words.
def measures_csv(r: "Renderer", lang: Lang) -> bytes:
    c, text, _ = r.content, lambda v: lang.text(v).text, lang.gettext
    header = [_("Programme ID"), _("Number"), _("Measure ID"), _("Title"), _("Category"), _("Lead"), _("Supporting"),
              _("Deadline"), _("Status"), _("Status code"), _("Reason"), _("Address"), _("Due soon"),
              _("Targets reported"), _("Targets"), _("Explanation"), _("Next steps")]
    rows = []
    for ms in c.measures.values():
        a = r.site.assessments[ms.id]
        rows.append([ms.programme, ms.number, ms.id, text(ms.title), text(c.categories[ms.category].name),
                     "; ".join(text(c.departments[d].name) for d in ms.lead),
                     "; ".join(text(c.departments[d].name) for d in ms.support),
                     r.site.deadline_of(ms).isoformat(), status_label(a.status, lang), a.status.value,
                     str(Markup(r.measure_reason(lang, ms)).striptags()), r.canonical(lang.code, measure_path(ms.id)),
                     _("yes") if a.due_soon else _("no"), a.reported, len(ms.targets), text(ms.explanation),
                     _next_steps_text(r, lang, ms.next_steps)])
    return _csv_file(r, header, rows, lang)


def _next_steps_text(r: "Renderer", lang: Lang, steps: list[NextStep]) -> str:
    """Next steps on one line for the CSV: date, department: action; …"""
    dept = r.content.departments
    return "; ".join(f"{s.date.isoformat()} {lang.text(dept[s.department].name).text if s.department in dept else s.department}"
                     f"{lang.gettext(LABEL_SEPARATOR)}{lang.text(s.action).text}" for s in steps)


def progress_csv(r: "Renderer", lang: Lang) -> bytes:
    rows = [row for ms in r.content.measures.values() for row in _progress_rows(r, lang, ms)]
    return _csv_file(r, progress_header(lang), rows, lang)


def progress_header(lang: Lang) -> list[str]:
    _ = lang.gettext
    return [_("Programme ID"), _("Measure ID"), _("Target ID"), _("Target name"), _("Kind"), _("Kind code"), _("Unit"),
            _("Baseline"), _("Target value"), _("Deadline"), _("Date"), _("Value"), _("Note"), _("Source ID"),
            _("Source"), _("Scale"), _("Original target value"), _("Original deadline")]


def _progress_rows(r: "Renderer", lang: Lang, ms: Measure) -> list[list[Any]]:
    c, text, _ = r.content, lambda v: lang.text(v).text, lang.gettext

    def cell(value: Any) -> Any:
        return (_("yes") if value else _("no")) if isinstance(value, bool) else _figure(value)

    rows = []
    window = r.content.window(ms)
    for t in ms.targets:
        a = r.site.assessments[ms.id].targets[t.id]
        first = t.original
        original_deadline = first.window(window).end if first.deadline != t.deadline else a.deadline
        # the unit one figure × scale is counted in: 元 with scale 10000, also for `unit: 万元` without
        # `scale` (content written before scale existed), never 万元 × 10000
        unit = scaled_unit(t.unit, t.scale)
        scale = unit.scale
        for e in t.progress:
            rows.append([ms.programme, ms.id, t.id, text(t.title), _(KIND_LABELS[t.kind]), t.kind, text(unit.unit),
                         cell(t.baseline.value) if t.baseline else "", cell(t.target),
                         a.deadline.isoformat() if a.deadline else "", e.date.isoformat(), cell(e.value),
                         text(e.note), e.source or "", text(c.sources[e.source].title) if e.source else "",
                         _figure(scale), cell(first.target),
                         original_deadline.isoformat() if original_deadline else ""])
    return rows


def measure_downloads(r: "Renderer", lang: Lang, mid: str) -> dict[str, bytes]:
    """Beside a measure's page: its data as JSON and CSV, and each chart as an SVG file.

    The JSON is the measure's entry of bulletin.json with the bulletin's licence and the
    page's address, so a file passed on alone still says where it is from."""
    ms = r.content.measures[mid]
    folder = f"{lang.code}/{measure_path(ms.id).removesuffix('index.html')}"
    data = dict(_about(r, lang), url=r.canonical(lang.code, measure_path(ms.id)), measure=_measure_json(r, lang, ms))
    files = {folder + "data.json": _json(data),
             folder + "data.csv": _csv_file(r, progress_header(lang), _progress_rows(r, lang, ms), lang)}
    for t in ms.targets if r.chart_renderer else ():
        fig = r.figure("target_progress", (ms.id, t.id), lang)
        if fig is not None:
            files[folder + f"chart-{t.id}.svg"] = ('<?xml version="1.0" encoding="UTF-8"?>\n' + fig.svg + "\n").encode("utf-8")
    return files


def _about(r: "Renderer", lang: Lang) -> dict[str, Any]:
    """Where a download comes from and under what terms, at the top of every JSON file."""
    b = r.content.bulletin
    about: dict[str, Any] = {"language": lang.code, "title": lang.text(b.title).text,
                             "organisation": lang.text(b.organisation).text, "as_of": b.as_of.isoformat()}
    if b.licence:
        about["licence"] = {"name": b.licence.name, "url": b.licence.url}
    return about


def bulletin_json(r: "Renderer", lang: Lang) -> bytes:
    c, text = r.content, lambda v: lang.text(v).text if v else None
    data = {
        **_about(r, lang), "rounds": [d.isoformat() for d in r.site.rounds()], "thresholds": {"ahead": c.bulletin.thresholds.ahead, "behind": c.bulletin.thresholds.behind},
        "pace_rule": ({"kind": "points", "ahead": c.bulletin.pace_rule.ahead, "behind": c.bulletin.pace_rule.behind,
                       "seriously_behind": c.bulletin.pace_rule.seriously_behind}
                      if c.bulletin.pace_rule else {"kind": "ratio", "ahead": c.bulletin.thresholds.ahead, "behind": c.bulletin.thresholds.behind}),
        "due_soon_days": c.bulletin.due_soon_days,
        "programmes": [{"id": p.id, "title": text(p.title), "period": [p.period.start.isoformat(), p.period.end.isoformat()],
                        "issuers": p.issuers, "sources": p.sources} for p in c.programmes.values()],
        "departments": {d.id: text(d.name) for d in c.departments.values()},
        "categories": {k.id: text(k.name) for k in c.categories.values()},
        "sources": {s.id: {"title": text(s.title), "publisher": text(s.publisher),
                           "date": s.date.isoformat() if s.date else None, "url": s.url, "seed": s.seed} for s in c.sources.values()},
        "measures": [_measure_json(r, lang, ms) for ms in c.measures.values()],
    }
    return _json(data)


def _steps_json(lang: Lang, steps: list[NextStep]) -> list[dict]:
    return [{"date": s.date.isoformat(), "action": lang.text(s.action).text, "department": s.department} for s in steps]


def _measure_json(r: "Renderer", lang: Lang, ms: Measure) -> dict:
    text = lambda v: lang.text(v).text if v else None
    a = r.site.assessments[ms.id]
    history = [(day.isoformat(), then) for day, then in r.site.history_of(ms.id) if then is not None]
    return {
        "id": ms.id, "programme": ms.programme, "number": ms.number, "title": text(ms.title), "category": ms.category,
        "lead": ms.lead, "support": ms.support, "deadline": r.site.deadline_of(ms).isoformat(),
        "status": a.status.value, "stale": a.stale, "reason": str(Markup(r.measure_reason(lang, ms)).striptags()),
        "due_soon": a.due_soon, "seriously_behind": a.seriously_behind, "targets_reported": a.reported,
        "explanation": text(ms.explanation), "next_steps": _steps_json(lang, ms.next_steps),
        # the editors' status with what backs it: a `completed` override's source is the evidence
        "override": {"status": ms.override.status, "reason": text(ms.override.reason), "source": ms.override.source,
                     "date": ms.override.date.isoformat() if ms.override.date else None} if ms.override else None,
        "targets": [{
            # Figures are as the source gives them: `scale` × `unit` each (e.g. 10000 × yuan for 万元);
            # `base_unit`, the same, is kept for readers written before `unit` was the base unit.
            "id": t.id, "title": text(t.title), "kind": t.kind, "unit": text(scaled_unit(t.unit, t.scale).unit),
            "direction": t.direction,
            "scale": scaled_unit(t.unit, t.scale).scale, "base_unit": text(scaled_unit(t.unit, t.scale).unit),
            "baseline": {"value": t.baseline.value, "date": t.baseline.date.isoformat()} if t.baseline else None,
            "target": t.target, "deadline": a.targets[t.id].deadline.isoformat() if a.targets[t.id].deadline else None,
            "original": {"target": t.original.target,
                         "deadline": t.original.window(r.content.window(ms)).end.isoformat()},
            "revisions": [{"date": r.date.isoformat(), "field": r.field, "from": _json_value(r.from_), "to": _json_value(r.to),
                           "reason": text(r.reason), "source": r.source} for r in t.revisions],
            "status": a.targets[t.id].status.value, "due_soon": a.targets[t.id].due_soon,
            "seriously_behind": a.targets[t.id].seriously_behind,
            "explanation": text(t.explanation), "next_steps": _steps_json(lang, t.next_steps),
            "expected": a.targets[t.id].expected, "reached": a.targets[t.id].reached,
            "milestones": [{"date": m.date.isoformat(), "value": m.value} for m in t.milestones],
            "progress": [{"date": e.date.isoformat(), "value": e.value, "source": e.source, "note": text(e.note)} for e in t.progress],
            "history": [{"round": day, "status": then.targets[t.id].status.value, "reached": then.targets[t.id].reached,
                         "expected": then.targets[t.id].expected} for day, then in history if t.id in then.targets],
        } for t in ms.targets],
        "history": [{"round": day, "status": then.status.value} for day, then in history],
    }


def _share(value: float | None) -> Any:
    """A share (0.5 = half the way) for the downloads, rounded so equal input gives equal bytes everywhere."""
    return "" if value is None or not math.isfinite(value) else round(value, 4)


def _json(data: Any) -> bytes:
    # Standard JSON has no NaN or Infinity; a ratio of extreme figures could still overflow, so it is written as null.
    return (json.dumps(_finite(data), ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8")


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


# A spreadsheet reads a cell starting with one of these as a formula (=HYPERLINK(…), =cmd|…, @SUM…).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_PIECE_BREAK = re.compile(r"(;|\r\n|\r|\n)")  # where a spreadsheet may start a new cell inside one


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text, never runs: text that would start a formula gets a
    leading apostrophe (the OWASP rule). Numbers, and text that is a plain negative number, stay as they are.

    Excel where `;` is the list separator (German, French) splits the comma-separated file at every
    `;`, quoted or not, so each piece after one starts a cell of its own: `Stations;=cmd|…` would run
    its second half. Each such piece is guarded as a cell start is. (The files' own `; ` between
    departments or next steps is followed by a name or a date, so they stay byte-identical.)"""
    if not isinstance(value, str) or not value:
        return value
    head, *rest = _PIECE_BREAK.split(value)
    if not rest:
        return _guarded(value)
    # rest alternates separator, piece: a line break inside a quoted cell starts a row of its own
    # in a reader that ignores the quotes (a text editor's import, some CSV tools)
    pieces = [piece if i % 2 else _guarded(piece, number=piece.strip(" ")) for i, piece in enumerate(rest, 1)]
    return "".join([_guarded(head, number=""), *pieces])


def _guarded(text: str, number: str | None = None) -> str:
    """`text` with a leading apostrophe if a spreadsheet would read it as a formula, unless `number`
    (the text itself by default) is a plain negative number: `-5;x` as one cell is a formula, so
    its head is never one, and a piece after `;` is read as its cell would be, spaces trimmed."""
    if not text:
        return text
    first = text.lstrip(" ")[:1] or text[:1]
    if (text[0] in _FORMULA_START or first in _FORMULA_START) and not _PLAIN_NUMBER.match(text if number is None else number):
        return "'" + text
    return text


def _json_value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _figure(value: Any) -> Any:
    """A value as an editor wrote it: 110, not 110.0; true/false for milestones."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return int(value) if isinstance(value, float) and value.is_integer() else value


# Characters XML 1.0 cannot hold at all; validation refuses them in content, this keeps a
# feed or sitemap well-formed whatever reaches it (a catalogue, a computed label).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
