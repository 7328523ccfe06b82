"""Deterministic synthetic national demo: jobindsats-format CSV extracts for all 98 municipalities.

The demo lets the dashboard show something plausible for every municipality without real data.
Every file looks like a portal export: ``;`` separator, decimal comma, thousands dot on values of
1.000 and more, UTF-8 with BOM, ``\\n`` line endings, one header row, ``..`` for suppressed cells.

Determinism
    The same arguments always give byte-identical files. Every random draw comes from
    ``numpy.random.default_rng`` seeded with a fixed root seed plus integers only: a stream id
    per kind, the kommunekode for fixed municipal traits, the calendar year for monthly noise.
    (Never ``hash()`` of a string: it is salted per process.) Because the noise of a month is
    seeded by its year, a month's values do not depend on ``until``: extending the horizon only
    appends data. The benchmark is the one window: it holds the last twelve rolling years up to
    ``until``, but each one's values are seeded by the period itself, so they never change either.

The model
    * Each municipality has fixed traits drawn from its kommunekode: a "need" factor in
      0.6-1.6, an offset of ±8 points on the share of recipients far from work, its share of
      under-30s, a slow trend and cycle, its full-time factor, its share of shared citizens, …
    * Expected recipients (kontanthjælp/uddannelseshjælp) = population × need × a national
      rate path × season × the municipality's trend and cycle. The rate is 1,5 % of the
      population in 2008, rises 2009-2013, peaks at ~2,4 % in 2013-2016, falls to 1,5 % by 2024
      and holds at 1,45 % after 2026. Under-30s are about 35 % of the recipients.
    * Recipients are drawn (Poisson) at the grain Køn (Mænd/Kvinder) × six age bands × visitation
      category; scales 1 and 2 write sums of that grain. Scale 3 and more split it further, never
      redraw it: each band's count multinomially over its single years of age, each age's over the
      five-way Herkomst partition (municipal origin shares, young descendants); the 3-way and 2-way
      partitions are sums of the 5-way one. So every scale tells the same story, the national
      truth is the same at every scale, and ``Hele landet`` is always the exact sum of the 98
      municipalities' true values (computed before suppression; ``Hele landet`` is never
      suppressed).
    * Category eras are series breaks and are kept exactly: Matchgruppe 1-5 (2007-2009);
      Jobklar/Indsatsklar/Midlertidigt passiv (2010-2013); Jobparat/Aktivitetsparat for 30+ and
      Uddannelsesparat/Åbenlyst uddannelsesparat/Aktivitetsparat (Uddannelseshjælp) for under-30
      (2014 on). From 2025M07 (new kontanthjælp system) the labels stay but the ready share rises
      by 8 points. About 78 % of recipients are aktivitetsparat nationally in 2014-2025 (65 % far
      from work in the match-group eras).
    * Activation counts are drawn from the same recipients (binomial, so Aktiverede ≤ Antal
      personer). Shared jobcenter/social citizens come from the quarter-end expectation, shaped
      on Copenhagen 2007. Fifteen municipalities run a "Flere sagsbehandlere" investment project:
      their staffed teams get more caseworkers (lower caseloads) and their recipients fall by up
      to 8 % over three years from the start, so the demo's stories agree with each other.
    * The benchmark (jobindsats y30r21, ``demo_benchmark.csv``): for the twelve rolling years
      (QMAT) up to ``until``, per municipality and benefit group (``Ydelsesgrupper i alt`` and
      six groups), the expected full-time persons on public support (10-21 % of the 16-66-year-olds
      in all, following the need factor) and the actual ones (a lasting municipal and group effect,
      drift and noise; the investment projects' municipalities fewer on kontanthjælp), the shares
      and the place on the ranking (1 = furthest below the expected share).

Files and sizes (``until`` = 2026M09: 237 months, 79 quarters; measured)
    =============================  ===================  ====================  =====================
    file                           rows, scale 1        rows, scale 2         rows, scale 3
    =============================  ===================  ====================  =====================
    demo_visitation_<y1>_<y2>.csv  139.887 (4 files)    809.028               13.072.752
    demo_faelles_borgere.csv       246.372              same                  same
    demo_aktivering.csv            70.389               same                  same
    demo_sagstal.csv               114.708 (484 teams)  same                  same
    demo_investering.csv           198                  same                  same
    demo_benchmark.csv             8.232 (12 QMAT)      same                  same
    all                            579.786              1.248.927             13.512.651
    fact rows*                     904.770              2.243.052             26.770.500
    on disk                        41,1 MB              88,9 MB               1.281,8 MB
    =============================  ===================  ====================  =====================
    * a fact row is one CSV row × one measure column, as the warehouse counts facts: visitation,
      activation and caseloads have two measure columns, shared citizens and investments one; a
      benchmark row is one fact (its six figures are columns of it).

    Scale 4 writes 19.609.128 visitation rows (39.843.252 fact rows in all, 2.182 MB) and scale
    5 writes 32.681.880 (65.988.756 fact rows, 3.295 MB).

    Visitation at scale 1: Køn ``I alt`` × Alder (Under 30 år, 30 år og derover) × category, i.e.
    10/6/5 rows per area and month in the 2007/2010/2014 layouts. Scale 2: Køn (Mænd, Kvinder)
    × six bands (16-24, 25-29, 30-39, 40-49, 50-59, 60 år og derover) × category, 60/36/28 rows
    per area and month: 5,8 times the scale-1 visitation rows. Neither file has a Herkomst column
    (the loader reads it as ``Herkomst i alt``). Those are the finest grains the age vocabularies
    allow without double counting (``I alt`` next to Mænd/Kvinder, or age groups next to their
    bands, would count people twice); scale 2 tops out at 2,2 million fact rows.

    Scale 3 and more: the header gains ``Herkomst`` after ``Alder``, and Køn (Mænd, Kvinder) ×
    single years ``16 år`` … ``64 år`` (the band "60 år og derover" becomes 60-64) × Herkomst ×
    category: the origin partition is 2-way at scale 3 (Personer med dansk oprindelse /
    Indvandrere og efterkommere), 3-way at scale 4 (… fra vestlige lande / … fra ikke-vestlige
    lande) and 5-way from scale 5 (Indvandrere / Efterkommere × vestlige / ikke-vestlige lande).
    Under-30 single ages take the under-30 benefit and categories exactly as their bands do. Rows
    per area and month at scale 3: 980/588/448 in the 2007/2010/2014 layouts (× 1,5 at scale 4,
    × 2,5 at scale 5). At this grain most municipal cells are small, as in a real extract of it:
    at scale 3 about 46 % of the municipal cells are suppressed (1-4 persons) and 80 % of the rest
    are 0; national totals are unchanged. **Scale 3 is the smallest scale with at least 20
    million fact rows: the national benchmark (``python -m benchmarks``) uses it.**

    The other kinds do not depend on ``scale``. Generation on a 2-core machine: 2-3 s at scale
    1, 3-4 s at scale 2 (peak ~120 MB); 18 s at scale 3 (peak ~450 MB), ~50 s at scale 4 (~620
    MB), 40-80 s at scale 5 (~900 MB).

Memory stays bounded at any scale: every kind is generated one calendar year at a time and
appended (polars ``write_csv`` to the open file handle) to its file; visitation goes to one file
per five-year block. Numbers are formatted by the generator itself rather than with
``write_csv(decimal_comma=True)``: that writes the decimal comma but no thousands dots.
"""

from __future__ import annotations

import csv
import re
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from pipelines import config
from pipelines.periods import parse_period
from pipelines.warehouse import NATIONAL_NAME

FIRST_YEAR = 2007
BLOCK_YEARS = 5  # visitation years per file
ROOT_SEED = 20_070_101

