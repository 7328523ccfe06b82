"""Read an extract of any supported format into a DuckDB staging table of text columns.

The staging table is always named ``stg`` with columns ``c0 … cN`` (VARCHAR) in file order;
the original headers are kept on the side. Generic column names mean that no text from a file
ever becomes an SQL identifier. Big CSV files go straight through DuckDB's reader; Excel and
JSON (small by nature) go through Arrow.
"""

from __future__ import annotations

import codecs
import csv
import errno
import html
import mmap
import os
import posixpath
import re
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import duckdb
import pyarrow as pa

from pipelines import readers_json
from pipelines.errors import ExtractRejected, Problem
from pipelines.kinds import known_header
from pipelines.sql import temp_table_from_arrow

SNIFF_BYTES = 256 * 1024
MAX_HEADER_SEARCH = 30  # title/notes rows a portal export may carry above the header
# A zip (xlsx) may not inflate beyond this, nor by more than this ratio: decompression bombs.
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
MAX_ZIP_RATIO = 200
# Caps checked while the zip is inflated, before any part is parsed: a workbook.xml that lists millions of
# sheets (tens of MB that pass the checks above) took gigabytes to parse. Excel itself stops at 1.048.576 rows;
# the XML parts we parse whole (the sheet list and its relationships) are small in any real workbook.
MAX_SHEETS = 1000
MAX_SHEET_ROWS = 1_048_576
MAX_PARSED_PART_BYTES = 4 * 1024 * 1024
_PARSED_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet[\s/>]")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s/>]")


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


def _unreadable(name: str, exc: OSError) -> ExtractRejected:
    """A file the system will not give us, in Danish and without the path it has on this server."""
    reasons = {
        errno.ENOENT: "filen findes ikke",
        errno.EACCES: "filen må ikke læses (adgang nægtet)",
        errno.EISDIR: "det er en mappe, ikke en fil",
    }
    reason = reasons.get(exc.errno, f"filen kan ikke læses (systemfejl {exc.errno or '?'})")
    return ExtractRejected.one(name, reason)


def _head(path: Path, name: str) -> bytes:
    """The file's first 256 KB, which every look at it reads."""
    try:
        with open(path, "rb") as fh:
            return fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise _unreadable(name, exc) from None


def sniff_format(path: Path, name: str | None = None, head: bytes | None = None) -> str:
    """What the file really is, from its content rather than its name (``name``: the file's name for messages;
    ``head``: its first 256 KB when already read)."""
    name = name or Path(path).name
    head = _head(path, name) if head is None else head
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


@dataclass(frozen=True)
class FileLook:
    """What the first look at a file found, handed to whichever route reads it: the format from the
    content and, for CSV, the encoding, separator and header."""

    path: Path
    name: str  # the file's name for messages
    format: str  # csv, xlsx, json, parquet
    csv: CsvLayout | None = None


def look(path: Path, name: str | None = None) -> FileLook:
    """Look at a file once (its first 256 KB): rejected at once when it is empty, binary or an old .xls."""
    path = Path(path)
    name = name or path.name
    head = _head(path, name)
    fmt = sniff_format(path, name, head)
    return FileLook(path, name, fmt, csv_layout(head, name) if fmt == "csv" else None)


def stage(con: duckdb.DuckDBPyConnection, file: FileLook, sheet: str | int | None = None) -> StagedFile:
    """Create temp table ``stg`` from the file and describe it.

    ``sheet`` picks an Excel workbook's sheet by name or number (1 is the first); other formats ignore it.
    """
    path, name = file.path, file.name
    con.execute("drop table if exists stg")
    con.execute("drop table if exists stg_shift")
    try:
        if file.format == "csv":
            staged = _stage_csv(con, path, name, file.csv)
        elif file.format == "xlsx":
            staged = _stage_xlsx(con, path, name, sheet)
        elif file.format == "json":
            staged = _stage_arrow(con, name, *readers_json.read(path, name))
        else:
            staged = _stage_parquet(con, path, name)
    except OSError as exc:  # e.g. the file went away or a disk failed while it was read
        raise _unreadable(name, exc) from None
    staged.rows = con.execute("select count(*) from stg").fetchall()[0][0]
    if staged.rows == 0:
        raise ExtractRejected.one(name, "filen har ingen datarækker (kun en overskrift)")
    return staged


