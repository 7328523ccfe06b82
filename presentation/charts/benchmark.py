"""The benchmark page's charts: actual against expected over rolling years, and the differences."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta

import altair as alt
import polars as pl

from pipelines.danish import ACTUAL_LABEL, EXPECTED_LABEL  # the benchmark series' names, as the query gives them
from presentation.formatting import MISSING
from presentation.charts._common import (
    HIGHLIGHT_COLOUR,
    MUTED_COLOUR,
    REFERENCE_COLOUR,
    TEXT,
    _break_layers,
    _first_seen,
    _period_tooltip,
    _require,
    _tip,
    _with_text,
    finish,
    memoised,
)


def _rank_label() -> str:
    """A Vega expression: "nr. 12 af 98" from the fields rank and ranked, or "–"."""
    return (
        f'isValid(datum["rank"]) ? "nr. " + format(datum["rank"], "d") + '
        f'(isValid(datum["ranked"]) ? " af " + format(datum["ranked"], "d") : "") : "{MISSING}"'
    )


ROLLING_YEAR_PREFIX = "år til "


def _rolling_year_axis(df: pl.DataFrame) -> alt.X:
    """The x axis of a series of rolling years: a tick at each year's last day, where its point is, labelled as
    the period ("4. kvt. 2023"; the axis title says "Løbende år til og med"). A plain time axis put month and
    year ticks between the points, so "år til 4. kvt. 2023" (31 December) sat at "2024".

    The labels come from the data's own period labels, looked up by the tick's year and month as the browser
    reads the date, so they cannot drift from the points by a time zone."""
    ticks = (
        df.select("date", "period_label").drop_nulls().unique("date", keep="first").sort("date")
        if "period_label" in df.columns
        else df.select("date").drop_nulls().unique().sort("date")
    )
    dates = ticks.get_column("date").to_list()
    if "period_label" in ticks.columns:
        labels = {
            f"{d.year}-{d.month:02d}": str(label).removeprefix(ROLLING_YEAR_PREFIX)
            for d, label in zip(dates, ticks.get_column("period_label").to_list(), strict=True)
        }
        label_expr = f"{json.dumps(labels, ensure_ascii=False)}[timeFormat(datum.value, '%Y-%m')] || ''"
    else:
        label_expr = "timeFormat(datum.value, '%d.%m.%Y')"
    return alt.X(
        "date:T",
        title="Løbende år til og med",
        axis=alt.Axis(
            values=[alt.DateTime(year=d.year, month=d.month, date=d.day) for d in dates],
            labelExpr=label_expr,
            labelOverlap=True,
            labelAngle=0,
            grid=False,
        ),
    )


@memoised
def benchmark_time_series(
    df: pl.DataFrame,
    y_title: str,
    title: str,
    subtitle: list[str] | str | None = None,
    breaks: Sequence[dict] | None = None,
    *,
    value_format: str = ",.0f",
) -> alt.LayerChart:
    """Actual (solid) against expected (dashed) over time, with the difference and the rank in the tooltip.

    ``series`` holds ``ACTUAL_LABEL`` or ``EXPECTED_LABEL``; ``difference`` is actual minus expected in the unit of
    ``value``; ``breaks`` as for ``category_time_series``. A missing value breaks its line.
    """
    _require(df, ["date", "series", "value", "difference", "rank", "ranked"], "benchmark_time_series")
    kinds = [ACTUAL_LABEL, EXPECTED_LABEL]
    scale_colour = alt.Scale(domain=kinds, range=[HIGHLIGHT_COLOUR, REFERENCE_COLOUR])
    base = _with_text(alt.Chart(df), {"value": (value_format, ""), "difference": ("+" + value_format, "")})
    base = base.transform_calculate(rank_label=_rank_label()).encode(
        x=_rolling_year_axis(df),
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)),
        color=alt.Color(
            "series:N", title=None, scale=scale_colour, legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2)
        ),
        tooltip=[
            _period_tooltip(df),
            alt.Tooltip("series:N", title="Serie"),
            _tip("value", y_title),
            _tip("difference", "Forskel (faktisk − forventet)"),
            alt.Tooltip("rank_label:N", title="Placering på benchmarkranglisten"),
        ],
    )
    lines = base.mark_line(strokeWidth=2).encode(
        strokeDash=alt.StrokeDash("series:N", title=None, scale=alt.Scale(domain=kinds, range=[[1, 0], [6, 4]]))
    )
    points = base.mark_point(filled=True, size=30, opacity=1)
    return finish(alt.layer(lines, points, *_break_layers(breaks, df)), title, subtitle)


@memoised
def benchmark_comparison_series(
    df: pl.DataFrame, y_title: str, title: str, subtitle: list[str] | str | None = None
) -> alt.LayerChart:
    """Actual minus expected share (pct. points) over the rolling years for the chosen municipality (``is_chosen``,
    in colour and on top) and the comparison areas (muted, each named at its last point), with the zero line:
    "as expected from the framework conditions". Shares, not persons, so municipalities of any size compare."""
    _require(df, ["date", "period_label", "area", "difference_pct", "is_chosen"], "benchmark_comparison_series")
    chosen_first = df.sort("is_chosen", descending=True, maintain_order=True)
    order = _first_seen(chosen_first, "area")
    colours = alt.Scale(domain=order, range=[HIGHLIGHT_COLOUR, *[MUTED_COLOUR] * (len(order) - 1)])
    x = _rolling_year_axis(df)
    dates = df.get_column("date").drop_nulls()
    if dates.len():
        # Room right of the newest figures for the names.
        first, newest = dates.min(), dates.max()
        end = newest + max((newest - first) * 0.25, timedelta(days=120))
        x = x.scale(domain=[alt.DateTime(year=d.year, month=d.month, date=d.day) for d in (first, end)])
    base = _with_text(alt.Chart(df), {"difference_pct": ("+,.2f", " pct.-point")}).encode(
        x=x,
        y=alt.Y("difference_pct:Q", title=y_title),
        color=alt.Color("area:N", scale=colours, legend=None),
        # Drawn last, so the chosen one lies on top of the grey lines.
        order=alt.Order("is_chosen:O"),
        tooltip=[
            _period_tooltip(df),
            alt.Tooltip("area:N", title="Kommune"),
            _tip("difference_pct", "Forskel (faktisk − forventet)"),
        ],
    )
    lines = base.mark_line().encode(
        strokeWidth=alt.condition('datum["is_chosen"] === true', alt.value(3), alt.value(1.5)), detail="area:N"
    )
    points = base.mark_point(filled=True, size=25, opacity=1)
    # Each area's name beside its newest figure: the grey lines are told apart by name, not by colour.
    last = df.drop_nulls("difference_pct").group_by("area").agg(pl.col("date").max().alias("date"))
    labels = df.join(last, on=["area", "date"], how="semi")
    names = (
        alt.Chart(labels)
        .mark_text(align="left", dx=6, fontSize=11)
        .encode(
            x=alt.X("date:T"),
            y=alt.Y("difference_pct:Q"),
            text=alt.Text("area:N"),
            color=alt.Color("area:N", scale=colours, legend=None),
            tooltip=[alt.Tooltip("area:N", title="Kommune")],
        )
        if labels.height
        else None
    )
    zero = (
        alt.Chart(alt.Data(values=[{"zero": 0, "label": "Som forventet ud fra rammevilkårene"}]))
        .mark_rule(color=REFERENCE_COLOUR)
        .encode(y=alt.Y("zero:Q"), tooltip=[alt.Tooltip("label:N", title="Nullinje")])
    )
    layers = [zero, lines, points, *([names] if names is not None else [])]
    return finish(alt.layer(*layers), title, subtitle)


@memoised
def benchmark_difference_bars(
    df: pl.DataFrame, x_title: str, title: str, subtitle: list[str] | str | None = None
) -> alt.LayerChart:
    """Actual minus expected share (pct. points) per municipality, best (furthest below zero) at the top, the
    chosen one (``is_chosen``) in blue. A municipality without a figure stays at the bottom, "ikke oplyst"."""
    _require(
        df,
        ["area", "difference_pct", "expected_pct", "actual_pct", "difference_ftp", "rank", "is_chosen"],
        "benchmark_difference_bars",
    )
    order = df.sort("difference_pct", nulls_last=True, maintain_order=True).get_column("area").to_list()
    # Room beyond the longest bars on both sides of zero for their labels.
    values = [0.0, *df.get_column("difference_pct").drop_nulls().to_list()]
    pad = 0.4 * ((max(values) - min(values)) or 1.0)
    x_scale = alt.Scale(domain=[min(values) - (pad if min(values) < 0 else 0), max(values) + pad], nice=False)
    base = (
        _with_text(
            alt.Chart(df),
            {
                "difference_pct": ("+,.2f", " pct.-point"),
                "expected_pct": (",.2f", " %"),
                "actual_pct": (",.2f", " %"),
                "difference_ftp": ("+,.0f", ""),
            },
        )
        .transform_calculate(rank_label=_rank_label())
        .encode(
            y=alt.Y("area:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
            tooltip=[
                alt.Tooltip("area:N", title="Kommune"),
                _tip("expected_pct", "Forventet andel"),
                _tip("actual_pct", "Faktisk andel"),
                _tip("difference_pct", "Forskel (faktisk − forventet)"),
                _tip("difference_ftp", "Forskel (fuldtidspersoner)"),
                alt.Tooltip("rank_label:N", title="Placering på benchmarkranglisten"),
            ],
        )
    )
    bars = base.mark_bar().encode(
        x=alt.X("difference_pct:Q", title=x_title, scale=x_scale),
        color=alt.condition('datum["is_chosen"] === true', alt.value(HIGHLIGHT_COLOUR), alt.value(MUTED_COLOUR)),
    )
    # Labels beyond the bar's end: right of a bar above zero, left of one below it.
    labelled = base.transform_calculate(
        label_x='isValid(datum["difference_pct"]) ? datum["difference_pct"] : 0',
        label_text=f'isValid(datum["difference_pct"]) ? datum["difference_pct{TEXT}"] : "ikke oplyst"',
    )
    text = {"fontSize": 11, "baseline": "middle", "color": REFERENCE_COLOUR}
    encoding = {"x": alt.X("label_x:Q", title=x_title, scale=x_scale), "text": alt.Text("label_text:N")}
    above = labelled.transform_filter("datum.label_x >= 0").mark_text(align="left", dx=3, **text).encode(**encoding)
    below = labelled.transform_filter("datum.label_x < 0").mark_text(align="right", dx=-3, **text).encode(**encoding)
    zero = (
        alt.Chart(alt.Data(values=[{"zero": 0, "label": "Som forventet ud fra rammevilkårene"}]))
        .mark_rule(color=REFERENCE_COLOUR)
        .encode(x=alt.X("zero:Q"), tooltip=[alt.Tooltip("label:N", title="Nullinje")])
    )
    chart = alt.layer(bars, above, below, zero).properties(height=alt.Step(26))
    return finish(chart, title, subtitle)
