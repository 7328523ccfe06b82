"""The warehouse side of jobindsats' API: load a fetch, fetch and load, and keep the mapped tables current.

A fetch (pipelines/jobindsats) is loaded like any uploaded extract: validated whole, one transaction, provenance
recorded (source 'jobindsats API', the table, every request as sent without the key, API version v3).

``refresh`` brings every mapped table up to date by what jobindsats' catalogue says of it: a table is current
when the newest period we loaded is the catalogue's ``period_last`` for its period type and nothing was
published since we loaded it (``update_latest``); otherwise the missing periods plus a revision window (the last
``revision`` loaded periods: jobindsats revises backwards) are fetched and replace what was there. Each run's
outcome per table is recorded in ``refresh_runs`` with the catalogue's ``update_latest``, ``update_next`` and
``period_last``, from which every page says when the next update is expected and when the data are overdue
(queries/jobindsats_freshness.sql).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from pipelines import jobindsats, loader
from pipelines.errors import PipelineError
from pipelines.jobindsats.model import CatalogueTable, TableMeta, span
from pipelines.periods import parse_period
from pipelines.sql import transaction
from pipelines.writer import write_session

SOURCE = jobindsats.SOURCE
REVISION_WINDOW = 3  # jobindsats revises backwards: refresh fetches this many latest loaded periods again


def load_fetched(
    con: duckdb.DuckDBPyConnection | None, fetched: jobindsats.Fetched, loaded_by: str | None = None, progress=None
) -> loader.LoadResult:
    """Load a fetch like any uploaded extract: validated whole, one transaction, provenance recorded."""
    with tempfile.TemporaryDirectory(prefix="helhedsblik-jobindsats-") as tmp:
        path = Path(tmp) / fetched.file_name
        path.write_bytes(fetched.as_bytes())
        return loader.load(
            path,
            fetched.kind,
            source=SOURCE,
            loaded_by=loaded_by,
            table_id=fetched.table_id,
            query=fetched.query,
            api_version=jobindsats.API_VERSION,
            con=con,
            progress=progress,
        )


def fetch_to_warehouse(
    table_id: str,
    areas: str | Iterable[str] = "*",
    periods: str | Iterable[str] = "latest:24",
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    client: jobindsats.Client | None = None,
    loaded_by: str | None = None,
    progress=None,
) -> loader.LoadResult:
    """Fetch one mapped table and load it; on any error the warehouse is left as it was."""
    own = client is None
    client = client or jobindsats.Client()
    try:
        fetched = jobindsats.fetch(client, table_id, areas, periods, progress)
    finally:
        if own:
            client.close()
    return load_fetched(con, fetched, loaded_by, progress)


# --- refresh -----------------------------------------------------------------------------------


@dataclass
class TableRefresh:
    table_id: str
    status: str  # fetched, current, failed, not_run
    newest_period: str | None = None
    periods: list[str] = field(default_factory=list)
    rows: int = 0
    load_id: int | None = None
    reason: str | None = None
    update_latest: date | None = None  # what the catalogue said
    update_next: date | None = None
    period_last: str | None = None

    def line(self) -> str:
        upcoming = f"; næste opdatering ventes {self.update_next:%d.%m.%Y}" if self.update_next else ""
        if self.status == "fetched":
            return (
                f"{self.table_id}: hentet {span(self.periods)} ({len(self.periods)} perioder), "
                f"{self.rows} rækker, indlæsning {self.load_id}{upcoming}"
            )
        if self.status == "current":
            return f"{self.table_id}: opdateret (nyeste periode {self.newest_period}); intet hentet{upcoming}"
        if self.status == "failed":
            return f"{self.table_id}: FEJL: {self.reason}"
        return f"{self.table_id}: ikke kørt (en tidligere tabel fejlede)"


def newest_loaded(con: duckdb.DuckDBPyConnection, table_id: str) -> tuple[str | None, datetime | None]:
    """The newest period of a table loaded from the API (current loads only), and when it was last loaded."""
    rows = con.execute(
        "select period_to, loaded_at from loads where source = ? and lower(table_id) = ? and period_to is not null",
        [SOURCE, table_id.lower()],
    ).fetchall()
    parsed = [(parse_period(period), at) for period, at in rows]
    parsed = [(p, at) for p, at in parsed if p is not None]
    if not parsed:
        return None, None
    return max(parsed, key=lambda x: x[0].end)[0].period, max(at for _, at in parsed)


def refresh_periods(
    meta: TableMeta, period_type: str, have: str | None, initial: int, revision: int, released: bool = False
) -> list[str]:
    """What a refresh fetches: the periods newer than ``have`` plus the ``revision`` latest up to it; none when
    current. ``released``: jobindsats published since our last load, so the revision window is fetched again even
    when no period is new."""
    ids = list(meta.periods.get(period_type, ()))
    if not ids:
        return []
    if have is None:
        return ids[-initial:]
    have_p = parse_period(have)
    older = [i for i in ids if parse_period(i).start <= have_p.start]
    newer = [i for i in ids if parse_period(i).start > have_p.start]
    if not newer and not released:
        return []
    return (older[-revision:] if revision > 0 else []) + newer


def _new_run_id(con: duckdb.DuckDBPyConnection) -> int:
    """An id no other refresh run has or will get. A run records its outcomes only at its end, so two runs
    side by side (``--every`` and one started by hand) would both see the same highest recorded id; the
    sequence never hands out a number twice. Its first values are skipped where older runs hold them."""
    recorded = con.execute("select coalesce(max(run_id), 0) from refresh_runs").fetchall()[0][0]
    while (run_id := con.execute("select nextval('refresh_run_seq')").fetchall()[0][0]) <= recorded:
        pass
    return run_id


def _record_runs(con, run_id: int, started: datetime, results: list[TableRefresh]) -> None:
    with transaction(con):
        for r in results:
            con.execute(
                "insert or replace into refresh_runs (run_id, started_at, table_id, status, periods, newest_period, "
                "rows, load_id, reason, update_latest, update_next, period_last) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    started,
                    r.table_id,
                    r.status,
                    span(r.periods) if r.periods else None,
                    r.newest_period,
                    r.rows,
                    r.load_id,
                    r.reason,
                    r.update_latest,
                    r.update_next,
                    r.period_last,
                ],
            )


Session = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


def _released_since(entry: CatalogueTable | None, loaded_at: datetime | None) -> bool:
    """Whether jobindsats published the table on or after the day we last loaded it (a release that day may have
    come after our load: the revision window is fetched again that day, which costs a request and changes
    nothing if nothing changed)."""
    return bool(entry and entry.update_latest and loaded_at and loaded_at.date() <= entry.update_latest)


def _plan_table(
    client: jobindsats.Client, table_id: str, have, loaded_at, initial: int, revision: int, result: TableRefresh
) -> list[str]:
    """The periods to fetch for one table (none when it is current); the catalogue's word on it in ``result``."""
    spec = jobindsats.mapped_table(table_id)
    listed = client.catalogue().tables().get(table_id)
    if listed is None:
        raise jobindsats.NotFound(
            f"Tabellen {table_id} findes ikke i jobindsats' katalog (GET /v3/tables); er den nedlagt eller omdøbt? "
            "Se 'python -m pipelines tables'."
        )
    entry = listed[0]
    result.update_latest, result.update_next = entry.update_latest, entry.update_next
    released = _released_since(entry, loaded_at)
    last = entry.period_last(spec.period_type) if spec.period_type else None
    if have is not None and last is not None and have == last and not released:
        result.period_last = result.newest_period = last
        return []  # the catalogue says so: no need to ask for the metadata
    meta = client.table(table_id)
    ptype = meta.period_type(spec.period_type)
    result.newest_period = meta.newest(ptype)
    result.period_last = entry.period_last(ptype) or result.newest_period
    return refresh_periods(meta, ptype, have, initial, revision, released)


