"""End to end in a real browser: the real Streamlit server on 127.0.0.1, driven by Debian's Chromium.

Runs when /usr/bin/chromium exists; without it the tests are skipped with a visible notice, except
under CI=true, where a missing browser fails the run. Screenshots of every page are saved in
test-artifacts/ for a person to look at. A test fails on any dialog the browser shows (a JavaScript alert or
one of Streamlit's modals, such as "Page not found") and on any Streamlit error box.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
API_KEY = "SECRET-KEY-e2e-9c41"
XSS = "<img src=x onerror=alert(1)>"
# Markdown and HTML that must stay text: a link, a remote image (on the discard port), bold, and Streamlit's own
# extensions (an icon, an emoji).
HOSTILE = "[x](https://example.invalid) ![y](http://127.0.0.1:9/y.png) <b>z</b> :material/home: :smile:"
HOSTILE_HOSTS = ("example.invalid", "127.0.0.1:9")
# Every address the sidebar and the pages' links use ("" is the root, where Overblik lives), and "/overblik".
PAGES = {
    "": "Overblik",
    "overblik": "Overblik",
    "faelles-borgere": "Fælles borgere",
    "visitation": "Visitation",
    "aktivering": "Aktivering",
    "sagstal": "Sagstal",
    "investering": "Investering",
    "benchmark": "Benchmark",
    "data": "Data",
}
# Records every modal dialog a document shows, even one that is closed again before a test looks.
WATCH_DIALOGS = """
window.__dialogs = [];
new MutationObserver(() => {
  for (const box of document.querySelectorAll("[role='dialog'], [role='alertdialog']")) {
    if (box.closest("[data-testid='stPopoverBody']")) continue;  // the export menu is a popover, not a modal
    const text = (box.innerText || "").trim().slice(0, 200);
    if (!window.__dialogs.includes(text)) window.__dialogs.push(text);
  }
}).observe(document, {childList: true, subtree: true});
"""

# Browser tests drive a real server: one xdist worker runs them all so the module-scoped server starts once.
pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.xdist_group("browser")]

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI=true but /usr/bin/chromium is missing: .ci/run must install Debian's chromium")
    pytest.skip(
        "BROWSER TESTS SKIPPED: /usr/bin/chromium not found (apt-get install chromium to run them)",
        allow_module_level=True,
    )

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from benchmarks import sessions  # noqa: E402


class Server(sessions.Server):
    """`python serve.py` on 127.0.0.1 (the benchmarks' server) with its own warehouse and environment."""

    def __init__(self, warehouse: Path, log: Path, **env):
        environment = {**os.environ, "HELHEDSBLIK_WAREHOUSE": str(warehouse), **env}
        if "HELHEDSBLIK_ANALYST_PASSPHRASE" not in env:
            environment.pop("HELHEDSBLIK_ANALYST_PASSPHRASE", None)
        super().__init__(environment, log)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=sessions.CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(built_warehouse, tmp_path_factory, browser):
    folder = tmp_path_factory.mktemp("e2e")
    warehouse = folder / "warehouse.duckdb"
    shutil.copy(built_warehouse, warehouse)
    srv = Server(
        warehouse,
        folder / "streamlit.log",
        JOBINDSATS_API_KEY=API_KEY,
        JOBINDSATS_API_URL=f"http://127.0.0.1:{sessions.free_port()}",
    )
    warm_up(browser, srv)
    yield srv
    srv.stop()


def warm_up(browser, srv: Server) -> None:
    """What `make run` and the deployment do once a server is up: the script health check runs app.py
    once; until some session has, Streamlit serves deep links from its legacy pages/ list."""
    with urllib.request.urlopen(f"{srv.url}/_stcore/script-health-check", timeout=120) as reply:
        assert reply.status == 200


@pytest.fixture
def page(browser) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.add_init_script(WATCH_DIALOGS)
    tab = context.new_page()
    dialogs: list[str] = []
    context.on("page", lambda new: new.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss())))
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.dialogs = dialogs
    yield tab
    shown = [*dialogs, *(problem for other in context.pages for problem in problems(other))]
    context.close()
    assert not shown, f"the browser showed dialogs or errors: {shown}"


