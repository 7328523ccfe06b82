"""An upload's review that is its load (``uploads.prepare``) and its confirmation by rename (``writer.swap_in``):
real warehouse files, a real published folder, the write session every writer takes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

from pipelines import config, integrity, loader, snapshots, uploads, writer
from pipelines.warehouse import connect
from tests.test_direct_load import AGGREGATE, FACTS, HEADER, JOBINDSATS_FORM, LINES

CASELOAD = (
    "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\nVejen;2030M01;{team};Sygedagpenge;100;2,0\n"
)


def published(warehouse: Path) -> snapshots.Snapshot:
    """Publish the master as it stands (as every write session does) and return the snapshot."""
    with writer.write_session():
        pass
    return snapshots.current(config.published_dir())


def table(path: Path, sql: str) -> list:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def review_alone(snapshot: snapshots.Snapshot, path: Path) -> uploads.Review:
    """The review that loads nothing, on the same snapshot."""
    opened = snapshots.open_snapshot(snapshot, config.APP_MEMORY_LIMIT)
    try:
        return uploads.review_file(opened.con, path, path.name, None, None)
    finally:
        opened.close()


def shown(review: uploads.Review) -> tuple:
    preview = review.preview.to_dicts() if review.preview is not None else None
    return (
        review.ok,
        review.kind,
        review.lines,
        review.figures,
        review.areas,
        review.periods,
        review.replaces,
        preview,
    )


def test_a_prepared_load_shows_the_review_and_lands_what_the_cli_lands(warehouse, tmp_path, write_file):
    first = write_file("y60a02.csv", JOBINDSATS_FORM)
    loader.load(first, source="test")  # an earlier load the upload partly replaces
    again = write_file("nyere.csv", "\ufeff" + HEADER + LINES[0].replace("1.234", "1.300") + "\n")
    cli_copy = tmp_path / "cli.duckdb"
    snapshot = published(warehouse)
    cli_copy.write_bytes(snapshot.path.read_bytes())  # the same starting point for the CLI

    prepared = writer.prepared_path("test1")
    review = uploads.prepare(snapshot.path, prepared, again, again.name, digest=loader.file_digest(again))
    assert review.prepared is not None and prepared.exists()
    # The same review as one that loads nothing: lines, areas, periods, what it replaces, the first lines.
    assert shown(review) == shown(review_alone(snapshot, again))
    # A load replaces what its lines' areas, periods and benefits hold (both lines of København 2024M01).
    assert review.replaces == ["perioden 2024M01 for København erstattes: 4 rækker"]
    assert table(warehouse, FACTS) == table(snapshot.path, FACTS)  # the master is untouched until confirmed

    before_confirm = time.time()
    assert writer.swap_in(
        prepared, review.prepared.base, lambda con: uploads.stamp(con, review.prepared.result.load_id, "AB")
    )
    assert not prepared.exists()

    con = connect(cli_copy)
    try:
        loader.load(again, source=uploads.UPLOAD_SOURCE, con=con)
        cli_facts, cli_agg = con.execute(FACTS).fetchall(), con.execute(AGGREGATE).fetchall()
    finally:
        con.close()
    assert table(warehouse, FACTS) == cli_facts and table(warehouse, AGGREGATE) == cli_agg
    con = connect(warehouse)
    try:
        assert integrity.check(con) == []
        logged = con.execute(
            "select file_name, loaded_by, loaded_at, source, rows, replaced_rows from load_log where load_id = ?",
            [review.prepared.result.load_id],
        ).fetchall()[0]
    finally:
        con.close()
    assert logged[:2] == ("nyere.csv", "AB") and logged[3:] == (uploads.UPLOAD_SOURCE, 2, 4)
    assert logged[2].timestamp() >= before_confirm - 1  # stamped when confirmed, not when reviewed
    newest = snapshots.current(config.published_dir())  # and published
    assert newest.name != snapshot.name and table(newest.path, FACTS) == cli_facts


def test_a_prepared_load_is_not_swapped_in_once_the_master_moved_on(warehouse, write_file):
    snapshot = published(warehouse)
    upload = write_file("sagstal.csv", CASELOAD.format(team="Team A"))
    prepared = writer.prepared_path("test2")
    review = uploads.prepare(snapshot.path, prepared, upload, upload.name)
    other = CASELOAD.format(team="Team B").replace("2030M01", "2030M02")
    loader.load(write_file("andet.csv", other), source="test")  # another writer, meanwhile
    master_before = table(warehouse, "select file_name from load_log order by load_id")

    assert not writer.swap_in(
        prepared, review.prepared.base, lambda con: uploads.stamp(con, review.prepared.result.load_id, "AB")
    )
    assert table(warehouse, "select file_name from load_log order by load_id") == master_before == [("andet.csv",)]
    # Its caller then loads the file the usual way: both loads stand.
    loader.load(upload, source=uploads.UPLOAD_SOURCE)
    teams = table(warehouse, "select team from fact_caseload where replaced_by is null order by 1")
    assert teams == [("Team A",), ("Team B",)]


def test_a_rejected_file_is_reviewed_as_before_and_leaves_no_copy(warehouse, write_file):
    snapshot = published(warehouse)
    bad = write_file("forkert.csv", CASELOAD.format(team="Team A").replace(";100;", ";-4;"))
    prepared = writer.prepared_path("test3")
    review = uploads.prepare(snapshot.path, prepared, bad, bad.name)
    assert not review.ok and review.prepared is None and not prepared.exists()
    alone = review_alone(snapshot, bad)
    assert [(p.row, p.column, p.value, p.message) for p in review.problems] == [
        (p.row, p.column, p.value, p.message) for p in alone.problems
    ]


def test_a_file_loaded_already_is_left_to_the_usual_review(warehouse, write_file):
    upload = write_file("sagstal.csv", CASELOAD.format(team="Team A"))
    loader.load(upload, source="test")
    snapshot = published(warehouse)
    prepared = writer.prepared_path("test4")
    assert uploads.prepare(snapshot.path, prepared, upload, upload.name) is None and not prepared.exists()
    assert review_alone(snapshot, upload).ok  # the usual review, whose load then says it was loaded already


def test_the_next_writer_removes_prepared_copies_nobody_confirmed(warehouse):
    stale, fresh = writer.prepared_path("old"), writer.prepared_path("new")
    killed = writer.prepared_path("killed-in-swap.claimed")
    stale_wal, stale_spill = writer.prepared_path("old.wal"), writer.prepared_path("old.tmp")
    for path in (stale, fresh, killed, stale_wal):
        path.write_bytes(b"x")
    stale_spill.mkdir()
    (stale_spill / "duckdb_temp_storage-0.tmp").write_bytes(b"x")  # a killed worker's spill folder
    long_ago = time.time() - (writer.PREPARED_HOURS + 1) * 3600
    for path in (stale, stale_wal, stale_spill):
        os.utime(path, (long_ago, long_ago))
    with writer.write_session():
        pass
    assert not stale.exists() and not killed.exists() and not stale_wal.exists() and not stale_spill.exists()
    assert fresh.exists()  # a review of the last hours may still be confirmed


def test_a_copy_that_is_gone_or_not_as_expected_is_never_swapped_in(warehouse, write_file):
    """A prepared copy removed meanwhile (its upload pushed out of the spool): no empty database takes its place,
    and the master stays. A copy without the load it should hold is not used either, and is removed."""
    snapshot = published(warehouse)
    upload = write_file("sagstal.csv", CASELOAD.format(team="Team A"))
    loads = "select file_name from load_log order by load_id"

    gone = writer.prepared_path("gone")
    review = uploads.prepare(snapshot.path, gone, upload, upload.name)
    gone.unlink()
    assert not writer.swap_in(
        gone, review.prepared.base, lambda con: uploads.stamp(con, review.prepared.result.load_id, "AB")
    )
    assert not gone.exists() and not list(warehouse.parent.glob("*.claimed")) and table(warehouse, loads) == []

    odd = writer.prepared_path("odd")
    review = uploads.prepare(snapshot.path, odd, upload, upload.name)
    assert not writer.swap_in(odd, review.prepared.base, lambda con: uploads.stamp(con, 4711, "AB"))  # no such load
    assert not odd.exists() and not list(warehouse.parent.glob("*.claimed")) and table(warehouse, loads) == []


def test_a_prepared_copy_goes_with_its_upload_and_a_newer_review_replaces_it(tmp_path):
    ticket = uploads.SPOOL.issue_ticket()
    received = uploads.SPOOL.put(ticket, "sagstal.csv", CASELOAD.format(team="Team A").encode(), "upload-prepared")
    older, newer = tmp_path / "older.prepared", tmp_path / "newer.prepared"
    for path in (older, newer):
        path.write_bytes(b"x")
    uploads.SPOOL.attach(received.file_id, older)
    uploads.SPOOL.attach(received.file_id, newer)  # a review on a newer snapshot: the older copy is of no use
    assert not older.exists() and newer.exists()
    uploads.SPOOL.discard(received.file_id)  # loaded, or pushed out by newer uploads
    assert not newer.exists()
