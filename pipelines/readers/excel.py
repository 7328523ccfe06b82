"""Excel (.xlsx): the sheet chosen (by name or number, or the first that holds data), its header found below any
title rows, its cells read as text through fastexcel after the checks in excel_safety."""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree


from pipelines.errors import ExtractRejected
from pipelines.headers import known_header
from pipelines.readers.common import MAX_HEADER_SEARCH, StagedFile, sniff_format, stage_arrow
from pipelines.readers.excel_safety import check_saved_values, check_zip


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


@dataclass(frozen=True)
class Sheet:
    name: str
    part: str | None  # its XML part in the zip, e.g. xl/worksheets/sheet1.xml (None if the workbook hides it)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _xml_part(zf: zipfile.ZipFile, member: str, name: str) -> ElementTree.Element | None:
    """A small XML part of the workbook (sizes already checked by check_zip), or None if it is absent."""
    if member not in zf.namelist():
        return None
    try:
        return ElementTree.fromstring(zf.read(member))
    except ElementTree.ParseError:
        raise ExtractRejected.one(name, f"Excel-filen er beskadiget: {member} er ikke gyldig XML") from None


def _recalculated_on_open(path: Path, name: str) -> bool:
    """Whether the workbook asks to have every formula calculated again when it is opened (``fullCalcOnLoad``,
    as xlsxwriter and other tools that do not calculate write it): its saved formula values are placeholders."""
    with zipfile.ZipFile(path) as zf:
        book = _xml_part(zf, "xl/workbook.xml", name)
    calc = next((el for el in book.iter() if _local(el.tag) == "calcPr"), None) if book is not None else None
    return calc is not None and (calc.get("fullCalcOnLoad") or "").lower() in ("1", "true")


def _workbook_sheets(path: Path, name: str) -> list[Sheet]:
    """The sheets in workbook order, each with its XML part (xl/workbook.xml and its relationships)."""
    with zipfile.ZipFile(path) as zf:
        book = _xml_part(zf, "xl/workbook.xml", name)
        rels = _xml_part(zf, "xl/_rels/workbook.xml.rels", name)
    targets = {}
    for el in rels.iter() if rels is not None else ():
        if _local(el.tag) == "Relationship":
            target = el.get("Target") or ""
            targets[el.get("Id")] = (
                target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            )
    sheets = []
    for el in book.iter():
        if _local(el.tag) == "sheet":
            rel = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            sheets.append(Sheet(el.get("name") or "", targets.get(rel)))
    return sheets


def sheet_names(path: Path, name: str) -> list[str]:
    """An Excel workbook's sheet names in order (for a sheet picker); [] for any other file."""
    if sniff_format(Path(path), name) != "xlsx":
        return []
    check_zip(Path(path), name)
    return [s.name for s in _workbook_sheets(Path(path), name)]


def _choose_sheet(sheets: list[Sheet], wanted: str | int | None, name: str) -> int:
    """The index of the sheet asked for by name (exact, then ignoring case) or number (1 is the first)."""
    if not sheets:
        raise ExtractRejected.one(name, "Excel-filen har ingen ark")
    if wanted is None or str(wanted).strip() == "":
        return 0
    text = str(wanted).strip()
    names = [s.name for s in sheets]
    folded = [n.casefold() for n in names]
    if text in names:
        return names.index(text)
    if text.casefold() in folded:
        return folded.index(text.casefold())
    if text.isdigit() and 1 <= int(text) <= len(sheets):
        return int(text) - 1
    listing = ", ".join(f"{i}: '{n}'" for i, n in enumerate(names, start=1))
    raise ExtractRejected.one(
        name, f"arket findes ikke i Excel-filen; vælg et af arkene ved navn eller nummer ({listing})", value=text
    )


def _load_sheet(reader, sheet: Sheet, name: str, n_rows: int | None = None) -> tuple[list[list[str | None]], list[int]]:
    """The sheet's cells as text, row i being Excel row i + 1, and each column's place in the sheet (0 = A)."""
    import fastexcel

    try:
        # skip_rows=0: keep blank rows at the top, so row numbers are the ones Excel shows.
        loaded = reader.load_sheet(sheet.name, header_row=None, skip_rows=0, n_rows=n_rows, dtype_coercion="coerce")
        table = loaded.to_arrow()
        places = [c.absolute_index for c in loaded.available_columns()]
    except (fastexcel.FastExcelError, OSError) as exc:
        raise ExtractRejected.one(name, f"Excel-filen kan ikke læses: {exc}") from None
    columns = [[_cell_text(v) for v in col.to_pylist()] for col in table.columns]
    return ([list(r) for r in zip(*columns, strict=True)] if columns else []), places


def _header_index(rows: list[list[str | None]]) -> int | None:
    """The first row naming at least two known columns, among the first non-blank rows."""
    seen = 0
    for idx, row in enumerate(rows):
        if not any(row):
            continue
        if sum(known_header(c) for c in row if c) >= 2:
            return idx
        seen += 1
        if seen >= MAX_HEADER_SEARCH:
            return None
    return None


def stage_xlsx(con, path: Path, name: str, wanted: str | int | None) -> StagedFile:
    import fastexcel

    check_zip(path, name)
    sheets = _workbook_sheets(path, name)
    chosen = _choose_sheet(sheets, wanted, name)
    try:
        reader = fastexcel.read_excel(str(path))
    except (fastexcel.FastExcelError, OSError) as exc:
        raise ExtractRejected.one(name, f"Excel-filen kan ikke læses: {exc}") from None
    rows, places = _load_sheet(reader, sheets[chosen], name)
    header_idx = _header_index(rows)
    if header_idx is None:
        _data_on_another_sheet(reader, sheets, chosen, name)
        header_idx = next((i for i, r in enumerate(rows) if any(c for c in r)), 0)
    headers = [(c or "").strip() for c in rows[header_idx]] if rows else []
    check_saved_values(
        path,
        sheets[chosen],
        name,
        header_idx + 1,
        {place: header for place, header in zip(places, headers, strict=False) if header},
        _recalculated_on_open(path, name),
    )
    data = rows[header_idx + 1 :]
    while data and not any(c not in (None, "") for c in data[-1]):
        data.pop()
    # Excel rows are 1-based and the data start right under the header row.
    staged = stage_arrow(con, name, "xlsx", headers, data, header_idx + 2)
    staged.sheet, staged.first_sheet = sheets[chosen].name, chosen == 0
    return staged


def _data_on_another_sheet(reader, sheets: list[Sheet], chosen: int, name: str) -> None:
    """When the sheet read has no columns we know but another sheet has, say which was read and how to
    pick another; otherwise return (and the usual messages follow)."""
    others = [s.name for i, s in enumerate(sheets) if i != chosen and _has_known_header(reader, s, name)]
    if not others:
        return
    listing = " eller ".join(f"'{n}'" for n in others[:3])
    read = f"arket '{sheets[chosen].name}' (ark {chosen + 1} af {len(sheets)})"
    raise ExtractRejected.one(
        name,
        f"læste {read}, som ikke har kolonner, der kan genkendes; data ser ud til at ligge "
        f'i arket {listing}. Vælg arket med --sheet "{others[0]}" på kommandolinjen '
        "eller i feltet 'Ark' ved filen på siden Data",
    )


def _has_known_header(reader, sheet: Sheet, name: str) -> bool:
    try:
        rows = _load_sheet(reader, sheet, name, n_rows=200)[0]
    except ExtractRejected:  # a chart sheet, say: it holds no data either way
        return False
    return _header_index(rows) is not None


# Formula cells and error values: their markers in a sheet's XML, and the parts of one cell.
