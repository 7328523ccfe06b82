"""The sections about the citizens: the summary (Overblik), Fælles borgere, Visitation and Aktivering."""

from __future__ import annotations

import re
from datetime import date

import polars as pl

import queries
from queries.over_time import note as over_time_note
from queries.over_time import whole as over_time_whole
from presentation import charts, export, page
from presentation import report_text as text
from presentation.formatting import fmt_pct
from presentation.report_model import KeyFigure, Section
from presentation.sections._common import (
    Choice,
    _crossed,
    _figure,
    _is_demo,
    _latest_begun,
    _plain_numbers,
    month_label,
    span,
)


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
                queries.shared_sources(c.areas, c.first, c.last),
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
