"""Numbers that cannot be true are refused on both load routes, and check finds them in older warehouses;
a reload of some measures says which figures stay from which earlier load; the synthetic demo never
stands beside real figures for the same area and period."""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path

import pytest

from pipelines import aggregates, config, integrity, loader, uploads
from pipelines.warehouse import connect
from tests.helpers import rejected
from tests.test_cli import cli

ROOT = Path(__file__).resolve().parent.parent
HEADER = "Område;Periode;Ydelse;Visitationskategori;Antal personer;Fuldtidspersoner\n"
# Denmark's population as the reference data has it: the bound no count may pass.
with open(ROOT / "data/reference/kommuner.csv", encoding="utf-8") as _kommuner:
    POPULATION = sum(int(r["indbyggere"]) for r in csv.DictReader(_kommuner))
DK_POPULATION = f"{POPULATION:,}".replace(",", ".")  # as messages write it: 5.961.158


def jobindsats_form(*lines: str) -> str:
    """As jobindsats writes it (UTF-8 with BOM, ';', decimal comma): the direct route takes it."""
    return "\ufeff" + HEADER + "".join(line + "\n" for line in lines)


def both_routes(write_file, name: str, text: str) -> list[Path]:
    """The file as jobindsats wrote it (direct route) and re-saved in Excel (Windows-1252: staged route)."""
    return [write_file(f"{name}.csv", text), write_file(f"{name}_resaved.csv", text[1:].encode("cp1252"))]


@pytest.mark.parametrize("route", ["direct", "staged"])
@pytest.mark.parametrize(
    "line, column, value, message",
    [
        (
            "Aarhus;2024M01;Kontanthjælp;Jobparat;1.234,5;1.100,5",
            "Antal personer",
            "1.234,5",
            "forventede et helt antal",
        ),
        ("Aarhus;2024M01;Kontanthjælp;Jobparat;0,5;0,5", "Antal personer", "0,5", "forventede et helt antal"),
        (
            "Aarhus;2024M01;Kontanthjælp;Jobparat;6.000.000;10",
            "Antal personer",
            "6.000.000",
            f"større end Danmarks befolkning ({DK_POPULATION} personer)",
        ),
        (
            "Aarhus;2024M01;Kontanthjælp;Jobparat;10;6.000.000",
            "Fuldtidspersoner",
            "6.000.000",
            "større end Danmarks befolkning",
        ),
    ],
)
def test_impossible_counts_are_refused_on_both_routes(con, write_file, route, line, column, value, message):
    good = "Aarhus;2024M02;Kontanthjælp;Jobparat;12;10,5"
    path = both_routes(write_file, "extract", jobindsats_form(good, line))[route == "staged"]
    problems = rejected(con, path)
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [(path.name, 3, column, value)]
    assert message in problems[0].message
    assert str(problems[0]).startswith(f"{path.name}, række 3, kolonne '{column}', værdi '{value}': ")


@pytest.mark.parametrize("route", ["direct", "staged"])
@pytest.mark.parametrize("value", ["1e3", "1_000", "+12", "12,", "1.0e1"])
def test_a_count_not_plainly_written_is_refused_not_read(con, write_file, route, value):
    """A database cast reads all of these as numbers (1000, 1000, 12, 12 …): a count is a plain whole number."""
    good = "Aarhus;2024M02;Kontanthjælp;Jobparat;12;10,5"
    path = both_routes(
        write_file, "extract", jobindsats_form(good, f"Aarhus;2024M01;Kontanthjælp;Jobparat;{value};10")
    )[route == "staged"]
    problems = rejected(con, path)
    assert [(p.row, p.column, p.value) for p in problems] == [(3, "Antal personer", value)]
    assert problems[0].message.startswith("forventede et antal skrevet som et helt tal, fx 1234 eller 1.234")


