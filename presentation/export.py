"""Downloads: finished charts as PNG/SVG/PDF and data tables as Danish CSV and Excel files.

Pure functions (no Streamlit), so every export can be tested byte for byte.

Charts are rendered server-side by vl-convert from the same Vega-Lite spec the page shows, with two changes that
only matter outside a browser: a fixed width instead of "container", and the caption (source · period · whether
the figures are synthetic) added to the subtitle, so a file passed on by mail still says where its numbers come
from.

Tables go through ``export_frame`` first, which applies the two rules every downloaded table must follow:
small counts are shown as "<5" (discretion), and text that a spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import copy
import csv
import functools
import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import polars as pl
import vl_convert
import xlsxwriter

from pipelines import danish
from presentation import disclosure
from presentation.formatting import VEGA_LOCALE

__all__ = [
    "SMALL_COUNT_THRESHOLD",
    "SMALL_COUNT_LABEL",
    "EXPORT_WIDTH",
    "export_spec",
    "chart_png",
    "chart_svg",
    "chart_pdf",
    "png_from_svg",
    "neutralise",
    "export_frame",
    "data_csv",
    "data_xlsx",
    "zip_pack",
]

# Counts from 1 up to (not including) the threshold are not published as exact numbers; 0 is shown, since it
# reveals nobody.
SMALL_COUNT_THRESHOLD = disclosure.THRESHOLD
SMALL_COUNT_LABEL = disclosure.LABEL
# The column a data export names its source in, so a sheet passed on still says whether its figures are real.
SOURCE_COLUMN = "Kilde"

# Pixels. Roughly an A4 page width at 72 ppi minus margins, so a PDF report page is readable without zooming.
EXPORT_WIDTH = 720

# Leading characters that make Excel, LibreOffice and Google Sheets treat a cell (typed in, or read from a CSV)
# as a formula. Tab and carriage return are on the OWASP list because some importers strip them first.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Child views whose "container" sizes must be replaced too (a layer's parts, concatenated or faceted views).
_CHILD_LISTS = ("layer", "vconcat", "hconcat", "concat")
_CHILD_SPEC = "spec"

# Excel sheet names: at most 31 characters, none of these, and not starting or ending with an apostrophe.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_NAME_MAX = 31

# Excel displays these with the reader's own separators, so Danish Excel shows "1.234" and "35,5".
_XLSX_INT_FORMAT = "#,##0"
_XLSX_FLOAT_FORMAT = "#,##0.0##"
# Danish Excel's own short date style; the cell still holds a real date that sorts and filters as one.
_XLSX_DATE_FORMAT = "dd-mm-yyyy"
_XLSX_DATETIME_FORMAT = "dd-mm-yyyy hh:mm"
_XLSX_TIME_FORMAT = "hh:mm:ss"
# Column widths in Excel's character units.
_XLSX_MIN_WIDTH = 8
_XLSX_MAX_WIDTH = 60

# Datetimes with a time zone are shown as Danish wall-clock time: Excel has no notion of time zones.
_LOCAL_TZ = ZoneInfo("Europe/Copenhagen")

BOOL_TEXT = {True: "Ja", False: "Nej"}


# --- charts ---------------------------------------------------------------------------------------------------


def export_spec(
    chart,
    caption: str,
    counts: Iterable[str] = (),
    shares: disclosure.Shares | None = None,
    totals: disclosure.Totals | None = None,
    width: int = EXPORT_WIDTH,
) -> dict:
    """The chart's Vega-Lite spec ready for rendering outside a browser, with ``caption`` in its subtitle.

    The fields in ``counts`` follow the small-count rule (``disclosure.protect_spec``): a count 1-4 is missing from
    the figure's data, its label and tooltip say "<5", and the shares beside it (and a part whose total would give
    it back) are left out."""
    spec = chart.to_dict()
    # A DECIMAL from a SQL sum reaches Altair's data as decimal.Decimal, which the renderer cannot read (the export
    # failed); as a number it draws and reads the same.
    if "datasets" in spec:
        spec["datasets"] = {name: _json_numbers(rows) for name, rows in spec["datasets"].items()}
    spec = disclosure.protect_spec(spec, counts, shares, totals)
    _fix_size(spec, top=True, width=width)
    if caption:
        spec["title"] = _with_caption(spec.get("title"), caption)
    return spec


def _json_numbers(value):
    """``value`` (rows of a dataset) with every Decimal as an int (whole) or a float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_json_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_numbers(v) for k, v in value.items()}
    return value


