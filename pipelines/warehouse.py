"""The DuckDB warehouse: connecting, creating the schema and loading the reference dimensions."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines import aggregates, config, visitation_lines
from pipelines.errors import PipelineError
from pipelines.periods import FIRST_ERA

# The reference data as the code reads it live in pipelines/reference.py (no DuckDB there, so the API client
# can use them); they are named here too, where the warehouse's users have always found them.
from pipelines.reference import (  # noqa: F401
    EXTRA_AREA_ALIASES,
    NATIONAL_CODE,
    NATIONAL_NAME,
    REGIONS,
    UNKNOWN_AREA_CODE,
    area_aliases,
    category_aliases,
    clear_reference_cache,
    reference_tables,
)
from pipelines.sql import arrow_view, quote, transaction

SCHEMA_SQL = Path(__file__).with_name("schema.sql")


class WarehouseOutdated(PipelineError):
    """The file was built by an older schema."""


def connect(
    path: Path | None = None, read_only: bool = False, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writable connection also makes sure schema and reference data are current."""
    path = Path(path) if path else config.warehouse_path()
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        str(path),
        config={"memory_limit": memory_limit or config.settings().loader_memory, "preserve_insertion_order": True},
    )
    ensure_schema(con)
    return con


def schema_sql() -> str:
    """schema.sql with what it takes from the code filled in: the visitation lines' measure columns and
    the view that reads them one row per measure, and the name of the first classification era."""
    return SCHEMA_SQL.read_text(encoding="utf-8").format(
        measure_columns=visitation_lines.schema_columns_sql(),
        fact_visitation=visitation_lines.by_measure_view_sql(),
        first_era=quote(FIRST_ERA),
    )


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create table if not exists meta (key varchar primary key, value varchar)")
    version = reference_version()
    current = con.execute("select value from meta where key = 'reference_version'").fetchall()
    if current and current[0][0] == version:
        return
    # Reference tables hold no facts, so a new version of them (or of their columns) is a rebuild.
    tables = reference_tables()
    try:
        with transaction(con):
            for name in _REFERENCE_TABLES:
                con.execute(f"drop table if exists {name}")
            _set_aside_visitation_by_measure(con)
            _ensure_code_types(con, tables)
            _upgrade_load_log(con)
            _add_columns(con)
            con.execute(schema_sql())
            _move_visitation_to_lines(con)
            _insert_reference(con, version, tables)
    except (duckdb.BinderException, duckdb.CatalogException, duckdb.ConversionException) as exc:
        # Fact tables are never rewritten behind the user's back: an older layout needs a rebuild.
        path = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchall()
        raise WarehouseOutdated(
            f"Lageret {path[0][0]} er bygget med en ældre version af skemaet. Gem egne udtræk, slet filen og start "
            f"igen (demo og offentliggjorte tal bygges på ny); indlæs derefter egne udtræk. ({exc})"
        ) from exc
    if con.execute(
        "select (select count(*) from agg_visitation) = 0 and exists (select 1 from fact_visitation)"
    ).fetchall()[0][0]:
        aggregates.reaggregate(con)  # a warehouse from before the aggregate existed


# The visitation facts keep their dimension codes as ENUMs (a byte each rather than a string): writing a
# national extract costs about a third less and the table is smaller. Type name -> (its column,
# the vocabulary it takes its values from); names and columns are this allow-list, never input.
CODE_TYPES = {
    "area_code_t": ("area_code", "area"),
    "benefit_t": ("benefit", "benefit"),
    "gender_t": ("gender", "gender"),
    "age_group_t": ("age_group", "age_group"),
    "origin_t": ("origin", "origin"),
    "category_t": ("category", "category"),
    "measure_t": ("measure", "measure"),
}


def code_type_values(tables: dict[str, pa.Table]) -> dict[str, list[str]]:
    """Each code type's values, from the reference tables."""
    cats = tables["categories"].to_pylist()
    out = {}
    for type_name, (_, dimension) in CODE_TYPES.items():
        if dimension == "area":
            out[type_name] = tables["areas"].column("area_code").to_pylist()
        else:
            out[type_name] = [c["code"] for c in cats if c["dimension"] == dimension]
    return out