def refresh(
    con: duckdb.DuckDBPyConnection | None = None,
    client: jobindsats.Client | None = None,
    loaded_by: str | None = None,
    *,
    tables: Iterable[str] | None = None,
    revision: int = REVISION_WINDOW,
    initial: int = 24,
    areas: str | Iterable[str] = "*",
    report: Callable[[TableRefresh], None] | None = None,
    session: Session | None = None,
) -> list[TableRefresh]:
    """Bring every mapped table up to date (see the module), one atomic load per table.

    The first failure stops the run: the tables before it stay loaded, the rest are not run. Every table's outcome
    is recorded in ``refresh_runs``. The master is held only to read what is loaded, to load each fetched table and
    to record the outcomes: each is one ``session()`` (default: a write session, which publishes), and the network
    is used outside them, so an analyst's upload never waits behind jobindsats.dk. Given ``con``, all use it.
    """
    if session is None:
        session = (lambda: nullcontext(con)) if con is not None else write_session
    report = report or (lambda r: None)
    wanted = [t.lower() for t in tables] if tables else list(jobindsats.mapping())
    started = datetime.now()
    with session() as master:
        run_id = _new_run_id(master)
        have = {table_id: newest_loaded(master, table_id) for table_id in wanted}
    results: list[TableRefresh] = []
    recorded: set[str] = set()

    def done(result: TableRefresh) -> None:
        results.append(result)
        report(result)

    own_client = client is None
    try:
        client = client or jobindsats.Client()
        for n, table_id in enumerate(wanted):
            result = TableRefresh(table_id, "failed")
            try:
                periods = _plan_table(client, table_id, *have[table_id], initial, revision, result)
                if not periods:
                    result.status = "current"
                else:
                    fetched = jobindsats.fetch(client, table_id, areas, periods)
                    with session() as master:
                        loaded = load_fetched(master, fetched, loaded_by)
                        result.status, result.periods = "fetched", fetched.periods
                        result.rows, result.load_id = loaded.rows, loaded.load_id
                        _record_runs(master, run_id, started, [result])  # published with its load
                        recorded.add(table_id)
            except PipelineError as exc:
                result.reason = str(exc)
                done(result)
                for rest in wanted[n + 1 :]:
                    done(TableRefresh(rest, "not_run"))
                break
            done(result)
    except PipelineError as exc:  # no client (no key): the run is recorded as failed for every table
        for table_id in wanted[len(results) :]:
            done(TableRefresh(table_id, "failed", reason=str(exc)))
    finally:
        if own_client and client is not None:
            client.close()
    if rest := [r for r in results if r.table_id not in recorded]:
        with session() as master:
            _record_runs(master, run_id, started, rest)
    return results
