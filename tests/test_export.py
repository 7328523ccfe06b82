"""Chart and table exports, checked on the bytes users download: rendered charts, CSV, Excel and zip."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from datetime import date

import fastexcel
import polars as pl
import pytest

from presentation import charts, export

CAPTION = "Kilde: Jobindsats · januar–juni 2024 · syntetiske demodata"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# "/Type /Page" also prefixes "/Type /Pages" (the page tree), which is not a page.
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")

# --- sample charts --------------------------------------------------------------------------------------------


def heatmap_chart():
    rows = []
    for r, row in enumerate(["Jobparate", "Aktivitetsparate"]):
        for c, col in enumerate(["Match 1", "Match 2"]):
            rows.append(
                {
                    "row_label": row,
                    "col_label": col,
                    "row_order": r,
                    "col_order": c,
                    "persons": 1234 * (r + 1) * (c + 1),
                    "row_share": 50.0,
                    "col_share": 25.0,
                    "is_total": False,
                }
            )
    return charts.heatmap_matrix(pl.DataFrame(rows), "Målgrupper og matchgrupper", "Personer")


def series_chart():
    rows = [
        {"date": date(year, 1, 1), "series": series, "area": "Hjørring", "value": base + year, "era": "Fra 2014"}
        for year in range(2014, 2020)
        for series, base in (("Jobparat", 1000.0), ("Aktivitetsparat", 500.0))
    ]
    return charts.category_time_series(pl.DataFrame(rows), "Personer", "Visiterede over tid", ["Hjørring"])


def caseload_chart():
    df = pl.DataFrame(
        {
            "team": ["Team A", "Team B"],
            "guidance_label": ["Kontanthjælp"] * 2,
            "cases_per_worker": [70.0, 50.0],
            "low": [45.0, 45.0],
            "high": [55.0, 55.0],
            "above": [True, False],
            "cases": [700, 500],
            "caseworker_fte": [10.0, 10.0],
            "fte_needed_high": [2.7, 0.0],
            "fte_needed_low": [5.6, 1.1],
        }
    )
    return charts.caseload_band(df, "Sagstal pr. sagsbehandler")


@pytest.fixture(scope="module")
def three_charts():
    return [heatmap_chart(), series_chart(), caseload_chart()]


def svg_texts(svg: str) -> list[str]:
    """Every text node of the SVG; a multi-line title puts each line in a <tspan> of its own."""
    return [html.unescape(t) for t in re.findall(r">([^<>]+)</t(?:ext|span)>", svg)]


class SpecOnly:
    """Stands in for a chart whose spec a test spells out by hand."""

    def __init__(self, spec: dict):
        self.spec = spec

    def to_dict(self) -> dict:
        return self.spec


# --- export_spec ----------------------------------------------------------------------------------------------


def test_export_spec_sets_numeric_width_and_appends_caption(three_charts):
    heatmap, series, _ = three_charts
    spec = export.export_spec(heatmap, CAPTION)
    assert spec["width"] == export.EXPORT_WIDTH
    assert spec["title"]["text"] == "Målgrupper og matchgrupper"
    # A string subtitle becomes a list with the caption as the last line.
    assert spec["title"]["subtitle"] == ["Personer", CAPTION]
    # The chart shown on the page is untouched.
    assert heatmap.to_dict()["width"] == "container"
    assert export.export_spec(series, CAPTION)["title"]["subtitle"] == ["Hjørring", CAPTION]


def test_export_spec_handles_every_title_form():
    base = charts.bar_compare(
        pl.DataFrame({"label": ["A"], "value": [1.0], "highlight": [True]}), "Andel", "Sammenligning"
    )
    # A title without a subtitle.
    assert export.export_spec(base, CAPTION)["title"]["subtitle"] == [CAPTION]
    # A plain string title, and a chart with no title at all.
    plain = base.properties(title="Bare tekst")
    assert export.export_spec(plain, CAPTION)["title"] == {
        "text": "Bare tekst",
        "subtitle": [CAPTION],
        "anchor": "start",
    }
    untitled = export.export_spec(SpecOnly({"mark": "point"}), CAPTION)
    assert untitled["title"]["subtitle"] == [CAPTION]
    # A list subtitle keeps its lines.
    listed = export.export_spec(SpecOnly({"mark": "point", "title": {"text": "T", "subtitle": ["a", "b"]}}), CAPTION)
    assert listed["title"] == {"text": "T", "subtitle": ["a", "b", CAPTION]}


def test_export_spec_replaces_container_width_inside_layers():
    spec = {"layer": [{"mark": "point", "width": "container"}], "width": "container", "height": "container"}
    out = export.export_spec(SpecOnly(spec), CAPTION)
    assert out["width"] == export.EXPORT_WIDTH
    assert out["layer"][0]["width"] == export.EXPORT_WIDTH
    assert "height" not in out


# --- rendered charts ------------------------------------------------------------------------------------------


def test_chart_png(three_charts):
    png = export.chart_png(three_charts[0], CAPTION)
    assert png.startswith(PNG_MAGIC)
    assert len(png) > 5_000


def test_chart_svg_carries_caption_and_danish_numbers(three_charts):
    svg = export.chart_svg(three_charts[0], CAPTION)
    assert isinstance(svg, bytes)
    text = svg.decode("utf-8")
    assert "<svg" in text
    texts = svg_texts(text)
    assert CAPTION in texts
    # 1234 persons in a heatmap cell, written the Danish way.
    assert "1.234" in texts
    # Fixed export width, not the tiny default Vega uses when a "container" width has nothing to fill.
    width = float(re.search(r'<svg[^>]*\swidth="([\d.]+)"', text).group(1))
    assert width > export.EXPORT_WIDTH


def test_chart_pdf(three_charts):
    pdf = export.chart_pdf(three_charts[2], CAPTION)
    assert pdf.startswith(b"%PDF")
    assert len(PAGE_OBJECT.findall(pdf)) == 1


# --- tables ---------------------------------------------------------------------------------------------------


def sample_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "area": ['=HYPERLINK("http://x")', "Hjørring", "Nord; Syd", None],
            "persons": [3, 12, None, 0],
            "rate": [35.5, -18.1, None, 1234.25],
            "month": [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), None],
        }
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("=1+1", "'=1+1"),
        ("+45 1234", "'+45 1234"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Hjørring", "Hjørring"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralise(text, expected):
    assert export.neutralise(text) == expected


def test_export_frame():
    out = export.export_frame(sample_frame(), count_columns=["persons"])
    assert out.schema["persons"] == pl.String
    assert out.get_column("persons").to_list() == [export.SMALL_COUNT_LABEL, "12", None, "0"]
    assert out.get_column("area").to_list() == ['\'=HYPERLINK("http://x")', "Hjørring", "Nord; Syd", None]
    assert out.schema["rate"] == pl.Float64
    # The rate beside the suppressed count is left out (secondary suppression): it would give the count back.
    assert out.get_column("rate").to_list() == [None, -18.1, None, 1234.25]
    assert out.schema["month"] == pl.Date


def test_export_frame_rejects_bad_count_columns():
    with pytest.raises(ValueError):
        export.export_frame(sample_frame(), ["missing"])
    with pytest.raises(TypeError):
        export.export_frame(sample_frame(), ["area"])
    with pytest.raises(ValueError):
        export.export_frame(pl.DataFrame({"n": [1.5]}), ["n"])
    whole = export.export_frame(pl.DataFrame({"n": [2.0, 7.0, None]}), ["n"])
    assert whole.get_column("n").to_list() == [export.SMALL_COUNT_LABEL, "7", None]


def test_data_csv():
    data = export.data_csv(sample_frame(), count_columns=["persons"])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.count("\r\n") == 5 and "\n" not in text.replace("\r\n", "")
    assert "35,5" not in text and "-18,1" in text and "1234,25" in text
    assert "'-18,1" not in text  # numbers are never neutralised

    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == ["area", "persons", "rate", "month"]
    assert rows[1] == ['\'=HYPERLINK("http://x")', "<5", "", "2024-01-01"]
    assert rows[2] == ["Hjørring", "12", "-18,1", "2024-02-01"]
    assert rows[3] == ["Nord; Syd", "", "", "2024-03-01"]  # null stays empty, never 0
    # The field with the separator is quoted, and inner quotes are doubled.
    assert '"Nord; Syd"' in text and '"\'=HYPERLINK(""http://x"")"' in text

    back = pl.read_csv(io.BytesIO(data), separator=";", decimal_comma=True)
    assert back.columns == ["area", "persons", "rate", "month"]
    assert back.get_column("area").to_list()[:2] == ['\'=HYPERLINK("http://x")', "Hjørring"]
    assert back.get_column("persons").to_list() == ["<5", "12", None, "0"]
    assert back.get_column("rate").to_list() == [None, -18.1, None, 1234.25]


def test_data_xlsx():
    data = export.data_xlsx(
        sample_frame(), count_columns=["persons"], sheet_name="Visitation: 2024", title="Visiterede", caption=CAPTION
    )
    reader = fastexcel.read_excel(data)
    # ":" is not allowed in a sheet name.
    assert reader.sheet_names == ["Visitation  2024"]
    # Title, caption and a blank row above the header.
    table = reader.load_sheet(0, header_row=3).to_polars()
    assert table.columns == ["area", "persons", "rate", "month"]
    assert table.get_column("area").to_list()[:2] == ['\'=HYPERLINK("http://x")', "Hjørring"]
    assert table.get_column("persons").to_list()[0] == export.SMALL_COUNT_LABEL
    assert table.schema["rate"] == pl.Float64
    assert table.get_column("rate").to_list() == [None, -18.1, None, 1234.25]
    assert table.get_column("month").to_list()[0].date() == date(2024, 1, 1)
    top = reader.load_sheet(0, header_row=None, n_rows=2).to_polars()
    assert top.row(0)[0] == "Visiterede" and top.row(1)[0] == CAPTION

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet
    # The count 12 is a number cell (no t="s"), the suppressed 3 a shared string.
    assert re.search(r'<c r="B6"[^>]*><v>12</v>', sheet) and 't="s"' in re.search(r'<c r="B5"[^>]*>', sheet).group(0)
    assert '<pane ySplit="4"' in sheet  # header row frozen


def test_data_xlsx_without_title():
    table = fastexcel.read_excel(export.data_xlsx(sample_frame())).load_sheet(0).to_polars()
    assert table.columns == ["area", "persons", "rate", "month"]
    assert table.schema["persons"] == pl.Float64  # not a count column: numbers, exact
    assert table.get_column("persons").to_list() == [3, 12, None, 0]


def test_zip_pack_round_trip():
    files = {"figur.png": b"\x89PNG...", "data/tabel.csv": "æøå;1\r\n".encode("utf-8-sig"), "tom.txt": b""}
    packed = export.zip_pack(files)
    with zipfile.ZipFile(io.BytesIO(packed)) as archive:
        assert archive.testzip() is None
        assert {name: archive.read(name) for name in archive.namelist()} == files
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())


def test_small_count_from_the_warehouse_is_hidden_only_in_the_export(con, write_file):
    """A count of 3 loaded into the warehouse stays 3 there and is "<5" in CSV and XLSX; a formula is defused."""
    from pipelines import loader

    extract = write_file(
        "small.csv",
        "Område;Periode;Forvaltning;Målgruppe;Matchgruppe;Antal personer\n"
        "Læsø;2024M03;Fælles borgere;Handicappede;Matchgruppe 4;3\n"
        "Læsø;2024M03;Fælles borgere;Misbrugere i behandling;Matchgruppe 4;12\n",
    )
    loader.load(extract, source="test", con=con)
    frame = con.sql(
        'select target_group as "Målgruppe", persons as "Antal personer" from match_groups order by persons'
    ).pl()
    frame = frame.with_columns(pl.lit('=HYPERLINK("http://x")').alias("Område"))
    text = export.data_csv(frame, ["Antal personer"]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[1][1] == "<5" and rows[2][1] == "12"
    assert rows[1][2] == '\'=HYPERLINK("http://x")'
    xlsx = export.data_xlsx(frame, ["Antal personer"])
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
        strings = zf.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet and "&lt;5" in strings and "'=HYPERLINK" in strings
    assert con.execute("select min(persons) from match_groups").fetchall() == [(3,)]


NOISY = pl.DataFrame(
    {
        "Andel (pct.)": [0.7999999999999998, 35.55, None, float("nan"), 2.675],
        "Personer": [1.0000000000000002, 12.0, 7.0, None, 1234.0],
    }
)


def test_data_csv_drops_float_noise_and_rounds_as_the_page_shows():
    rows = list(csv.reader(io.StringIO(export.data_csv(NOISY).decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["0,8", "35,55", "", "", "2,675"]  # noise gone, nothing else changed
    assert rows[1][1] == "1,0"
    shown = export.data_csv(NOISY, decimals={"Andel (pct.)": 1, "Personer": 0}).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(shown), delimiter=";"))
    # Half away from zero from the decimal the value reads as, like fmt_num: 35,55 -> 35,6 and 2,675 -> 2,7.
    assert rows[1:] == [["0,8", "1"], ["35,6", "12"], ["", "7"], ["", ""], ["2,7", "1234"]]
    with pytest.raises(ValueError):
        export.data_csv(NOISY, decimals={"missing": 1})


def test_data_xlsx_holds_the_rounded_numbers():
    table = (
        fastexcel.read_excel(export.data_xlsx(NOISY, decimals={"Andel (pct.)": 1, "Personer": 0}))
        .load_sheet(0)
        .to_polars()
    )
    assert table["Andel (pct.)"].to_list() == [0.8, 35.6, None, None, 2.7]
    assert table["Personer"].to_list() == [1, 12, 7, None, 1234]


def test_a_failed_download_is_logged_with_an_id_and_explained_in_danish_on_the_next_run(caplog):
    """Streamlit makes a download's file outside the script run, where an exception showed the user nothing
    they could read: the failure is logged with its traceback and an id, and the next run says so in Danish."""
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st

        from presentation import page

        for message in page.failed_downloads():
            st.error(message)
        st.session_state["make"] = page.guarded(lambda: 1 / 0, "Figur (PNG)")

    app = AppTest.from_function(script).run()
    assert not app.error
    with caplog.at_level("ERROR", logger="helhedsblik"), pytest.raises(ZeroDivisionError):
        app.session_state["make"]()  # as Streamlit calls it when the button is clicked: no file
    (record,) = [r for r in caplog.records if "the download 'Figur (PNG)' failed" in r.getMessage()]
    ref = re.search(r"Fejl-id ([0-9a-f]{8})", record.getMessage()).group(1)
    assert record.exc_info and record.exc_info[0] is ZeroDivisionError  # the traceback goes to the log
    app.run()
    (shown,) = app.error
    assert "Figur (PNG) kunne ikke laves" in shown.value and f"fejl-id {ref}" in shown.value
    assert not app.run().error  # said once


def test_a_chart_whose_data_hold_decimals_exports():
    """A SQL sum gives DECIMAL; such a column in a chart's data made every figure export fail (Aktivering)."""
    from decimal import Decimal

    df = pl.DataFrame(
        {"area": ["Aarhus", "Odense"], "persons": [Decimal("8154"), Decimal("3449.5")]},
        schema={"area": pl.String, "persons": pl.Decimal(10, 1)},
    )
    chart = charts.bar_compare(
        df.with_columns(pl.col("persons").alias("value"), highlight=pl.Series([True, False]), label=pl.col("area")),
        "Personer",
        "Titel",
    )
    assert export.chart_png(chart, "Kilde").startswith(b"\x89PNG")
    svg = export.chart_svg(chart, "Kilde").decode()
    assert "8.154" in svg and "3.449,5" in svg


def test_decimal_counts_and_figures_export_as_numbers():
    """Counts summed in SQL arrive as DECIMAL(38,0): they are counts all the same (small ones hidden), and a DECIMAL
    with decimals is a decimal number; the CSV and the workbook failed on them (Aktivering's data)."""
    from decimal import Decimal

    df = pl.DataFrame(
        {"Personer": [Decimal(3), Decimal(1234)], "Grad": [Decimal("38.75"), Decimal("40.10")]},
        schema={"Personer": pl.Decimal(38, 0), "Grad": pl.Decimal(10, 2)},
    )
    text = export.data_csv(df, ["Personer"], {"Grad": 1}).decode("utf-8-sig")
    # The rate beside a hidden count goes too (3 of n at 38,75 % gives n back): the small-count rule's second part.
    assert text.splitlines() == ["Personer;Grad", "<5;", "1234;40,1"]
    sheet = pl.read_excel(io.BytesIO(export.data_xlsx(df, ["Personer"], decimals={"Grad": 1})))
    assert sheet.rows() == [("<5", None), ("1234", 40.1)] or sheet.rows() == [("<5", None), (1234, 40.1)]
