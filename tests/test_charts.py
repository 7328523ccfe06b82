"""Chart builders, checked through the Vega-Lite spec they produce and by rendering it with vl-convert."""

from __future__ import annotations

import html
import re
from datetime import date

import altair as alt
import polars as pl
import pytest
import vl_convert

from presentation import charts
from presentation.formatting import VEGA_LOCALE

# --- sample data ----------------------------------------------------------------------------------------------


def heatmap_df() -> pl.DataFrame:
    rows = []
    for r, row in enumerate(["Jobparate", "Aktivitetsparate", "Uddannelsesparate", "I alt"]):
        for c, col in enumerate(["Match 1", "Match 2", "Match 3"]):
            # The totals row holds the column sums: larger than any cell of the matrix.
            persons = None if (r, c) == (1, 2) else (r + 1 if r < 3 else 6) * (c + 1) * 1234
            rows.append(
                {
                    "row_label": row,
                    "col_label": col,
                    "row_order": r,
                    "col_order": c,
                    "persons": persons,
                    "row_share": None if persons is None else 33.3,
                    "col_share": None if persons is None else 12.5,
                    "is_total": row == "I alt",
                }
            )
    # Reversed, so only the *_order columns can put the labels in the right order.
    return pl.DataFrame(rows).reverse()


def series_df(areas=("Hjørring",)) -> pl.DataFrame:
    rows = []
    for area in areas:
        for year in range(2012, 2017):
            for series, base in (("Jobparat", 1000.0), ("Aktivitetsparat", 500.0)):
                value = None if (year, series) == (2015, "Aktivitetsparat") else base + year
                era = "Før 2014" if year < 2014 else "Fra 2014"
                rows.append({"date": date(year, 1, 1), "series": series, "area": area, "value": value, "era": era})
    return pl.DataFrame(rows)


BREAKS = [
    {"date": date(2014, 1, 1), "label": "Ny opgørelse 2014"},
    {"date": date(2010, 1, 1), "label": "Ny opgørelse 2010"},  # before the data: not drawn
]


def rate_df() -> pl.DataFrame:
    """Two groups' activation rates by quarter for a municipality and the country, across the July 2025 break;
    one quarter suppressed."""
    rows = []
    quarters = [date(2024, 10, 1), date(2025, 1, 1), date(2025, 4, 1), date(2025, 7, 1), date(2025, 10, 1)]
    for area, shift in (("Aarhus", 0.0), ("Odense", -2.0), ("Hele landet", -1.0)):
        for series, base in (("Alle modtagere", 34.0), ("Særlige behov (SOF)", 20.0)):
            for i, start in enumerate(quarters):
                value = None if (area, series, i) == ("Aarhus", "Alle modtagere", 2) else base + shift + i
                rows.append(
                    {
                        "date": start,
                        "period_label": f"{(start.month - 1) // 3 + 1}. kvt. {start.year}",
                        "series": series,
                        "area": area,
                        "value": value,
                        "era": "Nyt kontanthjælpssystem 2025" if start >= date(2025, 7, 1) else "Visitationskategorier",
                    }
                )
    return pl.DataFrame(rows)


RATE_BREAKS = [{"date": date(2025, 7, 1), "label": "Nyt kontanthjælpssystem 2025"}]


def caseload_df() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "team": ["Team A", "Team B", "Team C", "Team D"],
            "guidance_label": ["Kontanthjælp"] * 4,
            "cases_per_worker": [70.0, 50.0, 30.0, None],
            "low": [45.0, 45.0, 45.0, 45.0],
            "high": [55.0, 55.0, 55.0, 55.0],
            "above": [True, False, False, None],
            "cases": [700, None, 300, None],
            "caseworker_fte": [10.0, 10.0, 10.0, None],
            "fte_needed_high": [2.7, 0.0, 0.0, None],
            "fte_needed_low": [5.6, 1.1, 0.0, None],
        }
    )


def investment_df() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "year": [2024, 2025, 2026],
            "investment": [9_900_000.0, 5_000_000.0, 5_000_000.0],
            "avoided": [2_000_000.0, 8_000_000.0, None],
            "net": [-7_900_000.0, 3_000_000.0, None],
            "cumulative": [-7_900_000.0, -4_900_000.0, None],
        }
    )


def coverage_df(areas=("Hjørring",)) -> pl.DataFrame:
    rows = []
    for area in areas:
        rows += [
            {"kind_label": "Visitation", "area": area, "year": 2024, "rows": 1200},
            {"kind_label": "Visitation", "area": area, "year": 2025, "rows": 1300},
            {"kind_label": "Aktivering", "area": area, "year": 2025, "rows": 50},
        ]
    return pl.DataFrame(rows)


def compare_df() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "label": ["Frederikshavn", "Hjørring", "Aalborg"],
            "value": [None, 35.5, 40.1],
            "highlight": [False, True, False],
        }
    )


