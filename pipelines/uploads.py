"""Uploads from the app: review an extract (kind, lines, problems, preview, what it replaces), then load it.

The review and the load each check the file: the warehouse may have changed between the two clicks, and a
load must never rest on a stale check. A file in jobindsats' form is parsed once, though: its review keeps
the parsed lines beside the spooled file, and its load inserts and checks those.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines import danish, loader, readers
from pipelines.errors import ExtractRejected, Problem

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

    def problem_table(self) -> pl.DataFrame:
        return _problem_frame(self.problems)

    def warning_table(self) -> pl.DataFrame:
        return _problem_frame(self.warnings)


def _problem_frame(problems: list[Problem]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"Række": p.row, "Kolonne": p.column, "Værdi": p.value, "Problem": p.message} for p in problems],
        schema={"Række": pl.Int64, "Kolonne": pl.String, "Værdi": pl.String, "Problem": pl.String},
    )


def _size_problem(name: str, size: int) -> Problem | None:
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


class _Spool:
    """Uploaded files written once for their review and read again by their load, keyed by the upload's id.

    A national extract is 200 MB: writing it again for the load cost half a second. The newest ``KEEP``
    files are kept (a file reviewed but never loaded goes when newer ones come, or with the process); a
    loaded file goes at once. Thread-safe: sessions share the process.
    """

    KEEP = 4

    def __init__(self):
        self._lock = threading.Lock()
        self._dir: tempfile.TemporaryDirectory | None = None
        self._files: dict[str, Path] = {}  # key -> file, oldest first

    def path(self, key: str, name: str, data: bytes) -> Path:
        with self._lock:
            known = self._files.pop(key, None)
            if known is not None and known.exists() and known.stat().st_size == len(data):
                self._files[key] = known
                return known
            if self._dir is None:
                self._dir = tempfile.TemporaryDirectory(prefix="helhedsblik-uploads-")
            # The key is Streamlit's file id; only its hash and the suffix of the user's name make the path.
            digest = hashlib.sha256(key.encode()).hexdigest()[:16]
            path = Path(self._dir.name) / (digest + Path(name).suffix.lower()[:10])
            self.reviewed_lines(path).unlink(missing_ok=True)  # lines of other bytes under this name
            path.write_bytes(data)
            self._files[key] = path
            while len(self._files) > self.KEEP:
                self._remove(self._files.pop(next(iter(self._files))))
            return path

    @staticmethod
    def reviewed_lines(path: Path) -> Path:
        """Where the review of the spooled file ``path`` keeps its parsed lines for the load."""
        return path.with_name(path.name + ".lines.parquet")

    @classmethod
    def _remove(cls, path: Path) -> None:
        path.unlink(missing_ok=True)
        cls.reviewed_lines(path).unlink(missing_ok=True)

    def discard(self, key: str) -> None:
        with self._lock:
            path = self._files.pop(key, None)
        if path is not None:
            self._remove(path)


_SPOOL = _Spool()


@contextmanager
def _upload_file(name: str, data: bytes, key: str | None, keep: bool) -> Iterator[Path]:
    """The upload as a file: spooled under ``key`` (kept for its load when ``keep``), else a temp file."""
    if key is None:
        with _TempFile(name, data) as path:
            yield path
        return
    path = _SPOOL.path(key, name, data)
    try:
        yield path
    finally:
        if not keep:
            _SPOOL.discard(key)


def sheet_names(name: str, data: bytes) -> list[str]:
    """The sheets of an uploaded Excel workbook, in order; [] for other files and for files that cannot be
    read (the review then says why)."""
    # An xlsx file is a zip archive: anything else has no sheets, and a large CSV is not written to disk
    # again on every run of the page just to find that out.
    if _size_problem(name, len(data)) or not data.startswith(b"PK\x03\x04"):
        return []
    with _TempFile(name, data) as path:
        try:
            return readers.sheet_names(path, name)
        except ExtractRejected:
            return []


def review(
    con: duckdb.DuckDBPyConnection,
    name: str,
    data: bytes,
    kind: str | None = None,
    sheet: str | None = None,
    key: str | None = None,
) -> Review:
    """Validate without loading: what the file is, what is wrong with it, what it would replace.
    ``sheet`` picks an Excel workbook's sheet (the first by default); ``key`` (the upload's id) keeps the
    file written for the load that may follow."""
    too_big = _size_problem(name, len(data))
    if too_big:
        return Review(name, False, problems=[too_big])
    with _upload_file(name, data, key, keep=True) as path:
        # A spooled file's parsed lines are kept for its load; a temp file has none to keep.
        lines = _Spool.reviewed_lines(path) if key is not None else None
        try:
            checked = loader.validate(
                con, path, kind, file_name=name, max_rows=MAX_UPLOAD_ROWS, sheet=sheet, keep_lines=lines
            )
        except ExtractRejected as exc:
            return Review(name, False, problems=exc.problems, warnings=exc.warnings)
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


def commit(
    con: duckdb.DuckDBPyConnection,
    name: str,
    data: bytes,
    user: str,
    progress=None,
    sheet: str | None = None,
    key: str | None = None,
) -> loader.LoadResult:
    """Load an uploaded extract atomically, recording who loaded it (``key``: as for ``review``)."""
    too_big = _size_problem(name, len(data))
    if too_big:
        raise ExtractRejected([too_big])
    with _upload_file(name, data, key, keep=False) as path:
        reviewed = _Spool.reviewed_lines(path)
        return loader.load(
            path,
            source=UPLOAD_SOURCE,
            loaded_by=user,
            file_name=name,
            con=con,
            progress=progress,
            max_rows=MAX_UPLOAD_ROWS,
            sheet=sheet,
            reviewed_lines=reviewed if key is not None and sheet is None and reviewed.exists() else None,
        )
