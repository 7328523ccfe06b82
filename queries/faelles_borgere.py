"""The Fælles borgere page's questions: citizens shared by the jobcenter and the social administration."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipelines import config
from pipelines.rules import TOTAL_CODE
from queries import over_time
from queries._snapshot import QueryError, cached, run
from queries.lookups import FREQUENCIES, area_name, kind, series_breaks


# --- Fælles borgere ----------------------------------------------------------------------------


@cached
def match_group_periods(area: str) -> pl.DataFrame:
    return run("match_group_periods", area=area)


@dataclass(frozen=True)
class SharedCitizens:
    matrix: pl.DataFrame  # row_label, col_label, row_order, col_order, persons, row_share, col_share, is_total
    shared: int | None
    jobcenter: int | None
    shared_pct: float | None
    shared_far: int | None
    jobcenter_far: int | None
    shared_far_pct: float | None
    special_far: int | None
    special_far_pct: float | None
    far_labels: list[str]
    sources: list[str]


SHARED_KEY_FIGURES = (
    "shared",
    "jobcenter",
    "shared_pct",
    "shared_far",
    "jobcenter_far",
    "shared_far_pct",
    "special_far",
    "special_far_pct",
)


@cached
def shared_citizens(area: str, period: str) -> SharedCitizens:
    """The target group x match group matrix of one period, and the period's key figures (the totals that
    ``shared_over_time`` also reads: one computation, in SQL)."""
    cells = run("match_group_matrix", area=area, period=period)
    totals = run("shared_citizen_totals", areas=[area], total=TOTAL_CODE, demo_source=config.DEMO_SOURCE)
    chosen = totals.filter(pl.col("period") == period)
    figures = chosen.row(0, named=True) if chosen.height else dict.fromkeys(SHARED_KEY_FIGURES)
    far = cells.filter(
        (pl.col("administration") == "both")
        & (pl.col("ready") == False)  # noqa: E712
        & ~pl.col("match_is_total")
    )
    return SharedCitizens(
        matrix=_shared_matrix(cells),
        **{name: figures[name] for name in SHARED_KEY_FIGURES},
        far_labels=far["match_label"].unique(maintain_order=True).to_list(),
        sources=sorted(set(cells["source"].to_list())),
    )


def _shared_matrix(df: pl.DataFrame) -> pl.DataFrame:
    """The heatmap's cells: each target group's match groups (the grand total's as "Fælles borgere i alt", the
    jobcenter's recipients as the bottom row), with their shares of the row's and of the column's total."""
    job = df.filter(pl.col("administration") == "jobcenter")
    cells = df.filter(
        ~pl.col("match_is_total") & ((pl.col("administration") == "both") | (pl.col("administration") == "jobcenter"))
    )
    row_totals = df.filter(pl.col("match_group") == TOTAL_CODE).select(
        "administration", "target_group", pl.col("persons").alias("row_total")
    )
    col_totals = job.filter(~pl.col("match_is_total")).select("match_group", pl.col("persons").alias("col_total"))
    return (
        cells.join(row_totals, on=["administration", "target_group"], how="left")
        .join(col_totals, on="match_group", how="left")
        .with_columns(
            pl.when(pl.col("administration") == "jobcenter")
            .then(pl.lit("Jobcentrets modtagere i alt"))
            .when(pl.col("target_group") == TOTAL_CODE)
            .then(pl.lit("Fælles borgere i alt"))
            .otherwise(pl.col("target_label"))
            .alias("row_label"),
            pl.when(pl.col("administration") == "jobcenter")
            .then(pl.lit(99))
            .when(pl.col("target_group") == TOTAL_CODE)
            .then(pl.lit(98))
            .otherwise(pl.col("target_order"))
            .alias("row_order"),
            pl.col("match_label").alias("col_label"),
            pl.col("match_order").alias("col_order"),
            (100.0 * pl.col("persons") / pl.col("row_total")).alias("row_share"),
            (100.0 * pl.col("persons") / pl.col("col_total")).alias("col_share"),
            ((pl.col("administration") == "jobcenter") | pl.col("target_is_total").fill_null(False)).alias("is_total"),
        )
        .select("row_label", "col_label", "row_order", "col_order", "persons", "row_share", "col_share", "is_total")
    )


SHARED_SERIES = {
    "shared_pct": "Andel af jobcentrets modtagere",
    "shared_far_pct": "Andel af grupperne længst fra arbejdsmarkedet",
}
SHARED_COUNTS = ("shared", "jobcenter", "shared_far", "jobcenter_far", "special_far")


@cached
def shared_sources(areas_: tuple[str, ...], first: str, last: str) -> list[str]:
    """The sources of the areas' shared citizens in the months ``first``-``last``: those ``shared_over_time`` draws."""
    totals = run("shared_citizen_totals", areas=list(areas_), total=TOTAL_CODE, demo_source=config.DEMO_SOURCE)
    months = totals.filter((pl.col("period_type") == "M") & pl.col("period").is_between(pl.lit(first), pl.lit(last)))
    return sorted(set(months.get_column("sources").explode().drop_nulls().to_list()))


@cached
def shared_over_time(areas_: tuple[str, ...], first: str, last: str, freq: str) -> pl.DataFrame:
    """Both shares over time for each area that has figures, at the sidebar's frequency (queries/over_time.py:
    a ratio of the months' summed counts, eras apart): area_code, area, series, era, date, period_label, value,
    and the counts (means of the months) they are made of."""
    if freq not in FREQUENCIES:
        raise QueryError("Ugyldig frekvens")
    totals = run("shared_citizen_totals", areas=list(areas_), total=TOTAL_CODE, demo_source=config.DEMO_SOURCE).filter(
        pl.col("period_type") == "M"
    )
    monthly = totals.select("area_code", pl.col("start_date").alias("date"), kind(pl.col("demo")), *SHARED_COUNTS)
    ratios = {
        "shared_pct": over_time.Ratio("shared", "jobcenter"),
        "shared_far_pct": over_time.Ratio("shared_far", "jobcenter_far"),
    }
    series = over_time.aggregate(
        monthly,
        keys=["area_code", "kind"],
        freq=freq,
        breaks=series_breaks(),
        stocks=SHARED_COUNTS,
        ratios=ratios,
        first=first,
        last=last,
    )
    names = {code: area_name(code) for code in areas_}
    long = series.unpivot(
        on=list(SHARED_SERIES),
        index=["area_code", "era", "kind", "date", "period_label", *SHARED_COUNTS],
        variable_name="measure",
        value_name="value",
    )
    return long.select(
        "area_code",
        pl.col("area_code").replace_strict(names, return_dtype=pl.String).alias("area"),
        pl.col("measure").replace_strict(SHARED_SERIES, return_dtype=pl.String).alias("series"),
        "era",
        "kind",
        "date",
        "period_label",
        "value",
        *SHARED_COUNTS,
    ).sort(
        pl.col("area_code").replace_strict({c: i for i, c in enumerate(areas_)}, return_dtype=pl.Int64),
        pl.col("series").replace_strict({s: i for i, s in enumerate(SHARED_SERIES.values())}, return_dtype=pl.Int64),
        "date",
    )
