"""Published read-only snapshots of the master warehouse: the writer publishes them, the app reads them.

DuckDB lets one process open a file read-write or many open it read-only, never both. So the master
warehouse (``HELHEDSBLIK_WAREHOUSE``) is opened read-write only by a writer, for the length of one write
session (``pipelines.writer.write_session``), and every app process reads a published copy.

Publishing (the writer, holding the writer lock, with the master closed and so checkpointed):

1. the master is copied to ``.warehouse-<n>.duckdb.tmp`` in ``HELHEDSBLIK_PUBLISHED`` and flushed to disk;
2. renamed to ``warehouse-<n>.duckdb``: a snapshot file never changes after this;
3. the pointer ``current`` (JSON: the snapshot's name, the master's data version, the reference data's
   version, the time) is written as ``current.tmp``, flushed, and renamed over ``current``. This one
   atomic rename is what makes the snapshot current.

A crash before step 3 leaves the previous snapshot current and some leftovers, which the next publish
removes; the master's data version then differs from the pointer's, so the next write session
publishes even when it changes nothing itself.

Reading: an app process opens the current snapshot read-only and holds a shared ``flock`` on it while
it is open. At the start of every script run it looks at the pointer (one ``stat``) and switches when a
newer snapshot is current. A publish removes a superseded snapshot once it is not among the newest
``HELHEDSBLIK_KEEP_SNAPSHOTS`` (default 3) and an exclusive ``flock`` on it succeeds without waiting:
no process, on this machine or another that shares the folder, has it open any more.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines import config
from pipelines.errors import PipelineError

POINTER = "current"
SNAPSHOT_NAME = re.compile(r"^warehouse-(\d{6,})\.duckdb$")
# A process closes its connection to a superseded snapshot as soon as no script run holds it (a run takes
# a lease for its length), and at the latest this long after it was superseded: a lease that was never
# given back (a run that died, a test harness that runs pages without the router) holds it no longer.
RETIRE_AFTER_SECONDS = 120.0


class NotPublished(PipelineError):
    """No snapshot has been published yet."""


def keep_snapshots() -> int:
    return config.settings().keep_snapshots  # at least 2: the current one and the one just superseded


@dataclass(frozen=True)
class Snapshot:
    """One published snapshot, as the pointer names it."""

    name: str
    path: Path
    data_version: int
    reference_version: str | None
    published_at: datetime


def _pointer(directory: Path) -> Path:
    return directory / POINTER


def current(directory: Path | None = None) -> Snapshot | None:
    """The snapshot the pointer names; None when nothing has been published in the folder."""
    directory = directory or config.published_dir()
    try:
        text = _pointer(directory).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
        name = data["snapshot"]
        if not SNAPSHOT_NAME.match(name):
            raise ValueError(name)
        return Snapshot(
            name,
            directory / name,
            int(data["data_version"]),
            data.get("reference_version"),
            datetime.fromisoformat(data["published_at"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise PipelineError(
            f"{_pointer(directory)} kan ikke læses ({exc}): udgiv lageret igen med python -m pipelines publish"
        ) from None


def pointer_stamp(directory: Path) -> tuple[int, int, int] | None:
    """What changes whenever a snapshot is published: the pointer file's inode, time and size (one stat)."""
    try:
        st = os.stat(_pointer(directory))
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


# --- the writer's side ------------------------------------------------------------------------------


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """How many write transactions the master has committed (sql.transaction counts them)."""
    rows = con.execute("select value from meta where key = 'data_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def is_behind(version: int, reference_version: str, directory: Path | None = None) -> bool:
    """Whether the current snapshot is not a copy of the master at ``version`` (or nothing is published)."""
    snap = current(directory)
    return snap is None or snap.data_version != version or snap.reference_version != reference_version


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_synced(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)  # sendfile on Linux: the bytes never pass through Python
    with open(target, "rb+") as fh:
        os.fsync(fh.fileno())


def _numbers(directory: Path) -> list[int]:
    return sorted(int(m.group(1)) for p in directory.iterdir() if (m := SNAPSHOT_NAME.match(p.name)))


def _remove_leftovers(directory: Path) -> None:
    """A publish that died before its rename leaves a temporary file; only a writer (holding the lock) runs
    this, so no other publish is writing one."""
    for path in directory.glob(".warehouse-*.duckdb.tmp"):
        path.unlink(missing_ok=True)
    (directory / (POINTER + ".tmp")).unlink(missing_ok=True)


def publish(
    master: Path,
    version: int,
    reference_version: str,
    directory: Path | None = None,
    step: Callable[[str], None] | None = None,
) -> Snapshot:
    """Copy the closed master into the published folder and make the copy current (the caller holds the
    writer lock). Returns the new snapshot."""
    directory = directory or config.published_dir()
    step = step or (lambda text: None)
    directory.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(directory)
    previous = current(directory)
    numbers = _numbers(directory)
    if previous is not None:
        numbers.append(int(SNAPSHOT_NAME.match(previous.name).group(1)))
    name = f"warehouse-{max(numbers, default=0) + 1:06d}.duckdb"
    staging = directory / f".{name}.tmp"
    step("offentliggør: kopierer lageret")
    _copy_synced(master, staging)
    os.replace(staging, directory / name)
    fsync_dir(directory)
    step("offentliggør: skifter til den nye udgave")
    published_at = datetime.now().astimezone()
    pointer_tmp = directory / (POINTER + ".tmp")
    with open(pointer_tmp, "w", encoding="utf-8") as fh:
        json.dump(
            {
                "snapshot": name,
                "data_version": version,
                "reference_version": reference_version,
                "published_at": published_at.isoformat(timespec="seconds"),
            },
            fh,
        )
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(pointer_tmp, _pointer(directory))
    fsync_dir(directory)
    prune(directory)
    return Snapshot(name, directory / name, version, reference_version, published_at)


def prune(directory: Path | None = None, keep: int | None = None) -> list[str]:
    """Remove superseded snapshots beyond the newest ``keep`` that no process has open; their names."""
    directory = directory or config.published_dir()
    keep = keep or keep_snapshots()
    snap = current(directory)
    removed = []
    for number in _numbers(directory)[:-keep]:
        path = directory / f"warehouse-{number:06d}.duckdb"
        if snap is not None and path.name == snap.name:
            continue
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)  # a reader still has it open: a later publish tries again
            continue
        try:
            # Unlinked while the lock is held: a reader that opens it meanwhile finds it gone once it gets
            # its shared lock, and goes back to the pointer (see _OpenSnapshot.open).
            path.unlink()
            removed.append(path.name)
        finally:
            os.close(fd)
    return removed


