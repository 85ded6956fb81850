"""Problems found in content: one line each, `file:line:column: field: message`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    column: int
    field: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}:{self.column}: {self.field or '(file)'}: {prefix}{self.message}"

    def annotation(self) -> str:
        """The same problem as a GitHub Actions workflow command, shown on the changed line."""
        kind = "warning" if self.severity == "warning" else "error"
        message = f"{self.field}: {self.message}".replace("%", "%25").replace("\n", "%0A")
        return f"::{kind} file={self.file},line={self.line},col={self.column}::{message}"


class BuildFailure(Exception):
    """The site cannot be built as it stands; the message names the file and the fix."""


class ContentError(BuildFailure):
    """Raised when content cannot be built; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in content")


class TemplateFailure(BuildFailure):
    """A template could not be rendered; the message names the template file and line."""


class ChartFailure(Exception):
    """A chart could not be drawn; the builder adds the page and the content file and line it shows."""
