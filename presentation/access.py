"""Who may change data: analysts upload and undo, managers only look.

Roles come, in this order, from Streamlit's OIDC login (``[auth]`` in secrets) with an allow-list
of analyst e-mails (``analysts = [...]`` in secrets), or from an analyst passphrase
(``HELHEDSBLIK_ANALYST_PASSPHRASE`` or ``analyst_passphrase`` in secrets). With neither, the app runs
in an open local mode and says so. The decision is made on the server for every run, so no URL or
query parameter can reach the analyst controls.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from pipelines import config
from presentation.formatting import plain

ANALYST, MANAGER = "analytiker", "leder"
_UNLOCKED = "_analyst_unlocked"


@dataclass(frozen=True)
class Access:
    role: str
    user: str
    mode: str  # oidc, passphrase or open

    @property
    def is_analyst(self) -> bool:
        return self.role == ANALYST


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except StreamlitSecretNotFoundError:
        return {}


def _passphrase(secrets: dict) -> str | None:
    return os.environ.get("HELHEDSBLIK_ANALYST_PASSPHRASE") or secrets.get("analyst_passphrase")


def _check_passphrase() -> None:
    entered = st.session_state.get("_passphrase_input", "")
    expected = _passphrase(_secrets()) or ""
    # Constant-time comparison: the time taken says nothing about how much of the guess was right.
    st.session_state[_UNLOCKED] = bool(entered) and hmac.compare_digest(entered.encode(), expected.encode())
    st.session_state["_passphrase_failed"] = bool(entered) and not st.session_state[_UNLOCKED]
    st.session_state["_passphrase_input"] = ""


def _lock() -> None:
    st.session_state[_UNLOCKED] = False


def sidebar_access() -> Access:
    """Show the login state in the sidebar and return the user's role."""
    secrets = _secrets()
    side = st.sidebar
    if "auth" in secrets:
        if not getattr(st.user, "is_logged_in", False):
            side.button("Log ind", on_click=st.login)
            return Access(MANAGER, "ikke logget ind", "oidc")
        email = str(st.user.get("email") or "")
        analysts = {str(e).lower() for e in secrets.get("analysts", [])}
        role = ANALYST if email.lower() in analysts else MANAGER
        side.caption(f"Logget ind som {plain(email)} ({role}).")
        side.button("Log ud", on_click=st.logout)
        return Access(role, email, "oidc")
    if _passphrase(secrets):
        if st.session_state.get(_UNLOCKED):
            side.caption("Analytikeradgang er åben i denne session.")
            side.button("Luk analytikeradgang", on_click=_lock)
            return Access(ANALYST, "analytiker (adgangskode)", "passphrase")
        side.text_input("Adgangskode for analytikere", type="password", key="_passphrase_input",
                        on_change=_check_passphrase)
        if st.session_state.get("_passphrase_failed"):
            side.error("Forkert adgangskode.")
        return Access(MANAGER, "leder", "passphrase")
    side.caption("Åben lokal tilstand: der er ikke sat login eller adgangskode op, så alle kan indlæse og fortryde "
                 "data. Sæt HELHEDSBLIK_ANALYST_PASSPHRASE for at begrænse det til analytikere.")
    return Access(ANALYST, config.current_user(), "open")
