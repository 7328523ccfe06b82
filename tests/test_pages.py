"""Every page run by AppTest against the real built warehouse, checking figures a user would check."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import queries
from pipelines import loader
from pipelines.warehouse import connect
from presentation.formatting import WORD_JOINER, fmt_int, fmt_mio, fmt_num, fmt_signed, parse_number

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overblik", "faelles_borgere", "visitation", "aktivering", "sagstal", "investering", "benchmark", "data"]


def page_path(name: str) -> str:
    return str(ROOT / "pages" / f"{name}.py")


@pytest.fixture(scope="session")
def app_warehouse(built_warehouse, tmp_path_factory) -> Path:
    """A copy of the built warehouse plus one team at 80 cases per worker in a 40-55 area."""
    path = tmp_path_factory.mktemp("app") / "warehouse.duckdb"
    shutil.copy(built_warehouse, path)
    team = path.parent / "team80.csv"
    team.write_text(
        "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"
        "Vejen;2025;Team 80;Jobparate over 30 år;160;2,0\n"
        "Vejen;2025;Team 45;Sygedagpenge;90;2,0\n",
        encoding="utf-8",
    )
    con = connect(path)
    loader.load(team, source="test", con=con)
    con.close()
    return path


@pytest.fixture
def app(app_warehouse, monkeypatch):
    monkeypatch.setenv("HELHEDSBLIK_WAREHOUSE", str(app_warehouse))
    queries.snapshot_reader.clear()
    st.cache_data.clear()

    def run(name: str, **params) -> AppTest:
        at = AppTest.from_file(page_path(name), default_timeout=60)
        for key, value in params.items():
            at.query_params[key] = value
        return at.run()

    yield run
    queries.snapshot_reader.clear()


def chart_specs(at) -> list[dict]:
    """The Vega-Lite specs of the charts a page drew."""
    return [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]


def chart_data(at, index: int = 0) -> list[dict]:
    """The rows of every dataset behind one chart (Arrow IPC in the page's message)."""
    rows: list[dict] = []
    for dataset in at.get("vega_lite_chart")[index].proto.datasets:
        rows += pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
    return rows


def metrics(at) -> dict[str, str]:
    """Each KPI card's value by its label as read aloud (a label on two lines reads as one)."""
    return {" ".join(m.label.split()): m.value for m in at.metric}


def field(at, label: str):
    return next(f for f in at.text_input if f.label == label)


def parse_mio(text: str) -> float:
    """ "158,0 mio. kr." -> 158.0"""
    return parse_number(text.removesuffix(" mio. kr."))


def shown(markdown: str) -> str:
    """Markdown that plain() made of text, as the reader sees it: escapes and invisible word joiners gone."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(WORD_JOINER, "")


@pytest.mark.parametrize("name", PAGES)
def test_every_page_runs(app, name):
    at = app(name)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title and at.title[0].value
    assert at.sidebar.selectbox(key="f_area").value  # the shared filters are on every page


def test_shared_citizens_copenhagen_2007(app):
    at = app("faelles_borgere", kommune="101")
    at.main.selectbox[0].set_value("2007M11").run()
    assert not at.exception
    values = metrics(at)
    assert values["Fælles borgere i pct. af jobcentrets modtagere"] == "35,5 %"
    assert values["Fælles borgeres andel af Matchgruppe 4 og Matchgruppe 5"] == "52,0 %"
    assert values["Borgere med særlige behov i samme grupper"] == "3.357"
    caption = " ".join(c.value for c in at.caption)
    assert "8.884 af 25.015" in caption and "5.735 af 11.019" in caption and "30,5 %" in caption


def test_investment_presets_reproduce_published_figures(app):
    at = app("investering", kommune="580")  # Aabenraa
    assert not at.exception
    shown = [m.value for m in at.metric]
    assert "9,9 mio. kr." in shown
    at = app("investering", kommune="860")  # Hjørring
    shown = [m.value for m in at.metric]
    assert "18,6 mio. kr." in shown and "17,3 mio. kr." in shown
    assert any("17,3 mio. kr." in w.value and "18,6 mio. kr." in w.value for w in at.warning)


def test_investment_says_when_it_shows_another_municipality(app):
    """Aarhus has no investment data: the page names both municipalities instead of switching silently."""
    at = app("investering", kommune="751")
    assert not at.exception
    assert any("Aarhus har ingen indlæste investeringsdata; viser Aabenraa" in i.value for i in at.info)
    at = app("investering", kommune="580")  # Aabenraa has data: no notice
    assert not [i for i in at.info if "ingen indlæste investeringsdata" in i.value]


def test_scenario_curve_moves_with_inputs(app):
    at = app("investering")
    before = metrics(at)["Undgåede udgifter (kommunens nettoudgift)"]
    field(at, "Færre modtagere pr. år (pct.)").set_value("11,65").run()
    after = metrics(at)["Undgåede udgifter (kommunens nettoudgift)"]
    assert after != before
    (spec,) = chart_specs(at)
    assert "Investering mod undgåede udgifter" in json.dumps(spec["title"], ensure_ascii=False)


def test_scenario_fields_read_and_show_danish_numbers(app):
    at = app("investering")  # the Hjørring preset
    texts = {f.label: f.value for f in at.text_input}
    assert texts["Udgift pr. årsværk (kr.)"] == "650.000"
    assert texts["Tilbud og øvrige udgifter pr. år (kr.)"] == "8.850.000"
    assert texts["Færre modtagere pr. år (pct.)"] == "6,65"
    assert texts["Ekstra sagsbehandlere (årsværk)"] == "35"
    assert texts["Modtagere i målgruppen"] == "2.178" and texts["Første år"] == "2015"
    investment = metrics(at)["Samlet investering"]

    # Typed without points, a number is shown back the Danish way and used.
    field(at, "Udgift pr. årsværk (kr.)").set_value("750000").run()
    assert field(at, "Udgift pr. årsværk (kr.)").value == "750.000"
    # 35 caseworkers at 100.000 kr. more each, for five years: 17,5 mio. kr. more.
    assert metrics(at)["Samlet investering"] == fmt_mio(parse_mio(investment) * 1e6 + 17_500_000)

    # A point before decimals is refused, not read as a thousands separator: the field says so, nothing is computed.
    field(at, "Færre modtagere pr. år (pct.)").set_value("6.7").run()
    assert not at.exception
    (error,) = at.error
    assert shown(error.value) == (
        "»6.7« er ikke et tal. Skriv fx 650.000 eller 6,7 (punktum mellem tusinder, komma før decimaler)."
    )
    assert "Samlet investering" not in metrics(at)
    assert any("Scenariet beregnes, når alle felter" in i.value for i in at.info)
    field(at, "Færre modtagere pr. år (pct.)").set_value("6,7").run()
    assert not at.error and "Samlet investering" in metrics(at)

    for label, typed, problem in (
        ("År", "2,5", "Skriv et helt tal"),
        ("Højst færre modtagere (pct.)", "101", "Skriv et tal fra 0 til 100."),
        ("Timer pr. uge", "", "Skriv et tal."),
    ):
        field(at, label).set_value(typed).run()
        (error,) = at.error
        assert shown(error.value).startswith(problem), error.value
        field(at, label).set_value("3").run()
        assert not at.error


def test_caseload_team_above_band_and_fte_needed(app):
    at = app("sagstal", kommune="575")  # Vejen
    at.main.radio[0].set_value("kilde_2017").run()
    at.main.selectbox[0].set_value("2025").run()
    assert not at.exception
    values = metrics(at)
    assert values["Teams over båndets øvre grænse"] == "1 af 2"
    # Team 80: 160 cases over a 40-55 band needs 160/55 - 2 = 0,9 more caseworkers.
    assert values["Årsværk til øvre grænse"] == "0,9"


def test_changing_municipality_changes_figures(app):
    copenhagen = metrics(app("overblik", kommune="101"))
    aarhus = metrics(app("overblik", kommune="751"))
    assert copenhagen["Kontanthjælpsmodtagere"] != aarhus["Kontanthjælpsmodtagere"]


def test_overview_labels_say_what_they_count_and_compare_with_the_comparison_areas(app, app_warehouse):
    """ "Andel aktivitetsparate" is the aktivitetsparate's share (not every one who is not jobparat: uddannelsesparate
    are not counted); the recipients' card names its benefits and its month; the comparison areas get a table."""
    con = connect(app_warehouse, read_only=True)
    try:
        share, total = con.execute(
            "select 100 * sum(value) filter (where not ready) / sum(value), sum(value) from agg_visitation "
            "where area_code = '751' and period = '2026M09' and measure = 'persons'"
        ).fetchone()
        odense = con.execute(
            "select sum(value) from agg_visitation "
            "where area_code = '461' and period = '2026M09' and measure = 'persons'"
        ).fetchone()[0]
    finally:
        con.close()
    at = app("overblik", kommune="751", til="2026M09", sammenlign="461")
    assert not at.exception
    values = metrics(at)
    assert values["Andel aktivitetsparate"] == f"{share:.1f} %".replace(".", ",")
    assert values["Kontanthjælpsmodtagere"] == fmt_int(total)
    helps = " ".join(c.value for c in at.caption)
    assert "Kontanthjælp og uddannelseshjælp, september 2026" in helps
    assert "Ikke samme tal som »Jobcentrets modtagere i alt«" in helps
    table = at.dataframe[0].value
    assert table["Område"].to_list() == ["Aarhus", "Odense", "Hele landet"]
    assert table["Kontanthjælpsmodtagere"].to_list()[:2] == [fmt_int(total), fmt_int(odense)]  # Danish text


