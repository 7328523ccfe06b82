"""The sidebar filters every page shares: municipality, comparison areas, period range, frequency.

The filters live in three places that must agree: a canonical dict in the session (survives
page switches), the widgets (re-seeded from it on every page) and the URL query string (so a
view can be shared as a link). A link that arrives with parameters wins once; an invalid
parameter falls back to the default with a notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import streamlit as st

import queries
from pipelines import config
from pipelines.config import DEMO_SOURCE
from pipelines.periods import MONTHS_DA_SHORT, parse_period
from presentation.formatting import fmt_datetime, plain

# A deployment's own municipality (HELHEDSBLIK_DEFAULT_AREA=751: Aarhus), else København (published 2007 figures).
DEFAULT_AREA = config.settings().default_area
DEFAULT_FIRST = "2012M01"  # shows both the 2014 and the 2025 break
STATE_KEY = "_filters"
URL_KEY = "_filters_in_url"


@dataclass(frozen=True)
class Filters:
    area: str
    compare: tuple[str, ...]
    first: str
    last: str
    freq: str
    notices: tuple[str, ...] = ()

    def link(self, url_path: str) -> str:
        """A relative link to another page with these filters in its query string."""
        params = {"kommune": self.area, "fra": self.first, "til": self.last, "frekvens": self.freq}
        if self.compare:
            params["sammenlign"] = ",".join(self.compare)
        return f"{url_path}?{urlencode(params)}"

    @property
    def areas(self) -> tuple[str, ...]:
        """The chosen area, the comparison areas and the country, in that order, without repeats."""
        return tuple(dict.fromkeys((self.area, *self.compare, queries.NATIONAL)))


def _months(first: str, last: str) -> list[str]:
    start, end = parse_period(first).start, parse_period(last).start
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y}M{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_label(period: str) -> str:
    p = parse_period(period)
    return p.label if p else period


def short_month_label(period: str) -> str:
    """'jan. 2012': fits the narrow period pickers."""
    p = parse_period(period)
    return f"{MONTHS_DA_SHORT[p.start.month - 1]} {p.start.year}" if p else period


def _defaults(last_month: str) -> dict:
    return {"area": DEFAULT_AREA, "compare": (), "first": DEFAULT_FIRST, "last": last_month, "freq": "M"}


def _from_url(params, codes: set[str], months: list[str], state: dict, default_last: str) -> list[str]:
    """Apply parameters of a shared link to the state; return notices for the ones that were invalid."""
    notices = []
    written = st.session_state.get(URL_KEY, {})

    def fresh(key: str) -> str | None:
        value = params.get(key)
        return value if value is not None and value != written.get(key) else None

    if (value := fresh("kommune")) is not None:
        if value in codes:
            state["area"] = value
        else:
            notices.append(f"Ukendt kommune i linket ('{value[:40]}'); viser {queries.area_name(state['area'])}.")
    if (value := fresh("sammenlign")) is not None:
        wanted = tuple(v for v in value.split(",") if v)
        bad = [v for v in wanted if v not in codes]
        if bad:
            notices.append(f"Ukendte sammenligningsområder i linket ({', '.join(b[:20] for b in bad)}) er udeladt.")
        state["compare"] = tuple(v for v in wanted if v in codes)
    for key, field in (("fra", "first"), ("til", "last")):
        if (value := fresh(key)) is not None:
            if value in months:
                state[field] = value
            else:
                notices.append(f"Ugyldig periode '{value[:20]}' i linket; bruger {month_label(state[field])}.")
    if (value := fresh("frekvens")) is not None:
        if value in queries.FREQUENCIES:
            state["freq"] = value
        else:
            notices.append(f"Ugyldig frekvens '{value[:10]}' i linket; bruger måned.")
    if state["first"] > state["last"]:
        notices.append("Perioden i linket starter efter den slutter; bruger standardperioden.")
        state["first"], state["last"] = months[0], default_last
    return notices


# Widget key -> field of the canonical state.
WIDGETS = {"f_area": "area", "f_compare": "compare", "f_first": "first", "f_last": "last", "f_freq": "freq"}


def _remember(key: str) -> None:
    """A widget changed: write it to the canonical state before the page runs again."""
    value = st.session_state[key]
    st.session_state[STATE_KEY][WIDGETS[key]] = tuple(value) if key == "f_compare" else value


NOTICE_KEY = "_filters_notice"


def _use_similar() -> None:
    state = st.session_state[STATE_KEY]
    state["compare"] = tuple(queries.similar_areas(state["area"]))


def _use_similar_conditions() -> None:
    state = st.session_state[STATE_KEY]
    if similar := queries.similar_conditions(state["area"]):
        state["compare"] = tuple(similar)
    else:
        st.session_state[NOTICE_KEY] = (
            f"{queries.area_name(state['area'])} har intet benchmark (jobindsats y30r21), så der er ingen kommuner "
            "med lignende rammevilkår at vælge; sammenligningen er uændret."
        )


def sidebar_filters() -> Filters:
    """Render the shared filters in the sidebar and return the current choice."""
    area_df = queries.areas()
    codes = area_df["area_code"].to_list()
    names = dict(zip(codes, area_df["area_name"].to_list(), strict=True))
    first_month, last_month, current_month = queries.month_bounds()
    first_month = first_month or "2007M01"
    last_month = last_month or first_month
    months = _months(first_month, last_month)
    # Not simply the newest month: an uploaded future period (a typo like 2043M12) must not move everyone's view.
    default_last = current_month or last_month

    state = st.session_state.setdefault(STATE_KEY, _defaults(default_last))
    if state["area"] not in codes:  # a deployment's default that is no area code
        state["area"] = "101" if "101" in codes else codes[0]
    if state["first"] not in months:
        state["first"] = DEFAULT_FIRST if DEFAULT_FIRST in months else months[0]
    if state["last"] not in months:
        state["last"] = default_last
    notices = _from_url(st.query_params, set(codes), months, state, default_last)

    # Widgets are seeded from the canonical state on every run: a widget's own state does not survive
    # a page switch, and their callbacks keep the canonical state current.
    for key, field in WIDGETS.items():
        st.session_state[key] = list(state[field]) if key == "f_compare" else state[field]

    side = st.sidebar
    side.selectbox("Kommune", codes, format_func=names.get, key="f_area", on_change=_remember, args=("f_area",))
    side.multiselect(
        "Sammenlign med",
        [c for c in codes if c != queries.NATIONAL],
        format_func=names.get,
        key="f_compare",
        help="Hele landet vises altid til sammenligning.",
        on_change=_remember,
        placeholder="Vælg kommuner",
        args=("f_compare",),
    )
    # One under the other: side by side, the sidebar cuts both labels short.
    side.button(
        "Lignende størrelse",
        on_click=_use_similar,
        help="Sammenlign med de tre kommuner, der ligner den valgte mest i indbyggertal.",
        width="stretch",
    )
    side.button(
        "Lignende rammevilkår",
        on_click=_use_similar_conditions,
        help="Sammenlign med de tre kommuner, hvis forventede andel på offentlig forsørgelse ligger nærmest den "
        "valgtes i Beskæftigelsesministeriets benchmark (jobindsats y30r21, nyeste løbende år): kommuner, "
        "hvis rammevilkår giver samme forventning.",
        width="stretch",
    )
    newest_first = months[::-1]
    left, right = side.columns(2)
    left.selectbox(
        "Fra", newest_first, format_func=short_month_label, key="f_first", on_change=_remember, args=("f_first",)
    )
    right.selectbox(
        "Til", newest_first, format_func=short_month_label, key="f_last", on_change=_remember, args=("f_last",)
    )
    side.radio(
        "Frekvens",
        list(queries.FREQUENCIES),
        format_func=lambda f: queries.FREQUENCIES[f][1],
        horizontal=True,
        key="f_freq",
        on_change=_remember,
        args=("f_freq",),
    )

    first, last = sorted((st.session_state["f_first"], st.session_state["f_last"]))
    state.update(
        area=st.session_state["f_area"],
        compare=tuple(st.session_state["f_compare"]),
        first=first,
        last=last,
        freq=st.session_state["f_freq"],
    )
    url = {"kommune": state["area"], "fra": state["first"], "til": state["last"], "frekvens": state["freq"]}
    if state["compare"]:
        url["sammenlign"] = ",".join(state["compare"])
    st.query_params.from_dict(url)
    st.session_state[URL_KEY] = url

    fresh = queries.freshness()
    # Freshness of what this page shows: the snapshot it reads and the newest load in it.
    latest = (
        f"; seneste indlæsning {fmt_datetime(fresh['latest_loaded_at'])} ({fresh['latest_source']})"
        if fresh["latest_loaded_at"] is not None
        else ""
    )
    side.caption(plain(f"Data offentliggjort {fmt_datetime(queries.published().published_at)}{latest}."))
    if fresh.get("has_demo"):
        side.caption(f"Lageret indeholder syntetiske demodata (kilde: {DEMO_SOURCE}) ved siden af offentliggjorte tal.")
    if notice := st.session_state.pop(NOTICE_KEY, None):
        notices.append(notice)
    for notice in notices:
        st.warning(plain(notice), icon=":material/warning:")  # they quote the link's own text
    return Filters(state["area"], state["compare"], state["first"], state["last"], state["freq"], tuple(notices))
