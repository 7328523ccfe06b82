"""Saved jobindsats replies uploaded as extracts: the real Randers y30r21 file (API v2, one JSON object per line,
decimal commas), saved v3 replies of the mapped tables, and what a malformed one is told. Through the Data page and
the loader, into a real warehouse; the Benchmark page then shows the real figures."""

from __future__ import annotations

import json
from pathlib import Path

import fake_jobindsats as fj
import pytest
from streamlit.testing.v1 import AppTest
from tests.helpers import rejected

import queries
from pipelines import integrity, loader, uploads

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ("expected_ftp", "actual_ftp", "difference_ftp", "expected_pct", "actual_pct", "difference_pct", "rank")


def the_files_rows() -> set[tuple]:
    """Every row of the real file as the benchmark view should hold it: area, period, group, seven figures."""
    out = set()
    for line in fj.RANDERS.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        figures = list(r.values())[3:]
        out.add(
            (r["Area"], r["Periode"], r["Ydelsesgrupper"])
            + tuple(float(str(v).replace(",", ".")) for v in figures)  # "9,08" is 9.08; 43070 is 43070
        )
    return out


def benchmark_rows(con) -> set[tuple]:
    return set(con.execute(f"select area, period, benefit_group_label, {', '.join(FIGURES)} from benchmark").fetchall())


@pytest.mark.process
def test_the_real_randers_file_uploads_with_every_figure_and_koebenhavn_ranks_46(warehouse_copy):
    at = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=120).run()
    name = "Y30R21-api.csv"  # as the municipality's flow saved it: NDJSON under a .csv name
    at.file_uploader[0].upload(name, fj.RANDERS.read_bytes(), "text/csv").run()
    assert not at.exception and not at.error
    assert any(
        "Benchmark (forventet og faktisk forsørgelse), 2.352 linjer" in s.value and "98 områder" in s.value
        for s in at.success
    ), [s.value for s in at.success]
    next(b for b in at.button if b.label.replace("\\", "") == f"Indlæs {name}").click().run()
    assert not at.exception and not at.error
    cursor = queries.snapshot_reader().current().con.cursor()
    try:
        real = cursor.execute("select distinct period from benchmark where source = ?", [uploads.UPLOAD_SOURCE])
        periods = sorted(p for (p,) in real.fetchall())
        loaded = {r for r in benchmark_rows(cursor) if r[1] in periods}
        assert integrity.check(cursor) == []
    finally:
        cursor.close()
    expected = the_files_rows()
    assert periods == ["2020QMAT02", "2020QMAT04", "2021QMAT02", "2021QMAT04", "2022QMAT02", "2022QMAT04"]
    assert len(expected) == 2352 and loaded == expected  # every figure as the file has it; no demo row beside

    page = AppTest.from_file(str(ROOT / "pages" / "benchmark.py"), default_timeout=60)
    for key, value in {"kommune": "101", "fra": "2020M01", "til": "2022M06"}.items():
        page.query_params[key] = value
    page.run()
    assert not page.exception, [e.value for e in page.exception]
    cards = {" ".join(m.label.split()): m.value for m in page.metric}
    assert cards["Placering på benchmarkranglisten"] == "nr. 46 af 98"
    assert cards["Faktisk antal fuldtidspersoner"] == "37.660" and cards["Forventet antal fuldtidspersoner"] == "37.850"
    assert cards["Forskel i andel"].startswith("−0,04")  # a minus sign, as in the charts
    period = next(s for s in page.main.selectbox if s.label == "Periode")
    period.set_value("2022QMAT02").run()
    ranking = page.dataframe[-1].value
    assert ranking["Kommune"].to_list()[45] == "København" and ranking["Placering"].to_list()[45] == "46"


def test_the_real_file_through_the_cli_loader(con):
    result = loader.load(fj.RANDERS, source="test", con=con)
    assert (result.kind, result.rows) == ("benchmark", 2352)
    assert benchmark_rows(con) == the_files_rows()
    # "Forskel mellem forventet og faktisk …" is actual minus expected: København 2020QMAT02, 44.010 - 43.070.
    assert con.execute(
        "select difference_ftp from benchmark where area = 'København' and period = '2020QMAT02' "
        "and benefit_group = 'i_alt'"
    ).fetchall() == [(940.0,)]


