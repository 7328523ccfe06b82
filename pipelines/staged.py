"""The staged route: any extract, read as text, typed and checked row by row, every problem explained.

The twin of ``direct``. The file is staged once as text (``stg``, pipelines/readers/), its headers
are mapped onto the kind's columns, and it is typed once (``typed``) by joining the few distinct raw
values of each dimension onto their codes. Every rule is then a query over ``typed`` (the value rules
are the kinds' own, as the direct route and the integrity check use them), and only the rows a rule
finds come back to Python, named by the line a text editor shows, the column and the value as written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import polars as pl
import pyarrow as pa

from pipelines import danish, extract_warnings, readers
from pipelines.errors import ERROR, WARNING, ExtractRejected, Problem
from pipelines.headers import detect_kind, header_map
from pipelines.kinds import KINDS, Column, Kind
from pipelines.rules import (
    AREA,
    COUNT,
    DIM,
    NOT_FINITE,
    PERIOD,
    TEXT,
    THOUSANDS_DOT,
    TOTAL_MEASURES,
    TOTAL_MESSAGE,
    count_form_rules,
    marker_sql,
    mixed_totals_sql,
    number_sql,
    totals_below_parts_sql,
    value_rules,
)
from pipelines.area_names import area_key, closest, loose_area_aliases, match_area
from pipelines.periods import Period, parse_period
from pipelines.sql import quote, temp_table_from_arrow
from pipelines.warehouse import code_labels, population_of_denmark, total_parts, vocabulary, vocabulary_labels

MAX_PROBLEMS = 200
PREVIEW_ROWS = 10
# The long form of a kind with measure columns: the measure named in one column, its value in another.
LONG_FORM = frozenset({"measure", "value"})
BOTH_MEASURE_FORMS = "filen har både kolonnerne 'Måling'/'Værdi' og målingskolonner; brug den ene form"


def kind_of(file: readers.StagedFile, kind: str | None) -> Kind:
    """The kind asked for, or the one the headers show; rejected when neither is known."""
    if kind is not None:
        if kind not in KINDS:
            raise ExtractRejected.one(file.file_name, f"ukendt type; forventede en af {', '.join(KINDS)}", value=kind)
        return KINDS[kind]
    found = detect_kind(file.headers)
    if found is None:
        raise ExtractRejected.one(
            file.file_name,
            f"kan ikke se hvilken slags udtræk filen er ud fra kolonnerne; angiv typen ({', '.join(KINDS)})",
            row=file.header_row,
            value="; ".join(file.headers)[:200],
        )
    return found


@dataclass
class StagedCheck:
    """What the staged route found in one extract of one kind."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows: int = 0  # facts, as the warehouse counts them
    lines: int = 0  # the file's records, once it is typed
    figures: int = 0  # the numbers the lines hold: value cells, suppressed ones included
    areas: list[str] = field(default_factory=list)
    periods: dict[str, Period] = field(default_factory=dict)


def check(con: duckdb.DuckDBPyConnection, file: readers.StagedFile, kind: Kind) -> StagedCheck:
    """Map, type and check the staged file; leaves temp tables ``typed`` and ``typed_periods``.

    A file whose columns do not make an extract of the kind stops at its headers: nothing is typed.
    """
    extract = StagedExtract(con, file, kind)
    found = StagedCheck(extract.problems, extract.warnings, periods=extract.periods)
    extract.map_headers()
    if found.problems:
        return found
    extract.build_maps()
    extract.build_typed()
    _run_rules(extract, _rules(extract))
    _totals(extract)
    _duplicates(extract)
    extract_warnings.register_periods(con, extract.periods)  # typed_periods: the warnings read it too
    _warnings(extract)
    # In file order: that is how a user works through the list in the file.
    found.problems.sort(key=lambda p: (p.row is not None, p.row or 0))
    found.rows = con.execute("select count(*) from typed").fetchall()[0][0]
    found.lines = file.rows
    # A line of a kind with measure columns holds one figure per measure, as its facts count; other
    # kinds, their value columns.
    found.figures = found.rows if kind.measure_columns else found.rows * len(_value_specs(extract))
    # From the small map of distinct area values, not from the typed rows.
    found.areas = [
        r[0]
        for r in con.execute(
            "select distinct a.area_name from map_area m join areas a on a.area_code = m.code order by 1"
        ).fetchall()
    ]
    return found


