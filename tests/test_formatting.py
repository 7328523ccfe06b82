"""Danish number and date formatting: exact strings, missing values and rounding."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

import pytest

from presentation.formatting import fmt_count, fmt_date, fmt_int, fmt_mio, fmt_num, fmt_pct, fmt_signed


@pytest.mark.parametrize(
    "value, expected",
    [
        (1234567, "1.234.567"),
        (0, "0"),
        (999, "999"),
        (1000, "1.000"),
        (-1234567, "-1.234.567"),
        (1234.4, "1.234"),
        (1234.5, "1.235"),  # half away from zero, not Python's round-half-even
        (2.5, "3"),
        (-2.5, "-3"),
        (-0.4, "0"),  # no "-0"
        (Decimal("1234567.5"), "1.234.568"),
    ],
)
def test_fmt_int(value, expected):
    assert fmt_int(value) == expected


@pytest.mark.parametrize(
    "value, decimals, suffix, expected",
    [
        (12.5, 1, "", "+12,5"),
        (-3, 1, "", "\u22123,0"),
        (0.04, 1, "", "0,0"),  # rounds to zero: no sign either way
        (-0.04, 1, "", "0,0"),
        (1234.5, 0, "", "+1.235"),
        (-0.42, 2, " pct.-point", "\u22120,42 pct.-point"),
        (None, 1, " pct.-point", "–"),
    ],
)
def test_fmt_signed(value, decimals, suffix, expected):
    assert fmt_signed(value, decimals, suffix) == expected


@pytest.mark.parametrize("missing", [None, float("nan"), math.inf, -math.inf])
def test_missing_values_show_a_dash(missing):
    for formatter in (fmt_int, fmt_num, fmt_pct, fmt_mio):
        assert formatter(missing) == "–"


@pytest.mark.parametrize(
    "value, decimals, expected",
    [
        (1234.56, 1, "1.234,6"),
        (-1234.56, 1, "-1.234,6"),
        (1234.56, 2, "1.234,56"),
        (1234.56, 0, "1.235"),
        (0.125, 2, "0,13"),
        (2.675, 2, "2,68"),  # the decimal the reader sees, not the binary value just below it
        (-0.04, 1, "0,0"),
        (7, 1, "7,0"),
        (1_000_000.0, 1, "1.000.000,0"),
        (0.001, 3, "0,001"),
    ],
)
def test_fmt_num(value, decimals, expected):
    assert fmt_num(value, decimals) == expected


def test_fmt_num_defaults_to_one_decimal():
    assert fmt_num(1234.56) == "1.234,6"


@pytest.mark.parametrize(
    "value, expected",
    [(35.51, "35,5 %"), (35, "35,0 %"), (0, "0,0 %"), (100, "100,0 %"), (-2.25, "-2,3 %"), (1234.5, "1.234,5 %")],
)
def test_fmt_pct(value, expected):
    assert fmt_pct(value) == expected


def test_fmt_pct_decimals():
    assert fmt_pct(35.51, 0) == "36 %"
    assert fmt_pct(35.51, 2) == "35,51 %"


@pytest.mark.parametrize(
    "value, expected",
    [
        (9_900_000, "9,9 mio. kr."),
        (-18_100_000, "-18,1 mio. kr."),
        (1_234_567_890, "1.234,6 mio. kr."),
        (49_999, "0,0 mio. kr."),
        (50_000, "0,1 mio. kr."),
        (0, "0,0 mio. kr."),
    ],
)
def test_fmt_mio(value, expected):
    assert fmt_mio(value) == expected


def test_fmt_mio_decimals():
    assert fmt_mio(9_876_543, 2) == "9,88 mio. kr."
    assert fmt_mio(9_876_543, 0) == "10 mio. kr."


def test_fmt_date():
    assert fmt_date(date(2026, 11, 22)) == "22. november 2026"
    assert fmt_date(date(2024, 1, 1)) == "1. januar 2024"
    assert fmt_date(date(2025, 5, 9)) == "9. maj 2025"
    assert fmt_date(datetime(2024, 12, 31, 23, 59)) == "31. december 2024"
    assert fmt_date(None) == "–"


@pytest.mark.parametrize("bad", ["1234", True, [1]])
def test_non_numbers_are_rejected(bad):
    with pytest.raises(TypeError):
        fmt_num(bad)


def test_negative_decimals_are_rejected():
    with pytest.raises(ValueError):
        fmt_num(1.5, -1)


def test_plain_escapes_every_markdown_construct():
    from presentation.formatting import WORD_JOINER, plain

    hostile = "![x](http://127.0.0.1/x.png) **fed** [link](javascript:alert(1)) <b>html</b> $x$ :material/home:"
    escaped = plain(hostile)
    assert "![" not in escaped and "](" not in escaped and "**" not in escaped and "<b>" not in escaped
    # Unescaping gives back exactly what came in: nothing is lost, it is only shown as typed.
    import re

    assert re.sub(r"\\(.)", r"\1", escaped).replace(WORD_JOINER, "") == hostile


def test_plain_breaks_bare_addresses_that_markdown_would_link():
    """GitHub Markdown links bare addresses even when their punctuation is escaped; an invisible word joiner
    inside each one keeps it text."""
    import re

    from presentation.formatting import WORD_JOINER, plain

    for address in (
        "https://example.invalid/x",
        "HTTP://example.invalid",
        "www.example.invalid",
        "_www.example.invalid",
        "navn@kommune.dk",
    ):
        shown = re.sub(r"\\(.)", r"\1", plain(f"se {address}"))  # the text a reader sees
        assert shown != f"se {address}" and shown.replace(WORD_JOINER, "") == f"se {address}"
        assert not re.search(r"(?i)https?://|www\.|\w@", shown)
    assert plain("Kilde: jobindsats") == "Kilde\\: jobindsats"  # no joiner where nothing could be linked


def test_plain_keeps_streamlits_own_extensions_text():
    """Streamlit turns ":material/home:" into an icon before it reads Markdown escapes (its front end replaces
    ":material/" in the raw text), and ":smile:" into an emoji after: neither may survive in what plain() hands on.
    The front end's own patterns are used here, as found in its bundle."""
    import re

    from presentation.formatting import WORD_JOINER, plain

    for text in (":material/home: Projekt", "note :smile: og :+1:", ":red[rød] tekst", ":streamlit:"):
        escaped = plain(text)
        assert ":material/" not in escaped  # Streamlit's replaceAll(":material/", …) finds nothing
        unescaped = re.sub(r"\\(.)", r"\1", escaped)  # what the emoji plugin sees after Markdown
        assert not re.search(r":[\w+-][\w_+-]*:", unescaped) and not re.search(r":\w+\[", unescaped)
        assert unescaped.replace(WORD_JOINER, "") == text


