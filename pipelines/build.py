"""Build the embedded default warehouse: the published figures (data/seed) and the synthetic demo."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines import config, loader
from pipelines.warehouse import connect


def seed_files() -> list[Path]:
    return sorted(config.SEED_DIR.glob("*.csv"))


def load_seed(con: duckdb.DuckDBPyConnection, loaded_by: str = "helhedsblik") -> list[loader.LoadResult]:
    return [loader.load(f, source=config.SEED_SOURCE, loaded_by=loaded_by, con=con) for f in seed_files()]


def load_demo(con: duckdb.DuckDBPyConnection, scale: int = 1, until: str | None = None,
              out_dir: Path | None = None, loaded_by: str = "helhedsblik",
              progress=None) -> list[loader.LoadResult]:
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


def ensure_built(path: Path | None = None, until: str | None = None,
                 con: duckdb.DuckDBPyConnection | None = None) -> bool:
    """Build the default warehouse when it has never been loaded; True when it built it.

    Given a connection (the app's own), builds through it: opening the file a second time costs a
    cold page a tenth of a second.
    """
    own = con is None
    con = con or connect(path)
    try:
        if is_built(con):
            return False
        # Demo first: where the published figures cover the same area and period, they replace the
        # synthetic rows, never the other way round.
        load_demo(con, until=until)
        load_seed(con)
        return True
    finally:
        if own:
            con.close()