class StagedExtract:
    """One staged file read as an extract of one kind: its columns, then temp table ``typed``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, file: readers.StagedFile, kind: Kind):
        self.con, self.file, self.kind = con, file, kind
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.positions: dict[str, int] = {}  # canonical column -> source column position
        self.measure_positions: dict[str, int] = {}  # measure -> source column position (wide form)
        self.periods: dict[str, Period] = {}
        self.maybe_duplicates = True

    def problem(self, row, column, value, message, severity=ERROR):
        target = self.problems if severity == ERROR else self.warnings
        if len(target) < MAX_PROBLEMS:
            target.append(Problem(self.file.file_name, row, column, value, message, severity))

    def map_headers(self) -> None:
        headers, header_row = self.file.headers, self.file.header_row
        mapping = header_map(self.kind, headers)
        for pos, header in enumerate(headers):
            name = mapping.get(pos)
            if name is None:
                if header:
                    self.problem(
                        header_row,
                        header,
                        None,
                        f"kolonnen genkendes ikke for {self.kind.label.lower()} og springes over",
                        WARNING,
                    )
                continue
            target = self.measure_positions if name.startswith("measure:") else self.positions
            key = name.removeprefix("measure:")
            if key in target:
                self.problem(
                    header_row,
                    header,
                    None,
                    f"kolonnen '{headers[target[key]]}' har allerede samme betydning; fjern den ene",
                )
                continue
            target[key] = pos
        for col in self.kind.columns:
            if col.required and col.name not in self.positions:
                self.problem(
                    header_row,
                    col.label,
                    None,
                    f"mangler kolonnen '{col.label}' (forventede en overskrift som "
                    f"{', '.join(repr(a) for a in col.aliases[:4])})",
                )
        self._one_of_present(header_row)

    def _one_of_present(self, header_row: int | None) -> None:
        have = set(self.positions) | {f"measure:{m}" for m in self.measure_positions}
        have |= {c.name for c in self.kind.columns if c.implied_by and c.implied(self.file.headers)}
        if have >= LONG_FORM and self.measure_positions:
            self.problem(header_row, "Måling", None, BOTH_MEASURE_FORMS)
        for needed in self.kind.one_of:
            if not any(alternative <= have for alternative in needed.alternatives):
                self.problem(header_row, needed.column, None, needed.message)

    # Dimension columns become joins onto small maps of distinct raw value -> code.
    def build_maps(self) -> None:
        for col in self.kind.columns:
            if col.name not in self.positions or col.role not in (AREA, PERIOD, DIM):
                continue
            raws = [
                r[0]
                for r in self.con.execute(
                    f"select distinct c{self.positions[col.name]} from stg "
                    f"where c{self.positions[col.name]} is not null"
                ).fetchall()
            ]
            temp_table_from_arrow(
                self.con,
                f"map_{col.name}",
                pa.table({"raw": pa.array(raws, pa.string()), "code": pa.array(self._codes(col, raws), pa.string())}),
            )

    def _codes(self, col: Column, raws: list[str]) -> list[str | None]:
        if col.role == PERIOD:
            parsed = [parse_period(raw) for raw in raws]
            self.periods.update((p.period, p) for p in parsed if p)
            return [p.period if p else None for p in parsed]
        if col.role == AREA:
            vocab = vocabulary(self.con, "area")
            loose = loose_area_aliases(vocab)
            return [match_area(raw, vocab, loose) for raw in raws]
        vocab = vocabulary(self.con, col.dimension)
        return [vocab.get(danish.normalise(raw)) for raw in raws]

    def build_typed(self) -> None:
        """Temp table ``typed``: a row per fact with its line, codes, texts and numbers parsed once; every
        rule, the duplicate check and the insert then read plain columns."""
        line, line_join = readers.editor_line_sql(self.file)
        selects = [f"{line} as _line"]
        joins = [line_join] if line_join else []
        for col in self.kind.columns:
            if self.kind.measure_columns and col.name in LONG_FORM:
                continue  # below: the measure and its value, from either form
            selects += self._select(col, joins)
        if not self.kind.measure_columns:
            body = f"select {', '.join(selects)} from stg s {' '.join(joins)}"
        elif "measure" in self.positions:
            measure = f"s.c{self.positions['measure']}"
            joins.append(f"left join map_measure on map_measure.raw = {measure}")
            body = (
                f"select {', '.join(selects)}, map_measure.code as measure, {measure} as measure_raw, "
                f"s.c{self.positions.get('value')} as value_raw from stg s {' '.join(joins)}"
            )
        else:
            # Join once, then unpivot the measure columns (one row per measure) in the same scan.
            wide = ", ".join(selects + [f"s.c{p} as {m}" for m, p in self.measure_positions.items()])
            body = (
                f"with base as (select {wide} from stg s {' '.join(joins)}) "
                f"select *, measure as measure_raw from base "
                f"unpivot include nulls (value_raw for measure in ({', '.join(self.measure_positions)}))"
            )
        self.con.execute(f"create or replace temp table typed as select *, {', '.join(self._parsed())} from ({body})")

    def _select(self, col: Column, joins: list[str]) -> list[str]:
        """The select list entries of one column of the kind (and its join, added to ``joins``)."""
        here = col.name in self.positions
        src = f"s.c{self.positions[col.name]}" if here else "null"
        if col.role in (AREA, PERIOD, DIM):
            target = "area_code" if col.role == AREA else col.name
            if here:
                joins.append(f"left join map_{col.name} on map_{col.name}.raw = {src}")
                return [f"map_{col.name}.code as {target}", f"{src} as {col.name}_raw"]
            default = col.implied(self.file.headers) if col.implied_by else col.default
            return [f"{quote(default)} as {target}", f"null::varchar as {col.name}_raw"]
        if col.role == TEXT:
            expr = f"nullif(trim({src}), '')" if here else "null::varchar"
            return [f"coalesce({expr}, {quote(col.default)}) as {col.name}" if col.default else f"{expr} as {col.name}"]
        return [f"{src} as {col.name}_raw" if here else f"null::varchar as {col.name}_raw"]

    def _parsed(self) -> list[str]:
        """Numbers parsed once, beside the raw text kept for messages."""
        parsed = []
        for col in self.kind.value_columns:
            name = col.name
            if name in self.positions or self.kind.measure_columns:
                parsed.append(f"{number_sql(name + '_raw', self.file.decimal)} as {name}")
                parsed.append(f"{marker_sql(name + '_raw')} as {name}_marker")
            else:  # an absent column is neither a value nor a suppressed one
                parsed.append(f"null::double as {name}")
                parsed.append(f"false as {name}_marker")
        return parsed

    def measure_labels(self) -> dict[str, str]:
        """Measure -> the column that holds it in the file (wide form), or 'Værdi' (long form)."""
        if self.measure_positions:
            return {m: self.file.headers[pos] for m, pos in self.measure_positions.items()}
        return {m: "Værdi" for m in self.kind.measure_columns}


# --- rules ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RowCheck:
    where: str  # SQL condition over ``typed`` that marks a bad row
    column: str  # Danish, as the problem names it
    raw: str | None  # the column holding the value as the file wrote it
    message: str
    explain: Callable[[str | None], str] | None = None  # a message for the value, where it can say more


def _rules(extract: StagedExtract) -> list[_RowCheck]:
    kind = extract.kind
    checks = _column_checks(extract) + _value_checks(extract)
    for rule in kind.rules:
        if rule.columns_needed <= set(extract.positions):
            checks.append(_RowCheck(rule.where, kind.column(rule.column).label, f"{rule.column}_raw", rule.message))
    return checks


def _column_checks(extract: StagedExtract) -> list[_RowCheck]:
    """Every dimension cell filled and known, every required text filled."""
    checks = []
    for col in extract.kind.columns:
        if col.name not in extract.positions:
            continue
        if col.role in (AREA, PERIOD, DIM):
            target = "area_code" if col.role == AREA else col.name
            raw = f"{col.name}_raw"
            checks.append(_RowCheck(f"{raw} is null or {raw} = ''", col.label, raw, f"'{col.label}' skal udfyldes"))
            checks.append(
                _RowCheck(f"{target} is null and {raw} <> ''", col.label, raw, *_unknown_value(extract.con, col))
            )
        elif col.role == TEXT and col.required:
            checks.append(_RowCheck(f"{col.name} is null", col.label, "null", f"'{col.label}' skal udfyldes"))
    return checks


def _unknown_value(con, col: Column) -> tuple[str, Callable[[str | None], str] | None]:
    """(message, explain) for a value the column's vocabulary does not know."""
    if col.role == AREA:
        names = vocabulary_labels(con, "area")
        return (
            "ukendt område: forventede en kommune (navn eller kode), en region eller 'Hele landet'",
            _suggesting({area_key(n): n for n in names}, area_key, "ukendt område '{value}' (mente du {near}?)"),
        )
    if col.role == PERIOD:
        return (
            "ugyldig periode: forventede fx 2024M01, 2024Q01, 2024QMAT02, 2024, januar 2024 eller et interval "
            "som 2007M01-2008M07",
            None,
        )
    labels = vocabulary_labels(con, col.dimension)
    shown = ", ".join(labels[:12]) + (" …" if len(labels) > 12 else "")
    return (
        f"ukendt værdi for '{col.label}': forventede en af {shown}",
        _suggesting(
            {danish.normalise(lab): lab for lab in labels},
            danish.normalise,
            f"ukendt værdi for '{col.label}': '{{value}}' (mente du {{near}}?)",
        ),
    )