def problems(page: Page) -> list[str]:
    """The modal dialogs the current document has shown and the Streamlit error boxes it shows."""
    found = [f"dialog: {text}" for text in page.evaluate("window.__dialogs || []")]
    found += [f"error: {text[:200]}" for text in page.locator("[data-testid='stException']").all_inner_texts()]
    return found


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("[data-testid='stSidebar']", timeout=60_000)
    # Every page starts with its title: until it is there, the first run of the new session has not begun.
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=60_000)
    wait_idle(page)
    assert not problems(page), f"{url}: {problems(page)}"


def wait_idle(page: Page) -> None:
    """Until the script run is over: the app root says so in data-test-script-state."""
    page.wait_for_function(
        "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
        " return a && a.getAttribute('data-test-script-state') === 'notRunning'; }",
        timeout=60_000,
    )
    page.wait_for_timeout(300)


def metric(page: Page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return box.locator("[data-testid='stMetricValue']").inner_text()


def selected(page: Page, label: str) -> str:
    """The option a selectbox shows, as a screen reader announces it."""
    snapshot = page.get_by_role("combobox", name=label).first.aria_snapshot()
    return snapshot.split(":", 1)[1].strip() if ":" in snapshot else ""


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option in a Streamlit selectbox by typing, as a keyboard user would."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label).first
    box.locator("input").click()
    box.locator("input").fill(option)
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    wait_idle(page)


def test_every_page_opens_and_is_screenshotted(server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    for path, title in PAGES.items():
        open_page(page, f"{server.url}/{path}?kommune=751")
        expect(page.locator("h1").first).to_contain_text(title)
        assert selected(page, "Kommune") == "Aarhus", path  # a link's filters survive any redirect
        # The production config (.streamlit/config.toml) gives viewers no "Deploy" button or developer menu.
        assert page.get_by_role("button", name="Deploy").count() == 0
        page.screenshot(path=str(ARTIFACTS / f"{path or 'forside'}.png"), full_page=True)


def test_sidebar_and_detail_links_open_their_pages(server, page):
    open_page(page, f"{server.url}/?kommune=751")
    for title in list(dict.fromkeys(PAGES.values()))[1:] + ["Overblik"]:
        page.locator("[data-testid='stSidebarNav'] a").filter(has_text=title).click()
        expect(page.locator("h1").first).to_contain_text(title)
        wait_idle(page)
        assert not problems(page), title
    details = page.locator("a").filter(has_text="Se detaljer")
    assert details.count() == 5
    for index in range(details.count()):
        href = details.nth(index).get_attribute("href")
        with page.context.expect_page() as opened:
            details.nth(index).click()
        tab = opened.value
        tab.wait_for_selector("[data-testid='stSidebar']", timeout=60_000)
        wait_idle(tab)
        expect(tab.locator("h1").first).to_contain_text(PAGES[href.split("?")[0]])
        assert "kommune=751" in tab.url and not problems(tab), href
        tab.close()


def test_changing_municipality_changes_a_known_number(server, page):
    open_page(page, f"{server.url}/faelles-borgere?kommune=101")
    choose(page, "Opgørelsesmåned", "november 2007")
    assert metric(page, "Fælles borgere i pct.") == "35,5 %"
    choose(page, "Kommune", "Aarhus")
    assert metric(page, "Fælles borgere i pct.") != "35,5 %"
    assert "kommune=751" in page.url


def test_shared_url_gives_the_same_view(server, page):
    link = f"{server.url}/visitation?kommune=751&fra=2015M01&til=2016M12&frekvens=Q"
    open_page(page, link)
    assert selected(page, "Kommune") == "Aarhus"
    assert selected(page, "Fra") == "jan. 2015"
    assert "frekvens=Q" in page.url and "kommune=751" in page.url
    # The same filters follow to another page.
    page.locator("[data-testid='stSidebarNav'] a").filter(has_text="Aktivering").click()
    page.wait_for_timeout(1500)
    assert "kommune=751" in page.url and "fra=2015M01" in page.url


def test_exports_download_png_and_csv(server, page):
    open_page(page, f"{server.url}/faelles-borgere?kommune=101")
    choose(page, "Opgørelsesmåned", "november 2007")
    page.get_by_text("Eksportér").first.click()
    with page.expect_download() as png:
        page.get_by_role("button", name="Figur (PNG)").click()
    data = Path(png.value.path()).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    with page.expect_download() as table:
        page.get_by_role("button", name="Data (CSV til dansk Excel)").click()
    text = Path(table.value.path()).read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))
    cell = next(r for r in rows if r["Målgruppe"] == "Misbrugere i behandling" and r["Matchgruppe"] == "Matchgruppe 4")
    assert cell["Antal personer"] == "510"
    # Shares as the page shows them, to one decimal: no float noise such as 0,7999999999999998.
    shares = [r[c] for r in rows for c in ("Andel af rækken (pct.)", "Andel af kolonnen (pct.)") if r[c]]
    assert shares and all(re.fullmatch(r"\d+(,\d)?", s) for s in shares), shares


