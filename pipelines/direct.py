"""The direct path: a visitation CSV written as jobindsats writes it goes from the file into the
fact table in one streaming pass.

National visitation extracts are millions of rows, and staging them as text, typing them and then
copying them (the staged path) costs several times what reading the file does. When a
file is exactly in jobindsats' form (UTF-8, ``;`` and decimal comma, one column per measure, every
value spelt as in the reference data, periods in canonical form), the loader instead streams it from
DuckDB's CSV reader through small lookup tables straight into the visitation facts (one row per
line, ``visitation_lines``) and then checks every rule with two aggregate scans over the lines it
just inserted, inside the same transaction.

This path never rejects a file and never explains one. Anything it does not expect (an unknown
spelling, a malformed number, a broken line, a duplicate key, a count that cannot be true, a total
below its parts) rolls its transaction back, and the staged path (pipelines/staged.py) reads the file
again and either loads it or names every problem by row and column. So the direct path may only accept
what the staged path accepts, and load it exactly as the staged path would: both check the kinds' own
rules, and tests/test_direct_load.py compares the two.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from pipelines import danish, extract_warnings, readers, visitation_lines
from pipelines.errors import Problem
from pipelines.headers import detect_kind, header_map
from pipelines.kinds import VISITATION, VISITATION_MEASURES
from pipelines.rules import (
    AREA,
    COUNT,
    DIM,
    NOT_FINITE,
    PERIOD,
    THOUSANDS_DOT,
    TOTAL_CODE,
    TOTAL_MEASURES,
    count_form_rules,
    marker_sql,
    number_sql,
    totals_below_parts_sql,
    value_rules,
)
from pipelines.periods import Period, parse_period
from pipelines.sql import quote, temp_table_from_arrow
from pipelines.warehouse import CODE_TYPES, code_labels, population_of_denmark, total_parts, vocabulary

# Dimension column -> its ENUM type in the visitation facts (the area column is "area" in the kinds).
CODE_TYPE = {("area" if column == "area_code" else column): type_name for type_name, (column, _) in CODE_TYPES.items()}
# Raised inside DuckDB by error(): how a malformed value stops the streaming insert.
_NOT_DIRECT = "not for the direct path"


@dataclass(frozen=True)
class DirectPlan:
    path: Path
    layout: readers.CsvLayout
    dims: dict[str, int]  # canonical dimension column -> source column position
    defaults: dict[str, str]  # dimension column absent from the file -> the code every row gets
    measures: dict[str, int]  # measure -> source column position


@dataclass
class DirectCheck:
    """What the aggregate over the inserted rows found; ``ok`` False sends the file to the staged path."""

    ok: bool
    rows: int = 0
    suppressed: int = 0
    periods: dict[str, Period] | None = None
    category_periods: list[tuple[str, str, int]] | None = None  # category, period, rows


def plan(file: readers.FileLook, kind: str | None) -> DirectPlan | None:
    """A plan when the file has jobindsats' visitation form, else None (the staged path takes it)."""
    layout = file.csv
    if kind not in (None, VISITATION.name) or layout is None:
        return None
    if layout.encoding not in ("utf-8", "utf-8-sig") or layout.delimiter != ";":
        return None
    if kind is None and detect_kind(layout.headers) is not VISITATION:
        return None
    mapping = header_map(VISITATION, layout.headers)
    names = list(mapping.values())
    # Every column understood, none twice, and the wide form (measure columns, no Måling/Værdi).
    if len(mapping) != len(layout.headers) or len(set(names)) != len(names):
        return None
    if {"measure", "value"} & set(names) or "area" not in names or "period" not in names:
        return None
    dims = {n: pos for pos, n in mapping.items() if not n.startswith("measure:")}
    measures = {n.removeprefix("measure:"): pos for pos, n in mapping.items() if n.startswith("measure:")}
    if "category" not in dims or not measures:
        return None
    defaults = {
        c.name: c.default for c in VISITATION.columns if c.role == DIM and c.name not in dims and c.default is not None
    }
    if any(c.implied_by and c.name not in dims for c in VISITATION.columns):
        return None  # a benefit read from jobindsats IDs: rare, and the staged path knows how
    return DirectPlan(file.path, layout, dims, defaults, measures)


