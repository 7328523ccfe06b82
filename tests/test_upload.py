"""Analysts upload and undo on the Data page; managers never see those controls (AppTest, real warehouse)."""

from __future__ import annotations

import time
from pathlib import Path

import fake_jobindsats
import pytest
from tests.helpers import state
from pipelines.writer import write_session
from streamlit.testing.v1 import AppTest

import queries
from pipelines import uploads
from presentation import access

ROOT = Path(__file__).resolve().parent.parent
GOOD = (
    "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"
    "Vejen;2030M01;Team Upload;Sygedagpenge;100;2,0\n"
).encode()
BAD = (
    "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"
    "Vejen;2030M01;Team Upload;Sygedagpenge;100;0\n"
    "Atlantis;2030M13;Team X;Sygedagpenge;-4;1\n"
).encode()


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
    """What the app reads: the current published snapshot."""
    cursor = queries.snapshot_reader().current().con.cursor()
    try:
        return state(cursor)
    finally:
        cursor.close()


def seen() -> tuple:
    """What any page can show: the loads list and the rows of every view, in the current snapshot."""
    cursor = queries.snapshot_reader().current().con.cursor()
    try:
        views = ("visitation", "match_groups", "activation", "caseloads", "investments", "benchmark", "agg_visitation")
        return cursor.execute("select load_id from loads order by 1").fetchall(), [
            cursor.execute(f"select count(*) from {view}").fetchall()[0][0] for view in views
        ]
    finally:
        cursor.close()


def pending_in_master(warehouse: Path) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select file_name, reviewed_by from pending_loads").fetchall()
    finally:
        con.close()


def load_button(at: AppTest, name: str):
    return next(b for b in at.button if b.label.replace("\\", "") == f"Indlæs {name}")


@pytest.mark.process
def test_analyst_uploads_and_the_dashboard_shows_it_then_undoes_it(warehouse_copy):
    before, shown_before = snapshot(), seen()
    at = data_page().run()
    at.file_uploader[0].upload("sagstal.csv", GOOD, "text/csv").run()
    assert not at.exception
    assert any("Sagstal, 1 linje med 2 tal, 1 område, periode januar 2030." in s.value for s in at.success)
    # The review is the load, kept pending in the master: no page shows it until the analyst confirms it.
    assert seen() == shown_before and pending_in_master(warehouse_copy) == [("sagstal.csv", "test")]
    load_button(at, "sagstal.csv").click().run()
    assert not at.exception
    assert pending_in_master(warehouse_copy) == []
    # Every file it held is loaded: the page runs on with an empty uploader, not carrying the file.
    assert [u.key for u in at.file_uploader] == ["uploads_1"] and not at.file_uploader[0].value
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


@pytest.mark.process
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
    assert table["Række"].to_list()[:1] == ["2"]  # Danish text, as every table on screen
    assert not [b for b in at.button if (b.key or "").startswith("confirm_")]  # nothing to confirm
    assert snapshot() == before


@pytest.mark.process
def test_review_says_which_measures_stay_from_an_earlier_load(warehouse_copy, tmp_path):
    """Persons uploaded on their own beside full-time persons from an earlier load: the review says so."""
    from pipelines import loader

    earlier = tmp_path / "fuldtid.csv"
    earlier.write_text(
        "Område;Periode;Ydelse;Visitationskategori;Antal personer;Fuldtidspersoner\n"
        "Vejen;2030M01;Kontanthjælp;Jobparat;10;8,5\nVejen;2030M02;Kontanthjælp;Jobparat;11;9\n",
        encoding="utf-8",
    )
    with write_session() as con:  # published, as any writer's load is
        load_id = loader.load(earlier, source="test", con=con).load_id
    at = data_page().run()
    at.file_uploader[0].upload(
        "personer.csv",
        (
            "Område;Periode;Ydelse;Visitationskategori;Antal personer\n"
            "Vejen;2030M01;Kontanthjælp;Jobparat;12\n"
            "Vejen;2030M02;Kontanthjælp;Jobparat;13\n"
        ).encode(),
        "text/csv",
    ).run()
    assert not at.exception
    assert [t.value for t in at.text] == [
        "perioderne 2030M01–2030M02 for Vejen erstattes: 2 rækker",
        f"Fuldtidspersoner for Vejen 2030M01–2030M02 bliver stående fra indlæsning {load_id} (fuldtid.csv)",
    ]


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


