"""The council report as an A4 PDF, typeset by Typst from ``report.typ``.

Typst (the ``typst`` package: the compiler in a wheel, no TeX installation, no browser) gives real typography:
Danish hyphenation, running headers with the municipality, page numbers "Side 2 af 14", tables whose header
repeats across pages, and charts embedded as vector SVG. The report's data go to the template as JSON, so no
text from the data is ever read as Typst markup.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

import typst

from pipelines.config import DEMO_SOURCE
from presentation import export
from presentation.report_model import Report

TEMPLATE = Path(__file__).resolve().parent / "report.typ"
# The charts are drawn this wide (pixels) and scaled to the text block (170 mm): their text comes out at ~9 pt.
CHART_WIDTH = 600
# A chart never takes more of the text block's height than this (a tall heatmap is narrowed to fit instead).
MAX_CHART_HEIGHT_PT = 520.0
TEXT_WIDTH_PT = (210 - 40) / 25.4 * 72  # A4 minus the 2 cm margins
_SIZE = re.compile(r'<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"')


def _svg_width_pct(svg: bytes) -> float:
    """How wide (in % of the text block) the chart may be drawn so that its height stays on the page."""
    found = _SIZE.search(svg[:2000].decode("utf-8", "replace"))
    if not found:
        return 100.0
    width, height = float(found.group(1)), float(found.group(2))
    full_height = TEXT_WIDTH_PT * height / width
    return 100.0 if full_height <= MAX_CHART_HEIGHT_PT else round(100.0 * MAX_CHART_HEIGHT_PT / full_height, 1)


def chart_svgs(report: Report) -> list[bytes]:
    """Each chart of the report as SVG, without the caption (the report prints it under the chart as text)."""
    return [export.chart_svg(f.chart, "", width=CHART_WIDTH) for f in report.all_figures]


def document(report: Report, *, front: bool, appendix: bool, files: list[str], widths: list[float]) -> dict:
    """The JSON the template reads: the report's text, each chart's file and width."""
    charts = iter(zip(files, widths, strict=True))
    sections = []
    for section in report.sections:
        data = asdict(section)
        data["figures"] = []
        for figure in section.figures:
            file, width = next(charts)
            data["figures"].append(
                {"file": file, "width": width, "caption": figure.caption, "alt": figure.alt, "demo": figure.demo}
            )
        sections.append(data)
    return {
        "title": report.title,
        "area": report.area,
        "period": report.period,
        "span": report.span,
        "made": report.made,
        "freshness": report.freshness,
        "comparison": report.comparison or "–",
        "demo": report.demo,
        "demo_source": DEMO_SOURCE,
        "front": front,
        "appendix": appendix,
        "sections": sections,
        "sources": [asdict(s) for s in report.sources],
        "definitions": [list(d) for d in report.definitions],
    }


def render(report: Report, *, front: bool = True, appendix: bool = True, svgs: list[bytes] | None = None) -> bytes:
    """The PDF. ``front`` and ``appendix`` are off for a page's own section ("Hent rapport" on a page)."""
    svgs = chart_svgs(report) if svgs is None else svgs
    with tempfile.TemporaryDirectory(prefix="helhedsblik-rapport-") as folder:
        root = Path(folder)
        files = []
        for i, svg in enumerate(svgs):
            name = f"figur-{i + 1}.svg"
            (root / name).write_bytes(svg)
            files.append(name)
        widths = [_svg_width_pct(svg) for svg in svgs]
        data = document(report, front=front, appendix=appendix, files=files, widths=widths)
        (root / "report.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        shutil.copyfile(TEMPLATE, root / "report.typ")
        return typst.compile(str(root / "report.typ"), root=str(root), format="pdf")
