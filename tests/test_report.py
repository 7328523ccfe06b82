"""The council report ("Rapport til udvalget") as a committee secretary gets it: the PDF read back with poppler
(pdfinfo, pdftotext, pdftoppm), the Word file opened with python-docx, and the CLI run for one municipality."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import polars as pl
import pytest
import streamlit as st
from PIL import Image

import queries
from presentation import page, report, report_text, sections
from presentation.report import Choice
from tests.helpers import DEMO_UNTIL

ROOT = Path(__file__).resolve().parent.parent
AREA = "751"  # Aarhus
FIRST = "2012M01"
A4 = (595.276, 841.89)
MARGIN_PT = 2 / 2.54 * 72  # the template's side margins
SECTION_TITLES = ["Sammenfatning", "Fælles borgere", "Visitation", "Aktivering", "Sagstal", "Investering", "Benchmark"]


@pytest.fixture(scope="module")
def report_warehouse(built_warehouse, tmp_path_factory):
    """A copy of the built warehouse (seed and demo) that the queries read, outside any Streamlit run."""
    path = tmp_path_factory.mktemp("report") / "warehouse.duckdb"
    shutil.copy(built_warehouse, path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HELHEDSBLIK_WAREHOUSE", str(path))
        queries.snapshot_reader.clear()
        st.cache_data.clear()
        yield path
        queries.snapshot_reader.clear()
        st.cache_data.clear()


@pytest.fixture(scope="module")
def aarhus(report_warehouse, tmp_path_factory):
    """Aarhus's whole report for the demo's last month, in both formats, written to disk as a user saves it."""
    built = report.build(Choice(AREA, FIRST, DEMO_UNTIL))
    files = report.render(built)
    folder = tmp_path_factory.mktemp("aarhus")
    (folder / "rapport.pdf").write_bytes(files["pdf"])
    (folder / "rapport.docx").write_bytes(files["docx"])
    return built, folder / "rapport.pdf", folder / "rapport.docx"


def pages_of(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    n = pages_of(pdf)
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", str(n), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]


def page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True)
    return text.stdout.split("\f")[: pages_of(pdf)]


def flat(text: str) -> str:
    """Text as read, whatever the line breaks: a word hyphenated at a line's end is joined again."""
    return " ".join(re.sub(r"[-\u00ad]\n(?=[a-zæøå])", "", text).split())


# --- the PDF -------------------------------------------------------------------------------------------------


def test_every_page_is_a4_portrait(aarhus):
    _, pdf, _ = aarhus
    sizes = page_sizes(pdf)
    assert len(sizes) == pages_of(pdf) >= 1 + len(SECTION_TITLES) + 1  # front, sections, appendix
    for width, height in sizes:
        assert abs(width - A4[0]) < 1 and abs(height - A4[1]) < 1


def test_every_header_names_the_municipality_and_the_pages_are_numbered(aarhus):
    built, pdf, _ = aarhus
    texts = page_texts(pdf)
    for number, text in enumerate(texts, start=1):
        assert text.lstrip().startswith(f"{built.area} · Rapport til udvalget · september 2026"), number
        assert f"Side {number} af {len(texts)}" in text


