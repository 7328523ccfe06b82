"""The page aggregates: what the pages read instead of the facts, kept in step with them.

``agg_visitation`` is the monthly visitation summed over gender, origin and benefit, kept per age band
(under/over 30) and source. Every load and undo rebuilds it for the areas and periods it touches, inside
its own transaction (``refresh``); ``reaggregate`` rebuilds it whole (after a schema upgrade, or when
``pipelines check`` finds it stale).
"""

from __future__ import annotations

import duckdb

from pipelines import visitation_lines
from pipelines.kinds import KINDS, Kind
from pipelines.periods import FIRST_ERA
from pipelines.sql import transaction


def refresh(con: duckdb.DuckDBPyConnection, kind: Kind, scope_sql: str) -> None:
    """Rebuild the page aggregate of ``kind`` (if it has one) for the (area, period) pairs ``scope_sql``
    selects; call inside a transaction."""
    if kind.page_aggregate is None:
        return
    con.execute(f"create or replace temp table agg_scope as {scope_sql}")
    con.execute(
        f"delete from {kind.page_aggregate} a using agg_scope s where a.area_code = s.area_code and a.period = s.period"
    )
    # Sum the scope's current facts by age band first: the single-year ages fold into bands in the one
    # pass over the lines, grouped by the ENUM codes and a band number (small integers, no text per row).
    # Then dress the few resulting rows with labels and eras: the same figures as grouping the
    # visitation_detail view (check compares the two), far less work.
    con.execute(
        f"""
        insert into {kind.page_aggregate}
        with bands as (
            select code::age_group_t as age_group, coalesce(parent, code) as age_band,
                   dense_rank() over (order by coalesce(parent, code))::utinyint as band
            from categories where dimension = 'age_group'
        ),
        base as ({visitation_lines.current_by_measure_sql("bands", "agg_scope")}),
        dressed as (
            select b.area_code::varchar as area_code, b.period, p.period_type, p.start_date,
                   b.category::varchar as category, c.label as category_label, c.sort_order as category_order,
                   c.ready, n.age_band, b.measure::varchar as measure, l.source, b.value, b.suppressed
            from base b
            join (select distinct band, age_band from bands) n on n.band = b.band
            join periods p on p.period = b.period
            join categories c on c.dimension = 'category' and c.code = b.category::varchar and not c.is_total
            join load_log l on l.load_id = b.load_id
        )
        select d.area_code, d.period, d.period_type, d.start_date, coalesce(sb.label, $first_era),
               d.category, d.category_label, d.category_order, d.ready, d.age_band, d.measure, d.source,
               sum(d.value), bool_or(d.suppressed)
        from dressed d
        asof left join series_breaks sb on d.start_date >= sb.break_date
        group by all""",
        {"first_era": FIRST_ERA},
    )


def reaggregate(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every page aggregate from the facts, in one transaction."""
    with transaction(con):
        for kind in KINDS.values():
            if kind.page_aggregate is not None:
                con.execute(f"delete from {kind.page_aggregate}")
                refresh(con, kind, f"select distinct area_code, period from {kind.table}")
