"""Parquet: every leaf column read as text by DuckDB, by position."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.errors import ExtractRejected
from pipelines.readers.common import StagedFile


def stage_parquet(con, path: Path, name: str) -> StagedFile:
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
