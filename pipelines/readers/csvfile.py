"""CSV: the encoding, separator and header found in the file's first 256 KB; the file itself read by DuckDB's
CSV reader (transcoded to UTF-8 first where needed); a line DuckDB cannot read named as a text editor numbers it."""

from __future__ import annotations

import codecs
import csv
import mmap
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.errors import ExtractRejected, Problem
from pipelines.headers import known_header
from pipelines.readers.common import MAX_HEADER_SEARCH, SNIFF_BYTES, StagedFile


def _detect_encoding(head: bytes) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        # Not UTF-8: jobindsats files re-saved in Excel arrive as Windows-1252.
        return "cp1252"


def _split_line(line: str, delim: str) -> list[str]:
    return next(csv.reader([line], delimiter=delim, quotechar='"'))


def _find_header(lines: list[str]) -> tuple[int, str]:
    """Index of the header line and the separator: the first line naming known columns."""
    best: tuple[int, str] | None = None
    for idx, line in enumerate(lines[:MAX_HEADER_SEARCH]):
        for delim in (";", "\t", ","):
            if delim not in line:
                continue
            cells = _split_line(line, delim)
            if sum(known_header(c) for c in cells) >= 2:
                return idx, delim
            if best is None and len(cells) >= 2:
                best = (idx, delim)
    if best is None:
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        return first, ";"
    return best


@dataclass(frozen=True)
class CsvLayout:
    encoding: str
    header_index: int  # 0-based line of the header
    delimiter: str
    headers: list[str]

    @property
    def row_offset(self) -> int:
        return self.header_index + 2

    @property
    def decimal(self) -> str:
        return "comma" if self.delimiter == ";" else "point"


def csv_layout(head: bytes, name: str) -> CsvLayout:
    """Encoding, header line and separator of a CSV file, from its first 256 KB (``head``; ``name``: the
    file's name for messages)."""
    encoding = _detect_encoding(head)
    text = head.decode(encoding, errors="ignore")
    lines = text.splitlines()
    if len(head) == SNIFF_BYTES and lines:
        lines = lines[:-1]  # the last line of a truncated sample may be cut
    if not lines:
        raise ExtractRejected.one(name, "kunne ikke finde en overskriftslinje i de første 256 KB")
    header_idx, delim = _find_header(lines)
    headers = [h.strip() for h in _split_line(lines[header_idx], delim)]
    return CsvLayout(encoding, header_idx, delim, headers)


# A read_csv call with four bound parameters (path, delimiter, lines to skip, columns): every cell as text.
CSV_SOURCE_SQL = (
    "read_csv(?, delim = ?, header = false, skip = ?, columns = ?, auto_detect = false, quote = '\"', escape = '\"')"
)


def csv_columns(ncols: int) -> dict[str, str]:
    return {f"c{i}": "VARCHAR" for i in range(ncols)}


def stage_csv(con: duckdb.DuckDBPyConnection, path: Path, name: str, layout: CsvLayout) -> StagedFile:
    source = path
    tmpdir = None
    try:
        if layout.encoding in ("cp1252", "utf-16"):
            tmpdir = tempfile.mkdtemp(prefix="helhedsblik-")
            source = Path(tmpdir) / "utf8.csv"
            _transcode(path, source, layout.encoding, name)
        _read_csv_into_stg(con, source, name, layout.delimiter, layout.header_index + 1, len(layout.headers))
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    shifts = _has_quote(path) and _quoted_line_breaks(con, len(layout.headers))
    return StagedFile(
        name,
        "csv",
        layout.headers,
        row_offset=layout.row_offset,
        decimal=layout.decimal,
        encoding=layout.encoding,
        line_shifts=shifts,
    )


def _has_quote(path: Path) -> bool:
    """Whether the file holds a '"' at all (the same byte in every encoding we read); jobindsats' files do not,
    and a file without one has no quoted cells to break lines in. Milliseconds for a national extract."""
    with open(path, "rb") as fh:
        if not os.fstat(fh.fileno()).st_size:
            return False
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return mapped.find(b'"') >= 0


def _quoted_line_breaks(con: duckdb.DuckDBPyConnection, ncols: int) -> bool:
    """Temp table ``stg_shift`` (rid, extra) when quoted cells hold line breaks: a record after record
    ``rid`` starts ``extra`` lines further down in a text editor than its number says. False when none do,
    and then there is nothing to join later."""
    cols = [f"c{i}" for i in range(ncols)]
    has_break = " or ".join(f"contains({c}, chr(10)) or contains({c}, chr(13))" for c in cols)
    breaks = " + ".join(f"coalesce(len(regexp_extract_all({c}, '\\r\\n|\\r|\\n')), 0)" for c in cols)
    con.execute(
        f"create or replace temp table stg_shift as select rid, sum(breaks) over (order by rid) as extra "
        f"from (select rowid as rid, {breaks} as breaks from stg where {has_break})"
    )
    if con.execute("select count(*) from stg_shift").fetchall()[0][0]:
        return True
    con.execute("drop table stg_shift")
    return False


