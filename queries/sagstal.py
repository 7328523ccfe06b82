"""The Sagstal page's questions: caseloads per team against the guidance."""

from __future__ import annotations


import polars as pl

from pipelines.periods import parse_period
from queries._snapshot import QueryError, cached, run
from queries.lookups import GUIDANCE_PRESETS, area_name
from queries.overblik import caseload_latest


# --- Sagstal -----------------------------------------------------------------------------------


@cached
def caseload_periods(area: str) -> pl.DataFrame:
    return run("caseload_periods", area=area)


@cached
def caseloads(area: str, period: str, preset: str) -> pl.DataFrame:
    if preset not in GUIDANCE_PRESETS:
        raise QueryError("Ukendt vejledning")
    return run("caseload_teams", area=area, period=period, preset=preset)


def caseload_comparison(area: str, compare: tuple[str, ...], period: str, preset: str) -> pl.DataFrame:
    """Each area's newest caseloads up to ``period`` as a whole: area, marked ("chosen" for the area), period_label,
    cases_per_worker over all teams and teams_above ("2 af 8")."""
    rows = []
    for code in dict.fromkeys((area, *compare)):
        latest = caseload_latest(code, period, preset)
        shown = parse_period(latest["period"]) if latest else None
        rows.append(
            {
                "area": area_name(code),
                "marked": "chosen" if code == area else None,
                "period_label": (shown.label if shown else latest["period"]) if latest else None,
                "cases_per_worker": latest["cases_per_worker"] if latest else None,
                "teams_above": f"{latest['teams_above']} af {latest['teams']}" if latest else None,
            }
        )
    schema = {
        "area": pl.String,
        "marked": pl.String,
        "period_label": pl.String,
        "cases_per_worker": pl.Float64,
        "teams_above": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


@cached
def guidance(preset: str) -> pl.DataFrame:
    if preset not in GUIDANCE_PRESETS:
        raise QueryError("Ukendt vejledning")
    return run("guidance_table", preset=preset)


def caseload_summary(teams: pl.DataFrame) -> dict:
    """Teams above their band and the caseworkers missing to bring every team inside it."""
    above = teams.filter(pl.col("above").fill_null(False))
    return {
        "teams": teams.height,
        "above": above.height,
        "fte_needed_high": above["fte_needed_high"].clip(lower_bound=0).sum() if above.height else 0.0,
        "fte_needed_low": teams["fte_needed_low"].clip(lower_bound=0).sum() if teams.height else 0.0,
    }