def _suggesting(choices: dict[str, str], key, said: str) -> Callable[[str | None], str] | None:
    """A rule's message for one unknown value: ``said`` with the value and the nearest known choice
    ({value}, {near}) when one is near; None (the rule's own message) otherwise."""

    def explain(value: str | None) -> str | None:
        near = closest(value, choices, key) if value else None
        return said.format(value=value, near=near) if near else None

    return explain


def _value_checks(extract: StagedExtract) -> list[_RowCheck]:
    """Every number a number (not NaN or infinite), dots only as thousands separators where commas are
    decimal, and the value rules of its role."""
    checks = []
    population = population_of_denmark(extract.con)
    for vcol, label, role, scope in _value_specs(extract):
        raw, val = f"{vcol}_raw", vcol
        present = f"{scope} and not {vcol}_marker"
        checks.append(
            _RowCheck(f"{present} and ({val} is null or {NOT_FINITE.sql(val)})", label, raw, NOT_FINITE.message)
        )
        if extract.file.decimal == "comma":
            checks.append(_RowCheck(f"{present} and {THOUSANDS_DOT.sql(raw)}", label, raw, THOUSANDS_DOT.message))
        if role == COUNT:  # on whole values: others are told they must be whole
            whole = f"{present} and {val} is not null and not {NOT_FINITE.sql(val)} and {val} = floor({val})"
            checks += [
                _RowCheck(f"{whole} and {rule.sql(raw)}", label, raw, rule.message)
                for rule in count_form_rules(extract.file.decimal)
            ]
        checks += [
            _RowCheck(f"{scope} and {rule.sql(val)}", label, raw, rule.message)
            for rule in value_rules(role, population)
        ]
    return checks