def register_maps(con: duckdb.DuckDBPyConnection, plan: DirectPlan) -> None:
    """Temp tables ``direct_map_<column>``: each spelling the reference data knows -> its code.

    Spellings are matched exactly (no lower-casing or trimming per row); every spelling maps to what
    the staged path's normalised lookup gives it, so both paths agree on every value they both take.
    """
    for col in VISITATION.columns:
        if col.name not in plan.dims or col.role not in (AREA, DIM):
            continue
        dimension = "area" if col.role == AREA else col.dimension
        lookup = vocabulary(con, dimension)
        if dimension == "area":
            spellings = con.execute(
                "select area_code, area_name, jobindsats_name, lpad(area_code, 4, '0') from areas"
            ).fetchall()
        else:
            spellings = con.execute("select code, label from categories where dimension = ?", [dimension]).fetchall()
        forms = sorted({s for row in spellings for s in row if s} | set(lookup))
        table = pa.table(
            {
                "raw": pa.array(forms, pa.string()),
                "code": pa.array([lookup.get(danish.normalise(f)) for f in forms], pa.string()),
            }
        )
        # Codes already of the fact table's ENUM type: no text to convert per row.
        temp_table_from_arrow(
            con,
            f"direct_map_{col.name}",
            table,
            f"select raw, code::{CODE_TYPE[col.name]} as code from {{arrow}} where code is not null",
        )


def _number_sql(col: str, role: str) -> str:
    """The staged path's parse of a decimal-comma number; anything it would not accept stops the insert."""
    refused = [THOUSANDS_DOT] + (list(count_form_rules("comma")) if role == COUNT else [])
    return (
        f"case when {marker_sql(col)} then null "
        + "".join(f"when {rule.sql(col)} then error('{_NOT_DIRECT}') " for rule in refused)
        + f"else coalesce({number_sql(col, 'comma')}, error('{_NOT_DIRECT}')) end"
    )


def insert_sql(plan: DirectPlan, table: str = visitation_lines.TABLE, pending: int | None = None) -> tuple[str, list]:
    """The streaming insert into ``table`` (bound: load id, file, delimiter, lines to skip, columns).

    Left joins keep a row whose spelling is unknown, so its NULL code trips the lines' NOT NULL
    constraint rather than silently vanishing. Identifiers come from the kinds allow-list and
    generated names (``c0 … cN``); the defaults are the kinds' own codes.
    """
    selects, joins = [], []
    for col in VISITATION.columns:
        if col.name in ("measure", "value"):
            continue
        if col.role == PERIOD:
            selects.append(f"s.c{plan.dims['period']} as period")
        elif col.name in plan.dims:
            target = "area_code" if col.role == AREA else col.name
            joins.append(f"left join direct_map_{col.name} m_{col.name} on m_{col.name}.raw = s.c{plan.dims[col.name]}")
            selects.append(f"m_{col.name}.code as {target}")
        elif col.role == DIM:
            selects.append(f"{quote(plan.defaults[col.name])} as {col.name}")
    selects += [f"{_number_sql(f's.c{pos}', VISITATION_MEASURES[m][0])} as {m}" for m, pos in plan.measures.items()]
    columns = ["load_id", *visitation_lines.LINE_KEYS, "measures", *plan.measures]
    # A pending load's lines come in marked replaced by minus its id (loader._hold), not marked after.
    marks = [f"{m}_replaced_by" for m in plan.measures] if pending else []
    sql = (
        f"insert into {table} ({', '.join(columns + marks)}) "
        f"select ?, {', '.join(visitation_lines.LINE_KEYS)}, {visitation_lines.mask(plan.measures)}, "
        f"{', '.join([*plan.measures, *(f'-{int(pending)}' for _ in marks)])} "
        f"from (select {', '.join(selects)} from {readers.CSV_SOURCE_SQL} s {' '.join(joins)})"
    )
    layout = plan.layout
    return sql, [str(plan.path), layout.delimiter, layout.header_index + 1, readers.csv_columns(len(layout.headers))]


def insert(
    con: duckdb.DuckDBPyConnection,
    plan: DirectPlan,
    load_id: int,
    table: str = visitation_lines.TABLE,
    pending: bool = False,
) -> int | None:
    """Stream the file into the visitation lines under ``load_id``; lines inserted, or None when a value
    stopped it.

    Call inside the load's transaction: a stopped insert leaves that transaction aborted, and the
    caller rolls it back.
    """
    sql, params = insert_sql(plan, table, load_id if pending else None)
    try:
        return con.execute(sql, [load_id, *params]).fetchall()[0][0]
    # NOT NULL: a spelling the reference data does not know; invalid input: error() above or a line
    # the CSV reader cannot split; conversion: a text where a number belongs.
    except (duckdb.ConstraintException, duckdb.InvalidInputException, duckdb.ConversionException):
        return None


