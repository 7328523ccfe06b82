"""Validate an extract and load it atomically, with provenance; undo a load.

The bulk work is SQL inside DuckDB: the file is staged once as text (``stg``), typed once
(``typed``) by joining the few distinct raw values of each dimension onto their codes, every
validation rule is a query over ``typed``, and the load is one transaction of set-based
statements. Python only ever sees distinct values and the problems found.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from pipelines import aggregates, config, danish, direct, facts, readers, visitation_lines
from pipelines.errors import ERROR, WARNING, ExtractRejected, LoadNotFound, Problem
from pipelines.kinds import (AREA, DIM, KINDS, NOT_FINITE, PERIOD, TEXT, TOTAL_DIMENSIONS, TOTAL_MESSAGE, VISITATION,
                             VISITATION_MEASURES, Column, Kind, detect_kind, header_map, marker_sql, mixed_totals_sql,
                             number_sql, totals_below_parts_sql, value_rules)
from pipelines.periods import parse_period
from pipelines.sql import quote, temp_table_from_arrow, transaction
from pipelines.warehouse import (area_key, closest, loose_area_aliases, match_area, population_of_denmark, total_parts,
                                 vocabulary, vocabulary_labels)
from pipelines.writer import write_session

MAX_PROBLEMS = 200
DEFAULT_GROUP = "Alle modtagere"
# Jobindsats IDs that tell which benefit a visitation extract without a benefit column covers.
BENEFIT_BY_ID = {"_viskat_1int": "kontanthjaelp", "mgrpa02_1": "kontanthjaelp", "mgrpa02_3": "kontanthjaelp",
                 "mgrpa02_4b": "kontanthjaelp", "_viskat_1kth": "kontanthjaelp", "_viskat_2udh": "uddannelseshjaelp"}

Progress = Callable[[str, float], None]


@dataclass
class Validation:
    file_name: str
    kind: Kind
    staged: readers.StagedFile | None  # None when the direct route reviewed the file (see _validate_direct)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows: int = 0  # facts, as the warehouse counts them (a visitation line holds one per measure)
    lines: int = 0  # the extract's lines (records, or rows of the sheet), which the upload limit counts
    figures: int = 0  # the numbers those lines hold: value cells, suppressed ones included
    areas: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    replaces: list[tuple[str, str, str, int]] = field(default_factory=list)  # area, first, last period, rows
    kept: list[str] = field(default_factory=list)  # measures that would stay from earlier loads (see _kept)
    preview: pl.DataFrame | None = None  # the first lines, when the direct route reviewed the file

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class LoadResult:
    load_id: int | None
    kind: str
    rows: int
    replaced_rows: int
    skipped_identical: bool
    warnings: list[Problem]
    file_name: str
    route: str = "staged"  # "direct": streamed straight into the facts (pipelines/direct.py)
    kept: list[str] = field(default_factory=list)  # measures that stay from earlier loads (see _kept)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase, in order


# The file's digest is provenance (check a file with `sha512sum`) and the test for an unchanged file.
# SHA-512 rather than SHA-256: on CPUs without SHA instructions (this project's 2-core servers) it
# hashes over twice as fast, and the hash shares those cores with the load.
DIGEST_ALGORITHM = "sha512"


def file_digest(path: Path) -> str:
    """``sha512:<hex>``: the algorithm is part of the value, so earlier SHA-256 digests stay readable."""
    with open(path, "rb") as fh:
        return f"{DIGEST_ALGORITHM}:{hashlib.file_digest(fh, DIGEST_ALGORITHM).hexdigest()}"


# --- typing ----------------------------------------------------------------------------------

def _register_map(con, name: str, mapping: dict[str, str | None]) -> None:
    temp_table_from_arrow(con, name, pa.table({"raw": pa.array(list(mapping), pa.string()),
                                               "code": pa.array(list(mapping.values()), pa.string())}))


def _distinct(con, source_col: str) -> list[str]:
    return [r[0] for r in con.execute(f"select distinct {source_col} from stg where {source_col} is not null")
            .fetchall()]


class _Typer:
    """Builds temp table ``typed`` for one staged extract of one kind."""

    def __init__(self, con, staged: readers.StagedFile, kind: Kind, problems: list[Problem], warnings: list[Problem]):
        self.con, self.staged, self.kind = con, staged, kind
        self.problems, self.warnings = problems, warnings
        self.positions: dict[str, int] = {}
        self.measure_positions: dict[str, int] = {}
        self.periods: dict[str, object] = {}
        self.maybe_duplicates = True

    def problem(self, row, column, value, message, severity=ERROR):
        target = self.problems if severity == ERROR else self.warnings
        if len(target) < MAX_PROBLEMS:
            target.append(Problem(self.staged.file_name, row, column, value, message, severity))

    def map_headers(self) -> None:
        headers = self.staged.headers
        mapping = header_map(self.kind, headers)
        header_row = self.staged.header_row
        for pos, header in enumerate(headers):
            name = mapping.get(pos)
            if name is None:
                if header:
                    self.problem(header_row, header, None,
                                 f"kolonnen genkendes ikke for {self.kind.label.lower()} og springes over", WARNING)
                continue
            target = self.measure_positions if name.startswith("measure:") else self.positions
            key = name.removeprefix("measure:")
            if key in target:
                self.problem(header_row, header, None,
                             f"kolonnen '{headers[target[key]]}' har allerede samme betydning; fjern den ene")
                continue
            target[key] = pos
        for col in self.kind.columns:
            if col.required and col.name not in self.positions:
                self.problem(header_row, col.label, None,
                             f"mangler kolonnen '{col.label}' (forventede en overskrift som "
                             f"{', '.join(repr(a) for a in col.aliases[:4])})")
        self._kind_columns_present(header_row)

    def _kind_columns_present(self, header_row) -> None:
        have = set(self.positions)
        name = self.kind.name
        if name == "visitation":
            long_form = {"measure", "value"} <= have
            if not long_form and not self.measure_positions:
                self.problem(header_row, "Måling", None,
                             "mangler en målingskolonne: 'Antal personer', 'Fuldtidspersoner' (mgrpa02_1, mgrpa02_3 "
                             "…) eller kolonnerne 'Måling' og 'Værdi'")
            if long_form and self.measure_positions:
                self.problem(header_row, "Måling", None,
                             "filen har både kolonnerne 'Måling'/'Værdi' og målingskolonner; brug den ene form")
            if "benefit" not in have and self._benefit_from_ids() is None:
                self.problem(header_row, "Ydelse", None,
                             "mangler kolonnen 'Ydelse' (fx Kontanthjælp, Uddannelseshjælp); den kan kun udelades i "
                             "jobindsats-udtræk hvis ID'er viser ydelsen (y60a02, y36a02, y38a02)")
        elif name == "activation":
            if not ({"persons", "activated"} <= have or have & {"activation_rate", "touched_share"}):
                self.problem(header_row, "Aktiveringsgrad", None,
                             "mangler enten kolonnerne 'Antal personer' og 'Aktiverede' eller 'Aktiveringsgrad'")
        elif name == "caseload":
            if not ({"cases", "caseworker_fte"} <= have or "cases_per_worker" in have):
                self.problem(header_row, "Aktive sager", None,
                             "mangler enten kolonnerne 'Aktive sager' og 'Sagsbehandlere (årsværk)' eller "
                             "'Sager pr. sagsbehandler'")

    def _benefit_from_ids(self) -> str | None:
        for h in self.staged.headers:
            code = BENEFIT_BY_ID.get(h.strip().lower())
            if code:
                return code
        return None

    # Dimension columns become joins onto small maps of distinct raw value -> code.
    def build_maps(self) -> None:
        con = self.con
        for col in self.kind.columns:
            if col.name not in self.positions or col.role not in (AREA, PERIOD, DIM):
                continue
            src = f"c{self.positions[col.name]}"
            raws = _distinct(con, src)
            if col.role == PERIOD:
                mapping = {}
                for raw in raws:
                    p = parse_period(raw)
                    mapping[raw] = p.period if p else None
                    if p:
                        self.periods[p.period] = p
            elif col.role == AREA:
                vocab = vocabulary(con, "area")
                loose = loose_area_aliases(vocab)
                mapping = {raw: match_area(raw, vocab, loose) for raw in raws}
            else:
                vocab = vocabulary(con, col.dimension)
                mapping = {raw: vocab.get(danish.normalise(raw)) for raw in raws}
            _register_map(con, f"map_{col.name}", mapping)

    def build_typed(self) -> None:
        kind, pos, staged = self.kind, self.positions, self.staged
        line, line_join = readers.editor_line_sql(staged)
        selects = [f"{line} as _line"]
        joins = [line_join] if line_join else []
        for col in kind.columns:
            if col.name in ("measure", "value") and kind.name == "visitation":
                continue
            here = col.name in pos
            src = f"s.c{pos[col.name]}" if here else "null"
            if col.role in (AREA, PERIOD, DIM):
                target = "area_code" if col.role == AREA else col.name
                if here:
                    joins.append(f"left join map_{col.name} on map_{col.name}.raw = {src}")
                    selects += [f"map_{col.name}.code as {target}", f"{src} as {col.name}_raw"]
                else:
                    default = col.default
                    if col.name == "benefit":
                        default = self._benefit_from_ids()
                    selects += [f"{quote(default)} as {target}", f"null::varchar as {col.name}_raw"]
            elif col.role == TEXT:
                default = DEFAULT_GROUP if col.name == "group_name" else None
                expr = f"nullif(trim({src}), '')" if here else "null::varchar"
                if default:
                    expr = f"coalesce({expr}, {quote(default)})"
                selects.append(f"{expr} as {col.name}")
            else:
                selects.append(f"{src} as {col.name}_raw" if here else f"null::varchar as {col.name}_raw")
        if kind.name == "visitation":
            if "measure" in pos:
                joins.append(f"left join map_measure on map_measure.raw = s.c{pos['measure']}")
                base = ", ".join(selects)
                body = (f"select {base}, map_measure.code as measure, s.c{pos['measure']} as measure_raw, "
                        f"s.c{pos.get('value')} as value_raw from stg s {' '.join(joins)}")
            else:
                # Join once, then unpivot the measure columns (one row per measure) in the same scan.
                measures = list(self.measure_positions)
                wide = ", ".join(selects + [f"s.c{p} as {m}" for m, p in self.measure_positions.items()])
                body = (f"with base as (select {wide} from stg s {' '.join(joins)}) "
                        f"select *, measure as measure_raw from base "
                        f"unpivot include nulls (value_raw for measure in ({', '.join(measures)}))")
        else:
            body = f"select {', '.join(selects)} from stg s {' '.join(joins)}"
        # Parse numbers once, keep the raw text for messages.
        parsed = []
        for col in self._value_columns():
            if col in pos or col == "value":
                parsed.append(f"{number_sql(col + '_raw', staged.decimal)} as {col}")
                parsed.append(f"{marker_sql(col + '_raw')} as {col}_marker")
            else:  # an absent column is neither a value nor a suppressed one
                parsed.append(f"null::double as {col}")
                parsed.append(f"false as {col}_marker")
        # Typed once: every rule, the duplicate check and the insert then read plain columns.
        self.con.execute(f"create or replace temp table typed as select *, {', '.join(parsed)} from ({body})")

    def _value_columns(self) -> list[str]:
        if self.kind.name == "visitation":
            return ["value"]
        return [c.name for c in self.kind.value_columns]


# --- validation rules ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Rule:
    where: str  # SQL condition over ``typed`` that marks a bad row
    column: str
    raw: str | None  # the column holding the value as the file wrote it
    message: str
    explain: Callable[[str | None], str] | None = None  # a message for the value, where it can say more


def _run_rules(typer: _Typer, rules: list[_Rule]) -> None:
    """Every rule in one scan; only the rules that found something list their rows (the rare path)."""
    keys = ", ".join(typer.kind.keys)
    keyed = "area_code is not null and period is not null"
    # Equal hashes are a cheap proof of no duplicate keys; unequal ones send us to the exact check.
    counts = typer.con.execute(
        "select " + ", ".join(f"count(*) filter (where {r.where})" for r in rules)
        + f", count(*) filter (where {keyed}) - count(distinct hash({keys})) filter (where {keyed}) from typed"
    ).fetchall()[0]
    typer.maybe_duplicates = counts[-1] > 0
    for rule, n in zip(rules, counts[:-1]):
        if not n or len(typer.problems) >= MAX_PROBLEMS:
            continue
        rows = typer.con.execute(f"select _line, {rule.raw or 'null'} from typed where {rule.where} "
                                 f"order by _line limit {MAX_PROBLEMS}").fetchall()
        for line, value in rows:
            typer.problem(line, rule.column, value, rule.explain(value) if rule.explain else rule.message)


def _validate(typer: _Typer) -> None:
    rules: list[_Rule] = []

    def _rule(_typer, where, column, raw, message, explain=None):
        rules.append(_Rule(where, column, raw, message, explain))

    _collect_rules(typer, _rule)
    _run_rules(typer, rules)
    _totals(typer)
    _duplicates(typer)
    _warnings(typer)


def _totals(typer: _Typer) -> None:
    """A total row ('I alt') smaller than the sum of its parts: the file contradicts itself."""
    kind = typer.kind
    columns = [c for c in TOTAL_DIMENSIONS.get(kind.name, ()) if c in typer.positions]
    if columns:
        mixed = typer.con.execute(f"select {', '.join(mixed_totals_sql(c) for c in columns)} from typed").fetchall()[0]
        columns = [c for c, both in zip(columns, mixed) if both]
    if not columns:
        return
    keys = tuple(k for k in kind.keys if k != "measure")
    known = " and ".join(f"{k} is not null" for k in keys)
    if kind.name == "visitation":
        source = f"(select {', '.join(keys)}, measure, value, _line as line, value_raw as raw from typed where {known})"
        labels = _measure_labels(typer)
    else:
        source = (f"(select {', '.join(keys)}, 'persons' as measure, persons as value, _line as line, "
                  f"persons_raw as raw from typed where {known})")
        labels = {"persons": kind.column("persons").label}
    sql = totals_below_parts_sql(source, keys, total_parts(typer.con, kind, columns))
    for column, measure, line, raw, total, parts in typer.con.execute(
            f"select dimension, measure, line, raw, total, parts from ({sql}) order by line "
            f"limit {MAX_PROBLEMS}").fetchall():
        typer.problem(line, labels.get(measure, measure), raw,
                      TOTAL_MESSAGE.format(dimension=kind.column(column).label, total=danish.number(total),
                                           parts=danish.number(parts)))


def _collect_rules(typer: _Typer, _rule) -> None:
    kind, pos, con = typer.kind, typer.positions, typer.con
    for col in kind.columns:
        if col.name not in pos:
            continue
        if col.role in (AREA, PERIOD, DIM):
            target = "area_code" if col.role == AREA else col.name
            raw = f"{col.name}_raw"
            _rule(typer, f"{raw} is null or {raw} = ''", col.label, raw, f"'{col.label}' skal udfyldes")
            explain = None
            if col.role == AREA:
                msg = "ukendt område: forventede en kommune (navn eller kode), en region eller 'Hele landet'"
                names = [r[0] for r in con.execute("select area_name from areas order by sort_order").fetchall()]
                explain = _suggesting(msg, {area_key(n): n for n in names}, area_key,
                                      "ukendt område '{value}' (mente du {near}?)")
            elif col.role == PERIOD:
                msg = ("ugyldig periode: forventede fx 2024M01, 2024Q01, 2024QMAT02, 2024, januar 2024 eller et "
                       "interval som 2007M01-2008M07")
            else:
                labels = vocabulary_labels(con, col.dimension)
                shown = ", ".join(labels[:12]) + (" …" if len(labels) > 12 else "")
                msg = f"ukendt værdi for '{col.label}': forventede en af {shown}"
                explain = _suggesting(msg, {danish.normalise(lab): lab for lab in labels}, danish.normalise,
                                      f"ukendt værdi for '{col.label}': '{{value}}' (mente du {{near}}?)")
            _rule(typer, f"{target} is null and {raw} <> ''", col.label, raw, msg, explain)
        elif col.role == TEXT and col.required:
            _rule(typer, f"{col.name} is null", col.label, "null", f"'{col.label}' skal udfyldes")
    if kind.name == "visitation" and "measure" in pos:
        _rule(typer, "measure is null", "Måling", "measure_raw",
              "ukendt måling: forventede Antal personer, Fuldtidspersoner, Fuldtidspersoner i pct. eller Andel")

    population = population_of_denmark(con)
    for vcol, label, role, scope in _value_specs(typer):
        raw, val = f"{vcol}_raw", vcol
        present = f"{scope} and not {vcol}_marker"
        _rule(typer, f"{present} and ({val} is null or {NOT_FINITE.sql(val)})", label, raw, NOT_FINITE.message)
        if typer.staged.decimal == "comma":
            # A dot is a thousands separator only when three digits follow it (1.234 or 1.234,5).
            _rule(typer, f"{present} and {raw} like '%.%' and length(split_part(split_part(trim({raw}), ',', 1), "
                         f"'.', -1)) <> 3", label, raw, "punktum i et tal i en fil med decimalkomma: forventede fx 1.234,5")
        for value_rule in value_rules(role, population):
            _rule(typer, f"{scope} and {value_rule.sql(val)}", label, raw, value_rule.message)

    if kind.name == "activation" and {"persons", "activated"} <= set(pos):
        _rule(typer, "activated > persons", "Aktiverede", "activated_raw",
              "flere aktiverede end personer i gruppen")
    if kind.name == "caseload":
        if "caseworker_fte" in pos:
            _rule(typer, "not caseworker_fte_marker and caseworker_fte <= 0", "Sagsbehandlere (årsværk)",
                  "caseworker_fte_raw", "antal sagsbehandlere (årsværk) skal være større end 0")
        if "cases_per_worker_high" in pos:
            _rule(typer, "cases_per_worker_high < cases_per_worker", "Sager pr. sagsbehandler (øvre)",
                  "cases_per_worker_high_raw", "øvre grænse er mindre end sager pr. sagsbehandler")
    if kind.name == "benchmark" and "rank" in pos:
        # Whole and not negative are the count rules above; a place on the ranking also starts at 1.
        _rule(typer, "rank < 1", "Placering på benchmarkranglisten", "rank_raw",
              "placeringen skal være 1 (bedst) eller derover")


def _value_specs(typer: _Typer) -> list[tuple[str, str, str, str]]:
    """(value column, the column as messages name it, role, SQL condition for the rows it holds a value in).

    Visitation holds every measure in one column, ``value``: each measure has its own role (persons are
    whole, shares lie in 0-100), and in the wide form its own column in the file, which messages name.
    """
    if typer.kind.name != "visitation":
        return [(c.name, c.label, c.role, "true") for c in typer.kind.value_columns if c.name in typer.positions]
    return [("value", label, VISITATION_MEASURES[m][0], f"measure = '{m}'")
            for m, label in _measure_labels(typer).items()]


def _measure_labels(typer: _Typer) -> dict[str, str]:
    """Visitation: measure -> the column that holds it in the file (wide form), or 'Værdi' (long form)."""
    if typer.measure_positions:
        return {m: typer.staged.headers[pos] for m, pos in typer.measure_positions.items()}
    return {m: "Værdi" for m in VISITATION_MEASURES}


def _suggesting(message: str, choices: dict[str, str], key, said: str) -> Callable[[str | None], str]:
    """A rule's message for one unknown value: ``said`` with the value and the nearest known choice
    ({value}, {near}) when one is near, else ``message``."""
    def explain(value: str | None) -> str:
        near = closest(value, choices, key) if value else None
        return said.format(value=value, near=near) if near else message

    return explain


def _duplicates(typer: _Typer) -> None:
    if not typer.maybe_duplicates:
        return
    keys = ", ".join(typer.kind.keys)
    rows = typer.con.execute(
        f"select _line, first_line, {keys} from (select _line, {keys}, "
        f"min(_line) over (partition by {keys}) as first_line, "
        f"count(*) over (partition by {keys}) as n from typed where area_code is not null and period is not null) "
        f"where n > 1 and _line > first_line order by _line limit {MAX_PROBLEMS}").fetchall()
    if not rows:
        return
    shown = _key_columns(typer)
    column = ", ".join(col.label for _, col, _ in shown)
    for line, first, *key in rows:
        value = " / ".join(labels.get(key[i], key[i] or "") for i, _, labels in shown)
        typer.problem(line, column, value, f"dublet: samme nøgle som række {first}")


def _key_columns(typer: _Typer) -> list[tuple[int, Column, dict]]:
    """The key columns a duplicate is named by, as users know them: the file's columns (and the measure) by
    their Danish labels, with code -> label for areas and reference dimensions."""
    con, kind = typer.con, typer.kind
    out = []
    for i, key in enumerate(kind.keys):
        col = kind.column("area" if key == "area_code" else key)
        if col.name not in typer.positions and not (key == "measure" and kind.name == "visitation"):
            continue  # a default the file did not write ("I alt"): naming it would only confuse
        if col.role == AREA:
            labels = dict(con.execute("select area_code, area_name from areas").fetchall())
        elif col.role == DIM and col.dimension == "guidance_area":
            labels = dict(con.execute("select guidance_area, label from guidance_areas").fetchall())
        elif col.role == DIM and col.dimension == "investment_line":
            labels = dict(con.execute("select line, label from investment_lines").fetchall())
        elif col.role == DIM:
            labels = dict(con.execute("select code, label from categories where dimension = ?", [col.dimension])
                          .fetchall())
        else:
            labels = {}
        out.append((i, col, labels))
    return out


def _warnings(typer: _Typer) -> None:
    con, name = typer.con, typer.staged.file_name
    value_cols = list(dict.fromkeys(v for v, _, _, _ in _value_specs(typer)))
    if value_cols:
        marker_any = " or ".join(f"{v}_marker" for v in value_cols)
        n, first = con.execute(f"select count(*), min(_line) from typed where {marker_any}").fetchall()[0]
        typer.warnings += _suppressed_warning(name, n, first)
    typer.warnings += _future_warning(name, typer.periods)
    cat_col = {"visitation": "category", "match_group": "match_group"}.get(typer.kind.name)
    if cat_col and typer.periods:
        _register_periods(con, typer.periods)
        con.execute(f"create or replace temp table typed_category_periods as select {cat_col} as category, period, "
                    "count(*) as n, min(_line) as first_line from typed where category is not null group by all")
        typer.warnings += _category_era_warnings(con, name)


def _suppressed_warning(name: str, n: int, first_line: int | None) -> list[Problem]:
    if not n:
        return []
    return [Problem(name, first_line, None, None,
                    f"{danish.number(n)} rækker har diskretionerede eller tomme værdier ('..', '-'); de indlæses som "
                    "manglende, aldrig som 0", WARNING)]


def _future_warning(name: str, periods: dict) -> list[Problem]:
    today = date.today()
    future = sorted(p for p, info in periods.items() if info.start > today)
    if not future:
        return []
    return [Problem(name, None, "Periode", ", ".join(future[:5]), "perioden ligger i fremtiden", WARNING)]


def _category_era_warnings(con, name: str) -> list[Problem]:
    """Categories used outside their classification era; reads temp tables typed_category_periods
    (category, period, n, first_line) and typed_periods."""
    rows = con.execute(
        "select c.label, min(t.first_line), sum(t.n), min(p.period), max(p.period) from typed_category_periods t "
        "join typed_periods p on p.period = t.period "
        "join categories c on c.dimension = 'category' and c.code = t.category "
        "where (c.valid_from is not null and p.end_date < c.valid_from) "
        "   or (c.valid_to is not null and p.start_date > c.valid_to) "
        "group by c.label order by 2, 1").fetchall()
    return [Problem(name, line, "Kategori", label,
                    f"kategorien bruges uden for sin gyldighedsperiode ({p1}-{p2}, {n} rækker)", WARNING)
            for label, line, n, p1, p2 in rows]


def _register_periods(con, periods: dict) -> None:
    temp_table_from_arrow(con, "typed_periods", pa.table({
        "period": [p.period for p in periods.values()],
        "period_type": [p.period_type for p in periods.values()],
        "start_date": pa.array([p.start for p in periods.values()], pa.date32()),
        "end_date": pa.array([p.end for p in periods.values()], pa.date32()),
        "label": [p.label for p in periods.values()],
    }))


# --- public API --------------------------------------------------------------------------------

def validate(con: duckdb.DuckDBPyConnection, path: Path, kind: str | None = None,
             file_name: str | None = None, max_rows: int | None = None, preview: bool = True,
             sheet: str | int | None = None) -> Validation:
    """Stage, type and validate an extract; leaves temp tables ``typed`` and ``typed_periods``.

    ``sheet`` picks an Excel workbook's sheet by name or number (1 is the first; the default).
    """
    return _validate_file(con, readers.look(path, file_name), kind, max_rows, preview, sheet)


def _validate_file(con, file: readers.FileLook, kind: str | None, max_rows: int | None, preview: bool,
                   sheet: str | int | None) -> Validation:
    """validate, for a file looked at already."""
    name = file.name
    if preview and sheet is None:
        reviewed = _validate_direct(con, file, kind, max_rows)
        if reviewed is not None:
            return reviewed
    staged = readers.stage(con, file, sheet)
    _check_line_limit(name, staged.rows, max_rows)
    if kind is not None:
        if kind not in KINDS:
            raise ExtractRejected([Problem(name, None, None, kind,
                                           f"ukendt type; forventede en af {', '.join(KINDS)}")])
        spec = KINDS[kind]
    else:
        spec = detect_kind(staged.headers)
        if spec is None:
            raise ExtractRejected([Problem(name, staged.header_row, None, "; ".join(staged.headers)[:200],
                                           "kan ikke se hvilken slags udtræk filen er ud fra kolonnerne; angiv "
                                           f"typen ({', '.join(KINDS)})")])
    result = Validation(name, spec, staged)
    typer = _Typer(con, staged, spec, result.problems, result.warnings)
    typer.map_headers()
    if result.problems:
        return result
    typer.build_maps()
    typer.build_typed()
    _validate(typer)
    # In file order: that is how a user works through the list in the file.
    result.problems.sort(key=lambda p: (p.row is not None, p.row or 0))
    _register_periods(con, typer.periods)
    result.rows = con.execute("select count(*) from typed").fetchall()[0][0]
    result.lines = staged.rows
    # A visitation line holds one figure per measure, as its facts count; other kinds, their value columns.
    result.figures = result.rows if spec is VISITATION else result.rows * len(_value_specs(typer))
    # From the small map of distinct area values, not from the typed rows.
    result.areas = [r[0] for r in con.execute(
        "select distinct a.area_name from map_area m join areas a on a.area_code = m.code order by 1").fetchall()]
    result.periods = sorted(typer.periods)
    if result.ok and preview:
        # What a real load (an upload, a fetch) of this file would replace and keep; the demo's rows in
        # its areas and periods it sets aside (facts.keep_demo_apart).
        store = facts.store(spec)
        facts.register_demo_loads(con)
        scope = store.typed_scope(con)
        result.replaces = store.replace_preview(con, scope)
        result.kept = store.kept(con, scope, "demo_loads")
    return result


def _check_line_limit(name: str, lines: int, max_rows: int | None) -> None:
    """An upload may hold at most ``max_rows`` lines (HELHEDSBLIK_MAX_UPLOAD_ROWS); the CLI has no limit."""
    if max_rows is not None and lines > max_rows:
        raise ExtractRejected([Problem(name, None, None, danish.number(lines),
                                       f"filen har for mange linjer; grænsen er {danish.number(max_rows)} linjer "
                                       "(indlæs større udtræk med kommandolinjen)")])


def _direct_warnings(con, name: str, found: direct.DirectCheck) -> list[Problem]:
    """What the staged route would warn about, from the direct route's check: suppressed cells, future
    periods, categories outside their era (registers the file's periods as temp table typed_periods)."""
    _register_periods(con, found.periods)
    warnings = _suppressed_warning(name, found.suppressed, None) + _future_warning(name, found.periods)
    temp_table_from_arrow(con, "typed_category_periods", pa.table({
        "category": [c for c, _, _ in found.category_periods],
        "period": [p for _, p, _ in found.category_periods],
        "n": [n for _, _, n in found.category_periods],
        "first_line": pa.array([None] * len(found.category_periods), pa.int64())}))
    return warnings + _category_era_warnings(con, name)


def _validate_direct(con, file: readers.FileLook, kind: str | None, max_rows: int | None) -> Validation | None:
    """An upload's review by the direct route, when the file is in jobindsats' form: its lines into a temp
    table of the app's read-only snapshot and the load's own checks, in one streaming pass (the staged
    route types every value as text first: several times slower). None: the staged route reviews it,
    and names whatever is wrong."""
    name = file.name
    plan = direct.plan(file, kind)
    if plan is None:
        return None
    direct.register_maps(con, plan)
    with direct.streaming_settings(con):
        found = direct.review(con, plan)
    if not found.ok:
        return None
    lines = found.rows // len(plan.measures)
    _check_line_limit(name, lines, max_rows)
    result = Validation(name, VISITATION, None, rows=found.rows, lines=lines, figures=found.rows,
                        periods=sorted(found.periods))
    result.warnings = _direct_warnings(con, name, found)
    lines_table = direct.REVIEW_TABLE
    result.areas = [r[0] for r in con.execute(
        f"select a.area_name from areas a where a.area_code in (select distinct area_code::varchar "
        f"from {lines_table}) order by 1").fetchall()]
    facts.register_demo_loads(con)
    con.execute(f"create or replace temp table review_scope as select area_code, period, benefit, "
                f"bit_or(measures) as measures from {lines_table} group by all")
    store = facts.store(VISITATION)
    result.replaces = store.replace_preview(con, "review_scope")
    result.kept = store.kept(con, "review_scope", "demo_loads")
    result.preview = direct.preview(con, plan)
    return result


def load(path: Path, kind: str | None = None, *, source: str, loaded_by: str | None = None,
         file_name: str | None = None, table_id: str | None = None, query: str | None = None,
         api_version: str | None = None, con: duckdb.DuckDBPyConnection | None = None,
         progress: Progress | None = None, max_rows: int | None = None,
         sheet: str | int | None = None) -> LoadResult:
    """Validate and load one extract in one transaction; raise ExtractRejected with every problem.

    ``sheet`` picks an Excel workbook's sheet by name or number (1 is the first; the default). Without
    ``con`` the load takes a write session of its own (the writer role, then a publish).
    """
    meta = _Provenance(file_name or Path(path).name, source, loaded_by or config.current_user(), table_id, query,
                       api_version)
    if con is None:
        with write_session() as master:
            return _load(master, Path(path), kind, meta, progress or (lambda step, frac: None), max_rows, sheet)
    return _load(con, Path(path), kind, meta, progress or (lambda step, frac: None), max_rows, sheet)


class _NotDirect(Exception):
    """The direct path does not take this file: roll back, and let the staged path read it."""


class _Unchanged(Exception):
    def __init__(self, load_id: int):
        self.load_id = load_id


@dataclass(frozen=True)
class _Provenance:
    name: str
    source: str
    loaded_by: str
    table_id: str | None
    query: str | None
    api_version: str | None = None  # the jobindsats API version a fetched load came from


class _Clock:
    """Seconds per phase of one load, for `pipelines load --timings` and the benchmark."""

    def __init__(self):
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.timings[phase] = self.timings.get(phase, 0.0) + now - self._last
        self._last = now


def _load(con, path: Path, kind, meta: _Provenance, progress, max_rows, sheet=None) -> LoadResult:
    name = meta.name
    progress("læser og kontrollerer", 0.05)
    # The digest reads the file alongside DuckDB.
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(file_digest, path)
        clock = _Clock()
        file = readers.look(path, name)
        plan = direct.plan(file, kind) if sheet is None else None
        if plan is not None:
            result = _load_direct(con, plan, digest, meta, progress, clock, max_rows)
            if result is not None:
                progress("færdig", 1.0)
                result.timings = clock.timings
                return result
            clock.lap("direct route declined")
        result = _load_staged(con, file, kind, digest, meta, progress, max_rows, clock, sheet)
        result.timings = clock.timings
        return result


def _unchanged(con, digest: str, spec: Kind) -> int | None:
    """The load that holds exactly this file already, if its rows are all still current."""
    rows = con.execute(
        f"select l.load_id from load_log l where l.file_digest = ? and l.kind = ? and l.status = 'loaded' "
        f"and not exists (select 1 from {spec.table} f where f.load_id = l.load_id and f.replaced_by is not null)",
        [digest, spec.name]).fetchall()
    return rows[0][0] if rows else None


def _load_direct(con, plan: direct.DirectPlan, pending_digest: Future, meta: _Provenance, progress,
                 clock: _Clock, max_rows: int | None) -> LoadResult | None:
    """Stream a jobindsats-form visitation CSV into the facts; None when the staged path must take it."""
    spec = VISITATION
    direct.register_maps(con, plan)
    clock.lap("plan")
    try:
        with direct.streaming_settings(con), transaction(con):
            load_id = con.execute("select nextval('load_id_seq')").fetchall()[0][0]
            progress("indlæser", 0.3)  # reading, checking and loading are one pass here
            lines = direct.insert(con, plan, load_id)
            if lines is None:
                raise _NotDirect
            clock.lap("read, parse and insert")
            found = direct.check(con, plan, load_id)
            if not found.ok:
                raise _NotDirect
            clock.lap("checks")
            _check_line_limit(meta.name, lines, max_rows)
            warnings = _direct_warnings(con, meta.name, found)
            clock.lap("warnings")
            digest = pending_digest.result()
            clock.lap("waiting for the file hash")
            previous = _unchanged(con, digest, spec)
            if previous is not None:
                raise _Unchanged(previous)
            visitation_lines.register_scope(con, load_id)
            replaced, kept = _finish_load(con, spec, load_id, found.rows, digest, meta, found.periods, clock)
            result = LoadResult(load_id, spec.name, found.rows, replaced, False, warnings, meta.name, route="direct",
                                kept=kept)
        clock.lap("commit")
        return result
    except _NotDirect:
        return None
    except _Unchanged as same:
        return LoadResult(same.load_id, spec.name, 0, 0, True, warnings, meta.name, route="direct")


def _load_staged(con, file: readers.FileLook, kind, pending_digest: Future, meta: _Provenance, progress, max_rows,
                 clock: _Clock, sheet=None) -> LoadResult:
    checked = _validate_file(con, file, kind, max_rows, False, sheet)
    if not checked.ok:
        raise ExtractRejected(checked.problems, checked.warnings)
    spec = checked.kind
    clock.lap("read, type and check")
    digest = pending_digest.result()
    if not checked.staged.first_sheet:
        # Another sheet of a workbook is another extract: not "already loaded" because the file was,
        # and the loads list says which sheet it was.
        digest += f"#ark={checked.staged.sheet}"
        meta = replace(meta, name=f"{meta.name} (ark '{checked.staged.sheet}')")
    clock.lap("waiting for the file hash")
    previous = _unchanged(con, digest, spec)
    if previous is not None:
        return LoadResult(previous, spec.name, 0, 0, True, checked.warnings, meta.name)
    progress("indlæser", 0.5)
    with transaction(con):
        load_id = con.execute("select nextval('load_id_seq')").fetchall()[0][0]
        facts.store(spec).insert_typed(con, load_id)
        clock.lap("insert")
        replaced, kept = _finish_load(con, spec, load_id, checked.rows, digest, meta, checked.periods, clock)
    clock.lap("commit")
    progress("færdig", 1.0)
    return LoadResult(load_id, spec.name, checked.rows, replaced, False, checked.warnings, meta.name, kept=kept)


def _finish_load(con, spec: Kind, load_id: int, rows: int, digest: str, meta: _Provenance,
                 periods, clock: _Clock) -> tuple[int, list[str]]:
    """After the load's rows are in: new periods, replaced rows, the log entry and the page aggregates.
    Returns how many rows the load replaced, and which measures stay from earlier loads (``_kept``).

    The load's replace scope is in the temp table ``load_scope`` (see FactStore); inside the transaction.
    """
    periods = sorted(periods)
    con.execute("insert into periods select * from typed_periods where period not in (select period from periods)")
    areas = con.execute("select count(distinct area_code) from load_scope").fetchall()[0][0]
    facts.keep_demo_apart(con, spec, load_id, meta.source == config.DEMO_SOURCE)
    store = facts.store(spec)
    replaced = store.replace(con, load_id)
    kept = store.kept(con, "load_scope")
    con.execute(
        "insert into load_log (load_id, file_name, file_digest, kind, rows, loaded_at, loaded_by, source, table_id, "
        "query, api_version, areas, period_from, period_to, replaced_rows) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [load_id, meta.name, digest, spec.name, rows, datetime.now(), meta.loaded_by, meta.source, meta.table_id,
         meta.query, meta.api_version, areas, periods[0] if periods else None, periods[-1] if periods else None,
         replaced])
    clock.lap("replace and log")
    # After the load_log row: the views the aggregate is built from only show logged loads.
    aggregates.refresh(con, spec, "select distinct area_code, period from load_scope")
    clock.lap("page aggregate")
    return replaced, kept


def undo(con: duckdb.DuckDBPyConnection, load_id: int, by: str | None = None) -> int:
    """Remove a load's rows and bring back the rows it had replaced. Returns rows removed."""
    rows = con.execute("select kind, status from load_log where load_id = ?", [load_id]).fetchall()
    row = rows[0] if rows else None
    if row is None or row[1] != "loaded":
        raise LoadNotFound(f"indlæsning {load_id} findes ikke eller er allerede fortrudt")
    kind = KINDS[row[0]]
    with transaction(con):
        con.execute(f"create or replace temp table undo_scope as select distinct area_code, period from {kind.table} "
                    "where load_id = ?", [load_id])
        removed = facts.store(kind).undo(con, load_id)
        facts.demo_apart_after_undo(con, kind)
        aggregates.refresh(con, kind, "select * from undo_scope")
        con.execute("update load_log set status = 'undone', undone_at = ?, undone_by = ? where load_id = ?",
                    [datetime.now(), by or config.current_user(), load_id])
    return removed
