"""What each page of the council report shows, gathered for one choice of municipality, period and options.

This is the only module of the report that calls the query functions and the chart builders: when their
signatures change, this file is the one to adapt. Everything it returns is ``report_model`` data: key figures
and tables as formatted Danish text, charts as Altair objects with the caption every export of them carries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import polars as pl

import queries
from queries.over_time import note as over_time_note
from queries.over_time import whole as over_time_whole
from pipelines.config import DEMO_SOURCE
from pipelines.periods import parse_period
from presentation import charts, export, investment, page
from presentation import report_text as text
from presentation.formatting import fmt_int, fmt_mio, fmt_num, fmt_pct, fmt_signed
from presentation.report_model import Figure, KeyFigure, Section

ACTIVATION_TARGET = 35.0  # the page's default target (Københavns strategi fra 2008)
RANKING_TOP = 10  # the ranking excerpt: the best ten and the municipality's neighbours
RANKING_AROUND = 2


@dataclass(frozen=True)
class Choice:
    """What the report is made for: the sidebar's filters and, where a page has its own options, those."""

    area: str
    first: str
    last: str
    freq: str = "M"
    compare: tuple[str, ...] = ()
    scenario: str = next(iter(queries.SCENARIO_PRESETS))
    scenario_inputs: dict | None = None  # the Investering page's fields; None: the preset as it is
    target: float = ACTIVATION_TARGET
    measure: str = "persons"
    age: str = "alle"
    shares: bool = False
    caseload_preset: str = "ds_aktuel"
    benchmark_group: str | None = None  # None: the first the municipality has (all benefit groups)
    benchmark_unit: str = "ftp"
    extra: dict = field(default_factory=dict)

    @property
    def areas(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.area, *self.compare, queries.NATIONAL)))

    @property
    def name(self) -> str:
        return queries.area_name(self.area)


def month_label(period: str) -> str:
    p = parse_period(period)
    return p.label if p else period


def span(c: Choice) -> str:
    return f"{month_label(c.first)} – {month_label(c.last)}"


def _plain_numbers(df: pl.DataFrame) -> pl.DataFrame:
    """Decimal columns (sums in SQL) as integers or floats: Vega-Lite and the exports take no Decimal."""
    fixes = [
        pl.col(name).cast(pl.Int64 if dtype.scale == 0 else pl.Float64)
        for name, dtype in df.schema.items()
        if isinstance(dtype, pl.Decimal)
    ]
    return df.with_columns(fixes) if fixes else df


def _figure(chart, data_sources, period: str | None, extra: str | None, alt: str, kind: str) -> Figure:
    sources = tuple(sorted({s for s in data_sources if s}))
    caption = page.caption(sources, period, extra)
    # A caption that starts with the demo warning starts a sentence under the chart: capitalised.
    return Figure(chart, caption[:1].upper() + caption[1:], alt, sources, kind, _is_demo(sources))


def _crossed(dates) -> list[dict]:
    """The classification breaks strictly inside the span of ``dates`` (a series that crosses them)."""
    dates = [d for d in dates if d is not None]
    if not dates:
        return []
    first, last = min(dates), max(dates)
    return [b for b in queries.series_breaks() if first < b["date"] <= last]


def _latest_begun(periods: pl.DataFrame, last: str) -> tuple[str, str] | None:
    """The newest period that has begun by the report's month (as the pages' default, but for that month)."""
    if periods.is_empty():
        return None
    end = parse_period(last).start if parse_period(last) else date.today()
    begun = periods.filter(pl.col("start_date") <= end)
    row = (begun if begun.height else periods).row(0, named=True)
    return row["period"], row["label"]


def _is_demo(sources) -> bool:
    return any(s == DEMO_SOURCE for s in sources)


# --- the summary (Overblik) ----------------------------------------------------------------------------------


