"""Step 2 of ``python -m benchmarks``: ingest of the visitation files, each approach in a fresh process into a fresh
DuckDB file (DuckDB's own ``read_csv`` as the floor, pandas + one bulk insert, the full pipeline CLI)."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import duckdb

from benchmarks import dataset
from benchmarks.common import INGEST_TIMEOUT, STEP_ERRORS, WORK, _child_figures, _db_bytes, _load, _remove_db, now
from benchmarks.measure import PROJECT_ROOT, StepFailed, child_env, pipeline_load_args, read_json, run_child, say
from pipelines import config
from pipelines.kinds import KINDS

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
