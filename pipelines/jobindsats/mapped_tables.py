"""Which jobindsats tables Helhedsblik loads, and how: data/jobindsats_mapping.csv, and the value ids of
data/reference/jobindsats_values.csv.

One row of the mapping per mapped dimension or measure of a table:
- ``id`` starting with ``_`` is a dimension (``_viskat_1int``): asked for with every value, its column holds the
  warehouse column ``maps_to`` (a category, a benefit group);
- any other row is a measure, found in a reply by its column ``label`` (compared ignoring case and spacing, with
  the "<group name>: " prefix understood, see replies.py), or, where no saved reply shows the label, by its
  measure group's id (``id``, such as ``mgrpc07_1``) through the group's name in the table's metadata.
- ``period_type`` (on any row of the table) is the period type fetched; the table's metadata must have it.
Measures are always asked as ``mgroup.*=*``: no public reply shows where a group's measures sit in the metadata,
so measure ids are not used (../shared/jobindsats/README.md).
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipelines import config
from pipelines.jobindsats.errors import JobindsatsError
from pipelines.kinds import KINDS
from pipelines.rules import DIM, VALUE_ROLES

MAPPING_PATH = config.DATA_DIR / "jobindsats_mapping.csv"
VALUES_FILE = "jobindsats_values.csv"  # in data/reference/
_TABLE_ID = re.compile(r"^[a-z0-9_]{1,40}$")
_ID = re.compile(r"^[A-Za-z0-9_]{1,60}$")


@dataclass(frozen=True)
class MappedMeasure:
    maps_to: str  # a value column of the kind, or a visitation measure
    label: str | None  # the reply's column label, as a saved reply shows it
    mgroup: str | None  # the measure group's id, where the label is not known


@dataclass(frozen=True)
class TableMapping:
    table_id: str
    kind: str
    period_type: str | None  # None: M if the table has it, else its first period type
    dimensions: tuple[tuple[str, str], ...]  # (dimension id, warehouse column), in the order they are asked
    measures: tuple[MappedMeasure, ...]
    notes: dict[str, str] = field(default_factory=dict)


def mapping() -> dict[str, TableMapping]:
    """The mapped tables by lower-case table id, read once from data/jobindsats_mapping.csv."""
    return read_mapping(MAPPING_PATH)


def _columns(kind: str) -> tuple[set[str], set[str]]:
    """(dimension columns, value columns and measures) a row of this kind may map to."""
    k = KINDS[kind]
    dims = {c.name for c in k.columns if c.role == DIM and c.name != "measure"}
    values = {c.name for c in k.columns if c.role in VALUE_ROLES and c.name != "value"} | set(k.measure_columns)
    return dims, values


@functools.lru_cache(maxsize=4)
def read_mapping(path: Path) -> dict[str, TableMapping]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    tables: dict[str, dict] = {}
    for line, row in enumerate(rows, start=2):
        cell = {k: (v or "").strip() for k, v in row.items() if k}
        table_id, kind, id_, label, maps_to = (cell.get(k, "") for k in ("table_id", "kind", "id", "label", "maps_to"))
        where = f"{path.name}, række {line}"
        if not _TABLE_ID.match(table_id.lower()):
            raise JobindsatsError(f"{where}: table_id skal udfyldes med bogstaver, tal og _ (fx y60a02)")
        if kind not in KINDS:
            raise JobindsatsError(f"{where}: ukendt type '{kind}'; forventede en af {', '.join(KINDS)}")
        if id_ and not _ID.match(id_):
            raise JobindsatsError(f"{where}: id '{id_}' må kun have bogstaver, tal og _")
        entry = tables.setdefault(
            table_id.lower(), {"kind": kind, "period_type": None, "dimensions": [], "measures": [], "notes": {}}
        )
        if entry["kind"] != kind:
            raise JobindsatsError(f"{where}: {table_id} har allerede typen {entry['kind']}")
        entry["period_type"] = entry["period_type"] or cell.get("period_type") or None
        _add_row(entry, where, kind, id_, label, maps_to)
        if cell.get("note"):
            entry["notes"][id_ or label] = cell["note"]
    out = {}
    for table_id, e in tables.items():
        if not e["measures"]:
            raise JobindsatsError(f"{path.name}: {table_id} har ingen målinger")
        out[table_id] = TableMapping(
            table_id, e["kind"], e["period_type"], tuple(e["dimensions"]), tuple(e["measures"]), e["notes"]
        )
    return out


def _add_row(entry: dict, where: str, kind: str, id_: str, label: str, maps_to: str) -> None:
    """One row's dimension or measure into its table's entry, checked against the kind's columns."""
    dims, values = _columns(kind)
    if id_.startswith("_"):
        if maps_to not in dims:
            raise JobindsatsError(
                f"{where}: dimensionen {id_} skal pege på en dimension for {kind} ({', '.join(sorted(dims))}), "
                f"ikke '{maps_to}'"
            )
        entry["dimensions"].append((id_, maps_to))
        return
    if maps_to not in values:
        raise JobindsatsError(
            f"{where}: '{maps_to}' er ikke en måling for {kind}; forventede en af {', '.join(sorted(values))}"
        )
    if not label and not id_:
        raise JobindsatsError(f"{where}: en måling skal have sin kolonnebetegnelse (label) eller gruppens id")
    entry["measures"].append(MappedMeasure(maps_to, label or None, id_ or None))


@functools.lru_cache(maxsize=4)
def read_values(path: Path) -> dict[tuple[str, str], str]:
    """(dimension_id, value_id) -> our code, from data/reference/jobindsats_values.csv."""
    if not path.exists():
        return {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {
            ((r.get("dimension_id") or "").strip().lower(), (r.get("value_id") or "").strip()): (
                r.get("code") or ""
            ).strip()
            for r in csv.DictReader(fh)
            if r.get("code")
        }


def value_codes() -> dict[tuple[str, str], str]:
    return read_values(config.REFERENCE_DIR / VALUES_FILE)


def table_in_name(name: str) -> str | None:
    """The one mapped table whose id stands in a file name as a word of its own (``y60a02-data.json``)."""
    words = set(re.split(r"[^a-z0-9]+", Path(name).name.lower()))
    found = [t for t in mapping() if t in words]
    return found[0] if len(found) == 1 else None
