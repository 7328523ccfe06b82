"""Charts of one measure against a reference: the caseload band, the investment curve, coverage and bars."""

from __future__ import annotations


import altair as alt
import polars as pl

from presentation.charts._common import (
    AVOIDED_LABEL,
    BAND_COLOUR,
    CUMULATIVE_LABEL,
    HIGHLIGHT_COLOUR,
    INVESTMENT_LABEL,
    MUTED_COLOUR,
    REFERENCE_COLOUR,
    STATUS_ABOVE,
    STATUS_BELOW,
    STATUS_COLOURS,
    STATUS_WITHIN,
    TEXT,
    _first_seen,
    _format_expr,
    _require,
    _tip,
    _with_text,
    finish,
    memoised,
)


@memoised
def caseload_band(df: pl.DataFrame, title: str, subtitle: list[str] | str | None = None) -> alt.LayerChart:
    """Cases per caseworker per team against the guidance band (grey), coloured by where the team falls."""
    _require(
        df,
        [
            "team",
            "guidance_label",
            "cases_per_worker",
            "low",
            "high",
            "above",
            "cases",
            "caseworker_fte",
            "fte_needed_high",
            "fte_needed_low",
        ],
        "caseload_band",
    )
    cpw = pl.col("cases_per_worker")
    over = pl.coalesce(pl.col("above"), cpw > pl.col("high"))
    data = df.with_columns(
        pl.when(cpw.is_null())
        .then(None)
        .when(over)
        .then(pl.lit(STATUS_ABOVE))
        .when(cpw < pl.col("low"))
        .then(pl.lit(STATUS_BELOW))
        .otherwise(pl.lit(STATUS_WITHIN))
        .alias("status")
    )
    teams = _first_seen(data, "team")
    base = alt.Chart(data).transform_calculate(
        band=f'{_format_expr("low", ",.1~f")} + "–" + {_format_expr("high", ",.1~f")}'
    )
    base = _with_text(
        base,
        {
            "cases_per_worker": (",.1f", ""),
            "cases": (",.0f", ""),
            "caseworker_fte": (",.1f", ""),
            "fte_needed_high": (",.1f", ""),
            "fte_needed_low": (",.1f", ""),
        },
    ).encode(
        y=alt.Y("team:N", sort=teams, title="Team", axis=alt.Axis(labelLimit=220)),
        tooltip=[
            alt.Tooltip("team:N", title="Team"),
            alt.Tooltip("guidance_label:N", title="Sagsområde"),
            _tip("cases_per_worker", "Sager pr. sagsbehandler"),
            alt.Tooltip("band:N", title="Vejledende bånd"),
            alt.Tooltip("status:N", title="Status"),
            _tip("cases", "Sager"),
            _tip("caseworker_fte", "Årsværk"),
            _tip("fte_needed_high", "Årsværk der mangler for at nå øvre grænse"),
            _tip("fte_needed_low", "Årsværk der mangler for at nå nedre grænse"),
        ],
    )
    x_title = "Sager pr. sagsbehandler"
    band = base.mark_bar(opacity=0.25, color=BAND_COLOUR).encode(x=alt.X("low:Q", title=x_title), x2=alt.X2("high:Q"))
    bars = base.mark_bar(height=alt.RelativeBandSize(0.5)).encode(
        x=alt.X("cases_per_worker:Q", title=x_title),
        color=alt.Color(
            "status:N",
            title="I forhold til vejledningen",
            scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values())),
        ),
    )
    ticks = (
        base.transform_fold(["low", "high"], as_=["bound", "bound_value"])
        .mark_tick(color=REFERENCE_COLOUR, thickness=2)
        .encode(x=alt.X("bound_value:Q", title=x_title))
    )
    chart = alt.layer(band, bars, ticks).properties(height=alt.Step(32))
    return finish(chart, title, subtitle)


@memoised
def investment_curve(df: pl.DataFrame, title: str, subtitle: list[str] | str | None = None) -> alt.LayerChart:
    """Yearly investment (below zero) and avoided costs (above zero) in mio. kr., with the cumulative net line."""
    _require(df, ["year", "investment", "avoided", "net", "cumulative"], "investment_curve")
    bars_data = (
        df.select(
            "year",
            (-pl.col("investment") / 1e6).alias(INVESTMENT_LABEL),
            (pl.col("avoided") / 1e6).alias(AVOIDED_LABEL),
        )
        .unpivot(index="year", variable_name="kind", value_name="amount_mio")
        .sort(["year", "kind"])
    )
    line_data = df.select(
        "year",
        (pl.col("cumulative") / 1e6).alias("cumulative_mio"),
        (pl.col("net") / 1e6).alias("net_mio"),
        pl.lit(CUMULATIVE_LABEL).alias("kind"),
    ).sort("year")

    kinds = [INVESTMENT_LABEL, AVOIDED_LABEL, CUMULATIVE_LABEL]
    colour = alt.Color("kind:N", title=None, scale=alt.Scale(domain=kinds, range=["#D55E00", "#009E73", "#000000"]))
    x = alt.X("year:O", title="År", axis=alt.Axis(labelAngle=0))
    y_title = "mio. kr."
    bars = (
        _with_text(alt.Chart(bars_data), {"amount_mio": (",.1f", " mio. kr.")})
        .mark_bar()
        .encode(
            x=x,
            xOffset=alt.XOffset("kind:N", scale=alt.Scale(domain=kinds[:2])),
            y=alt.Y("amount_mio:Q", title=y_title),
            color=colour,
            tooltip=[
                alt.Tooltip("year:O", title="År"),
                alt.Tooltip("kind:N", title="Post"),
                _tip("amount_mio", "Beløb"),
            ],
        )
    )
    line = (
        _with_text(alt.Chart(line_data), {"cumulative_mio": (",.1f", " mio. kr."), "net_mio": (",.1f", " mio. kr.")})
        .mark_line(strokeWidth=2, point=alt.OverlayMarkDef(filled=True, size=40))
        .encode(
            x=x,
            y=alt.Y("cumulative_mio:Q", title=y_title),
            color=colour,
            tooltip=[
                alt.Tooltip("year:O", title="År"),
                _tip("cumulative_mio", CUMULATIVE_LABEL),
                _tip("net_mio", "Årets nettoresultat"),
            ],
        )
    )
    # The zero line only marks the axis; it carries no figure, so it has no tooltip.
    zero = alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule(color=REFERENCE_COLOUR).encode(y=alt.Y("zero:Q"))
    return finish(alt.layer(bars, zero, line), title, subtitle)


