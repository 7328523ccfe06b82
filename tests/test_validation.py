"""Each validation rule: the message names file, row, column and value, and the warehouse is unchanged."""

from __future__ import annotations

import pytest

from tests.helpers import rejected, state
from pipelines import loader

VIS = "Område;Periode;Ydelse;Visitationskategori;Antal personer\n"
ACT = "Område;Periode;Gruppe;Antal personer;Aktiverede\n"
CASE = "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)\n"


@pytest.fixture
def preloaded(con, write_file):
    """A warehouse that already holds a load, so 'unchanged' means something."""
    loader.load(write_file("base.csv", VIS + "Aarhus;2024M01;Kontanthjælp;Jobparat;100\n"), source="test", con=con)
    return con


CASES = [
    (
        "missing column",
        "Område;Periode;Visitationskategori;Antal personer\nAarhus;2024M02;Jobparat;1\n",
        (1, "Ydelse", None),
        "mangler kolonnen 'Ydelse'",
    ),
    (
        "unknown area",
        VIS + "Aarhus;2024M02;Kontanthjælp;Jobparat;5\nAtlantis;2024M02;Kontanthjælp;Jobparat;5\n",
        (3, "Område", "Atlantis"),
        "ukendt område",
    ),
    ("month 13", VIS + "Aarhus;2024M13;Kontanthjælp;Jobparat;5\n", (2, "Periode", "2024M13"), "ugyldig periode"),
    ("short year", VIS + "Aarhus;24M01;Kontanthjælp;Jobparat;5\n", (2, "Periode", "24M01"), "ugyldig periode"),
    (
        "non-numeric",
        VIS + "Aarhus;2024M02;Kontanthjælp;Jobparat;mange\n",
        (2, "Antal personer", "mange"),
        "ikke et tal",
    ),
    ("negative", VIS + "Aarhus;2024M02;Kontanthjælp;Jobparat;-5\n", (2, "Antal personer", "-5"), "negativt tal"),
    (
        "decimal point in comma file",
        VIS + "Aarhus;2024M02;Kontanthjælp;Jobparat;12.5\n",
        (2, "Antal personer", "12.5"),
        "punktum i et tal",
    ),
    (
        "duplicate",
        VIS + "Aarhus;2024M02;Kontanthjælp;Jobparat;5\nAarhus;2024M02;Kontanthjælp;Jobparat;6\n",
        (3, None, None),
        "dublet: samme nøgle som række 2",
    ),
    (
        "unknown category",
        VIS + "Aarhus;2024M02;Kontanthjælp;Halvparat;5\n",
        (2, "Visitationskategori", "Halvparat"),
        "ukendt værdi for 'Visitationskategori'",
    ),
    (
        "misspelt category",
        VIS + "Aarhus;2024M02;Kontanthjælp;Jobparrat;5\n",
        (2, "Visitationskategori", "Jobparrat"),
        "ukendt værdi for 'Visitationskategori': 'Jobparrat' (mente du Jobparat?)",
    ),
    (
        "misspelt area",
        VIS + "Randres;2024M02;Kontanthjælp;Jobparat;5\n",
        (2, "Område", "Randres"),
        "ukendt område 'Randres' (mente du Randers?)",
    ),
    (
        "month label misspelt",
        VIS + "Aarhus;jnauar 2024;Kontanthjælp;Jobparat;5\n",
        (2, "Periode", "jnauar 2024"),
        "ugyldig periode: forventede fx 2024M01, 2024Q01, 2024QMAT02, 2024, januar 2024 eller et interval",
    ),
    (
        "share over 100",
        "Område;Periode;Aktiveringsgrad\nAarhus;2024M02;101,5\n",
        (2, "Aktiveringsgrad", "101,5"),
        "andel uden for 0-100",
    ),
    (
        "activated above persons",
        ACT + "Aarhus;2024M02;Alle;10;11\n",
        (2, "Aktiverede", "11"),
        "flere aktiverede end personer",
    ),
    (
        "fte not positive",
        CASE + "Aarhus;2024M02;Team 1;Sygedagpenge;40;0\n",
        (2, "Sagsbehandlere (årsværk)", "0"),
        "større end 0",
    ),
    ("not whole", ACT + "Aarhus;2024M02;Alle;10,5;3\n", (2, "Antal personer", "10,5"), "helt antal"),
    ("empty area", VIS + ";2024M02;Kontanthjælp;Jobparat;5\n", (2, "Område", None), "skal udfyldes"),
    ("ragged row", VIS + "Aarhus;2024M02;Kontanthjælp;Jobparat;5;7\n", (2, None, None), "forkert antal kolonner"),
]


@pytest.mark.parametrize("content,where,message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_rejects_whole_file(preloaded, write_file, content, where, message):
    path = write_file("bad.csv", content)
    problems = rejected(preloaded, path)
    match = [p for p in problems if message in p.message]
    assert match, [str(p) for p in problems]
    p = match[0]
    assert p.file == "bad.csv"
    row, column, value = where
    assert p.row == row
    if column:
        assert p.column == column
    if value:
        assert p.value == value


def test_every_problem_is_listed(preloaded, write_file):
    content = VIS + "".join(f"Atlantis;2024M{m:02d};Kontanthjælp;Jobparat;x\n" for m in range(1, 13))
    problems = rejected(preloaded, write_file("many.csv", content))
    assert len([p for p in problems if "ukendt område" in p.message]) == 12
    assert len([p for p in problems if "ikke et tal" in p.message]) == 12


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("empty.csv", b"", "filen er tom"),
        ("header.csv", VIS.encode(), "ingen datarækker"),
        ("garbage.csv", bytes(range(256)) * 10, "binær"),
        ("fake.xlsx", "Område;Periode\nAarhus;2024M01\n".encode(), "hvilken slags udtræk"),
        ("zip.xlsx", b"PK\x03\x04" + b"\x00" * 100, "beskadiget"),
        ("bad.json", b'{"columns": ["area"', "ugyldig JSON"),
        ("badkey.json", '{"Forkert nøgle eller nøglen er udløbet.":""}'.encode(), "ukendt JSON-form"),
    ],
)
def test_unreadable_files(preloaded, write_file, name, content, message):
    problems = rejected(preloaded, write_file(name, content))
    if message:
        assert message in problems[0].message, str(problems[0])
    assert problems[0].file == name


def test_warnings_do_not_block(con, write_file):
    content = VIS + (
        "Aarhus;2012M01;Kontanthjælp;Jobparat;5\n"  # jobparat before 2014
        "Aarhus;2099M01;Kontanthjælp;Aktivitetsparat;7\n"  # in the future
        "Aarhus;2024M01;Kontanthjælp;Uoplyst visitationskategori;..\n"
    )
    result = loader.load(write_file("warn.csv", content), source="test", con=con)
    messages = " | ".join(w.message for w in result.warnings)
    assert "uden for sin gyldighedsperiode" in messages
    assert "fremtiden" in messages
    assert "diskretionerede" in messages
    assert result.rows == 3


def test_unknown_kind_is_rejected(con, write_file):
    before = state(con)
    with pytest.raises(loader.ExtractRejected) as info:
        loader.load(write_file("odd.csv", "a;b\n1;2\n"), source="test", con=con)
    assert "hvilken slags udtræk" in info.value.problems[0].message
    assert state(con) == before
