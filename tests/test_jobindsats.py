"""The jobindsats API v3 client against the fake v3 server (tests/fake_jobindsats.py: real replies and the
contract's shapes), through the real loader into a real DuckDB file, checked through the views.

No test reaches the internet: every client gets a 127.0.0.1 base URL, and the default base URL is pointed at a
closed local port in case one is forgotten.
"""

from __future__ import annotations

import json
import logging
import shutil
import traceback
from datetime import date, timedelta
from pathlib import Path

import fake_jobindsats as fj
import pytest
from tests.helpers import state
from tests.jobindsats_helpers import (
    KEY,
    ROOT,
    client_for,
    loaded_benchmark,
    loaded_visitation,
    randers,
    served_visitation,
)

from pipelines import config, integrity, loader, refresh, warehouse
from pipelines.jobindsats import (
    BadKey,
    Client,
    JobindsatsError,
    MappingMismatch,
    NetworkError,
    NotFound,
    Refused,
    UnexpectedReply,
    UnknownCategories,
    fetch,
    model,
    replies,
)
from pipelines.jobindsats.mapped_tables import MappedMeasure, TableMapping

# Every test runs offline: a client built without base_url reaches no real server, and no real key leaks in.
pytestmark = pytest.mark.usefixtures("offline")


# --- the real replies, read as documented ---------------------------------------------------------------


def test_every_real_data_reply_is_served_unchanged_and_read_as_documented(api):
    client = client_for(api)
    assert len(api.real) == 13
    for (path, query), file in api.real.items():
        params = {k: v for k, v in query if k != "format"}
        reply = client.data(path.rsplit("/", 1)[1], params)
        saved = json.loads(file.read_text(encoding="utf-8"))
        assert reply.columns == saved["columns"] and reply.rows == saved["rows"], file.name
        assert reply.columns[:2] == ["Periode", "Område"]
        assert client.exchanges[-1].body == file.read_bytes()  # byte for byte


def test_the_real_422_bodies_are_the_documented_error():
    for file in sorted(fj.REAL.glob("v3error_422_*.json")):
        reply = model.ErrorReply.model_validate_json(file.read_bytes())
        assert reply.code == 422 and reply.cause and reply.request_id


def test_group_prefixed_labels_of_a_real_reply_are_matched_with_or_without_the_group():
    columns = json.loads((fj.REAL / "v3data_y01h01_sanctions_total.78da65f.json").read_text(encoding="utf-8"))[
        "columns"
    ]
    spec = TableMapping(
        "y01h01",
        "activation",
        "Q",
        (),
        (
            MappedMeasure("persons", "Antal sanktioner i alt", None),
            MappedMeasure("activated", "Karantæne (selvforskyldt ledighed)", None),  # the group is not named
            MappedMeasure("activation_rate", "Antal sanktioner fordelt på type:Andre  (arbejdskrav)", None),
        ),
    )
    found, missing = replies.measure_positions(spec, None, columns, 3)
    assert missing == []
    assert {columns[p]: m for p, m in found.items()} == {
        "Antal sanktioner i alt": "persons",
        "Antal sanktioner fordelt på type: Karantæne (selvforskyldt ledighed)": "activated",
        "Antal sanktioner fordelt på type: Andre (arbejdskrav)": "activation_rate",
    }


def test_the_test_data_are_the_shared_real_replies():
    shared = ROOT.parent / "shared" / "jobindsats" / "real"
    if not shared.is_dir():
        pytest.skip("../shared/jobindsats/real is not beside this checkout")
    assert sorted(p.name for p in shared.iterdir()) == sorted(p.name for p in fj.REAL.iterdir())
    for p in shared.iterdir():
        assert p.read_bytes() == (fj.REAL / p.name).read_bytes(), p.name


# --- catalogue and metadata ----------------------------------------------------------------------------------