def test_key_figures_are_written_exactly_as_overblik_shows_them(aarhus):
    built, pdf, _ = aarhus
    summary = flat(page_texts(pdf)[1])  # the page after the front page
    kpis = queries.overview(AREA, DEMO_UNTIL, "ds_aktuel")
    assert len(kpis) == 5
    laid_out = subprocess.run(
        ["pdftotext", "-layout", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for kpi in kpis:
        shown = page.format_value(kpi.value, kpi.unit)  # the card's own formatter
        line = next(line for line in laid_out if line.strip().startswith(kpi.label))
        assert line.rstrip().endswith(f"  {shown}"), (kpi.label, line)  # the value beside its label
        if (delta := page.kpi_delta(kpi)) is not None:
            assert f"Fra året før: {delta}" in summary
        if kpi.national is not None:
            assert f"Hele landet: {page.format_value(kpi.national, kpi.unit)}" in summary
    # Each is followed by its sentence, made from the same numbers.
    not_ready = next(k for k in kpis if k.key == "not_ready")
    assert (
        f"Andelen af aktivitetsparate (ikke jobparate) modtagere er {page.format_value(not_ready.value, 'pct')},"
        in (summary)
    )


def test_sources_periods_and_the_demo_mark_are_in_the_pdf(aarhus):
    built, pdf, _ = aarhus
    texts = page_texts(pdf)
    whole = flat("\n".join(texts))
    assert "Syntetiske demodata" in flat(texts[0])  # on the front page
    assert "ikke rigtige tal" in flat(texts[0])
    for figure in built.all_figures:
        assert flat(figure.caption) in whole  # source · period under every chart
    # Aarhus's charts draw only the demo: no caption names the published figures (the country's 2017 yearly
    # figure, never drawn, used to be counted).
    assert not any("offentliggjorte tal" in figure.caption for figure in built.all_figures)
    appendix = flat(texts[-1]) if "Definitioner" in texts[-1] else flat("\n".join(texts[-2:]))
    assert "Kilder og indlæsning pr. figur" in appendix
    for source in built.sources:
        assert flat(source.figure) in appendix
    for term in ("Visitationskategorier", "Matchgrupper", "DS' vejledende sagstal", "Refusionstrappen", "Små tal"):
        assert term in appendix


def test_each_section_has_its_heading_and_names_the_breaks_it_crosses(aarhus):
    built, pdf, _ = aarhus
    whole = flat("\n".join(page_texts(pdf)))
    for number, title in enumerate(SECTION_TITLES, start=1):
        assert f"{number}. {title}" in whole
    visitation = next(s for s in built.sections if s.title == "Visitation")
    assert any("Visitationskategorier 2014 (januar 2014)" in note for note in visitation.notes)
    assert flat(visitation.notes[0]) in whole


def test_rendered_pages_are_neither_empty_nor_overflowing(aarhus, tmp_path):
    """Every page drawn by pdftoppm: ink in the body, and none beside the text block; every word on the page."""
    _, pdf, _ = aarhus
    dpi = 40
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(pdf), str(tmp_path / "side")], check=True)
    images = sorted(tmp_path.glob("side-*.pgm"))
    assert len(images) == pages_of(pdf)
    scale = dpi / 72
    left, right = (MARGIN_PT - 3) * scale, (A4[0] - MARGIN_PT + 3) * scale
    top, bottom = 2.3 / 2.54 * 72 * scale, (A4[1] - 2 / 2.54 * 72) * scale  # between header and footer
    for number, path in enumerate(images, start=1):
        image = Image.open(path).point(lambda v: 255 if v < 200 else 0)  # ink white, paper black
        width, height = image.size
        body = image.crop((0, int(top), width, int(bottom)))
        box = body.getbbox()
        assert box is not None, f"page {number} is empty"
        assert body.histogram()[255] > 200, f"page {number} is all but empty"
        assert box[0] >= left and box[2] <= right, f"page {number}: something is drawn beside the text block {box}"
    # And no word lies outside the page (pdftotext's word boxes, in points).
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words = re.findall(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)', html)
    assert words
    for x0, y0, x1, y1, word in words:
        assert float(x0) >= MARGIN_PT - 3 and float(x1) <= A4[0] - MARGIN_PT + 3, word
        assert float(y0) >= 0 and float(y1) <= A4[1], word


def test_a_page_report_is_its_own_section_on_a4(report_warehouse, tmp_path):
    built = report.build(Choice(AREA, FIRST, DEMO_UNTIL), only="visitation")
    pdf = tmp_path / "side.pdf"
    pdf.write_bytes(report.render(built, ("pdf",), whole=False)["pdf"])
    texts = page_texts(pdf)
    assert all(abs(w - A4[0]) < 1 and abs(h - A4[1]) < 1 for w, h in page_sizes(pdf))
    assert texts[0].lstrip().startswith("Aarhus · Helhedsblik: Visitation")
    assert "Bilag" not in "".join(texts) and "Rapport til udvalget" not in "".join(texts)
    assert len(built.all_figures) == 2  # the page's own chart and its comparison


# --- small counts --------------------------------------------------------------------------------------------


SMALL_ISLANDS = ["563", "825", "741", "492"]  # Fanø, Læsø, Samsø, Ærø: where counts under 5 are likely


def _area_with_a_small_count() -> tuple[str, str, pl.DataFrame]:
    codes = queries.areas()["area_code"].to_list()
    for code in [c for c in SMALL_ISLANDS if c in codes] + codes:
        periods = queries.match_group_periods(code).filter(pl.col("period") <= DEMO_UNTIL)
        if periods.is_empty():
            continue
        matrix = queries.shared_citizens(code, periods["period"][0]).matrix
        small = matrix.filter(pl.col("persons").is_between(1, 4))
        if small.height:
            return code, periods["period"][0], small
    raise AssertionError("the demo has no shared-citizen count from 1 to 4 to test the rule on")


