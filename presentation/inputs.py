"""Number fields that read and show numbers the Danish way ("650.000", "6,7").

Streamlit's st.number_input shows 650000 and 6.7: its printf format can neither group thousands nor write a
decimal comma. A text field can, and it tells the user what it could not read instead of guessing.
"""

from __future__ import annotations

import streamlit as st

from presentation import formatting as fmt


def _shown(value: float, decimals: int, grouping: bool) -> str:
    text = fmt.fmt_num(value, decimals)
    if "," in text:
        text = text.rstrip("0").rstrip(",")  # 35,00 -> 35 and 6,70 -> 6,7: no decimals the value lacks
    return text if grouping else text.replace(".", "")


def _tidy(key: str, grouping: bool) -> None:
    """After an edit: a number the field can read is shown back in Danish form ("650000" -> "650.000")."""
    try:
        number = fmt.parse_number(st.session_state[key])
    except ValueError:
        return  # left as typed; the field says what is wrong with it
    typed = st.session_state[key].partition(",")[2].strip()
    st.session_state[key] = _shown(number, len(typed), grouping)


def number(
    container,
    label: str,
    value: float,
    minimum: float,
    maximum: float,
    *,
    key: str,
    decimals: int = 0,
    whole: bool = False,
    grouping: bool = True,
    help: str | None = None,
) -> float | None:
    """A number field in ``container``, first showing ``value`` with up to ``decimals`` decimals.

    Returns the number typed (an int when ``whole``), ``value`` itself while the field shows it unchanged (so
    a preset's exact value is used, not its rounded display), or None while the text is not a number in
    [minimum, maximum]; then the field says why, in Danish.
    """
    start = _shown(value, decimals, grouping)
    st.session_state.setdefault(key, start)
    container.text_input(label, key=key, help=help, on_change=_tidy, args=(key, grouping))
    text = st.session_state[key]
    if text == start:
        return value
    try:
        typed = fmt.parse_number(text)
        if whole and not typed.is_integer():
            raise ValueError(f"Skriv et helt tal, fx {_shown(round(typed), 0, grouping)}.")
        if not minimum <= typed <= maximum:
            raise ValueError(f"Skriv et tal fra {_shown(minimum, 2, grouping)} til {_shown(maximum, 2, grouping)}.")
    except ValueError as exc:
        container.error(fmt.plain(exc), icon=":material/error:")  # it quotes what was typed
        return None
    return int(typed) if whole else typed
