"""Client for the jobindsats.dk API and the path from its replies into the warehouse.

What is covered
- API v2 (the default, ``Client()``): ``tables()``, ``table_meta()``, ``data()`` in JSON or CSV with
  large requests split into chunks and reassembled, ``fetch_to_warehouse()`` and ``refresh()``.
- API v3 (``Client(version="v3")``): ``data_v3()`` only, i.e. ``GET /v3/data/{id}?format=json&…`` with
  the caller's parameters passed through as given (for example ``{"period.M": "latest:14"}``); the
  ``{"columns", "rows"}`` reply is checked for shape, and auth (``Bearer``), retries, the bad-key reply
  and every error case behave as for v2. ``fetch_v3_to_warehouse()`` loads such a reply.
  Not covered for v3: table listing and metadata, ``refresh()``, splitting of large requests, CSV, and
  translating v2-style arguments (area lists, ``l(M:24)``) into v3 parameters: we have no verified
  description of those, so the caller states v3 parameters explicitly.

How v2 requests are sent
``POST /v2/data/{id}/json`` (or ``/csv``) with a JSON body, because area and period lists can be longer
than a URL comfortably carries. Every parameter is a list (``"period": ["l(M:24)"]``,
``"measurement": ["mgrpa02_1", …]``, ``"_kon": ["*"]``) except ``"area": "*"`` for all areas. The
provenance recorded with a load (``loads.query``) is the same request in the documented query-string
form (``area=*&period=l(M:24)&measurement=…``); it never contains the key, which only travels in the
``Authorization`` header.

The key
It comes from ``JOBINDSATS_API_KEY`` or Streamlit's ``jobindsats_api_key`` secret. It is never logged,
never put in a URL, and replaced by ``***`` in every exception message and in ``repr(client)``.
Exceptions from ``requests`` are not chained onto ours (``from None``) so a traceback shows only our
redacted message.

Mapping
``data/jobindsats_mapping.csv`` says, per table, which warehouse kind it loads into and which IDs map
to which columns. IDs starting with ``_`` are dimensions (jobindsats' own convention); the others are
measurements and form the table's default request list. ``*`` as a measurement means "all
measurements": used for y36a02 and y38a02, whose measurement IDs are not verified; the loader keeps the
columns it recognises by ID and warns about the rest.
"""

from __future__ import annotations

import csv
import email.utils
import functools
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import requests

from pipelines import config, loader
from pipelines.errors import PipelineError
from pipelines.kinds import KINDS, VISITATION_MEASURES

log = logging.getLogger(__name__)

SOURCE = "jobindsats API"
DEFAULT_BASE_URL = "https://api.jobindsats.dk"
ENV_KEY, ENV_URL, SECRET_NAME = "JOBINDSATS_API_KEY", "JOBINDSATS_API_URL", "jobindsats_api_key"
MAPPING_PATH = config.DATA_DIR / "jobindsats_mapping.csv"
TABLE_FIELDS = ("TableID", "TableName", "SubjectName", "LatestUpdate", "NextUpdate", "UpdateFrequency")
REDACTED = "***"
# The bad-key reply is a tiny JSON object; bigger bodies are data and are not inspected for it.
_BAD_KEY_MAX_BYTES = 2048
_TABLE_ID = re.compile(r"^[A-Za-z0-9_]{1,40}$")  # table IDs go into the URL path: allow-list them

_EXPECT_TABLES = 'en liste af tabeller ([{"TableID": …, "TableName": …, "LatestUpdate": …}, …])'
_EXPECT_META = 'en tabelbeskrivelse med perioder og områder ({"Period": […], "Area": […]})'
_EXPECT_V2 = 'jobindsats v2-data ([{"Variables": [...], "Data": [[...], ...]}])'
_EXPECT_V3 = 'jobindsats v3-data ({"columns": [...], "rows": [[...], ...]})'


# --- errors ------------------------------------------------------------------------------------

class JobindsatsError(PipelineError):
    """A problem talking to jobindsats.dk, told in Danish; never carries the API key."""