def test_the_same_thousands_dot_is_1000_in_a_jobindsats_file_and_refused_as_ambiguous_in_a_point_file(con, write_file):
    """'1.000' is 1.000 where decimals are commas (jobindsats' ';' files), and either 1 or 1.000 where they are
    points (a ',' file): never silently 1."""
    semicolon = write_file("semikolon.csv", jobindsats_form("Aarhus;2024M01;Kontanthjælp;Jobparat;1.000;10"))
    comma = write_file(
        "komma.csv",
        "Område,Periode,Ydelse,Visitationskategori,Antal personer,Fuldtidspersoner\n"
        "Aarhus,2024M02,Kontanthjælp,Jobparat,1.000,10\n"
        "Aarhus,2024M03,Kontanthjælp,Jobparat,1000,10.5\n"
        "Aarhus,2024M04,Kontanthjælp,Jobparat,12.0,10.5\n",
    )
    problems = rejected(con, comma)
    assert [(p.row, p.column, p.value) for p in problems] == [(2, "Antal personer", "1.000")]
    assert problems[0].message.startswith("tvetydigt antal: i en fil med decimalpunktum kan 1.000 både betyde 1 og")
    loader.load(semicolon, source="test", con=con)
    assert con.execute("select value from visitation where measure = 'persons'").fetchall() == [(1000,)]
    # Plainly written, the point file loads: 1000 and a pandas-style 12.0.
    fixed = write_file("komma_rettet.csv", comma.read_text(encoding="utf-8").replace(",1.000,", ",1000,"))
    loader.load(fixed, source="test", con=con)
    assert sorted(v for (v,) in con.execute("select value from visitation where measure = 'persons'").fetchall()) == [
        12,
        1000,
        1000,
        1000,
    ]


def test_a_count_as_large_as_denmark_is_still_possible(con, write_file):
    """The bound is the population itself, from the reference data, not a guess below it."""
    text = jobindsats_form(f"Hele landet;2024M01;Kontanthjælp;Jobparat;{DK_POPULATION};10")
    assert loader.load(write_file("all.csv", text), source="test", con=con).route == "direct"


@pytest.mark.parametrize("route", ["direct", "staged"])
def test_shares_lie_between_0_and_100_on_both_routes(con, write_file, route):
    text = (
        "\ufeffOmråde;Periode;Ydelse;Visitationskategori;Andel (pct.);Fuldtidspersoner i pct. af arbejdsstyrken\n"
        "Aarhus;2024M01;Kontanthjælp;Jobparat;55,5;1,2\n"
        "Aarhus;2024M02;Kontanthjælp;Jobparat;100,5;1,2\n"
        "Aarhus;2024M03;Kontanthjælp;Jobparat;50;-0,1\n"
    )
    path = both_routes(write_file, "shares", text)[route == "staged"]
    problems = rejected(con, path)
    assert [(p.row, p.column, p.value, p.message) for p in problems] == [
        (3, "Andel (pct.)", "100,5", "andel uden for 0-100 (pct.)"),
        (4, "Fuldtidspersoner i pct. af arbejdsstyrken", "-0,1", "andel uden for 0-100 (pct.)"),
    ]


def test_minus_zero_is_stored_as_zero_on_both_routes(warehouse, write_file, tmp_path):
    text = jobindsats_form(
        "Aarhus;2024M01;Kontanthjælp;Jobparat;-0;-0,0", "Aarhus;2024M01;Kontanthjælp;Aktivitetsparat;3;2,5"
    )
    routes = []
    for i, path in enumerate(both_routes(write_file, "zero", text)):
        con = connect(tmp_path / f"w{i}.duckdb")
        try:
            routes.append(loader.load(path, source="test", con=con).route)
            values = con.execute("select value from visitation where category = 'jobparat'").fetchall()
            summed = con.execute("select value from agg_visitation where category = 'jobparat'").fetchall()
        finally:
            con.close()
        assert len(values) == 2 and len(summed) == 2
        # -0.0 == 0.0 in Python: the sign is what tells a stored "-0" apart.
        assert all(v == 0 and math.copysign(1.0, v) == 1.0 for (v,) in values + summed), values + summed
    assert routes == ["direct", "staged"]


# --- totals and their parts ------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["direct", "staged"])
@pytest.mark.parametrize(
    "total, column, message",
    [
        (
            "10;30",
            "Antal personer",
            "totalen ('I alt' for Visitationskategori) er mindre end summen af delene (10 < 12)",
        ),
        # Full-time persons: 28 against 20 + 10,4 is more than the parts' rounding can explain.
        (
            "12;28",
            "Fuldtidspersoner",
            "totalen ('I alt' for Visitationskategori) er mindre end summen af delene (28 < 30,4)",
        ),
    ],
)
def test_a_total_below_its_parts_is_refused_on_both_routes(con, write_file, route, total, column, message):
    text = jobindsats_form(
        "Aarhus;2024M01;Kontanthjælp;Jobparat;6;20",
        f"Aarhus;2024M01;Kontanthjælp;I alt;{total}",
        "Aarhus;2024M01;Kontanthjælp;Aktivitetsparat;6;10,4",
    )
    path = both_routes(write_file, "totals", text)[route == "staged"]
    problems = rejected(con, path)
    assert [(p.row, p.column, p.value) for p in problems] == [(3, column, total.split(";")[column != "Antal personer"])]
    assert problems[0].message.startswith(message)


