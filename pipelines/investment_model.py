"""Investment model: extra caseworkers against avoided municipal benefit spending.

Domain arithmetic, not data access (so not in ``queries``) and not loading, but kept with the rest of the
Streamlit-free core: pure functions only (no Streamlit, no I/O), so the Investering page can use them through
``queries`` and tests can pin the numbers.

The core question a municipality asks is "if we hire N more caseworkers, when do avoided benefit
payments pay for them?". The answer depends on the municipality's *net* cost of a recipient, which
after the 2016 refusion reform depends on how long the citizen has been on benefit: the state
reimburses a falling share the longer the spell, so long spells are the expensive ones for the
municipality and the ones where an investment pays back fastest.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import polars as pl

# (first week, last week or None for "and beyond", state refusion share) per the 2016 reform.
REFUSION_STEPS: tuple[tuple[int, int | None, float], ...] = (
    (1, 4, 0.80),
    (5, 26, 0.40),
    (27, 52, 0.30),
    (53, None, 0.20),
)

WEEKS_PER_YEAR = 52


def _municipal_share_fraction(first_week: int, last_week: int) -> Fraction:
    """Exact mean of (1 - refusion) over weeks first_week..last_week inclusive.

    Summed as fractions (from the decimal text of each rate) rather than floats because
    1 - 0.8 in binary floating point is 0.19999999999999996; exact arithmetic makes the
    published shares (20 %, 60 %, 80 % ...) come out exactly and keeps tests deterministic.
    Summed per step, not per week, so a spell of many years costs no more than four terms.
    """
    total = Fraction(0)
    for first, last, rate in REFUSION_STEPS:
        lo = max(first, first_week)
        hi = last_week if last is None else min(last, last_week)
        if hi >= lo:
            total += (hi - lo + 1) * (1 - Fraction(repr(rate)))
    return total / (last_week - first_week + 1)


def municipal_cost_per_year(annual_gross_benefit: float, weeks_on_benefit: int) -> float:
    """Municipal net cost of one full-time recipient-year whose spell already lasted `weeks_on_benefit`.

    The year covers weeks weeks_on_benefit+1 .. weeks_on_benefit+52, so a recipient who has been on
    benefit for two years costs the municipality 80 % of the gross benefit (20 % refusion).
    """
    if weeks_on_benefit < 0:
        raise ValueError(f"uger på ydelse kan ikke være negativ, fik {weeks_on_benefit}")
    if annual_gross_benefit < 0:
        raise ValueError(f"ydelse pr. år kan ikke være negativ, fik {annual_gross_benefit}")
    share = _municipal_share_fraction(weeks_on_benefit + 1, weeks_on_benefit + WEEKS_PER_YEAR)
    # Round the share to float first, then multiply in float: 0.8 * gross then matches what a
    # reader computes by hand instead of differing in the last bit.
    return float(share) * annual_gross_benefit


@dataclass(frozen=True)
class Scenario:
    extra_caseworkers: float = 10.0
    cost_per_fte: float = 650_000.0  # DKK per year incl. overhead
    offers_cost_per_year: float = 0.0  # extra offers (tilbud) per year, DKK
    recipients: int = 1_000  # recipients in the target group at start
    caseload_before: float = 80.0
    # Informative only: the projection uses extra_caseworkers, so a user can test "fewer hires than the
    # target caseload needs".
    caseload_after: float = 40.0
    # Cumulative effect builds up: year 1 = r, year 2 = 2r ... capped at max_reduction_pct, because
    # closer follow-up helps each new cohort while the stock of long spells shrinks only gradually.
    reduction_pct_per_year: float = 10.0
    max_reduction_pct: float = 40.0
    annual_gross_benefit: float = 180_000.0  # DKK per full-time recipient per year
    # Typical time on benefit already; sets the refusion step (long spells mean 20 % refusion).
    weeks_on_benefit: int = 104
    years: int = 5
    start_year: int = 2026

    def __post_init__(self) -> None:
        # Validate here so the page can show one clear Danish message instead of a silent
        # nonsense curve (e.g. negative recipients or a zero caseload dividing by zero).
        non_negative = {
            "extra_caseworkers": "ekstra sagsbehandlere",
            "cost_per_fte": "udgift pr. årsværk",
            "offers_cost_per_year": "udgift til tilbud pr. år",
            "recipients": "antal modtagere",
            "reduction_pct_per_year": "reduktion pr. år",
            "max_reduction_pct": "maksimal reduktion",
            "annual_gross_benefit": "ydelse pr. år",
            "weeks_on_benefit": "uger på ydelse",
        }
        for name, label in non_negative.items():
            if getattr(self, name) < 0:
                raise ValueError(f"{label} kan ikke være negativ, fik {getattr(self, name)}")
        if self.caseload_before <= 0 or self.caseload_after <= 0:
            raise ValueError("sagstal skal være større end 0")
        if self.max_reduction_pct > 100:
            raise ValueError(f"maksimal reduktion kan ikke overstige 100 %, fik {self.max_reduction_pct}")
        if self.years < 1:
            raise ValueError(f"antal år skal være mindst 1, fik {self.years}")


def project(s: Scenario) -> pl.DataFrame:
    """One row per year: investment, avoided municipal benefit spending, net and cumulative net."""
    # The duration mix of the remaining stock is assumed stable, so every avoided recipient-year is
    # valued at the same refusion step; the typical duration is the scenario's weeks_on_benefit.
    cost_per_recipient = municipal_cost_per_year(s.annual_gross_benefit, s.weeks_on_benefit)
    investment = s.extra_caseworkers * s.cost_per_fte + s.offers_cost_per_year
    years, reductions = [], []
    for i in range(1, s.years + 1):
        years.append(s.start_year + i - 1)
        reductions.append(min(i * s.reduction_pct_per_year, s.max_reduction_pct) / 100)
    recipients_avoided = [s.recipients * r for r in reductions]
    return (
        pl.DataFrame(
            {
                "year": years,
                "investment": [float(investment)] * s.years,
                "avoided": [n * cost_per_recipient for n in recipients_avoided],
                "recipients_avoided": [float(n) for n in recipients_avoided],
            },
            schema={
                "year": pl.Int64,
                "investment": pl.Float64,
                "avoided": pl.Float64,
                "recipients_avoided": pl.Float64,
            },
        )
        .with_columns(net=pl.col("avoided") - pl.col("investment"))
        .with_columns(cumulative=pl.col("net").cum_sum())
        .select("year", "investment", "avoided", "net", "cumulative", "recipients_avoided")
    )


def summary(df: pl.DataFrame) -> dict:
    """Totals, break-even year and return per invested krone for a project() frame."""
    total_investment = float(df["investment"].sum())
    total_avoided = float(df["avoided"].sum())
    break_even = df.filter(pl.col("cumulative") >= 0)["year"]
    return {
        "total_investment": total_investment,
        "total_avoided": total_avoided,
        "total_net": float(df["net"].sum()),
        "break_even_year": int(break_even[0]) if len(break_even) else None,
        # No investment means no meaningful ratio; None lets the page show "–" rather than inf.
        "return_per_krone": total_avoided / total_investment if total_investment else None,
    }


PUBLISHED_ROLES = ("cost", "saving", "stated", "info")
_PUBLISHED_COLUMNS = ("line", "line_role", "amount_dkk", "basis")


def _negate(value: float) -> float:
    # Adding 0.0 turns -0.0 into 0.0, so an absent cost shows as "0" rather than "-0".
    return -value + 0.0


def published_case(lines: pl.DataFrame) -> dict:
    """Recompute a published business case from its lines and compare with the stated net result.

    Amounts are signed (savings positive, costs negative). Published cases often state a net figure
    that does not match their own lines (rounding, omitted items), so the discrepancy is reported
    rather than hidden. "info" lines are context only and never enter the sums.
    """
    missing = [c for c in _PUBLISHED_COLUMNS if c not in lines.columns]
    if missing:
        raise ValueError(f"mangler kolonnen/kolonnerne {', '.join(missing)}")
    # An unknown or missing role would otherwise drop the line from every sum without a word.
    unknown = sorted({str(r) for r in lines["line_role"].to_list() if r not in PUBLISHED_ROLES})
    if unknown:
        raise ValueError(f"ukendt line_role: {', '.join(unknown)}")
    counted = lines.filter(pl.col("line_role").is_in(["cost", "saving", "stated"]))
    if counted["amount_dkk"].null_count():
        # A missing amount summed as 0 would silently change the net result.
        bad = counted.filter(pl.col("amount_dkk").is_null())["line"].to_list()
        raise ValueError(f"beløb mangler for linjen/linjerne {', '.join(map(str, bad))}")

    def total(expr: pl.Expr) -> float:
        return float(lines.filter(expr)["amount_dkk"].cast(pl.Float64).sum())

    is_cost = pl.col("line_role") == "cost"
    costs = total(is_cost)
    savings = total(pl.col("line_role") == "saving")
    computed_net = costs + savings
    has_stated = bool((lines["line_role"] == "stated").any())
    stated_net = total(pl.col("line_role") == "stated") if has_stated else None
    return {
        "invested": _negate(total(is_cost & (pl.col("line") == "investering"))),
        "costs": _negate(costs),
        "savings": savings,
        "computed_net": computed_net,
        "stated_net": stated_net,
        "discrepancy": stated_net - computed_net if stated_net is not None else None,
    }


MENTOR_REFUSION = 0.5  # LAB mentor support for ressourceforløb / jobafklaringsforløb


def mentor_vs_s85(citizens: int, hours_per_week: float, weeks: int, hourly_cost: float) -> dict:
    """Municipal cost of the same support given as LAB mentor support versus § 85 (Serviceloven)."""
    for label, value in (
        ("antal borgere", citizens),
        ("timer pr. uge", hours_per_week),
        ("antal uger", weeks),
        ("timepris", hourly_cost),
    ):
        if value < 0:
            raise ValueError(f"{label} kan ikke være negativ, fik {value}")
    gross = citizens * hours_per_week * weeks * hourly_cost
    mentor_refusion = gross * MENTOR_REFUSION
    mentor_municipal = gross * (1 - MENTOR_REFUSION)
    return {
        "gross": gross,
        "mentor_municipal": mentor_municipal,
        "mentor_refusion": mentor_refusion,
        "s85_municipal": gross,
        "difference": gross - mentor_municipal,
        "s85_counts_against_serviceramme": True,
        "notes": [
            "Mentorstøtte efter lov om en aktiv beskæftigelsesindsats (LAB) har 50 % statsrefusion "
            "for borgere i ressourceforløb eller jobafklaringsforløb.",
            "Udgifter til mentorstøtte efter LAB hører under budgetgarantien.",
            "Socialpædagogisk støtte efter servicelovens § 85 er 100 % kommunalt finansieret.",
            "Udgifter efter § 85 tæller med i kommunens serviceramme.",
        ],
    }


# --- Presets from published cases -------------------------------------------------------------
# Shared assumption: cost_per_fte stays at the 650,000 DKK default (a caseworker incl. overhead);
# the rest of each published investment is booked as offers, so the preset reproduces the
# published total investment without inflating the price of a caseworker.

# Hjørring: ~35 new caseworkers, caseloads from about 80 to about 35, DKK 158m invested against
# 312.7m saved 2015-19 (net 154.7m).
_HJ_YEARS = 5  # 2015-2019
_HJ_WORKERS = 35.0
_HJ_COST_PER_FTE = 650_000.0
# 158m over 5 years = 31.6m a year; 35 x 650,000 = 22.75m of that is caseworkers, the rest offers.
_HJ_OFFERS = 158_000_000 / _HJ_YEARS - _HJ_WORKERS * _HJ_COST_PER_FTE  # 8.85m
# The target group size is not published; 2,178 is the group for which a caseload change from 80 to
# 35 needs exactly the 35 hired caseworkers (R/35 - R/80 = 35 gives R = 2,177.8).
_HJ_RECIPIENTS = 2_178
# Calibrated so the 5-year avoided total is close to the published 312.7m: with a long-spell net cost
# of 0.8 x 180,000 = 144,000 DKK, 2,178 x 144,000 x (1+2+3+4+5) x 6.65 % = 312.8m (net 154.8m).
# The 40 % cap is not reached (year 5 = 33.25 %).
_HJ_REDUCTION = 6.65

# Aabenraa: DKK 68m set aside 2016-2018, 14 new caseworkers and consultants, goal to halve the
# aktivitetsparate (1,008 at the start of 2016; 499 by mid-January 2017).
_AA_YEARS = 3  # 2016-2018
_AA_WORKERS = 14.0
_AA_COST_PER_FTE = 650_000.0
# 68m over 3 years = 22.67m a year; 14 x 650,000 = 9.1m caseworkers, the rest offers (13.57m).
_AA_OFFERS = 68_000_000 / _AA_YEARS - _AA_WORKERS * _AA_COST_PER_FTE
_AA_RECIPIENTS = 1_008
# The goal (halve) is spread over the three-year period: 50/3 % a year, capped at 50 %. The fall to
# 499 aktivitetsparate by January 2017 counts a visitation category, not people off benefit (a
# citizen moved to jobparat can still receive kontanthjælp), so it is not read as avoided benefit.
_AA_REDUCTION = 50 / _AA_YEARS
# Aabenraa's caseloads are not published. caseload_before keeps the default 80; caseload_after is
# the level at which 1,008 recipients need the 14 extra caseworkers: 1,008 / (1,008/80 + 14) = 37.9.
_AA_CASELOAD_BEFORE = 80.0
_AA_CASELOAD_AFTER = 38.0

PRESETS: dict[str, Scenario] = {
    "Hjørring": Scenario(
        extra_caseworkers=_HJ_WORKERS,
        cost_per_fte=_HJ_COST_PER_FTE,
        offers_cost_per_year=_HJ_OFFERS,
        recipients=_HJ_RECIPIENTS,
        caseload_before=80.0,
        caseload_after=35.0,
        reduction_pct_per_year=_HJ_REDUCTION,
        max_reduction_pct=40.0,
        years=_HJ_YEARS,
        start_year=2015,
    ),
    "Aabenraa": Scenario(
        extra_caseworkers=_AA_WORKERS,
        cost_per_fte=_AA_COST_PER_FTE,
        offers_cost_per_year=_AA_OFFERS,
        recipients=_AA_RECIPIENTS,
        caseload_before=_AA_CASELOAD_BEFORE,
        caseload_after=_AA_CASELOAD_AFTER,
        reduction_pct_per_year=_AA_REDUCTION,
        max_reduction_pct=50.0,
        years=_AA_YEARS,
        start_year=2016,
    ),
    "Eget scenarie": Scenario(),
}
