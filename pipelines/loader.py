"""Validate an extract and load it atomically, with provenance; undo a load.

The orchestrator of the write side. A file is looked at once (pipelines/readers/) and handed to one of
two routes: the direct route (pipelines/direct.py) streams a visitation CSV in jobindsats' form straight
into the facts and checks it there; the staged route (pipelines/staged.py) reads anything as text, types
it and checks it row by row. Either way the load is one transaction: the facts (pipelines/facts.py), what
they replace, the log entry with provenance and the page aggregates (pipelines/aggregates.py). The
integrity report is pipelines/integrity.py.

Words used throughout: a route *checks* rows (``staged.check``, ``direct.check``: a ``StagedCheck`` or a
``DirectCheck``); the loader makes a check into a ``Validation`` (problems, warnings, counts, what a load would
replace and keep); a *review* is a check of a file that loads nothing (``validate`` here, by either route:
``_review_by_staged_route``, ``_review_by_direct_route`` with ``direct.review``; an upload's review job) or the
same account of a load taken inside its transaction (``_review_of_direct_load``); what a user is shown of
either is a ``review.Review`` (``review.shown``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines import aggregates, config, danish, direct, facts, readers, staged
from pipelines import review as reviews
from pipelines.errors import ExtractRejected, LoadNotFound, Problem
from pipelines.kinds import KINDS, VISITATION, Kind
from pipelines.periods import Period
from pipelines.sql import transaction
from pipelines.writer import write_session

Progress = Callable[[str, float], None]


@dataclass
class Validation:
    file_name: str
    kind: Kind
    staged: readers.StagedFile | None  # None when the direct route reviewed the file (see _review_by_direct_route)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows: int = 0  # facts, as the warehouse counts them (a visitation line holds one per measure)
    lines: int = 0  # the extract's lines (records, or rows of the sheet), which the upload limit counts
    figures: int = 0  # the numbers those lines hold: value cells, suppressed ones included
    areas: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    replaces: list[tuple[str, str, str, int]] = field(default_factory=list)  # area, first, last period, rows
    kept: list[str] = field(default_factory=list)  # measures that would stay from earlier loads (FactStore.kept)
    preview: pl.DataFrame | None = None  # the first lines, as read, when the review asked for it

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class LoadResult:
    load_id: int | None
    kind: str
    rows: int
    replaced_rows: int
    skipped_identical: bool
    warnings: list[Problem]
    file_name: str
    route: str = "staged"  # "direct": streamed straight into the facts (pipelines/direct.py)
    kept: list[str] = field(default_factory=list)  # measures that stay from earlier loads (FactStore.kept)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase, in order
    # With ``load(review=True)``: what an upload's review shows, worked out by the load itself (see uploads.prepare)
    review: Validation | None = None


# The file's digest is provenance (check a file with `sha512sum`) and the test for an unchanged file.
# SHA-512 rather than SHA-256: on CPUs without SHA instructions (this project's 2-core servers) it
# hashes over twice as fast, and the hash shares those cores with the load.
DIGEST_ALGORITHM = "sha512"


def file_digest(path: Path) -> str:
    """``sha512:<hex>``: the algorithm is part of the value, so earlier SHA-256 digests stay readable."""
    with open(path, "rb") as fh:
        return digest_text(hashlib.file_digest(fh, DIGEST_ALGORITHM))


def digester():
    """A digest to feed a file's bytes as they come (an upload as it arrives); ``digest_text`` at the end."""
    return hashlib.new(DIGEST_ALGORITHM)


def digest_text(digest) -> str:
    return f"{DIGEST_ALGORITHM}:{digest.hexdigest()}"


# --- validate ----------------------------------------------------------------------------------


def validate(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    kind: str | None = None,
    file_name: str | None = None,
    max_rows: int | None = None,
    preview: bool = True,
    sheet: str | int | None = None,
) -> Validation:
    """Read and check an extract without loading it; leaves temp tables ``typed_periods`` (and, on the staged
    route, ``typed``). With ``preview``: also the first lines and what a load would replace and keep.

    ``sheet`` picks an Excel workbook's sheet by name or number (1 is the first; the default).
    """
    file = readers.look(path, file_name)
    if preview and sheet is None:
        reviewed = _review_by_direct_route(con, file, kind, max_rows)
        if reviewed is not None:
            return reviewed
    return _review_by_staged_route(con, file, kind, max_rows, preview, sheet)