@pytest.mark.parametrize(
    "params,notice",
    [
        ({"kommune": "atlantis"}, "Ukendt kommune"),
        ({"fra": "2024M13"}, "Ugyldig periode"),
        ({"frekvens": "W"}, "Ugyldig frekvens"),
        ({"fra": "2026M01", "til": "2012M01"}, "starter efter"),
    ],
)
def test_bad_query_parameter_gives_notice(app, params, notice):
    at = app("visitation", **params)
    assert not at.exception
    assert any(notice in w.value for w in at.warning)


def test_similar_framework_conditions_chooses_the_nearest_expected_shares(app):
    """ "Lignende rammevilkår" compares with the three municipalities whose expected share (y30r21, all benefit
    groups, newest rolling year) is nearest the chosen one's: Aarhus's are Halsnæs, Horsens and Rebild in the demo."""
    at = app("overblik", kommune="751")
    next(b for b in at.sidebar.button if b.label == "Lignende rammevilkår").click().run()
    assert not at.exception
    chosen = at.sidebar.multiselect[0].value
    assert sorted(chosen) == ["260", "615", "840"]
    similar = queries.benchmark_similar("751", "i_alt", queries.benchmark_periods("i_alt")["period"][0], 3)
    assert set(chosen) == set(similar["area_code"].to_list()) - {"751"}  # the Benchmark page's nearest ones
    next(b for b in at.sidebar.button if b.label == "Lignende størrelse").click().run()
    assert at.sidebar.multiselect[0].value == queries.similar_areas("751")
    at = app("overblik", kommune="000")  # the country has no benchmark: a notice, and nothing changes
    next(b for b in at.sidebar.button if b.label == "Lignende rammevilkår").click().run()
    assert any("ingen kommuner med lignende rammevilkår" in w.value for w in at.warning)


