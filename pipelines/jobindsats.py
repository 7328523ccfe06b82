"""jobindsats.dk API v3: the catalogue, table metadata, data requests, and the path into the warehouse.

API v2 was switched off after 30 September 2026; this client speaks v3 only. Old v2 replies saved as
files still load as uploads (pipelines/readers.py reads both JSON forms); nothing here sends v2.

Requests
- ``GET /v3/subjects``, ``GET /v3/tables``: the catalogue (subjects -> table groups -> tables).
- ``GET /v3/table/{id}``: metadata: period types with their period ids, dimensions -> hierarchies ->
  levels -> values (``value_id``, ``value_name``), measure groups -> measures.
- ``GET /v3/data/{id}``: ``mgroup.<group>=<measures>`` (or ``mgroup.*=*``), ``period.<type>=<ids>``
  (or ``latest:N``), ``hierarchy.<id>=<values>`` (``/`` the total, ``*`` every member). The reply is
  ``{"columns": [Danish labels], "rows": [[…]]}`` with JSON numbers; suppressed cells are empty.
Every call carries ``format=json`` (or ``csv``) and ``Authorization: Bearer <key>``; a reply may start
with a UTF-8 byte-order mark.

Our terms -> v3
Callers name a table, areas (names such as "Aarhus" or "Aarhus Kommune", or codes such as 751) and
periods ("latest:24", "l(M:24)", "2024M01", "2024M01-2024M12" or a comma list). ``plan()`` resolves
them against the table's metadata into explicit value and period ids, and splits the request so no
part asks for more than ``max_cells`` cells. ``fetch()`` sends every part and assembles the replies in
memory before anything is written; ``load_fetched()`` then loads the lot as one atomic load.

Mapping
A reply's columns are Danish labels that drift between releases ("befolkningen16-66 år" became
"befolkningen 16-66 år"). They are mapped to metadata ids (dimension_id, measure_id) through the
table's own metadata, then to warehouse columns through ``data/jobindsats_mapping.csv``; values are
mapped ``value_id`` -> our code through ``data/reference/jobindsats_values.csv``, with the label as fallback.
A category that neither knows is refused, naming the value, table and periods and the reference
file to add it to: a new classification era is a data change.

The key
From ``JOBINDSATS_API_KEY``, or as given (the app reads Streamlit's ``jobindsats_api_key`` secret and passes
it in: see ``api_key``). Never logged, never in a
URL, replaced by ``***`` in every message and in ``repr(client)``; exceptions from ``requests`` are
not chained (``from None``) so a traceback shows only our redacted message.
"""

from __future__ import annotations

import csv
import functools
import json
import logging
import math
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import duckdb
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from pipelines import config, danish, loader
from pipelines.errors import PipelineError
from pipelines.kinds import DIM, KINDS
from pipelines.periods import parse_period
from pipelines.sql import transaction
from pipelines.writer import write_session

log = logging.getLogger(__name__)

SOURCE = "jobindsats API"
API_VERSION = "v3"
DEFAULT_BASE_URL = "https://api.jobindsats.dk/v3"
ENV_KEY, ENV_URL, SECRET_NAME = "JOBINDSATS_API_KEY", "JOBINDSATS_API_URL", "jobindsats_api_key"
MAPPING_PATH = config.DATA_DIR / "jobindsats_mapping.csv"
VALUES_PATH = config.REFERENCE_DIR / "jobindsats_values.csv"
CATEGORIES_FILE = "data/reference/categories.csv"
REDACTED = "***"
# How many cells one data request may ask for. jobindsats does not publish its limit; public clients
# keep well under ~100,000 rows a reply. Configurable per client.
DEFAULT_MAX_CELLS = 50_000
REVISION_WINDOW = 3  # jobindsats revises backwards: refresh re-fetches this many latest loaded periods
# How long after its newest period a table is expected to have a newer one (publication lag + a margin).
EXPECTED_LAG_DAYS = {"M": 75, "Q": 140, "QMAT": 140, "Y": 430}
_BAD_KEY_MAX_BYTES = 2048  # the bad-key reply is tiny; bigger bodies are data
_TABLE_ID = re.compile(r"^[A-Za-z0-9_]{1,40}$")  # table ids go into the URL path: allow-listed
_PARAM_ID = re.compile(r"^[A-Za-z0-9_*]{1,60}$")  # dimension, hierarchy and measure ids go into parameter names
_ONLY_K = re.compile(r"only\s+(\d+)\s+periods?\s+(?:are|is)\s+available", re.I)
AREA_DIMENSIONS = ("_omrade", "_nykom", "_kom", "_area", "area", "omrade")
PERIOD_LABELS = ("periode", "period", "tid")

_EXPECT_CATALOGUE = 'et katalog ([{"subject_id": …, "table_groups": [{"tables": [{"table_id": …}]}]}])'
_EXPECT_META = 'en tabelbeskrivelse ({"periods": […], "dimensions": […], "measuregroups": […]})'
_EXPECT_DATA = 'jobindsats v3-data ({"columns": [...], "rows": [[...], ...]})'


# --- errors ------------------------------------------------------------------------------------


class JobindsatsError(PipelineError):
    """A problem talking to jobindsats.dk, told in Danish; never carries the API key."""


class BadKey(JobindsatsError):
    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or "API-nøglen er forkert eller udløbet: jobindsats.dk afviste forespørgslen. "
            "Tjek JOBINDSATS_API_KEY (eller jobindsats_api_key i .streamlit/secrets.toml), "
            "eller bestil en ny nøgle hos jobindsats.dk."
        )


class NetworkError(JobindsatsError):
    """jobindsats.dk could not be reached, or kept failing (5xx, 429) after every retry."""


class UnexpectedReply(JobindsatsError):
    """A reply that is not what the endpoint should answer; the message says what was expected."""


class NotFound(JobindsatsError):
    """A table, period or value the API does not have."""


class UnknownCategories(JobindsatsError):
    """A reply carries categories the reference data does not know (a new classification era?)."""


# --- key ---------------------------------------------------------------------------------------


def api_key(secret: str | None = None) -> str:
    """The API key: JOBINDSATS_API_KEY, else ``secret`` (the app passes its Streamlit secret jobindsats_api_key;
    pipelines never read Streamlit's secrets themselves)."""
    key = os.environ.get(ENV_KEY, "").strip() or (secret or "").strip()
    if key:
        return key
    raise JobindsatsError(
        f"Ingen API-nøgle: sæt {ENV_KEY} i miljøet, eller {SECRET_NAME} i "
        ".streamlit/secrets.toml. En nøgle bestilles hos jobindsats.dk."
    )


# --- mapping -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableMapping:
    table_id: str
    kind: str
    ids: dict[str, str]  # jobindsats dimension or measure id -> warehouse column or visitation measure
    measures: tuple[str, ...]  # the measure ids to request; ("*",) asks for every measure
    period_type: str | None  # the period type to fetch (M, Q, QMAT, Y); None: M if offered, else the first
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def dimensions(self) -> dict[str, str]:
        return {i: c for i, c in self.ids.items() if i.startswith("_")}