@pytest.mark.parametrize("periods_as_list", [False, True])
def test_catalogue_and_metadata_as_documented(api, periods_as_list):
    api.catalogue_periods_as_list = periods_as_list  # how the catalogue nests periodtypes is not settled
    client = client_for(api)
    tables = client.catalogue().tables()
    assert set(tables) == {"y60a02", "y36a02", "y38a02", "y60c07", "y30r21"}
    entry, subject, _ = tables["y30r21"]
    assert subject == "Benchmarking" and entry.period_last("QMAT") == "2022QMAT04"
    assert entry.update_next == date.today() + timedelta(days=10)
    assert tables["y36a02"][0].update_next is None
    meta = client.table("y60a02")
    assert meta.periods["M"][0] == "2021M08" and meta.newest() == "2026M10"
    area = meta.area_hierarchy()
    assert area.hierarchy_id == "_nykom" and len(area.values) == 100
    assert [v.value_name for v in meta.hierarchy_of("_viskat_1int").values][:2] == [
        "Visitationskategori i alt",
        "Jobparat",
    ]
    assert client.table("y30r21").period_type() == "QMAT"
    assert client.table("y30r21").mgroups["mgrpr21_3"] == "Placering på benchmarkranglisten"


def test_metadata_without_a_documented_key_names_it_and_where_the_replies_are(api, tmp_path):
    meta = api.tables["y60a02"].metadata()
    del meta["mgroups"]
    meta["periods"][0]["period_ids"] = [v["period_id"] for v in meta["periods"][0].pop("values")]  # the old guess
    api.script("/v3/table", 200, json.dumps(meta))
    with pytest.raises(UnexpectedReply) as info:
        client_for(api).table("y60a02")
    message = str(info.value)
    assert "nøglen 'values' mangler i periods[0]" in message and "nøglen 'mgroups' mangler øverst i svaret" in message
    folder = Path(message.split("er gemt (uden nøgle) i ")[1].split(":")[0])
    assert folder.parent == tmp_path / "jobindsats-svar"
    saved = sorted(p.name for p in folder.iterdir())
    assert saved == ["01-table-y60a02.json", "forespørgsler.txt"]
    assert json.loads((folder / saved[0]).read_text(encoding="utf-8")) == meta
    assert KEY not in "".join(p.read_text(encoding="utf-8") for p in folder.iterdir())


def test_a_catalogue_of_another_shape_is_refused_in_one_place(api):
    api.script("/v3/tables", 200, json.dumps([{"subject_name": "x", "table_groups": [{"tables": [{"table_id": 1}]}]}]))
    with pytest.raises(UnexpectedReply) as info:
        client_for(api).catalogue()
    message = str(info.value)
    assert "nøglen 'table_group_name' mangler i [0].table_groups[0]" in message
    assert "[0].table_groups[0].tables[0].table_id: forventede tekst, fik 1" in message


# --- fetch: the figures served are the figures loaded ---------------------------------------------------------


def test_one_area_lands_exactly_the_figures_served(con, api):
    result = refresh.fetch_to_warehouse(
        "y60a02", "Aarhus", "latest:2", con=con, client=client_for(api), loaded_by="ana"
    )
    table = api.tables["y60a02"]
    aarhus = table.area_id("Aarhus")
    expected = served_visitation(con, table, [aarhus], ["2026M09", "2026M10"])
    assert loaded_visitation(con) == expected and len(expected) == 2 * 6 * 4
    assert result.kind == "visitation" and result.rows == 48
    # Suppressed is missing, never zero; both shares are kept, as two measures.
    assert con.execute(
        "select value, suppressed from visitation where category = 'uoplyst' and measure = 'persons' "
        "and period = '2026M10'"
    ).fetchall() == [(None, True)]
    assert con.execute("select distinct benefit from visitation").fetchall() == [("kontanthjaelp",)]
    ((source, table_id, version, query, by, period_to),) = con.execute(
        "select source, table_id, api_version, query, loaded_by, period_to from loads"
    ).fetchall()
    assert (source, table_id, version, by, period_to) == ("jobindsats API", "y60a02", "v3", "ana", "2026M10")
    assert query == (
        f"GET {api.base_url}/data/y60a02?format=json&mgroup.*=*&period.M=latest:2&hierarchy._nykom={aarhus}"
        "&hierarchy._viskat_1int=*"
    )
    assert integrity.check(con) == []


def test_several_areas_land_exactly_the_real_benchmark_figures(con, api):
    wanted = {"København", "Aarhus", "Randers"}
    refresh.fetch_to_warehouse(
        "y30r21", ["København", "Århus Kommune", "730"], "2021QMAT04-2022QMAT04", con=con, client=client_for(api)
    )
    periods = {"2021QMAT04", "2022QMAT02", "2022QMAT04"}
    assert loaded_benchmark(con) == randers(wanted, periods) and len(randers(wanted, periods)) == 36
    # One request per area, each for the newest periods down to the oldest wanted; the newer ones are dropped.
    assert [dict(r)["hierarchy._nykom"] for r in api.data_requests] == [
        fj.area_value(a) for a in ("København", "Aarhus", "Randers")
    ]
    assert {dict(r)["period.QMAT"] for r in api.data_requests} == {"latest:3"}


