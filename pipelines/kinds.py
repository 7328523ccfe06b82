"""The extract kinds the warehouse accepts, as data: their columns, header aliases, keys, the column sets
and rules each needs, how its facts are stored; and the value rules every route checks.

Everything that differs between kinds is said here; the routes, the loader and the integrity check read
it and never ask for a kind by name. This is also the allow-list that every generated SQL identifier
comes from: column names used in SQL are the canonical names below, never text from an uploaded file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Column:
    name: str  # canonical name, a safe SQL identifier
    label: str  # Danish label used in messages
    aliases: tuple[str, ...]  # recognised headers (normalised with danish.normalise)
    role: str
    dimension: str | None = None  # vocabulary (categories.dimension) for role DIM
    required: bool = True
    # DIM: the code every row gets when the optional column is absent; TEXT: the text of an empty or absent cell.
    default: str | None = None
    # (jobindsats ID, code): an ID among the headers that tells the column's code when the column is absent.
    implied_by: tuple[tuple[str, str], ...] = ()

    def implied(self, headers: list[str]) -> str | None:
        """The code the headers imply for this column when the file lacks it, or None."""
        ids = dict(self.implied_by)
        return next((ids[h.strip().lower()] for h in headers if h.strip().lower() in ids), None)


@dataclass(frozen=True)
class OneOf:
    """The file must hold at least one of these sets of columns (canonical names; ``measure:<m>`` for a
    measure column), else the problem names ``column`` with ``message``."""

    alternatives: tuple[frozenset[str], ...]
    column: str  # Danish, as the problem names it
    message: str


@dataclass(frozen=True)
class Rule:
    """A rule of one kind beyond its columns' own: ``where`` is SQL over the typed rows (canonical column
    names, numbers parsed) that marks a bad row; the problem shows ``column``'s value as the file wrote it.
    It applies when the file has every column in ``needs`` (by default ``column`` alone)."""

    where: str
    column: str
    message: str
    needs: tuple[str, ...] = ()

    @property
    def columns_needed(self) -> frozenset[str]:
        return frozenset(self.needs or (self.column,))


# How a kind's facts are stored (pipelines/facts.py): one row per fact, or one row per extract line with a
# column per measure (pipelines/visitation_lines.py).
ROW_PER_FACT, LINE_PER_EXTRACT_LINE = "row per fact", "line per extract line"


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    table: str  # fact table (or view, for facts stored as lines)
    columns: tuple[Column, ...]
    keys: tuple[str, ...]  # unique within an extract (after unpivoting measures)
    replace_scope: tuple[str, ...]  # a reload replaces current rows sharing these values
    signature: tuple[str, ...]  # the columns that point to this kind when --kind is not given
    # Wide measure columns that unpivot into (measure, value): measure -> (role, header aliases).
    measure_columns: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    one_of: tuple[OneOf, ...] = ()  # column sets of which the file must have one
    rules: tuple[Rule, ...] = ()  # rules beyond the columns' own
    totals: tuple[str, ...] = ()  # dimension columns whose totals ('I alt') are checked against their parts
    store: str = ROW_PER_FACT
    page_aggregate: str | None = None  # the table the pages read, rebuilt with every load (pipelines/aggregates.py)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def value_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.role in VALUE_ROLES)

    @property
    def category_column(self) -> str | None:
        """The column whose codes are categories with eras of validity (the reference data's 'category')."""
        return next((c.name for c in self.columns if c.dimension == "category"), None)


AREA_COL = Column(
    "area",
    "Område",
    (
        "area",
        "område",
        "omraade",
        "kommune",
        "areaname",
        "area_name",
        "_nykom",
        "jobcenter",
        "geografi",
        "kommunenavn",
        "kommunekode",
    ),
    AREA,
)
PERIOD_COL = Column("period", "Periode", ("period", "periode", "måned", "maaned", "tid", "time", "kvartal"), PERIOD)

# Measures of the visitation kind: canonical measure -> (role, header aliases).
VISITATION_MEASURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "persons": (COUNT, ("mgrpa02_1", "persons", "personer", "antal personer", "antal")),
    "full_time_persons": (DECIMAL, ("mgrpa02_3", "full_time_persons", "fuldtidspersoner", "antal fuldtidspersoner")),
    "full_time_pct": (
        PCT,
        ("mgrpa02_4b", "full_time_pct", "fuldtidspersoner i pct. af arbejdsstyrken", "fuldtidspersoner (pct.)"),
    ),
    "share_pct": (PCT, ("share_pct", "andel (pct.)", "andel i pct.", "andel af modtagerne (pct.)")),
    # The y*a02 tables carry both shares (../shared/jobindsats/README.md): of the labour force (above) and of the
    # population, two different figures. Last here: a measure's bit in the stored lines follows this order.
    "full_time_pct_population": (PCT, ("full_time_pct_population", "fuldtidspersoner i pct. af befolkningen")),
}

