"""Step 5: serving from published snapshots at national scale (issue #13).

On a copy of step 3's national warehouse, with one real Streamlit server (``python serve.py``)
driven over its websocket by ``benchmarks.sessions``:

- *publish*: the seconds and MiB of publishing the national master (``snapshots.publish``), and the
  app's switch to a new snapshot (``SnapshotReader.current()`` opening it);
- *one session* against *twenty sessions at once* on the one server process, each browsing every page;
- *quiet* against *during a load*: one session browsing every page while nothing loads, then while
  another process (``python -m pipelines load``) reloads the national visitation files into the master,
  then quiet again. Page runs are counted as "during" from the load's start until its publish; the
  first run of each page after the switch (a new snapshot: empty caches) is reported on its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import sessions
from benchmarks.measure import PROJECT_ROOT, StepFailed, child_env, median, pipeline_load_args, say
from pipelines import snapshots
from pipelines.warehouse import reference_version

TWENTY = 20


def _patched_copy(source: Path, target: Path) -> None:
    """A copy of a jobindsats-form extract with one count one lower: the same national load, but a file the
    warehouse has not seen (an identical file would be skipped as already loaded). The count is a part's,
    not a total's, so no total falls below its parts."""
    shutil.copyfile(source, target)
    with open(target, "rb") as fh:
        header = fh.readline().decode("utf-8-sig").rstrip("\r\n").split(";")
    column = header.index("Antal personer")
    size = target.stat().st_size
    with open(target, "rb+") as fh:
        start = max(0, size - 65536)
        fh.seek(start)
        tail = fh.read()
        lines = tail.split(b"\n")
        offset = start + len(tail)
        for n in range(len(lines) - 1, 0, -1):  # the first line of the tail may be cut: never used
            offset -= len(lines[n]) + (1 if n < len(lines) - 1 else 0)
            fields = lines[n].rstrip(b"\r").split(b";")
            value = int(fields[column]) if len(fields) == len(header) and fields[column].isdigit() else 0
            # One lower and as many digits (so the rest of the file stays where it is), and not a total's.
            if value > 1 and len(str(value - 1)) == len(str(value)) and b"I alt" not in fields:
                fields[column] = str(value - 1).encode()
                fh.seek(offset)
                fh.write(b";".join(fields) + (b"\r" if lines[n].endswith(b"\r") else b""))
                return
    raise StepFailed(f"{source.name}: no count to change near its end")


def _publish_cost(master: Path, published: Path, rounds: int = 3) -> dict:
    version = 10**9  # the master is closed: any version will do, the bytes are what is measured
    seconds = []
    for n in range(rounds):
        start = time.perf_counter()
        snap = snapshots.publish(master, version + n, reference_version(), published)
        seconds.append(time.perf_counter() - start)
    return {"seconds": median(seconds), "runs": seconds, "mib": snap.path.stat().st_size / 2**20}


def _switch_cost(master: Path, published: Path, rounds: int = 5) -> dict:
    """Milliseconds for an app process to see a new snapshot and open it (the first query after it is the
    cold page, reported with the pages)."""
    reader = snapshots.SnapshotReader(published, retire_after=0)
    try:
        reader.current()
        stat, switch = [], []
        for n in range(rounds):
            snapshots.publish(master, 2 * 10**9 + n, reference_version(), published)
            start = time.perf_counter()
            snapshots.pointer_stamp(published)
            stat.append(time.perf_counter() - start)
            start = time.perf_counter()
            reader.current().con.execute("select 1").fetchall()
            switch.append(time.perf_counter() - start)
        return {
            "stat_ms": median(stat) * 1000,
            "switch_ms": median(switch) * 1000,
            "switch_runs_ms": [s * 1000 for s in switch],
        }
    finally:
        reader.close()


def _browse_during(url: str, pages: list[str], load: subprocess.Popen, published: Path) -> tuple[list, list]:
    """Page runs from now until the load publishes (or ends), then the first run of each page after it."""
    before = snapshots.pointer_stamp(published)
    session = sessions.Session(url)
    during, after = [], []
    try:
        n = 0
        while load.poll() is None and snapshots.pointer_stamp(published) == before:
            run = session.open(pages[n % len(pages)])
            if snapshots.pointer_stamp(published) == before:  # ended before the switch: a run during the load
                during.append(run)
            n += 1
        load.wait()
        if load.returncode != 0:
            raise StepFailed(f"the load beside the server failed with {load.returncode}")
        after = [session.open(page) for page in pages]
    finally:
        session.close()
    return during, after