def _value_specs(extract: StagedExtract) -> list[tuple[str, str, str, str]]:
    """(value column, the column as messages name it, role, SQL condition for the rows it holds a value in).

    A kind with measure columns holds every measure in one column, ``value``: each measure has its own
    role (persons are whole, shares lie in 0-100), and in the wide form its own column in the file, which
    messages name.
    """
    kind = extract.kind
    if not kind.measure_columns:
        return [(c.name, c.label, c.role, "true") for c in kind.value_columns if c.name in extract.positions]
    return [
        ("value", label, kind.measure_columns[m][0], f"measure = '{m}'")
        for m, label in extract.measure_labels().items()
    ]


def _run_rules(extract: StagedExtract, checks: list[_RowCheck]) -> None:
    """Every rule in one scan; only the rules that found something list their rows (the rare path)."""
    keys = ", ".join(extract.kind.keys)
    keyed = "area_code is not null and period is not null"
    # Equal hashes are a cheap proof of no duplicate keys; unequal ones send us to the exact check.
    counts = extract.con.execute(
        "select "
        + ", ".join(f"count(*) filter (where {c.where})" for c in checks)
        + f", count(*) filter (where {keyed}) - count(distinct hash({keys})) filter (where {keyed}) from typed"
    ).fetchall()[0]
    extract.maybe_duplicates = counts[-1] > 0
    for check_, n in zip(checks, counts[:-1], strict=True):
        if not n or len(extract.problems) >= MAX_PROBLEMS:
            continue
        rows = extract.con.execute(
            f"select _line, {check_.raw or 'null'} from typed where {check_.where} order by _line limit {MAX_PROBLEMS}"
        ).fetchall()
        for line, value in rows:
            said = check_.explain(value) if check_.explain else None
            extract.problem(line, check_.column, value, said or check_.message)


