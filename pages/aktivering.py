"""Aktivering: activation rate by group over time against a target the user sets."""

import streamlit as st

import queries
from presentation import charts, filters, page
from presentation import inputs as fields
from presentation.formatting import fmt_pct

page.start("Aktivering")
choice = filters.sidebar_filters()
area = queries.area_name(choice.area)
target = fields.number(
    st,
    "Mål for aktiveringsgrad (pct.)",
    35.0,
    0,
    100,
    decimals=1,
    key="target",
    help="35 % er målet i Københavns strategi fra 2008.",
)
if target is None:
    st.stop()
series, averages = queries.activation(choice.area, choice.first, choice.last, choice.freq)
if series.is_empty() and averages.is_empty():
    page.no_data("aktivering", area)
    st.stop()

if not series.is_empty():
    period = f"{filters.month_label(choice.first)} – {filters.month_label(choice.last)}"
    page.chart(
        charts.rate_with_target(
            series, target, "Aktiveringsgrad (pct.)", f"Aktiveringsgrad, {area}", "Særlige behov mod alle modtagere"
        ),
        series,
        alt=f"Aktiveringsgrad over tid for grupper i {area} med en mållinje på {fmt_pct(target, 1)}.",
        caption_text=page.caption(series["source"], period),
        key="rate",
        table_columns={
            "date": "Måned",
            "series": "Gruppe",
            "value": "Aktiveringsgrad (pct.)",
            "persons": "Personer",
            "activated": "Aktiverede",
        },
        counts=("persons", "activated"),
    )
if not averages.is_empty():
    st.subheader("Offentliggjorte gennemsnit")
    page.table(averages)

page.report_button("Aktivering", choice, target=target)
