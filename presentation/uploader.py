"""The Data page's file uploader, and the route on our server that receives its files.

Streamlit's own ``st.file_uploader`` parses a file's multipart body in Python on the event loop every session
shares, keeps it in memory and copies it on every run of the page: with six sessions reading, a 200 MB extract
took 6 s to arrive and the page ran slowly long after (``benchmarks/results.md``, "Upload"). So the browser sends
each file as the raw body of a ``PUT`` to ``ROUTE`` on our own server (``serve.py`` mounts it beside Streamlit's
routes), which writes the bytes to the upload spool as they arrive; the page gets only the file's id, name and
size (``uploads.Received``).

The widget is a small Streamlit component (a file input, drag and drop, a progress line). A session may send
only with the ticket its Data page got while the analyst may write; the ticket travels in a header, never in a
URL, and binds the files to the session that sent them. Where the route is not mounted (``streamlit run
app.py``, AppTest) the page falls back to ``st.file_uploader``, whose files go to the same spool.
"""

from __future__ import annotations

import contextlib
import errno
import logging
from urllib.parse import unquote

import streamlit as st

from presentation import page
from presentation.formatting import fmt_count, fmt_int, plain
from commands import writes

LOG = logging.getLogger(__name__)
ROUTE = "/helhedsblik/upload"
TICKET = "_upload_ticket"
ROUND, HELD, LOADED, REVIEWS = "_uploader_round", "_uploader_files", "_loaded_uploads", "_upload_reviews"
HANDLED = "_handled_loads"  # pending loads this session confirmed or threw away
# Whether this process serves ROUTE: set by ``serving()``, as serve.py's server starts.
_mounted = False


def routes() -> list:
    """The upload route (a Starlette route list)."""
    from starlette.routing import Route

    return [Route(ROUTE, _receive, methods=["PUT"])]


@contextlib.asynccontextmanager
async def serving(app):
    """For ``st.App(lifespan=...)`` beside ``routes()``, run as the server starts and before it answers anyone:
    this process serves the route, so the Data page uses it. What a crashed server left is set right first: a
    load committed but not yet published (a server or a job killed mid-way) is published, so the pages show the
    newest committed state at once, and the spool folders of dead processes go."""
    global _mounted
    _mounted = True
    writes.after_a_crash()
    yield None


def middleware() -> list:
    """For ``st.App(middleware=...)`` beside ``mount()``: Streamlit's own upload route is closed. The Data page
    does not use it here, and it took 5 × 50 MB from any viewer's session, no passphrase asked, into memory
    that stayed after the tab was closed."""
    from starlette.middleware import Middleware

    return [Middleware(_ClosedStreamlitUploads)]


class _ClosedStreamlitUploads:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and "/_stcore/upload_file/" in scope["path"]:
            from starlette.responses import JSONResponse

            refusal = JSONResponse({"error": "Filer sendes til serveren fra siden Data."}, status_code=403)
            return await refusal(scope, receive, send)
        return await self.app(scope, receive, send)


async def _receive(request):
    """Write the request's body to the spool as it arrives; answer with the file's id, name and size."""
    from starlette.requests import ClientDisconnect
    from starlette.responses import JSONResponse, Response

    ticket = request.headers.get("x-upload-ticket", "")
    # The name is shown as text and only its suffix ever reaches a path; control characters go.
    name = "".join(c for c in unquote(request.headers.get("x-file-name", "")) if c.isprintable())[:255].strip()
    declared = request.headers.get("content-length", "")
    try:
        with writes.receive_upload(ticket, name or "upload", int(declared) if declared.isdigit() else None) as incoming:
            async for chunk in request.stream():
                incoming.write(chunk)
    except writes.UploadRefused as refused:  # a ticket gone with its session, a file too large, a full spool
        status = (
            403
            if isinstance(refused, writes.UploadGone)
            else 413
            if isinstance(refused, writes.UploadTooLarge)
            else 507
        )
        return JSONResponse({"error": str(refused)}, status_code=status)
    except ClientDisconnect:  # the analyst left or chose again, or the server cut a body too slow: nothing stays
        return Response(status_code=400)
    except OSError as exc:  # the server's disk: nothing half-received stays either
        LOG.error("an upload could not be written: %s", exc)
        full = exc.errno == errno.ENOSPC
        reason = "Serverens disk er fuld" if full else "Serveren kunne ikke gemme filen"
        return JSONResponse({"error": f"{reason}; filen er ikke gemt. Prøv igen senere."}, status_code=507)
    return JSONResponse({"id": incoming.file_id, "name": incoming.name, "size": incoming.size})


