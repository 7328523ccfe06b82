"""Fixed Danish sentences and table cells made from numbers, for the council report.

No free text: every sentence is one of the templates below with formatted figures put in, so the same numbers
always give the same words, and a reader can check each sentence against the table beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

import polars as pl

from pipelines.periods import MONTHS_DA
from presentation import export
from presentation.formatting import MISSING, fmt_date, fmt_int, fmt_num
from presentation.report_model import Table

# How each key figure of Overblik is named inside a sentence ("Andelen af ... er 69,6 %").
SUBJECTS = {
    "recipients": "Antallet af modtagere",
    "not_ready": "Andelen af aktivitetsparate (ikke jobparate) modtagere",
    "activation": "Aktiveringsgraden",
    "caseload": "Det gennemsnitlige antal sager pr. sagsbehandler",
    "investment": "Nettoresultatet af de indlæste investeringsposter",
}


def small(count) -> str:
    """A count as the report may show it: 1-4 as "<5" (the small-count rule), missing as "–"."""
    if count is None:
        return MISSING
    if 1 <= count < export.SMALL_COUNT_THRESHOLD:
        return export.SMALL_COUNT_LABEL
    return fmt_int(count)


def _points(diff: float) -> str:
    return f"{fmt_num(abs(diff), 1)} procentpoint"


def change_phrase(value, previous, unit: str) -> str:
    """ "0,3 procentpoint højere end for et år siden", "36 færre end for et år siden", or ""."""
    if value is None or previous is None:
        return ""
    diff = value - previous
    if unit == "pct":
        if fmt_num(abs(diff), 1) == "0,0":
            return "uændret i forhold til for et år siden"
        return f"{_points(diff)} {'højere' if diff > 0 else 'lavere'} end for et år siden"
    if unit == "antal":
        if round(diff) == 0:
            return "det samme som for et år siden"
        return f"{fmt_int(abs(diff))} {'flere' if diff > 0 else 'færre'} end for et år siden"
    if fmt_num(abs(diff), 1) == "0,0":
        return "uændret i forhold til for et år siden"
    return f"{fmt_num(abs(diff), 1)} {'mere' if diff > 0 else 'mindre'} end for et år siden"


def national_phrase(value, national, unit: str) -> str:
    """ "5,4 procentpoint under landsgennemsnittet", or "" when there is nothing to compare with."""
    if value is None or national is None or unit != "pct":
        return ""  # a count is not comparable with the country's count
    diff = value - national
    if fmt_num(abs(diff), 1) == "0,0":
        return "på niveau med landsgennemsnittet"
    return f"{_points(diff)} {'over' if diff > 0 else 'under'} landsgennemsnittet"


def kpi_sentence(key: str, label: str, shown: str, value, previous, national, unit: str, area: str) -> str:
    """One sentence for a key figure: its level, its change from a year earlier and the national level."""
    subject = SUBJECTS.get(key, label)
    if value is None:
        return f"{subject} kan ikke opgøres for {area}: der er ingen data for perioden."
    parts = [p for p in (change_phrase(value, previous, unit), national_phrase(value, national, unit)) if p]
    if not parts:
        return f"{subject} er {shown}."
    return f"{subject} er {shown}, {' og '.join(parts)}."


def breaks_sentence(crossed: Sequence[dict]) -> str:
    """The classification breaks a series crosses, named with their dates; "" when none."""
    if not crossed:
        return ""
    named = [f"{b['label']} ({month(b['date'])})" for b in crossed]
    if len(named) == 1:
        return (
            f"Serien krydser et brud i klassifikationen: {named[0]}. "
            "Tal før og efter bruddet er ikke direkte sammenlignelige."
        )
    listed = ", ".join(named[:-1]) + " og " + named[-1]
    return (
        f"Serien krydser brud i klassifikationen: {listed}. Tal før og efter et brud er ikke direkte sammenlignelige."
    )


def month(value: date | datetime) -> str:
    """date(2026, 9, 1) -> "september 2026"."""
    return f"{MONTHS_DA[value.month - 1]} {value.year}"


def _cell(value, places: int | None) -> str:
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return export.BOOL_TEXT[value]
    if isinstance(value, int):
        return fmt_int(value)
    if isinstance(value, float):
        return fmt_num(value, 1 if places is None else places)
    if isinstance(value, datetime):
        return fmt_date(value.date())
    if isinstance(value, date):
        return month(value)
    return str(value)


def table(
    title: str,
    data: pl.DataFrame,
    columns: Mapping[str, str],
    *,
    counts: Sequence[str] = (),
    decimals: Mapping[str, int] | None = None,
    note: str = "",
    bold: Sequence[bool] = (),
) -> Table:
    """A report table: the named columns in Danish, counts 1-4 as "<5", numbers formatted as the app shows them.

    The table goes through ``export.export_frame`` like every download, so the report cannot show a figure the
    CSV and Excel exports would hide."""
    chosen = data.select([pl.col(c).alias(label) for c, label in columns.items()])
    count_labels = [columns[c] for c in counts if c in columns]
    places = {columns[c]: n for c, n in (decimals or {}).items() if c in columns}
    frame = export.export_frame(chosen, count_labels, places)
    numeric = [label in count_labels or chosen.schema[label].is_numeric() for label in frame.columns]
    rows = [
        [
            fmt_int(int(v))
            if label in count_labels and isinstance(v, str) and v.isdigit()
            else _cell(v, places.get(label))
            for v, label in zip(row, frame.columns, strict=True)
        ]
        for row in frame.iter_rows()
    ]
    note = note[:1].upper() + note[1:]  # a source line may start with the demo warning
    return Table(title, list(frame.columns), rows, numeric, note, [i for i, b in enumerate(bold) if b])