def summary(c: Choice) -> Section:
    """Overblik's key figures with a sentence each, and the recipients by visitation category."""
    kpis = queries.overview(c.area, c.last, c.caseload_preset)
    shares = queries.recipients_by_category(c.area, c.last)
    sources = queries.visitation_sources((c.area, queries.NATIONAL), c.last, c.last)
    demo = _is_demo(sources) or any(_is_demo(k.sources) for k in kpis)
    figures = []
    if not shares.is_empty():
        figures.append(
            _figure(
                charts.bar_compare(
                    shares,
                    "Andel af modtagerne (pct.)",
                    f"Modtagere efter visitationskategori, {c.name}",
                    f"{month_label(c.last)}, sammenlignet med hele landet",
                    label_title="Kategori og område",
                ),
                sources,
                month_label(c.last),
                None,
                f"Andel af modtagerne i hver visitationskategori i {c.name} og hele landet.",
                "visitation",
            )
        )
    return Section(
        "Sammenfatning",
        f"{c.name}, {month_label(c.last)}. Ændring fra samme måned året før og landsgennemsnittet.",
        key_figures=[overview_figure(k, c.name, demo) for k in kpis],
        figures=figures,
    )


def overview_figure(kpi, area: str, demo: bool) -> KeyFigure:
    """One Overblik key figure exactly as its card shows it, with its sentence; a count of 1-4 as "<5" (the card
    is inside the app, the report leaves it), and then without its change, which would give the count away."""
    if kpi.unit == "antal" and kpi.value is not None and text.small(kpi.value) == export.SMALL_COUNT_LABEL:
        shown = export.SMALL_COUNT_LABEL
        sentence = f"{text.SUBJECTS.get(kpi.key, kpi.label)} er under {export.SMALL_COUNT_THRESHOLD}."
        national = page.format_value(kpi.national, kpi.unit) if kpi.national is not None else ""
        return KeyFigure(kpi.label, shown, "", national, sentence, demo)
    shown = page.format_value(kpi.value, kpi.unit)
    national = page.format_value(kpi.national, kpi.unit) if kpi.national is not None else ""
    sentence = text.kpi_sentence(kpi.key, kpi.label, shown, kpi.value, kpi.previous, kpi.national, kpi.unit, area)
    if kpi.key == "caseload" and kpi.note:
        # The card's note names the period by its code ("2026M09"); a sentence names it as a reader would.
        note = re.sub(r"\b\d{4}M\d{2}\b", lambda m: month_label(m.group(0)), kpi.note)
        sentence = f"{sentence} {note}."
    return KeyFigure(kpi.label, shown, page.kpi_delta(kpi) or "", national, sentence, demo and kpi.value is not None)


# --- Fælles borgere ------------------------------------------------------------------------------------------


def shared_citizens(c: Choice) -> Section:
    chosen = _latest_begun(queries.match_group_periods(c.area), c.last)
    title = "Fælles borgere"
    if chosen is None:
        return Section(title, empty=f"Der er ingen data om fælles borgere for {c.name}.")
    period, label = chosen
    data = queries.shared_citizens(c.area, period)
    demo = _is_demo(data.sources)
    far = " og ".join(data.far_labels) or "grupperne længst fra arbejdsmarkedet"
    key_figures = [
        KeyFigure(
            "Fælles borgere",
            text.small(data.shared),
            sentence=f"{text.small(data.shared)} af {text.small(data.jobcenter)} modtagere i jobcentret "
            f"({fmt_pct(data.shared_pct)}) er også borgere i socialforvaltningen.",
            demo=demo,
        ),
        KeyFigure(
            f"Fælles borgeres andel af {far}",
            fmt_pct(data.shared_far_pct),
            sentence=f"{text.small(data.shared_far)} af {text.small(data.jobcenter_far)} i {far} er fælles borgere.",
            demo=demo,
        ),
        KeyFigure(
            "Borgere med særlige behov i samme grupper",
            text.small(data.special_far),
            sentence=f"{fmt_pct(data.special_far_pct)} af grupperne har særlige behov (misbrug, handicap, "
            "psykisk sygdom).",
            demo=demo,
        ),
    ]
    figures = [
        _figure(
            charts.heatmap_matrix(
                data.matrix, f"Målgruppe og matchgruppe, {c.name}", label, small_below=export.SMALL_COUNT_THRESHOLD
            ),
            data.sources,
            label,
            "Farverne viser matrixens celler; i alt-rækkerne står på hvidt med fed skrift.",
            f"Varmekort over fælles borgere i {c.name} efter målgruppe og matchgruppe, {label}.",
            "match_group",
        )
    ]
    notes = []
    over_time = queries.shared_over_time(c.areas, c.first, c.last, c.freq)
    if over_time.filter(pl.col("area_code") == c.area).height > 1:
        shown = [queries.area_name(a) for a in c.areas[1:] if a in over_time["area_code"]]
        figures.append(
            _figure(
                charts.compare_time_series(
                    over_time,
                    "Pct.",
                    f"Fælles borgeres andel over tid, {c.name}",
                    f"Sammenlignet med {', '.join(shown)}" if shown else None,
                    queries.series_breaks(),
                    chosen=c.name,
                    reference=queries.area_name(queries.NATIONAL),
                    freq=c.freq,
                    value_suffix=" %",
                    series_title="Serie",
                ),
                data.sources,
                span(c),
                over_time_note(c.freq, "fælles borgere i pct. af modtagerne, begge summeret over månederne"),
                f"Fælles borgeres andel af jobcentrets modtagere over tid i {c.name}.",
                "match_group",
            )
        )
        if sentence := text.breaks_sentence(_crossed(over_time["date"].to_list())):
            notes.append(sentence)
    matrix = data.matrix.sort("row_order", "col_order")
    columns = matrix.select("col_label", "col_order").unique().sort("col_order")["col_label"].to_list()
    wide = matrix.pivot(on="col_label", index="row_label", values="persons", aggregate_function="first")
    wide = wide.select("row_label", *[col for col in columns if col in wide.columns])
    table = text.table(
        f"Fælles borgere efter målgruppe og matchgruppe, {label} (antal personer)",
        wide,
        {"row_label": "Målgruppe", **{col: col for col in columns if col in wide.columns}},
        counts=[col for col in columns if col in wide.columns],
        note=page.caption(data.sources, label),
    )
    return Section(
        title,
        f"Borgere, som både jobcentret og socialforvaltningen har, {label}.",
        key_figures,
        figures,
        [table],
        notes,
    )


