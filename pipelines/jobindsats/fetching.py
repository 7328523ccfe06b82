"""A fetch: plan the requests, send them, map every reply, and hand over one extract in our columns.

Nothing is written here: the extract is assembled in memory and loaded like any upload by pipelines/refresh.py
(or reviewed first on the Data page), so a failed part leaves the warehouse as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from pipelines.jobindsats.errors import MappingMismatch, NotFound, UnexpectedReply, UnknownCategories
from pipelines.jobindsats.mapped_tables import mapping
from pipelines.jobindsats.model import span
from pipelines.jobindsats.planning import Plan, plan
from pipelines.jobindsats.replies import map_reply, unknown_categories
from pipelines.jobindsats.transport import Client

CATEGORIES_FILE = "data/reference/categories.csv"


@dataclass
class Fetched:
    """A whole fetch, assembled in memory and mapped to our columns, ready to review or load."""

    table_id: str
    kind: str
    file_name: str
    payload: dict  # {"columns": [our headers], "rows": [...]}: loads like a saved v3 reply
    query: str  # every request as sent (without the key), one per line
    periods: list[str]
    rows: int
    notes: list[str] = field(default_factory=list)  # what was left out, deliberately (Danish)

    def as_bytes(self) -> bytes:
        return json.dumps(self.payload, ensure_ascii=False).encode("utf-8")


def mapped_table(table_id: str):
    spec = mapping().get(table_id)
    if spec is None:
        raise NotFound(
            f"Tabellen {table_id} er ikke kortlagt i data/jobindsats_mapping.csv; kortlagte tabeller: "
            f"{', '.join(sorted(mapping()))}"
        )
    return spec


def fetch(
    client: Client,
    table_id: str,
    areas: str | Iterable[str] = "*",
    periods: str | Iterable[str] = "latest:24",
    progress: Callable[[str, float], None] | None = None,
) -> Fetched:
    """Every part of a fetch, requested and assembled in memory; nothing is written."""
    progress = progress or (lambda step, frac: None)
    tid = client.table_id(table_id)
    spec = mapped_table(tid)
    progress("læser tabellens beskrivelse", 0.02)
    meta = client.table(tid)
    p = plan(meta, spec, areas, periods, client.max_cells)
    headers: list[str] | None = None
    rows: list[list] = []
    queries, unmapped, duplicates = [], set(), 0
    for n, params in enumerate(p.parts, start=1):
        progress(f"henter del {n} af {len(p.parts)}", 0.05 + 0.85 * (n - 1) / len(p.parts))
        reply = client.data(tid, params)
        queries.append(client.url(f"/data/{tid}", {"format": "json", **params}))
        try:
            mapped = map_reply(spec, meta, p, reply)
        except UnexpectedReply as exc:
            raise UnexpectedReply(str(exc) + client.saved_note()) from None
        if headers is None:
            headers = mapped.headers
        elif mapped.headers != headers:
            raise MappingMismatch(
                f"Delene af svaret for {tid} har forskellige kolonner (del {n}: {', '.join(mapped.headers)}; del 1: "
                f"{', '.join(headers)}): forventede de samme i alle dele.{client.saved_note()}"
            )
        rows += mapped.rows
        unmapped.update(mapped.unmapped)
        duplicates += mapped.duplicates
    if not rows or headers is None:
        raise NotFound(
            f"jobindsats.dk returnerede ingen data for {tid} med de valgte områder og perioder ({span(p.periods)})"
        )
    _refuse_unknown_categories(spec, headers, rows)
    progress("data hentet", 0.9)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    return Fetched(
        tid,
        spec.kind,
        f"jobindsats_{tid}_{stamp}.json",
        {"columns": headers, "rows": rows},
        "\n".join(queries),
        p.periods,
        len(rows),
        _notes(p, unmapped, duplicates),
    )


def _refuse_unknown_categories(spec, headers: list[str], rows: list[list]) -> None:
    unknown = unknown_categories(spec, headers, rows)
    if unknown:
        raise UnknownCategories(
            f"{spec.table_id} har kategorier, som referencedata ikke kender: {'; '.join(unknown[:20])}"
            f"{' …' if len(unknown) > 20 else ''}. Er det en ny klassifikation (fx beskæftigelsesreformen 2027)? "
            f"Tilføj hver værdi i {CATEGORIES_FILE} (kode, betegnelse, gyldighedsdatoer) og, hvis den indleder en "
            "ny periode, et brud i data/reference/series_breaks.csv; hent derefter igen. Intet er indlæst."
        )


def _notes(p: Plan, unmapped: set[str], duplicates: int) -> list[str]:
    notes = []
    if unmapped:
        notes.append(f"ikke kortlagt og ikke indlæst: {', '.join(sorted(unmapped))}")
    if duplicates:
        notes.append(f"{duplicates} rækker stod to gange i svaret og er indlæst én gang")
    return notes


__all__ = ["Fetched", "Plan", "fetch", "mapped_table"]
