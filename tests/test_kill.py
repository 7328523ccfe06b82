"""SIGKILL the loader in the middle of a large load: the warehouse holds all of it or none of it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines import integrity, snapshots
from pipelines.warehouse import connect
from tests.bigfile import write_big_visitation

# Each test kills a child process (CLI or server) at a chosen moment.
pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("big") / "national.csv"
    rows = write_big_visitation(path)
    return path, rows * 2  # two measure columns per row


def run_cli(args, env, **kw):
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, **kw
    )


@pytest.mark.slow
@pytest.mark.parametrize("when,delay", [("start", 0.8), ("load", 0.0), ("load", 0.4), ("load", 1.2)])
def test_sigkill_mid_load_leaves_all_or_nothing(tmp_path, big_file, when, delay):
    path, fact_rows = big_file
    warehouse = tmp_path / "w.duckdb"
    env = {**os.environ, "HELHEDSBLIK_WAREHOUSE": str(warehouse), "PYTHONUNBUFFERED": "1"}
    first = tmp_path / "small.csv"
    first.write_text(
        "Område;Periode;Ydelse;Visitationskategori;Antal personer\nAarhus;2007M01;Kontanthjælp;Jobparat;1\n",
        encoding="utf-8",
    )
    assert run_cli(["load", str(first)], env).returncode == 0

    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines", "load", str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if when == "load":
        # The progress bar says "indlæser" when the transaction starts.
        seen = b""
        while b"indl\xc3\xa6ser" not in seen and proc.poll() is None:
            seen += proc.stderr.read1(64)
    time.sleep(delay)
    finished_before_kill = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    # The app's view: the current snapshot opens, and holds the state before the load or after it.
    published = warehouse.parent / "published"
    shown = snapshot_loads(published)
    assert shown in ([("visitation", 1)], [("visitation", 1), ("visitation", fact_rows)])

    con = connect(warehouse)
    try:
        loads = con.execute("select kind, rows from loads order by load_id").fetchall()
        facts = con.execute("select count(*) from fact_visitation").fetchall()[0][0]
        findings = integrity.check(con)
    finally:
        con.close()
    assert findings == []
    if len(loads) == 2:
        assert loads[1] == ("visitation", fact_rows) and facts == 1 + fact_rows
    else:
        assert not finished_before_kill
        assert loads == [("visitation", 1)] and facts == 1
    check = run_cli(["check"], env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "konsistent" in check.stdout
    assert snapshot_loads(published) == loads  # a writer publishes what the killed one could not


def snapshot_loads(published: Path) -> list[tuple]:
    reader = snapshots.SnapshotReader(published)
    try:
        return reader.current().con.execute("select kind, rows from loads order by load_id").fetchall()
    finally:
        reader.close()


@pytest.mark.slow
@pytest.mark.parametrize("when", ["in its transaction", "committed", "copying the snapshot", "switching the pointer"])
def test_sigkill_at_any_point_of_a_confirm_then_a_restart_serves_the_newest_committed_state(tmp_path, big_file, when):
    """An upload's confirmation (``pipelines confirm``, as the Data page runs it) killed wherever it is; then the
    server starts again with no other writer about: the pages read the newest committed state at once."""
    from benchmarks import sessions

    path, fact_rows = big_file
    warehouse = tmp_path / "w.duckdb"
    env = {**os.environ, "HELHEDSBLIK_WAREHOUSE": str(warehouse), "PYTHONUNBUFFERED": "1"}
    env.pop("HELHEDSBLIK_ANALYST_PASSPHRASE", None)
    review = run_cli(["load", str(path), "--pending", "--progress", "json"], env)
    assert review.returncode == 0, review.stderr
    load_id = next(json.loads(line)["review"]["load_id"] for line in review.stdout.splitlines() if '"review"' in line)
    published = warehouse.parent / "published"
    assert snapshot_loads(published) == []  # pending: nothing to see

    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines", "confirm", str(load_id), "--progress", "json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    awaited = {
        "in its transaction": None,
        "committed": '"committed"',
        "copying the snapshot": "kopierer lageret",
        "switching the pointer": "skifter til den nye udgave",
    }[when]
    if awaited is None:
        time.sleep(1.5)  # the process is up and confirming: flipping, replacing, aggregating
    else:
        while proc.poll() is None and awaited not in proc.stdout.readline().decode():
            pass
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    con = connect(warehouse)
    try:
        committed = con.execute("select kind, rows from loads order by load_id").fetchall()
        assert integrity.check(con) == []
    finally:
        con.close()
    assert committed in ([], [("visitation", fact_rows)])
    if when != "in its transaction":
        assert committed == [("visitation", fact_rows)]
    server = sessions.Server(env, tmp_path / "server.log")
    try:  # it answers at all only once it has published what the master holds
        assert snapshot_loads(published) == committed
    finally:
        server.stop()
