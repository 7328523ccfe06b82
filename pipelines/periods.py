"""Periods in jobindsats form: 2024M01, 2024Q01, 2024QMAT02, 2024, and ranges such as 2007M01-2008M07;
the Danish month names; the name of the first classification era.

An extract holds few distinct period texts however many rows it has, so they are parsed here
and joined back onto the rows in SQL.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

# The one list of Danish month names (the app's labels and charts use it too).
MONTHS_DA = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
]
MONTHS_DA_SHORT = ["jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."]

MIN_YEAR, MAX_YEAR = 1980, 2100

# The classification era before the first series break (data/reference/series_breaks.csv): every period
# falls in the era of the break it follows, and the earliest ones in this one. Eras are never merged.
FIRST_ERA = "Matchgrupper 1-5"

_MONTH_RE = re.compile(r"(\d{4})M(\d{1,2})")
_QUARTER_RE = re.compile(r"(\d{4})[QK]0?([1-4])")
_ROLLING_YEAR_RE = re.compile(r"(\d{4})QMAT0?([1-4])")
_YEAR_RE = re.compile(r"(\d{4})")


@dataclass(frozen=True)
class Period:
    period: str
    period_type: str
    start: date
    end: date
    label: str


# The labels the app shows (Period.label and the sidebar's month labels), read back: "januar 2024", "jan. 2024",
# "1. kvt. 2024", "år til 2. kvt. 2024"; case and the dots do not matter.
_MONTH_LABEL = re.compile(r"([a-zæøå]{3,})\.?\s+(\d{4})")
_QUARTER_LABEL = re.compile(r"(år til\s+)?([1-4])\.?\s*(?:kvt\.?|kvartal)\s+(\d{4})")


def _from_label(text: str) -> str | None:
    """The jobindsats form of a Danish period label, or None."""
    text = re.sub(r"\s+", " ", text.strip().lower())
    if m := _MONTH_LABEL.fullmatch(text):
        word, year = m.group(1), m.group(2)
        # A full name or the start of one ("jan", "sept"); "maj" is both.
        month = next((i for i, name in enumerate(MONTHS_DA, start=1) if name.startswith(word)), None)
        return f"{year}M{month:02d}" if month else None
    if m := _QUARTER_LABEL.fullmatch(text):
        return f"{m.group(3)}{'QMAT' if m.group(1) else 'Q'}0{m.group(2)}"
    return None


def _one_period(text: str) -> Period | None:
    text = _from_label(text) or text.upper()
    if m := _ROLLING_YEAR_RE.fullmatch(text):
        y, q = int(m.group(1)), int(m.group(2))
        # A moving annual total: the four quarters ending with quarter q.
        start = date(y - 1, 3 * q + 1, 1) if q < 4 else date(y, 1, 1)
        end = date(y, 3 * q, calendar.monthrange(y, 3 * q)[1])
        return Period(f"{y}QMAT0{q}", "QMAT", start, end, f"år til {q}. kvt. {y}")
    if m := _QUARTER_RE.fullmatch(text):
        y, q = int(m.group(1)), int(m.group(2))
        return Period(
            f"{y}Q0{q}", "Q", date(y, 3 * q - 2, 1), date(y, 3 * q, calendar.monthrange(y, 3 * q)[1]), f"{q}. kvt. {y}"
        )
    if m := _MONTH_RE.fullmatch(text):
        y, mo = int(m.group(1)), int(m.group(2))
        if not 1 <= mo <= 12:
            return None
        return Period(
            f"{y}M{mo:02d}", "M", date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1]), f"{MONTHS_DA[mo - 1]} {y}"
        )
    if m := _YEAR_RE.fullmatch(text):
        y = int(m.group(1))
        return Period(str(y), "Y", date(y, 1, 1), date(y, 12, 31), str(y))
    return None


def parse_period(text: str | None) -> Period | None:
    """The canonical period, or None when the text is not a period we accept."""
    if text is None:
        return None
    text = str(text).strip().replace("–", "-")  # the app's own range labels use an en dash
    if "-" in text:
        left, _, right = text.partition("-")
        a, b = _one_period(left.strip()), _one_period(right.strip())
        if a is None or b is None or a.period_type != b.period_type or a.period_type not in ("M", "Y"):
            return None
        if a.start > b.start:
            return None
        p = Period(f"{a.period}-{b.period}", "RANGE", a.start, b.end, f"{a.label} – {b.label}")
    else:
        p = _one_period(text)
    if p is None or not (MIN_YEAR <= p.start.year <= MAX_YEAR and p.end.year <= MAX_YEAR):
        return None
    return p