def _check_line_limit(name: str, lines: int, max_rows: int | None) -> None:
    """An upload may hold at most ``max_rows`` lines (HELHEDSBLIK_MAX_UPLOAD_ROWS); the CLI has no limit."""
    if max_rows is not None and lines > max_rows:
        raise ExtractRejected.one(
            name,
            f"filen har for mange linjer; grænsen er {danish.number(max_rows)} linjer "
            "(indlæs større udtræk med kommandolinjen)",
            value=danish.number(lines),
        )


def _review_by_staged_route(
    con, file: readers.FileLook, kind: str | None, max_rows: int | None, preview: bool, sheet: str | int | None
) -> Validation:
    stg = readers.stage(con, file, sheet)
    _check_line_limit(file.name, stg.rows, max_rows)
    spec = staged.kind_of(stg, kind)
    found = staged.check(con, stg, spec)
    result = Validation(
        file.name,
        spec,
        stg,
        found.problems,
        found.warnings,
        found.rows,
        found.lines,
        found.figures,
        found.areas,
        sorted(found.periods),
    )
    if result.ok and preview:
        result.replaces, result.kept = _replaced_and_kept(con, spec, facts.store(spec).typed_scope(con))
        result.preview = staged.preview(con, spec)
    return result


def _replaced_and_kept(con, kind: Kind, scope: str) -> tuple[list[tuple[str, str, str, int]], list[str]]:
    """What a real load (an upload, a fetch) of the reviewed rows would replace and keep (``scope``: as the
    kind's FactStore reads it); the demo's rows in its areas and periods it sets aside (facts.keep_demo_apart)."""
    store = facts.store(kind)
    facts.register_demo_loads(con)
    return store.replace_preview(con, scope), store.kept(con, scope, "demo_loads")


def _review_by_direct_route(con, file: readers.FileLook, kind: str | None, max_rows: int | None) -> Validation | None:
    """An upload's review by the direct route, when the file is in jobindsats' form: its lines into a temp
    table of the app's read-only snapshot and the load's own checks, in one streaming pass (the staged
    route types every value as text first: several times slower). None: the staged route reviews it,
    and names whatever is wrong."""
    plan = direct.plan(file, kind)
    if plan is None:
        return None
    direct.register_maps(con, plan)
    with direct.streaming_settings(con):
        found = direct.review(con, plan)
    if not found.ok:
        return None
    lines = found.rows // len(plan.measures)
    _check_line_limit(file.name, lines, max_rows)
    result = Validation(
        file.name, VISITATION, None, rows=found.rows, lines=lines, figures=found.rows, periods=sorted(found.periods)
    )
    result.warnings = direct.warnings(con, file.name, found)
    result.areas = direct.review_areas(con)
    result.replaces, result.kept = _replaced_and_kept(con, VISITATION, direct.review_scope(con))
    result.preview = direct.preview(con, plan)
    return result


# --- load --------------------------------------------------------------------------------------


def load(
    path: Path,
    kind: str | None = None,
    *,
    source: str,
    loaded_by: str | None = None,
    file_name: str | None = None,
    table_id: str | None = None,
    query: str | None = None,
    api_version: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Progress | None = None,
    max_rows: int | None = None,
    sheet: str | int | None = None,
    digest: str | None = None,
    review: bool = False,
    pending: bool = False,
) -> LoadResult:
    """Validate and load one extract in one transaction; raise ExtractRejected with every problem.

    ``sheet`` picks an Excel workbook's sheet by name or number (1 is the first; the default). Without
    ``con`` the load takes a write session of its own (the writer role, then a publish). ``digest``: the
    file's ``file_digest``, where it is known already (an upload's, taken as it arrived); else the load reads
    the file for it. ``review``: the result also carries what a review of the file shows (what it replaces and
    keeps, the first lines), found before the load replaced anything. ``pending``: the load waits for an
    analyst to confirm it (``confirm``) or abandon it (``undo``): its facts are written and checked, but nothing
    reads them as current and nothing is replaced yet (an upload's review; implies ``review``).
    """
    review = review or pending
    meta = _Provenance(
        file_name or Path(path).name, source, loaded_by or config.current_user(), table_id, query, api_version
    )
    if con is None:
        with write_session() as master:
            return _load(master, Path(path), kind, meta, progress, max_rows, sheet, digest, review, pending)
    return _load(con, Path(path), kind, meta, progress, max_rows, sheet, digest, review, pending)


