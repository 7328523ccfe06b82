"""Overblik: the chosen municipality's key figures against a year earlier and the country."""

import streamlit as st

import queries
from presentation import filters, page
from presentation.formatting import fmt_date

page.start("Overblik")
choice = filters.sidebar_filters()
area = queries.area_name(choice.area)
st.caption(f"{area}, {filters.month_label(choice.last)}. Ændring fra samme måned året før; landstal i hjælpeteksten.")

kpis = queries.overview(choice.area, choice.last, "ds_aktuel")
for column, kpi in zip(st.columns(len(kpis)), kpis):
    page.kpi_card(column, kpi, choice.link(kpi.page))

fresh = queries.freshness()
if fresh["latest_loaded_at"] is not None:
    st.caption(f"Seneste indlæsning: {fresh['latest_file']} ({fresh['latest_source']}), "
               f"{fmt_date(fresh['latest_loaded_at'].date())} · {fresh['loads']} indlæsninger i alt.")
if fresh.get("has_demo"):
    st.info("Lageret indeholder syntetiske demodata for alle kommuner. De offentliggjorte tal (København 2007, "
            "Hjørring, Aabenraa, DS) er markeret med deres kilde.")

page.report_button("Overblik")
