"""Read an extract of any supported format into a DuckDB staging table of text columns.

The staging table is always named ``stg`` with columns ``c0 … cN`` (VARCHAR) in file order;
the original headers are kept on the side. Generic column names mean that no text from a file
ever becomes an SQL identifier. Big CSV files go straight through DuckDB's reader; Excel and
JSON (small by nature) go through Arrow.

One module per format (``csvfile``, ``excel`` with its checks in ``excel_safety``, ``jsonfile``, ``parquet``);
this one looks at a file once and hands it to its format's reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.errors import ExtractRejected
from pipelines.readers import jsonfile
from pipelines.readers.common import StagedFile, head_of, sniff_format, stage_arrow, unreadable
from pipelines.readers.csvfile import (
    CSV_SOURCE_SQL,
    CsvLayout,
    csv_columns,
    csv_layout,
    csv_problem,
    editor_line_sql,
    stage_csv,
)
from pipelines.readers.excel import sheet_names, stage_xlsx
from pipelines.readers.parquet import stage_parquet

__all__ = [
    "CSV_SOURCE_SQL",
    "CsvLayout",
    "FileLook",
    "StagedFile",
    "csv_columns",
    "csv_layout",
    "csv_problem",
    "editor_line_sql",
    "look",
    "sheet_names",
    "sniff_format",
    "stage",
]


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
    head = head_of(path, name)
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
            staged = stage_csv(con, path, name, file.csv)
        elif file.format == "xlsx":
            staged = stage_xlsx(con, path, name, sheet)
        elif file.format == "json":
            staged = stage_arrow(con, name, *jsonfile.read(path, name))
        else:
            staged = stage_parquet(con, path, name)
    except OSError as exc:  # e.g. the file went away or a disk failed while it was read
        raise unreadable(name, exc) from None
    staged.rows = con.execute("select count(*) from stg").fetchall()[0][0]
    if staged.rows == 0:
        raise ExtractRejected.one(name, "filen har ingen datarækker (kun en overskrift)")
    return staged