class BadKey(JobindsatsError):
    def __init__(self, message: str | None = None):
        super().__init__(message or "API-nøglen er forkert eller udløbet: jobindsats.dk afviste forespørgslen. "
                                    "Tjek JOBINDSATS_API_KEY, eller bestil en ny nøgle hos jobindsats.dk.")


class NetworkError(JobindsatsError):
    """jobindsats.dk could not be reached, or kept failing (5xx, 429) after every retry."""


class UnexpectedReply(JobindsatsError):
    """A reply that is not what the endpoint should answer; the message says what was expected."""


# --- key and mapping ---------------------------------------------------------------------------

def api_key() -> str:
    """The API key: JOBINDSATS_API_KEY, else Streamlit's secret jobindsats_api_key."""
    key = os.environ.get(ENV_KEY, "").strip()
    if key:
        return key
    key = _streamlit_secret()
    if key:
        return key
    raise JobindsatsError(f"Ingen API-nøgle: sæt {ENV_KEY} i miljøet, eller {SECRET_NAME} i "
                          ".streamlit/secrets.toml")


def _streamlit_secret() -> str | None:
    # Imported lazily: the CLI must not pay for (or need) Streamlit just to read an env variable.
    try:
        import streamlit as st
        from streamlit.errors import StreamlitSecretNotFoundError
    except ImportError:
        return None
    try:
        value = st.secrets.get(SECRET_NAME)
    except StreamlitSecretNotFoundError:  # no secrets.toml (or one that does not parse): no key from there
        return None
    return str(value).strip() if value else None


@dataclass(frozen=True)
class TableMapping:
    table_id: str
    kind: str
    ids: dict[str, str]  # jobindsats ID -> warehouse column or visitation measure
    measurements: tuple[str, ...]  # default request list; ("*",) asks for every measurement
    notes: dict[str, str] = field(default_factory=dict)


def mapping() -> dict[str, TableMapping]:
    """The mapped tables by lower-case table ID, read once from data/jobindsats_mapping.csv."""
    return _read_mapping(MAPPING_PATH)


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
        where = f"{path.name}, række {line}"
        if not _TABLE_ID.match(table_id) or not id_:
            raise JobindsatsError(f"{where}: table_id og id skal udfyldes (table_id med bogstaver, tal og _)")
        if kind not in KINDS:
            raise JobindsatsError(f"{where}: ukendt type '{kind}'; forventede en af {', '.join(KINDS)}")
        known = {c.name for c in KINDS[kind].columns} | (set(VISITATION_MEASURES) if kind == "visitation" else set())
        if id_ != "*" and maps_to not in known:
            raise JobindsatsError(f"{where}: '{maps_to}' er ikke en kolonne for {kind}; forventede en af "
                                  f"{', '.join(sorted(known))}")
        entry = tables.setdefault(table_id, {"kind": kind, "ids": {}, "measurements": [], "notes": {}})
        if entry["kind"] != kind:
            raise JobindsatsError(f"{where}: {table_id} har allerede typen {entry['kind']}")
        if id_ != "*":
            entry["ids"][id_] = maps_to
        if not id_.startswith("_"):
            entry["measurements"].append(id_)
        if row.get("note"):
            entry["notes"][id_] = row["note"].strip()
    out = {}
    for table_id, e in tables.items():
        # "*" wins over a partial list: asking for all and naming some at once would be contradictory.
        measurements = ("*",) if "*" in e["measurements"] else tuple(e["measurements"])
        out[table_id] = TableMapping(table_id, e["kind"], e["ids"], measurements, e["notes"])
    return out


# --- the client --------------------------------------------------------------------------------

