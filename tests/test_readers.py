"""Every reader, through the real loader into a real DuckDB file."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from pipelines import loader

HEADER = "Område;Periode;Ydelse;Visitationskategori;Antal personer;Fuldtidspersoner\n"


def visitation_rows(con, area_code):
    return con.execute(
        "select period, category, measure, value, suppressed from visitation where area_code = ? "
        "order by period, category, measure",
        [area_code],
    ).fetchall()


def test_windows_1252_with_danish_letters(con, write_file):
    text = (
        HEADER + "Hjørring;2016M10;Kontanthjælp;Jobparat;245;220,5\n"
        "Ærø;2016M10;Uddannelseshjælp;Åbenlyst uddannelsesparat;12;10,5\n"
    )
    path = write_file("cp1252.csv", text, encoding="cp1252")
    assert b"\xe6" in path.read_bytes() or b"\xc6" in path.read_bytes()  # really not UTF-8
    result = loader.load(path, source="test", con=con)
    assert result.rows == 4
    assert visitation_rows(con, "860") == [
        ("2016M10", "jobparat", "full_time_persons", 220.5, False),
        ("2016M10", "jobparat", "persons", 245.0, False),
    ]
    names = con.execute("select distinct area from visitation order by 1").fetchall()
    assert names == [("Hjørring",), ("Ærø",)]
    assert con.execute("select category_label from visitation where area_code = '492' limit 1").fetchall() == [
        ("Åbenlyst uddannelsesparat",)
    ]


def test_utf8_with_bom_thousands_and_suppressed_cells(con, write_file):
    text = (
        "\ufeff"
        + HEADER
        + (
            "Aarhus;2024M01;Kontanthjælp;Aktivitetsparat;1.234;1.100,5\n"
            "Læsø;2024M01;Kontanthjælp;Aktivitetsparat;..;-\n"
            "Aarhus;2024M01;Kontanthjælp;Jobparat;300;\n"
        )
    )
    result = loader.load(write_file("bom.csv", text), source="test", con=con)
    assert result.rows == 6
    assert visitation_rows(con, "751")[:2] == [
        ("2024M01", "aktivitetsparat", "full_time_persons", 1100.5, False),
        ("2024M01", "aktivitetsparat", "persons", 1234.0, False),
    ]
    # Suppressed cells are missing, never zero, and never summed.
    assert visitation_rows(con, "825") == [
        ("2024M01", "aktivitetsparat", "full_time_persons", None, True),
        ("2024M01", "aktivitetsparat", "persons", None, True),
    ]
    total = con.execute("select sum(value), count(value) from visitation where measure = 'persons'").fetchall()
    assert total == [(1534.0, 2)]
    assert any("diskretionerede" in w.message for w in result.warnings)


def test_excel_export_with_title_rows(con, tmp_path):
    path = tmp_path / "portal.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Data")
    ws.write(0, 0, "Jobindsats.dk - Kontanthjælp efter visitationskategori")
    ws.write(1, 0, "Udtrukket 2024-03-01")
    for c, h in enumerate(["Område", "Periode", "Ydelse", "Visitationskategori", "Antal personer"]):
        ws.write(3, c, h)
    ws.write_row(4, 0, ["Randers", "2024M02", "Kontanthjælp", "Aktivitetsparat", 812])
    ws.write_row(5, 0, ["Randers", "2024M02", "Kontanthjælp", "Jobparat", ".."])
    # Text with a thousands dot and a decimal comma (a count: whole).
    ws.write_row(6, 0, ["Randers", "2024M02", "Kontanthjælp", "Uoplyst visitationskategori", "1.234,0"])
    wb.close()
    result = loader.load(path, source="test", con=con)
    assert result.kind == "visitation" and result.rows == 3
    assert visitation_rows(con, "730") == [
        ("2024M02", "aktivitetsparat", "persons", 812.0, False),
        ("2024M02", "jobparat", "persons", None, True),
        ("2024M02", "uoplyst", "persons", 1234.0, False),
    ]


def test_excel_error_names_sheet_row(con, tmp_path):
    path = tmp_path / "bad.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write(0, 0, "Titel")
    ws.write_row(2, 0, ["Område", "Periode", "Ydelse", "Visitationskategori", "Antal personer"])
    ws.write_row(3, 0, ["Randers", "2024M02", "Kontanthjælp", "Jobparat", 10])
    ws.write_row(4, 0, ["Randers", "2024M13", "Kontanthjælp", "Aktivitetsparat", 10])
    wb.close()
    with pytest.raises(loader.ExtractRejected) as info:
        loader.load(path, source="test", con=con)
    (problem,) = info.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == ("bad.xlsx", 5, "Periode", "2024M13")


def test_api_v2_json_with_comma_decimals_and_suppression(con, write_file):
    payload = [
        {
            "Variables": [
                {"Name": "area", "Label": "Område"},
                {"Name": "period", "Label": "Periode"},
                {"Name": "_viskat_1int", "Label": "Visitationskategori"},
                {"Name": "mgrpa02_1", "Label": "Antal personer"},
                {"Name": "mgrpa02_4b", "Label": "Fuldtidspersoner i pct. af arbejdsstyrken"},
            ],
            "Data": [
                ["Odense", "2024M05", "Jobparat", "1.500", "9,08"],
                ["Odense", "2024M05", "Aktivitetsparat", 2400, ".."],
            ],
        }
    ]
    path = write_file("v2.json", json.dumps(payload, ensure_ascii=False))
    result = loader.load(path, source="test", con=con)
    assert result.kind == "visitation"
    rows = con.execute(
        "select benefit, category, measure, value, suppressed from visitation order by category, measure"
    ).fetchall()
    # y60a02's IDs say the benefit is kontanthjælp; "1.500" is a thousands dot; "9,08" a decimal comma.
    assert rows == [
        ("kontanthjaelp", "aktivitetsparat", "full_time_pct", None, True),
        ("kontanthjaelp", "aktivitetsparat", "persons", 2400.0, False),
        ("kontanthjaelp", "jobparat", "full_time_pct", 9.08, False),
        ("kontanthjaelp", "jobparat", "persons", 1500.0, False),
    ]


def test_api_v3_json(con, write_file):
    payload = {
        "columns": ["area", "period", "mgrpc07_1", "mgrpc07_2"],
        "rows": [["Aalborg", "2024M06", "31,5", "44,2"], ["Hele landet", "2024M06", 33.1, ".."]],
    }
    result = loader.load(write_file("v3.json", json.dumps(payload)), source="test", con=con)
    assert result.kind == "activation"
    rows = con.execute(
        "select area, group_name, activation_rate, touched_share from activation order by area"
    ).fetchall()
    assert rows == [("Aalborg", "Alle modtagere", 31.5, 44.2), ("Hele landet", "Alle modtagere", 33.1, None)]


def test_parquet_and_plain_csv(con, tmp_path, write_file):
    table = pa.table(
        {
            "area": ["Vejle", "Vejle"],
            "period": ["2024Q1", "2024Q01"],
            "team": ["Team A", "Team B"],
            "guidance_area": ["Sygedagpenge", "Fleksjob"],
            "cases": [90, 40],
            "caseworker_fte": [2.0, 1.0],
        }
    )
    pq.write_table(table, tmp_path / "caseload.parquet")
    loader.load(tmp_path / "caseload.parquet", source="test", con=con)
    plain = write_file(
        "plain.csv",
        "area,period,team,guidance_area,cases,caseworker_fte\nVejle,2024QMAT02,Team C,Integration,50,1.25\n",
    )
    loader.load(plain, source="test", con=con)
    rows = con.execute("select period, team, cases_per_worker from caseloads order by team").fetchall()
    assert rows == [("2024Q01", "Team A", 45.0), ("2024Q01", "Team B", 40.0), ("2024QMAT02", "Team C", 40.0)]
    labels = dict(con.execute("select period, label from periods").fetchall())
    assert labels["2024Q01"] == "1. kvt. 2024" and labels["2024QMAT02"] == "år til 2. kvt. 2024"


def test_kind_detected_from_labels_or_given(con, write_file):
    path = write_file(
        "x.csv",
        "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"
        "Kolding;2024M01;Unge;Aktivitetsparate under 30 år;80;1,0\n",
    )
    assert loader.load(path, source="test", con=con).kind == "caseload"
    path2 = write_file(
        "y.csv",
        "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"
        "Kolding;2024M02;Unge;Aktivitetsparate under 30 år;80;1,0\n",
    )
    assert loader.load(path2, "caseload", source="test", con=con).kind == "caseload"


# --- Excel: formulas, sheets, row numbers ------------------------------------------------------

VIS_HEADER = ["Område", "Periode", "Ydelse", "Visitationskategori", "Antal personer"]


def workbook(path, sheets: dict[str, list[list]], formulas: dict[str, list[tuple]] | None = None):
    """An .xlsx with the given sheets (name -> rows from A1); formulas: name -> (row, col, formula, saved value)."""
    wb = xlsxwriter.Workbook(path)
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, values in enumerate(rows):
            ws.write_row(r, 0, values)
        for r, c, formula, saved in (formulas or {}).get(name, []):
            ws.write_formula(r, c, formula, None, saved)
    wb.close()
    return path


def _as_excel_saves_it(path):
    """The workbook as Excel saves it after calculating: without xlsxwriter's "calculate every formula when the
    file is opened" flag, so the values saved with the formulas are the calculated ones."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as src:
        members = {i.filename: src.read(i.filename) for i in src.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, body in members.items():
            out.writestr(name, re.sub(rb' fullCalcOnLoad="1"', b"", body) if name == "xl/workbook.xml" else body)
    return path


def test_excel_formula_cells_are_read_by_their_saved_values(con, tmp_path):
    path = _as_excel_saves_it(
        workbook(
            tmp_path / "formler.xlsx",
            {
                "Data": [
                    VIS_HEADER,
                    [None, "2024M02", "Kontanthjælp", "Jobparat"],
                    ["Randers", "2024M02", "Kontanthjælp", "Aktivitetsparat", 3],
                ]
            },
            {"Data": [(1, 0, '="Ran"&"ders"', "Randers"), (1, 4, "=E3*4", 12)]},
        )
    )
    result = loader.load(path, source="test", con=con)
    assert result.rows == 2
    assert visitation_rows(con, "730") == [
        ("2024M02", "aktivitetsparat", "persons", 3.0, False),
        ("2024M02", "jobparat", "persons", 12.0, False),
    ]


def test_a_formula_whose_saved_value_is_a_placeholder_is_refused_not_loaded(con, tmp_path):
    """xlsxwriter (and other tools that do not calculate) save a formula with a placeholder value, 0 unless told
    otherwise, and flag the workbook to be calculated when opened: the 0 is no figure."""
    path = workbook(
        tmp_path / "placeholder.xlsx",
        {
            "Data": [
                VIS_HEADER,
                ["Randers", "2024M02", "Kontanthjælp", "Jobparat", 3],
                ["Randers", "2024M03", "Kontanthjælp", "Jobparat"],
            ]
        },
        {"Data": [(2, 4, "=E2*4", 0)]},
    )
    with pytest.raises(loader.ExtractRejected) as info:
        loader.load(path, source="test", con=con)
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [(3, "Antal personer", "=E2*4")]
    assert info.value.problems[0].message.startswith(
        "cellen E3 har en formel, og filen beder om at få alle formler regnet ud, når den åbnes"
    )
    assert con.execute("select count(*) from loads").fetchall() == [(0,)]


def test_a_sheet_with_more_rows_than_excel_allows_is_refused_before_it_is_parsed(con, tmp_path, monkeypatch):
    """The rows are counted while the zip is inflated (the cap is Excel's own 1.048.576; lowered here so the
    workbook stays small): nothing is parsed, so a forged sheet costs no memory."""
    from pipelines import readers
    from pipelines.readers import excel, excel_safety

    rows = [VIS_HEADER] + [["Randers", "2024M02", "Kontanthjælp", "Jobparat", i] for i in range(20)]
    path = workbook(tmp_path / "lang.xlsx", {"Data": rows})
    monkeypatch.setattr(excel_safety, "MAX_SHEET_ROWS", 20)
    monkeypatch.setattr(excel, "_load_sheet", lambda *a, **k: pytest.fail("the sheet was parsed"))
    with pytest.raises(loader.ExtractRejected) as info:
        loader.load(path, source="test", con=con)
    assert info.value.problems[0].message.startswith("et ark i Excel-filen har over 20 rækker")
    monkeypatch.setattr(excel_safety, "MAX_SHEET_ROWS", 21)
    assert readers.sheet_names(path, path.name) == ["Data"]  # 21 rows pass a cap of 21


def _without_saved_values(path):
    """Strip the saved values of every formula, as tools that do not calculate write a workbook."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as src:
        members = {i.filename: src.read(i.filename) for i in src.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, body in members.items():
            out.writestr(name, re.sub(rb"(</f>)<v>[^<]*</v>", rb"\1", body) if "worksheets" in name else body)
    return path


def test_excel_formulas_without_saved_values_are_rejected_naming_each_cell(con, tmp_path):
    path = _without_saved_values(
        workbook(
            tmp_path / "uberegnet.xlsx",
            {
                "Data": [
                    ["Udtræk"],
                    [],
                    VIS_HEADER,
                    ["Randers", "2024M02", "Kontanthjælp", "Jobparat", 5],
                    ["Randers", "2024M03", "Kontanthjælp", "Jobparat"],
                    ["Randers", "2024M04", "Kontanthjælp"],
                ]
            },
            # B1 is a title above the header: not read, so not checked.
            {"Data": [(0, 1, "=TODAY()", 0), (4, 4, "=E4+1", 0), (5, 3, '="Job"&"parat"', ""), (5, 4, "=E5", 0)]},
        )
    )
    with pytest.raises(loader.ExtractRejected) as info:
        loader.load(path, source="test", con=con)
    found = [(p.row, p.column, p.value, p.message.split(":")[0]) for p in info.value.problems]
    assert found == [
        (5, "Antal personer", "=E4+1", "cellen E5 har en formel uden gemt værdi"),
        (6, "Visitationskategori", '="Job"&"parat"', "cellen D6 har en formel uden gemt værdi"),
        (6, "Antal personer", "=E5", "cellen E6 har en formel uden gemt værdi"),
    ]
    assert "gem den igen" in info.value.problems[0].message
    assert con.execute("select count(*) from loads").fetchall() == [(0,)]


def test_excel_data_on_another_sheet_are_chosen_by_name_or_number(con, tmp_path):
    rows = {
        "2023": [VIS_HEADER, ["Randers", "2023M12", "Kontanthjælp", "Jobparat", 7]],
        "2024": [VIS_HEADER, ["Randers", "2024M01", "Kontanthjælp", "Jobparat", 9]],
    }
    path = workbook(tmp_path / "bog.xlsx", {"Forside": [["Kontanthjælp efter visitationskategori"]], **rows})
    with pytest.raises(loader.ExtractRejected) as info:
        loader.load(path, source="test", con=con)
    (problem,) = info.value.problems
    assert problem.message.startswith(
        "læste arket 'Forside' (ark 1 af 3), som ikke har kolonner, der kan genkendes; "
        "data ser ud til at ligge i arket '2023' eller '2024'. Vælg arket med "
        '--sheet "2023" på kommandolinjen'
    )

    first = loader.load(path, source="test", con=con, sheet="2024")  # by name (a name that looks like a number)
    second = loader.load(path, source="test", con=con, sheet=2)  # by number: the second sheet, "2023"
    # The same file, another sheet: another extract, not "already loaded".
    assert not second.skipped_identical and second.load_id != first.load_id
    assert visitation_rows(con, "730") == [
        ("2023M12", "jobparat", "persons", 7.0, False),
        ("2024M01", "jobparat", "persons", 9.0, False),
    ]
    names = con.execute("select file_name from loads order by load_id").fetchall()
    assert names == [("bog.xlsx (ark '2024')",), ("bog.xlsx (ark '2023')",)]
    assert loader.load(path, source="test", con=con, sheet="2024").skipped_identical

    with pytest.raises(loader.ExtractRejected) as info:
        loader.load(path, source="test", con=con, sheet="2025")
    (problem,) = info.value.problems
    assert (problem.value, problem.message) == (
        "2025",
        "arket findes ikke i Excel-filen; vælg et af arkene ved navn eller nummer (1: 'Forside', 2: '2023', 3: '2024')",
    )


def test_excel_rows_keep_their_numbers_below_blank_rows(con, tmp_path):
    path = workbook(
        tmp_path / "luft.xlsx",
        {
            "Data": [
                [],
                [],
                [],
                VIS_HEADER,
                ["Randers", "2024M02", "Kontanthjælp", "Jobparat", 5],
                ["Randers", "2024M13", "Kontanthjælp", "Jobparat", 5],
            ]
        },
    )
    with pytest.raises(loader.ExtractRejected) as info:
        loader.load(path, source="test", con=con)
    (problem,) = info.value.problems
    assert (problem.row, problem.column, problem.value) == (6, "Periode", "2024M13")  # as Excel numbers the row


# --- CSV: the line a text editor shows ----------------------------------------------------------


def test_rows_after_quoted_line_breaks_are_named_by_their_editor_line(con, write_file):
    text = (
        "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"
        'Aarhus;2024M02;"Team\r\nNord\r\n(gammelt navn)";Sygedagpenge;40;2\n'
        "Aarhus;2024M02;Team Syd;Sygedagpenge;40;2\n"
        'Aarhus;2024M02;"Team\nVest";Sygedagpenge;40;2\n'
        "Aarhus;2024M02;Team Øst;Sygedagpenge;-40;2\n"
    )
    with pytest.raises(loader.ExtractRejected) as info:
        loader.load(write_file("teams.csv", text, encoding="cp1252"), source="test", con=con)
    (problem,) = info.value.problems
    assert (problem.row, problem.column, problem.value) == (8, "Aktive sager", "-40")


def test_headers_and_values_are_compared_alike(con, write_file):
    """One comparison (danish.normalise) for headers and values: case, spacing, stray quotes and a
    trailing 'Kommune' do not matter in either."""
    content = (
        '" Område ";Periode;Ydelse kommune;Visitationskategori;Antal personer\n'
        '"""Aarhus Kommune""";2024M01;KONTANTHJÆLP; "Jobparat" ;5\n'
    )
    result = loader.load(write_file("quoted.csv", content), source="test", con=con)
    assert result.rows == 1 and not result.warnings
    assert con.execute("select area_code, benefit, category, value from visitation").fetchall() == [
        ("751", "kontanthjaelp", "jobparat", 5.0)
    ]


# --- Danish period labels --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label,period",
    [
        ("januar 2024", "2024M01"),
        ("Jan. 2024", "2024M01"),
        ("sept. 2023", "2023M09"),
        ("maj 2024", "2024M05"),
        ("1. kvt. 2024", "2024Q01"),
        ("år til 2. kvt. 2024", "2024QMAT02"),
        ("januar 2007 – juli 2008", "2007M01-2008M07"),
    ],
)
def test_the_apps_own_period_labels_are_read_back(label, period):
    from pipelines.periods import parse_period

    parsed = parse_period(label)
    assert parsed.period == period
    assert parse_period(parsed.label).period == period  # every label the app shows reads back


def test_a_json_integer_too_long_for_python_is_a_rejection(con, write_file):
    path = write_file(
        "stor.json",
        '{"columns": ["area", "period", "mgrpc07_1"], "rows": [["Aalborg", "2024M06", ' + "9" * 4400 + "]]}",
    )
    with pytest.raises(loader.ExtractRejected) as info:
        loader.load(path, source="test", con=con)
    assert str(info.value) == (
        "Udtrækket er afvist: stor.json: ugyldig JSON: et tal har over 4.300 cifre; intet udtræk har tal så store"
    )


def test_an_upload_is_named_as_the_user_named_it(con):
    from pipelines import uploads

    review = uploads.review(con, "tom.csv", b"  \n")
    assert [(p.file, p.message) for p in review.problems] == [("tom.csv", "filen er tom")]
