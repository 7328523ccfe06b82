"""The corpus of bad extracts (tests/data/bad/): every one is rejected whole, with a clear Danish message.

Each file is loaded into a warehouse that already holds a load, so "unchanged" means something; the first
problem must name the file and carry the expected message (and, for a problem in a row, that row). A few big
cases are written at test time instead of being stored. A file that shows a loader bug goes into KNOWN_BUGS
as a strict xfail until the bug is fixed (none today).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.helpers import rejected, state
from pipelines import integrity, loader
from pipelines.warehouse import connect

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "data" / "bad"
NOT_EXTRACTS = {"make_corpus.py", "README.md"}

VIS = "Område;Periode;Ydelse;Visitationskategori;Antal personer\n"

# file -> (message fragment, row, column, value) of the first problem. row None: a problem with the whole file
# (no row); column/value None: not checked. Keep in step with README.md (test_readme_matches_expectations).
EXPECTED: dict[str, tuple[str, int | None, str | None, str | None]] = {
    # Encoding
    "utf16le_no_bom.csv": ("filen er binær", None, None, None),
    "utf8_bom_but_cp1252.csv": ("ugyldige tegn", 2, None, None),
    "mojibake_area.csv": ("ukendt område", 2, "Område", "HjÃ¸rring"),
    "mixed_utf8_cp1252.csv": ("mangler kolonnen 'Område'", 1, "Område", None),
    "cp1252_undefined_byte.csv": ("ugyldige tegn", 2, None, None),
    # Shape of the file
    "empty.csv": ("filen er tom", None, None, None),
    "whitespace_only.csv": ("filen er tom", None, None, None),
    "bom_only.csv": ("kunne ikke finde en overskriftslinje", None, None, None),
    "header_only.csv": ("ingen datarækker", None, None, None),
    "binary_garbage.csv": ("filen er binær", None, None, None),
    "pipe_separated.csv": ("hvilken slags udtræk", 1, None, "Område|Periode|Ydelse|Visitationskategori|Antal personer"),
    "comma_separated_decimal_comma.csv": ("forkert antal kolonner", 2, None, None),
    "unknown_kind.csv": ("hvilken slags udtræk", 1, None, None),
    "missing_column.csv": ("mangler kolonnen 'Ydelse'", 1, "Ydelse", None),
    "duplicate_column.csv": ("har allerede samme betydning", 1, "Kommune", None),
    "ragged_rows.csv": ("forkert antal kolonner", 3, None, "Aarhus;2024M03;Kontanthjælp;Jobparat;5;7"),
    "too_few_columns.csv": ("forkert antal kolonner", 3, None, None),
    "unterminated_quote.csv": ("kan ikke læses som CSV", 2, None, None),
    # The line a text editor shows, not the record number: the quoted team name spans lines 2 and 3.
    "line_break_in_quoted_cell.csv": ("større end 0", 4, "Sagsbehandlere (årsværk)", "0"),
    "line_break_then_ragged_row.csv": (
        "forkert antal kolonner",
        4,
        None,
        "Aarhus;2024M03;Team Syd;Sygedagpenge;40;2;9",
    ),
    # Values
    "non_numeric.csv": ("ikke et tal", 2, "Antal personer", "mange"),
    "negative_count.csv": ("negativt tal", 2, "Antal personer", "-5"),
    "not_whole_count.csv": ("helt antal", 2, "Antal personer", "10,5"),
    "decimal_point.csv": ("punktum i et tal", 2, "Antal personer", "12.5"),
    "share_over_100.csv": ("andel uden for 0-100", 2, "Aktiveringsgrad", "101,5"),
    "share_negative.csv": ("andel uden for 0-100", 2, "Aktiveringsgrad", "-0,5"),
    "activated_above_persons.csv": ("flere aktiverede end personer", 2, "Aktiverede", "11"),
    "fte_zero.csv": ("større end 0", 2, "Sagsbehandlere (årsværk)", "0"),
    "upper_below_caseload.csv": ("øvre grænse er mindre", 2, "Sager pr. sagsbehandler (øvre)", "30"),
    "nan_value.csv": ("ikke et tal", 2, "Antal personer", "NaN"),
    "infinity_value.csv": ("ikke et tal", 2, "Antal personer", "inf"),
    "nan_count_activation.csv": ("ikke et tal", 2, "Antal personer", "nan"),
    "count_overflow.csv": ("for stort", 2, "Antal personer", None),
    "count_not_whole_jobindsats.csv": ("helt antal", 2, "Antal personer", "1.234,5"),
    "count_not_whole_point.csv": ("helt antal", 2, "persons", "0.5"),
    "count_above_population.csv": ("større end Danmarks befolkning", 2, "Antal personer", "6.000.000"),
    "share_over_100_visitation.csv": ("andel uden for 0-100", 2, "Andel (pct.)", "100,5"),
    "total_below_parts.csv": ("mindre end summen af delene (10 < 12)", 2, "Antal personer", "10"),
    # Keys and dimensions
    "duplicate_keys.csv": ("dublet: samme nøgle som række 2", 3, None, None),
    "unknown_area.csv": ("ukendt område", 3, "Område", "Atlantis"),
    "misspelt_area.csv": ("ukendt område 'Kobenhaven' (mente du København?)", 3, "Område", "Kobenhaven"),
    "html_in_area.csv": ("ukendt område", 2, "Område", "<img src=x onerror=alert(1)>"),
    "formula_in_area.csv": ("ukendt område", 2, "Område", '=HYPERLINK("http://x")'),
    "empty_area.csv": ("skal udfyldes", 2, "Område", None),
    "unknown_category.csv": ("ukendt værdi for 'Visitationskategori'", 2, "Visitationskategori", "Halvparat"),
    "category_in_benefit_column.csv": ("ukendt værdi for 'Ydelse'", 2, "Ydelse", "Jobparat"),
    "target_group_as_administration.csv": ("ukendt værdi for 'Forvaltning'", 2, "Forvaltning", "Handicappede"),
    "unknown_measure.csv": ("ukendt værdi for 'Måling'", 2, "Måling", "Antal heste"),
    # Periods
    "period_month_13.csv": ("ugyldig periode", 2, "Periode", "2024M13"),
    "period_two_digit_year.csv": ("ugyldig periode", 2, "Periode", "24M01"),
    "period_iso_dash.csv": ("ugyldig periode", 2, "Periode", "2024-01"),
    "period_quarter_5.csv": ("ugyldig periode", 2, "Periode", "2024Q5"),
    "period_qmat_5.csv": ("ugyldig periode", 2, "Periode", "2024QMAT5"),
    "period_range_reversed.csv": ("ugyldig periode", 2, "Periode", "2008M07-2007M01"),
    "period_before_1980.csv": ("ugyldig periode", 2, "Periode", "1979M12"),
    # Excel
    "not_really_excel.xlsx": ("hvilken slags udtræk", 1, None, None),
    "truncated.xlsx": ("beskadiget", None, None, None),
    "zip_without_workbook.xlsx": ("ikke et Excel-regneark", None, None, None),
    "corrupt_sheet.xlsx": ("beskadiget", None, None, None),
    "old_format.xls": ("gammelt Excel-format", None, None, None),
    "title_rows_unknown_category.xlsx": (
        "ukendt værdi for 'Visitationskategori'",
        6,
        "Visitationskategori",
        "Halvparat",
    ),
    "excel_date_as_period.xlsx": ("ugyldig periode", 2, "Periode", None),
    "formula_in_area.xlsx": (
        "cellen A2 har en formel, og filen beder om at få alle formler regnet ud",
        2,
        "Område",
        '=HYPERLINK("http://x")',
    ),
    "formula_placeholder_recalculate.xlsx": (
        "cellen E3 har en formel, og filen beder om at få alle formler regnet ud",
        3,
        "Antal personer",
        "=E2+1",
    ),
    "many_sheets.xlsx": ("Excel-filen har over 1000 ark", None, None, None),
    "formula_without_value.xlsx": ("cellen E3 har en formel uden gemt værdi", 3, "Antal personer", "=E2+1"),
    "formula_error_value.xlsx": ("cellen E3 viser fejlen #DIV/0!", 3, "Antal personer", "=E2/0"),
    "data_on_second_sheet.xlsx": ("læste arket 'Forside' (ark 1 af 2)", None, None, None),
    "blank_rows_above_title.xlsx": ("ukendt værdi for 'Visitationskategori'", 7, "Visitationskategori", "Halvparat"),
    "header_only.xlsx": ("ingen datarækker", None, None, None),
    "empty_sheet.xlsx": ("ingen overskrift", None, None, None),
    # JSON
    "neither_v2_nor_v3.json": ("ukendt JSON-form", None, None, None),
    "truncated.json": ("ugyldig JSON", None, None, None),
    "jobindsats_bad_key.json": ("ukendt JSON-form", None, None, None),
    "empty_array.json": ("ukendt JSON-form", None, None, None),
    "v2_row_wrong_length.json": ("rækken skal være en liste med 4 værdier", 2, None, None),
    "v2_data_not_list.json": ("JSON i v2-form", None, None, None),
    "v3_rows_are_objects.json": ("rækken skal være en liste med 5 værdier", 1, None, None),
    "v3_no_rows.json": ("ingen datarækker", None, None, None),
    "json_cp1252.json": ("ugyldig JSON", None, None, None),
    "json_nan_literal.json": ("ikke et tal", 1, None, None),
    "deeply_nested.json": ("ugyldig JSON", None, None, None),
    "huge_integer.json": ("over 4.300 cifre", None, None, None),
    "unknown_kind.json": ("hvilken slags udtræk", None, None, None),
    # Parquet
    "missing_columns.parquet": ("mangler kolonnen 'Visitationskategori'", None, "Visitationskategori", None),
    "corrupt.parquet": ("Parquet-filen kan ikke læses", None, None, None),
    "empty.parquet": ("ingen datarækker", None, None, None),
    "count_not_whole_double.parquet": ("helt antal", 1, "persons", "1.234"),
    "count_not_whole_text.parquet": ("helt antal", 1, "persons", "1.234"),
}

# Written at test time (too big to store): file -> (message fragment, row, column, value).
GENERATED_EXPECTED: dict[str, tuple[str, int | None, str | None, str | None]] = {
    "huge_single_line.csv": ("kunne ikke finde en overskriftslinje", None, None, None),
    "huge_data_line.csv": ("en linje er for lang", 2, None, None),
    "late_invalid_utf8.csv": ("ugyldige tegn", None, None, None),  # row checked in the test
    "bomb.xlsx": ("dekomprimeringsbombe", None, None, None),
    "lying_bomb.xlsx": ("dekomprimeringsbombe", None, None, None),
}

# Loader bugs a file shows, as strict xfails: a fix makes the test XPASS (and fail) until the entry is removed.
KNOWN_BUGS: dict[str, str] = {}

STORED = sorted(p.name for p in CORPUS.iterdir() if p.is_file() and p.name not in NOT_EXTRACTS)


# --- files written at test time --------------------------------------------------------------

TEN_MB = 10 * 1024 * 1024


def _huge_single_line(path: Path) -> None:
    unit = "Område;Periode;Ydelse;Visitationskategori;Antal personer;".encode()
    path.write_bytes((unit * (TEN_MB // len(unit) + 1))[:TEN_MB])


def _huge_data_line(path: Path) -> None:
    path.write_bytes(VIS.encode() + "Aarhus;2024M02;Kontanthjælp;Jobparat;".encode() + b"9" * TEN_MB + b"\n")


LATE_ROWS = 8100  # 540 months for each of 15 areas: about 340 KB


def _late_invalid_utf8(path: Path) -> None:
    """Valid UTF-8 for well beyond the 256 KB sample, then one Windows-1252 byte."""
    areas = [
        "Aarhus",
        "Odense",
        "Aalborg",
        "Vejle",
        "Randers",
        "Kolding",
        "Horsens",
        "Silkeborg",
        "Herning",
        "Viborg",
        "Esbjerg",
        "Holbæk",
        "Næstved",
        "Køge",
        "Hjørring",
    ]
    rows = [
        f"{a};{2001 + m // 12}M{m % 12 + 1:02d};Kontanthjælp;Jobparat;{m}\n"
        for a in areas
        for m in range(LATE_ROWS // len(areas))
    ]
    body = (VIS + "".join(rows)).encode("utf-8")
    assert len(body) > 300 * 1024
    path.write_bytes(body + b"Ringsted;2024M01;Kontanthj\xe6lp;Jobparat;5\n")


def _bomb(path: Path) -> None:
    """An honest decompression bomb: a 650 KB xlsx-looking zip whose sheet inflates to 640 MB.

    Written with the raw-deflate helper below rather than zipfile's compressor (which takes seconds to deflate
    640 MB); zipfile reads it back to show the sizes are real.
    """
    small = [
        (name, body.encode())
        for name, body in (
            ("[Content_Types].xml", '<?xml version="1.0"?><Types/>'),
            ("xl/workbook.xml", '<?xml version="1.0"?><workbook/>'),
        )
    ]
    members = [(name, _deflate(raw), zlib.crc32(raw), len(raw)) for name, raw in small]
    members.append(("xl/worksheets/sheet1.xml", *_deflate_repeated(b"", b" " * (1 << 20), 640, b"")))
    _write_zip(path, members)
    with zipfile.ZipFile(path) as zf:
        assert sum(i.file_size for i in zf.infolist()) > 600 * 1024 * 1024
        with zf.open("xl/worksheets/sheet1.xml") as fh:
            assert fh.read(1 << 20) == b" " * (1 << 20)
    assert path.stat().st_size < 1024 * 1024


def _deflate(raw: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(raw) + c.flush()


def _lying_bomb(path: Path) -> None:
    """A valid one-row xlsx whose sheet1.xml declares 800 bytes but inflates to 64 MB of blanks."""
    import io

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["Område", "Periode", "Ydelse", "Visitationskategori", "Antal personer"])
    ws.write_row(1, 0, ["Randers", "2024M02", "Kontanthjælp", "Jobparat", 5])
    wb.close()
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    members = []
    for info in src.infolist():
        raw = src.read(info.filename)
        if info.filename == "xl/worksheets/sheet1.xml":
            cut = raw.index(b"<sheetData>") + len(b"<sheetData>")
            data, crc, _ = _deflate_repeated(raw[:cut], b" " * (1 << 20), 64, raw[cut:])
            members.append((info.filename, data, crc, 800))  # the lie
        else:
            members.append((info.filename, _deflate(raw), zlib.crc32(raw), len(raw)))
    _write_zip(path, members)


def _deflate_repeated(prefix: bytes, filler: bytes, repeat: int, suffix: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of prefix + filler * repeat + suffix without compressing every copy of filler."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(filler) + c.flush(zlib.Z_FULL_FLUSH)  # after a full flush the same input gives the same
    tail = c.compress(suffix) + c.flush(zlib.Z_FINISH)
    crc = zlib.crc32(prefix)
    for _ in range(repeat):
        crc = zlib.crc32(filler, crc)
    crc = zlib.crc32(suffix, crc)
    return head + block * repeat + tail, crc, len(prefix) + len(filler) * repeat + len(suffix)


def _write_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> None:
    """A plain zip of (name, raw deflate data, crc32, declared size); sizes are written as given."""
    out, central = bytearray(), bytearray()
    for name, data, crc, size in members:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0)
        out += encoded + data
        central += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    directory_at = len(out)
    out += central + struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), directory_at, 0
    )
    path.write_bytes(bytes(out))


GENERATORS = {
    "huge_single_line.csv": _huge_single_line,
    "huge_data_line.csv": _huge_data_line,
    "late_invalid_utf8.csv": _late_invalid_utf8,
    "bomb.xlsx": _bomb,
    "lying_bomb.xlsx": _lying_bomb,
}


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A warehouse holding one valid load, built once and copied for each test."""
    root = tmp_path_factory.mktemp("bad-template")
    path = root / "warehouse.duckdb"
    base = root / "base.csv"
    base.write_text(
        VIS + "Aarhus;2024M01;Kontanthjælp;Jobparat;100\nOdense;2024M01;Kontanthjælp;Jobparat;80\n", encoding="utf-8"
    )
    con = connect(path)
    try:
        loader.load(base, source="test", con=con)
    finally:
        con.close()
    return path