# Where visitation codes are stored: the lines, and (only during an upgrade) an older warehouse's
# one-row-per-measure table, set aside under this name until its facts are moved to the lines.
_VISITATION_TABLES = ("visitation_lines", "visitation_by_measure_old")


def _base_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main' and not temporary"
        ).fetchall()
    }


def _ensure_code_types(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> None:
    """Create the code types, or rebuild one whose values the reference data changed (inside a transaction).

    A type in use cannot be altered, so its columns go to text and back; a code still in use that the
    new reference data dropped makes that fail (ConversionException), and the warehouse is reported outdated.
    """
    present = _base_tables(con)
    columns = {
        table: dict(
            con.execute(
                "select column_name, data_type from duckdb_columns() where table_name = ? and schema_name = 'main'",
                [table],
            ).fetchall()
        )
        for table in _VISITATION_TABLES
        if table in present
    }
    for type_name, values in code_type_values(tables).items():
        column = CODE_TYPES[type_name][0]
        users = [table for table, types in columns.items() if column in types]
        exists = con.execute(
            "select count(*) from duckdb_types() where type_name = ? and schema_name = 'main'", [type_name]
        ).fetchall()[0][0]
        current = con.execute(f"select enum_range(null::{type_name})").fetchall()[0][0] if exists else None
        if current == values and all(columns[t][column].startswith("ENUM") for t in users):
            continue
        for table in users:
            con.execute(f"alter table {table} alter column {column} type varchar")
        # The fact_visitation view names measure_t: it goes with the type and schema.sql makes it again.
        con.execute("drop view if exists fact_visitation")
        con.execute(f"drop type if exists {type_name}")
        con.execute(f"create type {type_name} as enum (select unnest(?::varchar[]))", [values])
        for table in users:
            con.execute(f"alter table {table} alter column {column} type {type_name}")


def _set_aside_visitation_by_measure(con: duckdb.DuckDBPyConnection) -> None:
    """An older warehouse's fact_visitation table (one row per measure) makes way for the view of that name."""
    if "fact_visitation" in _base_tables(con):
        con.execute("alter table fact_visitation rename to visitation_by_measure_old")


def _move_visitation_to_lines(con: duckdb.DuckDBPyConnection) -> None:
    """The set-aside facts, loads and replacements as they were, into the lines (after schema.sql)."""
    if "visitation_by_measure_old" in _base_tables(con):
        con.execute(visitation_lines.from_rows_per_measure_sql("visitation_by_measure_old"))
        con.execute("drop table visitation_by_measure_old")


# Columns added to tables after a warehouse may have been built with them: (table, column, type), this list's own.
_ADDED_COLUMNS = (
    ("fact_benchmark", "difference_pct", "double"),
    ("refresh_runs", "update_latest", "date"),
    ("refresh_runs", "update_next", "date"),
    ("refresh_runs", "period_last", "varchar"),
)


def _add_columns(con: duckdb.DuckDBPyConnection) -> None:
    """An existing table gets the columns added since it was made (inside a transaction): every one is empty
    (NULL) for the rows already there, and last, where schema.sql places it too. A visitation measure added to
    the kinds gets its value and replaced_by columns the same way (its bit is the next free one)."""
    present = _base_tables(con)
    measures = [(visitation_lines.TABLE, m, "double") for m in visitation_lines.MEASURE_BITS]
    measures += [(visitation_lines.TABLE, f"{m}_replaced_by", "integer") for m in visitation_lines.MEASURE_BITS]
    for table, column, type_ in (*_ADDED_COLUMNS, *sorted(measures, key=_measure_order)):
        if table in present:
            con.execute(f"alter table {table} add column if not exists {column} {type_}")


def _measure_order(added: tuple[str, str, str]) -> tuple[int, int]:
    """Each measure's value column, then its replaced_by, in bit order (as schema.sql has them)."""
    column = added[1]
    measure = column.removesuffix("_replaced_by")
    return list(visitation_lines.MEASURE_BITS).index(measure), column != measure


def _upgrade_load_log(con: duckdb.DuckDBPyConnection) -> None:
    """Loads logged with a bare SHA-256 hex digest get the ``algorithm:hex`` form (inside a transaction)."""
    columns = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where table_name = 'load_log' and schema_name = 'main'"
        ).fetchall()
    }
    if "sha256" in columns and "file_digest" not in columns:
        con.execute("alter table load_log rename column sha256 to file_digest")
        con.execute("update load_log set file_digest = 'sha256:' || file_digest")
    if columns and "api_version" not in columns:  # loads from before API v3 have none
        con.execute("alter table load_log add column api_version varchar")


