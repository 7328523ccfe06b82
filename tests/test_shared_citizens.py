"""The shared citizens' key figures and their series over time: one computation of the totals, on a real
published warehouse."""

from __future__ import annotations

import shutil

import polars as pl
import pytest
import streamlit as st

import queries
from pipelines import config, loader, warehouse
from pipelines.writer import write_session

# A subtotal some publications print: the three special-needs target groups together. It is a total (not a part
# to add), though its own rows are special needs.
SUBTOTAL = "target_group,saerlige_behov_i_alt,Borgere med særlige behov i alt,særlige behov i alt,,,5,,true,true,\n"
SUBTOTAL_ROWS = (
    "København;2007M11;Fælles borgere;Borgere med særlige behov i alt;Matchgruppe 4;2416\n"
    "København;2007M11;Fælles borgere;Borgere med særlige behov i alt;Matchgruppe 5;941\n"
)


@pytest.fixture
def published_with_subtotal(tmp_path, monkeypatch):
    """Copenhagen's November 2007 figures with the special-needs subtotal, loaded and published."""
    reference = tmp_path / "reference"
    shutil.copytree(config.REFERENCE_DIR, reference)
    with open(reference / "categories.csv", "a", encoding="utf-8") as fh:
        fh.write(SUBTOTAL)
    monkeypatch.setattr(config, "REFERENCE_DIR", reference)
    monkeypatch.setenv("HELHEDSBLIK_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    warehouse.clear_reference_cache()
    extract = tmp_path / "kobenhavn_2007.csv"
    extract.write_text(
        (config.SEED_DIR / "kobenhavn_2007_faelles_borgere.csv").read_text(encoding="utf-8") + SUBTOTAL_ROWS,
        encoding="utf-8",
    )
    with write_session() as con:
        loader.load(extract, source="test", con=con)
    queries.snapshot_reader.clear()
    st.cache_data.clear()
    yield
    queries.snapshot_reader.clear()
    warehouse.clear_reference_cache()


def test_special_needs_far_from_work_count_the_groups_not_their_subtotal(published_with_subtotal):
    figures = queries.shared_citizens("101", "2007M11")
    # Misbrugere 510 + 199, handicappede 65 + 32, psykisk syge 1.841 + 710 in match groups 4 and 5; the
    # subtotal's 2.416 + 941 are the same citizens again.
    assert figures.special_far == 3357
    # The shares the page shows, as the published report prints them: 35,5 %, 52,0 % and 30,5 %.
    assert (round(figures.shared_pct, 1), round(figures.shared_far_pct, 1)) == (35.5, 52.0)
    assert round(figures.special_far_pct, 1) == 30.5
    assert (figures.shared, figures.jobcenter, figures.shared_far, figures.jobcenter_far) == (8884, 25015, 5735, 11019)


def test_the_series_over_time_is_the_key_figures_of_each_period(published_with_subtotal):
    figures = queries.shared_citizens("101", "2007M11")
    series = queries.shared_over_time(("101",), "2007M01", "2007M12", "M")
    shares = {row["series"]: row["value"] for row in series.to_dicts()}
    assert shares == {
        "Andel af jobcentrets modtagere": figures.shared_pct,
        "Andel af grupperne længst fra arbejdsmarkedet": figures.shared_far_pct,
    }


def test_the_matrix_keeps_a_subtotal_apart_from_the_grand_total(published_with_subtotal):
    matrix = queries.shared_citizens("101", "2007M11").matrix
    cells = [(r["row_label"], r["col_label"], r["persons"]) for r in matrix.to_dicts()]
    assert [c for c in cells if c[0] == "Fælles borgere i alt" and c[1] == "Matchgruppe 4"] == [
        ("Fælles borgere i alt", "Matchgruppe 4", 4265)
    ]
    assert ("Borgere med særlige behov i alt", "Matchgruppe 4", 2416) in cells
    # Shares of a row are of that row's own total: 510 of the 883 misbrugere.
    share = matrix.filter((pl.col("row_label") == "Misbrugere i behandling") & (pl.col("col_label") == "Matchgruppe 4"))
    assert round(share["row_share"][0], 1) == round(100 * 510 / 883, 1)