def benchmark_df() -> pl.DataFrame:
    """Actual and expected full-time persons for three rolling years, the middle actual suppressed."""
    rows = []
    for i, (end, label) in enumerate(
        (
            (date(2025, 12, 31), "år til 4. kvt. 2025"),
            (date(2026, 3, 31), "år til 1. kvt. 2026"),
            (date(2026, 6, 30), "år til 2. kvt. 2026"),
        )
    ):
        actual = None if i == 1 else 4800.0 - 10 * i
        expected = 4950.0 + 5 * i
        difference = None if actual is None else actual - expected
        for series, value in (("Faktisk", actual), ("Forventet", expected)):
            rows.append(
                {
                    "date": end,
                    "period_label": label,
                    "series": series,
                    "value": value,
                    "difference": difference,
                    "rank": None if actual is None else 33 + i,
                    "ranked": 98,
                }
            )
    return pl.DataFrame(rows)


def similar_df() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "area": ["Hjørring", "Viborg", "Greve", "Glostrup"],
            "difference_pct": [-0.40, 0.35, -0.16, None],
            "expected_pct": [11.97, 11.99, 11.83, 12.15],
            "actual_pct": [11.57, 12.34, 11.67, None],
            "difference_ftp": [-166.3, 228.2, -54.3, None],
            "rank": [33, 71, 47, None],
            "is_chosen": [True, False, False, False],
        }
    )


BENCHMARK_BREAKS = [{"date": date(2026, 1, 1), "label": "Nyt benchmark 2026"}]


def build_all() -> dict[str, alt.TopLevelMixin]:
    return {
        "heatmap_matrix": charts.heatmap_matrix(heatmap_df(), "Målgrupper og matchgrupper", "Personer"),
        "category_time_series": charts.category_time_series(
            series_df(), "Personer", "Visiterede", ["Hjørring", "Syntetisk demo"], breaks=BREAKS
        ),
        "category_time_series_lines": charts.category_time_series(
            series_df(("Hjørring", "Aalborg")), "Personer", "Visiterede", breaks=BREAKS
        ),
        "compare_time_series": charts.compare_time_series(
            rate_df(),
            "Aktiveringsgrad (pct.)",
            "Aktivering",
            breaks=RATE_BREAKS,
            chosen="Aarhus",
            reference="Hele landet",
            freq="Q",
            value_suffix=" %",
            target=35,
        ),
        "caseload_band": charts.caseload_band(caseload_df(), "Sagstal"),
        "investment_curve": charts.investment_curve(investment_df(), "Investering"),
        "coverage": charts.coverage(coverage_df(), "Datadækning"),
        "bar_compare": charts.bar_compare(compare_df(), "Aktiveringsgrad (pct.)", "Sammenligning"),
        "benchmark_time_series": charts.benchmark_time_series(
            benchmark_df(), "Fuldtidspersoner", "Faktisk og forventet", "Ydelsesgrupper i alt", BENCHMARK_BREAKS
        ),
        "benchmark_difference_bars": charts.benchmark_difference_bars(
            similar_df(), "Faktisk minus forventet andel (pct.-point)", "Lignende rammevilkår"
        ),
    }


# --- spec helpers ---------------------------------------------------------------------------------------------


def layers(spec: dict) -> list[dict]:
    """The unit specs of a chart (the chart itself when it is not layered; every panel's of a concatenation)."""
    if "concat" in spec:
        return [unit for panel in spec["concat"] for unit in layers(panel)]
    return spec.get("layer", [spec])


def rows_of(spec: dict, unit: dict) -> list[dict]:
    """The inline data a unit spec draws, following Altair's top-level `datasets`."""
    data = unit.get("data", spec.get("data"))
    if "values" in data:
        return data["values"]
    return spec["datasets"][data["name"]]


def by_mark(spec: dict, mark: str) -> list[dict]:
    return [u for u in layers(spec) if (u["mark"] if isinstance(u["mark"], str) else u["mark"]["type"]) == mark]


def tooltip_titles(unit: dict) -> list[str]:
    tips = unit["encoding"]["tooltip"]
    return [t["title"] for t in (tips if isinstance(tips, list) else [tips])]


def calculations(unit: dict) -> dict[str, str]:
    return {t["as"]: t["calculate"] for t in unit.get("transform", []) if "calculate" in t}


def svg_texts(chart) -> list[str]:
    svg = vl_convert.vegalite_to_svg(chart.to_json())
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


# --- shared behaviour -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built():
    return build_all()


@pytest.mark.parametrize("name", list(build_all()))
def test_every_chart_is_danish_and_titled(built, name):
    spec = built[name].to_dict()
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    assert spec["config"]["locale"] == VEGA_LOCALE
    assert spec["config"]["font"] == "Source Sans Pro, sans-serif"
    assert spec["title"]["anchor"] == "start"
    assert spec["title"]["text"]
    if "concat" in spec:  # small multiples: each panel has its own width
        assert all(isinstance(panel["width"], int) for panel in spec["concat"])
    else:
        assert spec["width"] == "container"


@pytest.mark.parametrize("name", list(build_all()))
def test_every_mark_has_a_danish_tooltip(built, name):
    spec = built[name].to_dict()
    for unit in layers(spec):
        if unit["encoding"].get("y", {}).get("field") == "zero":
            continue  # investment_curve's zero line marks the axis and carries no figure
        titles = tooltip_titles(unit)
        assert titles and all(titles)
        # Every number in a tooltip is a pre-formatted text field with a "–" for missing values.
        for tip in unit["encoding"]["tooltip"]:
            if tip["field"].endswith(charts.TEXT):
                expr = calculations(unit)[tip["field"]]
                assert 'format(datum["' in expr and '"–"' in expr


