"""Write the corpus of bad extracts next to this script, and its README table.

Deterministic and re-runnable: ``python tests/data/bad/make_corpus.py`` rewrites every file byte for byte.
Each file has exactly one thing wrong, so the first problem the loader reports is that thing. The two big
cases (a 10 MB single line, a decompression bomb) are not stored: tests/test_bad_extracts.py writes them at
test time. The expected message fragments are repeated in that test (EXPECTED), which checks that they
match the README table written here.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

VIS = "Område;Periode;Ydelse;Visitationskategori;Antal personer\n"
ACT = "Område;Periode;Gruppe;Antal personer;Aktiverede\n"
RATE = "Område;Periode;Aktiveringsgrad\n"
CASE = "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"
MATCH = "Område;Periode;Forvaltning;Målgruppe;Matchgruppe;Antal personer\n"
OK_ROW = "Aarhus;2024M02;Kontanthjælp;Jobparat;5\n"


def vis(*rows: str) -> bytes:
    return (VIS + "".join(rows)).encode("utf-8")


def period(p: str) -> bytes:
    return vis(f"Aarhus;{p};Kontanthjælp;Jobparat;5\n")


def value(v: str) -> bytes:
    return vis(f"Aarhus;2024M02;Kontanthjælp;Jobparat;{v}\n")


# --- Excel ----------------------------------------------------------------------------------

FIXED = dt.datetime(2024, 3, 1, 12, 0, 0)


def xlsx(
    rows: list[tuple[int, list]],
    formulas: list[tuple[int, int, str, str]] = (),
    dates: list[tuple[int, int, dt.datetime]] = (),
    before: dict[str, list[tuple[int, list]]] | None = None,
) -> bytes:
    """A workbook with the rows on a sheet "Data"; ``before``: sheets (name -> rows) that come first."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": FIXED, "author": "Helhedsblik test"})
    for name, sheet_rows in (before or {}).items():
        first = wb.add_worksheet(name)
        for r, values in sheet_rows:
            first.write_row(r, 0, values)
    ws = wb.add_worksheet("Data")
    for r, values in rows:
        ws.write_row(r, 0, values)
    for r, c, formula, cached in formulas:
        ws.write_formula(r, c, formula, None, cached)
    date_format = wb.add_format({"num_format": "yyyy-mm"})
    for r, c, when in dates:
        ws.write_datetime(r, c, when, date_format)
    wb.close()
    return _rezip(buf.getvalue())


