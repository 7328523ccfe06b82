"""What every page looks up: the choices (measures, ages, frequencies), areas, months, freshness and breaks."""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines import config, danish, uploads
from pipelines.warehouse import NATIONAL_CODE
from queries._snapshot import cached, run


NATIONAL = NATIONAL_CODE  # Hele landet
GUIDANCE_PRESETS = {
    "ds_aktuel": "DS' aktuelle vejledning pr. område",
    "kilde_2017": "Kildedokumenterne (DS ca. 2017): 35-50 unge / 40-55 voksne",
}
MEASURES = {"persons": "Antal personer", "full_time_persons": "Fuldtidspersoner"}
AGE_BANDS = {"alle": "Alle aldre", "under_30": "Under 30 år", "30_plus": "30 år og derover"}
FREQUENCIES = {"M": ("month", "Måned"), "Q": ("quarter", "Kvartal"), "Y": ("year", "År")}
# A series' rows of the synthetic demo and of real sources are never one line: ``kind`` keeps them apart like the
# eras (the charts split lines by it and draw the demo's lighter).
KIND_DEMO, KIND_REAL = danish.DEMO_KIND_LABEL, danish.REAL_KIND_LABEL


def kind(demo: pl.Expr) -> pl.Expr:
    """``kind``: whether each row is of the synthetic demo (``demo`` true) or of a real source, in words."""
    return pl.when(demo).then(pl.lit(KIND_DEMO)).otherwise(pl.lit(KIND_REAL)).alias("kind")


# --- shared lookups ----------------------------------------------------------------------------


@cached
def areas() -> pl.DataFrame:
    return run("areas")


def this_month() -> str:
    """Today's month as a period id, e.g. 2026M12."""
    today = date.today()
    return f"{today.year}M{today.month:02d}"


def month_bounds() -> tuple[str | None, str | None, str | None]:
    """The first and last month with visitation data, and the default month: the newest one up to today's month
    (the first month when every month lies ahead)."""
    return _month_bounds(this_month())


@cached
def _month_bounds(today: str) -> tuple[str | None, str | None, str | None]:
    first, last, current = run("month_bounds", today=today).row(0)
    return first, last, current or first


@cached
def freshness() -> dict:
    fresh = run("data_freshness", demo_source=config.DEMO_SOURCE).row(0, named=True)
    return {**fresh, "latest_source": source_label(fresh["latest_source"])}


@cached
def similar_areas(area: str, n: int = 3) -> list[str]:
    return run("similar_areas", area=area, n=n)["area_code"].to_list()


@cached
def similar_conditions(area: str, n: int = 3) -> list[str]:
    """The n municipalities with the nearest expected share in the benchmark (similar framework conditions);
    none when the area has no benchmark."""
    return run("similar_conditions", area=area, n=n)["area_code"].to_list()


@cached
def series_breaks() -> list[dict]:
    return [{"date": d, "label": label} for d, label in run("series_breaks").iter_rows()]


def area_name(code: str) -> str:
    match = areas().filter(pl.col("area_code") == code)
    return match["area_name"][0] if match.height else code


def source_label(source: str | None) -> str | None:
    """A load's source as users read it: loads keep the source they were made with, older spellings included."""
    return uploads.LEGACY_SOURCES.get(source, source)


@cached
def jobindsats_freshness() -> list[dict]:
    """Per table loaded from jobindsats' API: how far it reaches, what the newest refresh read of it in jobindsats'
    catalogue (its last and next update), and how the last refresh run went (presentation/freshness.py words it)."""
    return run("jobindsats_freshness", source=config.API_SOURCE).to_dicts()
