"""What is said about an extract without stopping its load: suppressed cells, periods in the future,
categories used outside their classification era. Both routes' findings end up here, so a file gets the
same warnings whichever route reads it.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa

from pipelines import danish
from pipelines.errors import WARNING, Problem
from pipelines.periods import Period
from pipelines.sql import temp_table_from_arrow


def suppressed(name: str, n: int, first_line: int | None) -> list[Problem]:
    if not n:
        return []
    return [
        Problem(
            name,
            first_line,
            None,
            None,
            f"{danish.number(n)} rækker har diskretionerede eller tomme værdier ('..', '-'); de indlæses som "
            "manglende, aldrig som 0",
            WARNING,
        )
    ]


def future(name: str, periods: dict[str, Period]) -> list[Problem]:
    today = date.today()
    ahead = sorted(p for p, info in periods.items() if info.start > today)
    if not ahead:
        return []
    return [Problem(name, None, "Periode", ", ".join(ahead[:5]), "perioden ligger i fremtiden", WARNING)]


def register_periods(con: duckdb.DuckDBPyConnection, periods: dict[str, Period]) -> None:
    """Temp table typed_periods: the extract's periods as the periods table has them (the load adds the
    new ones; the era warnings read them)."""
    temp_table_from_arrow(
        con,
        "typed_periods",
        pa.table(
            {
                "period": [p.period for p in periods.values()],
                "period_type": [p.period_type for p in periods.values()],
                "start_date": pa.array([p.start for p in periods.values()], pa.date32()),
                "end_date": pa.array([p.end for p in periods.values()], pa.date32()),
                "label": [p.label for p in periods.values()],
            }
        ),
    )


def register_category_periods(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, int]]) -> None:
    """Temp table typed_category_periods from (category, period, rows) a route counted without lines."""
    temp_table_from_arrow(
        con,
        "typed_category_periods",
        pa.table(
            {
                "category": [c for c, _, _ in rows],
                "period": [p for _, p, _ in rows],
                "n": [n for _, _, n in rows],
                "first_line": pa.array([None] * len(rows), pa.int64()),
            }
        ),
    )


def category_eras(con: duckdb.DuckDBPyConnection, name: str) -> list[Problem]:
    """Categories used outside their classification era; reads temp tables typed_category_periods
    (category, period, n, first_line) and typed_periods."""
    rows = con.execute(
        "select c.label, min(t.first_line), sum(t.n), min(p.period), max(p.period) from typed_category_periods t "
        "join typed_periods p on p.period = t.period "
        "join categories c on c.dimension = 'category' and c.code = t.category "
        "where (c.valid_from is not null and p.end_date < c.valid_from) "
        "   or (c.valid_to is not null and p.start_date > c.valid_to) "
        "group by c.label order by 2, 1"
    ).fetchall()
    return [
        Problem(
            name,
            line,
            "Kategori",
            label,
            f"kategorien bruges uden for sin gyldighedsperiode ({p1}-{p2}, {n} rækker)",
            WARNING,
        )
        for label, line, n, p1, p2 in rows
    ]
