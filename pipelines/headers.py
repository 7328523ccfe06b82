"""A file's header read against the kinds: which kind it is (``detect_kind``), which column each header names
(``header_map``), and whether a line looks like a header at all (``known_header``, for the readers' header search).
Headers are compared as danish.normalise writes them, and a jobindsats "<group name>: <measure name>" also by the
measure's name alone."""

from __future__ import annotations

from pipelines import danish
from pipelines.kinds import KINDS, Kind


def header_map(kind: Kind, headers: list[str]) -> dict[int, str]:
    """Which source column (by position) holds which canonical column of this kind."""
    lookup: dict[str, str] = {}
    for col in kind.columns:
        for alias in col.aliases:
            lookup.setdefault(alias, col.name)
    for measure, (_, aliases) in kind.measure_columns.items():
        for alias in aliases:
            lookup.setdefault(alias, f"measure:{measure}")
    found: dict[int, str] = {}
    for i, header in enumerate(headers):
        name = next((lookup[key] for key in _header_keys(header) if key in lookup), None)
        if name is not None:
            found[i] = name
    return found


def _header_keys(header: str) -> tuple[str, ...]:
    """How a header is looked up: as written, then, for jobindsats' "<group name>: <measure name>" (a measure of a
    group that holds several, ../shared/jobindsats/README.md), by the measure's name alone."""
    norm = danish.normalise(header)
    group, sep, measure = norm.partition(": ")
    return (norm, measure) if sep and group and measure else (norm,)


def known_header(text: str) -> bool:
    return any(key in kind_aliases for key in _header_keys(text) for kind_aliases in _ALL_ALIASES)


_ALL_ALIASES = [
    {a for c in k.columns for a in c.aliases} | {a for _, al in k.measure_columns.values() for a in al}
    for k in KINDS.values()
]


def detect_kind(headers: list[str]) -> Kind | None:
    """The kind whose distinctive columns the headers match best, or None when nothing fits."""
    best, best_score = None, 0
    for kind in KINDS.values():
        mapped = set(header_map(kind, headers).values())
        score = len(mapped & set(kind.signature))
        required = {c.name for c in kind.columns if c.required}
        score += len(mapped & required) * 0.1
        if score > best_score + 0.001 and mapped & set(kind.signature):
            best, best_score = kind, score
    return best