def editor_line_sql(staged: StagedFile, alias: str = "s") -> tuple[str, str]:
    """(expression, join) giving the line a text editor shows for each row of ``stg`` as ``alias``: the
    record's number plus the line breaks inside quoted cells above it."""
    base = f"{alias}.rowid + {int(staged.row_offset)}"
    if not staged.line_shifts:
        return base, ""
    return (f"{base} + coalesce(stg_shift.extra, 0)", f"asof left join stg_shift on {alias}.rowid > stg_shift.rid")


def _transcode(src: Path, dst: Path, encoding: str, name: str) -> None:
    """Stream a file into UTF-8 without holding it in memory."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with open(src, "rb") as fin, open(dst, "w", encoding="utf-8", newline="") as fout:
        while chunk := fin.read(4 * 1024 * 1024):
            try:
                fout.write(decoder.decode(chunk))
            except UnicodeDecodeError as exc:
                # The line of the offending byte, so the message points at it.
                line += chunk[: exc.start].count(b"\n")
                raise ExtractRejected.one(
                    name, "ugyldige tegn: filen er hverken gyldig UTF-8 eller Windows-1252", row=line
                ) from None
            line += chunk.count(b"\n")
        fout.write(decoder.decode(b"", final=True))


_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")


def _read_csv_into_stg(con, source: Path, name: str, delim: str, skip: int, ncols: int) -> None:
    params = [str(source), delim, skip, csv_columns(ncols)]
    try:
        con.execute(f"create temp table stg as select * from {CSV_SOURCE_SQL}", params)
    except duckdb.InvalidInputException as exc:
        problem = csv_problem(name, str(exc).replace(str(source), name), ncols)
        raise ExtractRejected([_at_editor_line(con, problem, source, params)]) from None
    except duckdb.Error as exc:
        first = str(exc).replace(str(source), name).splitlines()[0][:300]
        raise ExtractRejected.one(name, f"filen kan ikke læses som CSV: {first}") from None


def _at_editor_line(con, problem: Problem, source: Path, params: list) -> Problem:
    """The problem at the line a text editor shows. DuckDB counts records, and a quoted cell with a line
    break makes a record span lines; its reject log has the byte where the bad record starts."""
    if problem.row is None:
        return problem
    sql = CSV_SOURCE_SQL.removesuffix(")") + (
        ", store_rejects = true, rejects_table = 'stg_rejects', rejects_scan = 'stg_reject_scans')"
    )
    try:
        con.execute(f"select count(*) from {sql}", params).fetchall()
        # The record DuckDB named, else the first it rejected.
        found = con.execute(
            "select line_byte_position from stg_rejects order by line = ? desc, line_byte_position limit 1",
            [problem.row],
        ).fetchall()
        found = found[0][0] if found else None
    except duckdb.Error:
        return problem  # the reader could not even log its rejects: keep its own line number
    finally:
        con.execute("drop table if exists stg_rejects")
        con.execute("drop table if exists stg_reject_scans")
    if found is None:
        return problem
    line, left = 1, int(found)
    with open(source, "rb") as fh:
        while left > 0 and (chunk := fh.read(min(left, 4 * 1024 * 1024))):
            line += chunk.count(b"\n")
            left -= len(chunk)
    return Problem(problem.file, line, problem.column, problem.value, problem.message, problem.severity)


def csv_problem(name: str, message: str, ncols: int) -> Problem:
    line_match = _CSV_LINE.search(message)
    line = int(line_match.group(1)) if line_match else None
    found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    original = re.search(r"Original Line: (.*)", message)
    value = original.group(1)[:200] if original else None
    if found:
        text = f"forkert antal kolonner: forventede {found.group(1)} som overskriften, fandt {found.group(2)}"
    elif "unicode" in message.lower():
        text = "ugyldige tegn: filen er hverken gyldig UTF-8 eller Windows-1252"
    elif "maximum line size" in message.lower() or "line size" in message.lower():
        text = "en linje er for lang til at være en række i et udtræk"
    else:
        text = "filen kan ikke læses som CSV: " + message.splitlines()[0][:300]
    return Problem(name, line, None, value, text)