def _fix_size(spec: dict, top: bool, width: int = EXPORT_WIDTH) -> None:
    """Replace "container" sizes: outside a browser there is no container, and Vega falls back to a tiny default."""
    if spec.get("width") == "container":
        spec["width"] = width
    if spec.get("height") == "container":
        # Vega-Lite's own default height is a better guess than any number here.
        del spec["height"]
    # A single view or a layer gets the export width even when it had a fixed one, so every exported chart has the
    # same width and they line up in a report. Concatenated and faceted charts size their parts themselves.
    if top and ("mark" in spec or "layer" in spec) and "facet" not in spec and "repeat" not in spec:
        spec["width"] = width
    for key in _CHILD_LISTS:
        for child in spec.get(key, ()):
            if isinstance(child, dict):
                _fix_size(child, top=False, width=width)
    child = spec.get(_CHILD_SPEC)
    if isinstance(child, dict):
        _fix_size(child, top=False, width=width)


def _with_caption(title, caption: str) -> dict:
    """The title with ``caption`` as its last subtitle line, whatever form Altair gave the title in."""
    if title is None:
        # An untitled chart still carries its source; the empty text keeps the caption in the subtitle style.
        return {"text": "", "subtitle": [caption], "anchor": "start"}
    if isinstance(title, (str, list)):
        return {"text": title, "subtitle": [caption], "anchor": "start"}
    title = dict(title)
    subtitle = title.get("subtitle")
    if subtitle is None:
        lines = []
    elif isinstance(subtitle, str):
        lines = [subtitle]
    else:
        lines = list(subtitle)
    title["subtitle"] = [*lines, caption]
    return title


def _render_options() -> dict:
    return {
        # The spec's config.locale already makes numbers Danish; passing it here as well keeps an export Danish even
        # for a chart built without ``charts.finish``.
        "format_locale": copy.deepcopy(VEGA_LOCALE["number"]),
        "time_format_locale": copy.deepcopy(VEGA_LOCALE["time"]),
        # Every chart carries its data inline. An empty allow-list stops a spec from making the server fetch URLs.
        "allowed_base_urls": [],
    }


# Across the first view, large and faint: visible on any slide it is pasted into, without hiding the figures.
_WATERMARK = {
    "type": "text",
    "interactive": False,
    "encode": {
        "update": {
            "text": {"value": disclosure.DEMO_WATERMARK},
            "x": {"signal": "width / 2"},
            # A concatenated figure has no height of its own: the middle of a default-sized first view.
            "y": {"signal": "(isFinite(height) && height > 0 ? height : 300) / 2"},
            "angle": {"value": -25},
            "fontSize": {"value": 44},
            "fontWeight": {"value": "bold"},
            "fill": {"value": "#B00020"},
            "opacity": {"value": 0.2},
            "align": {"value": "center"},
            "baseline": {"value": "middle"},
        }
    },
}


def _render(kind: str, spec: dict, demo: bool, **options) -> bytes | str:
    """vl-convert's ``vegalite_to_<kind>``; with ``demo`` through Vega, where the watermark is one more mark."""
    if not demo:
        return getattr(vl_convert, f"vegalite_to_{kind}")(spec, **options, **_render_options())
    vega = vl_convert.vegalite_to_vega(spec)
    vega.setdefault("marks", []).append(copy.deepcopy(_WATERMARK))
    return getattr(vl_convert, f"vega_to_{kind}")(vega, **options, **_render_options())


def chart_png(chart, caption: str, scale: float = 2.0, demo: bool = False, width: int = EXPORT_WIDTH, **rules) -> bytes:
    """PNG at ``scale`` times the export size (2 gives a crisp image on slides and high-density screens).
    ``demo``: the figure rests on synthetic data and carries the watermark "Syntetiske demodata". ``rules``: the
    small-count rule's ``counts``, ``shares`` and ``totals`` (``export_spec``)."""
    return _render("png", export_spec(chart, caption, width=width, **rules), demo, scale=scale)