def test_all_98_municipalities_land_all_2352_real_rows(con, api):
    refresh.fetch_to_warehouse("y30r21", "*", "latest:6", con=con, client=client_for(api))
    assert loaded_benchmark(con) == randers() and len(randers()) == 2352
    assert api.data_requests == [
        [("mgroup.*", "*"), ("period.QMAT", "latest:6"), ("hierarchy._nykom", "*"), ("hierarchy._ygrp_y30r21", "*")]
    ]
    rank = con.execute(
        "select rank from benchmark where area = 'København' and period = '2022QMAT02' and benefit_group = 'i_alt'"
    ).fetchall()
    assert rank == [(46,)]


def test_all_areas_keep_hele_landet_and_uoplyst_omraade_once(con, api):
    refresh.fetch_to_warehouse("y60a02", "*", "latest:1", con=con, client=client_for(api))
    table = api.tables["y60a02"]
    assert loaded_visitation(con) == served_visitation(con, table, [v for v, _ in fj.AREAS], ["2026M10"])
    areas = con.execute("select area_code, count(*) from visitation group by all").fetchall()
    assert len(areas) == 100 and {n for _, n in areas} == {24}  # each area once: 6 categories × 4 measures
    assert {"000", "999"} <= {a for a, _ in areas}
    assert [dict(r)["hierarchy._nykom"] for r in api.data_requests] == ["*"]  # never "/" beside "*"


def test_y60c07_measures_found_by_their_groups_and_old_tables_by_their_benefit(con, api):
    client = client_for(api)
    refresh.fetch_to_warehouse("y60c07", ["Aarhus", "København"], "2026M09", con=con, client=client)
    assert con.execute(
        "select area, period, activation_rate, touched_share from activation order by area"
    ).fetchall() == [("Aarhus", "2026M09", 29.4, 41.0), ("København", "2026M09", 42.4, None)]  # fake's made-up figures
    assert all(not any(k.startswith("hierarchy._k") for k, _ in r) for r in api.data_requests)  # no dimension asked
    refresh.fetch_to_warehouse("y36a02", "Hjørring", "latest:1", con=con, client=client)
    refresh.fetch_to_warehouse("y38a02", "860", "2025M06", con=con, client=client)
    hjoerring = fj.area_value("Hjørring")
    both = served_visitation(con, api.tables["y36a02"], [hjoerring], ["2025M06"])
    both |= served_visitation(con, api.tables["y38a02"], [hjoerring], ["2025M06"])
    assert loaded_visitation(con) - {r for r in loaded_visitation(con) if r[1] == "2026M09"} == both
    # No column holds the benefit: the category's dimension id tells it (y36a02 kontanthjælp, y38a02 uddannelseshjælp).
    assert con.execute(
        "select distinct benefit, category from visitation where period = '2025M06' order by 1, 2"
    ).fetchall() == [
        ("kontanthjaelp", "aktivitetsparat"),
        ("kontanthjaelp", "i_alt"),
        ("kontanthjaelp", "jobparat"),
        ("uddannelseshjaelp", "aabenlyst_uddannelsesparat"),
        ("uddannelseshjaelp", "aktivitetsparat"),
        ("uddannelseshjaelp", "i_alt"),
        ("uddannelseshjaelp", "uddannelsesparat"),
    ]


def test_relabelled_measures_still_load(con, api):
    table = api.tables["y60a02"]
    table.measures[3].name = "fuldtidspersoner i pct.  af Befolkningen"  # spacing and case drift
    for m in table.measures[2:]:
        m.group_id, m.group_name = "mgrpa02_3", "Andele"  # one group holds both shares now: "Andele: …"
    refresh.fetch_to_warehouse("y60a02", "Aarhus", "2026M10", con=con, client=client_for(api))
    aarhus = table.area_id("Aarhus")
    assert loaded_visitation(con) == served_visitation(con, table, [aarhus], ["2026M10"])


