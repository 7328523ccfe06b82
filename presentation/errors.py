"""The one place an error that a page did not handle ends up: the user reads a Danish message, the server log
gets the traceback.

Streamlit would log the traceback itself, but with ``client.showErrorDetails = "none"`` (.streamlit/config.toml)
it shows the user only an English notice. Pages therefore do not catch ``QueryError`` (or anything else) to
hide it: the router runs every page through ``run_page``, which logs and explains each error once.
"""

from __future__ import annotations

import logging
import secrets

import streamlit as st

import queries
from pipelines.snapshots import NotPublished

LOG = logging.getLogger("helhedsblik")
if not LOG.hasHandlers():
    # `streamlit run` sets up handlers for Streamlit's own loggers only; without one of ours an error would
    # reach the server's output through logging's bare last-resort handler, without a time stamp.
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    LOG.addHandler(_handler)
    LOG.setLevel(logging.INFO)

QUERY_FAILED = (
    "Siden kan ikke vises, fordi data ikke kunne hentes fra datalageret. Prøv at genindlæse siden. "
    "Sker det igen, så giv fejl-id {ref} til den, der driver Helhedsblik."
)
NOT_PUBLISHED = (
    "Der er ingen data at vise endnu: datalageret er ikke offentliggjort. Data indlæses på den maskine, "
    "hvor hovedlageret ligger; prøv igen, når det er sket."
)
UNEXPECTED = (
    "Der opstod en uventet fejl, så siden kan ikke vises. Fejlen er skrevet i serverens log. Prøv at "
    "genindlæse siden. Sker det igen, så giv fejl-id {ref} til den, der driver Helhedsblik."
)


def reference() -> str:
    """A short id the user can quote and the operator can find in the log."""
    return secrets.token_hex(4)


def run_page(navigation) -> None:
    """Run the page ``st.navigation`` chose, on one published snapshot held for the whole run; an error it
    raises (opening the snapshot included) is logged with its traceback and explained in Danish, without
    code, paths or the database's wording (those are for the log)."""
    try:
        with queries.reading_snapshot():
            navigation.run()
    except NotPublished as exc:  # an app machine that reads a shared folder before the writer published
        LOG.warning("Nothing published yet: %s", exc)
        st.warning(NOT_PUBLISHED, icon=":material/hourglass_empty:")
    except queries.QueryError as exc:
        ref = reference()
        LOG.error("Fejl-id %s: a query failed on page %r", ref, navigation.title, exc_info=exc)
        st.error(QUERY_FAILED.format(ref=ref), icon=":material/error:")
    except Exception as exc:  # noqa: BLE001 - the deliberate last stop: logged with its traceback, then shown
        ref = reference()
        LOG.error("Fejl-id %s: unexpected error on page %r", ref, navigation.title, exc_info=exc)
        st.error(UNEXPECTED.format(ref=ref), icon=":material/error:")
