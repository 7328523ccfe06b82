"""The upload worker (``pipelines/worker.py``): real worker processes, a real warehouse file, the write session
every writer takes. The Data page's tests (test_upload.py, test_browser.py) drive it through the page."""

from __future__ import annotations

import os
import signal

import pytest

from pipelines import worker
from pipelines.errors import ExtractRejected
from pipelines.warehouse import connect
from tests.helpers import state

HEADER = "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"


def caseload(write_file, name: str, team: str, cases: str = "100"):
    return write_file(name, f"{HEADER}Vejen;2030M01;{team};Sygedagpenge;{cases};2,0\n")


def commit(path, **kwargs):
    job = {"path": str(path), "name": path.name, "user": "AB", "sheet": None}
    job |= {"max_rows": 1000, "digest": None}
    return worker.run("commit", **{**job, **kwargs})


def loads(warehouse) -> list[tuple]:
    con = connect(warehouse)
    try:
        return con.execute("select file_name, loaded_by, source from load_log order by load_id").fetchall()
    finally:
        con.close()


def test_a_load_in_a_worker_lands_in_the_warehouse_the_server_names_now(warehouse, tmp_path, write_file, monkeypatch):
    """A worker stays for the next job, and each job runs with the server's environment of the moment."""
    worker.warm()
    first = commit(caseload(write_file, "sagstal.csv", "Team A"))
    assert first.rows == 1
    assert loads(warehouse)[-1] == ("sagstal.csv", "AB", "upload i appen")
    pid = worker._idle[-1].proc.pid

    other = tmp_path / "other" / "warehouse.duckdb"
    other.parent.mkdir()
    connect(other).close()
    monkeypatch.setenv("HELHEDSBLIK_WAREHOUSE", str(other))
    commit(caseload(write_file, "andet.csv", "Team B"))
    assert worker._idle[-1].proc.pid == pid  # the same worker, not a new process
    assert [f for f, *_ in loads(other)] == ["andet.csv"]
    assert "andet.csv" not in [f for f, *_ in loads(warehouse)]


def test_a_rejection_crosses_from_the_worker_whole_and_changes_nothing(warehouse, write_file):
    bad = write_file("forkert.csv", f"{HEADER}Vejen;2030M01;Team A;Sygedagpenge;-4;2,0\nAtlantis;2030M13;X;Y;1;1\n")
    con = connect(warehouse)
    before = state(con)
    con.close()
    with pytest.raises(ExtractRejected) as rejected:
        commit(bad)
    problems = rejected.value.problems
    assert len(problems) >= 2 and {p.file for p in problems} == {"forkert.csv"}
    assert (problems[0].row, problems[0].column, problems[0].value) == (2, "Aktive sager", "-4")
    assert "negativt tal" in problems[0].message
    con = connect(warehouse)
    try:
        assert state(con) == before
    finally:
        con.close()


def test_a_worker_killed_mid_job_is_a_danish_error_and_the_next_job_gets_a_new_worker(warehouse, write_file):
    worker.warm()
    victim = worker._idle[-1].proc

    def kill(step, fraction):  # the first progress report: the load is under way in the worker
        os.kill(victim.pid, signal.SIGKILL)

    with pytest.raises(worker.WorkerFailed, match="Arbejdsprocessen stoppede uventet"):
        commit(caseload(write_file, "sagstal.csv", "Team A"), progress=kill)
    assert victim.wait(timeout=30) == -signal.SIGKILL
    assert commit(caseload(write_file, "igen.csv", "Team A")).rows == 1  # a fresh worker
    assert [f for f, *_ in loads(warehouse)] == ["igen.csv"]  # the killed load left nothing


def test_an_unexpected_failure_in_the_worker_is_logged_not_shown(warehouse, write_file, caplog):
    with pytest.raises(worker.WorkerFailed) as failed:
        commit(caseload(write_file, "sagstal.csv", "Team A"), max_rows="mange")  # not a number: a bug, say
    assert "Fejlen er logget på serveren" in str(failed.value) and "Traceback" not in str(failed.value)
    assert "Traceback" in caplog.text and "TypeError" in caplog.text
    assert commit(caseload(write_file, "igen.csv", "Team A")).rows == 1  # the worker lives on
