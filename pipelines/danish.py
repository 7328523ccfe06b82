"""Danish text: numbers and counts as the app and its messages write them, and how text from a file is
compared with the names it may mean.

The one Danish number formatter is here (``number``): the pipeline's messages, the app's figures
(presentation/formatting.py adds missing values and units) and the exported files (no thousands dots) all use it.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

_MICRO = Decimal("1e-6")


def to_decimal(x) -> Decimal | None:
    """The value as a Decimal, or None when it is missing (None, NaN) or cannot be shown (infinite)."""
    if x is None:
        return None
    if isinstance(x, Decimal):
        return x if x.is_finite() else None
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"expected a number, got {type(x).__name__}: {x!r}")
    if isinstance(x, numbers.Integral):
        return Decimal(int(x))
    value = float(x)
    if not math.isfinite(value):
        return None
    # repr gives the shortest decimal that round-trips, so 2.675 rounds to 2,68 as a reader expects, not to
    # 2,67 as its binary value would; and Decimal writes it without an exponent, which Excel would misread.
    return Decimal(repr(value))


def number(value, decimals: int | None = None, grouping: bool = True) -> str:
    """A number the Danish way: 1234.56 -> "1.234,56" (thousands dots, decimal comma).

    ``decimals`` rounds half away from zero to that many. Without it an int or a Decimal is written exactly as it
    is, and a float as messages show it: whole as a whole number (12.0 -> "12"), else to at most six decimals
    (its binary noise gone). ``grouping=False`` leaves out the thousands dots (files a spreadsheet reads back).
    ``value`` must be finite (``to_decimal`` tells missing values apart)."""
    exact = value if isinstance(value, Decimal) and value.is_finite() else to_decimal(value)
    if exact is None:
        raise ValueError(f"not a finite number: {value!r}")
    if decimals is not None:
        if decimals < 0:
            raise ValueError(f"decimals must be 0 or more, got {decimals}")
        exact = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    elif isinstance(value, float) and exact.as_tuple().exponent < -6:
        exact = exact.quantize(_MICRO, rounding=ROUND_HALF_UP).normalize()
    elif isinstance(value, float) and exact == exact.to_integral_value():
        exact = exact.to_integral_value()
    # A value that rounds to zero must not keep its sign: "-0,0" reads as a real negative figure.
    sign = "-" if exact < 0 else ""
    whole, _, fraction = f"{abs(exact):f}".partition(".")
    if grouping:
        whole = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{whole},{fraction}" if fraction else f"{sign}{whole}"


def count(n: int, singular: str, plural: str) -> str:
    """A count with its noun in the right number: (1, "række", "rækker") -> "1 række", 2112880 -> "2.112.880 rækker"."""
    return f"{number(n)} {singular if n == 1 else plural}"


# The benchmark's two series, as the query names them and the chart colours and labels them.
ACTUAL_LABEL = "Faktisk"
# A series' rows by their source's kind (queries: ``kind``): the charts never join the two in one line.
DEMO_KIND_LABEL, REAL_KIND_LABEL = "Syntetiske demodata", "Rigtige tal"
EXPECTED_LABEL = "Forventet"


def normalise(text) -> str:
    """How a header or a value from a file is compared with the names the pipeline knows: NFC, the byte-order
    mark and surrounding quotes removed, inner white space folded, lower case, and a trailing " kommune"
    dropped (an area is the same with or without it)."""
    text = unicodedata.normalize("NFC", str(text)).replace("\ufeff", "")
    text = re.sub(r"\s+", " ", text).strip().strip('"').strip().lower()
    return re.sub(r" kommune$", "", text)