def test_a_total_above_its_parts_loads_and_stays_a_total(con, write_file):
    """Suppressed parts make a total larger than what is shown; it is kept as the total, never added in."""
    text = jobindsats_form(
        "Aarhus;2024M01;Kontanthjælp;I alt;100;90,5",
        "Aarhus;2024M01;Kontanthjælp;Jobparat;40;35",
        "Aarhus;2024M01;Kontanthjælp;Aktivitetsparat;..;..",
        # Full-time persons within rounding: 30 against 20,2 + 10,4.
        "Aarhus;2024M02;Kontanthjælp;I alt;12;30",
        "Aarhus;2024M02;Kontanthjælp;Jobparat;6;20,2",
        "Aarhus;2024M02;Kontanthjælp;Aktivitetsparat;6;10,4",
    )
    assert loader.load(write_file("totals.csv", text), source="test", con=con).route == "direct"
    assert con.execute(
        "select value from visitation where period = '2024M01' and category = 'i_alt' and measure = 'persons'"
    ).fetchall() == [(100.0,)]
    # The pages' figures add the parts, never the total: 40 (the suppressed part is missing, not 0).
    assert con.execute(
        "select sum(value), bool_or(suppressed) from agg_visitation where period = '2024M01' and measure = 'persons'"
    ).fetchall() == [(40.0, True)]
    assert integrity.check(con) == []


def test_persons_over_longer_periods_and_subgroups_are_not_parts_that_add_up(con, write_file):
    """Over a quarter one person can be in two categories; Herkomst's subgroups are inside their group."""
    text = (
        "Område;Periode;Ydelse;Herkomst;Visitationskategori;Antal personer\n"
        "Aarhus;2024Q01;Kontanthjælp;Herkomst i alt;I alt;10\n"
        "Aarhus;2024Q01;Kontanthjælp;Herkomst i alt;Jobparat;6\n"
        "Aarhus;2024Q01;Kontanthjælp;Herkomst i alt;Aktivitetsparat;6\n"
        "Aarhus;2024M01;Kontanthjælp;Herkomst i alt;Jobparat;100\n"
        "Aarhus;2024M01;Kontanthjælp;Personer med dansk oprindelse;Jobparat;60\n"
        "Aarhus;2024M01;Kontanthjælp;Indvandrere og efterkommere;Jobparat;40\n"
        "Aarhus;2024M01;Kontanthjælp;Indvandrere og efterkommere fra vestlige lande;Jobparat;10\n"
        "Aarhus;2024M01;Kontanthjælp;Indvandrere og efterkommere fra ikke-vestlige lande;Jobparat;30\n"
    )
    loader.load(write_file("quarter.csv", text), source="test", con=con)
    assert integrity.check(con) == []


def test_a_total_below_its_parts_in_shared_citizens_is_refused(con, write_file):
    text = (
        "Område;Periode;Forvaltning;Målgruppe;Matchgruppe;Antal personer\n"
        "København;2007M11;Fælles borgere;Handicappede;Matchgruppe 4;65\n"
        "København;2007M11;Fælles borgere;Handicappede;Matchgruppe 5;32\n"
        "København;2007M11;Fælles borgere;Handicappede;I alt;90\n"
    )
    problems = rejected(con, write_file("shared.csv", text))
    assert [(p.row, p.column, p.value) for p in problems] == [(4, "Antal personer", "90")]
    assert problems[0].message.startswith("totalen ('I alt' for Matchgruppe) er mindre end summen af delene (90 < 97)")


# --- check on a warehouse loaded before the rules ------------------------------------------------


