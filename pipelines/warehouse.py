"""The DuckDB warehouse: connecting, creating the schema and loading the reference dimensions."""

from __future__ import annotations

import csv
import difflib
import functools
import hashlib
import re
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines import aggregates, config, danish, visitation_lines
from pipelines.errors import PipelineError
from pipelines.periods import FIRST_ERA
from pipelines.sql import arrow_view, quote, transaction

SCHEMA_SQL = Path(__file__).with_name("schema.sql")

NATIONAL_CODE, NATIONAL_NAME = "000", "Hele landet"
UNKNOWN_AREA_CODE = "999"
# Danmarks Statistik's region codes.
REGIONS = {
    "Region Nordjylland": "1081",
    "Region Midtjylland": "1082",
    "Region Syddanmark": "1083",
    "Region Hovedstaden": "1084",
    "Region Sjælland": "1085",
}
# Spellings met in the wild that the official short names do not cover.
EXTRA_AREA_ALIASES = {
    "århus": "751",
    "åbenrå": "580",
    "vesthimmerland": "820",
    "nordfyn": "480",
    "københavns": "101",
    "bornholms regionskommune": "400",
    "bornholms": "400",
    "danmark": NATIONAL_CODE,
    "landet": NATIONAL_CODE,
    "hele landet i alt": NATIONAL_CODE,
    "i alt": NATIONAL_CODE,
    "uoplyst område": UNKNOWN_AREA_CODE,
    "uoplyst": UNKNOWN_AREA_CODE,
}


class WarehouseOutdated(PipelineError):
    """The file was built by an older schema."""


