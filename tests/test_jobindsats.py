"""The jobindsats API v3 client against a local v3 server, through the real loader into a real DuckDB file.

No test reaches the internet: every client gets a 127.0.0.1 base URL, and the default base URL is
pointed at a closed local port in case one is forgotten.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import traceback
from datetime import date
from pathlib import Path

import fake_jobindsats as fj
import pytest
from tests.helpers import state

from pipelines import config, integrity, jobindsats, loader, warehouse
from pipelines.jobindsats import BadKey, Client, JobindsatsError, NetworkError, NotFound, UnexpectedReply
from pipelines.kinds import KINDS, header_map

KEY = fj.KEY
ROOT = Path(__file__).resolve().parent.parent


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    # A client built without base_url must not reach api.jobindsats.dk, nor a real key leak into a test.
    monkeypatch.setenv("JOBINDSATS_API_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.delenv("JOBINDSATS_API_KEY", raising=False)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def api(httpserver_ipv4) -> fj.FakeJobindsats:
    fake = fj.FakeJobindsats(httpserver_ipv4)
    for table in (fj.y60a02(), fj.y60c07(), fj.y36a02(), fj.y38a02(), fj.y30r21()):
        fake.add(table)
    return fake


def client_for(fake, **kwargs) -> Client:
    kwargs.setdefault("backoff", 0.01)
    return Client(base_url=fake.base_url, key=KEY, **kwargs)


def visitation(con, area="Aarhus", period="2026M08"):
    return con.execute(
        "select category, measure, value, suppressed from visitation where area = ? and period = ? "
        "order by category, measure",
        [area, period],
    ).fetchall()


# --- fetch: the figures served are the figures loaded ---------------------------------------------


def test_fetch_y60a02_loads_exactly_what_was_served(con, api):
    result = jobindsats.fetch_to_warehouse(
        "y60a02", ["Aarhus", "101"], "latest:2", con=con, client=client_for(api), loaded_by="ana"
    )
    assert result.kind == "visitation"
    # Aarhus came as "Aarhus Kommune"; København was asked for by its code. 2.8 is a JSON decimal,
    # null and ".." are suppressed: missing, never zero.
    assert visitation(con) == [
        ("aktivitetsparat", "full_time_pct", 5.6, False),
        ("aktivitetsparat", "full_time_persons", 2911.8, False),
        ("aktivitetsparat", "persons", 3065.0, False),
        ("jobparat", "full_time_pct", 2.8, False),
        ("jobparat", "full_time_persons", 1379.2, False),
        ("jobparat", "persons", 1532.0, False),
        ("uddannelsesparat", "full_time_pct", None, True),
        ("uddannelsesparat", "full_time_persons", None, True),
        ("uddannelsesparat", "persons", 766.0, False),
    ]
    assert con.execute("select distinct area, benefit from visitation order by 1").fetchall() == [
        ("Aarhus", "kontanthjaelp"),
        ("København", "kontanthjaelp"),
    ]
    assert con.execute("select distinct period from visitation order by 1").fetchall() == [("2026M07",), ("2026M08",)]
    ((source, table_id, version, query, by, period_to),) = con.execute(
        "select source, table_id, api_version, query, loaded_by, period_to from loads"
    ).fetchall()
    assert (source, table_id, version, by, period_to) == ("jobindsats API", "y60a02", "v3", "ana", "2026M08")
    assert query == (
        f"GET {api.base_url}/data/y60a02?format=json&mgroup.mgrpa02=mgrpa02_1,mgrpa02_3,mgrpa02_4b"
        "&hierarchy._viskat_1int=*&period.M=2026M07,2026M08&hierarchy._nykom=751,101"
    )
    assert KEY not in query
    assert integrity.check(con) == []


def test_every_request_is_v3_with_bearer_and_format(con, api):
    jobindsats.fetch_to_warehouse("y60c07", "*", "2026M01-2026M03", con=con, client=client_for(api))
    log = api.server.log
    assert log and all(req.path.startswith("/v3/") for req, _ in log)
    assert all(req.headers["Authorization"] == f"Bearer {KEY}" for req, _ in log)
    assert all(req.args["format"] == "json" for req, _ in log)
    rows = con.execute(
        "select area, period, activation_rate, touched_share from activation where period = '2026M03' order by area"
    ).fetchall()
    # "All areas" is every municipality ("*") and the country ("/"), which every page compares with.
    assert rows == [
        ("Aarhus", "2026M03", 30.8, 44.2),
        ("Hele landet", "2026M03", 30.8, 44.2),
        ("Hjørring", "2026M03", 30.8, 44.2),
        ("København", "2026M03", 30.8, None),
        ("Odense", "2026M03", 30.8, 44.2),
    ]


def test_relabelled_columns_still_load_through_metadata_ids(con, api):
    # The reply spells two labels differently from the metadata (a space, double spaces, case).
    api.tables["y60a02"].reply_labels = {
        "Fuldtidspersoner i pct. af befolkningen16-66 år": "Fuldtidspersoner i pct. af befolkningen 16-66 år",
        "Antal fuldtidspersoner": "antal  Fuldtidspersoner",
    }
    jobindsats.fetch_to_warehouse("y60a02", "Aarhus", "2026M08", con=con, client=client_for(api))
    assert ("jobparat", "full_time_pct", 2.8, False) in visitation(con)
    assert ("jobparat", "full_time_persons", 1379.2, False) in visitation(con)


def test_value_ids_map_to_our_codes_before_labels(con, api, tmp_path, monkeypatch):
    # A category relabelled by jobindsats still loads when its value_id is in the reference mapping.
    api.tables["y60a02"].dimension[2][1] = ("1", "Jobparate borgere (ny betegnelse)")
    values = tmp_path / "jobindsats_values.csv"
    values.write_text("dimension_id,value_id,code,note\n_viskat_1int,1,jobparat,test\n", encoding="utf-8")
    monkeypatch.setattr(jobindsats, "VALUES_PATH", values)
    jobindsats.fetch_to_warehouse("y60a02", "Aarhus", "2026M08", con=con, client=client_for(api))
    assert ("jobparat", "persons", 1532.0, False) in visitation(con)


def test_old_tables_and_all_measures(con, api):
    jobindsats.fetch_to_warehouse("y36a02", "Hjørring", "latest:1", con=con, client=client_for(api))
    jobindsats.fetch_to_warehouse("y38a02", "860", "2024M06", con=con, client=client_for(api))
    assert "mgroup.*" in api.data_requests[0] and api.data_requests[0]["mgroup.*"] == "*"
    rows = con.execute(
        "select benefit, category, measure, value from visitation where period = '2024M06' "
        "order by benefit, category, measure"
    ).fetchall()
    assert rows == [
        ("kontanthjaelp", "aktivitetsparat", "full_time_persons", 640.0),
        ("kontanthjaelp", "aktivitetsparat", "persons", 666.0),
        ("kontanthjaelp", "jobparat", "full_time_persons", 200.5),
        ("kontanthjaelp", "jobparat", "persons", 212.0),
        ("uddannelseshjaelp", "aabenlyst_uddannelsesparat", "persons", None),
        ("uddannelseshjaelp", "aktivitetsparat", "persons", 264.0),
        ("uddannelseshjaelp", "uddannelsesparat", "persons", 296.0),
    ]


def test_benchmark_table_y30r21(con, api):
    result = jobindsats.fetch_to_warehouse(
        "y30r21", ["Aarhus", "Hjørring"], "latest:2", con=con, client=client_for(api)
    )
    assert result.kind == "benchmark"
    assert api.data_requests[0]["period.QMAT"] == "2026QMAT01,2026QMAT02"
    rows = con.execute(
        "select area, period, benefit_group, expected_ftp, actual_ftp, difference_ftp, expected_pct, "
        "actual_pct, rank from benchmark where period = '2026QMAT02' order by area, benefit_group"
    ).fetchall()
    assert rows == [
        ("Aarhus", "2026QMAT02", "i_alt", 30120.5, 29865.0, -255.5, 14.2, 14.1, 26),
        ("Aarhus", "2026QMAT02", "kontanthjaelp", 7012.0, 7300.5, 288.5, 3.3, 3.4, 70),
        ("Hjørring", "2026QMAT02", "i_alt", 6010.0, 5900.0, -110.0, 16.8, 16.5, 12),
    ]


def test_large_requests_are_split_and_assembled(con, api):
    api.max_rows = 40  # the server refuses more; one period for all areas and categories is 12 rows
    client = client_for(api, max_cells=100)
    fetched = jobindsats.fetch(client, "y60a02", "*", "latest:12")
    assert len(api.data_requests) > 1
    asked = [(r["hierarchy._nykom"], p) for r in api.data_requests for p in r["period.M"].split(",")]
    periods = jobindsats.resolve_periods(client.table("y60a02"), "latest:12")
    assert sorted(asked) == sorted((a, p) for a in ("*", "/") for p in periods)  # each period once per part
    result = jobindsats.load_fetched(con, fetched)
    assert result.rows == 5 * 12 * 3 * 3  # areas (with Hele landet) × periods × categories × measures
    assert con.execute("select count(distinct period), count(distinct area) from visitation").fetchall() == [(12, 5)]
    assert len(con.execute("select query from loads").fetchall()[0][0].splitlines()) == len(api.data_requests)


def test_areas_are_split_when_one_period_is_too_much(api):
    client = client_for(api, max_cells=9)  # one area × 3 categories × 3 measures
    p = jobindsats.plan(client, "y60a02", "*", "2026M08")
    assert [part["hierarchy._nykom"] for part in p.parts] == ["101", "751", "461", "860", "/"]


def test_a_failed_part_loads_none_of_the_others(con, api):
    before = state(con)
    api.fail_data_call = 3
    with pytest.raises(NetworkError):
        jobindsats.fetch_to_warehouse(
            "y60a02", "*", "latest:12", con=con, client=client_for(api, max_cells=100, retries=1)
        )
    assert len(api.data_requests) >= 3
    assert state(con) == before


# --- errors: plain Danish, nothing written -----------------------------------------------------------


def test_429_with_retry_after_then_success(con, api):
    api.script("/v3/data", 429, '{"message": "Too Many Requests"}', {"Retry-After": "1"})
    api.script("/v3/data", 503)
    jobindsats.fetch_to_warehouse("y60c07", "Aarhus", "2026M08", con=con, client=client_for(api))
    data = [(req, resp) for req, resp in api.server.log if req.path.startswith("/v3/data")]
    assert [resp.status_code for _, resp in data] == [429, 503, 200]
    # urllib3 honoured Retry-After: the second try came at least a second after the 429.
    assert con.execute("select activation_rate from activation").fetchall() == [(31.3,)]


def test_retry_after_is_honoured(api):
    import time as clock

    api.script("/v3/table", 429, "{}", {"Retry-After": "1"})
    started = clock.monotonic()
    client_for(api).table("y60a02")
    assert clock.monotonic() - started >= 0.95


def test_5xx_forever_is_a_clear_error_and_changes_nothing(con, api):
    for _ in range(3):
        api.script("/v3/table", 503)
    before = state(con)
    with pytest.raises(NetworkError, match="serveren svarede 503 .*ved alle 3 forsøg"):
        jobindsats.fetch_to_warehouse("y60a02", "Aarhus", "2026M08", con=con, client=client_for(api, retries=2))
    assert state(con) == before


@pytest.mark.parametrize(
    "status, body",
    [(401, '{"message": "Unauthorized"}'), (403, ""), (200, '{"Forkert nøgle eller nøglen er udløbet.": ""}')],
)
def test_bad_or_expired_key(con, api, status, body):
    api.script("/v3/table", status, body)
    before = state(con)
    with pytest.raises(BadKey, match="API-nøglen er forkert eller udløbet"):
        jobindsats.fetch_to_warehouse("y60a02", "Aarhus", "2026M08", con=con, client=client_for(api))
    assert state(con) == before


def test_a_wrong_token_gets_401_from_the_server(con, api):
    with pytest.raises(BadKey):
        Client(base_url=api.base_url, key="WRONG").table("y60a02")


def test_unknown_table_and_unknown_area(con, api):
    with pytest.raises(NotFound, match="y99x99.*findes tabellen"):
        client_for(api).table("y99x99")
    with pytest.raises(NotFound, match="'Atlantis'"):
        jobindsats.fetch(client_for(api), "y60a02", ["Aarhus", "Atlantis"], "2026M08")


def test_areas_are_asked_for_as_users_spell_them(con, api):
    result = jobindsats.fetch_to_warehouse(
        "y60a02", ["Kobenhavn", "Århus Kommune"], "2026M08", con=con, client=client_for(api)
    )
    assert result.rows > 0
    query = con.execute("select query from loads").fetchall()[0][0]
    assert query.endswith("&hierarchy._nykom=101,751")
    with pytest.raises(NotFound, match="ikke kortlagt"):
        jobindsats.fetch(client_for(api), "y99x99", "*", "2026M08")


def test_only_k_periods_says_which(con, api):
    with pytest.raises(
        NotFound,
        match=r"de seneste 30 perioder af y60a02, men jobindsats.dk har kun 14 "
        r"\(2025M07–2026M08\)",
    ):
        jobindsats.fetch(client_for(api), "y60a02", "*", "latest:30")
    with pytest.raises(NotFound, match=r"2024M01 findes ikke i y60a02: jobindsats.dk har 2025M07–2026M08"):
        jobindsats.fetch(client_for(api), "y60a02", "*", "2024M01")
    for nonsense in ("latest:0", "2026M13", "2026M01-2026Q02", ""):
        with pytest.raises(JobindsatsError):
            jobindsats.fetch(client_for(api), "y60a02", "*", nonsense)
    # The server's own wording, when a request slips through, is translated too.
    client = client_for(api)
    client.table("y60a02")
    with pytest.raises(NotFound, match="har kun 14 perioder for y60a02 \\(2025M07–2026M08\\)"):
        client.data("y60a02", {"period.M": "latest:30"})


@pytest.mark.parametrize(
    "body, expected",
    [
        ('{"columns": ["Område"], "rows": ', "ikke gyldig JSON"),
        ("<html><body>Login</body></html>", "HTML"),
        ('{"Variables": []}', "ukendt form"),
        ('{"columns": ["Område", "Periode"], "rows": [["Aarhus"]]}', "række 1 har 1 værdier"),
    ],
)
def test_reply_of_the_wrong_shape(con, api, body, expected):
    api.script("/v3/data", 200, body)
    before = state(con)
    with pytest.raises(UnexpectedReply, match=expected):
        jobindsats.fetch_to_warehouse("y60c07", "Aarhus", "2026M08", con=con, client=client_for(api))
    assert state(con) == before


def test_timeout_is_retried_then_explained(con, api):
    api.delay = 0.5
    with pytest.raises(NetworkError, match="intet svar inden for tidsgrænsen ved alle 2 forsøg"):
        client_for(api, timeout=(2, 0.2), retries=1).table("y60a02")


def test_connection_refused():
    with pytest.raises(NetworkError, match="forbindelsen blev afvist"):
        Client(base_url=f"http://127.0.0.1:{closed_port()}", key=KEY, retries=1, backoff=0.01).tables()


def test_a_reply_the_loader_rejects_changes_nothing(con, api):
    api.tables["y60c07"].data[("751", "2026M08", None)] = [140.0, 44.2]  # a share over 100
    before = state(con)
    with pytest.raises(loader.ExtractRejected, match="aktiveringsgrad|Aktiveringsgrad"):
        jobindsats.fetch_to_warehouse("y60c07", "Aarhus", "2026M08", con=con, client=client_for(api))
    assert state(con) == before


def test_key_never_in_errors_logs_loads_or_repr(con, api, caplog):
    caplog.set_level(logging.DEBUG)
    client = client_for(api, retries=1)
    assert KEY not in repr(client)
    jobindsats.fetch_to_warehouse("y60c07", "Aarhus", "2026M08", con=con, client=client)
    api.script("/v3/data", 400, f'{{"message": "bad request for key {KEY}"}}')
    with pytest.raises(UnexpectedReply) as info:
        jobindsats.fetch(client, "y60c07", "Aarhus", "2026M07")
    text = str(info.value) + "".join(traceback.format_exception(info.value))
    assert KEY not in text and "***" in text
    assert KEY not in caplog.text
    assert all(KEY not in (q or "") for (q,) in con.execute("select query from load_log").fetchall())


def test_no_key_is_a_plain_error():
    with pytest.raises(JobindsatsError, match="Ingen API-nøgle: sæt JOBINDSATS_API_KEY"):
        Client(base_url="http://127.0.0.1:1")


def test_key_with_control_characters_is_refused_without_echo():
    with pytest.raises(JobindsatsError) as info:
        Client(base_url="http://127.0.0.1:1", key="abc\ndef")
    assert "abc" not in str(info.value)


# --- the catalogue and metadata -----------------------------------------------------------------


def test_catalogue_and_metadata(api):
    client = client_for(api)
    subjects = client.subjects()
    assert subjects[0]["subject_name"] == "Kontanthjælp"
    tables = {t["table_id"]: t for t in client.tables()}
    assert set(tables) == {"y60a02", "y60c07", "y36a02", "y38a02", "y30r21"}
    assert tables["y30r21"]["subject"] == "Benchmark"
    meta = client.table("y60a02")
    assert meta.periods["M"][0] == "2025M07" and meta.newest() == "2026M08"
    assert meta.area_dimension.hierarchy_id == "_nykom"
    assert meta.dimension("_viskat_1int").values[1].value_name == "Jobparat"
    assert meta.measures["mgrpa02_3"] == ("mgrpa02", "Antal fuldtidspersoner")
    assert client.table("y30r21").period_type() == "QMAT"


def test_mapping_names_columns_the_loader_knows():
    for table_id, spec in jobindsats.mapping().items():
        kind = KINDS[spec.kind]
        for id_, column in spec.ids.items():
            names = set(header_map(kind, [column]).values()) | set(header_map(kind, [id_]).values())
            assert names, (table_id, id_, column)


# --- refresh -----------------------------------------------------------------------------------


def test_refresh_fetches_missing_then_nothing_then_revisions(con, api):
    client = client_for(api)
    first = jobindsats.refresh(con, client, initial=3)
    assert {r.table_id: r.status for r in first} == {t: "fetched" for t in jobindsats.mapping()}
    y60 = next(r for r in first if r.table_id == "y60a02")
    assert y60.periods == ["2026M06", "2026M07", "2026M08"]
    assert con.execute("select count(*) from refresh_runs where run_id = 1").fetchall() == [(5,)]

    calls = len(api.data_requests)
    second = jobindsats.refresh(con, client_for(api))
    assert {r.status for r in second} == {"current"}
    assert len(api.data_requests) == calls  # a second refresh fetches nothing

    # A new month is published and an old one revised: the revision window fetches both.
    table = api.tables["y60a02"]
    table.periods.append("2026M09")
    for key in [k for k in table.data if k[1] == "2026M08"]:
        table.data[(key[0], "2026M09", key[2])] = list(table.data[key])
    table.data[("751", "2026M07", "1")] = [1600, 1400.0, 3.0]
    third = jobindsats.refresh(con, client_for(api), tables=["y60a02"], revision=2)
    assert [(r.table_id, r.status, r.periods) for r in third] == [
        ("y60a02", "fetched", ["2026M07", "2026M08", "2026M09"])
    ]
    assert ("jobparat", "persons", 1600.0, False) in visitation(con, period="2026M07")
    assert ("jobparat", "persons", 1532.0, False) in visitation(con, period="2026M09")
    loader.undo(con, third[0].load_id)
    assert ("jobparat", "persons", 1530.0, False) in visitation(con, period="2026M07")  # the earlier figure
    assert visitation(con, period="2026M09") == []
    assert integrity.check(con) == []


def test_two_refresh_runs_side_by_side_keep_their_own_records(con, api):
    """A run records its outcomes at its end; one that starts and ends meanwhile (``--every`` beside a run
    started by hand) gets an id of its own, and neither overwrites the other's record."""
    inner: list = []
    client = client_for(api)
    asks = client.table

    def table_with_a_run_beside(table_id):
        if not inner:  # the outer run has read what is loaded and recorded nothing yet
            inner.extend(jobindsats.refresh(con, client_for(api), tables=["y60a02"], initial=1))
        return asks(table_id)

    client.table = table_with_a_run_beside
    outer = jobindsats.refresh(con, client, initial=2)
    runs = con.execute("select run_id, count(*) from refresh_runs group by run_id order by run_id").fetchall()
    assert len(runs) == 2 and sorted(n for _, n in runs) == [1, len(outer)]
    assert len(inner) == 1 and len(outer) == len(jobindsats.mapping())


