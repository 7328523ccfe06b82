"""Names as users write them, matched to what the reference data know when no exact spelling matches: an
area's loose form (the Danish letters however spelt, hyphens, apostrophes, the genitive) and the nearest choice for
a "mente du …?". The exact spellings themselves are reference data (pipelines/reference.py)."""

from __future__ import annotations

import difflib
import re

from pipelines import danish

# Area names as users write them, when no exact spelling matches: the Danish letters however spelt
# (æ/ae/a, ø/oe/o, å/aa/a: København, Koebenhavn, Kobenhavn), a few other accents, hyphens as spaces,
# apostrophes dropped ("Aarhus' Kommune"). "Kommune" is already gone (danish.normalise).
_LOOSE_LETTERS = str.maketrans(
    {"æ": "a", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u", "é": "e", "è": "e", "-": " ", "'": "", "’": ""}
)
_LOOSE_PAIRS = (("ae", "a"), ("oe", "o"), ("aa", "a"))


def area_key(text) -> str:
    """The loose form of an area name: Høje-Taastrup, Hoeje Taastrup and Hoje-Tastrup give the same key."""
    key = danish.normalise(text).translate(_LOOSE_LETTERS)
    for pair, single in _LOOSE_PAIRS:
        key = key.replace(pair, single)
    return re.sub(r"\s+", " ", key).strip()


def loose_area_aliases(aliases: dict[str, str]) -> dict[str, str]:
    """area_key -> code for every alias; a key that two areas would share is left out."""
    out: dict[str, str] = {}
    clashes = set()
    for alias, code in aliases.items():
        key = area_key(alias)
        if out.setdefault(key, code) != code:
            clashes.add(key)
    return {key: code for key, code in out.items() if key not in clashes}


def match_area(raw, aliases: dict[str, str], loose: dict[str, str]) -> str | None:
    """The code of an area as users write it: an exact alias, else its loose form, also in the genitive
    ("Københavns Kommune", "Frederiksbergs"). ``loose`` is loose_area_aliases(aliases)."""
    code = aliases.get(danish.normalise(raw))
    if code is not None:
        return code
    key = area_key(raw)
    if key in loose:
        return loose[key]
    return loose.get(key[:-1]) if key.endswith("s") else None


def closest(raw, choices: dict[str, str], key=None) -> str | None:
    """The choice nearest to an unknown value, for "mente du …?"; ``choices`` maps each choice's key
    (made with ``key``, danish.normalise by default) to what is shown. None when nothing is close."""
    key = key or danish.normalise
    near = difflib.get_close_matches(key(raw), list(choices), n=1, cutoff=0.8)
    return choices[near[0]] if near else None
