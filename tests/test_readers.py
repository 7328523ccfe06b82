"""Every reader, through the real loader into a real DuckDB file."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

from pipelines import loader

HEADER = "Område;Periode;Ydelse;Visitationskategori;Antal personer;Fuldtidspersoner\n"


def visitation_rows(con, area_code):
    return con.execute(
        "select period, category, measure, value, suppressed from visitation where area_code = ? "
        "order by period, category, measure", [area_code]).fetchall()


def test_windows_1252_with_danish_letters(con, write_file):
    text = (HEADER + "Hjørring;2016M10;Kontanthjælp;Jobparat;245;220,5\n"
            "Ærø;2016M10;Uddannelseshjælp;Åbenlyst uddannelsesparat;12;10,5\n")
    path = write_file("cp1252.csv", text, encoding="cp1252")
    assert b"\xe6" in path.read_bytes() or b"\xc6" in path.read_bytes()  # really not UTF-8
    result = loader.load(path, source="test", con=con)
    assert result.rows == 4
    assert visitation_rows(con, "860") == [("2016M10", "jobparat", "full_time_persons", 220.5, False),
                                           ("2016M10", "jobparat", "persons", 245.0, False)]
    names = con.execute("select distinct area from visitation order by 1").fetchall()
    assert names == [("Hjørring",), ("Ærø",)]
    assert con.execute("select category_label from visitation where area_code = '492' limit 1").fetchall() == \
        [("Åbenlyst uddannelsesparat",)]


def test_utf8_with_bom_thousands_and_suppressed_cells(con, write_file):
    text = "\ufeff" + HEADER + ("Aarhus;2024M01;Kontanthjælp;Aktivitetsparat;1.234;1.100,5\n"
                                "Læsø;2024M01;Kontanthjælp;Aktivitetsparat;..;-\n"
                                "Aarhus;2024M01;Kontanthjælp;Jobparat;300;\n")
    result = loader.load(write_file("bom.csv", text), source="test", con=con)
    assert result.rows == 6
    assert visitation_rows(con, "751")[:2] == [("2024M01", "aktivitetsparat", "full_time_persons", 1100.5, False),
                                               ("2024M01", "aktivitetsparat", "persons", 1234.0, False)]
    # Suppressed cells are missing, never zero, and never summed.
    assert visitation_rows(con, "825") == [("2024M01", "aktivitetsparat", "full_time_persons", None, True),
                                           ("2024M01", "aktivitetsparat", "persons", None, True)]
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
    assert visitation_rows(con, "730") == [("2024M02", "aktivitetsparat", "persons", 812.0, False),
                                           ("2024M02", "jobparat", "persons", None, True),
                                           ("2024M02", "uoplyst", "persons", 1234.0, False)]


def test_excel_error_names_sheet_row(con, tmp_path):
    path = tmp_path / "bad.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write(0, 0, "Titel")
    ws.write_row(2, 0, ["Område", "Periode", "Ydelse", "Visitationskategori", "Antal personer"])
    ws.write_row(3, 0, ["Randers", "2024M02", "Kontanthjælp", "Jobparat", 10])
    ws.write_row(4, 0, ["Randers", "2024M13", "Kontanthjælp", "Aktivitetsparat", 10])
    wb.close()
    with __import__("pytest").raises(loader.ExtractRejected) as info:
        loader.load(path, source="test", con=con)
    (problem,) = info.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == ("bad.xlsx", 5, "Periode", "2024M13")


def test_api_v2_json_with_comma_decimals_and_suppression(con, write_file):
    payload = [{"Variables": [{"Name": "area", "Label": "Område"}, {"Name": "period", "Label": "Periode"},
                              {"Name": "_viskat_1int", "Label": "Visitationskategori"},
                              {"Name": "mgrpa02_1", "Label": "Antal personer"},
                              {"Name": "mgrpa02_4b", "Label": "Fuldtidspersoner i pct. af arbejdsstyrken"}],
                "Data": [["Odense", "2024M05", "Jobparat", "1.500", "9,08"],
                         ["Odense", "2024M05", "Aktivitetsparat", 2400, ".."]]}]
    path = write_file("v2.json", json.dumps(payload, ensure_ascii=False))
    result = loader.load(path, source="test", con=con)
    assert result.kind == "visitation"
    rows = con.execute("select benefit, category, measure, value, suppressed from visitation "
                       "order by category, measure").fetchall()
    # y60a02's IDs say the benefit is kontanthjælp; "1.500" is a thousands dot; "9,08" a decimal comma.
    assert rows == [("kontanthjaelp", "aktivitetsparat", "full_time_pct", None, True),
                    ("kontanthjaelp", "aktivitetsparat", "persons", 2400.0, False),
                    ("kontanthjaelp", "jobparat", "full_time_pct", 9.08, False),
                    ("kontanthjaelp", "jobparat", "persons", 1500.0, False)]


def test_api_v3_json(con, write_file):
    payload = {"columns": ["area", "period", "mgrpc07_1", "mgrpc07_2"],
               "rows": [["Aalborg", "2024M06", "31,5", "44,2"], ["Hele landet", "2024M06", 33.1, ".."]]}
    result = loader.load(write_file("v3.json", json.dumps(payload)), source="test", con=con)
    assert result.kind == "activation"
    rows = con.execute("select area, group_name, activation_rate, touched_share from activation "
                       "order by area").fetchall()
    assert rows == [("Aalborg", "Alle modtagere", 31.5, 44.2), ("Hele landet", "Alle modtagere", 33.1, None)]


def test_parquet_and_plain_csv(con, tmp_path, write_file):
    table = pa.table({"area": ["Vejle", "Vejle"], "period": ["2024Q1", "2024Q01"],
                      "team": ["Team A", "Team B"], "guidance_area": ["Sygedagpenge", "Fleksjob"],
                      "cases": [90, 40], "caseworker_fte": [2.0, 1.0]})
    pq.write_table(table, tmp_path / "caseload.parquet")
    loader.load(tmp_path / "caseload.parquet", source="test", con=con)
    plain = write_file("plain.csv", "area,period,team,guidance_area,cases,caseworker_fte\n"
                                    "Vejle,2024QMAT02,Team C,Integration,50,1.25\n")
    loader.load(plain, source="test", con=con)
    rows = con.execute("select period, team, cases_per_worker from caseloads order by team").fetchall()
    assert rows == [("2024Q01", "Team A", 45.0), ("2024Q01", "Team B", 40.0), ("2024QMAT02", "Team C", 40.0)]
    labels = dict(con.execute("select period, label from periods").fetchall())
    assert labels["2024Q01"] == "1. kvt. 2024" and labels["2024QMAT02"] == "år til 2. kvt. 2024"


def test_kind_detected_from_labels_or_given(con, write_file):
    path = write_file("x.csv", "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"
                               "Kolding;2024M01;Unge;Aktivitetsparate under 30 år;80;1,0\n")
    assert loader.load(path, source="test", con=con).kind == "caseload"
    path2 = write_file("y.csv", "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"
                                "Kolding;2024M02;Unge;Aktivitetsparate under 30 år;80;1,0\n")
    assert loader.load(path2, "caseload", source="test", con=con).kind == "caseload"
