"""An Excel workbook (a zip of XML parts) checked before and while it is read: decompression bombs, parts and
sheet lists too large to parse, and formula cells or error values whose saved value is not what Excel would show."""

from __future__ import annotations

import html
import re
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.errors import ExtractRejected, Problem

if TYPE_CHECKING:  # annotations only: excel.py imports this module
    from pipelines.readers.excel import Sheet

# A zip (xlsx) may not inflate beyond this, nor by more than this ratio: decompression bombs.
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
MAX_ZIP_RATIO = 200
# Caps checked while the zip is inflated, before any part is parsed: a workbook.xml that lists millions of
# sheets (tens of MB that pass the checks above) took gigabytes to parse. Excel itself stops at 1.048.576 rows;
# the XML parts we parse whole (the sheet list and its relationships) are small in any real workbook.
MAX_SHEETS = 1000
MAX_SHEET_ROWS = 1_048_576
MAX_PARSED_PART_BYTES = 4 * 1024 * 1024
_PARSED_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet[\s/>]")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s/>]")


def check_zip(path: Path, name: str) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            unzipped = sum(i.file_size for i in infos)
            packed = max(1, sum(i.compress_size for i in infos))
    except zipfile.BadZipFile:
        raise ExtractRejected.one(name, "filen ligner en ZIP/Excel-fil, men er beskadiget") from None
    if "xl/workbook.xml" not in names:
        raise ExtractRejected.one(name, "ZIP-filen er ikke et Excel-regneark (.xlsx)")
    if unzipped > MAX_UNZIPPED_BYTES or unzipped / packed > MAX_ZIP_RATIO:
        raise ExtractRejected.one(
            name, f"Excel-filen udpakker til {unzipped:,} bytes: for stor eller mistænkelig (dekomprimeringsbombe)"
        )
    # The sizes a zip declares can lie: inflate every member as a stream and stop at the cap; count the sheets
    # listed and each sheet's rows on the way (a tag cut between two chunks is found in the next one).
    total = 0
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                counted = _SHEET_TAG if info.filename == "xl/workbook.xml" else None
                if info.filename.startswith("xl/worksheets/"):
                    counted = _ROW_TAG
                found, size, tail = 0, 0, b""
                with zf.open(info) as member:
                    while chunk := member.read(1024 * 1024):
                        total += len(chunk)
                        size += len(chunk)
                        if counted is not None:
                            found += len(counted.findall(tail + chunk)) - len(counted.findall(tail))
                            tail = chunk[-32:]
                            check_counts(info.filename, found, name)
                        if info.filename in _PARSED_PARTS and size > MAX_PARSED_PART_BYTES:
                            raise ExtractRejected.one(
                                name, f"Excel-filens {info.filename} er for stor til et regneark; filen afvises"
                            )
                        if total > MAX_UNZIPPED_BYTES or total / packed > MAX_ZIP_RATIO:
                            raise ExtractRejected.one(
                                name,
                                "Excel-filen udpakker til langt mere end den fylder: "
                                "mistænkelig (dekomprimeringsbombe)",
                            )
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        # Sizes or checksums that do not add up (damaged, or built to fool a size check), a compression
        # method zipfile does not know, or an encrypted member.
        raise ExtractRejected.one(
            name,
            "Excel-filen er beskadiget eller manipuleret (pakket indhold passer ikke med de "
            "angivne størrelser; mulig dekomprimeringsbombe)",
        ) from None


def check_counts(member: str, found: int, name: str) -> None:
    if member == "xl/workbook.xml" and found > MAX_SHEETS:
        raise ExtractRejected.one(
            name, f"Excel-filen har over {MAX_SHEETS} ark; et udtræk har få. Gem de ark, der skal indlæses, i en ny fil"
        )
    if member != "xl/workbook.xml" and found > MAX_SHEET_ROWS:
        raise ExtractRejected.one(
            name,
            f"et ark i Excel-filen har over {MAX_SHEET_ROWS:,} rækker".replace(",", ".")
            + ", mere end Excel selv kan have; indlæs udtrækket som CSV",
        )


_CELL_MARK = re.compile(rb"<(?:\w+:)?f[\s>/]|\st=[\"']e[\"']")
_ATTR = re.compile(rb"\s([\w:]+)=[\"']([^\"']*)[\"']")
_REF = re.compile(r"([A-Z]+)(\d+)")
MAX_CELL_PROBLEMS = 200


