"""How a kind's facts are written, replaced, set aside for real figures, undone, and read as current.

Each kind names its store (``Kind.store``): one row per fact with its own ``replaced_by`` (``RowPerFact``),
or, for visitation, one row per extract line with a column per measure (``LinePerExtractLine``, whose SQL
is pipelines/visitation_lines.py). Everything that differs between the two is a method here; the loader,
undo and the integrity check call the methods and never ask which store a kind has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import duckdb

from pipelines import config, visitation_lines
from pipelines.kinds import LINE_PER_EXTRACT_LINE, VISITATION_MEASURES, Kind
from pipelines.rules import AREA, COUNT, TOTAL_MEASURES, VALUE_ROLES


class FactStore(Protocol):
    """How a kind's facts are written, replaced and undone (inside the caller's transaction), and read."""

    table: str  # the table the facts are written to

    def insert_typed(self, con: duckdb.DuckDBPyConnection, load_id: int) -> None:
        """Insert the staged route's ``typed`` rows under ``load_id`` and fill ``load_scope``."""

    def register_scope(self, con: duckdb.DuckDBPyConnection, load_id: int) -> None:
        """Temp table ``load_scope`` of the facts ``load_id`` holds (a pending load being confirmed)."""

    def replace(self, con: duckdb.DuckDBPyConnection, load_id: int) -> int:
        """Mark other loads' current facts in ``load_scope`` replaced by ``load_id``; how many."""

    def undo(self, con: duckdb.DuckDBPyConnection, load_id: int) -> int:
        """Bring back what ``load_id`` replaced and delete its facts; how many were deleted."""

    def current_sql(self, alias: str) -> str:
        """SQL: row ``alias`` of ``table`` holds a current fact."""

    def mark_replaced_sql(self, by: str, replaced: str = "is null") -> str:
        """SQL SET clause for an update of rows ``f``: the facts whose replaced_by matches ``replaced`` become
        replaced by ``by`` (a bound parameter or a column of the caller's join)."""

    def typed_scope(self, con: duckdb.DuckDBPyConnection) -> str:
        """The temp table of what the staged route's ``typed`` rows would replace, as ``replace_preview`` and
        ``kept`` read it."""

    def replace_preview(
        self, con: duckdb.DuckDBPyConnection, scope: str, new_load: int | None = None
    ) -> list[tuple[str, str, str, int]]:
        """Per area (its name): first and last period and how many current facts a load of ``scope`` would
        replace: its scope's, and the demo's in its areas and periods (temp table demo_loads). ``new_load``:
        a load whose own rows are in already (its review inside its transaction), not counted."""

    def kept(self, con: duckdb.DuckDBPyConnection, scope: str, skip_loads: str | None = None) -> list[str]:
        """What stays from earlier loads beside a load of ``scope``, in Danish, one line each."""

    def current_values(self) -> tuple[str, list[tuple[str, str, str]]]:
        """(source over current facts, [(number column, Danish name, role)]), for the integrity check."""

    def totals_source(self) -> tuple[str, str, str, tuple[str, ...]]:
        """(table, SQL condition for its current rows, the current totals' figures as totals_below_parts_sql
        reads them, their key columns), for the integrity check."""


def _scope_join(kind: Kind, left: str, right: str) -> str:
    return " and ".join(f"{left}.{k} = {right}.{k}" for k in kind.replace_scope)


