"""Visitation: recipients by visitation category over time, against the country and chosen municipalities."""

import streamlit as st

import queries
from presentation import charts, filters, page

page.start("Visitation")
choice = filters.sidebar_filters()
area = queries.area_name(choice.area)

left, middle, right = st.columns(3)
measure = left.radio("Måling", list(queries.MEASURES), format_func=queries.MEASURES.get, horizontal=True)
age = middle.radio("Alder", list(queries.AGE_BANDS), format_func=queries.AGE_BANDS.get, horizontal=True)
shares = right.radio("Vis", ["Antal", "Andel (pct.)"], horizontal=True) != "Antal"

own = queries.visitation_series((choice.area,), measure, age, choice.first, choice.last, choice.freq, shares)
if own.is_empty():
    page.no_data("modtagere efter visitationskategori i den valgte periode", area)
    st.stop()

period = f"{filters.month_label(choice.first)} – {filters.month_label(choice.last)}"
y_title = "Pct. af modtagerne" if shares else queries.MEASURES[measure]
breaks = queries.series_breaks()
page.chart(
    charts.category_time_series(
        own,
        y_title,
        f"Modtagere efter visitationskategori, {area}",
        queries.AGE_BANDS[age],
        stacked=True,
        breaks=breaks,
    ),
    own,
    alt=f"Modtagere i {area} efter visitationskategori over tid; brud i serien er markeret.",
    caption_text=page.caption(
        queries.visitation_sources((choice.area,)),
        period,
        "Matchgrupper (før 2014) og visitationskategorier vises hver for sig.",
    ),
    key="own",
    table_columns={"date": "Periode", "series": "Kategori", "era": "Klassifikation", "value": y_title},
    counts=() if shares or measure != "persons" or choice.freq != "M" else ("value",),
)

st.subheader("Sammenligning (andele)")
compared = queries.visitation_series(choice.areas, measure, age, choice.first, choice.last, choice.freq, True)
page.chart(
    charts.category_time_series(
        compared,
        "Pct. af modtagerne",
        "Andel i hver kategori",
        ", ".join(queries.area_name(a) for a in choice.areas),
        stacked=False,
        breaks=breaks,
    ),
    compared,
    alt="Andel af modtagerne i hver visitationskategori for de valgte områder over tid.",
    caption_text=page.caption(
        queries.visitation_sources(choice.areas), period, "Andele gør kommuner af forskellig størrelse sammenlignelige."
    ),
    key="compare",
    table_columns={"date": "Periode", "area": "Område", "series": "Kategori", "value": "Pct. af modtagerne"},
)

page.report_button("Visitation", choice, measure=measure, age=age, shares=shares)
