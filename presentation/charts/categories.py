"""Charts of counts by category: the heatmap matrix and the category and comparison time series."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from presentation import colours
from presentation.charts._common import (
    HIGHLIGHT_COLOUR,
    MUTED_COLOUR,
    REFERENCE_COLOUR,
    SUPPRESSED_FILL,
    TEXT,
    TOTAL_FILL,
    _break_layers,
    _compact_pct,
    _first_seen,
    _kind_encoding,
    _kind_tooltip,
    _line_detail,
    _ordered_labels,
    _period_tooltip,
    _require,
    _time_x,
    _tip,
    _with_text,
    finish,
    finish_panels,
    memoised,
)


@memoised
def heatmap_matrix(
    df: pl.DataFrame, title: str, subtitle: list[str] | str | None = None, small_below: int | None = None
) -> alt.LayerChart:
    """Target group × match group counts as a heatmap with the count written in each cell.

    With ``small_below`` (a document that leaves the app: the council report) a count from 1 up to it is written
    as "<5", as every export writes it.

    Rows marked ``is_total`` (the "i alt" rows) are written on white with their count in bold and take no part
    in the colour scale: on the same scale as the cells they would hold its dark end alone and leave the matrix
    itself pale.
    """
    _require(
        df,
        ["row_label", "col_label", "row_order", "col_order", "persons", "row_share", "col_share", "is_total"],
        "heatmap_matrix",
    )
    rows = _ordered_labels(df, "row_label", "row_order")
    cols = _ordered_labels(df, "col_label", "col_order")
    top = df.filter(~pl.col("is_total")).get_column("persons").max()

    base = _with_text(alt.Chart(df), {"persons": (",.0f", ""), "row_share": (",.1f", ""), "col_share": (",.1f", "")})
    if small_below:
        count = 'datum["persons"]'
        base = base.transform_calculate(
            **{
                f"persons{TEXT}": f"isValid({count}) && {count} >= 1 && {count} < {int(small_below)} "
                f'? "<{int(small_below)}" : datum["persons{TEXT}"]'
            }
        )
    base = base.encode(
        # An explicit domain gives every layer the same order, whatever rows each one keeps.
        x=alt.X(
            "col_label:N",
            sort=cols,
            scale=alt.Scale(domain=cols),
            title="Matchgruppe",
            axis=alt.Axis(labelAngle=0, orient="top", labelLimit=160),
        ),
        y=alt.Y(
            "row_label:N",
            sort=rows,
            scale=alt.Scale(domain=rows),
            title="Målgruppe",
            axis=alt.Axis(labelLimit=220, titlePadding=12),
        ),
        tooltip=[
            alt.Tooltip("row_label:N", title="Målgruppe"),
            alt.Tooltip("col_label:N", title="Matchgruppe"),
            _tip("persons", "Antal personer"),
            _tip("row_share", "Andel af rækken (pct.)"),
            _tip("col_share", "Andel af kolonnen (pct.)"),
        ],
    )
    matrix = base.transform_filter("!datum.is_total")
    totals = base.transform_filter("datum.is_total")
    # Every cell first gets a neutral grey, so a suppressed cell shows as grey with "–": Vega-Lite drops marks
    # whose colour value is null, and its "show" mode would paint them in the colour of zero.
    grid = matrix.mark_rect(color=SUPPRESSED_FILL, stroke="white", strokeWidth=1)
    # The domain is the matrix's own range, so its largest cell gets the darkest blue.
    cells = matrix.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "persons:Q", title="Antal personer", scale=alt.Scale(scheme="blues", domain=[0, float(top or 0) or 1.0])
        )
    )
    total_cells = totals.mark_rect(color=TOTAL_FILL, stroke=MUTED_COLOUR, strokeWidth=1)
    # White on the dark half of the scale keeps the numbers legible.
    dark = f'isValid(datum["persons"]) && datum["persons"] > {float(top) * 0.55}' if top is not None else "false"
    labels = matrix.mark_text(fontSize=12).encode(
        text=alt.Text(f"persons{TEXT}:N"), color=alt.condition(dark, alt.value("white"), alt.value("black"))
    )
    total_labels = totals.mark_text(fontSize=12, fontWeight="bold", color="black").encode(
        text=alt.Text(f"persons{TEXT}:N")
    )
    chart = alt.layer(grid, cells, total_cells, labels, total_labels).properties(height=alt.Step(34))
    return finish(chart, title, subtitle)


@memoised
def category_time_series(
    df: pl.DataFrame,
    y_title: str,
    title: str,
    subtitle: list[str] | str | None = None,
    stacked: bool = True,
    breaks: Sequence[dict] | None = None,
    *,
    series_title: str = "Kategori",
    value_format: str = ",.0f",
    freq: str = "M",
):
    """Categories over time: stacked areas for one area, otherwise lines (dashed per area).

    ``breaks`` are ``{"date": date, "label": str}``; those inside the plotted period are drawn as dashed rules.
    Series are split by ``era`` as well, so a line or area never joins two classification eras across a break.
    ``freq`` (M, Q, Y) sets the time axis's ticks and labels.
    """
    _require(df, ["date", "series", "area", "value", "era"], "category_time_series")
    series = _first_seen(df, "series")
    areas = _first_seen(df, "area")
    colour = alt.Color("series:N", title=series_title, scale=alt.Scale(**colours.scale_for(series)))
    x = _time_x(df, freq)
    tooltip = [
        _period_tooltip(df),
        alt.Tooltip("series:N", title=series_title),
        alt.Tooltip("area:N", title="Område"),
        _tip("value", y_title),
        alt.Tooltip("era:N", title="Opgørelse"),
        *_kind_tooltip(df),
    ]
    formats = {"value": (value_format, "")}

    if stacked and len(areas) <= 1:
        data = _stack(df, series)
        area = (
            _with_text(alt.Chart(data), formats)
            .mark_area(opacity=0.85, point=alt.OverlayMarkDef(filled=True, size=16, opacity=0.9))
            .encode(
                x=x,
                y=alt.Y("stack_high:Q", title=y_title),
                y2=alt.Y2("stack_low:Q"),
                color=colour,
                detail=_line_detail(data),
                tooltip=tooltip,
            )
        )
        main = [area]
    else:
        base = _with_text(alt.Chart(df), formats).encode(
            x=x, y=alt.Y("value:Q", title=y_title), color=colour, tooltip=tooltip, **_kind_encoding(df)
        )
        line_encoding = {"detail": _line_detail(df)}
        if len(areas) > 1:
            line_encoding["strokeDash"] = alt.StrokeDash(
                "area:N",
                title="Område",
                scale=alt.Scale(domain=areas),
                legend=alt.Legend(symbolStrokeColor=REFERENCE_COLOUR, symbolStrokeWidth=2),
            )
        # Points in a layer of their own: as a line overlay they would turn the dash legend into plain dots.
        main = [base.mark_line(strokeWidth=2).encode(**line_encoding), base.mark_point(filled=True, size=16, opacity=1)]

    layers = [*main, *_break_layers(breaks, df)]
    chart = alt.layer(*layers) if len(layers) > 1 else layers[0]
    return finish(chart, title, subtitle)


def _stack(df: pl.DataFrame, series: list[str]) -> pl.DataFrame:
    """Stack positions computed here rather than by Vega-Lite.

    Vega-Lite's stack counts a null as 0, so everything above a suppressed category would be drawn lower than it
    really is. Here a suppressed value makes its own band and every band above it unknown (null), which breaks
    those areas at that period; the bands below stay exact. So that one small suppressed category (such as
    "Uoplyst") cannot wipe out the others, the series with a missing value are stacked on top of the rest. The
    value column itself is left untouched.
    """
    gappy = set(df.filter(pl.col("value").is_null()).get_column("series").to_list())
    # Rank 0 is the top of the stack.
    order = [s for s in series if s in gappy] + [s for s in series if s not in gappy]
    rank = {name: i for i, name in enumerate(order)}
    at = ["date", "kind"] if "kind" in df.columns else ["date"]  # a month of the demo and a real one stack apart
    ordered = df.with_columns(
        pl.col("series").replace_strict(rank, default=None, return_dtype=pl.Int64).alias("stack_rank")
    ).sort(["date", "stack_rank"], descending=[False, True])
    unknown = pl.col("value").is_null().cast(pl.Int64).cum_sum().over(at) > 0
    # fill_null(0) only feeds the running total; any position it could affect is masked by `unknown`.
    high = pl.col("value").fill_null(0).cum_sum().over(at)
    return ordered.with_columns(
        pl.when(unknown).then(None).otherwise(high - pl.col("value").fill_null(0)).cast(pl.Float64).alias("stack_low"),
        pl.when(unknown).then(None).otherwise(high).cast(pl.Float64).alias("stack_high"),
    ).sort(["stack_rank", "date"])


@memoised
def compare_time_series(
    df: pl.DataFrame,
    y_title: str,
    title: str,
    subtitle: list[str] | str | None = None,
    breaks: Sequence[dict] | None = None,
    *,
    chosen: str,
    reference: str | None = None,
    freq: str = "M",
    value_format: str = ",.1f",
    value_suffix: str = "",
    target: float | None = None,
    shared_y: bool = True,
    series_title: str = "Kategori",
    columns: int = 2,
    panel_width: int = 390,
    panel_height: int = 170,
):
    """One small chart per series (category or group), each comparing the areas: the ``chosen`` one in colour
    and drawn last, the ``reference`` (Hele landet) dark grey and dashed, every other area muted grey.

    Lines break at each classification era (``era``) as well as at missing values; ``breaks`` are drawn as dashed
    rules in every panel. ``target`` adds a labelled goal line (pct.) to every panel. ``shared_y``: one value scale
    for all panels (rates that compare across groups), else one each (shares of very different sizes).
    """
    _require(df, ["date", "series", "area", "value", "era"], "compare_time_series")
    series = _first_seen(df, "series")
    present = _first_seen(df, "area")
    reference = None if reference == chosen else reference  # the country chosen itself is drawn as the chosen one
    others = [a for a in present if a not in (chosen, reference)]
    areas = [a for a in (chosen, *others, reference) if a is not None and (a in present or a == chosen)]
    colours = [HIGHLIGHT_COLOUR if a == chosen else REFERENCE_COLOUR if a == reference else MUTED_COLOUR for a in areas]
    dashes = [[5, 3] if a == reference else [1, 0] for a in areas]
    legend = alt.Legend(symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=300)
    colour = alt.Color("area:N", title="Område", scale=alt.Scale(domain=areas, range=colours), legend=legend)
    dash = alt.StrokeDash("area:N", title="Område", scale=alt.Scale(domain=areas, range=dashes), legend=legend)
    x = _time_x(df, freq, most=5)
    tooltip = [
        _period_tooltip(df),
        alt.Tooltip("area:N", title="Område"),
        alt.Tooltip("series:N", title=series_title),
        _tip("value", y_title),
        alt.Tooltip("era:N", title="Opgørelse"),
        *_kind_tooltip(df),
    ]
    dotted = 0.0 if freq == "M" else 1.0
    # Scales rather than conditions: a condition costs a schema validation per layer (most of a page's build).
    widths = alt.Scale(domain=areas, range=[2.5 if a == chosen else 1.5 for a in areas])
    df = df.sort(pl.col("area") == chosen, maintain_order=True)

    # The data once, at the top, for every panel to filter: given to each layer, Altair would serialise the frame
    # once per layer (seconds for a page of panels).
    labelled_breaks, bare_breaks = _break_layers(breaks, df), _break_layers(breaks, df, labels=False)

    def panel(name: str | None, breaks_labelled: bool, **sized):
        base = _with_text(alt.Chart(), {"value": (value_format, value_suffix)})
        if name is not None:
            base = base.transform_filter(alt.FieldEqualPredicate(field="series", equal=name))
        base = base.encode(
            x=x,
            y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)),
            color=colour,
            strokeDash=dash,
            detail=_line_detail(df),
            tooltip=tooltip,
        )
        layers = [
            # The chosen area's rows come last in the data, so its line is drawn on top of the others.
            base.mark_line().encode(
                strokeWidth=alt.StrokeWidth("area:N", scale=widths, legend=None), **_kind_encoding(df)
            ),
            # Points carry the tooltips, and show a period that stands alone between gaps; months are too dense to
            # dot, so there they are only there to hover.
            # (One size: a size by area would shrink the symbols of the legend the areas share.)
            # Where real and synthetic months share a chart, every point shows (a lone real month among the demo's
            # is a line of one point: it would not be seen), each kind at its own opacity.
            base.mark_point(filled=True, size=14, opacity=dotted).encode(**_kind_encoding(df)),
            *(labelled_breaks if breaks_labelled else bare_breaks),
        ]
        if target is not None:
            label = f"Mål: {_compact_pct(target)}"
            goal = alt.Chart(alt.Data(values=[{"target": float(target), "label": label}])).encode(
                y=alt.Y("target:Q"), tooltip=[alt.Tooltip("label:N", title="Mål")]
            )
            layers.append(goal.mark_rule(strokeDash=[6, 4], color=REFERENCE_COLOUR, strokeWidth=1.5))
            layers.append(
                # At the left edge: the right one is where the newest break and the newest figures are.
                goal.mark_text(align="left", baseline="bottom", dx=4, dy=-3, color=REFERENCE_COLOUR).encode(
                    x=alt.value(0), text=alt.Text("label:N")
                )
            )
        return alt.layer(*layers, **sized)

    if len(series) <= 1:
        return finish(panel(None, True, data=df), title, subtitle)
    # Break labels only in the first panel: in every one they would crowd the small plots (the rules stay).
    panels = [
        panel(
            name,
            i == 0,
            title=alt.TitleParams(name, anchor="start", fontSize=13),
            width=panel_width,
            height=panel_height,
        )
        for i, name in enumerate(series)
    ]
    resolve = {"x": "shared", "y": "shared" if shared_y else "independent", "color": "shared", "strokeDash": "shared"}
    return finish_panels(panels, title, subtitle, columns=columns, data=df, resolve=resolve)
