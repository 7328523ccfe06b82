"""The reference data (data/reference/*.csv) as the code reads it: areas and their spellings, the
categories and their aliases, as plain Python and Arrow tables.

No DuckDB here: the warehouse (pipelines/warehouse.py) writes these tables into its schema, and code
without a warehouse (the jobindsats API client) matches area and category names with them.
"""

from __future__ import annotations

import csv
import functools

import pyarrow as pa
import pyarrow.csv as pacsv

from pipelines import config, danish

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


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(config.REFERENCE_DIR / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _table(name: str, columns: list[str], **types: pa.DataType) -> pa.Table:
    """Columns of a reference file in the order given, typed (text unless said), an empty cell as null."""
    options = pacsv.ConvertOptions(
        include_columns=columns, column_types={c: types.get(c, pa.string()) for c in columns}, strings_can_be_null=True
    )
    return pacsv.read_csv(config.REFERENCE_DIR / name, convert_options=options)


def _areas() -> list[dict]:
    """Hele landet, the regions, the municipalities and "Uoplyst område", with populations."""
    kommuner = _read_csv("kommuner.csv")
    land = dict(area_type="land", region=None, population=sum(int(k["indbyggere"]) for k in kommuner), sort_order=0)
    areas = [dict(area_code=NATIONAL_CODE, area_name=NATIONAL_NAME, jobindsats_name=NATIONAL_NAME, **land)]
    for i, (region, code) in enumerate(sorted(REGIONS.items(), key=lambda kv: kv[1]), start=1):
        people = sum(int(k["indbyggere"]) for k in kommuner if k["region"] == region)
        areas.append(
            dict(
                area_code=code,
                area_name=region,
                area_type="region",
                region=region,
                jobindsats_name=region,
                population=people,
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
    unknown = "Uoplyst område"
    areas.append(
        dict(
            area_code=UNKNOWN_AREA_CODE,
            area_name=unknown,
            area_type="uoplyst",
            region=None,
            jobindsats_name=unknown,
            population=None,
            sort_order=999,
        )
    )
    return areas


def reference_tables() -> dict[str, pa.Table]:
    """The reference dimensions as Arrow tables, built from data/reference/: the areas and every spelling of
    them, the categories (and guidance areas, investment lines) with their aliases, and the plain tables."""
    areas = _areas()
    aliases: dict[str, str] = {}
    for a in areas:
        code = a["area_code"]
        for alias in (a["area_name"], a["jobindsats_name"], code, code.zfill(4)):
            aliases.setdefault(danish.normalise(alias), code)
        if a["area_type"] == "region":
            aliases.setdefault(danish.normalise(a["area_name"].removeprefix("Region ")), code)
    for alias, code in EXTRA_AREA_ALIASES.items():
        aliases.setdefault(danish.normalise(alias), code)

    vocab = [(c["dimension"], c["code"], c["label"], c["aliases"]) for c in _read_csv("categories.csv")]
    vocab += [("guidance_area", g["guidance_area"], g["label"], g["aliases"]) for g in _read_csv("guidance_areas.csv")]
    vocab += [("investment_line", x["line"], x["label"], x["aliases"]) for x in _read_csv("investment_lines.csv")]
    cat_aliases: dict[tuple[str, str], str] = {}
    for dim, code, label, extra in vocab:
        for alias in [code, label, *[a for a in extra.split("|") if a]]:
            cat_aliases.setdefault((dim, danish.normalise(alias)), code)

    categories = _table(
        "categories.csv",
        [
            "dimension",
            "code",
            "label",
            "valid_from",
            "valid_to",
            "sort_order",
            "ready",
            "special_needs",
            "total",
            "parent",
        ],
        sort_order=pa.int64(),
        ready=pa.bool_(),
        special_needs=pa.bool_(),
        total=pa.bool_(),
    )
    is_total = pa.array([v is True for v in categories["total"].to_pylist()])  # only "true" is marked
    area_columns = ["area_code", "area_name", "area_type", "region", "jobindsats_name", "population", "sort_order"]
    return {
        "areas": pa.table({c: [a[c] for a in areas] for c in area_columns}),
        "area_aliases": pa.table({"alias": list(aliases), "area_code": list(aliases.values())}),
        "categories": categories.set_column(categories.schema.get_field_index("total"), "is_total", is_total),
        "category_aliases": pa.table(
            {
                "dimension": [k[0] for k in cat_aliases],
                "alias": [k[1] for k in cat_aliases],
                "code": list(cat_aliases.values()),
            }
        ),
        "guidance_areas": _table("guidance_areas.csv", ["guidance_area", "label", "sort_order"], sort_order=pa.int64()),
        "guidance": _table(
            "guidance.csv",
            ["preset", "guidance_area", "low", "high", "source", "valid_from", "valid_to"],
            low=pa.float64(),
            high=pa.float64(),
        ),
        "investment_lines": _table(
            "investment_lines.csv", ["line", "label", "role", "sort_order"], sort_order=pa.int64()
        ),
        "series_breaks": _table("series_breaks.csv", ["break_date", "label", "description"]),
    }


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