@pytest.mark.process
def test_check_finds_impossible_figures_an_older_load_left(warehouse, write_file):
    text = (
        "Område;Periode;Ydelse;Visitationskategori;Antal personer;Fuldtidspersoner;Andel (pct.)\n"
        "Aarhus;2024M01;Kontanthjælp;I alt;20;16;100\n"
        "Aarhus;2024M01;Kontanthjælp;Jobparat;8;6;40\n"
        "Aarhus;2024M01;Kontanthjælp;Aktivitetsparat;12;10;60\n"
    )
    con = connect(warehouse)
    try:
        first = loader.load(write_file("old.csv", text), source="test", con=con)
        loader.load(
            write_file(
                "shared.csv",
                "Område;Periode;Forvaltning;Målgruppe;Matchgruppe;Antal personer\n"
                "Aarhus;2024M01;Fælles borgere;Handicappede;Matchgruppe 4;5\n",
            ),
            source="test",
            con=con,
        )
        assert integrity.check(con) == []
        # What the code before these rules let in, written straight into the facts as it would have been.
        con.execute("update visitation_lines set persons = 1234.5 where category = 'jobparat'")
        con.execute("update visitation_lines set share_pct = 120 where category = 'aktivitetsparat'")
        con.execute("update visitation_lines set full_time_persons = 7000000 where category = 'i_alt'")
        con.execute("update fact_match_group set persons = 6500000")
        aggregates.reaggregate(con)
        found = integrity.check(con)
    finally:
        con.close()
    assert found == [
        "fact_visitation: 1 gældende værdier i 'Antal personer' bryder reglen \"forventede et helt antal: et antal "
        f"kan ikke have decimaler\" (fx Aarhus 2024M01: 1.234,5, indlæsning {first.load_id} 'old.csv')",
        "fact_visitation: 1 gældende værdier i 'Fuldtidspersoner' bryder reglen \"tallet er for stort til at være et "
        f'antal: det er større end Danmarks befolkning ({DK_POPULATION} personer)" (fx Aarhus 2024M01: '
        f"7.000.000, indlæsning {first.load_id} 'old.csv')",
        "fact_visitation: 1 gældende værdier i 'Andel af modtagerne (pct.)' bryder reglen \"andel uden for 0-100 "
        f"(pct.)\" (fx Aarhus 2024M01: 120, indlæsning {first.load_id} 'old.csv')",
        "fact_match_group: 1 gældende værdier i 'Antal personer' bryder reglen \"tallet er for stort til at være et "
        f'antal: det er større end Danmarks befolkning ({DK_POPULATION} personer)" (fx Aarhus 2024M01: '
        f"6.500.000, indlæsning {first.load_id + 1} 'shared.csv')",
        # Persons: the total 20 is below 1.234,5 + 12.
        "fact_visitation: 1 totaler ('I alt') er mindre end summen af deres dele (fx Aarhus 2024M01, "
        "Visitationskategori, Antal personer: 20 < 1.246,5)",
    ]
    out = cli("check", env=os.environ)  # the warehouse fixture points HELHEDSBLIK_WAREHOUSE at it
    assert out.returncode == 1 and "PROBLEMER:" in out.stdout and f"  - {found[0]}\n" in out.stdout


# --- a reload of some measures ---------------------------------------------------------------------

HALF_YEAR = [f"2024M0{m}" for m in range(1, 7)]


@pytest.mark.process
def test_review_and_cli_say_which_measures_stay_from_which_load(tmp_path):
    env = {**os.environ, "HELHEDSBLIK_WAREHOUSE": str(tmp_path / "w.duckdb"), "HELHEDSBLIK_USER": "ana"}
    both = tmp_path / "fil.csv"
    both.write_text(
        HEADER
        + "".join(f"Aarhus;{p};Kontanthjælp;Jobparat;10;8,5\n" for p in HALF_YEAR)
        + "Randers;2024M01;Kontanthjælp;Jobparat;4;3\n",
        encoding="utf-8",
    )
    persons = "Område;Periode;Ydelse;Visitationskategori;Antal personer\n" + "".join(
        f"Aarhus;{p};Kontanthjælp;Jobparat;11\n" for p in HALF_YEAR
    )
    out = cli("load", str(both), env=env)
    assert out.returncode == 0, out.stderr
    said = "Fuldtidspersoner for Aarhus 2024M01–2024M06 bliver stående fra indlæsning 1 (fil.csv)"
    con = connect(tmp_path / "w.duckdb")
    try:
        review = uploads.review(con, "personer.csv", persons.encode("utf-8"))
    finally:
        con.close()
    assert review.ok
    assert review.replaces == ["perioderne 2024M01–2024M06 for Aarhus erstattes: 6 rækker", said]
    (tmp_path / "personer.csv").write_text(persons, encoding="utf-8")
    out = cli("load", str(tmp_path / "personer.csv"), env=env)
    assert out.returncode == 0, out.stderr
    assert f"  {said}\n" in out.stdout
    assert "Randers" not in out.stdout  # only where the new figures land