COVERAGE_AREA_ROWS = 6  # more areas than this are summed into one row per kind (all of Denmark: ~600 rows)


@memoised
def coverage(df: pl.DataFrame, title: str, subtitle: list[str] | str | None = None) -> alt.Chart:
    """Loaded rows per data kind and year; blank cells are years with no data.

    A few areas get a row each per kind. Many (the whole warehouse) are summed per kind and year, with the
    number of areas in the tooltip: a row per kind and area would be hundreds of rows no one can read, and
    their thousands of cells would exceed Altair's row limit for a chart's data."""
    _require(df, ["kind_label", "area", "year", "rows"], "coverage")
    kinds = _first_seen(df, "kind_label")
    areas = sorted(_first_seen(df, "area"))
    several = 1 < len(areas) <= COVERAGE_AREA_ROWS
    if len(areas) > COVERAGE_AREA_ROWS:
        data = (
            df.group_by("kind_label", "year", maintain_order=True)
            .agg(pl.col("rows").sum().cast(pl.Int64), pl.col("area").n_unique().cast(pl.Int64).alias("areas"))
            .with_columns(pl.col("kind_label").alias("row_label"))
        )
        where = [_tip("areas", "Områder med data")]
        formats = {"rows": (",.0f", ""), "areas": (",.0f", "")}
    else:
        # One row per kind, or per kind and area when several areas are shown, so no area hides behind another.
        data = df.with_columns(
            (
                pl.concat_str([pl.col("kind_label"), pl.col("area")], separator=" · ")
                if several
                else pl.col("kind_label")
            ).alias("row_label")
        )
        where = [alt.Tooltip("area:N", title="Område")]
        formats = {"rows": (",.0f", "")}
    rows = [f"{k} · {a}" for k in kinds for a in areas] if several else kinds
    rows = [r for r in rows if r in set(data.get_column("row_label").to_list())]
    chart = (
        _with_text(alt.Chart(data), formats)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("year:O", title="År", axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "row_label:N",
                sort=rows,
                title="Datatype og område" if several else "Datatype",
                axis=alt.Axis(labelLimit=260),
            ),
            color=alt.Color("rows:Q", scale=alt.Scale(scheme="blues", zero=True), title="Rækker"),
            tooltip=[
                alt.Tooltip("kind_label:N", title="Datatype"),
                *where,
                alt.Tooltip("year:O", title="År"),
                _tip("rows", "Rækker"),
            ],
        )
        .properties(height=alt.Step(26))
    )
    return finish(chart, title, subtitle)


@memoised
def bar_compare(
    df: pl.DataFrame,
    y_title: str,
    title: str,
    subtitle: list[str] | str | None = None,
    *,
    label_title: str = "Område",
    value_format: str = ",.1f",
) -> alt.LayerChart:
    """Horizontal bars, largest first, with the highlighted row (the chosen municipality) in blue.

    ``y_title`` names the value axis, which is horizontal here. A row without a value keeps its place at the
    bottom with "ikke oplyst" instead of silently dropping out of the comparison.
    """
    _require(df, ["label", "value", "highlight"], "bar_compare")
    order = df.sort("value", descending=True, nulls_last=True, maintain_order=True).get_column("label").to_list()
    base = _with_text(alt.Chart(df), {"value": (value_format, "")}).encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
        tooltip=[alt.Tooltip("label:N", title=label_title), _tip("value", y_title)],
    )
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", title=y_title),
        color=alt.condition('datum["highlight"] === true', alt.value(HIGHLIGHT_COLOUR), alt.value(MUTED_COLOUR)),
    )
    # The label's position falls back to the axis origin for a missing value; the value itself stays null.
    labels = (
        base.transform_calculate(
            label_x='isValid(datum["value"]) ? datum["value"] : 0',
            label_text=f'isValid(datum["value"]) ? datum["value{TEXT}"] : "ikke oplyst"',
        )
        .mark_text(align="left", baseline="middle", dx=3, fontSize=11, color=REFERENCE_COLOUR)
        .encode(x=alt.X("label_x:Q", title=y_title), text=alt.Text("label_text:N"))
    )
    chart = alt.layer(bars, labels).properties(height=alt.Step(22))
    return finish(chart, title, subtitle)
