"""Uploads from the app: the spool the upload route writes files into, and the jobs that review and confirm them.

An upload is the CLI's load. Its review is ``python -m pipelines load FILE --pending --progress json``: the load
itself, every check, in one transaction, kept pending in the master (``loader.load(pending=True)``), invisible
to every page until the analyst confirms it with ``pipelines confirm`` (or abandons it with ``pipelines undo``).
Each job is a process of its own (the server's Python never parses a file), and its output, one JSON object a
line, goes to a file beside the upload, which the page reads: the state of an upload is on disk. At most
``JOB_SLOTS`` jobs run at once per server process; the others wait their turn in order, and the page says where
("I kø: nr. 3").

Files are written to ``<master's folder>/uploads/<this process>/`` as they arrive, bound to the ticket of the
session that sent them, and a ticket is good only while its session is connected: when the session goes, its
tickets and files go. A file past a quota (per session, per process) is refused with a Danish reason; a file that
was accepted is never pushed out by another. Each process holds a lock on its folder, so the first writer of the
spool after a crash removes the folders of processes that died (``sweep_dead``).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines import config, loader
from pipelines.errors import ExtractRejected, Problem
from pipelines.review import Review, shown

LOG = logging.getLogger(__name__)
MAX_UPLOAD_MB = config.settings().max_upload_mb
MAX_UPLOAD_ROWS = config.settings().max_upload_rows
# What one session and the whole process may hold in the spool: six files of the largest size, and four sessions'.
SESSION_MB = config.settings().session_mb
PROCESS_MB = config.settings().process_mb
SESSION_FILES = 12
JOB_SLOTS = config.settings().upload_jobs
UPLOAD_SOURCE = "upload i appen"
# Earlier spellings of UPLOAD_SOURCE: loads keep the source they were recorded with; the app shows the current one.
LEGACY_SOURCES = {"upload (app)": UPLOAD_SOURCE}


def size_problem(name: str, size: int) -> Problem | None:
    if size > MAX_UPLOAD_MB * 1024 * 1024:
        return Problem(
            name, None, None, f"{size / 1024 / 1024:.0f} MB", f"filen er større end grænsen på {MAX_UPLOAD_MB} MB"
        )
    return None


def review(
    con: duckdb.DuckDBPyConnection, name: str, data: bytes, kind: str | None = None, sheet: str | None = None
) -> Review:
    """The review that loads nothing (a jobindsats fetch's, before anything is written): what the file is, what
    is wrong with it, what it would replace. ``sheet`` picks an Excel workbook's sheet (the first by default)."""
    if too_big := size_problem(name, len(data)):
        return Review(name, False, problems=[too_big])
    with tempfile.TemporaryDirectory(prefix="helhedsblik-review-") as folder:
        path = Path(folder) / ("upload" + Path(name).suffix.lower()[:10])  # the name never becomes a path
        path.write_bytes(data)
        try:
            checked = loader.validate(con, path, kind, file_name=name, max_rows=MAX_UPLOAD_ROWS, sheet=sheet)
        except ExtractRejected as exc:
            return Review(name, False, problems=exc.problems, warnings=exc.warnings)
    return shown(name, checked)


# --- the spool --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """A file an analyst sent, on the server's disk until its upload is loaded or dropped."""

    file_id: str
    name: str
    size: int
    digest: str | None = None  # loader.file_digest of its bytes, taken as they arrived


class UploadRefused(Exception):
    """A file is not taken (what was received of it is gone); the message says why, in Danish."""


class UploadGone(UploadRefused):
    """The ticket is unknown, or its session has ended."""

    def __init__(self):
        super().__init__("Adgangen til at sende filer er udløbet; genindlæs siden.")


class UploadTooLarge(UploadRefused):
    """The file passes the upload limit (HELHEDSBLIK_MAX_UPLOAD_MB)."""


class SpoolFull(UploadRefused):
    """The session's or the process's quota would be passed."""


class _Incoming:
    """A file being received in pieces (the upload route streams the request body here)."""

    def __init__(self, spool: Spool, ticket: str, name: str):
        self._spool, self._ticket, self.name, self.size = spool, ticket, name, 0
        self.file_id = secrets.token_urlsafe(16)
        self.path = spool.folder() / f"{self.file_id}{Path(name).suffix.lower()[:10]}"  # never the name itself
        self._out = open(self.path, "wb")  # noqa: SIM115 (closed by __exit__)
        self._digest = loader.digester()  # the load would read the whole file again for it

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self._spool.check_room(self._ticket, self)
        self._out.write(chunk)
        self._digest.update(chunk)

    def __enter__(self) -> _Incoming:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        self._out.close()
        self._spool.arrived(self, loader.digest_text(self._digest) if exc is None else None)


class Spool:
    """Uploaded files on disk, from their arrival to their load, each bound to the ticket of the session that sent
    it (another session cannot name it). Thread-safe: sessions and the server's event loop share the process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._folder: Path | None = None
        self._tickets: dict[str, str | None] = {}  # ticket -> the session it belongs to (None: no runtime)
        self._files: dict[str, tuple[str, Received, Path]] = {}  # file id -> ticket, file, path
        self._arriving: dict[_Incoming, str] = {}  # files being received -> ticket
        # Whether a session is still connected; the app sets it (pipelines knows no Streamlit).
        self.alive: Callable[[str], bool] = lambda session: True

    def folder(self) -> Path:
        """This process's folder, made (and locked) on first use; dead processes' folders are removed then."""
        with self._lock:
            if self._folder is None:
                root = spool_root()
                sweep_dead(root)
                folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))
                self._held = open(folder / ".lock", "w")  # noqa: SIM115 (held for the life of the process)
                fcntl.flock(self._held, fcntl.LOCK_EX)
                self._folder = folder
            return self._folder

    def issue_ticket(self, session: str | None = None) -> str:
        ticket = secrets.token_urlsafe(32)
        with self._lock:
            self._tickets[ticket] = session
        return ticket

    def ticket_valid(self, ticket: str) -> bool:
        with self._lock:
            if ticket not in self._tickets:
                return False
            session = self._tickets[ticket]
        return session is None or self.alive(session)

    def revoke(self, ticket: str) -> None:
        """The ticket stops working and its files go."""
        with self._lock:
            self._tickets.pop(ticket, None)
            gone = [file_id for file_id, (owner, _, _) in self._files.items() if owner == ticket]
        for file_id in gone:
            self.discard(file_id)

    def sweep(self) -> None:
        """Tickets whose session has ended are revoked, and their files removed."""
        with self._lock:
            tickets = list(self._tickets.items())
        for ticket, session in tickets:
            if session is not None and not self.alive(session):
                self.revoke(ticket)

    def incoming(self, ticket: str, name: str, declared: int | None = None) -> _Incoming:
        """A file to receive for ``ticket``, written as its pieces come; ``declared``: its size, if told."""
        if not self.ticket_valid(ticket):
            raise UploadGone
        incoming = _Incoming(self, ticket, name)
        with self._lock:
            self._arriving[incoming] = ticket
        try:
            self.check_room(ticket, incoming, declared or 0)
        except UploadRefused as exc:
            incoming.__exit__(type(exc), exc, None)
            raise
        return incoming

    def check_room(self, ticket: str, incoming: _Incoming, still: int = 0) -> None:
        """Refuse a file that passes the upload limit or a quota (``still``: bytes it said would come)."""
        mb = 1024 * 1024
        if incoming.size + still > MAX_UPLOAD_MB * mb:
            raise UploadTooLarge(f"Filen er større end grænsen på {MAX_UPLOAD_MB} MB.")
        with self._lock:
            held = [(owner, f.size) for owner, f, _ in self._files.values()]
            held += [(owner, i.size) for i, owner in self._arriving.items()]
        mine = [size for owner, size in held if owner == ticket]
        if len(mine) > SESSION_FILES or sum(mine) + still > SESSION_MB * mb:
            raise SpoolFull(
                f"Du har sendt så mange filer, at der ikke er plads til flere (højst {SESSION_FILES} filer og "
                f"{SESSION_MB} MB ad gangen); indlæs eller fjern nogle af dem, og send så resten."
            )
        if sum(size for _, size in held) + still > PROCESS_MB * mb:
            raise SpoolFull(
                "Serveren har ikke plads til flere filer lige nu (andre analytikeres filer venter på at blive "
                "indlæst); prøv igen om lidt."
            )

    def arrived(self, incoming: _Incoming, digest: str | None) -> None:
        """A file received whole (``digest``) is kept; one cut off or refused (None) is removed."""
        with self._lock:
            ticket = self._arriving.pop(incoming, None)
            if digest is not None and ticket in self._tickets:  # (a ticket revoked meanwhile keeps nothing)
                self._files[incoming.file_id] = (
                    ticket,
                    Received(incoming.file_id, incoming.name, incoming.size, digest),
                    incoming.path,
                )
                return
        incoming.path.unlink(missing_ok=True)

    def put(self, ticket: str, name: str, data: bytes, file_id: str) -> Received:
        """Bytes already in memory (Streamlit's own uploader, without serve.py) spooled under ``file_id``."""
        if (known := self.received(ticket, file_id)) is not None:
            return known
        with self.incoming(ticket, name, len(data)) as incoming:
            incoming.write(data)
        with self._lock:
            ticket, received, path = self._files.pop(incoming.file_id)
            self._files[file_id] = (ticket, Received(file_id, received.name, received.size, received.digest), path)
            return self._files[file_id][1]

    def received(self, ticket: str, file_id: str) -> Received | None:
        """The file ``file_id`` that ``ticket``'s session sent, if it is still here."""
        with self._lock:
            known = self._files.get(file_id)
        return known[1] if known is not None and known[0] == ticket else None

    def path(self, ticket: str, file_id: str) -> Path:
        with self._lock:
            known = self._files.get(file_id)
        if known is None or known[0] != ticket:
            raise UploadGone
        return known[2]

    def discard(self, file_id: str) -> None:
        """The file goes, with the output of every job about it."""
        with self._lock:
            known = self._files.pop(file_id, None)
        if known is not None:
            known[2].unlink(missing_ok=True)
            for output in known[2].parent.glob(f"{file_id}-*"):
                output.unlink(missing_ok=True)


def spool_root() -> Path:
    """Where every server process keeps its folder of uploads: ``uploads/`` beside the master."""
    root = config.warehouse_path().parent / "uploads"
    root.mkdir(parents=True, exist_ok=True)
    return root


def sweep_dead(root: Path) -> list[str]:
    """Remove the spool folders under ``root`` whose process is gone (their lock is free); their names."""
    removed = []
    for folder in root.iterdir():
        lock = folder / ".lock"
        try:
            with open(lock) as held:
                fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # its process lives
        except OSError:  # no lock: a folder being made (a second old at most), or one a process killed at once left
            if time.time() - folder.stat().st_mtime < 60:
                continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    return removed


SPOOL = Spool()


# --- jobs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobState:
    """Where a job is, as its output file says."""

    queued: int | None = None  # its place among the waiting jobs (1: the next to start)
    step: str = ""
    fraction: float = 0.0
    waiting: str | None = None  # another writer holds the master
    done: bool = False
    answer: dict | None = None  # the job's answer: {"review": …}, {"loaded": …} or {"undone": …}
    failed: str | None = None  # why it did not end as asked, in Danish
    committed: int | None = None  # a confirm: the load that is in the master, whatever came after


@dataclass
class _Job:
    argv: list[str]
    user: str
    output: Path
    proc: subprocess.Popen | None = None


class Jobs:
    """Runs of the CLI for the app, at most ``slots`` at once; the rest wait in the order they came."""

    def __init__(self, slots: int = JOB_SLOTS):
        self.slots = slots
        self._lock = threading.Lock()
        self._jobs: dict[str, _Job] = {}
        self._waiting: list[str] = []

    def submit(self, argv: list[str], output: Path, user: str) -> str:
        """``python -m pipelines <argv>`` with its answers in ``output``, recorded as ``user``; its id."""
        job_id = secrets.token_urlsafe(8)
        output.unlink(missing_ok=True)
        with self._lock:
            self._jobs[job_id] = _Job(argv, user, output)
            self._waiting.append(job_id)
            self._start_waiting()
        return job_id

    def _start_waiting(self) -> None:
        running = sum(1 for job in self._jobs.values() if job.proc is not None and job.proc.poll() is None)
        while self._waiting and running < self.slots:
            job = self._jobs[self._waiting.pop(0)]
            env = config.child_environment(user=job.user, writer_nice=0)  # an analyst waits: full CPU priority
            with open(job.output, "wb") as out, open(job.output.with_suffix(".log"), "wb") as err:
                job.proc = subprocess.Popen(
                    [sys.executable, "-m", "pipelines", *job.argv],
                    cwd=config.PROJECT_ROOT,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                )
            running += 1

    def state(self, job_id: str) -> JobState:
        with self._lock:
            self._start_waiting()  # a job that ended makes room for the next
            job = self._jobs.get(job_id)
            if job is None:
                return JobState(done=True, failed="Opgaven findes ikke længere på serveren; prøv igen.")
            if job.proc is None:
                return JobState(queued=self._waiting.index(job_id) + 1)
            ended = job.proc.poll() is not None
        return _read_state(job, ended)

    def forget(self, job_id: str) -> None:
        """A job nobody waits for: taken out of the queue, or left to finish; its output goes."""
        with self._lock:
            job = self._jobs.pop(job_id, None)
            if job_id in self._waiting:
                self._waiting.remove(job_id)
        if job is not None and (job.proc is None or job.proc.poll() is not None):
            job.output.unlink(missing_ok=True)
            job.output.with_suffix(".log").unlink(missing_ok=True)


def _read_state(job: _Job, ended: bool) -> JobState:
    found: dict = {}
    try:
        lines = job.output.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    for line in lines:
        try:
            found.update(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line being written
    answer = next(({k: found[k]} for k in ("review", "loaded", "undone") if k in found), None)
    state = JobState(
        step=found.get("progress", ""),
        fraction=float(found.get("fraction", 0.0)),
        waiting=found.get("wait"),
        done=ended,
        answer=answer,
        failed=found.get("failed"),
        committed=found.get("committed"),
    )
    if ended and answer is None and state.failed is None:  # killed, or a failure its output could not tell
        log = job.output.with_suffix(".log")
        said = log.read_text(encoding="utf-8", errors="replace")[-4000:] if log.exists() else ""
        LOG.error("a load job ended without an answer (exit code %s):\n%s", job.proc.returncode, said)
        state = JobState(done=True, committed=state.committed, failed="Opgaven stoppede uventet; prøv igen.")
    return state


JOBS = Jobs()


def review_job(ticket: str, received: Received, user: str, sheet: str | None = None) -> str:
    """Submit the review of a spooled file: its load, kept pending (``pipelines load --pending``)."""
    path = SPOOL.path(ticket, received.file_id)
    argv = ["load", str(path), "--pending", "--progress", "json", "--source", UPLOAD_SOURCE, "--name", received.name]
    argv += ["--max-rows", str(MAX_UPLOAD_ROWS)] + (["--digest", received.digest] if received.digest else [])
    argv += ["--sheet", sheet] if sheet else []
    return JOBS.submit(argv, path.parent / f"{received.file_id}-{secrets.token_hex(4)}.jsonl", user)


def write_job(command: str, load_id: int, user: str) -> str:
    """Submit ``pipelines confirm LOAD_ID`` or ``pipelines undo LOAD_ID`` (abandoning a pending load)."""
    output = SPOOL.folder() / f"{command}-{int(load_id)}-{secrets.token_hex(4)}.jsonl"
    return JOBS.submit([command, str(int(load_id)), "--progress", "json"], output, user)
