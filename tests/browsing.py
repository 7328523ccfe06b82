"""What the real-browser test modules share: Debian's Chromium or a visible skip, a server of our own on 127.0.0.1
with a copy of the demo warehouse, and waiting for a page's script run to end.

A module calls ``require_chromium()`` before it imports Playwright: without /usr/bin/chromium its tests are skipped
with a notice (conftest.py makes it impossible to miss), and with CI=true the run fails instead.
"""

from __future__ import annotations

import os
import shutil
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI=true but /usr/bin/chromium is missing: .ci/run must install Debian's chromium")
    pytest.skip(
        "BROWSER TESTS SKIPPED: /usr/bin/chromium not found (apt-get install chromium to run them)",
        allow_module_level=True,
    )


@contextmanager
def app_server(built_warehouse: Path, folder: Path, **env: str | None) -> Iterator:
    """`python serve.py` (the benchmarks' server) on a copy of ``built_warehouse``, answering once app.py has run
    (the script health check, as `make run` does, so deep links work); ``env`` adds or (None) removes variables."""
    from benchmarks import sessions

    warehouse = folder / "warehouse.duckdb"
    shutil.copy(built_warehouse, warehouse)
    environ = {**os.environ, "HELHEDSBLIK_WAREHOUSE": str(warehouse)}
    for name, value in env.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    srv = sessions.Server(environ, folder / "streamlit.log")
    try:
        with urllib.request.urlopen(f"{srv.url}/_stcore/script-health-check", timeout=120) as reply:
            assert reply.status == 200
        yield srv
    finally:
        srv.stop()


@contextmanager
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    from benchmarks import sessions

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=sessions.CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_idle(page) -> None:
    """Until the page's script run has ended (Streamlit marks the app "notRunning")."""
    page.wait_for_function(
        "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
        " return a && a.getAttribute('data-test-script-state') === 'notRunning'; }",
        timeout=60_000,
    )
    page.wait_for_timeout(300)
