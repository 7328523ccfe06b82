"""What the jobindsats test modules share (a pytest plugin, named in conftest.py): no test reaches the internet
(``offline``, which those modules use on every test), the fake v3 server with every mapped table (``api``), a client
of it, and what the fake served and the views hold, to compare."""

from __future__ import annotations

from pathlib import Path

import fake_jobindsats as fj
import pytest

from pipelines import danish, warehouse
from pipelines.jobindsats import Client

KEY = fj.KEY
ROOT = Path(__file__).resolve().parent.parent
MEASURES = ("persons", "full_time_persons", "full_time_pct", "full_time_pct_population")
BENCHMARK_COLUMNS = (
    "expected_ftp",
    "actual_ftp",
    "difference_ftp",
    "expected_pct",
    "actual_pct",
    "difference_pct",
    "rank",
)


@pytest.fixture
def offline(monkeypatch, tmp_path):
    # A client built without base_url must not reach api.jobindsats.dk, nor a real key leak into a test.
    monkeypatch.setenv("JOBINDSATS_API_URL", f"http://127.0.0.1:{fj.closed_port()}")
    monkeypatch.delenv("JOBINDSATS_API_KEY", raising=False)
    monkeypatch.setenv("HELHEDSBLIK_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))  # saved replies beside it
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def api(httpserver_ipv4) -> fj.FakeJobindsats:
    return fj.FakeJobindsats(httpserver_ipv4).add(*fj.mapped_tables())


def client_for(fake, **kwargs) -> Client:
    kwargs.setdefault("backoff", 0.01)
    return Client(base_url=fake.base_url, key=KEY, **kwargs)


def code_of(value_id: str) -> str:
    return {"/": "000", fj.UNKNOWN_AREA: "999"}.get(value_id) or fj.CODE_OF[value_id]


def served_visitation(con, table: fj.FakeTable, areas: list[str], periods: list[str]) -> set[tuple]:
    """What the fake served, as the visitation view should have it: (area code, period, category, measure, value)."""
    categories = warehouse.vocabulary(con, "category")
    out = set()
    for area in areas:
        for period in periods:
            for value_id, name in table.dimensions[0].values:
                cells = table.cells(area, period, value_id)
                for measure, value in zip(MEASURES, cells or [], strict=False):
                    code = categories[danish.normalise(name)]
                    out.add((code_of(area), period, code, measure, None if value is None else float(value)))
    return out


def loaded_visitation(con) -> set[tuple]:
    return set(con.execute("select area_code, period, category, measure, value from visitation").fetchall())


def randers(areas: set[str] | None = None, periods: set[str] | None = None) -> set[tuple]:
    """The real y30r21 rows, as the benchmark view should have them: (area, period, group label, 7 figures)."""
    out = set()
    for r in fj.randers_rows():
        if (areas is None or r["Area"] in areas) and (periods is None or r["Periode"] in periods):
            figures = [fj._number(v) for v in list(r.values())[3:]]
            out.add((r["Area"], r["Periode"], r["Ydelsesgrupper"], *(float(v) for v in figures)))
    return out


def loaded_benchmark(con) -> set[tuple]:
    return set(
        con.execute(
            f"select area, period, benefit_group_label, {', '.join(BENCHMARK_COLUMNS)} from benchmark"
        ).fetchall()
    )
