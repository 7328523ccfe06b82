"""Helhedsblik: the router. Every page lives in pages/; this file only lists them and runs the chosen one."""

import streamlit as st

from presentation import errors

st.set_page_config(page_title="Helhedsblik", page_icon=":material/insights:", layout="wide")

PAGES = [
    st.Page("pages/overblik.py", title="Overblik", icon=":material/dashboard:", url_path="overblik", default=True),
    st.Page("pages/faelles_borgere.py", title="Fælles borgere", icon=":material/group:", url_path="faelles-borgere"),
    st.Page("pages/visitation.py", title="Visitation", icon=":material/stacked_line_chart:", url_path="visitation"),
    st.Page("pages/aktivering.py", title="Aktivering", icon=":material/directions_run:", url_path="aktivering"),
    st.Page("pages/sagstal.py", title="Sagstal", icon=":material/work:", url_path="sagstal"),
    st.Page("pages/investering.py", title="Investering", icon=":material/savings:", url_path="investering"),
    st.Page("pages/benchmark.py", title="Benchmark", icon=":material/leaderboard:", url_path="benchmark"),
    st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data"),
]

errors.run_page(st.navigation(PAGES))
