"""What every section shares: the reader's ``Choice``, the period's words and the figure with its caption."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

import queries
from pipelines.config import DEMO_SOURCE
from pipelines.periods import parse_period
from presentation import page
from presentation.report_model import Figure


ACTIVATION_TARGET = 35.0  # the page's default target (Københavns strategi fra 2008)
RANKING_TOP = 10  # the ranking excerpt: the best ten and the municipality's neighbours
RANKING_AROUND = 2


@dataclass(frozen=True)
class Choice:
    """What the report is made for: the sidebar's filters and, where a page has its own options, those."""

    area: str
    first: str
    last: str
    freq: str = "M"
    compare: tuple[str, ...] = ()
    scenario: str = next(iter(queries.SCENARIO_PRESETS))
    scenario_inputs: dict | None = None  # the Investering page's fields; None: the preset as it is
    target: float = ACTIVATION_TARGET
    measure: str = "persons"
    age: str = "alle"
    shares: bool = False
    caseload_preset: str = "ds_aktuel"
    benchmark_group: str | None = None  # None: the first the municipality has (all benefit groups)
    benchmark_unit: str = "ftp"
    extra: dict = field(default_factory=dict)

    @property
    def areas(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.area, *self.compare, queries.NATIONAL)))

    @property
    def name(self) -> str:
        return queries.area_name(self.area)


def month_label(period: str) -> str:
    p = parse_period(period)
    return p.label if p else period


def span(c: Choice) -> str:
    return f"{month_label(c.first)} – {month_label(c.last)}"


def _plain_numbers(df: pl.DataFrame) -> pl.DataFrame:
    """Decimal columns (sums in SQL) as integers or floats: Vega-Lite and the exports take no Decimal."""
    fixes = [
        pl.col(name).cast(pl.Int64 if dtype.scale == 0 else pl.Float64)
        for name, dtype in df.schema.items()
        if isinstance(dtype, pl.Decimal)
    ]
    return df.with_columns(fixes) if fixes else df


def _figure(chart, data_sources, period: str | None, extra: str | None, alt: str, kind: str) -> Figure:
    sources = tuple(sorted({s for s in data_sources if s}))
    caption = page.caption(sources, period, extra)
    # A caption that starts with the demo warning starts a sentence under the chart: capitalised.
    return Figure(chart, caption[:1].upper() + caption[1:], alt, sources, kind, _is_demo(sources))


def _crossed(dates) -> list[dict]:
    """The classification breaks strictly inside the span of ``dates`` (a series that crosses them)."""
    dates = [d for d in dates if d is not None]
    if not dates:
        return []
    first, last = min(dates), max(dates)
    return [b for b in queries.series_breaks() if first < b["date"] <= last]


def _latest_begun(periods: pl.DataFrame, last: str) -> tuple[str, str] | None:
    """The newest period that has begun by the report's month (as the pages' default, but for that month)."""
    if periods.is_empty():
        return None
    end = parse_period(last).start if parse_period(last) else date.today()
    begun = periods.filter(pl.col("start_date") <= end)
    row = (begun if begun.height else periods).row(0, named=True)
    return row["period"], row["label"]


def _is_demo(sources) -> bool:
    return any(s == DEMO_SOURCE for s in sources)
