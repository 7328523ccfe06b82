"""Replace-by-period, idempotent reloads, undo, provenance and the integrity check."""

from __future__ import annotations

import hashlib

from pipelines import integrity, loader

VIS = "Område;Periode;Ydelse;Visitationskategori;Antal personer\n"


def series(con, area="Aarhus"):
    return con.execute(
        "select period, value, load_id from visitation where area = ? and category = 'jobparat' order by period", [area]
    ).fetchall()


def rows(*lines):
    return VIS + "".join(f"{area};{period};Kontanthjælp;Jobparat;{value}\n" for area, period, value in lines)


def test_reload_replaces_only_the_periods_it_covers(con, write_file):
    first = loader.load(
        write_file(
            "a.csv",
            rows(
                ("Aarhus", "2024M01", 10),
                ("Aarhus", "2024M02", 20),
                ("Aarhus", "2024M03", 30),
                ("Randers", "2024M03", 5),
            ),
        ),
        source="test",
        con=con,
    )
    second = loader.load(
        write_file("b.csv", rows(("Aarhus", "2024M03", 33), ("Aarhus", "2024M04", 40))), source="test", con=con
    )
    assert second.replaced_rows == 1
    a, b = first.load_id, second.load_id
    assert series(con) == [("2024M01", 10.0, a), ("2024M02", 20.0, a), ("2024M03", 33.0, b), ("2024M04", 40.0, b)]
    assert series(con, "Randers") == [("2024M03", 5.0, a)]  # another area's same period is untouched
    assert integrity.check(con) == []


def test_a_reload_replaces_only_the_measures_it_carries(con, write_file):
    """Persons fetched again on their own replace the earlier persons; the full-time persons stay, and
    undoing the later load brings the earlier persons back."""
    both = (
        "Område;Periode;Ydelse;Visitationskategori;Antal personer;Fuldtidspersoner\n"
        "Aarhus;2024M01;Kontanthjælp;Jobparat;10;8,5\n"
        "Aarhus;2024M02;Kontanthjælp;Jobparat;..;7,5\n"
    )
    first = loader.load(write_file("both.csv", both), source="test", con=con)
    second = loader.load(
        write_file("persons.csv", rows(("Aarhus", "2024M01", 11), ("Aarhus", "2024M02", 12))), source="test", con=con
    )
    assert (first.rows, second.rows, second.replaced_rows) == (4, 2, 2)
    a, b = first.load_id, second.load_id

    def current():
        return con.execute(
            "select period, measure, value, suppressed, load_id from visitation "
            "where area = 'Aarhus' order by period, measure"
        ).fetchall()

    assert current() == [
        ("2024M01", "full_time_persons", 8.5, False, a),
        ("2024M01", "persons", 11.0, False, b),
        ("2024M02", "full_time_persons", 7.5, False, a),
        ("2024M02", "persons", 12.0, False, b),
    ]
    assert integrity.check(con) == []
    assert loader.undo(con, b) == 2
    assert current() == [
        ("2024M01", "full_time_persons", 8.5, False, a),
        ("2024M01", "persons", 10.0, False, a),
        ("2024M02", "full_time_persons", 7.5, False, a),
        ("2024M02", "persons", None, True, a),
    ]
    assert integrity.check(con) == []


def test_identical_file_twice_changes_nothing(con, write_file):
    path = write_file("a.csv", rows(("Aarhus", "2024M01", 10)))
    first = loader.load(path, source="test", con=con)
    again = loader.load(path, source="test", con=con)
    assert again.skipped_identical and again.load_id == first.load_id
    assert con.execute("select count(*) from loads").fetchall() == [(1,)]
    assert series(con) == [("2024M01", 10.0, first.load_id)]


def test_undo_brings_back_what_the_load_replaced(con, write_file):
    a = loader.load(
        write_file("a.csv", rows(("Aarhus", "2024M01", 10), ("Aarhus", "2024M02", 20))), source="test", con=con
    ).load_id
    b = loader.load(
        write_file("b.csv", rows(("Aarhus", "2024M02", 22), ("Aarhus", "2024M03", 30))), source="test", con=con
    ).load_id
    removed = loader.undo(con, b)
    assert removed == 2
    assert series(con) == [("2024M01", 10.0, a), ("2024M02", 20.0, a)]
    assert [r[0] for r in con.execute("select load_id from loads").fetchall()] == [a]
    assert integrity.check(con) == []
    loader.undo(con, a)
    assert series(con) == []
    assert integrity.check(con) == []


