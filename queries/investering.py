"""The Investering page's questions: published cases, the scenario model and the mentor comparison."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipelines import config, investment_model
from queries._snapshot import cached, run


# --- Investering -------------------------------------------------------------------------------


@cached
def investment_lines(area: str) -> pl.DataFrame:
    return run("investment_lines", area=area)


@cached
def investment_areas() -> pl.DataFrame:
    return run("investment_areas", demo_source=config.DEMO_SOURCE)


@dataclass(frozen=True)
class PublishedCase:
    project: str
    period_label: str
    basis_label: str
    costs: float
    savings: float
    computed_net: float
    stated_net: float | None
    discrepancy: float | None  # stated minus computed; None when the source states no net
    notes: str
    sources: list[str]


@cached
def published_cases(area: str) -> list[PublishedCase]:
    """Each project period's computed net beside the net its source states."""
    lines = investment_lines(area)
    priced = lines.filter(pl.col("line_role").is_in(["cost", "saving"]))
    out = []
    for (project, period, _basis), group in priced.group_by(["project", "period", "basis"], maintain_order=True):
        stated = lines.filter(
            (pl.col("project") == project) & (pl.col("period") == period) & (pl.col("line_role") == "stated")
        )
        figures = investment_model.published_case(pl.concat([group, stated]))
        out.append(
            PublishedCase(
                project=project,
                period_label=group["period_label"][0],
                basis_label=group["basis_label"][0],
                costs=figures["costs"],
                savings=figures["savings"],
                computed_net=figures["computed_net"],
                stated_net=figures["stated_net"],
                discrepancy=figures["discrepancy"],
                notes="; ".join(dict.fromkeys(n for n in pl.concat([group, stated])["note"].to_list() if n)),
                sources=sorted(set(group["source"].to_list())),
            )
        )
    return out


SCENARIO_PRESETS = investment_model.PRESETS


@dataclass(frozen=True)
class ScenarioResult:
    years: pl.DataFrame
    summary: dict
    municipal_share: float  # the municipality's net cost of a recipient-year, as a share of the gross benefit
    weeks_on_benefit: int


def scenario(**inputs) -> ScenarioResult:
    """The investment-return curve for the user's assumptions (pure arithmetic; not cached)."""
    s = investment_model.Scenario(**inputs)
    years = investment_model.project(s)
    return ScenarioResult(
        years,
        investment_model.summary(years),
        investment_model.municipal_cost_per_year(1.0, s.weeks_on_benefit),
        s.weeks_on_benefit,
    )


def mentor_comparison(citizens: int, hours_per_week: float, weeks: int, hourly_cost: float) -> dict:
    return investment_model.mentor_vs_s85(citizens, hours_per_week, weeks, hourly_cost)
