"""Our terms -> v3 requests: which periods, areas and dimensions to ask for, and in how many parts.

Callers name a table, areas (names such as "Aarhus" or "Aarhus Kommune", or codes such as 751; ``*`` for all)
and periods ("latest:24", "2024M01", "2024M01-2024M12" or a comma list). Everything is checked against the
table's metadata before a data request is sent, so a period or an area it does not have is a Danish message
naming what it has.

Only request forms that real replies show are used (../shared/jobindsats/README.md):
- measures ``mgroup.*=*``;
- periods ``period.<type>=latest:N``: the N newest periods down to the oldest one wanted (newer ones that were
  not wanted are dropped from the reply, deliberately);
- areas ``hierarchy.<area hierarchy>=*``, which answers every municipality plus "Hele landet" and "Uoplyst
  område", or one value id (``/`` is the total) per request; never ``/`` beside ``*``, which would give Hele
  landet twice;
- each mapped dimension ``hierarchy.<its hierarchy>=*``; dimensions not asked for answer their total and have no
  column (real replies that left some out show no column for them).
A request larger than the client's ``max_cells`` is split by areas (periods cannot be split with latest:N).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from pipelines import area_names, danish, reference
from pipelines.jobindsats.errors import JobindsatsError, NotFound
from pipelines.jobindsats.mapped_tables import TableMapping
from pipelines.jobindsats.model import TableMeta, Value, span
from pipelines.periods import parse_period

SINGLE_AREAS = 8  # up to this many areas are asked one request each; more, as one "*" request kept in part


def resolve_periods(meta: TableMeta, wanted: str | Iterable[str], period_type: str) -> list[str]:
    """Period ids from "latest:24", "2024M01", "2024M01-2024M12" or a list, checked against the metadata."""
    items = [wanted] if isinstance(wanted, str) else list(wanted)
    items = [p.strip() for item in items for p in str(item).split(",") if p.strip()]
    if not items:
        raise JobindsatsError("Ingen periode valgt: angiv fx latest:24, 2024M01 eller 2024M01-2024M12")
    have = list(meta.periods.get(period_type, ()))
    out: list[str] = []
    for item in items:
        if item.lower().startswith("latest:"):
            out += _latest(meta, item, period_type, have)
            continue
        first, _, last = item.partition("-")
        p1, p2 = parse_period(first), parse_period(last or first)
        if p1 is None or p2 is None or p1.period_type != p2.period_type:
            raise JobindsatsError(
                f"Perioden '{item}' forstås ikke: forventede fx latest:24, 2024M01 eller 2024M01-2024M12"
            )
        if p1.period_type != period_type:
            raise NotFound(
                f"{meta.table_id} hentes med perioder af typen {period_type} (data/jobindsats_mapping.csv); "
                f"'{item}' er af typen {p1.period_type}. jobindsats.dk har {span(have)}"
            )
        chosen = [pid for pid in have if p1.start <= parse_period(pid).start <= p2.start]
        missing = [x.period for x in (p1, p2) if x.period not in have]
        if missing or not chosen:
            raise NotFound(f"Perioden {item} findes ikke i {meta.table_id}: jobindsats.dk har {span(have)}")
        out += chosen
    return [p for p in have if p in set(out)]


def _latest(meta: TableMeta, item: str, period_type: str, have: list[str]) -> list[str]:
    count = item.split(":", 1)[1].strip()
    if not count.isdigit() or int(count) < 1:
        raise JobindsatsError(f"'{item}' forstås ikke: forventede fx latest:24 (de seneste 24 perioder)")
    n = int(count)
    if n > len(have):
        raise NotFound(
            f"Der er bedt om de seneste {n} perioder af {meta.table_id}, men jobindsats.dk har kun "
            f"{len(have)} ({span(have)})"
        )
    return have[-n:]


def area_codes(values: Iterable[Value]) -> dict[str, Value]:
    """Our area code -> the area hierarchy's value, matched by the value's name (the API's own spelling: short
    names such as "Næstved", "København", "Hele landet", "Uoplyst område")."""
    aliases = reference.area_aliases()
    out: dict[str, Value] = {}
    for v in values:
        code = aliases.get(danish.normalise(v.value_name))
        if code is not None:
            out.setdefault(code, v)
    return out


def resolve_areas(meta: TableMeta, areas: str | Iterable[str] | None) -> dict[str, Value] | None:
    """The wanted areas, by our code, as values of the table's area hierarchy; None for all."""
    if areas is None or areas == "*":
        return None
    items = [areas] if isinstance(areas, str) else list(areas)
    items = [a.strip() for item in items for a in str(item).split(",") if a.strip()]
    if not items or "*" in items:
        return None
    hierarchy = meta.area_hierarchy()
    offered = area_codes(hierarchy.values)
    aliases = reference.area_aliases()
    loose = area_names.loose_area_aliases(aliases)
    out, unknown = {}, []
    for item in items:
        code = area_names.match_area(item, aliases, loose)
        if code is None or code not in offered:
            unknown.append(item)
        else:
            out[code] = offered[code]
    if unknown:
        raise NotFound(
            f"{meta.table_id} har ikke område{'rne' if len(unknown) > 1 else 't'} "
            f"{', '.join(repr(u) for u in unknown)} (hierarkiet {hierarchy.hierarchy_id}): forventede et kommunenavn "
            "(fx Aarhus) eller en kommunekode (fx 751)"
        )
    return out


