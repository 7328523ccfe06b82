"""A data reply -> one extract in our columns.

A reply's columns are ``Periode``, ``Område``, then one per dimension asked (in the order asked), then one per
measure (../shared/jobindsats/README.md). Measures are found by their labels, which drift between releases
("befolkningen16-66 år" became "befolkningen 16-66 år"): compared ignoring case and all spacing, and with the
group prefix understood: a measure of a group that holds several is labelled "<group name>: <measure name>", so a
label matches with or without the prefix when only one of the two has it. Where the mapping gives a measure
group's id rather than a label, its column is the one labelled with the group's name in the metadata.

The dimension columns are taken in the order they were asked. That order is what the real replies show (every
one of them asked its hierarchies in the metadata's order too, so which of the two decides is not settled): with
more than one dimension, each column's values are checked against its hierarchy, and a mismatch is a message.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from pipelines import danish, reference
from pipelines.jobindsats.errors import MappingMismatch, UnexpectedReply
from pipelines.jobindsats.mapped_tables import MappedMeasure, TableMapping, mapping, table_in_name, value_codes
from pipelines.jobindsats.model import DataReply, TableMeta
from pipelines.kinds import DIM, KINDS

FIRST_COLUMNS = ("Periode", "Område")
MAPPING_FILE = "data/jobindsats_mapping.csv"


def label_key(text) -> str:
    """How labels are compared across releases: case, the form of accents and all white space ignored."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", str(text)).replace("\ufeff", "")).lower()


def _split(label: str) -> tuple[str | None, str]:
    group, sep, measure = str(label).partition(": ")
    return (group, measure) if sep and group.strip() and measure.strip() else (None, str(label))


def same_label(column: str, mapped: str) -> bool:
    """Whether a reply's column label is the mapped label (the group prefix understood, see the module)."""
    if label_key(column) == label_key(mapped):
        return True
    column_group, column_measure = _split(column)
    mapped_group, mapped_measure = _split(mapped)
    if column_group is not None and mapped_group is None:  # the group has gained measures since
        return label_key(column_measure) == label_key(mapped)
    if column_group is None and mapped_group is not None:  # the group holds one measure only now
        return label_key(column) == label_key(mapped_measure)
    return False


def _group_columns(name: str, columns: list[str], first: int) -> list[int]:
    """The columns of a measure group by its name: labelled with it, or prefixed "<name>: "."""
    return [
        pos
        for pos in range(first, len(columns))
        if label_key(columns[pos]) == label_key(name) or label_key(_split(columns[pos])[0] or "") == label_key(name)
    ]


def measure_positions(
    spec: TableMapping, meta: TableMeta | None, columns: list[str], first: int
) -> tuple[dict[int, str], list[MappedMeasure]]:
    """Column position -> warehouse column of every mapped measure found, and the mapped measures not found.

    A measure given by its group's id is only found with the metadata; a group whose name heads several columns
    is a message (which of its measures is meant is for the mapping to say, by label)."""
    found: dict[int, str] = {}
    missing: list[MappedMeasure] = []
    for maps_to in dict.fromkeys(m.maps_to for m in spec.measures):
        hits: list[int] = []
        for m in (m for m in spec.measures if m.maps_to == maps_to):
            if m.label:
                hits = [pos for pos in range(first, len(columns)) if same_label(columns[pos], m.label)]
            elif meta is not None and m.mgroup in meta.mgroups:
                hits = _group_columns(meta.mgroups[m.mgroup], columns, first)
                if len(hits) > 1:
                    raise MappingMismatch(
                        f"Målegruppen {m.mgroup} ('{meta.mgroups[m.mgroup]}') i {spec.table_id} har flere målinger: "
                        f"{', '.join(repr(columns[p]) for p in hits)}. Angiv kolonnebetegnelsen for {maps_to} i "
                        f"{MAPPING_FILE}."
                    )
            if hits:
                break
        if len(hits) > 1:
            raise MappingMismatch(
                f"Flere kolonner i svaret for {spec.table_id} passer til {maps_to} "
                f"({', '.join(repr(columns[p]) for p in hits)}); gør betegnelsen i {MAPPING_FILE} entydig."
            )
        if not hits:
            missing += [m for m in spec.measures if m.maps_to == maps_to]
        elif hits[0] in found:
            raise MappingMismatch(
                f"Kolonnen '{columns[hits[0]]}' i svaret for {spec.table_id} passer både til {found[hits[0]]} og "
                f"{maps_to}; gør betegnelserne i {MAPPING_FILE} entydige."
            )
        else:
            found[hits[0]] = maps_to
    return found, missing


