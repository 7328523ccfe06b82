"""``python -m pipelines probe``: a municipality's first contact with the live API as a precise report.

With a key, it asks for the catalogue, each mapped table's metadata and one small data request (the newest
period for Hele landet, every value of the mapped dimensions, every measure), checks each against what
data/jobindsats_mapping.csv expects, says one Danish line per table (ok, or what differs), and saves every raw
reply, the key removed, in a folder the user can send with a bug report. Nothing is written to the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipelines.jobindsats.errors import JobindsatsError
from pipelines.jobindsats.mapped_tables import TableMapping, mapping
from pipelines.jobindsats.model import Catalogue, TableMeta, span
from pipelines.jobindsats.replies import check_layout, describe_missing, measure_positions
from pipelines.jobindsats.transport import Client


@dataclass
class ProbeLine:
    table_id: str
    differences: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def line(self) -> str:
        if self.ok:
            return f"{self.table_id}: ok ({'; '.join(self.facts)})"
        return f"{self.table_id}: AFVIGER: {'; '.join(self.differences)}"


def probe(client: Client, tables: list[str] | None = None, folder: Path | None = None) -> tuple[list[ProbeLine], Path]:
    """One line per mapped table, and the folder every reply was saved in (the client must keep all replies)."""
    wanted = [t.lower() for t in tables] if tables else list(mapping())
    lines = []
    try:
        catalogue: Catalogue | None = client.catalogue()
        problem = None
    except JobindsatsError as exc:
        catalogue, problem = None, f"kataloget: {exc}"
    for table_id in wanted:
        result = ProbeLine(table_id)
        spec = mapping().get(table_id)
        if spec is None:
            result.differences.append("ikke kortlagt i data/jobindsats_mapping.csv")
        else:
            if problem:
                result.differences.append(problem)
            _check(client, spec, catalogue, result)
        lines.append(result)
    return lines, client.save_replies(folder)


def _check(client: Client, spec: TableMapping, catalogue: Catalogue | None, result: ProbeLine) -> None:
    if catalogue is not None:
        _check_catalogue(spec, catalogue, result)
    try:
        meta = client.table(spec.table_id)
    except JobindsatsError as exc:
        result.differences.append(f"beskrivelsen: {exc}")
        return
    try:
        ptype = meta.period_type(spec.period_type)
        dims = [(d, meta.hierarchy_of(d).hierarchy_id) for d, _ in spec.dimensions]
        area = meta.area_hierarchy()
    except JobindsatsError as exc:
        result.differences.append(str(exc))
        return
    result.facts.append(f"{ptype} {span(meta.periods[ptype][-1:])}, {len(meta.periods[ptype])} perioder")
    for m in spec.measures:
        if m.mgroup and m.mgroup not in meta.mgroups:
            result.differences.append(
                f"beskrivelsen har ikke målegruppen {m.mgroup} ({m.maps_to}); den har {', '.join(meta.mgroups)}"
            )
    # A small request: the newest period for every area (one table ranks municipalities only, with no total).
    params = {"mgroup.*": "*", f"period.{ptype}": "latest:1", f"hierarchy.{area.hierarchy_id}": "*"}
    params.update({f"hierarchy.{h}": "*" for _, h in dims})
    try:
        reply = client.data(spec.table_id, params)
        check_layout(spec.table_id, reply.columns, len(dims))
        positions, missing = measure_positions(spec, meta, reply.columns, 2 + len(dims))
    except JobindsatsError as exc:
        result.differences.append(f"data: {exc}")
        return
    if missing:
        result.differences.append(describe_missing(spec, meta, missing, reply.columns[2 + len(dims) :]))
    if unmapped := [c for p, c in enumerate(reply.columns) if p >= 2 + len(dims) and p not in positions]:
        result.facts.append(f"ikke kortlagt: {', '.join(unmapped)}")
    result.facts.insert(0, f"{len(positions)} af {len({m.maps_to for m in spec.measures})} målinger fundet")
    _check_cells(reply, positions, result)


def _check_catalogue(spec: TableMapping, catalogue: Catalogue, result: ProbeLine) -> None:
    listed = catalogue.tables().get(spec.table_id)
    if listed is None:
        result.differences.append("findes ikke i kataloget (GET /v3/tables)")
        return
    entry = listed[0]
    missing = [k for k in ("update_latest", "update_next") if getattr(entry, k) is None]
    if missing:
        result.facts.append(f"kataloget har ingen {' eller '.join(missing)}")
    if entry.update_next:
        result.facts.append(f"næste opdatering {entry.update_next:%d.%m.%Y}")
    if spec.period_type and entry.period_last(spec.period_type) is None:
        result.facts.append(f"kataloget nævner ingen seneste periode af typen {spec.period_type}")


def _check_cells(reply, positions: dict[int, str], result: ProbeLine) -> None:
    text = [f"'{reply.columns[p]}': {row[p]!r}" for row in reply.rows for p in positions if isinstance(row[p], str)]
    if text:
        result.differences.append(f"tekst hvor tal forventes: {', '.join(text[:3])}")
    if not reply.rows:
        result.differences.append("data: svaret har ingen rækker for den seneste periode")


def describe(lines: list[ProbeLine], folder: Path) -> list[str]:
    """The report as printed: one line per table, then where the replies are."""
    out = [line.line() for line in lines]
    out.append(f"Alle svar (uden nøgle) er gemt i {folder}; send mappen med, hvis noget afviger.")
    return out


__all__ = ["ProbeLine", "probe", "describe", "TableMeta"]