@pytest.mark.parametrize("name", list(build_all()))
def test_every_chart_renders(built, name):
    svg = vl_convert.vegalite_to_svg(built[name].to_json())
    assert "<svg" in svg


def test_finish_sets_title_subtitle_and_locale():
    chart = charts.finish(alt.Chart(pl.DataFrame({"x": [1]})).mark_point().encode(x="x:Q"), "Titel", ["a", "b"])
    spec = chart.to_dict()
    assert spec["title"] == {"text": "Titel", "subtitle": ["a", "b"], "anchor": "start"}
    assert spec["config"]["locale"]["time"]["months"][10] == "november"
    # The locale in the chart is a copy: editing it cannot leak into the next chart.
    chart.config.locale["number"]["decimal"] = "."
    assert VEGA_LOCALE["number"]["decimal"] == ","


def test_finish_leaves_concatenated_width_alone():
    part = alt.Chart(pl.DataFrame({"x": [1]})).mark_point().encode(x="x:Q")
    spec = charts.finish(alt.hconcat(part, part), "Titel", None).to_dict()
    assert "width" not in spec
    assert "subtitle" not in spec["title"]
    assert spec["config"]["locale"]["number"]["thousands"] == "."


def test_numbers_render_in_danish(built):
    texts = svg_texts(built["heatmap_matrix"])
    assert "1.234" in texts and "11.106" in texts
    assert "–" in texts  # the suppressed cell
    assert "null" not in texts
    assert "Mål: 35 %" in svg_texts(built["compare_time_series"])
    assert "1.000" in svg_texts(built["category_time_series"])  # axis labels use the Danish locale


def test_missing_columns_are_reported():
    with pytest.raises(ValueError, match="persons"):
        charts.heatmap_matrix(heatmap_df().drop("persons"), "Titel")


# --- heatmap_matrix -------------------------------------------------------------------------------------------


def filters(unit: dict) -> list[str]:
    return [t["filter"] for t in unit.get("transform", []) if "filter" in t]


def test_heatmap_encodings(built):
    spec = built["heatmap_matrix"].to_dict()
    grid, cells, total_cells = by_mark(spec, "rect")
    text, total_text = by_mark(spec, "text")
    assert grid["mark"]["color"] == charts.SUPPRESSED_FILL and "color" not in grid["encoding"]
    colour = cells["encoding"]["color"]
    assert {"field": colour["field"], "type": colour["type"]} == {"field": "persons", "type": "quantitative"}
    assert colour["scale"]["scheme"] == "blues"
    for unit in (text, total_text):
        assert unit["encoding"]["text"]["field"] == "persons_tekst"
        assert 'format(datum["persons"], ",.0f")' in calculations(unit)["persons_tekst"]
    for unit in (grid, cells, total_cells, text, total_text):
        x, y = unit["encoding"]["x"], unit["encoding"]["y"]
        assert (x["field"], x["type"], x["title"]) == ("col_label", "nominal", "Matchgruppe")
        assert (y["field"], y["type"], y["title"]) == ("row_label", "nominal", "Målgruppe")
        assert x["sort"] == ["Match 1", "Match 2", "Match 3"]
        assert y["sort"] == ["Jobparate", "Aktivitetsparate", "Uddannelsesparate", "I alt"]
        assert tooltip_titles(unit) == [
            "Målgruppe",
            "Matchgruppe",
            "Antal personer",
            "Andel af rækken (pct.)",
            "Andel af kolonnen (pct.)",
        ]


def test_heatmap_totals_have_their_own_treatment(built):
    """The totals row is white with bold numbers and outside the colour scale, which the matrix spans alone:
    its largest cell (3 × 3 × 1.234 = 11.106), not the totals row's 22.212, gets the darkest blue."""
    spec = built["heatmap_matrix"].to_dict()
    grid, cells, total_cells = by_mark(spec, "rect")
    text, total_text = by_mark(spec, "text")
    for unit in (grid, cells, text):
        assert filters(unit) == ["!datum.is_total"]
    for unit in (total_cells, total_text):
        assert filters(unit) == ["datum.is_total"]
    assert cells["encoding"]["color"]["scale"]["domain"] == [0, 11106.0]
    assert total_cells["mark"]["color"] == charts.TOTAL_FILL and "color" not in total_cells["encoding"]
    assert total_text["mark"]["fontWeight"] == "bold" and total_text["mark"]["color"] == "black"
    # White numbers on the dark half of the matrix's own scale.
    assert (
        text["encoding"]["color"]["condition"]["test"]
        == f'isValid(datum["persons"]) && datum["persons"] > {11106 * 0.55}'
    )
    assert "22.212" in svg_texts(built["heatmap_matrix"])


