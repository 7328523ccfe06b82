"""In a real browser, as a reader of a council paper sees the pages (issue #23): the demo banner in the first screen of
every page whose figures rest on the synthetic demo, the badge under a key figure on demo data, a Danish notice for a
mistyped address, and no raw period code, ISO date or English decimal anywhere on a page or in its tables.

Runs when /usr/bin/chromium exists (tests/browsing.py).
"""

from __future__ import annotations

import re

import duckdb
import pytest

from pipelines.config import DEMO_SOURCE
from tests.browsing import app_server, chromium, require_chromium, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.server]
require_chromium()

VIEWPORT = {"width": 1400, "height": 900}  # a laptop's first screen
BANNER = "Syntetiske demodata på denne side"
PAGES = ["", "faelles-borgere", "visitation", "aktivering", "sagstal", "investering", "benchmark", "data"]
PERIOD_CODE = re.compile(r"\b\d{4}(?:M\d{2}|[KQ]\d|QMAT\d{2})\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
ENGLISH_DECIMAL = re.compile(r"^[-−]?\d+\.\d+$")  # "23.8095", "12926.3" (not Danish "12.309": see below)
DANISH_THOUSANDS = re.compile(r"^[-−]?\d{1,3}(?:\.\d{3})+$")


@pytest.fixture(scope="module")
def server(built_warehouse, tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e_demo")
    with app_server(built_warehouse, folder) as srv:
        con = duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True)
        try:
            # A municipality whose investment cases are all the demo's (Investering shows the published ones first).
            (srv.demo_investment_area,) = con.execute(
                "select area_code from investments group by area_code having bool_and(source = ?) order by 1 limit 1",
                [DEMO_SOURCE],
            ).fetchall()[0]
        finally:
            con.close()
        yield srv


@pytest.fixture(scope="module")
def page():
    with chromium() as browser:
        yield browser.new_page(viewport=VIEWPORT)


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("h1", timeout=60_000)
    wait_idle(page)


def in_first_screen(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"]


@pytest.mark.parametrize("path", [p for p in PAGES if p != "data"])
def test_every_page_on_demo_data_shows_the_banner_in_the_first_screen(server, page, path):
    area = server.demo_investment_area if path == "investering" else "751"
    open_page(page, f"{server.url}/{path}?kommune={area}&til=2026M09")
    banner = page.locator("[data-testid='stAlert']", has_text=BANNER)
    assert banner.count() == 1
    assert in_first_screen(banner.first), banner.first.bounding_box()


def test_a_key_figure_on_demo_data_carries_the_badge(server, page):
    open_page(page, f"{server.url}/?kommune=751&til=2026M09")
    figure = page.locator("[data-testid='stMetric']", has_text="Kontanthjælpsmodtagere")
    first = figure.locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][1]")  # the card around it
    assert "Demodata" in first.inner_text()
    assert in_first_screen(first.get_by_text("Demodata").first)


def test_a_mistyped_address_gets_a_danish_notice_not_page_not_found(server, page):
    open_page(page, f"{server.url}/aktivring")
    page.wait_for_timeout(1500)  # Streamlit's dialog would come with the navigation message
    text = page.locator("body").inner_text()
    assert "Page not found" not in text
    assert "Der findes ingen side med adressen" in text and "/aktivring" in text
    assert page.locator("h1").first.inner_text() == "Overblik"


@pytest.mark.parametrize("path", PAGES)
def test_no_raw_period_code_iso_date_or_english_decimal_on_a_page(server, page, path):
    open_page(page, f"{server.url}/{path}?kommune=751&sammenlign=461")
    for expander in page.get_by_text("Vis data som tabel").all():
        expander.click()
    page.wait_for_timeout(1500)
    text = page.locator("[data-testid='stMain']").inner_text()
    cells = page.evaluate(
        "() => [...document.querySelectorAll(\"[data-testid='stDataFrame'] td, [data-testid='stDataFrame'] th\")]"
        ".map(c => c.innerText.trim()).filter(t => t)"
    )
    assert cells or path in ("", "investering", "benchmark"), "no table cells were read"
    shown = "\n".join([text, *cells])
    assert not PERIOD_CODE.findall(shown), PERIOD_CODE.findall(shown)[:5]
    assert not ISO_DATE.findall(shown), ISO_DATE.findall(shown)[:5]
    english = [c for c in cells if ENGLISH_DECIMAL.match(c) and not DANISH_THOUSANDS.match(c)]
    assert not english, english[:5]
