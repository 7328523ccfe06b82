"""Series over time at every frequency: a quarter's and a year's figures are the stated aggregate of the months of
the same era (recomputed here from the monthly rows), categories never exceed their total, no period appears twice,
and every figure is a plain integer or float. On the demo warehouse and on the published figures (the seed) alone.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import defaultdict
from datetime import date

import polars as pl
import pyarrow as pa
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import queries
from pipelines import build
from pipelines.periods import FIRST_ERA
from pipelines.warehouse import connect
from presentation import export, sections
from queries import over_time

FIRST, LAST = "2007M01", "2026M09"
DEMO_AREAS = ("751", "101", "000")
SEED_AREAS = ("860", "580", "101", "000")
FREQS = ("M", "Q", "Y")
PAGES = "pages"


@pytest.fixture(scope="module", params=["demo", "seed"])
def published(request, built_warehouse, tmp_path_factory):
    """A published warehouse the query functions read: the demo build (a copy), or the seed loaded alone."""
    root = tmp_path_factory.mktemp(f"over_time_{request.param}")
    path = root / "warehouse.duckdb"
    if request.param == "demo":
        shutil.copy(built_warehouse, path)
    else:
        con = connect(path)
        try:
            build.load_seed(con)
        finally:
            con.close()
    before = os.environ.get("HELHEDSBLIK_WAREHOUSE")
    os.environ["HELHEDSBLIK_WAREHOUSE"] = str(path)
    queries.snapshot_reader.clear()
    st.cache_data.clear()
    yield request.param
    queries.snapshot_reader.clear()
    st.cache_data.clear()
    if before is None:
        os.environ.pop("HELHEDSBLIK_WAREHOUSE", None)
    else:
        os.environ["HELHEDSBLIK_WAREHOUSE"] = before


def areas(kind: str) -> tuple[str, ...]:
    return DEMO_AREAS if kind == "demo" else SEED_AREAS


# --- an independent recomputation of a period from its months ---------------------------------------------------


def era_of(month: date) -> str:
    era = FIRST_ERA
    for b in sorted(queries.series_breaks(), key=lambda b: b["date"]):
        if month >= b["date"]:
            era = b["label"]
    return era


def period_start(month: date, freq: str) -> date:
    if freq == "M":
        return month
    return date(month.year, 1 if freq == "Y" else 3 * ((month.month - 1) // 3) + 1, 1)


def by_period(monthly: pl.DataFrame, keys: tuple[str, ...], freq: str) -> dict[tuple, list[dict]]:
    """The monthly rows grouped by keys, era and the quarter or year they fall in."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in monthly.to_dicts():
        groups[(*(row[k] for k in keys), row["era"], period_start(row["date"], freq))].append(row)
    return groups


def mean(values: list) -> float | None:
    return None if any(v is None for v in values) else sum(values) / len(values)


def ratio(rows: list[dict], numerator: str, denominator: str) -> float | None:
    nums, dens = [r[numerator] for r in rows], [r[denominator] for r in rows]
    if any(v is None for v in nums + dens) or not sum(dens):
        return None
    return 100 * sum(nums) / sum(dens)


def keyed(df: pl.DataFrame, keys: tuple[str, ...], freq: str) -> dict[tuple, dict]:
    return {(*(r[k] for k in keys), r["era"], period_start(r["date"], freq)): r for r in df.to_dicts()}


def close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9 * max(1, abs(b)))


# --- shared properties --------------------------------------------------------------------------------------------


def assert_plain_types(df: pl.DataFrame) -> None:
    for name, dtype in df.schema.items():
        assert not isinstance(dtype, pl.Decimal) and dtype not in (pl.Int128, pl.UInt64), (name, dtype)
        if dtype.is_numeric():
            assert dtype in (pl.Int64, pl.Int32, pl.Float64), (name, dtype)


def assert_no_period_twice(df: pl.DataFrame, keys: tuple[str, ...]) -> None:
    for period in ("date", "period_label"):
        twice = df.group_by([*keys, period]).len().filter(pl.col("len") > 1)
        assert twice.is_empty(), twice.head()


def assert_eras_are_the_months_eras(monthly: pl.DataFrame) -> None:
    assert all(r["era"] == era_of(r["date"]) for r in monthly.select("date", "era").unique().to_dicts())


