"""The Benchmark page's questions: actual against expected, rankings and similar municipalities."""

from __future__ import annotations


import polars as pl

from pipelines import danish
from queries._snapshot import QueryError, cached, run


# --- Benchmark ---------------------------------------------------------------------------------

BENCHMARK_UNITS = {"ftp": "Fuldtidspersoner", "pct": "Andel af befolkningen (pct.)"}
BENCHMARK_FORMATS = {"ftp": ",.0f", "pct": ",.2f"}  # d3 formats of the chart's values
# Decimals of the benchmark's figures in a download: as the page shows them (whole persons, shares to 0,01).
BENCHMARK_DECIMALS = {
    "actual_ftp": 0,
    "expected_ftp": 0,
    "difference_ftp": 0,
    "actual_pct": 2,
    "expected_pct": 2,
    "difference_pct": 2,
}


@cached
def benchmark_groups(area: str) -> pl.DataFrame:
    return run("benchmark_groups", area=area)


@cached
def benchmark_periods(group: str) -> pl.DataFrame:
    return run("benchmark_periods", group=group)


@cached
def benchmark_series(area: str, group: str, first: str, last: str) -> pl.DataFrame:
    """One row per rolling year ending within the months first-last: expected and actual full-time persons
    and shares, the differences (actual minus expected), the rank and how many were ranked; ``date`` is
    the rolling year's last day."""
    return run("benchmark_series", area=area, group=group, **{"from": first, "to": last}).with_columns(
        pl.col("end_date").cast(pl.Date).alias("date")
    )


def benchmark_comparison(area: str, compare: tuple[str, ...], group: str, first: str, last: str) -> pl.DataFrame:
    """The area's and the comparison areas' benchmark series side by side: date, period_label, area, area_code,
    difference_pct and the other figures of ``benchmark_series``, and ``is_chosen``. Areas without a benchmark
    (the country has none) are left out."""
    frames = [benchmark_series(code, group, first, last) for code in dict.fromkeys((area, *compare))]
    frames = [f for f in frames if f.height]
    if not frames:
        return benchmark_series(area, group, first, last).with_columns(pl.lit(False).alias("is_chosen"))
    return pl.concat(frames, how="vertical_relaxed").with_columns((pl.col("area_code") == area).alias("is_chosen"))


def benchmark_marked(ranking: pl.DataFrame, area: str, compare: tuple[str, ...]) -> pl.DataFrame:
    """The ranking with ``marked``: "chosen" for the chosen municipality, "compare" for the comparison areas."""
    marks = pl.when(pl.col("area_code") == area).then(pl.lit("chosen"))
    marks = marks.when(pl.col("area_code").is_in(list(compare))).then(pl.lit("compare"))
    return ranking.with_columns(marks.otherwise(None).alias("marked"))


def benchmark_lines(series: pl.DataFrame, unit: str) -> pl.DataFrame:
    """The series as the chart draws it: date, period_label, series (Faktisk/Forventet), value, difference,
    rank, ranked; value and difference in full-time persons or in pct. (points) of the population."""
    if unit not in BENCHMARK_UNITS:
        raise QueryError("Ugyldig visning")
    cols = {
        "ftp": ("actual_ftp", "expected_ftp", "difference_ftp"),
        "pct": ("actual_pct", "expected_pct", "difference_pct"),
    }[unit]
    common = [
        pl.col("date"),
        pl.col("period_label"),
        pl.col(cols[2]).alias("difference"),
        pl.col("rank"),
        pl.col("ranked"),
    ]
    return pl.concat(
        [
            series.select(*common[:2], pl.lit(label).alias("series"), pl.col(col).alias("value"), *common[2:])
            for label, col in ((danish.ACTUAL_LABEL, cols[0]), (danish.EXPECTED_LABEL, cols[1]))
        ]
    )


def benchmark_latest(series: pl.DataFrame) -> dict | None:
    """The newest rolling year of a benchmark series, or None when there is none."""
    return series.row(-1, named=True) if series.height else None


@cached
def benchmark_ranking(period: str, group: str) -> pl.DataFrame:
    """Every municipality's place on the ranking for one rolling year and benefit group, best first."""
    return run("benchmark_ranking", period=period, group=group)


@cached
def benchmark_similar(area: str, group: str, period: str, n: int = 5) -> pl.DataFrame:
    """The area and the n municipalities with the nearest expected share in one rolling year (the area first)."""
    return run("benchmark_similar", area=area, group=group, period=period, n=n)
