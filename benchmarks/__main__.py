"""python -m benchmarks: national-scale ingest, warehouse, page and query figures (``make bench``).

Steps, each printing its figures as it goes; a failing step is reported and the run continues,
its targets then marked NOT MEASURED:

1. the demo set at ``--scale`` (generated once, reused while current);
2. ingest of the visitation files (``benchmarks/ingest.py``), each approach in a fresh process into a fresh DuckDB file:
   DuckDB's own ``read_csv`` (the floor), pandas + one bulk insert, the full pipeline CLI;
3. the national warehouse: every demo file through the pipeline, then the seed;
4. every page cold and warm with AppTest, every query uncached;
5. serving from published snapshots: publishing, one against twenty sessions on one real server, pages
   while another process loads;
6. an upload through the app's Data page in a real browser against the same file through the CLI;
7. the council report (``benchmarks/report_bench.py``): one municipality's PDF and Word against the page exports
   of the same charts, and municipalities in a row with the memory after each (``--only report`` runs it alone,
   on the app's own small warehouse);
8. the table, printed and written to ``benchmarks/results.md`` (figures of steps not run this time
   are kept from the last run at the same scale, each section saying when it was measured).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from benchmarks import dataset, report, serving, upload
from benchmarks.common import (
    DEFAULT_SCALE,
    INGEST_TIMEOUT,
    PAGES_DIR,
    PAGE_TIMEOUT,
    RESULTS_JSON,
    RESULTS_MD,
    STEP_ERRORS,
    WORK,
    _child_figures,
    _db_bytes,
    _load,
    _remove_db,
    machine,
    now,
)
from benchmarks.ingest import _fact_rows, _pipeline_digest, step_ingest
from benchmarks.measure import StepFailed, child_env, median, read_json, run_child, say, write_json


# --- steps --------------------------------------------------------------------------------------


def step_dataset(args, results: dict) -> dataset.Dataset | None:
    say(f"[1] demo set, scale {args.scale}, until {dataset.UNTIL}")
    try:
        data = dataset.prepare(WORK / "demo", args.scale, WORK / "logs", regenerate=not args.skip_generate)
    except STEP_ERRORS as exc:
        say(f"    FAILED: {exc}")
        results["dataset"] = {"error": str(exc), "measured_at": now()}
        return None
    vis, everything = data.totals(data.visitation), data.totals()
    if data.generation is None:
        how = "reused (marker matched scale, horizon and generator)"
    else:
        how = f"generated in {data.generation.seconds:,.1f} s with a peak of {data.generation.peak_rss_mb:,.0f} MiB"
    results["dataset"] = {"how": how, "visitation": vis, "all": everything, "measured_at": now()}
    for label, t in (("visitation", vis), ("all kinds", everything)):
        say(
            f"    {label:<11} {t['files']} files, {t['rows']:>13,} CSV rows, {t['fact_rows']:>13,} fact rows, "
            f"{t['bytes'] / 1e6:>9,.1f} MB"
        )
    say(f"    {how}")
    return data


def step_warehouse(
    data: dataset.Dataset, results: dict, logs: Path, from_ingest: Path | None, reuse_existing: bool
) -> Path | None:
    db = WORK / "warehouse.duckdb"
    marker = WORK / "warehouse.json"
    built_from = {"dataset": dataset.marker_digest(data.files[0].path.parent), "pipeline": _pipeline_digest()}
    say("[3] national warehouse: every demo file through the pipeline, then the seed")
    try:
        if (
            reuse_existing
            and db.exists()
            and marker.exists()
            and {k: read_json(marker).get(k) for k in built_from} == built_from
        ):
            say(f"    reusing {db.name} (built from this demo set by this pipeline code)")
            if results.get("warehouse") and "error" not in results["warehouse"]:
                return db
            results["warehouse"] = {
                "how": "Reused an earlier build from the same demo set and pipeline code",
                "seconds": None,
                "bytes": _db_bytes(db),
                "fact_rows": _fact_rows(db),
                "measured_at": now(),
            }
            return db
        marker.unlink(missing_ok=True)
        _remove_db(db)
        if from_ingest is not None:
            # The pipeline already loaded the visitation files in step 2: the same loads in another order
            # (loads replace by area, period and kind, so the result is the same warehouse).
            os.replace(from_ingest, db)
            _remove_db(from_ingest)  # what is left of it: its (empty) spill directory
            files = [f for f in data.files if not f.is_visitation]
            how = (
                "Step 2's pipeline load of the visitation files, then the other demo files and the seed "
                "through the same pipeline"
            )
        else:
            files = data.files
            how = "Every demo file, then the seed, through the pipeline"
        out = logs / "build.json"
        run = run_child(
            ["-m", "benchmarks.children", "build", str(db), str(out), *[str(f.path) for f in files]],
            logs / "build.log",
            timeout=INGEST_TIMEOUT,
        )
        figures = read_json(out)
        write_json(marker, {**built_from, "built_at": now()})
        results["warehouse"] = {
            "how": how,
            **_child_figures(run),
            "bytes": _db_bytes(db),
            "fact_rows": _fact_rows(db),
            "per_file": figures["files"],
            "measured_at": now(),
        }
    except STEP_ERRORS as exc:
        say(f"    FAILED: {exc}")
        results["warehouse"] = {"error": str(exc), "measured_at": now()}
        return None
    w = results["warehouse"]
    say(
        f"    {w['seconds']:,.1f} s, peak RSS {w['peak_rss_mb']:,.0f} MiB; {w['fact_rows']:,} fact rows; "
        f"{w['bytes'] / 2**20:,.0f} MiB on disk after checkpoint"
    )
    return db


def step_pages(db: Path, results: dict, logs: Path, runs: int) -> None:
    pages = sorted(PAGES_DIR.glob("*.py"))
    env = child_env(HELHEDSBLIK_WAREHOUSE=str(db))
    section = {
        "method": (
            f"Cold: each run is a fresh process that has imported the modules and run AppTest once on "
            f"a trivial script, then cleared `queries.snapshot_reader` and `st.cache_data` and timed the "
            f"page's first `AppTest.from_file(…, default_timeout=120).run()` (the OS file cache stays "
            f"warm: dropping it needs root). Warm: one serving process runs every page once, then "
            f"{runs} new AppTest sessions per page on the filled caches. Medians of {runs} runs. "
            f"Streamlit's scan of the installed packages for components runs once per process, as "
            f"in a server; AppTest would otherwise repeat it (~250 ms) for every new AppTest."
        ),
        "cold": {},
        "warm": {},
        "measured_at": now(),
        "load_before": _load(),
    }
    results["pages"] = section
    say(f"[4] pages at national scale ({len(pages)} pages, {runs} runs each)")
    try:  # as make run leaves it: published before the app starts, so no page pays for the publish
        run_child(["-m", "pipelines", "publish"], logs / "publish.log", env=env, timeout=PAGE_TIMEOUT)
    except STEP_ERRORS as exc:
        say(f"    publish FAILED: {str(exc).splitlines()[0]}")
    for page in pages:
        times, cpu, errors = [], [], []
        try:
            for i in range(runs):
                out = logs / f"page_cold_{page.stem}_{i}.json"
                run_child(
                    ["-m", "benchmarks.children", "page-cold", str(page), str(out)],
                    logs / f"page_cold_{page.stem}_{i}.log",
                    env=env,
                    timeout=PAGE_TIMEOUT,
                )
                figures = read_json(out)
                times.append(figures["seconds"])
                cpu.append(figures["cpu_seconds"])
                errors += [e for e in figures["errors"] if e not in errors]
            section["cold"][page.stem] = {
                "runs": times,
                "median": median(times),
                "cpu_runs": cpu,
                "cpu_median": median(cpu),
                "errors": errors,
            }
            say(
                f"    cold {page.stem:<16} median {median(times) * 1000:8,.0f} ms (CPU {median(cpu) * 1000:6,.0f} ms)"
                + (f"  PAGE ERROR: {errors[0].splitlines()[0][:100]}" if errors else "")
            )
        except STEP_ERRORS as exc:
            section["cold"][page.stem] = {"error": str(exc), "median": None}
            say(f"    cold {page.stem:<16} FAILED: {str(exc).splitlines()[0]}")
    out = logs / "pages_warm.json"
    try:
        run = run_child(
            ["-m", "benchmarks.children", "pages-warm", str(out), *map(str, pages), "--runs", str(runs)],
            logs / "pages_warm.log",
            env=env,
            timeout=PAGE_TIMEOUT * len(pages),
        )
        figures = read_json(out)
        section["warm"] = figures["pages"]
        section["serving_rss_mb"] = run.peak_rss_mb
        for name, m in figures["pages"].items():
            say(
                f"    warm {name:<16} median {m['median'] * 1000:8,.0f} ms (CPU {m['cpu_median'] * 1000:6,.0f} ms)  "
                f"(first in process "
                f"{m['first'] * 1000:,.0f} ms)"
                + (f"  PAGE ERROR: {m['errors'][0].splitlines()[0][:100]}" if m["errors"] else "")
            )
        say(f"    serving process peak RSS {run.peak_rss_mb:,.0f} MiB")
    except STEP_ERRORS as exc:
        section["warm"] = {"error": str(exc)}
        say(f"    warm FAILED: {str(exc).splitlines()[0]}")
    section["load_after"] = _load()


def step_queries(db: Path, results: dict, logs: Path, runs: int) -> None:
    say(f"[4] queries at national scale, uncached ({runs} runs each)")
    out = logs / "queries.json"
    try:
        run = run_child(
            ["-m", "benchmarks.children", "queries", str(out), "--runs", str(runs)],
            logs / "queries.log",
            env=child_env(HELHEDSBLIK_WAREHOUSE=str(db)),
            timeout=PAGE_TIMEOUT * 4,
        )
        figures = read_json(out)
    except STEP_ERRORS as exc:
        results["queries"] = {"error": str(exc), "measured_at": now()}
        say(f"    FAILED: {str(exc).splitlines()[0]}")
        return
    results["queries"] = {**figures, "peak_rss_mb": run.peak_rss_mb, "measured_at": now()}
    for group in ("sql", "functions"):
        for name, m in figures[group].items():
            if "error" in m:
                say(f"    {name:<44} ERROR: {m['error'].splitlines()[0][:100]}")
            else:
                say(f"    {name:<44} median {m['median'] * 1000:8,.1f} ms  first {m['first'] * 1000:8,.1f} ms")


def step_serving(db: Path, data: dataset.Dataset, results: dict, logs: Path, runs: int) -> None:
    section = {"measured_at": now(), "load_before": _load()}
    try:
        section.update(serving.step(db, [f.path for f in data.visitation], WORK / "serving", logs, runs))
    except (*STEP_ERRORS, TimeoutError) as exc:
        say(f"    FAILED: {str(exc).splitlines()[0]}")
        section["error"] = str(exc)
    section["load_after"] = _load()
    results["serving"] = section


def step_upload(db: Path, data: dataset.Dataset, results: dict, logs: Path) -> None:
    section = {"measured_at": now(), "load_before": _load()}
    try:
        section.update(upload.step(db, data.visitation[0].path, WORK / "upload", logs))
    except (*STEP_ERRORS, TimeoutError, AssertionError) as exc:
        say(f"    FAILED: {str(exc).splitlines()[0]}")
        section["error"] = str(exc)
    section["load_after"] = _load()
    results["upload"] = section


# --- results ------------------------------------------------------------------------------------


def step_report(results: dict, logs: Path, runs: int, areas: int) -> None:
    """The council report on the app's own warehouse (the bundled data and the demo, built fresh): the report
    reads a municipality's aggregates, so the national scale of steps 3-6 does not change its work."""
    say()
    say("[7] council report (PDF + Word) against the page exports of the same charts")
    folder = WORK / "report"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env = child_env(HELHEDSBLIK_WAREHOUSE=str(folder / "warehouse.duckdb"))
    section: dict = {"measured_at": now(), "load_before": _load()}
    try:
        run_child(["-m", "pipelines", "build"], logs / "report_build.log", env=env, timeout=900)
        out = folder / "report.json"
        child = run_child(
            ["-m", "benchmarks.report_bench", "--runs", str(min(runs, 5)), "--areas", str(areas), "--json", str(out)],
            logs / "report_bench.log",
            env=env,
            timeout=3600,
        )
        say("    " + child.tail(3).replace("\n", "\n    "))
        section.update(read_json(out))
        section.pop("one_built", None)
    except STEP_ERRORS as exc:
        section["error"] = str(exc)
        say(f"    NOT MEASURED: {exc}")
    section["load_after"] = _load()
    results["report"] = section


