"""Analysts upload and undo on the Data page; managers never see those controls (AppTest, real warehouse)."""

from __future__ import annotations

import shutil
from pathlib import Path

import fake_jobindsats
import pytest
import streamlit as st
from conftest import state
from pipelines.warehouse import connect
from streamlit.testing.v1 import AppTest

import queries

ROOT = Path(__file__).resolve().parent.parent
GOOD = ("Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"
        "Vejen;2030M01;Team Upload;Sygedagpenge;100;2,0\n").encode()
BAD = ("Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"
       "Vejen;2030M01;Team Upload;Sygedagpenge;100;0\n"
       "Atlantis;2030M13;Team X;Sygedagpenge;-4;1\n").encode()


@pytest.fixture
def warehouse_copy(built_warehouse, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, path)
    monkeypatch.setenv("HELHEDSBLIK_WAREHOUSE", str(path))
    queries.warehouse.clear()
    st.cache_data.clear()
    yield path
    queries.warehouse.clear()


def data_page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=60)


def snapshot() -> tuple:
    cursor = queries.warehouse().cursor()
    try:
        return state(cursor)
    finally:
        cursor.close()


def test_analyst_uploads_and_the_dashboard_shows_it_then_undoes_it(warehouse_copy):
    before = snapshot()
    at = data_page().run()
    at.file_uploader[0].upload("sagstal.csv", GOOD, "text/csv").run()
    assert not at.exception
    assert any("Sagstal, 1 rækker" in s.value for s in at.success)
    assert snapshot() == before  # reviewing loads nothing
    at.button(key="commit_0_sagstal.csv").click().run()
    assert not at.exception
    loads = snapshot()[0]
    assert len(loads) == len(before[0]) + 1 and loads[-1][1:3] == ("caseload", 1)
    load_id = loads[-1][0]

    sagstal = AppTest.from_file(str(ROOT / "pages" / "sagstal.py"), default_timeout=60)
    sagstal.query_params["kommune"] = "575"
    sagstal.run()
    sagstal.main.selectbox[0].set_value("2030M01").run()
    values = {m.label: m.value for m in sagstal.metric}
    assert values["Teams over båndets øvre grænse"] == "1 af 1"  # 50 per worker over a 25-45 band

    at = data_page().run()
    at.selectbox(key="undo_choice").set_value(load_id).run()
    assert at.button(key="undo_button").disabled
    at.checkbox(key="undo_confirm").check().run()
    at.button(key="undo_button").click().run()
    assert not at.exception
    assert any(f"Indlæsning {load_id} er fortrudt: 1 rækker fjernet" in s.value for s in at.success)
    after = snapshot()
    assert after[1] == before[1] and [r for r in after[0] if r[3] == "loaded"] == before[0]


def test_invalid_upload_shows_error_table_and_changes_nothing(warehouse_copy):
    before = snapshot()
    at = data_page().run()
    at.file_uploader[0].upload("forkert.csv", BAD, "text/csv").run()
    assert not at.exception
    assert any("forkert\\.csv er afvist" in e.value for e in at.error)  # Markdown-escaped: shown as typed
    table = at.dataframe[0].value
    assert list(table.columns) == ["Række", "Kolonne", "Værdi", "Problem"]
    problems = " | ".join(table["Problem"].to_list())
    assert "større end 0" in problems and "ukendt område" in problems and "ugyldig periode" in problems
    assert table["Række"].to_list()[:1] == [2]
    assert not [b for b in at.button if (b.key or "").startswith("commit_")]  # nothing to commit
    assert snapshot() == before


def test_manager_sees_no_upload_or_undo(warehouse_copy, monkeypatch):
    monkeypatch.setenv("HELHEDSBLIK_ANALYST_PASSPHRASE", "hemmelig-kode")
    at = data_page()
    at.query_params["upload"] = "1"  # no parameter opens the analyst controls
    at.run()
    assert not at.exception
    assert not at.file_uploader
    assert not [b for b in at.button if b.key == "undo_button"]
    at.text_input(key="_passphrase_input").input("forkert").run()
    assert not at.file_uploader and any("Forkert adgangskode" in e.value for e in at.sidebar.error)
    at.text_input(key="_passphrase_input").input("hemmelig-kode").run()
    assert at.file_uploader  # the analyst is in


