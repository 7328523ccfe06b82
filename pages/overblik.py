"""Overblik: the chosen municipality's key figures against a year earlier and the country."""

import polars as pl
import streamlit as st

import queries
from presentation import charts, filters, page
from presentation.formatting import fmt_count, fmt_date, plain

page.start("Overblik")
choice = filters.sidebar_filters()
area = queries.area_name(choice.area)
st.caption(
    f"{plain(area)}, {filters.month_label(choice.last)} (sidepanelets »Til«). Ændring fra samme måned året før; "
    "landstal i hjælpeteksten. Frekvensen gælder tidsserierne på de andre sider."
)

kpis = queries.overview(choice.area, choice.last, "ds_aktuel")
for place, kpi in zip(page.grid(len(kpis), 3), kpis, strict=True):
    page.kpi_card(place, kpi, choice.link(kpi.page))

# The comparison areas' key figures beside the chosen one's; the country's are in each card's help.
COMPARED = ("recipients", "not_ready", "activation", "caseload")
if choice.compare:
    st.subheader("Sammenlignet med andre kommuner")
    rows = []
    for code in (choice.area, *choice.compare, queries.NATIONAL):
        figures = {k.key: k for k in queries.overview(code, choice.last, "ds_aktuel")}
        row = {"area": queries.area_name(code), "marked": "chosen" if code == choice.area else None}
        row.update({key: figures[key].value for key in COMPARED})
        rows.append(row)
    compared = pl.DataFrame(
        rows, schema={"area": pl.String, "marked": pl.String, **dict.fromkeys(COMPARED, pl.Float64)}
    )
    labels = {k.key: k.label for k in kpis}
    page.table(
        compared.with_columns(pl.col("recipients").round(0).cast(pl.Int64)),
        {
            "area": "Område",
            **{key: labels[key] + (" (pct.)" if key in ("not_ready", "activation") else "") for key in COMPARED},
        },
        marks="marked",
        decimals={"not_ready": 1, "activation": 1, "caseload": 1},
    )
    st.caption(
        f"{plain(filters.month_label(choice.last))}; {plain(area)} markeret med blåt. Sagstal: hver kommunes nyeste "
        "opgørelse til og med måneden (Hele landet har ingen)."
    )

shares = queries.recipients_by_category(choice.area, choice.last)
if shares.is_empty():
    page.no_data("modtagere efter visitationskategori i den valgte måned", area)
else:
    page.chart(
        charts.bar_compare(
            shares,
            "Andel af modtagerne (pct.)",
            f"Modtagere efter visitationskategori, {area}",
            f"{filters.month_label(choice.last)}, sammenlignet med hele landet",
            label_title="Kategori og område",
        ),
        shares,
        alt=f"Andel af modtagerne i hver visitationskategori i {area} og hele landet.",
        caption_text=page.caption(
            queries.visitation_sources((choice.area, queries.NATIONAL)), filters.month_label(choice.last)
        ),
        key="categories",
        table_columns={"label": "Kategori og område", "persons": "Personer", "value": "Andel (pct.)"},
        counts=("persons",),
    )

fresh = queries.freshness()
if fresh["latest_loaded_at"] is not None:
    loads = fmt_count(fresh["loads"], "indlæsning", "indlæsninger")
    st.caption(
        f"Seneste indlæsning: {plain(fresh['latest_file'])} ({plain(fresh['latest_source'])}), "
        f"{fmt_date(fresh['latest_loaded_at'].date())} · {loads} i alt."
    )
if fresh.get("has_demo"):
    st.info(
        "Lageret indeholder syntetiske demodata for alle kommuner. De offentliggjorte tal (København 2007, "
        "Hjørring, Aabenraa, DS) er markeret med deres kilde.",
        icon=":material/info:",
    )

page.report_button("Overblik")
