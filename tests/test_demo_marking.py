"""Real or synthetic at a glance (issue #23): the demo banner under each page's title, the badge under a key figure
that rests on the demo, no change from a year earlier across real and synthetic months, and the setting that leaves
the demo out altogether. AppTest runs the pages against the real built warehouse (seed plus demo)."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import queries
from pipelines.config import DEMO_SOURCE
from presentation import page

ROOT = Path(__file__).resolve().parent.parent
DATA_PAGES = ["overblik", "faelles_borgere", "visitation", "aktivering", "sagstal", "investering", "benchmark"]
BANNER = "Syntetiske demodata på denne side"


@pytest.fixture
def app(warehouse_copy, monkeypatch):
    def run(name: str, hide_demo: bool = False, **params) -> AppTest:
        if hide_demo:
            monkeypatch.setenv("HELHEDSBLIK_HIDE_DEMO", "ja")
        queries.snapshot_reader.clear()
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=60)
        for key, value in params.items():
            at.query_params[key] = value
        return at.run()

    return run


def banner_first(at) -> bool:
    """Whether the demo banner is the first thing under the page's title (before any figure or widget)."""
    elements = [e for e in at.main if e.type not in ("html",)]
    kinds = [e.type for e in elements]
    title = kinds.index("title")
    following = [e for e in elements[title + 1 :] if e.type != "caption"][:2]  # the freshness line may come first
    return any(e.type == "warning" and BANNER in e.value for e in following)


def badges(at) -> int:
    return sum(page.DEMO_BADGE in m.value for m in at.markdown)


@pytest.mark.parametrize("name", DATA_PAGES)
def test_every_page_on_demo_data_shows_the_banner_under_its_title(app, name):
    """Aarhus has only the demo's figures; on Investering a municipality with the demo's examples is chosen."""
    area = "751"
    if name == "investering":
        app("data")  # pins a snapshot for the query below
        cases = queries.investment_areas()
        area = cases.filter(~cases["published"])["area_code"][0]
    at = app(name, kommune=area, til="2026M09")
    assert not at.exception, [e.value for e in at.exception]
    assert banner_first(at), [(e.type, getattr(e, "value", None)) for e in at.main][:6]


def test_a_page_of_published_figures_only_has_no_banner(app):
    """Investering for Aarhus shows Herning's published results (the scenario is a model, not data)."""
    at = app("investering", kommune="751")
    assert not at.exception
    assert not any(BANNER in w.value for w in at.warning)
    assert badges(at) == 0


@pytest.mark.parametrize("name,cards", [("overblik", 4), ("faelles_borgere", 3), ("sagstal", 3), ("benchmark", 5)])
def test_key_figures_on_demo_data_carry_the_badge(app, name, cards):
    """Overblik's investment card has no figure for Aarhus, so no badge; every other card rests on the demo."""
    at = app(name, kommune="751", til="2026M09")
    assert not at.exception
    assert badges(at) == cards


def test_no_change_from_a_year_earlier_between_a_real_and_a_synthetic_month(app):
    """Hjørring's published 2016M10 against the demo's 2015M10: no change, and the help says why; its published
    2015M06 against 2014M06 (both published): a change, and the recipients' card has no badge."""
    at = app("overblik", kommune="860", til="2016M10")
    assert not at.exception
    cards = {m.label: m for m in at.metric}
    assert not cards["Kontanthjælpsmodtagere"].delta
    assert "Ingen ændring vist: året før er syntetiske demodata, denne måned rigtige tal" in cards[
        "Kontanthjælpsmodtagere"
    ].proto.help.replace("\\", "")
    at = app("overblik", kommune="860", til="2015M06")
    cards = {m.label: m for m in at.metric}
    assert cards["Kontanthjælpsmodtagere"].delta
    # The recipients' card rests on the published month; the other cards' badges are those of their sources.
    kpis = queries.overview("860", "2015M06", "ds_aktuel")
    assert badges(at) == sum(DEMO_SOURCE in k.sources for k in kpis)
    assert DEMO_SOURCE not in kpis[0].sources