def test_open_mode_says_so(warehouse_copy):
    at = data_page().run()
    assert any("Åben lokal tilstand" in c.value for c in at.sidebar.caption)


def test_analyst_fetches_from_jobindsats_panel(warehouse_copy, httpserver_ipv4, monkeypatch):
    api = fake_jobindsats.FakeJobindsats(httpserver_ipv4)
    api.add(fake_jobindsats.y60c07())
    api.add(fake_jobindsats.y30r21())
    monkeypatch.setenv("JOBINDSATS_API_URL", api.base_url)
    monkeypatch.setenv("JOBINDSATS_API_KEY", fake_jobindsats.KEY)
    at = data_page().run()
    next(t for t in at.toggle if t.label == "Vis tabeller fra jobindsats").set_value(True).run()
    table = next(s for s in at.selectbox if s.label == "Tabel")
    assert table.options == ["y30r21: " + api.tables["y30r21"].name, "y60c07: " + api.tables["y60c07"].name]
    table.set_value("y60c07").run()
    periods = next(s for s in at.select_slider if s.label == "Perioder")
    assert periods.value == ("2025M07", "2026M08")  # every period the metadata offers (14 < 24)
    periods.set_value(("2026M07", "2026M08"))
    next(m for m in at.multiselect if m.label.startswith("Områder")).set_value(["Aarhus"])
    before = snapshot()
    next(b for b in at.button if b.label == "Hent").click().run()
    assert not at.exception and not at.error
    # The same review as an upload, and nothing written before the analyst confirms.
    assert any("Aktivering" in s.value and "2 rækker" in s.value for s in at.success)
    assert snapshot() == before
    next(b for b in at.button if b.label == "Indlæs y60c07 fra jobindsats").click().run()
    assert not at.exception and not at.error
    cursor = queries.warehouse().cursor()
    try:
        rows = cursor.execute("select area, period, activation_rate, touched_share, source from activation "
                              "where source = 'jobindsats API' order by period").fetchall()
        version, query = cursor.execute("select api_version, query from loads where table_id = 'y60c07'"
                                        ).fetchall()[0]
    finally:
        cursor.close()
    assert rows == [("Aarhus", "2026M07", 31.2, 44.2, "jobindsats API"),
                    ("Aarhus", "2026M08", 31.3, 44.2, "jobindsats API")]
    assert version == "v3" and "period.M=2026M07,2026M08" in query and "hierarchy._nykom=751" in query
    assert "SECRET-KEY-123" not in str(at._tree)


def test_jobindsats_panel_without_a_key_says_how_to_get_one(warehouse_copy, monkeypatch):
    monkeypatch.delenv("JOBINDSATS_API_KEY", raising=False)
    at = data_page().run()
    assert not at.exception and not at.error
    assert any("ingen API-nøgle" in i.value for i in at.info)


def test_every_page_says_when_the_last_refresh_failed(warehouse_copy, monkeypatch):
    from pipelines import jobindsats

    closed = fake_jobindsats.closed_port()
    client = jobindsats.Client(base_url=f"http://127.0.0.1:{closed}", key="K", retries=0)
    con = connect(warehouse_copy)
    try:
        results = jobindsats.refresh(con, client, tables=["y60a02", "y60c07"])
    finally:
        con.close()
    assert [r.status for r in results] == ["failed", "not_run"]
    for name in ("overblik", "data"):
        at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=60).run()
        assert not at.exception
        line = next(w.value for w in at.warning if w.value.startswith("Data fra jobindsats er endnu ikke hentet"))
        assert "seneste forsøg" in line and "fejlede for y60a02" in line and "forbindelsen blev afvist" in line
