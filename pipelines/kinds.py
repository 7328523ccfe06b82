"""The extract kinds the warehouse accepts, as data: their columns, header aliases, keys, the column sets
and rules each needs, how its facts are stored. The value rules by role are in pipelines/rules.py.

Everything that differs between kinds is said here; the routes, the loader and the integrity check read
it and never ask for a kind by name. This is also the allow-list that every generated SQL identifier
comes from: column names used in SQL are the canonical names below, never text from an uploaded file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.rules import AMOUNT, AREA, COUNT, DECIMAL, DIM, PCT, PERIOD, SIGNED, TEXT, VALUE_ROLES


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
