"""After the default build (demo, then the published figures), the stable views reproduce the sources."""

from __future__ import annotations

import pytest

from pipelines import integrity
from pipelines.warehouse import connect


@pytest.fixture(scope="module")
def views(built_warehouse):
    con = connect(built_warehouse)
    yield con
    con.close()


def one(con, sql, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_copenhagen_2007_shared_citizens(views):
    total = (
        "select persons from match_groups where area = 'København' and period = '2007M11' and "
        "administration = ? and target_group = 'i_alt' and match_group = 'i_alt'"
    )
    sof, bif = one(views, total, "both"), one(views, total, "jobcenter")
    assert (sof, bif) == (8884, 25015)
    far = (
        "select sum(persons) from match_groups where area = 'København' and period = '2007M11' and "
        "administration = ? and target_group = 'i_alt' and match_group in ('match_4', 'match_5')"
    )
    sof_far, bif_far = one(views, far, "both"), one(views, far, "jobcenter")
    assert (sof_far, bif_far) == (5735, 11019)
    special = one(
        views,
        "select sum(m.persons) from match_groups m join categories c on c.dimension = "
        "'target_group' and c.code = m.target_group where m.area = 'København' and "
        "m.period = '2007M11' and c.special_needs and m.match_group in ('match_4', 'match_5')",
    )
    assert special == 3357  # the shares the page shows of these (35,5 %, 52,0 %, 30,5 %): test_shared_citizens.py


def test_copenhagen_activation_and_the_78_percent(views):
    rates = views.execute(
        "select group_name, activation_rate from activation where area = 'København' and "
        "period = '2007M01-2008M07' order by 2"
    ).fetchall()
    assert [r[1] for r in rates] == [19.0, 35.0]
    assert (
        one(
            views,
            "select value from visitation where area = 'Hele landet' and measure = 'share_pct' "
            "and category = 'aktivitetsparat'",
        )
        == 78.0
    )


def test_aabenraa_net_and_counts(views):
    net = one(
        views,
        "select sum(amount_dkk) from investments where area = 'Aabenraa' and project = 'KIK' "
        "and period = '2016M01-2016M10' and line_role in ('cost', 'saving')",
    )
    assert round(net / 1e6, 1) == 9.9
    stated = one(views, "select amount_dkk from investments where area = 'Aabenraa' and line_role = 'stated'")
    assert stated == 9_900_000
    counts = views.execute(
        "select period, value from visitation where area = 'Aabenraa' and "
        "category = 'aktivitetsparat' and measure = 'persons' and period in ('2016M01', "
        "'2017M01') and source = 'offentliggjorte tal' order by period"
    ).fetchall()
    assert counts == [("2016M01", 1008.0), ("2017M01", 499.0)]


def test_hjoerring_visitation_series_and_money(views):
    rows = views.execute(
        "select period, age_group, category, value from visitation where area = 'Hjørring' and measure = "
        "'persons' and source = 'offentliggjorte tal' order by age_group, period, category"
    ).fetchall()
    got = {(p, a, c): v for p, a, c, v in rows}
    expected = {
        ("2014M06", "30_plus", "i_alt"): 878,
        ("2014M06", "30_plus", "jobparat"): 212,
        ("2014M06", "30_plus", "aktivitetsparat"): 666,
        ("2015M06", "30_plus", "i_alt"): 786,
        ("2015M06", "30_plus", "jobparat"): 241,
        ("2015M06", "30_plus", "aktivitetsparat"): 545,
        ("2016M10", "30_plus", "i_alt"): 680,
        ("2016M10", "30_plus", "jobparat"): 245,
        ("2016M10", "30_plus", "aktivitetsparat"): 435,
        ("2014M06", "under_30", "i_alt"): 560,
        ("2014M06", "under_30", "uddannelsesparat"): 296,
        ("2014M06", "under_30", "aktivitetsparat"): 264,
        ("2015M06", "under_30", "i_alt"): 517,
        ("2015M06", "under_30", "uddannelsesparat"): 304,
        ("2015M06", "under_30", "aktivitetsparat"): 213,
        ("2016M10", "under_30", "i_alt"): 335,
        ("2016M10", "under_30", "uddannelsesparat"): 200,
        ("2016M10", "under_30", "aktivitetsparat"): 135,
    }
    assert got == {k: float(v) for k, v in expected.items()}
    year2 = dict(
        views.execute(
            "select line, amount_dkk from investments where area = 'Hjørring' and project = 'Andet projektår'"
        ).fetchall()
    )
    assert year2["besparelse_ydelser"] + year2["investering"] == pytest.approx(18_600_000)
    assert year2["oplyst_netto"] == 17_300_000


def test_demo_is_labelled_and_covers_the_country(views):
    areas = one(views, "select count(distinct area_code) from visitation where source = 'syntetisk demo'")
    assert areas == 99  # 98 municipalities and Hele landet
    kinds = {r[0] for r in views.execute("select distinct kind from loads where source = 'syntetisk demo'").fetchall()}
    assert kinds == {"visitation", "match_group", "activation", "caseload", "investment", "benchmark"}
    assert one(views, "select count(distinct area_code) from benchmark where source = 'syntetisk demo'") == 98
    assert integrity.check(views) == []
