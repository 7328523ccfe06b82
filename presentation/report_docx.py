"""The council report as a Word document (python-docx), for the civil servant who pastes it into a
sagsfremstilling: real Word headings (Overskrift 1/2), tables as Word tables, charts as PNG images and every
sentence as editable text. The same ``Report`` as the PDF, so both hold the same words and figures."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from pipelines.config import DEMO_SOURCE
from presentation import export
from presentation.report_model import KeyFigure, Report, Section, Table

CHART_WIDTH = 600  # pixels, as in the PDF; the image is placed at the text block's width
TEXT_WIDTH = Cm(17)
DEMO_RED = RGBColor(0xB0, 0x00, 0x20)
MUTED = RGBColor(0x55, 0x55, 0x55)


def chart_pngs(report: Report) -> list[bytes]:
    return [export.chart_png(f.chart, "", scale=2.0, width=CHART_WIDTH) for f in report.all_figures]


def _danish(document) -> None:
    """Danish as the document's language (spelling and hyphenation in Word), A4 with 2 cm margins."""
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    fonts = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "da-DK")
    lang.set(qn("w:eastAsia"), "da-DK")
    fonts.append(lang)
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin, section.bottom_margin = Cm(2.3), Cm(2)


def _small(paragraph, text: str, colour=MUTED, size: float = 8.5, bold: bool = False):
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.color.rgb = colour
    run.bold = bold
    return run


def _header_footer(document, report: Report) -> None:
    section = document.sections[0]
    header = section.header.paragraphs[0]
    _small(header, f"{report.area} · {report.title} · {report.period}")
    if report.demo:
        _small(header, "\t\tSyntetiske demodata", DEMO_RED, bold=True)
    footer = section.footer.paragraphs[0]
    _small(footer, f"Udarbejdet {report.made} med Helhedsblik\t\tSide ")
    _field(footer, "PAGE")
    _small(footer, " af ")
    _field(footer, "NUMPAGES")


def _field(paragraph, name: str) -> None:
    """A Word field (PAGE, NUMPAGES): the page number or count, kept up to date by Word itself."""
    run = paragraph.add_run()
    run.font.size = Pt(8.5)
    run.font.color.rgb = MUTED
    for kind, text in (("begin", None), (None, name), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _key_figure(document, k: KeyFigure) -> None:
    p = document.add_paragraph()
    p.paragraph_format.space_after = Pt(0)
    label = p.add_run(f"{k.label}: ")
    label.bold = True
    value = p.add_run(k.value)
    value.bold = True
    value.font.size = Pt(13)
    if k.demo:
        _small(p, "  (syntetiske demodata)", DEMO_RED)
    details = [f"Fra året før: {k.change}" if k.change else "", f"Hele landet: {k.national}" if k.national else ""]
    if any(details):
        _small(document.add_paragraph(), " · ".join(d for d in details if d))
    if k.sentence:
        document.add_paragraph(k.sentence)


def _table(document, t: Table) -> None:
    if t.title:
        title = document.add_paragraph()
        title.add_run(t.title).bold = True
        title.paragraph_format.keep_with_next = True
    table = document.add_table(rows=1, cols=len(t.columns))
    table.style = "Light Grid Accent 1"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, name in enumerate(t.columns):
        cell = table.rows[0].cells[i]
        cell.text = ""
        run = cell.paragraphs[0].add_run(name)
        run.bold = True
        run.font.size = Pt(8.5)
    # The header row repeats on every page a long table runs over.
    header_props = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_props.append(repeat)
    for number, row in enumerate(t.rows):
        cells = table.add_row().cells
        for i, value in enumerate(row):
            paragraph = cells[i].paragraphs[0]
            run = paragraph.add_run(value)
            run.font.size = Pt(8.5)
            run.bold = number in t.bold_rows
            if i < len(t.numeric) and t.numeric[i]:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if t.note:
        _small(document.add_paragraph(), t.note, size=7.5)


def _section(document, s: Section, number: int | None, pngs, new_page: bool) -> None:
    heading = document.add_heading(f"{number}. {s.title}" if number else s.title, level=1)
    # A page break that belongs to the heading: it moves with the section when the text is edited.
    heading.paragraph_format.page_break_before = new_page
    if s.intro:
        _small(document.add_paragraph(), s.intro, size=10)
    if s.empty:
        document.add_paragraph(s.empty)
    for k in s.key_figures:
        _key_figure(document, k)
    for figure in s.figures:
        if figure.demo:
            _small(document.add_paragraph(), "Syntetiske demodata", DEMO_RED, bold=True)
        picture = document.add_paragraph()
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.paragraph_format.keep_with_next = True
        picture.add_run().add_picture(io.BytesIO(next(pngs)), width=TEXT_WIDTH)
        _small(document.add_paragraph(), figure.caption, size=7.5)
    for t in s.tables:
        _table(document, t)
    for note in s.notes:
        document.add_paragraph().add_run(note).italic = True


def render(report: Report, *, front: bool = True, appendix: bool = True, pngs: list[bytes] | None = None) -> bytes:
    pngs = iter(chart_pngs(report) if pngs is None else pngs)
    document = Document()
    _danish(document)
    document.core_properties.title = f"{report.title}, {report.area}"
    document.core_properties.author = "Helhedsblik"
    document.core_properties.language = "da-DK"
    _header_footer(document, report)
    if front:
        document.add_heading(report.title, level=0)
        document.add_paragraph().add_run(report.area).font.size = Pt(20)
        for label, value in (
            ("Periode", f"{report.period} (figurer over tid: {report.span})"),
            ("Sammenlignet med", report.comparison or "–"),
            ("Udarbejdet", report.made),
            ("Data", report.freshness),
        ):
            p = document.add_paragraph()
            p.add_run(f"{label}: ").bold = True
            p.add_run(value)
        if report.demo:
            p = document.add_paragraph()
            _small(p, "Syntetiske demodata. ", DEMO_RED, size=12, bold=True)
            p.add_run(
                f"Tal i rapporten, der er mærket med kilden »{DEMO_SOURCE}«, er syntetiske demodata og ikke rigtige "
                "tal. De viser, hvordan Helhedsblik virker, og må ikke bruges som grundlag for beslutninger."
            )
    for i, s in enumerate(report.sections, start=1):
        _section(document, s, i if front else None, pngs, new_page=front or i > 1)
    if appendix:
        heading = document.add_heading("Bilag: kilder og definitioner", level=1)
        heading.paragraph_format.page_break_before = True
        document.add_heading("Kilder og indlæsning pr. figur", level=2)
        _table(
            document,
            Table(
                "",
                ["Figur", "Kilde", "Indlæst"],
                [[s.figure, s.sources, s.loaded] for s in report.sources],
                [False, False, False],
            ),
        )
        document.add_heading("Definitioner", level=2)
        for term, meaning in report.definitions:
            p = document.add_paragraph()
            p.add_run(f"{term}. ").bold = True
            p.add_run(meaning)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
