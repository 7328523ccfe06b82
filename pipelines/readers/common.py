"""What every reader shares: what a file really is (from its first 256 KB), the staged file's description, the
header search's reach, a file the system will not give us, and rows of text staged through Arrow (Excel, JSON)."""

from __future__ import annotations

import errno
from pathlib import Path
from dataclasses import dataclass

import pyarrow as pa

from pipelines.errors import ExtractRejected
from pipelines.sql import temp_table_from_arrow


SNIFF_BYTES = 256 * 1024
MAX_HEADER_SEARCH = 30  # title/notes rows a portal export may carry above the header


@dataclass
class StagedFile:
    """A file staged as temp table ``stg`` (columns c0 … cN, text) and what the reader learnt about it."""

    file_name: str
    format: str  # csv, xlsx, json-v2, json-v3, ndjson, parquet
    headers: list[str]
    row_offset: int  # reported row number = rowid + row_offset
    decimal: str  # comma, point or auto (per value: a comma means decimal comma)
    encoding: str | None = None
    rows: int = 0  # records: lines of the file, or rows of the sheet, below the header
    sheet: str | None = None  # the Excel sheet read
    first_sheet: bool = True  # whether that is the workbook's first sheet
    # True when quoted cells hold line breaks: temp table ``stg_shift`` then says how far each record's
    # line in a text editor lies below rowid + row_offset (see editor_line_sql).
    line_shifts: bool = False

    @property
    def header_row(self) -> int | None:
        """The header's row in the file, where the format has one (CSV, Excel), for messages about columns."""
        return self.row_offset - 1 if self.format in ("csv", "xlsx") else None


def unreadable(name: str, exc: OSError) -> ExtractRejected:
    """A file the system will not give us, in Danish and without the path it has on this server."""
    reasons = {
        errno.ENOENT: "filen findes ikke",
        errno.EACCES: "filen må ikke læses (adgang nægtet)",
        errno.EISDIR: "det er en mappe, ikke en fil",
    }
    reason = reasons.get(exc.errno, f"filen kan ikke læses (systemfejl {exc.errno or '?'})")
    return ExtractRejected.one(name, reason)


def stage_arrow(
    con, name: str, fmt: str, headers: list[str], rows: list[list[str | None]], row_offset: int, decimal: str = "auto"
) -> StagedFile:
    if not headers:
        raise ExtractRejected.one(name, "filen har ingen overskrift")
    cols = {
        f"c{i}": pa.array([r[i] if i < len(r) else None for r in rows], type=pa.string()) for i in range(len(headers))
    }
    temp_table_from_arrow(con, "stg", pa.table(cols))
    return StagedFile(name, fmt, headers, row_offset=row_offset, decimal=decimal)


def head_of(path: Path, name: str) -> bytes:
    """The file's first 256 KB, which every look at it reads."""
    try:
        with open(path, "rb") as fh:
            return fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise unreadable(name, exc) from None


def sniff_format(path: Path, name: str | None = None, head: bytes | None = None) -> str:
    """What the file really is, from its content rather than its name (``name``: the file's name for messages;
    ``head``: its first 256 KB when already read)."""
    name = name or Path(path).name
    head = head_of(path, name) if head is None else head
    if not head.strip():
        raise ExtractRejected.one(name, "filen er tom")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ExtractRejected.one(name, "gammelt Excel-format (.xls) understøttes ikke; gem filen som .xlsx")
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractRejected.one(name, "filen er binær og hverken CSV, Excel (.xlsx), Parquet eller JSON")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"[", b"{"):
        return "json"
    return "csv"
