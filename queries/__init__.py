"""The one data-access layer the pages go through.

Each question is a ``.sql`` file in this folder with named, bound parameters (``$area``). The app only
reads: every query runs on a read-only published snapshot of the warehouse (``pipelines/snapshots.py``).
A page pins the newest snapshot when its script run starts (``pin_snapshot``), so one run reads one
snapshot, and query functions are cached on the snapshot as well as on their plain arguments, so a page
never mixes two. Every query runs on its own cursor, so concurrent sessions never share a result.
This package only reads; the Data page's write commands (uploads, undo, fetches) are in ``commands.writes``.
Pages never import duckdb.

The machinery (the pinned snapshot, ``cached``, ``cursor``, ``run``) is in ``_snapshot``, what every page looks up
in ``lookups``, and each page's questions in a module named after the page; this package re-exports them all,
so callers write ``queries.activation(...)``.
"""

from queries import over_time as over_time
from queries._snapshot import (
    QUERY_DIR as QUERY_DIR,
    QUERY_NAMES as QUERY_NAMES,
    CACHE_ENTRIES as CACHE_ENTRIES,
    QueryError as QueryError,
    snapshot_reader as snapshot_reader,
    reading_snapshot as reading_snapshot,
    pin_snapshot as pin_snapshot,
    published as published,
    cache_data_lazily as cache_data_lazily,
    cached as cached,
    cursor as cursor,
    run as run,
    plain_types as plain_types,
)
from queries.lookups import (
    NATIONAL as NATIONAL,
    GUIDANCE_PRESETS as GUIDANCE_PRESETS,
    MEASURES as MEASURES,
    AGE_BANDS as AGE_BANDS,
    FREQUENCIES as FREQUENCIES,
    areas as areas,
    this_month as this_month,
    month_bounds as month_bounds,
    freshness as freshness,
    similar_areas as similar_areas,
    similar_conditions as similar_conditions,
    series_breaks as series_breaks,
    area_name as area_name,
    source_label as source_label,
    jobindsats_freshness as jobindsats_freshness,
)
from queries.overblik import (
    Kpi as Kpi,
    caseload_latest as caseload_latest,
    overview as overview,
    OVERVIEW_COMPARED as OVERVIEW_COMPARED,
    overview_comparison as overview_comparison,
    recipients_by_category as recipients_by_category,
)
from queries.faelles_borgere import (
    match_group_periods as match_group_periods,
    SharedCitizens as SharedCitizens,
    SHARED_KEY_FIGURES as SHARED_KEY_FIGURES,
    shared_citizens as shared_citizens,
    SHARED_SERIES as SHARED_SERIES,
    SHARED_COUNTS as SHARED_COUNTS,
    shared_over_time as shared_over_time,
    shared_sources as shared_sources,
)
from queries.visitation import (
    visitation_series as visitation_series,
    visitation_sources as visitation_sources,
    ACTIVATION_COUNTS as ACTIVATION_COUNTS,
    activation as activation,
    activation_sources as activation_sources,
)
from queries.sagstal import (
    caseload_periods as caseload_periods,
    caseloads as caseloads,
    caseload_comparison as caseload_comparison,
    guidance as guidance,
    caseload_summary as caseload_summary,
)
from queries.investering import (
    investment_lines as investment_lines,
    investment_areas as investment_areas,
    PublishedCase as PublishedCase,
    published_cases as published_cases,
    SCENARIO_PRESETS as SCENARIO_PRESETS,
    ScenarioResult as ScenarioResult,
    scenario as scenario,
    mentor_comparison as mentor_comparison,
)
from queries.benchmark import (
    BENCHMARK_UNITS as BENCHMARK_UNITS,
    BENCHMARK_FORMATS as BENCHMARK_FORMATS,
    BENCHMARK_DECIMALS as BENCHMARK_DECIMALS,
    benchmark_groups as benchmark_groups,
    benchmark_periods as benchmark_periods,
    benchmark_series as benchmark_series,
    benchmark_comparison as benchmark_comparison,
    benchmark_marked as benchmark_marked,
    benchmark_lines as benchmark_lines,
    benchmark_latest as benchmark_latest,
    benchmark_ranking as benchmark_ranking,
    benchmark_similar as benchmark_similar,
)
from queries.data import loads_list as loads_list, coverage as coverage, freshness_sources as freshness_sources
