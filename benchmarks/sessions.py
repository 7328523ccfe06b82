"""Sessions on a real Streamlit server, driven over its own websocket as a browser tab drives it.

A browser renders what the server sends; the server's work is the same whether the tab is a browser or
this client. Each ``Session`` is one websocket (one Streamlit session, with its own session state);
``open(page)`` asks the server to run that page of ``app.py`` (as a click in the sidebar does) and waits
for the server's "script finished": the latency a user waits for before the page is complete, minus
the browser's drawing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

from benchmarks.measure import PROJECT_ROOT, StepFailed, median

# Debian's Chromium headless on this machine: no sandbox (root), no GPU, and none of its own network chatter
# (its background connections are refused here, many at a time).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# app.py's url paths, the default page first (its address is the root).
PAGES = {
    "overblik": "",
    "faelles_borgere": "faelles-borgere",
    "visitation": "visitation",
    "aktivering": "aktivering",
    "sagstal": "sagstal",
    "investering": "investering",
    "benchmark": "benchmark",
    "data": "data",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# How a session fails: the server's socket or websocket goes away, or a page takes too long.
SESSION_ERRORS = (OSError, TimeoutError, WebSocketException)


class Server:
    """``python serve.py`` (the app, its upload route and the server's limits) on 127.0.0.1, with the environment
    given."""

    def __init__(self, env: dict[str, str], log: Path, **popen):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with open(log, "wb") as output:  # the server writes to its own copy of the file
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "serve.py",
                    "--server.address",
                    "127.0.0.1",
                    "--server.port",
                    str(self.port),
                    "--server.headless",
                    "true",
                    "--browser.gatherUsageStats",
                    "false",
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                **popen,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise StepFailed(f"the Streamlit server did not start: {log.read_text(errors='replace')[-2000:]}")

    def cpu_seconds(self) -> float:
        """User + system time of the server process so far (all its threads)."""
        with open(f"/proc/{self.proc.pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class PageRun:
    page: str
    seconds: float
    started: float  # time.monotonic() when it was asked for
    errors: list[str] = field(default_factory=list)


class Session:
    """One browser tab's worth of Streamlit session."""

    def __init__(self, url: str, query: str = "kommune=751"):
        self.query = query
        self._ws: ClientConnection = connect(
            url.replace("http://", "ws://") + "/_stcore/stream",
            subprotocols=["streamlit"],
            origin=url,
            max_size=None,
            open_timeout=60,
        )

    def open(self, page: str, timeout: float = 300.0) -> PageRun:
        request = BackMsg()
        request.rerun_script.query_string = self.query
        request.rerun_script.page_name = PAGES[page]
        started = time.monotonic()
        self._ws.send(request.SerializeToString())
        errors = []
        while True:
            message = ForwardMsg()
            message.ParseFromString(self._ws.recv(timeout=timeout))
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                if element.WhichOneof("type") == "exception":
                    errors.append(element.exception.message[:300])
            elif kind == "page_not_found":
                errors.append(f"page not found: {page}")
            elif kind == "script_finished":
                return PageRun(page, time.monotonic() - started, started, errors)

    def close(self) -> None:
        self._ws.close()


def browse(url: str, pages: list[str], rounds: int, start: int = 0) -> list[PageRun]:
    """One session opening every page ``rounds`` times, beginning at ``pages[start]``."""
    session = Session(url)
    try:
        order = pages[start:] + pages[:start]
        return [session.open(page) for _ in range(rounds) for page in order]
    finally:
        session.close()


def concurrent(urls: str | list[str], pages: list[str], sessions: int, rounds: int) -> list[PageRun]:
    """``sessions`` sessions at once, each browsing every page ``rounds`` times from a different first page;
    given several servers' URLs, the sessions are spread over them in turn (as a sticky proxy would)."""
    urls = [urls] if isinstance(urls, str) else urls
    runs: list[PageRun] = []
    failures: list[str] = []
    lock = threading.Lock()
    go = threading.Barrier(sessions)

    def user(n: int) -> None:
        try:
            session = Session(urls[n % len(urls)])
            try:
                go.wait(timeout=120)
                order = pages[n % len(pages) :] + pages[: n % len(pages)]
                mine = [session.open(page) for _ in range(rounds) for page in order]
            finally:
                session.close()
        except (*SESSION_ERRORS, threading.BrokenBarrierError) as exc:
            go.abort()  # the others need not wait for a session that is gone
            with lock:
                failures.append(f"session {n}: {exc}")
            return
        with lock:
            runs.extend(mine)

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise StepFailed("; ".join(failures[:3]))
    return runs


def readers(url: str, count: int, stop: threading.Event, failures: list[str]) -> list[threading.Thread]:
    """``count`` sessions browsing every page, each from a different first page, until ``stop`` is set; a
    page's errors and a session that fails go into ``failures``. The threads are started."""

    pages = list(PAGES)

    def user(n: int) -> None:
        try:
            session = Session(url)
            try:
                i = n
                while not stop.is_set():
                    failures.extend(session.open(pages[i % len(pages)]).errors)
                    i += 1
            finally:
                session.close()
        except SESSION_ERRORS as exc:
            failures.append(f"reader {n}: {exc}")

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(count)]
    for t in threads:
        t.start()
    return threads


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def summary(runs: list[PageRun]) -> dict:
    """Per page and over all pages: runs, p50 and p95 in seconds, and every error seen."""
    out = {}
    for page in dict.fromkeys([r.page for r in runs]):
        times = [r.seconds for r in runs if r.page == page]
        out[page] = {"n": len(times), "p50": median(times), "p95": percentile(times, 95)}
    every = [r.seconds for r in runs]
    out["all pages"] = {
        "n": len(every),
        "p50": median(every) if every else None,
        "p95": percentile(every, 95) if every else None,
    }
    errors = sorted({e for r in runs for e in r.errors})
    return {"pages": out, "errors": errors}