def test_analyst_upload_shows_on_dashboard_and_text_stays_text(server, page, tmp_path):
    extract = tmp_path / "sagstal_e2e.csv"
    extract.write_text(
        "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"
        f"Vejen;2031M01;{XSS};Sygedagpenge;100;2,0\n",
        encoding="utf-8",
    )
    open_page(page, f"{server.url}/data")
    page.locator("[data-testid='helhedsblik-upload-input']").set_input_files(str(extract))
    page.get_by_role("button", name="Indlæs sagstal_e2e.csv").click()
    expect(page.get_by_text("indlæst som nr.")).to_be_visible(timeout=60_000)

    open_page(page, f"{server.url}/sagstal?kommune=575")
    choose(page, "Periode", "januar 2031")
    assert metric(page, "Teams over båndets øvre grænse") == "1 af 1"
    page.get_by_text("Vis data som tabel").first.click()
    page.wait_for_timeout(800)
    assert page.dialogs == []  # the team name is shown as text, never run as HTML
    assert page.locator("img[src='x']").count() == 0


def test_six_files_chosen_at_once_all_arrive_and_are_reviewed(built_warehouse, tmp_path, browser, page):
    """One analyst choosing six files at once lost two of them (the spool kept four per process): all six arrive,
    are reviewed side by side as far as the server allows, and each can be loaded."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, warehouse)
    files = []
    for n in range(6):
        extract = tmp_path / f"team{n}.csv"
        extract.write_text(
            "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"
            f"Vejen;2031M0{n + 1};Team {n};Sygedagpenge;{100 + n};2,0\n",
            encoding="utf-8",
        )
        files.append(str(extract))
    srv = Server(warehouse, tmp_path / "six.log")
    try:
        warm_up(browser, srv)
        open_page(page, f"{srv.url}/data")
        page.locator("[data-testid='helhedsblik-upload-input']").set_input_files(files)
        for n in range(6):
            expect(page.get_by_role("button", name=f"Indlæs team{n}.csv")).to_be_visible(timeout=120_000)
        assert page.get_by_text("findes ikke længere på serveren").count() == 0
        page.get_by_role("button", name="Indlæs team5.csv").click()
        expect(page.get_by_text("team5.csv indlæst som nr.")).to_be_visible(timeout=60_000)
    finally:
        srv.stop()


def test_rejected_upload_lists_problems(server, page, tmp_path):
    extract = tmp_path / "forkert.csv"
    extract.write_text(
        f"Område;Periode;Ydelse;Visitationskategori;Antal personer\n{XSS};2024M13;Kontanthjælp;Jobparat;-1\n",
        encoding="utf-8",
    )
    open_page(page, f"{server.url}/data")
    page.locator("[data-testid='helhedsblik-upload-input']").set_input_files(str(extract))
    expect(page.get_by_text("forkert.csv er afvist")).to_be_visible(timeout=60_000)
    page.wait_for_timeout(800)
    assert page.dialogs == [] and page.locator("img[src='x']").count() == 0


def test_api_key_never_in_page_or_log(server, page):
    open_page(page, f"{server.url}/data")
    page.get_by_text("Vis tabeller fra jobindsats").click()
    # The configured API is a closed local port: the panel says so, in Danish, without the key.
    expect(page.get_by_text("Kataloget kunne ikke hentes")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("forbindelsen blev afvist")).to_be_visible()
    assert API_KEY not in page.content()
    assert API_KEY not in server.log.read_text()


def test_manager_cannot_reach_upload_by_url(built_warehouse, tmp_path, browser):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, warehouse)
    srv = Server(warehouse, tmp_path / "manager.log", HELHEDSBLIK_ANALYST_PASSPHRASE="kode-til-analytikere")
    try:
        warm_up(browser, srv)
        context = browser.new_context()
        tab = context.new_page()
        for url in (f"{srv.url}/data", f"{srv.url}/data?upload=1&rolle=analytiker", f"{srv.url}/data?role=analyst"):
            open_page(tab, url)
            expect(tab.locator("h1").first).to_contain_text("Data")
            assert tab.locator("[data-testid='helhedsblik-uploader']").count() == 0
            assert tab.get_by_role("button", name="Fortryd indlæsning").count() == 0
        # A wrong passphrase: a Danish message with the wait, logged without the guess.
        tab.get_by_role("textbox", name="Dit navn eller initialer").fill("AB")
        tab.get_by_role("textbox", name="Adgangskode for analytikere").fill("gæt-4711")
        tab.get_by_role("button", name="Åbn analytikeradgang").click()
        expect(tab.get_by_text("Forkert adgangskode; prøv igen om 1 sekund.")).to_be_visible(timeout=60_000)
        log = srv.log.read_text()
        assert "wrong analyst passphrase: client lokal, 1 failures in a row" in log and "4711" not in log
        tab.wait_for_timeout(1200)
        tab.get_by_role("textbox", name="Adgangskode for analytikere").fill("kode-til-analytikere")
        tab.get_by_role("button", name="Åbn analytikeradgang").click()
        expect(tab.locator("[data-testid='helhedsblik-uploader']")).to_be_visible(timeout=60_000)
        expect(tab.get_by_text("Indlæsninger registreres som: AB")).to_be_visible()
        context.close()
    finally:
        srv.stop()


def test_a_forwarded_address_counts_for_the_lockout_only_from_a_trusted_proxy(built_warehouse, tmp_path, browser):
    """The wait after a wrong passphrase is kept per client address. A header anyone can write must neither get
    an attacker a fresh address (unlimited guesses) nor let them spend a victim's attempts (a lockout)."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, warehouse)

    def attempt(srv: Server, forwarded: str, passphrase: str) -> str:
        """One attempt in a new session whose requests carry ``X-Forwarded-For: forwarded``; the sidebar's text."""
        context = browser.new_context(extra_http_headers={"X-Forwarded-For": forwarded})
        try:
            tab = context.new_page()
            open_page(tab, f"{srv.url}/data")
            tab.get_by_role("textbox", name="Dit navn eller initialer").fill("AB")
            tab.get_by_role("textbox", name="Adgangskode for analytikere").fill(passphrase)
            tab.get_by_role("button", name="Åbn analytikeradgang").click()
            tab.wait_for_timeout(300)
            wait_idle(tab)
            return tab.locator("[data-testid='stSidebar']").inner_text()
        finally:
            context.close()

    passphrase = {"HELHEDSBLIK_ANALYST_PASSPHRASE": "kode-til-analytikere"}
    srv = Server(warehouse, tmp_path / "direct.log", **passphrase)
    try:  # No proxy trusted (the default): the header is not believed, whatever it says.
        warm_up(browser, srv)
        assert "Forkert adgangskode; prøv igen om 1 sekund" in attempt(srv, "10.0.0.66", "gæt-1")
        # A new address in the header gains nothing: the second failure in a row, with a longer wait.
        assert "Forkert adgangskode; prøv igen om 2 sekunder" in attempt(srv, "10.0.0.77", "gæt-2")
        assert "client lokal, 2 failures in a row" in srv.log.read_text() and "10.0.0." not in srv.log.read_text()
    finally:
        srv.stop()
    # Behind a trusted proxy (this test plays it, as nginx's $proxy_add_x_forwarded_for does: the address it
    # saw comes last): the proxy's word counts, what the client wrote before it does not.
    srv = Server(warehouse, tmp_path / "proxy.log", HELHEDSBLIK_TRUSTED_PROXIES="127.0.0.1", **passphrase)
    try:
        warm_up(browser, srv)
        assert "Forkert adgangskode" in attempt(srv, "10.0.0.99, 10.0.0.66", "gæt-1")  # claims the victim's address
        assert "Analytikeradgang i denne session" in attempt(srv, "10.0.0.99", "kode-til-analytikere")  # the victim
        assert "prøv igen om 2 sekunder" in attempt(srv, "10.0.0.77, 10.0.0.66", "gæt-2")  # the attacker's second
        log = srv.log.read_text()
        assert "client 10.0.0.66, 2 failures in a row" in log and "client 10.0.0.99" in log  # (opened for AB)
        assert "client 10.0.0.77" not in log and "client lokal" not in log
    finally:
        srv.stop()


