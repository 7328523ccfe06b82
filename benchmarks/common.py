"""What the benchmark's steps share: where results go, the timeouts, the machine's description and DuckDB files."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
from pathlib import Path

import duckdb

from benchmarks import sessions
from benchmarks.measure import PROJECT_ROOT, ChildRun, StepFailed
from pipelines import writer

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