def chart_svg(chart, caption: str, demo: bool = False, width: int = EXPORT_WIDTH, **rules) -> bytes:
    """SVG as UTF-8 bytes (Danish letters in titles and labels)."""
    return _render("svg", export_spec(chart, caption, width=width, **rules), demo).encode("utf-8")


def png_from_svg(svg: bytes, scale: float = 2.0) -> bytes:
    """A chart already drawn as SVG (``chart_svg``) as PNG, without running Vega again."""
    return vl_convert.svg_to_png(svg.decode("utf-8"), scale=scale)


def chart_pdf(chart, caption: str, demo: bool = False, **rules) -> bytes:
    """A one-page vector PDF of the chart."""
    return _render("pdf", export_spec(chart, caption, **rules), demo)


# --- tables ---------------------------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``: a spreadsheet shows the text instead of running it."""
    if text and text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


def export_frame(
    df: pl.DataFrame,
    count_columns: Iterable[str] = (),
    decimals: Mapping[str, int] | None = None,
    shares: disclosure.Shares | None = None,
    source: str | None = None,
) -> pl.DataFrame:
    """The table as users get it in a download.

    - In ``count_columns`` a count from 1 to ``SMALL_COUNT_THRESHOLD - 1`` becomes "<5"; the column turns to text.
      The shares beside a suppressed count are left out (``disclosure``: in its row, or for every part of its total
      when ``shares`` names the columns identifying the total).
    - ``source``: a "Kilde" column with this text is added (unless the table has one), so real and synthetic
      figures are told apart in the file itself.
    - Decimal numbers are rounded as the app shows them: a column in ``decimals`` to that many places (half away
      from zero, like formatting.fmt_num), any other to 15 significant digits, which only drops the noise of
      binary arithmetic (0.7999999999999998 is 0.8).
    - Every other text column (String, Categorical, Enum) is neutralised against formula injection.
    - Booleans become "Ja"/"Nej": "true"/"false" mean nothing to a Danish reader, and Danish Excel would not
      recognise them either.
    - Numbers, dates and times keep their type. Nulls stay null, so a missing figure is an empty cell, never 0.
    """
    counts = list(dict.fromkeys(count_columns))
    places = dict(decimals or {})
    # A DECIMAL from a SQL sum: a whole number when it has no decimals (a count), else a decimal number.
    df = df.with_columns(
        pl.col(name).cast(pl.Int64 if dtype.scale == 0 else pl.Float64)
        for name, dtype in df.schema.items()
        if isinstance(dtype, pl.Decimal)
    )
    unknown = [c for c in [*counts, *places] if c not in df.columns]
    if unknown:
        raise ValueError(f"export_frame: unknown column(s) {', '.join(unknown)}; got {', '.join(df.columns)}")
    df = disclosure.protect(df, counts, shares)
    if source and SOURCE_COLUMN not in df.columns:
        df = df.with_columns(pl.lit(source, dtype=pl.String).alias(SOURCE_COLUMN))
    columns = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if name in counts:
            columns.append(_suppressed(df.get_column(name)).alias(name))
        elif dtype.is_float():
            rounded = col.map_elements(functools.partial(_rounded, places=places.get(name)), return_dtype=pl.Float64)
            # Whole numbers are written as such ("1234", not "1234,0"); NaN is no figure: empty, like a null.
            columns.append(rounded.fill_nan(None).cast(pl.Int64).alias(name) if places.get(name) == 0 else rounded)
        elif dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum)):
            columns.append(col.cast(pl.String).map_elements(neutralise, return_dtype=pl.String))
        elif dtype == pl.Boolean:
            columns.append(col.replace_strict(BOOL_TEXT, return_dtype=pl.String))
        elif dtype.is_numeric() or dtype in (pl.Date, pl.Time, pl.Null) or isinstance(dtype, pl.Datetime):
            columns.append(col)
        else:
            # Lists, structs, durations and binary data have no sensible single-cell form in a spreadsheet.
            raise TypeError(f"export_frame: column {name!r} has type {dtype}, which cannot be exported")
    return df.select(columns)