# --- Visitation ----------------------------------------------------------------------------------------------


def _at(df: pl.DataFrame, when: date, by: str) -> dict:
    rows = df.filter(pl.col("date") == when)
    return dict(zip(rows[by].to_list(), rows["value"].to_list(), strict=True))


def visitation(c: Choice) -> Section:
    title = "Visitation"
    own = _plain_numbers(queries.visitation_series((c.area,), c.measure, c.age, c.first, c.last, c.freq, c.shares))
    if own.is_empty():
        return Section(title, empty=f"Der er ingen data om modtagere efter visitationskategori for {c.name}.")
    y_title = "Pct. af modtagerne" if c.shares else queries.MEASURES[c.measure]
    breaks = queries.series_breaks()
    sources = queries.visitation_sources((c.area,), c.first, c.last)
    figures = [
        _figure(
            charts.category_time_series(
                own,
                y_title,
                f"Modtagere efter visitationskategori, {c.name}",
                queries.AGE_BANDS[c.age],
                stacked=True,
                breaks=breaks,
            ),
            sources,
            span(c),
            "Matchgrupper (før 2014) og visitationskategorier vises hver for sig.",
            f"Modtagere i {c.name} efter visitationskategori over tid; brud i serien er markeret.",
            "visitation",
        )
    ]
    compared = _plain_numbers(queries.visitation_series(c.areas, c.measure, c.age, c.first, c.last, c.freq, True))
    compare_sources = queries.visitation_sources(c.areas, c.first, c.last)
    names = ", ".join(queries.area_name(a) for a in c.areas)
    figures.append(
        _figure(
            charts.category_time_series(
                compared, "Pct. af modtagerne", "Andel i hver kategori", names, stacked=False, breaks=breaks
            ),
            compare_sources,
            span(c),
            "Andele gør kommuner af forskellig størrelse sammenlignelige.",
            "Andel af modtagerne i hver visitationskategori for de valgte områder over tid.",
            "visitation",
        )
    )
    # The table: each category now and a year earlier (the first month would mostly show another classification).
    last = own["date"].max()
    year_before = last.replace(year=last.year - 1)
    when = [d for d in (year_before, last) if d >= own["date"].min()]
    categories = own.filter(pl.col("date").is_in(when)).sort("category_order")["series"].unique(maintain_order=True)
    categories = categories.to_list()
    at = {d: _at(own, d, "series") for d in when}
    wide = pl.DataFrame(
        {"series": categories, **{text.month(d): [at[d].get(cat) for cat in categories] for d in when}},
        schema={"series": pl.String, **{text.month(d): pl.Float64 for d in when}},
    )
    counted = not c.shares and c.measure == "persons"
    tables = [
        text.table(
            f"{y_title} efter visitationskategori, {c.name}",
            wide if counted is False else wide.with_columns(pl.col(text.month(d)).round(0) for d in when),
            {"series": "Kategori", **{text.month(d): text.month(d) for d in when}},
            counts=[text.month(d) for d in when] if counted else (),
            note=page.caption(sources, span(c)),
        )
    ]
    latest = compared.filter(pl.col("date") == compared["date"].max())
    if latest.height:
        area_names = [queries.area_name(a) for a in c.areas]
        wide_compare = latest.pivot(on="area", index="series", values="value", aggregate_function="first")
        shown_areas = [a for a in area_names if a in wide_compare.columns]
        tables.append(
            text.table(
                f"Andel af modtagerne i hver kategori, {text.month(latest['date'][0])} (pct.)",
                wide_compare,
                {"series": "Kategori", **{a: a for a in shown_areas}},
                note=page.caption(compare_sources, text.month(latest["date"][0])),
            )
        )
    notes = [s for s in (text.breaks_sentence(_crossed(own["date"].to_list())),) if s]
    return Section(
        title,
        f"Modtagere efter visitationskategori, {queries.AGE_BANDS[c.age].lower()}, {span(c)}.",
        [],
        figures,
        tables,
        notes,
    )