def test_heatmap_keeps_suppressed_cells_null(built):
    spec = built["heatmap_matrix"].to_dict()
    rows = rows_of(spec, by_mark(spec, "rect")[1])
    suppressed = [r for r in rows if r["row_label"] == "Aktivitetsparate" and r["col_label"] == "Match 3"]
    assert suppressed == [
        {
            "row_label": "Aktivitetsparate",
            "col_label": "Match 3",
            "row_order": 1,
            "col_order": 2,
            "persons": None,
            "row_share": None,
            "col_share": None,
            "is_total": False,
        }
    ]


# --- category_time_series -------------------------------------------------------------------------------------


def test_stacked_area_for_one_area(built):
    spec = built["category_time_series"].to_dict()
    (area,) = by_mark(spec, "area")
    enc = area["encoding"]
    assert {"field": enc["y"]["field"], "type": enc["y"]["type"]} == {"field": "stack_high", "type": "quantitative"}
    assert enc["y2"]["field"] == "stack_low"
    assert enc["y"]["title"] == "Personer"
    assert (enc["x"]["field"], enc["x"]["type"]) == ("date", "temporal")
    assert enc["color"]["field"] == "series"
    assert enc["color"]["scale"] == {"domain": ["Jobparat", "Aktivitetsparat"], "range": ["#0072B2", "#E69F00"]}
    # Eras are separate paths, so an area never runs across a classification break.
    assert enc["detail"] == {"field": "era", "type": "nominal"}
    assert "Opgørelse" in tooltip_titles(area)
    assert spec["title"]["subtitle"] == ["Hjørring", "Syntetisk demo"]


def test_stack_leaves_gaps_for_suppressed_values(built):
    spec = built["category_time_series"].to_dict()
    rows = {(r["date"][:4], r["series"]): r for r in rows_of(spec, by_mark(spec, "area")[0])}
    # The suppressed value stays null, and so does its band (position unknown).
    assert rows[("2015", "Aktivitetsparat")]["value"] is None
    assert rows[("2015", "Aktivitetsparat")]["stack_high"] is None
    # The series with a gap is stacked on top, so the other keeps its band that year.
    assert rows[("2015", "Jobparat")]["value"] == 3015.0
    assert (rows[("2015", "Jobparat")]["stack_low"], rows[("2015", "Jobparat")]["stack_high"]) == (0, 3015.0)
    # Elsewhere the gappy series sits on top of the other.
    assert rows[("2016", "Jobparat")]["stack_low"] == 0
    assert rows[("2016", "Jobparat")]["stack_high"] == 3016.0
    assert rows[("2016", "Aktivitetsparat")]["stack_low"] == 3016.0
    assert rows[("2016", "Aktivitetsparat")]["stack_high"] == 3016.0 + 2516.0


def test_a_suppressed_category_does_not_wipe_out_the_stack():
    # "Uoplyst" missing in one period: the other categories keep their exact bands; only its own is unknown.
    df = pl.DataFrame(
        {
            "date": [date(2020, 1, 1)] * 3 + [date(2020, 4, 1)] * 3,
            "series": ["Jobparat", "Aktivitetsparat", "Uoplyst"] * 2,
            "area": ["X"] * 6,
            "value": [1.0, 3.0, None, 2.0, 4.0, 0.5],
            "era": ["e"] * 6,
        }
    )
    stacked = {
        (r["date"].month, r["series"]): r
        for r in charts._stack(df, ["Jobparat", "Aktivitetsparat", "Uoplyst"]).to_dicts()
    }
    assert (stacked[(1, "Aktivitetsparat")]["stack_low"], stacked[(1, "Aktivitetsparat")]["stack_high"]) == (0.0, 3.0)
    assert (stacked[(1, "Jobparat")]["stack_low"], stacked[(1, "Jobparat")]["stack_high"]) == (3.0, 4.0)
    assert stacked[(1, "Uoplyst")]["stack_high"] is None and stacked[(1, "Uoplyst")]["value"] is None
    assert (stacked[(4, "Uoplyst")]["stack_low"], stacked[(4, "Uoplyst")]["stack_high"]) == (6.0, 6.5)


def test_break_rules_inside_the_period(built):
    spec = built["category_time_series"].to_dict()
    (rule,) = by_mark(spec, "rule")
    (label,) = by_mark(spec, "text")
    assert rule["mark"]["strokeDash"] == [4, 3]
    assert (rule["encoding"]["x"]["field"], rule["encoding"]["x"]["type"]) == ("date", "temporal")
    assert label["encoding"]["text"]["field"] == "label"
    # Only the 2014 break falls inside 2012–2016; the 2010 one would just stretch the axis.
    assert rows_of(spec, rule) == [{"date": "2014-01-01T00:00:00", "label": "Ny opgørelse 2014"}]
    assert tooltip_titles(rule) == ["Databrud", "Fra"]