def _as_list(value: str | Iterable[str] | None) -> list[str]:
    """A comma list or an iterable as a clean list, order kept, duplicates dropped."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    seen: dict[str, None] = {}
    for item in items:
        item = item.strip()
        if item:
            seen.setdefault(item, None)
    return list(seen)


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


class Client:
    """A jobindsats.dk API client: one requests session, retries, and errors that never show the key."""

    def __init__(self, base_url: str | None = None, key: str | None = None, version: str = "v2",
                 timeout: tuple[float, float] | float = (5, 60), retries: int = 4, backoff: float = 0.5,
                 session: requests.Session | None = None, *, max_areas: int = 25, max_periods: int = 24,
                 max_retry_after: float = 60.0):
        if version not in ("v2", "v3"):
            raise ValueError(f"version skal være 'v2' eller 'v3', ikke {version!r}")
        url = (base_url or os.environ.get(ENV_URL) or DEFAULT_BASE_URL).strip().rstrip("/")
        # Accept a base given with its version path (".../v2"), as the API documentation writes it.
        url = re.sub(r"/v[23]$", "", url)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise JobindsatsError(f"Ugyldig adresse for jobindsats API: '{url}' (forventede fx {DEFAULT_BASE_URL})")
        key = (key if key is not None else api_key()).strip()
        if not key:
            raise JobindsatsError(f"Ingen API-nøgle: sæt {ENV_KEY} i miljøet, eller {SECRET_NAME} i "
                                  ".streamlit/secrets.toml")
        # A control character would be refused by requests with the header value (the key) in the message.
        if not key.isascii() or any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
            raise JobindsatsError("API-nøglen indeholder ugyldige tegn (fx linjeskift eller bogstaver uden for "
                                  "ASCII); tjek at hele nøglen er kopieret korrekt")
        self.base_url = url
        self.host = parts.netloc
        self._key = key
        self.version = version
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.max_areas = max(1, int(max_areas))
        self.max_periods = max(1, int(max_periods))
        self.max_retry_after = max_retry_after
        self.sleep: Callable[[float], None] = time.sleep  # replaceable in tests
        self._own_session = session is None
        self.session = session or requests.Session()

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r}, version={self.version!r}, key={REDACTED!r})"

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
        # Per request rather than on the session: a session passed in by the caller is not altered,
        # and the key is not left behind on an object that may outlive the client.
        auth = self._key if self.version == "v2" else f"Bearer {self._key}"
        return {"Authorization": auth, "Accept": "application/json, text/csv;q=0.9"}

    def _need(self, version: str, what: str) -> None:
        if self.version != version:
            raise JobindsatsError(f"{what} findes kun i API {version}; opret klienten med version='{version}'")

    def _table(self, table_id: str) -> str:
        if not isinstance(table_id, str) or not _TABLE_ID.match(table_id):
            raise JobindsatsError(f"Ugyldigt tabel-ID '{table_id}': forventede fx y60a02")
        return table_id.lower()

    def _connection_problem(self, exc: requests.exceptions.RequestException) -> str:
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return "ingen forbindelse inden for tidsgrænsen"
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return "intet svar inden for tidsgrænsen"
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
            return "svaret blev afbrudt undervejs"
        text = str(exc).lower()
        if "refused" in text:
            return "forbindelsen blev afvist"
        if "resolve" in text or "name or service" in text or "nodename" in text:
            return "værtsnavnet kunne ikke slås op (DNS)"
        return "netværksfejl"

    def _send(self, method: str, path: str, *, params: dict | None = None, body: dict | None = None) -> bytes:
        """The body of a 2xx reply; retries 429, 5xx and connection failures with exponential backoff."""
        url = self.base_url + path
        attempts = self.retries + 1
        for attempt in range(attempts):
            retry_after = None
            try:
                # POST is only used to carry long parameter lists: the request reads and changes nothing,
                # so sending it again after a failure is safe.
                resp = self.session.request(method, url, params=params, json=body, headers=self._headers(),
                                            timeout=self.timeout)
            except requests.exceptions.SSLError:
                raise self._error(NetworkError, f"Kunne ikke oprette en sikker forbindelse (TLS) til {self.host}; "
                                                "tjek certifikater eller proxy") from None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                    requests.exceptions.ChunkedEncodingError) as exc:
                problem = self._connection_problem(exc)
            except requests.exceptions.RequestException as exc:  # malformed request: retrying will not help
                raise self._error(JobindsatsError, f"Forespørgslen til {self.host} kunne ikke sendes "
                                                   f"({type(exc).__name__})") from None
            else:
                content = resp.content
                status = resp.status_code
                # The bad-key reply has come with 200 as well as with 4xx: recognise it by its body first.
                if status in (401, 403) or _is_bad_key(content):
                    raise BadKey() from None
                if status == 429 or status >= 500:
                    problem = (f"serveren svarede {status} "
                               f"({'for mange forespørgsler' if status == 429 else 'serverfejl'})")
                    # 429 and 503 may say how long to wait; other 5xx get the exponential backoff.
                    retry_after = resp.headers.get("Retry-After") if status in (429, 503) else None
                elif 200 <= status < 300:
                    return content
                else:  # other 4xx: the request itself is wrong; the same request will fail again
                    snippet = content[:200].decode("utf-8", errors="replace").strip()
                    raise self._error(UnexpectedReply,
                                      f"{self.host} svarede {status} på {method} {path}: forventede 200 med data"
                                      f"{' (findes tabellen?)' if status == 404 else ''}"
                                      f"{': ' + snippet if snippet else ''}")
            if attempt + 1 < attempts:
                delay = self._delay(attempt, retry_after)
                log.warning("jobindsats: %s %s: %s; retry %d of %d in %.2f s", method, path, problem, attempt + 1,
                            self.retries, delay)
                self.sleep(delay)
        raise self._error(NetworkError, f"Kunne ikke hente data fra {self.host}: {problem} ved alle {attempts} "
                                        "forsøg. Prøv igen senere; tjek netværk og proxy, hvis fejlen bliver ved.")

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        seconds = _retry_after_seconds(retry_after)
        if seconds is None:
            seconds = self.backoff * (2 ** attempt)
        # Capped: a server asking for an hour's pause should fail the request, not hang the app.
        return min(seconds, self.max_retry_after)

    def _json(self, content: bytes, expected: str):
        try:
            return json.loads(content.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise self._error(UnexpectedReply, f"Svaret fra {self.host} er ikke UTF-8-tekst: forventede "
                                               f"{expected}") from None
        except json.JSONDecodeError as exc:
            what = ("HTML (en proxy- eller login-side?)" if content.lstrip()[:1] == b"<"
                    else f"ikke gyldig JSON ({exc.msg} ved tegn {exc.pos} af {len(content)}; afkortet svar?)")
            raise self._error(UnexpectedReply, f"Svaret fra {self.host} er {what}: forventede {expected}") from None

    # -- v2 ------------------------------------------------------------------------------------

    def tables(self) -> list[dict]:
        """Every table: TableID, TableName, SubjectName, LatestUpdate, NextUpdate, UpdateFrequency."""
        self._need("v2", "Tabellisten")
        reply = self._json(self._send("GET", "/v2/tables"), _EXPECT_TABLES)
        if not isinstance(reply, list) or not all(isinstance(t, dict) and t.get("TableID") for t in reply):
            raise self._error(UnexpectedReply, f"Tabellisten fra {self.host} har en ukendt form: forventede "
                                               f"{_EXPECT_TABLES}")
        return [{**{f: None for f in TABLE_FIELDS}, **t} for t in reply]

    def table_meta(self, table_id: str) -> dict:
        """A table's description with its ``periods`` and ``areas`` picked out; ``raw`` is the reply."""
        self._need("v2", "Tabelbeskrivelsen")
        tid = self._table(table_id)
        reply = self._json(self._send("GET", f"/v2/tables/{tid}/json"), _EXPECT_META)
        block = reply[0] if isinstance(reply, list) and len(reply) == 1 else reply
        if not isinstance(block, dict):
            raise self._error(UnexpectedReply, f"Beskrivelsen af {tid} har en ukendt form: forventede {_EXPECT_META}")
        lower = {str(k).lower(): v for k, v in block.items()}
        periods = lower.get("period", lower.get("periods"))
        areas = lower.get("area", lower.get("areas"))
        if not isinstance(periods, list) or not isinstance(areas, list):
            raise self._error(UnexpectedReply, f"Beskrivelsen af {tid} mangler perioder eller områder: forventede "
                                               f"{_EXPECT_META}")
        return {"table_id": tid, "periods": periods, "areas": areas, "raw": block}

    def query_text(self, table_id: str, areas: str | Iterable[str], period: str | Iterable[str],
                   measurements: Iterable[str] | None = None, dimensions: dict[str, str] | None = None,
                   fmt: str = "json") -> str:
        """The request in the documented query-string form, for provenance; it never holds the key."""
        tid = self._table(table_id)
        parts = [f"area={'*' if areas == '*' else ','.join(_as_list(areas))}",
                 f"period={','.join(_as_list(period))}"]
        if measurements:
            parts.append(f"measurement={','.join(_as_list(measurements))}")
        for dim, value in (dimensions or {}).items():
            parts.append(f"{dim}={','.join(_as_list(value))}")
        return self._redact(f"POST {self.base_url}/v2/data/{tid}/{fmt}?{'&'.join(parts)}")

    def data(self, table_id: str, areas: str | Iterable[str], period: str | Iterable[str],
             measurements: Iterable[str] | None = None, dimensions: dict[str, str] | None = None,
             fmt: str = "json", *, max_areas: int | None = None, max_periods: int | None = None):
        """Data of one table: a v2 JSON payload (one block) or CSV text, however many requests it took.

        ``areas`` is ``"*"`` or a list (or comma list) of areas; ``period`` is ``l(M:24)``, ``2024M01`` or a
        comma list; ``measurements`` IDs or ``["*"]``; ``dimensions`` like ``{"_kon": "*"}``. More areas than
        ``max_areas`` are asked for in chunks of areas, an explicit period list longer than ``max_periods``
        in chunks of periods; the replies are put back together into one.
        """
        self._need("v2", "data()")
        if fmt not in ("json", "csv"):
            raise ValueError(f"fmt skal være 'json' eller 'csv', ikke {fmt!r}")
        tid = self._table(table_id)
        max_areas = max_areas or self.max_areas
        max_periods = max_periods or self.max_periods
        area_list = ["*"] if areas == "*" else _as_list(areas)
        if not area_list:
            raise JobindsatsError("Ingen områder valgt: angiv mindst ét område eller '*' for alle")
        area_chunks: list[str | list[str]] = (["*"] if "*" in area_list  # all areas: one request, never split
                                              else list(_chunks(area_list, max_areas)))
        periods = _as_list(period)
        if not periods:
            raise JobindsatsError("Ingen periode valgt: angiv fx l(M:24) eller 2024M01")
        # Only explicit lists are split; l(M:24) is one relative period that the server expands.
        period_chunks = _chunks(periods, max_periods) if len(periods) > max_periods else [periods]
        base: dict[str, object] = {}
        if measurements:
            base["measurement"] = _as_list(measurements)
        for dim, value in (dimensions or {}).items():
            if not re.fullmatch(r"_?[A-Za-z0-9_]{1,60}", dim):
                raise JobindsatsError(f"Ugyldigt dimensions-ID '{dim}': forventede fx _kon")
            base[dim] = _as_list(value)
        path = f"/v2/data/{tid}/{fmt}"
        replies = []
        for area_chunk in area_chunks:
            for period_chunk in period_chunks:
                body = {"area": area_chunk, "period": period_chunk, **base}
                replies.append(self._send("POST", path, body=body))
        # Everything is in memory before anything is returned: a failure in chunk 7 leaves nothing behind.
        if fmt == "csv":
            return self._merge_csv(replies, tid)
        return self._merge_v2([self._json(r, _EXPECT_V2) for r in replies], tid)

    def _merge_v2(self, replies: list, tid: str) -> list[dict]:
        variables, names, rows = None, None, []
        for part, reply in enumerate(replies, start=1):
            if not isinstance(reply, list):
                raise self._error(UnexpectedReply, f"Svaret for {tid} har en ukendt form: forventede {_EXPECT_V2}")
            for block in reply:
                if not (isinstance(block, dict) and isinstance(block.get("Variables"), list)
                        and all(isinstance(v, dict) for v in block["Variables"])
                        and isinstance(block.get("Data"), list)):
                    raise self._error(UnexpectedReply, f"Svaret for {tid} har en ukendt form: forventede "
                                                       f"{_EXPECT_V2}")
                these = [str(v.get("Name") or v.get("Label") or "") for v in block["Variables"]]
                if names is None:
                    variables, names = block["Variables"], these
                elif these != names:
                    raise self._error(UnexpectedReply,
                                      f"Delene af svaret for {tid} har forskellige kolonner (del {part}: "
                                      f"{', '.join(these)}; del 1: {', '.join(names)}): forventede de samme "
                                      "Variables i alle dele")
                rows.extend(block["Data"])
        if variables is None:
            raise self._error(JobindsatsError, f"jobindsats.dk returnerede ingen data for {tid} med de valgte "
                                               "områder og perioder")
        return [{"Variables": variables, "Data": rows}]

    def _merge_csv(self, replies: list[bytes], tid: str) -> str:
        header, lines = None, []
        for part, raw in enumerate(replies, start=1):
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("cp1252")  # jobindsats CSV has arrived as Windows-1252 too
            body = text.splitlines()
            if not body:
                continue
            if header is None:
                header = body[0]
            elif body[0] != header:
                raise self._error(UnexpectedReply, f"Delene af CSV-svaret for {tid} har forskellige overskrifter "
                                                   f"(del {part}): forventede samme overskrift i alle dele")
            lines.extend(body[1:])
        if header is None:
            raise self._error(JobindsatsError, f"jobindsats.dk returnerede ingen data for {tid}")
        return "\n".join([header, *lines]) + "\n"

    # -- v3 ------------------------------------------------------------------------------------

    def data_v3(self, table_id: str, params: dict[str, str | Iterable[str]] | None = None) -> dict:
        """``GET /v3/data/{id}?format=json&…``; ``params`` as the v3 API names them (``period.M`` …)."""
        self._need("v3", "data_v3()")
        tid = self._table(table_id)
        query = {"format": "json"}
        for name, value in (params or {}).items():
            query[str(name)] = value if isinstance(value, str) else ",".join(str(v) for v in value)
        reply = self._json(self._send("GET", f"/v3/data/{tid}", params=query), _EXPECT_V3)
        if not (isinstance(reply, dict) and isinstance(reply.get("columns"), list)
                and isinstance(reply.get("rows"), list)):
            raise self._error(UnexpectedReply, f"Svaret for {tid} har en ukendt form: forventede {_EXPECT_V3}")
        return reply

    def query_text_v3(self, table_id: str, params: dict | None = None) -> str:
        query = {"format": "json", **(params or {})}
        text = "&".join(f"{k}={v if isinstance(v, str) else ','.join(map(str, v))}" for k, v in query.items())
        return self._redact(f"GET {self.base_url}/v3/data/{self._table(table_id)}?{text}")


