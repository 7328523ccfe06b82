"""Read an extract of any supported format into a DuckDB staging table of text columns.

The staging table is always named ``stg`` with columns ``c0 … cN`` (VARCHAR) in file order;
the original headers are kept on the side. Generic column names mean that no text from a file
ever becomes an SQL identifier. Big CSV files go straight through DuckDB's reader; Excel and
JSON (small by nature) go through Arrow.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.errors import ExtractRejected, Problem
from pipelines.kinds import known_header

SNIFF_BYTES = 256 * 1024
MAX_HEADER_SEARCH = 30  # title/notes rows a portal export may carry above the header
# A zip (xlsx) may not inflate beyond this, nor by more than this ratio: decompression bombs.
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
MAX_ZIP_RATIO = 200


@dataclass
class Staged:
    file_name: str
    format: str  # csv, xlsx, json-v2, json-v3, parquet
    headers: list[str]
    row_offset: int  # reported row number = rowid + row_offset
    decimal: str  # comma, point or auto (per value: a comma means decimal comma)
    encoding: str | None = None
    rows: int = 0


def sniff_format(path: Path) -> str:
    """What the file really is, from its content rather than its name."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if not head.strip():
        raise ExtractRejected([Problem(path.name, None, None, None, "filen er tom")])
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ExtractRejected([Problem(path.name, None, None, None,
                                       "gammelt Excel-format (.xls) understøttes ikke; gem filen som .xlsx")])
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractRejected([Problem(path.name, None, None, None,
                                       "filen er binær og hverken CSV, Excel (.xlsx), Parquet eller JSON")])
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def stage(con: duckdb.DuckDBPyConnection, path: Path, file_name: str | None = None) -> Staged:
    """Create temp table ``stg`` from the file and describe it."""
    path = Path(path)
    name = file_name or path.name
    fmt = sniff_format(path)
    con.execute("drop table if exists stg")
    if fmt == "csv":
        staged = _stage_csv(con, path, name)
    elif fmt == "xlsx":
        staged = _stage_arrow(con, name, "xlsx", *_read_xlsx(path, name))
    elif fmt == "json":
        staged = _stage_arrow(con, name, *_read_json(path, name))
    else:
        staged = _stage_parquet(con, path, name)
    staged.rows = con.execute("select count(*) from stg").fetchall()[0][0]
    if staged.rows == 0:
        raise ExtractRejected([Problem(name, None, None, None, "filen har ingen datarækker (kun en overskrift)")])
    return staged


# --- CSV -------------------------------------------------------------------------------------

def _detect_encoding(path: Path, head: bytes) -> str:
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