VISITATION = Kind(
    name="visitation",
    label="Visitation (modtagere efter visitationskategori)",
    table="fact_visitation",
    columns=(
        AREA_COL,
        PERIOD_COL,
        # jobindsats' y60a02, y36a02 and y38a02 have no benefit column: their measure and category IDs tell it.
        Column(
            "benefit",
            "Ydelse",
            ("benefit", "ydelse", "ydelsesgruppe", "ydelsestype"),
            DIM,
            "benefit",
            required=False,
            implied_by=(
                ("_viskat_1int", "kontanthjaelp"),
                ("mgrpa02_1", "kontanthjaelp"),
                ("mgrpa02_3", "kontanthjaelp"),
                ("mgrpa02_4b", "kontanthjaelp"),
                ("_viskat_1kth", "kontanthjaelp"),
                ("_viskat_2udh", "uddannelseshjaelp"),
            ),
        ),
        Column("gender", "Køn", ("gender", "køn", "koen", "_kon"), DIM, "gender", required=False, default="i_alt"),
        Column(
            "age_group",
            "Alder",
            ("age_group", "alder", "aldersgruppe", "age", "_alder"),
            DIM,
            "age_group",
            required=False,
            default="i_alt",
        ),
        Column(
            "origin",
            "Herkomst",
            ("origin", "herkomst", "oprindelse", "_oprinda"),
            DIM,
            "origin",
            required=False,
            default="i_alt",
        ),
        Column(
            "category",
            "Visitationskategori",
            (
                "category",
                "kategori",
                "visitationskategori",
                "_viskat_1int",
                "_viskat_1kth",
                "_viskat_2udh",
                "matchgruppe",
                "match_group",
                "visitation_category",
            ),
            DIM,
            "category",
        ),
        Column(
            "measure",
            "Måling",
            ("measure", "måling", "maaling", "measurement", "mål", "maal"),
            DIM,
            "measure",
            required=False,
        ),
        Column("value", "Værdi", ("value", "værdi", "vaerdi", "indhold"), DECIMAL, required=False),
    ),
    keys=("area_code", "period", "benefit", "gender", "age_group", "origin", "category", "measure"),
    replace_scope=("area_code", "period", "benefit", "measure"),
    signature=(
        "category",
        "measure:persons",
        "measure:full_time_persons",
        "measure:full_time_pct",
        "measure:share_pct",
        "measure:full_time_pct_population",
        "measure",
        "value",
    ),
    measure_columns=VISITATION_MEASURES,
    one_of=(
        OneOf(
            (frozenset({"measure", "value"}), *(frozenset({f"measure:{m}"}) for m in VISITATION_MEASURES)),
            "Måling",
            "mangler en målingskolonne: 'Antal personer', 'Fuldtidspersoner' (mgrpa02_1, mgrpa02_3 …) "
            "eller kolonnerne 'Måling' og 'Værdi'",
        ),
        OneOf(
            (frozenset({"benefit"}),),
            "Ydelse",
            "mangler kolonnen 'Ydelse' (fx Kontanthjælp, Uddannelseshjælp); den kan kun udelades i jobindsats-"
            "udtræk hvis ID'er viser ydelsen (y60a02, y36a02, y38a02)",
        ),
    ),
    rules=(
        Rule(
            "measure is null",
            "measure",
            "ukendt måling: forventede Antal personer, Fuldtidspersoner, Fuldtidspersoner i pct. eller Andel",
        ),
    ),
    totals=("benefit", "gender", "age_group", "origin", "category"),
    store=LINE_PER_EXTRACT_LINE,
    page_aggregate="agg_visitation",
)

