"""The Data section, the sections by page, and what the appendix and a batch of reports need."""

from __future__ import annotations


import polars as pl

import queries
from presentation import charts
from presentation import report_text as text
from presentation.formatting import fmt_int
from presentation.report_model import Section
from presentation.sections._common import Choice, _figure
from presentation.sections.citizens import activation, shared_citizens, summary, visitation
from presentation.sections.efforts import benchmark, caseload, investment_section


# --- Data ----------------------------------------------------------------------------------------------------


def data_section(c: Choice) -> Section:
    cover = queries.coverage(c.area)
    loads = queries.loads_list()
    figures = []
    if not cover.is_empty():
        figures.append(
            _figure(
                charts.coverage(cover, "Rækker efter type og år", c.name),
                queries.freshness_sources(),
                None,
                None,
                "Varmekort over antal rækker efter datatype og år.",
                "",
            )
        )
    table = text.table(
        "Indlæsninger",
        loads,
        {
            "load_id": "Nr.",
            "kind_label": "Type",
            "rows": "Rækker",
            "loaded_at": "Indlæst",
            "source": "Kilde",
            "period_from": "Fra",
            "period_to": "Til",
        },
    )
    return Section("Data", "Hvad lageret indeholder, og hvor data dækker.", [], figures, [table])


# --- what the appendix needs ---------------------------------------------------------------------------------


def load_dates() -> dict[tuple[str, str], str]:
    """(extract kind, source) -> the newest load's date, for the appendix's sources per figure."""
    loads = queries.loads_list()
    out: dict[tuple[str, str], str] = {}
    for kind, source, loaded in loads.select("kind", "source", "loaded_at").iter_rows():
        key = (kind, source)
        shown = text.fmt_date(loaded.date()) if loaded else "–"
        if key not in out:  # newest first
            out[key] = shown
    return out


def source_label(source: str) -> str:
    return queries.source_label(source) or source


def freshness() -> dict:
    return queries.freshness()


def published_at():
    return queries.published().published_at


SECTIONS = {
    "faelles_borgere": shared_citizens,
    "visitation": visitation,
    "aktivering": activation,
    "sagstal": caseload,
    "investering": investment_section,
    "benchmark": benchmark,
}
EXTRA_SECTIONS = {"overblik": summary, "data": data_section}


def guidance_lines(c: Choice) -> list[str]:
    """DS' caseload guidance as the report's appendix lists it: "Integration: 35–50 sager"."""
    rows = queries.guidance(c.caseload_preset)
    return [
        f"{label}: {fmt_int(low)}–{fmt_int(high)} sager pr. sagsbehandler"
        for label, low, high in rows.select("guidance_label", "low", "high").iter_rows()
    ]


def break_lines() -> list[str]:
    return [f"{b['label']} ({text.month(b['date'])})" for b in queries.series_breaks()]


def municipalities() -> list[str]:
    """The 98 municipalities' codes (not the country, not the regions), for a batch of reports."""
    return queries.areas().filter(pl.col("area_type") == "kommune")["area_code"].to_list()


def forget() -> None:
    """Drop the query results and charts kept for the pages: a batch of reports asks each municipality once, so
    keeping them would only grow the process (the app's caches are bounded by entries, not by municipalities)."""
    import streamlit as st

    st.cache_data.clear()
    charts.forget()


def default_months() -> tuple[str, str]:
    """The period the app opens on: from its default first month (or the first with data) to the current month."""
    from presentation.filters import DEFAULT_FIRST

    first, last, current = queries.month_bounds()
    start = DEFAULT_FIRST if first and first <= DEFAULT_FIRST else first or DEFAULT_FIRST
    return start, current or last or start


def other_areas() -> list[str]:
    """The country's and the regions' codes: a report can be made for them too, but they are not in "all"."""
    return queries.areas().filter(pl.col("area_type") != "kommune")["area_code"].to_list()
