"""python -m benchmarks: national-scale ingest, warehouse, page and query figures (``make bench``).

Steps, each printing its figures as it goes; a failing step is reported and the run continues,
its targets then marked NOT MEASURED:

1. the demo set at ``--scale`` (generated once, reused while current);
2. ingest of the visitation files, each approach in a fresh process into a fresh DuckDB file:
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
import datetime as dt
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from benchmarks import dataset, report, serving, sessions, upload
from benchmarks.measure import (
    PROJECT_ROOT,
    ChildRun,
    StepFailed,
    child_env,
    median,
    pipeline_load_args,
    read_json,
    run_child,
    say,
    write_json,
)
from pipelines import config, writer
from pipelines.kinds import KINDS

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"  # git-ignored
RESULTS_MD = HERE / "results.md"
RESULTS_JSON = WORK / "results.json"
PAGES_DIR = PROJECT_ROOT / "pages"
# The scale whose demo set is at least 20 million fact rows (see pipelines/demo.py).
DEFAULT_SCALE = 3
# What a failing step may raise: a child that failed or left no figures, a file or DuckDB problem.
STEP_ERRORS = (
    StepFailed,
    OSError,
    duckdb.Error,
    subprocess.SubprocessError,
    json.JSONDecodeError,
    *sessions.SESSION_ERRORS,
)
INGEST_TIMEOUT = 3 * 3600.0
PAGE_TIMEOUT = 900.0


def now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    with open("/proc/meminfo", encoding="ascii") as fh:
        total_kib = next(int(line.split()[1]) for line in fh if line.startswith("MemTotal:"))
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass  # not Linux-like: the platform's own name will do
    info = {
        "date": now(),
        "nproc": str(os.cpu_count()),
        "RAM": f"{total_kib / 2**20:.1f} GiB",
        "CPU": cpu,
        "python": platform.python_version(),
    }
    for package in ("duckdb", "polars", "pandas", "streamlit", "pyarrow", "numpy"):
        info[package] = _version(package)
    return info


def _load() -> str:
    """Load average and, where Linux reports it, CPU pressure: how much other work competed for the cores."""
    one, five, fifteen = os.getloadavg()
    text = f"{one:.1f} / {five:.1f} / {fifteen:.1f}"
    try:
        with open("/proc/pressure/cpu", encoding="ascii") as fh:
            some = dict(item.split("=") for item in fh.readline().split()[1:])
        text += f" (CPU pressure {float(some['avg60']):.0f} % over 60 s)"
    except (OSError, KeyError, ValueError):
        pass  # no pressure stall information on this kernel: the load average will do
    return text


def _remove_db(path: Path) -> None:
    """A DuckDB file with its WAL and its spill directory (left behind when a process was killed)."""
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)
    shutil.rmtree(writer.spill_path(path), ignore_errors=True)


def _db_bytes(path: Path) -> int:
    wal = path.with_name(path.name + ".wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def _child_figures(run: ChildRun) -> dict:
    return {"seconds": run.seconds, "cpu_seconds": run.cpu_seconds, "peak_rss_mb": run.peak_rss_mb}


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


APPROACHES = ("floor", "floor_typed", "pandas", "pipeline")


def step_ingest(data: dataset.Dataset, results: dict, logs: Path, rounds: int) -> Path | None:
    """The approaches on the visitation files, in interleaved rounds; returns the pipeline's last warehouse.

    Each round runs every approach once, in the same order, each in a fresh process into a fresh file, so
    a slow spell on a shared machine falls on all of them rather than on one; each approach is reported by
    its median round (wall and CPU time) and its largest peak RSS.
    """
    files = [str(f.path) for f in data.visitation]
    t = data.totals(data.visitation)
    ingest = {
        "files": t["files"],
        "csv_rows": t["rows"],
        "fact_rows": t["fact_rows"],
        "mb": t["bytes"] / 1e6,
        "rounds": rounds,
        "measured_at": now(),
        "load_before": _load(),
    }
    results["ingest"] = ingest
    say(
        f"[2] ingest of the {t['files']} visitation files ({t['rows']:,} CSV rows, {t['bytes'] / 1e6:,.0f} MB), "
        f"each approach in a fresh process, {rounds} interleaved round(s)"
    )
    runs: dict[str, list[dict]] = {key: [] for key in APPROACHES}
    loaded = None
    for round_no in range(1, rounds + 1):
        for key in APPROACHES:
            figures, db = _ingest_once(key, files, t["rows"], logs)
            runs[key].append(figures)
            if key == "pipeline":
                if loaded is not None and loaded != db:
                    _remove_db(loaded)
                loaded = db
            say(f"    round {round_no}: " + _ingest_line(key, figures))
    for key in APPROACHES:
        ingest[key] = _median_run(runs[key])
    if len(runs["floor"]) > 1:
        say("    medians:")
        for key in APPROACHES:
            say("    " + _ingest_line(key, ingest[key]))
    ingest["load_after"] = _load()
    floor, pandas, pipe = (ingest.get(k) for k in ("floor", "pandas", "pipeline"))
    if "error" not in pipe:
        rps = pipe["csv_rows"] / pipe["seconds"]
        for key, other in (("floor", floor), ("pandas", pandas)):
            if "error" not in other:
                say(
                    f"    pipeline / {key}: {rps / (other['csv_rows'] / other['seconds']):.2f} × rows/s, "
                    f"{pipe['peak_rss_mb'] / other['peak_rss_mb']:.2f} × peak RSS"
                )
    return loaded if "error" not in pipe else None


def _ingest_line(key: str, e: dict) -> str:
    if "error" in e:
        return f"{key:<11} FAILED: {e['error'].splitlines()[0]}"
    return (
        f"{key:<11} {e['seconds']:8,.1f} s  (CPU {e['cpu_seconds']:7,.1f} s)  "
        f"{e['csv_rows'] / e['seconds']:>11,.0f} rows/s  peak RSS {e['peak_rss_mb']:7,.0f} MiB  "
        f"{e.get('rows_loaded', 0):>12,} rows loaded  {e.get('db_mb', 0):7,.0f} MiB DuckDB file"
    )


def _median_run(runs: list[dict]) -> dict:
    """The median round by wall time, with the largest peak RSS of all rounds and every round's time."""
    good = [r for r in runs if "error" not in r]
    if not good:
        return runs[-1]
    middle = sorted(good, key=lambda r: r["seconds"])[(len(good) - 1) // 2]
    return {
        **middle,
        "peak_rss_mb": max(r["peak_rss_mb"] for r in good),
        "round_seconds": [r["seconds"] for r in good],
        "failed_rounds": len(runs) - len(good),
    }


def _ingest_once(key: str, files: list[str], csv_rows: int, logs: Path) -> tuple[dict, Path | None]:
    """One approach, once, in a fresh process; the pipeline's warehouse is kept (the next step may use it)."""
    db = WORK / f"ingest_{key}.duckdb"
    _remove_db(db)
    try:
        if key == "pipeline":
            phases = logs / "ingest_pipeline_timings.json"
            run = run_child(
                [*pipeline_load_args(files), "--timings", str(phases)],
                logs / "ingest_pipeline.log",
                env=child_env(HELHEDSBLIK_WAREHOUSE=str(db)),
                timeout=INGEST_TIMEOUT,
            )
            con = duckdb.connect(str(db), read_only=True)
            try:
                stored = con.execute("select count(*) from fact_visitation where replaced_by is null").fetchone()[0]
            finally:
                con.close()
            loads = read_json(phases)
            totals: dict[str, float] = {}
            for load in loads:
                for phase, seconds in load["seconds"].items():
                    totals[phase] = totals.get(phase, 0.0) + seconds
            return {
                **_child_figures(run),
                "csv_rows": csv_rows,
                "rows_loaded": stored,
                "db_mb": _db_bytes(db) / 2**20,
                "phases": totals,
                "routes": sorted({load["route"] for load in loads}),
            }, db
        if key == "pandas" and importlib.util.find_spec("pandas") is None:
            raise StepFailed("pandas is not installed in this environment")
        out = logs / f"ingest_{key}.json"
        run = run_child(
            ["-m", "benchmarks.children", key, str(db), str(out), *files],
            logs / f"ingest_{key}.log",
            timeout=INGEST_TIMEOUT,
        )
        figures = read_json(out)
        result = {
            **_child_figures(run),
            "csv_rows": csv_rows,
            "rows_loaded": figures["rows"],
            "types": figures["types"],
            "db_mb": _db_bytes(db) / 2**20,
            "inner_seconds": figures["seconds"],
        }
        _remove_db(db)  # only its size matters; a national copy is a gigabyte or more
        return result, None
    except STEP_ERRORS as exc:
        _remove_db(db)
        return {"error": str(exc)}, None


def _pipeline_digest() -> str:
    """The loader, schema, reference and seed data: when any of them changes, a warehouse is stale."""
    digest = hashlib.sha256()
    pipelines = PROJECT_ROOT / "pipelines"
    for f in sorted(
        [
            *pipelines.glob("*.py"),
            *pipelines.glob("*.sql"),
            *config.REFERENCE_DIR.glob("*.csv"),
            *config.SEED_DIR.glob("*.csv"),
        ]
    ):
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def _fact_rows(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        # Table names from the kinds' allow-list, never from the database itself.
        tables = [kind.table for kind in KINDS.values()]
        return sum(con.execute(f"select count(*) from {t} where replaced_by is null").fetchone()[0] for t in tables)
    finally:
        con.close()


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
