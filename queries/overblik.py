"""The Overblik page's questions: the key figures and recipients by category."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipelines import config, danish
from pipelines.periods import parse_period
from queries._snapshot import cached, run
from queries.investering import investment_lines
from queries.lookups import NATIONAL, area_name
from queries.visitation import activation_sources, visitation_sources


# --- Overblik ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: float | None
    previous: float | None  # a year earlier
    national: float | None
    unit: str  # "antal", "pct", "sager", "kr"
    page: str
    note: str = ""
    lower_is_better: bool = False  # fewer recipients is good news: the change is coloured accordingly
    sources: tuple[str, ...] = ()  # of the value (a demo badge on the card when one is the demo)
    flagged: bool = False  # above the guidance band (the caseload card)


def _is_demo(sources) -> bool:
    return config.DEMO_SOURCE in sources


def _same_kind(now: tuple[str, ...], before: tuple[str, ...]) -> bool:
    """Whether two figures may be compared: both from real sources or both from the demo (never one of each)."""
    return not now or not before or _is_demo(now) == _is_demo(before)


CROSS_SOURCE_NOTE = "Ingen ændring vist: året før er {before}, denne måned {now}; de kan ikke sammenlignes"


def _kind_text(sources) -> str:
    return "syntetiske demodata" if _is_demo(sources) else "rigtige tal"


@cached
def caseload_latest(area: str, period: str, preset: str) -> dict | None:
    """The area's newest caseload period up to ``period``: period, cases_per_worker (all teams), teams,
    teams_above (the band of ``preset``), band_low and band_high (the loosest band of its teams), sources;
    None without caseloads."""
    case = run("caseload_kpi", area=area, period=period, preset=preset)
    return case.row(0, named=True) if case.height else None


@cached
def overview(area: str, period: str, preset: str) -> list[Kpi]:
    """The home page's key figures for one area and month, with a year earlier and the country."""
    rec = run("recipients_by_category", area=area, period=period, national=NATIONAL)

    def total(df, code, which, ready=None):
        d = df.filter((pl.col("area_code") == code) & (pl.col("which") == which))
        if ready is not None:
            d = d.filter(pl.col("ready") == ready)
        return d["persons"].sum() if d.height and d["persons"].null_count() < d.height else None

    def share_not_ready(code, which):
        everyone = total(rec, code, which)
        not_ready = total(rec, code, which, ready=False)
        return 100.0 * not_ready / everyone if everyone and not_ready is not None else None

    act = run("activation_kpi", area=area, period=period, national=NATIONAL)

    def rate(code, which):
        d = act.filter((pl.col("area_code") == code) & (pl.col("which") == which))
        return d["activation_rate"][0] if d.height else None

    case_row = caseload_latest(area, period, preset)
    inv = investment_lines(area)
    net = None
    if inv.height:
        priced = inv.filter(pl.col("line_role").is_in(["cost", "saving"]))
        net = priced["amount_dkk"].sum() if priced.height else None
    shown = parse_period(period)
    month = shown.label if shown else period
    before = _year_before(period)
    rec_now = tuple(visitation_sources((area,), period, period))
    rec_before = tuple(visitation_sources((area,), before, before)) if before else ()
    act_now = tuple(activation_sources(area, period, period))
    act_before = tuple(activation_sources(area, before, before)) if before else ()

    def earlier(value, now, then):
        return value if _same_kind(now, then) else None

    def cross_note(now, then):
        return "" if _same_kind(now, then) else CROSS_SOURCE_NOTE.format(before=_kind_text(then), now=_kind_text(now))

    case_period = parse_period(case_row["period"]) if case_row else None
    kpis = [
        Kpi(
            "recipients",
            "Kontanthjælpsmodtagere",
            total(rec, area, "current"),
            earlier(total(rec, area, "year_before"), rec_now, rec_before),
            total(rec, NATIONAL, "current"),
            "antal",
            "visitation",
            # Fælles borgere's total counts another population, from another extract, often in another month.
            ". ".join(
                filter(
                    None,
                    (
                        f"Kontanthjælp og uddannelseshjælp, {month}. Ikke samme tal som »Jobcentrets modtagere i "
                        "alt« på Fælles borgere: det tæller alle ydelser i kommunens matchgruppeopgørelse",
                        cross_note(rec_now, rec_before),
                    ),
                )
            ),
            lower_is_better=True,
            sources=rec_now,
        ),
        Kpi(
            "not_ready",
            # Not "ikke jobparate": uddannelsesparate are not jobparate either, and they are not counted here.
            "Andel aktivitetsparate",
            share_not_ready(area, "current"),
            earlier(share_not_ready(area, "year_before"), rec_now, rec_before),
            share_not_ready(NATIONAL, "current"),
            "pct",
            "visitation",
            ". ".join(
                filter(
                    None,
                    (
                        "Aktivitetsparate i pct. af kontanthjælpsmodtagerne (før 2014: matchgruppe 4-5, 2010-2013 "
                        "indsatsklar og midlertidigt passiv)",
                        cross_note(rec_now, rec_before),
                    ),
                )
            ),
            lower_is_better=True,
            sources=rec_now,
        ),
        Kpi(
            "activation",
            "Aktiveringsgrad",
            rate(area, "current"),
            earlier(rate(area, "year_before"), act_now, act_before),
            rate(NATIONAL, "current"),
            "pct",
            "aktivering",
            cross_note(act_now, act_before),
            sources=act_now,
        ),
        Kpi(
            "caseload",
            "Sager pr. sagsbehandler",
            case_row["cases_per_worker"] if case_row else None,
            None,
            None,
            "sager",
            "sagstal",
            _caseload_note(case_row, case_period.label if case_period else None),
            sources=tuple(case_row["sources"] or ()) if case_row else (),
            # Red when the average itself is above the loosest band: teams above theirs are counted in the note.
            flagged=bool(
                case_row
                and case_row["band_high"] is not None
                and case_row["cases_per_worker"] is not None
                and case_row["cases_per_worker"] > case_row["band_high"]
            ),
        ),
        Kpi(
            "investment",
            "Investering: nettoresultat",
            net,
            None,
            None,
            "kr",
            "investering",
            "Summen af udgifter og besparelser i de indlæste investeringsposter"
            if net is not None
            else f"Ingen investeringsposter indlæst for {area_name(area)}: kortet viser et tal, når en kommunes "
            "regnskab for en investering er indlæst (siden Investering har modellen)",
            sources=tuple(sorted(set(inv["source"].to_list()))) if inv.height else (),
        ),
    ]
    return kpis


