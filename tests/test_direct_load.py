"""The direct path (pipelines/direct.py) loads exactly what the staged path loads, and hands every file
it does not expect to the staged path, which loads it or explains it."""

from __future__ import annotations

import pytest

from pipelines import integrity, loader
from pipelines.warehouse import connect
from tests.helpers import rejected, state

HEADER = "Område;Periode;Ydelse;Køn;Alder;Herkomst;Visitationskategori;Antal personer;Fuldtidspersoner\n"
LINES = [
    "København;2024M01;Kontanthjælp;Mænd;25-29 år;Personer med dansk oprindelse;Jobparat;1.234;1.100,5",
    "København;2024M01;Kontanthjælp;Kvinder;25-29 år;Personer med dansk oprindelse;Jobparat;..;..",
    "København;2024M02;Uddannelseshjælp;Mænd;16 år;Indvandrere fra vestlige lande;Aktivitetsparat;17;-",
    "Aarhus;2024M01;Kontanthjælp;Mænd;30-39 år;Efterkommere fra ikke-vestlige lande;Aktivitetsparat;2.000;1.812,25",
    "101;2023M12;Kontanthjælp;I alt;I alt;Herkomst i alt;Jobparat;12;9,5",
    "Hele landet;2024M01;Kontanthjælp;Kvinder;30-39 år;Personer med dansk oprindelse;Jobparat;98.324;80.001,1",
]
JOBINDSATS_FORM = "\ufeff" + HEADER + "\n".join(LINES) + "\n"

FACTS = (
    "select area_code, period, benefit, gender, age_group, origin, category, measure, value, suppressed "
    "from visitation order by all"
)
AGGREGATE = "select * exclude (source) from agg_visitation order by all"