@pytest.mark.process
def test_analyst_fetches_from_jobindsats_panel(warehouse_copy, httpserver_ipv4, monkeypatch):
    api = fake_jobindsats.FakeJobindsats(httpserver_ipv4).add(fake_jobindsats.y60c07(), fake_jobindsats.y30r21())
    monkeypatch.setenv("JOBINDSATS_API_URL", api.base_url)
    monkeypatch.setenv("JOBINDSATS_API_KEY", fake_jobindsats.KEY)
    at = data_page().run()
    next(t for t in at.toggle if t.label == "Vis tabeller fra jobindsats").set_value(True).run()
    table = next(s for s in at.selectbox if s.label == "Tabel")
    assert table.options == ["y30r21: " + api.tables["y30r21"].name, "y60c07: " + api.tables["y60c07"].name]
    table.set_value("y60c07").run()
    periods = next(s for s in at.select_slider if s.label == "Perioder")
    assert periods.value == ("2025M07", "2026M10")  # every period the metadata offers (16 < 24)
    periods.set_value(("2026M07", "2026M08"))
    next(m for m in at.multiselect if m.label.startswith("Områder")).set_value(["Aarhus"])
    before = snapshot()
    next(b for b in at.button if b.label == "Hent").click().run()
    assert not at.exception and not at.error
    # The same review as an upload, and nothing written before the analyst confirms.
    assert any(
        "Aktivering, 2 linjer med 4 tal, 1 område, perioder juli 2026 – august 2026." in s.value for s in at.success
    )
    assert snapshot() == before
    next(b for b in at.button if b.label == "Indlæs y60c07 fra jobindsats").click().run()
    assert not at.exception and not at.error
    cursor = queries.snapshot_reader().current().con.cursor()
    try:
        rows = cursor.execute(
            "select area, period, activation_rate, touched_share, source from activation "
            "where source = 'jobindsats API' order by period"
        ).fetchall()
        version, query = cursor.execute("select api_version, query from loads where table_id = 'y60c07'").fetchall()[0]
    finally:
        cursor.close()
    assert rows == [  # the fake's made-up figures for Aarhus (fake_jobindsats.y60c07)
        ("Aarhus", "2026M07", 29.2, 41.0, "jobindsats API"),
        ("Aarhus", "2026M08", 29.3, 41.0, "jobindsats API"),
    ]
    # The newest periods down to the oldest wanted (the newer two dropped), for Aarhus' value in the metadata.
    assert version == "v3" and "period.M=latest:4" in query
    assert f"hierarchy._nykom={fake_jobindsats.area_value('Aarhus')}" in query
    assert "SECRET-KEY-123" not in str(at._tree)


def test_jobindsats_panel_without_a_key_says_how_to_get_one(warehouse_copy, monkeypatch):
    monkeypatch.delenv("JOBINDSATS_API_KEY", raising=False)
    at = data_page().run()
    assert not at.exception and not at.error
    assert any("ingen API-nøgle" in i.value for i in at.info)


@pytest.mark.process
def test_the_app_hands_its_secret_api_key_to_the_client(warehouse_copy, httpserver_ipv4, monkeypatch):
    # No key in the environment: the app reads jobindsats_api_key from its secrets and passes it in (the fake
    # API answers 401 to any other key), so the catalogue lists the mapped tables.
    api = fake_jobindsats.FakeJobindsats(httpserver_ipv4)
    api.add(fake_jobindsats.y60c07())
    monkeypatch.setenv("JOBINDSATS_API_URL", api.base_url)
    monkeypatch.delenv("JOBINDSATS_API_KEY", raising=False)
    at = data_page()
    at.secrets["jobindsats_api_key"] = fake_jobindsats.KEY
    at.run()
    assert not any("ingen API-nøgle" in i.value for i in at.info)
    next(t for t in at.toggle if t.label == "Vis tabeller fra jobindsats").set_value(True).run()
    assert not at.exception and not at.error
    assert next(s for s in at.selectbox if s.label == "Tabel").options == ["y60c07: " + api.tables["y60c07"].name]
    assert fake_jobindsats.KEY not in str(at._tree)


