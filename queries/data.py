"""The Data page's questions: loads, coverage and the sources' freshness."""

from __future__ import annotations


import polars as pl

from pipelines import uploads
from queries._snapshot import cached, run


# --- Data --------------------------------------------------------------------------------------


def _kind_label() -> pl.Expr:
    """The Danish name of each row's extract kind (``kind``), as ``kind_label``."""
    from pipelines.kinds import KINDS

    labels = {name: kind.label for name, kind in KINDS.items()}
    return pl.col("kind").replace_strict(labels, default=pl.col("kind"), return_dtype=pl.String).alias("kind_label")


@cached
def loads_list() -> pl.DataFrame:
    """Every current load, with the kind's Danish name (``kind_label``) and the source as users read it."""
    return run("loads_list").with_columns(
        _kind_label(), pl.col("source").replace(uploads.LEGACY_SOURCES).alias("source")
    )


@cached
def coverage(area: str) -> pl.DataFrame:
    return run("coverage", area=area).with_columns(_kind_label())


@cached
def freshness_sources() -> list[str]:
    return run("load_sources")["source"].to_list()
