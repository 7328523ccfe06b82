"""How visitation facts are stored: one row per extract line, one column per measure (``visitation_lines``).

Everything reads them one row per measure through the ``fact_visitation`` view, like every other
fact table. Writing them is what differs: a line carries the measures its file had (a bit each in
``measures``), and each measure is replaced, and brought back by an undo, on its own
(``<measure>_replaced_by``), exactly as rows of one measure each would be. This module writes that
SQL; the measure names in it come from the kinds allow-list (``VISITATION_MEASURES``), never input.
"""

from __future__ import annotations

import duckdb

from pipelines.kinds import VISITATION, VISITATION_MEASURES

TABLE = "visitation_lines"
# The bit each measure has in ``measures``: the order of VISITATION_MEASURES (schema.sql takes the columns
# and bits from schema_columns_sql and by_measure_view_sql).
MEASURE_BITS = {measure: 1 << i for i, measure in enumerate(VISITATION_MEASURES)}
# A line's identity within its load: the visitation keys but the measure.
LINE_KEYS = tuple(k for k in VISITATION.keys if k != "measure")
# Lines of two loads compete when they share these (the replace scope but the measure).
SCOPE = tuple(k for k in VISITATION.replace_scope if k != "measure")


def schema_columns_sql() -> str:
    """schema.sql's measure columns of the lines: each measure's value and its replaced_by, in bit order."""
    return ",\n    ".join(f"{m} double,\n    {m}_replaced_by integer" for m in MEASURE_BITS)


def by_measure_view_sql() -> str:
    """schema.sql's fact_visitation view: the lines one row per carried measure, as every other fact table has
    its facts (load_id, replaced_by, LINE_KEYS, measure, value, suppressed)."""
    keys = ", ".join(LINE_KEYS)
    return "\nunion all\n".join(
        f"select load_id, {m}_replaced_by as replaced_by, {keys}, '{m}'::measure_t as measure, {m} as value, "
        f"{m} is null as suppressed\nfrom {TABLE} where measures & {bit} <> 0"
        for m, bit in MEASURE_BITS.items()
    )


def mask(measures) -> int:
    """The ``measures`` bits of a line that carries these measures."""
    out = 0
    for m in measures:
        out |= MEASURE_BITS[m]
    return out


def current_mask_sql(alias: str) -> str:
    """SQL: the bits of the measures that are still current in line ``alias``."""
    parts = " | ".join(
        f"(case when {alias}.{m}_replaced_by is null then {bit} else 0 end)" for m, bit in MEASURE_BITS.items()
    )
    return f"({alias}.measures & ({parts}))"


def replaced_preview_sql(scope: str, demo_loads: str) -> str:
    """SQL: per area, what a load carrying ``scope`` would replace: (area_code, first period, last period,
    facts). ``scope`` is a temp table (area_code, period, benefit, measures) as for kept_sql; the current
    measures of other lines there that the scope carries are replaced, and every current measure of a
    ``demo_loads`` line in its areas and periods (the demo never stays beside real figures). Names are the
    caller's own; this reads the lines once, where the one-row-per-measure view would unpivot them all.
    The lines of load ``$new_load`` (bound by the caller; NULL for none) are not counted: a load's own review
    runs after its lines are in."""
    on = " and ".join(f"f.{k} = s.{k}" for k in SCOPE)
    current = current_mask_sql("f")
    return (
        f"with s as (select {', '.join(SCOPE)}, bit_or(measures) as measures from {scope} group by all), "
        f"ap as (select distinct area_code, period from s), "
        f"hit as (select f.area_code, f.period, (coalesce(s.measures, 0) & {current}) | "
        f"(case when f.load_id in (select load_id from {demo_loads}) then {current} else 0 end) as bits "
        f"from {TABLE} f semi join ap on f.area_code = ap.area_code and f.period = ap.period "
        f"left join s on {on} where f.load_id is distinct from $new_load) "
        f"select area_code::varchar as area_code, min(period), max(period), sum(bit_count(bits))::bigint "
        f"from hit where bits <> 0 group by all"
    )


