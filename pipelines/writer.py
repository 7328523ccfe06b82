"""One writer at a time: an OS file lock beside the master warehouse, taken for the length of one write.

Every writer (CLI load, undo, demo, build, re-aggregation, fetch, refresh, an upload or undo in the app)
goes through ``write_session``: it takes the lock, opens the master read-write, hands the connection to
the caller, closes the master and publishes a read-only snapshot when the data changed. A second writer
waits (saying so in Danish) instead of failing on DuckDB's own lock, and gives up cleanly after
``HELHEDSBLIK_WRITER_WAIT`` seconds (default 600) without touching anything. The lock is an ``flock`` on
``<warehouse>.lock``: the kernel releases it when its holder dies, SIGKILL included, so a crashed writer
never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines import config, snapshots
from pipelines.errors import PipelineError
from pipelines.warehouse import connect, reference_version

POLL_SECONDS = 0.2


class WriterBusy(PipelineError):
    """Another load held the warehouse for longer than this writer would wait; nothing was changed."""


class ReadOnlyInstallation(PipelineError):
    """HELHEDSBLIK_READ_ONLY is set: this installation serves snapshots and never writes."""


def wait_seconds() -> float:
    return config.settings().writer_wait


def lock_path(warehouse: Path | None = None) -> Path:
    path = Path(warehouse) if warehouse else config.warehouse_path()
    return path.with_name(path.name + ".lock")


@contextmanager
def writer(
    warehouse: Path | None = None, wait: float | None = None, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the writer role for the block; wait up to ``wait`` seconds for another writer to finish."""
    wait = wait_seconds() if wait is None else wait
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and on_wait is not None:
                    on_wait(f"En anden indlæsning kører; venter op til {wait:.0f} s …")
                    told = True
                if time.monotonic() >= deadline:
                    raise WriterBusy(
                        f"En anden indlæsning kørte stadig efter {wait:.0f} s; intet er ændret. "
                        "Prøv igen, når den er færdig (eller sæt HELHEDSBLIK_WRITER_WAIT højere)."
                    ) from None
                time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def spill_path(warehouse: Path) -> Path:
    """DuckDB's default spill folder for the master (its temp_directory)."""
    return warehouse.with_name(warehouse.name + ".tmp")


def _writable_master() -> Path:
    if config.read_only():
        raise ReadOnlyInstallation(
            "Denne installation viser kun data (HELHEDSBLIK_READ_ONLY er sat): indlæs, "
            "fortryd og opdatér på den maskine, hvor hovedlageret ligger."
        )
    return config.warehouse_path()


def _remove_leftovers(master: Path) -> None:
    """What killed writers leave (the caller holds the lock): DuckDB's spill files, which DuckDB never cleans up
    and nothing else can be using now."""
    shutil.rmtree(spill_path(master), ignore_errors=True)


def _publish_if_behind(master: Path, version: int, on_publish: Callable[[str], None] | None) -> None:
    """Publish the closed master at ``version`` unless the current snapshot is a copy of it already."""
    reference = reference_version()
    if snapshots.is_behind(version, reference):
        snapshots.publish(master, version, reference, step=on_publish)


@contextmanager
def write_session(
    on_wait: Callable[[str], None] | None = None,
    on_publish: Callable[[str], None] | None = None,
    wait: float | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The writer role and the master, open read-write, for one write; then a published snapshot.

    When the block ends (normally or not) the master is closed, which checkpoints it, and if its data
    version differs from the current snapshot's (this session committed something, or an earlier writer
    died between its commit and its publish) a new snapshot is published before the lock is let go.
    """
    master = _writable_master()
    with writer(master, wait, on_wait):
        _remove_leftovers(master)
        con = connect(master)
        try:
            yield con
        finally:
            try:
                version = snapshots.data_version(con)
                con.execute("checkpoint")
            finally:
                con.close()
            _publish_if_behind(master, version, on_publish)