# --- serving while loading ---------------------------------------------------------------------------


def pipelines_cli(args: list[str], warehouse: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines", *args],
        cwd=ROOT,
        env={**os.environ, "HELHEDSBLIK_WAREHOUSE": str(warehouse)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def recipients(tab: Page, srv: Server) -> str:
    """Overblik's 'Kontanthjælpsmodtagere' for Aarhus in September 2026."""
    open_page(tab, f"{srv.url}/?kommune=751&til=2026M09")
    return metric(tab, "Kontanthjælpsmodtagere")


def browse_while(proc: subprocess.Popen, tabs: list[Page], servers: list[Server]) -> list[tuple[int, str]]:
    """Open every page in turn on every server until ``proc`` ends; each must render without an error.
    Returns (server, page) of each request that began and ended while ``proc`` ran."""
    during = []
    paths = list(PAGES.items())
    n = 0
    while proc.poll() is None:
        path, title = paths[n % len(paths)]
        for i, (tab, srv) in enumerate(zip(tabs, servers, strict=True)):
            running = proc.poll() is None
            open_page(tab, f"{srv.url}/{path}?kommune=751")
            expect(tab.locator("h1").first).to_contain_text(title)
            assert tab.locator("[data-testid='stException']").count() == 0, (srv.url, path)
            assert tab.locator("[data-testid='stAlertContentError']").count() == 0, (srv.url, path)
            if running and proc.poll() is None:
                during.append((i, path))
        n += 1
    return during


@pytest.mark.slow
def test_two_servers_serve_every_page_while_a_third_process_loads_and_undoes(built_warehouse, tmp_path, browser):
    from tests.bigfile import write_big_visitation

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, warehouse)
    assert pipelines_cli(["publish"], warehouse).wait(timeout=120) == 0
    big = tmp_path / "national.csv"
    write_big_visitation(big, ages=tuple(f"{age} år" for age in range(16, 34)))  # 1,7 million lines
    servers = [Server(warehouse, tmp_path / f"app{n}.log") for n in (1, 2)]
    contexts = []
    try:
        tabs = []
        for srv in servers:
            warm_up(browser, srv)
            contexts.append(browser.new_context(viewport={"width": 1400, "height": 1000}))
            tabs.append(contexts[-1].new_page())
            tabs[-1].dialogs = []
            tabs[-1].on("dialog", lambda d, tab=tabs[-1]: (tab.dialogs.append(d.message), d.dismiss()))
        before = [recipients(tab, srv) for tab, srv in zip(tabs, servers, strict=True)]
        assert before[0] == before[1] and before[0] not in ("", "–")

        load = pipelines_cli(["load", str(big)], warehouse)
        during_load = browse_while(load, tabs, servers)
        out, err = load.communicate(timeout=300)
        assert load.returncode == 0, err
        assert {i for i, _ in during_load} == {0, 1}, during_load  # both servers answered while it loaded
        after = [recipients(tab, srv) for tab, srv in zip(tabs, servers, strict=True)]
        assert after[0] == after[1] != before[0]  # both serve the new snapshot

        load_id = out.split("indlæsning ", 1)[1].split(",", 1)[0]
        undo = pipelines_cli(["undo", load_id], warehouse)
        during_undo = browse_while(undo, tabs, servers)
        out, err = undo.communicate(timeout=300)
        assert undo.returncode == 0, err
        assert [recipients(tab, srv) for tab, srv in zip(tabs, servers, strict=True)] == before  # the old figures again
        assert all(tab.dialogs == [] for tab in tabs)
        print(f"page requests during the load: {len(during_load)}, during the undo: {len(during_undo)}")
    finally:
        for context in contexts:
            context.close()
        for srv in servers:
            srv.stop()


def test_an_unexpected_error_is_shown_in_danish_and_logged_with_its_traceback(tmp_path, browser, page):
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes(b"not a database " * 400)  # a damaged warehouse file
    srv = Server(warehouse, tmp_path / "broken.log")
    try:
        warm_up(browser, srv)
        page.goto(f"{srv.url}/faelles-borgere")
        page.wait_for_selector("[data-testid='stSidebar']", timeout=60_000)
        wait_idle(page)
        alert = page.locator("[data-testid='stAlert']").filter(has_text="Der opstod en uventet fejl")
        expect(alert).to_be_visible()
        ref = re.search(r"fejl-id ([0-9a-f]{8})", alert.inner_text()).group(1)
        shown = page.locator("body").inner_text()
        assert "This app has encountered an error" not in shown and str(tmp_path) not in shown
        assert page.get_by_role("button", name="Deploy").count() == 0
    finally:
        srv.stop()
    log = srv.log.read_text()
    assert f"Fejl-id {ref}: unexpected error on page 'Fælles borgere'" in log
    assert "Traceback (most recent call last)" in log and "not a valid DuckDB database file" in log


def test_text_from_data_and_links_is_never_markup(built_warehouse, tmp_path, browser, page):
    """Every text field of several extracts, a file name, a source and a link parameter hold a Markdown link,
    a remote image and HTML: each page shows them as typed, with no link, no image and no request for them."""
    from pipelines import loader
    from pipelines.warehouse import connect

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, warehouse)
    activation = tmp_path / "aktivering.csv"  # loaded as `pipelines load --source …` would: the source is text
    activation.write_text(f"Område;Periode;Gruppe;Aktiveringsgrad\nVejen;2026M08;{HOSTILE};40\n", encoding="utf-8")
    con = connect(warehouse)
    loader.load(activation, source=HOSTILE, con=con)
    con.close()
    uploads = {
        f"sagstal {HOSTILE}.csv": "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"
        f"Vejen;2032M01;{HOSTILE};Sygedagpenge;100;2,0\n",
        f"investering {HOSTILE}.csv": "Område;Projekt;År;Post;Beløb (kr.);Grundlag;Note\n"
        f"Vejen;{HOSTILE};2026;Investering;-1.000.000;Regnskab;{HOSTILE}\n"
        f"Vejen;{HOSTILE};2026;Besparelse på forsørgelse;3.000.000;Regnskab;{HOSTILE}\n",
    }
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    srv = Server(warehouse, tmp_path / "hostile.log")
    try:
        warm_up(browser, srv)
        for name, text in uploads.items():
            open_page(page, f"{srv.url}/data?kommune=575")
            page.locator("[data-testid='helhedsblik-upload-input']").set_input_files(
                files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}]
            )
            button = page.locator("[data-testid='stBaseButton-primary']").filter(has_text="Indlæs")
            expect(button).to_be_visible(timeout=60_000)
            assert_inert(page, "Data (review)", name)
            button.click()
            expect(page.get_by_text("indlæst som nr.")).to_be_visible(timeout=60_000)
            assert_inert(page, "Data (loaded)", name)
        page.get_by_text("Fortryd en indlæsning").click()
        page.wait_for_timeout(500)
        assert_inert(page, "Data (undo)", f"investering {HOSTILE}.csv")
        # A shared link is text from outside too: the notice about an unknown municipality quotes it.
        open_page(page, f"{srv.url}/?{urlencode({'kommune': HOSTILE})}")
        assert_inert(page, "Overblik", f"investering {HOSTILE}.csv")
        assert_inert(page, "Overblik (link)", f"Ukendt kommune i linket ('{HOSTILE[:40]}')")
        open_page(page, f"{srv.url}/investering?kommune=575")
        assert_inert(page, "Investering", HOSTILE)
        open_page(page, f"{srv.url}/aktivering?kommune=575")
        assert_inert(page, "Aktivering", f"Kilde: {HOSTILE}")
        open_page(page, f"{srv.url}/sagstal?kommune=575")
        choose(page, "Periode", "januar 2032")
        page.get_by_text("Vis data som tabel").first.click()
        page.wait_for_timeout(500)
        assert_inert(page, "Sagstal")
    finally:
        srv.stop()
    assert requested and not [url for url in requested if urlsplit(url).netloc in HOSTILE_HOSTS]
    # Nothing from any host but the app's own (the page icon and every font are shipped with it).
    assert not [
        url for url in requested if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname != "127.0.0.1"
    ]


