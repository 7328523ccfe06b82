"""The operator's settings: one place, defaults that work, and a bad value named in Danish before anything runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import config
from pipelines.errors import PipelineError

ROOT = Path(__file__).resolve().parent.parent


def test_unset_and_empty_variables_give_the_defaults(monkeypatch):
    monkeypatch.setenv("HELHEDSBLIK_WRITER_WAIT", "")
    monkeypatch.delenv("HELHEDSBLIK_PUBLISHED", raising=False)
    monkeypatch.setenv("HELHEDSBLIK_WAREHOUSE", "/srv/helhedsblik/warehouse.duckdb")
    settings = config.settings()
    assert settings.writer_wait == 600 and settings.keep_snapshots == 3 and settings.small_count == 5
    # The spool's limits follow the upload limit unless they are set themselves.
    monkeypatch.setenv("HELHEDSBLIK_MAX_UPLOAD_MB", "50")
    assert (config.settings().session_mb, config.settings().process_mb) == (300, 1200)
    assert config.published_dir() == Path("/srv/helhedsblik/published")


@pytest.mark.parametrize("value,expected", [("ja", True), ("true", True), ("1", True), ("nej", False), ("", False)])
def test_read_only_takes_danish_and_english_yes_and_no(monkeypatch, value, expected):
    monkeypatch.setenv("HELHEDSBLIK_READ_ONLY", value)
    assert config.read_only() is expected


@pytest.mark.parametrize(
    "name,value,message",
    [
        (
            "HELHEDSBLIK_WRITER_WAIT",
            "ti minutter",
            "HELHEDSBLIK_WRITER_WAIT er 'ti minutter': forventede et antal sekunder",
        ),
        ("HELHEDSBLIK_WRITER_NICE", "25", "HELHEDSBLIK_WRITER_NICE er '25': forventede et helt tal fra 0 til 19"),
        ("HELHEDSBLIK_KEEP_SNAPSHOTS", "1", "HELHEDSBLIK_KEEP_SNAPSHOTS er '1': forventede et helt tal fra 2 og op"),
        ("HELHEDSBLIK_APP_MEMORY", "meget", "HELHEDSBLIK_APP_MEMORY er 'meget': forventede en mængde, fx 512MB"),
        ("HELHEDSBLIK_READ_ONLY", "måske", "HELHEDSBLIK_READ_ONLY er 'måske': forventede ja eller nej"),
    ],
)
def test_a_bad_value_is_named_with_what_it_expects_in_danish(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(PipelineError) as info:
        config.settings()
    assert str(info.value).startswith(message)


@pytest.mark.process
def test_the_cli_stops_on_a_bad_value_with_one_danish_line(tmp_path):
    env = config.child_environment(warehouse=tmp_path / "w.duckdb", writer_wait="snart")
    done = subprocess.run(
        [sys.executable, "-m", "pipelines", "loads"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "HELHEDSBLIK_WRITER_WAIT er 'snart': forventede et antal sekunder" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.process
def test_the_server_stops_on_a_bad_value_with_one_danish_line(tmp_path):
    env = config.child_environment(warehouse=tmp_path / "w.duckdb", header_seconds="snart")
    done = subprocess.run(
        [sys.executable, "serve.py", "--server.address", "127.0.0.1", "--server.port", "9"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    said = done.stderr.strip().splitlines()[-1]
    assert said == "HELHEDSBLIK_HEADER_SECONDS er 'snart': forventede et antal sekunder, fx 10"
    assert "Traceback" not in done.stderr
