"""Benchmark: actual against expected full-time persons on public support (jobindsats y30r21), the ranking and
the municipalities with similar framework conditions."""

import streamlit as st

import queries
from presentation import charts, filters, page
from presentation.formatting import fmt_int, fmt_pct, fmt_signed, plain

page.start("Benchmark")
choice = filters.sidebar_filters()
area = queries.area_name(choice.area)
st.caption(
    "Beskæftigelsesministeriets benchmark (jobindsats y30r21): kommunens faktiske antal fuldtidspersoner på "
    "offentlig forsørgelse mod det antal, kommunens rammevilkår giver forventning om. Løbende år (fire "
    "kvartaler, så sidepanelets frekvens gælder ikke her); placering 1 er bedst, dvs. længst under det forventede. "
    "Hele landet har intet benchmark: forventningen beregnes for hver kommune, og placeringen er kommunernes indbyrdes."
)

groups = queries.benchmark_groups(choice.area)
if groups.is_empty():
    page.no_data("benchmark (forventet og faktisk forsørgelse)", area)
    st.stop()
left, right = st.columns(2)
group, group_label = page.choose("Ydelsesgruppe", groups, "benefit_group", "label", place=left)
unit = right.radio("Vis", list(queries.BENCHMARK_UNITS), format_func=queries.BENCHMARK_UNITS.get, horizontal=True)

series = queries.benchmark_series(choice.area, group, choice.first, choice.last)
latest = queries.benchmark_latest(series)
if latest is None:
    page.no_data(f"benchmark for {group_label.lower()} i den valgte periode", area)
    st.stop()

actual, expected, difference = st.columns(3)
actual.metric(
    "Faktisk antal fuldtidspersoner",
    fmt_int(latest["actual_ftp"]),
    border=True,
    help=f"Faktisk andel: {fmt_pct(latest['actual_pct'], 2)}",
)
expected.metric(
    "Forventet antal fuldtidspersoner",
    fmt_int(latest["expected_ftp"]),
    border=True,
    help=f"Forventet andel: {fmt_pct(latest['expected_pct'], 2)}",
)
difference.metric(
    "Forskel (fuldtidspersoner)",
    fmt_signed(latest["difference_ftp"], 0),
    border=True,
    help="Faktisk minus forventet; under 0 er færre på forsørgelse end rammevilkårene giver forventning om.",
)
share_difference, rank = st.columns(2)  # two rows, the second wider: "−0,40 pct.-point" needs the width
share_difference.metric(
    "Forskel i andel",
    fmt_signed(latest["difference_pct"], 2, " pct.-point"),
    border=True,
    help="Faktisk minus forventet andel af befolkningen.",
)
rank.metric(
    "Placering på benchmarkranglisten",
    f"nr. {latest['rank']} af {latest['ranked']}" if latest["rank"] is not None else "–",
    border=True,
    help="1 er den kommune, der ligger længst under det forventede.",
)
for place in (actual, expected, difference, share_difference, rank):
    page.demo_badge([latest["source"]], place)
st.caption(plain(f"{area}, {latest['period_label']}."))

first_label, last_label = series["period_label"][0], latest["period_label"]
span = first_label if first_label == last_label else f"{first_label} – {last_label}"
lines = queries.benchmark_lines(series, unit)
y_title = queries.BENCHMARK_UNITS[unit]
page.chart(
    charts.benchmark_time_series(
        lines,
        y_title,
        f"Faktisk og forventet forsørgelse, {area}",
        group_label,
        queries.series_breaks(),
        value_format=queries.BENCHMARK_FORMATS[unit],
    ),
    series,
    alt=f"Faktisk og forventet antal fuldtidspersoner på offentlig forsørgelse i {area} over tid.",
    caption_text=page.caption(
        series["source"], span, "Forventet: ud fra kommunens rammevilkår (Beskæftigelsesministeriets model)."
    ),
    key="series",
    table_columns={
        "period_label": "Periode",
        "actual_ftp": "Faktisk (fuldtidspersoner)",
        "expected_ftp": "Forventet (fuldtidspersoner)",
        "difference_ftp": "Forskel (fuldtidspersoner)",
        "actual_pct": "Faktisk andel (pct.)",
        "expected_pct": "Forventet andel (pct.)",
        "difference_pct": "Forskel (pct.-point)",
        "rank": "Placering",
        "ranked": "Kommuner",
    },
    decimals=queries.BENCHMARK_DECIMALS,
)