def _twenty_on_two(server: sessions.Server, env: dict, logs: Path, pages: list[str], rounds: int) -> dict:
    """For information: the same twenty sessions spread over two app processes (README, "Deployment")."""
    second = sessions.Server(env, logs / "serving_server_2.log")
    try:
        sessions.browse(second.url, pages, rounds=2)
        start = time.monotonic()
        runs = sessions.concurrent([server.url, second.url], pages, TWENTY, rounds=rounds)
        wall = time.monotonic() - start
    finally:
        second.stop()
    result = {**sessions.summary(runs), "wall_seconds": wall, "page_runs": len(runs)}
    say(
        f"    twenty sessions over two processes: p95 {result['pages']['all pages']['p95'] * 1000:,.0f} ms "
        f"({len(runs)} page runs in {wall:.1f} s)"
    )
    return result


def step(db: Path, visitation_files: list[Path], work: Path, logs: Path, runs: int) -> dict:
    """Every figure of this step (raises StepFailed when a part fails)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    master, published = work / "warehouse.duckdb", work / "published"
    shutil.copyfile(db, master)
    out: dict = {}
    say("[5] serving from published snapshots")
    out["publish"] = _publish_cost(master, published)
    say(f"    publish the national master: {out['publish']['seconds']:.2f} s, {out['publish']['mib']:,.0f} MiB")
    out["switch"] = _switch_cost(master, published)
    say(
        f"    app sees a new snapshot: stat {out['switch']['stat_ms']:.3f} ms; "
        f"switch {out['switch']['switch_ms']:.1f} ms"
    )
    # Older snapshots from the two measurements above are of no use to the server.
    snapshots.prune(published, keep=2)

    reload = []
    for f in visitation_files:
        reload.append(work / f"reload_{f.name}")
        _patched_copy(f, reload[-1])
    env = child_env(HELHEDSBLIK_WAREHOUSE=str(master), HELHEDSBLIK_PUBLISHED=str(published))
    server = sessions.Server(env, logs / "serving_server.log")
    try:
        pages = list(sessions.PAGES)
        sessions.browse(server.url, pages, rounds=2)  # every page's caches filled, as on a server in use
        rounds = max(2, runs)
        one = sessions.browse(server.url, pages, rounds=rounds)
        out["one"] = sessions.summary(one)
        cpu, start = server.cpu_seconds(), time.monotonic()
        twenty = sessions.concurrent(server.url, pages, TWENTY, rounds=max(1, rounds // 2))
        wall = time.monotonic() - start
        out["twenty"] = {
            **sessions.summary(twenty),
            "wall_seconds": wall,
            "server_cpu_seconds": server.cpu_seconds() - cpu,
            "page_runs": len(twenty),
        }
        say(
            f"    one session: p95 {out['one']['pages']['all pages']['p95'] * 1000:,.0f} ms; twenty at once: p95 "
            f"{out['twenty']['pages']['all pages']['p95'] * 1000:,.0f} ms ({len(twenty)} page runs in {wall:.1f} s, "
            f"server CPU {out['twenty']['server_cpu_seconds'] / wall:.2f} cores)"
        )

        out["twenty_two_processes"] = _twenty_on_two(server, env, logs, pages, max(1, rounds // 2))
        quiet = sessions.browse(server.url, pages, rounds=rounds)
        with open(logs / "serving_load.log", "wb") as output:  # the load writes to its own copy of the file
            load = subprocess.Popen(
                [sys.executable, *pipeline_load_args(reload)],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        load_start = time.monotonic()
        during, after = _browse_during(server.url, pages, load, published)
        load_seconds = time.monotonic() - load_start
        quiet += sessions.browse(server.url, pages, rounds=rounds)
        out["quiet"] = sessions.summary(quiet)
        out["during"] = {**sessions.summary(during), "load_seconds": load_seconds}
        out["after_switch"] = sessions.summary(after)
        say(
            f"    quiet p95 {out['quiet']['pages']['all pages']['p95'] * 1000:,.0f} ms; during the load "
            f"({load_seconds:.0f} s, {len(during)} page runs) p95 "
            f"{out['during']['pages']['all pages']['p95'] * 1000:,.0f} ms; first run after the switch p95 "
            f"{out['after_switch']['pages']['all pages']['p95'] * 1000:,.0f} ms"
        )
        out["server_nice"] = os.getpriority(os.PRIO_PROCESS, server.proc.pid)
    finally:
        server.stop()
    for f in reload:
        f.unlink(missing_ok=True)
    return out