# --- CSV -------------------------------------------------------------------------------------


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


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, name: str, layout: CsvLayout) -> StagedFile:
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


# --- Excel -----------------------------------------------------------------------------------


def _check_zip(path: Path, name: str) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            unzipped = sum(i.file_size for i in infos)
            packed = max(1, sum(i.compress_size for i in infos))
    except zipfile.BadZipFile:
        raise ExtractRejected.one(name, "filen ligner en ZIP/Excel-fil, men er beskadiget") from None
    if "xl/workbook.xml" not in names:
        raise ExtractRejected.one(name, "ZIP-filen er ikke et Excel-regneark (.xlsx)")
    if unzipped > MAX_UNZIPPED_BYTES or unzipped / packed > MAX_ZIP_RATIO:
        raise ExtractRejected.one(
            name, f"Excel-filen udpakker til {unzipped:,} bytes: for stor eller mistænkelig (dekomprimeringsbombe)"
        )
    # The sizes a zip declares can lie: inflate every member as a stream and stop at the cap; count the sheets
    # listed and each sheet's rows on the way (a tag cut between two chunks is found in the next one).
    total = 0
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                counted = _SHEET_TAG if info.filename == "xl/workbook.xml" else None
                if info.filename.startswith("xl/worksheets/"):
                    counted = _ROW_TAG
                found, size, tail = 0, 0, b""
                with zf.open(info) as member:
                    while chunk := member.read(1024 * 1024):
                        total += len(chunk)
                        size += len(chunk)
                        if counted is not None:
                            found += len(counted.findall(tail + chunk)) - len(counted.findall(tail))
                            tail = chunk[-32:]
                            _check_counts(info.filename, found, name)
                        if info.filename in _PARSED_PARTS and size > MAX_PARSED_PART_BYTES:
                            raise ExtractRejected.one(
                                name, f"Excel-filens {info.filename} er for stor til et regneark; filen afvises"
                            )
                        if total > MAX_UNZIPPED_BYTES or total / packed > MAX_ZIP_RATIO:
                            raise ExtractRejected.one(
                                name,
                                "Excel-filen udpakker til langt mere end den fylder: "
                                "mistænkelig (dekomprimeringsbombe)",
                            )
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        # Sizes or checksums that do not add up (damaged, or built to fool a size check), a compression
        # method zipfile does not know, or an encrypted member.
        raise ExtractRejected.one(
            name,
            "Excel-filen er beskadiget eller manipuleret (pakket indhold passer ikke med de "
            "angivne størrelser; mulig dekomprimeringsbombe)",
        ) from None


def _check_counts(member: str, found: int, name: str) -> None:
    if member == "xl/workbook.xml" and found > MAX_SHEETS:
        raise ExtractRejected.one(
            name, f"Excel-filen har over {MAX_SHEETS} ark; et udtræk har få. Gem de ark, der skal indlæses, i en ny fil"
        )
    if member != "xl/workbook.xml" and found > MAX_SHEET_ROWS:
        raise ExtractRejected.one(
            name,
            f"et ark i Excel-filen har over {MAX_SHEET_ROWS:,} rækker".replace(",", ".")
            + ", mere end Excel selv kan have; indlæs udtrækket som CSV",
        )


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


@dataclass(frozen=True)
class Sheet:
    name: str
    part: str | None  # its XML part in the zip, e.g. xl/worksheets/sheet1.xml (None if the workbook hides it)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _xml_part(zf: zipfile.ZipFile, member: str, name: str) -> ElementTree.Element | None:
    """A small XML part of the workbook (sizes already checked by _check_zip), or None if it is absent."""
    if member not in zf.namelist():
        return None
    try:
        return ElementTree.fromstring(zf.read(member))
    except ElementTree.ParseError:
        raise ExtractRejected.one(name, f"Excel-filen er beskadiget: {member} er ikke gyldig XML") from None


def _recalculated_on_open(path: Path, name: str) -> bool:
    """Whether the workbook asks to have every formula calculated again when it is opened (``fullCalcOnLoad``,
    as xlsxwriter and other tools that do not calculate write it): its saved formula values are placeholders."""
    with zipfile.ZipFile(path) as zf:
        book = _xml_part(zf, "xl/workbook.xml", name)
    calc = next((el for el in book.iter() if _local(el.tag) == "calcPr"), None) if book is not None else None
    return calc is not None and (calc.get("fullCalcOnLoad") or "").lower() in ("1", "true")