# Random stream ids, one per purpose, so adding draws to one kind never shifts another.
_S_TRAITS, _S_VISITATION, _S_SHARED, _S_ACTIVATION, _S_CASELOAD, _S_TEAMS, _S_INVESTMENT = range(1, 8)
_S_ORIGIN_TRAITS, _S_SPLIT = 8, 9  # scale ≥ 3 only: new streams, so scales 1-2 keep their bytes
_S_BENCHMARK_TRAITS, _S_BENCHMARK = 10, 11  # y30r21: new streams, so no other kind's bytes move

VISITATION_HEADER = (
    "Område",
    "Periode",
    "Ydelse",
    "Køn",
    "Alder",
    "Visitationskategori",
    "Antal personer",
    "Fuldtidspersoner",
)
# Scale ≥ 3 adds Herkomst after Alder; scales 1-2 leave it out (the loader's default is "Herkomst i alt").
VISITATION_ORIGIN_HEADER = (*VISITATION_HEADER[:5], "Herkomst", *VISITATION_HEADER[5:])
SHARED_HEADER = ("Område", "Periode", "Forvaltning", "Målgruppe", "Matchgruppe", "Antal personer")
ACTIVATION_HEADER = ("Område", "Periode", "Gruppe", "Antal personer", "Aktiverede")
CASELOAD_HEADER = ("Område", "Periode", "Team", "Sagsområde", "Aktive sager", "Sagsbehandlere (årsværk)")
INVESTMENT_HEADER = ("Område", "Projekt", "År", "Post", "Beløb (kr.)", "Grundlag", "Note")
BENCHMARK_HEADER = (
    "Område",
    "Periode",
    "Ydelsesgruppe",
    "Forventet antal fuldtidspersoner",
    "Faktisk antal fuldtidspersoner",
    "Forventet andel (pct.)",
    "Faktisk andel (pct.)",
    "Forskel (fuldtidspersoner)",
    "Placering på benchmarkranglisten",
)

SHARED_FILE = "demo_faelles_borgere.csv"
ACTIVATION_FILE = "demo_aktivering.csv"
CASELOAD_FILE = "demo_sagstal.csv"
INVESTMENT_FILE = "demo_investering.csv"
BENCHMARK_FILE = "demo_benchmark.csv"
_VISITATION_FILE = re.compile(r"demo_visitation_\d{4}_\d{4}\.csv")

# National recipients as a share of the population, at mid-year (interpolated monthly).
_RATE_YEARS = np.arange(2007, 2027) + 0.5
_RATE = np.array(
    [
        0.0165,
        0.0150,
        0.0160,
        0.0185,
        0.0200,
        0.0215,
        0.0235,
        0.0240,
        0.0235,
        0.0220,
        0.0200,
        0.0185,
        0.0175,
        0.0180,
        0.0170,
        0.0158,
        0.0152,
        0.0150,
        0.0148,
        0.0145,
    ]
)
_SEASON = np.array([1.03, 1.03, 1.02, 1.00, 0.99, 0.98, 0.98, 0.99, 0.99, 0.99, 1.00, 1.00])
NEW_SYSTEM = (2025, 7)  # the new kontanthjælp system: ready share up by READY_SHIFT
READY_SHIFT = 0.08


# --- the fine grain of recipients ---------------------------------------------------------------

GENDERS = ("Mænd", "Kvinder")
GENDER_SHARE = np.array([0.54, 0.46])
AGE_GROUPS = ("Under 30 år", "30 år og derover")
BANDS = ("16-24 år", "25-29 år", "30-39 år", "40-49 år", "50-59 år", "60 år og derover")
BAND_AGE = np.array([0, 0, 1, 1, 1, 1])  # index into AGE_GROUPS
BAND_SHARE = np.array([0.45, 0.55, 0.30, 0.28, 0.27, 0.15])  # within the age group


def _centred(tilt: list[float], weight: np.ndarray) -> np.ndarray:
    """Tilts with a weighted mean of zero, so they shape the detail without moving any total."""
    tilt_arr = np.array(tilt)
    return tilt_arr - (tilt_arr * weight).sum() / weight.sum()


# Far-from-work share tilts: the youngest and the oldest differ most; men slightly more often far.
_BAND_TILT = np.concatenate(
    [_centred([-0.04, 0.04], BAND_SHARE[:2]), _centred([-0.04, 0.00, 0.03, 0.05], BAND_SHARE[2:])]
)
_GENDER_TILT = _centred([0.01, -0.01], GENDER_SHARE)

READY, FAR = False, True  # close to / far from the labour market


@dataclass(frozen=True)
class _Layout:
    """The categories of one era: per age group the benefit and (label, far from work, weight).

    The weight splits the ready resp. far-from-work share between the categories of that side.
    """

    first_year: int
    benefit: tuple[str, str]  # per age group (under 30, 30+)
    categories: tuple[tuple[tuple[str, bool, float], ...], tuple[tuple[str, bool, float], ...]]
    far_share: tuple[float, float]  # base share far from work per age group
    activation_group: str  # activation group of the far-from-work recipients


_MATCH = (
    ("Matchgruppe 1", READY, 0.29),
    ("Matchgruppe 2", READY, 0.34),
    ("Matchgruppe 3", READY, 0.37),
    ("Matchgruppe 4", FAR, 0.62),
    ("Matchgruppe 5", FAR, 0.38),
)
_KLAR = (("Jobklar", READY, 1.0), ("Indsatsklar", FAR, 0.7), ("Midlertidigt passiv", FAR, 0.3))
LAYOUTS = (
    _Layout(2007, ("Kontanthjælp", "Kontanthjælp"), (_MATCH, _MATCH), (0.60, 0.68), "Matchgruppe 4-5"),
    _Layout(2010, ("Kontanthjælp", "Kontanthjælp"), (_KLAR, _KLAR), (0.60, 0.68), "Matchgruppe 4-5"),
    # 70 % of under-30s and 82,3 % of 30+ aktivitetsparat: 78 % in all with a third under 30.
    _Layout(
        2014,
        ("Uddannelseshjælp", "Kontanthjælp"),
        (
            (
                ("Uddannelsesparat", READY, 0.73),
                ("Åbenlyst uddannelsesparat", READY, 0.27),
                ("Aktivitetsparat", FAR, 1.0),
            ),
            (("Jobparat", READY, 1.0), ("Aktivitetsparat", FAR, 1.0)),
        ),
        (0.70, 0.823),
        "Aktivitetsparate",
    ),
)


def _layout(year: int) -> _Layout:
    """Eras change on 1 January (2010, 2014), so one layout holds for a whole calendar year."""
    return [lay for lay in LAYOUTS if lay.first_year <= year][-1]


@dataclass(frozen=True)
class _Cells:
    """The fine cells of a layout (gender × band × category) as parallel arrays."""

    gender: np.ndarray
    band: np.ndarray
    age: np.ndarray
    far: np.ndarray
    weight: np.ndarray
    benefit: tuple[str, ...]
    category: tuple[str, ...]


def _fine_cells(layout: _Layout) -> _Cells:
    rows = [
        (g, b, BAND_AGE[b], far, w, layout.benefit[BAND_AGE[b]], label)
        for g in range(len(GENDERS))
        for b in range(len(BANDS))
        for label, far, w in layout.categories[BAND_AGE[b]]
    ]
    cols = list(zip(*rows, strict=True))
    return _Cells(*(np.array(c) for c in cols[:5]), cols[5], cols[6])


@dataclass(frozen=True)
class _OutCells:
    """The output cells of a scale and the 0/1 matrix (fine × out) that sums fine cells into them."""

    matrix: np.ndarray
    benefit: pl.Series
    gender: pl.Series
    age: pl.Series
    category: pl.Series


