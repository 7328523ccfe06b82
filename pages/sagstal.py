"""Sagstal: cases per caseworker by team against Dansk Socialrådgiverforening's guidance band."""

import streamlit as st

import queries
from presentation import charts, filters, page
from presentation.formatting import fmt_num, plain

page.start("Sagstal")
choice = filters.sidebar_filters()
area = queries.area_name(choice.area)
preset = st.radio("Vejledende sagstal", list(queries.GUIDANCE_PRESETS), format_func=queries.GUIDANCE_PRESETS.get)
period, label = page.pick_period(queries.caseload_periods(choice.area), "Periode", "sagstal", area, until=choice.last)
teams = queries.caseloads(choice.area, period, preset)
summary = queries.caseload_summary(teams)

above, to_upper, to_lower = st.columns(3)
above.metric("Teams over båndets øvre grænse", f"{summary['above']} af {summary['teams']}", border=True)
for column, bound, needed, which in (
    (to_upper, "øvre", "fte_needed_high", "over båndet"),
    (to_lower, "nedre", "fte_needed_low", "over den nedre grænse"),
):
    column.metric(
        f"Årsværk til {bound} grænse",
        fmt_num(summary[needed], 1),
        border=True,
        help=f"Årsværk der mangler for at nå båndets {bound} grænse: aktive sager / {bound} grænse − "
        f"nuværende årsværk, lagt sammen for teams {which}.",
    )

for place in (above, to_upper, to_lower):
    page.demo_badge(teams["data_source"].to_list(), place)

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

# Teams are each municipality's own, so the comparison is of the whole: cases per caseworker over all teams.
st.subheader("Sammenlignet med andre kommuner")
if choice.compare:
    page.table(
        queries.caseload_comparison(choice.area, choice.compare, choice.last, preset),
        {
            "area": "Kommune",
            "period_label": "Opgørelse",
            "cases_per_worker": "Sager pr. sagsbehandler (alle teams)",
            "teams_above": "Teams over båndets øvre grænse",
        },
        marks="marked",
    )
    st.caption(
        f"Hver kommunes nyeste sagstal til og med {filters.month_label(choice.last)}; {plain(area)} markeret med blåt. "
        "Teamene er kommunernes egne, så de sammenlignes ikke enkeltvis. Hele landet har ingen sagstal."
    )
else:
    st.caption(
        "Teamene er kommunens egne og kan ikke sammenlignes enkeltvis med andre kommuners. Vælg kommuner under "
        "»Sammenlign med« i sidepanelet for at sammenligne sager pr. sagsbehandler for alle teams; Hele landet har "
        "ingen sagstal."
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

page.report_button("Sagstal", choice, caseload_preset=preset)