def test_a_load_of_every_measure_keeps_nothing(con, write_file):
    loader.load(write_file("a.csv", HEADER + "Aarhus;2024M01;Kontanthjælp;Jobparat;10;8,5\n"), source="test", con=con)
    again = loader.load(
        write_file("b.csv", HEADER + "Aarhus;2024M01;Kontanthjælp;Jobparat;11;9\n"), source="test", con=con
    )
    assert again.kept == [] and again.replaced_rows == 2


# --- the synthetic demo and real figures -----------------------------------------------------------

DEMO = "Område;Periode;Ydelse;Alder;Visitationskategori;Antal personer;Fuldtidspersoner\n" + "".join(
    f"{area};{period};{benefit};{age};{cat};{n};{n - 1}\n"
    for area in ("Aarhus", "Randers")
    for period in ("2024M01", "2024M02")
    for benefit in ("Kontanthjælp", "Uddannelseshjælp")
    for age in ("Under 30 år", "30 år og derover")
    for cat, n in (("Jobparat", 50), ("Aktivitetsparat", 70))
)
REAL = "Område;Periode;Ydelse;Visitationskategori;Antal personer\nAarhus;2024M01;Kontanthjælp;Jobparat;12\n"
BY_SOURCE = "select area, period, source, count(*) from visitation group by all order by all"


def test_real_figures_set_the_demo_aside_for_their_areas_and_periods(con, write_file):
    loader.load(write_file("demo.csv", DEMO), source=config.DEMO_SOURCE, con=con)
    before = con.execute("select * from visitation order by all").fetchall()
    review = uploads.review(con, "real.csv", REAL.encode("utf-8"))
    # Every demo figure for Aarhus 2024M01 (both benefits, ages, measures) goes, not only the persons it carries.
    assert review.replaces == ["perioden 2024M01 for Aarhus erstattes: 16 rækker"]
    real = loader.load(write_file("real.csv", REAL), source="upload (app)", con=con)
    assert real.replaced_rows == 16 and real.kept == []
    assert con.execute(BY_SOURCE).fetchall() == [
        ("Aarhus", "2024M01", "upload (app)", 1),
        ("Aarhus", "2024M02", config.DEMO_SOURCE, 16),
        ("Randers", "2024M01", config.DEMO_SOURCE, 16),
        ("Randers", "2024M02", config.DEMO_SOURCE, 16),
    ]
    assert integrity.check(con) == []
    loader.undo(con, real.load_id)
    assert con.execute("select * from visitation order by all").fetchall() == before
    assert integrity.check(con) == []


def test_a_demo_load_never_adds_to_real_figures(con, write_file):
    shared = "Område;Periode;Forvaltning;Målgruppe;Matchgruppe;Antal personer\n"
    real = loader.load(write_file("real.csv", REAL), source="upload (app)", con=con)
    real_shared = loader.load(
        write_file("shared.csv", shared + "Aarhus;2024M01;Fælles borgere;Handicappede;Matchgruppe 4;5\n"),
        source="upload (app)",
        con=con,
    )
    demo = loader.load(write_file("demo.csv", DEMO), source=config.DEMO_SOURCE, con=con)
    # Another administration than the real figures': a reload's scope would not reach it; the demo rule does.
    demo_shared = loader.load(
        write_file(
            "demo_shared.csv",
            shared
            + "Aarhus;2024M01;Jobcenter (BIF);Handicappede;Matchgruppe 4;5\n"
            + "Randers;2024M01;Fælles borgere;Handicappede;Matchgruppe 4;7\n",
        ),
        source=config.DEMO_SOURCE,
        con=con,
    )
    assert demo.replaced_rows == 0 and demo_shared.replaced_rows == 0
    assert con.execute(BY_SOURCE).fetchall() == [
        ("Aarhus", "2024M01", "upload (app)", 1),
        ("Aarhus", "2024M02", config.DEMO_SOURCE, 16),
        ("Randers", "2024M01", config.DEMO_SOURCE, 16),
        ("Randers", "2024M02", config.DEMO_SOURCE, 16),
    ]
    assert con.execute("select area, administration, persons, source from match_groups order by all").fetchall() == [
        ("Aarhus", "both", 5, "upload (app)"),
        ("Randers", "both", 7, config.DEMO_SOURCE),
    ]
    assert integrity.check(con) == []
    # Undoing the real figures brings the demo's in their place.
    loader.undo(con, real.load_id)
    loader.undo(con, real_shared.load_id)
    assert ("Aarhus", "2024M01", config.DEMO_SOURCE, 16) in con.execute(BY_SOURCE).fetchall()
    assert con.execute("select area, administration, persons from match_groups order by all").fetchall() == [
        ("Aarhus", "jobcenter", 5),
        ("Randers", "both", 7),
    ]
    assert integrity.check(con) == []


