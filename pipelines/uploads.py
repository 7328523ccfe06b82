"""Uploads from the app: the spool the upload route writes files into, an upload's review (kind, lines,
problems, preview, what it replaces), and its load.

An upload's review is its load, done on a copy of the snapshot the page reads (``prepare``): confirming it
makes the copy the master (``writer.swap_in``) only if nothing was written meanwhile. Otherwise the file is
loaded afresh and checked again: a load never rests on a stale check.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines import danish, loader, readers, snapshots, writer
from pipelines.errors import ExtractRejected, Problem
from pipelines.sql import transaction
from pipelines.warehouse import connect

MAX_UPLOAD_MB = int(os.environ.get("HELHEDSBLIK_MAX_UPLOAD_MB", "200"))
MAX_UPLOAD_ROWS = int(os.environ.get("HELHEDSBLIK_MAX_UPLOAD_ROWS", "5000000"))
UPLOAD_SOURCE = "upload i appen"
# Earlier spellings of UPLOAD_SOURCE: loads keep the source they were recorded with; the app shows the current one.
LEGACY_SOURCES = {"upload (app)": UPLOAD_SOURCE}


@dataclass
class Review:
    file_name: str
    ok: bool
    kind: str | None = None
    kind_label: str | None = None
    lines: int = 0  # the extract's lines, which the upload limit counts
    figures: int = 0  # the numbers those lines hold (a visitation line one per measure)
    areas: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    preview: pl.DataFrame | None = None
    prepared: Prepared | None = None  # the load, done already on a copy of the warehouse (see prepare)

    def problem_table(self) -> pl.DataFrame:
        return _problem_frame(self.problems)

    def warning_table(self) -> pl.DataFrame:
        return _problem_frame(self.warnings)


@dataclass(frozen=True)
class Prepared:
    """An upload's load done on a copy of the snapshot its review read: ``writer.swap_in`` makes the copy the
    master when the analyst confirms, if the master is still what the copy started from (``base``)."""

    path: str
    base: tuple[int, str | None]  # snapshots.identity of the copy before the load
    result: loader.LoadResult  # the load's, as the page reports it once confirmed


def _problem_frame(problems: list[Problem]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"Række": p.row, "Kolonne": p.column, "Værdi": p.value, "Problem": p.message} for p in problems],
        schema={"Række": pl.Int64, "Kolonne": pl.String, "Værdi": pl.String, "Problem": pl.String},
    )


def size_problem(name: str, size: int) -> Problem | None:
    if size > MAX_UPLOAD_MB * 1024 * 1024:
        return Problem(
            name, None, None, f"{size / 1024 / 1024:.0f} MB", f"filen er større end grænsen på {MAX_UPLOAD_MB} MB"
        )
    return None


class _TempFile:
    """The uploaded bytes as a file the readers can open; removed afterwards."""

    def __init__(self, name: str, data: bytes):
        self.dir = tempfile.TemporaryDirectory(prefix="helhedsblik-upload-")
        # Only the suffix of the user's name is kept: the name never becomes a path.
        self.path = Path(self.dir.name) / ("upload" + Path(name).suffix.lower()[:10])
        self.path.write_bytes(data)

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc) -> None:
        self.dir.cleanup()


@dataclass(frozen=True)
class Received:
    """A file an analyst sent, on the server's disk until it is loaded (or newer ones push it out)."""

    file_id: str
    name: str
    size: int
    digest: str | None = None  # loader.file_digest of its bytes, taken as they arrived


class UploadTooLarge(Exception):
    """The file being received passed the upload limit: what was received is gone."""


class UploadGone(Exception):
    """No file is spooled under this id for this ticket (pushed out by newer files, or the server restarted)."""


class _Incoming:
    """A file being received in pieces (the upload route streams the request body here); see ``_Spool.incoming``."""

    def __init__(self, spool: _Spool, ticket: str, name: str, path: Path, file_id: str, limit: int):
        self._spool, self._ticket, self.name, self.path, self.file_id = spool, ticket, name, path, file_id
        self._limit, self.size = limit, 0
        self._out = open(path, "wb")  # noqa: SIM115 (closed by __exit__)
        # Its load would read the whole file again for this; here it costs nothing (the bytes are in hand).
        self._digest = loader.digester()

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self._limit:
            raise UploadTooLarge(f"{self.name} er større end grænsen på {MAX_UPLOAD_MB} MB")
        self._out.write(chunk)
        self._digest.update(chunk)

    def __enter__(self) -> _Incoming:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        self._out.close()
        if exc is None:
            self._spool._add(self.file_id, self._ticket, self.name, self.path, loader.digest_text(self._digest))
        else:  # a disconnect, a file over the limit: nothing half-received stays
            self.path.unlink(missing_ok=True)


