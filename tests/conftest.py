"""Shared fixtures: real DuckDB files in temporary folders, built once where they can be shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines import build
from pipelines.warehouse import connect
from tests.helpers import DEMO_UNTIL


@pytest.fixture
def warehouse(tmp_path, monkeypatch) -> Path:
    """An empty warehouse (schema and reference data only) that HELHEDSBLIK_WAREHOUSE points at."""
    path = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("HELHEDSBLIK_WAREHOUSE", str(path))
    connect(path).close()
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
def write_file(tmp_path):
    """Write text (or bytes) to a file in tmp_path and return its path."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return _write


os.environ.setdefault("HELHEDSBLIK_USER", "test")


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