def _out_cells(cells: _Cells, scale: int) -> _OutCells:
    if scale >= 2:
        keys = [
            (cells.benefit[c], GENDERS[g], BANDS[b], cells.category[c])
            for c, (g, b) in enumerate(zip(cells.gender, cells.band, strict=True))
        ]
    else:
        keys = [(cells.benefit[c], "I alt", AGE_GROUPS[a], cells.category[c]) for c, a in enumerate(cells.age)]
    # First-seen order: the fine cells run under-30 bands before 30+ bands.
    order = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    matrix = np.zeros((len(keys), len(order)), dtype=np.int64)
    matrix[np.arange(len(keys)), [order[k] for k in keys]] = 1
    return _OutCells(matrix, *(pl.Series(list(col)) for col in zip(*order, strict=True)))


# --- areas and their traits ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Areas:
    code: np.ndarray
    name: tuple[str, ...]
    population: np.ndarray
    scale: np.ndarray  # expected recipients per unit of the national rate
    far_offset: np.ndarray  # added to the far-from-work share (fraction, about ±0.08)
    under30: np.ndarray  # share of recipients under 30
    tilt: np.ndarray  # relative trend over ten years
    phase: np.ndarray  # of a seven-year cycle, in years
    full_time: np.ndarray  # full-time persons per person
    shared_share: np.ndarray  # shared (social) citizens among the jobcenter's recipients
    jobcenter_factor: np.ndarray  # all jobcenter benefit recipients per kontanthjælp recipient
    target_share: np.ndarray  # (n, 4) split of shared citizens over the social target groups
    activation_offset: np.ndarray
    project_start: np.ndarray  # first year of an investment project, NaN where there is none

    @property
    def n(self) -> int:
        return len(self.code)


def _rng(*key: int) -> np.random.Generator:
    return np.random.default_rng([ROOT_SEED, *key])


def _read_areas() -> _Areas:
    with open(config.REFERENCE_DIR / "kommuner.csv", encoding="utf-8-sig", newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: int(r["kommunekode"]))
    code = np.array([int(r["kommunekode"]) for r in rows])
    population = np.array([float(r["indbyggere"]) for r in rows])
    # Each municipality's traits come from a generator seeded by its own kommunekode, so they
    # stay put if the list of municipalities ever changes.
    u = np.array([_rng(_S_TRAITS, int(c)).uniform(0.0, 1.0, 13) for c in code])
    need = 0.6 + u[:, 0]
    weight = population * need
    far = -0.08 + 0.16 * u[:, 1]
    far -= (far * weight).sum() / weight.sum()  # centred on the recipients: national share on target
    target = np.array([0.10, 0.03, 0.39, 0.48]) * (0.7 + 0.6 * u[:, 8:12])
    return _Areas(
        code=code,
        name=tuple(r["kommune"] for r in rows),
        population=population,
        scale=weight * population.sum() / weight.sum(),
        far_offset=far,
        under30=0.30 + 0.10 * u[:, 2],
        tilt=-0.15 + 0.30 * u[:, 3],
        phase=7.0 * u[:, 4],
        full_time=0.87 + 0.06 * u[:, 5],
        shared_share=0.30 + 0.10 * u[:, 6],
        jobcenter_factor=2.0 + 0.8 * u[:, 7],
        target_share=target / target.sum(axis=1, keepdims=True),
        activation_offset=-0.08 + 0.16 * u[:, 12],
        project_start=np.full(len(code), np.nan),
    )


def _decimal_year(months: np.ndarray) -> np.ndarray:
    """Month index (0 = 2007M01) to the decimal year of the month's middle."""
    return FIRST_YEAR + (months + 0.5) / 12.0


def _national_rate(months: np.ndarray) -> np.ndarray:
    return np.interp(_decimal_year(months), _RATE_YEARS, _RATE)


def _expected_recipients(areas: _Areas, months: np.ndarray) -> np.ndarray:
    """Expected kontanthjælp/uddannelseshjælp recipients, shape (areas, months)."""
    t = _decimal_year(months)[None, :]
    national = (_national_rate(months) * _SEASON[months % 12])[None, :]
    trend = 1.0 + areas.tilt[:, None] * (t - 2016.0) / 10.0
    cycle = 1.0 + 0.04 * np.sin(2.0 * np.pi * (t - areas.phase[:, None]) / 7.0)
    # An investment project in more caseworkers pays off: up to PROJECT_EFFECT fewer recipients,
    # reached over three years from the project's start (NaN start: no project, no effect).
    ramp = np.clip((t - areas.project_start[:, None]) / 3.0, 0.0, 1.0)
    effect = 1.0 - PROJECT_EFFECT * np.nan_to_num(ramp, nan=0.0)
    return areas.scale[:, None] * national * trend * cycle * effect


def _year_months(year: int) -> np.ndarray:
    return (year - FIRST_YEAR) * 12 + np.arange(12)


def _new_system(year: int, month0: np.ndarray) -> np.ndarray:
    """Which 0-based months of the year fall in the new kontanthjælp system."""
    return (year > NEW_SYSTEM[0]) | ((year == NEW_SYSTEM[0]) & (month0 + 1 >= NEW_SYSTEM[1]))


# --- visitation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _VisitationYear:
    year: int
    layout: _Layout
    cells: _Cells
    persons: np.ndarray  # (areas, 12, fine cells), true values
    full_time: np.ndarray  # (areas, 12) full-time persons per person


def _visitation_year(areas: _Areas, year: int) -> _VisitationYear:
    """All twelve months are drawn even when fewer are written, so no value depends on ``until``."""
    layout = _layout(year)
    cells = _fine_cells(layout)
    month0 = np.arange(12)
    far_base = np.tile(np.array(layout.far_share), (12, 1))  # (12, age groups)
    if layout.first_year >= 2014:
        # Slowly rising as the ready recipients leave first (centred on October 2016); the new
        # system then moves READY_SHIFT of all recipients to the ready side.
        far_base += 0.005 * (year + (month0 + 0.5) / 12.0 - 2016.75)[:, None]
        far_base[_new_system(year, month0)] -= READY_SHIFT
    far = (
        far_base[None, :, cells.age]
        + areas.far_offset[:, None, None]
        + (_BAND_TILT[cells.band] + _GENDER_TILT[cells.gender])[None, None, :]
    )
    far = np.clip(far, 0.05, 0.97)
    category_share = np.where(cells.far, far, 1.0 - far) * cells.weight
    age_share = np.stack([areas.under30, 1.0 - areas.under30], axis=1)[:, cells.age]  # (areas, cells)
    expected = (
        _expected_recipients(areas, _year_months(year))[:, :, None]
        * (GENDER_SHARE[cells.gender] * BAND_SHARE[cells.band])[None, None, :]
        * age_share[:, None, :]
        * category_share
    )
    rng = _rng(_S_VISITATION, year)
    persons = rng.poisson(expected)
    full_time = areas.full_time[:, None] + rng.uniform(-0.02, 0.02, (areas.n, 12))
    return _VisitationYear(year, layout, cells, persons, full_time)


def _with_national(values: np.ndarray) -> np.ndarray:
    """Prepend Hele landet (the sum over municipalities, axis 0) as area 0."""
    return np.concatenate([values.sum(axis=0, keepdims=True), values], axis=0)


def _grid(*sizes: int) -> list[np.ndarray]:
    """Row-major index columns for a grid of the given sizes (the first varies slowest)."""
    return [g.ravel() for g in np.meshgrid(*(np.arange(s) for s in sizes), indexing="ij")]


def _periods(year: int, months: int) -> pl.Series:
    return pl.Series([f"{year}M{m:02d}" for m in range(1, months + 1)])


