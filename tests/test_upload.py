"""Analysts upload and undo on the Data page; managers never see those controls (AppTest, real warehouse)."""

from __future__ import annotations

import logging
import re
import shutil
import time
from pathlib import Path

import fake_jobindsats
import pytest
import streamlit as st
from conftest import state
from pipelines.warehouse import connect
from streamlit.testing.v1 import AppTest

import queries
from presentation import access

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


@pytest.fixture(autouse=True)
def no_earlier_failures():
    """Wrong passphrases are counted per client address for the whole process: each test starts afresh."""
    access.FAILURES.clear()
    yield
    access.FAILURES.clear()


def data_page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=60)


def unlock(at: AppTest, name: str, passphrase: str) -> AppTest:
    """Fill in the sidebar's analyst form and submit it."""
    at.sidebar.text_input(key="_analyst_name_input").input(name)
    at.sidebar.text_input(key="_passphrase_input").input(passphrase)
    return at.sidebar.button(key=access.UNLOCK_BUTTON).click().run()


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
    assert any("Sagstal, 1 række, 1 område, perioden 2030M01" in s.value for s in at.success)
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
    assert any(f"Indlæsning {load_id} er fortrudt: 1 række fjernet" in s.value for s in at.success)
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
    unlock(at, "AB", "forkert")
    assert not at.file_uploader and any("Forkert adgangskode" in e.value for e in at.sidebar.error)
    time.sleep(access.DELAYS[0] + 0.1)  # the wait after one wrong passphrase
    unlock(at, "AB", "hemmelig-kode")
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


PASSPHRASE = "hemmelig-kode"
GUESS = "gæt-Nr-7731"


def sidebar_errors(at: AppTest) -> list[str]:
    return [e.value for e in at.sidebar.error]


def loaded_by(load_file: str) -> list[str]:
    cursor = queries.warehouse().cursor()
    try:
        return [r[0] for r in cursor.execute("select loaded_by from loads where file_name = ?", [load_file]).fetchall()]
    finally:
        cursor.close()


def test_a_wrong_passphrase_is_logged_without_the_guess_and_makes_the_next_attempt_wait(warehouse_copy, monkeypatch,
                                                                                       caplog):
    monkeypatch.setenv("HELHEDSBLIK_ANALYST_PASSPHRASE", PASSPHRASE)
    caplog.set_level(logging.INFO, logger="helhedsblik.access")
    at = unlock(data_page().run(), "AB", GUESS)
    assert sidebar_errors(at) == ["Forkert adgangskode; prøv igen om 1 sekund."]
    failures = [r.getMessage() for r in caplog.records if r.name == "helhedsblik.access"]
    assert failures == ["wrong analyst passphrase: client lokal, 1 failures in a row, next attempt checked in 1 s"]
    assert GUESS not in caplog.text and "7731" not in caplog.text and PASSPHRASE not in caplog.text


def test_a_new_session_from_the_same_address_must_wait_too(warehouse_copy, monkeypatch):
    monkeypatch.setenv("HELHEDSBLIK_ANALYST_PASSPHRASE", PASSPHRASE)
    # Three earlier failures from this address whose waits are over; AppTest has no client address, so every
    # session here is the local client, as every session through a proxy on the same machine would be.
    earlier = time.monotonic() - 100
    for _ in range(3):
        access.FAILURES.fail(access.LOCAL_CLIENT, earlier)
    at = unlock(data_page().run(), "AB", GUESS)
    assert sidebar_errors(at) == ["Forkert adgangskode; prøv igen om 8 sekunder."]
    unlock(at, "AB", PASSPHRASE)  # the right passphrase, too early: not even checked
    assert not at.file_uploader
    assert re.fullmatch(r"Adgangskoden blev ikke prøvet: .*; prøv igen om [1-8] sekund(er)?\.", sidebar_errors(at)[0])

    other = unlock(data_page().run(), "AB", PASSPHRASE)  # a fresh session does not start afresh
    assert not other.file_uploader
    assert "Adgangskoden blev ikke prøvet" in sidebar_errors(other)[0]


