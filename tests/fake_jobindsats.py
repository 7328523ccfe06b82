"""A jobindsats API v3 on 127.0.0.1 (pytest-httpserver) answering catalogue, metadata and data.

It answers in the shapes public v3 clients see (see ../shared/domain.md): Danish column labels, JSON
numbers with a decimal point, a UTF-8 byte-order mark, empty (``null``) and ``".."`` cells, and the
errors: 401 for a wrong Bearer token, 404 for an unknown table, "Requested latest:N for type M, but
only K periods are available", and scripted 429/503 replies. It also refuses any data request for more
than ``max_rows`` rows, so a client that does not split its requests fails here.
"""

from __future__ import annotations

import json
import re
import socket
import time
from dataclasses import dataclass, field

from werkzeug import Request, Response

KEY = "SECRET-KEY-123"


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BOM = b"\xef\xbb\xbf"


@dataclass
class FakeTable:
    table_id: str
    name: str
    subject: str
    period_type: str
    periods: list[str]
    areas: list[tuple[str, str]]  # (value_id, value_name); "/" is Hele landet
    dimension: tuple[str, str, list[tuple[str, str]]] | None  # (id, name, [(value_id, value_name)])
    measures: list[tuple[str, str, str]]  # (group, measure_id, measure_name)
    data: dict[tuple[str, str, str | None], list] = field(default_factory=dict)  # (area, period, value) -> values
    # Labels the data reply uses where they differ from the metadata (releases drift).
    reply_labels: dict[str, str] = field(default_factory=dict)

    def metadata(self) -> dict:
        dims = [
            {
                "dimension_id": "_omrade",
                "dimension_name": "Område",
                "hierarchies": [
                    {
                        "hierarchy_id": "_nykom",
                        "hierarchy_name": "Kommuner",
                        "levels": [
                            {
                                "level": 1,
                                "values": [{"value_id": v, "value_name": n} for v, n in self.areas if v == "/"],
                            },
                            {
                                "level": 2,
                                "values": [{"value_id": v, "value_name": n} for v, n in self.areas if v != "/"],
                            },
                        ],
                    }
                ],
            }
        ]
        if self.dimension:
            dim_id, dim_name, values = self.dimension
            dims.append(
                {
                    "dimension_id": dim_id,
                    "dimension_name": dim_name,
                    "hierarchies": [
                        {
                            "hierarchy_id": dim_id,
                            "levels": [{"level": 1, "values": [{"value_id": v, "value_name": n} for v, n in values]}],
                        }
                    ],
                }
            )
        groups: dict[str, list] = {}
        for group, mid, name in self.measures:
            groups.setdefault(group, []).append({"measure_id": mid, "measure_name": name})
        return {
            "table_id": self.table_id,
            "table_name": self.name,
            "periods": [{"periodtype_id": self.period_type, "period_ids": list(self.periods)}],
            "dimensions": dims,
            "measuregroups": [{"mgroup_id": g, "measures": ms} for g, ms in groups.items()],
        }