@pytest.fixture
def preloaded(template, tmp_path, monkeypatch):
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(template, path)
    monkeypatch.setenv("HELHEDSBLIK_WAREHOUSE", str(path))
    con = connect(path)
    assert state(con)[0] != [], "the template holds one load"
    yield con
    con.close()


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    """The path of a corpus file; big ones are written on first use, once per module."""
    folder = tmp_path_factory.mktemp("bad-generated")

    def _path(name: str) -> Path:
        if name not in GENERATORS:
            return CORPUS / name
        path = folder / name
        if not path.exists():
            GENERATORS[name](path)
        return path

    return _path


def _cases() -> list:
    return [
        pytest.param(
            name, id=name, marks=[pytest.mark.xfail(reason=KNOWN_BUGS[name], strict=True)] if name in KNOWN_BUGS else []
        )
        for name in STORED + list(GENERATORS)
    ]


# --- the corpus --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", _cases())
def test_bad_extract_is_rejected_whole(preloaded, extract, name):
    path = extract(name)
    started = time.monotonic()
    problems = rejected(preloaded, path)  # raises ExtractRejected, and the warehouse is unchanged
    elapsed = time.monotonic() - started

    assert problems, "rejected without saying why"
    first = problems[0]
    fragment, row, column, value = {**EXPECTED, **GENERATED_EXPECTED}[name]
    assert first.file == path.name
    assert first.message.strip() and first.severity == "fejl"
    assert fragment in first.message, str(first)
    assert first.row is None or first.row >= 1, f"row numbers are 1-based: {first}"
    if name == "late_invalid_utf8.csv":
        assert first.row == LATE_ROWS + 2, str(first)  # header is line 1, the bad row is the last line
    else:
        assert first.row == row, str(first)
    if column is not None:
        assert first.column == column, str(first)
    if value is not None:
        assert first.value == value, str(first)  # as written in the file: never interpreted or executed
    # Big or hostile input is turned away early, before anything is staged at size.
    if name in GENERATORS:
        assert elapsed < 10, f"{name} took {elapsed:.1f} s to reject"