def _year_before(period: str) -> str | None:
    """The month a year before a month id (2025M11 for 2026M11); None for anything else."""
    shown = parse_period(period)
    if shown is None or shown.period_type != "M":
        return None
    return f"{shown.start.year - 1}M{shown.start.month:02d}"


def _caseload_note(case_row: dict | None, label: str | None) -> str:
    """The caseload card's line: the band, and how many teams are above it, in which period."""
    if not case_row:
        return ""
    teams = danish.count(case_row["teams"], "team", "teams")
    band = ""
    if case_row.get("band_low") is not None and case_row.get("band_high") is not None:
        low, high = danish.number(case_row["band_low"], 0), danish.number(case_row["band_high"], 0)
        band = f"DS' bånd {low}–{high} sager pr. sagsbehandler (efter område); "
    return f"{band}{case_row['teams_above']} af {teams} over båndet ({label or case_row['period']})"


OVERVIEW_COMPARED = ("recipients", "not_ready", "activation", "caseload")


def overview_comparison(area: str, compare: tuple[str, ...], period: str, preset: str) -> pl.DataFrame:
    """The key figures of the area, the comparison areas and the country side by side: area, marked ("chosen" for
    the area) and one column per key figure in ``OVERVIEW_COMPARED`` (recipients a whole number)."""
    rows = []
    for code in dict.fromkeys((area, *compare, NATIONAL)):
        figures = {k.key: k.value for k in overview(code, period, preset)}
        rows.append(
            {"area": area_name(code), "marked": "chosen" if code == area else None}
            | {key: figures[key] for key in OVERVIEW_COMPARED}
        )
    schema = {"area": pl.String, "marked": pl.String, **dict.fromkeys(OVERVIEW_COMPARED, pl.Float64)}
    return pl.DataFrame(rows, schema=schema).with_columns(pl.col("recipients").round(0).cast(pl.Int64))


@cached
def recipients_by_category(area: str, period: str) -> pl.DataFrame:
    """The area's and the country's share of recipients in each category this month, as comparison bars."""
    rec = run("recipients_by_category", area=area, period=period, national=NATIONAL).filter(
        pl.col("which") == "current"
    )
    shares = rec.with_columns((100.0 * pl.col("persons") / pl.col("persons").sum().over("area_code")).alias("value"))
    names = {area: area_name(area), NATIONAL: area_name(NATIONAL)}
    return shares.select(
        (pl.col("category_label") + ", " + pl.col("area_code").replace_strict(names)).alias("label"),
        "value",
        (pl.col("area_code") == area).alias("highlight"),
        "persons",
        "category_order",
        "area_code",
    ).sort("category_order", pl.col("area_code") != area)
