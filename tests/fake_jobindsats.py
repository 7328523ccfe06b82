"""A jobindsats API v3 on 127.0.0.1 (pytest-httpserver), built from the contract (../shared/jobindsats/README.md)
and the real replies (tests/data/jobindsats/real/, an unchanged copy of ../shared/jobindsats/real/).

What is real, what is documented, and what is made up here because the contract is silent:
- Real, served byte for byte: every data reply in real/ for exactly the request it answered (PROVENANCE.md says
  which), and the 422 bodies ("Unknown hierarchies: ['_omrade']", "Unknown period type: M") where a request
  makes the same mistake. y30r21's figures are the 2.352 real rows of the Randers file (saved from API v2 with
  decimal commas; served as v3 carries numbers, as JSON numbers).
- Documented shapes: the catalogue (subjects -> table_groups -> tables with update_freq, update_latest,
  update_next, periods -> periodtypes -> period_last, mgroups), the metadata (periods -> values -> period_id;
  dimensions -> hierarchies -> levels -> values with value_id paths; mgroups), the data reply (Periode, Område,
  one column per dimension asked, one per measure; "<group name>: <measure name>" where a group holds several;
  JSON numbers, null for a suppressed cell), ``hierarchy._nykom=*`` answering the 98 municipalities plus Hele
  landet and Uoplyst område, a dimension not asked for answering its total without a column, 401 for a key sent
  without "Bearer", 403 with an HTML page for a refused key, 422 ``{"code", "cause", "request_id"}``.
- Made up (the contract is silent): member value ids ("/1/", "/2/" …, never our codes), the measure group ids
  and names of y*a02 and y60c07 and of y30r21's groups' ids, the labels of y*a02's counts and of y60c07's
  measures (the mapping's), the figures of y*a02 and y60c07, the update dates, the level ids, the 401 body (empty).
A request in a form no real reply shows (a list of periods, several area ids, one measure by id, no period)
gets 400 "not a documented request form": the fake makes no claim about how the live API answers it.
"""

from __future__ import annotations

import csv
import json
import re
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from werkzeug import Request, Response

KEY = "SECRET-KEY-123"
ROOT = Path(__file__).resolve().parent.parent
REAL = Path(__file__).resolve().parent / "data" / "jobindsats" / "real"
RANDERS = REAL / "randers_y30r21-api.9337652.ndjson.csv"
# The sentence the contract quotes from the 403 page a refused key or path has come back with.
FORBIDDEN_HTML = (
    "<!DOCTYPE html><html><head><title>403 - Forbidden: Access is denied.</title></head><body>"
    "<h2>403 - Forbidden: Access is denied.</h2>"
    "<h3>You do not have permission to view this directory or page.</h3></body></html>"
)
BOM = b"\xef\xbb\xbf"


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- tables ----------------------------------------------------------------------------------------------


@dataclass
class FakeDimension:
    dimension_id: str
    hierarchy_id: str
    label: str  # its column's label in a data reply
    values: list[tuple[str, str]]  # (value_id, value_name); "/" is the total


@dataclass
class FakeMeasure:
    group_id: str
    group_name: str
    name: str


Figures = Callable[[str, str, str], list | None]  # (area value id, period, value id of the data dimension) -> cells