def test_refresh_stops_at_the_first_failure_and_says_so(con, api):
    jobindsats.refresh(con, client_for(api), tables=["y60a02"], initial=2)
    api.tables["y60c07"].periods.append("2026M09")
    api.script("/v3/table/y60c07", 401)
    before = state(con)
    results = jobindsats.refresh(con, client_for(api), tables=["y60a02", "y60c07", "y30r21"])
    assert [(r.table_id, r.status) for r in results] == [
        ("y60a02", "current"),
        ("y60c07", "failed"),
        ("y30r21", "not_run"),
    ]
    assert state(con) == before
    line = jobindsats.live_status(con, today=date(2026, 9, 15))
    assert line.startswith("Data fra jobindsats er ikke opdateret siden")
    assert "seneste forsøg" in line and "fejlede for y60c07" in line and "API-nøglen" in line


def test_live_status_quiet_when_current_and_warns_when_overdue(con, api):
    assert jobindsats.live_status(con) is None  # nothing ever loaded from the API: nothing to say
    jobindsats.refresh(con, client_for(api), tables=["y60a02"], initial=1)
    assert jobindsats.live_status(con, today=date(2026, 10, 1)) is None
    late = jobindsats.live_status(con, today=date(2027, 1, 15))
    assert "y60a02 slutter med august 2026" in late


