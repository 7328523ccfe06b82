"""The jobindsats API's write side against the fake v3 server: refresh runs from the catalogue, the freshness line
every page shows, the CLI (tables, table, fetch, refresh, probe). The client and a fetch's loading are in
test_jobindsats.py; no test reaches the internet (``offline``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta

import fake_jobindsats as fj
import pytest
from tests.helpers import state

from presentation.formatting import fmt_date
from tests.jobindsats_helpers import KEY, ROOT, client_for, loaded_benchmark, randers

from pipelines import config, integrity, loader, refresh
from pipelines.jobindsats import mapping, probe
from presentation import freshness
from queries import QUERY_DIR

# Every test runs offline: a client built without base_url reaches no real server, and no real key leaks in.
pytestmark = pytest.mark.usefixtures("offline")


# --- refresh ----------------------------------------------------------------------------------------------------


def test_refresh_fetches_what_is_missing_then_nothing_then_a_new_period_with_revisions(con, api):
    first = refresh.refresh(con, client_for(api), initial=2)
    assert {r.table_id: r.status for r in first} == {t: "fetched" for t in mapping()}
    assert next(r for r in first if r.table_id == "y60a02").periods == ["2026M09", "2026M10"]
    runs = con.execute("select table_id, update_next, period_last from refresh_runs where run_id = 1").fetchall()
    assert ("y30r21", date.today() + timedelta(days=10), "2022QMAT04") in runs and len(runs) == 5
    assert loaded_benchmark(con) == randers(periods={"2022QMAT02", "2022QMAT04"})

    requests = len(api.server.log)
    second = refresh.refresh(con, client_for(api))
    assert {r.status for r in second} == {"current"}
    # The catalogue says so: a second refresh asks for nothing but the catalogue.
    assert [req.path for req, _ in api.server.log[requests:]] == ["/v3/tables"]

    # A new month is published and an old one revised: the revision window fetches both.
    table = api.tables["y60a02"]
    table.periods.append("2026M11")
    aarhus = table.area_id("Aarhus")
    table.overrides[(aarhus, "2026M10", "/1/")] = [2800, 2576.0, 1.3, 1.0]  # revised down: parts stay below the total
    third = refresh.refresh(con, client_for(api), tables=["y60a02"], revision=2)
    assert [(r.table_id, r.status, r.periods) for r in third] == [
        ("y60a02", "fetched", ["2026M09", "2026M10", "2026M11"])
    ]
    persons = (
        "select value from visitation where area_code = '751' and category = 'jobparat' and measure = 'persons' "
        "and period = ?"
    )
    assert con.execute(persons, ["2026M10"]).fetchall() == [(2800.0,)]
    loader.undo(con, third[0].load_id)
    assert con.execute(persons, ["2026M10"]).fetchall() == [(2888.0,)]  # the earlier figure
    assert con.execute(persons, ["2026M11"]).fetchall() == []
    assert integrity.check(con) == []


def test_a_release_without_a_new_period_fetches_the_revision_window(con, api):
    refresh.refresh(con, client_for(api), tables=["y30r21"], initial=2)
    api.tables["y30r21"].update_latest = date.today()  # published today: revised figures, no new period
    again = refresh.refresh(con, client_for(api), tables=["y30r21"], revision=1)
    assert [(r.status, r.periods) for r in again] == [("fetched", ["2022QMAT04"])]


def test_two_refresh_runs_side_by_side_keep_their_own_records(con, api):
    """A run records its outcomes at its end; one that starts and ends meanwhile (``--every`` beside a run started
    by hand) gets an id of its own, and neither overwrites the other's record."""
    inner: list = []
    client = client_for(api)
    asks = client.catalogue

    def catalogue_with_a_run_beside():
        if not inner:  # the outer run has read what is loaded and recorded nothing yet
            inner.extend(refresh.refresh(con, client_for(api), tables=["y60c07"], initial=1))
        return asks()

    client.catalogue = catalogue_with_a_run_beside
    outer = refresh.refresh(con, client, initial=1)
    runs = con.execute("select run_id, count(*) from refresh_runs group by run_id order by run_id").fetchall()
    assert len(runs) == 2 and sorted(n for _, n in runs) == [1, len(outer)]
    assert len(inner) == 1 and len(outer) == len(mapping())


def test_refresh_stops_at_the_first_failure_and_every_page_says_so(con, api):
    refresh.refresh(con, client_for(api), tables=["y60c07"], initial=1)
    api.tables["y60a02"].periods.append("2026M11")
    api.script("/v3/table/y60a02", 403, fj.FORBIDDEN_HTML, content_type="text/html")
    before = state(con)
    results = refresh.refresh(con, client_for(api), tables=["y60c07", "y60a02", "y30r21"])
    assert [(r.table_id, r.status) for r in results] == [
        ("y60c07", "current"),
        ("y60a02", "failed"),
        ("y30r21", "not_run"),
    ]
    assert state(con) == before
    live = freshness.status(freshness_rows(con), date.today())
    assert live.late and live.line.startswith("Data fra jobindsats er ikke opdateret siden")
    assert "seneste forsøg" in live.line and "fejlede for y60a02" in live.line and "afviste API-nøglen" in live.line