def _rounded(value: float, places: int | None) -> float:
    """The float as the app shows it: to ``places`` decimals, or to 15 significant digits when places is None."""
    if not math.isfinite(value):
        return value
    if places is None:
        return float(f"{value:.15g}")
    # From the shortest decimal that reads back as the float, as formatting does: 2.675 rounds to 2.68.
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _suppressed(series: pl.Series) -> pl.Expr:
    """The count column as text, with small counts replaced by "<5"."""
    name = series.name
    col = pl.col(name)
    if series.dtype.is_integer() or series.dtype == pl.Null:
        counts = col.cast(pl.Int64)
    elif series.dtype.is_float() or isinstance(series.dtype, pl.Decimal):
        # A count that went through a join or a sum can arrive as floats or decimals; only whole numbers are counts.
        series = series.cast(pl.Float64)
        col = col.cast(pl.Float64)
        finite = series.drop_nulls().drop_nans()
        if not (finite == finite.round(0)).all():
            raise ValueError(f"export_frame: count column {name!r} holds values that are not whole numbers")
        counts = col.fill_nan(None).cast(pl.Int64)
    else:
        raise TypeError(f"export_frame: count column {name!r} must hold integers, not {series.dtype}")
    small = (counts >= 1) & (counts < SMALL_COUNT_THRESHOLD)
    # A null count stays null (when/otherwise keeps it), so it is an empty cell rather than "<5" or 0.
    return pl.when(small).then(pl.lit(SMALL_COUNT_LABEL)).otherwise(counts.cast(pl.String))


def _plain_decimal(value) -> str | None:
    """A number in plain notation, exactly as it reads (no exponent, which Excel would read as text or another
    number), with a decimal comma and no thousands separator; None when not finite."""
    exact = danish.to_decimal(value)
    return None if exact is None else danish.number(exact, grouping=False)


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return BOOL_TEXT[value]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, Decimal)):
        text = _plain_decimal(value)
        # NaN and infinity are no figure to a reader; they are shown as missing, like formatting.fmt_num does.
        return "" if text is None else text
    if isinstance(value, datetime):
        return _local(value).isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _local(value: datetime) -> datetime:
    return value.astimezone(_LOCAL_TZ).replace(tzinfo=None) if value.tzinfo is not None else value


def data_csv(
    df: pl.DataFrame,
    count_columns: Iterable[str] = (),
    decimals: Mapping[str, int] | None = None,
    shares: disclosure.Shares | None = None,
    source: str | None = None,
) -> bytes:
    """CSV that Danish Excel opens by double-click: BOM, ";" separator, decimal comma, ISO dates, CRLF."""
    frame = export_frame(df, count_columns, decimals, shares, source)
    buffer = io.StringIO(newline="")
    # QUOTE_MINIMAL quotes exactly the fields holding ";", '"' or a line break, and doubles inner quotes.
    writer = csv.writer(buffer, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    # Column names come from code, but a name such as "+/- pct." would still be read as a formula from a CSV.
    writer.writerow([neutralise(name) for name in frame.columns])
    for row in frame.iter_rows():
        writer.writerow([_csv_cell(value) for value in row])
    # The BOM is what makes Excel read the file as UTF-8 rather than the Windows code page (æ, ø, å).
    return buffer.getvalue().encode("utf-8-sig")


def _sheet_name(name: str) -> str:
    cleaned = _SHEET_NAME_FORBIDDEN.sub(" ", name).strip().strip("'").strip()[:_SHEET_NAME_MAX].strip()
    return cleaned or "Data"


def _display_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, (float, Decimal)):
        text = _plain_decimal(value) or ""
        # Thousands separators and the displayed decimals (at most three) add to the digits.
        whole, _, fraction = text.partition(",")
        return len(whole) + len(whole.lstrip("-")) // 3 + (1 + min(len(fraction), 3) if fraction else 0)
    if isinstance(value, int):
        return len(str(value)) + len(str(abs(value))) // 3
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