# --- the 2027 reform: a new classification era is a data change ------------------------------------

REFORM_ROW = "category,reform_jobparat,Jobparat (reform 2027),jobparat efter reformen,2027-01-01,,41,true,,,\n"


@pytest.fixture
def reform_2027_api(api):
    table = api.tables["y60a02"]
    table.periods.append("2027M01")
    table.dimension[2].append(("31", "Jobparat efter reformen"))
    table.data[("751", "2027M01", "31")] = [5000, 4800.0, 9.1]
    return api


def test_unknown_categories_are_refused_naming_value_table_period_and_file(con, reform_2027_api):
    before = state(con)
    with pytest.raises(jobindsats.UnknownCategories) as info:
        jobindsats.fetch_to_warehouse("y60a02", "Aarhus", "2027M01", con=con, client=client_for(reform_2027_api))
    message = str(info.value)
    assert "y60a02" in message and "'Jobparat efter reformen'" in message and "2027M01" in message
    assert "data/reference/categories.csv" in message
    assert state(con) == before


def test_a_new_era_added_as_reference_data_loads(tmp_path, monkeypatch, reform_2027_api):
    reference = tmp_path / "reference"
    shutil.copytree(config.REFERENCE_DIR, reference)
    with open(reference / "categories.csv", "a", encoding="utf-8") as fh:
        fh.write(REFORM_ROW)
    monkeypatch.setattr(config, "REFERENCE_DIR", reference)
    warehouse.clear_reference_cache()
    try:
        con = warehouse.connect(tmp_path / "w.duckdb")
        jobindsats.fetch_to_warehouse("y60a02", "Aarhus", "2027M01", con=con, client=client_for(reform_2027_api))
        assert visitation(con, period="2027M01") == [
            ("reform_jobparat", "full_time_pct", 9.1, False),
            ("reform_jobparat", "full_time_persons", 4800.0, False),
            ("reform_jobparat", "persons", 5000.0, False),
        ]
        era = con.execute("select distinct era from visitation_detail where period = '2027M01'").fetchall()
        assert era == [("Beskæftigelsesreformen 2027",)]
        con.close()
    finally:
        warehouse.clear_reference_cache()