def assert_inert(page: Page, where: str, literal: str | None = None) -> None:
    """No link to, or image from, the hostile text's addresses, no bold from it; ``literal`` is shown as typed."""
    assert page.locator("a[href*='example.invalid']").count() == 0, where
    assert page.locator("img[src*='127.0.0.1:9/']").count() == 0, where
    assert page.locator("b, strong").filter(has_text=re.compile(r"^z$")).count() == 0, where
    icons = page.locator("[data-testid='stMain'] [data-testid='stIconMaterial']").all_inner_texts()
    assert "home" not in icons, where  # ":material/home:" from data is text, not an icon
    assert "\U0001f604" not in page.locator("[data-testid='stMain']").inner_text(), where  # nor ":smile:" an emoji
    if literal:  # as a reader sees it: the word joiners that keep addresses from being linked are invisible
        assert literal in page.locator("[data-testid='stMain']").inner_text().replace("\u2060", ""), where


# The parts of KPI cards that Streamlit clips (with an ellipsis) because they are wider than the card.
CUT_OFF = """() => [...document.querySelectorAll("[data-testid='stMetric'] *")]
    .filter(el => getComputedStyle(el).overflowX !== "visible" && el.scrollWidth > el.clientWidth + 1)
    .map(el => el.innerText.replace(/\\s+/g, " "))"""