def _workbook_sheets(path: Path, name: str) -> list[Sheet]:
    """The sheets in workbook order, each with its XML part (xl/workbook.xml and its relationships)."""
    with zipfile.ZipFile(path) as zf:
        book = _xml_part(zf, "xl/workbook.xml", name)
        rels = _xml_part(zf, "xl/_rels/workbook.xml.rels", name)
    targets = {}
    for el in rels.iter() if rels is not None else ():
        if _local(el.tag) == "Relationship":
            target = el.get("Target") or ""
            targets[el.get("Id")] = (
                target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            )
    sheets = []
    for el in book.iter():
        if _local(el.tag) == "sheet":
            rel = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            sheets.append(Sheet(el.get("name") or "", targets.get(rel)))
    return sheets


def sheet_names(path: Path, name: str) -> list[str]:
    """An Excel workbook's sheet names in order (for a sheet picker); [] for any other file."""
    if sniff_format(Path(path), name) != "xlsx":
        return []
    _check_zip(Path(path), name)
    return [s.name for s in _workbook_sheets(Path(path), name)]


def _choose_sheet(sheets: list[Sheet], wanted: str | int | None, name: str) -> int:
    """The index of the sheet asked for by name (exact, then ignoring case) or number (1 is the first)."""
    if not sheets:
        raise ExtractRejected.one(name, "Excel-filen har ingen ark")
    if wanted is None or str(wanted).strip() == "":
        return 0
    text = str(wanted).strip()
    names = [s.name for s in sheets]
    folded = [n.casefold() for n in names]
    if text in names:
        return names.index(text)
    if text.casefold() in folded:
        return folded.index(text.casefold())
    if text.isdigit() and 1 <= int(text) <= len(sheets):
        return int(text) - 1
    listing = ", ".join(f"{i}: '{n}'" for i, n in enumerate(names, start=1))
    raise ExtractRejected.one(
        name, f"arket findes ikke i Excel-filen; vælg et af arkene ved navn eller nummer ({listing})", value=text
    )


def _load_sheet(reader, sheet: Sheet, name: str, n_rows: int | None = None) -> tuple[list[list[str | None]], list[int]]:
    """The sheet's cells as text, row i being Excel row i + 1, and each column's place in the sheet (0 = A)."""
    import fastexcel

    try:
        # skip_rows=0: keep blank rows at the top, so row numbers are the ones Excel shows.
        loaded = reader.load_sheet(sheet.name, header_row=None, skip_rows=0, n_rows=n_rows, dtype_coercion="coerce")
        table = loaded.to_arrow()
        places = [c.absolute_index for c in loaded.available_columns()]
    except (fastexcel.FastExcelError, OSError) as exc:
        raise ExtractRejected.one(name, f"Excel-filen kan ikke læses: {exc}") from None
    columns = [[_cell_text(v) for v in col.to_pylist()] for col in table.columns]
    return ([list(r) for r in zip(*columns, strict=True)] if columns else []), places


def _header_index(rows: list[list[str | None]]) -> int | None:
    """The first row naming at least two known columns, among the first non-blank rows."""
    seen = 0
    for idx, row in enumerate(rows):
        if not any(row):
            continue
        if sum(known_header(c) for c in row if c) >= 2:
            return idx
        seen += 1
        if seen >= MAX_HEADER_SEARCH:
            return None
    return None


def _stage_xlsx(con, path: Path, name: str, wanted: str | int | None) -> StagedFile:
    import fastexcel

    _check_zip(path, name)
    sheets = _workbook_sheets(path, name)
    chosen = _choose_sheet(sheets, wanted, name)
    try:
        reader = fastexcel.read_excel(str(path))
    except (fastexcel.FastExcelError, OSError) as exc:
        raise ExtractRejected.one(name, f"Excel-filen kan ikke læses: {exc}") from None
    rows, places = _load_sheet(reader, sheets[chosen], name)
    header_idx = _header_index(rows)
    if header_idx is None:
        _data_on_another_sheet(reader, sheets, chosen, name)
        header_idx = next((i for i, r in enumerate(rows) if any(c for c in r)), 0)
    headers = [(c or "").strip() for c in rows[header_idx]] if rows else []
    _check_saved_values(
        path,
        sheets[chosen],
        name,
        header_idx + 1,
        {place: header for place, header in zip(places, headers, strict=False) if header},
        _recalculated_on_open(path, name),
    )
    data = rows[header_idx + 1 :]
    while data and not any(c not in (None, "") for c in data[-1]):
        data.pop()
    # Excel rows are 1-based and the data start right under the header row.
    staged = _stage_arrow(con, name, "xlsx", headers, data, header_idx + 2)
    staged.sheet, staged.first_sheet = sheets[chosen].name, chosen == 0
    return staged