class _NotDirect(Exception):
    """The direct path does not take this file: roll back, and let the staged path read it."""


class _Unchanged(Exception):
    def __init__(self, load_id: int):
        self.load_id = load_id


@dataclass(frozen=True)
class _Provenance:
    name: str
    source: str
    loaded_by: str
    table_id: str | None
    query: str | None
    api_version: str | None = None  # the jobindsats API version a fetched load came from


class _Clock:
    """Seconds per phase of one load, for `pipelines load --timings` and the benchmark."""

    def __init__(self):
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.timings[phase] = self.timings.get(phase, 0.0) + now - self._last
        self._last = now


def _load(
    con, path: Path, kind, meta: _Provenance, progress, max_rows, sheet, known_digest, review, pending
) -> LoadResult:
    progress = progress or (lambda step, frac: None)
    progress("læser og kontrollerer", 0.05)
    # The digest reads the file alongside DuckDB (unless it is known).
    with ThreadPoolExecutor(max_workers=1) as pool:
        if known_digest is None:
            digest = pool.submit(file_digest, path)
        else:
            digest = Future()
            digest.set_result(known_digest)
        clock = _Clock()
        file = readers.look(path, meta.name)
        plan = direct.plan(file, kind) if sheet is None else None
        if plan is not None:
            result = _load_direct(con, plan, digest, meta, progress, clock, max_rows, review, pending)
            if result is not None:
                progress("færdig", 1.0)
                result.timings = clock.timings
                return result
            clock.lap("direct route declined")
        result = _load_staged(con, file, kind, digest, meta, progress, max_rows, clock, sheet, review, pending)
        result.timings = clock.timings
        return result


def _unchanged(con, digest: str, spec: Kind) -> int | None:
    """The load that holds exactly this file already, if its rows are all still current."""
    rows = con.execute(
        f"select l.load_id from load_log l where l.file_digest = ? and l.kind = ? and l.status = 'loaded' "
        f"and not exists (select 1 from {spec.table} f where f.load_id = l.load_id and f.replaced_by is not null)",
        [digest, spec.name],
    ).fetchall()
    return rows[0][0] if rows else None


def _load_direct(
    con,
    plan: direct.DirectPlan,
    pending_digest: Future,
    meta: _Provenance,
    progress,
    clock: _Clock,
    max_rows: int | None,
    review: bool = False,
    pending: bool = False,
) -> LoadResult | None:
    """Stream a jobindsats-form visitation CSV into the facts; None when the staged path must take it."""
    spec = VISITATION
    direct.register_maps(con, plan)
    clock.lap("plan")
    try:
        with direct.streaming_settings(con), transaction(con):
            load_id = con.execute("select nextval('load_id_seq')").fetchall()[0][0]
            progress("indlæser", 0.3)  # reading, checking and loading are one pass here
            lines = direct.insert(con, plan, load_id, pending=pending)
            clock.lap("read, parse and insert")
            if lines is None:
                raise _NotDirect
            found = direct.check(con, plan, load_id)
            if not found.ok:
                raise _NotDirect
            clock.lap("checks")
            _check_line_limit(meta.name, lines, max_rows)
            warnings = direct.warnings(con, meta.name, found)
            clock.lap("warnings")
            digest = pending_digest.result()
            clock.lap("waiting for the file hash")
            previous = _unchanged(con, digest, spec)
            if previous is not None:
                raise _Unchanged(previous)
            direct.register_load_scope(con, load_id)
            shown = _review_of_direct_load(con, plan, found, warnings, meta.name, load_id) if review else None
            _add_periods(con)
            if pending:
                replaced, kept = 0, facts.store(spec).kept(con, "load_scope")
                shown.kept = kept
                _hold(con, spec, load_id, found.rows, digest, meta, found.periods, shown, marked=True)
            else:
                replaced, kept = _finish_load(con, spec, load_id, found.rows, digest, meta, found.periods, clock)
            result = LoadResult(
                load_id, spec.name, found.rows, replaced, False, warnings, meta.name, route="direct", kept=kept
            )
            if shown is not None:
                shown.kept, result.review = kept, shown
        clock.lap("commit")
        return result
    except _NotDirect:
        return None
    except _Unchanged as same:
        return LoadResult(same.load_id, spec.name, 0, 0, True, warnings, meta.name, route="direct")


