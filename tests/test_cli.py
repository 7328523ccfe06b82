"""The command line, run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, env):
    return subprocess.run([sys.executable, "-m", "pipelines", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_load_list_undo_check(tmp_path):
    env = {**os.environ, "HELHEDSBLIK_WAREHOUSE": str(tmp_path / "w.duckdb"), "HELHEDSBLIK_USER": "ana"}
    good = tmp_path / "good.csv"
    good.write_text("Område;Periode;Ydelse;Visitationskategori;Antal personer\n"
                    "Aarhus;2024M01;Kontanthjælp;Jobparat;1.234\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("Område;Periode;Ydelse;Visitationskategori;Antal personer\n"
                   "Aarhus;2024M01;Kontanthjælp;Jobparat;-3\n", encoding="utf-8")

    out = cli("load", str(good), env=env)
    assert out.returncode == 0, out.stderr
    assert "indlæsning 1, visitation, 1 rækker (0 erstattet; direkte fra filen)" in out.stdout

    out = cli("load", str(bad), env=env)
    assert out.returncode == 1
    assert "AFVIST" in out.stderr and "bad.csv, række 2, kolonne 'Antal personer', værdi '-3'" in out.stderr

    out = cli("loads", env=env)
    assert "good.csv" in out.stdout and "ana" in out.stdout and "bad.csv" not in out.stdout

    assert "konsistent" in cli("check", env=env).stdout
    out = cli("undo", "1", env=env)
    assert out.returncode == 0 and "1 rækker fjernet" in out.stdout
    out = cli("undo", "1", env=env)
    assert out.returncode == 1 and "allerede fortrudt" in out.stderr
