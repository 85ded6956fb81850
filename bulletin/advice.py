"""Checks that need derived statuses: run by `check` and `build` after validation.

`validate.py` sees only what editors wrote; whether a measure is behind or late is derived
(stage 3). A measure that is behind, overdue or overdue and not reported should say why:
without an `explanation` (on the measure or on the target that decides it) `check` warns,
or fails when bulletin.yaml sets `missing_explanation: error`.
"""

from __future__ import annotations

from pathlib import Path

from .loader import load_yaml
from .model import Content
from .problems import Problem
from .status import MeasureAssessment, Status, assess
from .validate import CheckResult, _display, check

NEEDS_EXPLANATION: frozenset[Status] = frozenset({Status.BEHIND, Status.OVERDUE, Status.OVERDUE_UNREPORTED})


def explained(content: Content, measure_id: str, a: MeasureAssessment) -> bool:
    ms = content.measures[measure_id]
    if ms.explanation:
        return True
    target = next((t for t in ms.targets if t.id == a.deciding), None)
    return bool(target and target.explanation)


def explanation_problems(root: Path, content: Content, assessments: dict[str, MeasureAssessment] | None = None) -> list[Problem]:
    assessments = assessments if assessments is not None else assess(content)
    severity = content.bulletin.missing_explanation
    if severity == "off":
        return []
    problems = []
    for mid, a in assessments.items():
        if a.status not in NEEDS_EXPLANATION or a.overridden or explained(content, mid, a):
            continue
        relative = content.files.get(f"measure:{mid}")
        path = Path(root) / relative if relative else Path(root)
        name = _display(path, Path(root))
        line = 1
        doc, _ = load_yaml(path, name) if relative else (None, [])
        if doc is not None:
            line, _col = doc.where(("title",))
        label = {Status.BEHIND: "behind", Status.OVERDUE: "overdue"}.get(a.status, "overdue and not reported")
        problems.append(Problem(name, line, 1, "explanation",
                                f"the measure is {label} but says nothing about why; add `explanation: {{zh: …, en: …}}` "
                                "(and `next_steps:` with date, action and department) to the measure or to its target", severity))
    return problems


def full_check(root: Path, *, warnings: bool = True) -> CheckResult:
    """`validate.check`, plus the checks on derived statuses when the content is valid.

    The build passes warnings=False: it fails on these when they are errors, but leaves
    the warnings to `check`, so that every rebuild of the dev server is not a wall of them."""
    result = check(root)
    if result.content is not None and not result.errors:
        found = explanation_problems(root, result.content)
        result.problems.extend(p for p in found if warnings or p.severity == "error")
        result.problems.sort(key=lambda p: (p.file, p.line, p.column))
    return result