def _load_staged(
    con,
    file: readers.FileLook,
    kind,
    pending_digest: Future,
    meta: _Provenance,
    progress,
    max_rows,
    clock: _Clock,
    sheet=None,
    review: bool = False,
    pending: bool = False,
) -> LoadResult:
    checked = _review_by_staged_route(con, file, kind, max_rows, review, sheet)
    if not checked.ok:
        raise ExtractRejected(checked.problems, checked.warnings)
    spec = checked.kind
    clock.lap("read, type and check")
    digest = pending_digest.result()
    if not checked.staged.first_sheet:
        # Another sheet of a workbook is another extract: not "already loaded" because the file was,
        # and the loads list says which sheet it was.
        digest += f"#ark={checked.staged.sheet}"
        meta = replace(meta, name=f"{meta.name} (ark '{checked.staged.sheet}')")
    clock.lap("waiting for the file hash")
    previous = _unchanged(con, digest, spec)
    if previous is not None:
        return LoadResult(previous, spec.name, 0, 0, True, checked.warnings, meta.name)
    progress("indlæser", 0.5)
    with transaction(con):
        load_id = con.execute("select nextval('load_id_seq')").fetchall()[0][0]
        facts.store(spec).insert_typed(con, load_id)
        clock.lap("insert")
        _add_periods(con)
        if pending:
            replaced, kept = 0, checked.kept
            _hold(con, spec, load_id, checked.rows, digest, meta, checked.periods, checked)
        else:
            replaced, kept = _finish_load(con, spec, load_id, checked.rows, digest, meta, checked.periods, clock)
    clock.lap("commit")
    progress("færdig", 1.0)
    return LoadResult(
        load_id,
        spec.name,
        checked.rows,
        replaced,
        False,
        checked.warnings,
        meta.name,
        kept=kept,
        review=replace(checked, staged=None) if review else None,  # the staged file stays with this process
    )


def _review_of_direct_load(
    con, plan: direct.DirectPlan, found, warnings: list[Problem], name: str, load_id: int
) -> Validation:
    """A direct load's review, inside its transaction before anything is replaced (the load's scope is in
    ``load_scope``): the same fields ``_review_by_direct_route`` gives a review that loads nothing."""
    facts.register_demo_loads(con)
    lines = found.rows // len(plan.measures)
    return Validation(
        name,
        VISITATION,
        None,
        warnings=warnings,
        rows=found.rows,
        lines=lines,
        figures=found.rows,
        areas=direct.review_areas(con, "load_scope"),
        periods=sorted(found.periods),
        replaces=facts.store(VISITATION).replace_preview(con, "load_scope", load_id),
        preview=direct.preview(con, plan),
    )


def _finish_load(
    con,
    spec: Kind,
    load_id: int,
    rows: int,
    digest: str,
    meta: _Provenance,
    periods: list[str] | dict[str, Period],
    clock: _Clock,
) -> tuple[int, list[str]]:
    """After the load's rows are in: new periods, replaced rows, the log entry and the page aggregates.
    Returns how many rows the load replaced, and which measures stay from earlier loads (FactStore.kept).

    The load's replace scope is in the temp table ``load_scope`` (see FactStore); inside the transaction.
    """
    periods = sorted(periods)
    areas = con.execute("select count(distinct area_code) from load_scope").fetchall()[0][0]
    facts.keep_demo_apart(con, spec, load_id, meta.source == config.DEMO_SOURCE)
    store = facts.store(spec)
    replaced = store.replace(con, load_id)
    kept = store.kept(con, "load_scope")
    con.execute(
        "insert into load_log (load_id, file_name, file_digest, kind, rows, loaded_at, loaded_by, source, table_id, "
        "query, api_version, areas, period_from, period_to, replaced_rows) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            meta.name,
            digest,
            spec.name,
            rows,
            datetime.now(),
            meta.loaded_by,
            meta.source,
            meta.table_id,
            meta.query,
            meta.api_version,
            areas,
            periods[0] if periods else None,
            periods[-1] if periods else None,
            replaced,
        ],
    )
    clock.lap("replace and log")
    # After the load_log row: the views the aggregate is built from only show logged loads.
    aggregates.refresh(con, spec, "select distinct area_code, period from load_scope")
    clock.lap("page aggregate")
    return replaced, kept


def _add_periods(con) -> None:
    """The extract's new periods (temp table typed_periods) into the periods table."""
    con.execute("insert into periods select * from typed_periods where period not in (select period from periods)")


