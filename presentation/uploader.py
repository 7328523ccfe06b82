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

import logging
from urllib.parse import unquote

import streamlit as st

from presentation.formatting import plain
from queries import writes

LOG = logging.getLogger(__name__)
ROUTE = "/helhedsblik/upload"
TICKET = "_upload_ticket"
ROUND, HELD, LOADED, WARMED = "_uploader_round", "_uploader_files", "_loaded_uploads", "_upload_worker_warmed"
# Whether this process serves ROUTE: set by ``mount()``, which ``serve.py`` calls before the server starts.
_mounted = False


def routes() -> list:
    """The upload route (a Starlette route list)."""
    from starlette.routing import Route

    return [Route(ROUTE, _receive, methods=["PUT"])]


def mount() -> list:
    """``routes()`` for ``st.App(routes=...)``: this process serves them, so the Data page uses them."""
    global _mounted
    _mounted = True
    return routes()


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

    from pipelines import uploads

    ticket = request.headers.get("x-upload-ticket", "")
    if not writes.upload_valid(ticket):
        return JSONResponse({"error": "Adgangen til at sende filer er udløbet; genindlæs siden."}, status_code=403)
    # The name is shown as text and only its suffix ever reaches a path; control characters go.
    name = "".join(c for c in unquote(request.headers.get("x-file-name", "")) if c.isprintable())[:255].strip()
    name = name or "upload"
    limit = writes.upload_limits()[0]
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit * 1024 * 1024:
        return JSONResponse({"error": f"Filen er større end grænsen på {limit} MB."}, status_code=413)
    try:
        with uploads.SPOOL.incoming(ticket, name) as incoming:
            async for chunk in request.stream():
                incoming.write(chunk)
    except uploads.UploadTooLarge:
        return JSONResponse({"error": f"Filen er større end grænsen på {limit} MB."}, status_code=413)
    except uploads.UploadGone:  # the analyst's access ended while the request began
        return JSONResponse({"error": "Adgangen til at sende filer er udløbet; genindlæs siden."}, status_code=403)
    except ClientDisconnect:  # the analyst left or chose again: nothing half-received stays
        return Response(status_code=400)
    except OSError as exc:  # the server's disk: nothing half-received stays either
        LOG.error("an upload could not be written: %s", exc)
        return JSONResponse({"error": "Serveren kunne ikke gemme filen; prøv igen senere."}, status_code=507)
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
    if not st.session_state.get(WARMED):  # once per session: a worker ready before the first file arrives
        writes.warm_worker()
        st.session_state[WARMED] = True
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
                writes.drop_upload(ticket, dropped)
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