def test_lines_for_several_areas(built):
    spec = built["category_time_series_lines"].to_dict()
    (line,) = by_mark(spec, "line")
    (points,) = by_mark(spec, "point")
    enc = line["encoding"]
    assert {"field": enc["y"]["field"], "type": enc["y"]["type"]} == {"field": "value", "type": "quantitative"}
    assert enc["color"]["field"] == "series"
    assert enc["strokeDash"]["field"] == "area"
    assert enc["strokeDash"]["scale"]["domain"] == ["Hjørring", "Aalborg"]
    assert enc["detail"] == {"field": "era", "type": "nominal"}
    assert "strokeDash" not in points["encoding"]
    values = [r["value"] for r in rows_of(spec, line)]
    assert values.count(None) == 2 and 0 not in values
    assert len(by_mark(spec, "rule")) == 1


def test_unstacked_single_area_is_lines_without_dashes():
    spec = charts.category_time_series(series_df(), "Personer", "Titel", stacked=False).to_dict()
    (line,) = by_mark(spec, "line")
    assert "strokeDash" not in line["encoding"]
    assert not by_mark(spec, "area") and not by_mark(spec, "rule")


def test_period_label_is_used_when_given():
    df = series_df().with_columns(pl.col("date").dt.year().cast(pl.String).alias("period_label"))
    spec = charts.category_time_series(df, "Personer", "Titel").to_dict()
    (tip,) = [t for t in by_mark(spec, "area")[0]["encoding"]["tooltip"] if t["title"] == "Periode"]
    assert tip["field"] == "period_label"


# --- compare_time_series --------------------------------------------------------------------------------------


def test_compare_has_one_panel_per_series_with_the_chosen_area_in_colour(built):
    spec = built["compare_time_series"].to_dict()
    panels = spec["concat"]
    assert [p["title"]["text"] for p in panels] == ["Alle modtagere", "Særlige behov (SOF)"]
    assert spec["resolve"]["scale"]["x"] == "shared"
    lines = by_mark(panels[0], "line")
    colour = lines[0]["encoding"]["color"]
    assert colour["scale"] == {
        "domain": ["Aarhus", "Odense", "Hele landet"],
        "range": [charts.HIGHLIGHT_COLOUR, charts.MUTED_COLOUR, charts.REFERENCE_COLOUR],
    }
    assert lines[0]["encoding"]["strokeDash"]["scale"]["range"] == [[1, 0], [1, 0], [5, 3]]
    # Lines are broken at each era: never one path across the July 2025 break.
    assert all(line["encoding"]["detail"] == {"field": "era", "type": "nominal"} for line in lines)
    # The chosen area is drawn thicker, and last (on top of the others): its rows come last.
    (line,) = lines
    assert line["encoding"]["strokeWidth"]["scale"] == {
        "domain": ["Aarhus", "Odense", "Hele landet"],
        "range": [2.5, 1.5, 1.5],
    }
    assert [r["area"] for r in spec["datasets"][spec["data"]["name"]]][-10:] == ["Aarhus"] * 10
    assert "Periode" in tooltip_titles(lines[0]) and "Opgørelse" in tooltip_titles(lines[0])
    (rule,) = [u for u in by_mark(panels[0], "rule") if u["encoding"].get("y", {}).get("field") == "target"]
    assert rows_of(spec, rule) == [{"target": 35.0, "label": "Mål: 35 %"}]
    assert ' + " %"' in calculations(lines[0])["value_tekst"]


def test_compare_keeps_missing_values_null(built):
    spec = built["compare_time_series"].to_dict()
    values = [
        r["value"]
        for r in spec["datasets"][spec["data"]["name"]]
        if r["area"] == "Aarhus" and r["series"] == "Alle modtagere"
    ]
    assert values == [34.0, 35.0, None, 37.0, 38.0]


def test_time_axis_fits_the_frequency(built):
    panel = built["compare_time_series"].to_dict()["concat"][0]
    axis = by_mark(panel, "line")[0]["encoding"]["x"]["axis"]
    assert axis["format"] == "%q. kvt. %Y" and axis["tickCount"] == {"interval": "month", "step": 3}
    assert "1. kvt. 2025" in svg_texts(built["compare_time_series"])
    years = pl.DataFrame({"date": [date(y, 1, 1) for y in range(2012, 2027)]})
    x = charts._time_x(years, "Y").to_dict()
    assert x["axis"]["format"] == "%Y" and x["axis"]["tickCount"] == {"interval": "year", "step": 2}


def test_fractional_target_label():
    spec = charts.compare_time_series(
        rate_df(), "Aktiveringsgrad (pct.)", "Titel", chosen="Aarhus", target=35.5
    ).to_dict()
    rules = [u for u in by_mark(spec["concat"][0], "rule") if u["encoding"].get("y", {}).get("field") == "target"]
    assert rows_of(spec, rules[0])[0]["label"] == "Mål: 35,5 %"


def test_compare_with_one_series_is_a_single_view():
    one = rate_df().filter(pl.col("series") == "Alle modtagere")
    spec = charts.compare_time_series(one, "Pct.", "Titel", chosen="Aarhus").to_dict()
    assert "concat" not in spec and spec["width"] == "container"


# --- caseload_band --------------------------------------------------------------------------------------------


