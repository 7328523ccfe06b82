"""The server: the app (``app.py``'s pages) plus the route that receives an analyst's upload straight to disk.

``streamlit run serve.py`` (what ``make run`` and the deployment start) serves both; Streamlit finds ``app``
below and runs ``app.py`` for every session. ``streamlit run app.py`` still serves the pages, with Streamlit's
own, slower uploader (``presentation/uploader.py``).
"""

import streamlit as st

from presentation import uploader

app = st.App("app.py", routes=uploader.mount())
