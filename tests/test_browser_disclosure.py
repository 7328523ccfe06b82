"""In a real browser: Streamlit's own downloads (a table's "Download as CSV", a chart's "Download as PNG" and its raw
"Show data" view) are not offered, since they bypass the small-count rule and the Danish formats; fullscreen stays.

Runs when /usr/bin/chromium exists (as tests/test_browser.py, whose minimal server pattern this copies).
"""

from __future__ import annotations

import os
import shutil
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI=true but /usr/bin/chromium is missing: .ci/run must install Debian's chromium")
    pytest.skip("BROWSER TESTS SKIPPED: /usr/bin/chromium not found", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

from benchmarks import sessions  # noqa: E402

NATIVE = ("Download as CSV", "Download as PNG", "Save as PNG", "Save as SVG", "Show data", "Copy Vega-Lite spec")


@pytest.fixture(scope="module")
def server(built_warehouse, tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e_disclosure")
    warehouse = folder / "warehouse.duckdb"
    shutil.copy(built_warehouse, warehouse)
    srv = sessions.Server({**os.environ, "HELHEDSBLIK_WAREHOUSE": str(warehouse)}, folder / "streamlit.log")
    with urllib.request.urlopen(f"{srv.url}/_stcore/script-health-check", timeout=120) as reply:
        assert reply.status == 200
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def page():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=sessions.CHROMIUM_ARGS)
        yield browser.new_page(viewport={"width": 1400, "height": 1000})
        browser.close()


def visible_toolbar_buttons(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll("[data-testid='stElementToolbar'] button")]
            .filter(b => b.offsetParent !== null).map(b => b.getAttribute('aria-label') || '')"""
    )


def test_no_native_download_is_offered(server, page):
    page.goto(f"{server.url}/faelles-borgere?kommune=825")
    page.wait_for_selector("[data-testid='stVegaLiteChart']", timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state')"
        " === 'notRunning'",
        timeout=60_000,
    )
    page.get_by_text("Vis data som tabel").first.click()
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=30_000)
    offered = []
    for element in ("stVegaLiteChart", "stDataFrame"):
        page.locator(f"[data-testid='{element}']").first.hover()
        page.wait_for_timeout(500)
        offered += visible_toolbar_buttons(page)
    # The toolbars are there (fullscreen helps with a wide matrix), only their downloads are gone.
    assert any(label.startswith("Fullscreen") for label in offered), offered
    assert not [label for label in offered if label.startswith(NATIVE)], offered
    grid = page.locator("[data-testid='stDataFrame']").first
    assert grid.is_visible()
    # Our own exports are still there.
    page.get_by_role("button", name="Eksportér").first.click()
    page.wait_for_timeout(500)
    assert page.get_by_role("button", name="Data (CSV til dansk Excel)").first.is_visible()
