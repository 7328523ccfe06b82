"""Small counts: the one rule for every figure that leaves the page (tables on screen, data and figure exports).

Pure functions (no Streamlit), so the rule is tested once and applied the same way everywhere.

The rule (README, "Små tal"):

- Primary: a count from 1 to ``THRESHOLD - 1`` is shown as "<5". 0 is shown: it reveals nobody. A missing count (the
  publisher's own suppression) stays missing, never 0.
- Secondary, within a row: every share or rate in a row whose count is suppressed is left out (missing): next to a
  count, a share lets it be worked back (3 of 21 is 14,3 %, and 14,3 % of a known 21 is 3).
- Secondary, within a total (complementary): a share is a part of some total. When one part of a total is
  suppressed, the shares of every part of that total are left out: another part's count and share would give the
  total, and the total minus the visible parts would give the suppressed one. A page names the columns that
  identify a share's total (``shares={"Andel": ("Område",)}``); without them a share counts as a row's own.

Suppressing shares rather than rounding them is the simpler rule to check: a rounded share of a small total can still
pin a count down (with 21 people, 14 % can only be 3), and how coarse is coarse enough depends on the total.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time

import polars as pl

from pipelines import config
from pipelines.periods import MONTHS_DA_SHORT, parse_period
from presentation import formatting as fmt

# Counts from 1 up to (not including) the threshold are not published as exact numbers.
THRESHOLD = config.settings().small_count
LABEL = f"<{THRESHOLD}"
# The charts on screen follow the rule too (labels and tooltips say "<5"); "false" shows the exact counts there, for
# an installation whose users may see them (exports and tables follow the rule whatever this says).
ON_SCREEN = config.settings().small_count_on_screen

# Shares per column: the columns identifying the total each share is a part of (None: the row's own figure).
Shares = Mapping[str, Sequence[str] | None]
# Totals per count column: (the columns identifying the total a row is a part of, the boolean column marking the
# rows that are totals themselves).
Totals = Mapping[str, tuple[Sequence[str], str]]

# The field the chart builders add beside a number, holding it formatted for labels and tooltips (charts.TEXT).
TEXT_SUFFIX = "_tekst"
# Marks a count the export hides, so its label can say "<5" although the number itself is gone.
_SMALL_FLAG = "__lille"

# The jobindsats period codes a table may carry as text: 2026M11, 2024Q01, 2024QMAT02.
_PERIOD_CODE = re.compile(r"\d{4}(M\d{2}|Q0[1-4]|QMAT0[1-4])")

DEMO_WATERMARK = "Syntetiske demodata"


def is_small(value) -> bool:
    """Whether a count must be shown as "<5": from 1 up to the threshold (missing, NaN and 0 are not)."""
    if value is None or isinstance(value, bool):
        return False
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(number) and 1 <= number < THRESHOLD


def _small(col: str) -> pl.Expr:
    value = pl.col(col).cast(pl.Float64, strict=False).fill_nan(None)
    return ((value >= 1) & (value < THRESHOLD)).fill_null(False)


def _default_shares(df: pl.DataFrame, counts: Sequence[str]) -> dict[str, None]:
    """Without a page's word: every decimal column is a share or rate of its own row (the cautious reading)."""
    return {name: None for name, dtype in df.schema.items() if dtype.is_float() and name not in counts}


