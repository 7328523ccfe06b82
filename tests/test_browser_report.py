"""The council report from the app, in a real browser: the buttons on Overblik and in the sidebar give a PDF and a
Word file for the filters on screen. The server and browser come from tests/browsing.py."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import docx
import pytest

from playwright.sync_api import Page, expect  # noqa: E402

from tests.browsing import app_server, chromium, require_chromium, wait_idle  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.server]
require_chromium()

REPORT_TIMEOUT = 180_000  # ms: the report is typeset when the button is clicked, on a shared 2-core machine


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def server(built_warehouse, tmp_path_factory):
    with app_server(built_warehouse, tmp_path_factory.mktemp("e2e_report"), HELHEDSBLIK_ANALYST_PASSPHRASE=None) as srv:
        yield srv


@pytest.fixture
def page(browser) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    yield tab
    errors = tab.locator("[data-testid='stException']").all_inner_texts()
    context.close()
    assert not errors, errors


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=60_000)
    wait_idle(page)


def download(page: Page, button) -> tuple[str, bytes]:
    with page.expect_download(timeout=REPORT_TIMEOUT) as got:
        button.click()
    return got.value.suggested_filename, Path(got.value.path()).read_bytes()


def pdf_text(data: bytes, tmp_path: Path) -> tuple[str, str]:
    path = tmp_path / "rapport.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return info, text


def test_overblik_report_button_gives_pdf_and_word(server, page, tmp_path):
    open_page(page, f"{server.url}/?kommune=751&til=2026M09")
    main = page.locator("[data-testid='stMain']")
    name, pdf = download(page, main.get_by_role("button", name="Rapport til udvalget (PDF)"))
    assert name == "rapport-aarhus-2026M09.pdf" and pdf.startswith(b"%PDF")
    info, text = pdf_text(pdf, tmp_path)
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    assert text.lstrip().startswith("Aarhus · Rapport til udvalget · september 2026")
    assert (
        page.locator("[data-testid='stMetric']")
        .filter(has_text="Kontanthjælpsmodtagere")
        .first.locator("[data-testid='stMetricValue']")
        .inner_text()
        in text
    )  # the card's figure, as written in the report
    name, word = download(page, main.get_by_role("button", name="Rapport til udvalget (Word)"))
    assert name == "rapport-aarhus-2026M09.docx"
    (tmp_path / "rapport.docx").write_bytes(word)
    document = docx.Document(str(tmp_path / "rapport.docx"))
    assert "1. Sammenfatning" in [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert len(document.inline_shapes) >= 9


def test_sidebar_report_follows_the_pages_own_choices(server, page, tmp_path):
    open_page(page, f"{server.url}/aktivering?kommune=751&til=2026M09")
    field = page.get_by_role("textbox", name="Mål for aktiveringsgrad (pct.)")
    field.fill("40")
    field.press("Enter")
    # The run with the new target has drawn its chart (its description names the target line) before the click.
    expect(page.locator("[aria-label*='mållinje på 40,0']").first).to_be_attached(timeout=60_000)
    wait_idle(page)
    sidebar = page.locator("[data-testid='stSidebar']")
    _, pdf = download(page, sidebar.get_by_role("button", name="Rapport til udvalget (PDF)"))
    _, text = pdf_text(pdf, tmp_path)
    assert "Mål: 40,0 %" in text  # the target the user set on the page
    name, section = download(page, page.get_by_role("button", name="Hent rapport: siden som A4 (PDF)"))
    assert name == "aktivering-aarhus-2026M09.pdf"
    _, text = pdf_text(section, tmp_path)
    assert text.lstrip().startswith("Aarhus · Helhedsblik: Aktivering") and "Mål: 40,0 %" in text
