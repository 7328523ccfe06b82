"""Sagstal: cases per caseworker by team against Dansk Socialrådgiverforening's guidance band."""

import streamlit as st

import queries
from presentation import charts, filters, page
from presentation.formatting import fmt_num

page.start("Sagstal")
choice = filters.sidebar_filters()
area = queries.area_name(choice.area)
preset = st.radio("Vejledende sagstal", list(queries.GUIDANCE_PRESETS), format_func=queries.GUIDANCE_PRESETS.get)
period, label = page.pick_period(queries.caseload_periods(choice.area), "Periode", "sagstal", area)
teams = queries.caseloads(choice.area, period, preset)
summary = queries.caseload_summary(teams)

above, to_upper, to_lower = st.columns(3)
above.metric("Teams over båndets øvre grænse", f"{summary['above']} af {summary['teams']}", border=True)
to_upper.metric(
    "Årsværk til øvre grænse",
    fmt_num(summary["fte_needed_high"], 1),
    border=True,
    help="Årsværk der mangler for at nå båndets øvre grænse: aktive sager / øvre grænse − nuværende "
    "årsværk, lagt sammen for teams over båndet.",
)
to_lower.metric(
    "Årsværk til nedre grænse",
    fmt_num(summary["fte_needed_low"], 1),
    border=True,
    help="Årsværk der mangler for at nå båndets nedre grænse: aktive sager / nedre grænse − nuværende "
    "årsværk, lagt sammen for teams over den nedre grænse.",
)

page.chart(
    charts.caseload_band(teams, f"Sager pr. sagsbehandler, {area}", label),
    teams,
    alt=f"Sager pr. sagsbehandler for hvert team i {area} med DS' vejledende bånd; teams over båndet er fremhævet.",
    caption_text=page.caption(teams["data_source"], label, "Bånd: " + queries.GUIDANCE_PRESETS[preset]),
    key="teams",
    table_columns={
        "team": "Team",
        "guidance_label": "Sagsområde",
        "cases": "Aktive sager",
        "caseworker_fte": "Årsværk",
        "cases_per_worker": "Sager pr. sagsbehandler",
        "low": "Bånd, nedre",
        "high": "Bånd, øvre",
        "above": "Over båndet",
        "fte_needed_high": "Årsværk til øvre grænse",
        "fte_needed_low": "Årsværk til nedre grænse",
    },
    counts=("cases",),
)

st.subheader("Vejledende sagstal")
page.table(
    queries.guidance(preset),
    {
        "guidance_label": "Område",
        "low": "Nedre",
        "high": "Øvre",
        "source": "Kilde",
        "valid_from": "Gyldig fra",
        "valid_to": "Gyldig til",
    },
)

page.report_button("Sagstal")