def _hold(
    con, spec: Kind, load_id: int, rows: int, digest: str, meta: _Provenance, periods, checked, marked: bool = False
) -> None:
    """The load waits for an analyst (inside its transaction): its facts are marked replaced by minus its id (unless
    they came in ``marked``, as the direct route inserts them), so nothing reads them as current, and
    ``pending_loads`` keeps what ``confirm`` needs and what the review showed."""
    store = facts.store(spec)
    if not marked:
        mark = store.mark_replaced_sql(str(-int(load_id)))
        con.execute(f"update {store.table} f set {mark} where f.load_id = ?", [load_id])
    shown = reviews.shown(meta.name, checked)
    shown.load_id = load_id
    con.execute(
        "insert into pending_loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            spec.name,
            meta.name,
            digest,
            rows,
            meta.source,
            sorted(periods),
            datetime.now(),
            meta.loaded_by,
            json.dumps(shown.to_json(), ensure_ascii=False),
        ],
    )


def confirm(con: duckdb.DuckDBPyConnection, load_id: int, by: str | None = None) -> LoadResult:
    """Make a pending load current, as its load would have (what it replaces, the demo set aside, the log entry
    by ``by``, the page aggregates), in one transaction. A file that another load holds by now is abandoned and
    said to be loaded already."""
    rows = con.execute(
        "select kind, file_name, file_digest, rows, source, periods, review from pending_loads where load_id = ?",
        [load_id],
    ).fetchall()
    if not rows:
        raise LoadNotFound(f"indlæsning {load_id} venter ikke på at blive bekræftet (den er indlæst eller kasseret)")
    kind, name, digest, count, source, periods, shown = rows[0]
    spec, warnings = KINDS[kind], reviews.Review.from_json(shown).warnings
    previous = _unchanged(con, digest, spec)
    if previous is not None:
        undo(con, load_id)
        return LoadResult(previous, kind, 0, 0, True, warnings, name)
    store = facts.store(spec)
    meta = _Provenance(name, source, by or config.current_user(), None, None)
    with transaction(con):
        con.execute(
            f"update {store.table} f set {store.mark_replaced_sql('null', f'= {-int(load_id)}')} where f.load_id = ?",
            [load_id],
        )
        store.register_scope(con, load_id)
        replaced, kept = _finish_load(con, spec, load_id, count, digest, meta, periods, _Clock())
        con.execute("delete from pending_loads where load_id = ?", [load_id])
    return LoadResult(load_id, kind, count, replaced, False, warnings, name, kept=kept)


PENDING_HOURS = 24


def abandon_stale(con: duckdb.DuckDBPyConnection, hours: float = PENDING_HOURS) -> list[int]:
    """Pending loads nobody confirmed within ``hours`` are abandoned (their facts deleted): the disk they hold
    comes back. Returns their ids."""
    stale = [
        load_id
        for (load_id,) in con.execute(
            "select load_id from pending_loads where reviewed_at < now()::timestamp - to_milliseconds(?::bigint)",
            [int(hours * 3600 * 1000)],
        ).fetchall()
    ]
    for load_id in stale:
        undo(con, load_id)
    return stale


# --- undo --------------------------------------------------------------------------------------


def undo(con: duckdb.DuckDBPyConnection, load_id: int, by: str | None = None) -> int:
    """Remove a load's rows and bring back the rows it had replaced; a pending load is abandoned (its rows
    deleted). Returns rows removed."""
    pending = con.execute("select kind from pending_loads where load_id = ?", [load_id]).fetchall()
    if pending:
        with transaction(con):
            removed = facts.store(KINDS[pending[0][0]]).undo(con, load_id)
            con.execute("delete from pending_loads where load_id = ?", [load_id])
        return removed
    rows = con.execute("select kind, status from load_log where load_id = ?", [load_id]).fetchall()
    row = rows[0] if rows else None
    if row is None or row[1] != "loaded":
        raise LoadNotFound(f"indlæsning {load_id} findes ikke eller er allerede fortrudt")
    kind = KINDS[row[0]]
    with transaction(con):
        con.execute(
            f"create or replace temp table undo_scope as select distinct area_code, period from {kind.table} "
            "where load_id = ?",
            [load_id],
        )
        removed = facts.store(kind).undo(con, load_id)
        facts.demo_apart_after_undo(con, kind)
        aggregates.refresh(con, kind, "select * from undo_scope")
        con.execute(
            "update load_log set status = 'undone', undone_at = ?, undone_by = ? where load_id = ?",
            [datetime.now(), by or config.current_user(), load_id],
        )
    return removed