MATCH_GROUP = Kind(
    name="match_group",
    label="Fælles borgere (målgruppe og matchgruppe)",
    table="fact_match_group",
    columns=(
        AREA_COL,
        PERIOD_COL,
        Column("administration", "Forvaltning", ("administration", "forvaltning"), DIM, "administration"),
        Column(
            "target_group",
            "Målgruppe",
            ("target_group", "målgruppe", "maalgruppe", "sof målgruppe"),
            DIM,
            "target_group",
        ),
        Column(
            "match_group",
            "Matchgruppe",
            ("match_group", "matchgruppe", "match", "visitationskategori"),
            DIM,
            "category",
        ),
        Column("persons", "Antal personer", ("persons", "personer", "antal personer", "antal"), COUNT),
    ),
    keys=("area_code", "period", "administration", "target_group", "match_group"),
    replace_scope=("area_code", "period", "administration"),
    signature=("administration", "target_group", "match_group"),
    totals=("target_group", "match_group"),
)

ACTIVATION = Kind(
    name="activation",
    label="Aktivering",
    table="fact_activation",
    columns=(
        AREA_COL,
        PERIOD_COL,
        # jobindsats' y60c07 has no group column: the whole table is one group.
        Column(
            "group_name",
            "Gruppe",
            ("group_name", "gruppe", "group", "målgruppe", "ydelsesgruppe"),
            TEXT,
            required=False,
            default="Alle modtagere",
        ),
        Column("persons", "Antal personer", ("persons", "personer", "antal personer", "antal"), COUNT, required=False),
        Column(
            "activated",
            "Aktiverede",
            ("activated", "aktiverede", "antal aktiverede", "i aktivering"),
            COUNT,
            required=False,
        ),
        Column(
            "activation_rate",
            "Aktiveringsgrad",
            ("activation_rate", "aktiveringsgrad", "mgrpc07_1", "aktiveringsgrad (pct.)"),
            PCT,
            required=False,
        ),
        Column(
            "touched_share",
            "Andel berørt af aktivering",
            (
                "touched_share",
                "mgrpc07_2",
                "andel berørt af aktivering",
                "andel berørt af aktivering (pct.)",
                "andel aktiveringsberørte",  # y60c07's title: "Aktiveringsgrad og andel aktiveringsberørte"
            ),
            PCT,
            required=False,
        ),
    ),
    keys=("area_code", "period", "group_name"),
    replace_scope=("area_code", "period", "group_name"),
    signature=("group_name", "activated", "activation_rate", "touched_share"),
    one_of=(
        OneOf(
            (frozenset({"persons", "activated"}), frozenset({"activation_rate"}), frozenset({"touched_share"})),
            "Aktiveringsgrad",
            "mangler enten kolonnerne 'Antal personer' og 'Aktiverede' eller 'Aktiveringsgrad'",
        ),
    ),
    rules=(
        Rule(
            "activated > persons",
            "activated",
            "flere aktiverede end personer i gruppen",
            needs=("persons", "activated"),
        ),
    ),
)

CASELOAD = Kind(
    name="caseload",
    label="Sagstal",
    table="fact_caseload",
    columns=(
        AREA_COL,
        PERIOD_COL,
        Column("team", "Team", ("team", "enhed", "unit", "afdeling"), TEXT),
        Column(
            "guidance_area",
            "Sagsområde",
            ("guidance_area", "sagsområde", "sagsomraade", "vejledningsområde", "vejledningsomraade"),
            DIM,
            "guidance_area",
        ),
        Column("cases", "Aktive sager", ("cases", "sager", "aktive sager", "antal sager"), COUNT, required=False),
        Column(
            "caseworker_fte",
            "Sagsbehandlere (årsværk)",
            (
                "caseworker_fte",
                "sagsbehandlere",
                "sagsbehandlere (årsværk)",
                "årsværk",
                "aarsvaerk",
                "fte",
                "sagsbehandlere (fuldtid)",
            ),
            DECIMAL,
            required=False,
        ),
        Column(
            "cases_per_worker",
            "Sager pr. sagsbehandler",
            ("cases_per_worker", "sagstal", "sager pr. sagsbehandler", "sager pr. medarbejder"),
            DECIMAL,
            required=False,
        ),
        Column(
            "cases_per_worker_high",
            "Sager pr. sagsbehandler (øvre)",
            ("cases_per_worker_high", "sagstal (øvre)", "sager pr. sagsbehandler (øvre)"),
            DECIMAL,
            required=False,
        ),
    ),
    keys=("area_code", "period", "team"),
    replace_scope=("area_code", "period"),
    signature=("team", "guidance_area", "cases", "caseworker_fte", "cases_per_worker"),
    one_of=(
        OneOf(
            (frozenset({"cases", "caseworker_fte"}), frozenset({"cases_per_worker"})),
            "Aktive sager",
            "mangler enten kolonnerne 'Aktive sager' og 'Sagsbehandlere (årsværk)' eller 'Sager pr. sagsbehandler'",
        ),
    ),
    rules=(
        Rule(
            "not caseworker_fte_marker and caseworker_fte <= 0",
            "caseworker_fte",
            "antal sagsbehandlere (årsværk) skal være større end 0",
        ),
        Rule(
            "cases_per_worker_high < cases_per_worker",
            "cases_per_worker_high",
            "øvre grænse er mindre end sager pr. sagsbehandler",
        ),
    ),
)

