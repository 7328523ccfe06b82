"""Helhedsblik: the router. Every page lives in app_pages/; this file only lists them and runs the chosen one.

The folder is not called pages/: Streamlit would take such a folder for its legacy page list and, on a freshly
started server, answer a link such as /faelles-borgere with its English "Page not found".
"""

import streamlit as st

from presentation import errors

st.set_page_config(page_title="Helhedsblik", page_icon=":material/insights:", layout="wide")


def page(name: str, title: str, icon: str, url_path: str, **options) -> st.Page:
    return st.Page(f"app_pages/{name}.py", title=title, icon=f":material/{icon}:", url_path=url_path, **options)


# The default page is served at "/" (url_path ""), which leaves "/overblik" free for the alias below.
OVERBLIK = page("overblik", "Overblik", "dashboard", "", default=True)
PAGES = [
    OVERBLIK,
    page("faelles_borgere", "Fælles borgere", "group", "faelles-borgere"),
    page("visitation", "Visitation", "stacked_line_chart", "visitation"),
    page("aktivering", "Aktivering", "directions_run", "aktivering"),
    page("sagstal", "Sagstal", "work", "sagstal"),
    page("investering", "Investering", "savings", "investering"),
    page("benchmark", "Benchmark", "leaderboard", "benchmark"),
    page("data", "Data", "database", "data"),
]

# "/overblik", the address the page's name suggests, opens Overblik at "/" with the same filters rather than
# Streamlit's English "Page not found".
ALIASES = [st.Page(lambda: st.switch_page(OVERBLIK, query_params=st.query_params.to_dict()), title="Overblik",
                   url_path="overblik", visibility="hidden")]

errors.run_page(st.navigation(PAGES + ALIASES))