# --- activation -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("freq", FREQS)
def test_activation_periods_are_ratios_of_the_months_sums(published, freq):
    code, *others = areas(published)
    monthly, _ = queries.activation(code, FIRST, LAST, "M", tuple(others))
    series, _ = queries.activation(code, FIRST, LAST, freq, tuple(others))
    # A period with real and synthetic months (København's published 2007M11 among the demo's) is two figures, one
    # of each kind: never a mean of both.
    for df in (monthly, series):
        assert_plain_types(df)
        assert_no_period_twice(df, ("area_code", "series", "kind"))
    assert_eras_are_the_months_eras(monthly)
    keys = ("area_code", "series", "kind")
    got = keyed(series, keys, freq)
    expected = by_period(monthly, keys, freq)
    assert got.keys() == expected.keys()
    for key, rows in expected.items():
        row = got[key]
        assert close(row["persons"], mean([r["persons"] for r in rows])), key
        assert close(row["activated"], mean([r["activated"] for r in rows])), key
        # A rate is the period's activated over its persons, never a mean of the monthly rates.
        if all(r["persons"] is not None for r in rows):
            assert close(row["value"], ratio(rows, "activated", "persons")), key
    for r in series.drop_nulls("value").to_dicts():
        assert 0 <= r["value"] <= 100
    # No group has more persons than all recipients in the same area and period.
    everyone = {(r["area_code"], r["date"]): r["persons"] for r in series.to_dicts() if r["series"] == "Alle modtagere"}
    for r in series.to_dicts():
        whole = everyone.get((r["area_code"], r["date"]))
        if whole is not None and r["persons"] is not None:
            assert r["persons"] <= whole + 1e-9, r


def test_activation_splits_2025_at_the_break(published):
    if published != "demo":
        pytest.skip("the seed has no monthly activation")
    series, _ = queries.activation("751", "2024M01", "2026M09", "Y")
    rows = series.filter(pl.col("series") == "Alle modtagere").select("date", "period_label", "era").to_dicts()
    assert rows == [
        {"date": date(2024, 1, 1), "period_label": "2024", "era": "Visitationskategorier 2014"},
        {"date": date(2025, 1, 1), "period_label": "2025, jan.–jun.", "era": "Visitationskategorier 2014"},
        {"date": date(2025, 7, 1), "period_label": "2025, jul.–dec.", "era": "Nyt kontanthjælpssystem 2025"},
        {"date": date(2026, 1, 1), "period_label": "2026, jan.–sep.", "era": "Nyt kontanthjælpssystem 2025"},
    ]


# --- visitation -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("measure", list(queries.MEASURES))
@pytest.mark.parametrize("freq", FREQS)
def test_visitation_periods_are_the_mean_of_their_months(published, freq, measure):
    chosen = areas(published)
    monthly = queries.visitation_series(chosen, measure, "alle", FIRST, LAST, "M", False)
    series = queries.visitation_series(chosen, measure, "alle", FIRST, LAST, freq, False)
    shares = queries.visitation_series(chosen, measure, "alle", FIRST, LAST, freq, True)
    for df in (monthly, series, shares):
        assert_plain_types(df)
        assert_no_period_twice(df, ("area_code", "series"))
    assert_eras_are_the_months_eras(monthly)
    keys = ("area_code", "series")
    got = keyed(series, keys, freq)
    expected = by_period(monthly, keys, freq)
    assert got.keys() == expected.keys()
    for key, rows in expected.items():
        assert close(got[key]["value"], mean([r["value"] for r in rows])), key
        assert got[key]["has_suppressed"] == any(r["has_suppressed"] for r in rows)

    # A share is the category's months summed over all categories' months summed, in the same area and era.
    got_shares = keyed(shares, keys, freq)
    periods = by_period(monthly, ("area_code",), freq)
    for (area, era, start), rows in periods.items():
        counts = defaultdict(list)
        for r in rows:
            counts[r["series"]].append(r["value"])
        months = {len(v) for v in counts.values()}
        if len(months) != 1 or any(v is None for vs in counts.values() for v in vs):
            continue  # a category without every month: no ratio of sums to compare with
        total = sum(sum(vs) for vs in counts.values())
        for name, values in counts.items():
            assert close(got_shares[(area, name, era, start)]["value"], 100 * sum(values) / total)
    # Categories never exceed their total: shares within 0-100 and adding up to 100 where all are known.
    for (_area, _date), group in shares.group_by(["area_code", "date"]):
        values = group.get_column("value")
        assert values.drop_nulls().is_between(0, 100).all()
        if values.null_count() == 0:
            assert abs(values.sum() - 100) < 1e-6