def mapping() -> dict[str, TableMapping]:
    """The mapped tables by lower-case table id, read once from data/jobindsats_mapping.csv."""
    return _read_mapping(MAPPING_PATH)


def _known_columns(kind: str) -> set[str]:
    return {c.name for c in KINDS[kind].columns} | set(KINDS[kind].measure_columns)


@functools.lru_cache(maxsize=4)
def _read_mapping(path: Path) -> dict[str, TableMapping]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    tables: dict[str, dict] = {}
    for line, row in enumerate(rows, start=2):
        table_id = (row.get("table_id") or "").strip().lower()
        kind = (row.get("kind") or "").strip()
        id_ = (row.get("id") or "").strip()
        maps_to = (row.get("maps_to") or "").strip()
        period_type = (row.get("period_type") or "").strip() or None
        where = f"{path.name}, række {line}"
        if not _TABLE_ID.match(table_id) or not id_ or not _PARAM_ID.match(id_):
            raise JobindsatsError(f"{where}: table_id og id skal udfyldes (med bogstaver, tal og _)")
        if kind not in KINDS:
            raise JobindsatsError(f"{where}: ukendt type '{kind}'; forventede en af {', '.join(KINDS)}")
        if id_ != "*" and maps_to not in _known_columns(kind):
            raise JobindsatsError(
                f"{where}: '{maps_to}' er ikke en kolonne for {kind}; forventede en af "
                f"{', '.join(sorted(_known_columns(kind)))}"
            )
        entry = tables.setdefault(table_id, {"kind": kind, "ids": {}, "measures": [], "notes": {}, "period_type": None})
        if entry["kind"] != kind:
            raise JobindsatsError(f"{where}: {table_id} har allerede typen {entry['kind']}")
        entry["period_type"] = entry["period_type"] or period_type
        if id_ != "*":
            entry["ids"][id_] = maps_to
        if not id_.startswith("_"):
            entry["measures"].append(id_)
        if row.get("note"):
            entry["notes"][id_] = row["note"].strip()
    out = {}
    for table_id, e in tables.items():
        # "*" wins over a partial list: asking for all and naming some at once would be contradictory.
        measures = ("*",) if "*" in e["measures"] else tuple(e["measures"])
        out[table_id] = TableMapping(table_id, e["kind"], e["ids"], measures, e["period_type"], e["notes"])
    return out


