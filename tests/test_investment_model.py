"""Investment model: refusion steps, municipal net cost, the return curve and the published cases."""

from __future__ import annotations

from itertools import accumulate

import polars as pl
import pytest

from pipelines.investment_model import (
    PRESETS,
    Scenario,
    mentor_vs_s85,
    municipal_cost_per_year,
    project,
    published_case,
    summary,
)

M = 1_000_000


def test_municipal_cost_per_year():
    gross = 180_000.0
    # Two years in: every week of the coming year is at the 20 % refusion step.
    assert municipal_cost_per_year(gross, 104) == 0.8 * gross
    assert municipal_cost_per_year(gross, 52) == 0.8 * gross
    # A new spell: weeks 1..52 span the three first steps.
    assert municipal_cost_per_year(gross, 0) == pytest.approx((4 * 0.2 + 22 * 0.6 + 26 * 0.7) / 52 * gross, rel=1e-15)
    # Straddling the step at week 52/53: 4 weeks at 70 %, 48 weeks at 80 %.
    assert municipal_cost_per_year(gross, 48) == pytest.approx((4 * 0.7 + 48 * 0.8) / 52 * gross, rel=1e-15)


# Hand-computed: 20 FTE x 500,000 = 10m a year; net cost per recipient 0.8 x 100,000 = 80,000;
# 1,000 recipients, reduction 10 %, 20 %, 30 %, 40 %, 40 % (capped) -> avoided 8, 16, 24, 32, 32m;
# net -2, 6, 14, 22, 22m; cumulative -2, 4, 18, 40, 62m -> break-even in 2031.
SIMPLE = Scenario(
    extra_caseworkers=20,
    cost_per_fte=500_000,
    recipients=1_000,
    reduction_pct_per_year=10,
    max_reduction_pct=40,
    annual_gross_benefit=100_000,
    weeks_on_benefit=104,
    years=5,
    start_year=2030,
)


def test_project_rows_and_values():
    df = project(SIMPLE)
    assert df.columns == ["year", "investment", "avoided", "net", "cumulative", "recipients_avoided"]
    assert df["year"].dtype == pl.Int64
    assert df["year"].to_list() == [2030, 2031, 2032, 2033, 2034]
    assert df["investment"].to_list() == [10 * M] * 5
    assert df["recipients_avoided"].to_list() == pytest.approx([100, 200, 300, 400, 400], rel=1e-12)
    assert df["avoided"].to_list() == pytest.approx([8 * M, 16 * M, 24 * M, 32 * M, 32 * M], rel=1e-12)
    assert df["net"].to_list() == pytest.approx([-2 * M, 6 * M, 14 * M, 22 * M, 22 * M], rel=1e-12)
    assert df["cumulative"].to_list() == list(accumulate(df["net"].to_list()))
    assert df["cumulative"].to_list() == pytest.approx([-2 * M, 4 * M, 18 * M, 40 * M, 62 * M], rel=1e-12)


def test_summary_break_even_and_return():
    result = summary(project(SIMPLE))
    assert result["break_even_year"] == 2031
    assert result["total_investment"] == 50 * M
    assert result["total_avoided"] == pytest.approx(112 * M, rel=1e-12)
    assert result["total_net"] == pytest.approx(62 * M, rel=1e-12)
    assert result["return_per_krone"] == pytest.approx(112 / 50, rel=1e-12)


def test_summary_never_breaks_even_and_no_investment():
    never = summary(project(Scenario(reduction_pct_per_year=0.0)))
    assert never["break_even_year"] is None
    assert never["return_per_krone"] == 0.0
    free = summary(project(Scenario(extra_caseworkers=0, offers_cost_per_year=0)))
    assert free["return_per_krone"] is None
    assert free["break_even_year"] == 2026


def test_offers_cost_adds_to_investment():
    df = project(Scenario(extra_caseworkers=2, cost_per_fte=600_000, offers_cost_per_year=300_000, years=2))
    assert df["investment"].to_list() == [1_500_000.0, 1_500_000.0]


def test_higher_reduction_moves_curve_up():
    low = project(Scenario(reduction_pct_per_year=5))
    high = project(Scenario(reduction_pct_per_year=15))
    assert all(h > lo for h, lo in zip(high["avoided"], low["avoided"], strict=True))
    assert all(h > lo for h, lo in zip(high["cumulative"], low["cumulative"], strict=True))
    assert summary(high)["return_per_krone"] > summary(low)["return_per_krone"]


def test_scenario_rejects_nonsense():
    with pytest.raises(ValueError):
        Scenario(recipients=-1)
    with pytest.raises(ValueError):
        Scenario(caseload_after=0)
    with pytest.raises(ValueError):
        Scenario(years=0)
    with pytest.raises(ValueError):
        Scenario(max_reduction_pct=120)


