"""The Data page's write commands (analysts only; the page checks the role): review and load an upload, undo a
load, and fetch a table from jobindsats.dk, review it and load it.

An upload's review and its confirmation are jobs (``pipelines/uploads.py``): runs of the CLI in processes of
their own, one JSON object a line, read from disk while they run. A fetch's review validates against the snapshot
on a cursor of its own (temporary tables only: the snapshot is read-only). Every other load and an undo go through
a write session on the master, as every CLI writer does, which publishes a new snapshot.

The jobindsats API key is found here, at the app's edge: ``JOBINDSATS_API_KEY``, else Streamlit's secret
``jobindsats_api_key``, handed to the client (``pipelines`` never reads Streamlit's secrets).
"""

from __future__ import annotations

import logging
import subprocess
import sys

import duckdb
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from pipelines import config, jobindsats, loader, refresh, uploads
from pipelines.review import Review
from pipelines.writer import write_session
from queries import cache_data_lazily, cursor

LOG = logging.getLogger(__name__)


def can_write() -> bool:
    """Whether this installation loads at all (not on an app machine that only reads a shared folder)."""
    return not config.read_only()


def upload_limits() -> tuple[int, int]:
    """The largest upload in MB and in lines (larger extracts load through the CLI)."""
    return uploads.MAX_UPLOAD_MB, uploads.MAX_UPLOAD_ROWS


def _connected(session: str) -> bool:
    """Whether the Streamlit session is still connected (a closed tab's is not)."""
    return not Runtime.exists() or Runtime.instance().is_active_session(session)


uploads.SPOOL.alive = _connected


def after_a_crash() -> None:
    """What a killed server or job left, set right as the server starts: a committed load the published snapshot
    lacks is published (``pipelines publish``; a writer that holds the master now publishes when it ends), and
    the spool folders of processes that died go."""
    if can_write():
        env = config.child_environment(writer_wait=0, writer_nice=0)
        done = subprocess.run(
            [sys.executable, "-m", "pipelines", "publish"], cwd=config.PROJECT_ROOT, env=env, capture_output=True
        )
        if done.returncode:
            LOG.warning("publishing at start-up did not succeed: %s", done.stderr.decode(errors="replace")[-2000:])
        uploads.sweep_dead(uploads.spool_root())


# What the upload route may be refused with: the ticket's session has gone, the file is too large, the spool is full.
UploadRefused, UploadGone, UploadTooLarge = uploads.UploadRefused, uploads.UploadGone, uploads.UploadTooLarge


def receive_upload(ticket: str, name: str, declared: int | None):
    """The upload route's way into the spool: a context manager whose ``write(chunk)`` takes the body as it
    arrives; the file is kept only when the body ended whole (``UploadRefused`` otherwise)."""
    return uploads.SPOOL.incoming(ticket, name, declared)


def upload_ticket() -> str:
    """A new ticket for sending files to the upload route (``presentation/uploader.py``), good while this
    session is connected."""
    uploads.SPOOL.sweep()  # every other session's that has ended goes now
    context = get_script_run_ctx()
    return uploads.SPOOL.issue_ticket(context.session_id if context is not None and Runtime.exists() else None)


def revoke_upload_ticket(ticket: str) -> None:
    uploads.SPOOL.revoke(ticket)


def upload_valid(ticket: str) -> bool:
    return uploads.SPOOL.ticket_valid(ticket)


def received_upload(ticket: str, file_id: str) -> uploads.Received | None:
    """The file ``file_id`` this session sent, if the server still holds it."""
    return uploads.SPOOL.received(ticket, file_id)


def drop_upload(ticket: str, file_id: str) -> None:
    """A file this session sent and no longer holds: it goes."""
    if uploads.SPOOL.received(ticket, file_id) is not None:
        uploads.SPOOL.discard(file_id)


def spool_upload(ticket: str, name: str, data: bytes, file_id: str) -> uploads.Received:
    """A file from Streamlit's own uploader (``streamlit run app.py``, AppTest), spooled as the route spools."""
    return uploads.SPOOL.put(ticket, name, data, file_id)


def review_upload(ticket: str, received: uploads.Received, user: str, sheet: str | None = None) -> str:
    """Start the review of an uploaded file (its load, kept pending until confirmed); the job's id."""
    return uploads.review_job(ticket, received, user, sheet)


