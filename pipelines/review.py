"""What an extract's review shows an analyst (an upload's or a fetch's): what the file is, its lines and
figures, areas and periods, its problems and warnings, what it replaces and keeps, its first lines; and the
same as JSON, which a pending load keeps in the master and a load job (``pipelines load --progress json``)
hands to the app."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from pipelines import danish
from pipelines.errors import Problem

if TYPE_CHECKING:
    from pipelines.loader import Validation


@dataclass
class Review:
    file_name: str
    ok: bool
    kind: str | None = None
    kind_label: str | None = None
    lines: int = 0  # the extract's lines, which the upload limit counts
    figures: int = 0  # the numbers those lines hold (a visitation line one per measure)
    areas: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    preview: pl.DataFrame | None = None
    load_id: int | None = None  # the pending load that holds the reviewed file (see loader.load(pending=True))
    sheets: list[str] = field(default_factory=list)  # a workbook's sheets, for the sheet picker

    def problem_table(self) -> pl.DataFrame:
        return _problem_frame(self.problems)

    def warning_table(self) -> pl.DataFrame:
        return _problem_frame(self.warnings)

    def to_json(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k not in ("problems", "warnings", "preview")}
        out["problems"] = [asdict(p) for p in self.problems]
        out["warnings"] = [asdict(p) for p in self.warnings]
        if self.preview is not None:
            out["preview"] = {"columns": self.preview.columns, "rows": [list(r) for r in self.preview.rows()]}
        return out

    @classmethod
    def from_json(cls, data: dict | str) -> Review:
        data = dict(json.loads(data) if isinstance(data, str) else data)
        preview = data.pop("preview", None)
        problems = [Problem(**p) for p in data.pop("problems", [])]
        warnings = [Problem(**p) for p in data.pop("warnings", [])]
        shown = cls(**data, problems=problems, warnings=warnings)
        if preview is not None:
            shown.preview = pl.DataFrame(preview["rows"], schema=preview["columns"], orient="row")
        return shown


def _problem_frame(problems: list[Problem]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"Række": p.row, "Kolonne": p.column, "Værdi": p.value, "Problem": p.message} for p in problems],
        schema={"Række": pl.Int64, "Kolonne": pl.String, "Værdi": pl.String, "Problem": pl.String},
    )


def shown(name: str, checked: Validation) -> Review:
    """What the Data page shows of a validation (of a file the analyst calls ``name``)."""
    result = Review(
        name,
        checked.ok,
        checked.kind.name,
        checked.kind.label,
        checked.lines,
        checked.figures,
        checked.areas,
        checked.periods,
        checked.problems,
        checked.warnings,
    )
    if checked.ok:
        result.replaces = [
            (f"perioderne {first}–{last}" if first != last else f"perioden {first}")
            + f" for {area} erstattes: {danish.count(n, 'række', 'rækker')}"
            for area, first, last, n in checked.replaces
        ] + checked.kept
        result.preview = checked.preview
    return result