def test_counts_from_1_to_4_are_written_as_under_5(report_warehouse, tmp_path):
    code, _, small = _area_with_a_small_count()
    built = report.build(Choice(code, FIRST, DEMO_UNTIL), only="faelles_borgere")
    files = report.render(built, whole=False)
    table = built.sections[0].tables[0]
    rows = {row[0]: dict(zip(table.columns, row, strict=True)) for row in table.rows}
    for cell in small.iter_rows(named=True):
        assert rows[cell["row_label"]][cell["col_label"]] == "<5"
    # No count cell of the table holds 1-4, in the model, in Word or in the PDF's table and chart.
    counts = [value for row in table.rows for value in row[1:]]
    assert not {"1", "2", "3", "4"} & set(counts)
    (tmp_path / "r.docx").write_bytes(files["docx"])
    word = docx.Document(str(tmp_path / "r.docx")).tables[0]
    word_counts = [c.text for row in word.rows[1:] for c in row.cells[1:]]
    assert word_counts == counts
    (tmp_path / "r.pdf").write_bytes(files["pdf"])
    text = "\n".join(page_texts(tmp_path / "r.pdf"))
    assert text.count("<5") >= 2 * small.height  # the heatmap's cell and the table's
    # Key figures that are counts follow the rule too, without the change that would give them away.
    assert report_text.small(3) == "<5" and report_text.small(0) == "0" and report_text.small(None) == "–"
    few = queries.Kpi("recipients", "Modtagere i alt", 3.0, 9.0, 85744.0, "antal", "visitation")
    shown = sections.overview_figure(few, "Læsø", demo=True)
    assert (shown.value, shown.change) == ("<5", "") and "3" not in shown.sentence


# --- Word ----------------------------------------------------------------------------------------------------


def test_word_file_has_headings_tables_and_one_image_per_chart(aarhus):
    built, _, path = aarhus
    document = docx.Document(str(path))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [f"{n}. {t}" for n, t in enumerate(SECTION_TITLES, start=1)] + ["Bilag: kilder og definitioner"]
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == ["Rapport til udvalget"]
    assert len(document.inline_shapes) == len(built.all_figures) >= 9
    model_tables = [t for s in built.sections for t in s.tables]
    assert len(document.tables) == len(model_tables) + 1  # and the appendix's sources
    for model, word in zip(model_tables, document.tables, strict=False):
        assert [c.text for c in word.rows[0].cells] == model.columns
        assert [[c.text for c in row.cells] for row in word.rows[1:]] == model.rows
    text = "\n".join(p.text for p in document.paragraphs)
    for kpi in queries.overview(AREA, DEMO_UNTIL, "ds_aktuel"):
        assert f"{kpi.label}: {page.format_value(kpi.value, kpi.unit)}" in text
    assert "Syntetiske demodata" in text
    assert document.sections[0].header.paragraphs[0].text.startswith("Aarhus · Rapport til udvalget")
    # A4 portrait.
    assert round(document.sections[0].page_width.cm, 1) == 21.0
    assert round(document.sections[0].page_height.cm, 1) == 29.7


def test_the_same_figures_are_in_both_formats(aarhus):
    built, pdf, _ = aarhus
    whole = flat("\n".join(page_texts(pdf)))
    caseload = next(s for s in built.sections if s.title == "Sagstal").tables[0]
    for row in caseload.rows:
        assert flat(" ".join(row[2:5])) in whole  # active cases, full-time staff and cases per worker in a row


# --- sentences -----------------------------------------------------------------------------------------------


def test_sentences_follow_the_fixed_templates():
    sentence = report_text.kpi_sentence(
        "not_ready", "Andel ikke jobparate", "69,6 %", 69.6, 69.3, 75.0, "pct", "Aarhus"
    )
    assert sentence == (
        "Andelen af aktivitetsparate (ikke jobparate) modtagere er 69,6 %, 0,3 procentpoint højere end for et år "
        "siden og 5,4 procentpoint under landsgennemsnittet."
    )
    assert report_text.kpi_sentence("recipients", "Modtagere i alt", "8.154", 8154, 8190, 85744, "antal", "Aarhus") == (
        "Antallet af modtagere er 8.154, 36 færre end for et år siden."
    )
    assert "kan ikke opgøres for Aarhus" in report_text.kpi_sentence(
        "activation", "Aktiveringsgrad", "–", None, None, None, "pct", "Aarhus"
    )


# --- the command line ----------------------------------------------------------------------------------------


def test_cli_writes_both_files_for_one_municipality(report_warehouse, tmp_path):
    out = tmp_path / "reports"
    env = {**os.environ, "HELHEDSBLIK_WAREHOUSE": str(report_warehouse)}
    args = ["--area", AREA, "--period", DEMO_UNTIL, "--format", "pdf,docx", "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "pipelines", "report", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["rapport-aarhus-2026M09.docx", "rapport-aarhus-2026M09.pdf"]
    assert "100%" in done.stderr  # the progress bar ran to its end
    assert all(abs(w - A4[0]) < 1 for w, _ in page_sizes(out / "rapport-aarhus-2026M09.pdf"))
    assert docx.Document(str(out / "rapport-aarhus-2026M09.docx")).paragraphs
    bad = subprocess.run(
        [sys.executable, "-m", "pipelines", "report", "--area", "9999", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 2 and "ukendt kommunekode 9999" in bad.stderr
