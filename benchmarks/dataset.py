"""Step 1: the national-scale demo set, generated once per scale and reused while it is current."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from benchmarks.measure import PROJECT_ROOT, ChildRun, StepFailed, read_json, run_child, write_json

UNTIL = "2026M09"  # fixed, so every run and every machine measures the same rows
MARKER = "benchmark-dataset.json"
# Measure columns per file: a fact row is one CSV row × one measure column, as the warehouse counts facts.
MEASURES = {
    "demo_visitation": 2,
    "demo_faelles_borgere": 1,
    "demo_aktivering": 2,
    "demo_sagstal": 2,
    "demo_investering": 1,
    "demo_benchmark": 1,
}


@dataclass(frozen=True)
class DemoFile:
    path: Path
    rows: int  # CSV data rows (header excluded)
    bytes: int
    measures: int

    @property
    def fact_rows(self) -> int:
        return self.rows * self.measures

    @property
    def is_visitation(self) -> bool:
        return self.path.name.startswith("demo_visitation")


@dataclass(frozen=True)
class Dataset:
    scale: int
    until: str
    files: list[DemoFile]
    generation: ChildRun | None  # None when an existing set was reused

    @property
    def visitation(self) -> list[DemoFile]:
        return [f for f in self.files if f.is_visitation]

    def totals(self, files: list[DemoFile] | None = None) -> dict[str, int]:
        chosen = self.files if files is None else files
        return {
            "files": len(chosen),
            "rows": sum(f.rows for f in chosen),
            "fact_rows": sum(f.fact_rows for f in chosen),
            "bytes": sum(f.bytes for f in chosen),
        }


def _generator_digest() -> str:
    """The demo generator's source: a changed generator may write other rows, so the set is stale."""
    return hashlib.sha256((PROJECT_ROOT / "pipelines" / "demo.py").read_bytes()).hexdigest()[:16]


def count_rows(path: Path) -> int:
    """Data rows of a CSV file whose fields never hold a line break (true of every demo file)."""
    lines = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(16 * 1024 * 1024):
            lines += chunk.count(b"\n")
    return lines - 1


def _measures(path: Path) -> int:
    for prefix, n in MEASURES.items():
        if path.name.startswith(prefix):
            return n
    raise StepFailed(f"unknown demo file {path.name}: add it to benchmarks.dataset.MEASURES")


def _reusable(folder: Path, scale: int, until: str) -> Dataset | None:
    marker = folder / MARKER
    if not marker.exists():
        return None
    meta = read_json(marker)
    if (meta.get("scale"), meta.get("until"), meta.get("generator")) != (scale, until, _generator_digest()):
        return None
    files = []
    for entry in meta["files"]:
        path = folder / entry["name"]
        if not path.exists() or path.stat().st_size != entry["bytes"]:
            return None
        files.append(DemoFile(path, entry["rows"], entry["bytes"], entry["measures"]))
    return Dataset(scale, until, files, None)


def prepare(folder: Path, scale: int, logs: Path, until: str = UNTIL, regenerate: bool = True) -> Dataset:
    """The demo set of ``scale`` in ``folder``: reused when its marker matches, else generated.

    Generation runs in a child process, so its time and peak memory are measured like the rest.
    """
    found = _reusable(folder, scale, until)
    if found is not None:
        return found
    if not regenerate:
        raise StepFailed(f"--skip-generate: no current scale-{scale} demo set in {folder}")
    marker = folder / MARKER
    marker.unlink(missing_ok=True)  # a half-written set must never look current
    out = logs / "generate.json"
    run = run_child(
        ["-m", "benchmarks.children", "generate", str(folder), str(scale), until, str(out)], logs / "generate.log"
    )
    paths = [Path(p) for p in read_json(out)["files"]]
    files = [DemoFile(p, count_rows(p), p.stat().st_size, _measures(p)) for p in paths]
    write_json(
        marker,
        {
            "scale": scale,
            "until": until,
            "generator": _generator_digest(),
            "generated_seconds": run.seconds,
            "generated_peak_rss_mb": run.peak_rss_mb,
            "files": [{"name": f.path.name, "rows": f.rows, "bytes": f.bytes, "measures": f.measures} for f in files],
        },
    )
    return Dataset(scale, until, files, run)


def marker_digest(folder: Path) -> str:
    """Identifies the exact set (for the warehouse built from it)."""
    return hashlib.sha256((folder / MARKER).read_bytes()).hexdigest()[:16]