_HTML = """
<label class="zone" data-testid="helhedsblik-uploader">
  <input type="file" multiple data-testid="helhedsblik-upload-input">
  <span class="text"></span>
  <span class="hint"></span>
</label>
<div class="status" role="status" aria-live="polite"></div>
"""

_CSS = """
.zone { display: flex; flex-direction: column; gap: 0.25rem; padding: 1rem; cursor: pointer;
  border: 1px dashed var(--st-border-color, #bbb); border-radius: 0.5rem;
  background: var(--st-secondary-background-color, #f0f2f6); font-family: var(--st-font, sans-serif); }
.zone.over { border-color: var(--st-primary-color, #ff4b4b); }
.text { font-weight: 600; }
.hint, .status { font-size: 0.875rem; color: var(--st-text-color, #31333f); opacity: 0.8; }
.status { margin-top: 0.5rem; min-height: 1.2em; }
input { font: inherit; }
"""

# Text from the user's machine (file names) and from the server goes in as textContent, never as markup.
_JS = """
export default function (component) {
  const { data, setStateValue, parentElement } = component;
  const input = parentElement.querySelector("input");
  const zone = parentElement.querySelector(".zone");
  const status = parentElement.querySelector(".status");
  parentElement.querySelector(".text").textContent = data.label;
  parentElement.querySelector(".hint").textContent = data.hint;
  input.accept = data.accept;

  const put = (file) => new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", data.url);
    xhr.setRequestHeader("X-Upload-Ticket", data.ticket);
    xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        status.textContent = `Sender ${file.name}: ${Math.floor((100 * e.loaded) / e.total)} %`;
      }
    };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (_) { body = {}; }
      if (xhr.status === 200) resolve(body);
      else reject(new Error(body.error || `serveren svarede ${xhr.status}`));
    };
    xhr.onerror = () => reject(new Error("forbindelsen til serveren blev afbrudt"));
    xhr.send(file);
  });

  const send = async (files) => {
    if (!files.length) return;
    const sent = [];
    const failed = [];
    input.disabled = true;
    for (const file of files) {
      if (file.size > data.maxBytes) {
        failed.push(`${file.name}: filen er større end grænsen på ${data.maxMb} MB`);
        continue;
      }
      try { sent.push(await put(file)); } catch (e) { failed.push(`${file.name}: ${e.message}`); }
    }
    input.disabled = false;
    input.value = "";
    status.textContent = failed.length ? `Ikke sendt: ${failed.join(" · ")}` : "";
    if (sent.length) setStateValue("files", sent);
  };

  input.onchange = () => send(Array.from(input.files));
  zone.ondragover = (e) => { e.preventDefault(); zone.classList.add("over"); };
  zone.ondragleave = () => zone.classList.remove("over");
  zone.ondrop = (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    send(Array.from(e.dataTransfer.files));
  };
}
"""

_component = st.components.v2.component("helhedsblik_uploader", html=_HTML, css=_CSS, js=_JS)


def _ticket() -> str:
    """This session's upload ticket (a new one when the server no longer knows it)."""
    ticket = st.session_state.get(TICKET)
    if not ticket or not writes.upload_valid(ticket):
        ticket = st.session_state[TICKET] = writes.upload_ticket()
    return ticket


def forget_ticket() -> None:
    """The session may no longer write: its ticket stops working at once."""
    if ticket := st.session_state.pop(TICKET, None):
        writes.revoke_upload_ticket(ticket)


