"""Investering: does investing in more caseworkers pay back? Published cases and a scenario model."""

import streamlit as st

import queries
from presentation import charts, filters, investment, page
from presentation import inputs as fields
from presentation.formatting import fmt_num, plain

page.start("Investering")
choice = filters.sidebar_filters()
st.caption(
    "Siden sammenligner ikke med andre kommuner: de offentliggjorte resultater er enkelte kommuners projekter "
    "med hver deres opgørelse, og scenariet er en beregning ud fra dine egne antagelser."
)

# Published results and the demo's synthetic examples: each municipality and each case says which it is.
st.header("Resultater af investeringer")
cases_areas = queries.investment_areas()
if cases_areas.is_empty():
    page.no_data("investeringer", queries.area_name(choice.area))
else:
    published = dict(zip(cases_areas["area_code"].to_list(), cases_areas["published"].to_list(), strict=True))
    case_area, case_name = page.choose(
        "Kommune med investeringsdata",
        cases_areas,
        "area_code",
        "area",
        default=choice.area,
        shown=lambda code, name: f"{name} ({'offentliggjort' if published[code] else 'syntetiske demodata'})",
    )
    if case_area != choice.area:
        # Never switch municipality without a word: the sidebar still says the chosen one.
        st.info(
            f"{plain(queries.area_name(choice.area))} har ingen indlæste investeringsdata; viser "
            f"{plain(case_name)}. Vælg en anden kommune med investeringsdata ovenfor.",
            icon=":material/info:",
        )
    for case in queries.published_cases(case_area):
        with st.container(border=True):
            if page.demo_in(case.sources):  # the demo's basis says "Regnskab": it is no municipality's accounts
                st.markdown(
                    f"**{plain(case.project)}**, {plain(case.period_label)} · "
                    f":orange-badge[:material/science: {page.DEMO_BADGE}] syntetisk eksempel, intet regnskab"
                )
            else:
                st.markdown(f"**{plain(case.project)}**, {plain(case.period_label)} ({plain(case.basis_label)})")
            costs, savings, computed, stated = page.grid(4, 2)
            costs.metric("Investeret / udgifter", page.format_value(case.costs, "kr"))
            savings.metric("Besparelser", page.format_value(case.savings, "kr"))
            computed.metric(
                "Beregnet netto",
                page.format_value(case.computed_net, "kr"),
                help="Besparelser minus udgifter, som posterne summerer til.",
            )
            stated.metric("Oplyst netto", page.format_value(case.stated_net, "kr"))
            if note := investment.discrepancy_note(case):
                st.warning(note, icon=":material/warning:")
            st.caption(plain(page.caption(case.sources, case.period_label, case.notes)))

    page.glossary(case.project for case in queries.published_cases(case_area))