def _load(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    con = connect(tmp_path / (name + ".duckdb"))
    try:
        result = loader.load(path, source="test", con=con)
        return result, con.execute(FACTS).fetchall(), con.execute(AGGREGATE).fetchall(), integrity.check(con)
    finally:
        con.close()


def test_direct_and_staged_paths_load_the_same_facts(tmp_path):
    direct, facts, agg, findings = _load(tmp_path, "y60a02.csv", JOBINDSATS_FORM.encode("utf-8"))
    # The same extract re-saved in Excel (Windows-1252, no BOM) goes through the staged path.
    staged, facts_staged, agg_staged, _ = _load(tmp_path, "resaved.csv", JOBINDSATS_FORM[1:].encode("cp1252"))
    assert (direct.route, staged.route) == ("direct", "staged")
    assert direct.rows == staged.rows == 2 * len(LINES)
    assert facts == facts_staged
    assert agg == agg_staged
    assert findings == []
    by_key = {(r[0], r[1], r[3], r[6], r[7]): (r[8], r[9]) for r in facts}
    assert by_key[("000", "2024M01", "kvinder", "jobparat", "persons")] == (98324.0, False)
    assert by_key[("751", "2024M01", "maend", "aktivitetsparat", "full_time_persons")] == (1812.25, False)
    assert by_key[("101", "2024M01", "kvinder", "jobparat", "persons")] == (None, True)  # '..' is missing, not 0
    said = "3 rækker har diskretionerede eller tomme værdier ('..', '-'); de indlæses som manglende, aldrig som 0"
    assert said in [w.message for w in direct.warnings] and said in [w.message for w in staged.warnings]


def test_windows_line_endings_take_the_direct_path(con, write_file):
    result = loader.load(write_file("crlf.csv", JOBINDSATS_FORM.replace("\n", "\r\n")), source="test", con=con)
    assert result.route == "direct" and result.rows == 2 * len(LINES)
    assert con.execute(
        "select value from visitation where area_code = '101' and period = '2023M12' and measure = 'full_time_persons'"
    ).fetchall() == [(9.5,)]


def test_identical_file_is_skipped_on_the_direct_path(con, write_file):
    path = write_file("y60a02.csv", JOBINDSATS_FORM)
    first = loader.load(path, source="test", con=con)
    before = state(con)
    again = loader.load(path, source="test", con=con)
    assert first.route == "direct" and again.skipped_identical and again.load_id == first.load_id
    assert state(con) == before


def test_reload_through_the_direct_path_replaces_and_undo_restores(con, write_file):
    first = loader.load(write_file("a.csv", JOBINDSATS_FORM), source="test", con=con)
    changed = JOBINDSATS_FORM.replace(";17;-", ";18;-")
    second = loader.load(write_file("b.csv", changed), source="test", con=con)
    assert second.route == "direct" and second.replaced_rows == first.rows
    persons = "select value from visitation where area_code = '101' and period = '2024M02' and measure = 'persons'"
    assert con.execute(persons).fetchall() == [(18.0,)]
    loader.undo(con, second.load_id)
    assert con.execute(persons).fetchall() == [(17.0,)]
    assert integrity.check(con) == []


def test_common_spellings_load_the_same_facts_by_either_route(tmp_path):
    """Area names without æøå, with "Kommune" or in the genitive, and the app's own month labels: the
    direct route hands such a file to the staged route, which loads exactly what the exact spellings load."""
    loose = (
        JOBINDSATS_FORM.replace("København;2024M01", "Kobenhavn;januar 2024", 1)
        .replace("København;2024M01", "Københavns Kommune;jan. 2024", 1)
        .replace("København;2024M02", "Koebenhavn;Februar 2024", 1)
        .replace("Aarhus;", "Århus Kommune;", 1)
        .replace("101;2023M12", "Kobenhavns kommune;december 2023", 1)
        .replace("Hele landet;", "Hele Landet;", 1)
    )
    assert "\nKøbenhavn;" not in loose and "\nAarhus;" not in loose and "\n101;" not in loose
    exact, facts, agg, _ = _load(tmp_path, "exact.csv", JOBINDSATS_FORM.encode("utf-8"))
    spelt, facts_spelt, agg_spelt, findings = _load(tmp_path, "spelt.csv", loose.encode("utf-8"))
    assert (exact.route, spelt.route) == ("direct", "staged")
    assert facts_spelt == facts and agg_spelt == agg and findings == []


@pytest.mark.parametrize(
    "line, column, message",
    [
        # Spellings the direct path does not know exactly: the staged path normalises them and loads.
        ("københavn kommune;2024M03;kontanthjælp;Mænd;16 år;Indvandrere fra vestlige lande;JOBPARAT;5;4,5", None, None),
        ("København;2024m3;Kontanthjælp;Mænd;16 år;Indvandrere fra vestlige lande;Jobparat;5;4,5", None, None),
        # Real problems: rejected whole, by row and column, by the staged path.
        ("København;2024M01;Kontanthjælp;Mænd;25-29 år;Personer med dansk oprindelse;Jobparat;1;1", None, "dublet"),
        (
            "Gotham;2024M01;Kontanthjælp;Mænd;16 år;Indvandrere fra vestlige lande;Jobparat;5;4,5",
            "Område",
            "ukendt område",
        ),
        (
            "København;2024M01;Kontanthjælp;Mænd;16 år;Indvandrere fra vestlige lande;Matchgruppe 9;5;4,5",
            "Visitationskategori",
            "ukendt værdi",
        ),
        (
            "København;2024M01;Kontanthjælp;Mænd;16 år;Indvandrere fra vestlige lande;Jobparat;1.23;4,5",
            "Antal personer",
            "punktum",
        ),
        (
            "København;2024M01;Kontanthjælp;Mænd;16 år;Indvandrere fra vestlige lande;Jobparat;fem;4,5",
            "Antal personer",
            "ikke et tal",
        ),
        (
            "København;2024M01;Kontanthjælp;Mænd;16 år;Indvandrere fra vestlige lande;Jobparat;-5;4,5",
            "Antal personer",
            "negativt",
        ),
        (
            "København;2024M01;Kontanthjælp;Mænd;16 år;Indvandrere fra vestlige lande;Jobparat;5;NaN",
            "Fuldtidspersoner",
            "ikke et tal",
        ),
        (
            "København;2024M01;Kontanthjælp;Mænd;16 år;Indvandrere fra vestlige lande;Jobparat;inf;4,5",
            "Antal personer",
            "ikke et tal",
        ),
        (
            "København;2024M01;Kontanthjælp;Mænd;16 år;Indvandrere fra vestlige lande;Jobparat;5;-inf",
            "Fuldtidspersoner",
            "ikke et tal",
        ),
        (
            "København;2024M13;Kontanthjælp;Mænd;16 år;Indvandrere fra vestlige lande;Jobparat;5;4,5",
            "Periode",
            "ugyldig periode",
        ),
        (
            "København;2024M01;Kontanthjælp;Mænd;16 år;Indvandrere fra vestlige lande;Jobparat;5",
            None,
            "forkert antal kolonner",
        ),
    ],
)
def test_what_the_direct_path_does_not_take_goes_to_the_staged_path(con, write_file, line, column, message):
    path = write_file("extract.csv", JOBINDSATS_FORM + line + "\n")
    if message is None:
        result = loader.load(path, source="test", con=con)
        assert result.route == "staged" and result.rows == 2 * (len(LINES) + 1)
        assert con.execute(
            "select count(*) from visitation where area_code = '101' and period = '2024M03' "
            "and category = 'jobparat' and measure = 'persons' and value = 5"
        ).fetchall() == [(1,)]
        assert integrity.check(con) == []
        return
    problems = rejected(con, path)
    last_line = len(LINES) + 2
    assert any(
        p.row == last_line and message in p.message and (column is None or p.column == column) for p in problems
    ), problems


def test_the_thousands_dot_rule_is_the_same_on_both_routes(tmp_path):
    """One rule (rules.THOUSANDS_DOT) on both routes: a dotted decimal the staged route reads, the direct route
    reads too, to the same value; a count dotted other than in groups of three ("2.00.000": two digits between
    dots) the direct route hands to the staged route, which refuses it as not plainly written (kinds.py)."""
    odd = JOBINDSATS_FORM.replace(";1.812,25", ";1.81.2,25").replace(";2.000;", ";2.00.000;")
    for name, content in (("odd.csv", odd.encode("utf-8")), ("odd_resaved.csv", odd[1:].encode("cp1252"))):
        with pytest.raises(loader.ExtractRejected) as rejected:
            _load(tmp_path, name, content)
        assert [(p.column, p.value, p.message.split(":")[0]) for p in rejected.value.problems] == [
            (
                "Antal personer",
                "2.00.000",
                "forventede et antal skrevet som et helt tal, fx 1234 eller 1.234 (ikke 1e3, 1_000, +12 eller 12,)",
            ),
            ("Fuldtidspersoner", "1.81.2,25", "punktum i et tal i en fil med decimalkomma"),
        ]
    dotted = JOBINDSATS_FORM.replace(";1.812,25", ";1.812,250")
    direct, facts, _, findings = _load(tmp_path, "dotted.csv", dotted.encode("utf-8"))
    staged, facts_staged, _, _ = _load(tmp_path, "dotted_resaved.csv", dotted[1:].encode("cp1252"))
    assert (direct.route, staged.route) == ("direct", "staged")
    assert facts == facts_staged and findings == []
    assert ("751", "full_time_persons", 1812.25) in {(r[0], r[7], r[8]) for r in facts}


ALL_FACTS = "select * from fact_visitation order by all"  # replaced ones too


def _as_before_lines(con, text_codes: bool) -> None:
    """Turn the warehouse back into the layout of earlier versions: one row per measure in a
    fact_visitation table, with ENUM codes or (before those) text codes."""
    con.execute(
        "create table by_measure as select load_id, replaced_by, area_code, period, benefit, gender, "
        "age_group, origin, category, measure, value, suppressed from fact_visitation"
    )
    con.execute("drop view fact_visitation")
    con.execute("drop table visitation_lines")
    con.execute("alter table by_measure rename to fact_visitation")
    if text_codes:
        for column in ("area_code", "benefit", "gender", "age_group", "origin", "category", "measure"):
            con.execute(f"alter table fact_visitation alter column {column} type varchar")
    con.execute("update meta set value = 'an older version' where key = 'reference_version'")


@pytest.mark.parametrize("text_codes", [False, True], ids=["enum codes", "text codes"])
def test_a_warehouse_with_a_row_per_measure_is_upgraded_in_place(warehouse, write_file, text_codes):
    """Warehouses built before the lines keep their loads and replacements, and undo still works."""
    con = connect(warehouse)
    loader.load(write_file("y60a02.csv", JOBINDSATS_FORM), source="test", con=con)
    second = loader.load(
        write_file(
            "persons.csv",
            "Område;Periode;Ydelse;Køn;Alder;Herkomst;Visitationskategori;"
            "Antal personer\n" + ";".join(LINES[0].split(";")[:-1]).replace("1.234", "1.300") + "\n",
        ),
        source="test",
        con=con,
    )
    assert second.replaced_rows == 2  # persons of both København January lines (area, period, benefit)
    facts, all_facts = con.execute(FACTS).fetchall(), con.execute(ALL_FACTS).fetchall()
    _as_before_lines(con, text_codes)
    con.close()
    con = connect(warehouse)
    try:
        types = dict(
            con.execute(
                "select column_name, data_type from duckdb_columns() where table_name = 'visitation_lines'"
            ).fetchall()
        )
        assert all(types[c].startswith("ENUM") for c in ("area_code", "category", "benefit"))
        assert "fact_visitation" not in {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        assert con.execute(FACTS).fetchall() == facts
        assert con.execute(ALL_FACTS).fetchall() == all_facts
        assert integrity.check(con) == []
        loader.undo(con, second.load_id)
        assert con.execute(
            "select value from visitation where area = 'København' and period = '2024M01' "
            "and gender = 'maend' and measure = 'persons'"
        ).fetchall() == [(1234.0,)]
        assert integrity.check(con) == []
    finally:
        con.close()


def _review(con, path, max_rows=None):
    """An upload's review of ``path``: the Validation, read-only on ``con`` (as the app's snapshot is)."""
    return loader.validate(con, path, max_rows=max_rows)


def test_an_upload_is_reviewed_and_loaded_by_the_direct_route_as_the_staged_route_would(con, write_file):
    from pipelines import uploads

    # Earlier figures: full-time persons for Copenhagen's January, which the new file does not carry there.
    earlier = write_file(
        "earlier.csv",
        HEADER + "København;2024M01;Kontanthjælp;Mænd;25-29 år;Personer med dansk oprindelse;Jobparat;1.200;1.000\n",
    )
    loader.load(earlier, source="upload i appen", con=con)
    persons_only = [";".join(line.split(";")[:-1]) for line in LINES]
    content = HEADER.replace(";Fuldtidspersoner", "") + "\n".join(persons_only) + "\n"
    direct_file = write_file("y60a02.csv", content.encode("utf-8"))
    staged_file = write_file("resaved.csv", content.encode("cp1252"))  # Excel's re-save: the staged route

    direct, staged = _review(con, direct_file), _review(con, staged_file)
    assert direct.staged is None and staged.staged is not None  # which route reviewed which file
    for field in ("ok", "rows", "lines", "figures", "areas", "periods", "replaces", "kept"):
        assert getattr(direct, field) == getattr(staged, field), field
    assert [w.message for w in direct.warnings] == [w.message for w in staged.warnings]
    assert direct.lines == 6 and direct.figures == 6 and direct.replaces == [("København", "2024M01", "2024M01", 1)]
    assert direct.kept == ["Fuldtidspersoner for København 2024M01 bliver stående fra indlæsning 1 (earlier.csv)"]
    assert direct.preview["Område"].to_list()[:2] == ["København", "København"]
    assert direct.preview["Række"].to_list()[0] == 2 and "Antal personer" in direct.preview.columns

    before = state(con)
    review = uploads.review(con, "y60a02.csv", direct_file.read_bytes())
    assert review.ok and review.lines == 6 and state(con) == before  # a review writes nothing
    result = loader.load(direct_file, source=uploads.UPLOAD_SOURCE, con=con, pending=True)
    assert result.route == "direct" and result.rows == 6


def test_the_upload_line_limit_holds_on_the_direct_route(con, write_file):
    from pipelines.errors import ExtractRejected

    path = write_file("y60a02.csv", JOBINDSATS_FORM)
    message = "filen har for mange linjer; grænsen er 5 linjer (indlæs større udtræk med kommandolinjen)"
    with pytest.raises(ExtractRejected) as review:
        _review(con, path, max_rows=5)
    assert [(p.value, p.message) for p in review.value.problems] == [("6", message)]
    before = state(con)
    with pytest.raises(ExtractRejected) as load:
        loader.load(path, source="upload i appen", con=con, max_rows=5, pending=True)
    assert [(p.value, p.message) for p in load.value.problems] == [("6", message)] and state(con) == before


def test_a_rejected_upload_is_rejected_by_its_load_too_and_changes_nothing(con, write_file):
    from pipelines import uploads
    from pipelines.errors import ExtractRejected

    bad = (HEADER + LINES[0] + "\n" + LINES[0] + "\n").encode("utf-8")  # one line twice: the staged route says so
    review = uploads.review(con, "dobbelt.csv", bad)  # the review that loads nothing (a fetch's)
    assert not review.ok
    before = state(con)
    with pytest.raises(ExtractRejected) as load:  # an upload's review: its load, kept pending
        loader.load(write_file("dobbelt.csv", bad), source=uploads.UPLOAD_SOURCE, con=con, pending=True)
    assert [p.message for p in load.value.problems] == [p.message for p in review.problems]
    assert state(con) == before
