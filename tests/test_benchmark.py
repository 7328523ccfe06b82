"""The benchmark kind (jobindsats y30r21): detection, loading into a real warehouse, the analyst view, rules,
replace and undo, the queries behind the Benchmark page, and the demo's benchmark."""

from __future__ import annotations

import duckdb
import pytest
from tests.helpers import rejected

from pipelines import integrity, loader
from pipelines.headers import detect_kind
from pipelines.kinds import BENCHMARK
from queries import QUERY_DIR

HEADER = (
    "Område;Periode;Ydelsesgruppe;Forventet antal fuldtidspersoner;Faktisk antal fuldtidspersoner;"
    "Forventet andel (pct.);Faktisk andel (pct.);Forskel (fuldtidspersoner);Placering på benchmarkranglisten\n"
)
# As the jobindsats portal writes it: ';', decimal comma, thousands dots, '..' for a suppressed cell.
Y30R21 = HEADER + (
    "Hjørring;2024QMAT02;Ydelsesgrupper i alt;7.123,4;6.987,1;17,2;16,9;-136,3;12\n"
    "Hjørring;2024QMAT02;Kontanthjælp mv.;1.234,5;..;3,0;..;..;..\n"
    "Hjørring;2024QMAT02;Førtidspension;2.001,0;2.100,5;4,8;5,1;99,5;80\n"
    "Aarhus;2024QMAT02;Ydelsesgrupper i alt;35.432,1;35.000,0;15,25;15,06;;20\n"
    "Hjørring;2024QMAT01;Ydelsesgrupper i alt;7.100,0;7.000,0;17,1;16,9;-100,0;15\n"
)
VIEW = (
    "select area, area_code, period, start_date::varchar, end_date::varchar, benefit_group, benefit_group_label, "
    "expected_ftp, actual_ftp, difference_ftp, difference_pct, expected_pct, actual_pct, rank, suppressed, source "
    "from benchmark order by area, period, benefit_group"
)


def sql(name: str) -> str:
    return (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "headers",
    [
        HEADER.strip().split(";"),
        ["area", "period", "_ygrp_y30r21", "expected_ftp", "actual_ftp", "expected_pct", "actual_pct"],  # a fetch's
        # The real labels (../shared/jobindsats/README.md): a group's name before each of its measures.
        [
            "Area",
            "Periode",
            "Ydelsesgrupper",
            "Forventet og faktisk antal fuldtidspersoner på offentlig forsørgelse: Forventet antal",
            "Forventet og faktisk antal fuldtidspersoner på offentlig forsørgelse: Faktisk antal",
            "Forventet og faktisk andel fuldtidspersoner på offentlig forsørgelse: Forventet andel (pct.)",
            "Placering på benchmarkranglisten",
        ],
        ["Kommune", "Periode", "Ydelsesgrupper", "Forventet", "Faktisk"],
    ],
)
def test_detected_from_its_columns(headers):
    assert detect_kind(headers) is BENCHMARK


def test_activation_with_a_benefit_group_column_is_still_activation():
    assert detect_kind(["Område", "Periode", "Ydelsesgruppe", "Antal personer", "Aktiverede"]).name == "activation"
    assert detect_kind(["Område", "Periode", "Ydelsesgruppe", "Aktiveringsgrad"]).name == "activation"