def test_the_session_keeps_its_own_count(warehouse_copy, monkeypatch):
    monkeypatch.setenv("HELHEDSBLIK_ANALYST_PASSPHRASE", PASSPHRASE)
    at = unlock(data_page().run(), "AB", GUESS)
    access.FAILURES.clear()  # as if the client came back from another address
    unlock(at, "AB", PASSPHRASE)
    assert not at.file_uploader and "Adgangskoden blev ikke prøvet" in sidebar_errors(at)[0]


def test_five_wrong_passphrases_lock_the_address_out_for_minutes(warehouse_copy, monkeypatch):
    monkeypatch.setenv("HELHEDSBLIK_ANALYST_PASSPHRASE", PASSPHRASE)
    earlier = time.monotonic() - 100
    for _ in range(4):
        access.FAILURES.fail(access.LOCAL_CLIENT, earlier)
    at = unlock(data_page().run(), "AB", GUESS)
    assert sidebar_errors(at) == ["For mange forkerte forsøg; prøv igen om 5 minutter."]
    other = unlock(data_page().run(), "AB", PASSPHRASE)
    assert not other.file_uploader
    assert sidebar_errors(other) == ["For mange forkerte forsøg; prøv igen om 5 minutter."]


def test_unlocking_asks_for_a_name_and_the_upload_records_it(warehouse_copy, monkeypatch):
    monkeypatch.setenv("HELHEDSBLIK_ANALYST_PASSPHRASE", PASSPHRASE)
    at = unlock(data_page().run(), "   ", PASSPHRASE)
    assert not at.file_uploader
    assert sidebar_errors(at)[0].startswith("Skriv dit navn eller dine initialer")
    assert access.FAILURES.wait(access.LOCAL_CLIENT) == (0.0, 0)  # no name is no wrong passphrase

    unlock(at, "  Anne   B. ", PASSPHRASE)
    assert at.file_uploader
    assert "Analytikeradgang i denne session. Indlæsninger registreres som: Anne B\\." in [
        c.value for c in at.sidebar.caption]
    at.file_uploader[0].upload("sagstal.csv", GOOD, "text/csv").run()
    at.button(key="commit_0_sagstal.csv").click().run()
    assert not at.exception
    assert loaded_by("sagstal.csv") == ["Anne B."]
    table = next(d.value for d in at.dataframe if "Af" in d.value.columns)
    assert table["Af"].to_list()[0] == "Anne B."


def test_with_oidc_an_upload_records_the_login_email(warehouse_copy):
    at = data_page()
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "c",
                          "client_id": "id", "client_secret": "s",
                          "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
    at.secrets["analysts"] = ["ana@kommune.dk"]
    at.user = {"is_logged_in": True, "email": "ana@kommune.dk"}
    at.run()
    at.file_uploader[0].upload("sagstal.csv", GOOD, "text/csv").run()
    at.button(key="commit_0_sagstal.csv").click().run()
    assert not at.exception
    assert loaded_by("sagstal.csv") == ["ana@kommune.dk"]


VIS = "Område;Periode;Ydelse;Visitationskategori;Antal personer\n"


def test_the_data_page_shows_danish_names_and_no_none(warehouse_copy):
    from pipelines import loader
    from pipelines.kinds import KINDS

    # A load recorded before the upload source was Danish keeps its source; the page shows the Danish one.
    extract = warehouse_copy.parent / "gammel.csv"
    extract.write_bytes(GOOD)
    con = connect(warehouse_copy)
    try:
        loader.load(extract, source="upload (app)", loaded_by="AB", con=con)
    finally:
        con.close()
    at = data_page().run()
    assert not at.exception
    loads = next(d for d in at.dataframe if "Kilde" in d.value.columns)
    table = loads.value
    assert "Sagstal" in table["Type"].to_list() and not set(table["Type"].to_list()) & set(KINDS)
    assert table["Kilde"].to_list()[0] == "upload i appen" and "upload (app)" not in table["Kilde"].to_list()
    # Missing values (a seed file has no period range, a load no API table) are empty cells, not "None".
    assert all(d.proto.HasField("placeholder") and d.proto.placeholder == "" for d in at.dataframe)


