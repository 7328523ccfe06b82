"""Problems found in an extract, and the exceptions that carry them to the user."""

from __future__ import annotations

from dataclasses import dataclass

ERROR, WARNING = "fejl", "advarsel"


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # line in a CSV file, row in an Excel sheet, record number in JSON
    column: str | None
    value: str | None
    message: str  # what was expected, in Danish: it is shown to users as is
    severity: str = ERROR

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"række {self.row}")
        if self.column:
            where.append(f"kolonne '{self.column}'")
        if self.value is not None:
            where.append(f"værdi '{self.value}'")
        return f"{', '.join(where)}: {self.message}"


class PipelineError(Exception):
    """Base for errors the pipeline reports to users in plain words."""


class ExtractRejected(PipelineError):
    """The extract is rejected whole; nothing was written."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None):
        self.problems = problems
        self.warnings = warnings or []
        first = str(problems[0]) if problems else "ukendt fejl"
        more = f" (+{len(problems) - 1} flere)" if len(problems) > 1 else ""
        super().__init__(f"Udtrækket er afvist: {first}{more}")

    @classmethod
    def one(
        cls, file: str, message: str, *, row: int | None = None, column: str | None = None, value: str | None = None
    ) -> ExtractRejected:
        """The extract rejected for one problem (most often the file as a whole)."""
        return cls([Problem(file, row, column, value, message)])


class LoadNotFound(PipelineError):
    pass