def test_every_page_says_when_the_last_refresh_failed(warehouse_copy, monkeypatch):
    from pipelines import jobindsats, refresh

    closed = fake_jobindsats.closed_port()
    client = jobindsats.Client(base_url=f"http://127.0.0.1:{closed}", key="K", retries=0)
    with write_session() as con:  # published, as a scheduled refresh is
        results = refresh.refresh(con, client, tables=["y60a02", "y60c07"])
    assert [r.status for r in results] == ["failed", "not_run"]
    for name in ("overblik", "data"):
        at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=60).run()
        assert not at.exception
        line = next(w.value for w in at.warning if w.value.startswith("Data fra jobindsats er endnu ikke hentet"))
        assert "seneste forsøg" in line and "fejlede for y60a02" in line and "forbindelsen blev afvist" in line


VISITATION = (
    "Område;Periode;Ydelse;Visitationskategori;Antal personer;Fuldtidspersoner\n"
    "Vejen;2030M01;Kontanthjælp;Jobparat;10;9,5\n"
    "Vejen;2030M01;Kontanthjælp;Aktivitetsparat;20;18\n"
    "Billund;2030M01;Kontanthjælp;Jobparat;30;27,5\n"
).encode()


@pytest.mark.process
def test_review_counts_lines_and_the_figures_they_hold(warehouse_copy, monkeypatch):
    at = data_page().run()
    at.file_uploader[0].upload("visitation.csv", VISITATION, "text/csv").run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        "visitation\\.csv: Visitation (modtagere efter visitationskategori), 3 linjer med 6 tal, 2 områder, "
        "periode januar 2030."
    ]
    # The upload limit counts lines, as the review does: three lines pass a limit of three.
    monkeypatch.setattr(uploads, "MAX_UPLOAD_ROWS", 3)
    at = data_page().run()
    at.file_uploader[0].upload("visitation.csv", VISITATION, "text/csv").run()
    assert any("3 linjer med 6 tal" in s.value for s in at.success)
    monkeypatch.setattr(uploads, "MAX_UPLOAD_ROWS", 2)
    at = data_page().run()
    at.file_uploader[0].upload("visitation.csv", VISITATION, "text/csv").run()
    table = at.dataframe[0].value
    assert table["Problem"].to_list() == [
        "filen har for mange linjer; grænsen er 2 linjer (indlæs større udtræk med kommandolinjen)"
    ]
    assert table["Værdi"].to_list() == ["3"]


@pytest.mark.process
def test_a_json_integer_too_long_for_python_is_a_rejection_not_an_exception(warehouse_copy):
    before = snapshot()
    payload = (
        '{"columns": ["area", "period", "mgrpc07_1"], "rows": [["Aalborg", "2024M06", ' + "9" * 5000 + "]]}"
    ).encode()
    at = data_page().run()
    at.file_uploader[0].upload("stor.json", payload, "application/json").run()
    assert not at.exception
    assert any("stor\\.json er afvist: 1 fejl" in e.value for e in at.error)
    assert at.dataframe[0].value["Problem"].to_list() == [
        "ugyldig JSON: et tal har over 4.300 cifre; intet udtræk har tal så store"
    ]
    assert "Traceback" not in str(at._tree) and "/tmp" not in str(at._tree)
    assert snapshot() == before


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    import io

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, values in enumerate(rows):
            ws.write_row(r, 0, values)
    wb.close()
    return buf.getvalue()