def _visitation_frame(areas: _Areas, vy: _VisitationYear, scale: int, months: int) -> pl.DataFrame:
    out = _out_cells(vy.cells, scale)
    persons = vy.persons[:, :months] @ out.matrix  # (areas, months, out cells)
    full_time = persons * vy.full_time[:, :months, None]
    persons, full_time = _with_national(persons), _with_national(full_time)
    area, month, cell = _grid(areas.n + 1, months, out.matrix.shape[1])
    names = pl.Series([NATIONAL_NAME, *areas.name])
    frame = pl.DataFrame(
        {
            "Område": names.gather(area),
            "Periode": _periods(vy.year, months).gather(month),
            "Ydelse": out.benefit.gather(cell),
            "Køn": out.gender.gather(cell),
            "Alder": out.age.gather(cell),
            "Visitationskategori": out.category.gather(cell),
            "_persons": persons.ravel(),
            "_tenths": np.rint(full_time.ravel() * 10.0).astype(np.int64),
            "_suppress": (area > 0) & (persons.ravel() >= 1) & (persons.ravel() <= 4),
        }
    )
    return frame.select(
        *VISITATION_HEADER[:6],
        _suppressed(pl.col("_suppress"), _int_text(pl.col("_persons"))).alias("Antal personer"),
        _suppressed(pl.col("_suppress"), _tenths_text(pl.col("_tenths"))).alias("Fuldtidspersoner"),
    )


# --- scale ≥ 3: single-year ages × Herkomst ----------------------------------------------------
#
# The fine recipients (Køn × band × category, drawn above) are split further, never redrawn, so
# every scale sums to the same truth: first each band over its single years of age, then each age
# over the five-way origin partition, both as multinomial draws (sequential binomials). Poisson
# counts split multinomially are again Poisson, so the single cells look like independent draws.
# The 3-way and 2-way partitions are sums of the 5-way one: scales 3, 4 and 5 agree with each other.

# The finest origin grain; ORIGIN_PARTITIONS[ways] = ((label, indices into ORIGINS), ...).
ORIGINS = (
    "Personer med dansk oprindelse",
    "Indvandrere fra vestlige lande",
    "Efterkommere fra vestlige lande",
    "Indvandrere fra ikke-vestlige lande",
    "Efterkommere fra ikke-vestlige lande",
)
ORIGIN_PARTITIONS = {
    2: (("Personer med dansk oprindelse", (0,)), ("Indvandrere og efterkommere", (1, 2, 3, 4))),
    3: (
        ("Personer med dansk oprindelse", (0,)),
        ("Indvandrere og efterkommere fra vestlige lande", (1, 2)),
        ("Indvandrere og efterkommere fra ikke-vestlige lande", (3, 4)),
    ),
    5: tuple((label, (i,)) for i, label in enumerate(ORIGINS)),
}
AGES = np.arange(16, 65)  # the single-year labels "16 år" … "64 år"
# First and last single age of each band of BANDS; "60 år og derover" ends at 64 as the labels do.
BAND_AGES = ((16, 24), (25, 29), (30, 39), (40, 49), (50, 59), (60, 64))
_WIDEST_BAND = max(hi - lo + 1 for lo, hi in BAND_AGES)
# Recipients per single year, relative: few under 18 (rarely eligible), most in the early twenties,
# slowly fewer with age, dropping off in the sixties (seniorpension, early retirement).
_AGE_WEIGHT = np.interp(
    AGES, [16, 17, 18, 19, 20, 24, 29, 59, 60, 64], [0.10, 0.25, 0.70, 0.90, 1.00, 0.94, 0.84, 0.70, 0.65, 0.25]
)
# Descendants (efterkommere) are young: their share of the immigrants and descendants by age.
_DESCENDANT_SHARE = np.clip(0.75 - 0.035 * (AGES - 16), 0.03, 0.75)


def origin_ways(scale: int) -> int:
    """How many origin groups a scale writes: 2 at scale 3, 3 at scale 4, 5 from scale 5 (0: no Herkomst)."""
    return 0 if scale < 3 else 2 if scale == 3 else 3 if scale == 4 else 5


def _origin_shares(areas: _Areas) -> np.ndarray:
    """Shares of the five origins by municipality and single age, shape (areas, ages, 5).

    Immigrants and descendants are 20-60 % of a municipality's recipients (about a third
    nationally), 8-18 % of them of western origin; descendants are mostly young, and western
    descendants are half as common among the western group as non-western descendants are.
    Drawn from a stream seeded by the kommunekode, like the other traits.
    """
    u = np.array([_rng(_S_ORIGIN_TRAITS, int(c)).uniform(0.0, 1.0, 2) for c in areas.code])
    other = (0.20 + 0.40 * u[:, 0])[:, None]  # (areas, 1)
    western = (0.08 + 0.10 * u[:, 1])[:, None]
    desc, desc_w = _DESCENDANT_SHARE[None, :], 0.5 * _DESCENDANT_SHARE[None, :]
    shares = np.stack(
        np.broadcast_arrays(
            1.0 - other,
            other * western * (1.0 - desc_w),
            other * western * desc_w,
            other * (1.0 - western) * (1.0 - desc),
            other * (1.0 - western) * desc,
        ),
        axis=-1,
    )
    return shares