def check_saved_values(
    path: Path, sheet: Sheet, name: str, header_row: int, headers: dict[int, str], recalculated: bool = False
) -> None:
    """Reject formula cells the file saved no value for, and cells holding an error value (#DIV/0!, #N/A):
    the reader sees both as empty, which would load them as missing figures. In a workbook that asks to be
    calculated again when opened (``recalculated``) every formula cell is rejected: the value saved with it is a
    placeholder (xlsxwriter saves 0), which would load as a figure. Cells above the header row and in columns
    without a header are not read, and not checked."""
    if sheet.part is None:
        return
    problems = []
    with zipfile.ZipFile(path) as zf:
        if sheet.part not in zf.namelist():
            return
        with zf.open(sheet.part) as fh:
            for ref, formula, error, saved in _marked_cells(fh, recalculated):
                match = _REF.fullmatch(ref)
                if not match:
                    continue
                row, place = int(match.group(2)), _column_index(match.group(1))
                if row < header_row or place not in headers:
                    continue
                shown = f"={formula}" if formula else None
                if error is not None:
                    text = f"cellen {ref} viser fejlen {error or '#?'}: ret formlen, eller skriv værdien i cellen"
                elif saved:
                    text = (
                        f"cellen {ref} har en formel, og filen beder om at få alle formler regnet ud, når den "
                        "åbnes: den gemte værdi er ikke regnet ud. Åbn filen i Excel (eller LibreOffice), og gem "
                        "den igen; eller indsæt værdierne som tal"
                    )
                else:
                    text = (
                        f"cellen {ref} har en formel uden gemt værdi: åbn filen i Excel (eller LibreOffice), "
                        "lad den regne formlerne ud, og gem den igen; eller indsæt værdierne som tal"
                    )
                problems.append(Problem(name, row, headers[place], shown, text))
                if len(problems) >= MAX_CELL_PROBLEMS:
                    break
    if problems:
        raise ExtractRejected(problems)


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - ord("A") + 1
    return index - 1


def _marked_cells(fh, every_formula: bool = False):
    """(reference, formula, error value or None, whether a value was saved) of each formula cell without a
    saved value (with ``every_formula``: each formula cell) and each cell holding an error value, streamed from a
    sheet's XML a whole number of rows at a time.

    A byte scan, not an XML parser: a sheet of a million cells parses in seconds, and only the few
    rows that hold a formula or an error are looked at closely.
    """
    buffer, prefix = b"", None
    while chunk := fh.read(4 * 1024 * 1024):
        buffer += chunk
        if prefix is None:  # the sheet's namespace prefix, if it uses one (<x:c>)
            found = re.search(rb"<(\w+:)?sheetData\b", buffer)
            if not found:
                continue
            prefix = found.group(1) or b""
        row_end = b"</" + prefix + b"row>"
        cut = buffer.rfind(row_end)
        if cut < 0:
            continue
        segment, buffer = buffer[: cut + len(row_end)], buffer[cut + len(row_end) :]
        if _CELL_MARK.search(segment):
            yield from _cells_in(segment, prefix, every_formula)
    if _CELL_MARK.search(buffer):
        yield from _cells_in(buffer, prefix or b"", every_formula)


def _cells_in(segment: bytes, prefix: bytes, every_formula: bool = False):
    starts = (b"<" + prefix + b"c ", b"<" + prefix + b"c>")
    close = b"</" + prefix + b"c>"
    p = re.escape(prefix)
    formula_re = re.compile(rb"<" + p + rb"f\b[^>]*?(?:/>|>(.*?)</" + p + rb"f>)", re.S)
    value_re = re.compile(rb"<" + p + rb"v\b[^>]*?(?:/>|>(.*?)</" + p + rb"v>)", re.S)
    done = set()
    for mark in _CELL_MARK.finditer(segment):
        start = max(segment.rfind(starts[0], 0, mark.start() + 1), segment.rfind(starts[1], 0, mark.start() + 1))
        end = segment.find(close, mark.start())
        if start < 0 or end < 0 or start in done:
            continue
        done.add(start)
        head, _, body = segment[start:end].partition(b">")
        attrs = {k.rpartition(b":")[2]: v for k, v in _ATTR.findall(head)}
        ref = attrs.get(b"r", b"").decode("ascii", "replace")
        formula = formula_re.search(body)
        value = value_re.search(body)
        saved = None if value is None else (value.group(1) or b"")
        text = html.unescape(formula.group(1).decode("utf-8", "replace")) if formula and formula.group(1) else ""
        if attrs.get(b"t") == b"e":
            yield ref, text, html.unescape((saved or b"").decode("utf-8", "replace")), True
        elif formula and (saved is None or (saved == b"" and attrs.get(b"t") != b"str")):
            # An empty saved value of type "str" is a formula whose result is empty text: a value.
            yield ref, text, None, False
        elif formula and every_formula:
            yield ref, text, None, True
