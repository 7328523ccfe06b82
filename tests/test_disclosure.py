"""Small counts and what a file passed on must say: the rule itself, then every export of Læsø's pages.

Læsø (area 825) is the demo's smallest municipality: its shared-citizen matrix has totals of 1, 2 and 3 people and
its activation series months with fewer than five activated. Every export a user can download there (PNG, SVG, PDF,
CSV, XLSX) and every table on screen is read back as a user would read it.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import fastexcel
import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import queries
from presentation import charts, disclosure, export
from tests.test_pages import chart_data, page_path

LAESOE = "825"
COUNT_HEADERS = {"Personer", "Antal personer", "Aktiverede", "Aktive sager"}
SMALL = {"1", "2", "3", "4"}


# --- the rule -------------------------------------------------------------------------------------------------


def test_small_counts_are_one_to_four():
    assert [disclosure.is_small(v) for v in (None, 0, 1, 4, 4.0, 5, float("nan"), True)] == [
        False,
        False,
        True,
        True,
        True,
        False,
        False,
        False,
    ]


def test_a_share_next_to_a_suppressed_count_goes():
    # 3 of 21 is 14,3 %: with the share the reader has the count again.
    df = pl.DataFrame({"n": [3, 18], "andel": [14.3, 85.7], "year": [2024, 2024]})
    out = disclosure.protect(df, ["n"])
    assert out["andel"].to_list() == [None, 85.7]
    assert out["year"].to_list() == [2024, 2024]  # whole numbers are no share
    assert out["n"].to_list() == [3, 18]  # the count itself is labelled by the writer


def test_every_share_of_a_total_goes_when_one_part_is_suppressed():
    # 16 is 84,2 % of 19, so the total is 19 and the hidden part 19 - 16 = 3: the whole group's shares go.
    df = pl.DataFrame({"area": ["A", "A", "B", "B"], "n": [3, 16, 7, 9], "andel": [15.8, 84.2, 43.75, 56.25]})
    grouped = disclosure.protect(df, ["n"], {"andel": ("area",)})
    assert grouped["andel"].to_list() == [None, None, 43.75, 56.25]
    # Without the page's word a share is its row's own.
    assert disclosure.protect(df, ["n"])["andel"].to_list() == [None, 84.2, 43.75, 56.25]


def test_no_count_no_change():
    df = pl.DataFrame({"n": [None, 0, 12], "andel": [None, 0.0, 100.0]})
    assert disclosure.protect(df, ["n"]).equals(df)
    assert disclosure.protect(df, []).equals(df)


def test_safe_table_is_danish_text():
    df = pl.DataFrame(
        {
            "Måned": [date(2026, 11, 1), date(2026, 12, 1)],
            "Periode": ["2026M11", "2024Q01"],
            "Personer": [3, 12926],
            "Andel": [23.8095, 12926.3],
            "Over": [True, False],
            "Navn": ["Læsø", None],
        }
    )
    out = disclosure.safe_table(df, ["Personer"])
    assert out.row(0) == ("nov. 2026", "nov. 2026", "<5", None, "Ja", "Læsø")
    assert out.row(1) == ("dec. 2026", "1. kvt. 2024", "12.926", "12.926,3", "Nej", None)
    quarters = disclosure.safe_table(pl.DataFrame({"Kvartal": [date(2026, 10, 1)]}), freq="Q")
    assert quarters.item() == "4. kvt. 2026"
    days = disclosure.safe_table(pl.DataFrame({"Gyldig fra": [date(2024, 1, 2)]}))
    assert days.item() == "2. januar 2024"


def test_file_names_are_ascii_and_say_what_they_hold():
    name = disclosure.file_name("Aktivering", "Aktiveringsgrad, Aarhus", "Aarhus", "2022M01", "2026M09", "Q", "csv")
    assert name == "aktiveringsgrad_aarhus_2022K1-2026K3.csv"
    name = disclosure.file_name("Fælles borgere", "Målgruppe og matchgruppe, Læsø", "Læsø", "2007M11", "2007M11", "M")
    assert name == "faelles-borgere_maalgruppe-og-matchgruppe_laesoe_2007M11"
    assert disclosure.file_name("", "", None, None, None, "M", "png") == "figur.png"
    assert disclosure.period_span("2020M01", "2024M12", "Y") == "2020-2024"


def test_figure_export_hides_a_small_count_and_its_share():
    df = pl.DataFrame(
        {
            "row_label": ["I alt", "I alt", "Misbrug", "Misbrug"],
            "col_label": ["Jobparat", "Aktivitetsparat", "Jobparat", "Aktivitetsparat"],
            "row_order": [9, 9, 1, 1],
            "col_order": [1, 2, 1, 2],
            "persons": [3, 40, 0, 17],
            "row_share": [7.0, 93.0, 0.0, 100.0],
            "col_share": [100.0, 100.0, 0.0, 42.5],
            "is_total": [True, True, False, False],
        }
    )
    figure = charts.heatmap_matrix(df, "Matrix")
    shares = {"row_share": ("row_label",), "col_share": ("col_label",)}
    spec = export.export_spec(figure, "Kilde: test", ["persons"], shares)
    rows = [r for rows in spec["datasets"].values() for r in rows]
    assert [r["persons"] for r in rows] == [None, 40, 0, 17]
    assert [r["row_share"] for r in rows] == [None, None, 0.0, 100.0]
    # The Jobparat column holds the hidden 3: its other cells lose their column shares too.
    assert [r["col_share"] for r in rows] == [None, 100.0, None, 42.5]
    svg = export.chart_svg(figure, "Kilde: test", counts=["persons"], shares=shares).decode()
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "&lt;5" in labels and "3" not in labels and "40" in labels


def test_demo_figures_carry_the_watermark():
    df = pl.DataFrame({"label": ["a", "b"], "value": [1.0, 2.0], "highlight": [True, False]})
    figure = charts.bar_compare(df, "Pct.", "Titel")
    assert disclosure.DEMO_WATERMARK in export.chart_svg(figure, "x", demo=True).decode()
    assert disclosure.DEMO_WATERMARK not in export.chart_svg(figure, "x").decode()
    assert export.chart_png(figure, "x", demo=True).startswith(b"\x89PNG")
    assert export.chart_pdf(figure, "x", demo=True).startswith(b"%PDF")


def test_data_exports_name_their_source():
    df = pl.DataFrame({"n": [7]})
    rows = list(
        csv.reader(io.StringIO(export.data_csv(df, ["n"], source="syntetisk demo").decode("utf-8-sig")), delimiter=";")
    )
    assert rows == [["n", "Kilde"], ["7", "syntetisk demo"]]


# --- every export of Læsø's pages -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def laesoe_exports(built_warehouse, tmp_path_factory):
    """{page: {chart key: {file name: bytes}}} for every chart on the pages that show counts, as downloaded."""
    import os
    import shutil

    path = tmp_path_factory.mktemp("laesoe") / "warehouse.duckdb"
    shutil.copy(built_warehouse, path)
    old = os.environ.get("HELHEDSBLIK_WAREHOUSE")
    os.environ["HELHEDSBLIK_WAREHOUSE"] = str(path)
    queries.snapshot_reader.clear()
    st.cache_data.clear()
    out, tables, reports = {}, {}, {}
    try:
        for name in ("overblik", "faelles_borgere", "aktivering", "sagstal", "visitation"):
            at = AppTest.from_file(page_path(name), default_timeout=60)
            at.query_params["kommune"] = LAESOE
            at.run()
            assert not at.exception, [e.value for e in at.exception]
            out[name] = {
                key: {f: make() for f, make in files.items()} for key, files in at.session_state["_exports"].items()
            }
            tables[name] = [el.value for el in at.dataframe]
            reports[name] = [row for index in range(len(at.get("vega_lite_chart"))) for row in chart_data(at, index)]
    finally:
        queries.snapshot_reader.clear()
        if old is None:
            os.environ.pop("HELHEDSBLIK_WAREHOUSE", None)
        else:
            os.environ["HELHEDSBLIK_WAREHOUSE"] = old
    return out, tables, reports


def _csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def _files(exports, suffix):
    return [
        (page, name, data)
        for page, charts_ in exports.items()
        for files in charts_.values()
        for name, data in files.items()
        if name.endswith(suffix)
    ]


def test_laesoe_data_exports_show_no_small_count_and_no_share_that_gives_one_back(laesoe_exports):
    exports, _, _ = laesoe_exports
    suppressed = 0
    for _page, name, data in _files(exports, ".csv"):
        rows = _csv_rows(data)
        assert rows and rows[0]["Kilde"], name  # every data export names its source
        for row in rows:
            for header in COUNT_HEADERS & row.keys():
                assert row[header] not in SMALL, (name, row)
            if any(row.get(h) == disclosure.LABEL for h in COUNT_HEADERS):
                suppressed += 1
                decimals = [v for v in row.values() if re.fullmatch(r"-?\d+,\d+", v or "")]
                assert not decimals, (name, row)  # 3 of 21 is 14,3: no share beside a hidden count
        if name.startswith("faelles-borgere_maalgruppe"):
            # The row of totals holds two hidden cells: its other cells' shares would give the row's total.
            total_row = [r for r in rows if r["Målgruppe"] == "Fælles borgere i alt"]
            assert all(r["Andel af rækken (pct.)"] == "" for r in total_row)
    assert suppressed >= 3  # Læsø's matrix and activation months do have counts 1-4
    for _page, name, data in _files(exports, ".xlsx"):
        table = fastexcel.read_excel(data).load_sheet(0, header_row=2).to_polars()
        for header in COUNT_HEADERS & set(table.columns):
            values = {str(v).removesuffix(".0") for v in table[header].to_list() if v is not None}
            assert not values & SMALL, (name, values)


def test_laesoe_figure_exports_show_no_small_count(laesoe_exports):
    exports, _, _ = laesoe_exports
    matrix = exports["faelles_borgere"]["matrix"]
    svg = next(data for name, data in matrix.items() if name.endswith(".svg")).decode()
    cell_labels = re.findall(r'<text[^>]*font-size="12px"[^>]*>([^<]*)</text>', svg)
    # The matrix writes each cell's count: 1, 2 and 3 people are "<5", 5 and 12 stay.
    assert cell_labels.count("&lt;5") >= 3 and not set(cell_labels) & SMALL
    assert {"5", "12"} <= set(cell_labels)
    for _page, name, data in _files(exports, ".svg"):
        assert disclosure.DEMO_WATERMARK in data.decode(), name  # Læsø's figures are synthetic
    for _page, name, data in _files(exports, ".png"):
        assert data.startswith(b"\x89PNG") and "laesoe" in name, name
    for _page, name, data in _files(exports, ".pdf"):
        assert data.startswith(b"%PDF"), name


def test_laesoe_tables_on_screen(laesoe_exports):
    _, tables, _ = laesoe_exports
    matrix = next(t for t in tables["faelles_borgere"] if "Antal personer" in t.columns)
    counts = set(matrix["Antal personer"].dropna().astype(str))
    assert disclosure.LABEL in counts and not counts & SMALL
    for page, shown in ((page, t) for page, ts in tables.items() for t in ts):
        for column in shown.columns:
            for value in shown[column].dropna().astype(str):
                # An English decimal ("23.8095"), not Danish thousands ("11.412").
                english = re.fullmatch(r"-?\d+\.\d+", value) and not re.fullmatch(r"-?\d{1,3}(\.\d{3})+", value)
                assert not english, (page, column, value)
                assert not re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", value), (page, column, value)  # no ISO date
                assert not re.fullmatch(r"\d{4}M\d{2}", value), (page, column, value)  # no period code


def test_laesoe_charts_on_screen_hold_no_small_count(laesoe_exports):
    """The charts' data as the browser gets them (the council report's own rule is tested in test_report.py)."""
    _, _, on_screen = laesoe_exports
    hidden = 0
    for page, rows in on_screen.items():
        for row in rows:
            for field in ("persons", "activated", "cases"):
                assert not disclosure.is_small(row.get(field)), (page, field, row)
            hidden += bool(row.get("persons__lille"))
    assert hidden >= 3  # the matrix's three small totals are there, as "<5"


def test_a_total_does_not_give_a_lone_hidden_part_back():
    # Target groups by match group, "I alt" the column's total: 40 - 30 - 7 = 3 would give the hidden part back,
    # so the smallest shown part (7) goes too. In the second column two parts are unknown already.
    df = pl.DataFrame(
        {
            "col": ["J", "J", "J", "J", "A", "A", "A", "A"],
            "persons": [3, 30, 7, 40, 2, None, 9, 20],
            "is_total": [False, False, False, True, False, False, False, True],
            "share": [7.5, 75.0, 17.5, 100.0, 10.0, None, 45.0, 100.0],
        }
    )
    totals = {"persons": (("col",), "is_total")}
    out = disclosure.protect(df, ["persons"], {"share": ("col",)}, totals)
    assert out["persons"].to_list() == [3, 30, None, 40, 2, None, 9, 20]
    assert out["share"].to_list() == [None] * 8
    rows = list(csv.reader(io.StringIO(export.data_csv(out, ["persons"]).decode("utf-8-sig")), delimiter=";"))
    assert [r[1] for r in rows[1:5]] == ["<5", "30", "", "40"]
    # The figure says the same: "<5", and nothing where the 7 was.
    figure = charts.heatmap_matrix(
        df.with_columns(
            pl.col("col").alias("col_label"),
            pl.when(pl.col("is_total"))
            .then(pl.lit("I alt"))
            .otherwise(pl.int_range(pl.len()).cast(pl.String))
            .alias("row_label"),
            pl.lit(1).alias("row_order"),
            pl.lit(1).alias("col_order"),
            pl.col("share").alias("row_share"),
            pl.col("share").alias("col_share"),
        ),
        "Matrix",
    )
    spec = export.export_spec(figure, "x", ["persons"], None, totals)
    assert [r["persons"] for rows in spec["datasets"].values() for r in rows] == [None, 30, None, 40, None, None, 9, 20]
