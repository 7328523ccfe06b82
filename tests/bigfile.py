"""A large, valid visitation extract written fast (polars), for kill and concurrency tests."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from pipelines import config


def write_big_visitation(
    path: Path,
    months: int = 240,
    ages: tuple[str, ...] = ("16-24 år", "25-29 år", "30-39 år", "40-49 år", "50-59 år", "60 år og derover"),
) -> int:
    """Write a ';'-separated, decimal-comma extract; returns the number of data rows."""
    with open(config.REFERENCE_DIR / "kommuner.csv", encoding="utf-8") as fh:
        areas = [r["kommune"] for r in csv.DictReader(fh)]
    periods = [f"{2007 + m // 12}M{m % 12 + 1:02d}" for m in range(months)]
    frame = (
        pl.DataFrame({"Område": areas})
        .join(pl.DataFrame({"Periode": periods}), how="cross")
        .join(pl.DataFrame({"Alder": list(ages)}), how="cross")
        .join(pl.DataFrame({"Køn": ["Mænd", "Kvinder"]}), how="cross")
        .join(pl.DataFrame({"Visitationskategori": ["Jobparat", "Aktivitetsparat"]}), how="cross")
    )
    frame = frame.with_columns(
        pl.lit("Kontanthjælp").alias("Ydelse"),
        (pl.int_range(pl.len()) % 997 + 5).cast(pl.String).alias("Antal personer"),
        ((pl.int_range(pl.len()) % 997 + 5) * 0.9)
        .round(1)
        .cast(pl.String)
        .str.replace(r"\.", ",")
        .alias("Fuldtidspersoner"),
    ).select("Område", "Periode", "Ydelse", "Køn", "Alder", "Visitationskategori", "Antal personer", "Fuldtidspersoner")
    frame.write_csv(path, separator=";")
    return frame.height