# Area names as users write them, when no exact spelling matches: the Danish letters however spelt
# (æ/ae/a, ø/oe/o, å/aa/a: København, Koebenhavn, Kobenhavn), a few other accents, hyphens as spaces,
# apostrophes dropped ("Aarhus' Kommune"). "Kommune" is already gone (danish.normalise).
_LOOSE_LETTERS = str.maketrans(
    {"æ": "a", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u", "é": "e", "è": "e", "-": " ", "'": "", "’": ""}
)
_LOOSE_PAIRS = (("ae", "a"), ("oe", "o"), ("aa", "a"))


def area_key(text) -> str:
    """The loose form of an area name: Høje-Taastrup, Hoeje Taastrup and Hoje-Tastrup give the same key."""
    key = danish.normalise(text).translate(_LOOSE_LETTERS)
    for pair, single in _LOOSE_PAIRS:
        key = key.replace(pair, single)
    return re.sub(r"\s+", " ", key).strip()


def loose_area_aliases(aliases: dict[str, str]) -> dict[str, str]:
    """area_key -> code for every alias; a key that two areas would share is left out."""
    out: dict[str, str] = {}
    clashes = set()
    for alias, code in aliases.items():
        key = area_key(alias)
        if out.setdefault(key, code) != code:
            clashes.add(key)
    return {key: code for key, code in out.items() if key not in clashes}


def match_area(raw, aliases: dict[str, str], loose: dict[str, str]) -> str | None:
    """The code of an area as users write it: an exact alias, else its loose form, also in the genitive
    ("Københavns Kommune", "Frederiksbergs"). ``loose`` is loose_area_aliases(aliases)."""
    code = aliases.get(danish.normalise(raw))
    if code is not None:
        return code
    key = area_key(raw)
    if key in loose:
        return loose[key]
    return loose.get(key[:-1]) if key.endswith("s") else None


def closest(raw, choices: dict[str, str], key=None) -> str | None:
    """The choice nearest to an unknown value, for "mente du …?"; ``choices`` maps each choice's key
    (made with ``key``, danish.normalise by default) to what is shown. None when nothing is close."""
    key = key or danish.normalise
    near = difflib.get_close_matches(key(raw), list(choices), n=1, cutoff=0.8)
    return choices[near[0]] if near else None


def connect(
    path: Path | None = None, read_only: bool = False, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writable connection also makes sure schema and reference data are current."""
    path = Path(path) if path else config.warehouse_path()
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        str(path), config={"memory_limit": memory_limit or config.LOADER_MEMORY_LIMIT, "preserve_insertion_order": True}
    )
    ensure_schema(con)
    return con


def schema_sql() -> str:
    """schema.sql with what it takes from the code filled in: the visitation lines' measure columns and
    the view that reads them one row per measure, and the name of the first classification era."""
    return SCHEMA_SQL.read_text(encoding="utf-8").format(
        measure_columns=visitation_lines.schema_columns_sql(),
        fact_visitation=visitation_lines.by_measure_view_sql(),
        first_era=quote(FIRST_ERA),
    )


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create table if not exists meta (key varchar primary key, value varchar)")
    version = reference_version()
    current = con.execute("select value from meta where key = 'reference_version'").fetchall()
    if current and current[0][0] == version:
        return
    # Reference tables hold no facts, so a new version of them (or of their columns) is a rebuild.
    tables = reference_tables()
    try:
        with transaction(con):
            for name in _REFERENCE_TABLES:
                con.execute(f"drop table if exists {name}")
            _set_aside_visitation_by_measure(con)
            _ensure_code_types(con, tables)
            _upgrade_load_log(con)
            con.execute(schema_sql())
            _move_visitation_to_lines(con)
            _insert_reference(con, version, tables)
    except (duckdb.BinderException, duckdb.CatalogException, duckdb.ConversionException) as exc:
        # Fact tables are never rewritten behind the user's back: an older layout needs a rebuild.
        path = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchall()
        raise WarehouseOutdated(
            f"Lageret {path[0][0]} er bygget med en ældre version af skemaet. Gem egne udtræk, slet filen og start "
            f"igen (demo og offentliggjorte tal bygges på ny); indlæs derefter egne udtræk. ({exc})"
        ) from exc
    if con.execute(
        "select (select count(*) from agg_visitation) = 0 and exists (select 1 from fact_visitation)"
    ).fetchall()[0][0]:
        aggregates.reaggregate(con)  # a warehouse from before the aggregate existed


# The visitation facts keep their dimension codes as ENUMs (a byte each rather than a string): writing a
# national extract costs about a third less and the table is smaller. Type name -> (its column,
# the vocabulary it takes its values from); names and columns are this allow-list, never input.
CODE_TYPES = {
    "area_code_t": ("area_code", "area"),
    "benefit_t": ("benefit", "benefit"),
    "gender_t": ("gender", "gender"),
    "age_group_t": ("age_group", "age_group"),
    "origin_t": ("origin", "origin"),
    "category_t": ("category", "category"),
    "measure_t": ("measure", "measure"),
}


def code_type_values(tables: dict[str, pa.Table]) -> dict[str, list[str]]:
    """Each code type's values, from the reference tables."""
    cats = tables["categories"].to_pylist()
    out = {}
    for type_name, (_, dimension) in CODE_TYPES.items():
        if dimension == "area":
            out[type_name] = tables["areas"].column("area_code").to_pylist()
        else:
            out[type_name] = [c["code"] for c in cats if c["dimension"] == dimension]
    return out


# Where visitation codes are stored: the lines, and (only during an upgrade) an older warehouse's
# one-row-per-measure table, set aside under this name until its facts are moved to the lines.
_VISITATION_TABLES = ("visitation_lines", "visitation_by_measure_old")


def _base_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main' and not temporary"
        ).fetchall()
    }


