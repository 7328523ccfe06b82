"""What every chart builder shares: the memo, ``finish``, the colours and labels, tooltips, time axes and breaks."""

from __future__ import annotations

import copy
import functools
import hashlib
from collections.abc import Iterable, Sequence

import altair as alt
import polars as pl

from pipelines.danish import DEMO_KIND_LABEL, REAL_KIND_LABEL
from presentation.formatting import MISSING, VEGA_LOCALE, fmt_pct
from presentation.memo import RecentlyUsed


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
    legend = alt.Legend(symbolType="square", symbolFillColor="#333333", symbolStrokeWidth=0, columns=2)
    return {"opacity": alt.Opacity("kind:N", title="Kilde", scale=scale, legend=legend)}


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