def test_caseload_band_layers(built):
    spec = built["caseload_band"].to_dict()
    band, bars = by_mark(spec, "bar")
    (ticks,) = by_mark(spec, "tick")
    assert band["mark"]["opacity"] == 0.25
    assert band["encoding"]["x"]["field"] == "low" and band["encoding"]["x2"]["field"] == "high"
    assert bars["encoding"]["x"] == {
        "field": "cases_per_worker",
        "type": "quantitative",
        "title": "Sager pr. sagsbehandler",
    }
    colour = bars["encoding"]["color"]
    assert colour["field"] == "status"
    assert colour["scale"] == {
        "domain": ["Over båndet", "Inden for båndet", "Under båndet"],
        "range": ["#D55E00", "#009E73", "#56B4E9"],
    }
    assert {"fold": ["low", "high"], "as": ["bound", "bound_value"]} in ticks["transform"]
    assert ticks["encoding"]["x"]["field"] == "bound_value"
    for unit in (band, bars, ticks):
        assert unit["encoding"]["y"]["field"] == "team"
        assert unit["encoding"]["y"]["sort"] == ["Team A", "Team B", "Team C", "Team D"]
        titles = tooltip_titles(unit)
        for title in (
            "Team",
            "Sagsområde",
            "Sager pr. sagsbehandler",
            "Vejledende bånd",
            "Sager",
            "Årsværk",
            "Årsværk der mangler for at nå øvre grænse",
        ):
            assert title in titles
    band_expr = calculations(band)["band"]
    assert 'format(datum["low"]' in band_expr and 'format(datum["high"]' in band_expr and '"–"' in band_expr


def test_caseload_status_and_nulls(built):
    spec = built["caseload_band"].to_dict()
    rows = rows_of(spec, by_mark(spec, "bar")[1])
    assert [r["status"] for r in rows] == ["Over båndet", "Inden for båndet", "Under båndet", None]
    assert rows[1]["cases"] is None and rows[3]["cases_per_worker"] is None


def test_caseload_status_falls_back_to_high_when_above_is_missing():
    df = caseload_df().with_columns(pl.lit(None, dtype=pl.Boolean).alias("above"))
    spec = charts.caseload_band(df, "Titel").to_dict()
    rows = rows_of(spec, by_mark(spec, "bar")[1])
    assert rows[0]["status"] == "Over båndet"


# --- investment_curve -----------------------------------------------------------------------------------------


def test_investment_curve(built):
    spec = built["investment_curve"].to_dict()
    (bars,) = by_mark(spec, "bar")
    (line,) = by_mark(spec, "line")
    (zero,) = by_mark(spec, "rule")
    assert bars["encoding"]["x"]["field"] == "year" and bars["encoding"]["x"]["type"] == "ordinal"
    assert bars["encoding"]["xOffset"]["field"] == "kind"
    assert bars["encoding"]["y"]["field"] == "amount_mio"
    assert bars["encoding"]["y"]["title"] == "mio. kr."
    amounts = {(r["year"], r["kind"]): r["amount_mio"] for r in rows_of(spec, bars)}
    assert amounts[(2024, "Investering")] == pytest.approx(-9.9)
    assert amounts[(2024, "Undgåede udgifter")] == pytest.approx(2.0)
    assert amounts[(2026, "Undgåede udgifter")] is None
    assert line["mark"]["point"]
    assert line["encoding"]["y"]["field"] == "cumulative_mio"
    assert [r["cumulative_mio"] for r in rows_of(spec, line)] == [pytest.approx(-7.9), pytest.approx(-4.9), None]
    assert rows_of(spec, zero) == [{"zero": 0}]
    assert line["encoding"]["color"]["scale"]["domain"] == [
        "Investering",
        "Undgåede udgifter",
        "Akkumuleret nettoresultat",
    ]
    assert ' + " mio. kr."' in calculations(bars)["amount_mio_tekst"]


# --- coverage -------------------------------------------------------------------------------------------------


def test_coverage(built):
    spec = built["coverage"].to_dict()
    assert spec["mark"]["type"] == "rect"
    enc = spec["encoding"]
    assert (enc["x"]["field"], enc["x"]["type"], enc["x"]["title"]) == ("year", "ordinal", "År")
    assert (enc["y"]["field"], enc["y"]["title"]) == ("row_label", "Datatype")
    assert enc["y"]["sort"] == ["Visitation", "Aktivering"]
    assert {"field": enc["color"]["field"], "type": enc["color"]["type"]} == {"field": "rows", "type": "quantitative"}
    assert tooltip_titles(spec) == ["Datatype", "Område", "År", "Rækker"]


def test_coverage_with_several_areas():
    spec = charts.coverage(coverage_df(("Hjørring", "Aalborg")), "Titel").to_dict()
    assert spec["encoding"]["y"]["sort"] == [
        "Visitation · Aalborg",
        "Visitation · Hjørring",
        "Aktivering · Aalborg",
        "Aktivering · Hjørring",
    ]
    assert spec["encoding"]["y"]["title"] == "Datatype og område"


# --- bar_compare ----------------------------------------------------------------------------------------------


