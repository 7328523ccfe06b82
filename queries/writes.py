"""The Data page's write commands (analysts only; the page checks the role): review and load an upload, undo a
load, and fetch a table from jobindsats.dk, review it and load it.

An upload's review and load run in an upload worker (``pipelines/worker.py``): the review loads the file into a
copy of the snapshot this script run reads, and confirming it makes that copy the master (``writer.swap_in``)
when nothing was written meanwhile; otherwise the worker loads the file through a write session. A fetch's
review validates against the snapshot on a cursor of its own (temporary tables only: the snapshot is
read-only). Every other load and an undo go through a write session on the master, as every CLI writer does,
which publishes a new snapshot.

The jobindsats API key is found here, at the app's edge: ``JOBINDSATS_API_KEY``, else Streamlit's secret
``jobindsats_api_key``, handed to the client (``pipelines`` never reads Streamlit's secrets).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from pipelines import config, jobindsats, loader, refresh, uploads, worker, writer
from pipelines.errors import ExtractRejected
from pipelines.writer import write_session
from queries import cached, cursor, published


def can_write() -> bool:
    """Whether this installation loads at all (not on an app machine that only reads a shared folder)."""
    return not config.read_only()


def upload_limits() -> tuple[int, int]:
    """The largest upload in MB and in lines (larger extracts load through the CLI)."""
    return uploads.MAX_UPLOAD_MB, uploads.MAX_UPLOAD_ROWS


def upload_ticket() -> str:
    """A new ticket for sending files to the upload route (``presentation/uploader.py``)."""
    return uploads.SPOOL.issue_ticket()


def revoke_upload_ticket(ticket: str) -> None:
    uploads.SPOOL.revoke(ticket)


def upload_valid(ticket: str) -> bool:
    return uploads.SPOOL.ticket_valid(ticket)


def received_upload(ticket: str, file_id: str) -> uploads.Received | None:
    """The file ``file_id`` this session sent, if the server still holds it."""
    return uploads.SPOOL.received(ticket, file_id)


def drop_upload(ticket: str, file_id: str) -> None:
    """A file this session sent and no longer holds: it goes, with the load its review prepared."""
    if uploads.SPOOL.received(ticket, file_id) is not None:
        uploads.SPOOL.discard(file_id)


def spool_upload(ticket: str, name: str, data: bytes, file_id: str) -> uploads.Received:
    """A file from Streamlit's own uploader (``streamlit run app.py``, AppTest), spooled as the route spools."""
    return uploads.SPOOL.put(ticket, name, data, file_id)


@st.cache_data(show_spinner=False, max_entries=64)
def upload_sheets(received: uploads.Received, *, _ticket: str) -> list[str]:
    """An uploaded Excel workbook's sheets, for the sheet picker; [] for any other file. Once per uploaded
    file: the Data page runs again on every click."""
    return uploads.received_sheets(_ticket, received)


@cached
def review_upload(received: uploads.Received, sheet: str | None = None, *, _ticket: str) -> uploads.Review:
    """Validated against the snapshot this run reads, in an upload worker (``pipelines/worker.py``): a file that
    can be is loaded there into a copy of that snapshot (``uploads.prepare``), and confirming it is a rename.

    Once per uploaded file (its random id), sheet and snapshot: the Data page runs again on every click, and a
    national extract's review takes seconds."""
    if too_big := uploads.size_problem(received.name, received.size):
        return uploads.Review(received.name, False, problems=[too_big])
    try:
        path = uploads.spooled(_ticket, received)
    except ExtractRejected as exc:
        return uploads.Review(received.name, False, problems=exc.problems)
    prepared = writer.prepared_path(secrets.token_hex(8))
    review = worker.run(
        "review",
        snapshot=published(),
        memory_limit=config.APP_MEMORY_LIMIT,
        path=str(path),
        name=received.name,
        sheet=sheet,
        max_rows=uploads.MAX_UPLOAD_ROWS,
        prepared=str(prepared),
        digest=received.digest,
    )
    if review.prepared is not None:
        uploads.SPOOL.attach(received.file_id, prepared)
    return review


def warm_worker() -> None:
    """An upload worker ready before the analyst's first file arrives."""
    worker.warm()


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


def commit_upload(
    received: uploads.Received,
    review: uploads.Review,
    user: str,
    progress=None,
    sheet: str | None = None,
    *,
    ticket: str,
) -> loader.LoadResult:
    """Load a reviewed upload. A load its review prepared becomes the master if the master is still what the
    review read (``writer.swap_in``); otherwise an upload worker loads the file through a write session, as
    every CLI writer does. The file goes once loaded."""
    path = uploads.spooled(ticket, received)
    done = review.prepared
    if done is not None and writer.swap_in(
        Path(done.path),
        done.base,
        lambda con: uploads.stamp(con, done.result.load_id, user),
        **_writer_callbacks(progress),
    ):
        result = done.result
    else:
        result = worker.run(
            "commit",
            progress=progress,
            on_wait=_writer_callbacks(progress)["on_wait"],
            path=str(path),
            name=received.name,
            user=user,
            sheet=sheet,
            max_rows=uploads.MAX_UPLOAD_ROWS,
            digest=received.digest,
        )
    uploads.SPOOL.discard(received.file_id)
    return result


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


@st.cache_data(ttl=3600, show_spinner="Henter jobindsats' katalog …")
def jobindsats_catalogue() -> dict[str, str]:
    """The mapped tables the API lists, id -> Danish name (the catalogue changes rarely: cached an hour)."""
    mapped = jobindsats.mapping()
    with _client() as client:
        listed = client.catalogue().tables()
    return {t: listed[t][0].table_name for t in sorted(mapped) if t in listed}


@st.cache_data(ttl=900, show_spinner="Henter tabellens perioder …")
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


def review_fetched(fetched: jobindsats.Fetched) -> uploads.Review:
    """The same review as an upload gets, for a fetch."""
    with cursor() as cur:
        return uploads.review(cur, fetched.file_name, fetched.as_bytes(), fetched.kind)


def commit_fetched(fetched: jobindsats.Fetched, user: str, progress=None) -> loader.LoadResult:
    with _session(progress) as con:
        return refresh.load_fetched(con, fetched, user, progress)
