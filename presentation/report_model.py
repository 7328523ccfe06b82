"""The council report as plain data: what ``report.build`` gathers and the PDF and DOCX writers lay out.

Nothing here knows about Streamlit, Typst or Word. Every text is final Danish text (formatted numbers, small
counts already shown as "<5"), so both formats print the same words and figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str  # as the app shows it ("8.154", "78,3 %")
    change: str = ""  # from a year earlier ("-36", "+1,8 pct.-point"), empty when unknown
    national: str = ""  # the country's level, empty when unknown
    sentence: str = ""  # one plain Danish sentence made from the numbers (report_text)
    demo: bool = False  # rests on synthetic demo data


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]  # formatted cells
    numeric: list[bool] = field(default_factory=list)  # right-aligned columns
    note: str = ""
    bold_rows: list[int] = field(default_factory=list)  # rows to stand out (the municipality in a ranking)


@dataclass(frozen=True)
class Figure:
    """A chart (an Altair object) with the caption every export of it carries: sources, period, demo mark."""

    chart: object
    caption: str
    alt: str
    sources: tuple[str, ...] = ()  # as loaded (the demo's own source name included)
    kind: str = ""  # the extract kind the figure rests on (pipelines.kinds), for the appendix's load dates
    demo: bool = False


@dataclass(frozen=True)
class Section:
    title: str
    intro: str = ""
    key_figures: list[KeyFigure] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # caption sources and periods, breaks crossed
    empty: str = ""  # why the section has no figures, when it has none


@dataclass(frozen=True)
class Source:
    figure: str
    sources: str
    loaded: str


@dataclass(frozen=True)
class Report:
    area: str
    area_code: str
    period: str  # "september 2026"
    span: str  # "januar 2012 – september 2026"
    made: str  # "8. december 2026"
    freshness: str
    comparison: str  # the areas compared with
    demo: bool
    sections: list[Section]  # the summary (Overblik's key figures) first, when there is one
    sources: list[Source]
    definitions: list[tuple[str, str]]
    title: str = "Rapport til udvalget"

    @property
    def all_figures(self) -> list[Figure]:
        return [f for s in self.sections for f in s.figures]
