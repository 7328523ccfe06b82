"""The line every page shows about the data from jobindsats' API: how far they reach, when the next update is
expected, and, when they are behind or the last refresh failed, a warning saying so.

A pure builder over the rows of queries.jobindsats_freshness (one per table). "Overdue" is what jobindsats'
catalogue says: a table whose next expected update (``update_next``, as the newest refresh read it) has passed,
or whose newest period there (``period_last``) is newer than ours. A table no refresh has read the catalogue
for (only fetched by hand) falls back to a fixed lag after its newest period's end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pipelines.periods import parse_period
from presentation.formatting import fmt_date, fmt_datetime

# How long after its newest period's end a table is expected to have a newer one, where the catalogue is not
# known (jobindsats' publication lag and a margin).
EXPECTED_LAG_DAYS = {"M": 75, "Q": 140, "QMAT": 140, "Y": 430}


@dataclass(frozen=True)
class Freshness:
    line: str  # Danish, plain text
    late: bool  # a warning (overdue, or the last refresh failed) rather than a caption


def _day(value) -> str:
    """A day as the rest of the app writes it: "22. november 2026"."""
    return fmt_date(value.date() if isinstance(value, datetime) else value)


def _period(period: str) -> str:
    """A period id as its Danish label ("oktober 2026"), an unknown one as it is."""
    shown = parse_period(period)
    return shown.label if shown else period


def _read_catalogue(row: dict) -> bool:
    """Whether a refresh has read jobindsats' catalogue for the table (what it said then decides)."""
    return any(row.get(k) is not None for k in ("update_latest", "update_next", "period_last"))


def _expected(row: dict) -> date | None:
    """When the table's next update is expected: the catalogue's word (None for a table it expects no update of,
    such as one that ended with a reform), else a fixed lag after the newest period's end."""
    if _read_catalogue(row):
        return row.get("update_next")
    if row.get("end_date") and row.get("period_type"):
        return row["end_date"] + timedelta(days=EXPECTED_LAG_DAYS.get(row["period_type"], 75))
    return None


def _behind(row: dict, today: date) -> str | None:
    """Why a loaded table is behind, or None."""
    table, label = row["table_id"], row["period_label"]
    if row.get("period_last") and row["period_last"] != row["period_to"]:
        return f"{table} slutter med {label}; jobindsats har til og med {_period(row['period_last'])}"
    expected = _expected(row)
    if expected is None or today <= expected:
        return None
    return (
        f"{table} (næste opdatering var ventet {_day(expected)})"
        if _read_catalogue(row)
        else f"{table} slutter med {label}"
    )


def status(rows: list[dict], today: date) -> Freshness | None:
    """The line, or None when nothing was ever loaded from the API nor a refresh run."""
    if not rows:
        return None
    loaded = [r for r in rows if r.get("period_to")]
    behind = [why for r in loaded if (why := _behind(r, today))]
    failed = [r for r in rows if r.get("run_status") in ("failed", "not_run")]
    upcoming = sorted((d, r["table_id"]) for r in loaded if (d := _expected(r)) is not None and d >= today)
    next_update = (
        f"næste opdatering ventes {_day(upcoming[0][0])} ({upcoming[0][1]})"
        if upcoming
        else "næste opdatering er ikke kendt"
    )
    if not behind and not failed:
        reach = ", ".join(f"{r['table_id']} til og med {r['period_label']}" for r in loaded)
        return Freshness(f"Data fra jobindsats: {reach}; {next_update}.", late=False)
    newest: datetime | None = max((r["loaded_at"] for r in loaded), default=None)
    parts = [
        f"Data fra jobindsats er ikke opdateret siden {fmt_datetime(newest)}"
        if newest
        else "Data fra jobindsats er endnu ikke hentet"
    ]
    if behind:
        parts.append("forsinket: " + ", ".join(behind))
    if failed:
        first = next((r for r in failed if r["run_status"] == "failed"), failed[0])
        reason = (first.get("run_reason") or "ikke kørt")[:160]
        when = fmt_datetime(first["run_started_at"])
        parts.append(f"seneste forsøg {when} fejlede for {first['table_id']}: {reason}")
    if loaded:
        parts.append(next_update)
    return Freshness("; ".join(parts) + ".", late=True)