def hidden_complements(df: pl.DataFrame, totals: Totals | None = None) -> dict[str, pl.Series]:
    """Per count column, the parts the complementary rule hides besides the small ones (True: hide).

    A total shown beside its parts, one of which alone is unknown (small, where the others are shown or 0), gives
    that part back by subtraction. The smallest shown part of such a total is then left out too, so the difference
    is the sum of two unknowns. A part the publisher already left out counts as unknown."""
    out = {}
    for count, (keys, flag) in (totals or {}).items():
        if count not in df.columns or flag not in df.columns or df.is_empty():
            continue
        keys = [k for k in keys if k in df.columns]

        def per_total(expr: pl.Expr, keys=keys) -> pl.Expr:
            return expr.over(keys) if keys else expr

        value = pl.col(count).cast(pl.Float64, strict=False).fill_nan(None)
        part = ~pl.col(flag).cast(pl.Boolean).fill_null(False)
        small = part & _small(count)
        unknown = part & (small | value.is_null())
        lone = (per_total(small.sum()) == 1) & (per_total(unknown.sum()) == 1)
        shown = part & (value >= THRESHOLD)
        smallest = per_total(pl.when(shown).then(value).min())
        mask = df.select((lone & shown & (value == smallest)).fill_null(False).alias(count)).to_series()
        if mask.any():
            out[count] = mask
    return out


def hidden_shares(
    df: pl.DataFrame, counts: Iterable[str] = (), shares: Shares | None = None, also: pl.Series | None = None
) -> dict[str, pl.Series]:
    """Per share column, which of its cells the secondary rule leaves out (True: hide). ``also``: rows whose count is
    hidden for another reason (the complementary rule)."""
    counts = [c for c in dict.fromkeys(counts) if c in df.columns]
    if not counts or df.is_empty():
        return {}
    wanted = _default_shares(df, counts) if shares is None else dict(shares)
    wanted = {c: keys for c, keys in wanted.items() if c in df.columns and c not in counts}
    if not wanted:
        return {}
    hit = pl.any_horizontal([_small(c) for c in counts])
    if also is not None:
        df = df.with_columns(pl.Series("__also_hidden", also, dtype=pl.Boolean))
        hit = hit | pl.col("__also_hidden")
    out = {}
    for column, keys in wanted.items():
        keys = [k for k in (keys or ()) if k in df.columns]
        expr = hit.any().over(keys) if keys else hit
        out[column] = df.select(expr.alias(column)).to_series()
    return out


def _masks(df: pl.DataFrame, counts, shares: Shares | None, totals: Totals | None) -> dict[str, pl.Series]:
    """Every cell the secondary rules hide, per column: shares beside a hidden count, and complementary counts."""
    complements = hidden_complements(df, totals)
    also = pl.Series([False] * df.height)
    for mask in complements.values():
        also = also | mask
    return {**hidden_shares(df, counts, shares, also if complements else None), **complements}


def protect(
    df: pl.DataFrame, counts: Iterable[str] = (), shares: Shares | None = None, totals: Totals | None = None
) -> pl.DataFrame:
    """The table with what the secondary rules hide made missing: the shares beside a hidden count, and a part whose
    total would give a small one back. The small counts themselves are left as they are (``export.export_frame``
    and ``safe_table`` write them as "<5")."""
    masks = _masks(df, list(counts), shares, totals)
    if not masks:
        return df
    return df.with_columns(
        pl.when(pl.lit(mask)).then(None).otherwise(pl.col(column)).alias(column) for column, mask in masks.items()
    )


# --- on screen ------------------------------------------------------------------------------------------------


def month_text(d: date) -> str:
    """date(2026, 11, 1) -> "nov. 2026"."""
    return f"{MONTHS_DA_SHORT[d.month - 1]} {d.year}"


def _date_text(d: date | None, monthly: bool, freq: str = "M") -> str | None:
    if d is None:
        return None
    if not monthly:
        return fmt.fmt_date(d)
    if freq == "Q" and d.month % 3 == 1:
        return f"{(d.month - 1) // 3 + 1}. kvt. {d.year}"
    if freq == "Y" and d.month == 1:
        return str(d.year)
    return month_text(d)


def _period_text(value: str | None) -> str | None:
    if value is None or not _PERIOD_CODE.fullmatch(value):
        return value
    p = parse_period(value)
    if p is None:
        return value
    return month_text(p.start) if p.period_type == "M" else p.label


