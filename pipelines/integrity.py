"""The integrity report (``pipelines check``): what in a loaded warehouse does not hold together.

Every finding is one Danish line. Beside the bookkeeping (facts without a load, duplicates, unknown areas
and periods, a load's row count, a stale page aggregate) it reports current figures that break today's
rules (loaded before a rule existed, or written past the loader with SQL) with the very rules the routes
check (pipelines/kinds.py), and the synthetic demo standing beside real figures.
"""

from __future__ import annotations

import duckdb

from pipelines import config, danish, facts
from pipelines.kinds import KINDS
from pipelines.rules import NOT_FINITE, mixed_totals_sql, totals_below_parts_sql, value_rules
from pipelines.warehouse import code_labels, population_of_denmark, total_parts


def check(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Integrity findings; an empty list means the warehouse is consistent."""
    findings: list[str] = []
    for kind in KINDS.values():
        findings += _bookkeeping(con, kind.name, kind.table, kind.keys)
    return findings + _aggregate_findings(con) + _value_findings(con) + _total_findings(con) + _demo_findings(con)


def _bookkeeping(con, kind: str, table: str, keys: tuple[str, ...]) -> list[str]:
    """Facts without a current load, or replaced by a load that is not, duplicates, unknown areas and
    periods, and loads whose row count the table does not hold."""
    key_list = ", ".join(keys)
    checks = {
        # A pending load's rows have no log entry yet and are marked replaced by minus its id (loader._hold).
        f"{table}: rækker uden gyldig indlæsning": (
            f"select count(*) from {table} f left join load_log l using (load_id) "
            f"where (l.load_id is null or l.status <> 'loaded') "
            f"and not (f.load_id in (select load_id from pending_loads) and f.replaced_by = -f.load_id)"
        ),
        f"{table}: erstattet af en indlæsning der ikke findes": (
            f"select count(*) from {table} f left join load_log l on l.load_id = f.replaced_by "
            f"where f.replaced_by is not null and (l.load_id is null or l.status <> 'loaded') "
            f"and not (f.load_id in (select load_id from pending_loads) and f.replaced_by = -f.load_id)"
        ),
        f"{table}: dubletter blandt gældende rækker": (
            f"select count(*) from (select {key_list} from {table} where replaced_by is null "
            f"group by {key_list} having count(*) > 1)"
        ),
        f"{table}: ukendte områder": (
            f"select count(*) from {table} where area_code not in (select area_code from areas)"
        ),
        f"{table}: ukendte perioder": f"select count(*) from {table} where period not in (select period from periods)",
    }
    findings = []
    for label, sql in checks.items():
        n = con.execute(sql).fetchall()[0][0]
        if n:
            findings.append(f"{label}: {n}")
    mismatch = con.execute(
        f"select l.load_id, l.rows, count(f.load_id) from load_log l left join {table} f using (load_id) "
        f"where l.kind = ? and l.status = 'loaded' group by l.load_id, l.rows having l.rows <> count(f.load_id)",
        [kind],
    ).fetchall()
    return findings + [
        f"indlæsning {load_id}: {actual} rækker i {table}, forventede {expected}"
        for load_id, expected, actual in mismatch
    ]


def _aggregate_findings(con) -> list[str]:
    """The page aggregate against the facts it is built from."""
    keys = "area_code, period, category, age_band, measure, source"
    stale = con.execute(
        f"select count(*) from (select {keys}, sum(value) as value, bool_or(suppressed) as s from visitation_detail "
        f"group by all) fresh full join agg_visitation a using ({keys}) "
        f"where a.area_code is null or fresh.area_code is null or (a.value is null) <> (fresh.value is null) "
        # Sums of decimals added in another order differ in the last bits; that is not staleness.
        f"or abs(a.value - fresh.value) > 1e-9 * greatest(1, abs(fresh.value)) "
        f"or a.suppressed <> fresh.s"
    ).fetchall()[0][0]
    if not stale:
        return []
    return [f"agg_visitation: {stale} rækker stemmer ikke med fakta (python -m pipelines reaggregate bygger dem igen)"]


def _value_findings(con) -> list[str]:
    """Current figures that break a value rule: loaded before the rule existed (or past it with SQL)."""
    population = population_of_denmark(con)
    labels = code_labels(con, "measure")
    findings = []
    for kind in KINDS.values():
        source, columns = facts.store(kind).current_values()
        checks = [
            (column, labels.get(column, label), rule)
            for column, label, role in columns
            for rule in (NOT_FINITE, *value_rules(role, population))
        ]
        counts = con.execute(
            "select "
            + ", ".join(f"count(*) filter (where {rule.sql(column)})" for column, _, rule in checks)
            + f" from {source}"
        ).fetchall()[0]
        for (column, label, rule), n in zip(checks, counts, strict=True):
            if not n:
                continue
            area, period, value, load_id, file_name = con.execute(
                f"select a.area_name, f.period, f.{column}, f.load_id, l.file_name from {source} f "
                f"join areas a using (area_code) join load_log l using (load_id) where {rule.sql('f.' + column)} "
                f"order by f.load_id, f.period limit 1"
            ).fetchall()[0]
            findings.append(
                f"{kind.table}: {n} gældende værdier i '{label}' bryder reglen \"{rule.message}\" "
                f"(fx {area} {period}: {danish.number(value)}, indlæsning {load_id} '{file_name}')"
            )
    return findings


def _total_findings(con) -> list[str]:
    """Current totals ('I alt') below the sum of their current parts, per kind that has totals."""
    labels = code_labels(con, "measure")
    findings = []
    for kind in KINDS.values():
        if not kind.totals:
            continue
        table, current, source, keys = facts.store(kind).totals_source()
        mixed = con.execute(
            f"select {', '.join(mixed_totals_sql(c) for c in kind.totals)} from {table} where {current}"
        ).fetchall()[0]
        columns = [c for c, both in zip(kind.totals, mixed, strict=True) if both]
        if not columns:
            continue
        sql = totals_below_parts_sql(source, keys, total_parts(con, kind, columns))
        rows = con.execute(
            f"select t.*, a.area_name, count(*) over () from ({sql}) t "
            f"join areas a on a.area_code = t.area_code::varchar order by t.period limit 1"
        ).fetchall()
        if rows:
            column, measure, _, period, _, _, total, parts, _, area, n = rows[0]
            findings.append(
                f"{kind.table}: {n} totaler ('I alt') er mindre end summen af deres dele "
                f"(fx {area} {period}, {kind.column(column).label}, {labels.get(measure, measure)}: "
                f"{danish.number(total)} < {danish.number(parts)})"
            )
    return findings


def _demo_findings(con) -> list[str]:
    """Areas and periods where the synthetic demo stands beside real figures of the same kind."""
    findings = []
    for kind in KINDS.values():
        store = facts.store(kind)
        n, area, period = con.execute(
            f"select count(*), min(a.area_name), min(period) from (select f.area_code, f.period, "
            f"bool_or(f.load_id in (select load_id from load_log where source = $demo)) as demo, "
            f"bool_or(f.load_id not in (select load_id from load_log where source = $demo)) as real "
            f"from {store.table} f where {store.current_sql('f')} group by all having demo and real) p "
            f"join areas a on a.area_code = p.area_code::varchar",
            {"demo": config.DEMO_SOURCE},
        ).fetchall()[0]
        if n:
            findings.append(
                f"{kind.table}: {config.DEMO_SOURCE} står ved siden af rigtige tal for {n} områder og "
                f"perioder (fx {area} {period}); fortryd demoens indlæsninger og indlæs den igen "
                "(python -m pipelines demo)"
            )
    return findings