def test_y30r21_csv_loads_into_the_benchmark_view(con, write_file):
    result = loader.load(write_file("y30r21.csv", "\ufeff" + Y30R21), source="jobindsats y30r21", con=con)
    assert (result.kind, result.rows, result.replaced_rows) == ("benchmark", 5, 0)
    assert any("diskretionerede" in w.message for w in result.warnings)
    rows = con.execute(VIEW).fetchall()
    assert [r[:7] for r in rows] == [
        ("Aarhus", "751", "2024QMAT02", "2023-07-01", "2024-06-30", "i_alt", "Ydelsesgrupper i alt"),
        ("Hjørring", "860", "2024QMAT01", "2023-04-01", "2024-03-31", "i_alt", "Ydelsesgrupper i alt"),
        ("Hjørring", "860", "2024QMAT02", "2023-07-01", "2024-06-30", "foertidspension", "Førtidspension"),
        ("Hjørring", "860", "2024QMAT02", "2023-07-01", "2024-06-30", "i_alt", "Ydelsesgrupper i alt"),
        ("Hjørring", "860", "2024QMAT02", "2023-07-01", "2024-06-30", "kontanthjaelp", "Kontanthjælp mv."),
    ]
    values = {(r[0], r[2], r[5]): r[7:] for r in rows}
    # expected_ftp, actual_ftp, difference_ftp, difference_pct, expected_pct, actual_pct, rank, suppressed, source
    total = values[("Hjørring", "2024QMAT02", "i_alt")]
    assert total[:3] == (7123.4, 6987.1, -136.3) and total[3] == pytest.approx(-0.3)
    assert total[4:] == (17.2, 16.9, 12, False, "jobindsats y30r21")
    assert values[("Hjørring", "2024QMAT02", "foertidspension")][:3] == (2001.0, 2100.5, 99.5)
    # An empty difference is computed from actual and expected.
    aarhus = values[("Aarhus", "2024QMAT02", "i_alt")]
    assert aarhus[2] == pytest.approx(35000.0 - 35432.1) and aarhus[3] == pytest.approx(15.06 - 15.25)
    assert aarhus[4:7] == (15.25, 15.06, 20)
    assert con.execute("select typeof(rank) from benchmark limit 1").fetchall() == [("BIGINT",)]
    assert integrity.check(con) == []


def test_a_suppressed_cell_stays_null(con, write_file):
    loader.load(write_file("y30r21.csv", Y30R21), source="test", con=con)
    row = con.execute(
        "select expected_ftp, actual_ftp, difference_ftp, difference_pct, expected_pct, actual_pct, "
        "rank, suppressed from benchmark where benefit_group = 'kontanthjaelp'"
    ).fetchall()
    assert row == [(1234.5, None, None, None, 3.0, None, None, True)]


@pytest.mark.parametrize(
    "rank,message", [("2,5", "helt antal"), ("0", "1 (bedst) eller derover"), ("-3", "negativt tal")]
)
def test_a_rank_must_be_a_whole_number_from_one(con, write_file, rank, message):
    path = write_file(
        "bad_rank.csv", HEADER + f"Hjørring;2024QMAT02;Ydelsesgrupper i alt;7.123,4;6.987,1;17,2;16,9;-136,3;{rank}\n"
    )
    problems = rejected(con, path)
    column = "Placering på benchmarkranglisten"
    assert any(message in p.message and p.value == rank and p.row == 2 and p.column == column for p in problems), (
        problems
    )


def test_unknown_benefit_group_and_share_over_100_are_rejected(con, write_file):
    path = write_file(
        "bad.csv",
        HEADER + "Hjørring;2024QMAT02;Pension i alt;7.123,4;6.987,1;17,2;16,9;;12\n"
        "Hjørring;2024QMAT03;Førtidspension;7.123,4;6.987,1;117,2;16,9;;12\n",
    )
    messages = {(p.row, p.column): p.message for p in rejected(con, path)}
    assert "ukendt værdi for 'Ydelsesgruppe'" in messages[(2, "Ydelsesgruppe")]
    assert "Ydelsesgrupper i alt" in messages[(2, "Ydelsesgruppe")]
    assert "andel uden for 0-100" in messages[(3, "Forventet andel (pct.)")]


def test_reload_replaces_a_period_and_undo_restores_it(con, write_file):
    first = loader.load(write_file("a.csv", Y30R21), source="test", con=con)
    revised = HEADER + "Hjørring;2024QMAT02;Ydelsesgrupper i alt;7.200,0;6.950,0;17,4;16,8;-250,0;9\n"
    second = loader.load(write_file("b.csv", revised), source="test", con=con)
    # The scope is area and period: all three Hjørring 2024QMAT02 rows give way, other periods and areas stay.
    assert second.replaced_rows == 3

    def current():
        return con.execute(
            "select area, period, benefit_group, actual_ftp, rank, load_id from benchmark "
            "order by area, period, benefit_group"
        ).fetchall()

    a, b = first.load_id, second.load_id
    assert current() == [
        ("Aarhus", "2024QMAT02", "i_alt", 35000.0, 20, a),
        ("Hjørring", "2024QMAT01", "i_alt", 7000.0, 15, a),
        ("Hjørring", "2024QMAT02", "i_alt", 6950.0, 9, b),
    ]
    assert integrity.check(con) == []
    assert loader.undo(con, b) == 1
    assert current() == [
        ("Aarhus", "2024QMAT02", "i_alt", 35000.0, 20, a),
        ("Hjørring", "2024QMAT01", "i_alt", 7000.0, 15, a),
        ("Hjørring", "2024QMAT02", "foertidspension", 2100.5, 80, a),
        ("Hjørring", "2024QMAT02", "i_alt", 6987.1, 12, a),
        ("Hjørring", "2024QMAT02", "kontanthjaelp", None, None, a),
    ]
    assert integrity.check(con) == []
    again = loader.load(write_file("a.csv", Y30R21), source="test", con=con)
    assert again.skipped_identical and again.load_id == a


