"""Render stage: the sentences that explain a status, from the figures the status carries.

Pure functions of the page language, the content and its assessment, returning text:
what a page, a feed, a download or a report says about why a measure or a target has
its status, and what each status means (the methodology and status pages). Nothing here
knows Jinja; `tests/test_reasons.py` reads the sentences directly.
"""

from __future__ import annotations

from typing import Callable

from markupsafe import Markup, escape

from .l10n import Lang
from .model import Measure, PaceRule, Target, Text
from .palette import N_, status_label
from .status import Assessment, MeasureAssessment, Status, figure_at, pace
from .units import target_figure

STATUS_MEANINGS: dict[Status, str] = {
    Status.COMPLETED: N_("The target value has been reached (for a yes/no milestone: reported done, with a source)."),
    Status.AHEAD: N_("Progress is well ahead of the share of time elapsed."),
    Status.ON_TRACK: N_("Progress keeps pace with the share of time elapsed."),
    Status.BEHIND: N_("Progress lags the share of time elapsed."),
    Status.OVERDUE: N_("The deadline has passed and the target has not been reached."),
    Status.OVERDUE_UNREPORTED: N_("The deadline has passed and nothing has been reported by the reporting date (逾期未报)."),
    Status.IN_PROGRESS: N_("Work under way with no pace to measure: a yes/no milestone not yet done before its deadline, or a measure whose reported targets are done while others are not yet reported or not yet started."),
    Status.NOT_STARTED: N_("The reporting date is before the work starts."),
    Status.NO_DATA: N_("Nothing has been reported yet, and the deadline has not passed."),
    Status.ONGOING: N_("Continuing work with no end target."),
    Status.PAUSED: N_("Paused by the editors, who give the reason."),
    Status.DROPPED: N_("Dropped by the editors, who give the reason."),
}
# Punctuation that differs by language: Chinese uses a full-width colon.
LABEL_SEPARATOR = N_(": ")
# Brackets around a date after a figure ("110 (31 December 2017)"): full-width in Chinese.
BRACKETS = (N_(" ("), N_(")"))


def status_meaning(lang: Lang, status: Status | str) -> str:
    """What a status means, in one sentence (the methodology and status pages)."""
    return lang.gettext(STATUS_MEANINGS[Status(status)])


def plain_text(lang: Lang, value: Text | None) -> Markup:
    """A content text in `lang`, escaped; pages pass their own, which marks a fallback language."""
    return escape(lang.text(value).text)


def _shares(lang: Lang, a: Assessment, rule: PaceRule | None) -> tuple[str, str]:
    """The shares reached and expected as the sentence shows them: whole per cent, or with as many
    decimals (up to two) as it takes for the figures shown to give the status the rule gave
    (39.9% shown as 40% against 50% read as on track under a 10-point rule, and was behind)."""
    digits = 0
    if rule is not None and a.status in (Status.AHEAD, Status.ON_TRACK, Status.BEHIND) \
            and a.reached is not None and a.expected is not None:
        while digits < 2 and pace(round(a.reached, digits + 2), round(a.expected, digits + 2), rule) != a.status:
            digits += 1
    return lang.percent(a.reached, digits), lang.percent(a.expected, digits)