def test_a_table_the_catalogue_no_longer_lists_fails_saying_so(con, api):
    del api.tables["y36a02"]
    results = refresh.refresh(con, client_for(api), tables=["y36a02"])
    assert results[0].status == "failed" and "findes ikke i jobindsats' katalog" in results[0].reason


# --- the freshness line every page shows ------------------------------------------------------------------------------


def freshness_rows(con) -> list[dict]:
    sql = (QUERY_DIR / "jobindsats_freshness.sql").read_text(encoding="utf-8")
    cur = con.execute(sql, {"source": config.API_SOURCE})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def test_the_freshness_line_names_the_next_update_and_warns_when_it_is_overdue(con, api):
    assert freshness.status(freshness_rows(con), date.today()) is None  # nothing from the API: nothing to say
    refresh.refresh(con, client_for(api), tables=["y60a02", "y30r21", "y36a02"], initial=1)
    due = date.today() + timedelta(days=10)
    live = freshness.status(freshness_rows(con), date.today())
    assert not live.late  # y36a02 ended in June 2025, and the catalogue expects no update of it: not overdue
    assert live.line == (
        "Data fra jobindsats: y30r21 til og med år til 4. kvt. 2022, y36a02 til og med juni 2025, y60a02 til og med "
        f"oktober 2026; næste opdatering ventes {fmt_date(due)} (y30r21)."
    )
    late = freshness.status(freshness_rows(con), due + timedelta(days=1))
    assert late.late and f"forsinket: y30r21 (næste opdatering var ventet {fmt_date(due)})" in late.line
    # A table fetched by hand, never refreshed: its newest period plus a fixed lag.
    refresh.fetch_to_warehouse("y60c07", "Aarhus", "2026M10", con=con, client=client_for(api))
    row = next(r for r in freshness_rows(con) if r["table_id"] == "y60c07")
    assert freshness._expected(row) == date(2026, 10, 31) + timedelta(days=75)


# --- the CLI --------------------------------------------------------------------------------------------------------


def cli(args, env_extra, tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBINDSATS")}
    env.update({"HELHEDSBLIK_WAREHOUSE": str(tmp_path / "cli.duckdb"), "PYTHONPATH": str(ROOT), **env_extra})
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=180
    )


