"""The server: the app (``app.py``'s pages) plus the route that receives an analyst's upload straight to disk.

``python serve.py [streamlit options]`` (what ``make run``, the deployment, the tests and the benchmarks start)
runs ``streamlit run serve.py`` with the limits below on the HTTP server itself; Streamlit finds ``app`` and
runs ``app.py`` for every session. ``streamlit run app.py`` still serves the pages, with Streamlit's own,
slower uploader and without these limits (``presentation/uploader.py``).

Limits that hold whoever connects (issue #24: slow requests held every connection, and 1.100 half-sent
requests used up the process's descriptors until nobody was answered):

- a request's head must arrive within ``HELHEDSBLIK_HEADER_SECONDS`` (default 10) of the connection, or of
  the previous response on a kept-alive one;
- a request's body must bring at least ``HELHEDSBLIK_BODY_MIN_KB`` (default 32) in every 10 seconds while the
  app is ready to read it (an analyst's upload brings megabytes a second);
- at most ``HELHEDSBLIK_MAX_CONNECTIONS`` connections (default: the descriptors the process may open, less a
  reserve for files and the warehouse); a new one past the cap takes the place of the connection that has waited
  longest for its request's head, or is closed if every connection is busy. Websockets are never pushed out;
- ``X-Forwarded-For`` is believed only from the proxies in ``HELHEDSBLIK_TRUSTED_PROXIES`` (default none): the
  passphrase lockout counts by client address, which a header from anyone else would let anyone choose.
"""

from __future__ import annotations

import os
import resource
import sys

import streamlit as st
from uvicorn.protocols.http.h11_impl import H11Protocol

from pipelines import config
from pipelines.errors import PipelineError

try:
    config.settings()  # a bad setting stops the server before anything starts, in one Danish line
except PipelineError as exc:
    raise SystemExit(str(exc)) from None

from presentation import uploader  # noqa: E402 - once the settings are known to be good

app = st.App("app.py", routes=uploader.routes(), middleware=uploader.middleware(), lifespan=uploader.serving)

WINDOW_SECONDS = 10.0
DESCRIPTOR_RESERVE = 128  # files, the warehouse, pipes to load jobs, the listening socket


class GuardedHTTP(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with the head and body deadlines and the connection cap above."""

    header_seconds = 10.0
    body_min_bytes = 32 * 1024
    max_connections = 1000

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._head_due = self.loop.time() + self.header_seconds
        self._body_bytes, self._counted_since, self._request = 0, self.loop.time(), None
        self._watch = self.loop.call_later(min(self.header_seconds, WINDOW_SECONDS), self._check)
        if len(self.connections) > self.max_connections:
            self._make_room()

    def _waiting_for_head(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _make_room(self) -> None:
        """Over the cap: close the connection that has waited longest for its request's head (a client that
        sends its head in time never waits long), or this one if none waits."""
        waiting = [c for c in self.connections if isinstance(c, GuardedHTTP) and c._waiting_for_head()]
        oldest = min(waiting, key=lambda c: c._head_due, default=self)
        oldest.transport.close()

    def data_received(self, data: bytes) -> None:
        self._body_bytes += len(data)
        super().data_received(data)
        if self.cycle is not self._request:  # a new request's head is in: its body is judged from now on
            self._request, self._body_bytes, self._counted_since = self.cycle, 0, self.loop.time()

    def on_response_complete(self) -> None:
        self._head_due = self.loop.time() + self.header_seconds  # the next request's head, on a kept-alive one
        super().on_response_complete()

    def _check(self) -> None:
        if self.transport.is_closing():
            return
        now = self.loop.time()
        if self._waiting_for_head():
            if now >= self._head_due:
                self.transport.close()
                return
        elif self.cycle.more_body:
            if self.flow.read_paused:  # the app is behind, not the client: the window starts again
                self._body_bytes, self._counted_since = 0, now
            elif now - self._counted_since >= WINDOW_SECONDS:
                if self._body_bytes < self.body_min_bytes:
                    self.transport.close()  # the app sees a disconnect: nothing half-received stays
                    return
                self._body_bytes, self._counted_since = 0, now
        self._watch = self.loop.call_later(min(self.header_seconds, WINDOW_SECONDS), self._check)

    def handle_websocket_upgrade(self, event) -> None:
        self._watch.cancel()  # the websocket protocol takes the connection over
        super().handle_websocket_upgrade(event)

    def connection_lost(self, exc) -> None:
        self._watch.cancel()
        super().connection_lost(exc)


def uvicorn_settings() -> dict:
    """What the server adds to Streamlit's uvicorn configuration (documented uvicorn ``Config`` options)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:  # every descriptor the system allows this process (Debian's soft default is 1.024)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    settings = config.settings()
    GuardedHTTP.header_seconds = settings.header_seconds
    GuardedHTTP.body_min_bytes = int(settings.body_min_kb * 1024)
    GuardedHTTP.max_connections = settings.max_connections or max(64, min(4000, soft - DESCRIPTOR_RESERVE))
    trusted = settings.trusted_proxies.strip()
    return {"http": GuardedHTTP, "proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or None}


def main(argv: list[str]) -> None:
    """``streamlit run serve.py`` with ``argv``, on a uvicorn configured with ``uvicorn_settings()``."""
    from streamlit.web import cli
    from streamlit.web.server.starlette import starlette_server

    settings = uvicorn_settings()
    streamlits = starlette_server._get_uvicorn_config_kwargs  # noqa: SLF001 (the one place the options are made)
    starlette_server._get_uvicorn_config_kwargs = lambda: {**streamlits(), **settings}  # noqa: SLF001
    sys.argv = ["streamlit", "run", os.path.abspath(__file__), *argv]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main(sys.argv[1:])
