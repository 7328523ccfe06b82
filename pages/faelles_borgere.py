"""Fælles borgere: citizens the jobcenter and the social administration share, by target and match group."""

import streamlit as st

import queries
from presentation import charts, filters, page
from presentation.formatting import fmt_count, fmt_int, fmt_pct, plain
from queries import over_time

page.start("Fælles borgere")
choice = filters.sidebar_filters()
area = queries.area_name(choice.area)
period, label = page.pick_period(
    queries.match_group_periods(choice.area),
    "Opgørelsesmåned",
    "fælles borgere (målgruppe og matchgruppe)",
    area,
    until=choice.last,
)
data = queries.shared_citizens(choice.area, period)

far = plain(" og ".join(data.far_labels) or "grupperne længst fra arbejdsmarkedet")
of_recipients, of_far, special = st.columns(3)  # every label on two lines: one line would clip them on a laptop
of_recipients.metric(
    f"Fælles borgere i pct. af{page.LINE_BREAK}jobcentrets modtagere",
    fmt_pct(data.shared_pct),
    border=True,
    help=f"{fmt_int(data.shared)} af {fmt_count(data.jobcenter, 'modtager', 'modtagere')} er også "
    f"borgere i socialforvaltningen, {label}. Jobcentrets modtagere er alle ydelsesmodtagere i kommunens eget "
    "udtræk af matchgrupper, ikke kun kontanthjælpsmodtagerne på Overblik.",
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
for place in (of_recipients, of_far, special):
    page.demo_badge(data.sources, place)
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

page.glossary([*data.matrix["row_label"].to_list(), *data.matrix["col_label"].to_list()])

st.subheader("Over tid")
history = queries.shared_over_time(choice.areas, choice.first, choice.last, choice.freq)
own = history.filter(history["area_code"] == choice.area)
if own.is_empty():
    st.info(f"{plain(area)} har ingen tal om fælles borgere i den valgte periode.", icon=":material/info:")
else:
    others = [queries.area_name(a) for a in choice.areas[1:]]
    missing = [name for code, name in zip(choice.areas[1:], others, strict=True) if code not in history["area_code"]]
    shown = [name for name in others if name not in missing]
    notes = [over_time.note(choice.freq, "fælles borgere i pct. af modtagerne, begge summeret over månederne")]
    if missing:
        # Match groups and target groups come from each municipality's own systems, not from jobindsats.
        notes.append(
            f"Ingen tal for {', '.join(missing)}: fælles borgere opgøres i kommunernes egne systemer, "
            "og kun de indlæste kommuner kan sammenlignes."
        )
    page.chart(
        charts.compare_time_series(
            history,
            "Pct.",
            f"Fælles borgeres andel over tid, {area}",
            f"Sammenlignet med {', '.join(shown)}" if shown else None,
            queries.series_breaks(),
            chosen=area,
            reference=queries.area_name(queries.NATIONAL),
            freq=choice.freq,
            value_suffix=" %",
            series_title="Serie",
        ),
        history,
        alt=f"Fælles borgeres andel af jobcentrets modtagere og af grupperne længst fra arbejdsmarkedet over tid "
        f"i {area}" + (f", sammenlignet med {', '.join(shown)}." if shown else "."),
        caption_text=page.caption(
            queries.shared_sources(choice.areas, choice.first, choice.last),
            f"{filters.month_label(choice.first)} – {filters.month_label(choice.last)}",
            " ".join(filter(None, notes)) or None,
        ),
        key="over_time",
        table_columns={
            "period_label": "Periode",
            "date": "Periodens start",
            "area": "Område",
            "series": "Serie",
            "era": "Opgørelse",
            "value": "Pct.",
        },
    )

page.report_button("Fælles borgere", choice)