class _Spool:
    """Uploaded files on disk, from their arrival to their load, keyed by a random file id and bound to the
    ticket of the session that sent them (``issue_ticket``): another session cannot name them.

    The upload route writes a file here as its bytes arrive, so a 200 MB extract is never held in memory or
    written twice. The newest ``KEEP`` files are kept (a file reviewed but never loaded goes when newer ones
    come, or with the process); a loaded file goes at once. Thread-safe: sessions and the server's event loop
    share the process.
    """

    KEEP = 4
    TICKET_HOURS = 12

    def __init__(self):
        self._lock = threading.Lock()
        self._dir: tempfile.TemporaryDirectory | None = None
        self._files: dict[str, tuple[str, Received, Path]] = {}  # file id -> (ticket, file, path), oldest first
        self._tickets: dict[str, float] = {}  # ticket -> when it expires (time.monotonic)
        self._prepared: dict[str, Path] = {}  # file id -> the load its review prepared (see prepare)

    def issue_ticket(self) -> str:
        ticket = secrets.token_urlsafe(32)
        with self._lock:
            now = time.monotonic()
            self._tickets = {t: until for t, until in self._tickets.items() if until > now}
            self._tickets[ticket] = now + self.TICKET_HOURS * 3600
        return ticket

    def ticket_valid(self, ticket: str) -> bool:
        with self._lock:
            until = self._tickets.get(ticket)
        return until is not None and until > time.monotonic()

    def revoke(self, ticket: str) -> None:
        with self._lock:
            self._tickets.pop(ticket, None)

    def _new_path(self, name: str) -> tuple[str, Path]:
        with self._lock:
            if self._dir is None:
                self._dir = tempfile.TemporaryDirectory(prefix="helhedsblik-uploads-")
            folder = Path(self._dir.name)
        file_id = secrets.token_urlsafe(16)
        # Only a hash of the random id and the suffix of the user's name make the path.
        return file_id, folder / (hashlib.sha256(file_id.encode()).hexdigest()[:16] + Path(name).suffix.lower()[:10])

    def incoming(self, ticket: str, name: str) -> _Incoming:
        """A file to receive for ``ticket`` (which must be valid), written as its pieces come."""
        if not self.ticket_valid(ticket):
            raise UploadGone("the upload ticket is unknown or expired")
        file_id, path = self._new_path(name)
        return _Incoming(self, ticket, name, path, file_id, MAX_UPLOAD_MB * 1024 * 1024)

    def put(self, ticket: str, name: str, data: bytes, file_id: str) -> Received:
        """Bytes already in memory (Streamlit's own uploader) spooled under ``file_id``, once per id."""
        with self._lock:
            known = self._files.get(file_id)
        if known is not None and known[0] == ticket and known[2].exists():
            return known[1]
        _, path = self._new_path(name)
        path.write_bytes(data)
        digest = loader.digester()
        digest.update(data)
        return self._add(file_id, ticket, name, path, loader.digest_text(digest))

    def _add(self, file_id: str, ticket: str, name: str, path: Path, digest: str) -> Received:
        received = Received(file_id, name, path.stat().st_size, digest)
        with self._lock:
            self._files[file_id] = (ticket, received, path)
            pushed_out = []
            while len(self._files) > self.KEEP:
                pushed_out.append(self._files.pop(next(iter(self._files)))[2])
        if pushed_out:
            # Removing files (warehouse copies among them) takes time: not on the event loop that calls this.
            threading.Thread(target=self._push_out, args=(pushed_out,), daemon=True).start()
        return received

    def _push_out(self, paths: list[Path]) -> None:
        for old in paths:
            old.unlink(missing_ok=True)
        with self._lock:
            gone = set(self._prepared) - set(self._files)
        self._forget_prepared(gone)

    def attach(self, file_id: str, prepared: Path) -> None:
        """The load the newest review of ``file_id`` prepared: it goes with the file (unless it became the
        master). One prepared on an older snapshot goes now: the master has moved past what it started from."""
        with self._lock:
            older = self._prepared.get(file_id)
            self._prepared[file_id] = prepared
        if older is not None:
            writer.remove_database(older)

    def _forget_prepared(self, file_ids) -> None:
        with self._lock:
            paths = [p for file_id in file_ids if (p := self._prepared.pop(file_id, None)) is not None]
        for path in paths:
            writer.remove_database(path)

    def received(self, ticket: str, file_id: str) -> Received | None:
        """The file ``file_id`` that ``ticket``'s session sent, if it is still here."""
        with self._lock:
            known = self._files.get(file_id)
        return known[1] if known is not None and known[0] == ticket and known[2].exists() else None

    def path(self, ticket: str, file_id: str) -> Path:
        with self._lock:
            known = self._files.get(file_id)
        if known is None or known[0] != ticket or not known[2].exists():
            raise UploadGone(file_id)
        return known[2]

    def discard(self, file_id: str) -> None:
        with self._lock:
            known = self._files.pop(file_id, None)
        if known is not None:
            known[2].unlink(missing_ok=True)
        self._forget_prepared([file_id])


SPOOL = _Spool()


