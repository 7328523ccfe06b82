"""The council report ("Rapport til udvalget"): one municipality, period and set of options in, a ``Report`` out.

``report_pdf`` and ``report_docx`` lay the same ``Report`` out as A4 PDF (Typst) and Word. The figures come
from ``sections`` (the one module that talks to the queries); the sentences from ``report_text``.
"""

from __future__ import annotations

import re
from datetime import date

from pipelines.config import DEMO_SOURCE
from pipelines.investment_model import REFUSION_STEPS
from presentation import export, sections
from presentation.formatting import fmt_date, fmt_datetime, fmt_int
from presentation.report_model import Report, Section, Source
from presentation.sections import Choice

__all__ = ["Choice", "build", "PAGE_SECTIONS"]

# The order of the report's sections, as the app's menu orders the pages.
ORDER = ("faelles_borgere", "visitation", "aktivering", "sagstal", "investering", "benchmark")
# A page's "Hent rapport": the page's own section, with the summary's key figures on Overblik.
PAGE_SECTIONS = {
    "Overblik": "overblik",
    "Fælles borgere": "faelles_borgere",
    "Visitation": "visitation",
    "Aktivering": "aktivering",
    "Sagstal": "sagstal",
    "Investering": "investering",
    "Benchmark": "benchmark",
    "Data": "data",
}


def _definitions(choice: Choice) -> list[tuple[str, str]]:
    steps = ", ".join(
        f"uge {first}–{last}: {fmt_int(100 * rate)} %" if last else f"fra uge {first}: {fmt_int(100 * rate)} %"
        for first, last, rate in REFUSION_STEPS
    )
    return [
        (
            "Visitationskategorier",
            "Siden 2014 visiteres modtagere af kontanthjælp mv. som jobparate, aktivitetsparate, uddannelsesparate "
            "eller åbenlyst uddannelsesparate. Aktivitetsparate er længst fra arbejdsmarkedet.",
        ),
        (
            "Matchgrupper",
            "Før 2014 blev modtagerne inddelt i matchgrupper: 1-5 til 2009, derefter jobklar, indsatsklar og "
            "midlertidigt passiv (2010-2013). Matchgruppe 4-5 svarer nogenlunde til de aktivitetsparate; "
            "grupperne vises hver for sig og lægges ikke sammen med visitationskategorierne. Brud i serierne: "
            + "; ".join(sections.break_lines())
            + ".",
        ),
        (
            "DS' vejledende sagstal",
            "Dansk Socialrådgiverforenings anbefalede bånd for antal sager pr. sagsbehandler ("
            + sections.queries.GUIDANCE_PRESETS[choice.caseload_preset]
            + "): "
            + "; ".join(sections.guidance_lines(choice))
            + ".",
        ),
        (
            "Refusionstrappen",
            "Staten refunderer en del af kommunens udgift til forsørgelse efter, hvor længe borgeren har været på "
            f"ydelse (refusionsreformen 2016): {steps}. Kommunens nettoudgift er resten.",
        ),
        (
            "Benchmark (jobindsats y30r21)",
            "Beskæftigelsesministeriets model beregner, hvor mange fuldtidspersoner på offentlig forsørgelse "
            "kommunen kan forventes at have ud fra sine rammevilkår. Faktisk minus forventet under 0 betyder færre "
            "på forsørgelse end forventet; placering 1 ligger længst under det forventede.",
        ),
        (
            "Små tal",
            f"Antal fra 1 til {export.SMALL_COUNT_THRESHOLD - 1} personer vises som "
            f"»{export.SMALL_COUNT_LABEL}« af hensyn til diskretion, i rapporten som i alle Helhedsbliks eksporter. "
            "Et tal, der mangler (undertrykt i kilden), står som »–« og er aldrig 0.",
        ),
        (
            "Syntetiske demodata",
            f"Tal med kilden »{DEMO_SOURCE}« er syntetiske demodata, som viser, hvordan Helhedsblik virker. De er "
            "ikke rigtige tal og må ikke bruges som grundlag for beslutninger.",
        ),
    ]


