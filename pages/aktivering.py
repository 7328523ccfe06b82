"""Aktivering: activation rate by group over time, against the country, the comparison areas and a target."""

import streamlit as st

import queries
from presentation import charts, filters, page
from presentation import inputs as fields
from presentation.formatting import fmt_pct
from queries import over_time

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
series, averages = queries.activation(choice.area, choice.first, choice.last, choice.freq, choice.areas[1:])
own = series.filter(series["area_code"] == choice.area)
if own.is_empty() and averages.is_empty():
    page.no_data("aktivering", area)
    st.stop()

if not own.is_empty():
    period = f"{filters.month_label(choice.first)} – {filters.month_label(choice.last)}"
    compared = [queries.area_name(a) for a in choice.areas[1:]]
    missing = [name for code, name in zip(choice.areas[1:], compared, strict=True) if code not in series["area_code"]]
    notes = [over_time.note(choice.freq, "aktiverede i pct. af personerne, begge summeret over månederne")]
    if missing:
        notes.append(f"Ingen aktiveringstal for {', '.join(missing)}.")
    persons, activated = (over_time.stock_title(t, choice.freq) for t in ("Personer", "Aktiverede"))
    page.chart(
        charts.compare_time_series(
            series,
            "Aktiveringsgrad (pct.)",
            f"Aktiveringsgrad, {area}",
            f"Sammenlignet med {', '.join(compared)}" if compared else None,
            queries.series_breaks(),
            chosen=area,
            reference=queries.area_name(queries.NATIONAL),
            freq=choice.freq,
            value_suffix=" %",
            target=target,
            series_title="Gruppe",
        ),
        over_time.whole(series, queries.ACTIVATION_COUNTS),
        alt=f"Aktiveringsgrad over tid for grupper i {area}, én figur pr. gruppe, sammenlignet med "
        f"{', '.join(compared) or 'ingen'}, med en mållinje på {fmt_pct(target, 1)}.",
        caption_text=page.caption(
            queries.activation_sources(choice.area, choice.first, choice.last, choice.areas[1:]),
            period,
            " ".join(filter(None, notes)) or None,
        ),
        key="rate",
        table_columns={
            "period_label": "Periode",
            "date": "Periodens start",
            "area": "Område",
            "series": "Gruppe",
            "era": "Opgørelse",
            "value": "Aktiveringsgrad (pct.)",
            "persons": persons,
            "activated": activated,
        },
        counts=queries.ACTIVATION_COUNTS,
    )
if not averages.is_empty():
    st.subheader("Offentliggjorte gennemsnit")
    page.table(averages)
page.glossary([*series["series"].unique().to_list(), *averages["Gruppe"].to_list()])

page.report_button("Aktivering", choice, target=target)