INVESTMENT = Kind(
    name="investment",
    label="Investering og besparelser",
    table="fact_investment",
    columns=(
        AREA_COL,
        Column("project", "Projekt", ("project", "projekt"), TEXT),
        Column("period", "År", ("year", "år", "aar", "period", "periode"), PERIOD),
        Column("line", "Post", ("line", "post", "linje", "budgetpost"), DIM, "investment_line"),
        Column("amount_dkk", "Beløb (kr.)", ("amount_dkk", "beløb", "beløb (kr.)", "beloeb", "kr.", "amount"), AMOUNT),
        Column("basis", "Grundlag", ("basis", "grundlag"), DIM, "basis"),
        Column("note", "Note", ("note", "bemærkning", "bemaerkning"), TEXT, required=False),
    ),
    keys=("area_code", "project", "period", "line", "basis"),
    replace_scope=("area_code", "project", "period", "basis"),
    signature=("project", "line", "amount_dkk", "basis"),
)

# y30r21's two measure groups with several measures each, as their names head the measures' labels.
_Y30R21_COUNTS = "forventet og faktisk antal fuldtidspersoner på offentlig forsørgelse"
_Y30R21_SHARES = "forventet og faktisk andel fuldtidspersoner på offentlig forsørgelse"

# jobindsats y30r21, the ministry's benchmark: per municipality, rolling four quarters (2022QMAT04) and
# benefit group, the expected full-time persons on public support (from the municipality's framework
# conditions) against the actual ones, and the place in the ranking (1 = best).
BENCHMARK = Kind(
    name="benchmark",
    label="Benchmark (forventet og faktisk forsørgelse)",
    table="fact_benchmark",
    columns=(
        AREA_COL,
        PERIOD_COL,
        Column(
            "benefit_group",
            "Ydelsesgruppe",
            ("benefit_group", "ydelsesgruppe", "ydelsesgrupper", "_ygrp_y30r21", "ydelsesgruppe (benchmark)"),
            DIM,
            "benefit_group",
        ),
        # y30r21 labels each measure of a group that holds several "<group name>: <measure name>"; the full labels
        # below are the ones in the real replies (../shared/jobindsats/README.md), and header_map also reads a
        # label by its measure name alone.
        Column(
            "expected_ftp",
            "Forventet antal fuldtidspersoner",
            (
                "expected_ftp",
                f"{_Y30R21_COUNTS}: forventet antal",
                "forventet antal fuldtidspersoner",
                "forventede fuldtidspersoner",
                "forventet antal",
                "forventet",
                "forventet (fuldtidspersoner)",
            ),
            DECIMAL,
        ),
        Column(
            "actual_ftp",
            "Faktisk antal fuldtidspersoner",
            (
                "actual_ftp",
                f"{_Y30R21_COUNTS}: faktisk antal",
                "faktisk antal fuldtidspersoner",
                "faktiske fuldtidspersoner",
                "faktisk antal",
                "faktisk",
                "faktisk (fuldtidspersoner)",
            ),
            DECIMAL,
        ),
        Column(
            "expected_pct",
            "Forventet andel (pct.)",
            (
                "expected_pct",
                f"{_Y30R21_SHARES}: forventet andel (pct.)",
                "forventet andel (pct.)",
                "forventet andel",
                "forventet andel i pct.",
                "forventet pct.",
                "forventet andel af befolkningen (pct.)",
            ),
            PCT,
        ),
        Column(
            "actual_pct",
            "Faktisk andel (pct.)",
            (
                "actual_pct",
                f"{_Y30R21_SHARES}: faktisk andel (pct.)",
                "faktisk andel (pct.)",
                "faktisk andel",
                "faktisk andel i pct.",
                "faktisk pct.",
                "faktisk andel af befolkningen (pct.)",
            ),
            PCT,
        ),
        Column(
            "difference_ftp",
            "Forskel (fuldtidspersoner)",
            (
                "difference_ftp",
                f"{_Y30R21_COUNTS}: forskel mellem forventet og faktisk antal",
                "forskel mellem forventet og faktisk antal",
                "forskel (fuldtidspersoner)",
                "forskel",
                "forskel i fuldtidspersoner",
                "forskel mellem faktisk og forventet",
                "faktisk minus forventet",
            ),
            SIGNED,
            required=False,
        ),
        # As jobindsats rounds it (to two decimals, like the shares): kept, not computed from the shares.
        Column(
            "difference_pct",
            "Forskel i andel (pct.-point)",
            (
                "difference_pct",
                f"{_Y30R21_SHARES}: forskel mellem forventet og faktisk andel (pct. point)",
                "forskel mellem forventet og faktisk andel (pct. point)",
                "forskel i andel (pct.-point)",
                "forskel (pct.-point)",
            ),
            SIGNED,
            required=False,
        ),
        Column(
            "rank",
            "Placering på benchmarkranglisten",
            (
                "rank",
                "placering på benchmarkranglisten",
                "placering",
                "benchmarkplacering",
                "placering på ranglisten",
                "rangering",
            ),
            COUNT,
            required=False,
        ),
    ),
    keys=("area_code", "period", "benefit_group"),
    replace_scope=("area_code", "period"),
    # Not benefit_group: "Ydelsesgruppe" also heads activation extracts' group column.
    signature=("expected_ftp", "actual_ftp", "expected_pct", "actual_pct", "difference_ftp", "difference_pct", "rank"),
    # Whole and not negative are the count rules; a place on the ranking also starts at 1.
    rules=(Rule("rank < 1", "rank", "placeringen skal være 1 (bedst) eller derover"),),
)