# --- Aktivering ----------------------------------------------------------------------------------------------


def activation(c: Choice) -> Section:
    title = "Aktivering"
    compared, averages = queries.activation(c.area, c.first, c.last, c.freq, c.areas[1:])
    series = compared.filter(pl.col("area_code") == c.area)
    sources = queries.activation_sources(c.area, c.first, c.last, c.areas[1:])
    if series.is_empty() and averages.is_empty():
        return Section(title, empty=f"Der er ingen data om aktivering for {c.name}.")
    figures, tables, notes, key_figures = [], [], [], []
    if not series.is_empty():
        others = [queries.area_name(a) for a in c.areas[1:]]
        figures.append(
            _figure(
                charts.compare_time_series(
                    compared,
                    "Aktiveringsgrad (pct.)",
                    f"Aktiveringsgrad, {c.name}",
                    f"Sammenlignet med {', '.join(others)}" if others else None,
                    queries.series_breaks(),
                    chosen=c.name,
                    reference=queries.area_name(queries.NATIONAL),
                    freq=c.freq,
                    value_suffix=" %",
                    target=c.target,
                    series_title="Gruppe",
                ),
                sources,
                span(c),
                " ".join(
                    (
                        f"Mål: {fmt_pct(c.target, 1)}.",
                        over_time_note(c.freq, "aktiverede i pct. af personerne, begge summeret over månederne"),
                    )
                ).strip(),
                f"Aktiveringsgrad over tid for grupper i {c.name} med en mållinje på {fmt_pct(c.target, 1)}.",
                "activation",
            )
        )
        last = series["date"].max()
        year_before = last.replace(year=last.year - 1)
        # A quarter's or a year's persons are means of its months: whole persons in a table, as on the page.
        now = over_time_whole(series.filter(pl.col("date") == last), queries.ACTIVATION_COUNTS)
        before = dict(_at(series, year_before, "series"))
        table_data = now.select(
            "series",
            pl.col("series").replace_strict(before, default=None, return_dtype=pl.Float64).alias("before"),
            "value",
            "persons",
            "activated",
        )
        tables.append(
            text.table(
                f"Aktiveringsgrad efter gruppe, {text.month(last)}",
                table_data,
                {
                    "series": "Gruppe",
                    "before": f"Aktiveringsgrad {text.month(year_before)} (pct.)",
                    "value": f"Aktiveringsgrad {text.month(last)} (pct.)",
                    "persons": "Personer",
                    "activated": "Aktiverede",
                },
                counts=("persons", "activated"),
                note=page.caption(sources, text.month(last)),
            )
        )
        if sentence := text.breaks_sentence(_crossed(series["date"].to_list())):
            notes.append(sentence)
    if not averages.is_empty():
        tables.append(text.table("Offentliggjorte gennemsnit", averages, {c_: c_ for c_ in averages.columns}))
    for kpi in queries.overview(c.area, c.last, c.caseload_preset):
        if kpi.key == "activation":
            key_figures.append(overview_figure(kpi, c.name, _is_demo(sources)))
    return Section(title, f"Aktiveringsgrad efter gruppe, {span(c)}.", key_figures, figures, tables, notes)


# --- Sagstal -------------------------------------------------------------------------------------------------