def test_undo_in_the_middle_of_a_chain(con, write_file):
    a = loader.load(write_file("a.csv", rows(("Aarhus", "2024M01", 10))), source="test", con=con).load_id
    b = loader.load(write_file("b.csv", rows(("Aarhus", "2024M01", 11))), source="test", con=con).load_id
    c = loader.load(write_file("c.csv", rows(("Aarhus", "2024M01", 12))), source="test", con=con).load_id
    loader.undo(con, b)
    assert series(con) == [("2024M01", 12.0, c)]  # the newest stays current
    loader.undo(con, c)
    assert series(con) == [("2024M01", 10.0, a)]  # and the oldest comes back after it
    assert integrity.check(con) == []


def test_provenance_is_recorded(con, write_file):
    path = write_file("prov.csv", rows(("Aarhus", "2024M01", 10), ("Randers", "2024M02", 3)))
    result = loader.load(
        path, source="jobindsats API", loaded_by="analytiker@kommune.dk", table_id="y60a02", query="area=*", con=con
    )
    row = con.execute(
        "select file_name, kind, rows, loaded_by, source, table_id, query, areas, period_from, "
        "period_to, file_digest from loads where load_id = ?",
        [result.load_id],
    ).fetchall()
    # What `sha512sum prov.csv` prints, with the algorithm in front.
    digest = "sha512:" + hashlib.sha512(path.read_bytes()).hexdigest()
    assert row == [
        (
            "prov.csv",
            "visitation",
            2,
            "analytiker@kommune.dk",
            "jobindsats API",
            "y60a02",
            "area=*",
            2,
            "2024M01",
            "2024M02",
            digest,
        )
    ]


def test_undo_of_unknown_load(con):
    import pytest

    with pytest.raises(loader.LoadNotFound):
        loader.undo(con, 999)


def test_a_load_log_with_bare_sha256_digests_is_upgraded(warehouse, write_file):
    """Warehouses from before SHA-512 keep their loads; their digests say which algorithm made them."""
    from pipelines.warehouse import connect

    path = write_file("old.csv", rows(("Aarhus", "2024M01", 10)))
    con = connect(warehouse)
    result = loader.load(path, source="test", con=con)
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    con.execute("alter table load_log rename column file_digest to sha256")
    con.execute("update load_log set sha256 = ?", [sha256])
    con.execute("update meta set value = 'an older version' where key = 'reference_version'")
    con.close()
    con = connect(warehouse)
    try:
        assert con.execute("select load_id, file_digest from loads").fetchall() == [
            (result.load_id, f"sha256:{sha256}")
        ]
        assert series(con) == [("2024M01", 10.0, result.load_id)]
        assert integrity.check(con) == []
    finally:
        con.close()


def test_every_measure_is_stored_and_read_back(con, write_file):
    """Each measure has its own column and bit in visitation_lines (pipelines/visitation_lines.py and
    schema.sql's fact_visitation view must agree on them)."""
    long_form = (
        "Område;Periode;Ydelse;Visitationskategori;Måling;Værdi\n"
        "Aarhus;2024M01;Kontanthjælp;Jobparat;Antal personer;10\n"
        "Aarhus;2024M01;Kontanthjælp;Jobparat;Fuldtidspersoner;8,5\n"
        "Aarhus;2024M01;Kontanthjælp;Jobparat;Fuldtidspersoner i pct. af arbejdsstyrken;0,4\n"
        "Aarhus;2024M01;Kontanthjælp;Jobparat;Andel af modtagerne (pct.);..\n"
    )
    result = loader.load(write_file("long.csv", long_form), source="test", con=con)
    assert result.rows == 4
    assert con.execute("select measure, value, suppressed from visitation order by measure").fetchall() == [
        ("full_time_pct", 0.4, False),
        ("full_time_persons", 8.5, False),
        ("persons", 10.0, False),
        ("share_pct", None, True),
    ]
    assert con.execute("select count(*), any_value(measures) from visitation_lines").fetchall() == [(1, 15)]
    assert integrity.check(con) == []
