"""Pure Altair chart builders: polars DataFrames in, finished Danish charts out.

Conventions shared by every builder:
- Missing (suppressed) values stay null all the way into the chart data. Vega-Lite then leaves a gap: path
  marks break at the null and other marks skip it. Tooltips and labels show "–" instead of a number, because
  Vega's ``format(null)`` would otherwise print "null" (and d3 on its own prints "0").
- Numbers in tooltips and labels are formatted by Vega ``format()`` expressions with d3 format strings; with
  ``config.locale`` set to ``VEGA_LOCALE`` those come out Danish ("1.234,5").
- Every builder ends with ``finish``, which sets the title, the container width and the Danish locale (small
  multiples with ``finish_panels``, which does the same for fixed-width panels). A finished chart carries a
  top-level config, so it cannot be layered or concatenated any further.
- Time series take the sidebar's frequency (``freq``): the time axis's ticks and labels fit it, and lines are
  broken at every classification era (``era``), so no line joins two eras across a break.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import timedelta

import altair as alt
import polars as pl

from pipelines.danish import ACTUAL_LABEL, EXPECTED_LABEL  # the benchmark series' names, as the query gives them
from pipelines.danish import DEMO_KIND_LABEL, REAL_KIND_LABEL
from presentation import colours
from presentation.formatting import MISSING, VEGA_LOCALE, fmt_pct
from presentation.memo import RecentlyUsed

__all__ = [
    "finish",
    "heatmap_matrix",
    "category_time_series",
    "compare_time_series",
    "caseload_band",
    "investment_curve",
    "coverage",
    "bar_compare",
    "benchmark_time_series",
    "benchmark_difference_bars",
]


FONT = "Source Sans Pro, sans-serif"

STATUS_ABOVE = "Over båndet"
STATUS_WITHIN = "Inden for båndet"
STATUS_BELOW = "Under båndet"
STATUS_COLOURS = {STATUS_ABOVE: "#D55E00", STATUS_WITHIN: "#009E73", STATUS_BELOW: "#56B4E9"}

HIGHLIGHT_COLOUR = "#0072B2"
MUTED_COLOUR = "#BBBBBB"
SUPPRESSED_FILL = "#EEEEEE"
TOTAL_FILL = "#FFFFFF"
BAND_COLOUR = "#999999"
REFERENCE_COLOUR = "#444444"

INVESTMENT_LABEL = "Investering"
AVOIDED_LABEL = "Undgåede udgifter"
CUMULATIVE_LABEL = "Akkumuleret nettoresultat"


# Suffix of the derived text fields that hold a formatted number (or "–" when missing).
TEXT = "_tekst"


# --- memo -----------------------------------------------------------------------------------------------------

# Building an Altair chart is most of a warm page's time, and pages ask for the same charts again and
# again (every rerun, every user on the same filters). Builders are pure, so equal inputs may share a chart.
_memo = RecentlyUsed(256)


def _fingerprint(value):
    """A hashable stand-in for a builder argument; a frame by its schema and the hash of its rows, in order."""
    if isinstance(value, pl.DataFrame):
        rows = hashlib.blake2b(value.hash_rows().to_numpy().tobytes(), digest_size=16).hexdigest()
        return "frame", tuple(value.columns), tuple(str(t) for t in value.dtypes), value.height, rows
    if isinstance(value, (list, tuple)):
        return type(value).__name__, tuple(_fingerprint(v) for v in value)
    if isinstance(value, dict):
        return "dict", tuple((k, _fingerprint(v)) for k, v in sorted(value.items()))
    return value


def forget() -> None:
    """Empty the memo (a batch that never draws the same chart twice)."""
    _memo.clear()


def memoised(builder):
    """The same chart object for the same data and arguments (charts are never changed after building)."""

    @functools.wraps(builder)
    def cached(*args, **kwargs):
        key = (builder.__name__, _fingerprint(args), _fingerprint(kwargs))
        chart = _memo.get(key)
        if chart is None:
            # Altair validates every part of a chart as it is made; the finished specs are validated in
            # the chart tests (to_dict), so building skips it.
            with alt.utils.schemapi.debug_mode(False):
                chart = builder(*args, **kwargs)
            _memo.put(key, chart)
        return chart

    return cached


# --- shared helpers -------------------------------------------------------------------------------------------


def _title(title: str, subtitle: list[str] | str | None) -> alt.TitleParams:
    if subtitle:
        return alt.TitleParams(title, subtitle=subtitle, anchor="start")
    return alt.TitleParams(title, anchor="start")


def _config() -> dict:
    # A copy, so a caller that tweaks one chart's config cannot change the locale of every later chart.
    # Legends below the plot: beside it they collide with the break labels and squeeze narrow screens.
    return {
        "locale": copy.deepcopy(VEGA_LOCALE),
        "font": FONT,
        "legend": alt.LegendConfig(orient="bottom", direction="horizontal", columns=4, labelLimit=280),
    }


def finish(chart, title: str, subtitle: list[str] | str | None = None):
    """Title (anchored left), container width and the Danish locale; the last call of every builder."""
    # Concatenated and faceted charts size their parts themselves; "container" is only valid on a single view.
    # One properties() and one configure() call: each call copies the whole chart.
    sized = {"width": "container"} if isinstance(chart, (alt.Chart, alt.LayerChart)) else {}
    chart = chart.properties(title=_title(title, subtitle), **sized)
    return chart.configure(**_config())


def finish_panels(panels: list, title: str, subtitle=None, *, columns: int, data, resolve: dict):
    """``finish`` for small multiples: the panels, their shared data, scale resolution, title and locale in one
    constructor. Every later call on a concatenation copies all of its panels (half a second each for a page of
    them), so it is made whole at once."""
    return alt.ConcatChart(
        concat=panels,
        columns=columns,
        data=data,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(**resolve)),
        title=_title(title, subtitle),
        config=alt.Config(**_config()),
    )


def _require(df: pl.DataFrame, columns: Iterable[str], builder: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{builder}: missing column(s) {', '.join(missing)}; got {', '.join(df.columns)}")


def _first_seen(df: pl.DataFrame, column: str) -> list:
    """Distinct non-null values in the order the caller supplied them, which is the order they chose to show."""
    return df.get_column(column).drop_nulls().unique(maintain_order=True).to_list()


def _ordered_labels(df: pl.DataFrame, label: str, order: str) -> list[str]:
    ranked = (
        df.filter(pl.col(label).is_not_null())
        .group_by(label)
        .agg(pl.col(order).min())
        .sort([order, label], nulls_last=True)
    )
    return ranked.get_column(label).to_list()


def _format_expr(field: str, spec: str, suffix: str = "") -> str:
    """A Vega expression giving the field formatted with the d3 ``spec`` (Danish via the locale), or "–"."""
    ref = f'datum["{field}"]'
    tail = f' + "{suffix}"' if suffix else ""
    # Parenthesised so the result can be concatenated into a longer expression.
    return f'(isValid({ref}) && isFinite(+{ref}) ? format({ref}, "{spec}"){tail} : "{MISSING}")'


def _with_text(chart: alt.Chart, formats: dict[str, tuple[str, str]]) -> alt.Chart:
    """Add ``<field>_tekst`` for each field: the number formatted for tooltips and labels."""
    return chart.transform_calculate(
        **{f"{field}{TEXT}": _format_expr(field, spec, suffix) for field, (spec, suffix) in formats.items()}
    )


def _tip(field: str, title: str) -> alt.Tooltip:
    """Tooltip for a field formatted by ``_with_text``."""
    return alt.Tooltip(f"{field}{TEXT}:N", title=title)


def _line_detail(df: pl.DataFrame):
    """What splits a series into lines: its eras and, where the rows say (``kind``), real and synthetic months, so no
    line ever runs from the demo into real figures."""
    return [alt.Detail("era:N"), alt.Detail("kind:N")] if "kind" in df.columns else alt.Detail("era:N")


def _kind_encoding(df: pl.DataFrame) -> dict:
    """Where real and synthetic rows share a chart, the demo's are drawn lighter (with a legend saying which)."""
    if "kind" not in df.columns or df.get_column("kind").n_unique() < 2:
        return {}
    scale = alt.Scale(domain=[REAL_KIND_LABEL, DEMO_KIND_LABEL], range=[1.0, 0.4])
    return {"opacity": alt.Opacity("kind:N", title="Kilde", scale=scale)}