@dataclass(frozen=True)
class Plan:
    """A fetch in v3 terms: the requests to send, and what to keep of their replies."""

    table_id: str
    kind: str
    period_type: str
    periods: list[str]  # the periods wanted, oldest first
    keep_areas: frozenset[str] | None  # our codes of the areas wanted; None: every area the replies hold
    dimensions: tuple[tuple[str, str, str], ...]  # (dimension id, hierarchy id, warehouse column), as asked
    parts: tuple[dict[str, str], ...]  # the parameters of each request


def plan(meta: TableMeta, spec: TableMapping, areas, periods, max_cells: int) -> Plan:
    """Translate a request in our terms into v3 requests, each of at most ``max_cells`` cells where it can be."""
    ptype = meta.period_type(spec.period_type)
    wanted = resolve_periods(meta, periods, ptype)
    have = list(meta.periods[ptype])
    latest = len(have) - have.index(wanted[0])  # down to the oldest period wanted
    dims = tuple((d, meta.hierarchy_of(d).hierarchy_id, column) for d, column in spec.dimensions)
    chosen = resolve_areas(meta, areas)
    area = meta.area_hierarchy()
    base = {"mgroup.*": "*", f"period.{ptype}": f"latest:{latest}"}
    members = math.prod(max(1, len(meta.hierarchies[h].values)) for _, h, _ in dims)
    per_area = latest * members * max(len(spec.measures), len(meta.mgroups), 1)
    every_area = max(1, len(area.values)) * per_area
    if per_area > max_cells:
        raise JobindsatsError(
            f"Én forespørgsel pr. område på {meta.table_id} ville være {danish.number(per_area)} celler (højst "
            f"{danish.number(max_cells)}): vælg færre perioder"
        )
    if chosen is None:
        asked = ["*"] if every_area <= max_cells else [v.value_id for v in area.values]
    else:
        one_by_one = len(chosen) <= SINGLE_AREAS or every_area > max_cells
        asked = [v.value_id for v in chosen.values()] if one_by_one else ["*"]
    parts = tuple(
        {**base, f"hierarchy.{area.hierarchy_id}": value, **{f"hierarchy.{h}": "*" for _, h, _ in dims}}
        for value in dict.fromkeys(asked)
    )
    keep = None if chosen is None else frozenset(chosen)
    return Plan(meta.table_id, spec.kind, ptype, wanted, keep, dims, parts)
