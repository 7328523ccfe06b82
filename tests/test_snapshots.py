"""Published snapshots: writers publish after each write session, readers switch between script runs,
superseded snapshots go only when nobody reads them, and a killed writer never leaves a broken snapshot."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import queries
from pipelines import config, integrity, loader, snapshots
from pipelines.errors import PipelineError
from pipelines.writer import spill_path, write_session
from presentation import errors
from presentation.formatting import plain

ROOT = Path(__file__).resolve().parent.parent
CASELOAD = (
    "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"
    "Vejen;{period};{team};Sygedagpenge;{cases};2,0\n"
)


def caseload(folder: Path, team: str, period: str = "2030M01", cases: int = 100) -> Path:
    path = folder / f"{team.replace(' ', '_')}_{period}_{cases}.csv"
    path.write_text(CASELOAD.format(team=team, period=period, cases=cases), encoding="utf-8")
    return path


def published_teams(directory: Path | None = None) -> list[str]:
    """The teams the current snapshot holds, read as the app reads them."""
    reader = snapshots.SnapshotReader(directory)
    try:
        return [r[0] for r in reader.current().con.execute("select team from caseloads order by team").fetchall()]
    finally:
        reader.close()


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def env(**extra) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **extra}


def test_a_write_session_publishes_and_one_that_changes_nothing_does_not(warehouse, tmp_path):
    published = config.published_dir()
    assert published == warehouse.parent / "published"  # beside the master unless HELHEDSBLIK_PUBLISHED says
    with write_session():
        pass  # the master is newer than nothing: published
    first = snapshots.current()
    assert first.name == "warehouse-000001.duckdb" and published_teams() == []
    with write_session() as con:
        loader.load(caseload(tmp_path, "Team A"), source="test", con=con)
    second = snapshots.current()
    assert second.name == "warehouse-000002.duckdb" and second.data_version > first.data_version
    assert published_teams() == ["Team A"]
    with write_session() as con:
        con.execute("select count(*) from caseloads").fetchall()  # a reading session
    assert snapshots.current() == second and names(published) == ["current", first.name, second.name]


def test_a_snapshot_is_a_consistent_copy_that_opens_read_only_beside_a_writer(warehouse, tmp_path):
    with write_session() as con:
        loader.load(caseload(tmp_path, "Team A"), source="test", con=con)
    snap = snapshots.current()
    with write_session() as con:  # the master is open read-write in this process ...
        loader.load(caseload(tmp_path, "Team B", "2030M02"), source="test", con=con)
        with duckdb.connect(str(snap.path), read_only=True) as reader:  # ... and the snapshot opens anyway
            assert reader.execute("select count(*) from caseloads").fetchall() == [(1,)]
            assert integrity.check(reader) == []  # the integrity report holds on the copy too
            with pytest.raises(duckdb.Error):
                reader.execute("insert into meta values ('x', 'y')")  # read-only: the app cannot write
    assert published_teams() == ["Team A", "Team B"]


def test_the_reader_switches_when_a_newer_snapshot_is_current_and_keeps_the_old_one_for_running_pages(
    warehouse, tmp_path
):
    with write_session() as con:
        loader.load(caseload(tmp_path, "Team A"), source="test", con=con)
    reader = snapshots.SnapshotReader(retire_after=60)
    try:
        old = reader.current(lease=True)  # a page run in progress
        assert reader.current() is old  # nothing published: the same connection, one stat
        with write_session() as con:
            loader.load(caseload(tmp_path, "Team B", "2030M02"), source="test", con=con)
        new = reader.current()
        assert new is not old and new.snapshot.data_version > old.snapshot.data_version
        # The page that started on the old snapshot still reads it, consistently.
        assert old.con.execute("select count(*) from caseloads").fetchall() == [(1,)]
        assert new.con.execute("select count(*) from caseloads").fetchall() == [(2,)]
        assert not old.closed  # held open for the page still running on it
        reader.release(old)  # the run ended: nothing reads the old snapshot any more
        assert old.closed and not new.closed

        unreleased = reader.current(lease=True)  # a run that never gives its lease back ...
        with write_session() as con:
            loader.load(caseload(tmp_path, "Team C", "2030M03"), source="test", con=con)
        reader.retire_after = 0
        reader.current()
        assert unreleased.closed  # ... holds its snapshot no longer than retire_after
    finally:
        reader.close()


@pytest.mark.process
def test_superseded_snapshots_are_removed_only_when_no_process_reads_them(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("HELHEDSBLIK_KEEP_SNAPSHOTS", "2")
    with write_session():
        pass
    first = snapshots.current()
    # Another process reads the first snapshot, as an app process on this or another machine would.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from pipelines import snapshots\n"
            "r = snapshots.SnapshotReader(); s = r.current(); print(s.snapshot.name, flush=True); time.sleep(120)",
        ],
        cwd=ROOT,
        env=env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == first.name
        for n in range(3):
            with write_session() as con:
                loader.load(caseload(tmp_path, f"Team {n}", f"2030M0{n + 1}"), source="test", con=con)
        listed = names(config.published_dir())
        # Kept: the one being read, and the newest two; the unread one in between is gone.
        assert listed == ["current", first.name, "warehouse-000003.duckdb", "warehouse-000004.duckdb"]
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    with write_session() as con:
        loader.load(caseload(tmp_path, "Team 9", "2030M09"), source="test", con=con)
    assert names(config.published_dir()) == ["current", "warehouse-000004.duckdb", "warehouse-000005.duckdb"]


def test_leftovers_of_a_dead_publish_and_spill_files_of_a_dead_load_are_removed(warehouse, tmp_path):
    with write_session():
        pass
    published = config.published_dir()
    (published / ".warehouse-000002.duckdb.tmp").write_bytes(b"half a copy")
    (published / "current.tmp").write_text("{", encoding="utf-8")
    spill = spill_path(warehouse)
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"\0" * 4096)
    assert snapshots.current().name == "warehouse-000001.duckdb"  # the leftovers changed nothing
    with write_session() as con:
        assert not spill.exists()  # a new writer removes what a killed one spilled
        loader.load(caseload(tmp_path, "Team A"), source="test", con=con)
    assert names(published) == ["current", "warehouse-000001.duckdb", "warehouse-000002.duckdb"]
    assert published_teams() == ["Team A"]


def test_an_unreadable_pointer_is_a_plain_error(warehouse):
    with write_session():
        pass
    (config.published_dir() / "current").write_text("not json", encoding="utf-8")
    with pytest.raises(PipelineError, match="kan ikke læses .* python -m pipelines publish"):
        snapshots.current()


def test_the_published_folder_can_be_elsewhere(warehouse, tmp_path, monkeypatch):
    elsewhere = tmp_path / "shared" / "helhedsblik"
    monkeypatch.setenv("HELHEDSBLIK_PUBLISHED", str(elsewhere))
    with write_session() as con:
        loader.load(caseload(tmp_path, "Team A"), source="test", con=con)
    assert names(elsewhere) == ["current", "warehouse-000001.duckdb"]
    assert not (warehouse.parent / "published").exists()
    assert published_teams(elsewhere) == ["Team A"]


# --- the app ------------------------------------------------------------------------------------------


def sagstal(period: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "sagstal.py"), default_timeout=60)
    at.query_params["kommune"] = "575"
    at.run()
    at.main.selectbox[0].set_value(period).run()
    return at


@pytest.mark.process
def test_the_app_publishes_a_fresh_clone_and_an_open_page_shows_new_figures_on_its_next_run(warehouse_copy, tmp_path):
    assert snapshots.current() is None  # a master nobody has published yet (as after an upgrade)
    at = AppTest.from_file(str(ROOT / "pages" / "overblik.py"), default_timeout=60).run()
    assert not at.exception
    snap = snapshots.current()
    assert snap is not None and any("Data offentliggjort " in c.value for c in at.sidebar.caption)

    with write_session() as con:  # a load in the meantime: the CLI, the refresh or another app process
        loader.load(caseload(tmp_path, "Team Ny", "2030M01", cases=100), source="test", con=con)
    at = sagstal("2030M01")
    assert {m.label: m.value for m in at.metric}["Teams over båndets øvre grænse"] == "1 af 1"
    with write_session() as con:  # the team's cases halved: now inside the 25-45 band
        loader.load(caseload(tmp_path, "Team Ny", "2030M01", cases=50), source="test", con=con)
    at.run()  # the next interaction on the open page
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Teams over båndets øvre grænse"] == "0 af 1"


@pytest.mark.process
def test_an_upload_in_the_app_lands_while_refresh_every_runs_beside_it(warehouse_copy, tmp_path, httpserver_ipv4):
    import fake_jobindsats as fj

    api = fj.FakeJobindsats(httpserver_ipv4)
    api.add(fj.y60c07())
    with write_session():
        pass  # published, as make run leaves it
    refresher = subprocess.Popen(
        [sys.executable, "-m", "pipelines", "refresh", "--tables", "y60c07", "--initial", "2", "--every", "0.5s"],
        cwd=ROOT,
        env=env(
            HELHEDSBLIK_WAREHOUSE=str(warehouse_copy),
            JOBINDSATS_API_URL=api.base_url,
            JOBINDSATS_API_KEY=fj.KEY,
            HELHEDSBLIK_WRITER_WAIT="60",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        at = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=120).run()
        for n in range(3):  # three uploads while the refresh takes the writer role every 0,5 s
            name = f"sagstal_{n}.csv"
            at.file_uploader[0].upload(
                name, CASELOAD.format(team=f"Team {n}", period=f"2031M0{n + 1}", cases=100).encode(), "text/csv"
            ).run()
            next(b for b in at.button if b.label == f"Indlæs {plain(name)}").click().run()
            assert not at.exception, [e.value for e in at.exception]
            assert any(f"{plain(name)} indlæst som nr." in s.value for s in at.success)
        time.sleep(1.0)  # at least one more refresh run after the uploads
    finally:
        refresher.send_signal(signal.SIGTERM)
        out, err = refresher.communicate(timeout=60)
    assert refresher.returncode == 0, err
    assert "y60c07: hentet 2026M09–2026M10 (2 perioder)" in out and "Traceback" not in err
    reader = snapshots.SnapshotReader()
    try:
        con = reader.current().con
        loads = con.execute("select file_name, table_id from loads order by load_id").fetchall()
        runs = con.execute("select count(distinct run_id) from refresh_runs").fetchall()[0][0]
    finally:
        reader.close()
    assert [f for f, _ in loads if f.startswith("sagstal_")] == ["sagstal_0.csv", "sagstal_1.csv", "sagstal_2.csv"]
    assert sum(t == "y60c07" for _, t in loads) == 1 and runs >= 2


# --- killed writers -------------------------------------------------------------------------------------


@pytest.mark.process
@pytest.mark.slow
@pytest.mark.parametrize("when", ["copying", "switching", "after commit"])
def test_sigkill_during_the_publish_leaves_the_old_or_the_new_snapshot(built_warehouse, tmp_path, when):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, warehouse)
    environment = env(HELHEDSBLIK_WAREHOUSE=str(warehouse))
    run = subprocess.run(
        [sys.executable, "-m", "pipelines", "publish"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    before = snapshots.current(warehouse.parent / "published")
    old_teams = published_teams(warehouse.parent / "published")

    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines", "load", str(caseload(tmp_path, "Team Kill"))],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    marker = {
        "copying": "offentliggør: kopierer lageret",
        "switching": "offentliggør: skifter",
        "after commit": "færdig",
    }[when]
    seen = ""
    while marker not in seen and proc.poll() is None:
        seen += proc.stderr.readline()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    published = warehouse.parent / "published"
    snap = snapshots.current(published)
    teams = published_teams(published)  # the current snapshot opens ...
    assert teams in (old_teams, sorted(old_teams + ["Team Kill"]))  # ... and is the old or the new state
    assert snap.name in (before.name, "warehouse-000002.duckdb")

    check = subprocess.run(
        [sys.executable, "-m", "pipelines", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert check.returncode == 0 and "konsistent" in check.stdout, check.stdout + check.stderr
    # The master has the load (it committed before the publish began), so the check above (a write session)
    # has published it even where the kill left the old snapshot current.
    assert published_teams(published) == sorted(old_teams + ["Team Kill"])
    nxt = subprocess.run(
        [sys.executable, "-m", "pipelines", "load", str(caseload(tmp_path, "Team Next", "2030M02"))],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert nxt.returncode == 0, nxt.stderr
    assert published_teams(published) == sorted(old_teams + ["Team Kill", "Team Next"])
    assert not list(published.glob("*.tmp")) and not list(published.glob(".*.tmp"))


@pytest.mark.process
def test_a_read_only_installation_serves_the_shared_folder_and_never_writes(warehouse_copy, tmp_path, monkeypatch):
    with write_session():
        pass  # the writer machine published
    shared = config.published_dir()
    # An app machine: the shared folder mounted, no master of its own.
    monkeypatch.setenv("HELHEDSBLIK_READ_ONLY", "true")
    monkeypatch.setenv("HELHEDSBLIK_WAREHOUSE", str(tmp_path / "elsewhere" / "warehouse.duckdb"))
    monkeypatch.setenv("HELHEDSBLIK_PUBLISHED", str(shared))
    queries.snapshot_reader.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=60).run()
    assert not at.exception
    assert not at.file_uploader and any("viser kun data" in i.value for i in at.info)
    assert not (tmp_path / "elsewhere").exists()  # nothing built, no lock taken
    cli = subprocess.run(
        [sys.executable, "-m", "pipelines", "load", str(caseload(tmp_path, "Team X"))],
        cwd=ROOT,
        env=env(
            HELHEDSBLIK_READ_ONLY="true",
            HELHEDSBLIK_PUBLISHED=str(shared),
            HELHEDSBLIK_WAREHOUSE=str(tmp_path / "elsewhere" / "warehouse.duckdb"),
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 1 and "viser kun data (HELHEDSBLIK_READ_ONLY er sat)" in cli.stderr
    assert "Traceback" not in cli.stderr
    monkeypatch.setenv("HELHEDSBLIK_PUBLISHED", str(tmp_path / "empty"))  # nothing published there yet
    queries.snapshot_reader.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [errors.NOT_PUBLISHED]
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.process
def test_an_upload_while_another_writer_holds_the_master_says_so_and_changes_nothing(warehouse_copy, monkeypatch):
    from pipelines.writer import writer

    monkeypatch.setenv("HELHEDSBLIK_WRITER_WAIT", "1")
    with write_session():
        pass
    at = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=60).run()
    at.file_uploader[0].upload(
        "sagstal.csv", CASELOAD.format(team="Team V", period="2031M01", cases=100).encode(), "text/csv"
    ).run()
    before = snapshots.current()  # the review is in (pending), published
    with writer(warehouse_copy):  # a CLI load or the refresh, say
        next(b for b in at.button if b.label == f"Indlæs {plain('sagstal.csv')}").click().run()
    assert not at.exception
    said = [e.value for e in at.error]
    assert len(said) == 1 and said[0].startswith("sagstal\\.csv blev ikke indlæst; intet er ændret: ")
    assert "En anden indlæsning kørte stadig efter 1 s; intet er ændret" in said[0]
    assert snapshots.current() == before


def test_a_run_through_the_router_holds_its_snapshot_only_while_it_runs(warehouse_copy):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception and at.title[0].value == "Overblik"
    snap = queries.snapshot_reader().current()
    assert snap.leases == 0  # leased by app.py for the run, given back when it ended
