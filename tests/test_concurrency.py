"""Ten readers on the app's one process-wide connection while an analyst loads: no errors, no partial loads.

As in the app, the process holds ONE DuckDB connection; every reader thread takes ``con.cursor()`` for its
queries and the load runs on a cursor of its own. A load is one transaction, so a reader sees the warehouse
either before or after it, never in between (not after the big load has marked the rows it replaces but
before its rows are in, and never with part of its rows).
"""

from __future__ import annotations

import threading
import time
import traceback
from pathlib import Path

from pipelines import integrity, loader
from pipelines.warehouse import connect
from tests.bigfile import write_big_visitation

VIS = "Område;Periode;Ydelse;Visitationskategori;Antal personer\n"
READERS = 10
READ_SECONDS = 3.0
PAUSE = 0.05  # between one reader's rounds: ten users clicking, not ten tight loops starving the load

# One snapshot per query: facts, their sum (exact: tenths as integers), loads, and per-load counts agree.
SNAPSHOT = """
select (select count(*) from visitation),
       (select coalesce(sum(round(value * 10)::bigint), 0) from visitation),
       (select count(*) from loads),
       (select count(*) from fact_visitation where replaced_by is null)
"""


def _small(folder: Path, name: str, *rows: str) -> Path:
    path = folder / name
    path.write_text(VIS + "".join(rows), encoding="utf-8")
    return path


def test_ten_readers_while_an_analyst_loads(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    before_files = [
        # Aarhus 2007M01 persons is in the big extract's scope: the big load replaces this row.
        _small(tmp_path, "aarhus_2007.csv", "Aarhus;2007M01;Kontanthjælp;Jobparat;11\n"),
        _small(
            tmp_path,
            "landet_2024.csv",
            "Hele landet;2024M01;Kontanthjælp;Jobparat;1000\nHele landet;2024M01;Kontanthjælp;Aktivitetsparat;2000\n",
        ),
    ]
    big = tmp_path / "national.csv"
    big_rows = write_big_visitation(big, months=24) * 2  # two measure columns per row
    after_files = [
        _small(tmp_path, "region_2024.csv", "Region Hovedstaden;2024M01;Kontanthjælp;Jobparat;300\n"),
        _small(tmp_path, "landet_2024m02.csv", "Hele landet;2024M02;Kontanthjælp;Jobparat;1010\n"),
    ]

    con = connect(path)  # the one process-wide connection
    try:
        for f in before_files:
            loader.load(f, source="test", con=con)

        errors: list[str] = []
        seen: list[set[tuple]] = [set() for _ in range(READERS)]
        reads = [0] * READERS
        during_big = [0] * READERS
        big_window = {"start": float("inf"), "end": float("inf")}
        stop = threading.Event()
        go = threading.Barrier(READERS + 1)

        def reader(i: int) -> None:
            try:
                go.wait(timeout=30)
                while not stop.is_set():
                    cur = con.cursor()
                    try:
                        t0 = time.monotonic()
                        snapshot = cur.execute(SNAPSHOT).fetchall()[0]
                        cur.execute(
                            "select area, sum(value) from visitation where measure = 'persons' "
                            "group by area order by 2 desc limit 5"
                        ).fetchall()
                        t1 = time.monotonic()
                    finally:
                        cur.close()
                    seen[i].add(snapshot)
                    reads[i] += 1
                    if t0 >= big_window["start"] and t1 <= big_window["end"]:
                        during_big[i] += 1
                    time.sleep(PAUSE)  # a page render's worth of queries, then the next user
            except BaseException:  # noqa: BLE001 - every failure of a reader is a test failure
                errors.append(f"reader {i}:\n{traceback.format_exc()}")

        threads = [threading.Thread(target=reader, args=(i,), name=f"reader-{i}", daemon=True) for i in range(READERS)]
        for t in threads:
            t.start()

        writer = con.cursor()  # the analyst's load, on its own cursor
        states = {}
        started = time.monotonic()
        try:
            go.wait(timeout=30)
            states["before"] = writer.execute(SNAPSHOT).fetchall()[0]
            time.sleep(0.3)  # readers are in full swing
            big_window["start"] = time.monotonic()
            result = loader.load(big, source="test", con=writer)
            big_window["end"] = time.monotonic()
            assert result.rows == big_rows and result.replaced_rows == 1
            states["big"] = writer.execute(SNAPSHOT).fetchall()[0]
            for n, f in enumerate(after_files):
                loader.load(f, source="test", con=writer)
                states[f"small{n}"] = writer.execute(SNAPSHOT).fetchall()[0]
            # Read on for ~3 s in all, and long enough after the last load to see it.
            time.sleep(max(0.3, READ_SECONDS - (time.monotonic() - started)))
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
            writer.close()

        assert not any(t.is_alive() for t in threads), "a reader hung"
        assert errors == [], "\n".join(errors)  # no exceptions at all, lock errors included

        # Every state a reader saw is one of the committed states, never a partial load.
        committed = set(states.values())
        assert len(committed) == len(states), states  # each load changed what readers see
        before, after_big = states["before"], states["big"]
        assert after_big[0] == before[0] - 1 + big_rows  # one row replaced, every new row in
        seen_all = set().union(*seen)
        assert seen_all <= committed, {"partial": seen_all - committed, "committed": states}
        counts = sorted({s[0] for s in seen_all})  # the distinct row counts readers saw
        assert set(counts) <= {s[0] for s in committed}, counts
        assert before[0] - 1 not in counts  # the replaced row gone but the new rows not yet in
        # The readers really ran alongside the big load, and saw the warehouse before it and at the end.
        assert sum(reads) > READERS, reads
        assert sum(during_big) > 0, (reads, big_window)
        assert before in seen_all and states["small1"] in seen_all, (counts, states)

        loads = con.execute("select file_name, rows from loads order by load_id").fetchall()
        names = [f.name for f in before_files] + [big.name] + [f.name for f in after_files]
        assert [name for name, _ in loads] == names
        assert dict(loads)[big.name] == big_rows
        assert integrity.check(con) == []
    finally:
        con.close()
