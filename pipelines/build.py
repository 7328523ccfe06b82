"""Build the embedded default warehouse: the published figures (data/seed) and the synthetic demo."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines import config, loader, snapshots
from pipelines.warehouse import reference_version
from pipelines.writer import write_session


def seed_files() -> list[Path]:
    return sorted(config.SEED_DIR.glob("*.csv"))


def load_seed(con: duckdb.DuckDBPyConnection, loaded_by: str = "helhedsblik") -> list[loader.LoadResult]:
    return [loader.load(f, source=config.SEED_SOURCE, loaded_by=loaded_by, con=con) for f in seed_files()]


def load_demo(
    con: duckdb.DuckDBPyConnection,
    scale: int = 1,
    until: str | None = None,
    out_dir: Path | None = None,
    loaded_by: str = "helhedsblik",
    progress=None,
) -> list[loader.LoadResult]:
    from pipelines import demo

    files = demo.write_demo(out_dir or config.DEMO_DIR, scale=scale, until=until)
    results = []
    for i, f in enumerate(files):
        if progress:
            progress(f.name, i / len(files))
        results.append(loader.load(f, source=config.DEMO_SOURCE, loaded_by=loaded_by, con=con))
    return results


def is_built(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select count(*) from load_log").fetchall()[0][0] > 0


def ensure_built(con: duckdb.DuckDBPyConnection, until: str | None = None) -> bool:
    """Build the default warehouse through ``con`` (the master, in a write session) when it has never been
    loaded; True when it built it."""
    if is_built(con):
        return False
    # Demo first: where the published figures cover the same area and period, they replace the
    # synthetic rows, never the other way round.
    load_demo(con, until=until)
    load_seed(con)
    return True


def ensure_published(on_wait=None, on_publish=None) -> None:
    """Make sure a current snapshot of this version of the schema and reference data is published: on a
    fresh clone this builds the master from the bundled data first. Cheap when it is (the pointer only)."""
    snap = snapshots.current()
    if snap is not None and (snap.reference_version == reference_version() or config.read_only()):
        return  # a read-only installation serves what the writer published; only the writer rebuilds
    if config.read_only():
        raise snapshots.NotPublished(
            f"Der er ikke offentliggjort et datalager i {config.published_dir()} endnu, og "
            "denne installation må ikke bygge et (HELHEDSBLIK_READ_ONLY): kør python -m "
            "pipelines build på den maskine, hvor hovedlageret ligger."
        )
    with write_session(on_wait=on_wait, on_publish=on_publish) as con:
        ensure_built(con)
