"""The value rules every route checks, and the SQL that reads a value: the roles a column's values play (a count,
a decimal, a percentage ...), the markers of a suppressed value, how a number is read in either decimal form, the
rules a value of a role must keep, and the totals that may not be below their parts.

Kinds (pipelines/kinds.py) give each column a role; the staged and direct routes and the integrity check apply
these rules by role, so one rule reads the same on every route.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines import danish
from pipelines.sql import quote

# Value roles and what they accept.
AREA, PERIOD, DIM, TEXT = "area", "period", "dim", "text"
COUNT, DECIMAL, PCT, AMOUNT = "count", "decimal", "pct", "amount"
SIGNED = "signed"  # a decimal that may be below zero, such as a difference (DECIMAL may not)
VALUE_ROLES = (COUNT, DECIMAL, PCT, AMOUNT, SIGNED)

# Cells jobindsats suppresses ("..", "-" …) or leaves empty: missing values, never zero.
MARKERS = ("", "..", ".", "-", "–")


def marker_sql(col: str) -> str:
    """SQL: the text in ``col`` (an identifier from this allow-list) is missing or a suppression marker."""
    literals = ", ".join(f"'{m}'" for m in MARKERS)  # constants above, none with a quote
    return f"({col} is null or {col} in ({literals}))"


def number_sql(col: str, decimal: str) -> str:
    """SQL: the number the text in ``col`` holds (NULL if none); decimal is "comma", "point" or "auto".

    "-0" is 0: adding zero turns IEEE's negative zero into plain zero, so it is stored, summed and shown as 0.
    """
    # Kept to two replaces: this runs once per value of a national extract.
    comma = f"(try_cast(replace(replace({col}, '.', ''), ',', '.') as double) + 0)"
    point = f"(try_cast({col} as double) + 0)"
    if decimal == "comma":
        return comma
    if decimal == "point":
        return point
    return f"case when {col} like '%,%' then {comma} else {point} end"


# --- value rules -------------------------------------------------------------------------------
# Each rule is defined once, here, as a SQL predicate over a number column, and used by the staged
# route's row-by-row check (staged), the direct route's check over the lines it inserted (direct) and
# the integrity check of a loaded warehouse (integrity), so the three never disagree.


@dataclass(frozen=True)
class ValueRule:
    message: str  # Danish: what the value should have been; shown to users as is
    predicate: str  # SQL with {v} for the number column: true when the value breaks the rule

    def sql(self, column: str) -> str:
        return "(" + self.predicate.format(v=column) + ")"


# Not a rule of a role: text that parsed to NaN or infinity is not a number at all.
NOT_FINITE = ValueRule(
    "ikke et tal (og ikke en diskretioneringsmarkering som '..' eller '-')", "isnan({v}) or isinf({v})"
)
# A rule over the number as the file wrote it (a text column): in a file with decimal commas a dot is a
# thousands separator only when three digits follow it (1.234 or 1.234,5). Jobindsats' own form is tried
# first: it keeps the rule, and matching it is several times quicker than taking the text apart, which
# matters on the direct route (a condition per value of a national extract).
_JOBINDSATS_NUMBER = r"-?[0-9][0-9]?[0-9]?(\.[0-9][0-9][0-9])+(,[0-9]*)?"  # no braces: a format string
THOUSANDS_DOT = ValueRule(
    "punktum i et tal i en fil med decimalkomma: forventede fx 1.234,5",
    f"{{v}} like '%.%' and not regexp_full_match({{v}}, '{_JOBINDSATS_NUMBER}') "
    "and length(split_part(split_part(trim({v}), ',', 1), '.', -1)) <> 3",
)


# A count (persons, cases, a rank) is a whole number written plainly in the file's own convention: digits,
# with thousands dots where decimals are commas (jobindsats' "1.234"), and at most a zero decimal. What a
# database cast would also read ("1e3", "1_000", "+12", a cut-off "12,") is refused, not read. In a file with
# decimal points "1.000" is 1 by the file's convention and 1.000 by jobindsats': one municipality's two files
# would differ by a factor of 1.000 without a word, so a count written so is refused as ambiguous. No braces in
# the patterns: a rule's predicate is a format string.
_PLAIN_COUNT = {"comma": r"-?([0-9]+|[0-9][0-9]?[0-9]?(\.[0-9][0-9][0-9])+)(,0+)?", "point": r"-?[0-9]+(\.0|\.00)?"}
_GROUPED_COUNT = r"-?[0-9][0-9]?[0-9]?(\.[0-9][0-9][0-9])+"
AMBIGUOUS_COUNT = ValueRule(
    "tvetydigt antal: i en fil med decimalpunktum kan 1.000 både betyde 1 og 1.000; skriv antal uden "
    "tusindtalspunktum (1000), eller gem filen som jobindsats gør (';' og decimalkomma)",
    f"regexp_full_match(trim({{v}}), '{_GROUPED_COUNT}')",
)


def count_form_rules(decimal: str) -> tuple[ValueRule, ...]:
    """The rules over a count's text as the file wrote it (``decimal``: the file's "comma", "point" or "auto",
    where a comma in a value makes it a decimal comma). The caller checks them on whole-valued counts only: a
    count with decimals gets the whole-number rule's message instead."""
    comma, point = (f"regexp_full_match(trim({{v}}), '{_PLAIN_COUNT[d]}')" for d in ("comma", "point"))
    plain = {"comma": comma, "point": point, "auto": f"(case when {{v}} like '%,%' then {comma} else {point} end)"}
    form = ValueRule(
        "forventede et antal skrevet som et helt tal"
        + (", fx 1234 eller 1.234" if decimal == "comma" else ", fx 1234")
        + " (ikke 1e3, 1_000, +12 eller 12,)",
        f"not {plain[decimal]}" + ("" if decimal == "comma" else f" and not {AMBIGUOUS_COUNT.predicate}"),
    )
    return (form,) if decimal == "comma" else (AMBIGUOUS_COUNT, form)