def _split(rng: np.random.Generator, counts: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Split each count multinomially over the last axis of ``probs`` (broadcast against ``counts``).

    Sequential binomials with the conditional probability p_k / (p_k + … + p_K), computed from
    suffix sums rather than by subtracting from 1: the last part with any mass gets exactly 1, so
    rounding can never leave people unassigned or push a probability above 1 (numpy's own
    multinomial subtracts, and its last part takes the rest whatever its probability).
    """
    tail = np.cumsum(probs[..., ::-1], axis=-1)[..., ::-1]
    cond = np.clip(np.divide(probs, tail, out=np.zeros_like(probs), where=tail > 0), 0.0, 1.0)
    parts = np.empty(counts.shape + probs.shape[-1:], dtype=np.int64)
    left = counts.astype(np.int64, copy=True)
    for k in range(probs.shape[-1]):
        parts[..., k] = rng.binomial(left, cond[..., k])
        left -= parts[..., k]
    if left.any():  # only possible for a count whose probabilities are all zero: a bug in the caller
        raise ValueError("counts left over after the split: probabilities without mass")
    return parts


def _split_year(areas: _Areas, vy: _VisitationYear, origin: np.ndarray) -> np.ndarray:
    """The fine recipients by single age slot and origin, shape (areas, 12, cells, widest band, 5).

    Slot j of a cell is age BAND_AGES[band][0] + j; slots past the band's end stay 0. All twelve
    months are split, so, as for the draws themselves, no value depends on ``until``.
    """
    first = np.array([BAND_AGES[b][0] for b in vy.cells.band])
    width = np.array([BAND_AGES[b][1] - BAND_AGES[b][0] + 1 for b in vy.cells.band])
    slot = np.arange(_WIDEST_BAND)
    valid = slot[None, :] < width[:, None]  # (cells, slots)
    age_index = np.minimum(first[:, None] + slot[None, :], AGES[-1]) - AGES[0]
    age_p = np.where(valid, _AGE_WEIGHT[age_index], 0.0)
    age_p /= age_p.sum(axis=1, keepdims=True)
    rng = _rng(_S_SPLIT, vy.year)
    by_age = _split(rng, vy.persons, age_p)  # (areas, 12, cells, slots)
    origin_p = origin[:, age_index][:, None]  # (areas, 1, cells, slots, 5)
    return _split(rng, by_age, origin_p)


@dataclass(frozen=True)
class _OriginCells:
    """The output cells of a scale ≥ 3 layout: flat indices into (cells, slots, ways) and labels."""

    index: np.ndarray
    benefit: pl.Series
    gender: pl.Series
    age: pl.Series
    origin: pl.Series
    category: pl.Series


def _origin_out_cells(cells: _Cells, ways: int) -> _OriginCells:
    labels = [label for label, _ in ORIGIN_PARTITIONS[ways]]
    rows = []
    for c, (g, b) in enumerate(zip(cells.gender, cells.band, strict=True)):
        lo, hi = BAND_AGES[b]
        for j in range(hi - lo + 1):
            for o, label in enumerate(labels):
                # Sorted on (gender, age, origin, cell): categories keep their layout order last.
                rows.append(
                    (
                        (g, lo + j, o, c),
                        (c * _WIDEST_BAND + j) * ways + o,
                        cells.benefit[c],
                        GENDERS[g],
                        f"{lo + j} år",
                        label,
                        cells.category[c],
                    )
                )
    rows.sort(key=lambda r: r[0])
    cols = list(zip(*rows, strict=True))
    return _OriginCells(np.array(cols[1]), *(pl.Series(list(col)) for col in cols[2:]))


def _origin_visitation_frame(
    areas: _Areas, vy: _VisitationYear, split: np.ndarray, scale: int, months: int
) -> pl.DataFrame:
    ways = origin_ways(scale)
    to_partition = np.zeros((len(ORIGINS), ways), dtype=np.int64)
    for o, (_, members) in enumerate(ORIGIN_PARTITIONS[ways]):
        to_partition[list(members), o] = 1
    out = _origin_out_cells(vy.cells, ways)
    grouped = split[:, :months] @ to_partition  # (areas, months, cells, slots, ways)
    persons = grouped.reshape(areas.n, months, -1)[:, :, out.index]
    full_time = persons * vy.full_time[:, :months, None]
    persons, full_time = _with_national(persons), _with_national(full_time)
    area, month, cell = _grid(areas.n + 1, months, len(out.index))
    flat, tenths = persons.ravel(), np.rint(full_time.ravel() * 10.0).astype(np.int64)
    frame = pl.DataFrame(
        {
            "Område": pl.Series([NATIONAL_NAME, *areas.name]).gather(area),
            "Periode": _periods(vy.year, months).gather(month),
            "Ydelse": out.benefit.gather(cell),
            "Køn": out.gender.gather(cell),
            "Alder": out.age.gather(cell),
            "Herkomst": out.origin.gather(cell),
            "Visitationskategori": out.category.gather(cell),
            "_persons": flat,
            "_tenths": tenths,
            "_suppress": (area > 0) & (flat >= 1) & (flat <= 4),
        }
    )
    return frame.select(
        *VISITATION_ORIGIN_HEADER[:7],
        _suppressed(pl.col("_suppress"), _int_text(pl.col("_persons"), _groups(flat.max()))).alias("Antal personer"),
        _suppressed(pl.col("_suppress"), _tenths_text(pl.col("_tenths"), _groups(tenths.max() // 10))).alias(
            "Fuldtidspersoner"
        ),
    )


# --- shared jobcenter/social citizens -----------------------------------------------------------

TARGET_GROUPS = (
    "Misbrugere i behandling",
    "Handicappede",
    "Psykisk syge og øvrigt socialt udsatte",
    "Borgere uden særlige behov",
)
_NOT_MATCHED = "Ikke matchet, grovmatchet, sygedagpenge"


@dataclass(frozen=True)
class _SharedLayout:
    """Match groups of an era; the split of jobcenter-only citizens and of each social target group.

    Shaped on Copenhagen, November 2007: the target groups with special needs sit in match groups
    4-5 (later aktivitetsparat) and make up over half of those groups in the jobcenter.
    """

    groups: tuple[str, ...]
    jobcenter_only: tuple[float, ...]
    social: tuple[tuple[float, ...], ...]  # per target group


SHARED_LAYOUTS = {
    2007: _SharedLayout(
        ("Matchgruppe 1", "Matchgruppe 2", "Matchgruppe 3", "Matchgruppe 4", "Matchgruppe 5", _NOT_MATCHED),
        (10, 15, 10, 20, 5, 40),
        (
            (1, 1, 5, 58, 22, 13),
            (0.5, 1, 1.5, 27, 13, 57),
            (1.5, 3.7, 8, 53.5, 20.5, 12.8),
            (4.5, 11, 14.3, 42.8, 12.2, 15.2),
        ),
    ),
    2010: _SharedLayout(
        ("Jobklar", "Indsatsklar", "Midlertidigt passiv", _NOT_MATCHED),
        (35, 20, 5, 40),
        ((7, 58, 22, 13), (3, 27, 13, 57), (13, 53.5, 20.5, 13), (30, 43, 12, 15)),
    ),
    # Jobparat and Aktivitetsparat first: the new system moves READY_SHIFT from the second to the first.
    2014: _SharedLayout(
        ("Jobparat", "Aktivitetsparat", "Uddannelsesparat", "Uoplyst visitationskategori"),
        (45, 25, 20, 10),
        ((8, 80, 4, 8), (5, 70, 5, 20), (10, 75, 7, 8), (28, 50, 14, 8)),
    ),
}


def _normalised(rows) -> np.ndarray:
    arr = np.array(rows, dtype=float)
    return arr / arr.sum(axis=-1, keepdims=True)


def _shared_frame(areas: _Areas, year: int, months: int) -> pl.DataFrame | None:
    """Quarterly, at the quarter's last month; municipalities only; totals from true values."""
    era = _layout(year).first_year
    layout = SHARED_LAYOUTS[era]
    n_groups = len(layout.groups)
    quarter_end0 = np.array([2, 5, 8, 11])
    only = np.tile(_normalised(layout.jobcenter_only), (4, 1))  # (quarters, groups)
    social = np.tile(_normalised(layout.social), (4, 1, 1))  # (quarters, target groups, groups)
    if era >= 2014:
        new = _new_system(year, quarter_end0)
        only[new], social[new] = _to_ready(only[new]), _to_ready(social[new])
    jobcenter = _expected_recipients(areas, _year_months(year)[quarter_end0]) * areas.jobcenter_factor[:, None]
    shared = jobcenter * areas.shared_share[:, None]
    rng = _rng(_S_SHARED, year)
    social_n = rng.poisson(shared[:, :, None, None] * areas.target_share[:, None, :, None] * social[None])
    only_n = rng.poisson((jobcenter - shared)[:, :, None] * only[None])
    quarters = int((quarter_end0 < months).sum())
    if quarters == 0:
        return None
    social_n, only_n = social_n[:, :quarters], only_n[:, :quarters]
    # Rows: the four target groups, SOF borgere i alt, BIF borgere i alt; columns: groups + I alt.
    values = np.zeros((areas.n, quarters, 6, n_groups + 1), dtype=np.int64)
    values[:, :, :4, :n_groups] = social_n
    values[:, :, 4, :n_groups] = social_n.sum(axis=2)
    values[:, :, 5, :n_groups] = values[:, :, 4, :n_groups] + only_n
    values[..., n_groups] = values[..., :n_groups].sum(axis=-1)
    area, quarter, row, group = _grid(areas.n, quarters, 6, n_groups + 1)
    flat = values.ravel()
    is_total = (row >= 4) | (group == n_groups)
    frame = pl.DataFrame(
        {
            "Område": pl.Series(areas.name).gather(area),
            "Periode": pl.Series([f"{year}M{m + 1:02d}" for m in quarter_end0[:quarters]]).gather(quarter),
            "Forvaltning": pl.Series(["Fælles borgere"] * 5 + ["Jobcenter (BIF)"]).gather(row),
            "Målgruppe": pl.Series([*TARGET_GROUPS, "SOF borgere i alt", "BIF borgere i alt"]).gather(row),
            "Matchgruppe": pl.Series([*layout.groups, "I alt"]).gather(group),
            "_n": flat,
            "_suppress": ~is_total & (flat >= 1) & (flat <= 4),
        }
    )
    return frame.select(
        *SHARED_HEADER[:5], _suppressed(pl.col("_suppress"), _int_text(pl.col("_n"))).alias("Antal personer")
    )


def _to_ready(dist: np.ndarray) -> np.ndarray:
    """The new system: READY_SHIFT of the citizens move from Aktivitetsparat to Jobparat."""
    moved = np.minimum(READY_SHIFT, dist[..., 1])
    shifted = dist.copy()
    shifted[..., 1] -= moved
    shifted[..., 0] += moved
    return shifted


# --- activation ---------------------------------------------------------------------------------

_ACTIVATION_RATE = np.array([0.35, 0.20, 0.30])  # all recipients, special needs, far from work
_ACTIVATION_SEASON = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.95, 0.6, 0.9, 1.0, 1.0, 1.0, 0.9])  # July dip