def test_bar_compare(built):
    spec = built["bar_compare"].to_dict()
    (bars,) = by_mark(spec, "bar")
    (text,) = by_mark(spec, "text")
    assert bars["encoding"]["x"] == {"field": "value", "type": "quantitative", "title": "Aktiveringsgrad (pct.)"}
    # Largest first; the municipality without a value keeps a place at the bottom.
    assert bars["encoding"]["y"]["sort"] == ["Aalborg", "Hjørring", "Frederikshavn"]
    colour = bars["encoding"]["color"]
    assert colour["condition"]["value"] == "#0072B2" and colour["value"] == "#BBBBBB"
    assert "highlight" in colour["condition"]["test"]
    assert [r["value"] for r in rows_of(spec, bars)] == [None, 35.5, 40.1]
    assert tooltip_titles(bars) == ["Område", "Aktiveringsgrad (pct.)"]
    assert "ikke oplyst" in calculations(text)["label_text"]
    texts = svg_texts(built["bar_compare"])
    assert "35,5" in texts and "40,1" in texts and "ikke oplyst" in texts


def test_benchmark_time_series(built):
    spec = built["benchmark_time_series"].to_dict()
    (line,) = by_mark(spec, "line")
    assert len(by_mark(spec, "point")) == 1
    enc = line["encoding"]
    assert enc["y"]["field"] == "value" and enc["y"]["title"] == "Fuldtidspersoner"
    assert enc["x"]["title"] == "Løbende år til og med"
    assert enc["color"]["scale"]["domain"] == ["Faktisk", "Forventet"]
    assert enc["strokeDash"]["scale"]["range"] == [[1, 0], [6, 4]]  # expected dashed
    data = rows_of(spec, line)
    actual = [r["value"] for r in data if r["series"] == "Faktisk"]
    expected = [r["value"] for r in data if r["series"] == "Forventet"]
    assert actual == [4800.0, None, 4780.0] and expected == [4950.0, 4955.0, 4960.0]  # the gap stays null
    assert [r["difference"] for r in data if r["series"] == "Faktisk"] == [-150.0, None, -180.0]
    assert [r["rank"] for r in data if r["series"] == "Faktisk"] == [33, None, 35]
    assert tooltip_titles(line) == [
        "Periode",
        "Serie",
        "Fuldtidspersoner",
        "Forskel (faktisk − forventet)",
        "Placering på benchmarkranglisten",
    ]
    assert calculations(line)["difference_tekst"].count('"+,.0f"') == 1
    assert '"nr. "' in calculations(line)["rank_label"] and '" af "' in calculations(line)["rank_label"]
    # The series break inside the plotted period is marked as on the other time series.
    (rule,) = by_mark(spec, "rule")
    assert rows_of(spec, rule) == [{"date": "2026-01-01T00:00:00", "label": "Nyt benchmark 2026"}]
    texts = svg_texts(built["benchmark_time_series"])
    assert "Nyt benchmark 2026" in texts and "4.800" in texts


def test_benchmark_ticks_sit_at_the_rolling_years_and_name_them(built):
    """The rolling year "år til 4. kvt. 2025" ends on 31 December 2025: its tick is there and says "4. kvt.
    2025", not a month or "2026" (a plain time axis put the point just left of a "2026" tick)."""
    spec = built["benchmark_time_series"].to_dict()
    (line,) = by_mark(spec, "line")
    axis = line["encoding"]["x"]["axis"]
    assert axis["values"] == [
        {"year": 2025, "month": 12, "date": 31},
        {"year": 2026, "month": 3, "date": 31},
        {"year": 2026, "month": 6, "date": 30},
    ]
    texts = svg_texts(built["benchmark_time_series"])
    ticks = [t for t in texts if "kvt." in t or re.fullmatch(r"(\d{4}|[a-zæøå]+\.?)", t)]
    assert ticks == ["4. kvt. 2025", "1. kvt. 2026", "2. kvt. 2026"]


def test_benchmark_difference_bars(built):
    spec = built["benchmark_difference_bars"].to_dict()
    (bars,) = by_mark(spec, "bar")
    assert bars["encoding"]["x"]["field"] == "difference_pct"
    assert bars["encoding"]["x"]["title"] == "Faktisk minus forventet andel (pct.-point)"
    # Best (furthest below expected) first; the municipality without a figure at the bottom.
    assert bars["encoding"]["y"]["sort"] == ["Hjørring", "Greve", "Viborg", "Glostrup"]
    colour = bars["encoding"]["color"]
    assert colour["condition"]["value"] == "#0072B2" and "is_chosen" in colour["condition"]["test"]
    data = rows_of(spec, bars)
    assert [r["difference_pct"] for r in data] == [-0.40, 0.35, -0.16, None]
    assert [r["difference_ftp"] for r in data] == [-166.3, 228.2, -54.3, None]
    assert [r["is_chosen"] for r in data] == [True, False, False, False]
    assert tooltip_titles(bars) == [
        "Kommune",
        "Forventet andel",
        "Faktisk andel",
        "Forskel (faktisk − forventet)",
        "Forskel (fuldtidspersoner)",
        "Placering på benchmarkranglisten",
    ]
    # Room for the labels on both sides of zero.
    low, high = bars["encoding"]["x"]["scale"]["domain"]
    assert low < -0.40 and high > 0.35
    (zero,) = [u for u in by_mark(spec, "rule") if u["encoding"]["x"]["field"] == "zero"]
    assert rows_of(spec, zero)[0]["zero"] == 0
    texts = svg_texts(built["benchmark_difference_bars"])
    assert "+0,35 pct.-point" in texts and "ikke oplyst" in texts
    assert any(t.endswith("0,40 pct.-point") and not t.startswith("+") for t in texts)