def csv_layout(path: Path, name: str) -> CsvLayout:
    """Encoding, header line and separator of a CSV file, from its first 256 KB."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    encoding = _detect_encoding(path, head)
    text = head.decode(encoding, errors="ignore")
    lines = text.splitlines()
    if len(head) == SNIFF_BYTES and lines:
        lines = lines[:-1]  # the last line of a truncated sample may be cut
    if not lines:
        raise ExtractRejected([Problem(name, None, None, None,
                                       "kunne ikke finde en overskriftslinje i de første 256 KB")])
    header_idx, delim = _find_header(lines)
    headers = [h.strip() for h in _split_line(lines[header_idx], delim)]
    return CsvLayout(encoding, header_idx, delim, headers)


# A read_csv call with four bound parameters (path, delimiter, lines to skip, columns): every cell as text.
CSV_SOURCE_SQL = ("read_csv(?, delim = ?, header = false, skip = ?, columns = ?, auto_detect = false, "
                  "quote = '\"', escape = '\"')")


def csv_columns(ncols: int) -> dict[str, str]:
    return {f"c{i}": "VARCHAR" for i in range(ncols)}


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> Staged:
    layout = csv_layout(path, name)
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
    return Staged(name, "csv", layout.headers, row_offset=layout.row_offset, decimal=layout.decimal,
                  encoding=layout.encoding)


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
                line += chunk[:exc.start].count(b"\n")
                raise ExtractRejected([Problem(name, line, None, None, "ugyldige tegn: filen er hverken gyldig "
                                                                       "UTF-8 eller Windows-1252")]) from None
            line += chunk.count(b"\n")
        fout.write(decoder.decode(b"", final=True))


_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")


def _read_csv_into_stg(con, source: Path, name: str, delim: str, skip: int, ncols: int) -> None:
    try:
        con.execute(f"create temp table stg as select * from {CSV_SOURCE_SQL}",
                    [str(source), delim, skip, csv_columns(ncols)])
    except duckdb.InvalidInputException as exc:
        raise ExtractRejected([csv_problem(name, str(exc), ncols)]) from None


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
        raise ExtractRejected([Problem(name, None, None, None, "filen ligner en ZIP/Excel-fil, men er beskadiget")]) \
            from None
    if "xl/workbook.xml" not in names:
        raise ExtractRejected([Problem(name, None, None, None, "ZIP-filen er ikke et Excel-regneark (.xlsx)")])
    if unzipped > MAX_UNZIPPED_BYTES or unzipped / packed > MAX_ZIP_RATIO:
        raise ExtractRejected([Problem(name, None, None, None,
                                       f"Excel-filen udpakker til {unzipped:,} bytes: for stor eller mistænkelig "
                                       "(dekomprimeringsbombe)")])
    # The sizes a zip declares can lie: inflate every member as a stream and stop at the cap.
    total = 0
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                with zf.open(info) as member:
                    while chunk := member.read(1024 * 1024):
                        total += len(chunk)
                        if total > MAX_UNZIPPED_BYTES or total / packed > MAX_ZIP_RATIO:
                            raise ExtractRejected([Problem(name, None, None, None,
                                                           "Excel-filen udpakker til langt mere end den fylder: "
                                                           "mistænkelig (dekomprimeringsbombe)")])
    except (zipfile.BadZipFile, zlib.error):
        # Sizes or checksums that do not add up: damaged, or built to fool a size check.
        raise ExtractRejected([Problem(name, None, None, None,
                                       "Excel-filen er beskadiget eller manipuleret (pakket indhold passer ikke med de "
                                       "angivne størrelser; mulig dekomprimeringsbombe)")]) from None


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def _read_xlsx(path: Path, name: str) -> tuple[list[str], list[list[str | None]], int]:
    import fastexcel

    _check_zip(path, name)
    try:
        reader = fastexcel.read_excel(str(path))
        sheet = reader.load_sheet(0, header_row=None, dtype_coercion="coerce")
        table = sheet.to_arrow()
    except (fastexcel.FastExcelError, fastexcel.ArrowError, OSError) as exc:
        raise ExtractRejected([Problem(name, None, None, None, f"Excel-filen kan ikke læses: {exc}")]) from None
    columns = [[_cell_text(v) for v in col.to_pylist()] for col in table.columns]
    rows = [list(r) for r in zip(*columns)] if columns else []
    header_idx = 0
    for idx, row in enumerate(rows[:MAX_HEADER_SEARCH]):
        if sum(known_header(c) for c in row if c) >= 2:
            header_idx = idx
            break
    else:
        header_idx = next((i for i, r in enumerate(rows) if any(c for c in r)), 0)
    headers = [(c or "").strip() for c in rows[header_idx]] if rows else []
    data = [r for r in rows[header_idx + 1:]]
    while data and not any(c not in (None, "") for c in data[-1]):
        data.pop()
    # Excel rows are 1-based and the data start right under the header row.
    return headers, data, header_idx + 2


# --- JSON (jobindsats API v2 and v3) -----------------------------------------------------------

def _json_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        # JSON numbers are written the way jobindsats writes decimals in text: with a comma.
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def parse_json_payload(payload, name: str) -> tuple[str, list[str], list[list[str | None]]]:
    """(format, headers, rows) from a v2 or v3 reply; anything else is rejected saying what was expected."""
    if isinstance(payload, list) and payload and isinstance(payload[0], dict) and "Variables" in payload[0]:
        block = payload[0]
        variables = block.get("Variables") or []
        data = block.get("Data")
        if not isinstance(data, list) or not all(isinstance(v, dict) for v in variables):
            raise ExtractRejected([Problem(name, None, None, None,
                                           'JSON i v2-form skal have "Variables" (liste) og "Data" (liste af rækker)')])
        headers = [str(v.get("Name") or v.get("Label") or "") for v in variables]
        labels = [str(v.get("Label") or "") for v in variables]
        # Prefer IDs; fall back to the label where the ID is not one we know.
        headers = [h if known_header(h) or not known_header(lab) else lab for h, lab in zip(headers, labels)]
        rows = data
        fmt = "json-v2"
    elif isinstance(payload, dict) and "columns" in payload and "rows" in payload:
        cols = payload["columns"]
        rows = payload["rows"]
        if not isinstance(cols, list) or not isinstance(rows, list):
            raise ExtractRejected([Problem(name, None, None, None,
                                           'JSON i v3-form skal have "columns" (liste) og "rows" (liste af rækker)')])
        headers = []
        for c in cols:
            if isinstance(c, dict):
                headers.append(str(c.get("name") or c.get("id") or c.get("label") or ""))
            else:
                headers.append(str(c))
        fmt = "json-v3"
    else:
        raise ExtractRejected([Problem(name, None, None, None,
                                       "ukendt JSON-form: forventede jobindsats API v2 "
                                       '([{"Variables": …, "Data": …}]) eller v3 ({"columns": …, "rows": …})')])
    out: list[list[str | None]] = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != len(headers):
            raise ExtractRejected([Problem(name, i, None, _json_text(row)[:200] if row is not None else None,
                                           f"rækken skal være en liste med {len(headers)} værdier")])
        out.append([_json_text(v) for v in row])
    return fmt, headers, out


def _read_json(path: Path, name: str) -> tuple[str, list[str], list[list[str | None]], int, str]:
    raw = path.read_bytes()
    try:
        payload = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExtractRejected([Problem(name, None, None, None, f"ugyldig JSON: {exc}")]) from None
    except RecursionError:
        raise ExtractRejected([Problem(name, None, None, None, "ugyldig JSON: for dybt indlejret")]) from None
    fmt, headers, rows = parse_json_payload(payload, name)
    return fmt, headers, rows, 1, "comma"


def _stage_arrow(con, name: str, fmt: str, headers: list[str], rows: list[list[str | None]],
                 row_offset: int, decimal: str = "auto") -> Staged:
    if not headers:
        raise ExtractRejected([Problem(name, None, None, None, "filen har ingen overskrift")])
    cols = {f"c{i}": pa.array([r[i] if i < len(r) else None for r in rows], type=pa.string())
            for i in range(len(headers))}
    table = pa.table(cols)
    con.register("stg_arrow", table)
    try:
        con.execute("create temp table stg as select * from stg_arrow")
    finally:
        con.unregister("stg_arrow")
    return Staged(name, fmt, headers, row_offset=row_offset, decimal=decimal)


# --- Parquet ---------------------------------------------------------------------------------

def _stage_parquet(con, path: Path, name: str) -> Staged:
    try:
        headers = [r[0] for r in con.execute("select name from parquet_schema(?) where num_children is null "
                                             "or num_children = 0", [str(path)]).fetchall()]
        # Positional references (#1, #2 …) keep the file's column names out of the SQL text.
        select = ", ".join(f"cast(#{i + 1} as varchar) as c{i}" for i in range(len(headers)))
        con.execute(f"create temp table stg as select {select} from read_parquet(?)", [str(path)])
    except duckdb.Error as exc:
        raise ExtractRejected([Problem(name, None, None, None, f"Parquet-filen kan ikke læses: {exc}")]) from None
    return Staged(name, "parquet", headers, row_offset=1, decimal="point")