def _activation_frame(areas: _Areas, vy: _VisitationYear, months: int) -> pl.DataFrame:
    """Groups drawn from the visitation recipients themselves; activated drawn binomially from each."""
    total = vy.persons.sum(axis=2)
    far = vy.persons[:, :, vy.cells.far].sum(axis=2)
    rng = _rng(_S_ACTIVATION, vy.year)
    special = rng.binomial(total, areas.shared_share[:, None])
    persons = np.stack([total, special, far], axis=2)  # (areas, 12, groups)
    t = vy.year + (np.arange(12) + 0.5) / 12.0
    push = 0.03 * np.exp(-(((t - 2013.5) / 2.0) ** 2))  # the activation drive around 2011-2015
    rate = (
        _ACTIVATION_RATE[None, None, :] + areas.activation_offset[:, None, None] + push[None, :, None]
    ) * _ACTIVATION_SEASON[None, :, None]
    activated = rng.binomial(persons, np.clip(rate, 0.02, 0.9))
    persons, activated = _with_national(persons[:, :months]), _with_national(activated[:, :months])
    area, month, group = _grid(areas.n + 1, months, 3)
    p, a = persons.ravel(), activated.ravel()
    municipal = area > 0
    frame = pl.DataFrame(
        {
            "Område": pl.Series([NATIONAL_NAME, *areas.name]).gather(area),
            "Periode": _periods(vy.year, months).gather(month),
            "Gruppe": pl.Series(["Alle modtagere", "Særlige behov (SOF)", vy.layout.activation_group]).gather(group),
            "_p": p,
            "_a": a,
            "_suppress_p": municipal & (p >= 1) & (p <= 4),
            "_suppress_a": municipal & (((p >= 1) & (p <= 4)) | ((a >= 1) & (a <= 4))),
        }
    )
    return frame.select(
        *ACTIVATION_HEADER[:3],
        _suppressed(pl.col("_suppress_p"), _int_text(pl.col("_p"))).alias("Antal personer"),
        _suppressed(pl.col("_suppress_a"), _int_text(pl.col("_a"))).alias("Aktiverede"),
    )


# --- investment projects ------------------------------------------------------------------------

PROJECT = "Flere sagsbehandlere"
N_PROJECTS = 15
PROJECT_EFFECT = 0.08
_SAVING_PATH = (0.25, 0.75, 1.20, 1.45, 1.60)  # savings per year of investment, by project year


@dataclass(frozen=True)
class _Project:
    area: int  # index into _Areas
    start: int
    years: int
    investment: int  # kroner per year, positive

    def multiplier(self, year: int) -> float:
        """Extra staff on the project's teams: full while it runs, part of it kept afterwards."""
        if year < self.start:
            return 1.0
        return 1.35 if year < self.start + self.years else 1.15


def _projects(areas: _Areas) -> list[_Project]:
    rng = _rng(_S_INVESTMENT, 0)
    chosen = np.sort(rng.choice(areas.n, N_PROJECTS, replace=False))
    starts = rng.integers(2015, 2022, N_PROJECTS)
    years = rng.integers(4, 6, N_PROJECTS)
    size = np.clip(areas.population[chosen] / 60_000, 0.4, 8.0) * rng.uniform(0.85, 1.15, N_PROJECTS)
    investment = np.rint(3_000_000 * size / 50_000).astype(np.int64) * 50_000
    return [
        _Project(int(a), int(s), int(y), int(i)) for a, s, y, i in zip(chosen, starts, years, investment, strict=True)
    ]


def _investment_frame(areas: _Areas, projects: list[_Project], until_year: int) -> pl.DataFrame:
    """Accounts (Regnskab) for years before the ``until`` year, budget for it and later years."""
    rng = _rng(_S_INVESTMENT, 1)
    rows = []
    for p in projects:  # 15 projects × ≤ 5 years: a Python loop is the clear way here
        for k in range(p.years):
            year = p.start + k
            saving = p.investment * _SAVING_PATH[k] * rng.uniform(0.9, 1.1)
            admin = p.investment * rng.uniform(0.08, 0.14)
            basis = "Regnskab" if year < until_year else "Budget"
            for line, amount in (
                ("Investering", -p.investment),
                ("Besparelse på forsørgelse", int(np.rint(saving / 10_000)) * 10_000),
                ("Løn og administration", -int(np.rint(admin / 10_000)) * 10_000),
            ):
                rows.append((areas.name[p.area], PROJECT, str(year), line, amount, basis))
    frame = pl.DataFrame(rows, schema=["Område", "Projekt", "År", "Post", "_amount", "Grundlag"], orient="row")
    return frame.select(
        *INVESTMENT_HEADER[:4],
        _int_text(pl.col("_amount")).alias("Beløb (kr.)"),
        "Grundlag",
        pl.lit(None, dtype=pl.String).alias("Note"),
    )  # null writes an empty field


# --- caseloads ----------------------------------------------------------------------------------

# (team, sagsområde, relative size, staffed by the investment project)
TEAMS = (
    ("Team Jobparate", "Jobparate over 30 år", 1.0, True),
    ("Team Aktivitetsparate", "Aktivitetsparate over 30 år", 1.3, True),
    ("Team Sygedagpenge", "Sygedagpenge", 1.2, False),
    ("Team Unge", "Job- og uddannelsesparate under 30 år", 0.9, True),
    ("Team Ressourceforløb", "Ressourceforløb", 0.8, False),
    ("Team Unge Aktivitetsparate", "Aktivitetsparate under 30 år", 0.7, True),
    ("Team Integration", "Integration", 0.6, False),
    ("Team Fleksjob", "Fleksjob", 0.7, False),
)
_TEAM_COUNT_LIMITS = (12_000, 25_000, 40_000, 55_000, 80_000, 150_000)  # 2 teams below the first, … 8


@dataclass(frozen=True)
class _Teams:
    area: np.ndarray
    kind: np.ndarray  # index into TEAMS
    workers: np.ndarray  # base full-time caseworkers
    caseload: np.ndarray  # base cases per worker


def _teams(areas: _Areas) -> _Teams:
    area, kind, workers, caseload = [], [], [], []
    # 98 municipalities: the team set-up only.
    for i, (code, pop) in enumerate(zip(areas.code, areas.population, strict=True)):
        n_teams = 2 + int(np.searchsorted(_TEAM_COUNT_LIMITS, pop, side="right"))
        rng = _rng(_S_TEAMS, int(code))
        u = rng.uniform(0.0, 1.0, (n_teams, 3))
        for t in range(n_teams):
            area.append(i)
            kind.append(t)
            workers.append(max(0.8, pop / 1500.0 / n_teams * TEAMS[t][2] * (0.8 + 0.4 * u[t, 0])))
            # A fifth of the teams are persistently overloaded (85-105 cases per worker).
            caseload.append(85.0 + 20.0 * u[t, 2] if u[t, 1] < 0.2 else 35.0 + 40.0 * u[t, 2])
    return _Teams(np.array(area), np.array(kind), np.array(workers), np.array(caseload))