def test_coverage_counts_the_benchmark(con, write_file):
    loader.load(write_file("a.csv", Y30R21), source="test", con=con)
    rows = con.sql(sql("coverage"), params={"area": "860"}).fetchall()
    assert ("benchmark", "Hjørring", 2023, 4) in rows


# --- the demo and the page's queries ---------------------------------------------------------------


@pytest.fixture(scope="module")
def built(built_warehouse):
    connection = duckdb.connect(str(built_warehouse), read_only=True)
    yield connection
    connection.close()


def test_demo_has_benchmark_for_all_98_municipalities(built):
    counts = built.execute(
        "select count(distinct b.area_code), count(distinct b.period), count(distinct b.benefit_group), "
        "min(b.rank), max(b.rank), bool_and(b.source = 'syntetisk demo'), max(b.period) "
        "from benchmark b join areas a using (area_code) where a.area_type = 'kommune'"
    ).fetchall()
    assert counts == [(98, 12, 7, 1, 98, True, "2026QMAT03")]
    assert built.execute("select count(*) from areas where area_type = 'kommune'").fetchall() == [(98,)]
    # Every period and group ranks the 98 exactly once.
    assert built.execute(
        "select count(*) from (select period, benefit_group from benchmark "
        "group by all having count(distinct rank) <> 98 or count(*) <> 98)"
    ).fetchall() == [(0,)]


def test_series_query(built):
    rows = built.sql(
        sql("benchmark_series"), params={"area": "860", "group": "i_alt", "from": "2012M01", "to": "2026M09"}
    ).pl()
    assert rows.height == 12 and rows["period"][-1] == "2026QMAT03"
    assert rows["period_label"][-1] == "år til 3. kvt. 2026"
    assert (rows["ranked"] == 98).all()
    assert ((rows["difference_ftp"] - (rows["actual_ftp"] - rows["expected_ftp"])).abs() < 1e-6).all()
    # Only the rolling years ending within the chosen months.
    short = built.sql(
        sql("benchmark_series"), params={"area": "860", "group": "i_alt", "from": "2025M01", "to": "2026M08"}
    ).pl()
    assert short["period"].to_list() == [
        "2025QMAT01",
        "2025QMAT02",
        "2025QMAT03",
        "2025QMAT04",
        "2026QMAT01",
        "2026QMAT02",
    ]


def test_ranking_query(built):
    ranking = built.sql(sql("benchmark_ranking"), params={"period": "2026QMAT03", "group": "i_alt"}).pl()
    assert ranking.height == 98 and ranking["rank"].to_list() == list(range(1, 99))
    assert (ranking["difference_pct"].diff().drop_nulls() >= -1e-9).all()  # 1 = furthest below expected


def test_similar_query(built):
    similar = built.sql(
        sql("benchmark_similar"), params={"area": "860", "group": "i_alt", "period": "2026QMAT03", "n": 5}
    ).pl()
    assert similar.height == 6 and similar["area_code"][0] == "860"
    assert similar["is_chosen"].to_list() == [True] + [False] * 5
    assert set(similar["period"]) == {"2026QMAT03"}
    chosen = similar["expected_pct"][0]
    others = built.execute(
        "select abs(expected_pct - ?) as d from benchmark where benefit_group = 'i_alt' and "
        "period = '2026QMAT03' and area_code <> '860' order by d limit 5",
        [chosen],
    ).fetchall()
    assert similar["distance"][1:].to_list() == pytest.approx([d for (d,) in others])