st.subheader("Sammenlignet med andre kommuner")
if choice.compare:
    compared = queries.benchmark_comparison(choice.area, choice.compare, group, choice.first, choice.last)
    without = [queries.area_name(c) for c in choice.compare if c not in set(compared["area_code"].to_list())]
    page.chart(
        charts.benchmark_comparison_series(
            compared,
            "Faktisk minus forventet andel (pct.-point)",
            f"Forskel fra det forventede, {area} og sammenligningsområderne",
            f"{group_label}; under 0: færre på forsørgelse end forventet",
        ),
        compared,
        alt=f"Forskellen mellem faktisk og forventet andel over tid for {area} og sammenligningsområderne.",
        caption_text=page.caption(
            compared["source"],
            span,
            "Andele, ikke antal, så kommuner af forskellig størrelse kan sammenlignes."
            + (f" Intet benchmark for {', '.join(without)}." if without else ""),
        ),
        key="compared",
        table_columns={
            "area": "Kommune",
            "period_label": "Periode",
            "expected_pct": "Forventet andel (pct.)",
            "actual_pct": "Faktisk andel (pct.)",
            "difference_pct": "Forskel (pct.-point)",
            "difference_ftp": "Forskel (fuldtidspersoner)",
            "rank": "Placering",
        },
        decimals=queries.BENCHMARK_DECIMALS,
    )
else:
    st.caption(
        f"Vælg kommuner under »Sammenlign med« i sidepanelet (eller »Lignende rammevilkår«) for at se deres "
        f"forskel fra det forventede over tid ved siden af {plain(area)}."
    )

st.subheader("Kommuner med lignende rammevilkår")
similar = queries.benchmark_similar(choice.area, group, latest["period"], 5)
if similar.height > 1:
    period_label = latest["period_label"]
    page.chart(
        charts.benchmark_difference_bars(
            similar,
            "Faktisk minus forventet andel (pct.-point)",
            f"Lignende rammevilkår som {area}",
            f"{group_label}, {period_label}",
        ),
        similar,
        alt=f"Forskellen mellem faktisk og forventet andel for {area} og de fem kommuner med nærmest forventet andel.",
        caption_text=page.caption(
            similar["source"],
            period_label,
            "Lignende rammevilkår: de fem kommuner med nærmest forventet andel. "
            "Under 0: færre på forsørgelse end forventet.",
        ),
        key="similar",
        table_columns={
            "area": "Kommune",
            "expected_pct": "Forventet andel (pct.)",
            "actual_pct": "Faktisk andel (pct.)",
            "difference_pct": "Forskel (pct.-point)",
            "difference_ftp": "Forskel (fuldtidspersoner)",
            "rank": "Placering",
        },
        decimals=queries.BENCHMARK_DECIMALS,
    )
else:
    page.no_data("andre kommuner med benchmark i samme periode", area)

st.subheader("Benchmarkranglisten")
# The rolling year of the key figures above, so the ranking and the cards agree.
period, period_label = page.pick_period(
    queries.benchmark_periods(group), "Periode", "benchmark", area, default=latest["period"]
)
ranking = queries.benchmark_marked(queries.benchmark_ranking(period, group), choice.area, choice.compare)
page.table(
    ranking,
    {
        "rank": "Placering",
        "area": "Kommune",
        "expected_pct": "Forventet andel (pct.)",
        "actual_pct": "Faktisk andel (pct.)",
        "difference_pct": "Forskel (pct.-point)",
        "expected_ftp": "Forventet (fuldtidspersoner)",
        "actual_ftp": "Faktisk (fuldtidspersoner)",
        "difference_ftp": "Forskel (fuldtidspersoner)",
    },
    marks="marked",
    decimals=queries.BENCHMARK_DECIMALS,
)
marked = f"{area} er markeret med blåt" + (", sammenligningsområderne med gråt" if choice.compare else "")
st.caption(plain(page.caption(ranking["source"], period_label, f"{group_label}. {marked}.")))

page.report_button("Benchmark", choice, benchmark_group=group, benchmark_unit=unit)