def _previous(scale: int) -> dict:
    """Last results at the same scale and horizon, so a partial run (--only) keeps the other figures."""
    if not RESULTS_JSON.exists():
        return {}
    try:
        old = read_json(RESULTS_JSON)
    except StepFailed:
        return {}
    return old if (old.get("scale"), old.get("until")) == (scale, dataset.UNTIL) else {}


def save(results: dict) -> None:
    write_json(RESULTS_JSON, results)
    RESULTS_MD.write_text(report.markdown(results), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=int,
        default=DEFAULT_SCALE,
        help=f"demo scale (default {DEFAULT_SCALE}: at least 20 million fact rows)",
    )
    parser.add_argument(
        "--skip-generate",
        action="store_true",
        help="never generate: fail step 1 unless a current demo set is in benchmarks/work/demo",
    )
    parser.add_argument(
        "--only",
        choices=("ingest", "pages", "queries", "serving", "upload", "report"),
        help="run only this part (and step 1; report needs no step 1)",
    )
    parser.add_argument(
        "--report-areas", type=int, default=20, help="municipalities in a row in the report step (0: all 98)"
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per page and per query (default 5)")
    parser.add_argument(
        "--ingest-rounds",
        type=int,
        default=3,
        help="interleaved rounds of the ingest comparison (default 3; medians are reported)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.ingest_rounds < 1:
        parser.error("--runs and --ingest-rounds must be 1 or more")
    logs = WORK / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    results = _previous(args.scale)
    results.update(scale=args.scale, until=dataset.UNTIL, machine={**machine(), "load average at start": _load()})
    notes = [
        f"Run with `--runs {args.runs} --ingest-rounds {args.ingest_rounds}`"
        + (f" `--only {args.only}`" if args.only else "")
        + f" at {now()}."
    ]

    if args.only == "report":
        step_report(results, logs, args.runs, args.report_areas)
        save(results)
        return _finish(results, notes)
    data = step_dataset(args, results)
    save(results)
    pipeline_db = None
    if data is not None and args.only in (None, "ingest"):
        pipeline_db = step_ingest(data, results, logs, args.ingest_rounds)
        save(results)
    db = None
    if data is not None and args.only in (None, "pages", "queries", "serving", "upload"):
        db = step_warehouse(data, results, logs, pipeline_db, reuse_existing=args.only is not None)
        save(results)
    elif pipeline_db is not None:
        _remove_db(pipeline_db)  # --only ingest: the warehouse step does not need it
    if db is not None and args.only in (None, "pages"):
        step_pages(db, results, logs, args.runs)
        save(results)
    if db is not None and args.only in (None, "queries"):
        step_queries(db, results, logs, args.runs)
        save(results)
    if db is not None and args.only in (None, "serving"):
        step_serving(db, data, results, logs, args.runs)
        save(results)
    if db is not None and args.only in (None, "upload"):
        step_upload(db, data, results, logs)
        save(results)
    if args.only is None:
        step_report(results, logs, args.runs, args.report_areas)
        save(results)
    return _finish(results, notes)


def _finish(results: dict, notes: list[str]) -> int:
    results["machine"]["load average at end"] = _load()
    results["notes"] = notes + [
        "Load average = 1/5/15-minute run-queue length; above the core count, other work competed for the CPUs "
        "and wall times are pessimistic (CPU seconds are less affected)."
    ]
    save(results)
    say()
    say("[8] targets")
    for t in report.targets(results):
        say(f"    {t.status:<13} {t.name}: {t.detail}")
    say(f"\nwritten: {RESULTS_MD} (raw figures and logs: {WORK})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