@pytest.mark.process
def test_cli_tables_table_fetch_refresh_and_errors(api, tmp_path):
    env = {"JOBINDSATS_API_URL": api.base_url, "JOBINDSATS_API_KEY": KEY}
    listing = cli(["tables", "--search", "bench"], env, tmp_path)
    assert listing.returncode == 0, listing.stderr
    latest, upcoming = date.today() - timedelta(days=20), date.today() + timedelta(days=10)
    assert (
        "* y30r21     Benchmark: forventet og faktisk antal fuldtidspersoner på offentlig forsørgelse  "
        f"(Benchmarking, opdateret {latest:%d.%m.%Y}, næste {upcoming:%d.%m.%Y})"
    ) in listing.stdout
    described = cli(["table", "y60a02"], env, tmp_path)
    assert "  perioder M: 2021M08–2026M10 (63)" in described.stdout
    assert (
        "  dimension _viskat_1int, hierarki _viskat_1int: Visitationskategori i alt (/), Jobparat (/1/)"
        in described.stdout
    )
    assert "  målegruppe mgrpa02_4: Fuldtidspersoner i pct. af befolkningen" in described.stdout
    done = cli(["fetch", "--table", "y30r21", "--area", "*", "--period", "latest:6"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "indlæsning 1, benchmark, 2.352 rækker" in done.stdout
    import duckdb

    with duckdb.connect(str(tmp_path / "cli.duckdb"), read_only=True) as views:
        assert loaded_benchmark(views) == randers()
    refreshed = cli(["refresh", "--tables", "y30r21,y60c07", "--initial", "2"], env, tmp_path)
    assert refreshed.returncode == 0, refreshed.stderr
    assert "y30r21: opdateret (nyeste periode 2022QMAT04); intet hentet; næste opdatering ventes" in refreshed.stdout
    assert "y60c07: hentet 2026M09–2026M10 (2 perioder), 198 rækker, indlæsning 2" in refreshed.stdout
    again = cli(["refresh", "--tables", "y60c07"], env, tmp_path)
    assert "y60c07: opdateret" in again.stdout and again.returncode == 0
    bad = cli(["refresh"], {**env, "JOBINDSATS_API_KEY": "WRONG-KEY"}, tmp_path)
    assert bad.returncode == 1 and "FEJL: jobindsats.dk afviste API-nøglen (HTTP 403" in bad.stdout
    assert "WRONG-KEY" not in bad.stdout + bad.stderr
    nokey = cli(["fetch", "--table", "y60a02"], {"JOBINDSATS_API_URL": api.base_url}, tmp_path)
    assert nokey.returncode == 1 and "Ingen API-nøgle" in nokey.stderr
    for run in (listing, described, done, refreshed, again):
        assert KEY not in run.stdout + run.stderr


# --- the probe ------------------------------------------------------------------------------------------------------


@pytest.mark.process
def test_probe_says_ok_per_table_and_saves_every_reply_without_the_key(api, tmp_path):
    env = {"JOBINDSATS_API_URL": api.base_url, "JOBINDSATS_API_KEY": KEY}
    out = tmp_path / "svar"
    done = cli(["probe", "--out", str(out)], env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    due = f"{date.today() + timedelta(days=10):%d.%m.%Y}"
    assert done.stdout.splitlines() == [
        f"y60a02: ok (4 af 4 målinger fundet; næste opdatering {due}; M 2026M10, 63 perioder)",
        "y36a02: ok (4 af 4 målinger fundet; kataloget har ingen update_next; M 2025M06, 18 perioder)",
        "y38a02: ok (4 af 4 målinger fundet; kataloget har ingen update_next; M 2025M06, 18 perioder)",
        f"y60c07: ok (2 af 2 målinger fundet; næste opdatering {due}; M 2026M10, 16 perioder)",
        f"y30r21: ok (7 af 7 målinger fundet; næste opdatering {due}; QMAT 2022QMAT04, 6 perioder)",
        f"Alle svar (uden nøgle) er gemt i {out}; send mappen med, hvis noget afviger.",
    ]
    files = sorted(p.name for p in out.iterdir())
    assert files[:3] == ["01-tables.json", "02-table-y60a02.json", "03-data-y60a02.json"] and len(files) == 12
    assert all(KEY.encode() not in p.read_bytes() for p in out.iterdir())
    assert KEY not in done.stdout + done.stderr
    assert not (tmp_path / "cli.duckdb").exists()  # the probe writes nothing to the warehouse


@pytest.mark.process
def test_probe_says_what_differs(api, tmp_path):
    api.tables["y60a02"].measures[3].name = "Fuldtidspersoner i pct. af befolkningen 16-64 år"
    api.refused_hierarchies = {"_ygrp_y30r21"}
    client = client_for(api, keep_all_replies=True)
    lines, folder = probe.probe(client, ["y60a02", "y30r21"], tmp_path / "svar")
    assert [line.ok for line in lines] == [False, False]
    assert "har ikke 'Fuldtidspersoner i pct. af befolkningen' (full_time_pct_population)" in lines[0].line()
    assert "'Fuldtidspersoner i pct. af befolkningen 16-64 år'" in lines[0].line()
    assert "kender ikke hierarkiet _ygrp_y30r21 i y30r21" in lines[1].line()
    assert (folder / "forespørgsler.txt").exists()


# --- structure --------------------------------------------------------------------------------------------------------


def test_started_at_is_a_timestamp(con, api):
    refresh.refresh(con, client_for(api), tables=["y60c07"], initial=1)
    ((started,),) = con.execute("select started_at from refresh_runs").fetchall()
    assert isinstance(started, datetime)


def test_every_page_names_the_next_expected_update(built_warehouse, tmp_path, monkeypatch, api):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    import queries
    from pipelines.writer import write_session
    from presentation.formatting import plain

    path = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, path)
    monkeypatch.setenv("HELHEDSBLIK_WAREHOUSE", str(path))
    with write_session() as con:  # published, as a scheduled refresh is
        refresh.refresh(con, client_for(api), tables=["y60c07"], initial=1)
    queries.snapshot_reader.clear()
    st.cache_data.clear()
    due = date.today() + timedelta(days=10)
    try:
        for name in ("overblik", "visitation", "aktivering", "benchmark", "data"):
            at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=60).run()
            assert not at.exception, (name, [e.value for e in at.exception])
            lines = [c.value for c in at.caption if c.value.startswith("Data fra jobindsats")]
            line = (
                "Data fra jobindsats: y60c07 til og med oktober 2026; "
                f"næste opdatering ventes {fmt_date(due)} (y60c07)."
            )
            assert lines == [plain(line)], name  # shown as plain text
            assert not [w for w in at.warning if "jobindsats" in w.value]
    finally:
        queries.snapshot_reader.clear()


def test_replies_with_a_byte_order_mark_are_read(con, api):
    api.bom = True  # the contract: JSON replies seen so far are plain UTF-8; accept a BOM on either
    refresh.fetch_to_warehouse("y30r21", "København", "2022QMAT02", con=con, client=client_for(api))
    assert loaded_benchmark(con) == randers({"København"}, {"2022QMAT02"})
