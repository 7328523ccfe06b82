"""Fælles borgere: citizens the jobcenter and the social administration share, by target and match group."""

import streamlit as st

import queries
from presentation import charts, filters, page
from presentation.formatting import fmt_count, fmt_int, fmt_pct, plain

page.start("Fælles borgere")
choice = filters.sidebar_filters()
area = queries.area_name(choice.area)
period, label = page.pick_period(
    queries.match_group_periods(choice.area), "Opgørelsesmåned", "fælles borgere (målgruppe og matchgruppe)", area
)
data = queries.shared_citizens(choice.area, period)

far = plain(" og ".join(data.far_labels) or "grupperne længst fra arbejdsmarkedet")
of_recipients, of_far, special = st.columns(3)  # every label on two lines: one line would clip them on a laptop
of_recipients.metric(
    f"Fælles borgere i pct. af{page.LINE_BREAK}jobcentrets modtagere",
    fmt_pct(data.shared_pct),
    border=True,
    help=f"{fmt_int(data.shared)} af {fmt_count(data.jobcenter, 'modtager', 'modtagere')} er også "
    "borgere i socialforvaltningen.",
)
of_far.metric(
    f"Fælles borgeres andel af{page.LINE_BREAK}{far}",
    fmt_pct(data.shared_far_pct),
    border=True,
    help=f"{fmt_int(data.shared_far)} af {fmt_int(data.jobcenter_far)}.",
)
special.metric(
    f"Borgere med særlige behov{page.LINE_BREAK}i samme grupper",
    fmt_int(data.special_far),
    border=True,
    help=f"{fmt_pct(data.special_far_pct)} af grupperne (misbrug, handicap, psykisk sygdom).",
)
st.caption(
    f"{fmt_int(data.shared)} af {fmt_int(data.jobcenter)} ({fmt_pct(data.shared_pct)}) · "
    f"{fmt_int(data.shared_far)} af {fmt_int(data.jobcenter_far)} ({fmt_pct(data.shared_far_pct)}) · "
    f"særlige behov: {fmt_int(data.special_far)} ({fmt_pct(data.special_far_pct)})"
)

page.chart(
    charts.heatmap_matrix(data.matrix, f"Målgruppe og matchgruppe, {area}", label),
    data.matrix,
    alt=f"Varmekort over fælles borgere i {area} efter målgruppe og matchgruppe, {label}.",
    caption_text=page.caption(
        data.sources, label, "Farverne viser matrixens celler; i alt-rækkerne står på hvidt med fed skrift."
    ),
    key="matrix",
    table_columns={
        "row_label": "Målgruppe",
        "col_label": "Matchgruppe",
        "persons": "Antal personer",
        "row_share": "Andel af rækken (pct.)",
        "col_share": "Andel af kolonnen (pct.)",
    },
    counts=("persons",),
    shares={"row_share": ("row_label",), "col_share": ("col_label",)},  # a total's parts (disclosure)
    totals={"persons": (("col_label",), "is_total")},  # "Fælles borgere i alt" sums the target groups
)

if data.over_time.height > 1:
    page.chart(
        charts.category_time_series(
            data.over_time,
            "Pct.",
            "Fælles borgeres andel over tid",
            area,
            stacked=False,
            breaks=queries.series_breaks(),
        ),
        data.over_time,
        alt=f"Fælles borgeres andel af jobcentrets modtagere over tid i {area}.",
        caption_text=page.caption(data.sources),
        key="over_time",
        table_columns={"date": "Måned", "series": "Serie", "value": "Pct."},
    )

page.report_button("Fælles borgere")
