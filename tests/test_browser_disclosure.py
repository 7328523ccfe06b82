"""In a real browser: Streamlit's own downloads (a table's "Download as CSV", a chart's "Download as PNG" and its raw
"Show data" view) are not offered, since they bypass the small-count rule and the Danish formats; fullscreen stays.

Runs when /usr/bin/chromium exists (tests/browsing.py).
"""

from __future__ import annotations

import pytest

from tests.browsing import app_server, chromium, require_chromium, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.server]
require_chromium()

NATIVE = ("Download as CSV", "Download as PNG", "Save as PNG", "Save as SVG", "Show data", "Copy Vega-Lite spec")


@pytest.fixture(scope="module")
def server(built_warehouse, tmp_path_factory):
    with app_server(built_warehouse, tmp_path_factory.mktemp("e2e_disclosure")) as srv:
        yield srv


@pytest.fixture(scope="module")
def page():
    with chromium() as browser:
        yield browser.new_page(viewport={"width": 1400, "height": 1000})


def visible_toolbar_buttons(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll("[data-testid='stElementToolbar'] button")]
            .filter(b => b.offsetParent !== null).map(b => b.getAttribute('aria-label') || '')"""
    )


def test_no_native_download_is_offered(server, page):
    page.goto(f"{server.url}/faelles-borgere?kommune=825")
    page.wait_for_selector("[data-testid='stVegaLiteChart']", timeout=60_000)
    wait_idle(page)
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