@dataclass
class FakeTable:
    table_id: str
    name: str
    subject: str
    period_type: str
    periods: list[str]
    areas: list[tuple[str, str]]  # (value_id, value_name) of _nykom: Hele landet, the municipalities, Uoplyst område
    dimensions: list[FakeDimension]  # besides _omrade; the first is the one with figures by value
    measures: list[FakeMeasure]
    figures: Figures
    overrides: dict[tuple[str, str, str], list | None] = field(default_factory=dict)
    update_freq: str = "M"
    update_latest: date | None = None
    update_next: date | None = None

    def cells(self, area: str, period: str, value: str) -> list | None:
        key = (area, period, value)
        return self.overrides[key] if key in self.overrides else self.figures(area, period, value)

    def labels(self) -> list[str]:
        """Each measure's column label: its name, or "<group name>: <name>" where its group holds several."""
        sizes = {}
        for m in self.measures:
            sizes[m.group_id] = sizes.get(m.group_id, 0) + 1
        return [m.name if sizes[m.group_id] == 1 else f"{m.group_name}: {m.name}" for m in self.measures]

    def area_id(self, name: str) -> str:
        return next(v for v, n in self.areas if n == name)

    def metadata(self) -> dict:
        def hierarchy(hierarchy_id: str, values, member_level: str) -> dict:
            return {
                "hierarchy_id": hierarchy_id,
                "levels": [
                    {"level_id": "total", "values": [{"value_id": v, "value_name": n} for v, n in values if v == "/"]},
                    {
                        "level_id": member_level,
                        "values": [{"value_id": v, "value_name": n} for v, n in values if v != "/"],
                    },
                ],
            }

        dims = [{"dimension_id": "_omrade", "hierarchies": [hierarchy("_nykom", self.areas, "kom")]}]
        dims += [
            {"dimension_id": d.dimension_id, "hierarchies": [hierarchy(d.hierarchy_id, d.values, d.dimension_id[1:])]}
            for d in self.dimensions
        ]
        groups = {m.group_id: m.group_name for m in self.measures}
        return {
            "periods": [{"periodtype_id": self.period_type, "values": [{"period_id": p} for p in self.periods]}],
            "dimensions": dims,
            "mgroups": [{"mgroup_id": g, "mgroup_name": n} for g, n in groups.items()],
        }

    def catalogue_entry(self, periods_as_list: bool = False) -> dict:
        periods = {"periodtypes": [{"periodtype_id": self.period_type, "period_last": self.periods[-1]}]}
        return {
            "table_id": self.table_id,
            "table_name": self.name,
            "link_infopage": f"https://www.jobindsats.dk/information/{self.table_id}",
            "link_tablepage": f"https://www.jobindsats.dk/databank/{self.table_id}",
            "update_freq": self.update_freq,
            "update_latest": self.update_latest.isoformat() if self.update_latest else None,
            "update_next": self.update_next.isoformat() if self.update_next else None,
            "periods": [periods] if periods_as_list else periods,
            "mgroups": [
                {"mgroup_id": g, "mgroup_name": n} for g, n in {m.group_id: m.group_name for m in self.measures}.items()
            ],
        }


# --- the server ----------------------------------------------------------------------------------------------


def _real_requests() -> dict[tuple[str, frozenset], Path]:
    """(path, query) -> the real reply that answered it, from PROVENANCE.md."""
    out = {}
    for line in (REAL / "PROVENANCE.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| (v3data_\S+\.json) \|.*?GET (/v3/data/\S+?) →", line)
        if m:
            url = urlsplit(m.group(2))
            out[(url.path, frozenset(parse_qsl(url.query, keep_blank_values=True)))] = REAL / m.group(1)
    return out


def _real_error(cause: str) -> bytes | None:
    """The real 422 body with this cause, unchanged, where one was saved."""
    for path in REAL.glob("v3error_422_*.json"):
        if json.loads(path.read_text(encoding="utf-8"))["cause"] == cause:
            return path.read_bytes()
    return None


class Undocumented(Exception):
    """A request in a form no real reply shows."""


