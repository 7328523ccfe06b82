"""The package boundaries the docstrings promise, checked in a fresh interpreter (imports, not code paths)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_by(*modules: str) -> set[str]:
    """The top-level packages a fresh interpreter has loaded after importing ``modules``."""
    code = (
        f"import sys\nimport {', '.join(modules)}\nprint('\\n'.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_the_pure_presentation_builders_need_neither_streamlit_nor_the_warehouse():
    loaded = imported_by(
        "presentation.formatting",
        "presentation.charts",
        "presentation.export",
        "presentation.investment",
        "presentation.memo",
        "presentation.disclosure",
        "presentation.colours",
    )
    assert {"streamlit", "queries", "duckdb"}.isdisjoint(loaded), loaded & {"streamlit", "queries", "duckdb"}


def test_the_investment_model_is_plain_arithmetic():
    loaded = imported_by("pipelines.investment_model")
    assert {"streamlit", "queries", "duckdb", "presentation"}.isdisjoint(loaded)
