"""Helhedsblik: the router. Every page lives in pages/; this file only lists them and runs the chosen one."""

from pathlib import Path

import streamlit as st

from presentation import errors
from presentation.formatting import plain

# The icon is a file of ours: a material icon here makes every page fetch its picture from an outside font host.
st.set_page_config(
    page_title="Helhedsblik", page_icon=Path(__file__).parent / "presentation" / "icon.svg", layout="wide"
)

# The default page is served at "/" (url_path ""), which leaves "/overblik" free for the alias below.
OVERBLIK = st.Page("pages/overblik.py", title="Overblik", icon=":material/dashboard:", url_path="", default=True)
PAGES = [
    OVERBLIK,
    st.Page("pages/faelles_borgere.py", title="Fælles borgere", icon=":material/group:", url_path="faelles-borgere"),
    st.Page("pages/visitation.py", title="Visitation", icon=":material/stacked_line_chart:", url_path="visitation"),
    st.Page("pages/aktivering.py", title="Aktivering", icon=":material/directions_run:", url_path="aktivering"),
    st.Page("pages/sagstal.py", title="Sagstal", icon=":material/work:", url_path="sagstal"),
    st.Page("pages/investering.py", title="Investering", icon=":material/savings:", url_path="investering"),
    st.Page("pages/benchmark.py", title="Benchmark", icon=":material/leaderboard:", url_path="benchmark"),
    st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data"),
]

# "/overblik", the address the page's name suggests, opens Overblik at "/" with the same filters rather than
# Streamlit's English "Page not found".
ALIASES = [
    st.Page(
        lambda: st.switch_page(OVERBLIK, query_params=st.query_params.to_dict()),
        title="Overblik",
        url_path="overblik",
        visibility="hidden",
    )
]


def unknown_address() -> str | None:
    """A mistyped address ("/aktivring"): its name, after steering this run to Overblik instead of Streamlit's English
    "Page not found" dialog (shown by the browser whenever navigation finds no page of that name). Streamlit 1.67 has
    no setting for it: the run's intended page name is cleared before ``st.navigation`` resolves it, which then
    opens the default page; the page itself says in Danish what happened. Any change there leaves Streamlit's own
    behaviour (the dialog), never an error."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    try:
        manager = get_script_run_ctx().pages_manager
        name = manager.intended_page_name
        if not name or manager.intended_page_script_hash or name in {p.url_path for p in PAGES + ALIASES}:
            return None
        manager.set_script_intent("", "")
        return name
    except AttributeError:
        return None


missing = unknown_address()
chosen = st.navigation(PAGES + ALIASES)
if missing:
    st.warning(
        f"Der findes ingen side med adressen »/{plain(missing)}«. Her er Overblik; vælg en anden side i "
        "menuen til venstre.",
        icon=":material/link_off:",
    )
errors.run_page(chosen)