def v3_reply() -> dict:
    """A saved v3 reply of y60a02 in the documented shape (labels: the mapping's; figures made up)."""
    return {
        "columns": [
            "Periode",
            "Område",
            "Visitationskategori",
            "Antal personer",
            "Antal fuldtidspersoner",
            "Fuldtidspersoner i pct. af arbejdsstyrken",
            "Fuldtidspersoner i pct. af befolkningen",
        ],
        "rows": [
            ["2026M10", "Aarhus", "Visitationskategori i alt", 9000, 8280.0, 4.3, 3.5],
            ["2026M10", "Aarhus", "Jobparat", 2600, 2392.0, 1.2, 1.0],
            ["2026M10", "Aarhus", "Uoplyst visitationskategori", None, None, None, None],
        ],
    }


def test_a_saved_v3_reply_of_a_mapped_table_loads_under_its_table_id(con, write_file):
    path = write_file("03-data-y60a02.json", json.dumps(v3_reply(), ensure_ascii=False))
    result = loader.load(path, source="test", con=con)
    assert result.kind == "visitation"
    rows = con.execute(
        "select benefit, category, measure, value, suppressed from visitation where category = 'jobparat' order by 3"
    ).fetchall()
    assert rows == [
        ("kontanthjaelp", "jobparat", "full_time_pct", 1.2, False),
        ("kontanthjaelp", "jobparat", "full_time_pct_population", 1.0, False),
        ("kontanthjaelp", "jobparat", "full_time_persons", 2392.0, False),
        ("kontanthjaelp", "jobparat", "persons", 2600.0, False),
    ]
    assert con.execute("select count(*) from visitation where suppressed").fetchall() == [(4,)]


def test_a_saved_v3_reply_without_its_table_says_how_to_name_it(con, write_file):
    problems = rejected(con, write_file("svar.json", json.dumps(v3_reply(), ensure_ascii=False)))
    assert any("mangler kolonnen 'Ydelse'" in p.message for p in problems)


def test_a_saved_v3_benchmark_reply_with_group_prefixed_labels_loads(con, write_file):
    reply = {
        "columns": [
            "Periode",
            "Område",
            "Ydelsesgrupper",
            *(f"{fj.Y30R21_COUNTS}: {m}" for m in ("Forventet antal", "Faktisk antal")),
        ]
        + [f"{fj.Y30R21_SHARES}: {m}" for m in ("Forventet andel (pct.)", "Faktisk andel (pct.)")]
        + ["Placering på benchmarkranglisten"],
        "rows": [["2022QMAT02", "København", "Ydelsesgrupper i alt", 37850, 37660, 7.77, 7.73, 46]],
    }
    loader.load(write_file("benchmark.json", json.dumps(reply, ensure_ascii=False)), source="test", con=con)
    assert con.execute("select expected_ftp, actual_pct, rank from benchmark").fetchall() == [(37850.0, 7.73, 46)]


@pytest.mark.parametrize(
    "lines, row, message",
    [
        (['{"Area": "Aarhus", "Periode": "2022QMAT02"}', '{"Area": "Aarhus"}'], 2, "mangler 'Periode'"),
        (['{"Area": "Aarhus"}', '{"Area": "Aarhus", "Rank": 1}'], 2, "har også 'Rank'"),
        (['{"Area": "Aarhus"}', '{"Area": "Aarhus"'], 2, "ugyldig JSON på linjen"),
        (['{"Area": "Aarhus"}', "", '{"Area": "Aarhus"}'], 2, "tom linje"),
        (['{"Area": "Aarhus"}', '["Aarhus"]'], 2, "forventede ét JSON-objekt"),
    ],
)
def test_a_malformed_line_of_saved_replies_is_named(con, write_file, lines, row, message):
    problems = rejected(con, write_file("svar.ndjson", "\n".join(lines) + "\n"))
    assert [(p.row, message in p.message) for p in problems] == [(row, True)], problems