def test_key_figures_are_not_cut_off_on_a_laptop_screen(server, browser):
    """Every KPI card's label, value and change are shown whole at 1280 × 800, a common laptop screen."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    try:
        for path in ("", "faelles-borgere", "sagstal", "investering", "benchmark"):
            open_page(tab, f"{server.url}/{path}?kommune=860")
            # Right after a new snapshot (the upload tests publish two) the first run of a page is a cold one:
            # Playwright's expect waits for the heading and a third card rather than take the page as it was
            # a moment after the script ended.
            main = tab.locator("[data-testid='stMain']")
            expect(main.locator("h1").first).to_be_visible(timeout=60_000)
            expect(main.locator("[data-testid='stMetric'] [data-testid='stMetricValue']").nth(2)).to_be_visible(
                timeout=60_000
            )
            wait_idle(tab)
            assert tab.evaluate(CUT_OFF) == [], path
            tab.screenshot(path=str(ARTIFACTS / f"laptop-{path or 'forside'}.png"), full_page=True)
    finally:
        context.close()


def test_scenario_fields_show_and_take_danish_numbers(server, page):
    open_page(page, f"{server.url}/investering")
    cost = page.get_by_label("Udgift pr. årsværk (kr.)")
    expect(cost).to_have_value("650.000")
    expect(page.get_by_label("Færre modtagere pr. år (pct.)")).to_have_value("6,65")
    expect(page.get_by_label("Første år")).to_have_value("2015")
    before = metric(page, "Samlet investering")
    cost.fill("750000")
    cost.press("Enter")
    wait_idle(page)
    expect(cost).to_have_value("750.000")
    assert metric(page, "Samlet investering") != before


def test_a_fresh_server_opens_a_deep_link_without_a_dialog(built_warehouse, tmp_path, browser, page):
    """A link to a page as the first request of a freshly started server (a bookmark after a restart)."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, warehouse)
    srv = Server(warehouse, tmp_path / "fresh.log")
    try:
        warm_up(browser, srv)  # as make run does (and the systemd unit in the README)
        open_page(page, f"{srv.url}/faelles-borgere?kommune=101")  # fails on any dialog or error box
        expect(page.locator("h1").first).to_contain_text("Fælles borgere")
    finally:
        srv.stop()


