"""Investering: does investing in more caseworkers pay back? Published cases and a scenario model."""

import streamlit as st

import queries
from presentation import charts, filters, page
from presentation.formatting import fmt_mio, fmt_num, plain

page.start("Investering")
choice = filters.sidebar_filters()

st.header("Offentliggjorte resultater")
cases_areas = queries.investment_areas()
if cases_areas.is_empty():
    page.no_data("investeringer", queries.area_name(choice.area))
else:
    codes = cases_areas["area_code"].to_list()
    default = codes.index(choice.area) if choice.area in codes else 0
    case_area = st.selectbox("Kommune med investeringsdata", codes, index=default,
                             format_func=dict(zip(codes, cases_areas["area"])).get)
    for case in queries.published_cases(case_area):
        with st.container(border=True):
            st.markdown(f"**{plain(case.project)}**, {plain(case.period_label)} ({plain(case.basis_label)})")
            cols = st.columns(4)
            cols[0].metric("Investeret / udgifter", fmt_mio(case.costs))
            cols[1].metric("Besparelser", fmt_mio(case.savings))
            cols[2].metric("Beregnet netto", fmt_mio(case.computed_net),
                           help="Besparelser minus udgifter, som posterne summerer til.")
            cols[3].metric("Oplyst netto", fmt_mio(case.stated_net))
            if case.discrepancy_note:
                st.warning(case.discrepancy_note, icon=":material/warning:")
            st.caption(plain(page.caption(case.sources, case.period_label, case.notes)))

st.header("Scenarie: flere sagsbehandlere")
preset_name = st.selectbox("Udgangspunkt", list(queries.SCENARIO_PRESETS))
preset = queries.SCENARIO_PRESETS[preset_name]
a, b, c = st.columns(3)
inputs = dict(
    extra_caseworkers=a.number_input("Ekstra sagsbehandlere (årsværk)", 0.0, 500.0, float(preset.extra_caseworkers),
                                     format="%.1f", key=f"w_{preset_name}"),
    cost_per_fte=a.number_input("Udgift pr. årsværk (kr.)", 0.0, 2_000_000.0, float(preset.cost_per_fte),
                                step=10_000.0, format="%.0f", key=f"c_{preset_name}"),
    offers_cost_per_year=a.number_input("Tilbud og øvrige udgifter pr. år (kr.)", 0.0, 1e9,
                                        float(preset.offers_cost_per_year), step=100_000.0, format="%.0f",
                                        key=f"o_{preset_name}"),
    recipients=b.number_input("Modtagere i målgruppen", 0, 100_000, int(preset.recipients), key=f"r_{preset_name}"),
    reduction_pct_per_year=b.number_input("Færre modtagere pr. år (pct.)", 0.0, 100.0,
                                          float(preset.reduction_pct_per_year), format="%.1f", key=f"d_{preset_name}"),
    max_reduction_pct=b.number_input("Højst færre modtagere (pct.)", 0.0, 100.0, float(preset.max_reduction_pct),
                                     format="%.1f", key=f"m_{preset_name}"),
    annual_gross_benefit=c.number_input("Ydelse pr. helårsmodtager (kr., brutto)", 0.0, 1_000_000.0,
                                        float(preset.annual_gross_benefit), step=5_000.0, format="%.0f",
                                        key=f"g_{preset_name}"),
    weeks_on_benefit=c.number_input("Uger på ydelse ved start (refusionstrappe)", 0, 520, int(preset.weeks_on_benefit),
                                    key=f"u_{preset_name}"),
    years=c.number_input("År", 1, 15, int(preset.years), key=f"y_{preset_name}"),
    start_year=c.number_input("Første år", 2000, 2040, int(preset.start_year), key=f"s_{preset_name}"),
    caseload_before=float(preset.caseload_before), caseload_after=float(preset.caseload_after),
)
result = queries.scenario(**inputs)
one, two, three, four = st.columns(4)
one.metric("Samlet investering", fmt_mio(result.summary["total_investment"]))
two.metric("Undgåede udgifter (kommunens nettoudgift)", fmt_mio(result.summary["total_avoided"]))
three.metric("Break-even", str(result.summary["break_even_year"] or "ikke i perioden"))
four.metric("Afkast pr. investeret krone", fmt_num(result.summary["return_per_krone"], 2) + " kr."
            if result.summary["return_per_krone"] is not None else "–")
page.chart(charts.investment_curve(result.years, "Investering mod undgåede udgifter", preset_name), result.years,
           alt="Søjler for årlig investering og undgåede udgifter og en kurve for det akkumulerede nettoresultat.",
           caption_text=page.caption(["Helhedsbliks investeringsmodel"], None, result.assumption), key="curve",
           table_columns=result.table_columns)

st.header("Mentor (LAB) eller § 85-støtte")
m1, m2, m3, m4 = st.columns(4)
mentor = queries.mentor_comparison(
    m1.number_input("Borgere", 1, 10_000, 10), m2.number_input("Timer pr. uge", 0.5, 40.0, 3.0, format="%.1f"),
    m3.number_input("Uger", 1, 104, 40), m4.number_input("Timepris (kr.)", 0.0, 5_000.0, 400.0, format="%.0f"))
k1, k2, k3 = st.columns(3)
k1.metric("Udgift i alt (brutto)", fmt_mio(mentor["gross"]))
k2.metric("Kommunens udgift, mentor (50 % refusion)", fmt_mio(mentor["mentor_municipal"]))
k3.metric("Kommunens udgift, § 85 (100 % kommunal)", fmt_mio(mentor["s85_municipal"]))
for note in mentor["notes"]:
    st.caption(note)

page.report_button("Investering")
