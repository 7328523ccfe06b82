"""Overblik: the chosen municipality's key figures against a year earlier and the country."""

import streamlit as st

import queries
from presentation import charts, filters, page
from presentation.formatting import fmt_count, fmt_date, plain

page.start("Overblik")
choice = filters.sidebar_filters()
area = queries.area_name(choice.area)
st.caption(
    f"{plain(area)}, {filters.month_label(choice.last)} (sidepanelets »Til«). Ændring fra samme måned året før; "
    "landstal i hjælpeteksten. Frekvensen gælder tidsserierne på de andre sider."
)

kpis = queries.overview(choice.area, choice.last, "ds_aktuel")
for place, kpi in zip(page.grid(len(kpis), 3), kpis, strict=True):
    page.kpi_card(place, kpi, choice.link(kpi.page))

# The comparison areas' key figures beside the chosen one's; the country's are in each card's help.
if choice.compare:
    st.subheader("Sammenlignet med andre kommuner")
    labels = {k.key: k.label + (" (pct.)" if k.unit == "pct" else "") for k in kpis}
    page.table(
        queries.overview_comparison(choice.area, choice.compare, choice.last, "ds_aktuel"),
        {"area": "Område", **{key: labels[key] for key in queries.OVERVIEW_COMPARED}},
        marks="marked",
        decimals={"not_ready": 1, "activation": 1, "caseload": 1},
    )
    st.caption(
        f"{plain(filters.month_label(choice.last))}; {plain(area)} markeret med blåt. Sagstal: hver kommunes nyeste "
        "opgørelse til og med måneden (Hele landet har ingen)."
    )

shares = queries.recipients_by_category(choice.area, choice.last)
if shares.is_empty():
    page.no_data("modtagere efter visitationskategori i den valgte måned", area)
else:
    page.chart(
        charts.bar_compare(
            shares,
            "Andel af modtagerne (pct.)",
            f"Modtagere efter visitationskategori, {area}",
            f"{filters.month_label(choice.last)}, sammenlignet med hele landet",
            label_title="Kategori og område",
        ),
        shares,
        alt=f"Andel af modtagerne i hver visitationskategori i {area} og hele landet.",
        caption_text=page.caption(
            queries.visitation_sources((choice.area, queries.NATIONAL), choice.last, choice.last),
            filters.month_label(choice.last),
        ),
        key="categories",
        table_columns={"label": "Kategori og område", "persons": "Personer", "value": "Andel (pct.)"},
        counts=("persons",),
        shares={"value": ("area_code",)},  # each area's categories are the parts of its total (disclosure)
    )

fresh = queries.freshness()
if fresh["latest_loaded_at"] is not None:
    loads = fmt_count(fresh["loads"], "indlæsning", "indlæsninger")
    st.caption(
        f"Seneste indlæsning: {plain(fresh['latest_file'])} ({plain(fresh['latest_source'])}), "
        f"{fmt_date(fresh['latest_loaded_at'].date())} · {loads} i alt."
    )
if fresh.get("has_demo"):
    st.info(
        "Lageret indeholder syntetiske demodata for alle kommuner. De offentliggjorte tal (København 2007, "
        "Hjørring, Aabenraa, DS) er markeret med deres kilde.",
        icon=":material/info:",
    )

page.report_button("Overblik", choice)