def _ensure_code_types(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> None:
    """Create the code types, or rebuild one whose values the reference data changed (inside a transaction).

    A type in use cannot be altered, so its columns go to text and back; a code still in use that the
    new reference data dropped makes that fail (ConversionException), and the warehouse is reported outdated.
    """
    present = _base_tables(con)
    columns = {
        table: dict(
            con.execute(
                "select column_name, data_type from duckdb_columns() where table_name = ? and schema_name = 'main'",
                [table],
            ).fetchall()
        )
        for table in _VISITATION_TABLES
        if table in present
    }
    for type_name, values in code_type_values(tables).items():
        column = CODE_TYPES[type_name][0]
        users = [table for table, types in columns.items() if column in types]
        exists = con.execute(
            "select count(*) from duckdb_types() where type_name = ? and schema_name = 'main'", [type_name]
        ).fetchall()[0][0]
        current = con.execute(f"select enum_range(null::{type_name})").fetchall()[0][0] if exists else None
        if current == values and all(columns[t][column].startswith("ENUM") for t in users):
            continue
        for table in users:
            con.execute(f"alter table {table} alter column {column} type varchar")
        # The fact_visitation view names measure_t: it goes with the type and schema.sql makes it again.
        con.execute("drop view if exists fact_visitation")
        con.execute(f"drop type if exists {type_name}")
        con.execute(f"create type {type_name} as enum (select unnest(?::varchar[]))", [values])
        for table in users:
            con.execute(f"alter table {table} alter column {column} type {type_name}")


def _set_aside_visitation_by_measure(con: duckdb.DuckDBPyConnection) -> None:
    """An older warehouse's fact_visitation table (one row per measure) makes way for the view of that name."""
    if "fact_visitation" in _base_tables(con):
        con.execute("alter table fact_visitation rename to visitation_by_measure_old")


def _move_visitation_to_lines(con: duckdb.DuckDBPyConnection) -> None:
    """The set-aside facts, loads and replacements as they were, into the lines (after schema.sql)."""
    if "visitation_by_measure_old" in _base_tables(con):
        con.execute(visitation_lines.from_rows_per_measure_sql("visitation_by_measure_old"))
        con.execute("drop table visitation_by_measure_old")


def _upgrade_load_log(con: duckdb.DuckDBPyConnection) -> None:
    """Loads logged with a bare SHA-256 hex digest get the ``algorithm:hex`` form (inside a transaction)."""
    columns = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where table_name = 'load_log' and schema_name = 'main'"
        ).fetchall()
    }
    if "sha256" in columns and "file_digest" not in columns:
        con.execute("alter table load_log rename column sha256 to file_digest")
        con.execute("update load_log set file_digest = 'sha256:' || file_digest")
    if columns and "api_version" not in columns:  # loads from before API v3 have none
        con.execute("alter table load_log add column api_version varchar")


def _reference_files() -> list[Path]:
    return sorted(config.REFERENCE_DIR.glob("*.csv"))