# --- the tour: every page at every frequency, with and without comparison areas, every export -------------------

TOUR_PAGES = ("overblik", "faelles-borgere", "visitation", "aktivering", "sagstal", "investering", "benchmark", "data")
DOWNLOAD_TIMEOUT = 90_000  # a PDF of a page's every chart on a busy two-core machine


def is_png(data: bytes) -> bool:
    return data.startswith(b"\x89PNG\r\n\x1a\n")


def is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-")


def is_svg(data: bytes) -> bool:
    return b"<svg" in data[:500] and data.rstrip().endswith(b"</svg>")


def is_csv(data: bytes) -> bool:
    """Danish Excel's CSV: a BOM, then a header of several columns separated by semicolons."""
    header = data.decode("utf-8-sig").splitlines()[0] if data.startswith(b"\xef\xbb\xbf") else ""
    return header.count(";") >= 1


def is_xlsx(data: bytes) -> bool:
    import zipfile

    if not data.startswith(b"PK\x03\x04"):
        return False
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "xl/workbook.xml" in archive.namelist() and "xl/worksheets/sheet1.xml" in archive.namelist()


def is_docx(data: bytes) -> bool:
    import zipfile

    if not data.startswith(b"PK\x03\x04"):
        return False
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "word/document.xml" in archive.namelist()


FORMATS = {  # the label of each download in an "Eksportér" menu, and what its file must be
    "Figur (PNG)": (".png", is_png),
    "Figur (SVG)": (".svg", is_svg),
    "Figur (PDF)": (".pdf", is_pdf),
    "Data (CSV til dansk Excel)": (".csv", is_csv),
    "Data (XLSX)": (".xlsx", is_xlsx),
}


