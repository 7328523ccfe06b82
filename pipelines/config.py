"""Paths and settings shared by the pipeline, the CLI and the app.

Every setting an operator can give is an environment variable, read in one place: :class:`Settings` (the README's
table lists them). ``settings()`` parses the environment once and keeps the result for as long as the
environment's HELHEDSBLIK_* and JOBINDSATS_* variables stay the same (a test or a child process that sets one is
seen); a bad value stops the program with a Danish message that names the variable and what it expects.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipelines.errors import PipelineError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
SEED_DIR = DATA_DIR / "seed"
DEMO_DIR = DATA_DIR / "demo"  # generated, git-ignored

DEMO_SOURCE = "syntetisk demo"
SEED_SOURCE = "offentliggjorte tal"
API_SOURCE = "jobindsats API"  # loads fetched from jobindsats.dk's API (pipelines/jobindsats, pipelines/refresh.py)

_TRUE, _FALSE = ("1", "true", "yes", "ja"), ("0", "false", "no", "nej")


class Settings(BaseSettings):
    """The operator's settings (HELHEDSBLIK_<NAME>, except the two JOBINDSATS_ ones); each default is the one
    a single-machine installation wants."""

    model_config = SettingsConfigDict(env_prefix="HELHEDSBLIK_", env_ignore_empty=True, extra="ignore")

    # Where the data live.
    warehouse: Path = Field(DATA_DIR / "warehouse.duckdb", description="en sti til en fil")
    published: Path | None = Field(None, description="en sti til en mappe")
    read_only: bool = Field(False, description="ja eller nej")
    user: str | None = Field(None, description="et navn")
    # Memory: the loader's DuckDB budget (enough to be quick, small enough that a national extract loads on a
    # modest machine; DuckDB spills beyond it) and the app's (its queries read small aggregates).
    loader_memory: str = Field("1GB", pattern=r"(?i)^\d+(\.\d+)?\s*[KMGT]i?B$", description="en mængde, fx 1GB")
    app_memory: str = Field("512MB", pattern=r"(?i)^\d+(\.\d+)?\s*[KMGT]i?B$", description="en mængde, fx 512MB")
    # Writers and snapshots.
    writer_wait: float = Field(600, ge=0, description="et antal sekunder, fx 600")
    writer_nice: int = Field(10, ge=0, le=19, description="et helt tal fra 0 til 19")
    keep_snapshots: int = Field(3, ge=2, description="et helt tal fra 2 og op, fx 3")
    # Uploads through the app.
    max_upload_mb: int = Field(200, gt=0, description="et antal megabyte, fx 200")
    max_upload_rows: int = Field(5_000_000, gt=0, description="et antal rækker, fx 5000000")
    spool_session_mb: int | None = Field(None, gt=0, description="et antal megabyte")
    spool_mb: int | None = Field(None, gt=0, description="et antal megabyte")
    upload_jobs: int = Field(2, gt=0, description="et helt tal, fx 2")
    # Who may load, and what leaves the app.
    analyst_passphrase: str | None = Field(None, description="en adgangsfrase")
    small_count: int = Field(5, ge=1, description="et helt tal, fx 5")
    small_count_on_screen: bool = Field(True, description="ja eller nej")
    hide_demo: bool = Field(False, description="ja eller nej")
    default_area: str = Field("101", pattern=r"^\d{3}$", description="en kommunekode med tre cifre, fx 751")
    # The server's guards (serve.py).
    header_seconds: float = Field(10.0, gt=0, description="et antal sekunder, fx 10")
    body_min_kb: float = Field(32, gt=0, description="et antal kilobyte, fx 32")
    max_connections: int | None = Field(None, gt=0, description="et helt tal, fx 1000")
    trusted_proxies: str = Field("", description="adresser adskilt af komma")
    # jobindsats.dk's API.
    jobindsats_api_key: str = Field("", validation_alias="JOBINDSATS_API_KEY", description="en API-nøgle")
    jobindsats_api_url: str | None = Field(None, validation_alias="JOBINDSATS_API_URL", description="en URL")

    @field_validator("read_only", "hide_demo", mode="before")
    @classmethod
    def _danish_yes_no(cls, value):
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        return value

    @property
    def session_mb(self) -> int:
        """What one session may hold in the upload spool: six files of the largest size, unless set."""
        return self.spool_session_mb or 6 * self.max_upload_mb

    @property
    def process_mb(self) -> int:
        """What the whole process may hold in the upload spool: four sessions', unless set."""
        return self.spool_mb or 4 * self.session_mb


def env_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    return alias if isinstance(alias, str) else f"HELHEDSBLIK_{field.upper()}"


def settings() -> Settings:
    """The settings of this environment, parsed once (again only after one of its variables changed)."""
    return _parse(tuple(map(os.environ.get, _NAMES)))


_NAMES = tuple(env_name(field) for field in Settings.model_fields)


@functools.lru_cache(maxsize=8)
def _parse(values: tuple) -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0])
        name = env_name(field) if field in Settings.model_fields else field
        expected = Settings.model_fields[field].description if field in Settings.model_fields else "en anden værdi"
        raise PipelineError(f"{name} er '{error.get('input')}': forventede {expected}") from None


def child_environment(**overrides) -> dict[str, str]:
    """The environment for a writer this process starts (``python -m pipelines``): this one's, with some settings
    of the child's own by field name, e.g. ``child_environment(user="anna", writer_nice=0)``."""
    return {**os.environ, **{env_name(field): str(value) for field, value in overrides.items()}}


def warehouse_path() -> Path:
    """The warehouse file: HELHEDSBLIK_WAREHOUSE, default data/warehouse.duckdb."""
    return settings().warehouse


def published_dir() -> Path:
    """Where the read-only snapshots are published: HELHEDSBLIK_PUBLISHED, default published/ beside the master."""
    return settings().published or warehouse_path().parent / "published"


def read_only() -> bool:
    """HELHEDSBLIK_READ_ONLY=true: this installation only serves the published snapshots (an app machine
    reading a shared folder); it never builds, loads or undoes: the writer lives where the master is."""
    return settings().read_only


def current_user() -> str:
    """Who runs a CLI load, for provenance."""
    return settings().user or os.environ.get("USER") or "ukendt"
