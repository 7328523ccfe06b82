"""The report's buttons: "Rapport til udvalget" (in the sidebar of every page, and on Overblik) and each page's
own A4 section ("Hent rapport"), both with the filters the user has set. Files are made only when clicked."""

from __future__ import annotations

import streamlit as st

from presentation import report
from presentation.report import MIME, PAGE_SECTIONS
from presentation.sections import Choice

# The pages' own choices (the Investering scenario, the activation target, …), remembered for the session so
# that the council report from any page follows what the user last set on each page.
OPTIONS_KEY = "_report_options"
LABELS = {"pdf": "PDF", "docx": "Word"}
ICONS = {"pdf": ":material/picture_as_pdf:", "docx": ":material/description:"}


def _choice(filters, options: dict) -> Choice:
    if "scenario_inputs" in options and None in (options["scenario_inputs"] or {None: None}).values():
        options["scenario_inputs"] = None  # a field left empty: the preset as it is
    remembered = st.session_state.setdefault(OPTIONS_KEY, {})
    remembered.update(options)
    return Choice(filters.area, filters.first, filters.last, filters.freq, tuple(filters.compare), **remembered)


def _maker(choice: Choice, only: str | None, suffix: str):
    def make() -> bytes:
        built = report.build(choice, only)
        return report.render(built, (suffix,), whole=only is None)[suffix]

    return make


def _buttons(place, choice: Choice, only: str | None, label: str, key: str) -> None:
    name = choice.name
    for suffix in report.FORMATS:
        place.download_button(
            f"{label} ({LABELS[suffix]})",
            _maker(choice, only, suffix),
            report.file_name(name, choice.area, suffix, choice.last, only),
            MIME[suffix],
            key=f"{key}_{suffix}",
            icon=ICONS[suffix],
            on_click="ignore",
            width="stretch",
        )


def council_buttons(place, choice: Choice, key: str) -> None:
    _buttons(place, choice, None, "Rapport til udvalget", key)


def page_report(page_title: str, filters, **options) -> None:
    """A page's end: its own section as A4 and, in the sidebar, the council report."""
    choice = _choice(filters, options)
    side = st.sidebar
    side.divider()
    side.caption("Hele rapporten til et udvalg med de valgte filtre: forside, sammenfatning, alle sider og bilag.")
    council_buttons(side, choice, "council_sidebar")
    st.divider()
    if page_title == "Overblik":
        st.subheader("Rapport til udvalget")
        st.caption(
            f"Ét dokument for {choice.name}, {report.sections.month_label(choice.last)}: nøgletal med en sætning "
            "hver, et afsnit pr. side med figurer og tabeller, kilder og definitioner. PDF til udsendelse, Word til "
            "en sagsfremstilling."
        )
        left, right, _ = st.columns(3)
        for place, suffix in ((left, "pdf"), (right, "docx")):
            place.download_button(
                f"Rapport til udvalget ({LABELS[suffix]})",
                _maker(choice, None, suffix),
                report.file_name(choice.name, choice.area, suffix, choice.last),
                MIME[suffix],
                key=f"council_page_{suffix}",
                icon=ICONS[suffix],
                on_click="ignore",
                type="primary",
                width="stretch",
            )
    only = PAGE_SECTIONS.get(page_title)
    if only is None:
        return
    left, right, _ = st.columns(3)
    for place, suffix in ((left, "pdf"), (right, "docx")):
        place.download_button(
            f"Hent rapport: siden som A4 ({LABELS[suffix]})",
            _maker(choice, only, suffix),
            report.file_name(choice.name, choice.area, suffix, choice.last, only),
            MIME[suffix],
            key=f"page_report_{suffix}",
            icon=ICONS[suffix],
            on_click="ignore",
        )