def test_a_demo_loaded_again_over_real_figures_comes_back_once_when_they_are_undone(con, write_file):
    real = loader.load(write_file("real.csv", REAL), source="upload (app)", con=con)
    first = loader.load(write_file("demo.csv", DEMO), source=config.DEMO_SOURCE, con=con)
    again = loader.load(
        write_file("demo_again.csv", DEMO.replace(";50;49", ";51;50")), source=config.DEMO_SOURCE, con=con
    )
    assert integrity.check(con) == []
    demo_rows = (
        "select load_id, count(*) from visitation where area = 'Aarhus' and period = '2024M01' "
        "group by all order by all"
    )
    loader.undo(con, real.load_id)
    assert con.execute(demo_rows).fetchall() == [(again.load_id, 16)]
    assert integrity.check(con) == []
    loader.undo(con, again.load_id)
    assert con.execute(demo_rows).fetchall() == [(first.load_id, 16)]
    assert integrity.check(con) == []


def test_undoing_a_demo_load_over_real_figures_leaves_them_alone(con, write_file):
    real = loader.load(write_file("real.csv", REAL), source="upload (app)", con=con)
    loader.load(write_file("demo.csv", DEMO), source=config.DEMO_SOURCE, con=con)
    again = loader.load(
        write_file("demo_again.csv", DEMO.replace(";50;49", ";51;50")), source=config.DEMO_SOURCE, con=con
    )
    loader.undo(con, again.load_id)
    assert con.execute(
        "select load_id, count(*) from visitation where area = 'Aarhus' and period = '2024M01' group by all"
    ).fetchall() == [(real.load_id, 1)]
    assert integrity.check(con) == []


def test_undoing_one_real_load_leaves_the_demo_aside_where_another_remains(con, write_file):
    demo = loader.load(write_file("demo.csv", DEMO), source=config.DEMO_SOURCE, con=con)
    first = loader.load(write_file("real.csv", REAL), source="upload (app)", con=con)
    second = loader.load(
        write_file("real_udd.csv", REAL.replace("Kontanthjælp", "Uddannelseshjælp")), source="upload (app)", con=con
    )
    loader.undo(con, first.load_id)
    assert con.execute(BY_SOURCE).fetchall()[0] == ("Aarhus", "2024M01", "upload (app)", 1)
    assert integrity.check(con) == []
    loader.undo(con, second.load_id)
    assert con.execute(
        "select load_id, count(*) from visitation where area = 'Aarhus' and period = '2024M01' group by all"
    ).fetchall() == [(demo.load_id, 16)]
    assert integrity.check(con) == []


def test_check_finds_demo_beside_real_figures_from_before(con, write_file):
    loader.load(write_file("demo.csv", DEMO), source=config.DEMO_SOURCE, con=con)
    real = loader.load(write_file("real.csv", REAL), source="upload (app)", con=con)
    # As loads before this rule left it: the demo's full-time persons (and other rows) still current.
    con.execute(
        "update visitation_lines set full_time_persons_replaced_by = null, persons_replaced_by = null "
        "where persons_replaced_by = ? and not (benefit = 'kontanthjaelp' and category = 'jobparat')",
        [real.load_id],
    )
    aggregates.reaggregate(con)
    assert integrity.check(con) == [
        "fact_visitation: syntetisk demo står ved siden af rigtige tal for 1 områder og perioder (fx Aarhus 2024M01); "
        "fortryd demoens indlæsninger og indlæs den igen (python -m pipelines demo)"
    ]


def test_the_built_warehouse_keeps_no_demo_beside_the_published_figures(built_warehouse):
    con = connect(built_warehouse, read_only=True)
    try:
        sources = con.execute(
            "select distinct source from visitation where area = 'Hjørring' "
            "and period in ('2014M06', '2015M06', '2016M10')"
        ).fetchall()
        demo_months = con.execute(
            "select count(distinct period) from visitation where area = 'Hjørring' "
            "and source = ? and period between '2014M01' and '2016M12'",
            [config.DEMO_SOURCE],
        ).fetchall()
    finally:
        con.close()
    assert sources == [(config.SEED_SOURCE,)]
    assert demo_months == [(36 - 3,)]  # the demo still covers every other month
