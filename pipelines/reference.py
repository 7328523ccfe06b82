"""The reference data (data/reference/*.csv) as the code reads it: areas and their spellings, the
categories and their aliases, as plain Python and Arrow tables.

No DuckDB here: the warehouse (pipelines/warehouse.py) writes these tables into its schema, and code
without a warehouse (the jobindsats API client) matches area and category names with them.
"""

from __future__ import annotations

import csv
import functools

import pyarrow as pa

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
