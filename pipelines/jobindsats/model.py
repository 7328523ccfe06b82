"""One declared model of each jobindsats API v3 reply, and the table metadata as the rest of the client uses it.

The models follow ../shared/jobindsats/README.md (the contract). What rests on evidence, and what does not:
- Data (``{"columns", "rows"}``), the 422 error body (``{"code", "cause", "request_id"}``): real replies, in
  ../shared/jobindsats/real/. Cells are JSON numbers, text or null (no ``".."`` in 2.568 real cells).
- Metadata (``periods`` → ``periodtype_id`` / ``values`` → ``period_id``; ``dimensions`` → ``hierarchies`` →
  ``levels`` → ``values``; ``mgroups``): read exactly so by a production ETL and by public clients, but no full
  metadata reply is public. Where the measures sit inside a group is not known, so no field is declared for
  them: measures are asked as ``mgroup.*=*`` and found by their column labels.
- Catalogue (``subject_name`` → ``table_groups`` → ``tables`` with ``update_freq``, ``update_latest``,
  ``update_next`` and ``periods`` → ``periodtypes``): read exactly so by a production ETL. Whether ``periods``
  is one object or a list of them is not shown, so both are taken; ``mgroups`` in a catalogue entry was seen
  in a normalised dump only and is optional. A table without an update date or a period is still listed.

Keys beyond these are ignored; a declared key that is missing, or a value of another type, fails the reply in
one place, and transport.parse says which key and where (see UnexpectedReply).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from pydantic import BaseModel, ConfigDict, RootModel, StrictFloat, StrictInt, StrictStr, field_validator

from pipelines.jobindsats.errors import MappingMismatch, NotFound
from pipelines.periods import parse_period


class _Reply(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# --- metadata: GET /v3/table/{id} -------------------------------------------------------------------


class Value(_Reply):
    value_id: StrictStr  # a path: "/" is the total, members look like "/2/"
    value_name: StrictStr


class Level(_Reply):
    level_id: StrictStr
    values: list[Value]


class Hierarchy(_Reply):
    hierarchy_id: StrictStr
    levels: list[Level]

    @property
    def values(self) -> list[Value]:
        return [v for level in self.levels for v in level.values]


class Dimension(_Reply):
    dimension_id: StrictStr  # dimensions carry no name field
    hierarchies: list[Hierarchy]


class PeriodId(_Reply):
    period_id: StrictStr


class PeriodType(_Reply):
    periodtype_id: StrictStr
    values: list[PeriodId]


class MGroup(_Reply):
    mgroup_id: StrictStr
    mgroup_name: StrictStr


class TableMetadata(_Reply):
    periods: list[PeriodType]
    dimensions: list[Dimension]
    mgroups: list[MGroup]


# --- catalogue: GET /v3/tables ----------------------------------------------------------------------


class CataloguePeriodType(_Reply):
    periodtype_id: StrictStr
    period_last: StrictStr


class CataloguePeriods(_Reply):
    periodtypes: list[CataloguePeriodType]


class CatalogueTable(_Reply):
    table_id: StrictStr
    table_name: StrictStr
    update_freq: StrictStr | None = None
    update_latest: date | None = None
    update_next: date | None = None
    periods: list[CataloguePeriods] = []
    mgroups: list[MGroup] = []

    @field_validator("update_latest", "update_next", mode="before")
    @classmethod
    def _no_date(cls, value):
        return None if value == "" else value

    @field_validator("periods", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        return [value] if isinstance(value, dict) else value

    def period_last(self, period_type: str) -> str | None:
        """The newest period of a type, as the catalogue lists it (None when it does not)."""
        return next(
            (p.period_last for group in self.periods for p in group.periodtypes if p.periodtype_id == period_type), None
        )


class TableGroup(_Reply):
    table_group_name: StrictStr
    tables: list[CatalogueTable]


class Subject(_Reply):
    subject_name: StrictStr
    table_groups: list[TableGroup]


class Catalogue(RootModel[list[Subject]]):
    model_config = ConfigDict(frozen=True)

    def tables(self) -> dict[str, tuple[CatalogueTable, str, str]]:
        """Every table by its lower-case id, with its subject and table group."""
        return {
            t.table_id.lower(): (t, s.subject_name, g.table_group_name)
            for s in self.root
            for g in s.table_groups
            for t in g.tables
        }


# --- data: GET /v3/data/{id}, and the 422 error body ---------------------------------------------------

Cell = StrictInt | StrictFloat | StrictStr | None


class DataReply(_Reply):
    columns: list[StrictStr]
    rows: list[list[Cell]]


class ErrorReply(_Reply):
    code: int
    cause: StrictStr
    request_id: StrictStr | None = None


# Every key the models declare: where a reply's problem is told, a location stops at the first part that is not one.
DECLARED_KEYS = frozenset(
    name
    for model in (Value, Level, Hierarchy, Dimension, PeriodId, PeriodType, MGroup, TableMetadata)
    + (CataloguePeriodType, CataloguePeriods, CatalogueTable, TableGroup, Subject, DataReply, ErrorReply)
    for name in model.model_fields
)

# --- the metadata as the client uses it ------------------------------------------------------------------

AREA_DIMENSION = "_omrade"  # not a hierarchy: its hierarchies are _nykom, _region, _reko, _hele_landet …
MUNICIPALITIES = "_nykom"  # the area hierarchy asked for when the table has it
TOTAL = "/"


def period_sorted(ids) -> list[str]:
    """Period ids oldest first (ids that are not periods last, as given)."""

    def key(pid: str):
        p = parse_period(pid)
        return (0, p.start, pid) if p else (1, date.max, pid)

    return sorted(dict.fromkeys(ids), key=key)


@dataclass(frozen=True)
class TableMeta:
    """A table's metadata: the reply, and what the client asks of it."""

    table_id: str
    reply: TableMetadata
    periods: dict[str, tuple[str, ...]] = field(init=False)  # period type -> period ids, oldest first

    def __post_init__(self):
        periods: dict[str, list[str]] = {}
        for p in self.reply.periods:
            periods.setdefault(p.periodtype_id, []).extend(v.period_id for v in p.values)
        object.__setattr__(self, "periods", {t: tuple(period_sorted(ids)) for t, ids in periods.items()})

    @cached_property
    def hierarchies(self) -> dict[str, Hierarchy]:
        """Every hierarchy id of the table (what data requests name) -> the hierarchy."""
        return {h.hierarchy_id: h for d in self.reply.dimensions for h in d.hierarchies}

    @property
    def mgroups(self) -> dict[str, str]:
        return {g.mgroup_id: g.mgroup_name for g in self.reply.mgroups}

    def dimension(self, dimension_id: str):
        wanted = dimension_id.lower()
        return next((d for d in self.reply.dimensions if d.dimension_id.lower() == wanted), None)

    def area_hierarchy(self) -> Hierarchy:
        """The hierarchy areas are asked by: _nykom (the municipalities) when the table has it, else the first
        its area dimension lists."""
        area = self.dimension(AREA_DIMENSION)
        if area is None or not area.hierarchies:
            raise MappingMismatch(
                f"Beskrivelsen af {self.table_id} har ingen områdedimension ({AREA_DIMENSION} med hierarkier); "
                f"den har dimensionerne {', '.join(d.dimension_id for d in self.reply.dimensions) or 'ingen'}"
            )
        return next((h for h in area.hierarchies if h.hierarchy_id == MUNICIPALITIES), area.hierarchies[0])

    def hierarchy_of(self, dimension_id: str) -> Hierarchy:
        """The hierarchy a mapped dimension is asked by: its only one, else the one named as the dimension."""
        dim = self.dimension(dimension_id)
        if dim is None:
            raise MappingMismatch(
                f"{self.table_id} har ikke dimensionen {dimension_id} (data/jobindsats_mapping.csv); tabellen har "
                f"{', '.join(d.dimension_id for d in self.reply.dimensions) or 'ingen'}"
            )
        if len(dim.hierarchies) == 1:
            return dim.hierarchies[0]
        same = [h for h in dim.hierarchies if h.hierarchy_id.lower() == dim.dimension_id.lower()]
        if same:
            return same[0]
        raise MappingMismatch(
            f"Dimensionen {dimension_id} i {self.table_id} har "
            f"{'ingen hierarkier' if not dim.hierarchies else 'flere hierarkier: ' + ', '.join(self._ids(dim))}; "
            "hvilket der skal spørges efter, er ikke afklaret. Angiv hierarkiets id som dimension i "
            "data/jobindsats_mapping.csv"
        )

    @staticmethod
    def _ids(dim: Dimension) -> list[str]:
        return [h.hierarchy_id for h in dim.hierarchies]

    def period_type(self, preferred: str | None = None) -> str:
        """The period type to fetch: the mapping's, which the table must have; else M if offered, else the first."""
        if preferred:
            if preferred not in self.periods:
                raise NotFound(
                    f"Tabellen {self.table_id} har ingen perioder af typen {preferred}; den har "
                    f"{', '.join(self.periods) or 'ingen'}"
                )
            return preferred
        if not self.periods:
            raise NotFound(f"Tabellen {self.table_id} har ingen perioder i sin beskrivelse")
        return "M" if "M" in self.periods else next(iter(self.periods))

    def newest(self, period_type: str | None = None) -> str | None:
        ids = self.periods.get(self.period_type(period_type), ())
        return ids[-1] if ids else None


def span(ids) -> str:
    """A list of periods as messages name it: 2024M01–2026M08, one period, or 'ingen'."""
    ids = list(ids)
    if not ids:
        return "ingen"
    return ids[0] if len(ids) == 1 else f"{ids[0]}–{ids[-1]}"
