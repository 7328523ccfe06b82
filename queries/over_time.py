"""The one definition of a series over time: how months make quarters and years, and how eras stay apart.

Every series the pages draw over time is read as months (the unit every fact is stored in) and goes through
``aggregate`` here, so every page means the same by "a quarter" and "a year":

- **Stock counts** (recipients, full-time persons, persons in activation, shared citizens): a quarter's or a
  year's figure is the *mean* of its months ("gns. pr. måned"; ``stock_title`` says so on the axis), never their
  sum: 1.000 recipients in each of three months are 1.000 recipients in the quarter, not 3.000.
- **Rates and shares**: 100 × the numerator summed over the months / the denominator summed over the same
  months (a ratio of sums), never a mean of the monthly rates. With the stocks as means of the same months it is
  also the ratio of the two means, so a table's figures agree with each other.
- **A missing month makes the period missing**: a suppressed figure is unknown, not zero, and a mean or a
  ratio of the other months would pass a part of the period off as the whole.
- **Eras never merge**: a period that spans a classification break (``series_breaks``: 2010, 2014, July 2025,
  2027) is split into its eras. Each part is labelled by its months ("2025, jan.–jun." / "2025, jul.–dec.") and
  placed at its first month, so no period appears twice at one date and a line can be broken at the break.
- A period cut short by the chosen range or by the end of the data is labelled by its months as well
  ("2026, jan.–sep."), so a part of a year never reads as the whole year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from pipelines.periods import FIRST_ERA, MONTHS_DA, MONTHS_DA_SHORT, parse_period

MONTHS_IN = {"M": 1, "Q": 3, "Y": 12}
_TRUNCATE = {"M": "1mo", "Q": "1q", "Y": "1y"}
MEAN_NOTE = "gns. pr. måned"
# The era of everything before the first break starts here (any date before the data will do).
_DAWN = date(1900, 1, 1)


@dataclass(frozen=True)
class Ratio:
    """A rate in pct.: ``numerator`` over ``denominator``, both counts per month. ``stated`` is a rate the source
    gives for a month without its counts; it can only stand for a period of that one month."""

    numerator: str
    denominator: str
    stated: str | None = None


def stock_title(title: str, freq: str) -> str:
    """An axis or column title for a stock count: at quarters and years it says the figure is a monthly mean."""
    return title if freq == "M" else f"{title} ({MEAN_NOTE})"


def note(freq: str, how: str) -> str:
    """The caption's line on what a quarter or a year of this figure is (``how``); empty for months."""
    if freq == "M":
        return ""
    unit, one = ("Kvartaler", "et kvartal") if freq == "Q" else ("År", "et år")
    return f"{unit}: {how}; {one} med et databrud vises som to dele."


def eras(breaks: Sequence[Mapping]) -> pl.DataFrame:
    """era, era_start, era_end (the day before the next break; null for the last era) from the series breaks."""
    ordered = sorted(breaks, key=lambda b: b["date"])
    starts = [_DAWN, *(b["date"] for b in ordered)]
    labels = [FIRST_ERA, *(str(b["label"]) for b in ordered)]
    ends = [*(b["date"] for b in ordered), None]
    return pl.DataFrame(
        {"era": labels, "era_start": starts, "era_next": ends},
        schema={"era": pl.String, "era_start": pl.Date, "era_next": pl.Date},
    )


def era_of(dates: pl.DataFrame, breaks: Sequence[Mapping], column: str = "date") -> pl.DataFrame:
    """The frame with the classification era each row's month falls in (``era``, ``era_start``, ``era_next``)."""
    return (
        dates.with_columns(pl.col(column).cast(pl.Date))
        .sort(column)
        .join_asof(eras(breaks), left_on=column, right_on="era_start", strategy="backward")
    )


def _month_index(col: str) -> pl.Expr:
    return pl.col(col).dt.year().cast(pl.Int32) * 12 + pl.col(col).dt.month().cast(pl.Int32) - 1


def _label(freq: str, period_start: date, first: date, last: date) -> str:
    """The period's Danish label; a period whose months are not all there names the months it holds."""
    y, m = period_start.year, period_start.month
    if freq == "M":
        return f"{MONTHS_DA[m - 1]} {y}"
    whole = f"{(m - 1) // 3 + 1}. kvt. {y}" if freq == "Q" else str(y)
    full_last = (y * 12 + m - 1) + MONTHS_IN[freq] - 1
    if first == period_start and last.year * 12 + last.month - 1 == full_last:
        return whole
    months = MONTHS_DA_SHORT[first.month - 1]
    if last != first:
        months += f"–{MONTHS_DA_SHORT[last.month - 1]}"
    return f"{whole}, {months}"


