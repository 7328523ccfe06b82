"""The one data-access layer the pages go through.

Each question is a ``.sql`` file in this folder with named, bound parameters (``$area``). The app only
reads: every query runs on a read-only published snapshot of the warehouse (``pipelines/snapshots.py``).
A page pins the newest snapshot when its script run starts (``pin_snapshot``), so one run reads one
snapshot, and query functions are cached on the snapshot as well as on their plain arguments, so a page
never mixes two. Every query runs on its own cursor, so concurrent sessions never share a result.
This package only reads; the Data page's write commands (uploads, undo, fetches) are in ``commands.writes``.
Pages never import duckdb.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from pipelines import build, config, danish, investment_model, snapshots, uploads
from pipelines.periods import parse_period
from pipelines.rules import TOTAL_CODE
from pipelines.warehouse import NATIONAL_CODE
from queries import over_time

QUERY_DIR = Path(__file__).resolve().parent
QUERY_NAMES = frozenset(p.stem for p in QUERY_DIR.glob("*.sql"))
NATIONAL = NATIONAL_CODE  # Hele landet
GUIDANCE_PRESETS = {
    "ds_aktuel": "DS' aktuelle vejledning pr. område",
    "kilde_2017": "Kildedokumenterne (DS ca. 2017): 35-50 unge / 40-55 voksne",
}
MEASURES = {"persons": "Antal personer", "full_time_persons": "Fuldtidspersoner"}
AGE_BANDS = {"alle": "Alle aldre", "under_30": "Under 30 år", "30_plus": "30 år og derover"}
FREQUENCIES = {"M": ("month", "Måned"), "Q": ("quarter", "Kvartal"), "Y": ("year", "År")}
PIN_KEY, ROUTED_KEY = "_snapshot", "_snapshot_routed"
# Results of older snapshots are evicted with the rest; a function rarely has this many argument sets.
CACHE_ENTRIES = 512


class QueryError(Exception):
    """A question the warehouse could not answer, in words a user can act on."""


@st.cache_resource(show_spinner="Bygger datalageret første gang …", on_release=lambda reader: reader.close())
def snapshot_reader() -> snapshots.SnapshotReader:
    """The process's read-only connections to the published snapshots. On a fresh clone the first call
    builds the master from the bundled data and publishes it (the only time the app waits for a writer)."""
    build.ensure_published(on_wait=lambda message: st.toast(message, icon=":material/hourglass_top:"))
    return snapshots.SnapshotReader()


@contextmanager
def reading_snapshot():
    """The router's, around a whole script run: the newest snapshot, leased until the run ends, so that
    this process keeps it open for the run even when a newer one is published meanwhile."""
    _release_pin()
    snap = snapshot_reader().current(lease=True)
    st.session_state[PIN_KEY], st.session_state[ROUTED_KEY] = snap, True
    try:
        yield snap
    finally:
        st.session_state.pop(PIN_KEY, None)
        st.session_state[ROUTED_KEY] = False
        snapshot_reader().release(snap)


def pin_snapshot():
    """The snapshot for every query of this script run (pages call it first): the router's when the page
    runs through app.py; otherwise (a page file run alone, as AppTest does) the newest, leased until the
    session's next run."""
    if get_script_run_ctx() is None:  # outside a page (benchmarks, scripts): the newest one
        return snapshot_reader().current()
    if st.session_state.get(ROUTED_KEY):
        return st.session_state[PIN_KEY]
    _release_pin()
    snap = snapshot_reader().current(lease=True)
    st.session_state[PIN_KEY] = snap
    return snap


def _release_pin() -> None:
    old = st.session_state.pop(PIN_KEY, None)
    if old is not None:
        snapshot_reader().release(old)


def _pinned():
    if get_script_run_ctx() is None:
        return snapshot_reader().current()
    snap = st.session_state.get(PIN_KEY)
    return snap if snap is not None and not snap.closed else pin_snapshot()


def published() -> snapshots.Snapshot:
    """The snapshot this script run reads: its name, data version and when it was published."""
    return _pinned().snapshot


def cache_data_lazily(**options):
    """``st.cache_data(**options)``, made on the function's first call instead of at import.

    ``python serve.py`` imports the pages' modules before it starts Streamlit's runtime in the same process; a cache
    made then is kept outside the runtime (each one logging "No runtime found, using MemoryCacheStorageManager", 31
    lines on every ``make run``). Made at the first call, it lives in the runtime's cache storage like any other.
    """

    def decorate(func):
        made = []

        def cache():
            if not made:  # two threads may both make one: Streamlit keys the storage by function, so they share it
                made.append(st.cache_data(**options)(func))
            return made[0]

        @functools.wraps(func)
        def call(*args, **kwargs):
            return cache()(*args, **kwargs)

        call.clear = lambda *args, **kwargs: cache().clear(*args, **kwargs)
        return call

    return decorate


