"""Step 6: an upload through the app's Data page against the same file through the CLI (issue #14).

The file is the first ``UPLOAD_LINES`` lines of a national demo visitation file, as jobindsats writes it
(about 2,1 million lines and 166 MB: the extract the issue timed). Each route loads it into its own fresh,
published copy of step 3's national warehouse:

- *CLI*: ``python -m pipelines load FILE``, wall time of the whole command (as users run it: niced);
- *app*: a real server (``python serve.py``) and a real browser (Debian's Chromium through Playwright, as
  the browser tests drive it; at the lowest CPU priority, as it runs on the analyst's own machine in use) on the
  Data page: *review* from choosing the file until the review's verdict is
  on screen (the browser's transfer of the file included), *commit* from clicking "Indlæs …" until the page
  says the file is loaded (the publish included);
- both again *with readers*: six sessions (``benchmarks.sessions``) browsing every page of a server on the same
  warehouse all the while (for the app: of the very server process that takes the upload).

The target: review + commit ≤ 2 × the CLI's time for the same file under the same conditions, with and without
readers.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from benchmarks import sessions
from benchmarks.measure import StepFailed, child_env, run_child, say

UPLOAD_LINES = 2_112_880
READERS = 6
CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_MS = 15 * 60 * 1000


def _extract(source: Path, target: Path, lines: int) -> int:
    """The header and the first ``lines`` lines of ``source``; how many lines it got."""
    n = 0
    with open(source, "rb") as src, open(target, "wb") as out:
        out.write(src.readline())
        for line in src:
            out.write(line)
            n += 1
            if n == lines:
                break
    return n


def _fresh_master(db: Path, folder: Path) -> dict[str, str]:
    """A copy of the national warehouse in ``folder``, published; the environment that points at it."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copyfile(db, folder / "warehouse.duckdb")
    env = child_env(HELHEDSBLIK_WAREHOUSE=str(folder / "warehouse.duckdb"))
    env.pop("HELHEDSBLIK_ANALYST_PASSPHRASE", None)  # open local mode: the uploader is on the Data page
    run_child(["-m", "pipelines", "publish"], folder / "publish.log", env=env, timeout=600)
    return env


def _cli(db: Path, extract: Path, work: Path, logs: Path, label: str, readers: bool) -> float:
    env = _fresh_master(db, work / f"cli_{label}")
    server = sessions.Server(env, logs / f"upload_cli_{label}_server.log") if readers else None
    stop, failures, threads = threading.Event(), [], []
    try:
        if server is not None:
            sessions.browse(server.url, list(sessions.PAGES), rounds=1)
            threads = sessions.readers(server.url, READERS, stop, failures)
            time.sleep(2.0)  # the readers in full swing
        load = run_child(["-m", "pipelines", "load", str(extract)], logs / f"upload_cli_{label}.log", env, 3600)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
        if server is not None:
            server.stop()
    if failures:
        raise StepFailed(f"a reader failed during the CLI load: {failures[0]}")
    return load.seconds


def _niced_chromium(work: Path) -> Path:
    """Chromium at niceness 19: the browser only asks and shows; it must not take the server's cores."""
    wrapper = work / "chromium-niced"
    wrapper.write_text(f'#!/bin/sh\nexec nice -n 19 {CHROMIUM} "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return wrapper


def _through_the_app(db: Path, extract: Path, work: Path, logs: Path, label: str, readers: bool) -> dict:
    from playwright.sync_api import Error as BrowserError
    from playwright.sync_api import expect, sync_playwright

    env = _fresh_master(db, work / label)
    server = sessions.Server(env, logs / f"upload_{label}_server.log")
    stop, failures, threads = threading.Event(), [], []
    try:
        sessions.browse(server.url, list(sessions.PAGES), rounds=1)  # the server in use: caches filled
        if readers:
            threads = sessions.readers(server.url, READERS, stop, failures)
            time.sleep(2.0)  # the readers in full swing
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(_niced_chromium(work)), headless=True, args=sessions.CHROMIUM_ARGS
            )
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"{server.url}/data", timeout=TIMEOUT_MS)
                chooser = page.locator("[data-testid='helhedsblik-upload-input']")
                chooser.wait_for(state="attached", timeout=TIMEOUT_MS)
                # When the browser's PUT of the file to the upload route has been answered: the part of the
                # review that is the file's transfer (received and written to disk by the server).
                sent: list[float] = []
                page.on(
                    "requestfinished",
                    lambda request: sent.append(time.perf_counter()) if "/helhedsblik/upload" in request.url else None,
                )
                start = time.perf_counter()
                chooser.set_input_files(str(extract))
                expect(page.get_by_role("button", name=f"Indlæs {extract.name}")).to_be_visible(timeout=TIMEOUT_MS)
                review = time.perf_counter() - start
                transfer = sent[0] - start if sent else None
                start = time.perf_counter()
                page.get_by_role("button", name=f"Indlæs {extract.name}").click()
                expect(page.get_by_text("indlæst som nr.")).to_be_visible(timeout=TIMEOUT_MS)
                commit = time.perf_counter() - start
            finally:
                browser.close()
    except (BrowserError, AssertionError) as exc:  # a timeout or a page that never said it was done
        raise StepFailed(f"the upload through the app did not finish ({label}): {exc}") from exc
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
        server.stop()
    if failures:
        raise StepFailed(f"a reader failed during the upload: {failures[0]}")
    return {
        "review_seconds": review,
        "transfer_seconds": transfer,
        "commit_seconds": commit,
        "readers": READERS if readers else 0,
    }


def step(db: Path, visitation_file: Path, work: Path, logs: Path) -> dict:
    """Every figure of this step (raises StepFailed when a part fails)."""
    if not CHROMIUM.exists():
        raise StepFailed(f"{CHROMIUM} is missing (apt-get install chromium): the app's upload needs a browser")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    extract = work / "kontanthjaelp_udtraek.csv"
    lines = _extract(visitation_file, extract, UPLOAD_LINES)
    out = {"lines": lines, "mb": extract.stat().st_size / 1e6}
    say(f"[6] upload of {lines:,} lines ({out['mb']:,.0f} MB): the CLI against the app's Data page")
    for label, readers in (("quiet", False), ("readers", True)):
        cli = _cli(db, extract, work, logs, label, readers)
        app = _through_the_app(db, extract, work, logs, label, readers)
        app["cli_seconds"] = cli
        app["ratio"] = (app["review_seconds"] + app["commit_seconds"]) / cli
        out[label] = app
        say(
            f"    {'with six readers' if readers else 'nothing else running'}: CLI {cli:.1f} s; app review "
            f"{app['review_seconds']:.1f} s (the file's transfer {app['transfer_seconds'] or 0:.1f} s) + commit "
            f"{app['commit_seconds']:.1f} s = {app['ratio']:.2f} × the CLI"
        )
    shutil.rmtree(work, ignore_errors=True)
    return out