def aggregate(
    monthly: pl.DataFrame,
    *,
    keys: Iterable[str],
    freq: str,
    breaks: Sequence[Mapping],
    stocks: Iterable[str] = (),
    ratios: Mapping[str, Ratio] | None = None,
    flags: Iterable[str] = (),
    first: str | None = None,
    last: str | None = None,
) -> pl.DataFrame:
    """Monthly rows (``date``: the month's first day, one row per month and ``keys``) as a series at ``freq``.

    Returns ``keys``, ``era``, ``date`` (the period's first day, or the era's when a break falls inside it),
    ``period_label``, ``months`` (how many months went into the figure), each of ``stocks`` (the mean of the months),
    each of ``ratios`` (pct., a ratio of sums) and each of ``flags`` (true when any month's is). ``first``/``last``
    (period ids such as 2024M01) limit the months read; periods they cut short are labelled by their months.
    One row per ``keys`` and ``date``, sorted by them.
    """
    if freq not in MONTHS_IN:
        raise ValueError(f"unknown frequency {freq!r}")
    keys, stocks, flags, ratios = list(keys), list(stocks), list(flags), dict(ratios or {})
    df = monthly.with_columns(pl.col("date").cast(pl.Date))
    lo = parse_period(first).start if first else None
    hi = parse_period(last).start if last else None
    if lo is not None:
        df = df.filter(pl.col("date") >= lo)
    if hi is not None:
        df = df.filter(pl.col("date") <= hi)
    out_schema = {
        **{k: monthly.schema[k] for k in keys},
        "era": pl.String,
        "date": pl.Date,
        "period_label": pl.String,
        "months": pl.Int64,
        **dict.fromkeys(stocks, pl.Float64),
        **dict.fromkeys(ratios, pl.Float64),
        **dict.fromkeys(flags, pl.Boolean),
    }
    if df.height == 0:
        return pl.DataFrame(schema=out_schema)
    # A period is labelled by the months the range and the data both reach: the last month of data is not a cut
    # the reader chose, but a year of nine months must still not read as the whole year.
    data_lo, data_hi = df.get_column("date").min(), df.get_column("date").max()

    df = era_of(df, breaks).with_columns(pl.col("date").dt.truncate(_TRUNCATE[freq]).alias("period_start"))
    figures = [pl.col("date").n_unique().cast(pl.Int64).alias("months")]
    for column in stocks:
        known = pl.col(column).null_count() == 0
        figures.append(pl.when(known).then(pl.col(column).cast(pl.Float64).mean()).alias(column))
    for name, ratio in ratios.items():
        num, den = pl.col(ratio.numerator).cast(pl.Float64), pl.col(ratio.denominator).cast(pl.Float64)
        counted = (num.null_count() == 0) & (den.null_count() == 0) & (den.sum() > 0)
        value = pl.when(counted).then(100.0 * num.sum() / den.sum())
        if ratio.stated:
            # Without counts a stated rate can stand for its own month only: a mean of rates is no rate.
            value = value.when(pl.len() == 1).then(pl.col(ratio.stated).cast(pl.Float64).first())
        figures.append(value.alias(name))
    for column in flags:
        figures.append(pl.col(column).any().alias(column))
    out = df.group_by([*keys, "era", "era_start", "era_next", "period_start"]).agg(figures)

    # The months each row stands for: its period within its era, the range and the data.
    period_last = pl.col("period_start").dt.offset_by(f"{MONTHS_IN[freq] - 1}mo")
    era_last = pl.col("era_next").dt.offset_by("-1mo")
    edges = [pl.col("period_start"), pl.col("era_start"), pl.lit(data_lo)]
    ends = [period_last, era_last, pl.lit(data_hi)]
    if lo is not None:
        edges.append(pl.lit(lo))
    if hi is not None:
        ends.append(pl.lit(hi))
    out = out.with_columns(
        pl.max_horizontal(pl.col("period_start"), pl.col("era_start")).alias("date"),
        pl.max_horizontal(edges).alias("span_first"),
        pl.min_horizontal(ends).alias("span_last"),
    )
    spans = out.select("period_start", "span_first", "span_last").unique()
    labels = spans.with_columns(
        pl.Series("period_label", [_label(freq, *row) for row in spans.iter_rows()], dtype=pl.String)
    )
    out = out.join(labels, on=["period_start", "span_first", "span_last"], how="left")
    return out.select(list(out_schema)).cast(out_schema).sort([*keys, "date"])


def whole(df: pl.DataFrame, columns: Iterable[str]) -> pl.DataFrame:
    """The frame with ``columns`` (monthly means of counts) rounded to whole numbers, as a table or a download
    shows a count: a mean of persons is still persons, and a small one is hidden like any small count."""
    present = [c for c in columns if c in df.columns]
    return df.with_columns(pl.col(c).round(0).cast(pl.Int64) for c in present)
