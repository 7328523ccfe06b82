"""Danish numbers (through pipelines.danish.number, the one formatter), dates and month names for text shown to
users, with missing values as "–", text made safe for Markdown, plus the matching Vega locale."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from pipelines import danish
from pipelines.periods import MONTHS_DA

MISSING = "–"

# Vega-Lite's config.locale: axes, tooltips and format() expressions then use the same Danish conventions as
# the formatters below, so a figure reads the same in a chart and in the text next to it.
VEGA_LOCALE: dict = {
    "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " kr."]},
    "time": {
        "dateTime": "%A den %d. %B %Y %X",
        "date": "%d.%m.%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"],
        "shortDays": ["søn", "man", "tir", "ons", "tor", "fre", "lør"],
        "months": list(MONTHS_DA),
        "shortMonths": ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
    },
}

_MILLION = Decimal(1_000_000)


def fmt_num(x, decimals: int = 1) -> str:
    """1234.56 -> "1.234,6"; missing -> "–"."""
    value = danish.to_decimal(x)
    return MISSING if value is None else danish.number(value, decimals)


def fmt_signed(x, decimals: int = 1, suffix: str = "") -> str:
    """A difference with its sign: 12.5 -> "+12,5", -3 -> "−3,0" (the minus sign, U+2212), 0.04 -> "0,0";
    missing -> "–"."""
    value = danish.to_decimal(x)
    if value is None:
        return MISSING
    text = danish.number(value, decimals)
    plus = "+" if not text.startswith("-") and text.strip("0,") else ""
    return f"{plus}{minus(text)}{suffix}"


def fmt_int(x) -> str:
    """1234567 -> "1.234.567"; floats are rounded half away from zero; missing -> "–"."""
    return fmt_num(x, 0)


# A count with its noun in the right number, written as the pipeline's messages write it: one definition.
fmt_count = danish.count


def fmt_pct(x, decimals: int = 1) -> str:
    """A value already in percent: 35.51 -> "35,5 %"; missing -> "–"."""
    value = danish.to_decimal(x)
    return MISSING if value is None else f"{danish.number(value, decimals)} %"


def fmt_mio(x, decimals: int = 1) -> str:
    """Kroner shown in millions: 9_900_000 -> "9,9 mio. kr."; missing -> "–"."""
    value = danish.to_decimal(x)
    return MISSING if value is None else f"{danish.number(value / _MILLION, decimals)} mio. kr."


MINUS = "\u2212"


def minus(text: str) -> str:
    """A formatted number with the typographic minus sign the charts print ("−1.849"), not a hyphen."""
    return MINUS + text[1:] if text.startswith("-") else text


def fmt_date(d: date | None) -> str:
    """date(2026, 11, 22) -> "22. november 2026"; None -> "–"."""
    if d is None:
        return MISSING
    return f"{d.day}. {MONTHS_DA[d.month - 1]} {d.year}"


def fmt_datetime(moment: datetime | None) -> str:
    """datetime(2026, 11, 22, 6, 5) -> "22. november 2026 kl. 06.05"; None -> "–"."""
    if moment is None:
        return MISSING
    return f"{fmt_date(moment.date())} kl. {moment:%H.%M}"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
# GitHub's autolinks ("https://…", "www.…", "navn@kommune.dk") are found in the text after escapes are undone,
# so an escape cannot stop them: an invisible word joiner inside the pattern does.
_AUTOLINK = re.compile(r"(?i)(?<=http)(?=s?\\:)|(?<=www)(?=\\\.)|(?=@)")
WORD_JOINER = "\u2060"
# Streamlit's own Markdown extensions start at a colon: ":material/home:" (an icon), ":smile:" (an emoji),
# ":red[…]" (colour). The icon is found in the text before Markdown escapes are read, so escaping the colon
# does not stop it; an invisible word joiner right after the colon does, for all three.
_SHORTCODE = re.compile(r"(?<=:)(?=[\w+\-/])")


def plain(text) -> str:
    """Text from data or from a server, safe to hand to a Streamlit element that renders Markdown:
    every Markdown character is escaped and every autolink broken, so it shows as typed (no links, images,
    emphasis, HTML, icons or emoji)."""
    return _AUTOLINK.sub(WORD_JOINER, _MARKDOWN_SPECIAL.sub(r"\\\1", _SHORTCODE.sub(WORD_JOINER, str(text))))


# How a Danish user writes a number: points between thousands (in groups of three) or none, a comma before
# the decimals. "6.7" does not match: the point would be a thousands separator, so it is refused, not guessed.
_DANISH_NUMBER = re.compile(r"[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?")


def parse_number(text) -> float:
    """ "650.000" -> 650000.0, "6,7" -> 6.7, "-1.234,5" -> -1234.5; spaces between thousands are allowed.
    Anything else raises ValueError with a Danish message that says how to write it."""
    cleaned = re.sub(r"\s", "", str(text)).replace("\u2212", "-")
    if not cleaned:
        raise ValueError("Skriv et tal.")
    if not _DANISH_NUMBER.fullmatch(cleaned):
        raise ValueError(
            f"»{text}« er ikke et tal. Skriv fx 650.000 eller 6,7 (punktum mellem tusinder, komma før decimaler)."
        )
    return float(cleaned.replace(".", "").replace(",", "."))
