"""Data: what is loaded, with provenance, and where the data cover."""

import streamlit as st

import queries
from presentation import charts, filters, page

st.title("Data")
choice = filters.sidebar_filters()

st.header("Indlæsninger")
page.table(queries.loads_list(), {"load_id": "Nr.", "file_name": "Fil", "kind": "Type", "rows": "Rækker",
                                  "replaced_rows": "Erstattede rækker", "loaded_at": "Indlæst",
                                  "loaded_by": "Af", "source": "Kilde", "period_from": "Fra", "period_to": "Til"})

st.header("Dækning")
whole = st.toggle("Hele lageret", value=False, help="Alle områder i stedet for den valgte kommune.")
area_code = "*" if whole else choice.area
cover = queries.coverage(area_code)
if cover.is_empty():
    page.no_data("indlæste data", queries.area_name(choice.area))
else:
    page.chart(charts.coverage(cover, "Rækker efter type og år",
                               "Alle områder" if whole else queries.area_name(choice.area)), cover,
               alt="Varmekort over antal rækker efter datatype og år.",
               caption_text=page.caption(queries.freshness_sources()), key="coverage",
               table_columns={"kind_label": "Type", "area": "Område", "year": "År", "rows": "Rækker"})
