"""Danish text in the pipeline: numbers and counts as its messages write them, and how text from a file is
compared with the names it may mean.

The pipeline's one definition of each: the app's presentation formats its own figures (rounding, missing
values), but a number the pipeline writes into a message or a report line is written here.
"""

from __future__ import annotations

import re
import unicodedata


def number(value: float | int) -> str:
    """A number as messages show it: 1.234 or 1.234,5 (thousands dots, decimal comma)."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:,.6f}".rstrip("0").rstrip(".").translate(str.maketrans(",.", ".,"))


def count(n: int, singular: str, plural: str) -> str:
    """A count with its noun in the right number: (1, "række", "rækker") -> "1 række", 2112880 -> "2.112.880 rækker"."""
    return f"{number(n)} {singular if n == 1 else plural}"


# The benchmark's two series, as the query names them and the chart colours and labels them.
ACTUAL_LABEL = "Faktisk"
EXPECTED_LABEL = "Forventet"


def normalise(text) -> str:
    """How a header or a value from a file is compared with the names the pipeline knows: NFC, the byte-order
    mark and surrounding quotes removed, inner white space folded, lower case, and a trailing " kommune"
    dropped (an area is the same with or without it)."""
    text = unicodedata.normalize("NFC", str(text)).replace("\ufeff", "")
    text = re.sub(r"\s+", " ", text).strip().strip('"').strip().lower()
    return re.sub(r" kommune$", "", text)
