"""The upload route (``presentation/uploader.py``) over real HTTP: uvicorn on 127.0.0.1 serving the route as
``serve.py`` mounts it, spoken to with requests. The browser tests drive the same route through the Data page."""

from __future__ import annotations

import threading
import time
from urllib.parse import quote

import pytest
import requests

from benchmarks.sessions import free_port
from pipelines import loader, uploads

# The upload route on a real uvicorn server on a free port.
pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def route_url():
    import uvicorn
    from starlette.applications import Starlette

    from presentation import uploader

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(Starlette(routes=uploader.routes()), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}{uploader.ROUTE}"
    server.should_exit = True
    thread.join(timeout=30)


def put(url: str, body, ticket: str | None, name: str = "sagstal.csv", **headers) -> requests.Response:
    sent = {"X-File-Name": quote(name), **headers}
    if ticket is not None:
        sent["X-Upload-Ticket"] = ticket
    return requests.put(url, data=body, headers=sent, timeout=60)


def test_a_file_arrives_whole_under_its_name_bound_to_the_ticket(route_url):
    ticket = uploads.SPOOL.issue_ticket()
    body = "Område;Periode\n".encode() + b"x" * 3_000_000
    name = "sagstal <b>æøå</b> [x](https://example.invalid).csv"
    reply = put(route_url, body, ticket, name)
    assert reply.status_code == 200
    sent = reply.json()
    assert (sent["name"], sent["size"]) == (name, len(body))
    received = uploads.SPOOL.received(ticket, sent["id"])
    assert received == uploads.Received(
        sent["id"], name, len(body), loader.file_digest(uploads.SPOOL.path(ticket, sent["id"]))
    )
    assert uploads.SPOOL.path(ticket, sent["id"]).read_bytes() == body
    # Only a hash of the id and the name's suffix make the path: the name never becomes one.
    assert uploads.SPOOL.path(ticket, sent["id"]).suffix == ".csv"
    assert uploads.SPOOL.received(uploads.SPOOL.issue_ticket(), sent["id"]) is None  # another session's ticket


def test_a_send_without_a_valid_ticket_is_refused_in_danish_and_keeps_nothing(route_url):
    before = dict(uploads.SPOOL._files)
    for ticket in (None, "", "gættet", "' or 1=1 --"):
        reply = put(route_url, "Område;Periode\n".encode(), ticket)
        assert reply.status_code == 403
        assert reply.json() == {"error": "Adgangen til at sende filer er udløbet; genindlæs siden."}
    revoked = uploads.SPOOL.issue_ticket()
    uploads.SPOOL.revoke(revoked)
    assert put(route_url, "Område;Periode\n".encode(), revoked).status_code == 403
    assert uploads.SPOOL._files == before
    assert requests.get(route_url, timeout=30).status_code == 405  # only PUT


def spooled_on_disk() -> set[str]:
    return {p.name for p in uploads.SPOOL.folder().iterdir()} - {".lock"}


def test_a_file_over_the_limit_is_refused_whether_or_not_it_says_its_size(route_url, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_MB", 1)
    ticket = uploads.SPOOL.issue_ticket()
    before, on_disk = dict(uploads.SPOOL._files), spooled_on_disk()
    declared = put(route_url, b"x" * 2_000_000, ticket)
    assert declared.status_code == 413 and declared.json()["error"] == "Filen er større end grænsen på 1 MB."

    def pieces():  # no Content-Length (chunked): only counting the bytes as they come can stop it
        for _ in range(4):
            yield b"x" * 600_000

    chunked = put(route_url, pieces(), ticket)
    assert chunked.status_code == 413 and chunked.json()["error"] == "Filen er større end grænsen på 1 MB."
    assert uploads.SPOOL._files == before and spooled_on_disk() == on_disk  # nothing kept, nothing half-written


def test_control_characters_in_a_file_name_are_dropped_not_a_server_error(route_url):
    ticket = uploads.SPOOL.issue_ticket()
    reply = put(route_url, "Område;Periode\n".encode(), ticket, "sag\x00stal\n.\x07csv")
    assert reply.status_code == 200 and reply.json()["name"] == "sagstal.csv"
    assert uploads.SPOOL.path(ticket, reply.json()["id"]).suffix == ".csv"


def test_one_session_sends_many_files_and_a_quota_refuses_more_in_danish_never_dropping_one(route_url, monkeypatch):
    """Every file a session sent stays until it is loaded or dropped; past the session's quota a new one is refused
    (507, a Danish reason), and the files before it are untouched. Another session is not held back by it."""
    monkeypatch.setattr(uploads, "SESSION_FILES", 6)
    ticket = uploads.SPOOL.issue_ticket()
    sent = [put(route_url, f"Område;Periode\n{i}".encode(), ticket, f"fil{i}.csv") for i in range(6)]
    assert [r.status_code for r in sent] == [200] * 6
    refused = put(route_url, "Område;Periode\n".encode(), ticket, "syvende.csv")
    assert refused.status_code == 507 and refused.json()["error"].startswith(
        "Du har sendt så mange filer, at der ikke er plads til flere (højst 6 filer"
    )
    for i, reply in enumerate(sent):  # all six are still there, whole
        assert uploads.SPOOL.path(ticket, reply.json()["id"]).read_bytes() == f"Område;Periode\n{i}".encode()
    assert put(route_url, "Område;Periode\n".encode(), uploads.SPOOL.issue_ticket()).status_code == 200


@pytest.mark.process
def test_the_spool_of_a_process_that_died_goes_when_the_next_one_starts(tmp_path):
    """A server killed with files in its spool (SIGKILL: nothing of its own ran) leaves a folder whose lock no
    process holds: the next spool to start removes it, and never a living process's folder."""
    import subprocess
    import sys

    root = tmp_path / "uploads"
    root.mkdir()
    script = (
        "import fcntl, sys, time; from pathlib import Path; f = Path(sys.argv[1]); f.mkdir();"
        "(f / 'stor.csv').write_bytes(b'x' * 1000); h = open(f / '.lock', 'w'); fcntl.flock(h, fcntl.LOCK_EX);"
        "print('ready', flush=True); time.sleep(60)"
    )
    dead = subprocess.Popen([sys.executable, "-c", script, str(root / "dead")], stdout=subprocess.PIPE, text=True)
    alive = subprocess.Popen([sys.executable, "-c", script, str(root / "alive")], stdout=subprocess.PIPE, text=True)
    try:
        assert dead.stdout.readline() == "ready\n" and alive.stdout.readline() == "ready\n"
        dead.kill()
        dead.wait(timeout=30)
        assert uploads.sweep_dead(root) == ["dead"]
        assert not (root / "dead").exists() and (root / "alive" / "stor.csv").exists()
    finally:
        alive.kill()
        alive.wait(timeout=30)
