"""The synthetic national demo: format, determinism, eras, suppression and national sums."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipelines import demo

UNTIL = "2026M09"
EXPECTED_FILES = [
    "demo_aktivering.csv",
    "demo_benchmark.csv",
    "demo_faelles_borgere.csv",
    "demo_investering.csv",
    "demo_sagstal.csv",
    "demo_visitation_2007_2011.csv",
    "demo_visitation_2012_2016.csv",
    "demo_visitation_2017_2021.csv",
    "demo_visitation_2022_2026.csv",
]
HEADERS = {
    "demo_visitation": "Område;Periode;Ydelse;Køn;Alder;Visitationskategori;Antal personer;Fuldtidspersoner",
    "demo_faelles_borgere": "Område;Periode;Forvaltning;Målgruppe;Matchgruppe;Antal personer",
    "demo_aktivering": "Område;Periode;Gruppe;Antal personer;Aktiverede",
    "demo_sagstal": "Område;Periode;Team;Sagsområde;Aktive sager;Sagsbehandlere (årsværk)",
    "demo_investering": "Område;Projekt;År;Post;Beløb (kr.);Grundlag;Note",
    "demo_benchmark": "Område;Periode;Ydelsesgruppe;Forventet antal fuldtidspersoner;Faktisk antal fuldtidspersoner;"
    "Forventet andel (pct.);Faktisk andel (pct.);Forskel (fuldtidspersoner);"
    "Placering på benchmarkranglisten",
}
FAR = ["Matchgruppe 4", "Matchgruppe 5", "Indsatsklar", "Midlertidigt passiv", "Aktivitetsparat"]
# Whole numbers with thousands dots, one-decimal numbers with a decimal comma, or the '..' marker.
INT_TEXT = r"-?(\d{1,3}(\.\d{3})+|\d{1,3})"
DEC_TEXT = INT_TEXT + r",\d"


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    demo.write_demo(out, until=UNTIL)
    return out


def read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, separator=";", infer_schema=False)


def number(col: str) -> pl.Expr:
    """Danish text to a number; '..' becomes null."""
    return (
        pl.col(col)
        .str.replace_all(".", "", literal=True)
        .str.replace(",", ".", literal=True)
        .cast(pl.Float64, strict=False)
    )


def visitation(demo_dir: Path) -> pl.DataFrame:
    return pl.concat([read(p) for p in sorted(demo_dir.glob("demo_visitation_*.csv"))])


def test_files_and_return_value(demo_dir, tmp_path):
    assert sorted(p.name for p in demo_dir.iterdir()) == EXPECTED_FILES
    files = demo.write_demo(tmp_path / "nested" / "out", until=UNTIL)
    assert [p.name for p in files] == EXPECTED_FILES
    assert files == sorted(files)


def test_deterministic(demo_dir, tmp_path):
    demo.write_demo(tmp_path, until=UNTIL)
    for name in EXPECTED_FILES:
        assert (tmp_path / name).read_bytes() == (demo_dir / name).read_bytes(), name


def test_format_bom_header_line_endings(demo_dir):
    for path in demo_dir.iterdir():
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path.name
        assert b"\r" not in raw, path.name
        text = raw[3:].decode("utf-8")
        header = text.split("\n", 1)[0]
        assert header == HEADERS[re.sub(r"_\d{4}_\d{4}$", "", path.stem)], path.name
        assert text.endswith("\n")


def test_number_formats(demo_dir):
    vis = visitation(demo_dir)
    assert vis["Antal personer"].str.contains(rf"^({INT_TEXT}|\.\.)$").all()
    assert vis["Fuldtidspersoner"].str.contains(rf"^({DEC_TEXT}|\.\.)$").all()
    assert (vis["Antal personer"].str.contains(r"^\d{1,3}\.\d{3}$")).any()  # thousands dots are used
    cases = read(demo_dir / "demo_sagstal.csv")
    assert cases["Aktive sager"].str.contains(rf"^{INT_TEXT}$").all()
    assert cases["Sagsbehandlere (årsværk)"].str.contains(rf"^{DEC_TEXT}$").all()
    assert (cases.select(number("Sagsbehandlere (årsværk)"))[:, 0] > 0).all()
    inv = read(demo_dir / "demo_investering.csv")
    assert inv["Beløb (kr.)"].str.contains(rf"^{INT_TEXT}$").all()
    assert inv["Note"].is_null().all()


def test_hele_landet_is_sum_of_municipalities(demo_dir):
    """Suppressed cells hide 1-4 persons each, so the national value lies within known bounds."""
    keys = ["Periode", "Ydelse", "Køn", "Alder", "Visitationskategori"]
    vis = visitation(demo_dir).with_columns(n=number("Antal personer"))
    national = vis.filter(pl.col("Område") == "Hele landet").select(*keys, national="n")
    munis = (
        vis.filter(pl.col("Område") != "Hele landet")
        .group_by(keys)
        .agg(known=pl.col("n").sum(), hidden=pl.col("n").is_null().sum(), areas=pl.len())
    )
    joined = national.join(munis, on=keys, how="full", coalesce=True)
    assert joined.height == national.height
    assert (joined["areas"] == 98).all()
    low = joined["known"] + joined["hidden"]
    high = joined["known"] + 4 * joined["hidden"]
    assert ((joined["national"] >= low) & (joined["national"] <= high)).all()
    # The bulk is not hidden: in 2016M10 at most a few per cent of the national total is suppressed.
    oct16 = joined.filter(pl.col("Periode") == "2016M10")
    assert oct16["known"].sum() / oct16["national"].sum() > 0.97


def test_non_ready_share_2016(demo_dir):
    vis = visitation(demo_dir).with_columns(n=number("Antal personer"))
    national = vis.filter(pl.col("Område") == "Hele landet", pl.col("Periode") == "2016M10")
    share = national.filter(pl.col("Visitationskategori") == "Aktivitetsparat")["n"].sum() / national["n"].sum()
    assert 0.74 <= share <= 0.82


def test_new_system_shifts_shares(demo_dir):
    vis = visitation(demo_dir).with_columns(n=number("Antal personer"))
    national = vis.filter(pl.col("Område") == "Hele landet")

    def far_share(period: str) -> float:
        month = national.filter(pl.col("Periode") == period)
        return month.filter(pl.col("Visitationskategori").is_in(FAR))["n"].sum() / month["n"].sum()

    assert far_share("2025M06") - far_share("2025M07") > 0.05
    assert 0.60 <= far_share("2008M06") <= 0.70
    assert 0.60 <= far_share("2012M06") <= 0.70


def test_eras(demo_dir):
    vis = visitation(demo_dir)
    match = vis.filter(pl.col("Visitationskategori").str.starts_with("Matchgruppe"))
    assert match["Periode"].max() <= "2009M12"
    klar = vis.filter(pl.col("Visitationskategori").is_in(["Jobklar", "Indsatsklar", "Midlertidigt passiv"]))
    assert klar["Periode"].min() >= "2010M01" and klar["Periode"].max() <= "2013M12"
    parat = vis.filter(
        pl.col("Visitationskategori").is_in(
            ["Jobparat", "Aktivitetsparat", "Uddannelsesparat", "Åbenlyst uddannelsesparat"]
        )
    )
    assert parat["Periode"].min() >= "2014M01"
    youth = vis.filter(pl.col("Ydelse") == "Uddannelseshjælp")
    assert youth["Periode"].min() == "2014M01"
    assert set(youth["Alder"]) == {"Under 30 år"}
    assert set(vis.filter(pl.col("Periode") >= "2014M01", pl.col("Alder") == "Under 30 år")["Ydelse"]) == {
        "Uddannelseshjælp"
    }
    assert set(vis["Køn"]) == {"I alt"}
    assert set(vis["Alder"]) == {"Under 30 år", "30 år og derover"}
    assert vis["Periode"].min() == "2007M01" and vis["Periode"].max() == UNTIL
    assert vis["Område"].n_unique() == 99

    shared = read(demo_dir / "demo_faelles_borgere.csv")
    assert shared.filter(pl.col("Matchgruppe").str.starts_with("Matchgruppe"))["Periode"].max() <= "2009M12"
    assert shared.filter(pl.col("Matchgruppe") == "Jobparat")["Periode"].min() >= "2014M01"
    assert set(shared["Periode"].str.slice(4)) == {"M03", "M06", "M09", "M12"}
    assert "Hele landet" not in set(shared["Område"])

    act = read(demo_dir / "demo_aktivering.csv")
    assert act.filter(pl.col("Gruppe") == "Matchgruppe 4-5")["Periode"].max() == "2013M12"
    assert act.filter(pl.col("Gruppe") == "Aktivitetsparate")["Periode"].min() == "2014M01"


def test_suppression(demo_dir):
    def unsuppressed_small(frame: pl.DataFrame, col: str) -> int:
        n = frame.filter(pl.col("Område") != "Hele landet").select(number(col))[:, 0]
        return int(((n >= 1) & (n <= 4)).sum())

    vis = visitation(demo_dir)
    assert unsuppressed_small(vis, "Antal personer") == 0
    hidden = vis.filter(pl.col("Antal personer") == "..")
    assert hidden.height > 0 and (hidden["Fuldtidspersoner"] == "..").all()
    assert (vis.filter(pl.col("Område") == "Hele landet")["Antal personer"] != "..").all()
    assert (vis["Antal personer"] == "0").any()

    act = read(demo_dir / "demo_aktivering.csv")
    assert unsuppressed_small(act, "Antal personer") == 0
    assert unsuppressed_small(act, "Aktiverede") == 0

    shared = read(demo_dir / "demo_faelles_borgere.csv")
    detail = shared.filter(
        pl.col("Matchgruppe") != "I alt", ~pl.col("Målgruppe").is_in(["SOF borgere i alt", "BIF borgere i alt"])
    )
    assert unsuppressed_small(detail, "Antal personer") == 0
    assert (detail["Antal personer"] == "..").any()
    totals = shared.join(detail, on=shared.columns, how="anti")
    assert (totals["Antal personer"] != "..").all()


def test_shared_citizens_add_up(demo_dir):
    shared = read(demo_dir / "demo_faelles_borgere.csv").with_columns(n=number("Antal personer"))
    keys = ["Område", "Periode", "Matchgruppe"]
    sof = shared.filter(pl.col("Målgruppe") == "SOF borgere i alt").select(*keys, sof="n")
    bif = shared.filter(pl.col("Målgruppe") == "BIF borgere i alt").select(*keys, bif="n")
    both = sof.join(bif, on=keys)
    assert (both["sof"] <= both["bif"]).all()
    total = both.filter(pl.col("Matchgruppe") == "I alt")
    share = total["sof"].sum() / total["bif"].sum()
    assert 0.30 <= share <= 0.40


def test_activated_never_exceed_persons(demo_dir):
    act = read(demo_dir / "demo_aktivering.csv").with_columns(p=number("Antal personer"), a=number("Aktiverede"))
    known = act.drop_nulls(["p", "a"])
    assert (known["a"] <= known["p"]).all()
    rate = known.filter(pl.col("Område") == "Hele landet", pl.col("Gruppe") == "Alle modtagere")
    by_month = rate.group_by(pl.col("Periode").str.slice(4)).agg((pl.col("a").sum() / pl.col("p").sum()).alias("r"))
    rates = dict(zip(by_month["Periode"], by_month["r"], strict=True))
    assert rates["M07"] < rates["M06"] and 0.25 <= rates["M10"] <= 0.45


def test_caseloads_and_investment(demo_dir):
    cases = read(demo_dir / "demo_sagstal.csv").with_columns(
        per_worker=number("Aktive sager") / number("Sagsbehandlere (årsværk)")
    )
    assert "Hele landet" not in set(cases["Område"])
    assert cases.select("Område", "Team").unique().group_by("Område").len()["len"].is_between(2, 8).all()
    assert cases["per_worker"].quantile(0.05) >= 25 and cases["per_worker"].quantile(0.95) <= 115
    assert cases.filter(pl.col("per_worker") > 80).height > 0

    inv = read(demo_dir / "demo_investering.csv").with_columns(amount=number("Beløb (kr.)"))
    assert set(inv["Post"]) == {"Investering", "Besparelse på forsørgelse", "Løn og administration"}
    assert 10 <= inv["Område"].n_unique() <= 20
    assert (inv.filter(pl.col("Post") == "Investering")["amount"] < 0).all()
    assert (inv.filter(pl.col("Post") == "Besparelse på forsørgelse")["amount"] > 0).all()


def test_benchmark_y30r21(demo_dir):
    bench = read(demo_dir / "demo_benchmark.csv").with_columns(
        expected=number("Forventet antal fuldtidspersoner"),
        actual=number("Faktisk antal fuldtidspersoner"),
        expected_pct=number("Forventet andel (pct.)"),
        actual_pct=number("Faktisk andel (pct.)"),
        difference=number("Forskel (fuldtidspersoner)"),
        rank=number("Placering på benchmarkranglisten"),
    )
    # Twelve rolling years up to the last whole quarter of UNTIL (2026M09), every municipality, i alt + six groups.
    periods = sorted(set(bench["Periode"]))
    assert periods[0] == "2023QMAT04" and periods[-1] == "2026QMAT03" and len(periods) == 12
    assert bench["Område"].n_unique() == 98 and "Hele landet" not in set(bench["Område"])
    groups = set(bench["Ydelsesgruppe"])
    assert demo.BENCHMARK_TOTAL in groups and len(groups) == 7
    assert bench.height == 98 * 12 * 7
    assert bench["Forventet andel (pct.)"].str.contains(r"^\d{1,2},\d{2}$").all()
    total = bench.filter(pl.col("Ydelsesgruppe") == demo.BENCHMARK_TOTAL)
    assert total["expected_pct"].is_between(10, 25).all() and total["actual_pct"].is_between(9, 26).all()
    # Ydelsesgrupper i alt is the sum of the groups (to the rounding of each group's tenths).
    parts = (
        bench.filter(pl.col("Ydelsesgruppe") != demo.BENCHMARK_TOTAL)
        .group_by("Område", "Periode")
        .agg(parts=pl.col("actual").sum())
    )
    joined = total.join(parts, on=["Område", "Periode"])
    assert ((joined["actual"] - joined["parts"]).abs() <= 0.35).all()
    assert (bench["difference"] - (bench["actual"] - bench["expected"])).abs().max() < 1e-6
    # Each period and group ranks all 98 once, 1 = furthest below the expected share.
    for (_, _), g in bench.group_by("Periode", "Ydelsesgruppe"):
        assert sorted(g["rank"].to_list()) == list(range(1, 99))
        ordered = g.sort("rank").with_columns(diff=pl.col("actual_pct") - pl.col("expected_pct"))["diff"]
        assert (ordered.diff().drop_nulls() >= -1e-9).all()


def test_benchmark_periods_do_not_depend_on_until():
    areas = demo._read_areas()
    later = demo._benchmark_frame(areas, demo._benchmark_quarters(2026, 9))
    earlier = demo._benchmark_frame(areas, demo._benchmark_quarters(2025, 12))
    assert demo._benchmark_quarters(2026, 8)[-1] == (2026, 2)
    assert demo._benchmark_quarters(2026, 2)[-1] == (2025, 4)
    assert demo._benchmark_quarters(2007, 2) == []
    shared = sorted(set(later["Periode"]) & set(earlier["Periode"]))
    assert len(shared) == 9
    assert (
        later.filter(pl.col("Periode").is_in(shared))
        .sort("Periode", "Område", "Ydelsesgruppe")
        .equals(earlier.filter(pl.col("Periode").is_in(shared)).sort("Periode", "Område", "Ydelsesgruppe"))
    )


def test_until_only_appends_and_stale_files_go(demo_dir, tmp_path):
    files = demo.write_demo(tmp_path, until=UNTIL)
    assert len(files) == 9
    files = demo.write_demo(tmp_path, until="2014M02")
    assert (
        sorted(p.name for p in tmp_path.iterdir())
        == sorted(p.name for p in files)
        == [
            "demo_aktivering.csv",
            "demo_benchmark.csv",
            "demo_faelles_borgere.csv",
            "demo_investering.csv",
            "demo_sagstal.csv",
            "demo_visitation_2007_2011.csv",
            "demo_visitation_2012_2014.csv",
        ]
    )
    # A month's values do not depend on how far the demo runs.
    assert (tmp_path / "demo_visitation_2007_2011.csv").read_bytes() == (
        demo_dir / "demo_visitation_2007_2011.csv"
    ).read_bytes()
    short = read(tmp_path / "demo_visitation_2012_2014.csv")
    assert short["Periode"].max() == "2014M02"
    assert short.equals(visitation(demo_dir).filter(pl.col("Periode").is_between(pl.lit("2012M01"), pl.lit("2014M02"))))


def test_scale_two_splits_gender_and_age_bands(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    demo.write_demo(one, scale=1, until="2014M03")
    demo.write_demo(two, scale=2, until="2014M03")
    fine = pl.concat([read(p) for p in sorted(two.glob("demo_visitation_*.csv"))])
    coarse = pl.concat([read(p) for p in sorted(one.glob("demo_visitation_*.csv"))])
    assert set(fine["Køn"]) == {"Mænd", "Kvinder"}
    assert set(fine["Alder"]) == set(demo.BANDS)
    assert fine.height > 5 * coarse.height
    young = fine.filter(pl.col("Periode") >= "2014M01", pl.col("Alder").is_in(["16-24 år", "25-29 år"]))
    assert set(young["Ydelse"]) == {"Uddannelseshjælp"}
    # Scale 1 is the sum of the scale-2 grain (compared where nothing is suppressed: Hele landet).
    under30 = {"16-24 år": "Under 30 år", "25-29 år": "Under 30 år"}
    summed = (
        fine.filter(pl.col("Område") == "Hele landet")
        .with_columns(pl.col("Alder").replace_strict(under30, default="30 år og derover"), n=number("Antal personer"))
        .group_by("Periode", "Ydelse", "Alder", "Visitationskategori")
        .agg(pl.col("n").sum())
    )
    national = coarse.filter(pl.col("Område") == "Hele landet").with_columns(m=number("Antal personer"))
    joined = national.join(summed, on=["Periode", "Ydelse", "Alder", "Visitationskategori"])
    assert joined.height == national.height
    assert (joined["n"] == joined["m"]).all()
    # Only visitation depends on the scale.
    for name in (
        "demo_aktivering.csv",
        "demo_faelles_borgere.csv",
        "demo_sagstal.csv",
        "demo_investering.csv",
        "demo_benchmark.csv",
    ):
        assert (one / name).read_bytes() == (two / name).read_bytes()


def test_arguments_are_checked(tmp_path):
    with pytest.raises(ValueError):
        demo.write_demo(tmp_path, until="2006M12")
    with pytest.raises(ValueError):
        demo.write_demo(tmp_path, until="2026Q01")
    with pytest.raises(ValueError):
        demo.write_demo(tmp_path, scale=0, until=UNTIL)


def test_latest_month():
    assert demo.latest_month(date(2026, 11, 22)) == "2026M10"
    assert demo.latest_month(date(2026, 1, 5)) == "2025M12"
    assert re.fullmatch(r"\d{4}M\d{2}", demo.latest_month())


# --- scale ≥ 3: single-year ages × Herkomst ---------------------------------------------------------

SHORT = "2007M02"  # two months keep the national-scale grain fast to test (99 × 2 × 980 rows at scale 3)
ORIGIN_HEADER = "Område;Periode;Ydelse;Køn;Alder;Herkomst;Visitationskategori;Antal personer;Fuldtidspersoner"
DANSK = "Personer med dansk oprindelse"
PARTITIONS = {
    3: {DANSK, "Indvandrere og efterkommere"},
    4: {DANSK, "Indvandrere og efterkommere fra vestlige lande", "Indvandrere og efterkommere fra ikke-vestlige lande"},
    5: {
        DANSK,
        "Indvandrere fra vestlige lande",
        "Efterkommere fra vestlige lande",
        "Indvandrere fra ikke-vestlige lande",
        "Efterkommere fra ikke-vestlige lande",
    },
}
SINGLE_AGES = {f"{age} år" for age in range(16, 65)}
UNDER_30 = {f"{age} år" for age in range(16, 30)}
# Single age -> scale-1 age group and scale-2 band.
AGE_GROUP = {f"{a} år": "Under 30 år" if a < 30 else "30 år og derover" for a in range(16, 65)}
BAND = {
    f"{a} år": next(band for band, (lo, hi) in zip(demo.BANDS, demo.BAND_AGES, strict=True) if lo <= a <= hi)
    for a in range(16, 65)
}
# The 5-way origins folded into the 3-way and 2-way partitions.
FOLD = {
    4: {
        "Indvandrere fra vestlige lande": "Indvandrere og efterkommere fra vestlige lande",
        "Efterkommere fra vestlige lande": "Indvandrere og efterkommere fra vestlige lande",
        "Indvandrere fra ikke-vestlige lande": "Indvandrere og efterkommere fra ikke-vestlige lande",
        "Efterkommere fra ikke-vestlige lande": "Indvandrere og efterkommere fra ikke-vestlige lande",
    },
    3: {label: "Indvandrere og efterkommere" for label in PARTITIONS[5] - {DANSK}},
}


@pytest.fixture(scope="module")
def short_demos(tmp_path_factory) -> dict[int, Path]:
    """Scales 1, 2, 3, 4 and 5 for the first two months only."""
    root = tmp_path_factory.mktemp("short")
    for scale in (1, 2, 3, 4, 5):
        demo.write_demo(root / str(scale), scale=scale, until=SHORT)
    return {scale: root / str(scale) for scale in (1, 2, 3, 4, 5)}


def national(folder: Path) -> pl.DataFrame:
    return visitation(folder).filter(pl.col("Område") == "Hele landet").with_columns(n=number("Antal personer"))


def test_scale_three_header_and_grain(short_demos):
    folder = short_demos[3]
    path = folder / "demo_visitation_2007_2007.csv"
    assert path.read_bytes()[3:].decode("utf-8").split("\n", 1)[0] == ORIGIN_HEADER
    vis = visitation(folder)
    assert set(vis["Herkomst"]) == PARTITIONS[3]
    assert set(vis["Køn"]) == {"Mænd", "Kvinder"}
    assert set(vis["Alder"]) == SINGLE_AGES
    assert set(vis["Periode"]) == {"2007M01", "2007M02"}
    # Every area × month × Køn × 49 ages × 2 origins × 5 match groups, nothing more and nothing twice.
    assert vis.height == 99 * 2 * 2 * 49 * 2 * 5
    assert vis.select("Område", "Periode", "Køn", "Alder", "Herkomst", "Visitationskategori").is_unique().all()
    assert vis["Antal personer"].str.contains(rf"^({INT_TEXT}|\.\.)$").all()
    assert vis["Fuldtidspersoner"].str.contains(rf"^({DEC_TEXT}|\.\.)$").all()


@pytest.mark.parametrize("scale", [4, 5])
def test_scales_four_and_five_partitions(short_demos, scale):
    vis = visitation(short_demos[scale])
    assert set(vis["Herkomst"]) == PARTITIONS[scale]
    assert vis.height == 99 * 2 * 2 * 49 * len(PARTITIONS[scale]) * 5


def test_scale_three_sums_to_the_same_national_truth(short_demos):
    """Hele landet is never suppressed, so its sums over the new dimensions must match exactly."""
    keys = ["Periode", "Ydelse", "Alder", "Visitationskategori"]
    fine = national(short_demos[3])
    summed = fine.with_columns(pl.col("Alder").replace_strict(AGE_GROUP)).group_by(keys).agg(pl.col("n").sum())
    coarse = national(short_demos[1]).select(*keys, m="n")
    joined = coarse.join(summed, on=keys, how="full", coalesce=True)
    assert joined.height == coarse.height == 2 * 2 * 5
    assert (joined["n"] == joined["m"]).all()
    # … and the bands of scale 2, per Køn.
    band_keys = ["Periode", "Ydelse", "Køn", "Alder", "Visitationskategori"]
    by_band = fine.with_columns(pl.col("Alder").replace_strict(BAND)).group_by(band_keys).agg(pl.col("n").sum())
    bands = national(short_demos[2]).select(*band_keys, m="n")
    joined = bands.join(by_band, on=band_keys, how="full", coalesce=True)
    assert joined.height == bands.height == 2 * 2 * 6 * 5
    assert (joined["n"] == joined["m"]).all()


@pytest.mark.parametrize("coarser", [3, 4])
def test_origin_partitions_are_sums_of_the_finest(short_demos, coarser):
    keys = ["Område", "Periode", "Ydelse", "Køn", "Alder", "Herkomst", "Visitationskategori"]
    folded = (
        national(short_demos[5])
        .with_columns(pl.col("Herkomst").replace(FOLD[coarser]))
        .group_by(keys)
        .agg(pl.col("n").sum())
    )
    direct = national(short_demos[coarser]).select(*keys, m="n")
    joined = direct.join(folded, on=keys, how="full", coalesce=True)
    assert joined.height == direct.height
    assert (joined["n"] == joined["m"]).all()


def test_scale_three_hele_landet_and_suppression(short_demos):
    keys = ["Periode", "Ydelse", "Køn", "Alder", "Herkomst", "Visitationskategori"]
    vis = visitation(short_demos[3]).with_columns(n=number("Antal personer"), f=number("Fuldtidspersoner"))
    municipal = vis.filter(pl.col("Område") != "Hele landet")
    assert int(((municipal["n"] >= 1) & (municipal["n"] <= 4)).sum()) == 0
    hidden = vis.filter(pl.col("Antal personer") == "..")
    assert hidden.height > 0 and (hidden["Fuldtidspersoner"] == "..").all()
    assert (vis.filter(pl.col("Område") == "Hele landet")["Antal personer"] != "..").all()
    assert (municipal["n"] >= 5).any() and (municipal["n"] == 0).any()
    # Hele landet is the sum of the municipalities' true values: within the bounds suppression allows.
    nat = vis.filter(pl.col("Område") == "Hele landet").select(*keys, national="n")
    sums = municipal.group_by(keys).agg(known=pl.col("n").sum(), hidden=pl.col("n").is_null().sum(), areas=pl.len())
    joined = nat.join(sums, on=keys, how="full", coalesce=True)
    assert joined.height == nat.height and (joined["areas"] == 98).all()
    assert (
        (joined["national"] >= joined["known"] + joined["hidden"])
        & (joined["national"] <= joined["known"] + 4 * joined["hidden"])
    ).all()
    # Full-time persons follow the persons (a municipality's factor is 0,85-0,95 per person).
    known = municipal.filter(pl.col("n") > 0)
    assert ((known["f"] / known["n"]).is_between(0.8, 1.0)).all()


def test_scale_three_only_changes_visitation_and_is_deterministic(short_demos, tmp_path):
    for name in ("demo_aktivering.csv", "demo_sagstal.csv", "demo_investering.csv"):
        assert (short_demos[1] / name).read_bytes() == (short_demos[3] / name).read_bytes()
    demo.write_demo(tmp_path / "again", scale=3, until=SHORT)
    name = "demo_visitation_2007_2007.csv"
    assert (tmp_path / "again" / name).read_bytes() == (short_demos[3] / name).read_bytes()
    # A month's values do not depend on how far the demo runs.
    demo.write_demo(tmp_path / "one", scale=3, until="2007M01")
    first = read(tmp_path / "one" / name)
    assert first.equals(read(short_demos[3] / name).filter(pl.col("Periode") == "2007M01"))


@pytest.mark.parametrize("year", [2014, 2025])
def test_scale_three_single_ages_follow_the_eras(year):
    """One month of a later era, built directly (writing every year up to it would be slow)."""
    areas = demo._read_areas()
    vy = demo._visitation_year(areas, year)
    frame = demo._origin_visitation_frame(areas, vy, demo._split_year(areas, vy, demo._origin_shares(areas)), 3, 1)
    young = frame.filter(pl.col("Alder").is_in(list(UNDER_30)))
    old = frame.filter(~pl.col("Alder").is_in(list(UNDER_30)))
    assert set(young["Ydelse"]) == {"Uddannelseshjælp"}
    assert set(young["Visitationskategori"]) == {"Uddannelsesparat", "Åbenlyst uddannelsesparat", "Aktivitetsparat"}
    assert set(old["Ydelse"]) == {"Kontanthjælp"}
    assert set(old["Visitationskategori"]) == {"Jobparat", "Aktivitetsparat"}
    assert frame.height == 99 * 2 * (14 * 3 + 35 * 2) * 2
    # The single ages add up to the same national month as the coarse grain.
    coarse = demo._visitation_frame(areas, vy, 1, 1).filter(pl.col("Område") == "Hele landet")
    fine = frame.filter(pl.col("Område") == "Hele landet")
    total = fine.select(number("Antal personer")).sum().item()
    assert total == coarse.select(number("Antal personer")).sum().item()