class FakeJobindsats:
    def __init__(self, server, key: str = KEY, max_rows: int = 10_000):
        self.server = server
        self.key = key
        self.max_rows = max_rows
        self.tables: dict[str, FakeTable] = {}
        self.scripted: list[tuple[str, Response]] = []  # (path prefix, reply) served once, in order
        self.data_requests: list[dict] = []
        self.fail_data_call: int | None = None  # the n-th data request (1-based) answers 500 for good
        self.delay: float = 0.0
        server.expect_request(re.compile(r"^/v3/.*")).respond_with_handler(self.handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for("/v3")

    def add(self, table: FakeTable) -> FakeTable:
        self.tables[table.table_id] = table
        return table

    def script(self, path_prefix: str, status: int, body: str = "", headers: dict | None = None) -> None:
        self.scripted.append(
            (path_prefix, Response(body, status=status, headers=headers or {}, content_type="application/json"))
        )

    # -- the server ---------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if self.delay:
            time.sleep(self.delay)
        if request.headers.get("Authorization") != f"Bearer {self.key}":
            return self._json({"message": "Unauthorized"}, 401, bom=False)
        if request.args.get("format") not in ("json", "csv"):
            return self._json({"message": "format=json or format=csv is required"}, 400, bom=False)
        for i, (prefix, reply) in enumerate(self.scripted):
            if request.path.startswith(prefix):
                del self.scripted[i]
                return reply
        path = request.path.removeprefix("/v3")
        if path == "/subjects":
            return self._json(self._catalogue())
        if path == "/tables":
            return self._json(self._catalogue())
        if m := re.fullmatch(r"/table/(\w+)", path):
            table = self.tables.get(m.group(1))
            return self._json(table.metadata()) if table else self._not_found(m.group(1))
        if m := re.fullmatch(r"/data/(\w+)", path):
            table = self.tables.get(m.group(1))
            if table is None:
                return self._not_found(m.group(1))
            self.data_requests.append(dict(request.args))
            if self.fail_data_call is not None and len(self.data_requests) >= self.fail_data_call:
                return self._json({"message": "Internal Server Error"}, 500, bom=False)
            return self._data(table, request.args)
        return self._json({"message": "Not Found"}, 404, bom=False)

    def _json(self, payload, status: int = 200, bom: bool = True) -> Response:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return Response((BOM if bom else b"") + body, status=status, content_type="application/json; charset=utf-8")

    def _not_found(self, table_id: str) -> Response:
        return self._json({"message": f"Table '{table_id}' was not found"}, 404, bom=False)

    def _catalogue(self) -> list[dict]:
        subjects: dict[str, list] = {}
        for t in self.tables.values():
            subjects.setdefault(t.subject, []).append({"table_id": t.table_id, "table_name": t.name})
        return [
            {"subject_id": i, "subject_name": s, "table_groups": [{"table_group_name": s, "tables": tables}]}
            for i, (s, tables) in enumerate(subjects.items(), start=1)
        ]

    @staticmethod
    def _periods(table: FakeTable, args) -> list[str] | str:
        """The periods asked for, or the API's message why they cannot be had."""
        periods_arg = args.get(f"period.{table.period_type}")
        if periods_arg is None:
            return f"period.{table.period_type} is required"
        if m := re.fullmatch(r"latest:(\d+)", periods_arg):
            n = int(m.group(1))
            if n > len(table.periods):
                return (
                    f"Requested latest:{n} for type {table.period_type}, but only {len(table.periods)} periods "
                    "are available"
                )
            return table.periods[-n:]
        periods = periods_arg.split(",")
        unknown = [p for p in periods if p not in table.periods]
        return f"Unknown period {unknown[0]}" if unknown else periods

    def _data(self, table: FakeTable, args) -> Response:
        periods = self._periods(table, args)
        if isinstance(periods, str):
            return self._json({"message": periods}, 400, bom=False)
        area_arg = args.get("hierarchy._nykom", "/")
        area_ids = (
            [v for v, _ in table.areas if v != "/"]
            if area_arg == "*"
            else ["/"]
            if area_arg == "/"
            else area_arg.split(",")
        )
        names = dict(table.areas)
        if any(a not in names for a in area_ids):
            return self._json({"message": f"Unknown value in hierarchy._nykom: {area_arg}"}, 400, bom=False)
        values: list[tuple[str, str] | None] = [None]
        if table.dimension:
            dim_id, _, dim_values = table.dimension
            arg = args.get(f"hierarchy.{dim_id}", "/")
            values = list(dim_values) if arg == "*" else [v for v in dim_values if v[0] == arg]
        measures = self._measures(table, args)
        rows = []
        for a in area_ids:
            for p in periods:
                for v in values:
                    key = (a, p, v[0] if v else None)
                    if key not in table.data:
                        continue
                    cells = table.data[key]
                    row = [names[a], p] + ([v[1]] if v else [])
                    row += [cells[i] for i in measures]
                    rows.append(row)
        if len(rows) > self.max_rows:
            return self._json(
                {
                    "message": f"The request returns {len(rows)} rows; at most {self.max_rows} "
                    "are allowed. Narrow it down."
                },
                400,
                bom=False,
            )
        columns = [table.reply_labels.get("Område", "Område"), "Periode"]
        if table.dimension:
            columns.append(table.reply_labels.get(table.dimension[1], table.dimension[1]))
        columns += [table.reply_labels.get(table.measures[i][2], table.measures[i][2]) for i in measures]
        return self._json({"columns": columns, "rows": rows})

    def _measures(self, table: FakeTable, args) -> list[int]:
        wanted: list[int] = []
        for name, value in args.items():
            if not name.startswith("mgroup."):
                continue
            group = name.removeprefix("mgroup.")
            for i, (g, mid, _) in enumerate(table.measures):
                if (group == "*" or g == group) and (value == "*" or mid in value.split(",")):
                    wanted.append(i)
        return sorted(set(wanted))


# --- the tables, in the shapes of the real ones -------------------------------------------------

VISKAT = [
    ("/", "Visitationskategori i alt"),
    ("1", "Jobparat"),
    ("2", "Aktivitetsparat"),
    ("3", "Uddannelsesparat"),
    ("4", "Åbenlys uddannelsesparat"),
    ("9", "Uoplyst visitationskategori"),
]
AREAS = [
    ("/", "Hele landet"),
    ("101", "København"),
    ("751", "Aarhus Kommune"),
    ("461", "Odense Kommune"),
    ("860", "Hjørring Kommune"),
]


def months(first_year: int, first_month: int, n: int) -> list[str]:
    out, y, m = [], first_year, first_month
    for _ in range(n):
        out.append(f"{y}M{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def y60a02(periods: list[str] | None = None) -> FakeTable:
    """Kontanthjælp from 1 July 2025 by visitation category: persons, full-time persons, pct."""
    periods = periods or months(2025, 7, 14)  # 2025M07 … 2026M08
    t = FakeTable(
        "y60a02",
        "Kontanthjælp (fra 1. juli 2025) efter visitationskategori",
        "Kontanthjælp",
        "M",
        periods,
        list(AREAS),
        ("_viskat_1int", "Visitationskategori", list(VISKAT)),
        [
            ("mgrpa02", "mgrpa02_1", "Antal personer"),
            ("mgrpa02", "mgrpa02_3", "Antal fuldtidspersoner"),
            ("mgrpa02", "mgrpa02_4b", "Fuldtidspersoner i pct. af befolkningen16-66 år"),
        ],
    )
    for a, _ in AREAS:
        for i, p in enumerate(periods):
            base = {"/": 90000, "101": 12000, "751": 6000, "461": 4000, "860": 1200}[a] + 10 * i
            t.data[(a, p, "1")] = [base // 4, round(base / 4 * 0.9, 1), 2.8]
            t.data[(a, p, "2")] = [base // 2, round(base / 2 * 0.95, 1), 5.6]
            t.data[(a, p, "3")] = [base // 8, None, ".."]  # suppressed: missing, never zero
    return t


def y60c07(periods: list[str] | None = None) -> FakeTable:
    periods = periods or months(2025, 7, 14)
    t = FakeTable(
        "y60c07",
        "Aktiveringsgrad for kontanthjælpsmodtagere",
        "Aktivering",
        "M",
        periods,
        AREAS,
        None,
        [
            ("mgrpc07", "mgrpc07_1", "Aktiveringsgrad (pct.)"),
            ("mgrpc07", "mgrpc07_2", "Andel berørt af aktivering (pct.)"),
        ],
    )
    for a, _ in AREAS:
        for i, p in enumerate(periods):
            t.data[(a, p, None)] = [round(30 + i * 0.1, 1), 44.2 if a != "101" else None]
    return t


def y36a02() -> FakeTable:
    """Kontanthjælp before the reform, asked for with every measure (mgroup.*=*)."""
    periods = months(2024, 1, 6)
    values = [("/", "Visitationskategori i alt"), ("10", "Jobparat"), ("11", "Aktivitetsparat")]
    t = FakeTable(
        "y36a02",
        "Kontanthjælp efter visitationskategori (før 1. juli 2025)",
        "Kontanthjælp",
        "M",
        periods,
        AREAS,
        ("_viskat_1kth", "Visitationskategori", values),
        [("mgrpa02", "mgrpa02_1", "Antal personer"), ("mgrpa02", "mgrpa02_3", "Antal fuldtidspersoner")],
    )
    for p in periods:
        t.data[("860", p, "10")] = [212, 200.5]
        t.data[("860", p, "11")] = [666, 640.0]
    return t


def y38a02() -> FakeTable:
    periods = months(2024, 1, 6)
    values = [
        ("/", "Visitationskategori i alt"),
        ("20", "Uddannelsesparat"),
        ("21", "Åbenlyst uddannelsesparat"),
        ("22", "Aktivitetsparat"),
    ]
    t = FakeTable(
        "y38a02",
        "Uddannelseshjælp efter visitationskategori (før 1. juli 2025)",
        "Uddannelseshjælp",
        "M",
        periods,
        AREAS,
        ("_viskat_2udh", "Visitationskategori", values),
        [("mgrpa02", "mgrpa02_1", "Antal personer")],
    )
    for p in periods:
        t.data[("860", p, "20")] = [296]
        t.data[("860", p, "21")] = [None]
        t.data[("860", p, "22")] = [264]
    return t


BENEFIT_GROUPS = [
    ("/", "Ydelsesgrupper i alt"),
    ("1", "A-dagpenge mv."),
    ("2", "Kontanthjælp mv."),
    ("3", "Sygedagpenge mv."),
]


def y30r21() -> FakeTable:
    """The ministry's benchmark: expected and actual full-time persons, shares and the rank, QMAT periods."""
    periods = ["2025QMAT01", "2025QMAT02", "2025QMAT03", "2025QMAT04", "2026QMAT01", "2026QMAT02"]
    t = FakeTable(
        "y30r21",
        "Benchmark: fuldtidspersoner på offentlig forsørgelse, forventet og faktisk",
        "Benchmark",
        "QMAT",
        periods,
        list(AREAS),
        ("_ygrpr21", "Ydelsesgrupper", list(BENEFIT_GROUPS)),
        [
            ("mgrpr21", "mgrpr21_1", "Forventet antal fuldtidspersoner"),
            ("mgrpr21", "mgrpr21_2", "Faktisk antal fuldtidspersoner"),
            ("mgrpr21", "mgrpr21_3", "Forskel (fuldtidspersoner)"),
            ("mgrpr21", "mgrpr21_4", "Forventet andel (pct.)"),
            ("mgrpr21", "mgrpr21_5", "Faktisk andel (pct.)"),
            ("mgrpr21", "mgrpr21_6", "Placering på benchmarkranglisten"),
        ],
    )
    for i, p in enumerate(periods):
        t.data[("751", p, "/")] = [30120.5, 29870.0 - i, 29870.0 - i - 30120.5, 14.2, 14.1, 31 - i]
        t.data[("751", p, "2")] = [7012.0, 7300.5, 288.5, 3.3, 3.4, 70]
        t.data[("860", p, "/")] = [6010.0, 5900.0, -110.0, 16.8, 16.5, 12]
    return t