def describe_missing(spec: TableMapping, meta: TableMeta | None, missing: list[MappedMeasure], columns) -> str:
    """Danish: the mapped measures a reply lacks, what it has instead, and what to do."""
    wanted = []
    for m in missing:
        if m.label:
            wanted.append(f"'{m.label}' ({m.maps_to})")
        elif meta is not None and m.mgroup not in meta.mgroups:
            wanted.append(f"målegruppen {m.mgroup} ({m.maps_to}), som tabellens beskrivelse ikke har")
        else:
            wanted.append(f"målegruppen {m.mgroup} ({m.maps_to})")
    has = ", ".join(repr(c) for c in columns) or "ingen"
    return (
        f"Svaret for {spec.table_id} har ikke {', '.join(wanted)} ({MAPPING_FILE}); svarets kolonner er {has}. Ret "
        f"betegnelsen i {MAPPING_FILE} (kør evt. 'python -m pipelines probe'). Intet er indlæst."
    )


def dimension_header(dimension_id: str, maps_to: str, kind: str) -> str:
    """A dimension column's header: its jobindsats id where the loader knows it for that column (``_viskat_1int``
    also tells the benefit), else our column's name."""
    column = KINDS[kind].column(maps_to)
    return dimension_id if danish.normalise(dimension_id) in column.aliases else maps_to


@dataclass
class Mapped:
    """A reply in our columns: ``headers``, ``rows`` (JSON values), and what was left out, deliberately."""

    headers: list[str]
    rows: list[list]
    unmapped: list[str] = field(default_factory=list)  # measure columns no mapping names
    duplicates: int = 0  # rows that were exactly another row of the reply


def check_layout(table_id: str, columns: list[str], dimensions: int) -> None:
    """The documented layout: Periode, Område, one column per dimension asked, then at least one measure."""
    if [label_key(c) for c in columns[:2]] != [label_key(c) for c in FIRST_COLUMNS]:
        raise UnexpectedReply(
            f"Svaret på GET /v3/data/{table_id} er ikke af den dokumenterede form: de første kolonner er "
            f"{', '.join(repr(c) for c in columns[:2]) or 'ingen'}; forventede 'Periode' og 'Område'."
        )
    if len(columns) < 3 + dimensions:
        raise UnexpectedReply(
            f"Svaret på GET /v3/data/{table_id} er ikke af den dokumenterede form: det har {len(columns)} kolonner; "
            f"forventede Periode, Område, {dimensions} dimension(er) og mindst én måling."
        )


def map_reply(spec: TableMapping, meta: TableMeta, plan, reply: DataReply) -> Mapped:
    """A data reply in our columns: the periods and areas wanted, the mapped dimensions and measures.

    ``plan`` (planning.Plan) says which dimensions were asked, in order, and which periods and areas to keep."""
    k = len(plan.dimensions)
    check_layout(spec.table_id, reply.columns, k)
    positions, missing = measure_positions(spec, meta, reply.columns, 2 + k)
    if missing:
        raise MappingMismatch(describe_missing(spec, meta, missing, reply.columns[2 + k :]))
    value_maps = [_value_map(meta, d, h) for d, h, _ in plan.dimensions]
    if k > 1:
        _check_dimension_order(spec.table_id, meta, plan, reply)
    area_codes = reference.area_aliases()
    periods = set(plan.periods)
    out, seen, duplicates = [], set(), 0
    measure_cols = list(positions)
    for n, row in enumerate(reply.rows, start=1):
        period, area = row[0], row[1]
        if period not in periods:
            continue  # latest:N also brings newer periods than the ones wanted
        if plan.keep_areas is not None and area_codes.get(danish.normalise(area)) not in plan.keep_areas:
            continue  # "*" brings every area; only the ones wanted are kept
        for pos in measure_cols:
            _check_cell(spec.table_id, n, reply.columns[pos], row[pos])
        mapped = [period, area]
        mapped += [value_maps[i].get(label_key(row[2 + i]), row[2 + i]) for i in range(k)]
        mapped += [row[pos] for pos in measure_cols]
        key = tuple(mapped)
        if key in seen:
            duplicates += 1  # one row twice (a hierarchy with the same name at two levels): kept once
            continue
        seen.add(key)
        out.append(mapped)
    headers = ["period", "area"]
    headers += [dimension_header(d, column, spec.kind) for d, _, column in plan.dimensions]
    headers += [positions[p] for p in measure_cols]
    unmapped = [c for p, c in enumerate(reply.columns) if p >= 2 + k and p not in positions]
    return Mapped(headers, out, unmapped, duplicates)