def test_filters_round_trip_through_url_and_survive_page_switch(app):
    at = app("overblik", kommune="751", fra="2015M01", til="2016M12", frekvens="Q", sammenlign="730,101")
    assert at.sidebar.selectbox(key="f_area").value == "751"
    assert at.sidebar.multiselect[0].value == ["730", "101"]
    assert (at.sidebar.selectbox(key="f_first").value, at.sidebar.selectbox(key="f_last").value) == (
        "2015M01",
        "2016M12",
    )
    assert at.query_params["kommune"] == ["751"] or at.query_params["kommune"] == "751"
    at.sidebar.selectbox(key="f_area").set_value("461").run()
    at.switch_page(page_path("visitation")).run()
    assert not at.exception
    assert at.sidebar.selectbox(key="f_area").value == "461"
    assert at.sidebar.radio[0].value == "Q"
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert params["kommune"] == "461" and params["fra"] == "2015M01" and params["frekvens"] == "Q"


def test_activation_target_line_and_published_averages(app):
    at = app("aktivering", kommune="101", frekvens="Q")
    assert not at.exception
    (spec,) = chart_specs(at)
    assert '"target": 35.0' in json.dumps(spec)
    field(at, "Mål for aktiveringsgrad (pct.)").set_value("40,5").run()
    (spec,) = chart_specs(at)
    assert '"target": 40.5' in json.dumps(spec)
    averages = at.dataframe[-1].value
    assert sorted(averages["Aktiveringsgrad (pct.)"].to_list()) == ["19,0", "35,0"]  # Danish text