def insert_typed(con: duckdb.DuckDBPyConnection, load_id: int) -> None:
    """Insert the staged path's ``typed`` rows (one per measure) as lines, and fill ``load_scope``."""
    values = ", ".join(f"max(value) filter (where measure = '{m}'), null" for m in MEASURE_BITS)
    keys = ", ".join(LINE_KEYS)
    con.execute(
        f"insert into {TABLE} select ?, {keys}, {mask_of_rows_sql('measure')}, {values} from typed group by {keys}",
        [load_id],
    )
    register_scope(con, load_id)


def mask_of_rows_sql(measure: str) -> str:
    """SQL aggregate: the ``measures`` bits of the one-row-per-measure rows grouped into a line."""
    bits = " ".join(f"when '{m}' then {bit}" for m, bit in MEASURE_BITS.items())
    return f"bit_or(case {measure} {bits} end)::utinyint"


def mark_replaced_sql(by: str, replaced: str = "is null") -> str:
    """SQL SET clause for an update of lines ``f``: every measure the line carries whose replaced_by
    matches ``replaced`` (default: still current) becomes replaced by ``by`` (a bound parameter or a
    column of the caller's join). Both come from the caller's code."""
    return ", ".join(
        f"{m}_replaced_by = case when f.{m}_replaced_by {replaced} and f.measures & {bit} <> 0 "
        f"then {by} else f.{m}_replaced_by end"
        for m, bit in MEASURE_BITS.items()
    )


def kept_sql(scope: str, skip_loads: str | None = None) -> str:
    """SQL: the measures that stay from other loads where a load carrying ``scope``'s measures lands:
    (area_code, measure, first period, last period, load_id), one row per area, measure and load.

    ``scope`` is a temp table (area_code, period, benefit, measures) such as ``load_scope``; a current
    measure of another line in it that the scope does not carry is kept beside the new figures.
    ``skip_loads``: a temp table of load ids whose lines the load will set aside (not kept).
    """
    on = " and ".join(f"f.{k} = t.{k}" for k in SCOPE)
    skip = f"and f.load_id not in (select load_id from {skip_loads})" if skip_loads else ""
    per_measure = " union all ".join(
        f"select area_code::varchar as area_code, '{m}' as measure, min(period) as first, max(period) as last, "
        f"load_id from kept where bits & {bit} <> 0 group by all"
        for m, bit in MEASURE_BITS.items()
    )
    return (
        f"with kept as (select f.area_code, f.period, f.load_id, {current_mask_sql('f')} & ~t.measures as bits "
        f"from {TABLE} f join {scope} t on {on} where {current_mask_sql('f')} & ~t.measures <> 0 {skip}) "
        f"{per_measure}"
    )


def by_measure_sql(measures, where: str, table: str = TABLE) -> str:
    """SQL: the lines that ``where`` picks, one row per carried measure of ``measures`` (LINE_KEYS, measure,
    value, line, raw), as the totals rule reads them (rules.totals_below_parts_sql). ``where`` may use
    ``{m}`` for the measure; it comes from the caller's own code, as do the measure names."""
    keys = ", ".join(LINE_KEYS)
    return (
        "("
        + " union all ".join(
            f"select {keys}, '{m}' as measure, {m} as value, null::bigint as line, null::varchar as raw from {table} "
            f"where measures & {MEASURE_BITS[m]} <> 0 and {where.format(m=m)}"
            for m in measures
        )
        + ")"
    )


def long_rows(con: duckdb.DuckDBPyConnection, load_id: int) -> int:
    """How many facts (one per line and measure) a load holds."""
    return con.execute(
        f"select coalesce(sum(bit_count(measures)), 0)::bigint from {TABLE} where load_id = ?", [load_id]
    ).fetchall()[0][0]


def register_scope(con: duckdb.DuckDBPyConnection, load_id: int) -> None:
    """Temp table ``load_scope``: the load's (area, period, benefit) with the measures it carries there."""
    con.execute(
        f"create or replace temp table load_scope as select {', '.join(SCOPE)}, "
        f"bit_or(measures) as measures from {TABLE} where load_id = ? group by all",
        [load_id],
    )