@pytest.mark.process
def test_analyst_picks_the_sheet_of_a_workbook(warehouse_copy):
    header = ["Område", "Periode", "Team", "Sagsområde", "Aktive sager", "Sagsbehandlere (årsværk)"]
    book = _workbook(
        {"Forside": [["Sagstal pr. team"]], "Data": [header, ["Vejen", "2030M01", "Team Ark", "Sygedagpenge", 90, 2]]}
    )
    before = seen()
    at = data_page().run()
    xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    at.file_uploader[0].upload("sagstal.xlsx", book, xlsx_type).run()
    assert not at.exception
    picker = next(s for s in at.selectbox if s.label == "Ark")
    assert picker.options == ["Forside", "Data"] and picker.value == "Forside"
    problems = at.dataframe[0].value["Problem"].to_list()
    assert problems[0].startswith(
        "læste arket 'Forside' (ark 1 af 2), som ikke har kolonner, der kan genkendes; data "
        "ser ud til at ligge i arket 'Data'."
    )
    assert "feltet 'Ark' ved filen på siden Data" in problems[0]
    picker.set_value("Data").run()
    assert not at.exception and not at.error
    assert any("Sagstal, 1 linje med 2 tal, 1 område, periode januar 2030." in s.value for s in at.success)
    assert seen() == before
    load_button(at, "sagstal.xlsx (ark 'Data')").click().run()
    assert not at.exception and not at.error
    cursor = queries.snapshot_reader().current().con.cursor()
    try:
        loaded = cursor.execute(
            "select l.file_name, c.team, c.cases from loads l join caseloads c using (load_id) "
            "where c.team = 'Team Ark'"
        ).fetchall()
    finally:
        cursor.close()
    assert loaded == [("sagstal.xlsx (ark 'Data')", "Team Ark", 90)]


@pytest.mark.process
def test_a_csv_upload_has_no_sheet_picker(warehouse_copy):
    at = data_page().run()
    at.file_uploader[0].upload("sagstal.csv", GOOD, "text/csv").run()
    assert not at.exception and any("Sagstal, 1 linje" in s.value for s in at.success)
    assert not [s for s in at.selectbox if (s.key or "").startswith("sheet_")]


@pytest.fixture
def small_disk(tmp_path):
    """A 256 MB file system of its own (tmpfs), to be filled: a full disk, for real."""
    import subprocess

    folder = tmp_path / "klein"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode:
        pytest.skip(f"a full disk needs a tmpfs of its own (mount as root): {mounted.stderr.decode().strip()}")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.process
def test_a_full_disk_during_a_confirmation_gets_a_true_message(warehouse_copy, small_disk, monkeypatch):
    """The published folder's disk fills up between the review and the confirmation: the load is committed in the
    master, but cannot be published. The page says exactly that (it said "intet er ændret" before), and the next
    publish shows it."""
    import subprocess
    import sys

    from pipelines import config

    monkeypatch.setenv("HELHEDSBLIK_PUBLISHED", str(small_disk))
    with write_session():
        pass  # published on the small disk
    queries.snapshot_reader.clear()
    at = data_page().run()
    at.file_uploader[0].upload("sagstal.csv", GOOD, "text/csv").run()
    assert any("Sagstal, 1 linje med 2 tal" in s.value for s in at.success)
    with open(small_disk / "fyld", "wb") as filler:  # the disk fills up
        try:
            while True:
                filler.write(b"\0" * (1024 * 1024))
                filler.flush()
        except OSError:
            pass
    load_button(at, "sagstal.csv").click().run()
    assert not at.exception
    said = [e.value for e in at.error]
    assert len(said) == 1 and said[0].startswith("sagstal\\.csv er indlæst som nr. "), said
    assert (
        "men kunne ikke offentliggøres: disken er fuld. Siderne viser den, så snart lageret offentliggøres" in said[0]
    )
    load_id = int(said[0].split("nr. ")[1].split(",")[0])
    import duckdb

    con = duckdb.connect(str(warehouse_copy), read_only=True)
    try:  # true: it is in the master
        assert con.execute("select file_name from loads where load_id = ?", [load_id]).fetchall() == [("sagstal.csv",)]
    finally:
        con.close()
    (small_disk / "fyld").unlink()
    env = {**__import__("os").environ, "HELHEDSBLIK_PUBLISHED": str(small_disk)}
    assert (
        subprocess.run([sys.executable, "-m", "pipelines", "publish"], cwd=config.PROJECT_ROOT, env=env).returncode == 0
    )
    queries.snapshot_reader.clear()
    assert load_id in [row[0] for row in seen()[0]]
