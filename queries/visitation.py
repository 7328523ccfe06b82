"""The Visitation and Aktivering pages' questions: target groups and activation over time."""

from __future__ import annotations


import polars as pl

from queries import over_time
from pipelines import config
from queries._snapshot import QueryError, cached, run
from queries.lookups import AGE_BANDS, FREQUENCIES, MEASURES, kind, series_breaks


# --- Visitation --------------------------------------------------------------------------------


@cached
def visitation_series(
    areas_: tuple[str, ...], measure: str, age: str, first: str, last: str, freq: str, shares: bool
) -> pl.DataFrame:
    """date, period_label, area, area_code, series, era, value, category_order, has_suppressed: recipients by
    category at the chosen frequency (queries/over_time.py: a quarter or a year is the mean of its months, eras
    apart); ``shares``: each category in pct. of the categories together in the same area and period."""
    if measure not in MEASURES or age not in AGE_BANDS or freq not in FREQUENCIES:
        raise QueryError("Ugyldigt valg af måling, alder eller frekvens")
    monthly = (
        run(
            "visitation_series",
            areas=list(areas_),
            measure=measure,
            age=age,
            demo_source=config.DEMO_SOURCE,
            **{"from": first, "to": last},
        )
        .rename({"start_date": "date", "category_label": "series"})
        .with_columns(kind(pl.col("demo")))
    )
    df = over_time.aggregate(
        monthly,
        keys=["area_code", "area", "category", "series", "category_order", "kind"],
        freq=freq,
        breaks=series_breaks(),
        stocks=["value"],
        flags=["has_suppressed"],
        first=first,
        last=last,
    )
    if shares:
        # Of the same months' means, so a share is the ratio of the categories' sums over the period.
        df = df.with_columns(
            (100.0 * pl.col("value") / pl.col("value").sum().over("area_code", "date", "kind")).alias("value")
        )
    order = {code: i for i, code in enumerate(areas_)}
    return df.sort(
        pl.col("area_code").replace_strict(order, default=len(order), return_dtype=pl.Int64), "date", "category_order"
    ).select(
        "date",
        "period_label",
        "area",
        "area_code",
        "series",
        "era",
        "kind",
        "value",
        "category_order",
        "has_suppressed",
    )


@cached
def visitation_sources(areas_: tuple[str, ...], first: str, last: str) -> list[str]:
    """The sources of the areas' visitation figures in the months ``first``-``last``: those a chart of them draws."""
    return run("visitation_sources", areas=list(areas_), **{"from": first, "to": last})["source"].to_list()


# --- Aktivering --------------------------------------------------------------------------------


ACTIVATION_COUNTS = ("persons", "activated")


@cached
def _activation_months(areas_: tuple[str, ...], first: str, last: str) -> pl.DataFrame:
    return run("activation_series", areas=list(areas_), **{"from": first, "to": last})


@cached
def activation(
    area: str, first: str, last: str, freq: str = "M", others: tuple[str, ...] = ()
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the activation rate by group at the chosen frequency for the area and ``others``: area_code, area, series,
    era, date, period_label, value, persons, activated) and (the area's published averages over longer periods).

    A quarter's or a year's rate is its activated over its persons, both summed over its months; persons and
    activated are the means of the months (queries/over_time.py). The groups come largest first (the total)."""
    if freq not in FREQUENCIES:
        raise QueryError("Ugyldig frekvens")
    areas_ = tuple(dict.fromkeys((area, *others)))
    monthly = _activation_months(areas_, first, last)
    series = over_time.aggregate(
        monthly.rename({"start_date": "date", "group_name": "series"}).with_columns(
            kind(pl.col("source") == config.DEMO_SOURCE)
        ),
        keys=["area_code", "area", "series", "kind"],
        freq=freq,
        breaks=series_breaks(),
        stocks=ACTIVATION_COUNTS,
        ratios={"value": over_time.Ratio("activated", "persons", stated="activation_rate")},
        first=first,
        last=last,
    )
    size = series.group_by("series").agg(pl.col("persons").mean().alias("size"))
    series = (
        series.join(size, on="series", how="left")
        .sort(
            pl.col("size").fill_null(0),
            pl.col("series"),
            pl.col("area_code").replace_strict({c: i for i, c in enumerate(areas_)}, return_dtype=pl.Int64),
            "date",
            descending=[True, False, False, False],
        )
        .select("area_code", "area", "series", "era", "kind", "date", "period_label", "value", *ACTIVATION_COUNTS)
    )
    averages = run("activation_averages", area=area).select(
        pl.col("group_name").alias("Gruppe"),
        pl.col("period_label").alias("Periode"),
        pl.col("activation_rate").alias("Aktiveringsgrad (pct.)"),
        pl.col("source").alias("Kilde"),
    )
    return series, averages


def activation_sources(area: str, first: str, last: str, others: tuple[str, ...] = ()) -> list[str]:
    """The sources of the months ``activation`` reads for the same arguments."""
    monthly = _activation_months(tuple(dict.fromkeys((area, *others))), first, last)
    return sorted(set(monthly["source"].drop_nulls().to_list()))