@dataclass(frozen=True)
class RowPerFact:
    """Every kind but visitation: one row per fact in ``kind.table``, each with its own replaced_by."""

    kind: Kind

    @property
    def table(self) -> str:
        return self.kind.table

    def insert_typed(self, con, load_id: int) -> None:
        cols = self._columns()
        con.execute(
            f"insert into {self.table} (load_id, replaced_by, {', '.join(c for c, _ in cols)}) "
            f"select ?, null, {', '.join(e for _, e in cols)} from typed",
            [load_id],
        )
        con.execute(
            f"create or replace temp table load_scope as select distinct "
            f"{', '.join(self.kind.replace_scope)} from typed"
        )

    def _columns(self) -> list[tuple[str, str]]:
        """(fact column, expression over typed) for the insert."""
        out: list[tuple[str, str]] = [("area_code", "area_code")]
        values = []
        for col in self.kind.columns:
            if col.role == AREA:
                continue  # its code, above
            if col.role in VALUE_ROLES:
                cast = "bigint" if col.role == COUNT else "double"
                out.append((col.name, f"cast({col.name} as {cast})"))
                values.append(col.name)
            else:
                out.append((col.name, col.name))
        out.append(("suppressed", "(" + " or ".join(f"{v}_marker" for v in values) + ")"))
        return out

    def register_scope(self, con, load_id: int) -> None:
        con.execute(
            f"create or replace temp table load_scope as select distinct {', '.join(self.kind.replace_scope)} "
            f"from {self.table} where load_id = ?",
            [load_id],
        )

    def replace(self, con, load_id: int) -> int:
        con.execute(
            f"update {self.table} f set replaced_by = ? from load_scope t "
            f"where f.replaced_by is null and f.load_id <> ? and {_scope_join(self.kind, 'f', 't')}",
            [load_id, load_id],
        )
        # Every row replaced by this load: its scope's, and the demo rows it set aside (keep_demo_apart).
        return con.execute(f"select count(*) from {self.table} where replaced_by = ?", [load_id]).fetchall()[0][0]

    def undo(self, con, load_id: int) -> int:
        # Rows this load replaced come back, unless a later load had replaced this load's rows too.
        scope_eq = " and ".join(f"g.{k} = f.{k}" for k in self.kind.replace_scope)
        con.execute(
            f"update {self.table} f set replaced_by = (select max(g.replaced_by) from {self.table} g "
            f"where g.load_id = ? and {scope_eq}) where f.replaced_by = ?",
            [load_id, load_id],
        )
        return con.execute(f"delete from {self.table} where load_id = ?", [load_id]).fetchall()[0][0]

    def current_sql(self, alias: str) -> str:
        return f"{alias}.replaced_by is null"

    def mark_replaced_sql(self, by: str, replaced: str = "is null") -> str:
        return f"replaced_by = case when f.replaced_by {replaced} then {by} else f.replaced_by end"

    def typed_scope(self, con) -> str:
        return "typed"

    def replace_preview(self, con, scope: str, new_load: int | None = None) -> list[tuple[str, str, str, int]]:
        columns = ", ".join(self.kind.replace_scope)
        return con.execute(
            f"select a.area_name, min(f.period), max(f.period), count(*) from {self.table} f "
            f"join areas a on a.area_code = f.area_code "
            f"where f.replaced_by is null and f.load_id is distinct from $new_load "
            f"and (exists (select 1 from (select distinct {columns} from {scope}) t "
            f"where {_scope_join(self.kind, 'f', 't')}) or (f.load_id in (select load_id from demo_loads) "
            f"and exists (select 1 from (select distinct area_code, period from {scope}) t "
            f"where t.area_code = f.area_code and t.period = f.period))) "
            f"group by a.area_name order by 1",
            {"new_load": new_load},
        ).fetchall()

    def kept(self, con, scope: str, skip_loads: str | None = None) -> list[str]:
        return []  # a load replaces every value column of the rows in its scope

    def current_values(self) -> tuple[str, list[tuple[str, str, str]]]:
        return (
            f"(select * from {self.table} where replaced_by is null)",
            [(c.name, c.label, c.role) for c in self.kind.value_columns],
        )

    def totals_source(self) -> tuple[str, str, str, tuple[str, ...]]:
        keys = ", ".join(self.kind.keys)
        source = " union all ".join(
            f"select {keys}, '{c.name}' as measure, {c.name}::double as value, null::bigint as line, "
            f"null::varchar as raw from {self.table} where replaced_by is null"
            for c in self.kind.value_columns
            if c.name in TOTAL_MEASURES
        )
        return self.table, "replaced_by is null", f"({source})", self.kind.keys


