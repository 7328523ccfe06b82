"""A deployment's own default municipality (HELHEDSBLIK_DEFAULT_AREA), read when the filters are imported."""

from __future__ import annotations

import importlib
import shutil

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import queries
from pipelines import config
from pipelines.errors import PipelineError
from presentation import filters
from tests.test_pages import page_path


@pytest.fixture
def default_area(built_warehouse, tmp_path, monkeypatch):
    shutil.copy(built_warehouse, tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("HELHEDSBLIK_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    queries.snapshot_reader.clear()
    st.cache_data.clear()

    def run(code: str | None, **params) -> AppTest:
        if code is None:
            monkeypatch.delenv("HELHEDSBLIK_DEFAULT_AREA", raising=False)
        else:
            monkeypatch.setenv("HELHEDSBLIK_DEFAULT_AREA", code)
        importlib.reload(filters)
        at = AppTest.from_file(page_path("overblik"), default_timeout=60)
        for key, value in params.items():
            at.query_params[key] = value
        return at.run()

    yield run
    monkeypatch.delenv("HELHEDSBLIK_DEFAULT_AREA", raising=False)
    importlib.reload(filters)
    queries.snapshot_reader.clear()


def test_a_deployment_sets_its_own_default_municipality(default_area):
    assert default_area("751").sidebar.selectbox(key="f_area").value == "751"  # Aarhus
    assert default_area(None).sidebar.selectbox(key="f_area").value == "101"  # København
    # A link still wins, and an area code the warehouse does not know falls back to København.
    assert default_area("751", kommune="825").sidebar.selectbox(key="f_area").value == "825"
    assert default_area("999").sidebar.selectbox(key="f_area").value == "101"


def test_a_setting_that_is_no_area_code_stops_with_a_danish_message(monkeypatch):
    monkeypatch.setenv("HELHEDSBLIK_DEFAULT_AREA", "Aarhus")
    with pytest.raises(PipelineError, match="HELHEDSBLIK_DEFAULT_AREA er 'Aarhus': forventede en kommunekode"):
        config.settings()
