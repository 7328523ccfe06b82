"""The Overblik page's questions: the key figures and recipients by category."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipelines import danish
from pipelines.periods import parse_period
from queries._snapshot import cached, run
from queries.investering import investment_lines
from queries.lookups import NATIONAL, area_name


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


@cached
def caseload_latest(area: str, period: str, preset: str) -> dict | None:
    """The area's newest caseload period up to ``period``: period, cases_per_worker (all teams), teams,
    teams_above (the band of ``preset``); None without caseloads."""
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
    month = parse_period(period).label if parse_period(period) else period
    kpis = [
        Kpi(
            "recipients",
            "Kontanthjælpsmodtagere",
            total(rec, area, "current"),
            total(rec, area, "year_before"),
            total(rec, NATIONAL, "current"),
            "antal",
            "visitation",
            # Fælles borgere's total counts another population, from another extract, often in another month.
            f"Kontanthjælp og uddannelseshjælp, {month}. Ikke samme tal som »Jobcentrets modtagere i alt« på "
            "Fælles borgere: det tæller alle ydelser i kommunens matchgruppeopgørelse",
            lower_is_better=True,
        ),
        Kpi(
            "not_ready",
            # Not "ikke jobparate": uddannelsesparate are not jobparate either, and they are not counted here.
            "Andel aktivitetsparate",
            share_not_ready(area, "current"),
            share_not_ready(area, "year_before"),
            share_not_ready(NATIONAL, "current"),
            "pct",
            "visitation",
            "Aktivitetsparate i pct. af kontanthjælpsmodtagerne (før 2014: matchgruppe 4-5, 2010-2013 "
            "indsatsklar og midlertidigt passiv)",
            lower_is_better=True,
        ),
        Kpi(
            "activation",
            "Aktiveringsgrad",
            rate(area, "current"),
            rate(area, "year_before"),
            rate(NATIONAL, "current"),
            "pct",
            "aktivering",
        ),
        Kpi(
            "caseload",
            "Sager pr. sagsbehandler",
            case_row["cases_per_worker"] if case_row else None,
            None,
            None,
            "sager",
            "sagstal",
            f"{case_row['teams_above']} af {danish.count(case_row['teams'], 'team', 'teams')} over DS' bånd "
            f"({parse_period(case_row['period']).label if parse_period(case_row['period']) else case_row['period']})"
            if case_row
            else "",
        ),
        Kpi(
            "investment",
            "Investering: nettoresultat",
            net,
            None,
            None,
            "kr",
            "investering",
            "Summen af udgifter og besparelser i de indlæste investeringsposter",
        ),
    ]
    return kpis


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