def value_rules(role: str, population: int) -> tuple[ValueRule, ...]:
    """The rules a value of this role must keep. ``population`` is Denmark's (the reference data's
    'Hele landet'): no count of persons, cases or full-time persons can be larger."""
    rules = []
    if role in (COUNT, DECIMAL):
        rules.append(ValueRule("negativt tal: forventede 0 eller derover", "{v} < 0"))
    if role == COUNT:
        rules.append(ValueRule("forventede et helt antal: et antal kan ikke have decimaler", "{v} <> floor({v})"))
    if role in (COUNT, DECIMAL):
        rules.append(
            ValueRule(
                f"tallet er for stort til at være et antal: det er større end Danmarks befolkning "
                f"({danish.number(population)} personer)",
                f"{{v}} > {int(population)}",
            )
        )
    if role == PCT:
        rules.append(ValueRule("andel uden for 0-100 (pct.)", "{v} < 0 or {v} > 100"))
    return tuple(rules)


# A total ("I alt", code i_alt in every vocabulary) is at least the sum of its parts: less means the
# figures contradict each other. More is fine: suppressed parts are missing, never counted. Persons add
# up within one month only (over a quarter or a year one person can pass through two categories and is
# counted in both); full-time persons always add up, give or take each figure's rounding (at worst to
# whole full-time persons: half a person per figure).
TOTAL_CODE = "i_alt"
# The measures (and the value columns of that name) whose totals are checked (a kind's ``totals`` says along
# which dimension columns).
TOTAL_MEASURES = ("persons", "full_time_persons")
TOTAL_MESSAGE = (
    "totalen ('I alt' for {dimension}) er mindre end summen af delene ({total} < {parts}); en total "
    "kan være større end delene (diskretionerede dele), aldrig mindre"
)


def mixed_totals_sql(column: str) -> str:
    """SQL aggregate: the column holds both its total and other codes (only then can a total be below its parts)."""
    return f"coalesce(bool_or({column} = '{TOTAL_CODE}') and bool_or({column} <> '{TOTAL_CODE}'), false)"


def totals_below_parts_sql(source: str, keys: tuple[str, ...], parts: dict[str, list[str]]) -> str:
    """SQL: every total in ``source`` that is smaller than the sum of its parts, one row each:
    dimension, measure, area_code, period, line, raw, total, parts.

    ``source`` is a relation (an identifier or a parenthesised query from the caller's own code) with the
    columns ``keys``, measure, value, line (a file's line or NULL) and raw (the value as written or NULL).
    ``parts`` maps each dimension column to check to the codes that are its disjoint parts (from the
    reference data); its total is the code i_alt. Codes are quoted here.
    """
    queries = []
    for column, codes in parts.items():
        if not codes:
            continue
        others = ", ".join(k for k in keys if k != column)
        listed = ", ".join(quote(c) for c in codes)
        total = f"{column} = '{TOTAL_CODE}'"
        queries.append(
            f"select '{column}' as dimension, measure, any_value(area_code) as area_code, any_value(period) as period, "
            f"min(line) filter (where {total}) as line, any_value(raw) filter (where {total}) as raw, "
            f"max(value) filter (where {total}) as total, sum(value) filter (where {column} in ({listed})) as parts, "
            f"count(value) filter (where {column} in ({listed})) as n "
            f"from {source} where measure = 'full_time_persons' or (measure = 'persons' and period like '____M__') "
            f"group by {others}, measure having total < parts - "
            f"case when measure = 'full_time_persons' then 0.5 * (n + 1) else 0 end"
        )
    if not queries:
        return (
            "select null::varchar as dimension, null::varchar as measure, null::varchar as area_code, "
            "null::varchar as period, null::bigint as line, null::varchar as raw, null::double as total, "
            "null::double as parts, null::bigint as n where false"
        )
    return " union all ".join(queries)