KINDS: dict[str, Kind] = {k.name: k for k in (VISITATION, MATCH_GROUP, ACTIVATION, CASELOAD, INVESTMENT, BENCHMARK)}


def header_map(kind: Kind, headers: list[str]) -> dict[int, str]:
    """Which source column (by position) holds which canonical column of this kind."""
    lookup: dict[str, str] = {}
    for col in kind.columns:
        for alias in col.aliases:
            lookup.setdefault(alias, col.name)
    for measure, (_, aliases) in kind.measure_columns.items():
        for alias in aliases:
            lookup.setdefault(alias, f"measure:{measure}")
    found: dict[int, str] = {}
    for i, header in enumerate(headers):
        name = next((lookup[key] for key in _header_keys(header) if key in lookup), None)
        if name is not None:
            found[i] = name
    return found


def _header_keys(header: str) -> tuple[str, ...]:
    """How a header is looked up: as written, then, for jobindsats' "<group name>: <measure name>" (a measure of a
    group that holds several, ../shared/jobindsats/README.md), by the measure's name alone."""
    norm = danish.normalise(header)
    group, sep, measure = norm.partition(": ")
    return (norm, measure) if sep and group and measure else (norm,)


def known_header(text: str) -> bool:
    return any(key in kind_aliases for key in _header_keys(text) for kind_aliases in _ALL_ALIASES)


_ALL_ALIASES = [
    {a for c in k.columns for a in c.aliases} | {a for _, al in k.measure_columns.values() for a in al}
    for k in KINDS.values()
]


def detect_kind(headers: list[str]) -> Kind | None:
    """The kind whose distinctive columns the headers match best, or None when nothing fits."""
    best, best_score = None, 0
    for kind in KINDS.values():
        mapped = set(header_map(kind, headers).values())
        score = len(mapped & set(kind.signature))
        required = {c.name for c in kind.columns if c.required}
        score += len(mapped & required) * 0.1
        if score > best_score + 0.001 and mapped & set(kind.signature):
            best, best_score = kind, score
    return best