def caseload(c: Choice) -> Section:
    title = "Sagstal"
    chosen = _latest_begun(queries.caseload_periods(c.area), c.last)
    if chosen is None:
        return Section(title, empty=f"Der er ingen sagstal for {c.name}.")
    period, label = chosen
    teams = queries.caseloads(c.area, period, c.caseload_preset)
    if teams.is_empty():
        return Section(title, empty=f"Der er ingen sagstal for {c.name} i {label}.")
    summary_ = queries.caseload_summary(teams)
    sources = teams["data_source"].to_list()
    demo = _is_demo(sources)
    band = queries.GUIDANCE_PRESETS[c.caseload_preset]
    key_figures = [
        KeyFigure(
            "Teams over båndets øvre grænse",
            f"{summary_['above']} af {summary_['teams']}",
            sentence=f"{summary_['above']} af {summary_['teams']} teams har flere sager pr. sagsbehandler end "
            f"båndets øvre grænse ({band}).",
            demo=demo,
        ),
        KeyFigure(
            "Årsværk til øvre grænse",
            fmt_num(summary_["fte_needed_high"], 1),
            sentence=f"Der mangler {fmt_num(summary_['fte_needed_high'], 1)} årsværk, for at alle teams over båndet "
            "når ned på båndets øvre grænse.",
            demo=demo,
        ),
        KeyFigure(
            "Årsværk til nedre grænse",
            fmt_num(summary_["fte_needed_low"], 1),
            sentence=f"Der mangler {fmt_num(summary_['fte_needed_low'], 1)} årsværk, for at alle teams når ned på "
            "båndets nedre grænse.",
            demo=demo,
        ),
    ]
    figure = _figure(
        charts.caseload_band(teams, f"Sager pr. sagsbehandler, {c.name}", label),
        sources,
        label,
        "Bånd: " + band,
        f"Sager pr. sagsbehandler for hvert team i {c.name} med DS' vejledende bånd; teams over båndet er fremhævet.",
        "caseload",
    )
    table = text.table(
        f"Sager pr. sagsbehandler efter team, {label}",
        teams.with_columns(
            pl.format("{}–{}", pl.col("low").round(0).cast(pl.Int64), pl.col("high").round(0).cast(pl.Int64)).alias(
                "band"
            )
        ),
        {
            "team": "Team",
            "guidance_label": "Sagsområde",
            "cases": "Aktive sager",
            "caseworker_fte": "Årsværk",
            "cases_per_worker": "Sager pr. sagsbehandler",
            "band": "Bånd",
            "above": "Over båndet",
        },
        counts=("cases",),
        note=page.caption(sources, label, "Bånd: " + band),
    )
    return Section(
        title, f"Sager pr. sagsbehandler efter team mod DS' vejledende bånd, {label}.", key_figures, [figure], [table]
    )


# --- Investering ---------------------------------------------------------------------------------------------


def scenario_inputs(c: Choice) -> dict:
    """The scenario's fields: the page's, or the preset's (the fields the page shows, nothing else)."""
    if c.scenario_inputs:
        return dict(c.scenario_inputs)
    preset = queries.SCENARIO_PRESETS[c.scenario]
    names = (
        "extra_caseworkers",
        "cost_per_fte",
        "offers_cost_per_year",
        "recipients",
        "reduction_pct_per_year",
        "max_reduction_pct",
        "annual_gross_benefit",
        "weeks_on_benefit",
        "years",
        "start_year",
    )
    return {name: getattr(preset, name) for name in names}


SCENARIO_LABELS = {
    "extra_caseworkers": ("Ekstra sagsbehandlere (årsværk)", lambda v: fmt_num(v, 1)),
    "cost_per_fte": ("Udgift pr. årsværk", lambda v: fmt_int(v) + " kr."),
    "offers_cost_per_year": ("Tilbud og øvrige udgifter pr. år", lambda v: fmt_int(v) + " kr."),
    "recipients": ("Modtagere i målgruppen", fmt_int),
    "reduction_pct_per_year": ("Færre modtagere pr. år", lambda v: fmt_pct(v, 2)),
    "max_reduction_pct": ("Højst færre modtagere", lambda v: fmt_pct(v, 2)),
    "annual_gross_benefit": ("Ydelse pr. helårsmodtager (brutto)", lambda v: fmt_int(v) + " kr."),
    "weeks_on_benefit": ("Uger på ydelse ved start (refusionstrappe)", fmt_int),
    "years": ("År", fmt_int),
    "start_year": ("Første år", str),
}


