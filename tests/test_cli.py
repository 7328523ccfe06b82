"""The command line, run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Each test runs the CLI in a child process.
pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_load_list_undo_check(tmp_path):
    env = {**os.environ, "HELHEDSBLIK_WAREHOUSE": str(tmp_path / "w.duckdb"), "HELHEDSBLIK_USER": "ana"}
    good = tmp_path / "good.csv"
    good.write_text(
        "Område;Periode;Ydelse;Visitationskategori;Antal personer\nAarhus;2024M01;Kontanthjælp;Jobparat;1.234\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Område;Periode;Ydelse;Visitationskategori;Antal personer\nAarhus;2024M01;Kontanthjælp;Jobparat;-3\n",
        encoding="utf-8",
    )

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


def test_a_missing_file_is_one_line(tmp_path):
    env = {**os.environ, "HELHEDSBLIK_WAREHOUSE": str(tmp_path / "w.duckdb")}
    out = cli("load", "/no/such/file.csv", env=env)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "fejl: /no/such/file.csv findes ikke eller er ikke en fil; intet er indlæst"
    ]
    assert "Traceback" not in out.stdout + out.stderr


def test_load_reads_the_sheet_given_with_sheet(tmp_path):
    import xlsxwriter

    env = {**os.environ, "HELHEDSBLIK_WAREHOUSE": str(tmp_path / "w.duckdb")}
    book = tmp_path / "bog.xlsx"
    wb = xlsxwriter.Workbook(book)
    wb.add_worksheet("Forside").write(0, 0, "Kontanthjælp efter visitationskategori")
    data = wb.add_worksheet("Data")
    data.write_row(0, 0, ["Område", "Periode", "Ydelse", "Visitationskategori", "Antal personer"])
    data.write_row(1, 0, ["Randers", "2024M02", "Kontanthjælp", "Jobparat", 5])
    wb.close()

    out = cli("load", str(book), env=env)
    assert out.returncode == 1
    assert (
        "bog.xlsx: læste arket 'Forside' (ark 1 af 2), som ikke har kolonner, der kan genkendes; data ser ud til "
        "at ligge i arket 'Data'. Vælg arket med --sheet \"Data\" på kommandolinjen"
    ) in out.stderr

    out = cli("load", str(book), "--sheet", "Data", env=env)
    assert out.returncode == 0, out.stderr
    assert "bog.xlsx (ark 'Data'): indlæsning 1, visitation, 1 rækker" in out.stdout
    out = cli("load", str(book), "--sheet", "2", env=env)
    assert out.returncode == 0 and "identisk med indlæsning 1" in out.stdout