def test_value_ids_map_to_our_codes_before_labels(tmp_path, monkeypatch, api):
    reference = tmp_path / "reference"
    shutil.copytree(config.REFERENCE_DIR, reference)
    (reference / "jobindsats_values.csv").write_text(
        "dimension_id,value_id,code,note\n_viskat_1int,/1/,jobparat,test\n", encoding="utf-8"
    )
    monkeypatch.setattr(config, "REFERENCE_DIR", reference)
    api.tables["y60a02"].dimensions[0].values[1] = ("/1/", "Jobparate borgere (ny betegnelse)")
    con = warehouse.connect(tmp_path / "w.duckdb")
    try:
        refresh.fetch_to_warehouse("y60a02", "Aarhus", "2026M10", con=con, client=client_for(api))
        served = api.tables["y60a02"].cells(api.tables["y60a02"].area_id("Aarhus"), "2026M10", "/1/")[0]
        assert ("jobparat", float(served)) in con.execute(
            "select category, value from visitation where measure = 'persons'"
        ).fetchall()
    finally:
        con.close()


def test_large_requests_are_split_by_areas(con, api):
    client = client_for(api, max_cells=50)  # all areas at once would be 100 × 2 periods × 2 measures
    fetched = fetch(client, "y60c07", "*", "latest:2")
    assert [dict(r)["hierarchy._nykom"] for r in api.data_requests] == [v for v, _ in fj.AREAS]
    result = refresh.load_fetched(con, fetched)
    assert result.rows == 99 * 2  # Uoplyst område has no figures here
    assert len(con.execute("select query from loads").fetchall()[0][0].splitlines()) == 100


def test_a_failed_part_loads_none_of_the_others(con, api):
    before = state(con)
    api.fail_data_call = 3
    with pytest.raises(NetworkError, match="serveren svarede 500"):
        refresh.fetch_to_warehouse(
            "y60a02", ["Aarhus", "Odense", "Randers"], "latest:2", con=con, client=client_for(api, retries=1)
        )
    assert state(con) == before


# --- errors: plain Danish, what to do, nothing written ------------------------------------------------------------


def test_422_unknown_hierarchy_names_it_and_the_tables_hierarchies(con, api):
    api.refused_hierarchies = {"_nykom"}  # as y25i14 refused _nykom: the real body, unchanged
    before = state(con)
    with pytest.raises(Refused) as info:
        refresh.fetch_to_warehouse("y60a02", "Aarhus", "2026M10", con=con, client=client_for(api))
    assert str(info.value).startswith(
        "jobindsats.dk kender ikke hierarkiet _nykom i y60a02 (422); tabellen har hierarkierne _nykom, _viskat_1int."
    )
    assert info.value.request_id == "d93663a8-36f4-473a-a2ff-834be550e415"  # the real reply's
    assert state(con) == before


def test_422_unknown_period_type_and_too_many_periods_say_what_the_table_has(api):
    client = client_for(api)
    client.table("y60a02")
    with pytest.raises(Refused, match=r"^y60a02 har ingen perioder af typen Q \(422\); den har M\."):
        client.data("y60a02", {"mgroup.*": "*", "period.Q": "latest:1"})
    with pytest.raises(
        Refused, match=r"de seneste 99 perioder af typen M i y60a02, men jobindsats.dk har kun 63 \(2021M08–2026M10\)"
    ):
        client.data("y60a02", {"mgroup.*": "*", "period.M": "latest:99"})


def test_periods_and_areas_are_checked_against_the_metadata_before_asking(api):
    client = client_for(api)
    with pytest.raises(
        NotFound, match=r"de seneste 99 perioder af y60a02, men jobindsats.dk har kun 63 \(2021M08–2026M10\)"
    ):
        fetch(client, "y60a02", "*", "latest:99")
    with pytest.raises(NotFound, match=r"2020M01 findes ikke i y60a02: jobindsats.dk har 2021M08–2026M10"):
        fetch(client, "y60a02", "*", "2020M01")
    with pytest.raises(NotFound, match="'Atlantis'"):
        fetch(client, "y60a02", ["Aarhus", "Atlantis"], "2026M10")
    with pytest.raises(NotFound, match="ikke kortlagt"):
        fetch(client, "y99x99", "*", "2026M10")
    for nonsense in ("latest:0", "2026M13", "2026M01-2026Q02", "", "2024Q01"):
        with pytest.raises(JobindsatsError):
            fetch(client, "y60a02", "*", nonsense)
    assert api.data_requests == []