def cached(func):
    """``st.cache_data`` keyed by the snapshot this run reads as well as by the arguments."""

    def on_snapshot(snapshot: str, *args, **kwargs):
        return func(*args, **kwargs)

    # Streamlit names a cache by its function's module and qualified name: one cache per query function.
    on_snapshot.__module__, on_snapshot.__qualname__ = func.__module__, f"{func.__qualname__}[snapshot]"
    cache = cache_data_lazily(show_spinner=False, max_entries=CACHE_ENTRIES)(on_snapshot)

    @functools.wraps(func)
    def call(*args, **kwargs):
        return cache(_pinned().snapshot.name, *args, **kwargs)

    call.clear = cache.clear
    return call


@functools.cache
def _sql(name: str) -> str:
    if name not in QUERY_NAMES:  # the allow-list: only files that ship in this folder
        raise KeyError(f"unknown query {name!r}")
    return (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")


@contextmanager
def cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of its own on the snapshot this run reads, closed when the block ends: concurrent sessions never
    share a result. With HELHEDSBLIK_HIDE_DEMO the demo is left out here, for every query at once (``hide_demo``)."""
    cur = _pinned().con.cursor()
    try:
        if config.settings().hide_demo:
            hide_demo(cur)
        yield cur
    finally:
        cur.close()


# The tables a query can reach a source's rows through: every view of the facts joins load_log, and the pages'
# visitation aggregate carries its source itself.
_SOURCED = ("load_log", "agg_visitation")


def hide_demo(cur: duckdb.DuckDBPyConnection) -> None:
    """Leave the synthetic demo out of everything ``cur`` reads: a temporary view of the same name, without the demo
    rows, stands in front of each table in ``_SOURCED`` (DuckDB looks in the connection's temporary schema first, for
    the views of the snapshot too). A cursor is a connection of its own: the views go with it."""
    database = cur.sql("select current_database()").fetchall()[0][0].replace('"', '""')
    # DuckDB cannot bind a parameter in a view's definition: the demo's name is our own constant, quoted here.
    demo = config.DEMO_SOURCE.replace("'", "''")
    for table in _SOURCED:
        cur.execute(f"create temp view {table} as select * from \"{database}\".main.{table} where source <> '{demo}'")


def run(name: str, **params) -> pl.DataFrame:
    """Run one named query with bound parameters and return a polars DataFrame (plain types: ``plain_types``)."""
    with cursor() as cur:
        try:
            return plain_types(cur.sql(_sql(name), params=params or None).pl())
        except duckdb.Error as exc:
            raise QueryError(f"Forespørgslen '{name}' kunne ikke køres: {exc}") from exc


def plain_types(df: pl.DataFrame) -> pl.DataFrame:
    """Results as Int64 and Float64: DuckDB's ``sum()`` gives DECIMAL or HUGEINT, which reach a chart or an export
    as types vl-convert and the spreadsheet writers cannot serialise (every Aktivering export failed on one)."""
    casts = {}
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.Decimal):
            casts[name] = pl.Float64
        elif dtype in (pl.Int128, pl.UInt64):
            casts[name] = pl.Int64
    return df.cast(casts) if casts else df


# A series' rows of the synthetic demo and of real sources are never one line: ``kind`` keeps them apart like the
# eras (the charts split lines by it and draw the demo's lighter).
KIND_DEMO, KIND_REAL = danish.DEMO_KIND_LABEL, danish.REAL_KIND_LABEL


def _kind(demo: pl.Expr) -> pl.Expr:
    return pl.when(demo).then(pl.lit(KIND_DEMO)).otherwise(pl.lit(KIND_REAL)).alias("kind")


# --- shared lookups ----------------------------------------------------------------------------


@cached
def areas() -> pl.DataFrame:
    return run("areas")


def this_month() -> str:
    """Today's month as a period id, e.g. 2026M12."""
    today = date.today()
    return f"{today.year}M{today.month:02d}"


def month_bounds() -> tuple[str | None, str | None, str | None]:
    """The first and last month with visitation data, and the default month: the newest one up to today's month
    (the first month when every month lies ahead)."""
    return _month_bounds(this_month())


@cached
def _month_bounds(today: str) -> tuple[str | None, str | None, str | None]:
    first, last, current = run("month_bounds", today=today).row(0)
    return first, last, current or first


@cached
def freshness() -> dict:
    fresh = run("data_freshness", demo_source=config.DEMO_SOURCE).row(0, named=True)
    return {**fresh, "latest_source": source_label(fresh["latest_source"])}


@cached
def similar_areas(area: str, n: int = 3) -> list[str]:
    return run("similar_areas", area=area, n=n)["area_code"].to_list()


@cached
def similar_conditions(area: str, n: int = 3) -> list[str]:
    """The n municipalities with the nearest expected share in the benchmark (similar framework conditions);
    none when the area has no benchmark."""
    return run("similar_conditions", area=area, n=n)["area_code"].to_list()


@cached
def series_breaks() -> list[dict]:
    return [{"date": d, "label": label} for d, label in run("series_breaks").iter_rows()]


def area_name(code: str) -> str:
    match = areas().filter(pl.col("area_code") == code)
    return match["area_name"][0] if match.height else code


def source_label(source: str | None) -> str | None:
    """A load's source as users read it: loads keep the source they were made with, older spellings included."""
    return uploads.LEGACY_SOURCES.get(source, source)


@cached
def jobindsats_freshness() -> list[dict]:
    """Per table loaded from jobindsats' API: how far it reaches, what the newest refresh read of it in jobindsats'
    catalogue (its last and next update), and how the last refresh run went (presentation/freshness.py words it)."""
    return run("jobindsats_freshness", source=config.API_SOURCE).to_dicts()


# --- Overblik ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: float | None
    previous: float | None  # a year earlier
    national: float | None
    unit: str  # "antal", "pct", "sager", "kr"
    page: str
    note: str = ""
    lower_is_better: bool = False  # fewer recipients is good news: the change is coloured accordingly
    sources: tuple[str, ...] = ()  # of the value (a demo badge on the card when one is the demo)
    flagged: bool = False  # above the guidance band (the caseload card)


def _is_demo(sources) -> bool:
    return config.DEMO_SOURCE in sources


def _same_kind(now: tuple[str, ...], before: tuple[str, ...]) -> bool:
    """Whether two figures may be compared: both from real sources or both from the demo (never one of each)."""
    return not now or not before or _is_demo(now) == _is_demo(before)


CROSS_SOURCE_NOTE = "Ingen ændring vist: året før er {before}, denne måned {now}; de kan ikke sammenlignes"


def _kind_text(sources) -> str:
    return "syntetiske demodata" if _is_demo(sources) else "rigtige tal"


@cached
def caseload_latest(area: str, period: str, preset: str) -> dict | None:
    """The area's newest caseload period up to ``period``: period, cases_per_worker (all teams), teams,
    teams_above (the band of ``preset``), band_low and band_high (the loosest band of its teams), sources;
    None without caseloads."""
    case = run("caseload_kpi", area=area, period=period, preset=preset)
    return case.row(0, named=True) if case.height else None


@cached
def overview(area: str, period: str, preset: str) -> list[Kpi]:
    """The home page's key figures for one area and month, with a year earlier and the country."""
    rec = run("recipients_by_category", area=area, period=period, national=NATIONAL)

    def total(df, code, which, ready=None):
        d = df.filter((pl.col("area_code") == code) & (pl.col("which") == which))
        if ready is not None:
            d = d.filter(pl.col("ready") == ready)
        return d["persons"].sum() if d.height and d["persons"].null_count() < d.height else None

    def share_not_ready(code, which):
        everyone = total(rec, code, which)
        not_ready = total(rec, code, which, ready=False)
        return 100.0 * not_ready / everyone if everyone and not_ready is not None else None

    act = run("activation_kpi", area=area, period=period, national=NATIONAL)

    def rate(code, which):
        d = act.filter((pl.col("area_code") == code) & (pl.col("which") == which))
        return d["activation_rate"][0] if d.height else None

    case_row = caseload_latest(area, period, preset)
    inv = investment_lines(area)
    net = None
    if inv.height:
        priced = inv.filter(pl.col("line_role").is_in(["cost", "saving"]))
        net = priced["amount_dkk"].sum() if priced.height else None
    shown = parse_period(period)
    month = shown.label if shown else period
    before = _year_before(period)
    rec_now = tuple(visitation_sources((area,), period, period))
    rec_before = tuple(visitation_sources((area,), before, before)) if before else ()
    act_now = tuple(activation_sources(area, period, period))
    act_before = tuple(activation_sources(area, before, before)) if before else ()

    def earlier(value, now, then):
        return value if _same_kind(now, then) else None

    def cross_note(now, then):
        return "" if _same_kind(now, then) else CROSS_SOURCE_NOTE.format(before=_kind_text(then), now=_kind_text(now))

    case_period = parse_period(case_row["period"]) if case_row else None
    kpis = [
        Kpi(
            "recipients",
            "Kontanthjælpsmodtagere",
            total(rec, area, "current"),
            earlier(total(rec, area, "year_before"), rec_now, rec_before),
            total(rec, NATIONAL, "current"),
            "antal",
            "visitation",
            # Fælles borgere's total counts another population, from another extract, often in another month.
            "; ".join(
                filter(
                    None,
                    (
                        f"Kontanthjælp og uddannelseshjælp, {month}. Ikke samme tal som »Jobcentrets modtagere i "
                        "alt« på Fælles borgere: det tæller alle ydelser i kommunens matchgruppeopgørelse",
                        cross_note(rec_now, rec_before),
                    ),
                )
            ),
            lower_is_better=True,
            sources=rec_now,
        ),
        Kpi(
            "not_ready",
            # Not "ikke jobparate": uddannelsesparate are not jobparate either, and they are not counted here.
            "Andel aktivitetsparate",
            share_not_ready(area, "current"),
            earlier(share_not_ready(area, "year_before"), rec_now, rec_before),
            share_not_ready(NATIONAL, "current"),
            "pct",
            "visitation",
            "; ".join(
                filter(
                    None,
                    (
                        "Aktivitetsparate i pct. af kontanthjælpsmodtagerne (før 2014: matchgruppe 4-5, 2010-2013 "
                        "indsatsklar og midlertidigt passiv)",
                        cross_note(rec_now, rec_before),
                    ),
                )
            ),
            lower_is_better=True,
            sources=rec_now,
        ),
        Kpi(
            "activation",
            "Aktiveringsgrad",
            rate(area, "current"),
            earlier(rate(area, "year_before"), act_now, act_before),
            rate(NATIONAL, "current"),
            "pct",
            "aktivering",
            cross_note(act_now, act_before),
            sources=act_now,
        ),
        Kpi(
            "caseload",
            "Sager pr. sagsbehandler",
            case_row["cases_per_worker"] if case_row else None,
            None,
            None,
            "sager",
            "sagstal",
            _caseload_note(case_row, case_period.label if case_period else None),
            sources=tuple(case_row["sources"] or ()) if case_row else (),
            # Red when the average itself is above the loosest band: teams above theirs are counted in the note.
            flagged=bool(
                case_row
                and case_row["band_high"] is not None
                and case_row["cases_per_worker"] is not None
                and case_row["cases_per_worker"] > case_row["band_high"]
            ),
        ),
        Kpi(
            "investment",
            "Investering: nettoresultat",
            net,
            None,
            None,
            "kr",
            "investering",
            "Summen af udgifter og besparelser i de indlæste investeringsposter"
            if net is not None
            else f"Ingen investeringsposter indlæst for {area_name(area)}: kortet viser et tal, når en kommunes "
            "regnskab for en investering er indlæst (siden Investering har modellen)",
            sources=tuple(sorted(set(inv["source"].to_list()))) if inv.height else (),
        ),
    ]
    return kpis


def _year_before(period: str) -> str | None:
    """The month a year before a month id (2025M11 for 2026M11); None for anything else."""
    shown = parse_period(period)
    if shown is None or shown.period_type != "M":
        return None
    return f"{shown.start.year - 1}M{shown.start.month:02d}"


def _caseload_note(case_row: dict | None, label: str | None) -> str:
    """The caseload card's line: the band, and how many teams are above it, in which period."""
    if not case_row:
        return ""
    teams = danish.count(case_row["teams"], "team", "teams")
    band = ""
    if case_row.get("band_low") is not None and case_row.get("band_high") is not None:
        low, high = danish.number(case_row["band_low"], 0), danish.number(case_row["band_high"], 0)
        band = f"DS' bånd {low}–{high} sager pr. sagsbehandler (efter område); "
    return f"{band}{case_row['teams_above']} af {teams} over båndet ({label or case_row['period']})"


OVERVIEW_COMPARED = ("recipients", "not_ready", "activation", "caseload")


def overview_comparison(area: str, compare: tuple[str, ...], period: str, preset: str) -> pl.DataFrame:
    """The key figures of the area, the comparison areas and the country side by side: area, marked ("chosen" for
    the area) and one column per key figure in ``OVERVIEW_COMPARED`` (recipients a whole number)."""
    rows = []
    for code in dict.fromkeys((area, *compare, NATIONAL)):
        figures = {k.key: k.value for k in overview(code, period, preset)}
        rows.append(
            {"area": area_name(code), "marked": "chosen" if code == area else None}
            | {key: figures[key] for key in OVERVIEW_COMPARED}
        )
    schema = {"area": pl.String, "marked": pl.String, **dict.fromkeys(OVERVIEW_COMPARED, pl.Float64)}
    return pl.DataFrame(rows, schema=schema).with_columns(pl.col("recipients").round(0).cast(pl.Int64))


@cached
def recipients_by_category(area: str, period: str) -> pl.DataFrame:
    """The area's and the country's share of recipients in each category this month, as comparison bars."""
    rec = run("recipients_by_category", area=area, period=period, national=NATIONAL).filter(
        pl.col("which") == "current"
    )
    shares = rec.with_columns((100.0 * pl.col("persons") / pl.col("persons").sum().over("area_code")).alias("value"))
    names = {area: area_name(area), NATIONAL: area_name(NATIONAL)}
    return shares.select(
        (pl.col("category_label") + ", " + pl.col("area_code").replace_strict(names)).alias("label"),
        "value",
        (pl.col("area_code") == area).alias("highlight"),
        "persons",
        "category_order",
        "area_code",
    ).sort("category_order", pl.col("area_code") != area)


# --- Fælles borgere ----------------------------------------------------------------------------


@cached
def match_group_periods(area: str) -> pl.DataFrame:
    return run("match_group_periods", area=area)


@dataclass(frozen=True)
class SharedCitizens:
    matrix: pl.DataFrame  # row_label, col_label, row_order, col_order, persons, row_share, col_share, is_total
    shared: int | None
    jobcenter: int | None
    shared_pct: float | None
    shared_far: int | None
    jobcenter_far: int | None
    shared_far_pct: float | None
    special_far: int | None
    special_far_pct: float | None
    far_labels: list[str]
    sources: list[str]


SHARED_KEY_FIGURES = (
    "shared",
    "jobcenter",
    "shared_pct",
    "shared_far",
    "jobcenter_far",
    "shared_far_pct",
    "special_far",
    "special_far_pct",
)


@cached
def shared_citizens(area: str, period: str) -> SharedCitizens:
    """The target group x match group matrix of one period, and the period's key figures (the totals that
    ``shared_over_time`` also reads: one computation, in SQL)."""
    cells = run("match_group_matrix", area=area, period=period)
    totals = run("shared_citizen_totals", areas=[area], total=TOTAL_CODE, demo_source=config.DEMO_SOURCE)
    chosen = totals.filter(pl.col("period") == period)
    figures = chosen.row(0, named=True) if chosen.height else dict.fromkeys(SHARED_KEY_FIGURES)
    far = cells.filter(
        (pl.col("administration") == "both")
        & (pl.col("ready") == False)  # noqa: E712
        & ~pl.col("match_is_total")
    )
    return SharedCitizens(
        matrix=_shared_matrix(cells),
        **{name: figures[name] for name in SHARED_KEY_FIGURES},
        far_labels=far["match_label"].unique(maintain_order=True).to_list(),
        sources=sorted(set(cells["source"].to_list())),
    )


def _shared_matrix(df: pl.DataFrame) -> pl.DataFrame:
    """The heatmap's cells: each target group's match groups (the grand total's as "Fælles borgere i alt", the
    jobcenter's recipients as the bottom row), with their shares of the row's and of the column's total."""
    job = df.filter(pl.col("administration") == "jobcenter")
    cells = df.filter(
        ~pl.col("match_is_total") & ((pl.col("administration") == "both") | (pl.col("administration") == "jobcenter"))
    )
    row_totals = df.filter(pl.col("match_group") == TOTAL_CODE).select(
        "administration", "target_group", pl.col("persons").alias("row_total")
    )
    col_totals = job.filter(~pl.col("match_is_total")).select("match_group", pl.col("persons").alias("col_total"))
    return (
        cells.join(row_totals, on=["administration", "target_group"], how="left")
        .join(col_totals, on="match_group", how="left")
        .with_columns(
            pl.when(pl.col("administration") == "jobcenter")
            .then(pl.lit("Jobcentrets modtagere i alt"))
            .when(pl.col("target_group") == TOTAL_CODE)
            .then(pl.lit("Fælles borgere i alt"))
            .otherwise(pl.col("target_label"))
            .alias("row_label"),
            pl.when(pl.col("administration") == "jobcenter")
            .then(pl.lit(99))
            .when(pl.col("target_group") == TOTAL_CODE)
            .then(pl.lit(98))
            .otherwise(pl.col("target_order"))
            .alias("row_order"),
            pl.col("match_label").alias("col_label"),
            pl.col("match_order").alias("col_order"),
            (100.0 * pl.col("persons") / pl.col("row_total")).alias("row_share"),
            (100.0 * pl.col("persons") / pl.col("col_total")).alias("col_share"),
            ((pl.col("administration") == "jobcenter") | pl.col("target_is_total").fill_null(False)).alias("is_total"),
        )
        .select("row_label", "col_label", "row_order", "col_order", "persons", "row_share", "col_share", "is_total")
    )


SHARED_SERIES = {
    "shared_pct": "Andel af jobcentrets modtagere",
    "shared_far_pct": "Andel af grupperne længst fra arbejdsmarkedet",
}
SHARED_COUNTS = ("shared", "jobcenter", "shared_far", "jobcenter_far", "special_far")


@cached
def shared_over_time(areas_: tuple[str, ...], first: str, last: str, freq: str) -> pl.DataFrame:
    """Both shares over time for each area that has figures, at the sidebar's frequency (queries/over_time.py:
    a ratio of the months' summed counts, eras apart): area_code, area, series, era, date, period_label, value,
    and the counts (means of the months) they are made of."""
    if freq not in FREQUENCIES:
        raise QueryError("Ugyldig frekvens")
    totals = run("shared_citizen_totals", areas=list(areas_), total=TOTAL_CODE, demo_source=config.DEMO_SOURCE).filter(
        pl.col("period_type") == "M"
    )
    monthly = totals.select("area_code", pl.col("start_date").alias("date"), _kind(pl.col("demo")), *SHARED_COUNTS)
    ratios = {
        "shared_pct": over_time.Ratio("shared", "jobcenter"),
        "shared_far_pct": over_time.Ratio("shared_far", "jobcenter_far"),
    }
    series = over_time.aggregate(
        monthly,
        keys=["area_code", "kind"],
        freq=freq,
        breaks=series_breaks(),
        stocks=SHARED_COUNTS,
        ratios=ratios,
        first=first,
        last=last,
    )
    names = {code: area_name(code) for code in areas_}
    long = series.unpivot(
        on=list(SHARED_SERIES),
        index=["area_code", "era", "kind", "date", "period_label", *SHARED_COUNTS],
        variable_name="measure",
        value_name="value",
    )
    return long.select(
        "area_code",
        pl.col("area_code").replace_strict(names, return_dtype=pl.String).alias("area"),
        pl.col("measure").replace_strict(SHARED_SERIES, return_dtype=pl.String).alias("series"),
        "era",
        "kind",
        "date",
        "period_label",
        "value",
        *SHARED_COUNTS,
    ).sort(
        pl.col("area_code").replace_strict({c: i for i, c in enumerate(areas_)}, return_dtype=pl.Int64),
        pl.col("series").replace_strict({s: i for i, s in enumerate(SHARED_SERIES.values())}, return_dtype=pl.Int64),
        "date",
    )


# --- Visitation --------------------------------------------------------------------------------


@cached
def visitation_series(
    areas_: tuple[str, ...], measure: str, age: str, first: str, last: str, freq: str, shares: bool
) -> pl.DataFrame:
    """date, period_label, area, area_code, series, era, value, category_order, has_suppressed: recipients by
    category at the chosen frequency (queries/over_time.py: a quarter or a year is the mean of its months, eras
    apart); ``shares``: each category in pct. of the categories together in the same area and period."""
    if measure not in MEASURES or age not in AGE_BANDS or freq not in FREQUENCIES:
        raise QueryError("Ugyldigt valg af måling, alder eller frekvens")
    monthly = (
        run(
            "visitation_series",
            areas=list(areas_),
            measure=measure,
            age=age,
            demo_source=config.DEMO_SOURCE,
            **{"from": first, "to": last},
        )
        .rename({"start_date": "date", "category_label": "series"})
        .with_columns(_kind(pl.col("demo")))
    )
    df = over_time.aggregate(
        monthly,
        keys=["area_code", "area", "category", "series", "category_order", "kind"],
        freq=freq,
        breaks=series_breaks(),
        stocks=["value"],
        flags=["has_suppressed"],
        first=first,
        last=last,
    )
    if shares:
        # Of the same months' means, so a share is the ratio of the categories' sums over the period.
        df = df.with_columns(
            (100.0 * pl.col("value") / pl.col("value").sum().over("area_code", "date", "kind")).alias("value")
        )
    order = {code: i for i, code in enumerate(areas_)}
    return df.sort(
        pl.col("area_code").replace_strict(order, default=len(order), return_dtype=pl.Int64), "date", "category_order"
    ).select(
        "date",
        "period_label",
        "area",
        "area_code",
        "series",
        "era",
        "kind",
        "value",
        "category_order",
        "has_suppressed",
    )


@cached
def visitation_sources(areas_: tuple[str, ...], first: str, last: str) -> list[str]:
    """The sources of the areas' visitation figures in the months ``first``-``last``: those a chart of them draws."""
    return run("visitation_sources", areas=list(areas_), **{"from": first, "to": last})["source"].to_list()


# --- Aktivering --------------------------------------------------------------------------------


ACTIVATION_COUNTS = ("persons", "activated")


@cached
def _activation_months(areas_: tuple[str, ...], first: str, last: str) -> pl.DataFrame:
    return run("activation_series", areas=list(areas_), **{"from": first, "to": last})


@cached
def activation(
    area: str, first: str, last: str, freq: str = "M", others: tuple[str, ...] = ()
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the activation rate by group at the chosen frequency for the area and ``others``: area_code, area, series,
    era, date, period_label, value, persons, activated) and (the area's published averages over longer periods).

    A quarter's or a year's rate is its activated over its persons, both summed over its months; persons and
    activated are the means of the months (queries/over_time.py). The groups come largest first (the total)."""
    if freq not in FREQUENCIES:
        raise QueryError("Ugyldig frekvens")
    areas_ = tuple(dict.fromkeys((area, *others)))
    monthly = _activation_months(areas_, first, last)
    series = over_time.aggregate(
        monthly.rename({"start_date": "date", "group_name": "series"}).with_columns(
            _kind(pl.col("source") == config.DEMO_SOURCE)
        ),
        keys=["area_code", "area", "series", "kind"],
        freq=freq,
        breaks=series_breaks(),
        stocks=ACTIVATION_COUNTS,
        ratios={"value": over_time.Ratio("activated", "persons", stated="activation_rate")},
        first=first,
        last=last,
    )
    size = series.group_by("series").agg(pl.col("persons").mean().alias("size"))
    series = (
        series.join(size, on="series", how="left")
        .sort(
            pl.col("size").fill_null(0),
            pl.col("series"),
            pl.col("area_code").replace_strict({c: i for i, c in enumerate(areas_)}, return_dtype=pl.Int64),
            "date",
            descending=[True, False, False, False],
        )
        .select("area_code", "area", "series", "era", "kind", "date", "period_label", "value", *ACTIVATION_COUNTS)
    )
    averages = run("activation_averages", area=area).select(
        pl.col("group_name").alias("Gruppe"),
        pl.col("period_label").alias("Periode"),
        pl.col("activation_rate").alias("Aktiveringsgrad (pct.)"),
        pl.col("source").alias("Kilde"),
    )
    return series, averages


def activation_sources(area: str, first: str, last: str, others: tuple[str, ...] = ()) -> list[str]:
    """The sources of the months ``activation`` reads for the same arguments."""
    monthly = _activation_months(tuple(dict.fromkeys((area, *others))), first, last)
    return sorted(set(monthly["source"].drop_nulls().to_list()))


# --- Sagstal -----------------------------------------------------------------------------------


@cached
def caseload_periods(area: str) -> pl.DataFrame:
    return run("caseload_periods", area=area)


@cached
def caseloads(area: str, period: str, preset: str) -> pl.DataFrame:
    if preset not in GUIDANCE_PRESETS:
        raise QueryError("Ukendt vejledning")
    return run("caseload_teams", area=area, period=period, preset=preset)


def caseload_comparison(area: str, compare: tuple[str, ...], period: str, preset: str) -> pl.DataFrame:
    """Each area's newest caseloads up to ``period`` as a whole: area, marked ("chosen" for the area), period_label,
    cases_per_worker over all teams and teams_above ("2 af 8")."""
    rows = []
    for code in dict.fromkeys((area, *compare)):
        latest = caseload_latest(code, period, preset)
        shown = parse_period(latest["period"]) if latest else None
        rows.append(
            {
                "area": area_name(code),
                "marked": "chosen" if code == area else None,
                "period_label": (shown.label if shown else latest["period"]) if latest else None,
                "cases_per_worker": latest["cases_per_worker"] if latest else None,
                "teams_above": f"{latest['teams_above']} af {latest['teams']}" if latest else None,
            }
        )
    schema = {
        "area": pl.String,
        "marked": pl.String,
        "period_label": pl.String,
        "cases_per_worker": pl.Float64,
        "teams_above": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


@cached
def guidance(preset: str) -> pl.DataFrame:
    if preset not in GUIDANCE_PRESETS:
        raise QueryError("Ukendt vejledning")
    return run("guidance_table", preset=preset)


def caseload_summary(teams: pl.DataFrame) -> dict:
    """Teams above their band and the caseworkers missing to bring every team inside it."""
    above = teams.filter(pl.col("above").fill_null(False))
    return {
        "teams": teams.height,
        "above": above.height,
        "fte_needed_high": above["fte_needed_high"].clip(lower_bound=0).sum() if above.height else 0.0,
        "fte_needed_low": teams["fte_needed_low"].clip(lower_bound=0).sum() if teams.height else 0.0,
    }


# --- Investering -------------------------------------------------------------------------------


@cached
def investment_lines(area: str) -> pl.DataFrame:
    return run("investment_lines", area=area)


@cached
def investment_areas() -> pl.DataFrame:
    return run("investment_areas", demo_source=config.DEMO_SOURCE)


@dataclass(frozen=True)
class PublishedCase:
    project: str
    period_label: str
    basis_label: str
    costs: float
    savings: float
    computed_net: float
    stated_net: float | None
    discrepancy: float | None  # stated minus computed; None when the source states no net
    notes: str
    sources: list[str]


@cached
def published_cases(area: str) -> list[PublishedCase]:
    """Each project period's computed net beside the net its source states."""
    lines = investment_lines(area)
    priced = lines.filter(pl.col("line_role").is_in(["cost", "saving"]))
    out = []
    for (project, period, _basis), group in priced.group_by(["project", "period", "basis"], maintain_order=True):
        stated = lines.filter(
            (pl.col("project") == project) & (pl.col("period") == period) & (pl.col("line_role") == "stated")
        )
        figures = investment_model.published_case(pl.concat([group, stated]))
        out.append(
            PublishedCase(
                project=project,
                period_label=group["period_label"][0],
                basis_label=group["basis_label"][0],
                costs=figures["costs"],
                savings=figures["savings"],
                computed_net=figures["computed_net"],
                stated_net=figures["stated_net"],
                discrepancy=figures["discrepancy"],
                notes="; ".join(dict.fromkeys(n for n in pl.concat([group, stated])["note"].to_list() if n)),
                sources=sorted(set(group["source"].to_list())),
            )
        )
    return out


SCENARIO_PRESETS = investment_model.PRESETS


@dataclass(frozen=True)
class ScenarioResult:
    years: pl.DataFrame
    summary: dict
    municipal_share: float  # the municipality's net cost of a recipient-year, as a share of the gross benefit
    weeks_on_benefit: int


def scenario(**inputs) -> ScenarioResult:
    """The investment-return curve for the user's assumptions (pure arithmetic; not cached)."""
    s = investment_model.Scenario(**inputs)
    years = investment_model.project(s)
    return ScenarioResult(
        years,
        investment_model.summary(years),
        investment_model.municipal_cost_per_year(1.0, s.weeks_on_benefit),
        s.weeks_on_benefit,
    )


def mentor_comparison(citizens: int, hours_per_week: float, weeks: int, hourly_cost: float) -> dict:
    return investment_model.mentor_vs_s85(citizens, hours_per_week, weeks, hourly_cost)


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


# --- Data --------------------------------------------------------------------------------------


def _kind_label() -> pl.Expr:
    """The Danish name of each row's extract kind (``kind``), as ``kind_label``."""
    from pipelines.kinds import KINDS

    labels = {name: kind.label for name, kind in KINDS.items()}
    return pl.col("kind").replace_strict(labels, default=pl.col("kind"), return_dtype=pl.String).alias("kind_label")


@cached
def loads_list() -> pl.DataFrame:
    """Every current load, with the kind's Danish name (``kind_label``) and the source as users read it."""
    return run("loads_list").with_columns(
        _kind_label(), pl.col("source").replace(uploads.LEGACY_SOURCES).alias("source")
    )


@cached
def coverage(area: str) -> pl.DataFrame:
    return run("coverage", area=area).with_columns(_kind_label())


@cached
def freshness_sources() -> list[str]:
    return run("load_sources")["source"].to_list()