@functools.lru_cache(maxsize=4)
def _read_values(path: Path) -> dict[tuple[str, str], str]:
    """(dimension_id, value_id) -> our code, from data/jobindsats_values.csv."""
    if not path.exists():
        return {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {
            ((r.get("dimension_id") or "").strip().lower(), (r.get("value_id") or "").strip()): (
                r.get("code") or ""
            ).strip()
            for r in csv.DictReader(fh)
            if r.get("code")
        }


def value_codes() -> dict[tuple[str, str], str]:
    return _read_values(VALUES_PATH)


# --- metadata ----------------------------------------------------------------------------------


def label_key(text) -> str:
    """How labels are compared across releases: case, accents' form and all white space ignored."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", str(text)).replace("\ufeff", "")).lower()


@dataclass(frozen=True)
class Value:
    value_id: str
    value_name: str
    level: int | None


@dataclass(frozen=True)
class Dimension:
    dimension_id: str
    name: str
    hierarchy_id: str  # the hierarchy data requests filter on
    values: tuple[Value, ...]


@dataclass(frozen=True)
class TableMeta:
    table_id: str
    name: str
    periods: dict[str, tuple[str, ...]]  # period type -> period ids, oldest first
    dimensions: tuple[Dimension, ...]
    measures: dict[str, tuple[str, str]]  # measure id -> (measure group id, measure name)
    latest_update: str | None = None
    next_update: str | None = None

    def dimension(self, dimension_id: str) -> Dimension | None:
        wanted = dimension_id.lower()
        return next((d for d in self.dimensions if wanted in (d.dimension_id.lower(), d.hierarchy_id.lower())), None)

    @property
    def area_dimension(self) -> Dimension | None:
        for d in self.dimensions:
            if d.dimension_id.lower() in AREA_DIMENSIONS or d.hierarchy_id.lower() in AREA_DIMENSIONS:
                return d
        return next((d for d in self.dimensions if label_key(d.name) in ("område", "omraade", "kommune")), None)

    def period_type(self, preferred: str | None = None) -> str:
        if preferred and preferred in self.periods:
            return preferred
        if preferred:
            raise NotFound(
                f"Tabellen {self.table_id} har ingen perioder af typen {preferred}; den har "
                f"{', '.join(self.periods) or 'ingen'}"
            )
        if "M" in self.periods:
            return "M"
        if not self.periods:
            raise UnexpectedReply(f"Beskrivelsen af {self.table_id} har ingen perioder")
        return next(iter(self.periods))

    def newest(self, period_type: str | None = None) -> str | None:
        ids = self.periods.get(self.period_type(period_type), ())
        return ids[-1] if ids else None


def _first(d: dict, *names, default=None):
    for n in names:
        if n in d and d[n] is not None:
            return d[n]
    return default


def _parse_meta(reply, table_id: str) -> TableMeta:
    block = reply[0] if isinstance(reply, list) and len(reply) == 1 else reply
    if not isinstance(block, dict):
        raise UnexpectedReply(f"Beskrivelsen af {table_id} har en ukendt form: forventede {_EXPECT_META}")
    periods = _meta_periods(block, table_id)
    dims = [dim for d in _first(block, "dimensions", default=[]) or [] if (dim := _meta_dimension(d)) is not None]
    return TableMeta(
        str(_first(block, "table_id", default=table_id)).lower(),
        str(_first(block, "table_name", "name", default=table_id)),
        {k: tuple(_period_sorted(v)) for k, v in periods.items()},
        tuple(dims),
        _meta_measures(block),
        _text(_first(block, "latest_update", "last_update", "updated")),
        _text(_first(block, "next_update")),
    )


def _meta_periods(block: dict, table_id: str) -> dict[str, list[str]]:
    """Period type -> its period ids, as the metadata lists them (a type it leaves out: the ids' own)."""
    periods: dict[str, list[str]] = {}
    raw_periods = _first(block, "periods", "periodtypes", "period_types")
    if not isinstance(raw_periods, list):
        raise UnexpectedReply(f"Beskrivelsen af {table_id} mangler perioder: forventede {_EXPECT_META}")
    for p in raw_periods:
        if not isinstance(p, dict):
            raise UnexpectedReply(f"Beskrivelsen af {table_id} har en ukendt periodeliste: forventede {_EXPECT_META}")
        ptype = str(_first(p, "periodtype_id", "period_type", "periodtype", default="")).strip()
        ids = _first(p, "period_ids", "periods", "period_id", default=[])
        if isinstance(ids, str):
            ids = [ids]
        for item in ids:
            pid = str(_first(item, "period_id", "id", default="")) if isinstance(item, dict) else str(item)
            if pid.strip():
                periods.setdefault(ptype or (parse_period(pid).period_type if parse_period(pid) else "?"), []).append(
                    pid.strip()
                )
    return periods


def _meta_dimension(d) -> Dimension | None:
    """One dimension of the metadata with the values of its first hierarchy; None for what is not one."""
    if not isinstance(d, dict):
        return None
    dim_id = str(_first(d, "dimension_id", "id", default="")).strip()
    hierarchies = _first(d, "hierarchies", default=[]) or []
    values: list[Value] = []
    hierarchy_id = dim_id
    for h in hierarchies[:1] if isinstance(hierarchies, list) else []:
        # The first hierarchy is the one data requests filter on (e.g. _nykom under _omrade).
        hierarchy_id = str(_first(h, "hierarchy_id", "id", default=dim_id)).strip() or dim_id
        for lvl in _first(h, "levels", default=[]) or []:
            level = _first(lvl, "level", "level_id")
            values += [
                Value(
                    str(_first(v, "value_id", "id")).strip(),
                    str(_first(v, "value_name", "name", default="")).strip(),
                    int(level) if isinstance(level, int) else None,
                )
                for v in _first(lvl, "values", default=[]) or []
                if isinstance(v, dict) and _first(v, "value_id", "id") is not None
            ]
    name = str(_first(d, "dimension_name", "name", default=dim_id))
    return Dimension(dim_id, name, hierarchy_id, tuple(values)) if dim_id else None


def _meta_measures(block: dict) -> dict[str, tuple[str, str]]:
    """Measure id -> (its measure group, its name)."""
    measures: dict[str, tuple[str, str]] = {}
    for g in _first(block, "measuregroups", "measure_groups", "mgroups", default=[]) or []:
        if not isinstance(g, dict):
            continue
        group = str(_first(g, "mgroup_id", "measuregroup_id", "measure_group_id", "id", default="")).strip()
        for m in _first(g, "measures", default=[]) or []:
            if isinstance(m, dict) and _first(m, "measure_id", "id"):
                measures[str(_first(m, "measure_id", "id")).strip()] = (
                    group,
                    str(_first(m, "measure_name", "name", default="")).strip(),
                )
    return measures


def _text(value) -> str | None:
    return None if value in (None, "") else str(value)


def _period_sorted(ids: list[str]) -> list[str]:
    def key(pid):
        p = parse_period(pid)
        return (p.start, pid) if p else (date.max, pid)

    return sorted(dict.fromkeys(ids), key=key)


# --- the client --------------------------------------------------------------------------------


class _Retry(Retry):
    """urllib3's retry policy, with a cap on how long a Retry-After may make us wait."""

    MAX_RETRY_AFTER = 60.0

    def sleep_for_retry(self, response=None) -> bool:
        seconds = self.get_retry_after(response) if response is not None else None
        if seconds is None:
            return False
        # A server asking for an hour's pause should fail the request, not hang the app.
        time.sleep(min(seconds, self.MAX_RETRY_AFTER))
        return True


RETRY_STATUSES = (429, 500, 502, 503, 504)


class Client:
    """A jobindsats.dk API v3 client: one session with urllib3's retry policy, and errors that hide the key."""

    def __init__(
        self,
        base_url: str | None = None,
        key: str | None = None,
        timeout: tuple[float, float] | float = (5, 60),
        retries: int = 4,
        backoff: float = 0.5,
        session: requests.Session | None = None,
        *,
        max_cells: int = DEFAULT_MAX_CELLS,
    ):
        url = (base_url or os.environ.get(ENV_URL) or DEFAULT_BASE_URL).strip().rstrip("/")
        # The base may be given with or without its version path; requests always go to .../v3.
        url = re.sub(r"/v[0-9]+$", "", url)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise JobindsatsError(f"Ugyldig adresse for jobindsats API: '{url}' (forventede fx {DEFAULT_BASE_URL})")
        key = (key if key is not None else api_key()).strip()
        if not key:
            raise JobindsatsError(
                f"Ingen API-nøgle: sæt {ENV_KEY} i miljøet, eller {SECRET_NAME} i .streamlit/secrets.toml"
            )
        # A control character would be refused by requests with the header value (the key) in the message.
        if not key.isascii() or any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
            raise JobindsatsError(
                "API-nøglen indeholder ugyldige tegn (fx linjeskift eller bogstaver uden for "
                "ASCII); tjek at hele nøglen er kopieret korrekt"
            )
        self.base_url = url + "/" + API_VERSION
        self.host = parts.netloc
        self._key = key
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.max_cells = max(1, int(max_cells))
        self._own_session = session is None
        self.session = session or requests.Session()
        policy = _Retry(
            total=self.retries,
            connect=self.retries,
            read=self.retries,
            status=self.retries,
            other=0,
            backoff_factor=backoff,
            backoff_max=30,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,
            raise_on_redirect=False,
        )
        adapter = HTTPAdapter(max_retries=policy)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._meta: dict[str, TableMeta] = {}

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r}, key={REDACTED!r})"

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- plumbing ------------------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        return text.replace(self._key, REDACTED) if self._key else text

    def _error(self, cls: type[JobindsatsError], message: str) -> JobindsatsError:
        return cls(self._redact(message))

    def _headers(self) -> dict[str, str]:
        # Per request rather than on the session: a session passed in by the caller is not altered.
        return {"Authorization": f"Bearer {self._key}", "Accept": "application/json, text/csv;q=0.9"}

    def table_id(self, table_id: str) -> str:
        if not isinstance(table_id, str) or not _TABLE_ID.match(table_id):
            raise JobindsatsError(f"Ugyldigt tabel-ID '{table_id}': forventede fx y60a02")
        return table_id.lower()

    def url(self, path: str, params: dict[str, str]) -> str:
        """The request as sent, for provenance: never holds the key, which only travels in a header."""
        return self._redact(f"GET {self.base_url}{path}?{urlencode(params, safe='*/:,')}")

    def _connection_problem(self, exc: requests.exceptions.RequestException) -> str:
        text = str(exc).lower()
        if isinstance(exc, requests.exceptions.ConnectTimeout) or "connect timeout" in text:
            return "ingen forbindelse inden for tidsgrænsen"
        if isinstance(exc, requests.exceptions.ReadTimeout) or "timed out" in text:
            return "intet svar inden for tidsgrænsen"
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
            return "svaret blev afbrudt undervejs"
        if "refused" in text:
            return "forbindelsen blev afvist"
        if "resolve" in text or "name or service" in text or "nodename" in text:
            return "værtsnavnet kunne ikke slås op (DNS)"
        return "netværksfejl"

    def get(self, path: str, params: dict[str, str] | None = None, fmt: str = "json") -> bytes:
        """The body of a 2xx reply to ``GET /v3{path}``. urllib3 retries 429, 5xx, timeouts and refused
        connections with exponential back-off, honouring Retry-After; what is left is told in Danish."""
        if fmt not in ("json", "csv"):
            raise ValueError(f"fmt skal være 'json' eller 'csv', ikke {fmt!r}")
        query = {"format": fmt, **(params or {})}
        url = self.base_url + path + "?" + urlencode(query, safe="*/:,")
        attempts = self.retries + 1
        try:
            resp = self.session.get(url, headers=self._headers(), timeout=self.timeout)
        except requests.exceptions.SSLError:
            raise self._error(
                NetworkError,
                f"Kunne ikke oprette en sikker forbindelse (TLS) til {self.host}; tjek certifikater eller proxy",
            ) from None
        except (
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            raise self._error(
                NetworkError,
                f"Kunne ikke hente data fra {self.host}: {self._connection_problem(exc)} "
                f"ved alle {attempts} forsøg. Prøv igen senere; tjek netværk og proxy, "
                "hvis fejlen bliver ved.",
            ) from None
        except requests.exceptions.RequestException as exc:  # malformed request: retrying will not help
            raise self._error(
                JobindsatsError, f"Forespørgslen til {self.host} kunne ikke sendes ({type(exc).__name__})"
            ) from None
        content, status = resp.content, resp.status_code
        # The bad-key reply has come with 200 as well as with 4xx: recognise it by its body first.
        if status in (401, 403) or _is_bad_key(content):
            raise BadKey() from None
        if 200 <= status < 300:
            return content
        snippet = self._redact(content[:300].decode("utf-8", errors="replace").strip())
        if status in RETRY_STATUSES:
            what = "for mange forespørgsler" if status == 429 else "serverfejl"
            raise self._error(
                NetworkError,
                f"Kunne ikke hente data fra {self.host}: serveren svarede {status} "
                f"({what}) ved alle {attempts} forsøg. Prøv igen senere.",
            )
        if status == 404:
            raise self._error(
                NotFound,
                f"{self.host} kender ikke {path.split('?')[0]} (404): findes tabellen? "
                "Se kataloget med 'python -m pipelines tables'."
                f"{' Svar: ' + snippet if snippet else ''}",
            )
        raise self._error(
            UnexpectedReply,
            f"{self.host} svarede {status} på GET {path}: forventede 200 med data{': ' + snippet if snippet else ''}",
        )

    def _json(self, content: bytes, expected: str):
        try:
            return json.loads(content.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise self._error(
                UnexpectedReply, f"Svaret fra {self.host} er ikke UTF-8-tekst: forventede {expected}"
            ) from None
        except json.JSONDecodeError as exc:
            what = (
                "HTML (en proxy- eller login-side?)"
                if content.lstrip()[:1] == b"<"
                else f"ikke gyldig JSON ({exc.msg} ved tegn {exc.pos} af {len(content)}; afkortet svar?)"
            )
            raise self._error(UnexpectedReply, f"Svaret fra {self.host} er {what}: forventede {expected}") from None

    # -- catalogue and metadata -----------------------------------------------------------------

    def subjects(self) -> list[dict]:
        """The catalogue as the API gives it: subjects -> table_groups -> tables."""
        reply = self._json(self.get("/subjects"), _EXPECT_CATALOGUE)
        if not isinstance(reply, list) or not all(isinstance(s, dict) for s in reply):
            raise self._error(
                UnexpectedReply, f"Kataloget fra {self.host} har en ukendt form: forventede {_EXPECT_CATALOGUE}"
            )
        return reply

    def tables(self) -> list[dict]:
        """Every table, flat: table_id, table_name, subject, table_group (from ``/tables``)."""
        reply = self._json(self.get("/tables"), _EXPECT_CATALOGUE)
        out: list[dict] = []
        _walk_catalogue(reply, out, subject=None, group=None)
        if not out:
            raise self._error(
                UnexpectedReply, f"Tabellisten fra {self.host} har ingen tabeller: forventede {_EXPECT_CATALOGUE}"
            )
        return out

    def table(self, table_id: str) -> TableMeta:
        """A table's metadata (cached on the client: one fetch asks for it once)."""
        tid = self.table_id(table_id)
        if tid not in self._meta:
            reply = self._json(self.get(f"/table/{tid}"), _EXPECT_META)
            try:
                self._meta[tid] = _parse_meta(reply, tid)
            except UnexpectedReply as exc:
                raise self._error(UnexpectedReply, str(exc)) from None
        return self._meta[tid]

    def data(self, table_id: str, params: dict[str, str], fmt: str = "json") -> dict | str:
        """One ``GET /v3/data/{id}`` with v3 parameters as given; the reply checked for shape."""
        tid = self.table_id(table_id)
        for name in params:
            if not re.fullmatch(r"(mgroup|period|hierarchy)\.[A-Za-z0-9_*]{1,60}", name):
                raise JobindsatsError(
                    f"Ugyldig parameter '{name}': forventede mgroup.<id>, period.<type> eller hierarchy.<id>"
                )
        try:
            raw = self.get(f"/data/{tid}", params, fmt)
        except UnexpectedReply as exc:
            if m := _ONLY_K.search(str(exc)):
                meta = self._meta.get(tid)
                have = ", ".join(_span(list(ids)) for ids in meta.periods.values()) if meta else "ukendt"
                raise self._error(
                    NotFound,
                    f"jobindsats.dk har kun {m.group(1)} perioder for {tid} ({have}); vælg færre eller ældre perioder",
                ) from None
            raise
        if fmt == "csv":
            return raw.decode("utf-8-sig")
        reply = self._json(raw, _EXPECT_DATA)
        if not (
            isinstance(reply, dict)
            and isinstance(reply.get("columns"), list)
            and isinstance(reply.get("rows"), list)
            and all(isinstance(r, list) for r in reply["rows"])
        ):
            raise self._error(UnexpectedReply, f"Svaret for {tid} har en ukendt form: forventede {_EXPECT_DATA}")
        width = len(reply["columns"])
        for n, row in enumerate(reply["rows"], start=1):
            if len(row) != width:
                raise self._error(
                    UnexpectedReply, f"Svaret for {tid}: række {n} har {len(row)} værdier, men der er {width} kolonner"
                )
        return reply


def _walk_catalogue(node, out: list[dict], subject, group) -> None:
    """Tables anywhere in the catalogue, with the subject and table group they sit under."""
    if isinstance(node, list):
        for item in node:
            _walk_catalogue(item, out, subject, group)
        return
    if not isinstance(node, dict):
        return
    if _first(node, "table_id") is not None:
        out.append(
            {
                "table_id": str(node["table_id"]).lower(),
                "table_name": str(_first(node, "table_name", "name", default="")),
                "subject": subject,
                "table_group": group,
            }
        )
        return
    name = _first(node, "subject_name", "table_group_name", "name")
    if "table_groups" in node:
        _walk_catalogue(node["table_groups"], out, name, group)
    if "tables" in node:
        _walk_catalogue(node["tables"], out, subject, name if "table_groups" not in node else group)
    if "subjects" in node:
        _walk_catalogue(node["subjects"], out, subject, group)


def _is_bad_key(content: bytes) -> bool:
    """True for jobindsats' bad-key reply, {"Forkert nøgle eller nøglen er udløbet.": ""}."""
    if len(content) > _BAD_KEY_MAX_BYTES or not content.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{"):
        return False
    try:
        reply = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(reply, dict) and any("forkert nøgle" in str(k).lower() for k in reply)


def _span(ids: list[str]) -> str:
    if not ids:
        return "ingen"
    return ids[0] if len(ids) == 1 else f"{ids[0]}–{ids[-1]}"


# --- our terms -> v3 requests ------------------------------------------------------------------

_LATEST = re.compile(r"^(?:latest:|l\((?:[A-Z]+:)?)(\d{1,4})\)?$", re.I)


def resolve_periods(meta: TableMeta, wanted: str | Iterable[str], period_type: str | None = None) -> list[str]:
    """Period ids from "latest:24", "l(M:24)", "2024M01", "2024M01-2024M12" or a list, checked against metadata."""
    items = [wanted] if isinstance(wanted, str) else list(wanted)
    items = [p.strip() for item in items for p in str(item).split(",") if p.strip()]
    if not items:
        raise JobindsatsError("Ingen periode valgt: angiv fx latest:24, 2024M01 eller 2024M01-2024M12")
    out: list[str] = []
    for item in items:
        if m := _LATEST.match(item):
            n = int(m.group(1))
            if n < 1:
                raise JobindsatsError(f"'{item}' beder om ingen perioder: forventede fx latest:24")
            typ = meta.period_type(
                period_type or (item[2:].split(":")[0] if item.lower().startswith("l(") and ":" in item else None)
            )
            have = list(meta.periods[typ])
            if n > len(have):
                raise NotFound(
                    f"Der er bedt om de seneste {n} perioder af {meta.table_id}, men jobindsats.dk har kun "
                    f"{len(have)} ({_span(have)})"
                )
            out += have[-n:]
            continue
        first, _, last = item.partition("-")
        p1, p2 = parse_period(first), parse_period(last or first)
        if p1 is None or p2 is None or p1.period_type != p2.period_type:
            raise JobindsatsError(
                f"Perioden '{item}' forstås ikke: forventede fx latest:24, 2024M01 eller 2024M01-2024M12"
            )
        have = list(meta.periods.get(p1.period_type, ()))
        chosen = [pid for pid in have if p1.start <= parse_period(pid).start <= p2.start]
        missing = [x.period for x in {p1, p2} if x.period not in have]
        if missing or not chosen:
            raise NotFound(
                f"Perioden {item} findes ikke i {meta.table_id}: jobindsats.dk har "
                f"{_span(have) if have else 'ingen perioder af typen ' + p1.period_type}"
            )
        out += chosen
    return list(dict.fromkeys(out))


def _area_code(value, aliases: dict[str, str]) -> str | None:
    """Our code for an area value of jobindsats' metadata: by its name, else by its id (the API's own
    spellings, matched exactly; users' spellings go through warehouse.match_area)."""
    return aliases.get(danish.normalise(value.value_name)) or aliases.get(danish.normalise(value.value_id))


def resolve_areas(meta: TableMeta, areas: str | Iterable[str]) -> list[str] | None:
    """The area dimension's value ids for areas given by name ("Aarhus", "Aarhus Kommune", "Kobenhavn") or code;
    None = all."""
    from pipelines.warehouse import area_aliases, loose_area_aliases, match_area

    if areas == "*" or areas is None:
        return None
    items = [areas] if isinstance(areas, str) else list(areas)
    items = [a.strip() for item in items for a in str(item).split(",") if a.strip()]
    if not items or "*" in items:
        return None
    dim = meta.area_dimension
    if dim is None:
        raise UnexpectedReply(f"Beskrivelsen af {meta.table_id} har ingen områdedimension (fx _omrade/_nykom)")
    aliases = area_aliases()
    by_code: dict[str, str] = {}
    for v in dim.values:
        code = _area_code(v, aliases)
        if code:
            by_code.setdefault(code, v.value_id)
    out, unknown = [], []
    loose = loose_area_aliases(aliases)
    for item in items:
        code = match_area(item, aliases, loose)
        if code is None or code not in by_code:
            unknown.append(item)
        else:
            out.append(by_code[code])
    if unknown:
        raise NotFound(
            f"{meta.table_id} har ikke område{'rne' if len(unknown) > 1 else 't'} "
            f"{', '.join(repr(u) for u in unknown)}: forventede et kommunenavn (fx Aarhus) eller en "
            "kommunekode (fx 751)"
        )
    return list(dict.fromkeys(out))


@dataclass
class Plan:
    """A fetch in v3 terms: the parts to request, each small enough for one reply."""

    table_id: str
    kind: str
    period_type: str
    periods: list[str]
    parts: list[dict[str, str]]


def plan(
    client: Client, table_id: str, areas: str | Iterable[str] = "*", periods: str | Iterable[str] = "latest:24"
) -> Plan:
    """Translate a request in our terms into v3 parameters, split into parts of at most ``client.max_cells``."""
    tid = client.table_id(table_id)
    spec = mapping().get(tid)
    if spec is None:
        raise NotFound(
            f"Tabellen {tid} er ikke kortlagt i data/jobindsats_mapping.csv; kortlagte tabeller: "
            f"{', '.join(sorted(mapping()))}"
        )
    meta = client.table(tid)
    ptype = meta.period_type(spec.period_type)
    wanted_periods = resolve_periods(meta, periods, ptype)
    ptype = parse_period(wanted_periods[0]).period_type
    if any(parse_period(w).period_type != ptype for w in wanted_periods):
        raise JobindsatsError(f"Perioderne {', '.join(wanted_periods)} er af forskellige typer; vælg én type ad gangen")
    area_ids = resolve_areas(meta, areas)
    area_dim = meta.area_dimension
    base = _measure_params(tid, spec, meta)
    dimensions, members = _dimension_params(spec, meta)
    base.update(dimensions)
    n_measures = max(1, len(spec.measures) if spec.measures != ("*",) else len(meta.measures))
    # "*" asks for every member, not the total: split the same way when all areas are too much at once.
    all_areas = [v.value_id for v in area_dim.values if v.value_id != "/"] if area_dim else []
    n_areas = len(area_ids) if area_ids is not None else max(1, len(all_areas))
    per_period = members * n_measures * n_areas
    period_chunk = max(1, client.max_cells // max(1, per_period))
    area_chunks: list[list[str] | None] = [area_ids]
    if per_period > client.max_cells and area_dim is not None:
        # Even one period is too much: split the areas as well.
        per_area = max(1, members * n_measures)
        size = max(1, client.max_cells // per_area)
        chosen = area_ids if area_ids is not None else all_areas
        area_chunks = [chosen[i : i + size] for i in range(0, len(chosen), size)]
        period_chunk = 1
    if area_ids is None and area_dim is not None and any(v.value_id == "/" for v in area_dim.values):
        # "All areas" means every municipality and the country: "*" gives the members, "/" the total,
        # which every page compares with ("Hele landet").
        area_chunks.append(["/"])
    parts = []
    for area_chunk in area_chunks:
        for i in range(0, len(wanted_periods), period_chunk):
            params = dict(base)
            params[f"period.{ptype}"] = ",".join(wanted_periods[i : i + period_chunk])
            if area_dim is not None:
                params[f"hierarchy.{area_dim.hierarchy_id}"] = ",".join(area_chunk) if area_chunk else "*"
            parts.append(params)
    return Plan(tid, spec.kind, ptype, wanted_periods, parts)


def _measure_params(tid: str, spec: TableMapping, meta: TableMeta) -> dict[str, str]:
    """The mapped measures as v3 asks for them: grouped by their measure group (or every measure)."""
    if spec.measures == ("*",):
        return {"mgroup.*": "*"}
    groups: dict[str, list[str]] = {}
    missing = []
    for m in spec.measures:
        if m in meta.measures:
            groups.setdefault(meta.measures[m][0], []).append(m)
        else:
            missing.append(m)
    if missing and not groups:
        raise NotFound(
            f"{tid} har ikke målingerne {', '.join(missing)} (data/jobindsats_mapping.csv); "
            f"tabellen har {', '.join(meta.measures) or 'ingen'}"
        )
    if missing:
        log.warning("jobindsats: %s no longer has measures %s; fetched without them", tid, ", ".join(missing))
    return {f"mgroup.{group}": ",".join(ms) for group, ms in groups.items()}


def _dimension_params(spec: TableMapping, meta: TableMeta) -> tuple[dict[str, str], int]:
    """Every dimension but the area's: the mapped ones with every member, the others as their total only;
    and how many combinations of members that asks for."""
    params, members, area_dim = {}, 1, meta.area_dimension
    for d in meta.dimensions:
        if d is area_dim:
            continue
        if any(d.dimension_id.lower() == i.lower() or d.hierarchy_id.lower() == i.lower() for i in spec.dimensions):
            params[f"hierarchy.{d.hierarchy_id}"] = "*"
            members *= max(1, len(d.values))
        else:
            params[f"hierarchy.{d.hierarchy_id}"] = "/"
    return params, members


# --- replies -> one extract in our columns -----------------------------------------------------


@dataclass
class Fetched:
    """A whole fetch, assembled in memory and mapped to our columns, ready to review or load."""

    table_id: str
    kind: str
    file_name: str
    payload: dict  # {"columns": [our headers], "rows": [...]}: loads like a v3 JSON upload
    query: str  # every request as sent (without the key), one per line
    periods: list[str]
    rows: int

    def as_bytes(self) -> bytes:
        return json.dumps(self.payload, ensure_ascii=False).encode("utf-8")


_POINT_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def _cell(value):
    """A data cell as the loader reads it: JSON numbers kept, suppression markers and empty as missing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return None if isinstance(value, float) and not math.isfinite(value) else value
    if value is None:
        return None
    text = str(value).strip()
    # v3 writes decimals with a point; as text the loader would read a point as a thousands separator.
    return float(text) if _POINT_NUMBER.match(text) and "." in text else text


def map_reply(meta: TableMeta, spec: TableMapping, columns: list, rows: list[list]) -> tuple[list[str], list[list]]:
    """Our headers for a v3 reply's columns, and its rows with values mapped to our codes where ids allow.

    A column is matched to the metadata by its label (dimension_name, measure_name, or an id itself),
    compared without case and white space; labels the metadata does not give fall back to the loader's
    own header aliases. Dimension values go value_name -> value_id -> our code (data/reference/jobindsats_values.csv),
    and stay as labels (for the loader's aliases) where no id mapping exists.
    """
    headers, dims = _reply_headers(meta, spec, columns)
    value_maps = _value_maps(meta, dims)
    out_rows = []
    for row in rows:
        new = []
        for pos, value in enumerate(row):
            if pos in value_maps and value is not None:
                new.append(value_maps[pos].get(label_key(value), str(value).strip()))
            elif headers[pos] in ("period", "area") or pos in dims:
                new.append(None if value is None else str(value).strip())
            else:
                new.append(_cell(value))
        out_rows.append(new)
    return headers, out_rows


def _reply_headers(meta: TableMeta, spec: TableMapping, columns: list) -> tuple[list[str], dict[int, Dimension]]:
    """Our header for each of a reply's columns, and the metadata's dimension of each dimension column."""
    by_label = _ids_by_label(meta)
    area_dim = meta.area_dimension
    ids = {k.lower(): v for k, v in spec.ids.items()}
    headers, dims = [], {}
    for pos, col in enumerate(columns):
        label = str(_first(col, "name", "label", "id", default="")) if isinstance(col, dict) else str(col)
        given_id = str(col.get("id")) if isinstance(col, dict) and col.get("id") else None
        key = label_key(label)
        meta_id = given_id or by_label.get(key)
        if key in PERIOD_LABELS:
            headers.append("period")
        elif area_dim is not None and meta_id in (area_dim.dimension_id, area_dim.hierarchy_id):
            headers.append("area")
            dims[pos] = area_dim
        elif meta_id and meta_id.lower() in ids:
            headers.append(ids[meta_id.lower()])
            if meta_id.startswith("_"):
                dims[pos] = meta.dimension(meta_id)
        elif meta_id and meta_id.startswith("_") and meta.dimension(meta_id) is not None:
            headers.append(label)  # an unmapped dimension (asked for as its total): the loader knows many
            dims[pos] = meta.dimension(meta_id)
        else:
            headers.append(label)  # fallback: the loader's aliases, or a warning that it is skipped
    # The category dimension keeps its jobindsats id as header: it tells the loader the benefit (y36a02 …).
    for pos, h in enumerate(headers):
        if h == "category" and dims.get(pos) is not None:
            headers[pos] = dims[pos].dimension_id
    return headers, dims


def _ids_by_label(meta: TableMeta) -> dict[str, str]:
    """label_key of each dimension's and measure's name and ids -> its dimension or measure id."""
    by_label: dict[str, str] = {}
    for d in meta.dimensions:
        for text in (d.name, d.dimension_id, d.hierarchy_id):
            by_label.setdefault(label_key(text), d.dimension_id)
    for mid, (_, name) in meta.measures.items():
        for text in (name, mid):
            by_label.setdefault(label_key(text), mid)
    return by_label


def _value_maps(meta: TableMeta, dims: dict[int, Dimension]) -> dict[int, dict[str, str]]:
    """Column position -> (value label or id, as label_key has it -> our code) of each dimension column."""
    from pipelines.warehouse import area_aliases

    codes = value_codes()
    aliases = area_aliases()
    area_dim = meta.area_dimension
    value_maps: dict[int, dict[str, str]] = {}
    for pos, d in dims.items():
        if d is None:
            continue
        vmap = {}
        for v in d.values:
            code = _area_code(v, aliases) if d is area_dim else codes.get((d.dimension_id.lower(), v.value_id))
            if code:
                vmap[label_key(v.value_name)] = code
                vmap[label_key(v.value_id)] = code
        value_maps[pos] = vmap
    return value_maps


def unknown_categories(table_id: str, headers: list[str], rows: list[list]) -> list[str]:
    """Category values the reference data does not know, each with the periods it appears in."""
    from pipelines.warehouse import category_aliases

    kind = KINDS[mapping()[table_id].kind]
    dims = {}
    for pos, h in enumerate(headers):
        for col in kind.columns:
            if col.role == DIM and danish.normalise(h) in col.aliases and col.dimension:
                dims[pos] = col
    if not dims:
        return []
    known = category_aliases()
    period_pos = headers.index("period") if "period" in headers else None
    seen: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        for pos, col in dims.items():
            value = row[pos]
            if value is None or (col.dimension, danish.normalise(value)) in known:
                continue
            seen.setdefault((col.label, str(value)), set()).add(str(row[period_pos]) if period_pos is not None else "?")
    return [
        f"'{value}' ({label}) i perioderne {', '.join(sorted(periods))}"
        for (label, value), periods in sorted(seen.items())
    ]


def fetch(
    client: Client,
    table_id: str,
    areas: str | Iterable[str] = "*",
    periods: str | Iterable[str] = "latest:24",
    progress: Callable[[str, float], None] | None = None,
) -> Fetched:
    """Every part of a fetch, requested and assembled in memory; nothing is written."""
    progress = progress or (lambda step, frac: None)
    progress("læser tabellens beskrivelse", 0.02)
    p = plan(client, table_id, areas, periods)
    spec = mapping()[p.table_id]
    meta = client.table(p.table_id)
    headers: list[str] | None = None
    rows: list[list] = []
    queries = []
    for n, params in enumerate(p.parts, start=1):
        progress(f"henter del {n} af {len(p.parts)}", 0.05 + 0.85 * (n - 1) / len(p.parts))
        reply = client.data(p.table_id, params)
        queries.append(client.url(f"/data/{p.table_id}", {"format": "json", **params}))
        these, mapped = map_reply(meta, spec, reply["columns"], reply["rows"])
        if headers is None:
            headers = these
        elif these != headers:
            raise UnexpectedReply(
                f"Delene af svaret for {p.table_id} har forskellige kolonner (del {n}: "
                f"{', '.join(these)}; del 1: {', '.join(headers)}): forventede de samme i alle dele"
            )
        rows += mapped
    if not rows or headers is None:
        raise NotFound(
            f"jobindsats.dk returnerede ingen data for {p.table_id} med de valgte områder og perioder "
            f"({_span(p.periods)})"
        )
    unknown = unknown_categories(p.table_id, headers, rows)
    if unknown:
        raise UnknownCategories(
            f"{p.table_id} har kategorier, som referencedata ikke kender: {'; '.join(unknown[:20])}"
            f"{' …' if len(unknown) > 20 else ''}. Er det en ny klassifikation (fx beskæftigelsesreformen 2027)? "
            f"Tilføj hver værdi i {CATEGORIES_FILE} (kode, betegnelse, gyldighedsdatoer) og, hvis den indleder en "
            "ny periode, et brud i data/reference/series_breaks.csv; hent derefter igen. Intet er indlæst."
        )
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    progress("data hentet", 0.9)
    return Fetched(
        p.table_id,
        spec.kind,
        f"jobindsats_{p.table_id}_{stamp}.json",
        {"columns": headers, "rows": rows},
        "\n".join(queries),
        p.periods,
        len(rows),
    )


def load_fetched(
    con: duckdb.DuckDBPyConnection | None, fetched: Fetched, loaded_by: str | None = None, progress=None
) -> loader.LoadResult:
    """Load a fetch like any uploaded extract: validated whole, one transaction, provenance recorded."""
    with tempfile.TemporaryDirectory(prefix="helhedsblik-jobindsats-") as tmp:
        path = Path(tmp) / fetched.file_name
        path.write_bytes(fetched.as_bytes())
        return loader.load(
            path,
            fetched.kind,
            source=SOURCE,
            loaded_by=loaded_by,
            table_id=fetched.table_id,
            query=fetched.query,
            api_version=API_VERSION,
            con=con,
            progress=progress,
        )


def fetch_to_warehouse(
    table_id: str,
    areas: str | Iterable[str] = "*",
    periods: str | Iterable[str] = "latest:24",
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    client: Client | None = None,
    loaded_by: str | None = None,
    progress=None,
) -> loader.LoadResult:
    """Fetch one mapped table and load it; on any error the warehouse is left as it was."""
    own = client is None
    client = client or Client()
    try:
        fetched = fetch(client, table_id, areas, periods, progress)
    finally:
        if own:
            client.close()
    return load_fetched(con, fetched, loaded_by, progress)


# --- refresh -----------------------------------------------------------------------------------


@dataclass
class TableRefresh:
    table_id: str
    status: str  # fetched, current, failed, not_run
    newest_period: str | None = None
    periods: list[str] = field(default_factory=list)
    rows: int = 0
    load_id: int | None = None
    reason: str | None = None

    def line(self) -> str:
        if self.status == "fetched":
            return (
                f"{self.table_id}: hentet {_span(self.periods)} ({len(self.periods)} perioder), "
                f"{self.rows} rækker, indlæsning {self.load_id}"
            )
        if self.status == "current":
            return f"{self.table_id}: opdateret (nyeste periode {self.newest_period}); intet hentet"
        if self.status == "failed":
            return f"{self.table_id}: FEJL: {self.reason}"
        return f"{self.table_id}: ikke kørt (en tidligere tabel fejlede)"


def newest_loaded(con: duckdb.DuckDBPyConnection, table_id: str) -> str | None:
    """The newest period of a table loaded from the API (current loads only)."""
    rows = con.execute(
        "select period_to from loads where source = ? and lower(table_id) = ? and period_to is not null",
        [SOURCE, table_id.lower()],
    ).fetchall()
    parsed = [parse_period(r[0]) for r in rows]
    parsed = [p for p in parsed if p is not None]
    return max(parsed, key=lambda p: p.end).period if parsed else None


def refresh_periods(meta: TableMeta, period_type: str, have: str | None, initial: int, revision: int) -> list[str]:
    """What a refresh fetches: periods newer than ``have`` plus the ``revision`` latest up to it; none if current."""
    ids = list(meta.periods.get(period_type, ()))
    if not ids:
        return []
    if have is None:
        return ids[-initial:]
    if have in ids and ids[-1] == have:
        return []
    have_p = parse_period(have)
    older = [i for i in ids if parse_period(i).start <= have_p.start]
    newer = [i for i in ids if parse_period(i).start > have_p.start]
    if not newer:
        return []
    return older[-revision:] + newer if revision > 0 else newer


def _new_run_id(con: duckdb.DuckDBPyConnection) -> int:
    """An id no other refresh run has or will get. A run records its outcomes only at its end, so two runs
    side by side (``--every`` and one started by hand) would both see the same highest recorded id; the
    sequence never hands out a number twice. Its first values are skipped where older runs hold them."""
    recorded = con.execute("select coalesce(max(run_id), 0) from refresh_runs").fetchall()[0][0]
    while (run_id := con.execute("select nextval('refresh_run_seq')").fetchall()[0][0]) <= recorded:
        pass
    return run_id


def _record_runs(con, run_id: int, started: datetime, results: list[TableRefresh]) -> None:
    with transaction(con):
        for r in results:
            con.execute(
                "insert or replace into refresh_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    started,
                    r.table_id,
                    r.status,
                    _span(r.periods) if r.periods else None,
                    r.newest_period,
                    r.rows,
                    r.load_id,
                    r.reason,
                ],
            )


Session = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


def refresh(
    con: duckdb.DuckDBPyConnection | None = None,
    client: Client | None = None,
    loaded_by: str | None = None,
    *,
    tables: Iterable[str] | None = None,
    revision: int = REVISION_WINDOW,
    initial: int = 24,
    areas: str | Iterable[str] = "*",
    report: Callable[[TableRefresh], None] | None = None,
    session: Session | None = None,
) -> list[TableRefresh]:
    """Bring every mapped table up to its newest period (plus a revision window), one atomic load per table.

    A table that is current is not fetched. The first failure stops the run: the tables before it stay
    loaded, the rest are untouched. Every table's outcome is recorded in ``refresh_runs``.

    The master is held only to read what is loaded, to load each fetched table and to record the outcomes:
    each is one ``session()`` (default: a write session, which publishes), and the network is used outside
    them, so an analyst's upload never waits behind jobindsats.dk. Given ``con``, everything uses it.
    """
    if session is None:
        session = (lambda: nullcontext(con)) if con is not None else write_session
    report = report or (lambda r: None)
    wanted = [t.lower() for t in tables] if tables else list(mapping())
    started = datetime.now()
    with session() as master:
        run_id = _new_run_id(master)
        have = {table_id: newest_loaded(master, table_id) for table_id in wanted}
    results: list[TableRefresh] = []
    recorded: set[str] = set()

    def done(result: TableRefresh) -> None:
        results.append(result)
        report(result)

    own_client = client is None
    try:
        client = client or Client()
        for n, table_id in enumerate(wanted):
            result = TableRefresh(table_id, "failed")
            try:
                spec = mapping().get(table_id)
                if spec is None:
                    raise NotFound(f"Tabellen {table_id} er ikke kortlagt i data/jobindsats_mapping.csv")
                meta = client.table(table_id)
                ptype = meta.period_type(spec.period_type)
                result.newest_period = meta.newest(ptype)
                periods = refresh_periods(meta, ptype, have[table_id], initial, revision)
                if not periods:
                    result.status = "current"
                else:
                    fetched = fetch(client, table_id, areas, periods)
                    with session() as master:
                        loaded = load_fetched(master, fetched, loaded_by)
                        result.status, result.periods = "fetched", fetched.periods
                        result.rows, result.load_id = loaded.rows, loaded.load_id
                        _record_runs(master, run_id, started, [result])  # published with its load
                        recorded.add(table_id)
            except PipelineError as exc:
                result.reason = str(exc)
                done(result)
                for rest in wanted[n + 1 :]:
                    done(TableRefresh(rest, "not_run"))
                break
            done(result)
    except PipelineError as exc:  # no client (no key): the run is recorded as failed for every table
        for table_id in wanted[len(results) :]:
            done(TableRefresh(table_id, "failed", reason=str(exc)))
    finally:
        if own_client and client is not None:
            client.close()
    if rest := [r for r in results if r.table_id not in recorded]:
        with session() as master:
            _record_runs(master, run_id, started, rest)
    return results


def live_status(con: duckdb.DuckDBPyConnection, today: date | None = None) -> str | None:
    """One Danish line when the live data are not current (last run failed or partial, or a table is overdue)."""
    today = today or date.today()
    last = con.execute("select run_id, started_at from refresh_runs order by run_id desc limit 1").fetchall()
    problems = []
    for table_id in mapping():
        have = newest_loaded(con, table_id)
        if have is None:
            continue
        p = parse_period(have)
        lag = EXPECTED_LAG_DAYS.get(p.period_type, 75)
        if (today - p.end).days > lag:
            problems.append(f"{table_id} slutter med {p.label}")
    failure = None
    if last:
        failed = con.execute(
            "select table_id, status, reason from refresh_runs where run_id = ? "
            "and status in ('failed', 'not_run') order by table_id",
            [last[0][0]],
        ).fetchall()
        if failed:
            first = next((f for f in failed if f[1] == "failed"), failed[0])
            failure = (
                f"seneste forsøg {last[0][1]:%d.%m.%Y %H:%M} fejlede for {first[0]}: {(first[2] or 'ikke kørt')[:160]}"
            )
    if not problems and failure is None:
        return None
    loaded = con.execute("select max(loaded_at) from loads where source = ?", [SOURCE]).fetchall()[0][0]
    parts = [
        f"Data fra jobindsats er ikke opdateret siden {loaded:%d.%m.%Y %H:%M}"
        if loaded
        else "Data fra jobindsats er endnu ikke hentet"
    ]
    if problems:
        parts.append("forsinket: " + ", ".join(problems))
    if failure:
        parts.append(failure)
    return "; ".join(parts) + "."


__all__ = [
    "SOURCE",
    "API_VERSION",
    "JobindsatsError",
    "BadKey",
    "NetworkError",
    "UnexpectedReply",
    "NotFound",
    "UnknownCategories",
    "Client",
    "TableMapping",
    "TableMeta",
    "Fetched",
    "TableRefresh",
    "api_key",
    "mapping",
    "plan",
    "fetch",
    "load_fetched",
    "fetch_to_warehouse",
    "refresh",
    "live_status",
    "newest_loaded",
]