def _kind_tooltip(df: pl.DataFrame) -> list:
    return [alt.Tooltip("kind:N", title="Kilde")] if "kind" in df.columns else []


def _period_tooltip(df: pl.DataFrame) -> alt.Tooltip:
    # A page may pass the official Danish period label ("2. kvt. 2024"); the start month is the fallback.
    if "period_label" in df.columns:
        return alt.Tooltip("period_label:N", title="Periode")
    return alt.Tooltip("date:T", title="Periode (start)", format="%B %Y")


def _break_layers(breaks: Sequence[dict] | None, df: pl.DataFrame, *, labels: bool = True) -> list[alt.Chart]:
    """Dashed rules with labels for series breaks that fall inside the plotted period."""
    if not breaks or df.height == 0:
        return []
    first, last = df.get_column("date").min(), df.get_column("date").max()
    # A break outside the data would only stretch the time axis over years with nothing to show.
    inside = [b for b in breaks if first < b["date"] <= last]
    if not inside:
        return []
    # A DataFrame, not a list of dicts, so the dates serialise exactly like the main data's and the rule sits on
    # the same instant as the first point after the break. A label in the right part of the plot is written to
    # the left of its rule, so it does not run off the chart.
    # Every other label one line lower, so two breaks a few years apart do not write over each other.
    span = (last - first).days or 1
    data = pl.DataFrame(
        {
            "date": [b["date"] for b in inside],
            "label": [str(b["label"]) for b in inside],
            "right": [(b["date"] - first).days / span > 0.6 for b in inside],
            "row": [i % 2 for i in range(len(inside))],
        },
        schema={"date": pl.Date, "label": pl.String, "right": pl.Boolean, "row": pl.Int64},
    )
    tooltip = [alt.Tooltip("label:N", title="Databrud"), alt.Tooltip("date:T", title="Fra", format="%d. %B %Y")]
    base = alt.Chart(data.select("date", "label")).encode(x=alt.X("date:T"), tooltip=tooltip)
    rules = base.mark_rule(strokeDash=[4, 3], color=REFERENCE_COLOUR)
    if not labels:
        return [rules]
    parts = []
    for right in (False, True):
        for row in (0, 1):
            kept = data.filter((pl.col("right") == right) & (pl.col("row") == row))
            if kept.height:
                parts.append(
                    alt.Chart(kept.select("date", "label"))
                    .mark_text(
                        align="right" if right else "left",
                        dx=-4 if right else 4,
                        dy=2 + 14 * row,
                        baseline="top",
                        color=REFERENCE_COLOUR,
                        fontSize=11,
                    )
                    .encode(x=alt.X("date:T"), y=alt.value(0), text=alt.Text("label:N"), tooltip=tooltip)
                )
    return [rules, *parts]