st.header("Scenarie: flere sagsbehandlere")
preset_name = st.selectbox("Udgangspunkt", list(queries.SCENARIO_PRESETS))
preset = queries.SCENARIO_PRESETS[preset_name]
spend, effect, benefit = st.columns(3)  # the investment; its effect; the benefit saved and the years
inputs = dict(
    extra_caseworkers=fields.number(
        spend, "Ekstra sagsbehandlere (årsværk)", preset.extra_caseworkers, 0, 500, decimals=1, key=f"w_{preset_name}"
    ),
    cost_per_fte=fields.number(
        spend, "Udgift pr. årsværk (kr.)", preset.cost_per_fte, 0, 2_000_000, key=f"c_{preset_name}"
    ),
    offers_cost_per_year=fields.number(
        spend, "Tilbud og øvrige udgifter pr. år (kr.)", preset.offers_cost_per_year, 0, 1e9, key=f"o_{preset_name}"
    ),
    recipients=fields.number(
        effect, "Modtagere i målgruppen", preset.recipients, 0, 100_000, whole=True, key=f"r_{preset_name}"
    ),
    reduction_pct_per_year=fields.number(
        effect,
        "Færre modtagere pr. år (pct.)",
        preset.reduction_pct_per_year,
        0,
        100,
        decimals=2,
        key=f"d_{preset_name}",
    ),
    max_reduction_pct=fields.number(
        effect, "Højst færre modtagere (pct.)", preset.max_reduction_pct, 0, 100, decimals=2, key=f"m_{preset_name}"
    ),
    annual_gross_benefit=fields.number(
        benefit,
        "Ydelse pr. helårsmodtager (kr., brutto)",
        preset.annual_gross_benefit,
        0,
        1_000_000,
        key=f"g_{preset_name}",
    ),
    weeks_on_benefit=fields.number(
        benefit,
        "Uger på ydelse ved start (refusionstrappe)",
        preset.weeks_on_benefit,
        0,
        520,
        whole=True,
        key=f"u_{preset_name}",
    ),
    years=fields.number(benefit, "År", preset.years, 1, 15, whole=True, key=f"y_{preset_name}"),
    start_year=fields.number(
        benefit, "Første år", preset.start_year, 2000, 2040, whole=True, grouping=False, key=f"s_{preset_name}"
    ),
)
if None in inputs.values():
    st.info("Scenariet beregnes, når alle felter ovenfor holder et tal.", icon=":material/info:")
else:
    result = queries.scenario(**inputs)
    invested, avoided, break_even, per_krone = page.grid(4, 2)
    invested.metric("Samlet investering", page.format_value(result.summary["total_investment"], "kr"))
    avoided.metric(
        "Undgåede udgifter (kommunens nettoudgift)", page.format_value(result.summary["total_avoided"], "kr")
    )
    break_even.metric("Break-even", str(result.summary["break_even_year"] or "ikke i perioden"))
    per_krone.metric(
        "Afkast pr. investeret krone",
        fmt_num(result.summary["return_per_krone"], 2) + " kr."
        if result.summary["return_per_krone"] is not None
        else "–",
    )
    page.chart(
        charts.investment_curve(result.years, "Investering mod undgåede udgifter", preset_name),
        result.years,
        alt="Søjler for årlig investering og undgåede udgifter og en kurve for det akkumulerede nettoresultat.",
        caption_text=page.caption(["Helhedsbliks investeringsmodel"], None, investment.assumption(result)),
        key="curve",
        table_columns=investment.SCENARIO_COLUMNS,
        decimals=investment.SCENARIO_DECIMALS,
    )

st.header("Mentor (LAB) eller § 85-støtte")
citizens_column, hours_column, weeks_column, price_column = st.columns(4)
mentor_inputs = (
    fields.number(citizens_column, "Borgere", 10, 1, 10_000, whole=True, key="mentor_citizens"),
    fields.number(hours_column, "Timer pr. uge", 3.0, 0.5, 40, decimals=1, key="mentor_hours"),
    fields.number(weeks_column, "Uger", 40, 1, 104, whole=True, key="mentor_weeks"),
    fields.number(price_column, "Timepris (kr.)", 400.0, 0, 5_000, key="mentor_price"),
)
if None in mentor_inputs:
    st.info("Sammenligningen beregnes, når alle felter ovenfor holder et tal.", icon=":material/info:")
else:
    mentor = queries.mentor_comparison(*mentor_inputs)
    gross, mentor_cost, s85_cost = st.columns(3)
    gross.metric("Udgift i alt (brutto)", page.format_value(mentor["gross"], "kr"))
    mentor_cost.metric("Kommunens udgift, mentor (50 % refusion)", page.format_value(mentor["mentor_municipal"], "kr"))
    s85_cost.metric("Kommunens udgift, § 85 (100 % kommunal)", page.format_value(mentor["s85_municipal"], "kr"))
    for note in mentor["notes"]:
        st.caption(note)

page.report_button("Investering", choice, scenario=preset_name, scenario_inputs=inputs)
