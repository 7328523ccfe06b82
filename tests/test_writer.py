"""One writer at a time: real processes contending for the writer lock on a real warehouse file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import fake_jobindsats as fj
import pytest

from pipelines import snapshots
from pipelines.warehouse import connect
from pipelines.writer import WriterBusy, lock_path, writer

# Each test runs writers in child processes.
pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parent.parent
CASELOAD = (
    "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\nVejen;{period};{team};Sygedagpenge;100;2,0\n"
)


def env(warehouse: Path, **extra) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith("JOBINDSATS")}
    return {**base, "HELHEDSBLIK_WAREHOUSE": str(warehouse), "PYTHONPATH": str(ROOT), **extra}


def start(args, environment) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines", *args],
        cwd=ROOT,
        env=environment,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def teams(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select team from caseloads order by team").fetchall()


@pytest.fixture
def files(tmp_path):
    out = []
    for team, period in (("Team A", "2025M01"), ("Team B", "2025M02")):  # two periods: neither replaces the other
        path = tmp_path / f"{team.replace(' ', '_')}.csv"
        path.write_text(CASELOAD.format(team=team, period=period), encoding="utf-8")
        out.append(path)
    return out


def test_a_second_writer_waits_and_says_so_then_lands(warehouse, files):
    with writer(warehouse):
        proc = start(["load", str(files[0])], env(warehouse, HELHEDSBLIK_WRITER_WAIT="60"))
        line = proc.stderr.readline()
        assert line.startswith("En anden indlæsning kører; venter op til 60 s")
        time.sleep(0.5)
        assert proc.poll() is None  # still waiting while the lock is held
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert teams(warehouse) == [("Team A",)]


def test_a_writer_that_waits_too_long_fails_plainly_and_changes_nothing(warehouse, files):
    with writer(warehouse):
        proc = start(["load", str(files[0])], env(warehouse, HELHEDSBLIK_WRITER_WAIT="1"))
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "fejl: En anden indlæsning kørte stadig efter 1 s; intet er ændret" in err
    assert "Traceback" not in err and "IOException" not in err
    assert teams(warehouse) == []


def test_two_loads_started_at_once_both_land(warehouse, files):
    procs = [start(["load", str(f)], env(warehouse)) for f in files]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    assert teams(warehouse) == [("Team A",), ("Team B",)]
    reader = snapshots.SnapshotReader()  # and the app's snapshot holds both
    try:
        assert reader.current().con.execute("select team from caseloads order by team").fetchall() == teams(warehouse)
    finally:
        reader.close()


def test_a_killed_writer_leaves_no_stale_lock(warehouse):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pipelines.writer import writer\n"
            f"with writer(__import__('pathlib').Path({str(warehouse)!r})):\n"
            "    print('held', flush=True); time.sleep(60)",
        ],
        cwd=ROOT,
        env=env(warehouse),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(WriterBusy), writer(warehouse, wait=0.3):
        pass
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    with writer(warehouse, wait=2):  # the kernel released it with the process
        assert lock_path(warehouse).exists()


def test_refresh_every_keeps_running_and_stops_between_runs_on_sigterm(warehouse, httpserver_ipv4):
    api = fj.FakeJobindsats(httpserver_ipv4)
    api.add(fj.y60c07())
    environment = env(warehouse, JOBINDSATS_API_URL=api.base_url, JOBINDSATS_API_KEY=fj.KEY)
    proc = start(["refresh", "--tables", "y60c07", "--initial", "2", "--every", "1s"], environment)
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sum(s.startswith("opdatering ") for s in lines) < 2:
        lines.append(proc.stdout.readline())
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    text = "".join(lines) + out
    assert proc.returncode == 0, err
    assert "y60c07: hentet 2026M09–2026M10 (2 perioder)" in text
    assert "y60c07: opdateret (nyeste periode 2026M10); intet hentet" in text  # the second run
    assert "stopper efter denne opdatering (SIGTERM)" in text
    con = connect(warehouse)
    try:
        runs = con.execute(
            "select count(distinct run_id), count(*) filter (where status = 'fetched') from refresh_runs"
        ).fetchall()[0]
        assert runs[0] >= 2 and runs[1] == 1
        assert con.execute("select count(*) from loads where table_id = 'y60c07'").fetchall() == [(1,)]
    finally:
        con.close()


def test_every_needs_an_interval_it_understands(warehouse):
    proc = start(["refresh", "--every", "sometimes"], env(warehouse))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "--every 'sometimes' forstås ikke" in err