class FakeJobindsats:
    def __init__(self, server, key: str = KEY):
        self.server = server
        self.key = key
        self.tables: dict[str, FakeTable] = {}
        self.real = _real_requests()
        self.scripted: list[tuple[str, Response]] = []  # (path prefix, reply) served once, in order
        self.data_requests: list[list[tuple[str, str]]] = []  # each data request's parameters, in order
        self.fail_data_call: int | None = None  # from the n-th data request (1-based) on, answer 500
        self.delay: float = 0.0
        self.bom = False  # a UTF-8 byte-order mark before JSON replies (the contract: accept one)
        self.catalogue_periods_as_list = False  # the catalogue's periods as a list of objects (nesting not settled)
        # Hierarchies the data endpoint does not know although the metadata lists them (y25i14 rejects _nykom).
        self.refused_hierarchies: set[str] = set()
        server.expect_request(re.compile(r"^/v3/.*")).respond_with_handler(self.handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for("/v3")

    def add(self, *tables: FakeTable) -> FakeJobindsats:
        for table in tables:
            self.tables[table.table_id] = table
        return self

    def script(self, path_prefix: str, status: int, body: str | bytes = "", headers=None, content_type=None) -> None:
        self.scripted.append(
            (
                path_prefix,
                Response(body, status=status, headers=headers or {}, content_type=content_type or "application/json"),
            )
        )

    def handle(self, request: Request) -> Response:
        if self.delay:
            time.sleep(self.delay)
        auth = request.headers.get("Authorization", "")
        if auth != f"Bearer {self.key}":
            # A key sent the v2 way (no "Bearer") gets 401; a refused key, a 403 HTML page.
            if not auth.startswith("Bearer "):
                return Response(b"", status=401, content_type="text/plain")
            return Response(FORBIDDEN_HTML, status=403, content_type="text/html")
        for i, (prefix, reply) in enumerate(self.scripted):
            if request.path.startswith(prefix):
                del self.scripted[i]
                return reply
        try:
            return self._answer(request)
        except Undocumented as exc:
            return Response(f"fake: not a documented request form: {exc}", status=400, content_type="text/plain")

    def _answer(self, request: Request) -> Response:
        args = list(request.args.items(multi=True))
        if ("format", "json") not in args:
            raise Undocumented("format=json is on every documented call")
        path = request.path
        if path == "/v3/tables":
            return self._json(self._catalogue())
        if m := re.fullmatch(r"/v3/table/(\w+)", path):
            table = self.tables.get(m.group(1))
            return self._json(table.metadata()) if table else Response(b"", status=404)
        if m := re.fullmatch(r"/v3/data/(\w+)", path):
            real = self.real.get((path, frozenset(args)))
            if real is not None:
                return Response(real.read_bytes(), status=200, content_type="application/json")
            table = self.tables.get(m.group(1))
            if table is None:
                return Response(b"", status=404)
            self.data_requests.append([a for a in args if a[0] != "format"])
            if self.fail_data_call is not None and len(self.data_requests) >= self.fail_data_call:
                return Response(b"", status=500)
            return self._data(table, [a for a in args if a[0] != "format"])
        return Response(b"", status=404)

    def _json(self, payload, status: int = 200) -> Response:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return Response((BOM if self.bom else b"") + body, status=status, content_type="application/json")

    def _error(self, cause: str) -> Response:
        body = _real_error(cause) or json.dumps(
            {"code": 422, "cause": cause, "request_id": str(uuid.uuid4())}, separators=(",", ":")
        ).encode("utf-8")
        return Response(body, status=422, content_type="application/json")

    def _catalogue(self) -> list[dict]:
        subjects: dict[str, list] = {}
        for t in self.tables.values():
            subjects.setdefault(t.subject, []).append(t.catalogue_entry(self.catalogue_periods_as_list))
        return [
            {"subject_name": s, "table_groups": [{"table_group_name": s, "tables": tables}]}
            for s, tables in subjects.items()
        ]

    # -- data -------------------------------------------------------------------------------------------

    def _data(self, table: FakeTable, args: list[tuple[str, str]]) -> Response:
        params = dict(args)
        if len(params) != len(args):
            raise Undocumented("a parameter given twice")
        if [(k, v) for k, v in args if k.startswith("mgroup.")] != [("mgroup.*", "*")]:
            raise Undocumented("measures are asked as mgroup.*=*")
        periods = [(k, v) for k, v in args if k.startswith("period.")]
        if len(periods) != 1 or not re.fullmatch(r"latest:\d+", periods[0][1]):
            raise Undocumented("one period.<type>=latest:N")
        ptype, n = periods[0][0].removeprefix("period."), int(periods[0][1].removeprefix("latest:"))
        if ptype != table.period_type:
            return self._error(f"Unknown period type: {ptype}")
        if n > len(table.periods):
            return self._error(
                f"Requested latest:{n} for type {ptype}, but only {len(table.periods)} periods are available."
            )
        asked = [(k.removeprefix("hierarchy."), v) for k, v in args if k.startswith("hierarchy.")]
        known = {"_nykom": table.areas} | {d.hierarchy_id: d.values for d in table.dimensions}
        unknown = [h for h, _ in asked if h not in known or h in self.refused_hierarchies]
        if unknown:
            return self._error(f"Unknown hierarchies: {unknown!r}")
        chosen = {h: self._values(known[h], v) for h, v in asked}
        return self._json(self._rows(table, table.periods[-n:], chosen, [h for h, _ in asked if h != "_nykom"]))

    @staticmethod
    def _values(values: list[tuple[str, str]], wanted: str) -> list[tuple[str, str]]:
        if wanted == "*":
            return list(values)
        if "," in wanted:
            raise Undocumented("several value ids in one hierarchy parameter")
        return [v for v in values if v[0] == wanted]

    def _rows(self, table: FakeTable, periods, chosen: dict, dims: list[str]) -> dict:
        areas = chosen.get("_nykom", [("/", "Hele landet")])
        main = table.dimensions[0].hierarchy_id if table.dimensions else None
        columns = ["Periode", "Område"]
        columns += [next(d.label for d in table.dimensions if d.hierarchy_id == h) for h in dims]
        columns += table.labels()
        combos: list[list[tuple[str, str]]] = [[]]
        for h in dims:  # every other dimension has figures for its total only
            values = chosen[h] if h == main else [v for v in chosen[h] if v[0] == "/"]
            combos = [c + [v] for c in combos for v in values]
        rows = []
        for period in periods:
            for area_id, area_name in areas:
                for combo in combos:
                    by = dict(zip(dims, combo, strict=True))
                    value = by.get(main, ("/", ""))[0] if main else "/"
                    cells = table.cells(area_id, period, value)
                    if cells is not None:
                        rows.append([period, area_name, *(v[1] for v in combo), *cells])
        return {"columns": columns, "rows": rows}


# --- the mapped tables --------------------------------------------------------------------------------------

with open(ROOT / "data" / "reference" / "kommuner.csv", encoding="utf-8") as _fh:
    KOMMUNER = [(r["kommunekode"], r["jobindsats_navn"], int(r["indbyggere"])) for r in csv.DictReader(_fh)]
# _nykom's values: the total, the municipalities, and Uoplyst område. The member ids are paths of our making
# (the contract: "/" is the total, members look like "/2/"); nothing may take them for municipality codes.
AREAS = [("/", "Hele landet")] + [(f"/{i}/", name) for i, (_, name, _) in enumerate(KOMMUNER, start=1)]
AREAS.append((f"/{len(KOMMUNER) + 1}/", "Uoplyst område"))
POPULATION = {f"/{i}/": people for i, (_, _, people) in enumerate(KOMMUNER, start=1)}
CODE_OF = {f"/{i}/": code for i, (code, _, _) in enumerate(KOMMUNER, start=1)}
UNKNOWN_AREA = AREAS[-1][0]


def area_value(name: str) -> str:
    return next(v for v, n in AREAS if n == name)


def months(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y}M{m:02d}" <= last:
        out.append(f"{y}M{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _dates() -> tuple[date, date]:
    """The catalogue's last and next update, around today: a current table that is not yet due."""
    today = date.today()
    return today - timedelta(days=20), today + timedelta(days=10)


VISKAT_1INT = [
    ("/", "Visitationskategori i alt"),
    ("/1/", "Jobparat"),
    ("/2/", "Aktivitetsparat"),
    ("/3/", "Uddannelsesparat"),
    ("/4/", "Åbenlys uddannelsesparat"),
    ("/5/", "Uoplyst visitationskategori"),
]
SHARES = {"/1/": 0.28, "/2/": 0.52, "/3/": 0.11, "/4/": 0.06, "/5/": 0.0004}


def a02_measures(code: str) -> list[FakeMeasure]:
    """y*a02's measures: the two shares the contract names (both brought by mgroup.*=*), and the two counts under
    the labels the mapping expects (not shown by a saved reply). Group ids and names are made up."""
    return [
        FakeMeasure(f"mgrp{code}_1", "Antal personer", "Antal personer"),
        FakeMeasure(f"mgrp{code}_2", "Antal fuldtidspersoner", "Antal fuldtidspersoner"),
        FakeMeasure(
            f"mgrp{code}_3", "Fuldtidspersoner i pct. af arbejdsstyrken", "Fuldtidspersoner i pct. af arbejdsstyrken"
        ),
        FakeMeasure(
            f"mgrp{code}_4", "Fuldtidspersoner i pct. af befolkningen", "Fuldtidspersoner i pct. af befolkningen"
        ),
    ]


def _persons(area: str, period: str, value: str, shares: dict[str, float], periods: list[str]) -> float | None:
    """Made-up recipients: a share of the area's population, drifting by month; Hele landet is the sum of the
    municipalities and Uoplyst område (whose few are suppressed)."""
    if area == "/":
        parts = [_persons(a, period, value, shares, periods) for a in POPULATION] + [
            _persons(UNKNOWN_AREA, period, value, shares, periods)
        ]
        return float(sum(p for p in parts if p is not None))
    if value == "/":
        parts = [_persons(area, period, v, shares, periods) for v in shares]
        return float(sum(p for p in parts if p is not None))
    i = periods.index(period)
    people = POPULATION.get(area, 1500)
    count = round(people * 0.025 * shares[value] * (1 + 0.002 * i))
    return None if count < 5 else float(count)


def visitation_figures(shares: dict[str, float], periods: list[str]) -> Figures:
    def figures(area: str, period: str, value: str) -> list | None:
        if period not in periods:
            return None
        persons = _persons(area, period, value, shares, periods)
        if persons is None:
            return [None, None, None, None]  # suppressed: null, never ".."
        people = sum(POPULATION.values()) if area == "/" else POPULATION.get(area, 1500)
        ftp = round(persons * 0.92, 1)
        return [int(persons), ftp, round(100 * ftp / (people * 0.52), 1), round(100 * ftp / (people * 0.64), 1)]

    return figures


def y60a02() -> FakeTable:
    """Kontanthjælp in the system from 1 July 2025 by visitation category; months from 2021M08 (the contract)."""
    periods = months("2021M08", "2026M10")
    latest, upcoming = _dates()
    return FakeTable(
        "y60a02",
        "Kontanthjælp (nyt system fra 1. juli 2025) efter visitationskategori",
        "Kontanthjælp",
        "M",
        periods,
        list(AREAS),
        [FakeDimension("_viskat_1int", "_viskat_1int", "Visitationskategori", list(VISKAT_1INT))],
        a02_measures("a02"),
        visitation_figures(SHARES, periods),
        update_latest=latest,
        update_next=upcoming,
    )


def y36a02() -> FakeTable:
    """Kontanthjælp before the reform; no next update (made up: the table ended with the reform)."""
    periods = months("2024M01", "2025M06")
    values = [("/", "Visitationskategori i alt"), ("/1/", "Jobparat"), ("/2/", "Aktivitetsparat")]
    return FakeTable(
        "y36a02",
        "Kontanthjælp (før 1. juli 2025) efter visitationskategori",
        "Kontanthjælp",
        "M",
        periods,
        list(AREAS),
        [FakeDimension("_viskat_1kth", "_viskat_1kth", "Visitationskategori", values)],
        a02_measures("a02"),
        visitation_figures({"/1/": 0.3, "/2/": 0.7}, periods),
        update_latest=date(2025, 8, 1),
    )


def y38a02() -> FakeTable:
    periods = months("2024M01", "2025M06")
    values = [
        ("/", "Visitationskategori i alt"),
        ("/1/", "Uddannelsesparat"),
        ("/2/", "Åbenlyst uddannelsesparat"),
        ("/3/", "Aktivitetsparat"),
    ]
    return FakeTable(
        "y38a02",
        "Uddannelseshjælp (før 1. juli 2025) efter visitationskategori",
        "Uddannelseshjælp",
        "M",
        periods,
        list(AREAS),
        [FakeDimension("_viskat_2udh", "_viskat_2udh", "Visitationskategori", values)],
        a02_measures("a02"),
        visitation_figures({"/1/": 0.45, "/2/": 0.1, "/3/": 0.45}, periods),
        update_latest=date(2025, 8, 1),
    )


def _totals_only(dimension_id: str, label: str, total: str, members: list[str]) -> FakeDimension:
    return FakeDimension(
        dimension_id, dimension_id, label, [("/", total)] + [(f"/{i}/", m) for i, m in enumerate(members, start=1)]
    )


def y60c07() -> FakeTable:
    """Aktiveringsgrad og andel aktiveringsberørte, with the dimensions the contract lists; the whole table is one
    group, so no dimension is asked for. Measure group ids from the domain brief; their names made up."""
    periods = months("2025M07", "2026M10")
    latest, upcoming = _dates()

    def figures(area: str, period: str, value: str) -> list | None:
        if period not in periods or value != "/" or area == UNKNOWN_AREA:
            return None
        i = periods.index(period)
        code = int(CODE_OF.get(area, "0"))
        return [round(25 + code % 17 + 0.1 * i, 1), round(38 + code % 11, 1) if code != 101 else None]

    return FakeTable(
        "y60c07",
        "Aktiveringsgrad og andel aktiveringsberørte",
        "Kontanthjælp",
        "M",
        periods,
        list(AREAS),
        [
            _totals_only("_kon", "Køn", "Køn i alt", ["Mænd", "Kvinder"]),
            _totals_only("_alder5i30", "Alder", "Alder i alt", ["Under 30 år", "30 år og derover"]),
            _totals_only("_oprinda", "Herkomst", "Herkomst i alt", ["Dansk oprindelse", "Indvandrere"]),
            _totals_only("_viskat_1int", "Visitationskategori", "Visitationskategori i alt", ["Jobparat"]),
            _totals_only("_kth_sats", "Sats", "Sats i alt", ["Grundsats"]),
        ],
        [
            FakeMeasure("mgrpc07_1", "Aktiveringsgrad", "Aktiveringsgrad"),
            FakeMeasure("mgrpc07_2", "Andel aktiveringsberørte", "Andel aktiveringsberørte"),
        ],
        figures,
        update_latest=latest,
        update_next=upcoming,
    )


Y30R21_COUNTS = "Forventet og faktisk antal fuldtidspersoner på offentlig forsørgelse"
Y30R21_SHARES = "Forventet og faktisk andel fuldtidspersoner på offentlig forsørgelse"
BENEFIT_GROUPS = [
    ("/", "Ydelsesgrupper i alt"),
    ("/1/", "A-dagpenge mv."),
    ("/2/", "Sygedagpenge mv."),
    ("/3/", "Kontanthjælp mv."),
]


def randers_rows() -> list[dict]:
    """The real y30r21 file: one JSON object per line."""
    return [json.loads(line) for line in RANDERS.read_text(encoding="utf-8").splitlines()]


def _number(text):
    """A v2 cell as v3 carries it: numbers as JSON numbers ("9,08" -> 9.08)."""
    return float(text.replace(",", ".")) if isinstance(text, str) else text


def y30r21() -> FakeTable:
    """The ministry's benchmark with the real Randers figures (98 municipalities, 2020QMAT02–2022QMAT04, even
    quarters), the contract's dimension, groups and labels. Hele landet and Uoplyst område have no figures."""
    rows = randers_rows()
    periods = sorted({r["Periode"] for r in rows})
    group_ids = {name: v for v, name in BENEFIT_GROUPS}
    data = {
        (area_value(r["Area"]), r["Periode"], group_ids[r["Ydelsesgrupper"]]): [
            _number(v) for v in list(r.values())[3:]
        ]
        for r in rows
    }
    latest, upcoming = _dates()
    return FakeTable(
        "y30r21",
        "Benchmark: forventet og faktisk antal fuldtidspersoner på offentlig forsørgelse",
        "Benchmarking",
        "QMAT",
        periods,
        list(AREAS),
        [FakeDimension("_ygrp_y30r21", "_ygrp_y30r21", "Ydelsesgrupper", list(BENEFIT_GROUPS))],
        [
            FakeMeasure("mgrpr21_1", Y30R21_COUNTS, "Forventet antal"),
            FakeMeasure("mgrpr21_1", Y30R21_COUNTS, "Faktisk antal"),
            FakeMeasure("mgrpr21_1", Y30R21_COUNTS, "Forskel mellem forventet og faktisk antal"),
            FakeMeasure("mgrpr21_2", Y30R21_SHARES, "Forventet andel (pct.)"),
            FakeMeasure("mgrpr21_2", Y30R21_SHARES, "Faktisk andel (pct.)"),
            FakeMeasure("mgrpr21_2", Y30R21_SHARES, "Forskel mellem forventet og faktisk andel (pct. point)"),
            FakeMeasure("mgrpr21_3", "Placering på benchmarkranglisten", "Placering på benchmarkranglisten"),
        ],
        lambda area, period, value: data.get((area, period, value)),
        update_freq="Q",
        update_latest=latest,
        update_next=upcoming,
    )


def mapped_tables() -> list[FakeTable]:
    return [y60a02(), y36a02(), y38a02(), y60c07(), y30r21()]