def _data_on_another_sheet(reader, sheets: list[Sheet], chosen: int, name: str) -> None:
    """When the sheet read has no columns we know but another sheet has, say which was read and how to
    pick another; otherwise return (and the usual messages follow)."""
    others = [s.name for i, s in enumerate(sheets) if i != chosen and _has_known_header(reader, s, name)]
    if not others:
        return
    listing = " eller ".join(f"'{n}'" for n in others[:3])
    read = f"arket '{sheets[chosen].name}' (ark {chosen + 1} af {len(sheets)})"
    raise ExtractRejected.one(
        name,
        f"læste {read}, som ikke har kolonner, der kan genkendes; data ser ud til at ligge "
        f'i arket {listing}. Vælg arket med --sheet "{others[0]}" på kommandolinjen '
        "eller i feltet 'Ark' ved filen på siden Data",
    )


def _has_known_header(reader, sheet: Sheet, name: str) -> bool:
    try:
        rows = _load_sheet(reader, sheet, name, n_rows=200)[0]
    except ExtractRejected:  # a chart sheet, say: it holds no data either way
        return False
    return _header_index(rows) is not None


# Formula cells and error values: their markers in a sheet's XML, and the parts of one cell.
_CELL_MARK = re.compile(rb"<(?:\w+:)?f[\s>/]|\st=[\"']e[\"']")
_ATTR = re.compile(rb"\s([\w:]+)=[\"']([^\"']*)[\"']")
_REF = re.compile(r"([A-Z]+)(\d+)")
MAX_CELL_PROBLEMS = 200


def _check_saved_values(
    path: Path, sheet: Sheet, name: str, header_row: int, headers: dict[int, str], recalculated: bool = False
) -> None:
    """Reject formula cells the file saved no value for, and cells holding an error value (#DIV/0!, #N/A):
    the reader sees both as empty, which would load them as missing figures. In a workbook that asks to be
    calculated again when opened (``recalculated``) every formula cell is rejected: the value saved with it is a
    placeholder (xlsxwriter saves 0), which would load as a figure. Cells above the header row and in columns
    without a header are not read, and not checked."""
    if sheet.part is None:
        return
    problems = []
    with zipfile.ZipFile(path) as zf:
        if sheet.part not in zf.namelist():
            return
        with zf.open(sheet.part) as fh:
            for ref, formula, error, saved in _marked_cells(fh, recalculated):
                match = _REF.fullmatch(ref)
                if not match:
                    continue
                row, place = int(match.group(2)), _column_index(match.group(1))
                if row < header_row or place not in headers:
                    continue
                shown = f"={formula}" if formula else None
                if error is not None:
                    text = f"cellen {ref} viser fejlen {error or '#?'}: ret formlen, eller skriv værdien i cellen"
                elif saved:
                    text = (
                        f"cellen {ref} har en formel, og filen beder om at få alle formler regnet ud, når den "
                        "åbnes: den gemte værdi er ikke regnet ud. Åbn filen i Excel (eller LibreOffice), og gem "
                        "den igen; eller indsæt værdierne som tal"
                    )
                else:
                    text = (
                        f"cellen {ref} har en formel uden gemt værdi: åbn filen i Excel (eller LibreOffice), "
                        "lad den regne formlerne ud, og gem den igen; eller indsæt værdierne som tal"
                    )
                problems.append(Problem(name, row, headers[place], shown, text))
                if len(problems) >= MAX_CELL_PROBLEMS:
                    break
    if problems:
        raise ExtractRejected(problems)


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - ord("A") + 1
    return index - 1


