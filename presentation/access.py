"""Who may change data: analysts upload and undo, managers only look.

Roles come, in this order, from Streamlit's OIDC login (``[auth]`` in secrets) with an allow-list
of analyst e-mails (``analysts = [...]`` in secrets), or from an analyst passphrase
(``HELHEDSBLIK_ANALYST_PASSPHRASE`` or ``analyst_passphrase`` in secrets). With neither, the app runs
in an open local mode and says so. The decision is made on the server for every run, so no URL or
query parameter can reach the analyst controls.

Wrong passphrases cost time: after each failure the next attempt is refused, unchecked, for a growing
wait (1, 2, 4, 8 s), and from the fifth failure in a row for minutes. The count is kept per session and,
process-wide, per client address, so a new session from the same address starts where the last one
stopped. Nobody's server thread sleeps: an attempt made too early is simply not checked.
"""

from __future__ import annotations

import hmac
import logging
import math
import re
import threading
import time
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from pipelines import config
from presentation.formatting import fmt_count, plain

ANALYST, MANAGER = "analytiker", "leder"
_UNLOCKED = "_analyst_unlocked"
_NAME = "_analyst_name"
_NAME_INPUT = "_analyst_name_input"
_PASSPHRASE_INPUT = "_passphrase_input"
_MESSAGE = "_passphrase_message"
_STRIKES = "_passphrase_strikes"
NAME_MAX = 40
UNLOCK_BUTTON = "_analyst_unlock"

DELAYS = (1, 2, 4, 8)  # seconds before the next attempt is checked, after the 1st, 2nd … failure in a row
LOCKOUT_AFTER = 5  # from this failure in a row on, each failure locks for LOCKOUT_SECONDS
LOCKOUT_SECONDS = 300
FORGET_AFTER = 3600  # a run of failures this old starts over
LOCAL_CLIENT = "lokal"  # Streamlit gives no address for localhost (and for a proxy on the same machine)

LOG = logging.getLogger("helhedsblik.access")


@dataclass(frozen=True)
class Access:
    role: str
    user: str
    mode: str  # oidc, passphrase or open

    @property
    def is_analyst(self) -> bool:
        return self.role == ANALYST


@dataclass
class Strikes:
    """Failed passphrase attempts in a row and until when the next attempt is refused (monotonic seconds)."""

    failures: int = 0
    last: float = 0.0
    until: float = 0.0

    def wait(self, now: float) -> float:
        return max(0.0, self.until - now)

    def fail(self, now: float) -> None:
        if now - self.last > FORGET_AFTER:
            self.failures = 0
        self.failures += 1
        self.last = now
        locked = self.failures >= LOCKOUT_AFTER
        self.until = now + (LOCKOUT_SECONDS if locked else DELAYS[min(self.failures, len(DELAYS)) - 1])


