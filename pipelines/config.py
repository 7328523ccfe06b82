"""Paths and settings shared by the pipeline, the CLI and the app."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
SEED_DIR = DATA_DIR / "seed"
DEMO_DIR = DATA_DIR / "demo"  # generated, git-ignored

DEMO_SOURCE = "syntetisk demo"
SEED_SOURCE = "offentliggjorte tal"
API_SOURCE = "jobindsats API"  # loads fetched from jobindsats.dk's API (pipelines/jobindsats, pipelines/refresh.py)

# The loader's own DuckDB budget: enough to be quick, small enough that a national
# extract loads on a modest machine (DuckDB spills to disk beyond it).
LOADER_MEMORY_LIMIT = os.environ.get("HELHEDSBLIK_LOADER_MEMORY", "1GB")
# The app's connection: its queries read small aggregates, and serving must stay lean.
APP_MEMORY_LIMIT = os.environ.get("HELHEDSBLIK_APP_MEMORY", "512MB")


def warehouse_path() -> Path:
    """The warehouse file: HELHEDSBLIK_WAREHOUSE, default data/warehouse.duckdb."""
    configured = os.environ.get("HELHEDSBLIK_WAREHOUSE")
    return Path(configured) if configured else DATA_DIR / "warehouse.duckdb"


def published_dir() -> Path:
    """Where the read-only snapshots are published: HELHEDSBLIK_PUBLISHED, default published/ beside the master."""
    configured = os.environ.get("HELHEDSBLIK_PUBLISHED")
    return Path(configured) if configured else warehouse_path().parent / "published"


def read_only() -> bool:
    """HELHEDSBLIK_READ_ONLY=true: this installation only serves the published snapshots (an app machine
    reading a shared folder); it never builds, loads or undoes: the writer lives where the master is."""
    return os.environ.get("HELHEDSBLIK_READ_ONLY", "").strip().lower() in ("1", "true", "yes", "ja")


def current_user() -> str:
    """Who runs a CLI load, for provenance."""
    return os.environ.get("HELHEDSBLIK_USER") or os.environ.get("USER") or "ukendt"