def test_visitation_year_keeps_the_eras_of_2025_apart(published):
    if published != "demo":
        pytest.skip("the seed has no 2025")
    series = queries.visitation_series(("751",), "full_time_persons", "under_30", "2024M01", "2026M09", "Y", False)
    aktivitetsparat = series.filter(pl.col("series") == "Aktivitetsparat")
    assert aktivitetsparat.get_column("period_label").to_list() == [
        "2024",
        "2025, jan.–jun.",
        "2025, jul.–dec.",
        "2026, jan.–sep.",
    ]
    # The two halves of 2025 are each a mean of six months, not stacked into one 2025 of twice the size.
    months = queries.visitation_series(("751",), "full_time_persons", "under_30", "2025M01", "2025M12", "M", False)
    first_half = months.filter((pl.col("series") == "Aktivitetsparat") & (pl.col("date") < date(2025, 7, 1)))
    assert first_half.height == 6
    assert close(aktivitetsparat.get_column("value")[1], first_half.get_column("value").mean())


# --- shared citizens --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("freq", FREQS)
def test_shared_citizen_shares_are_ratios_of_the_months_sums(published, freq):
    chosen = areas(published)
    monthly = queries.shared_over_time(chosen, FIRST, LAST, "M")
    series = queries.shared_over_time(chosen, FIRST, LAST, freq)
    # A period with real and synthetic months (København's published 2007M11 among the demo's) is two figures, one
    # of each kind: never a mean of both.
    for df in (monthly, series):
        assert_plain_types(df)
        assert_no_period_twice(df, ("area_code", "series", "kind"))
    assert_eras_are_the_months_eras(monthly)
    keys = ("area_code", "series", "kind")
    got = keyed(series, keys, freq)
    expected = by_period(monthly, keys, freq)
    assert got.keys() == expected.keys()
    parts = {
        "Andel af jobcentrets modtagere": ("shared", "jobcenter"),
        "Andel af grupperne længst fra arbejdsmarkedet": ("shared_far", "jobcenter_far"),
    }
    for key, rows in expected.items():
        row = got[key]
        for count in queries.SHARED_COUNTS:
            assert close(row[count], mean([r[count] for r in rows])), (key, count)
        assert close(row["value"], ratio(rows, *parts[key[1]])), key
    for r in series.to_dicts():
        # The shared citizens are part of the jobcenter's recipients, and so on down.
        for part, whole in (("shared", "jobcenter"), ("shared_far", "jobcenter_far"), ("special_far", "shared_far")):
            if r[part] is not None and r[whole] is not None:
                assert r[part] <= r[whole] + 1e-9, (r, part, whole)
        if r["value"] is not None:
            assert 0 <= r["value"] <= 100


def test_shared_citizens_follow_the_sidebar_period(published):
    series = queries.shared_over_time(("101",), "2007M01", "2007M12", "M")
    assert set(series.get_column("date").dt.year().to_list()) <= {2007}
    later = queries.shared_over_time(("101",), "2012M01", "2026M09", "Y")
    assert later.is_empty() or later.get_column("date").min() >= date(2012, 1, 1)


# --- the definition itself -------------------------------------------------------------------------------------


def test_a_missing_month_makes_its_period_missing():
    monthly = pl.DataFrame(
        {
            "key": ["a"] * 6,
            "date": [date(2024, m, 1) for m in range(1, 7)],
            "persons": [10, 20, None, 40, 50, 60],
            "activated": [1, 2, 3, 4, 5, 6],
        }
    )
    out = over_time.aggregate(
        monthly,
        keys=["key"],
        freq="Q",
        breaks=[],
        stocks=["persons"],
        ratios={"rate": over_time.Ratio("activated", "persons")},
    )
    assert out.get_column("persons").to_list() == [None, 50.0]
    assert out.get_column("rate").to_list() == [None, 100 * 15 / 150]
    assert out.get_column("period_label").to_list() == ["1. kvt. 2024", "2. kvt. 2024"]


def test_a_quarter_with_a_break_inside_is_split_and_labelled():
    monthly = pl.DataFrame({"key": ["a"] * 3, "date": [date(2025, m, 1) for m in (7, 8, 9)], "n": [1.0, 2.0, 6.0]})
    breaks = [{"date": date(2025, 8, 1), "label": "Brud"}]
    out = over_time.aggregate(monthly, keys=["key"], freq="Q", breaks=breaks, stocks=["n"])
    assert out.select("date", "period_label", "era", "n").rows() == [
        (date(2025, 7, 1), "3. kvt. 2025, jul.", FIRST_ERA, 1.0),
        (date(2025, 8, 1), "3. kvt. 2025, aug.–sep.", "Brud", 4.0),
    ]


# --- the pages ------------------------------------------------------------------------------------------------