def target_reason(lang: Lang, target: Target, a: Assessment, rule: PaceRule | None = None) -> str:
    """Why a target has its status, e.g. "By 30 June 2020, 50% of the way to 6 was expected; 33% was reached (2 on …)."
    With the pace `rule`, shares are shown precisely enough to give the status they explain."""
    _ = lang.gettext
    reached, expected = _shares(lang, a, rule)
    args = {"deadline": lang.date(a.deadline), "start": lang.date(a.start), "as_of": lang.date(a.as_of),
            "expected": expected, "reached": reached,
            "target": target_figure(lang, target, target.target)}
    if a.latest is not None:
        args.update(value=target_figure(lang, target, a.latest.value), reported=lang.date(a.latest.date))
    s = a.status
    if isinstance(target.target, (int, float)) and not isinstance(target.target, bool):
        args["baseline"] = target_figure(lang, target, figure_at(target, 0.0))
        if a.expected is not None:  # the figure expected by now, for a sentence in figures rather than shares
            args["expected_value"] = target_figure(lang, target, round(figure_at(target, a.expected), 1))
    away = a.reached is not None and a.reached < 0  # a figure that moved from its baseline away from the target
    # A baseline other than zero: the pace is a share of the way from the baseline, which the
    # figures alone do not show (92% against 93.3% expected, from 80%, is behind; "75% of the
    # target 8" reads as 6 of 8 when the way goes from 12 down to 8): say both.
    from_baseline = "baseline" in args and figure_at(target, 0.0) != 0
    if s == Status.COMPLETED and target.kind == "milestone":
        sentence = _("Completed: reported done on %(reported)s.")
    elif s == Status.COMPLETED:
        sentence = _("Completed: %(value)s reported on %(reported)s, against a target of %(target)s.")
    elif s in (Status.AHEAD, Status.ON_TRACK, Status.BEHIND) and away:
        sentence = _("By %(as_of)s, %(expected)s of the way to %(target)s was expected; the figure has moved away from "
                     "the target instead (%(value)s on %(reported)s, from %(baseline)s).")
    elif s in (Status.AHEAD, Status.ON_TRACK, Status.BEHIND) and from_baseline and "expected_value" in args:
        sentence = _("By %(as_of)s, %(expected_value)s was expected on the way from %(baseline)s to %(target)s; %(value)s "
                     "was reported on %(reported)s: %(reached)s of the way, where %(expected)s was expected.")
    elif s in (Status.AHEAD, Status.ON_TRACK, Status.BEHIND) and target.kind == "percentage" and "expected_value" in args:
        # "50% of the way to 50%" reads as a riddle: a percentage target is said in its own figures
        sentence = _("By %(as_of)s, %(expected_value)s was expected on the way to %(target)s; %(value)s was reported on %(reported)s.")
    elif s in (Status.AHEAD, Status.ON_TRACK, Status.BEHIND):
        sentence = _("By %(as_of)s, %(expected)s of the way to %(target)s was expected; %(reached)s was reached (%(value)s on %(reported)s).")
    elif s == Status.OVERDUE and target.kind == "milestone":
        sentence = _("The deadline %(deadline)s has passed and the milestone is not reported done.")
    elif s == Status.OVERDUE and away:
        sentence = _("The deadline %(deadline)s has passed and the figure has moved away from the target %(target)s "
                     "(%(value)s on %(reported)s, from %(baseline)s).")
    elif s == Status.OVERDUE and (target.kind == "percentage" or from_baseline):  # "75% of the way to 100% (95% reported)" is a riddle
        sentence = (_("The deadline %(deadline)s has passed short of the target %(target)s: %(value)s was reported on "
                      "%(reported)s, from %(baseline)s.") if from_baseline else
                    _("The deadline %(deadline)s has passed short of the target %(target)s: %(value)s was reported on %(reported)s."))
    elif s == Status.OVERDUE:
        sentence = _("The deadline %(deadline)s has passed with %(reached)s of the way to %(target)s reached (%(value)s on %(reported)s).")
    elif s == Status.IN_PROGRESS:
        sentence = _("A yes/no milestone due by %(deadline)s, not yet reported done.")
    elif s == Status.NOT_STARTED:
        sentence = _("Work is due to start on %(start)s.")
    elif s == Status.OVERDUE_UNREPORTED:
        sentence = _("No progress has been reported; the deadline was %(deadline)s.")
    elif s == Status.NO_DATA:
        sentence = _("No progress has been reported yet; the deadline is %(deadline)s.")
    elif s == Status.ONGOING and a.latest is not None:
        sentence = _("Continuing work with no end target; latest figure %(value)s on %(reported)s.")
    else:
        sentence = _("Continuing work with no end target.")
    text = sentence % args
    if a.stale and a.latest is not None:
        text = _("%(sentence)s The latest report is from %(reported)s, older than the reporting interval.") % dict(args, sentence=text)
    return text


def reported_sentence(lang: Lang, a: MeasureAssessment, n: int) -> str:
    """"2 of 3 targets reported, 2 completed.": how much of the measure the status rests on."""
    done = sum(1 for t in a.targets.values() if t.status == Status.COMPLETED)
    args = {"k": lang.number(a.reported), "n": lang.number(n), "c": lang.number(done)}
    if done:
        return lang.ngettext("%(k)s of %(n)s target reported, %(c)s completed.",
                             "%(k)s of %(n)s targets reported, %(c)s completed.", n) % args
    return lang.ngettext("%(k)s of %(n)s target reported.", "%(k)s of %(n)s targets reported.", n) % args


def measure_reason(lang: Lang, ms: Measure, a: MeasureAssessment,
                   text: Callable[[Lang, Text | None], Markup] = plain_text,
                   source_title: Callable[[str], str] | None = None, rule: PaceRule | None = None) -> Markup:
    """Why a measure has its status, as safe HTML; `text` shows a content text (a target's title, an override's reason),
    `source_title` a source's title by its id (an override's evidence is named wherever the sentence goes)."""
    _ = lang.gettext
    colon = escape(_(LABEL_SEPARATOR))
    if a.overridden and ms.override is not None:
        o = ms.override
        if o.reason:
            why = text(lang, o.reason)
        elif o.source and source_title is not None:
            args = {"source": source_title(o.source), "date": lang.date(o.date) if o.date else ""}
            why = escape((_("Confirmed by %(source)s on %(date)s.") if o.date else _("Confirmed by %(source)s.")) % args)
        else:
            why = escape(_("Confirmed by the cited source."))
        return Markup(f"{escape(status_label(a.status, lang))}{colon}{why}")
    if not ms.targets:
        if a.status == Status.OVERDUE_UNREPORTED:
            return escape(_("This measure has no measurable target in its sources, and its deadline %(deadline)s has passed "
                            "with no progress reported.") % {"deadline": lang.date(a.deadline)})
        return escape(_("This measure has no measurable target in its sources."))
    target = next(t for t in ms.targets if t.id == a.deciding)
    sentence = target_reason(lang, target, a.targets[target.id], rule)
    if len(ms.targets) == 1:
        return escape(sentence)
    parts = [Markup(f"{text(lang, target.title)}{colon}{escape(sentence)}"), escape(reported_sentence(lang, a, len(ms.targets)))]
    # Unreported targets other than the deciding one are named, latest first: they must not vanish.
    titles = {t.id: t.title for t in ms.targets}
    for status in (Status.OVERDUE_UNREPORTED, Status.NO_DATA):
        others = [tid for tid in a.unreported if tid != a.deciding and a.targets[tid].status == status]
        if others:
            names = escape(_(", ")).join(text(lang, titles[tid]) for tid in others)
            stop = escape(_(". ").rstrip())  # a full stop: 。 in Chinese
            parts.append(Markup(f"{escape(status_label(status, lang))}{colon}{names}{stop}"))
    return Markup("").join(parts) if lang.chinese else Markup(" ").join(parts)
