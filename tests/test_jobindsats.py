"""The jobindsats.dk client against a local HTTP server, through the real loader into a real DuckDB file.

No test reaches the internet: every client gets a 127.0.0.1 base URL, and the default base URL is
pointed at a closed local port in case one is forgotten.
"""

from __future__ import annotations

import csv
import json
import logging
import socket
import traceback
from pathlib import Path
from datetime import datetime, timedelta

import pytest
from werkzeug import Response

from conftest import state
from pipelines import config, jobindsats, loader
from pipelines.jobindsats import BadKey, Client, JobindsatsError, NetworkError, UnexpectedReply
from pipelines.kinds import KINDS, header_map

KEY = "SECRET-KEY-123"

Y60A02 = [{"Variables": [{"Name": "area", "Label": "Område"}, {"Name": "period", "Label": "Periode"},
                         {"Name": "_viskat_1int", "Label": "Visitationskategori"},
                         {"Name": "mgrpa02_1", "Label": "Antal personer"},
                         {"Name": "mgrpa02_3", "Label": "Antal fuldtidspersoner"},
                         {"Name": "mgrpa02_4b", "Label": "Fuldtidspersoner i pct. af arbejdsstyrken"}],
           "Data": [["Odense", "2024M05", "Jobparat", "1.500", "1.350,5", "9,08"],
                    ["Odense", "2024M05", "Aktivitetsparat", "2400", "..", ".."]]}]
C07_VARIABLES = [{"Name": "area", "Label": "Område"}, {"Name": "period", "Label": "Periode"},
                 {"Name": "mgrpc07_1", "Label": "Aktiveringsgrad"},
                 {"Name": "mgrpc07_2", "Label": "Andel berørt af aktivering"}]
Y60C07 = [{"Variables": C07_VARIABLES, "Data": [["Aalborg", "2024M06", "31,5", "44,2"],
                                                ["Hele landet", "2024M06", "33,1", ".."]]}]