def run_page(name: str, **params) -> AppTest:
    at = AppTest.from_file(os.path.join(os.path.dirname(__file__), "..", PAGES, f"{name}.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def chart_rows(at: AppTest, index: int) -> list[dict]:
    rows: list[dict] = []
    for dataset in at.get("vega_lite_chart")[index].proto.datasets:
        rows += pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
    return rows


def test_activation_compares_with_the_country_and_the_chosen_areas(published):
    if published != "demo":
        pytest.skip("the seed has no monthly activation")
    at = run_page("aktivering", kommune="751", frekvens="Q", sammenlign="101,461")
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    # One small chart per group, the chosen municipality in colour, the others grey, the country dark and dashed.
    assert [panel["title"]["text"] for panel in spec["concat"]][:2] == ["Alle modtagere", "Aktivitetsparate"]
    colour = spec["concat"][0]["layer"][0]["encoding"]["color"]["scale"]
    assert colour["domain"] == ["Aarhus", "København", "Odense", "Hele landet"]
    assert colour["range"] == ["#0072B2", "#BBBBBB", "#BBBBBB", "#444444"]
    rows = chart_rows(at, 0)
    assert {r["area"] for r in rows if "area" in r} == {"Aarhus", "København", "Odense", "Hele landet"}
    # A quarter is a point of its own: no comb of three months at one date.
    aarhus = [(r["series"], r["date"]) for r in rows if r.get("area") == "Aarhus"]
    assert len(aarhus) == len(set(aarhus))
    assert {r["period_label"] for r in rows if r.get("area") == "Aarhus"} >= {"2. kvt. 2025", "3. kvt. 2025"}


@pytest.mark.parametrize("name", ["aktivering", "visitation", "faelles_borgere"])
@pytest.mark.parametrize("freq", FREQS)
def test_the_country_chosen_itself_runs_at_every_frequency(published, name, freq):
    at = run_page(name, kommune="000", frekvens=freq, sammenlign="101")
    for spec in (json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")):
        for panel in spec.get("concat", [spec]):
            for unit in panel.get("layer", [panel]):
                domain = unit.get("encoding", {}).get("color", {}).get("scale", {}).get("domain")
                assert domain is None or len(domain) == len(set(domain)), domain


def test_visitation_year_2025_is_two_periods_on_the_page(published):
    if published != "demo":
        pytest.skip("the seed has no 2025")
    at = run_page("visitation", kommune="751", fra="2024M01", til="2026M09", frekvens="Y")
    rows = [r for r in chart_rows(at, 0) if r.get("series") == "Aktivitetsparat"]
    assert [r["period_label"] for r in rows] == ["2024", "2025, jan.–jun.", "2025, jul.–dec.", "2026, jan.–sep."]
    assert len({r["date"] for r in rows}) == 4
    table = at.dataframe[0].value
    assert {"Periode", "Opgørelse"} <= set(table.columns)
    assert "Antal personer (gns. pr. måned)" in table.columns


# --- exports at quarters and years ------------------------------------------------------------------------------


@pytest.mark.parametrize("freq", ["Q", "Y"])
def test_activation_chart_and_data_export_at_quarters_and_years(published, freq):
    if published != "demo":
        pytest.skip("the seed has no monthly activation")
    at = run_page("aktivering", kommune="751", frekvens=freq, sammenlign="101,461")
    assert not at.exception
    # The page's chart as its exports and its report section draw it (one builder, presentation/sections/).
    choice = sections.Choice(area="751", first="2012M01", last=LAST, freq=freq, compare=("101", "461"))
    figure, *_ = sections.activation(choice).figures
    assert export.chart_png(figure.chart, figure.caption).startswith(b"\x89PNG")
    assert export.chart_pdf(figure.chart, figure.caption).startswith(b"%PDF")
    series, _ = queries.activation("751", "2012M01", LAST, freq, ("101", "461", "000"))
    csv = export.data_csv(over_time.whole(series, queries.ACTIVATION_COUNTS), queries.ACTIVATION_COUNTS)
    text = csv.decode("utf-8-sig")
    assert "Nyt kontanthjælpssystem 2025" in text and "Hele landet" in text and "Odense" in text
    assert ("2025, jul.–dec." if freq == "Y" else "3. kvt. 2025") in text


def test_query_results_never_carry_decimals_or_huge_integers():
    """DuckDB's sum() of integers is HUGEINT and of decimals DECIMAL; vl-convert and the spreadsheet writers cannot
    write either, so every result leaves queries.run as Int64 and Float64."""
    raw = pl.DataFrame(
        {"persons": pl.Series([1, 2], dtype=pl.Int128), "rate": pl.Series(["12.5", "7.25"]).cast(pl.Decimal(10, 2))}
    )
    plain = queries.plain_types(raw)
    assert plain.schema == {"persons": pl.Int64, "rate": pl.Float64}
    assert plain.to_dicts() == [{"persons": 1, "rate": 12.5}, {"persons": 2, "rate": 7.25}]