def replace(con: duckdb.DuckDBPyConnection, load_id: int) -> int:
    """Mark the current measures of other loads' lines in ``load_scope`` as replaced by ``load_id``.

    Returns how many facts (line and measure) that replaced. Inside the load's transaction.
    """
    sets = ", ".join(
        f"{m}_replaced_by = case when f.{m}_replaced_by is null and f.measures & t.measures & {bit} <> 0 "
        f"then $load else f.{m}_replaced_by end"
        for m, bit in MEASURE_BITS.items()
    )
    on = " and ".join(f"f.{k} = t.{k}" for k in SCOPE)
    con.execute(
        f"update {TABLE} f set {sets} from load_scope t "
        f"where f.load_id <> $load and {on} and {current_mask_sql('f')} & t.measures <> 0",
        {"load": load_id},
    )
    replaced = " + ".join(f"coalesce({m}_replaced_by = $load, false)::int" for m in MEASURE_BITS)
    either = " or ".join(f"{m}_replaced_by = $load" for m in MEASURE_BITS)
    return con.execute(
        f"select coalesce(sum({replaced}), 0)::bigint from {TABLE} where {either}", {"load": load_id}
    ).fetchall()[0][0]


def undo(con: duckdb.DuckDBPyConnection, load_id: int) -> int:
    """Bring back what ``load_id`` replaced and delete its lines; returns the facts removed. In a transaction.

    A measure the load replaced goes back to current, unless a later load had replaced this load's
    own line of that measure too: then it stays replaced, now by that later load.
    """
    on = " and ".join(f"g.{k} = f.{k}" for k in SCOPE)
    for m, bit in MEASURE_BITS.items():
        con.execute(
            f"update {TABLE} f set {m}_replaced_by = (select max(g.{m}_replaced_by) from {TABLE} g "
            f"where g.load_id = $load and g.measures & {bit} <> 0 and {on}) where f.{m}_replaced_by = $load",
            {"load": load_id},
        )
    removed = long_rows(con, load_id)
    con.execute(f"delete from {TABLE} where load_id = ?", [load_id])
    return removed


def from_rows_per_measure_sql(source: str) -> str:
    """Insert into the lines the facts of an older warehouse's one-row-per-measure table ``source``.

    ``source`` is the upgrade's own table name, never input.
    """
    values = ", ".join(
        f"max(value) filter (where measure = '{m}'), max(replaced_by) filter (where measure = '{m}')"
        for m in MEASURE_BITS
    )
    keys = ", ".join(("load_id",) + LINE_KEYS)
    return (
        f"insert into {TABLE} select {keys}, {mask_of_rows_sql('measure::varchar')}, {values} "
        f"from {source} group by {keys}"
    )


def current_by_measure_sql(bands: str, scope: str) -> str:
    """SQL: the current facts of the lines in ``scope`` (area, period) summed by area, period, category,
    age band number (``bands``: age_group -> band) and load, one row per measure with a current value.

    One pass over the lines, a sum per measure column, and only then one row per measure: half the
    rows a one-row-per-measure table would group. ``bands`` and ``scope`` are the caller's CTE and
    temp table names.
    """
    sums = ", ".join(
        f"sum(f.{m}) filter (where f.measures & {bit} <> 0 and f.{m}_replaced_by is null) as {m}, "
        f"bool_or(f.{m} is null) filter (where f.measures & {bit} <> 0 and f.{m}_replaced_by is null) as {m}_suppressed"
        for m, bit in MEASURE_BITS.items()
    )
    base = (
        f"select f.area_code, f.period, f.category, b.band, f.load_id, {sums} "
        f"from {TABLE} f join {bands} b on b.age_group = f.age_group "
        f"semi join {scope} s on f.area_code = s.area_code and f.period = s.period "
        f"where {current_mask_sql('f')} <> 0 group by all"
    )
    # A measure with no current line in a group has no suppressed flag (bool_or of nothing): no row.
    per_measure = " union all ".join(
        f"select area_code, period, category, band, load_id, '{m}' as measure, {m} as value, "
        f"{m}_suppressed as suppressed from by_line where {m}_suppressed is not null"
        for m in MEASURE_BITS
    )
    return f"with by_line as ({base}) {per_measure}"