def _caseload_frame(areas: _Areas, teams: _Teams, projects: list[_Project], year: int, months: int) -> pl.DataFrame:
    rng = _rng(_S_CASELOAD, year)
    n = len(teams.area)
    # Caseloads follow the number of recipients (dampened), with month-to-month noise.
    demand = np.sqrt(_national_rate(_year_months(year)) / 0.019)
    caseload = teams.caseload[:, None] * demand[None, :] * (1.0 + 0.03 * rng.standard_normal((n, 12)))
    workers = np.maximum(0.5, teams.workers[:, None] * (1.0 + 0.04 * rng.standard_normal((n, 12))))
    cases = np.rint(workers * caseload).astype(np.int64)
    # The investment project adds caseworkers, so the same cases are spread on more hands.
    staffed = np.array([t[3] for t in TEAMS])[teams.kind]
    extra = np.ones(areas.n)
    for p in projects:
        extra[p.area] = p.multiplier(year)
    workers = workers * np.where(staffed, extra[teams.area], 1.0)[:, None]
    tenths = np.maximum(5, np.rint(workers * 10.0).astype(np.int64))
    team, month = _grid(n, months)
    frame = pl.DataFrame(
        {
            "Område": pl.Series(areas.name).gather(teams.area[team]),
            "Periode": _periods(year, months).gather(month),
            "Team": pl.Series([t[0] for t in TEAMS]).gather(teams.kind[team]),
            "Sagsområde": pl.Series([t[1] for t in TEAMS]).gather(teams.kind[team]),
            "_cases": cases[:, :months].ravel(),
            "_tenths": tenths[:, :months].ravel(),
        }
    )
    return frame.select(
        *CASELOAD_HEADER[:4],
        _int_text(pl.col("_cases")).alias("Aktive sager"),
        _tenths_text(pl.col("_tenths")).alias("Sagsbehandlere (årsværk)"),
    )


# --- benchmark (jobindsats y30r21) -------------------------------------------------------------

BENCHMARK_QUARTERS = 12  # rolling years (QMAT) written: the last twelve whole quarters up to ``until``
BENCHMARK_TOTAL = "Ydelsesgrupper i alt"
# y30r21's benefit groups and their national share of the full-time persons on public support.
BENEFIT_GROUPS = (
    ("A-dagpenge mv.", 0.14),
    ("Kontanthjælp mv.", 0.18),
    ("Sygedagpenge mv.", 0.16),
    ("Fleksjob og ledighedsydelse", 0.16),
    ("Førtidspension", 0.30),
    ("Ressourceforløb og jobafklaring", 0.06),
)
_KONTANTHJAELP_GROUP = 1  # index into BENEFIT_GROUPS: where an investment project's effect shows


def _benchmark_quarters(until_year: int, until_month: int) -> list[tuple[int, int]]:
    """(year, quarter) of the last BENCHMARK_QUARTERS whole quarters up to ``until``, oldest first."""
    year, quarter = until_year, until_month // 3
    if quarter == 0:
        year, quarter = year - 1, 4
    out = []
    while len(out) < BENCHMARK_QUARTERS and year >= FIRST_YEAR:
        out.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return out[::-1]


def _benchmark_frame(areas: _Areas, quarters: list[tuple[int, int]]) -> pl.DataFrame | None:
    """Expected and actual full-time persons on public support per rolling year, municipality and group.

    The expected share of the 16-66-year-olds follows the municipality's need (10-21 % in all); the actual
    one differs by a lasting municipal effect (±6 %), one per group (±5 %), a slow drift and quarterly
    noise, and an investment project's municipality gets up to PROJECT_EFFECT fewer on kontanthjælp (the
    model of framework conditions does not know of the project). ``Ydelsesgrupper i alt`` is the sum of the
    groups. The place on the ranking (1 = best) orders the municipalities by actual minus expected share
    as written. A period's values are seeded by the period itself, so they never depend on ``until``.
    """
    if not quarters:
        return None
    u = np.array([_rng(_S_BENCHMARK_TRAITS, int(c)).uniform(0.0, 1.0, 15) for c in areas.code])
    n_groups = len(BENEFIT_GROUPS)
    working_age = areas.population * (0.60 + 0.08 * u[:, 0])  # 16-66 år
    need = (areas.scale / areas.population) ** 0.7
    split = np.array([share for _, share in BENEFIT_GROUPS])[None, :] * (0.75 + 0.5 * u[:, 1 : 1 + n_groups])
    split /= split.sum(axis=1, keepdims=True)
    effect = (-0.06 + 0.12 * u[:, 7])[:, None] + (-0.05 + 0.10 * u[:, 8 : 8 + n_groups])
    drift = -0.02 + 0.04 * u[:, 14]  # per three years
    expected, actual = [], []
    for year, quarter in quarters:  # at most BENCHMARK_QUARTERS small draws
        t = year + quarter / 4.0  # the end of the rolling year
        rng = _rng(_S_BENCHMARK, year, quarter)
        national = 0.165 * (1.0 - 0.01 * (t - 2024.0))
        exp = national * need[:, None] * split * (1.0 + 0.005 * rng.standard_normal((areas.n, n_groups)))
        rel = 1.0 + effect + (drift * (t - 2024.0) / 3.0)[:, None] + 0.01 * rng.standard_normal((areas.n, n_groups))
        ramp = np.nan_to_num(np.clip((t - areas.project_start) / 3.0, 0.0, 1.0), nan=0.0)
        rel[:, _KONTANTHJAELP_GROUP] -= PROJECT_EFFECT * ramp
        expected.append(exp)
        actual.append(exp * rel)
    # (areas, quarters, groups), then the total in front as group 0.
    exp_share, act_share = np.stack(expected, axis=1), np.stack(actual, axis=1)
    exp_share = np.concatenate([exp_share.sum(axis=2, keepdims=True), exp_share], axis=2)
    act_share = np.concatenate([act_share.sum(axis=2, keepdims=True), act_share], axis=2)
    exp_ftp = np.rint(exp_share * working_age[:, None, None] * 10.0).astype(np.int64)  # tenths
    act_ftp = np.rint(act_share * working_age[:, None, None] * 10.0).astype(np.int64)
    exp_pct = np.rint(exp_share * 10_000.0).astype(np.int64)  # hundredths of a per cent
    act_pct = np.rint(act_share * 10_000.0).astype(np.int64)
    # Ranked on the shares as written; ties go by the unrounded difference, then the kommunekode.
    rank = np.empty_like(exp_pct)
    for k in range(len(quarters)):
        for g in range(n_groups + 1):
            order = np.lexsort(
                (areas.code, act_share[:, k, g] - exp_share[:, k, g], act_pct[:, k, g] - exp_pct[:, k, g])
            )
            rank[order, k, g] = np.arange(1, areas.n + 1)
    area, quarter, group = _grid(areas.n, len(quarters), n_groups + 1)
    frame = pl.DataFrame(
        {
            "Område": pl.Series(areas.name).gather(area),
            "Periode": pl.Series([f"{y}QMAT0{q}" for y, q in quarters]).gather(quarter),
            "Ydelsesgruppe": pl.Series([BENCHMARK_TOTAL, *(g for g, _ in BENEFIT_GROUPS)]).gather(group),
            "_exp_ftp": exp_ftp.ravel(),
            "_act_ftp": act_ftp.ravel(),
            "_exp_pct": exp_pct.ravel(),
            "_act_pct": act_pct.ravel(),
            "_rank": rank.ravel(),
        }
    )
    return frame.select(
        *BENCHMARK_HEADER[:3],
        _tenths_text(pl.col("_exp_ftp")).alias(BENCHMARK_HEADER[3]),
        _tenths_text(pl.col("_act_ftp")).alias(BENCHMARK_HEADER[4]),
        _hundredths_text(pl.col("_exp_pct")).alias(BENCHMARK_HEADER[5]),
        _hundredths_text(pl.col("_act_pct")).alias(BENCHMARK_HEADER[6]),
        _tenths_text(pl.col("_act_ftp") - pl.col("_exp_ftp")).alias(BENCHMARK_HEADER[7]),
        _int_text(pl.col("_rank")).alias(BENCHMARK_HEADER[8]),
    )