def _reference_files() -> list[Path]:
    return sorted(config.REFERENCE_DIR.glob("*.csv"))


def reference_version() -> str:
    """A digest of the reference data and the schema: a warehouse built from other ones is rebuilt on open."""
    digest = hashlib.sha256()
    for f in _reference_files():
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    digest.update(SCHEMA_SQL.name.encode())
    digest.update(schema_sql().encode("utf-8"))
    return digest.hexdigest()[:16]


# Reference tables are replaced wholesale; the names are fixed here, never taken from input.
_REFERENCE_TABLES = (
    "areas",
    "area_aliases",
    "categories",
    "category_aliases",
    "guidance_areas",
    "guidance",
    "investment_lines",
    "series_breaks",
)


def _insert_reference(
    con: duckdb.DuckDBPyConnection, version: str | None = None, tables: dict[str, pa.Table] | None = None
) -> None:
    """Replace the reference tables' rows; the caller holds the transaction."""
    tables = tables or reference_tables()
    for name in _REFERENCE_TABLES:
        with arrow_view(con, "ref_arrow", tables[name]):
            con.execute(f"delete from {name}")
            con.execute(f"insert into {name} by name select * from ref_arrow")
    con.execute("insert or replace into meta values ('reference_version', ?)", [version or reference_version()])


def vocabulary(con: duckdb.DuckDBPyConnection, dimension: str) -> dict[str, str]:
    """alias -> code for one dimension ('area' for areas)."""
    if dimension == "area":
        return dict(con.execute("select alias, area_code from area_aliases").fetchall())
    return dict(con.execute("select alias, code from category_aliases where dimension = ?", [dimension]).fetchall())


# Dimensions whose codes and labels have a table of their own: (table, code, label); every other
# dimension is in categories.
_OWN_TABLES = {
    "area": ("areas", "area_code", "area_name"),
    "guidance_area": ("guidance_areas", "guidance_area", "label"),
    "investment_line": ("investment_lines", "line", "label"),
}


def _labels_sql(dimension: str) -> tuple[str, list]:
    """SQL selecting (code, label) of a dimension in its order, and its parameters."""
    if dimension in _OWN_TABLES:
        table, code, label = _OWN_TABLES[dimension]
        return f"select {code}, {label} from {table} order by sort_order", []
    return "select code, label from categories where dimension = ? order by sort_order", [dimension]


def vocabulary_labels(con: duckdb.DuckDBPyConnection, dimension: str) -> list[str]:
    """The labels users may write for a dimension, for error messages."""
    return [label for _, label in con.execute(*_labels_sql(dimension)).fetchall()]


def code_labels(con: duckdb.DuckDBPyConnection, dimension: str) -> dict[str, str]:
    """code -> label of a dimension ('area' for areas), to name codes as users know them."""
    return dict(con.execute(*_labels_sql(dimension)).fetchall())


def population_of_denmark(con: duckdb.DuckDBPyConnection) -> int:
    """'Hele landet' in the reference data (the municipalities' populations summed): no count can be larger."""
    return con.execute("select population from areas where area_code = ?", [NATIONAL_CODE]).fetchall()[0][0]


def total_parts(con: duckdb.DuckDBPyConnection, kind, columns) -> dict[str, list[str]]:
    """Dimension column of ``kind`` -> the codes that are disjoint parts of its total (i_alt): not totals
    themselves and at the top of their hierarchy (no parent, or their own, as age bands are); subgroups
    would count twice."""
    return {
        column: [
            r[0]
            for r in con.execute(
                "select code from categories where dimension = ? and not is_total "
                "and (parent is null or parent = code) order by sort_order",
                [kind.column(column).dimension],
            ).fetchall()
        ]
        for column in columns
    }