def confirm_upload(load_id: int, user: str) -> str:
    """Start the confirmation of a pending load, recorded as ``user``'s; the job's id."""
    return uploads.write_job("confirm", load_id, user)


def abandon_upload(load_id: int, user: str) -> str:
    """Start abandoning a pending load (its facts are deleted); the job's id."""
    return uploads.write_job("undo", load_id, user)


def job_state(job_id: str) -> uploads.JobState:
    return uploads.JOBS.state(job_id)


def forget_job(job_id: str) -> None:
    uploads.JOBS.forget(job_id)


def pending_uploads() -> list[tuple[Review, str, object]]:
    """Every load waiting for an analyst's confirmation, as the snapshot this run reads has them: (its review,
    who reviewed it, when), oldest first. They outlive the session, and the server, that reviewed them."""
    with cursor() as cur:
        try:
            rows = cur.execute("select review, reviewed_by, reviewed_at from pending_loads order by load_id").fetchall()
        except duckdb.CatalogException:  # a snapshot published before pending loads existed
            return []
    return [(Review.from_json(text), by, at) for text, by, at in rows]


def _writer_callbacks(progress=None) -> dict:
    """What a writer reports to the page: while another writer holds the master, a notice and the running
    status box's bar; the publish in the bar too."""

    def waiting(message: str) -> None:
        st.toast(message, icon=":material/hourglass_top:")
        if progress:
            progress(message, 0.0)

    return {"on_wait": waiting, "on_publish": (lambda step: progress(step, 0.98)) if progress else None}


def _session(progress=None):
    """A write session, as every CLI writer takes it."""
    return write_session(**_writer_callbacks(progress))


def undo_load(load_id: int, user: str) -> int:
    with _session() as con:
        return loader.undo(con, load_id, user)


# --- jobindsats API v3 ---------------------------------------------------------------------------


def _secret() -> str | None:
    """Streamlit's secret ``jobindsats_api_key``; None without one (or without a secrets.toml that parses)."""
    try:
        value = st.secrets.get(jobindsats.SECRET_NAME)
    except StreamlitSecretNotFoundError:
        return None
    return str(value).strip() if value else None


def _client() -> jobindsats.Client:
    return jobindsats.Client(key=jobindsats.api_key(secret=_secret()))


def jobindsats_configured() -> bool:
    """Whether an API key is set (environment or secrets); the key itself stays in the client."""
    try:
        jobindsats.api_key(secret=_secret())
    except jobindsats.JobindsatsError:
        return False
    return True


@cache_data_lazily(ttl=3600, show_spinner="Henter jobindsats' katalog …")
def jobindsats_catalogue() -> dict[str, str]:
    """The mapped tables the API lists, id -> Danish name (the catalogue changes rarely: cached an hour)."""
    mapped = jobindsats.mapping()
    with _client() as client:
        listed = client.catalogue().tables()
    return {t: listed[t][0].table_name for t in sorted(mapped) if t in listed}


@cache_data_lazily(ttl=900, show_spinner="Henter tabellens perioder …")
def jobindsats_periods(table_id: str) -> list[str]:
    """The periods the table's metadata offers, of the type the mapping fetches, oldest first."""
    spec = jobindsats.mapping()[table_id]
    with _client() as client:
        meta = client.table(table_id)
    return list(meta.periods[meta.period_type(spec.period_type)])


def fetch_jobindsats(table_id: str, areas: list[str] | str, periods: str, progress=None) -> jobindsats.Fetched:
    """Every part of a fetch, in memory; nothing is written until the analyst confirms the review."""
    with _client() as client:
        return jobindsats.fetch(client, table_id, areas, periods, progress)


def review_fetched(fetched: jobindsats.Fetched) -> Review:
    """The same review as an upload gets, for a fetch."""
    with cursor() as cur:
        return uploads.review(cur, fetched.file_name, fetched.as_bytes(), fetched.kind)


def commit_fetched(fetched: jobindsats.Fetched, user: str, progress=None) -> loader.LoadResult:
    with _session(progress) as con:
        return refresh.load_fetched(con, fetched, user, progress)