def reference_version() -> str:
    """A digest of the reference data and the schema: a warehouse built from other ones is rebuilt on open."""
    digest = hashlib.sha256()
    for f in _reference_files():
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    digest.update(SCHEMA_SQL.name.encode())
    digest.update(schema_sql().encode("utf-8"))
    return digest.hexdigest()[:16]


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(config.REFERENCE_DIR / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _none(text: str):
    return text if text not in ("", None) else None


def _bool(text: str):
    return {"true": True, "false": False}.get(text) if text else None


def _arrow(rows: list[dict], columns: list[str]) -> pa.Table:
    return pa.table({c: [r[c] for r in rows] for c in columns})


def reference_tables() -> dict[str, pa.Table]:
    """The reference dimensions as Arrow tables, built from data/reference/."""
    kommuner = _read_csv("kommuner.csv")
    areas = [
        dict(
            area_code=NATIONAL_CODE,
            area_name=NATIONAL_NAME,
            area_type="land",
            region=None,
            jobindsats_name=NATIONAL_NAME,
            population=sum(int(k["indbyggere"]) for k in kommuner),
            sort_order=0,
        )
    ]
    for i, (region, code) in enumerate(sorted(REGIONS.items(), key=lambda kv: kv[1]), start=1):
        areas.append(
            dict(
                area_code=code,
                area_name=region,
                area_type="region",
                region=region,
                jobindsats_name=region,
                population=sum(int(k["indbyggere"]) for k in kommuner if k["region"] == region),
                sort_order=i,
            )
        )
    for i, k in enumerate(kommuner, start=10):
        areas.append(
            dict(
                area_code=k["kommunekode"],
                area_name=k["kommune"],
                area_type="kommune",
                region=k["region"],
                jobindsats_name=k["jobindsats_navn"],
                population=int(k["indbyggere"]),
                sort_order=i,
            )
        )
    areas.append(
        dict(
            area_code=UNKNOWN_AREA_CODE,
            area_name="Uoplyst område",
            area_type="uoplyst",
            region=None,
            jobindsats_name="Uoplyst område",
            population=None,
            sort_order=999,
        )
    )

    aliases: dict[str, str] = {}
    for a in areas:
        code = a["area_code"]
        for alias in (a["area_name"], a["jobindsats_name"], code, code.zfill(4)):
            aliases.setdefault(danish.normalise(alias), code)
        if a["area_type"] == "region":
            aliases.setdefault(danish.normalise(a["area_name"].removeprefix("Region ")), code)
    for alias, code in EXTRA_AREA_ALIASES.items():
        aliases.setdefault(danish.normalise(alias), code)

    cats = _read_csv("categories.csv")
    categories = [
        dict(
            dimension=c["dimension"],
            code=c["code"],
            label=c["label"],
            valid_from=_none(c["valid_from"]),
            valid_to=_none(c["valid_to"]),
            sort_order=int(c["sort_order"]),
            ready=_bool(c["ready"]),
            special_needs=_bool(c["special_needs"]),
            is_total=c["total"] == "true",
            parent=_none(c["parent"]),
        )
        for c in cats
    ]
    vocab = [(c["dimension"], c["code"], c["label"], c["aliases"]) for c in cats]
    guidance_areas = _read_csv("guidance_areas.csv")
    vocab += [("guidance_area", g["guidance_area"], g["label"], g["aliases"]) for g in guidance_areas]
    lines = _read_csv("investment_lines.csv")
    vocab += [("investment_line", line["line"], line["label"], line["aliases"]) for line in lines]
    cat_aliases: dict[tuple[str, str], str] = {}
    for dim, code, label, extra in vocab:
        for alias in [code, label, *[a for a in extra.split("|") if a]]:
            cat_aliases.setdefault((dim, danish.normalise(alias)), code)

    guidance = _read_csv("guidance.csv")
    return {
        "areas": _arrow(
            areas, ["area_code", "area_name", "area_type", "region", "jobindsats_name", "population", "sort_order"]
        ),
        "area_aliases": pa.table({"alias": list(aliases), "area_code": list(aliases.values())}),
        "categories": pa.table(
            {
                "dimension": [c["dimension"] for c in categories],
                "code": [c["code"] for c in categories],
                "label": [c["label"] for c in categories],
                "valid_from": pa.array([c["valid_from"] for c in categories], pa.string()),
                "valid_to": pa.array([c["valid_to"] for c in categories], pa.string()),
                "sort_order": [c["sort_order"] for c in categories],
                "ready": pa.array([c["ready"] for c in categories], pa.bool_()),
                "special_needs": pa.array([c["special_needs"] for c in categories], pa.bool_()),
                "is_total": [c["is_total"] for c in categories],
                "parent": pa.array([c["parent"] for c in categories], pa.string()),
            }
        ),
        "category_aliases": pa.table(
            {
                "dimension": [k[0] for k in cat_aliases],
                "alias": [k[1] for k in cat_aliases],
                "code": list(cat_aliases.values()),
            }
        ),
        "guidance_areas": pa.table(
            {
                "guidance_area": [g["guidance_area"] for g in guidance_areas],
                "label": [g["label"] for g in guidance_areas],
                "sort_order": [int(g["sort_order"]) for g in guidance_areas],
            }
        ),
        "guidance": pa.table(
            {
                "preset": [g["preset"] for g in guidance],
                "guidance_area": [g["guidance_area"] for g in guidance],
                "low": [float(g["low"]) for g in guidance],
                "high": [float(g["high"]) for g in guidance],
                "source": [g["source"] for g in guidance],
                "valid_from": pa.array([_none(g["valid_from"]) for g in guidance], pa.string()),
                "valid_to": pa.array([_none(g["valid_to"]) for g in guidance], pa.string()),
            }
        ),
        "investment_lines": pa.table(
            {
                "line": [x["line"] for x in lines],
                "label": [x["label"] for x in lines],
                "role": [x["role"] for x in lines],
                "sort_order": [int(x["sort_order"]) for x in lines],
            }
        ),
        "series_breaks": pa.table(
            {k: [r[k] for r in _read_csv("series_breaks.csv")] for k in ("break_date", "label", "description")}
        ),
    }


# Reference tables are replaced wholesale; the names are fixed here, never taken from input.
_REFERENCE_TABLES = (
    "areas",
    "area_aliases",
    "categories",
    "category_aliases",
    "guidance_areas",
    "guidance",
    "investment_lines",
    "series_breaks",
)


def _insert_reference(
    con: duckdb.DuckDBPyConnection, version: str | None = None, tables: dict[str, pa.Table] | None = None
) -> None:
    """Replace the reference tables' rows; the caller holds the transaction."""
    tables = tables or reference_tables()
    for name in _REFERENCE_TABLES:
        with arrow_view(con, "ref_arrow", tables[name]):
            con.execute(f"delete from {name}")
            con.execute(f"insert into {name} by name select * from ref_arrow")
    con.execute("insert or replace into meta values ('reference_version', ?)", [version or reference_version()])


@functools.cache
def _reference_cached() -> dict[str, pa.Table]:
    return reference_tables()


def clear_reference_cache() -> None:
    """After data/reference/ changed in this process (tests of a new classification era)."""
    _reference_cached.cache_clear()


def area_aliases() -> dict[str, str]:
    """alias -> area code from the reference data, for code that has no warehouse connection (the API client)."""
    table = _reference_cached()["area_aliases"]
    return dict(zip(table.column("alias").to_pylist(), table.column("area_code").to_pylist(), strict=True))


def category_aliases() -> frozenset[tuple[str, str]]:
    """(dimension, alias) pairs the reference data know, as the loader will map them."""
    table = _reference_cached()["category_aliases"]
    return frozenset(zip(table.column("dimension").to_pylist(), table.column("alias").to_pylist(), strict=True))


def vocabulary(con: duckdb.DuckDBPyConnection, dimension: str) -> dict[str, str]:
    """alias -> code for one dimension ('area' for areas)."""
    if dimension == "area":
        return dict(con.execute("select alias, area_code from area_aliases").fetchall())
    return dict(con.execute("select alias, code from category_aliases where dimension = ?", [dimension]).fetchall())


# Dimensions whose codes and labels have a table of their own: (table, code, label); every other
# dimension is in categories.
_OWN_TABLES = {
    "area": ("areas", "area_code", "area_name"),
    "guidance_area": ("guidance_areas", "guidance_area", "label"),
    "investment_line": ("investment_lines", "line", "label"),
}


def _labels_sql(dimension: str) -> tuple[str, list]:
    """SQL selecting (code, label) of a dimension in its order, and its parameters."""
    if dimension in _OWN_TABLES:
        table, code, label = _OWN_TABLES[dimension]
        return f"select {code}, {label} from {table} order by sort_order", []
    return "select code, label from categories where dimension = ? order by sort_order", [dimension]


def vocabulary_labels(con: duckdb.DuckDBPyConnection, dimension: str) -> list[str]:
    """The labels users may write for a dimension, for error messages."""
    return [label for _, label in con.execute(*_labels_sql(dimension)).fetchall()]


def code_labels(con: duckdb.DuckDBPyConnection, dimension: str) -> dict[str, str]:
    """code -> label of a dimension ('area' for areas), to name codes as users know them."""
    return dict(con.execute(*_labels_sql(dimension)).fetchall())


def population_of_denmark(con: duckdb.DuckDBPyConnection) -> int:
    """'Hele landet' in the reference data (the municipalities' populations summed): no count can be larger."""
    return con.execute("select population from areas where area_code = ?", [NATIONAL_CODE]).fetchall()[0][0]


def total_parts(con: duckdb.DuckDBPyConnection, kind, columns) -> dict[str, list[str]]:
    """Dimension column of ``kind`` -> the codes that are disjoint parts of its total (i_alt): not totals
    themselves and at the top of their hierarchy (no parent, or their own, as age bands are); subgroups
    would count twice."""
    return {
        column: [
            r[0]
            for r in con.execute(
                "select code from categories where dimension = ? and not is_total "
                "and (parent is null or parent = code) order by sort_order",
                [kind.column(column).dimension],
            ).fetchall()
        ]
        for column in columns
    }