def investment_section(c: Choice) -> Section:
    title = "Investering"
    inputs = scenario_inputs(c)
    result = queries.scenario(**inputs)
    s = result.summary
    per_krone = fmt_num(s["return_per_krone"], 2) + " kr." if s["return_per_krone"] is not None else "–"
    break_even = str(s["break_even_year"] or "ikke i perioden")
    key_figures = [
        KeyFigure("Samlet investering", fmt_mio(s["total_investment"])),
        KeyFigure("Undgåede udgifter (kommunens nettoudgift)", fmt_mio(s["total_avoided"])),
        KeyFigure("Break-even", break_even),
        KeyFigure(
            "Afkast pr. investeret krone",
            per_krone,
            sentence=f"Scenariet »{c.scenario}« investerer {fmt_mio(s['total_investment'])} og undgår udgifter for "
            f"{fmt_mio(s['total_avoided'])}; "
            + (
                f"det er tjent hjem i {s['break_even_year']}."
                if s["break_even_year"]
                else "det er ikke tjent hjem inden for perioden."
            ),
        ),
    ]
    figure = _figure(
        charts.investment_curve(result.years, "Investering mod undgåede udgifter", c.scenario),
        ["Helhedsbliks investeringsmodel"],
        None,
        investment.assumption(result),
        "Søjler for årlig investering og undgåede udgifter og en kurve for det akkumulerede nettoresultat.",
        "",
    )
    assumptions = pl.DataFrame(
        {
            "name": [label for label, _ in SCENARIO_LABELS.values()],
            "value": [shown(inputs[key]) for key, (_, shown) in SCENARIO_LABELS.items()],
        }
    )
    tables = [
        text.table(f"Scenariets antagelser ({c.scenario})", assumptions, {"name": "Antagelse", "value": "Værdi"}),
        text.table(
            "Scenariet år for år",
            result.years.with_columns(pl.col("year").cast(pl.String)),
            investment.SCENARIO_COLUMNS,
            decimals=investment.SCENARIO_DECIMALS,
            note=investment.assumption(result) + ".",
        ),
    ]
    cases = queries.published_cases(c.area)
    if cases:
        rows = pl.DataFrame(
            {
                "project": [case.project for case in cases],
                "period": [case.period_label for case in cases],
                "costs": [fmt_mio(case.costs) for case in cases],
                "savings": [fmt_mio(case.savings) for case in cases],
                "computed": [fmt_mio(case.computed_net) for case in cases],
                "stated": [fmt_mio(case.stated_net) for case in cases],
            }
        )
        tables.append(
            text.table(
                f"Offentliggjorte investeringer, {c.name}",
                rows,
                {
                    "project": "Projekt",
                    "period": "Periode",
                    "costs": "Udgifter",
                    "savings": "Besparelser",
                    "computed": "Beregnet netto",
                    "stated": "Oplyst netto",
                },
                note=page.caption(sorted({s_ for case in cases for s_ in case.sources})),
            )
        )
    return Section(
        title,
        f"Scenarie: flere sagsbehandlere (udgangspunkt »{c.scenario}«), som det er sat i Helhedsblik.",
        key_figures,
        [figure],
        tables,
    )


# --- Benchmark -----------------------------------------------------------------------------------------------


