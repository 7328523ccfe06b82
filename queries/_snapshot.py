"""The machinery under every query: the pinned published snapshot, the caches keyed on it, cursors and ``run``."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from pipelines import build, config, snapshots


QUERY_DIR = Path(__file__).resolve().parent
QUERY_NAMES = frozenset(p.stem for p in QUERY_DIR.glob("*.sql"))
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
