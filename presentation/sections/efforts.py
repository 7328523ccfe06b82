"""The sections about the work and its results: Sagstal, Investering and Benchmark."""

from __future__ import annotations


import polars as pl

import queries
from presentation import charts, investment, page
from presentation import report_text as text
from presentation.formatting import fmt_int, fmt_mio, fmt_num, fmt_pct, fmt_signed
from presentation.report_model import KeyFigure, Section
from presentation.sections._common import (
    Choice,
    RANKING_AROUND,
    RANKING_TOP,
    _crossed,
    _figure,
    _is_demo,
    _latest_begun,
)


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