def _check_cell(table_id: str, row: int, column: str, value) -> None:
    # Numbers are JSON numbers and a suppressed cell is null in every real reply: text is not a figure.
    if isinstance(value, str):
        raise UnexpectedReply(
            f"Svaret på GET /v3/data/{table_id} er ikke af den dokumenterede form: række {row}, kolonne "
            f"'{column}' er teksten {value[:40]!r}; forventede et tal eller null (diskretioneret)."
        )


def _value_map(meta: TableMeta, dimension_id: str, hierarchy_id: str) -> dict[str, str]:
    """label_key of a value's name -> our code, for values data/reference/jobindsats_values.csv maps by id."""
    codes = value_codes()
    return {
        label_key(v.value_name): codes[(dimension_id.lower(), v.value_id)]
        for v in meta.hierarchies[hierarchy_id].values
        if (dimension_id.lower(), v.value_id) in codes
    }


def _check_dimension_order(table_id: str, meta: TableMeta, plan, reply: DataReply) -> None:
    for i, (dimension_id, hierarchy_id, _) in enumerate(plan.dimensions):
        names = {label_key(v.value_name) for v in meta.hierarchies[hierarchy_id].values}
        strange = {row[2 + i] for row in reply.rows if label_key(row[2 + i]) not in names}
        if strange:
            raise MappingMismatch(
                f"Kolonne {3 + i} ('{reply.columns[2 + i]}') i svaret for {table_id} har værdier, som hierarkiet "
                f"{hierarchy_id} ({dimension_id}) ikke har ({', '.join(sorted(map(str, strange))[:5])}): "
                "dimensionernes kolonner står ikke i den rækkefølge, de blev spurgt efter."
            )


def saved_reply_headers(file_name: str, columns: list[str]) -> list[str] | None:
    """The headers a fetch gives, for a v3 reply saved under its mapped table's id (``y60a02-data.json``), or None
    for another file. Measures the mapping knows by label get our names; other columns keep theirs."""
    table_id = table_in_name(file_name)
    if table_id is None or [label_key(c) for c in columns[:2]] != [label_key(c) for c in FIRST_COLUMNS]:
        return None
    spec = mapping()[table_id]
    k = len(spec.dimensions)
    positions, _ = measure_positions(spec, None, columns, 2 + k)
    headers = ["period", "area"]
    headers += [dimension_header(d, column, spec.kind) for d, column in spec.dimensions][: len(columns) - 2]
    headers += [positions.get(p, columns[p]) for p in range(len(headers), len(columns))]
    return headers


def unknown_categories(spec: TableMapping, headers: list[str], rows: list[list]) -> list[str]:
    """Category values the reference data does not know, each with the periods it appears in."""
    kind = KINDS[spec.kind]
    dims = {}
    for pos, h in enumerate(headers):
        for col in kind.columns:
            if col.role == DIM and col.dimension and danish.normalise(h) in col.aliases:
                dims[pos] = col
    known = reference.category_aliases()
    seen: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        for pos, col in dims.items():
            value = row[pos]
            if value is None or (col.dimension, danish.normalise(value)) in known:
                continue
            seen.setdefault((col.label, str(value)), set()).add(str(row[0]))
    return [
        f"'{value}' ({label}) i perioderne {', '.join(sorted(periods))}"
        for (label, value), periods in sorted(seen.items())
    ]