def _is_bad_key(content: bytes) -> bool:
    """True for jobindsats' bad-key reply, {"Forkert nøgle eller nøglen er udløbet.": ""}."""
    if len(content) > _BAD_KEY_MAX_BYTES or not content.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{"):
        return False
    try:
        reply = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(reply, dict) and any("forkert nøgle" in str(k).lower() for k in reply)


# --- into the warehouse ------------------------------------------------------------------------

def _load_payload(payload, table_id: str, kind: str | None, query: str, con, loaded_by: str | None
                  ) -> loader.LoadResult:
    """Write the fetched payload to a temporary file and load it like any uploaded extract."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    name = f"jobindsats_{table_id}_{stamp}.json"
    with tempfile.TemporaryDirectory(prefix="helhedsblik-jobindsats-") as tmp:
        path = Path(tmp) / name
        path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        # The loader validates the whole file and loads it in one transaction: a rejection writes nothing.
        return loader.load(path, kind, source=SOURCE, loaded_by=loaded_by, table_id=table_id, query=query,
                           con=con)


def fetch_to_warehouse(table_id: str, areas: str | Iterable[str], period: str | Iterable[str], *,
                       con: duckdb.DuckDBPyConnection | None = None, client: Client | None = None,
                       loaded_by: str | None = None, measurements: Iterable[str] | None = None,
                       dimensions: dict[str, str] | None = None) -> loader.LoadResult:
    """Fetch one table (API v2) and load it; on any error the warehouse is left as it was."""
    spec = mapping().get(str(table_id).lower())
    own = client is None
    client = client or Client()
    try:
        client._need("v2", "fetch_to_warehouse()")
        tid = client._table(table_id)
        if measurements is None and spec is not None:
            measurements = list(spec.measurements)
        # Fetched completely (every chunk) before a file is written or the warehouse touched.
        payload = client.data(tid, areas, period, measurements, dimensions)
        query = client.query_text(tid, areas, period, measurements, dimensions)
    finally:
        if own:
            client.close()
    return _load_payload(payload, tid, spec.kind if spec else None, query, con, loaded_by)


def fetch_v3_to_warehouse(table_id: str, params: dict | None = None, *, con: duckdb.DuckDBPyConnection | None = None,
                          client: Client | None = None, loaded_by: str | None = None) -> loader.LoadResult:
    """Fetch one table through API v3 (parameters as v3 names them) and load it."""
    spec = mapping().get(str(table_id).lower())
    own = client is None
    client = client or Client(version="v3")
    try:
        payload = client.data_v3(table_id, params)
        query = client.query_text_v3(table_id, params)
    finally:
        if own:
            client.close()
    return _load_payload(payload, str(table_id).lower(), spec.kind if spec else None, query, con, loaded_by)


def _parse_update(value, table_id: str) -> datetime | None:
    """LatestUpdate as a naive local datetime, comparable with loads.loaded_at (datetime.now())."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        when = None
        for fmt in ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y", "%d/%m/%Y"):
            try:
                when = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if when is None:
            raise UnexpectedReply(f"LatestUpdate for {table_id} er '{text[:40]}': forventede en dato som "
                                  "2024-03-01T08:00:00") from None
    if when.tzinfo is not None:
        when = when.astimezone().replace(tzinfo=None)
    return when


def last_loaded(con: duckdb.DuckDBPyConnection, table_id: str) -> datetime | None:
    """When a table was last loaded from the API (current loads only), or None."""
    return con.execute("select max(loaded_at) from loads where source = ? and lower(table_id) = ?",
                       [SOURCE, table_id.lower()]).fetchall()[0][0]


def refresh(con: duckdb.DuckDBPyConnection | None, client: Client | None = None, loaded_by: str | None = None,
            period: str = "l(M:24)", areas: str | Iterable[str] = "*") -> list[loader.LoadResult]:
    """Fetch every mapped table whose LatestUpdate is newer than its last API load (or never loaded).

    Tables are loaded one by one, each atomically; an error stops the refresh and is raised, with the
    tables before it loaded and the rest untouched. A mapped table the API no longer lists is skipped.
    """
    from pipelines.warehouse import connect

    own_con, own_client = con is None, client is None
    con = con or connect()
    client = client or Client()
    try:
        listed = {str(t["TableID"]).lower(): t for t in client.tables()}
        results = []
        for table_id in mapping():
            info = listed.get(table_id)
            if info is None:
                log.warning("jobindsats: table %s is mapped but not listed by the API; skipped", table_id)
                continue
            latest = _parse_update(info.get("LatestUpdate"), table_id)
            last = last_loaded(con, table_id)
            if last is not None and latest is not None and latest <= last:
                continue
            results.append(fetch_to_warehouse(table_id, areas, period, con=con, client=client, loaded_by=loaded_by))
        return results
    finally:
        if own_client:
            client.close()
        if own_con:
            con.close()


__all__ = ["SOURCE", "JobindsatsError", "BadKey", "NetworkError", "UnexpectedReply", "Client", "TableMapping",
           "api_key", "mapping", "fetch_to_warehouse", "fetch_v3_to_warehouse", "refresh", "last_loaded"]
