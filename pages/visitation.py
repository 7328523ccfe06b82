"""Visitation: recipients by visitation category over time, against the country and chosen municipalities."""

import streamlit as st

import queries
from presentation import charts, filters, page
from queries import over_time

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
y_title = "Pct. af modtagerne" if shares else over_time.stock_title(queries.MEASURES[measure], choice.freq)
how = over_time.note(
    choice.freq, "hver kategoris andel af månedernes samlede antal" if shares else "gennemsnit pr. måned"
)
breaks = queries.series_breaks()
counted = measure == "persons" and not shares
page.chart(
    charts.category_time_series(
        own,
        y_title,
        f"Modtagere efter visitationskategori, {area}",
        queries.AGE_BANDS[age],
        stacked=True,
        breaks=breaks,
        freq=choice.freq,
    ),
    over_time.whole(own, ("value",)) if counted else own,
    alt=f"Modtagere i {area} efter visitationskategori over tid; brud i serien er markeret.",
    caption_text=page.caption(
        queries.visitation_sources((choice.area,), choice.first, choice.last),
        period,
        " ".join(filter(None, (how, "Matchgrupper (før 2014) og visitationskategorier vises hver for sig."))),
    ),
    key="own",
    table_columns={
        "period_label": "Periode",
        "date": "Periodens start",
        "series": "Kategori",
        "era": "Opgørelse",
        "value": y_title,
    },
    counts=("value",) if counted else (),
)

st.subheader("Sammenligning (andele)")
compared = queries.visitation_series(choice.areas, measure, age, choice.first, choice.last, choice.freq, True)
others = [queries.area_name(a) for a in choice.areas[1:]]
missing = [name for code, name in zip(choice.areas[1:], others, strict=True) if code not in compared["area_code"]]
page.chart(
    charts.compare_time_series(
        compared,
        "Pct. af modtagerne",
        f"Andel i hver kategori, {area}",
        f"Sammenlignet med {', '.join(others)} · {queries.AGE_BANDS[age]}",
        breaks,
        chosen=area,
        reference=queries.area_name(queries.NATIONAL),
        freq=choice.freq,
        value_suffix=" %",
        shared_y=False,
        series_title="Kategori",
        columns=3,
        panel_width=220,
        panel_height=140,
    ),
    compared,
    alt=f"Andel af modtagerne i hver visitationskategori for {area} og {', '.join(others)} over tid, "
    "én figur pr. kategori.",
    caption_text=page.caption(
        queries.visitation_sources(choice.areas, choice.first, choice.last),
        period,
        " ".join(
            filter(
                None,
                (
                    over_time.note(choice.freq, "hver kategoris andel af månedernes samlede antal"),
                    "Andele gør kommuner af forskellig størrelse sammenlignelige; hver figur har sin egen skala.",
                    f"Ingen tal for {', '.join(missing)}." if missing else "",
                ),
            )
        ),
    ),
    key="compare",
    table_columns={
        "period_label": "Periode",
        "date": "Periodens start",
        "area": "Område",
        "series": "Kategori",
        "era": "Opgørelse",
        "value": "Pct. af modtagerne",
    },
)

page.report_button("Visitation", choice, measure=measure, age=age, shares=shares)