def test_a_category_keeps_its_colour_whichever_categories_share_the_chart():
    """Aktivitetsparat was light blue, orange or pink depending on the period shown: now one colour per category."""
    both = charts.category_time_series(series_df(), "Personer", "Titel", stacked=True).to_dict()
    alone = series_df().filter(pl.col("series") == "Aktivitetsparat")
    single = charts.category_time_series(alone, "Personer", "Titel", stacked=True).to_dict()

    def colour(spec, name):
        (area,) = by_mark(spec, "area")
        scale = area["encoding"]["color"]["scale"]
        return dict(zip(scale["domain"], scale["range"], strict=True))[name]

    assert colour(both, "Aktivitetsparat") == colour(single, "Aktivitetsparat") != colour(both, "Jobparat")


def test_equal_data_shares_one_chart_and_new_data_makes_a_new_one():
    first = charts.category_time_series(series_df(), "Personer", "Titel", stacked=True)
    again = charts.category_time_series(series_df(), "Personer", "Titel", stacked=True)
    assert again is first  # a page shown again skips Altair
    changed = series_df().with_columns(
        pl.when(pl.col("series") == "Jobparat").then(pl.col("value") + 1).otherwise(pl.col("value")).alias("value")
    )
    other = charts.category_time_series(changed, "Personer", "Titel", stacked=True)
    assert other is not first
    assert charts.category_time_series(series_df(), "Personer", "Anden titel", stacked=True) is not first
    # Same rows in another order are another input, not a cache hit.
    assert charts.category_time_series(series_df().reverse(), "Personer", "Titel", stacked=True) is not first
    assert other.to_dict()["datasets"] != first.to_dict()["datasets"]


def test_the_chart_store_drops_the_least_recently_used():
    from presentation.memo import RecentlyUsed

    kept = RecentlyUsed(2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # "a" is now the more recently used
    kept.put("c", 3)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (1, None, 3)


def test_coverage_of_the_whole_warehouse_sums_the_areas_per_kind_and_year():
    """ "Hele lageret" on the Data page: 99 areas x 30 years x 3 kinds would be 8.910 cells, over Altair's
    5.000-row limit (the page crashed); the chart sums them per kind and year and names how many areas."""
    areas = [f"Område {n}" for n in range(99)]
    rows = [
        {"kind_label": kind, "area": area, "year": year, "rows": 10}
        for kind in ("Visitation", "Aktivering", "Benchmark")
        for area in areas
        for year in range(1997, 2027)
    ]
    spec = charts.coverage(pl.DataFrame(rows), "Titel").to_dict()  # raised MaxRowsError
    values = next(iter(spec["datasets"].values()))
    assert len(values) == 3 * 30
    assert {v["rows"] for v in values} == {990} and {v["areas"] for v in values} == {99}
    assert spec["encoding"]["y"]["sort"] == ["Visitation", "Aktivering", "Benchmark"]
    assert spec["encoding"]["y"]["title"] == "Datatype"
    assert tooltip_titles(spec) == ["Datatype", "Områder med data", "År", "Rækker"]


def comparison_df() -> pl.DataFrame:
    rows = []
    for area, code, diffs in (("Hjørring", "860", (-0.4, -0.5)), ("Aalborg", "851", (0.2, None))):
        for (end, label), diff in zip(
            ((date(2025, 12, 31), "år til 4. kvt. 2025"), (date(2026, 3, 31), "år til 1. kvt. 2026")),
            diffs,
            strict=True,
        ):
            rows.append(
                {
                    "date": end,
                    "period_label": label,
                    "area": area,
                    "area_code": code,
                    "difference_pct": diff,
                    "is_chosen": code == "860",
                }
            )
    return pl.DataFrame(rows)


def test_benchmark_comparison_series_colours_the_chosen_and_names_every_line():
    chart = charts.benchmark_comparison_series(comparison_df(), "Forskel (pct.-point)", "Forskel fra det forventede")
    spec = chart.to_dict()
    assert spec["config"]["locale"] == VEGA_LOCALE and spec["title"]["anchor"] == "start"
    (line,) = by_mark(spec, "line")
    assert line["encoding"]["color"]["scale"] == {"domain": ["Hjørring", "Aalborg"], "range": ["#0072B2", "#BBBBBB"]}
    assert tooltip_titles(line) == ["Periode", "Kommune", "Forskel (faktisk − forventet)"]
    assert line["encoding"]["x"]["axis"]["values"][0] == {"year": 2025, "month": 12, "date": 31}
    texts = svg_texts(chart)
    # Each line named at its newest figure (Aalborg's is the older one: its newest is missing).
    assert "Hjørring" in texts and "Aalborg" in texts
    assert "4. kvt. 2025" in texts and "1. kvt. 2026" in texts
    assert "+0,20 pct.-point" not in texts  # tooltips only, no labels on points
