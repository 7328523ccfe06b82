"""A pending load (an upload's review, ``loader.load(pending=True)``), confirmed (``loader.confirm``) or abandoned
(``loader.undo``): real warehouse files, the write session every writer takes."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from pipelines import integrity, loader, uploads
from pipelines.review import Review
from pipelines.warehouse import connect
from tests.helpers import state
from tests.test_direct_load import AGGREGATE, FACTS, HEADER, JOBINDSATS_FORM, LINES

CASELOAD = (
    "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\nVejen;2030M01;{team};Sygedagpenge;100;2,0\n"
)
SEEN = (
    "select (select count(*) from visitation), (select count(*) from caseloads), (select count(*) from loads), "
    "(select count(*) from agg_visitation)"
)


def table(path: Path, sql: str) -> list:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_pending_load_is_seen_nowhere_then_confirmed_lands_what_the_cli_lands(warehouse, tmp_path, write_file):
    first = write_file("y60a02.csv", JOBINDSATS_FORM)
    loader.load(first, source="test")  # an earlier load the upload partly replaces
    again = write_file("nyere.csv", "\ufeff" + HEADER + LINES[0].replace("1.234", "1.300") + "\n")
    cli_copy = tmp_path / "cli.duckdb"
    cli_copy.write_bytes(warehouse.read_bytes())  # the same starting point for the CLI
    seen_before, facts_before = table(warehouse, SEEN), table(warehouse, FACTS)

    con = connect(warehouse)
    try:
        held = loader.load(again, source=uploads.UPLOAD_SOURCE, con=con, pending=True, loaded_by="AB")
        # Nothing reads it: no view, no aggregate, no load in the list; and check finds nothing wrong.
        assert con.execute(SEEN).fetchall() == seen_before and con.execute(FACTS).fetchall() == facts_before
        assert integrity.check(con) == []
        shown = Review.from_json(con.execute("select review from pending_loads").fetchall()[0][0])
        assert shown.load_id == held.load_id and shown.ok and shown.lines == 1 and shown.figures == 2
        assert shown.replaces == ["perioden 2024M01 for København erstattes: 4 rækker"]
        assert shown.preview is not None and shown.preview.height == 1
        time.sleep(0.01)
        before_confirm = time.time()
        confirmed = loader.confirm(con, held.load_id, "CD")
        assert (confirmed.load_id, confirmed.rows, confirmed.replaced_rows) == (held.load_id, 2, 4)
        assert integrity.check(con) == [] and con.execute("select count(*) from pending_loads").fetchall() == [(0,)]
        logged = con.execute(
            "select file_name, loaded_by, loaded_at, source from load_log where load_id = ?", [held.load_id]
        ).fetchall()[0]
    finally:
        con.close()
    assert logged[:2] == ("nyere.csv", "CD") and logged[3] == uploads.UPLOAD_SOURCE
    assert logged[2].timestamp() >= before_confirm - 1  # logged when confirmed, by whoever confirmed it

    con = connect(cli_copy)
    try:
        loader.load(again, source=uploads.UPLOAD_SOURCE, con=con)
        cli_facts, cli_agg = con.execute(FACTS).fetchall(), con.execute(AGGREGATE).fetchall()
    finally:
        con.close()
    assert table(warehouse, FACTS) == cli_facts and table(warehouse, AGGREGATE) == cli_agg


def test_a_pending_load_confirmed_after_another_load_replaces_what_is_current_then(warehouse, write_file):
    """The master moved on between review and confirmation: the confirmation replaces what is current when it
    is made, as a load made then would."""
    con = connect(warehouse)
    try:
        held = loader.load(
            write_file("a.csv", CASELOAD.format(team="Team A")), source=uploads.UPLOAD_SOURCE, con=con, pending=True
        )
        other_month = CASELOAD.format(team="Team B").replace("2030M01", "2030M02")
        loader.load(write_file("b.csv", other_month), source="test", con=con)  # meanwhile
        loader.load(write_file("c.csv", CASELOAD.format(team="Team A").replace(";100;", ";90;")), source="t", con=con)
        assert loader.confirm(con, held.load_id, "AB").replaced_rows == 1  # c.csv's Team A
        current = con.execute("select team, cases from caseloads order by team").fetchall()
        assert current == [("Team A", 100), ("Team B", 100)] and integrity.check(con) == []
        loader.undo(con, held.load_id)  # and an undo brings c.csv back
        assert con.execute("select team, cases from caseloads order by team").fetchall() == [
            ("Team A", 90),
            ("Team B", 100),
        ]
    finally:
        con.close()


def test_an_abandoned_pending_load_leaves_the_warehouse_as_it_was(warehouse, write_file):
    con = connect(warehouse)
    try:
        loader.load(write_file("gammel.csv", CASELOAD.format(team="Team A")), source="test", con=con)
        before = state(con)
        for text in (CASELOAD.format(team="Team A").replace(";100;", ";80;"), JOBINDSATS_FORM):
            held = loader.load(write_file("ny.csv", text), source=uploads.UPLOAD_SOURCE, con=con, pending=True)
            assert loader.undo(con, held.load_id) == held.rows
        assert state(con) == before and integrity.check(con) == []
        assert con.execute("select count(*) from pending_loads").fetchall() == [(0,)]
    finally:
        con.close()


def test_a_file_loaded_meanwhile_is_not_loaded_twice_on_confirmation(warehouse, write_file):
    upload = write_file("sagstal.csv", CASELOAD.format(team="Team A"))
    con = connect(warehouse)
    try:
        held = loader.load(upload, source=uploads.UPLOAD_SOURCE, con=con, pending=True)
        done = loader.load(upload, source="test", con=con)  # the CLI loads the same file
        again = loader.confirm(con, held.load_id, "AB")
        assert again.skipped_identical and again.load_id == done.load_id
        assert con.execute("select count(*) from fact_caseload").fetchall() == [(1,)] and integrity.check(con) == []
    finally:
        con.close()


def test_pending_loads_nobody_confirmed_give_their_disk_back(warehouse, write_file):
    con = connect(warehouse)
    try:
        old = loader.load(write_file("a.csv", JOBINDSATS_FORM), source=uploads.UPLOAD_SOURCE, con=con, pending=True)
        new = loader.load(
            write_file("b.csv", CASELOAD.format(team="Team A")), source=uploads.UPLOAD_SOURCE, con=con, pending=True
        )
        con.execute(
            "update pending_loads set reviewed_at = reviewed_at - interval 25 hours where load_id = ?", [old.load_id]
        )
        assert loader.abandon_stale(con) == [old.load_id]
        assert con.execute("select count(*) from visitation_lines").fetchall() == [(0,)]
        assert con.execute("select load_id from pending_loads").fetchall() == [(new.load_id,)]
    finally:
        con.close()