def _time_x(df: pl.DataFrame, freq: str = "M", title: str = "Periode", most: int = 10) -> alt.X:
    """The time axis, its ticks and labels fitting the frequency: months as Vega writes them (Danish by the
    locale), quarters "1. kvt. 2024", years "2024"; ticks no closer than the periods, at most about ``most``."""
    if freq == "M" or df.height == 0:
        return alt.X("date:T", title=title, axis=alt.Axis(tickCount=most))
    first, last = df.get_column("date").min(), df.get_column("date").max()
    if freq == "Q":
        quarters = (last.year - first.year) * 4 + (last.month - first.month) // 3 + 1
        step = next((s for s in (1, 2, 4, 8, 12, 20, 40) if quarters / s <= most), 80)
        # Ticks a year or more apart fall on first quarters: the year says it, and fits a small panel. (A step of
        # months counts within the year, so longer steps must be years.)
        if step < 4:
            ticks, label = alt.TimeIntervalStep(interval="month", step=3 * step), "%q. kvt. %Y"
        else:
            ticks, label = alt.TimeIntervalStep(interval="year", step=step // 4), "%Y"
    else:
        years = last.year - first.year + 1
        step = next((s for s in (1, 2, 3, 5, 10, 20) if years / s <= most), 50)
        ticks = alt.TimeIntervalStep(interval="year", step=step)
        label = "%Y"
    return alt.X("date:T", title=title, axis=alt.Axis(format=label, tickCount=ticks, labelOverlap=True))


def _compact_pct(value: float) -> str:
    return fmt_pct(value, 0 if float(value).is_integer() else 1)


# --- builders -------------------------------------------------------------------------------------------------


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
            base.mark_point(filled=True, size=14, opacity=dotted),
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
