"""One writer at a time: an OS file lock beside the master warehouse, taken for the length of one write.

Every writer (CLI load, undo, demo, build, re-aggregation, fetch, refresh) takes the same lock, so a
second one waits (saying so in Danish) instead of failing on DuckDB's own lock, and gives up cleanly
after ``HELHEDSBLIK_WRITER_WAIT`` seconds (default 600) without touching anything. The lock is an
``flock`` on ``<warehouse>.lock``: the kernel releases it when its holder dies, SIGKILL included, so a
crashed writer never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines import config
from pipelines.errors import PipelineError

POLL_SECONDS = 0.2


class WriterBusy(PipelineError):
    """Another load held the warehouse for longer than this writer would wait; nothing was changed."""


def wait_seconds() -> float:
    value = os.environ.get("HELHEDSBLIK_WRITER_WAIT", "600")
    try:
        return max(0.0, float(value))
    except ValueError:
        raise PipelineError(f"HELHEDSBLIK_WRITER_WAIT er '{value}': forventede et antal sekunder, fx 600") from None


def lock_path(warehouse: Path | None = None) -> Path:
    path = Path(warehouse) if warehouse else config.warehouse_path()
    return path.with_name(path.name + ".lock")


@contextmanager
def writer(warehouse: Path | None = None, wait: float | None = None,
           on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
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
                    raise WriterBusy(f"En anden indlæsning kørte stadig efter {wait:.0f} s; intet er ændret. "
                                     "Prøv igen, når den er færdig (eller sæt HELHEDSBLIK_WRITER_WAIT højere)."
                                     ) from None
                time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