class LinePerExtractLine:
    """Visitation: one row per extract line with a column per measure, each replaced on its own."""

    table = visitation_lines.TABLE

    def insert_typed(self, con, load_id: int) -> None:
        visitation_lines.insert_typed(con, load_id)

    def register_scope(self, con, load_id: int) -> None:
        visitation_lines.register_scope(con, load_id)

    def replace(self, con, load_id: int) -> int:
        return visitation_lines.replace(con, load_id)

    def undo(self, con, load_id: int) -> int:
        return visitation_lines.undo(con, load_id)

    def current_sql(self, alias: str) -> str:
        return visitation_lines.current_mask_sql(alias) + " <> 0"

    def mark_replaced_sql(self, by: str, replaced: str = "is null") -> str:
        return visitation_lines.mark_replaced_sql(by, replaced)

    def typed_scope(self, con) -> str:
        con.execute(
            f"create or replace temp table typed_scope as select area_code, period, benefit, "
            f"{visitation_lines.mask_of_rows_sql('measure')} as measures from typed group by all"
        )
        return "typed_scope"

    def replace_preview(self, con, scope: str, new_load: int | None = None) -> list[tuple[str, str, str, int]]:
        return con.execute(
            f"select a.area_name, r.* exclude (area_code) from "
            f"({visitation_lines.replaced_preview_sql(scope, 'demo_loads')}) r "
            f"join areas a using (area_code) order by a.area_name",
            {"new_load": new_load},
        ).fetchall()

    def kept(self, con, scope: str, skip_loads: str | None = None) -> list[str]:
        """Where a load carries only some measures, the others stay from earlier loads: say which, from which
        load, so figures of different loads side by side (persons now, full-time persons from an older load)
        are never a surprise. ``scope`` and ``skip_loads`` as visitation_lines.kept_sql."""
        rows = con.execute(
            f"select c.label, a.area_name, k.first, k.last, k.load_id, l.file_name "
            f"from ({visitation_lines.kept_sql(scope, skip_loads)}) k join areas a on a.area_code = k.area_code "
            f"join categories c on c.dimension = 'measure' and c.code = k.measure "
            f"join load_log l on l.load_id = k.load_id order by a.sort_order, c.sort_order, k.load_id"
        ).fetchall()
        return [
            f"{label} for {area} {first if first == last else f'{first}–{last}'} bliver stående fra "
            f"indlæsning {load_id} ({file_name})"
            for label, area, first, last, load_id, file_name in rows
        ]

    def current_values(self) -> tuple[str, list[tuple[str, str, str]]]:
        # A column per measure, each current on its own: a measure's value is NULL in the source where that
        # measure is not current, so the rules (NULL breaks none) skip it.
        table = visitation_lines.TABLE
        values = ", ".join(
            f"case when measures & {bit} <> 0 and {m}_replaced_by is null then {m} end as {m}"
            for m, bit in visitation_lines.MEASURE_BITS.items()
        )
        source = (
            f"(select load_id, area_code::varchar as area_code, period, {values} "
            f"from {table} where {visitation_lines.current_mask_sql(table)} <> 0)"
        )
        return source, [(m, f"Måling {m}", role) for m, (role, _) in VISITATION_MEASURES.items()]

    def totals_source(self) -> tuple[str, str, str, tuple[str, ...]]:
        current = " or ".join(f"{m}_replaced_by is null" for m in TOTAL_MEASURES)
        return (
            self.table,
            current,
            visitation_lines.by_measure_sql(TOTAL_MEASURES, "{m}_replaced_by is null"),
            visitation_lines.LINE_KEYS,
        )


def store(kind: Kind) -> FactStore:
    return LinePerExtractLine() if kind.store == LINE_PER_EXTRACT_LINE else RowPerFact(kind)


# --- the synthetic demo beside real figures ---------------------------------------------------------