@pytest.mark.parametrize(
    "text,number",
    [
        ("650.000", 650_000.0),
        ("650000", 650_000.0),
        ("650 000", 650_000.0),
        ("6,7", 6.7),
        ("6,65", 6.65),
        ("-1.234,5", -1234.5),
        ("\u22122", -2.0),
        (" 35 ", 35.0),
        ("1.500", 1500.0),
        ("0", 0.0),
    ],
)
def test_parse_number_reads_danish_numbers(text, number):
    from presentation.formatting import parse_number

    assert parse_number(text) == number


@pytest.mark.parametrize("text", ["6.7", "1.50", "12.3456", "1,234.5", "abc", "6,", ",5", "1e3", "nan", "--1"])
def test_parse_number_refuses_what_it_would_have_to_guess(text):
    from presentation.formatting import parse_number

    with pytest.raises(ValueError, match="komma før decimaler"):
        parse_number(text)
    with pytest.raises(ValueError, match="^Skriv et tal.$"):
        parse_number("  ")


def test_counts_take_the_right_number_of_their_noun():
    assert fmt_count(1, "linje", "linjer") == "1 linje"
    assert fmt_count(2112880, "linje", "linjer") == "2.112.880 linjer"
    assert fmt_count(0, "område", "områder") == "0 områder"
    assert fmt_count(4225760, "tal", "tal") == "4.225.760 tal"


@pytest.mark.parametrize(
    "n, expected",
    [(1, "1 række"), (0, "0 rækker"), (2, "2 rækker"), (2345, "2.345 rækker"), (-1, "-1 rækker"), (1.0, "1 række")],
)
def test_count_puts_the_noun_in_the_right_number(n, expected):
    assert fmt_count(n, "række", "rækker") == expected


def test_count_with_a_noun_that_does_not_change():
    assert fmt_count(1, "fejl", "fejl") == "1 fejl" and fmt_count(3, "fejl", "fejl") == "3 fejl"