def spooled(ticket: str, received: Received) -> Path:
    """The spooled file, or a rejection that says to send it again."""
    try:
        return SPOOL.path(ticket, received.file_id)
    except UploadGone:
        raise ExtractRejected.one(
            received.name,
            "filen findes ikke længere på serveren (nyere filer har afløst den, eller serveren er genstartet); "
            "vælg den igen",
        ) from None


def received_sheets(ticket: str, received: Received) -> list[str]:
    """The sheets of an uploaded Excel workbook, in order; [] for other files, for files that cannot be read
    and for one that is gone (the review then says why)."""
    if size_problem(received.name, received.size):
        return []
    try:
        return readers.sheet_names(SPOOL.path(ticket, received.file_id), received.name)
    except (UploadGone, ExtractRejected):
        return []


def review(
    con: duckdb.DuckDBPyConnection, name: str, data: bytes, kind: str | None = None, sheet: str | None = None
) -> Review:
    """Validate without loading: what the file is, what is wrong with it, what it would replace.
    ``sheet`` picks an Excel workbook's sheet (the first by default)."""
    too_big = size_problem(name, len(data))
    if too_big:
        return Review(name, False, problems=[too_big])
    with _TempFile(name, data) as path:
        return review_file(con, path, name, sheet, kind=kind)


def review_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    name: str,
    sheet: str | None,
    max_rows: int | None = None,
    kind: str | None = None,
) -> Review:
    """The review of the file at ``path`` (an upload's own ``name``) that loads nothing; ``max_rows``: the
    upload limit (``MAX_UPLOAD_ROWS`` by default)."""
    try:
        checked = loader.validate(
            con, path, kind, file_name=name, max_rows=MAX_UPLOAD_ROWS if max_rows is None else max_rows, sheet=sheet
        )
    except ExtractRejected as exc:
        return Review(name, False, problems=exc.problems, warnings=exc.warnings)
    return _shown(name, checked)


def _shown(name: str, checked: loader.Validation) -> Review:
    """What the Data page shows of a validation."""
    result = Review(
        name,
        checked.ok,
        checked.kind.name,
        checked.kind.label,
        checked.lines,
        checked.figures,
        checked.areas,
        checked.periods,
        checked.problems,
        checked.warnings,
    )
    if checked.ok:
        result.replaces = [
            (f"perioderne {first}–{last}" if first != last else f"perioden {first}")
            + f" for {area} erstattes: {danish.count(n, 'række', 'rækker')}"
            for area, first, last, n in checked.replaces
        ] + checked.kept
        result.preview = checked.preview
    return result


def stamp(con: duckdb.DuckDBPyConnection, load_id: int, user: str) -> bool:
    """A prepared load is loaded when the analyst confirms it, by whoever confirms it (``writer.swap_in``).
    False when the copy does not hold that load (it is then not used)."""
    with transaction(con):
        updated = con.execute(
            "update load_log set loaded_at = ?, loaded_by = ? where load_id = ? and status = 'loaded'",
            [datetime.now(), user, load_id],
        ).fetchall()[0][0]
    return updated == 1


def prepare(
    base: Path,
    prepared: Path,
    path: Path,
    name: str,
    sheet: str | None = None,
    max_rows: int | None = None,
    digest: str | None = None,
) -> Review | None:
    """An upload's review that is its load: the file loaded into a copy (``prepared``) of the snapshot ``base``
    that the review reads, with what a review shows worked out by the load on the way. The load is the CLI's
    (every check, in one transaction); confirming it is then a rename (``writer.swap_in``), where a review
    followed by a load would read, check and insert the file twice.

    A rejected file's review lists its problems and leaves no copy. None (and no copy): a file that was
    loaded already, which the usual review and load report."""
    try:
        shutil.copyfile(base, prepared)
        con = connect(prepared)
        try:
            start = snapshots.identity(con)
            # Loaded by whoever confirms it, when they do (stamp): until then, as the CLI would name it.
            result = commit_file(con, path, name, None, None, sheet, max_rows, digest, review=True)
            con.execute("checkpoint")
        finally:
            con.close()
    except ExtractRejected as exc:
        writer.remove_database(prepared)
        return Review(name, False, problems=exc.problems, warnings=exc.warnings)
    except BaseException:
        writer.remove_database(prepared)
        raise
    if result.skipped_identical or result.review is None:
        writer.remove_database(prepared)
        return None
    shown = _shown(name, result.review)
    shown.prepared = Prepared(str(prepared), start, replace(result, review=None))
    return shown


def commit_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    name: str,
    user: str | None,
    progress,
    sheet: str | None,
    max_rows: int | None = None,
    digest: str | None = None,
    review: bool = False,
) -> loader.LoadResult:
    """Load the file at ``path`` (an upload's own ``name``); ``max_rows`` as for ``review_file``; ``digest``
    and ``review`` as for ``loader.load``."""
    return loader.load(
        path,
        source=UPLOAD_SOURCE,
        loaded_by=user,
        file_name=name,
        con=con,
        progress=progress,
        max_rows=MAX_UPLOAD_ROWS if max_rows is None else max_rows,
        sheet=sheet,
        digest=digest,
        review=review,
    )