def benchmark(c: Choice) -> Section:
    title = "Benchmark"
    groups = queries.benchmark_groups(c.area)
    if groups.is_empty():
        return Section(title, empty=f"Der er ingen benchmark (forventet og faktisk forsørgelse) for {c.name}.")
    codes = groups["benefit_group"].to_list()
    group = c.benchmark_group if c.benchmark_group in codes else codes[0]
    group_label = groups.filter(pl.col("benefit_group") == group)["label"][0]
    series = queries.benchmark_series(c.area, group, c.first, c.last)
    latest = queries.benchmark_latest(series)
    if latest is None:
        return Section(title, empty=f"Der er ingen benchmark for {group_label.lower()} for {c.name} i perioden.")
    demo = _is_demo(series["source"].to_list())
    rank = f"nr. {latest['rank']} af {latest['ranked']}" if latest["rank"] is not None else "–"
    difference = latest["difference_ftp"]
    key_figures = [
        KeyFigure("Faktisk antal fuldtidspersoner", fmt_int(latest["actual_ftp"]), demo=demo),
        KeyFigure("Forventet antal fuldtidspersoner", fmt_int(latest["expected_ftp"]), demo=demo),
        KeyFigure("Forskel (fuldtidspersoner)", fmt_signed(difference, 0), demo=demo),
        KeyFigure("Forskel i andel", fmt_signed(latest["difference_pct"], 2, " pct.-point"), demo=demo),
        KeyFigure(
            "Placering på benchmarkranglisten",
            rank,
            sentence=(
                f"{c.name} har {fmt_int(abs(difference))} fuldtidspersoner "
                f"{'færre' if difference < 0 else 'flere'} på offentlig forsørgelse end rammevilkårene giver "
                f"forventning om ({latest['period_label']}) og ligger {rank} på ranglisten."
                if difference is not None
                else ""
            ),
            demo=demo,
        ),
    ]
    first_label = series["period_label"][0]
    span_ = first_label if first_label == latest["period_label"] else f"{first_label} – {latest['period_label']}"
    lines = queries.benchmark_lines(series, c.benchmark_unit)
    figures = [
        _figure(
            charts.benchmark_time_series(
                lines,
                queries.BENCHMARK_UNITS[c.benchmark_unit],
                f"Faktisk og forventet forsørgelse, {c.name}",
                group_label,
                queries.series_breaks(),
                value_format=queries.BENCHMARK_FORMATS[c.benchmark_unit],
            ),
            series["source"].to_list(),
            span_,
            "Forventet: ud fra kommunens rammevilkår (Beskæftigelsesministeriets model).",
            f"Faktisk og forventet antal fuldtidspersoner på offentlig forsørgelse i {c.name} over tid.",
            "benchmark",
        )
    ]
    tables = []
    similar = queries.benchmark_similar(c.area, group, latest["period"], 5)
    if similar.height > 1:
        figures.append(
            _figure(
                charts.benchmark_difference_bars(
                    similar,
                    "Faktisk minus forventet andel (pct.-point)",
                    f"Lignende rammevilkår som {c.name}",
                    f"{group_label}, {latest['period_label']}",
                ),
                similar["source"].to_list(),
                latest["period_label"],
                "Lignende rammevilkår: de fem kommuner med nærmest forventet andel. Under 0: færre på forsørgelse "
                "end forventet.",
                f"Forskellen mellem faktisk og forventet andel for {c.name} og de fem kommuner med nærmest forventet "
                "andel.",
                "benchmark",
            )
        )
        tables.append(
            text.table(
                f"Kommuner med lignende rammevilkår, {latest['period_label']}",
                similar,
                {
                    "area": "Kommune",
                    "expected_pct": "Forventet andel (pct.)",
                    "actual_pct": "Faktisk andel (pct.)",
                    "difference_pct": "Forskel (pct.-point)",
                    "difference_ftp": "Forskel (fuldtidspersoner)",
                    "rank": "Placering",
                },
                decimals=queries.BENCHMARK_DECIMALS,
                note=page.caption(similar["source"].to_list(), latest["period_label"]),
                bold=(similar["area_code"] == c.area).to_list(),
            )
        )
    ranking = queries.benchmark_ranking(latest["period"], group)
    if ranking.height:
        place = ranking.with_row_index("row").filter(pl.col("area_code") == c.area)["row"]
        around = set(range(RANKING_TOP))
        if len(place):
            around |= set(range(place[0] - RANKING_AROUND, place[0] + RANKING_AROUND + 1))
        excerpt = ranking.with_row_index("row").filter(pl.col("row").is_in(sorted(around)))
        # A gap in the excerpt is a row of its own ("…"), so no one reads place 10 and place 40 as neighbours.
        rows = excerpt.to_dicts()
        with_gaps = []
        for i, row in enumerate(rows):
            if i and row["row"] != rows[i - 1]["row"] + 1:
                with_gaps.append({key: ("…" if key == "area" else None) for key in row})
            with_gaps.append(row)
        excerpt = pl.DataFrame(with_gaps, schema=excerpt.schema)
        tables.append(
            text.table(
                f"Benchmarkranglisten, {latest['period_label']} ({group_label.lower()})",
                excerpt,
                {
                    "rank": "Placering",
                    "area": "Kommune",
                    "expected_pct": "Forventet andel (pct.)",
                    "actual_pct": "Faktisk andel (pct.)",
                    "difference_pct": "Forskel (pct.-point)",
                    "difference_ftp": "Forskel (fuldtidspersoner)",
                },
                decimals=queries.BENCHMARK_DECIMALS,
                bold=(excerpt["area_code"] == c.area).fill_null(False).to_list(),
                note=f"Udsnit: de {RANKING_TOP} bedste og kommunerne omkring {c.name} af "
                f"{fmt_int(ranking.height)}; placering 1 ligger længst under det forventede. "
                + page.caption(ranking["source"].to_list(), latest["period_label"]),
            )
        )
    notes = [s for s in (text.breaks_sentence(_crossed(series["date"].to_list())),) if s]
    return Section(
        title,
        "Beskæftigelsesministeriets benchmark (jobindsats y30r21): faktisk antal fuldtidspersoner på offentlig "
        f"forsørgelse mod det forventede ud fra rammevilkårene, {group_label.lower()}, løbende år.",
        key_figures,
        figures,
        tables,
        notes,
    )


