"""The app's upload jobs (``pipelines/uploads.py``): real runs of the CLI in processes of their own against a real
warehouse, as the Data page submits and follows them."""

from __future__ import annotations

import time

import pytest

from pipelines import integrity, uploads
from pipelines.review import Review
from pipelines.warehouse import connect

HEADER = "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    except (FileNotFoundError, StopIteration):
        return 0


@pytest.mark.process
@pytest.mark.slow
def test_twenty_reviews_at_once_all_end_with_a_review_and_wait_their_turn_in_order(warehouse, write_file):
    """Twelve analysts at once lost eight reviews with an empty message, and ran twelve workers (3 GB): now at most
    JOB_SLOTS run, every other one knows its place in the queue, which only moves forward, and every one ends."""
    jobs = uploads.Jobs(slots=2)
    files = []
    for n in range(20):
        lines = "".join(f"Vejen;2030M{m:02d};Team {n};Sygedagpenge;{100 + m};2,0\n" for m in range(1, 13))
        files.append(write_file(f"sagstal{n}.csv", HEADER + lines))
    ids = [
        jobs.submit(
            ["load", str(path), "--pending", "--progress", "json", "--source", uploads.UPLOAD_SOURCE],
            path.with_suffix(".jsonl"),
            f"analytiker {n}",
        )
        for n, path in enumerate(files)
    ]
    places: dict[str, list[int]] = {job: [] for job in ids}
    running_at_once, peak_rss, states = 0, 0, {}
    deadline = time.monotonic() + 600
    while len(states) < len(ids):
        assert time.monotonic() < deadline, "the reviews did not all end"
        running = [j.proc.pid for j in jobs._jobs.values() if j.proc is not None and j.proc.poll() is None]
        running_at_once = max(running_at_once, len(running))
        peak_rss = max(peak_rss, sum(rss_kib(pid) for pid in running))
        for job in ids:
            if job in states:
                continue
            state = jobs.state(job)
            if state.done:
                states[job] = state
            elif state.queued is not None:
                places[job].append(state.queued)
            else:
                assert state.step or state.fraction == 0  # running: it says how far it is
        time.sleep(0.1)
    assert running_at_once <= 2
    # A waiting job's place only moves forward, and the last to come waited behind all the others.
    assert all(seen == sorted(seen, reverse=True) for seen in places.values())
    assert places[ids[-1]][0] == 18
    reviews = [Review.from_json(states[job].answer["review"]) for job in ids]
    assert all(r.ok and r.lines == 12 and r.load_id is not None for r in reviews)
    con = connect(warehouse)
    try:
        pending = con.execute("select file_name, reviewed_by from pending_loads order by load_id").fetchall()
        assert sorted(pending) == sorted((f"sagstal{n}.csv", f"analytiker {n}") for n in range(20))
        assert integrity.check(con) == []
    finally:
        con.close()
    # The jobs' memory at its peak (two at once); the server's own is apart from it (benchmarks/results.md).
    assert peak_rss < 2 * 1024 * 1024, f"{peak_rss} KiB"


def test_a_job_killed_midway_says_so_in_danish_and_leaves_nothing(warehouse, write_file):
    import os
    import signal

    from tests.helpers import state

    path = write_file("sagstal.csv", HEADER + "Vejen;2030M01;Team A;Sygedagpenge;100;2,0\n")
    con = connect(warehouse)
    before = state(con)
    con.close()
    jobs = uploads.Jobs(slots=1)
    job = jobs.submit(["load", str(path), "--pending", "--progress", "json"], path.with_suffix(".jsonl"), "AB")
    os.kill(jobs._jobs[job].proc.pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while not (ended := jobs.state(job)).done:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert ended.answer is None and ended.failed == "Opgaven stoppede uventet; prøv igen."
    con = connect(warehouse)
    try:
        assert state(con) == before and con.execute("select count(*) from pending_loads").fetchall() == [(0,)]
    finally:
        con.close()