def test_every_stored_file_has_an_expectation():
    assert set(STORED) == set(EXPECTED), set(STORED) ^ set(EXPECTED)
    assert len(STORED) >= 30
    for name in STORED:
        assert (CORPUS / name).stat().st_size < 50_000, name
    assert not set(GENERATORS) & set(STORED), "big cases are written at test time, never stored"


def test_readme_matches_expectations():
    text = (CORPUS / "README.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `([^`]+)` \| .*? \| `([^`]*)` \|$", text, flags=re.MULTILINE))
    assert table == {name: fragment for name, (fragment, *_) in EXPECTED.items()}
    for name in KNOWN_BUGS:
        if name in table:
            assert re.search(rf"^\| `{re.escape(name)}` \| [^|]*KNOWN BUG", text, flags=re.MULTILINE), name


def test_stored_files_are_what_make_corpus_writes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(module.CASES) == set(STORED)
    for name, (content, _, fragment) in module.CASES.items():
        assert (CORPUS / name).read_bytes() == content, f"{name}: rerun make_corpus.py"
        assert fragment == EXPECTED[name][0], name
    assert (CORPUS / "README.md").read_text(encoding="utf-8") == module.readme()


@pytest.mark.process
def test_check_is_clean_after_all_rejections(preloaded, extract, tmp_path):
    con = preloaded
    before = state(con)
    names = [n for n in STORED + list(GENERATORS) if n not in KNOWN_BUGS]
    for name in names:
        rejected(con, extract(name))
    assert state(con) == before
    assert integrity.check(con) == []
    con.close()  # the CLI opens the file itself, as a user runs it
    env = {**os.environ, "HELHEDSBLIK_WAREHOUSE": str(tmp_path / "warehouse.duckdb")}
    out = subprocess.run(
        [sys.executable, "-m", "pipelines", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "konsistent" in out.stdout
    assert re.search(r"visitation\s+1 indlæsninger\s+2 rækker", out.stdout), out.stdout


# --- valid files the corpus must not be confused with ------------------------------------------

GOOD_ROWS = "Hjørring;2016M10;Kontanthjælp;Jobparat;245\nÆrø;2016M10;Uddannelseshjælp;Åbenlyst uddannelsesparat;12\n"


def _loads(con, path: Path) -> int:
    result = loader.load(path, source="test", con=con)
    assert not result.skipped_identical
    return result.rows


def test_windows_1252_is_valid_not_bad(preloaded, tmp_path):
    path = tmp_path / "cp1252.csv"
    path.write_bytes((VIS + GOOD_ROWS).encode("cp1252"))
    assert _loads(preloaded, path) == 2


def test_crlf_line_endings_are_valid(preloaded, tmp_path):
    path = tmp_path / "crlf.csv"
    path.write_bytes((VIS + GOOD_ROWS).replace("\n", "\r\n").encode("utf-8"))
    assert _loads(preloaded, path) == 2


def test_utf16_with_bom_is_valid(preloaded, tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes((VIS + GOOD_ROWS).replace(";", "\t").encode("utf-16"))  # BOM + UTF-16-LE, tab separated
    assert _loads(preloaded, path) == 2