BAD_KEY_REPLY = {"Forkert nøgle eller nøglen er udløbet.": ""}
V2_PATH = "/v2/data/{}/json"


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def httpserver(httpserver_ipv4):
    """pytest-httpserver bound to 127.0.0.1 rather than 'localhost'."""
    return httpserver_ipv4


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    # A client built without base_url must not reach api.jobindsats.dk, nor a real key leak into a test.
    monkeypatch.setenv("JOBINDSATS_API_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.delenv("JOBINDSATS_API_KEY", raising=False)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


def make_client(server, **kwargs) -> Client:
    kwargs.setdefault("backoff", 0.01)
    return Client(base_url=server.url_for(""), key=KEY, **kwargs)


def no_sleep(client: Client) -> list[float]:
    """Record the client's pauses instead of taking them."""
    sleeps: list[float] = []
    client.sleep = sleeps.append
    return sleeps


def requested_paths(server) -> list[str]:
    return [request.path for request, _ in server.log]


def json_response(payload, status=200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status, content_type="application/json")


# --- v2 into the warehouse ---------------------------------------------------------------------

def test_v2_reply_with_comma_decimals_and_suppression_is_loaded(con, httpserver):
    httpserver.expect_request(
        V2_PATH.format("y60a02"), method="POST", headers={"Authorization": KEY},
        json={"area": ["Odense"], "period": ["2024M05"], "measurement": ["mgrpa02_1", "mgrpa02_3", "mgrpa02_4b"]},
    ).respond_with_json(Y60A02)
    result = jobindsats.fetch_to_warehouse("y60a02", ["Odense"], "2024M05", con=con, client=make_client(httpserver),
                                           loaded_by="ana")
    httpserver.check_assertions()
    assert result.kind == "visitation" and result.rows == 6
    rows = con.execute("select area, benefit, category, measure, value, suppressed from visitation "
                       "order by category, measure").fetchall()
    # "9,08" is a decimal comma, "1.500" a thousands dot, ".." suppressed (missing, never 0); the benefit
    # comes from y60a02's IDs.
    assert rows == [("Odense", "kontanthjaelp", "aktivitetsparat", "full_time_pct", None, True),
                    ("Odense", "kontanthjaelp", "aktivitetsparat", "full_time_persons", None, True),
                    ("Odense", "kontanthjaelp", "aktivitetsparat", "persons", 2400.0, False),
                    ("Odense", "kontanthjaelp", "jobparat", "full_time_pct", 9.08, False),
                    ("Odense", "kontanthjaelp", "jobparat", "full_time_persons", 1350.5, False),
                    ("Odense", "kontanthjaelp", "jobparat", "persons", 1500.0, False)]
    (source, table_id, query, by, name), = con.execute(
        "select source, table_id, query, loaded_by, file_name from loads").fetchall()
    assert (source, table_id, by) == ("jobindsats API", "y60a02", "ana")
    assert query == (f"POST {httpserver.url_for('').rstrip('/')}/v2/data/y60a02/json?area=Odense&period=2024M05"
                     "&measurement=mgrpa02_1,mgrpa02_3,mgrpa02_4b")
    assert name.startswith("jobindsats_y60a02_") and name.endswith(".json")
    assert httpserver.log[0][0].headers["Authorization"] == KEY  # the bare key for v2
    assert loader.check(con) == []


def test_base_url_from_the_environment_and_all_areas(con, httpserver, monkeypatch):
    monkeypatch.setenv("JOBINDSATS_API_URL", httpserver.url_for("/v2"))  # given with its version path
    monkeypatch.setenv("JOBINDSATS_API_KEY", KEY)
    httpserver.expect_request(
        V2_PATH.format("y60c07"), method="POST",
        json={"area": "*", "period": ["l(M:24)"], "measurement": ["mgrpc07_1", "mgrpc07_2"]},
    ).respond_with_json(Y60C07)
    result = jobindsats.fetch_to_warehouse("y60c07", "*", "l(M:24)", con=con)
    httpserver.check_assertions()
    assert result.kind == "activation"
    assert con.execute("select area, group_name, activation_rate, touched_share from activation "
                       "order by area").fetchall() == [("Aalborg", "Alle modtagere", 31.5, 44.2),
                                                       ("Hele landet", "Alle modtagere", 33.1, None)]


def test_v3_reply_with_bearer_header(con, httpserver):
    payload = {"columns": ["area", "period", "mgrpc07_1", "mgrpc07_2"],
               "rows": [["Aalborg", "2024M06", "31,5", "44,2"], ["Hele landet", "2024M06", 33.1, ".."]]}
    httpserver.expect_request("/v3/data/y60c07", method="GET", headers={"Authorization": f"Bearer {KEY}"},
                              query_string={"format": "json", "period.M": "latest:14"}).respond_with_json(payload)
    client = make_client(httpserver, version="v3")
    result = jobindsats.fetch_v3_to_warehouse("y60c07", {"period.M": "latest:14"}, con=con, client=client)
    httpserver.check_assertions()
    assert httpserver.log[0][0].headers["Authorization"] == f"Bearer {KEY}"
    assert result.kind == "activation" and result.rows == 2
    assert con.execute("select area, activation_rate, touched_share from activation order by area").fetchall() == \
        [("Aalborg", 31.5, 44.2), ("Hele landet", 33.1, None)]
    assert con.execute("select query from loads").fetchall()[0][0].endswith(
        "/v3/data/y60c07?format=json&period.M=latest:14")
    with pytest.raises(JobindsatsError, match="kun i API v2"):
        client.tables()
    with pytest.raises(JobindsatsError, match="kun i API v3"):
        make_client(httpserver).data_v3("y60c07", {})


def test_v3_reply_of_the_wrong_shape(httpserver):
    httpserver.expect_request("/v3/data/y60c07").respond_with_json([{"Variables": [], "Data": []}])
    with pytest.raises(UnexpectedReply, match='forventede jobindsats v3-data'):
        make_client(httpserver, version="v3").data_v3("y60c07", {"period.M": "latest:14"})


# --- retries -----------------------------------------------------------------------------------

def test_429_is_retried_honouring_retry_after_capped(con, httpserver):
    httpserver.expect_oneshot_request(V2_PATH.format("y60c07")).respond_with_data(
        "", status=429, headers={"Retry-After": "120"})
    httpserver.expect_request(V2_PATH.format("y60c07")).respond_with_json(Y60C07)
    client = make_client(httpserver, max_retry_after=0.05)
    sleeps = no_sleep(client)
    result = jobindsats.fetch_to_warehouse("y60c07", "*", "2024M06", con=con, client=client)
    assert len(httpserver.log) == 2
    assert sleeps == [0.05]  # Retry-After was honoured, and capped
    assert result.rows == 2
    assert con.execute("select count(*) from activation").fetchall() == [(2,)]


def test_500_three_times_then_success(con, httpserver):
    for _ in range(3):
        httpserver.expect_oneshot_request(V2_PATH.format("y60c07")).respond_with_data("fejl", status=500)
    httpserver.expect_request(V2_PATH.format("y60c07")).respond_with_json(Y60C07)
    client = make_client(httpserver, retries=3)
    sleeps = no_sleep(client)
    result = jobindsats.fetch_to_warehouse("y60c07", "*", "2024M06", con=con, client=client)
    assert len(httpserver.log) == 4
    assert sleeps == [0.01, 0.02, 0.04]  # exponential backoff
    assert result.rows == 2 and con.execute("select count(*) from activation").fetchall() == [(2,)]


def test_500_forever_is_a_clear_error_and_changes_nothing(con, httpserver):
    httpserver.expect_request(V2_PATH.format("y60c07")).respond_with_json(Y60C07)
    jobindsats.fetch_to_warehouse("y60c07", "*", "2024M05", con=con, client=make_client(httpserver))
    httpserver.clear()
    httpserver.expect_request(V2_PATH.format("y60c07")).respond_with_data("fejl", status=500)
    before = state(con)
    with pytest.raises(NetworkError) as info:
        jobindsats.fetch_to_warehouse("y60c07", "*", "2024M06", con=con, client=make_client(httpserver, retries=2))
    message = str(info.value)
    assert "Kunne ikke hente data fra 127.0.0.1" in message and "500" in message and "3 forsøg" in message
    assert len(httpserver.log) == 3
    assert state(con) == before


def test_other_4xx_is_not_retried(httpserver):
    httpserver.expect_request(V2_PATH.format("y99x99")).respond_with_data("Table not found", status=404)
    with pytest.raises(UnexpectedReply, match="svarede 404.*findes tabellen"):
        make_client(httpserver).data("y99x99", "*", "2024M01")
    assert len(httpserver.log) == 1


# --- failures leave the warehouse unchanged -----------------------------------------------------

@pytest.mark.parametrize("status, body", [(200, BAD_KEY_REPLY), (401, BAD_KEY_REPLY), (403, "")])
def test_bad_key(con, httpserver, status, body):
    reply = json.dumps(body, ensure_ascii=False) if body else ""
    httpserver.expect_request(V2_PATH.format("y60a02")).respond_with_data(reply, status=status,
                                                                          content_type="application/json")
    before = state(con)
    with pytest.raises(BadKey, match="API-nøglen er forkert eller udløbet"):
        jobindsats.fetch_to_warehouse("y60a02", "*", "l(M:24)", con=con, client=make_client(httpserver))
    assert len(httpserver.log) == 1  # a bad key is not retried
    assert state(con) == before


@pytest.mark.parametrize("body, expected", [
    ('[{"Variables": [{"Name": "area", "Label": "Omr', "ikke gyldig JSON"),
    ("<html><body>Log ind</body></html>", "HTML"),
    ('{"columns": [], "rows": []}', "ukendt form"),
])
def test_truncated_or_unexpected_reply(con, httpserver, body, expected):
    httpserver.expect_request(V2_PATH.format("y60a02")).respond_with_data(body, content_type="application/json")
    before = state(con)
    with pytest.raises(UnexpectedReply) as info:
        jobindsats.fetch_to_warehouse("y60a02", "*", "l(M:24)", con=con, client=make_client(httpserver))
    assert expected in str(info.value) and "forventede jobindsats v2-data" in str(info.value)
    assert state(con) == before


def test_reply_the_loader_rejects_changes_nothing(con, httpserver):
    bad = [{"Variables": Y60A02[0]["Variables"], "Data": [["Odense", "2024M13", "Jobparat", "1", "1", "1"]]}]
    httpserver.expect_request(V2_PATH.format("y60a02")).respond_with_json(bad)
    before = state(con)
    with pytest.raises(loader.ExtractRejected) as info:
        jobindsats.fetch_to_warehouse("y60a02", "*", "2024M13", con=con, client=make_client(httpserver))
    assert info.value.problems[0].value == "2024M13"
    assert state(con) == before


def test_connection_refused(con):
    client = Client(base_url=f"http://127.0.0.1:{closed_port()}", key=KEY, retries=1, backoff=0.01)
    sleeps = no_sleep(client)
    before = state(con)
    with pytest.raises(NetworkError) as info:
        jobindsats.fetch_to_warehouse("y60c07", "*", "l(M:24)", con=con, client=client)
    assert "127.0.0.1" in str(info.value) and "afvist" in str(info.value)
    assert sleeps == [0.01]  # connection errors are retried too
    assert state(con) == before


def test_a_failed_chunk_loads_none_of_the_others(con, httpserver):
    httpserver.expect_oneshot_request(V2_PATH.format("y60c07")).respond_with_json(Y60C07)
    httpserver.expect_request(V2_PATH.format("y60c07")).respond_with_json(BAD_KEY_REPLY)
    before = state(con)
    with pytest.raises(BadKey):
        jobindsats.fetch_to_warehouse("y60c07", [f"Kommune {i}" for i in range(30)], "2024M06", con=con,
                                      client=make_client(httpserver))
    assert len(httpserver.log) == 2
    assert state(con) == before


# --- the key stays secret ----------------------------------------------------------------------

def test_key_never_in_errors_logs_or_repr(con, httpserver, caplog):
    caplog.set_level(logging.DEBUG)
    texts = [repr(make_client(httpserver))]
    httpserver.expect_oneshot_request(V2_PATH.format("y60a02")).respond_with_data("x", status=503)
    httpserver.expect_oneshot_request(V2_PATH.format("y60a02")).respond_with_json(BAD_KEY_REPLY)
    # A server echoing the key back in an error body: redacted before it reaches any message.
    httpserver.expect_request(V2_PATH.format("y60c07")).respond_with_data(f"Ugyldig: {KEY}", status=400)
    failures = [
        lambda: jobindsats.fetch_to_warehouse("y60a02", "*", "l(M:24)", con=con, client=make_client(httpserver)),
        lambda: make_client(httpserver).data("y60c07", "*", "l(M:24)"),
        lambda: Client(base_url=f"http://127.0.0.1:{closed_port()}", key=KEY, retries=1, backoff=0.01)
        .data("y60a02", "*", "l(M:24)"),
    ]
    messages = []
    for fail in failures:
        with pytest.raises(JobindsatsError) as info:
            fail()
        messages.append(str(info.value))
        texts += [str(info.value), repr(info.value), "".join(traceback.format_exception(info.value))]
    assert "Ugyldig: ***" in messages[1]  # the 400 reply's body, redacted
    texts += [r.getMessage() for r in caplog.records]
    assert any("retry" in r.getMessage() for r in caplog.records)
    for text in texts:
        assert KEY not in text


def test_key_with_control_characters_is_refused_without_echo():
    with pytest.raises(JobindsatsError) as info:
        Client(base_url="http://127.0.0.1:9", key="SECRET\nKEY")
    assert "SECRET" not in str(info.value)


# --- the key's sources --------------------------------------------------------------------------

def test_api_key_from_env_then_streamlit_secrets(monkeypatch):
    import streamlit as st
    from streamlit.errors import StreamlitSecretNotFoundError

    monkeypatch.setenv("JOBINDSATS_API_KEY", " from-env ")
    assert jobindsats.api_key() == "from-env"
    monkeypatch.delenv("JOBINDSATS_API_KEY")
    monkeypatch.setattr(st, "secrets", {"jobindsats_api_key": "from-secrets"})
    assert jobindsats.api_key() == "from-secrets"

    class NoSecrets:
        def get(self, key, default=None):
            raise StreamlitSecretNotFoundError("No secrets found")

    monkeypatch.setattr(st, "secrets", NoSecrets())
    with pytest.raises(JobindsatsError, match="Ingen API-nøgle: sæt JOBINDSATS_API_KEY"):
        jobindsats.api_key()
    with pytest.raises(JobindsatsError, match="Ingen API-nøgle"):
        Client(base_url="http://127.0.0.1:9")


# --- splitting ---------------------------------------------------------------------------------

def kommuner(n: int) -> list[str]:
    with open(config.REFERENCE_DIR / "kommuner.csv", encoding="utf-8", newline="") as fh:
        return [row["jobindsats_navn"] for row in csv.DictReader(fh)][:n]


def echo_areas(request) -> Response:
    body = request.get_json()
    rows = [[area, period, "30,5", "40"] for area in body["area"] for period in body["period"]]
    return json_response([{"Variables": C07_VARIABLES, "Data": rows}])


def test_many_areas_are_split_and_reassembled(con, httpserver):
    areas = kommuner(30)
    httpserver.expect_request(V2_PATH.format("y60c07"), method="POST").respond_with_handler(echo_areas)
    result = jobindsats.fetch_to_warehouse("y60c07", areas, "2024M06", con=con,
                                           client=make_client(httpserver, max_areas=25))
    sent = [request.get_json()["area"] for request, _ in httpserver.log]
    assert [len(s) for s in sent] == [25, 5] and sent[0] + sent[1] == areas
    assert result.rows == 30
    assert con.execute("select count(distinct area_code), min(activation_rate) from activation").fetchall() == \
        [(30, 30.5)]
    # One load, recorded with the whole request rather than one chunk of it.
    (query,), = con.execute("select query from loads").fetchall()
    assert ",".join(areas) in query


def test_long_period_lists_are_split(httpserver):
    httpserver.expect_request(V2_PATH.format("y60c07"), method="POST").respond_with_handler(echo_areas)
    periods = [f"{y}M{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 11)]
    payload = make_client(httpserver, max_periods=24).data("y60c07", ["Aalborg", "Vejle"], ",".join(periods))
    assert [len(r.get_json()["period"]) for r, _ in httpserver.log] == [24, 6]
    (block,) = payload
    assert len(block["Data"]) == 60 and block["Variables"] == C07_VARIABLES


def test_chunks_with_different_columns_are_refused(httpserver):
    other = [{"Variables": C07_VARIABLES[:3], "Data": [["Vejle", "2024M06", "1"]]}]
    httpserver.expect_oneshot_request(V2_PATH.format("y60c07")).respond_with_json(Y60C07)
    httpserver.expect_request(V2_PATH.format("y60c07")).respond_with_json(other)
    with pytest.raises(UnexpectedReply, match="forskellige kolonner"):
        make_client(httpserver, max_areas=1).data("y60c07", ["Aalborg", "Vejle"], "2024M06")


def test_csv_chunks_are_joined_under_one_header(httpserver):
    header = "Område;Periode;Aktiveringsgrad\n"
    httpserver.expect_oneshot_request("/v2/data/y60c07/csv").respond_with_data(header + "Aalborg;2024M06;31,5\n")
    httpserver.expect_request("/v2/data/y60c07/csv").respond_with_data(header + "Vejle;2024M06;29,0\n")
    text = make_client(httpserver, max_areas=1).data("y60c07", ["Aalborg", "Vejle"], "2024M06", fmt="csv")
    assert text == header + "Aalborg;2024M06;31,5\nVejle;2024M06;29,0\n"


# --- tables, metadata, refresh -------------------------------------------------------------------

def test_tables_and_table_meta(httpserver):
    httpserver.expect_request("/v2/tables", method="GET", headers={"Authorization": KEY}).respond_with_json(
        [{"TableID": "y60a02", "TableName": "Kontanthjælp", "SubjectName": "Ydelser",
          "LatestUpdate": "2024-06-01T08:00:00", "NextUpdate": "2024-07-01", "UpdateFrequency": "Månedlig"}])
    httpserver.expect_request("/v2/tables/y60a02/json").respond_with_json(
        [{"TableID": "y60a02", "Period": ["2024M04", "2024M05"], "Area": ["Hele landet", "Odense"]}])
    client = make_client(httpserver)
    (table,) = client.tables()
    assert table["TableID"] == "y60a02" and table["UpdateFrequency"] == "Månedlig"
    meta = client.table_meta("y60a02")
    assert meta["periods"] == ["2024M04", "2024M05"] and meta["areas"] == ["Hele landet", "Odense"]
    with pytest.raises(JobindsatsError, match="Ugyldigt tabel-ID"):
        client.table_meta("../tables")


def test_refresh_fetches_only_tables_updated_since_their_last_load(con, httpserver):
    calls = {"y60a02": 0}

    def y60a02(request):
        calls["y60a02"] += 1
        payload = json.loads(json.dumps(Y60A02))
        payload[0]["Data"][0][3] = str(1500 + calls["y60a02"])  # revised figures on every fetch
        return json_response(payload)

    y38a02 = [{"Variables": [{"Name": "area"}, {"Name": "period"}, {"Name": "_viskat_2udh"},
                             {"Name": "mgrpa02_1"}],
               "Data": [["Odense", "2024M05", "Uddannelsesparat", "120"],
                        ["Odense", "2024M05", "Åbenlyst uddannelsesparat", "80"]]}]
    httpserver.expect_request(V2_PATH.format("y60a02")).respond_with_handler(y60a02)
    httpserver.expect_request(V2_PATH.format("y60c07")).respond_with_json(Y60C07)
    httpserver.expect_request(V2_PATH.format("y38a02")).respond_with_json(y38a02)
    client = make_client(httpserver)
    jobindsats.fetch_to_warehouse("y60a02", "*", "2024M05", con=con, client=client)
    jobindsats.fetch_to_warehouse("y60c07", "*", "2024M06", con=con, client=client)

    now = datetime.now()
    httpserver.expect_request("/v2/tables").respond_with_json([
        {"TableID": "Y60A02", "LatestUpdate": (now + timedelta(days=1)).isoformat(timespec="seconds")},
        {"TableID": "y60c07", "LatestUpdate": (now - timedelta(days=1)).strftime("%d-%m-%Y")},
        {"TableID": "y38a02", "LatestUpdate": "2015-01-01T00:00:00"},  # old, but never loaded
        # y36a02 is mapped but not listed: skipped
    ])
    httpserver.clear_log()
    results = jobindsats.refresh(con, client=client, loaded_by="cron")
    assert requested_paths(httpserver) == ["/v2/tables", "/v2/data/y60a02/json", "/v2/data/y38a02/json"]
    # Unverified measurement IDs: y38a02 asks for every measurement.
    assert httpserver.log[2][0].get_json()["measurement"] == ["*"]
    assert [(r.kind, r.rows, r.skipped_identical) for r in results] == [("visitation", 6, False),
                                                                        ("visitation", 2, False)]
    assert con.execute("select benefit, category, value from visitation where benefit = 'uddannelseshjaelp' "
                       "order by category").fetchall() == [("uddannelseshjaelp", "aabenlyst_uddannelsesparat", 80.0),
                                                           ("uddannelseshjaelp", "uddannelsesparat", 120.0)]
    assert con.execute("select value from visitation where category = 'jobparat' and measure = 'persons'"
                       ).fetchall() == [(1502.0,)]
    loads = con.execute("select table_id, loaded_by from loads order by load_id").fetchall()
    assert loads == [("y60a02", "test"), ("y60c07", "test"), ("y60a02", "cron"), ("y38a02", "cron")]

    # Nothing is newer than its last load now: a second refresh only lists the tables.
    httpserver.clear_log()
    httpserver.clear()
    httpserver.expect_request("/v2/tables").respond_with_json([
        {"TableID": "y60a02", "LatestUpdate": (now - timedelta(days=1)).isoformat()},
        {"TableID": "y38a02", "LatestUpdate": "2015-01-01"}])
    assert jobindsats.refresh(con, client=client) == []
    assert requested_paths(httpserver) == ["/v2/tables"]


# --- the mapping ---------------------------------------------------------------------------------

def test_mapping_is_keyed_on_ids_the_loader_recognises():
    tables = jobindsats.mapping()
    assert set(tables) >= {"y60a02", "y36a02", "y38a02", "y60c07"}
    assert tables["y60a02"].measurements == ("mgrpa02_1", "mgrpa02_3", "mgrpa02_4b")
    assert tables["y60c07"].kind == "activation"
    assert tables["y36a02"].measurements == ("*",) and tables["y38a02"].measurements == ("*",)
    for spec in tables.values():
        for id_, target in spec.ids.items():
            assert header_map(KINDS[spec.kind], [id_]).get(0, "").removeprefix("measure:") == target, id_
        if spec.kind == "visitation":  # the loader must be able to tell the benefit from the IDs
            assert any(i in loader.BENEFIT_BY_ID for i in spec.ids), spec.table_id


def test_cli_fetch_loads_with_provenance_and_bad_key_is_plain(httpserver, tmp_path):
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "HELHEDSBLIK_WAREHOUSE": str(tmp_path / "w.duckdb"), "JOBINDSATS_API_KEY": KEY,
           "JOBINDSATS_API_URL": httpserver.url_for("").rstrip("/")}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "pipelines", *args], cwd=root, env=env, capture_output=True,
                              text=True, timeout=120)

    httpserver.expect_request(V2_PATH.format("y60c07"), method="POST").respond_with_json(Y60C07)
    out = cli("fetch", "--table", "y60c07", "--area", "Aarhus,Randers", "--period", "l(M:24)")
    assert out.returncode == 0, out.stderr
    assert "activation" in out.stdout
    listing = cli("loads").stdout
    assert "jobindsats API" in listing
    httpserver.clear()
    httpserver.expect_request(V2_PATH.format("y60c07")).respond_with_json(BAD_KEY_REPLY)
    out = cli("fetch", "--table", "y60c07", "--area", "Aarhus", "--period", "2024M01")
    assert out.returncode == 1
    assert "API-nøglen er forkert eller udløbet" in out.stderr
    assert KEY not in out.stdout + out.stderr
    assert cli("check").returncode == 0