@contextmanager
def streaming_settings(con: duckdb.DuckDBPyConnection):
    """The settings the streaming insert needs; wrap the whole transaction (an aborted one takes no SET)."""
    # Without sampling the file DuckDB guesses a few dozen rows for it and would build its hash tables
    # on the file rather than on the lookup tables: that takes gigabytes. Keep the joins as written.
    # Row order is meaningless in the facts, and keeping it costs a third of the time here.
    con.execute("set disabled_optimizers = 'join_order,build_side_probe_side'")
    con.execute("set preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute("reset disabled_optimizers")
        con.execute("set preserve_insertion_order = true")  # the staged path numbers rows by insertion order


def check(
    con: duckdb.DuckDBPyConnection, plan: DirectPlan, load_id: int, table: str = visitation_lines.TABLE
) -> DirectCheck:
    """The staged path's rules over the lines just inserted: values, totals, unique keys, canonical periods.

    The values are checked in one scan grouped by category and period, whose few groups also give the
    periods and the category-period pairs for the warnings; the value rules are the kinds' own
    (``value_rules``), as the staged path checks them. Uniqueness takes a second scan, totals against
    their parts one more per dimension the file has.
    """
    # Grouped by the ENUM code (text only for the few groups). The insert made exactly the NULL values
    # suppressed, and a NULL breaks no rule.
    measures = list(plan.measures)
    population = population_of_denmark(con)
    bad_sql = " or ".join(
        " or ".join([NOT_FINITE.sql(m)] + [r.sql(m) for r in value_rules(VISITATION_MEASURES[m][0], population)])
        for m in measures
    )
    suppressed = " + ".join(f"count(*) - count({m})" for m in measures)
    # Which dimensions hold both a total and other codes: only those can have a total below its parts.
    others = [c for c in VISITATION.totals if c in plan.dims and c != "category"]
    mixed = "".join(f", bool_or({c} = '{TOTAL_CODE}'), bool_or({c} <> '{TOTAL_CODE}')" for c in others)
    rows = con.execute(
        f"select category::varchar, period, count(*) as lines, coalesce(bool_or({bad_sql}), false), "
        f"{suppressed} as suppressed{mixed} from {table} where load_id = ? group by all",
        [load_id],
    ).fetchall()
    if not rows or any(r[3] for r in rows):  # no rows: the staged path says so
        return DirectCheck(False)
    with_totals = [
        c for i, c in enumerate(others) if any(r[5 + 2 * i] for r in rows) and any(r[6 + 2 * i] for r in rows)
    ]
    if "category" in plan.dims and {r[0] == TOTAL_CODE for r in rows} == {True, False}:
        with_totals.append("category")
    # Equal hashes are no proof of equal keys, but unequal counts only send the file to the staged
    # path, which compares the keys themselves.
    lines, distinct = con.execute(
        f"select count(*), count(distinct hash({', '.join(visitation_lines.LINE_KEYS)})) "
        f"from {table} where load_id = ?",
        [load_id],
    ).fetchall()[0]
    if lines != distinct or _totals_below_parts(con, plan, load_id, with_totals, table):
        return DirectCheck(False)
    periods: dict[str, Period] = {}
    for raw in {r[1] for r in rows}:
        parsed = parse_period(raw)
        if parsed is None or parsed.period != raw:
            return DirectCheck(False)  # the staged path writes periods in canonical form
        periods[raw] = parsed
    # Facts, as the staged path counts them: one per line and measure.
    per_line = len(measures)
    return DirectCheck(
        True,
        rows=lines * per_line,
        suppressed=sum(r[4] for r in rows),
        periods=periods,
        category_periods=[(r[0], r[1], r[2] * per_line) for r in rows],
    )


def warnings(con: duckdb.DuckDBPyConnection, name: str, found: DirectCheck) -> list[Problem]:
    """What the staged route would warn about, from this route's check: suppressed cells, future periods,
    categories outside their era (registers the file's periods as temp table typed_periods)."""
    extract_warnings.register_periods(con, found.periods)
    said = extract_warnings.suppressed(name, found.suppressed, None) + extract_warnings.future(name, found.periods)
    extract_warnings.register_category_periods(con, found.category_periods)
    return said + extract_warnings.category_eras(con, name)


# The direct route without the load: an upload's review reads the file into this temp table on the app's
# read-only snapshot, and checks it as a load would (the load itself validates the file again).
REVIEW_TABLE = "review_lines"


def review(con: duckdb.DuckDBPyConnection, plan: DirectPlan) -> DirectCheck:
    """The file's lines into temp table ``review_lines`` (load id 0) and the load's checks over them.

    A temp table carries no NOT NULL: a spelling the reference data does not know is looked for here.
    Call with ``register_maps`` done and inside ``streaming_settings``.
    """
    con.execute(f"create or replace temp table {REVIEW_TABLE} as select * from {visitation_lines.TABLE} limit 0")
    if insert(con, plan, 0, REVIEW_TABLE) is None:
        return DirectCheck(False)
    unknown = " or ".join(f"{k} is null" for k in visitation_lines.LINE_KEYS)
    if con.execute(f"select count(*) from {REVIEW_TABLE} where {unknown}").fetchall()[0][0]:
        return DirectCheck(False)
    return check(con, plan, 0, REVIEW_TABLE)


def review_areas(con: duckdb.DuckDBPyConnection, table: str = REVIEW_TABLE) -> list[str]:
    """The names of the areas the reviewed lines hold (or a load's ``load_scope``), in order."""
    if table not in (REVIEW_TABLE, "load_scope"):  # an identifier: from this list only
        raise ValueError(table)
    return [
        r[0]
        for r in con.execute(
            f"select a.area_name from areas a where a.area_code in (select distinct area_code::varchar "
            f"from {table}) order by 1"
        ).fetchall()
    ]


def review_scope(con: duckdb.DuckDBPyConnection) -> str:
    """Temp table ``review_scope`` of the reviewed lines, as a load of them would replace and keep (see
    visitation_lines.kept_sql); returns its name."""
    con.execute(
        f"create or replace temp table review_scope as select area_code, period, benefit, "
        f"bit_or(measures) as measures from {REVIEW_TABLE} group by all"
    )
    return "review_scope"


def register_load_scope(con: duckdb.DuckDBPyConnection, load_id: int) -> None:
    """Temp table ``load_scope`` of the lines this load inserted, which the load replaces."""
    visitation_lines.register_scope(con, load_id)


def preview(con: duckdb.DuckDBPyConnection, plan: DirectPlan, lines: int = 10) -> pl.DataFrame:
    """The file's first ``lines`` lines as written, under the kind's Danish column names and the measures'
    labels from the reference data, with the line a text editor shows ("Række")."""
    layout = plan.layout
    frame = con.sql(
        f"select * from {readers.CSV_SOURCE_SQL} limit {int(lines)}",
        params=[str(plan.path), layout.delimiter, layout.header_index + 1, readers.csv_columns(len(layout.headers))],
    ).pl()
    measure_labels = code_labels(con, "measure")
    labels = {f"c{pos}": VISITATION.column(name).label for name, pos in plan.dims.items()}
    labels.update({f"c{pos}": measure_labels.get(m, m) for m, pos in plan.measures.items()})
    first = layout.header_index + 2  # the header's line is header_index + 1
    in_file_order = sorted(labels, key=lambda c: int(c[1:]))
    return frame.select(
        pl.int_range(first, first + frame.height).alias("Række"), *[pl.col(c).alias(labels[c]) for c in in_file_order]
    )


def _totals_below_parts(
    con: duckdb.DuckDBPyConnection, plan: DirectPlan, load_id: int, columns: list[str], table: str
) -> bool:
    """Whether a total line of this load is below the sum of its parts in one of ``columns`` (the staged
    path then names it)."""
    measures = [m for m in plan.measures if m in TOTAL_MEASURES]
    if not columns or not measures:
        return False
    source = visitation_lines.by_measure_sql(measures, "load_id = $load_id", table)
    sql = totals_below_parts_sql(source, visitation_lines.LINE_KEYS, total_parts(con, VISITATION, columns))
    return con.execute(f"select count(*) from ({sql})", {"load_id": load_id}).fetchall()[0][0] > 0