def _number_text(value, places: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return fmt.fmt_num(value, places)


def safe_table(
    df: pl.DataFrame,
    counts: Iterable[str] = (),
    shares: Shares | None = None,
    decimals: Mapping[str, int] | None = None,
    default_decimals: int = 1,
    freq: str = "M",
) -> pl.DataFrame:
    """A table as it may be shown on screen: the small-count rule applied, every figure as Danish text.

    Counts: "<5" or the whole number ("1.234"); decimals to ``decimals[column]`` places (default one) with a
    decimal comma; dates of a series (all on the 1st) as its periods, "nov. 2026", "4. kvt. 2026" or "2026" by
    ``freq``, other dates as "22. november 2026";
    times of day and moments in Danish; period codes ("2026M11") as their labels; booleans as Ja/Nej. A missing
    value stays missing (the table shows it as an empty cell). Text columns are left as they are: st.dataframe
    shows them as plain text.
    """
    counts = [c for c in dict.fromkeys(counts) if c in df.columns]
    places = dict(decimals or {})
    frame = protect(df, counts, shares)
    columns = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        values = frame.get_column(name)

        def text(func, values=values, name=name) -> pl.Expr:
            # Each distinct value is formatted once (a series repeats its dates, areas and categories).
            distinct = values.drop_nulls().unique().to_list()
            return pl.col(name).replace_strict({v: func(v) for v in distinct}, default=None, return_dtype=pl.String)

        if name in counts:
            columns.append(
                pl.when(_small(name)).then(pl.lit(LABEL)).otherwise(text(lambda v: _number_text(v, 0))).alias(name)
            )
        elif dtype.is_float() or isinstance(dtype, pl.Decimal):
            n = places.get(name, default_decimals)
            columns.append(text(lambda v, n=n: _number_text(v, n)))
        elif dtype.is_integer():
            columns.append(text(lambda v: _number_text(v, 0)))
        elif dtype == pl.Date:
            dates = values.drop_nulls()
            monthly = dates.len() > 0 and bool((dates.dt.day() == 1).all())
            columns.append(text(lambda v, m=monthly: _date_text(v, m, freq)))
        elif isinstance(dtype, pl.Datetime):
            columns.append(text(_moment_text))
        elif dtype == pl.Time:
            columns.append(text(lambda v: v.strftime("%H.%M")))
        elif dtype == pl.Boolean:
            columns.append(col.replace_strict({True: "Ja", False: "Nej"}, return_dtype=pl.String))
        elif dtype == pl.String and bool(values.str.contains(_PERIOD_CODE.pattern).any()):
            columns.append(text(_period_text))
        else:
            columns.append(col)
    return frame.select(columns)


def _moment_text(value: datetime | time) -> str:
    if value.tzinfo is not None:
        from zoneinfo import ZoneInfo

        value = value.astimezone(ZoneInfo("Europe/Copenhagen"))
    return fmt.fmt_datetime(value)


# --- figures --------------------------------------------------------------------------------------------------


def _walk(node):
    """Every dict in a spec, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _protect_rows(
    rows: list, counts: Sequence[str], shares: Shares | None, totals: Totals | None = None
) -> tuple[list, set[str]]:
    """The rows of one dataset with small counts and the shares beside them made missing; and which count fields
    had a small value (their labels must then say "<5")."""
    if not rows or not all(isinstance(r, dict) for r in rows):
        return rows, set()
    present = [c for c in counts if any(c in r for r in rows)]
    if not present:
        return rows, set()
    keys = sorted({k for r in rows for k in r})
    if shares is None:
        # As for a table: a decimal field is a share or rate of its own row; whole numbers (sort orders, years) are not.
        shares = {c: None for c in keys if c not in present and _float_column(rows, c)}
    # Only the fields the rule reads: the others (dates as text, labels) need no types here.
    numeric = {c: [_as_float(r.get(c)) for r in rows] for c in [*present, *shares] if c in keys}
    groups = {k for keys_ in shares.values() for k in (keys_ or ())}
    groups |= {k for keys_, _ in (totals or {}).values() for k in keys_}
    groups = {k for k in groups if k in keys and k not in numeric}
    text = {k: [None if r.get(k) is None else str(r.get(k)) for r in rows] for k in groups}
    flags = {f: [bool(r.get(f)) for r in rows] for _, f in (totals or {}).values() if f in keys}
    schema = {
        **dict.fromkeys(numeric, pl.Float64),
        **dict.fromkeys(text, pl.String),
        **dict.fromkeys(flags, pl.Boolean),
    }
    masks = _masks(pl.DataFrame({**numeric, **text, **flags}, schema=schema), present, shares, totals)
    flagged = set()
    out = []
    for i, row in enumerate(rows):
        row = dict(row)
        for c in present:
            if is_small(row.get(c)):
                row[c] = None
                row[c + _SMALL_FLAG] = True
                flagged.add(c)
        for column, mask in masks.items():
            if mask[i] and column in row:
                row[column] = None
        out.append(row)
    # Every row carries the flag of a field that has one, so a table made of the rows (Arrow) keeps the column.
    for row in out:
        for c in flagged:
            row.setdefault(c + _SMALL_FLAG, False)
    return out, flagged


def _as_float(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _float_column(rows: list, column: str) -> bool:
    values = [r.get(column) for r in rows if r.get(column) is not None]
    return bool(values) and all(isinstance(v, float) for v in values)


def protect_spec(
    spec: dict, counts: Iterable[str] = (), shares: Shares | None = None, totals: Totals | None = None
) -> dict:
    """A Vega-Lite spec (modified in place and returned) whose data follow the rule: a small count is missing, so
    no bar, colour or position gives it away, and its label and tooltip (the builders' ``<field>_tekst``) say "<5";
    the shares beside it are missing too."""
    counts = list(dict.fromkeys(counts))
    if not counts:
        return spec
    flagged: set[str] = set()
    datasets = spec.get("datasets") or {}
    for name, rows in datasets.items():
        datasets[name], small = _protect_rows(rows, counts, shares, totals)
        flagged |= small
    for node in list(_walk(spec)):
        data = node.get("data")
        if isinstance(data, dict) and isinstance(data.get("values"), list):
            data["values"], small = _protect_rows(data["values"], counts, shares, totals)
            flagged |= small
    if flagged:
        for node in _walk(spec):
            if isinstance(node.get("calculate"), str) and isinstance(node.get("as"), str):
                field = node["as"].removesuffix(TEXT_SUFFIX)
                if node["as"].endswith(TEXT_SUFFIX) and field in flagged:
                    node["calculate"] = f'(datum["{field}{_SMALL_FLAG}"] ? "{LABEL}" : {node["calculate"]})'
    return spec


def on_screen(spec: dict, counts: Iterable[str] = (), shares: Shares | None = None, totals: Totals | None = None):
    """The spec of a chart shown on the page: ``protect_spec`` unless HELHEDSBLIK_SMALL_COUNT_ON_SCREEN=false."""
    return protect_spec(spec, counts, shares, totals) if ON_SCREEN else spec


def has_demo(sources: Iterable[str | None], demo_source: str) -> bool:
    return any(s == demo_source for s in sources)


# --- file names -----------------------------------------------------------------------------------------------

_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa", "ß": "ss"})
_SLUG_MAX = 40


def slug(text: str, limit: int | None = _SLUG_MAX) -> str:
    """ "Aktiveringsgrad, Århus" -> "aktiveringsgrad-aarhus": ASCII, so every mail program and file system keeps it."""
    ascii_text = unicodedata.normalize("NFKD", (text or "").translate(_ASCII)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")


def period_span(first: str | None, last: str | None, freq: str = "M") -> str:
    """The period of a file name: "2022K1-2026K3" for quarters, "2022-2026" for years, "2022M01-2026M09" for
    months, one period when both ends are the same."""

    def one(code: str | None) -> str:
        p = parse_period(code) if code else None
        if p is None:
            return slug(code or "")
        if freq == "Q":
            return f"{p.start.year}K{(p.start.month - 1) // 3 + 1}"
        if freq == "Y":
            return str(p.start.year)
        return f"{p.start.year}M{p.start.month:02d}"

    a, b = one(first), one(last)
    return a if not b or a == b else (b if not a else f"{a}-{b}")


def file_name(
    page: str, title: str, area: str | None, first: str | None, last: str | None, freq: str, suffix: str = ""
) -> str:
    """The name an export is saved under: page, chart, municipality and period, e.g.
    ``aktivering_aktiveringsgrad_aarhus_2022K1-2026K3.csv``. The page's name is left out when the chart's title
    begins with it; an empty part is left out."""
    chart, page_part, area_part = slug(title, None), slug(page), slug(area or "")
    # "Aktiveringsgrad, Aarhus" already names the municipality: once is enough.
    if area_part and chart.endswith(area_part):
        chart = chart[: -len(area_part)]
    chart = chart[:_SLUG_MAX].strip("-")
    parts = [page_part if not chart.startswith(page_part) else "", chart, area_part, period_span(first, last, freq)]
    stem = "_".join(p for p in parts if p) or "figur"
    return f"{stem}.{suffix}" if suffix else stem


# --- what page.chart needs ------------------------------------------------------------------------------------


class Caption(str):
    """A chart's caption text that also remembers the sources it names (``page.caption``), so the exports can mark
    synthetic data (watermark, "Kilde" column) without every page passing its sources twice."""

    sources: tuple[str, ...] = ()

    def __new__(cls, text: str, sources: Iterable[str] = ()):
        made = super().__new__(cls, text)
        made.sources = tuple(sources)
        return made


def title_text(title) -> str:
    """The main text of a Vega-Lite title in any of its forms ("T", ["T", "line 2"], {"text": ...}, an Altair
    TitleParams)."""
    if hasattr(title, "to_dict"):
        title = title.to_dict(validate=False)
    if isinstance(title, dict):
        title = title.get("text", "")
    if isinstance(title, list):
        title = " ".join(str(t) for t in title)
    return str(title or "")


def period_of(data: pl.DataFrame, caption: str, freq: str) -> tuple[str | None, str | None, str]:
    """The first and last period a chart shows, for its file name: from its ``date`` column when it has one, else
    from the "Periode: ..." part of its caption; (None, None, freq) when neither says."""
    if "date" in data.columns and data.schema["date"] == pl.Date:
        dates = data.get_column("date").drop_nulls()
        if dates.len():
            first, last = dates.min(), dates.max()
            return f"{first.year}M{first.month:02d}", f"{last.year}M{last.month:02d}", freq
    for part in str(caption).split(" · "):
        if part.startswith("Periode: "):
            p = parse_period(part.removeprefix("Periode: "))
            if p is not None:
                if p.period_type == "RANGE":
                    return f"{p.start.year}M{p.start.month:02d}", f"{p.end.year}M{p.end.month:02d}", "M"
                return p.period, p.period, p.period_type if p.period_type in ("Q", "Y") else "M"
    return None, None, freq


# Streamlit 1.67 offers no option to switch off a chart's own "Download as PNG" (client.disableDataExport covers the
# tables' CSV download and copying only), nor its "Show data" view (the raw data: exact counts, English numbers).
# Both bypass the rule above, so they are hidden; "Fullscreen" stays. ``page.start`` adds this to every page.
NATIVE_EXPORTS_OFF = (
    "<style>"
    '[data-testid="stElementToolbar"] button[aria-label^="Download as PNG"],'
    '[data-testid="stElementToolbar"] button[aria-label^="Show data"],'
    '[data-testid="stElementToolbar"] button[aria-label^="Copy Vega-Lite spec"]'
    "{display: none !important;}"
    "</style>"
)