_XLSX_FORMATS = {
    "title": {"bold": True, "font_size": 14},
    "caption": {"italic": True, "font_color": "#555555"},
    "header": {"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"},
    "int": {"num_format": _XLSX_INT_FORMAT},
    "float": {"num_format": _XLSX_FLOAT_FORMAT},
    "date": {"num_format": _XLSX_DATE_FORMAT},
    "datetime": {"num_format": _XLSX_DATETIME_FORMAT},
    "time": {"num_format": _XLSX_TIME_FORMAT},
}


def _write_cell(sheet, r: int, c: int, value, is_count: bool, formats: dict) -> None:
    """One value that is not missing, as a real number, date or text (never anything Excel would evaluate)."""
    if is_count:
        # Our own text from _suppressed: the label, or the digits of an integer that may be shown.
        if value == SMALL_COUNT_LABEL:
            sheet.write_string(r, c, value)
        else:
            sheet.write_number(r, c, int(value), formats["int"])
    elif isinstance(value, bool):
        sheet.write_string(r, c, BOOL_TEXT[value])
    elif isinstance(value, int):
        sheet.write_number(r, c, value, formats["int"])
    elif isinstance(value, (float, Decimal)):
        number = float(value)
        # NaN and infinity have no Excel number; the cell stays empty, like a missing value.
        if math.isfinite(number):
            sheet.write_number(r, c, number, formats["float"])
    elif isinstance(value, datetime):
        sheet.write_datetime(r, c, _local(value), formats["datetime"])
    elif isinstance(value, date):
        sheet.write_datetime(r, c, value, formats["date"])
    elif isinstance(value, time):
        sheet.write_datetime(r, c, value, formats["time"])
    else:
        sheet.write_string(r, c, str(value))


def data_xlsx(
    df: pl.DataFrame,
    count_columns: Iterable[str] = (),
    sheet_name: str = "Data",
    title: str | None = None,
    caption: str | None = None,
    decimals: Mapping[str, int] | None = None,
    shares: disclosure.Shares | None = None,
    source: str | None = None,
) -> bytes:
    """An Excel workbook with one sheet: optional title and caption, a bold frozen header, then the table.

    Numbers are real numbers and dates real dates, so users can sum and filter. Text is always written as text, so
    nothing in the data can become a formula, even before ``export_frame`` neutralises it (which still matters once
    a user copies the cells on or saves the sheet as CSV). Non-suppressed counts stay numbers as well.
    """
    counts = set(count_columns)
    frame = export_frame(df, counts, decimals, shares, source)
    buffer = io.BytesIO()
    # in_memory: no temporary files on the server. The string_to_* options are off so even a later switch to the
    # generic write() could not turn text into a formula, number or link.
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    sheet = workbook.add_worksheet(_sheet_name(sheet_name))
    formats = {name: workbook.add_format(spec) for name, spec in _XLSX_FORMATS.items()}

    row = 0
    if title:
        sheet.write_string(row, 0, title, formats["title"])
        row += 1
    if caption:
        sheet.write_string(row, 0, caption, formats["caption"])
        row += 1
    if title or caption:
        # A blank row keeps the title out of the table region Excel selects for sorting and filtering.
        row += 1
    header_row = row
    widths = []
    for col, name in enumerate(frame.columns):
        sheet.write_string(header_row, col, name, formats["header"])
        widths.append(len(name))

    for r, values in enumerate(frame.iter_rows(), start=header_row + 1):
        for c, value in enumerate(values):
            widths[c] = max(widths[c], _display_width(value))
            if value is not None:
                _write_cell(sheet, r, c, value, frame.columns[c] in counts, formats)

    for c, width in enumerate(widths):
        sheet.set_column(c, c, min(max(width + 2, _XLSX_MIN_WIDTH), _XLSX_MAX_WIDTH))
    # The header stays in view while scrolling; the autofilter gives sorting and filtering on every column.
    sheet.freeze_panes(header_row + 1, 0)
    if frame.width:
        sheet.autofilter(header_row, 0, header_row + max(frame.height, 1), frame.width - 1)
    workbook.close()
    return buffer.getvalue()


# --- bundles --------------------------------------------------------------------------------------------------


def zip_pack(files: dict[str, bytes]) -> bytes:
    """A deflated zip of ``name -> content``; Danish letters in names are stored as UTF-8."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()
