"""Shared fixtures: real DuckDB files in temporary folders, built once where they can be shared."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pipelines import build
from pipelines.warehouse import connect
from tests.helpers import DEMO_UNTIL


@pytest.fixture(scope="session")
def empty_warehouse(tmp_path_factory) -> Path:
    """Schema and reference data, built once per test session (per xdist worker); tests get copies."""
    path = tmp_path_factory.mktemp("empty") / "warehouse.duckdb"
    connect(path).close()
    return path


@pytest.fixture
def warehouse(empty_warehouse, tmp_path, monkeypatch) -> Path:
    """An empty warehouse (schema and reference data only) of this test's own that HELHEDSBLIK_WAREHOUSE points at."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(empty_warehouse, path)
    monkeypatch.setenv("HELHEDSBLIK_WAREHOUSE", str(path))
    return path


@pytest.fixture
def con(warehouse):
    connection = connect(warehouse)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory) -> Path:
    """Seed plus synthetic demo, built once per test session through the real pipeline."""
    root = tmp_path_factory.mktemp("built")
    path = root / "warehouse.duckdb"
    connection = connect(path)
    try:
        build.load_demo(connection, until=DEMO_UNTIL, out_dir=root / "demo")
        build.load_seed(connection)
    finally:
        connection.close()
    return path


@pytest.fixture
def warehouse_copy(built_warehouse, tmp_path, monkeypatch) -> Path:
    """A copy of the built warehouse of this test's own, for tests that write to it or run pages against it;
    the app's caches and its count of wrong passphrases start afresh."""
    import streamlit as st

    import queries
    from presentation import access

    path = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, path)
    monkeypatch.setenv("HELHEDSBLIK_WAREHOUSE", str(path))
    queries.snapshot_reader.clear()
    st.cache_data.clear()
    access.FAILURES.clear()
    yield path
    queries.snapshot_reader.clear()


@pytest.fixture
def write_file(tmp_path):
    """Write text (or bytes) to a file in tmp_path and return its path."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return _write


os.environ.setdefault("HELHEDSBLIK_USER", "test")

# The jobindsats modules' fixtures (offline, api): a plugin, so that the two modules share them.
pytest_plugins = ("tests.jobindsats_helpers",)


def pytest_terminal_summary(terminalreporter):
    """Make skipped browser tests impossible to miss."""
    skipped = terminalreporter.stats.get("skipped", [])
    if any("BROWSER TESTS SKIPPED" in str(getattr(r, "longrepr", "")) for r in skipped):
        terminalreporter.write_line("")
        terminalreporter.write_line(
            "NOTICE: the real-browser tests were SKIPPED because /usr/bin/chromium is missing "
            "(apt-get install chromium).",
            yellow=True,
            bold=True,
        )