def _marked_cells(fh, every_formula: bool = False):
    """(reference, formula, error value or None, whether a value was saved) of each formula cell without a
    saved value (with ``every_formula``: each formula cell) and each cell holding an error value, streamed from a
    sheet's XML a whole number of rows at a time.

    A byte scan, not an XML parser: a sheet of a million cells parses in seconds, and only the few
    rows that hold a formula or an error are looked at closely.
    """
    buffer, prefix = b"", None
    while chunk := fh.read(4 * 1024 * 1024):
        buffer += chunk
        if prefix is None:  # the sheet's namespace prefix, if it uses one (<x:c>)
            found = re.search(rb"<(\w+:)?sheetData\b", buffer)
            if not found:
                continue
            prefix = found.group(1) or b""
        row_end = b"</" + prefix + b"row>"
        cut = buffer.rfind(row_end)
        if cut < 0:
            continue
        segment, buffer = buffer[: cut + len(row_end)], buffer[cut + len(row_end) :]
        if _CELL_MARK.search(segment):
            yield from _cells_in(segment, prefix, every_formula)
    if _CELL_MARK.search(buffer):
        yield from _cells_in(buffer, prefix or b"", every_formula)


def _cells_in(segment: bytes, prefix: bytes, every_formula: bool = False):
    starts = (b"<" + prefix + b"c ", b"<" + prefix + b"c>")
    close = b"</" + prefix + b"c>"
    p = re.escape(prefix)
    formula_re = re.compile(rb"<" + p + rb"f\b[^>]*?(?:/>|>(.*?)</" + p + rb"f>)", re.S)
    value_re = re.compile(rb"<" + p + rb"v\b[^>]*?(?:/>|>(.*?)</" + p + rb"v>)", re.S)
    done = set()
    for mark in _CELL_MARK.finditer(segment):
        start = max(segment.rfind(starts[0], 0, mark.start() + 1), segment.rfind(starts[1], 0, mark.start() + 1))
        end = segment.find(close, mark.start())
        if start < 0 or end < 0 or start in done:
            continue
        done.add(start)
        head, _, body = segment[start:end].partition(b">")
        attrs = {k.rpartition(b":")[2]: v for k, v in _ATTR.findall(head)}
        ref = attrs.get(b"r", b"").decode("ascii", "replace")
        formula = formula_re.search(body)
        value = value_re.search(body)
        saved = None if value is None else (value.group(1) or b"")
        text = html.unescape(formula.group(1).decode("utf-8", "replace")) if formula and formula.group(1) else ""
        if attrs.get(b"t") == b"e":
            yield ref, text, html.unescape((saved or b"").decode("utf-8", "replace")), True
        elif formula and (saved is None or (saved == b"" and attrs.get(b"t") != b"str")):
            # An empty saved value of type "str" is a formula whose result is empty text: a value.
            yield ref, text, None, False
        elif formula and every_formula:
            yield ref, text, None, True


def _stage_arrow(
    con, name: str, fmt: str, headers: list[str], rows: list[list[str | None]], row_offset: int, decimal: str = "auto"
) -> StagedFile:
    if not headers:
        raise ExtractRejected.one(name, "filen har ingen overskrift")
    cols = {
        f"c{i}": pa.array([r[i] if i < len(r) else None for r in rows], type=pa.string()) for i in range(len(headers))
    }
    temp_table_from_arrow(con, "stg", pa.table(cols))
    return StagedFile(name, fmt, headers, row_offset=row_offset, decimal=decimal)


# --- Parquet ---------------------------------------------------------------------------------


def _stage_parquet(con, path: Path, name: str) -> StagedFile:
    try:
        headers = [
            r[0]
            for r in con.execute(
                "select name from parquet_schema(?) where num_children is null or num_children = 0", [str(path)]
            ).fetchall()
        ]
        # Positional references (#1, #2 …) keep the file's column names out of the SQL text.
        select = ", ".join(f"cast(#{i + 1} as varchar) as c{i}" for i in range(len(headers)))
        con.execute(f"create temp table stg as select {select} from read_parquet(?)", [str(path)])
    except duckdb.Error as exc:
        raise ExtractRejected.one(name, f"Parquet-filen kan ikke læses: {exc}") from None
    return StagedFile(name, "parquet", headers, row_offset=1, decimal="point")
