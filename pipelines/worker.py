"""An upload's review and load, run in a process of our own rather than in the app's server process.

The server's Python is shared by every session it serves: with six sessions reading, a 200 MB extract's review
and load took twice as long inside it as the same work in the CLI's process (``benchmarks/results.md``,
"Upload"). A worker is ``python -m pipelines.worker``: it reads jobs from its stdin and answers on its stdout
(pickled: the pipe is private to the two processes), runs one job at a time, and stays for the next, so an
upload does not pay for starting Python and importing DuckDB and polars. The app keeps a few idle workers.

A job runs with the environment of the server process at the time it is asked (tests and operators change
settings without restarting workers). Its progress and its waiting for the writer role come back as messages
while it runs; a ``PipelineError`` comes back as itself and is raised in the server; anything else comes back as
a ``WorkerFailed`` carrying the worker's traceback. A server thread that stops listening half-way (the user left
the page) leaves the job to finish; the worker joins the idle ones afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipelines.errors import PipelineError

LOG = logging.getLogger(__name__)
KEEP_IDLE = 2
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class WorkerFailed(PipelineError):
    """The worker stopped or failed unexpectedly; the traceback is in the server's log."""


# --- the jobs (run in the worker) -------------------------------------------------------------------------


def _review(snapshot, memory_limit: str, path: str, name: str, sheet, max_rows: int, prepared, digest, **_):
    import duckdb

    from pipelines import snapshots, uploads

    opened = snapshots.open_snapshot(snapshot, memory_limit)  # locked: no publish prunes it meanwhile
    try:
        if prepared is not None:
            try:
                review = uploads.prepare(snapshot.path, Path(prepared), Path(path), name, sheet, max_rows, digest)
            except (OSError, duckdb.Error):  # e.g. no room for the copy: the review that writes nothing still can
                LOG.exception("an upload could not be prepared on a copy; reviewing it without one")
                review = None
            if review is not None:
                return review
        return uploads.review_file(opened.con, Path(path), name, sheet, max_rows)
    finally:
        opened.close()


def _commit(path: str, name: str, user: str, sheet, max_rows: int, digest, progress, on_wait):
    from pipelines import uploads
    from pipelines.writer import write_session

    with write_session(on_wait=on_wait, on_publish=lambda step: progress(step, 0.98)) as con:
        return uploads.commit_file(con, Path(path), name, user, progress, sheet, max_rows, digest)


JOBS: dict[str, Callable[..., Any]] = {"review": _review, "commit": _commit}


def warm_up() -> None:
    """Pay now what the first job would pay: what DuckDB imports lazily (pandas, when an Arrow table is
    registered: 0,4 s) and its first CSV read, Parquet write and Parquet read."""
    import duckdb
    import pandas  # noqa: F401
    import pyarrow as pa

    from pipelines import uploads, writer  # noqa: F401

    con = duckdb.connect()
    try:
        con.register("warm", pa.table({"a": [1]}))
        with tempfile.TemporaryDirectory(prefix="helhedsblik-worker-") as folder:
            csv, parquet = Path(folder) / "warm.csv", Path(folder) / "warm.parquet"
            csv.write_text("a;b\n1;2\n", encoding="utf-8")
            con.execute("copy (select * from read_csv(?, delim = ';')) to ? (format parquet)", [str(csv), str(parquet)])
            con.execute("select * from read_parquet(?) join warm using (a)", [str(parquet)]).fetchall()
    finally:
        con.close()


def main() -> None:
    """The worker's loop: a job in, its messages and its outcome out, until stdin closes."""
    jobs, answers = sys.stdin.buffer, os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print must not corrupt the answers
    warm_up()

    def send(*message) -> None:
        pickle.dump(message, answers)
        answers.flush()

    while True:
        try:
            job, env, kwargs = pickle.load(jobs)
        except EOFError:
            return
        os.environ.clear()
        os.environ.update(env)
        try:
            result = JOBS[job](
                **kwargs,
                progress=lambda step, fraction: send("progress", step, fraction),
                on_wait=lambda message: send("wait", message),
            )
        except PipelineError as exc:
            send("error", exc)
        except Exception:  # noqa: BLE001 - crosses the process boundary as text; the server raises WorkerFailed
            send("failed", traceback.format_exc())
        else:
            send("done", result)


# --- the server's side ------------------------------------------------------------------------------------


class _Worker:
    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pipelines.worker"], cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )

    def ask(self, job: str, kwargs: dict) -> None:
        try:
            pickle.dump((job, dict(os.environ), kwargs), self.proc.stdin)
            self.proc.stdin.flush()
        except OSError as exc:  # it died while idle
            raise self._stopped() from exc

    def answer(self) -> tuple:
        try:
            return pickle.load(self.proc.stdout)
        except Exception as exc:  # noqa: BLE001 - a dead worker, or a pipe out of step: this worker is done
            raise self._stopped() from exc

    def _stopped(self) -> WorkerFailed:
        LOG.error("an upload worker stopped (exit code %s)", self.proc.poll())
        return WorkerFailed("Arbejdsprocessen stoppede uventet; intet er ændret. Prøv igen.")

    def close(self) -> None:
        with contextlib.suppress(OSError):  # already closed by a worker that died
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


_lock = threading.Lock()
_idle: list[_Worker] = []


def _take() -> _Worker:
    dead = []
    with _lock:
        while _idle:
            worker = _idle.pop()
            if worker.proc.poll() is None:
                break
            dead.append(worker)
        else:
            worker = None
    for gone in dead:
        gone.close()  # reaped, not left a zombie
    return worker or _Worker()


def _give_back(worker: _Worker) -> None:
    with _lock:
        if worker.proc.poll() is None and len(_idle) < KEEP_IDLE:
            _idle.append(worker)
            return
    worker.close()


def warm() -> None:
    """Start a worker now if none is idle, so the first upload does not wait for Python to start."""
    with _lock:
        if _idle:
            return
    _give_back(_Worker())


def run(job: str, progress=None, on_wait=None, **kwargs) -> Any:
    """Run ``job`` in a worker and return what it returns; ``progress(step, fraction)`` and ``on_wait(message)``
    are called in this thread as the worker reports."""
    worker = _take()
    finished = False
    try:
        worker.ask(job, kwargs)
        while True:
            kind, *rest = worker.answer()
            if kind == "progress":
                if progress is not None:
                    progress(*rest)
            elif kind == "wait":
                if on_wait is not None:
                    on_wait(*rest)
            else:
                finished = True
                break
    except WorkerFailed:
        finished = True
        worker.close()
        raise
    finally:
        if not finished:  # this thread stopped listening (the page was left): the job finishes on its own
            threading.Thread(target=_drain, args=(worker,), daemon=True).start()
    _give_back(worker)
    if kind == "done":
        return rest[0]
    if kind == "error":
        raise rest[0]
    LOG.error("an upload job failed in its worker:\n%s", rest[0])
    raise WorkerFailed("Der opstod en uventet fejl under indlæsningen; intet er ændret. Fejlen er logget på serveren.")


def _drain(worker: _Worker) -> None:
    try:
        while (last := worker.answer())[0] in ("progress", "wait"):
            pass
    except WorkerFailed:
        worker.close()
        return
    if last[0] == "failed":
        LOG.error("an upload job nobody waited for failed in its worker:\n%s", last[1])
    _give_back(worker)


if __name__ == "__main__":
    main()
