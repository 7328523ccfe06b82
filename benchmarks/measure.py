"""Run one measurement in a fresh child process and read its wall time, CPU time and peak memory.

Peak memory is the child's own ``ru_maxrss`` as ``os.wait4`` returns it for that one child (and
any children it waited for). ``RUSAGE_CHILDREN`` would be the maximum over *every* child this
process ever reaped, so the second approach measured could only ever look as large as the first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines import config

PROJECT_ROOT = config.PROJECT_ROOT


class StepFailed(Exception):
    """A child process or a step of the benchmark did not produce its figures."""


@dataclass(frozen=True)
class ChildRun:
    seconds: float  # wall clock
    cpu_seconds: float  # user + system of the child: less sensitive to a busy machine than wall time
    peak_rss_mb: float
    returncode: int
    log: Path  # the child's stdout and stderr

    def tail(self, lines: int = 15) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    # Children import the project from its root whatever the caller's working directory was.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    env.setdefault("HELHEDSBLIK_USER", "benchmark")
    env.update(extra)
    return env


def say(text: str = "") -> None:
    """One line of the benchmark's progress, at once (the run takes minutes)."""
    print(text, flush=True)


def run_child(args: list[str], log: Path, env: dict[str, str] | None = None, timeout: float | None = None) -> ChildRun:
    """Run ``python args…`` (this interpreter) to the end; raise StepFailed when it fails."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        start = time.perf_counter()
        # Output goes to a file, not a pipe: nothing can block on a full pipe while we wait4().
        proc = subprocess.Popen(
            [sys.executable, *args], cwd=PROJECT_ROOT, env=env or child_env(), stdout=out, stderr=subprocess.STDOUT
        )
        deadline = None if timeout is None else start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG if deadline else 0)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                raise StepFailed(f"{' '.join(args[:3])} … took more than {timeout:.0f} s and was stopped")
            time.sleep(0.05)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
    run = ChildRun(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, proc.returncode, log)
    if run.returncode != 0:
        tail = run.tail()
        last = next((line.strip() for line in reversed(tail.splitlines()) if line.strip()), "")
        raise StepFailed(f"{' '.join(args[:3])} … exited with {run.returncode}: {last[:300]}\n{tail}")
    return run


def pipeline_load_args(files) -> list[str]:
    """``-m pipelines load`` of the demo's visitation files, as the synthetic demo is loaded (python's arguments)."""
    return ["-m", "pipelines", "load", *map(str, files), "--kind", "visitation", "--source", config.DEMO_SOURCE]


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise StepFailed(f"no readable result in {path}: {exc}") from exc


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(path)  # never a half-written file, even when the run is interrupted


def self_peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM) in MB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    raise StepFailed("VmHWM not found in /proc/self/status")


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0