class FailureTable:
    """Strikes per key (a client address), shared by every session of the process; thread-safe."""

    MAX_KEYS = 10_000

    def __init__(self):
        self._lock = threading.Lock()
        self._strikes: dict[str, Strikes] = {}

    def wait(self, key: str, now: float | None = None) -> tuple[float, int]:
        """Seconds before an attempt from ``key`` is checked again, and its failures in a row."""
        now = time.monotonic() if now is None else now
        with self._lock:
            strikes = self._strikes.get(key)
            return (strikes.wait(now), strikes.failures) if strikes else (0.0, 0)

    def fail(self, key: str, now: float | None = None) -> tuple[float, int]:
        """Record a failure from ``key``; returns the new wait and failures in a row."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._strikes) >= self.MAX_KEYS:
                self._forget(now)
            strikes = self._strikes.setdefault(key, Strikes())
            strikes.fail(now)
            return strikes.wait(now), strikes.failures

    def __len__(self) -> int:
        with self._lock:
            return len(self._strikes)

    def clear(self, key: str | None = None) -> None:
        """Forget ``key`` (after a correct passphrase), or every key."""
        with self._lock:
            if key is None:
                self._strikes.clear()
            else:
                self._strikes.pop(key, None)

    def _forget(self, now: float) -> None:
        """Drop keys whose failures are old and whose wait is over; the table stays bounded."""
        stale = [k for k, s in self._strikes.items() if s.wait(now) == 0 and now - s.last > FORGET_AFTER]
        for key in stale or sorted(self._strikes, key=lambda k: self._strikes[k].last)[: self.MAX_KEYS // 10]:
            del self._strikes[key]


FAILURES = FailureTable()


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except StreamlitSecretNotFoundError:
        return {}


def _passphrase(secrets: dict) -> str | None:
    return config.settings().analyst_passphrase or secrets.get("analyst_passphrase")


def client_key() -> str:
    """The client's address as Streamlit sees it; every local (or proxied) client shares one key, as does a
    session without a client (AppTest's stand-in runtime has no address to give)."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else LOCAL_CLIENT


def analyst_name(text) -> str | None:
    """The name or initials as typed, trimmed and with inner white space folded; None when empty or too long."""
    name = re.sub(r"\s+", " ", str(text or "")).strip()
    if not name or len(name) > NAME_MAX or not name.isprintable():
        return None
    return name


def _wait_text(seconds: float) -> str:
    if seconds < 60:
        return fmt_count(max(1, math.ceil(seconds)), "sekund", "sekunder")
    return fmt_count(math.ceil(seconds / 60), "minut", "minutter")


def refusal(wait: float, failures: int, checked: bool) -> str:
    """The Danish message after a wrong passphrase (``checked``) or an attempt refused unchecked during a wait."""
    if failures >= LOCKOUT_AFTER:
        return f"For mange forkerte forsøg; prøv igen om {_wait_text(wait)}."
    if checked:
        return f"Forkert adgangskode; prøv igen om {_wait_text(wait)}."
    return (
        f"Adgangskoden blev ikke prøvet: efter et forkert forsøg skal der gå lidt tid; prøv igen om {_wait_text(wait)}."
    )


def _check_passphrase() -> None:
    state = st.session_state
    entered = state.get(_PASSPHRASE_INPUT, "")
    state[_PASSPHRASE_INPUT] = ""
    state.pop(_MESSAGE, None)
    if not entered:
        return
    now = time.monotonic()
    address = client_key()
    session = state.setdefault(_STRIKES, Strikes())
    wait, failures = FAILURES.wait(address, now)
    wait, failures = max(wait, session.wait(now)), max(failures, session.failures)
    if wait > 0:
        # Refused unchecked: guessing during the wait gains nothing, however fast the guesses come.
        LOG.info("analyst passphrase attempt refused while waiting: client %s, %d failures in a row", address, failures)
        state[_MESSAGE] = refusal(wait, failures, checked=False)
        return
    name = analyst_name(state.get(_NAME_INPUT))
    if name is None:
        state[_MESSAGE] = (
            f"Skriv dit navn eller dine initialer (højst {NAME_MAX} tegn): indlæsninger og "
            "fortrydelser registreres med det."
        )
        return
    expected = _passphrase(_secrets()) or ""
    # Constant-time comparison: the time taken says nothing about how much of the guess was right.
    if expected and hmac.compare_digest(entered.encode(), expected.encode()):
        state[_UNLOCKED] = True
        state[_NAME] = name
        state[_STRIKES] = Strikes()
        FAILURES.clear(address)
        LOG.info("analyst access opened for %r from client %s", name, address)
        return
    session.fail(now)
    wait, failures = FAILURES.fail(address, now)
    wait, failures = max(wait, session.wait(now)), max(failures, session.failures)
    # Never the attempted value: a near miss in a log is half a passphrase.
    LOG.warning(
        "wrong analyst passphrase: client %s, %d failures in a row, next attempt checked in %.0f s",
        address,
        failures,
        wait,
    )
    state[_MESSAGE] = refusal(wait, failures, checked=True)


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
        if st.session_state.get(_UNLOCKED) and st.session_state.get(_NAME):
            name = st.session_state[_NAME]
            # No full stop after the name: initials often end in one.
            side.caption(f"Analytikeradgang i denne session. Indlæsninger registreres som: {plain(name)}")
            side.button("Luk analytikeradgang", on_click=_lock)
            return Access(ANALYST, name, "passphrase")
        with side.form("analyst_unlock", border=False):
            st.text_input(
                "Dit navn eller initialer",
                key=_NAME_INPUT,
                max_chars=NAME_MAX,
                help="Indlæsninger og fortrydelser registreres med dette navn.",
            )
            st.text_input("Adgangskode for analytikere", type="password", key=_PASSPHRASE_INPUT)
            st.form_submit_button("Åbn analytikeradgang", on_click=_check_passphrase, key=UNLOCK_BUTTON)
        if message := st.session_state.get(_MESSAGE):
            side.error(message)
        return Access(MANAGER, "leder", "passphrase")
    side.caption(
        "Åben lokal tilstand: der er ikke sat login eller adgangskode op, så alle kan indlæse og fortryde "
        "data. Sæt HELHEDSBLIK_ANALYST_PASSPHRASE for at begrænse det til analytikere."
    )
    return Access(ANALYST, config.current_user(), "open")
