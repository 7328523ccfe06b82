"""The router (app.py) run by AppTest: an error a page raises reaches the user as Danish text and the server log
with its traceback, once, whatever page raised it."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import queries

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def router(monkeypatch):
    """Run app.py against the warehouse at ``path``, on the page file ``page`` (None: the default page)."""

    def run(path: Path, page: str | None = None) -> AppTest:
        monkeypatch.setenv("HELHEDSBLIK_WAREHOUSE", str(path))
        queries.snapshot_reader.clear()
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        if page:
            at.switch_page(str(ROOT / "pages" / page)).run()
        return at

    yield run
    queries.snapshot_reader.clear()
    st.cache_data.clear()


def shown_text(at: AppTest) -> str:
    return " ".join(str(getattr(el, "value", "")) for el in at.main)


def logged(caplog, ref: str) -> logging.LogRecord:
    (record,) = [r for r in caplog.records if r.name == "helhedsblik" and ref in r.getMessage()]
    return record


def test_a_failing_query_is_explained_in_danish_and_logged_with_its_cause(router, built_warehouse, tmp_path, caplog):
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, path)
    con = duckdb.connect(str(path))
    con.execute("drop view match_groups")  # the shared-citizens page's view: its queries fail, the rest work
    con.close()

    at = router(path, "faelles_borgere.py")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Fælles borgere"
    (error,) = at.error
    assert error.value.startswith("Siden kan ikke vises, fordi data ikke kunne hentes fra datalageret.")
    ref = re.search(r"fejl-id ([0-9a-f]{8})", error.value).group(1)
    assert "match_groups" not in shown_text(at) and "Catalog Error" not in shown_text(at)
    record = logged(caplog, ref)
    assert record.levelno == logging.ERROR and "Fælles borgere" in record.getMessage()
    assert isinstance(record.exc_info[1], queries.QueryError)
    assert isinstance(record.exc_info[1].__cause__, duckdb.CatalogException)

    # The other pages still work on the same warehouse.
    at.switch_page(str(ROOT / "pages" / "sagstal.py")).run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Sagstal"


def test_an_unexpected_error_is_explained_in_danish_and_logged_with_its_traceback(router, tmp_path, caplog):
    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(b"not a database " * 400)  # a damaged warehouse file

    at = router(path)
    assert not at.exception, [e.value for e in at.exception]
    (error,) = at.error
    assert error.value.startswith(
        "Der opstod en uventet fejl, så siden kan ikke vises. Fejlen er skrevet i serverens log."
    )
    ref = re.search(r"fejl-id ([0-9a-f]{8})", error.value).group(1)
    assert str(tmp_path) not in shown_text(at)  # no server path, no database wording in the browser
    record = logged(caplog, ref)
    assert "Overblik" in record.getMessage()
    assert isinstance(record.exc_info[1], duckdb.IOException) and str(path) in str(record.exc_info[1])
    assert "Traceback (most recent call last)" in caplog.text