def register_demo_loads(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table demo_loads: the current loads of the synthetic demo, which a real load sets aside."""
    con.execute(
        "create or replace temp table demo_loads as select load_id from load_log "
        "where status = 'loaded' and source = ?",
        [config.DEMO_SOURCE],
    )


def keep_demo_apart(con: duckdb.DuckDBPyConnection, kind: Kind, load_id: int, demo: bool) -> None:
    """The synthetic demo never stands beside real figures of the same kind, area and period.

    A real load sets aside every current demo row in its areas and periods (all measures, benefits and
    categories, not only its own replace scope). A demo load gives way where real figures are current:
    its rows there are replaced by the real load from the start, and those areas and periods leave
    ``load_scope``, so it replaces nothing there. Either way an undo of the real load brings the demo
    rows back, as it brings back anything it replaced (and ``demo_apart_after_undo`` sets them aside
    again where other real figures remain).
    """
    facts = store(kind)
    table, current, mark = facts.table, facts.current_sql("f"), facts.mark_replaced_sql
    demo_loads, real_loads = _sides(con, kind)
    if not (real_loads if demo else demo_loads):
        return  # the usual case: nothing on the other side, nothing to scan
    pairs = "(select distinct area_code, period from load_scope) s"
    if not demo:
        con.execute(
            f"update {table} f set {mark('$load')} from {pairs} where f.area_code = s.area_code "
            f"and f.period = s.period and {current} and f.load_id in (select load_id from demo_loads)",
            {"load": load_id},
        )
        return
    if not _real_pairs(con, table, current, pairs, load_id):
        return
    con.execute(
        f"update {table} f set {mark('g.by_load')} from real_pairs g "
        f"where f.load_id = ? and f.area_code = g.area_code and f.period = g.period",
        [load_id],
    )
    # Earlier demo rows there, set aside by the real figures, are superseded by this load's: an undo of
    # the real load brings back this load's rows alone, an undo of this load hands them back to it.
    con.execute(
        f"update {table} f set {mark('$load', 'not in (select load_id from demo_loads)')} "
        f"from real_pairs g where f.load_id <> $load and f.load_id in (select load_id from demo_loads) "
        f"and f.area_code = g.area_code and f.period = g.period",
        {"load": load_id},
    )
    con.execute("delete from load_scope s using real_pairs g where s.area_code = g.area_code and s.period = g.period")


def demo_apart_after_undo(con: duckdb.DuckDBPyConnection, kind: Kind) -> None:
    """An undo brings back what its load replaced: demo rows it brought back where other real figures are
    still current (temp table undo_scope: area, period) are set aside again, by the latest real load there."""
    facts = store(kind)
    table, current = facts.table, facts.current_sql("f")
    if 0 in _sides(con, kind) or not _real_pairs(con, table, current, "(select * from undo_scope) s", None):
        return
    con.execute(
        f"update {table} f set {facts.mark_replaced_sql('g.by_load')} from real_pairs g "
        f"where f.load_id in (select load_id from demo_loads) and f.area_code = g.area_code "
        f"and f.period = g.period and {current}"
    )


def _sides(con, kind: Kind) -> tuple[int, int]:
    """Temp table demo_loads. How many current loads of this kind are the demo's, how many real."""
    register_demo_loads(con)
    return con.execute(
        "select count(*) filter (where load_id in (select load_id from demo_loads)), "
        "count(*) filter (where load_id not in (select load_id from demo_loads)) "
        "from load_log where status = 'loaded' and kind = ?",
        [kind.name],
    ).fetchall()[0]


def _real_pairs(con, table: str, current: str, pairs: str, load_id: int | None) -> int:
    """Temp table real_pairs (area_code, period, by_load): the areas and periods of ``pairs`` (a relation
    aliased s) where real figures, not this load's, are current, with the latest real load there."""
    con.execute(
        f"create or replace temp table real_pairs as select f.area_code, f.period, max(f.load_id) as by_load "
        f"from {table} f, {pairs} where f.area_code = s.area_code and f.period = s.period and {current} "
        "and f.load_id not in (select load_id from demo_loads) and f.load_id is distinct from ? group by all",
        [load_id],
    )
    return con.execute("select count(*) from real_pairs").fetchall()[0][0]
