"""Pure Altair chart builders: polars DataFrames in, finished Danish charts out.

The builders live in submodules by topic (``_common``: the memo, ``finish`` and shared helpers; ``categories``,
``measures``, ``benchmark``); this package re-exports them, so callers write ``charts.category_time_series``.

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

from presentation.charts._common import (
    FONT as FONT,
    STATUS_ABOVE as STATUS_ABOVE,
    STATUS_WITHIN as STATUS_WITHIN,
    STATUS_BELOW as STATUS_BELOW,
    STATUS_COLOURS as STATUS_COLOURS,
    HIGHLIGHT_COLOUR as HIGHLIGHT_COLOUR,
    MUTED_COLOUR as MUTED_COLOUR,
    SUPPRESSED_FILL as SUPPRESSED_FILL,
    TOTAL_FILL as TOTAL_FILL,
    BAND_COLOUR as BAND_COLOUR,
    REFERENCE_COLOUR as REFERENCE_COLOUR,
    INVESTMENT_LABEL as INVESTMENT_LABEL,
    AVOIDED_LABEL as AVOIDED_LABEL,
    CUMULATIVE_LABEL as CUMULATIVE_LABEL,
    TEXT as TEXT,
    forget as forget,
    memoised as memoised,
    finish as finish,
    finish_panels as finish_panels,
    _time_x as _time_x,
)
from presentation.charts.categories import (
    heatmap_matrix as heatmap_matrix,
    category_time_series as category_time_series,
    _stack as _stack,
    compare_time_series as compare_time_series,
)
from presentation.charts.measures import (
    caseload_band as caseload_band,
    investment_curve as investment_curve,
    COVERAGE_AREA_ROWS as COVERAGE_AREA_ROWS,
    coverage as coverage,
    bar_compare as bar_compare,
)
from presentation.charts.benchmark import (
    ROLLING_YEAR_PREFIX as ROLLING_YEAR_PREFIX,
    benchmark_time_series as benchmark_time_series,
    benchmark_comparison_series as benchmark_comparison_series,
    benchmark_difference_bars as benchmark_difference_bars,
)

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
