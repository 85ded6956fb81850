"""`bulletin diff BASE`: what a change to the content does, as Markdown for a reviewer.

BASE is a content directory or a git revision (a branch, tag or commit). A revision is
read with `git archive` into a temporary directory — never a checkout, never the network —
so the working tree is left alone. Both sides are loaded and validated with `check`, their
statuses derived with the same `assess` as the site, and the summary lists: status changes
per measure (old → new), target and deadline edits, new (and removed) progress reports, new
sources, reporting rounds, and translation gaps the change brings. The command always exits 0
when it could compare: it informs a review, it does not gate it (`check` does that).
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .l10n import LOCALE_DIR, Lang
from .messages import localise
from .model import Content, Measure, Target
from .palette import N_
from .problems import Problem
from .units import target_figure
from .validate import CheckResult, check


class BaseError(Exception):
    """BASE is neither a content directory nor a git revision with the content in it.

    Carries a gettext msgid and its arguments, so the command says it in the chosen language."""

    def __init__(self, message: str, **args: str):
        super().__init__(message % args)
        self.message, self.args_ = message, args

    def text(self, lang: Lang) -> str:
        return lang.gettext(self.message) % self.args_


def resolve_base(base: str, content: Path, workdir: Path) -> Path:
    """The content directory BASE names: BASE itself, or the content folder at git revision BASE, extracted into workdir."""
    as_dir = Path(base)
    if as_dir.is_dir():
        if not (as_dir / "bulletin.yaml").exists():
            raise BaseError(N_("%(base)s is a folder without bulletin.yaml; give the content folder of the other version"), base=base)
        return as_dir
    top = _git(["rev-parse", "--show-toplevel"], cwd=content)
    if top is None:
        raise BaseError(N_("%(base)s is not a folder, and %(content)s is not inside a git repository, so it cannot be a git revision"),
                        base=base, content=str(content))
    root = Path(top.decode().strip())
    if _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], cwd=root) is None:
        raise BaseError(N_("%(base)s is neither a content folder nor a git revision (branch, tag or commit) of %(root)s"),
                        base=base, root=str(root))
    relative = content.resolve().relative_to(root.resolve()).as_posix()
    archive = _git(["archive", "--format=tar", base, "--", relative], cwd=root)
    if archive is None:
        raise BaseError(N_("revision %(base)s has no %(folder)s/ folder to compare with"), base=base, folder=relative)
    try:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            # Plain files and folders only, inside workdir: a link in the repository is not followed.
            members = [m for m in tar.getmembers() if (m.isfile() or m.isdir())
                       and not m.name.startswith("/") and ".." not in Path(m.name).parts]
            if hasattr(tarfile, "data_filter"):
                tar.extractall(workdir, members=members, filter="data")
            else:  # Python before 3.11.4
                tar.extractall(workdir, members=members)
    except (tarfile.TarError, OSError) as exc:
        raise BaseError(N_("the content at revision %(base)s could not be read: %(reason)s"), base=base, reason=str(exc)) from exc
    if not (workdir / relative / "bulletin.yaml").is_file():
        raise BaseError(N_("revision %(base)s has no %(folder)s/ folder to compare with"), base=base, folder=relative)
    return workdir / relative


def _git(args: list[str], cwd: Path) -> bytes | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


# --- the comparison (pure: two validated contents in, facts out) ----------------------

@dataclass(frozen=True)
class Edit:
    measure: str
    target: str | None  # None: the measure itself
    what: str  # field name
    before: Any
    after: Any


@dataclass
class Comparison:
    statuses: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # measure id, old, new
    edits: list[Edit] = field(default_factory=list)
    reports: list[tuple[str, str, Any]] = field(default_factory=list)  # measure, target, entry
    removed_reports: list[tuple[str, str, Any]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    rounds: list[Any] = field(default_factory=list)
    translation_gaps: list[Problem] = field(default_factory=list)
    # Earlier rounds whose published statuses the edit changes: (round, measure id or None for the
    # whole round, status published, status now). A correction or a late report rewrites them.
    rewritten: list[tuple[Any, str | None, str | None, str | None]] = field(default_factory=list)


TARGET_FIELDS = ("kind", "target", "unit", "baseline", "start", "deadline", "direction", "milestones")


def compare(old: CheckResult, new: CheckResult) -> Comparison:
    from .status import assess

    a, b = old.content, new.content
    assert a is not None and b is not None
    out = Comparison()
    before, after = assess(a), assess(b)
    for mid in [*a.measures, *(m for m in b.measures if m not in a.measures)]:
        s0 = before[mid].status.value if mid in before else None
        s1 = after[mid].status.value if mid in after else None
        if s0 != s1:
            out.statuses.append((mid, s0, s1))
    for mid, ms in b.measures.items():
        old_ms = a.measures.get(mid)
        if old_ms is None:
            continue
        if a.window(old_ms).end != b.window(ms).end:
            out.edits.append(Edit(mid, None, "deadline", a.window(old_ms).end, b.window(ms).end))
        old_targets = {t.id: t for t in old_ms.targets}
        for t in ms.targets:
            ot = old_targets.get(t.id)
            if ot is None:
                out.edits.append(Edit(mid, t.id, "added", None, t.target))
                continue
            out.edits += [Edit(mid, t.id, f, getattr(ot, f), getattr(t, f)) for f in TARGET_FIELDS if getattr(ot, f) != getattr(t, f)]
            out.reports += [(mid, t.id, e) for e in t.progress if e not in ot.progress]
            out.removed_reports += [(mid, t.id, e) for e in ot.progress if e not in t.progress]
        new_ids = {t.id for t in ms.targets}
        out.edits += [Edit(mid, tid, "removed", ot.target, None) for tid, ot in old_targets.items() if tid not in new_ids]
    for mid, ms in b.measures.items():  # reports on measures new to the bulletin count as new reports too
        if mid not in a.measures:
            out.reports += [(mid, t.id, e) for t in ms.targets for e in t.progress]
    out.reports.sort(key=lambda r: r[2].date)  # stable: reading order on one date (measure 2 before measure 10)
    out.sources = [sid for sid in b.sources if sid not in a.sources]
    out.rounds = [d for d in (b.bulletin.rounds or [b.bulletin.as_of]) if d not in (a.bulletin.rounds or [a.bulletin.as_of])]
    out.rewritten = _rewritten_rounds(a, b, before, after)
    known = {_gap_key(p) for p in old.problems if _is_gap(p)}
    out.translation_gaps = [p for p in new.problems if _is_gap(p) and _gap_key(p) not in known]
    return out


def _rewritten_rounds(a: Content, b: Content, now_a: dict, now_b: dict) -> list[tuple[Any, str | None, str | None, str | None]]:
    """The statuses the old version published at its rounds before the new reporting date that the
    new version shows differently (round pages are meant never to change once a later round exists)."""
    from .rounds import history

    # Only listed rounds have pages of their own (a bulletin without `rounds` publishes the current one only).
    past = [d for d in a.bulletin.rounds if d < b.bulletin.as_of]
    if not past:
        return []
    then, now = history(a, now_a), history(b, now_b)  # each version's current statuses, worked out once in `compare`
    out: list[tuple[Any, str | None, str | None, str | None]] = []
    for day in past:
        if day not in now.at:
            out.append((day, None, None, None))  # the round is no longer listed: its pages go
            continue
        was, is_ = then.at.get(day, {}), now.at[day]
        for mid in [*was, *(m for m in is_ if m not in was)]:
            s0 = was[mid].status.value if mid in was else None
            s1 = is_[mid].status.value if mid in is_ else None
            if s0 != s1:
                out.append((day, mid, s0, s1))
    return out


def _is_gap(problem: Problem) -> bool:
    return problem.message.startswith("missing the `") or " has no `" in problem.message and problem.message.startswith("page `")


def _gap_key(problem: Problem) -> tuple[str, str, str]:
    return (Path(problem.file).name if "measures" not in problem.file else "/".join(Path(problem.file).parts[-2:]),
            problem.field, problem.message)


# --- Markdown --------------------------------------------------------------------------

def _measure_label(lang: Lang, content: Content, mid: str) -> str:
    ms: Measure = content.measures[mid]
    return f"{mid} {lang.text(ms.title).text}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(comparison: Comparison, old: Content, new: Content, lang: Lang, base: str) -> str:
    from .palette import status_label

    _ = lang.gettext
    status = lambda s: status_label(s, lang) if s else _("(not in this version)")
    label = lambda mid: _measure_label(lang, new if mid in new.measures else old, mid)
    colon = _(": ")
    lines = [_title(lang, base), ""]
    c = comparison
    counts = [(N_("Status changes"), len(c.statuses)), (N_("Target and deadline edits"), len(c.edits)),
              (N_("New progress reports"), len(c.reports)), (N_("New sources"), len(c.sources)),
              (N_("Translation gaps"), len(c.translation_gaps)), (N_("New reporting rounds"), len(c.rounds)),
              (N_("Removed or rewritten progress reports"), len(c.removed_reports)),
              (N_("Published rounds rewritten"), len(c.rewritten))]
    lines.append(_(", ").join(f"{_(name)}{colon}{n}" for i, (name, n) in enumerate(counts) if n or i < 3))  # the first three always
    lines.append("")
    if not any(n for _name, n in counts):
        lines += [_("No change to statuses, targets, reports, sources or translations."), ""]
        return "\n".join(lines)
    if c.rewritten:
        # First: the one thing a reader of the published site cannot see for themselves.
        lines += ["### " + _("Published rounds rewritten"), "",
                  _("These statuses were published at an earlier round and would read differently after this change "
                    "(a corrected or late report, an undated override, a measure added without `added:` or deleted)."), "",
                  _row([_("Round"), _("Measure"), _("Published"), _("Now")]), "| --- | --- | --- | --- |"]
        gone = _("(the round is no longer listed: its pages are removed)")
        at_round = lambda s: status_label(s, lang) if s else _("Not yet in the bulletin")  # noqa: E731 - as the round page says
        for day, mid, s0, s1 in c.rewritten:
            if mid is None:
                lines.append(f"| {day.isoformat()} | {gone} | | |")
            else:
                lines.append(f"| {day.isoformat()} | {_cell(label(mid))} | {at_round(s0)} | {at_round(s1)} |")
        lines.append("")
    if c.rounds:
        lines += ["### " + _("New reporting rounds"), ""]
        lines += [f"- {lang.date(d)} ({d.isoformat()})" for d in c.rounds] + [""]
    if c.statuses:
        lines += ["### " + _("Status changes"), "", _row([_("Measure"), _("Before"), _("After")]), "| --- | --- | --- |"]
        lines += [f"| {_cell(label(mid))} | {status(s0)} | {status(s1)} |" for mid, s0, s1 in c.statuses] + [""]
    if c.edits:
        lines += ["### " + _("Target and deadline edits"), ""]
        for e in c.edits:
            where = label(e.measure) + (f" / {e.target}" if e.target else "")
            if e.what == "added":
                lines.append(f"- {where}{colon}" + _("new target"))
            elif e.what == "removed":
                lines.append(f"- {where}{colon}" + _("target removed"))
            else:
                lines.append(f"- {where}{colon}`{e.what}` {_show(e.before)} → {_show(e.after)}")
        lines.append("")
    if c.reports:
        lines += ["### " + _("New progress reports"), "", _row([_("Date"), _("Measure"), _("Target title"), _("Value")]),
                  "| --- | --- | --- | --- |"]
        for mid, tid, entry in c.reports:
            target = _target(new, mid, tid)
            # As the site shows it: 1.12万人 / 11.2 thousand people, 是 / done, never a bare 1.12 or `true`.
            lines.append(f"| {entry.date.isoformat()} | {_cell(label(mid))} | {_cell(lang.text(target.title).text)} | "
                         f"{_cell(target_figure(lang, target, entry.value))} |")
        lines.append("")
    if c.removed_reports:
        lines += ["### " + _("Removed or rewritten progress reports"), ""]
        lines += [f"- {entry.date.isoformat()} {_cell(label(mid))} / {tid}{colon}{_show(entry.value)}" for mid, tid, entry in c.removed_reports]
        lines.append("")
    if c.sources:
        lines += ["### " + _("New sources"), ""]
        lines += [f"- `{sid}` {lang.text(new.sources[sid].title).text}" for sid in c.sources] + [""]
    if c.translation_gaps:
        lines += ["### " + _("Translation gaps"), ""]
        lines += [f"- `{p.file}:{p.line}` {p.field}{colon}{localise(p.message, lang.gettext)}" for p in c.translation_gaps] + [""]
    return "\n".join(lines)


def _title(lang: Lang, base: str) -> str:
    return "## " + lang.gettext("Content changes against %(base)s") % {"base": base}


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _target(content: Content, mid: str, tid: str) -> Target:
    return next(t for t in content.measures[mid].targets if t.id == tid)


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if hasattr(value, "__dataclass_fields__"):
        return "{" + ", ".join(f"{k}: {_show(getattr(value, k))}" for k in value.__dataclass_fields__) + "}"
    return str(value)


# --- the command ------------------------------------------------------------------------

def cmd_diff(args: argparse.Namespace) -> int:
    new = check(args.content)
    languages = new.content.bulletin.languages if new.content else ["zh", "en"]
    code = args.lang or (new.content.bulletin.default_lang if new.content else languages[0])
    available = sorted({*languages, *(p.name for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES").is_dir())})
    if code not in available:
        print(f"diff: --lang {code}: choose one of {', '.join(available)}", file=sys.stderr)
        return 2
    lang = Lang(code, languages if code in languages else [code, *languages])
    _ = lang.gettext
    with tempfile.TemporaryDirectory(prefix="bulletin-diff-") as tmp:
        try:
            base_dir = resolve_base(args.base, Path(args.content), Path(tmp))
        except BaseError as exc:
            print(f"diff: {exc.text(lang)}", file=sys.stderr)
            return 1
        old = check(base_dir)
        if new.content is None or new.errors:
            print(_title(lang, args.base) + "\n")
            print(_("The content has %(n)s errors, so statuses cannot be compared; `bulletin check` lists them.")
                  % {"n": len(new.errors)})
            return 0
        if old.content is None or old.errors:
            print(_title(lang, args.base) + "\n")
            print(_("The content at %(base)s has %(n)s errors, so statuses cannot be compared with it.")
                  % {"base": args.base, "n": len(old.errors)})
            return 0
        comparison = compare(old, new)
        print(render_markdown(comparison, old.content, new.content, lang, args.base))
    return 0


def register(sub, project_args) -> None:
    p = sub.add_parser("diff", help=N_("compare the content with another version (a folder or a git revision) as Markdown"))
    p.add_argument("base", help=N_("the other version: a content folder, or a git revision such as origin/main"))
    project_args(p)
    p.add_argument("--lang", default=None, help=N_("language of the summary (default: the bulletin's default language)"))
    p.set_defaults(func=cmd_diff)