# --- the readers' side --------------------------------------------------------------------------------


class _OpenSnapshot:
    """One snapshot open read-only in this process, with the shared lock that keeps publishers off it."""

    def __init__(self, snapshot: Snapshot, con: duckdb.DuckDBPyConnection, lock_fd: int):
        self.snapshot = snapshot
        self.con = con
        self._lock_fd = lock_fd
        self.superseded_at: float | None = None
        self.leases = 0  # script runs reading it now
        self.closed = False

    @classmethod
    def open(cls, snapshot: Snapshot, memory_limit: str) -> _OpenSnapshot | None:
        """Open and lock the snapshot; None when it was removed before the lock was had."""
        try:
            fd = os.open(snapshot.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            if os.fstat(fd).st_ino != os.stat(snapshot.path).st_ino:
                raise FileNotFoundError(snapshot.path)
            con = duckdb.connect(
                str(snapshot.path),
                read_only=True,
                config={
                    "memory_limit": memory_limit,
                    # The published folder may be shared, read-only storage: spill to local disk.
                    "temp_directory": str(Path(tempfile.gettempdir()) / f"helhedsblik-{os.getpid()}.tmp"),
                },
            )
        except FileNotFoundError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        return cls(snapshot, con, fd)

    def close(self) -> None:
        self.closed = True
        try:
            self.con.close()
        finally:
            os.close(self._lock_fd)


class SnapshotReader:
    """A process's read-only connections to the published snapshots, shared by every session.

    ``current()`` is cheap when nothing was published (one stat of the pointer) and thread-safe. A script
    run takes a lease on the snapshot it reads (``current(lease=True)``) and gives it back when it ends
    (``release``): a superseded snapshot is closed once no run holds it, or ``retire_after`` seconds after
    it was superseded whatever the leases say.
    """

    def __init__(
        self, directory: Path | None = None, memory_limit: str | None = None, retire_after: float = RETIRE_AFTER_SECONDS
    ):
        self.directory = directory or config.published_dir()
        self.memory_limit = memory_limit or config.settings().app_memory
        self.retire_after = retire_after
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._current: _OpenSnapshot | None = None
        self._superseded: list[_OpenSnapshot] = []

    def current(self, lease: bool = False) -> _OpenSnapshot:
        """The newest published snapshot, opened; with ``lease`` it stays open until ``release(snap)``."""
        stamp = pointer_stamp(self.directory)
        with self._lock:
            if self._superseded:
                self._retire()
            snap = self._current
            if stamp is None or stamp != self._stamp or snap is None:
                snap = self._switch(stamp)
            if lease:  # under the lock: no other thread can retire it between finding and leasing it
                snap.leases += 1
            return snap

    def release(self, snap: _OpenSnapshot) -> None:
        """A script run that leased ``snap`` has ended."""
        with self._lock:
            snap.leases -= 1
            self._retire()

    def _switch(self, stamp: tuple[int, int, int] | None) -> _OpenSnapshot:
        """Open the snapshot the pointer names now (the caller holds the lock)."""
        for _ in range(5):  # a snapshot removed between reading the pointer and locking it: read again
            snap = current(self.directory)
            if snap is None:
                raise NotPublished(
                    f"Der er ikke offentliggjort et datalager i {self.directory} endnu: kør python -m pipelines build"
                )
            if self._current is not None and self._current.snapshot.name == snap.name:
                self._stamp = stamp
                return self._current
            opened = _OpenSnapshot.open(snap, self.memory_limit)
            if opened is not None:
                break
            stamp = pointer_stamp(self.directory)
        else:
            raise PipelineError(
                f"Den offentliggjorte udgave af lageret i {self.directory} forsvandt gentagne "
                "gange under åbning; prøv igen"
            )
        if self._current is not None:
            self._current.superseded_at = time.monotonic()
            self._superseded.append(self._current)
        self._current, self._stamp = opened, stamp
        self._retire()
        return opened

    def _retire(self) -> None:
        """Close superseded snapshots no run reads any more (the caller holds the lock)."""
        now = time.monotonic()
        keep = []
        for old in self._superseded:
            if old.leases <= 0 or now - old.superseded_at >= self.retire_after:
                old.close()
            else:
                keep.append(old)
        self._superseded = keep

    def close(self) -> None:
        with self._lock:
            for snap in self._superseded + ([self._current] if self._current else []):
                snap.close()
            self._superseded, self._current, self._stamp = [], None, None