@pytest.mark.parametrize(
    "status, body, content_type, said",
    [
        (401, "", "text/plain", "HTTP 401 på /table/y60a02)"),
        (
            403,
            fj.FORBIDDEN_HTML,
            "text/html",
            "'403 - Forbidden: Access is denied. You do not have permission to view this directory or page.'",
        ),
        (
            403,
            '{"code": 403, "cause": "Invalid token"}',
            "application/json",
            "HTTP 403 på /table/y60a02: 'Invalid token'",
        ),
    ],
)
def test_a_refused_key_says_what_to_check(con, api, status, body, content_type, said):
    api.script("/v3/table", status, body, content_type=content_type)
    before = state(con)
    with pytest.raises(BadKey) as info:
        refresh.fetch_to_warehouse("y60a02", "Aarhus", "2026M10", con=con, client=client_for(api))
    assert said in str(info.value)
    assert "Tjek JOBINDSATS_API_KEY" in str(info.value) and "uden 'Bearer' foran" in str(info.value)
    assert state(con) == before


def test_a_wrong_key_gets_the_403_page(api):
    with pytest.raises(BadKey, match="You do not have permission to view this directory or page"):
        Client(base_url=api.base_url, key="WRONG").table("y60a02")


def test_unknown_table_is_404(api):
    with pytest.raises(NotFound, match="kender ikke /table/y99x99 \\(404\\): findes tabellen"):
        client_for(api).table("y99x99")


def test_429_with_retry_after_then_success(con, api):
    api.script("/v3/data", 429, "", {"Retry-After": "1"})
    api.script("/v3/data", 503)
    refresh.fetch_to_warehouse("y60c07", "Aarhus", "2026M10", con=con, client=client_for(api))
    statuses = [resp.status_code for req, resp in api.server.log if req.path.startswith("/v3/data")]
    assert statuses == [429, 503, 200]
    assert con.execute("select activation_rate from activation").fetchall() == [(29.5,)]


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
    with pytest.raises(NetworkError, match="serveren svarede 503 .*ved alle 3 forsøg. Prøv igen senere"):
        refresh.fetch_to_warehouse("y60a02", "Aarhus", "2026M08", con=con, client=client_for(api, retries=2))
    assert state(con) == before


@pytest.mark.parametrize(
    "body, expected",
    [
        ('{"columns": ["Periode"], "rows": ', "ikke gyldig JSON"),
        ("<html><body>Login</body></html>", "HTML"),
        ('[{"Variables": [], "Data": []}]', "ikke af den dokumenterede form: øverst i svaret: forventede et objekt"),
        ('{"rows": []}', "nøglen 'columns' mangler øverst i svaret"),
        ('{"columns": ["Periode", "Område", "Aktiveringsgrad"], "rows": [["2026M10"]]}', "række 1 har 1 værdier"),
        ('{"columns": ["Område", "Periode", "Aktiveringsgrad"], "rows": []}', "forventede 'Periode' og 'Område'"),
        (
            '{"columns": ["Periode", "Område", "Aktiveringsgrad", "Andel aktiveringsberørte"], '
            '"rows": [["2026M10", "Aarhus", "..", 1.0]]}',
            "kolonne 'Aktiveringsgrad' er teksten '..'; forventede et tal eller null",
        ),
    ],
)
def test_a_reply_of_another_shape_is_refused_saying_what_and_where_it_was_saved(con, api, body, expected):
    api.script("/v3/data", 200, body)
    before = state(con)
    with pytest.raises(UnexpectedReply) as info:
        refresh.fetch_to_warehouse("y60c07", "Aarhus", "2026M10", con=con, client=client_for(api))
    assert expected in str(info.value) and "er gemt (uden nøgle) i " in str(info.value)
    assert state(con) == before


def test_a_measure_the_reply_lacks_is_named_with_what_it_has(con, api):
    api.tables["y30r21"].measures[6].name = "Placering"
    before = state(con)
    with pytest.raises(MappingMismatch) as info:
        refresh.fetch_to_warehouse("y30r21", "Aarhus", "latest:1", con=con, client=client_for(api))
    message = str(info.value)
    assert "har ikke 'Placering på benchmarkranglisten' (rank)" in message and "'Placering'" in message
    assert "Ret betegnelsen i data/jobindsats_mapping.csv" in message
    assert state(con) == before