def test_visitation_sources_are_those_of_the_period(warehouse_copy):
    """The 2017 published national figure is not a source of a 2026 chart."""
    assert queries.visitation_sources(("751", queries.NATIONAL), "2026M01", "2026M09") == [DEMO_SOURCE]
    assert "offentliggjorte tal" in queries.visitation_sources(("860",), "2016M10", "2016M10")


def test_hide_demo_leaves_the_demo_out_of_every_page(app):
    """HELHEDSBLIK_HIDE_DEMO: Hjørring's published months remain, nothing synthetic is drawn, no banner."""
    at = app("overblik", hide_demo=True, kommune="860", til="2016M10")
    assert not at.exception
    assert not any(BANNER in w.value for w in at.warning)
    assert badges(at) == 0
    assert queries.visitation_sources(("860",), "2000M01", "2030M12") == ["offentliggjorte tal"]
    assert not queries.freshness()["has_demo"]
    recipients = {m.label: m.value for m in at.metric}["Kontanthjælpsmodtagere"]
    assert recipients != "–"
    at = app("visitation", hide_demo=True, kommune="751")
    assert not at.exception
    assert not any(BANNER in w.value for w in at.warning)


def _line_groups(spec: dict) -> list[list[str]]:
    """For each line mark in a Vega-Lite spec (layers, concatenations and facets walked), the fields that split it
    into separate lines: its colour, dash and detail fields (with those of the layer it inherits from)."""
    found = []

    def walk(node, inherited: dict):
        if isinstance(node, list):
            for item in node:
                walk(item, inherited)
            return
        if not isinstance(node, dict):
            return
        encoding = {**inherited, **node.get("encoding", {})}
        mark = node.get("mark")
        if (mark == "line" or (isinstance(mark, dict) and mark.get("type") == "line")) and encoding:
            fields = []
            for channel in ("color", "strokeDash", "detail"):
                value = encoding.get(channel)
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, dict) and "field" in item:
                        fields.append(item["field"])
            found.append(fields)
        for key in ("layer", "concat", "hconcat", "vconcat", "spec"):
            if key in node:
                walk(node[key], encoding)

    walk(spec, {})
    return found


def test_no_line_joins_a_real_point_to_a_demo_one(app):
    """København's published 2007M11 shared citizens sit among the demo's months: every line of the chart splits by
    the rows' kind (without it, a line would run through both), and the demo's are drawn lighter."""
    import json

    import pyarrow as pa

    at = app("faelles_borgere", kommune="101", fra="2007M06", til="2008M03")
    assert not at.exception
    checked = 0
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        rows = []
        for dataset in chart.proto.datasets:
            rows += pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
        if not rows or "kind" not in rows[0] or len({r["kind"] for r in rows}) < 2:
            continue
        for fields in _line_groups(spec):
            assert "kind" in fields, fields
            lines: dict[tuple, set] = {}
            for r in rows:
                lines.setdefault(tuple(r.get(f) for f in fields if f != "kind"), set()).add(r["kind"])
            assert any(len(kinds) > 1 for kinds in lines.values())  # without kind, a line would join them
        assert "opacity" in json.dumps(spec)  # the demo's drawn lighter
        checked += 1
    assert checked == 1


def test_the_shared_citizens_over_time_name_the_sources_of_the_months_drawn(app):
    """Over June 2007 to March 2008 København's line holds its published November 2007 and the demo's months."""
    at = app("faelles_borgere", kommune="101", fra="2007M06", til="2008M03")
    assert not at.exception
    assert queries.shared_sources(("101",), "2007M06", "2008M03") == ["offentliggjorte tal", DEMO_SOURCE]
    assert queries.shared_sources(("101",), "2008M01", "2008M03") == [DEMO_SOURCE]
    over_time = [c.value for c in at.caption if "Fælles borgere i pct" in c.value or "Periode" in c.value][-1]
    assert "offentliggjorte tal" in over_time and "syntetiske demodata" in over_time