def arrive(page: Page, downloads: list, count: int, where: str) -> dict[str, bytes]:
    """Wait until ``count`` downloads have arrived in ``downloads``; their files by suggested name. A file that could
    not be made fails at once with the app's Danish message (a toast naming the error id), not after a long wait."""
    waited = 0
    while len(downloads) < count:
        failed = page.locator("[data-testid='stToast']").filter(has_text="kunne ikke laves")
        assert failed.count() == 0, f"{where}: {failed.first.inner_text()}"
        # Streamlit's own few seconds of English under a button whose file was not made (or no longer exists).
        lost = page.locator("[data-testid='stDownloadButtonError']")
        assert lost.count() == 0, f"{where}: {lost.first.inner_text()}"
        names = sorted(d.suggested_filename for d in downloads)
        assert waited < DOWNLOAD_TIMEOUT, (
            f"{where}: {len(downloads)} of {count} files after {waited // 1000} s: {names}"
        )
        page.wait_for_timeout(100)
        waited += 100
    return {d.suggested_filename: Path(d.path()).read_bytes() for d in downloads}


@pytest.mark.parametrize("compare", [False, True], ids=["alene", "sammenlign"])
@pytest.mark.parametrize("freq", ["M", "Q", "Y"])
@pytest.mark.parametrize("path", TOUR_PAGES)
def test_tour_every_page_frequency_and_comparison_runs_and_every_export_arrives(server, page, path, freq, compare):
    """What the manager, the policy officer and the analyst see: the page runs without an error at this frequency,
    with or without comparison areas, and each of its exports (every format of every chart's "Eksportér" menu and
    the page's report) gives a file of its type.

    Every button is clicked before the files are awaited: the server makes them side by side, which keeps the 48
    page views within a few minutes."""
    url = f"{server.url}/{path}?kommune=751&fra=2012M01&til=2026M09&frekvens={freq}"
    if compare:
        url += "&sammenlign=101,461"
    open_page(page, url)
    if path == "data":  # the whole warehouse too: 8.246 rows once crashed the chart
        page.get_by_text("Hele lageret").click()
        wait_idle(page)
    where = f"{path} {freq} {'med' if compare else 'uden'} sammenligning"
    assert page.locator("[data-testid='stAlertContentError']").count() == 0, where
    downloads: list = []
    page.on("download", lambda got: downloads.append(got))
    menus = page.locator("[data-testid='stPopover']")
    assert menus.count() >= 1, f"{where}: no chart to export"
    expected = []  # (file name suffix, check, what) of each file, in the order clicked
    for index in range(menus.count()):
        menu = menus.nth(index).locator("button").first
        menu.scroll_into_view_if_needed()
        menu.click()
        body = page.locator("[data-testid='stPopoverBody']").last
        expect(body).to_be_visible()
        for label, (suffix, looks_right) in FORMATS.items():
            # A click event rather than a pointer click: a menu near the window's edge may open partly outside it.
            body.get_by_role("button", name=label).dispatch_event("click")
            expected.append((suffix, looks_right, f"figur {index + 1}, {label}"))
        page.keyboard.press("Escape")
        expect(body).to_be_hidden()
    files = arrive(page, downloads, len(expected), where)
    assert len(files) == len(expected), f"{where}: two downloads had one name: {sorted(files)}"
    for suffix, looks_right, what in expected:
        # Each chart's five files share its name; the suffix tells the format.
        matching = [name for name in files if name.endswith(suffix) and looks_right(files[name])]
        assert matching, f"{where}, {what}: no good {suffix} file among {sorted(files)}"
        files.pop(matching[0])
    # The page's report last, each format on its own, once the page is idle: it renders every chart again.
    for label, suffix, looks_right in (("PDF", ".pdf", is_pdf), ("Word", ".docx", is_docx)):
        wait_idle(page)
        with page.expect_download(timeout=DOWNLOAD_TIMEOUT) as report:
            page.get_by_role("button", name=f"Hent rapport: siden som A4 ({label})").click()
        name = report.value.suggested_filename
        assert name.endswith(suffix) and looks_right(Path(report.value.path()).read_bytes()), f"{where}: {name}"
    wait_idle(page)
    assert not problems(page) and page.locator("[data-testid='stAlertContentError']").count() == 0, where