def loaded(file_id: str) -> bool:
    """Whether this session loaded the uploaded file already (it stays in the uploader until removed)."""
    return file_id in st.session_state.get(LOADED, ())


def mark_loaded(file_id: str) -> None:
    """The uploaded file is loaded: ``loaded`` knows it, so it is not reviewed again."""
    st.session_state.setdefault(LOADED, set()).add(file_id)


def file_uploader(label: str, types: list[str], max_mb: int) -> tuple[str, list]:
    """The page's uploader (several files): this session's ticket and the files it holds (``uploads.Received``).

    Emptied once every file it held is loaded, so the page runs on without them."""
    ticket = _ticket()
    held = st.session_state.get(HELD)
    if held and all(loaded(file_id) for file_id in held):
        st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1
    key = f"uploads_{st.session_state.get(ROUND, 0)}"
    if _mounted:
        result = _component(
            key=key,
            data={
                "url": ROUTE,
                "ticket": ticket,
                "label": label,
                "hint": f"Træk filer hertil, eller klik for at vælge ({', '.join(types)}; højst {max_mb} MB pr. fil)",
                "accept": ",".join(f".{t}" for t in types),
                "maxBytes": max_mb * 1024 * 1024,
                "maxMb": max_mb,
            },
            on_files_change=lambda: None,
        )
        sent = [f for f in (result.get("files") or []) if isinstance(f, dict) and isinstance(f.get("id"), str)]
        held = [f["id"] for f in sent]
        for dropped in set(st.session_state.get(HELD) or ()) - set(held):  # chosen again: the others go
            if not loaded(dropped):
                _done_with(dropped, ticket)
        files = []
        for f in sent:
            if (received := writes.received_upload(ticket, f["id"])) is not None:
                files.append(received)
            elif not loaded(f["id"]):
                st.caption(f"{plain(str(f.get('name', '')))} findes ikke længere på serveren; vælg filen igen.")
    else:
        chosen = st.file_uploader(label, type=types, accept_multiple_files=True, key=key) or []
        held = [f.file_id for f in chosen]
        # The bytes are copied out of Streamlit's uploader only once: a file spooled or loaded is not again.
        files = [
            writes.received_upload(ticket, f.file_id) or writes.spool_upload(ticket, f.name, f.getvalue(), f.file_id)
            for f in chosen
            if not loaded(f.file_id)
        ]
    st.session_state[HELD] = held
    return ticket, files


def start_reviews(ticket: str, uploads: list, user: str) -> None:
    """Every file chosen at once is queued at once: their reviews run side by side as far as the server allows."""
    reviews = st.session_state.setdefault(REVIEWS, {})
    for upload in uploads:
        if not loaded(upload.file_id) and upload.file_id not in reviews:
            reviews[upload.file_id] = {"sheet": None, "job": writes.review_upload(ticket, upload, user)}


def review(ticket: str, upload, user: str) -> None:
    """An uploaded file's review (a run of the CLI, ``uploads.review_job``; see ``start_reviews``), followed while
    it runs (its place in the queue, its progress), then shown: the problems of a rejected file, or the load that
    waits for the analyst's word (``pending``). A workbook's sheet is picked here."""
    from pipelines.review import Review

    mine = st.session_state[REVIEWS][upload.file_id]
    state = page.follow(mine["job"], f"Kontrollerer {plain(upload.name)}")
    answer = state.answer or {}
    if "loaded" in answer:  # the very file is loaded already
        mark_loaded(upload.file_id)
        st.caption(f"{plain(upload.name)} er allerede indlæst (nr. {int(answer['loaded']['load_id'])}); intet ændret.")
        return
    if "review" not in answer:
        st.error(f"{plain(upload.name)} kunne ikke kontrolleres: {plain(state.failed)}", icon=":material/error:")
        return
    shown = Review.from_json(answer["review"])
    mine["load_id"] = shown.load_id
    if len(shown.sheets) > 1:  # a workbook's data need not be on its first sheet: the analyst picks the sheet
        read = mine["sheet"] or shown.sheets[0]
        sheet = st.selectbox("Ark", shown.sheets, index=shown.sheets.index(read), key=f"sheet_{upload.file_id}")
        if sheet != read:
            _done_with(upload.file_id, ticket=None)
            st.session_state[REVIEWS][upload.file_id] = {
                "sheet": sheet,
                "job": writes.review_upload(ticket, upload, user, sheet),
            }
            st.rerun()
    if state.failed:  # reviewed, but the snapshot could not be published (a full disk, say)
        st.error(f"{plain(upload.name)}: {plain(state.failed)}", icon=":material/error:")
    pending(shown, user, upload.file_id)