# --- number formatting (vectorised, Danish portal style) ----------------------------------------


def _int_text(col: pl.Expr, groups: int = 5) -> pl.Expr:
    """Whole numbers with a thousands dot from 1.000 on: 999, 1.234, -3.250.000.

    ``groups`` is how many thousands groups the largest value has (1.234 has one). polars works
    out every branch for every row, so the tens of millions of small counts at scale ≥ 3 are
    quicker with only the branches their largest value needs; the default covers up to 10^18 - 1.
    """
    a = col.abs()

    def group(k: int, pad: bool) -> pl.Expr:
        g = ((a // 1000**k) % 1000).cast(pl.String)
        return g.str.zfill(3) if pad else g

    text = a.cast(pl.String)
    for top in range(1, groups + 1):
        parts = [group(top, pad=False)]
        for k in range(top - 1, -1, -1):
            parts += [pl.lit("."), group(k, pad=True)]
        text = pl.when(a >= 1000**top).then(pl.concat_str(parts)).otherwise(text)
    return pl.when(col < 0).then(pl.concat_str([pl.lit("-"), text])).otherwise(text)


def _tenths_text(col: pl.Expr, groups: int = 5) -> pl.Expr:
    """A number held in tenths as one-decimal text with a decimal comma: 65 -> 6,5; 12345 -> 1.234,5."""
    a = col.abs()
    text = pl.concat_str([_int_text(a // 10, groups), pl.lit(","), (a % 10).cast(pl.String)])
    return pl.when(col < 0).then(pl.concat_str([pl.lit("-"), text])).otherwise(text)


def _hundredths_text(col: pl.Expr) -> pl.Expr:
    """A number held in hundredths as two-decimal text with a decimal comma: 1725 -> 17,25; 5 -> 0,05."""
    a = col.abs()
    text = pl.concat_str([_int_text(a // 100), pl.lit(","), (a % 100).cast(pl.String).str.zfill(2)])
    return pl.when(col < 0).then(pl.concat_str([pl.lit("-"), text])).otherwise(text)


def _groups(largest: int) -> int:
    """Thousands groups of a whole number: 999 -> 0, 1.000 -> 1, -3.250.000 -> 2."""
    return (len(str(abs(int(largest)))) - 1) // 3


def _suppressed(flag: pl.Expr, text: pl.Expr) -> pl.Expr:
    return pl.when(flag).then(pl.lit("..")).otherwise(text)


# --- writing ------------------------------------------------------------------------------------


class _CsvWriter:
    """Appends frames to one CSV file, opened on the first rows, so a file never waits in memory."""

    def __init__(self, path: Path, header: tuple[str, ...]):
        self.path, self.header, self._fh = path, header, None

    def write(self, frame: pl.DataFrame | None) -> None:
        if frame is None or frame.height == 0:
            return
        if frame.columns != list(self.header):
            raise ValueError(f"{self.path.name}: columns {frame.columns} differ from {self.header}")
        if self._fh is None:
            # Open across writes, closed by close(): the file is written a frame at a time.
            self._fh = open(self.path, "wb")  # noqa: SIM115
            self._fh.write(("\ufeff" + ";".join(self.header) + "\n").encode("utf-8"))
        frame.write_csv(self._fh, include_header=False, separator=";", line_terminator="\n", quote_style="necessary")

    def close(self) -> Path | None:
        """The path when anything was written."""
        if self._fh is None:
            return None
        self._fh.close()
        self._fh = None
        return self.path

    def __enter__(self) -> _CsvWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _parse_month(text: str) -> tuple[int, int]:
    period = parse_period(text)
    if period is None or period.period_type != "M":
        raise ValueError(f"until must be a month such as 2026M09, not {text!r}")
    if period.start.year < FIRST_YEAR:
        raise ValueError(f"until must be {FIRST_YEAR}M01 or later, not {text!r}")
    return period.start.year, period.start.month


def latest_month(today: date | None = None) -> str:
    """The month before today's month: 2026M10 on 2026-11-22, 2025M12 on 2026-01-05."""
    today = today or date.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}M{month:02d}"


def _remove_previous(out_dir: Path) -> None:
    """Remove the files an earlier run may have left, including blocks another ``until`` named."""
    fixed = {SHARED_FILE, ACTIVATION_FILE, CASELOAD_FILE, INVESTMENT_FILE, BENCHMARK_FILE}
    for path in out_dir.glob("demo_*.csv"):
        if path.name in fixed or _VISITATION_FILE.fullmatch(path.name):
            path.unlink()


def write_demo(out_dir: Path, scale: int = 1, until: str | None = None) -> list[Path]:
    """Write the demo extracts for 2007M01 through ``until`` (default: last month) into ``out_dir``.

    ``scale`` 1 writes visitation by Køn ``I alt`` × two age groups; 2 by Mænd/Kvinder × six age
    bands; 3 and more by Mænd/Kvinder × single years 16-64 × a Herkomst partition (2-way at 3,
    3-way at 4, 5-way from 5). See the module docstring for row counts. Returns the files
    written, sorted. Same arguments, same bytes.
    """
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a whole number of 1 or more, not {scale!r}")
    until_year, until_month = _parse_month(until or latest_month())
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_previous(out_dir)

    areas = _read_areas()
    projects = _projects(areas)
    starts = areas.project_start.copy()
    starts[[p.area for p in projects]] = [p.start for p in projects]
    areas = replace(areas, project_start=starts)
    teams = _teams(areas)
    origin = _origin_shares(areas) if scale >= 3 else None
    header = VISITATION_ORIGIN_HEADER if scale >= 3 else VISITATION_HEADER
    written: list[Path | None] = []
    with ExitStack() as stack:  # closes every file also when generation fails half-way
        shared = stack.enter_context(_CsvWriter(out_dir / SHARED_FILE, SHARED_HEADER))
        activation = stack.enter_context(_CsvWriter(out_dir / ACTIVATION_FILE, ACTIVATION_HEADER))
        caseload = stack.enter_context(_CsvWriter(out_dir / CASELOAD_FILE, CASELOAD_HEADER))
        investment = stack.enter_context(_CsvWriter(out_dir / INVESTMENT_FILE, INVESTMENT_HEADER))
        visitation: _CsvWriter | None = None
        for year in range(FIRST_YEAR, until_year + 1):
            months = 12 if year < until_year else until_month
            block_start = year - (year - FIRST_YEAR) % BLOCK_YEARS
            if visitation is None:
                block_end = min(block_start + BLOCK_YEARS - 1, until_year)
                visitation = stack.enter_context(
                    _CsvWriter(out_dir / f"demo_visitation_{block_start}_{block_end}.csv", header)
                )
            vy = _visitation_year(areas, year)
            if origin is None:
                visitation.write(_visitation_frame(areas, vy, scale, months))
            else:
                visitation.write(_origin_visitation_frame(areas, vy, _split_year(areas, vy, origin), scale, months))
            activation.write(_activation_frame(areas, vy, months))
            shared.write(_shared_frame(areas, year, months))
            caseload.write(_caseload_frame(areas, teams, projects, year, months))
            if year == block_start + BLOCK_YEARS - 1 or year == until_year:
                written.append(visitation.close())  # one block file open at a time
                visitation = None
        investment.write(_investment_frame(areas, projects, until_year))
        benchmark = stack.enter_context(_CsvWriter(out_dir / BENCHMARK_FILE, BENCHMARK_HEADER))
        benchmark.write(_benchmark_frame(areas, _benchmark_quarters(until_year, until_month)))
        written += [shared.close(), activation.close(), caseload.close(), investment.close(), benchmark.close()]
    return sorted(p for p in written if p is not None)
