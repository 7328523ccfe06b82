"""One colour per category, the same in every view and every export.

The chart builders used to colour series by their order in the data, so "Aktivitetsparat" was light blue, orange
or pink depending on which categories a period happened to hold. Here a category code has its colour for good;
a series is found by its label or one of the reference data's aliases (``data/reference/categories.csv``:
"Aktivitetsparate" is ``aktivitetsparat``), and a series that is no category (an activation group, a comparison
line) gets a colour from its name, so it too keeps it from one view to the next.

Colour-blind safe: Okabe-Ito for today's categories, Paul Tol's muted scheme for the older classifications, so a
chart spanning 2007-2026 never shows two eras' categories in the same colour.
"""

from __future__ import annotations

import csv
import functools
import zlib
from collections.abc import Iterable

from pipelines import config

# category code -> colour.
COLOURS: dict[str, str] = {
    # Visitation categories from 2014 (Okabe-Ito).
    "jobparat": "#0072B2",
    "aktivitetsparat": "#E69F00",
    "uddannelsesparat": "#009E73",
    "aabenlyst_uddannelsesparat": "#56B4E9",
    "alle_uddannelsesparate": "#CC79A7",
    "uoplyst": "#999999",
    # Match groups 2010-2013.
    "jobklar": "#332288",
    "indsatsklar": "#AA4499",
    "midlertidigt_passiv": "#882255",
    # Match groups until 2009.
    "match_1": "#88CCEE",
    "match_2": "#44AA99",
    "match_3": "#117733",
    "match_4": "#DDCC77",
    "match_5": "#CC6677",
    "ikke_matchet": "#BBBBBB",
    "i_alt": "#000000",
}

# For series that are no category: picked by a checksum of the name, never by position.
FALLBACK = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#332288", "#882255", "#117733"]


@functools.cache
def _codes_by_name() -> dict[str, str]:
    """Lower-cased label or alias -> category code."""
    with open(config.REFERENCE_DIR / "categories.csv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["dimension"] == "category"]
    names: dict[str, str] = {}
    for row in rows:
        for name in [row["label"], row["code"], *row["aliases"].split("|")]:
            # A bare "1" is match group 1 in a file's column, but no series name: too loose to colour by.
            if name.strip() and not name.strip().isdigit():
                names.setdefault(name.strip().lower(), row["code"])
    return names


def code_of(series: str) -> str | None:
    """The category code a series name stands for, or None."""
    return _codes_by_name().get(str(series).strip().lower())


def colour_of(series: str) -> str:
    code = code_of(series)
    if code is not None and code in COLOURS:
        return COLOURS[code]
    return FALLBACK[zlib.crc32(str(series).encode("utf-8")) % len(FALLBACK)]


def scale_for(series: Iterable[str]) -> dict[str, list[str]]:
    """Altair scale arguments for these series in this order: ``alt.Scale(**colours.scale_for(names))``."""
    domain = list(dict.fromkeys(series))
    return {"domain": domain, "range": [colour_of(s) for s in domain]}