def _totals(extract: StagedExtract) -> None:
    """A total row ('I alt') smaller than the sum of its parts: the file contradicts itself."""
    kind, con = extract.kind, extract.con
    columns = [c for c in kind.totals if c in extract.positions]
    if columns:
        mixed = con.execute(f"select {', '.join(mixed_totals_sql(c) for c in columns)} from typed").fetchall()[0]
        columns = [c for c, both in zip(columns, mixed, strict=True) if both]
    if not columns:
        return
    keys = tuple(k for k in kind.keys if k != "measure")
    known = " and ".join(f"{k} is not null" for k in keys)
    if kind.measure_columns:
        source = f"(select {', '.join(keys)}, measure, value, _line as line, value_raw as raw from typed where {known})"
        labels = extract.measure_labels()
    else:
        totalled = [c for c in kind.value_columns if c.name in TOTAL_MEASURES]
        source = (
            "("
            + " union all ".join(
                f"select {', '.join(keys)}, '{c.name}' as measure, {c.name} as value, _line as line, "
                f"{c.name}_raw as raw from typed where {known}"
                for c in totalled
            )
            + ")"
        )
        labels = {c.name: c.label for c in totalled}
    sql = totals_below_parts_sql(source, keys, total_parts(con, kind, columns))
    for column, measure, line, raw, total, parts in con.execute(
        f"select dimension, measure, line, raw, total, parts from ({sql}) order by line limit {MAX_PROBLEMS}"
    ).fetchall():
        extract.problem(
            line,
            labels.get(measure, measure),
            raw,
            TOTAL_MESSAGE.format(
                dimension=kind.column(column).label, total=danish.number(total), parts=danish.number(parts)
            ),
        )


def _duplicates(extract: StagedExtract) -> None:
    if not extract.maybe_duplicates:
        return
    keys = ", ".join(extract.kind.keys)
    rows = extract.con.execute(
        f"select _line, first_line, {keys} from (select _line, {keys}, "
        f"min(_line) over (partition by {keys}) as first_line, "
        f"count(*) over (partition by {keys}) as n from typed where area_code is not null and period is not null) "
        f"where n > 1 and _line > first_line order by _line limit {MAX_PROBLEMS}"
    ).fetchall()
    if not rows:
        return
    shown = _key_columns(extract)
    column = ", ".join(col.label for _, col, _ in shown)
    for line, first, *key in rows:
        value = " / ".join(labels.get(key[i], key[i] or "") for i, _, labels in shown)
        extract.problem(line, column, value, f"dublet: samme nøgle som række {first}")


def _key_columns(extract: StagedExtract) -> list[tuple[int, Column, dict]]:
    """The key columns a duplicate is named by, as users know them: the file's columns (and the measure) by
    their Danish labels, with code -> label for areas and reference dimensions."""
    con, kind = extract.con, extract.kind
    out = []
    for i, key in enumerate(kind.keys):
        col = kind.column("area" if key == "area_code" else key)
        if col.name not in extract.positions and not (key == "measure" and kind.measure_columns):
            continue  # a default the file did not write ("I alt"): naming it would only confuse
        labels = code_labels(con, "area" if col.role == AREA else col.dimension) if col.role in (AREA, DIM) else {}
        out.append((i, col, labels))
    return out


def _warnings(extract: StagedExtract) -> None:
    con, name = extract.con, extract.file.file_name
    value_cols = list(dict.fromkeys(v for v, _, _, _ in _value_specs(extract)))
    if value_cols:
        marker_any = " or ".join(f"{v}_marker" for v in value_cols)
        n, first = con.execute(f"select count(*), min(_line) from typed where {marker_any}").fetchall()[0]
        extract.warnings += extract_warnings.suppressed(name, n, first)
    extract.warnings += extract_warnings.future(name, extract.periods)
    category = extract.kind.category_column
    if category and extract.periods:
        con.execute(
            f"create or replace temp table typed_category_periods as select {category} as category, period, "
            "count(*) as n, min(_line) as first_line from typed where category is not null group by all"
        )
        extract.warnings += extract_warnings.category_eras(con, name)


def preview(con: duckdb.DuckDBPyConnection, kind: Kind) -> pl.DataFrame:
    """The first rows of ``typed`` as read, under the kind's Danish column names."""
    names = {row[0] for row in con.execute("describe typed").fetchall()}
    columns = ['t._line as "Række"']
    for col in kind.columns:
        raw = f"{col.name}_raw"
        if col.name == "measure" and raw in names:
            # Measure columns unpivot to their code ("persons"): shown by the reference data's label.
            columns.append(f'coalesce(m.label, t.{raw}) as "{col.label}"')
        elif raw in names:
            columns.append(f't.{raw} as "{col.label}"')
        elif col.name in names and col.role == TEXT:
            columns.append(f't.{col.name} as "{col.label}"')
    measures = (
        "left join categories m on m.dimension = 'measure' and m.code = t.measure_raw" if "measure_raw" in names else ""
    )
    return con.sql(f"select {', '.join(columns)} from typed t {measures} order by t._line limit {PREVIEW_ROWS}").pl()
