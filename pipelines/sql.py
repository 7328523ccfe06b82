"""The DuckDB steps every writer shares: one transaction, an Arrow table as a temp table, a quoted literal."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: kinds.py (and so the API client) use quote() without loading DuckDB
    import duckdb
    import pyarrow as pa

# Every committed write moves the master's data version on: a write session publishes a new snapshot
# when the version differs from the published one (pipelines/snapshots.py).
_NEXT_DATA_VERSION = (
    "insert into meta values ('data_version', '1') "
    "on conflict (key) do update set value = (meta.value::bigint + 1)::varchar"
)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """One transaction: committed when the block ends, rolled back if anything at all escapes it."""
    con.execute("begin transaction")
    try:
        yield con
        con.execute(_NEXT_DATA_VERSION)
    except BaseException:  # even KeyboardInterrupt: roll back, then let it propagate unchanged
        con.execute("rollback")
        raise
    con.execute("commit")


@contextmanager
def arrow_view(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table):
    """``table`` readable in SQL as ``name`` for the length of the block (DuckDB reads it in place)."""
    con.register(name, table)
    try:
        yield name
    finally:
        con.unregister(name)


def temp_table_from_arrow(
    con: duckdb.DuckDBPyConnection, name: str, table: pa.Table, query: str = "select * from {arrow}"
) -> None:
    """Temp table ``name`` (replaced if it exists) from ``query`` over the Arrow table, which the query names
    ``{arrow}``. ``name`` and ``query`` come from the caller's own code, never from input."""
    with arrow_view(con, f"{name}_arrow", table) as arrow:
        con.execute(f"create or replace temp table {name} as " + query.format(arrow=arrow))


def quote(text: str | None) -> str:
    """A SQL string literal for a value from the pipeline's own allow-lists (NULL for None)."""
    if text is None:
        return "null::varchar"
    return "'" + str(text).replace("'", "''") + "'"
