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
    return (pl.col(col).str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
            .cast(pl.Float64, strict=False))


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
    munis = (vis.filter(pl.col("Område") != "Hele landet")
             .group_by(keys).agg(known=pl.col("n").sum(), hidden=pl.col("n").is_null().sum(),
                                 areas=pl.len()))
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
    parat = vis.filter(pl.col("Visitationskategori").is_in(
        ["Jobparat", "Aktivitetsparat", "Uddannelsesparat", "Åbenlyst uddannelsesparat"]))
    assert parat["Periode"].min() >= "2014M01"
    youth = vis.filter(pl.col("Ydelse") == "Uddannelseshjælp")
    assert youth["Periode"].min() == "2014M01"
    assert set(youth["Alder"]) == {"Under 30 år"}
    assert set(vis.filter(pl.col("Periode") >= "2014M01", pl.col("Alder") == "Under 30 år")["Ydelse"]) == {
        "Uddannelseshjælp"}
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
    detail = shared.filter(pl.col("Matchgruppe") != "I alt",
                           ~pl.col("Målgruppe").is_in(["SOF borgere i alt", "BIF borgere i alt"]))
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
    rates = dict(zip(by_month["Periode"], by_month["r"]))
    assert rates["M07"] < rates["M06"] and 0.25 <= rates["M10"] <= 0.45


def test_caseloads_and_investment(demo_dir):
    cases = read(demo_dir / "demo_sagstal.csv").with_columns(
        per_worker=number("Aktive sager") / number("Sagsbehandlere (årsværk)"))
    assert "Hele landet" not in set(cases["Område"])
    assert cases.select("Område", "Team").unique().group_by("Område").len()["len"].is_between(2, 8).all()
    assert cases["per_worker"].quantile(0.05) >= 25 and cases["per_worker"].quantile(0.95) <= 115
    assert cases.filter(pl.col("per_worker") > 80).height > 0

    inv = read(demo_dir / "demo_investering.csv").with_columns(amount=number("Beløb (kr.)"))
    assert set(inv["Post"]) == {"Investering", "Besparelse på forsørgelse", "Løn og administration"}
    assert 10 <= inv["Område"].n_unique() <= 20
    assert (inv.filter(pl.col("Post") == "Investering")["amount"] < 0).all()
    assert (inv.filter(pl.col("Post") == "Besparelse på forsørgelse")["amount"] > 0).all()


def test_until_only_appends_and_stale_files_go(demo_dir, tmp_path):
    files = demo.write_demo(tmp_path, until=UNTIL)
    assert len(files) == 8
    files = demo.write_demo(tmp_path, until="2014M02")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files) == [
        "demo_aktivering.csv", "demo_faelles_borgere.csv", "demo_investering.csv", "demo_sagstal.csv",
        "demo_visitation_2007_2011.csv", "demo_visitation_2012_2014.csv"]
    # A month's values do not depend on how far the demo runs.
    assert (tmp_path / "demo_visitation_2007_2011.csv").read_bytes() == \
        (demo_dir / "demo_visitation_2007_2011.csv").read_bytes()
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
    summed = (fine.filter(pl.col("Område") == "Hele landet")
              .with_columns(pl.col("Alder").replace_strict(under30, default="30 år og derover"),
                            n=number("Antal personer"))
              .group_by("Periode", "Ydelse", "Alder", "Visitationskategori").agg(pl.col("n").sum()))
    national = coarse.filter(pl.col("Område") == "Hele landet").with_columns(m=number("Antal personer"))
    joined = national.join(summed, on=["Periode", "Ydelse", "Alder", "Visitationskategori"])
    assert joined.height == national.height
    assert (joined["n"] == joined["m"]).all()
    # Only visitation depends on the scale.
    for name in ("demo_aktivering.csv", "demo_faelles_borgere.csv", "demo_sagstal.csv", "demo_investering.csv"):
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