def test_visitation_marks_breaks_and_keeps_eras_apart(app):
    at = app("visitation", kommune="860", fra="2008M01", til="2026M09")
    assert not at.exception
    rows = chart_data(at)
    labels = {r.get("label") for r in rows}
    for label in ("Matchgrupper 2010-2013", "Visitationskategorier 2014", "Nyt kontanthjælpssystem 2025"):
        assert label in labels
    eras = {(r.get("series"), r.get("era")) for r in rows if r.get("series")}
    assert ("Matchgruppe 4", "Matchgrupper 1-5") in eras and ("Jobparat", "Visitationskategorier 2014") in eras
    assert ("Jobparat", "Matchgrupper 1-5") not in eras  # never merged across a break
    # Hjørring's published June 2014 figures replace the demo: 212 jobparate over 30.
    june = [r for r in rows if r.get("series") == "Jobparat" and str(r.get("date", "")).startswith("2014-06")]
    assert [r["value"] for r in june] == [212.0]


def test_benchmark_shows_rank_and_difference_of_the_latest_rolling_year(app, app_warehouse):
    con = connect(app_warehouse, read_only=True)
    try:
        rank, diff_ftp, diff_pct, actual = con.execute(
            "select rank, difference_ftp, difference_pct, actual_ftp from benchmark "
            "where area_code = '860' and benefit_group = 'i_alt' and period = '2026QMAT03'"
        ).fetchall()[0]
        group_rank = con.execute(
            "select rank from benchmark where area_code = '860' "
            "and benefit_group = 'foertidspension' and period = '2026QMAT03'"
        ).fetchall()[0][0]
    finally:
        con.close()
    at = app("benchmark", kommune="860")  # Hjørring
    assert not at.exception, [e.value for e in at.exception]
    values = metrics(at)
    assert values["Placering på benchmarkranglisten"] == f"nr. {rank} af 98"
    assert values["Forskel (fuldtidspersoner)"] == fmt_signed(diff_ftp, 0)
    assert values["Forskel i andel"] == fmt_signed(diff_pct, 2, " pct.-point")
    assert values["Faktisk antal fuldtidspersoner"] == fmt_int(actual)
    captions = " ".join(shown(c.value) for c in at.caption)
    assert "syntetiske demodata" in captions and "år til 3. kvt. 2026" in captions
    # The time series has twelve rolling years of actual and expected; the similar municipalities put Hjørring in.
    series = [r for r in chart_data(at, 0) if r.get("series") in ("Faktisk", "Forventet")]
    assert len(series) == 24
    similar = chart_data(at, 1)
    chosen = [r for r in similar if r.get("is_chosen")]
    assert [r["area"] for r in chosen] == ["Hjørring"] and len([r for r in similar if "area" in r]) == 6
    # The full ranking: 98 municipalities, Hjørring at its place.
    ranking = at.dataframe[-1].value
    assert len(ranking) == 98 and ranking["Kommune"].to_list()[rank - 1] == "Hjørring"
    at.main.selectbox[0].set_value("foertidspension").run()
    assert not at.exception
    assert metrics(at)["Placering på benchmarkranglisten"] == f"nr. {group_rank} af 98"