def _rezip(data: bytes, edit=None) -> bytes:
    """Same members, fixed timestamps and order: byte-for-byte reproducible. ``edit(name, body)`` may
    change a member on the way."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for info in src.infolist():
            target = zipfile.ZipInfo(info.filename, date_time=(2024, 3, 1, 12, 0, 0))
            target.compress_type = zipfile.ZIP_DEFLATED
            body = src.read(info.filename)
            zf.writestr(target, edit(info.filename, body) if edit else body)
    return out.getvalue()


def without_saved_values(data: bytes) -> bytes:
    """The workbook as tools that do not calculate write it (openpyxl, many exports): formulas, no values."""

    def edit(name: str, body: bytes) -> bytes:
        return re.sub(rb"(</f>)<v>[^<]*</v>", rb"\1", body) if name.startswith("xl/worksheets/") else body

    return _rezip(data, edit)


HEADER_ROW = ["Område", "Periode", "Ydelse", "Visitationskategori", "Antal personer"]


def valid_xlsx(n: int = 60) -> bytes:
    rows = [(0, HEADER_ROW)] + [
        (1 + i, ["Randers", f"{2015 + i // 12}M{i % 12 + 1:02d}", "Kontanthjælp", "Jobparat", 100 + i])
        for i in range(n)
    ]
    return xlsx(rows)


def corrupt_sheet_xlsx() -> bytes:
    """A well-formed zip directory whose sheet1.xml deflate stream is damaged."""
    data = bytearray(valid_xlsx())
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = zf.getinfo("xl/worksheets/sheet1.xml")
    name_len = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    for i in range(start + info.compress_size // 3, start + info.compress_size // 3 + 64):
        data[i] ^= 0x5A
    return bytes(data)


def many_sheets_xlsx(count: int = 1001) -> bytes:
    """A valid workbook whose sheet list names ``count`` sheets (the real one repeated): past the zip checks,
    and a sheet list that big took gigabytes to parse."""

    def edit(name: str, body: bytes) -> bytes:
        if name != "xl/workbook.xml":
            return body
        one = re.search(rb"<sheet [^>]*/>", body).group(0)
        many = b"".join(one.replace(b'name="Data"', b'name="Ark%d"' % i) for i in range(count))
        return body.replace(one, many)

    return _rezip(valid_xlsx(), edit)


def zip_without_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("rapport/data.csv", date_time=(2024, 3, 1, 12, 0, 0)), VIS + OK_ROW)
    return out.getvalue()


# --- Parquet --------------------------------------------------------------------------------


def parquet(columns: dict[str, list]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf, compression="none", store_schema=False)
    return buf.getvalue()


def empty_parquet() -> bytes:
    import pyarrow as pa

    types = {
        "area": pa.string(),
        "period": pa.string(),
        "benefit": pa.string(),
        "category": pa.string(),
        "persons": pa.int64(),
    }
    return parquet({name: pa.array([], t) for name, t in types.items()})


# --- JSON -----------------------------------------------------------------------------------


def js(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")


V2_VARS = [
    {"Name": "area", "Label": "Område"},
    {"Name": "period", "Label": "Periode"},
    {"Name": "_viskat_1int", "Label": "Visitationskategori"},
    {"Name": "mgrpa02_1", "Label": "Antal personer"},
]
V3_COLS = ["area", "period", "ydelse", "visitationskategori", "antal personer"]


def random_text(seed: int, lines: int) -> bytes:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzæøå"
    out = []
    for _ in range(lines):
        words = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 9))) for _ in range(rng.randint(5, 12))]
        out.append(" ".join(words).capitalize())
    return ("\n".join(out) + "\n").encode("utf-8")


def random_bytes(seed: int, n: int) -> bytes:
    return b"\x00\x01" + random.Random(seed).randbytes(n)


# name -> (content, what is wrong, expected message fragment)
CASES: dict[str, tuple[bytes, str, str]] = {
    # Encoding
    "utf16le_no_bom.csv": (
        (VIS + OK_ROW).encode("utf-16-le"),
        "UTF-16 without a BOM (NUL bytes between the characters)",
        "filen er binær",
    ),
    "utf8_bom_but_cp1252.csv": (
        b"\xef\xbb\xbf" + (VIS + OK_ROW).encode("cp1252"),
        "a UTF-8 BOM, but the content is Windows-1252",
        "ugyldige tegn",
    ),
    "mojibake_area.csv": (
        vis("HjÃ¸rring;2024M02;Kontanthjælp;Jobparat;5\n"),
        "UTF-8 read as Latin-1 and saved again: 'HjÃ¸rring'",
        "ukendt område",
    ),
    "mixed_utf8_cp1252.csv": (
        vis(OK_ROW) + "Odense;2024M02;Kontanthjælp;Jobparat;7\n".encode("cp1252"),
        "UTF-8 with one Windows-1252 row: the whole file is read as Windows-1252, so the header is garbled",
        "mangler kolonnen 'Område'",
    ),
    "cp1252_undefined_byte.csv": (
        VIS.encode("cp1252") + b"Aarhus;2024M02;Kontanthj\x81lp;Jobparat;5\n",
        "not UTF-8, and byte 0x81 is undefined in Windows-1252",
        "ugyldige tegn",
    ),
    # Shape of the file
    "empty.csv": (b"", "empty file", "filen er tom"),
    "whitespace_only.csv": (b"\n\n   \r\n\t\n", "only white space", "filen er tom"),
    "bom_only.csv": (b"\xef\xbb\xbf", "only a UTF-8 BOM", "kunne ikke finde en overskriftslinje"),
    "header_only.csv": (VIS.encode(), "header only", "ingen datarækker"),
    "binary_garbage.csv": (random_bytes(7, 2048), "binary garbage", "filen er binær"),
    "pipe_separated.csv": (
        (VIS + OK_ROW).replace(";", "|").encode(),
        "'\\|' as separator: no known header is found",
        "hvilken slags udtræk",
    ),
    "comma_separated_decimal_comma.csv": (
        (VIS.replace(";", ",") + "Aarhus,2024M02,Kontanthjælp,Jobparat,12,5\n").encode(),
        "comma separated with unquoted decimal commas",
        "forkert antal kolonner",
    ),
    "unknown_kind.csv": (
        b"Kolonne A;Kolonne B;Kolonne C\n1;2;3\n",
        "headers that match no kind",
        "hvilken slags udtræk",
    ),
    "missing_column.csv": (
        "Område;Periode;Visitationskategori;Antal personer\nAarhus;2024M02;Jobparat;1\n".encode(),
        "the Ydelse column is missing",
        "mangler kolonnen 'Ydelse'",
    ),
    "duplicate_column.csv": (
        (
            "Område;Kommune;Periode;Ydelse;Visitationskategori;Antal personer\n"
            "Aarhus;Aarhus;2024M02;Kontanthjælp;Jobparat;5\n"
        ).encode(),
        "two columns mean the same (Område and Kommune)",
        "har allerede samme betydning",
    ),
    "ragged_rows.csv": (
        vis(OK_ROW, "Aarhus;2024M03;Kontanthjælp;Jobparat;5;7\n"),
        "line 3 has one column too many",
        "forkert antal kolonner",
    ),
    "too_few_columns.csv": (
        vis(OK_ROW, "Aarhus;2024M03;Kontanthjælp;Jobparat\n"),
        "line 3 has one column too few",
        "forkert antal kolonner",
    ),
    "line_break_in_quoted_cell.csv": (
        (CASE + 'Aarhus;2024M02;"Team\nNord";Sygedagpenge;40;2\nAarhus;2024M02;Team Syd;Sygedagpenge;40;0\n').encode(),
        "a team name over two lines, then zero FTE on line 4 (record 3)",
        "større end 0",
    ),
    "line_break_then_ragged_row.csv": (
        (
            CASE + 'Aarhus;2024M02;"Team\nNord";Sygedagpenge;40;2\nAarhus;2024M03;Team Syd;Sygedagpenge;40;2;9\n'
        ).encode(),
        "a team name over two lines, then one column too many on line 4 (record 3)",
        "forkert antal kolonner",
    ),
    "unterminated_quote.csv": (
        vis('"Aarhus;2024M02;Kontanthjælp;Jobparat;5\n', "Aarhus;2024M03;Kontanthjælp;Jobparat;5\n"),
        "a quote that is never closed",
        "kan ikke læses som CSV",
    ),
    # Values
    "non_numeric.csv": (value("mange"), "text in a number column", "ikke et tal"),
    "negative_count.csv": (value("-5"), "negative count", "negativt tal"),
    "not_whole_count.csv": ((ACT + "Aarhus;2024M02;Alle;10,5;3\n").encode(), "a count that is not whole", "helt antal"),
    "decimal_point.csv": (value("12.5"), "a decimal point (12.5) in a decimal-comma file", "punktum i et tal"),
    "share_over_100.csv": ((RATE + "Aarhus;2024M02;101,5\n").encode(), "share above 100 %", "andel uden for 0-100"),
    "share_negative.csv": ((RATE + "Aarhus;2024M02;-0,5\n").encode(), "negative share", "andel uden for 0-100"),
    "activated_above_persons.csv": (
        (ACT + "Aarhus;2024M02;Alle;10;11\n").encode(),
        "more activated than persons",
        "flere aktiverede end personer",
    ),
    "fte_zero.csv": (
        (CASE + "Aarhus;2024M02;Team 1;Sygedagpenge;40;0\n").encode(),
        "zero caseworker FTE",
        "større end 0",
    ),
    "upper_below_caseload.csv": (
        (
            "Område;Periode;Team;Sagsområde;Sager pr. sagsbehandler;"
            "Sager pr. sagsbehandler (øvre)\nAarhus;2024M02;Team 1;Sygedagpenge;40;30\n"
        ).encode(),
        "upper bound below the caseload",
        "øvre grænse er mindre",
    ),
    "nan_value.csv": (value("NaN"), "'NaN' as a number", "ikke et tal"),
    "infinity_value.csv": (value("inf"), "'inf' as a number", "ikke et tal"),
    "nan_count_activation.csv": ((ACT + "Aarhus;2024M02;Alle;nan;3\n").encode(), "'nan' as a count", "ikke et tal"),
    "count_overflow.csv": (
        (ACT + "Aarhus;2024M02;Alle;99999999999999999999;1\n").encode(),
        "a count beyond BIGINT",
        "for stort",
    ),
    "count_not_whole_jobindsats.csv": (
        (
            "Område;Periode;Ydelse;Visitationskategori;Antal personer;Fuldtidspersoner\n"
            "Aarhus;2024M02;Kontanthjælp;Jobparat;1.234,5;1.100,5\n"
        ).encode(),
        "persons not whole in jobindsats' own form (the direct route's)",
        "helt antal",
    ),
    "count_not_whole_point.csv": (
        "area,period,benefit,category,persons\nAarhus,2024M02,Kontanthjælp,Jobparat,0.5\n".encode(),
        "persons not whole in a plain CSV (decimal point)",
        "helt antal",
    ),
    "count_above_population.csv": (
        value("6.000.000"),
        "more persons than live in Denmark",
        "større end Danmarks befolkning",
    ),
    "share_over_100_visitation.csv": (
        (
            "Område;Periode;Ydelse;Visitationskategori;Andel (pct.)\nAarhus;2024M02;Kontanthjælp;Jobparat;100,5\n"
        ).encode(),
        "a visitation share above 100 %",
        "andel uden for 0-100",
    ),
    "total_below_parts.csv": (
        vis(
            "Aarhus;2024M02;Kontanthjælp;I alt;10\n",
            "Aarhus;2024M02;Kontanthjælp;Jobparat;6\n",
            "Aarhus;2024M02;Kontanthjælp;Aktivitetsparat;6\n",
        ),
        "'I alt' (10) below the sum of its parts (6 + 6)",
        "mindre end summen af delene (10 < 12)",
    ),
    # Keys and dimensions
    "duplicate_keys.csv": (
        vis(OK_ROW, "Aarhus;2024M02;Kontanthjælp;Jobparat;6\n"),
        "the same key on lines 2 and 3",
        "dublet: samme nøgle som række 2",
    ),
    "unknown_area.csv": (
        vis(OK_ROW, "Atlantis;2024M02;Kontanthjælp;Jobparat;5\n"),
        "unknown area Atlantis",
        "ukendt område",
    ),
    "misspelt_area.csv": (
        vis(OK_ROW, "Kobenhaven;2024M02;Kontanthjælp;Jobparat;5\n"),
        "a misspelt area, Kobenhaven",
        "ukendt område 'Kobenhaven' (mente du København?)",
    ),
    "html_in_area.csv": (
        vis("<img src=x onerror=alert(1)>;2024M02;Kontanthjælp;Jobparat;5\n"),
        "HTML/script as area name",
        "ukendt område",
    ),
    "formula_in_area.csv": (
        vis('"=HYPERLINK(""http://x"")";2024M02;Kontanthjælp;Jobparat;5\n'),
        "a spreadsheet formula as area name",
        "ukendt område",
    ),
    "empty_area.csv": (vis(";2024M02;Kontanthjælp;Jobparat;5\n"), "empty area", "skal udfyldes"),
    "unknown_category.csv": (
        vis("Aarhus;2024M02;Kontanthjælp;Halvparat;5\n"),
        "unknown category Halvparat",
        "ukendt værdi for 'Visitationskategori'",
    ),
    "category_in_benefit_column.csv": (
        vis("Aarhus;2024M02;Jobparat;Jobparat;5\n"),
        "a category (Jobparat) in the Ydelse column",
        "ukendt værdi for 'Ydelse'",
    ),
    "target_group_as_administration.csv": (
        (MATCH + "Aarhus;2024M02;Handicappede;Handicappede;Jobparat;5\n").encode(),
        "a target group in the Forvaltning column",
        "ukendt værdi for 'Forvaltning'",
    ),
    "unknown_measure.csv": (
        (
            "Område;Periode;Ydelse;Visitationskategori;Måling;Værdi\n"
            "Aarhus;2024M02;Kontanthjælp;Jobparat;Antal heste;5\n"
        ).encode(),
        "unknown measure",
        "ukendt værdi for 'Måling'",
    ),
    # Periods
    "period_month_13.csv": (period("2024M13"), "month 13", "ugyldig periode"),
    "period_two_digit_year.csv": (period("24M01"), "two-digit year", "ugyldig periode"),
    "period_iso_dash.csv": (period("2024-01"), "ISO month 2024-01", "ugyldig periode"),
    "period_quarter_5.csv": (period("2024Q5"), "quarter 5", "ugyldig periode"),
    "period_qmat_5.csv": (period("2024QMAT5"), "moving year to quarter 5", "ugyldig periode"),
    "period_range_reversed.csv": (period("2008M07-2007M01"), "a range that ends before it starts", "ugyldig periode"),
    "period_before_1980.csv": (period("1979M12"), "a year before 1980", "ugyldig periode"),
    # Excel
    "not_really_excel.xlsx": (random_text(3, 6), "random text named .xlsx", "hvilken slags udtræk"),
    "truncated.xlsx": (valid_xlsx()[: len(valid_xlsx()) // 2], "an xlsx cut in half", "beskadiget"),
    "zip_without_workbook.xlsx": (zip_without_workbook(), "a zip without xl/workbook.xml", "ikke et Excel-regneark"),
    "corrupt_sheet.xlsx": (corrupt_sheet_xlsx(), "the sheet's deflate stream is damaged", "beskadiget"),
    "old_format.xls": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        "old .xls (OLE2 header)",
        "gammelt Excel-format",
    ),
    "title_rows_unknown_category.xlsx": (
        xlsx(
            [
                (0, ["Jobindsats.dk - Kontanthjælp efter visitationskategori"]),
                (1, ["Udtrukket 2024-03-01"]),
                (3, HEADER_ROW),
                (4, ["Randers", "2024M02", "Kontanthjælp", "Jobparat", 812]),
                (5, ["Randers", "2024M02", "Kontanthjælp", "Halvparat", 10]),
            ]
        ),
        "title rows, then an unknown category in Excel row 6",
        "ukendt værdi for 'Visitationskategori'",
    ),
    "excel_date_as_period.xlsx": (
        xlsx(
            [(0, HEADER_ROW), (1, ["Randers", None, "Kontanthjælp", "Jobparat", 5])],
            dates=[(1, 1, dt.datetime(2024, 2, 1))],
        ),
        "an Excel date in the Periode column",
        "ugyldig periode",
    ),
    "formula_without_value.xlsx": (
        without_saved_values(
            xlsx(
                [
                    (0, HEADER_ROW),
                    (1, ["Randers", "2024M01", "Kontanthjælp", "Jobparat", 5]),
                    (2, ["Randers", "2024M02", "Kontanthjælp", "Jobparat"]),
                ],
                formulas=[(2, 4, "=E2+1", 0)],
            )
        ),
        "a formula saved without its value (E3)",
        "cellen E3 har en formel uden gemt værdi",
    ),
    "formula_error_value.xlsx": (
        xlsx(
            [
                (0, HEADER_ROW),
                (1, ["Randers", "2024M01", "Kontanthjælp", "Jobparat", 5]),
                (2, ["Randers", "2024M02", "Kontanthjælp", "Jobparat"]),
            ],
            formulas=[(2, 4, "=E2/0", "#DIV/0!")],
        ),
        "a formula whose saved value is the error #DIV/0! (E3)",
        "cellen E3 viser fejlen #DIV/0!",
    ),
    "data_on_second_sheet.xlsx": (
        xlsx(
            [(0, HEADER_ROW), (1, ["Randers", "2024M02", "Kontanthjælp", "Jobparat", 5])],
            before={"Forside": [(0, ["Udtræk fra jobindsats.dk"]), (2, ["Se arket Data"])]},
        ),
        "the data are on the second sheet; the first is a cover page",
        "læste arket 'Forside' (ark 1 af 2)",
    ),
    "blank_rows_above_title.xlsx": (
        xlsx(
            [
                (2, ["Jobindsats.dk - Kontanthjælp efter visitationskategori"]),
                (4, HEADER_ROW),
                (5, ["Randers", "2024M02", "Kontanthjælp", "Jobparat", 812]),
                (6, ["Randers", "2024M02", "Kontanthjælp", "Halvparat", 10]),
            ]
        ),
        "two blank rows, a title, then an unknown category in Excel row 7",
        "ukendt værdi for 'Visitationskategori'",
    ),
    "formula_in_area.xlsx": (
        xlsx(
            [(0, HEADER_ROW), (1, [None, "2024M02", "Kontanthjælp", "Jobparat", 5])],
            formulas=[(1, 0, '=HYPERLINK("http://x")', "http://x")],
        ),
        "a HYPERLINK formula as area name, in a workbook that asks to be calculated on opening",
        "cellen A2 har en formel, og filen beder om at få alle formler regnet ud",
    ),
    "formula_placeholder_recalculate.xlsx": (
        xlsx(
            [
                (0, HEADER_ROW),
                (1, ["Randers", "2024M01", "Kontanthjælp", "Jobparat", 5]),
                (2, ["Randers", "2024M02", "Kontanthjælp", "Jobparat"]),
            ],
            formulas=[(2, 4, "=E2+1", 0)],
        ),
        "a formula saved with the placeholder 0 and the flag 'calculate on opening', as xlsxwriter writes it (E3)",
        "cellen E3 har en formel, og filen beder om at få alle formler regnet ud",
    ),
    "many_sheets.xlsx": (many_sheets_xlsx(), "a sheet list of 1.001 sheets", "Excel-filen har over 1000 ark"),
    "header_only.xlsx": (xlsx([(0, HEADER_ROW)]), "header only", "ingen datarækker"),
    "empty_sheet.xlsx": (xlsx([]), "an empty sheet", "ingen overskrift"),
    # JSON
    "neither_v2_nor_v3.json": (
        js({"data": [{"area": "Aarhus", "period": "2024M02", "value": 5}]}),
        "JSON that is neither API v2 nor v3",
        "ukendt JSON-form",
    ),
    "truncated.json": (
        js({"columns": V3_COLS, "rows": [["Aarhus", "2024M02", "Kontanthjælp", "Jobparat", 5]]})[:60],
        "truncated JSON",
        "ugyldig JSON",
    ),
    "jobindsats_bad_key.json": (
        '{"Forkert nøgle eller nøglen er udløbet.":""}'.encode(),
        "jobindsats' reply to a bad API key",
        "ukendt JSON-form",
    ),
    "empty_array.json": (b"[]\n", "an empty JSON list", "ukendt JSON-form"),
    "v2_row_wrong_length.json": (
        js(
            [
                {
                    "Variables": V2_VARS,
                    "Data": [["Odense", "2024M05", "Jobparat", 5], ["Odense", "2024M05", "Aktivitetsparat"]],
                }
            ]
        ),
        "record 2 has 3 values, not 4",
        "rækken skal være en liste med 4 værdier",
    ),
    "v2_data_not_list.json": (
        js([{"Variables": V2_VARS, "Data": {"Odense": 5}}]),
        "Data is not a list",
        "JSON i v2-form",
    ),
    "v3_rows_are_objects.json": (
        js({"columns": V3_COLS, "rows": [{"area": "Aarhus"}]}),
        "rows are objects, not lists",
        "rækken skal være en liste med 5 værdier",
    ),
    "v3_no_rows.json": (js({"columns": V3_COLS, "rows": []}), "no rows", "ingen datarækker"),
    "json_cp1252.json": (
        json.dumps(
            {"columns": V3_COLS, "rows": [["Ærø", "2024M02", "Kontanthjælp", "Jobparat", 5]]}, ensure_ascii=False
        ).encode("cp1252"),
        "JSON in Windows-1252, not UTF-8",
        "ugyldig JSON",
    ),
    "json_nan_literal.json": (
        b'{"columns": ["area", "period", "ydelse", "visitationskategori", "antal personer"],'
        b' "rows": [["Aarhus", "2024M02", "Kontanthj\\u00e6lp", "Jobparat", NaN]]}\n',
        "a NaN literal as a count",
        "ikke et tal",
    ),
    "deeply_nested.json": (b"[" * 3000 + b"]" * 3000, "lists nested 3000 deep", "ugyldig JSON"),
    "huge_integer.json": (
        b'{"columns": ["area", "period", "ydelse", "visitationskategori", "antal personer"], '
        b'"rows": [["Aarhus", "2024M02", "Kontanthj\\u00e6lp", "Jobparat", ' + b"7" * 5000 + b"]]}\n",
        "a count of 5,000 digits (Python converts at most 4,300)",
        "over 4.300 cifre",
    ),
    "unknown_kind.json": (
        js({"columns": ["a", "b"], "rows": [[1, 2]]}),
        "v3 with columns that match no kind",
        "hvilken slags udtræk",
    ),
    # Parquet
    "missing_columns.parquet": (
        parquet({"area": ["Vejle"], "period": ["2024M01"], "persons": [5]}),
        "Parquet without category and benefit",
        "mangler kolonnen 'Visitationskategori'",
    ),
    "corrupt.parquet": (
        b"PAR1" + b"ikke parquet " * 8,
        "PAR1 at the start, but not Parquet",
        "Parquet-filen kan ikke læses",
    ),
    "empty.parquet": (empty_parquet(), "Parquet with columns but no rows", "ingen datarækker"),
    "count_not_whole_double.parquet": (
        parquet(
            {
                "area": ["Vejle"],
                "period": ["2024M01"],
                "benefit": ["Kontanthjælp"],
                "category": ["Jobparat"],
                "persons": [1.234],
            }
        ),
        "persons as a Parquet double 1.234",
        "helt antal",
    ),
    "count_not_whole_text.parquet": (
        parquet(
            {
                "area": ["Vejle"],
                "period": ["2024M01"],
                "benefit": ["Kontanthjælp"],
                "category": ["Jobparat"],
                "persons": ["1.234"],
            }
        ),
        "persons as Parquet text '1.234'",
        "helt antal",
    ),
}


def readme() -> str:
    lines = [
        "# Bad extracts",
        "",
        "Every file here must be rejected whole by `pipelines.loader.load` with a clear Danish message; "
        "`tests/test_bad_extracts.py` loads each one into a warehouse that already holds a load and checks that "
        "nothing changed. Each file has exactly one thing wrong.",
        "",
        "Written by `make_corpus.py` (deterministic; run `python tests/data/bad/make_corpus.py` to rewrite). "
        "Not stored, written at test time by `tests/test_bad_extracts.py` (`GENERATORS`):",
        "",
        "| file | what is wrong | expected message fragment |",
        "| --- | --- | --- |",
        "| huge_single_line.csv | 10 MB on one line, no line break | kunne ikke finde en overskriftslinje |",
        "| huge_data_line.csv | a valid header, then one 10 MB line | en linje er for lang |",
        "| late_invalid_utf8.csv | ~340 KB of valid UTF-8, then one Windows-1252 byte on the last line "
        "| ugyldige tegn |",
        "| bomb.xlsx | 650 KB zip with xl/workbook.xml whose sheet inflates to 640 MB | dekomprimeringsbombe |",
        "| lying_bomb.xlsx | valid xlsx whose sheet declares 800 bytes but inflates to 64 MB | dekomprimeringsbombe |",
        "",
        "A loader bug found by a file here is listed in `KNOWN_BUGS` in the test (a strict xfail) until it is fixed.",
        "",
        "| file | what is wrong | expected message fragment |",
        "| --- | --- | --- |",
    ]
    for name, (_, what, fragment) in CASES.items():
        lines.append(f"| `{name}` | {what} | `{fragment}` |")
    return "\n".join(lines) + "\n"


def main() -> None:
    for name, (content, _, _) in CASES.items():
        assert len(content) < 50_000, name
        (HERE / name).write_bytes(content)
    (HERE / "README.md").write_text(readme(), encoding="utf-8")
    print(f"{len(CASES)} files written to {HERE}")


if __name__ == "__main__":
    main()