def _sources(report_sections: list[Section]) -> list[Source]:
    loaded = sections.load_dates()
    out = []
    for section in report_sections:
        for figure in section.figures:
            title = _chart_title(figure.chart) or section.title
            names = ", ".join(sections.source_label(s) for s in figure.sources) or "–"
            dates = sorted({loaded[(figure.kind, s)] for s in figure.sources if (figure.kind, s) in loaded})
            out.append(Source(f"{section.title}: {title}", names, ", ".join(dates) or "beregnet i Helhedsblik"))
    return out


def _chart_title(chart) -> str:
    title = getattr(chart, "title", None)
    text = getattr(title, "text", title)
    return text if isinstance(text, str) else ""


def build(choice: Choice, only: str | None = None, today: date | None = None) -> Report:
    """The whole report, or with ``only`` one page's section (a page's "Hent rapport")."""
    if only is None:
        summary = sections.summary(choice)
        body = [sections.SECTIONS[key](choice) for key in ORDER]
    elif only == "overblik":
        summary, body = sections.summary(choice), []
    else:
        make = sections.SECTIONS.get(only) or sections.EXTRA_SECTIONS[only]
        summary, body = None, [make(choice)]
    every = ([summary] if summary else []) + body
    fresh = sections.freshness()
    demo = (
        any(f.demo for s in every for f in s.figures)
        or any(k.demo for s in every for k in s.key_figures)
        or bool(fresh.get("has_demo") and only is None)
    )
    latest = (
        f"; seneste indlæsning {fmt_datetime(fresh['latest_loaded_at'])} ({fresh['latest_source']})"
        if fresh.get("latest_loaded_at") is not None
        else ""
    )
    compared = [sections.queries.area_name(a) for a in choice.areas if a != choice.area]
    return Report(
        area=choice.name,
        area_code=choice.area,
        period=sections.month_label(choice.last),
        span=sections.span(choice),
        made=fmt_date(today or date.today()),
        freshness=f"Offentliggjort {fmt_datetime(sections.published_at())}{latest}.",
        comparison=", ".join(compared),
        demo=demo,
        sections=every,
        sources=_sources(every),
        definitions=_definitions(choice) if only is None else [],
        title="Rapport til udvalget" if only is None else f"Helhedsblik: {every[0].title}",
    )


FORMATS = ("pdf", "docx")
MIME = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def render(report: Report, formats=FORMATS, *, whole: bool = True) -> dict[str, bytes]:
    """The report in each of ``formats``. Each chart is drawn once (vl-convert, SVG for the PDF); Word's PNG is
    rasterised from that SVG rather than drawn again. ``whole`` False: a page's section, without the front page
    and the appendix."""
    from presentation import report_docx, report_pdf

    svgs = report_pdf.chart_svgs(report)
    out = {}
    if "pdf" in formats:
        out["pdf"] = report_pdf.render(report, front=whole, appendix=whole, svgs=svgs)
    if "docx" in formats:
        pngs = [export.png_from_svg(svg) for svg in svgs]
        out["docx"] = report_docx.render(report, front=whole, appendix=whole, pngs=pngs)
    return out


def file_name(area: str, area_code: str, suffix: str, period: str, page: str | None = None) -> str:
    """rapport-aarhus-2026M09.pdf (a page's section: aktivering-aarhus-2026M09.pdf): ASCII, so it survives every
    mail system and file share."""
    name = area.lower()
    for danish, plain in (("æ", "ae"), ("ø", "oe"), ("å", "aa")):
        name = name.replace(danish, plain)
    slug = re.sub(r"[^a-z0-9]+", "-", name).strip("-") or area_code
    return f"{(page or 'rapport').replace('_', '-')}-{slug}-{period}.{suffix}"