def test_benchmark_compares_with_the_comparison_areas(app, app_warehouse):
    """The sidebar's comparison areas: their difference from the expected share over time beside the chosen one's,
    which is highlighted (also in the ranking); the country, which has no benchmark, is said to be left out."""
    con = connect(app_warehouse, read_only=True)
    try:
        expected = dict(
            con.execute(
                "select area_code, difference_pct from benchmark "
                "where benefit_group = 'i_alt' and period = '2026QMAT03' and area_code in ('751', '101', '461')"
            ).fetchall()
        )
    finally:
        con.close()
    at = app("benchmark", kommune="751", sammenlign="101,461")
    assert not at.exception, [e.value for e in at.exception]
    compared = [r for r in chart_data(at, 1) if "area_code" in r]
    assert {r["area"] for r in compared} == {"Aarhus", "København", "Odense"}
    assert {r["area"] for r in compared if r["is_chosen"]} == {"Aarhus"}
    newest = {r["area_code"]: r["difference_pct"] for r in compared if r["period"] == "2026QMAT03"}
    assert newest == pytest.approx(expected)
    assert "Hele landet har intet benchmark" in " ".join(c.value for c in at.caption)
    ranking = at.dataframe[-1]
    assert "Aarhus er markeret med blåt, sammenligningsområderne med gråt" in " ".join(c.value for c in at.caption)
    assert len(ranking.value) == 98
    at = app("benchmark", kommune="751")  # no comparison areas: the page says how to choose some
    assert len(at.get("vega_lite_chart")) == 2
    assert any("Vælg kommuner under »Sammenlign med«" in c.value for c in at.caption)


def test_benchmark_without_figures_says_so(app):
    at = app("benchmark", kommune="000")  # Hele landet: the benchmark ranks municipalities only
    assert not at.exception
    assert any("ingen data om benchmark" in i.value for i in at.info)


def test_caseloads_compare_cases_per_caseworker_not_teams(app):
    """Teams are a municipality's own: the comparison areas are compared on cases per caseworker over all teams."""
    at = app("sagstal", kommune="751", til="2026M09", sammenlign="101")
    assert not at.exception
    table = at.dataframe[-2].value  # before the guidance table
    assert table["Kommune"].to_list() == ["Aarhus", "København"]
    for code, shown_value in zip(("751", "101"), table["Sager pr. sagsbehandler (alle teams)"].to_list(), strict=True):
        assert shown_value == fmt_num(queries.caseload_latest(code, "2026M09", "ds_aktuel")["cases_per_worker"], 1)
    at = app("sagstal", kommune="751")
    assert any("Teamene er kommunens egne" in c.value for c in at.caption)


def test_data_page_shows_the_whole_warehouse(app):
    """ "Hele lageret": every area's rows, thousands of them, summed per kind and year (the chart crashed)."""
    at = app("data", kommune="751")
    at.toggle[0].set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    rows = chart_data(at, -1)
    assert rows and max(r["areas"] for r in rows) > 90  # the country and the 98 municipalities
    assert len({(r["kind_label"], r["year"]) for r in rows}) == len(rows)