def _lines(rows):
    return pl.DataFrame(
        rows, schema={"line": pl.Utf8, "line_role": pl.Utf8, "amount_dkk": pl.Float64, "basis": pl.Utf8}, orient="row"
    )


def test_published_case_hjorring_second_year():
    result = published_case(
        _lines(
            [
                ("investering", "cost", -28.7 * M, "Hjørring, 2. projektår"),
                ("besparelse", "saving", 47.3 * M, "Hjørring, 2. projektår"),
                ("nettogevinst", "stated", 17.3 * M, "Hjørring, 2. projektår"),
                ("kilde", "info", None, "offentliggjort business case"),
            ]
        )
    )
    assert result["invested"] == pytest.approx(28.7 * M, abs=1e-6)
    assert result["costs"] == pytest.approx(28.7 * M, abs=1e-6)
    assert result["savings"] == pytest.approx(47.3 * M, abs=1e-6)
    assert result["computed_net"] == pytest.approx(18.6 * M, abs=1e-6)
    assert result["stated_net"] == pytest.approx(17.3 * M, abs=1e-6)
    assert result["discrepancy"] == pytest.approx(-1.3 * M, abs=1e-6)


def test_published_case_aabenraa_2016():
    result = published_case(
        _lines(
            [
                ("besparelse_kontanthjaelp", "saving", 37.7 * M, "Aabenraa 2016"),
                ("andre_ydelser", "cost", -18.1 * M, "Aabenraa 2016"),
                ("loen_administration", "cost", -9.7 * M, "Aabenraa 2016"),
                ("nettogevinst", "stated", 9.9 * M, "Aabenraa 2016"),
            ]
        )
    )
    assert result["computed_net"] == pytest.approx(9.9 * M, abs=1e-6)
    assert result["discrepancy"] == pytest.approx(0.0, abs=1e-6)
    assert result["costs"] == pytest.approx(27.8 * M, abs=1e-6)
    # No line named "investering": nothing counts as invested, and it shows as 0, not -0.
    assert result["invested"] == 0.0
    assert str(result["invested"]) == "0.0"


def test_published_case_without_stated_line():
    result = published_case(_lines([("investering", "cost", -5.0, "x"), ("besparelse", "saving", 7.0, "x")]))
    assert result["stated_net"] is None
    assert result["discrepancy"] is None
    assert result["computed_net"] == 2.0


def test_published_case_rejects_bad_input():
    with pytest.raises(ValueError, match="ukendt line_role"):
        published_case(_lines([("x", "kost", -1.0, "x")]))
    with pytest.raises(ValueError, match="beløb mangler"):
        published_case(_lines([("x", "cost", None, "x")]))
    with pytest.raises(ValueError, match="mangler kolonne"):
        published_case(pl.DataFrame({"line": ["x"], "amount_dkk": [1.0]}))


def test_mentor_vs_s85():
    result = mentor_vs_s85(citizens=10, hours_per_week=3, weeks=40, hourly_cost=400)
    assert result["gross"] == 480_000
    assert result["mentor_municipal"] == 240_000
    assert result["mentor_refusion"] == 240_000
    assert result["s85_municipal"] == 480_000
    assert result["difference"] == 240_000
    assert result["s85_counts_against_serviceramme"] is True
    notes = " ".join(result["notes"])
    for phrase in (
        "50 % statsrefusion",
        "ressourceforløb",
        "jobafklaringsforløb",
        "budgetgarantien",
        "§ 85",
        "100 % kommunalt",
        "serviceramme",
    ):
        assert phrase in notes


def test_presets_reproduce_published_totals():
    assert set(PRESETS) == {"Hjørring", "Aabenraa", "Eget scenarie"}
    assert PRESETS["Eget scenarie"] == Scenario()

    hj = PRESETS["Hjørring"]
    assert (hj.extra_caseworkers, hj.caseload_before, hj.caseload_after) == (35, 80, 35)
    assert (hj.start_year, hj.years) == (2015, 5)
    hj_sum = summary(project(hj))
    assert hj_sum["total_investment"] == pytest.approx(158 * M)
    assert hj_sum["total_avoided"] == pytest.approx(312.7 * M, rel=0.01)
    assert hj_sum["total_net"] == pytest.approx(154.7 * M, rel=0.01)

    aa = PRESETS["Aabenraa"]
    assert (aa.extra_caseworkers, aa.recipients, aa.start_year, aa.years) == (14, 1_008, 2016, 3)
    aa_df = project(aa)
    assert aa_df["year"].to_list() == [2016, 2017, 2018]
    assert summary(aa_df)["total_investment"] == pytest.approx(68 * M)
    # The halving goal is reached (and capped) in the last year.
    assert aa_df["recipients_avoided"][-1] == pytest.approx(504)