def test_timeout_is_retried_then_explained(api):
    api.delay = 0.5
    with pytest.raises(NetworkError, match="intet svar inden for tidsgrænsen ved alle 2 forsøg"):
        client_for(api, timeout=(2, 0.2), retries=1).table("y60a02")


def test_connection_refused():
    with pytest.raises(NetworkError, match="forbindelsen blev afvist"):
        Client(base_url=f"http://127.0.0.1:{fj.closed_port()}", key=KEY, retries=1, backoff=0.01).catalogue()


def test_no_key_and_a_key_with_control_characters():
    with pytest.raises(JobindsatsError, match="Ingen API-nøgle: sæt JOBINDSATS_API_KEY"):
        Client(base_url="http://127.0.0.1:1")
    with pytest.raises(JobindsatsError) as info:
        Client(base_url="http://127.0.0.1:1", key="abc\ndef")
    assert "abc" not in str(info.value)


def test_a_reply_the_loader_rejects_changes_nothing(con, api):
    table = api.tables["y60c07"]
    table.overrides[(table.area_id("Aarhus"), "2026M10", "/")] = [140.0, 44.2]  # a share over 100
    before = state(con)
    with pytest.raises(loader.ExtractRejected, match="andel uden for 0-100"):
        refresh.fetch_to_warehouse("y60c07", "Aarhus", "2026M10", con=con, client=client_for(api))
    assert state(con) == before


def test_the_key_appears_nowhere(con, api, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    client = client_for(api, retries=1, keep_all_replies=True)
    assert KEY not in repr(client)
    refresh.fetch_to_warehouse("y60c07", "Aarhus", "2026M10", con=con, client=client)
    for _ in range(2):  # both tries
        api.script("/v3/data", 500, f"internal error for key {KEY}")
    with pytest.raises(NetworkError) as info:
        fetch(client, "y60c07", "Aarhus", "2026M09")
    api.script("/v3/data", 418, f"teapot {KEY}")
    with pytest.raises(UnexpectedReply) as teapot:
        fetch(client, "y60c07", "Aarhus", "2026M09")
    text = "".join(str(e.value) + "".join(traceback.format_exception(e.value)) for e in (info, teapot))
    assert KEY not in text and "***" in text
    assert KEY not in caplog.text
    assert all(KEY not in (q or "") for (q,) in con.execute("select query from load_log").fetchall())
    saved = client.save_replies(tmp_path / "svar")
    assert all(KEY.encode() not in p.read_bytes() for p in saved.iterdir())


# --- the 2027 reform: a new classification era is a data change ------------------------------------------------

REFORM_ROW = "category,reform_jobparat,Jobparat (reform 2027),jobparat efter reformen,2027-01-01,,41,true,,,\n"


@pytest.fixture
def reform_2027_api(api):
    table = api.tables["y60a02"]
    table.periods.append("2027M01")
    table.dimensions[0].values.append(("/9/", "Jobparat efter reformen"))
    aarhus = table.area_id("Aarhus")
    table.overrides[(aarhus, "2027M01", "/9/")] = [5000, 4800.0, 9.1, 7.2]
    for value_id, _ in table.dimensions[0].values[:-1]:
        table.overrides[(aarhus, "2027M01", value_id)] = None
    return api


def test_unknown_categories_are_refused_naming_value_table_period_and_file(con, reform_2027_api):
    before = state(con)
    with pytest.raises(UnknownCategories) as info:
        refresh.fetch_to_warehouse("y60a02", "Aarhus", "2027M01", con=con, client=client_for(reform_2027_api))
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
        refresh.fetch_to_warehouse("y60a02", "Aarhus", "2027M01", con=con, client=client_for(reform_2027_api))
        assert con.execute(
            "select category, measure, value from visitation where period = '2027M01' order by measure"
        ).fetchall() == [
            ("reform_jobparat", "full_time_pct", 9.1),
            ("reform_jobparat", "full_time_pct_population", 7.2),
            ("reform_jobparat", "full_time_persons", 4800.0),
            ("reform_jobparat", "persons", 5000.0),
        ]
        era = con.execute("select distinct era from visitation_detail where period = '2027M01'").fetchall()
        assert era == [("Beskæftigelsesreformen 2027",)]
        con.close()
    finally:
        warehouse.clear_reference_cache()