# --- the CLI -----------------------------------------------------------------------------------


def cli(args, env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBINDSATS")}
    env.update({"HELHEDSBLIK_WAREHOUSE": str(tmp_path / "cli.duckdb"), "PYTHONPATH": str(ROOT), **env_extra})
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


def test_cli_fetch_refresh_and_errors(api, tmp_path):
    env = {"JOBINDSATS_API_URL": api.base_url, "JOBINDSATS_API_KEY": KEY}
    done = cli(["fetch", "--table", "y60c07", "--area", "Aarhus,Odense", "--period", "2026M07-2026M08"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "indlæsning 1, activation, 4 rækker" in done.stdout
    import duckdb

    with duckdb.connect(str(tmp_path / "cli.duckdb"), read_only=True) as views:
        assert views.execute(
            "select area, period, activation_rate, touched_share from activation order by 1, 2"
        ).fetchall() == [
            ("Aarhus", "2026M07", 31.2, 44.2),
            ("Aarhus", "2026M08", 31.3, 44.2),
            ("Odense", "2026M07", 31.2, 44.2),
            ("Odense", "2026M08", 31.3, 44.2),
        ]
    refreshed = cli(["refresh", "--tables", "y60c07,y60a02", "--initial", "2"], env, tmp_path)
    assert refreshed.returncode == 0, refreshed.stderr
    assert "y60c07: opdateret (nyeste periode 2026M08); intet hentet" in refreshed.stdout
    assert "y60a02: hentet 2026M07–2026M08 (2 perioder)" in refreshed.stdout
    again = cli(["refresh", "--tables", "y60a02"], env, tmp_path)
    assert "y60a02: opdateret" in again.stdout and again.returncode == 0
    bad = cli(["refresh"], {**env, "JOBINDSATS_API_KEY": "WRONG-KEY"}, tmp_path)
    assert bad.returncode == 1
    assert "FEJL: API-nøglen er forkert eller udløbet" in bad.stdout
    assert "WRONG-KEY" not in bad.stdout + bad.stderr
    listing = cli(["tables"], env, tmp_path)
    assert "* y30r21" in listing.stdout
    nokey = cli(["fetch", "--table", "y60a02"], {"JOBINDSATS_API_URL": api.base_url}, tmp_path)
    assert nokey.returncode == 1 and "Ingen API-nøgle" in nokey.stderr