def shown_loads() -> set[int]:
    """The pending loads this session shows with its files, or has confirmed or thrown away (a snapshot that could
    not be published yet still lists those)."""
    shown = {m["load_id"] for m in st.session_state.get(REVIEWS, {}).values() if m.get("load_id")}
    return shown | st.session_state.get(HANDLED, set())


def pending(shown, user: str, file_id: str | None = None) -> None:
    """A reviewed load waiting for an analyst: its review, and buttons to load it or to throw it away."""
    if not page.review(shown) or shown.load_id is None:
        return
    name = plain(shown.file_name)
    left, right = st.columns([3, 1])
    if left.button(f"Indlæs {name}", key=f"confirm_{shown.load_id}", type="primary"):
        state = page.follow(writes.confirm_upload(shown.load_id, user), f"Indlæser {name}")
        done = (state.answer or {}).get("loaded")
        if done is None and state.committed is None:
            st.error(f"{name} blev ikke indlæst; intet er ændret: {plain(state.failed)}", icon=":material/error:")
            return
        _done_with(file_id, load_id=shown.load_id)
        if done is None:  # in the master, but not in what the pages read yet
            st.error(
                f"{name} er indlæst som nr. {int(state.committed)}, men kunne ikke offentliggøres: "
                f"{plain(state.failed)}. Siderne viser den, så snart lageret offentliggøres (ved næste "
                "indlæsning, med python -m pipelines publish, eller når serveren startes igen).",
                icon=":material/error:",
            )
            return
        page.flash(
            f"{name} var allerede indlæst (nr. {done['load_id']}); intet ændret."
            if done["skipped_identical"]
            else f"{name} indlæst som nr. {done['load_id']}: {fmt_count(done['rows'], 'række', 'rækker')}, "
            f"{fmt_int(done['replaced_rows'])} erstattet."
        )
    if right.button("Kassér", key=f"abandon_{shown.load_id}", help="Fjern den kontrollerede fil uden at indlæse den"):
        state = page.follow(writes.abandon_upload(shown.load_id, user), f"Kasserer {name}")
        _done_with(file_id, load_id=shown.load_id)
        if "undone" in (state.answer or {}):
            page.flash(f"{name} er kasseret; intet er indlæst.")
        st.error(f"{name} kunne ikke kasseres: {plain(state.failed)}", icon=":material/error:")


def _done_with(file_id: str | None, ticket: str | None = "", load_id: int | None = None) -> None:
    """A file's review is over: its load confirmed or thrown away (``load_id``), the file chosen again, or its sheet
    changed (``ticket=None``: the file stays). A pending load nobody confirmed is abandoned; the job's output and
    (unless it stays) the file go."""
    if load_id is not None:
        st.session_state.setdefault(HANDLED, set()).add(load_id)
    if file_id is None:
        return
    mine = st.session_state.get(REVIEWS, {}).pop(file_id, None)
    if mine is not None:
        if mine.get("load_id") and load_id is None:
            writes.abandon_upload(mine["load_id"], "")
        writes.forget_job(mine["job"])
    if ticket is not None:
        mark_loaded(file_id)  # out of the uploader
        writes.drop_upload(ticket or st.session_state.get(TICKET, ""), file_id)