# --- Data ----------------------------------------------------------------------------------------------------


def data_section(c: Choice) -> Section:
    cover = queries.coverage(c.area)
    loads = queries.loads_list()
    figures = []
    if not cover.is_empty():
        figures.append(
            _figure(
                charts.coverage(cover, "Rækker efter type og år", c.name),
                queries.freshness_sources(),
                None,
                None,
                "Varmekort over antal rækker efter datatype og år.",
                "",
            )
        )
    table = text.table(
        "Indlæsninger",
        loads,
        {
            "load_id": "Nr.",
            "kind_label": "Type",
            "rows": "Rækker",
            "loaded_at": "Indlæst",
            "source": "Kilde",
            "period_from": "Fra",
            "period_to": "Til",
        },
    )
    return Section("Data", "Hvad lageret indeholder, og hvor data dækker.", [], figures, [table])


# --- what the appendix needs ---------------------------------------------------------------------------------


def load_dates() -> dict[tuple[str, str], str]:
    """(extract kind, source) -> the newest load's date, for the appendix's sources per figure."""
    loads = queries.loads_list()
    out: dict[tuple[str, str], str] = {}
    for kind, source, loaded in loads.select("kind", "source", "loaded_at").iter_rows():
        key = (kind, source)
        shown = text.fmt_date(loaded.date()) if loaded else "–"
        if key not in out:  # newest first
            out[key] = shown
    return out


def source_label(source: str) -> str:
    return queries.source_label(source) or source


def freshness() -> dict:
    return queries.freshness()


def published_at():
    return queries.published().published_at


SECTIONS = {
    "faelles_borgere": shared_citizens,
    "visitation": visitation,
    "aktivering": activation,
    "sagstal": caseload,
    "investering": investment_section,
    "benchmark": benchmark,
}
EXTRA_SECTIONS = {"overblik": summary, "data": data_section}


def guidance_lines(c: Choice) -> list[str]:
    """DS' caseload guidance as the report's appendix lists it: "Integration: 35–50 sager"."""
    rows = queries.guidance(c.caseload_preset)
    return [
        f"{label}: {fmt_int(low)}–{fmt_int(high)} sager pr. sagsbehandler"
        for label, low, high in rows.select("guidance_label", "low", "high").iter_rows()
    ]


def break_lines() -> list[str]:
    return [f"{b['label']} ({text.month(b['date'])})" for b in queries.series_breaks()]


def municipalities() -> list[str]:
    """The 98 municipalities' codes (not the country, not the regions), for a batch of reports."""
    return queries.areas().filter(pl.col("area_type") == "kommune")["area_code"].to_list()


def forget() -> None:
    """Drop the query results and charts kept for the pages: a batch of reports asks each municipality once, so
    keeping them would only grow the process (the app's caches are bounded by entries, not by municipalities)."""
    import streamlit as st

    st.cache_data.clear()
    charts.forget()


def default_months() -> tuple[str, str]:
    """The period the app opens on: from its default first month (or the first with data) to the current month."""
    from presentation.filters import DEFAULT_FIRST

    first, last, current = queries.month_bounds()
    start = DEFAULT_FIRST if first and first <= DEFAULT_FIRST else first or DEFAULT_FIRST
    return start, current or last or start


def other_areas() -> list[str]:
    """The country's and the regions' codes: a report can be made for them too, but they are not in "all"."""
    return queries.areas().filter(pl.col("area_type") != "kommune")["area_code"].to_list()