def test_review_preview_and_counts_are_danish(warehouse_copy):
    at = data_page().run()
    at.file_uploader[0].upload("vis.csv", (VIS + "Aarhus;2043M12;Kontanthjælp;Jobparat;5\n").encode(),
                               "text/csv").run()
    assert not at.exception
    assert any("vis\\.csv: Visitation (modtagere efter visitationskategori), 1 række, 1 område, perioden 2043M12."
               in s.value for s in at.success)
    assert [w.value for w in at.warning] == ["1 advarsel (indlæsningen kan fortsætte)."]
    warnings, preview = (d.value for d in at.dataframe[:2])
    # The future period is named in the warning.
    assert warnings[["Kolonne", "Værdi", "Problem"]].to_dict("records") == [
        {"Kolonne": "Periode", "Værdi": "2043M12", "Problem": "perioden ligger i fremtiden"}]
    assert list(preview.columns) == ["Række", "Område", "Periode", "Ydelse", "Køn", "Alder", "Herkomst",
                                     "Visitationskategori", "Måling", "Værdi"]
    assert preview["Måling"].to_list() == ["Antal personer"] and preview["Værdi"].to_list() == ["5"]


def test_a_duplicate_row_is_named_by_danish_columns_and_labels(warehouse_copy):
    at = data_page().run()
    at.file_uploader[0].upload("dublet.csv", (VIS + "Aarhus;2024M02;Kontanthjælp;Jobparat;5\n"
                                                    "Aarhus;2024M02;Kontanthjælp;Jobparat;6\n").encode(),
                               "text/csv").run()
    assert any("dublet\\.csv er afvist: 1 fejl. Intet er indlæst." == e.value for e in at.error)
    problem = at.dataframe[0].value.to_dict("records")
    assert problem == [{"Række": 3, "Kolonne": "Område, Periode, Ydelse, Visitationskategori, Måling",
                        "Værdi": "Aarhus / 2024M02 / Kontanthjælp / Jobparat / Antal personer",
                        "Problem": "dublet: samme nøgle som række 2"}]


def test_a_future_period_is_never_the_default_month(warehouse_copy):
    at = data_page().run()
    at.file_uploader[0].upload("fremtid.csv", (VIS + "Aarhus;2043M12;Kontanthjælp;Jobparat;5\n").encode(),
                               "text/csv").run()
    at.button(key="commit_0_fremtid.csv").click().run()
    at.file_uploader[0].upload("sagstal.csv", GOOD, "text/csv").run()  # Vejen, 2030M01
    at.button(key="commit_0_sagstal.csv").click().run()
    assert not at.exception and len(loaded_by("fremtid.csv")) == 1 and len(loaded_by("sagstal.csv")) == 1

    overblik = AppTest.from_file(str(ROOT / "pages" / "overblik.py"), default_timeout=60)
    overblik.query_params["kommune"] = "751"
    overblik.run()
    last = overblik.sidebar.selectbox(key="f_last")
    assert last.value == "2026M09"  # the newest month with data up to today, not december 2043
    assert last.options[0].endswith("2043")  # still there to choose
    assert not any("2043" in c.value for c in overblik.caption)

    sagstal = AppTest.from_file(str(ROOT / "pages" / "sagstal.py"), default_timeout=60)
    sagstal.query_params["kommune"] = "575"
    sagstal.run()
    period = sagstal.main.selectbox[0]
    assert period.options[0] == "januar 2030" and period.value == "2026M09"
