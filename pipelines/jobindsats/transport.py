"""Talking to jobindsats.dk's API v3: the session, retries, the key, errors in Danish, and the raw replies.

- Every call is ``GET {base}/v3/...?format=json`` with ``Authorization: Bearer <key>`` (a key sent the v2 way,
  without "Bearer", gets 401). urllib3 retries 429, 500, 502, 503 and 504 (as peers do), timeouts and refused
  connections with exponential back-off, honouring ``Retry-After`` up to a minute.
- What is left becomes an error that says what to do (pipelines.jobindsats.errors): 401/403 (a refused key has
  come back as a 403 HTML page), 404, 422 by its cause, 429/5xx after every retry, and a reply that is not of
  the documented shape (pipelines.jobindsats.model), which names the missing key and the folder the replies
  were saved in.
- The replies of a session are kept (the last few, or all for ``pipelines probe``) and can be saved, the key
  removed, as files a municipality can send with a bug report.
- The key is never logged, never in a URL, ``***`` in every message and in ``repr(client)``; exceptions from
  ``requests`` are not chained (``from None``), so a traceback shows only our redacted message.

No DuckDB and no loader here: a client can run where there is no warehouse.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests
from pydantic import BaseModel, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from pipelines import config
from pipelines.jobindsats.errors import BadKey, JobindsatsError, NetworkError, NotFound, Refused, UnexpectedReply
from pipelines.jobindsats.model import DECLARED_KEYS, Catalogue, DataReply, ErrorReply, TableMeta, TableMetadata, span

API_VERSION = "v3"
DEFAULT_BASE_URL = "https://api.jobindsats.dk/v3"
ENV_KEY, ENV_URL, SECRET_NAME = "JOBINDSATS_API_KEY", "JOBINDSATS_API_URL", "jobindsats_api_key"
REDACTED = "***"
RETRY_STATUSES = (429, 500, 502, 503, 504)
# No public figure gives v3's maximum cells per request; one client calls 30.000 cells "far below the limit".
# Ours, per request (configurable per client): a larger request is split by areas.
DEFAULT_MAX_CELLS = 100_000
KEPT_REPLIES = 12  # the last replies a client keeps in memory to save when one of them is not as documented
_TABLE_ID = re.compile(r"^[A-Za-z0-9_]{1,40}$")  # table ids go into the URL path: allow-listed
_PARAM = re.compile(r"(mgroup|period|hierarchy)\.[A-Za-z0-9_*]{1,60}")


def replies_dir() -> Path:
    """Where saved replies go: beside the warehouse, in jobindsats-svar/."""
    return config.warehouse_path().parent / "jobindsats-svar"


def api_key(secret: str | None = None) -> str:
    """The API key: JOBINDSATS_API_KEY, else ``secret`` (the app passes its Streamlit secret jobindsats_api_key;
    pipelines never read Streamlit's secrets themselves)."""
    key = config.settings().jobindsats_api_key.strip() or (secret or "").strip()
    if key:
        return key
    raise JobindsatsError(
        f"Ingen API-nøgle: sæt {ENV_KEY} i miljøet, eller {SECRET_NAME} i "
        ".streamlit/secrets.toml. En nøgle bestilles hos jobindsats.dk."
    )


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


@dataclass(frozen=True)
class Exchange:
    """One request and its reply, as saved for a bug report (the key removed)."""

    name: str  # tables, table-y60a02, data-y60a02: what was asked
    request: str  # GET <url>, without the key
    status: int
    content_type: str
    body: bytes

    def file_name(self, n: int) -> str:
        head = self.body.lstrip(b"\xef\xbb\xbf \r\n\t")[:1]
        ext = ".json" if head in (b"{", b"[") else ".html" if head == b"<" else ".txt"
        return f"{n:02d}-{self.name}{ext}"


class Client:
    """A jobindsats.dk API v3 client: one session with urllib3's retry policy, typed replies, errors that hide
    the key, and the session's replies kept for a bug report."""

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
        keep_all_replies: bool = False,
        save_to: Path | None = None,
    ):
        url = (base_url or config.settings().jobindsats_api_url or DEFAULT_BASE_URL).strip().rstrip("/")
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
        self.exchanges: deque[Exchange] = deque(maxlen=None if keep_all_replies else KEPT_REPLIES)
        self.save_to = save_to
        self.saved: Path | None = None  # where this session's replies were last saved
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
        self._catalogue: Catalogue | None = None
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

    def redact(self, text: str) -> str:
        return text.replace(self._key, REDACTED)

    def _error(self, cls: type[JobindsatsError], message: str, **extra) -> JobindsatsError:
        return cls(self.redact(message), **extra)

    def _headers(self) -> dict[str, str]:
        # Per request rather than on the session: a session passed in by the caller is not altered.
        return {"Authorization": f"Bearer {self._key}", "Accept": "application/json"}

    def table_id(self, table_id: str) -> str:
        if not isinstance(table_id, str) or not _TABLE_ID.match(table_id):
            raise JobindsatsError(f"Ugyldigt tabel-ID '{table_id}': forventede fx y60a02")
        return table_id.lower()

    def url(self, path: str, params: dict[str, str]) -> str:
        """The request as sent, for provenance: never holds the key, which only travels in a header."""
        return self.redact(f"GET {self.base_url}{path}?{urlencode(params, safe='*/:,')}")

    def save_replies(self, folder: Path | None = None) -> Path:
        """Write the kept replies (the key removed) and an index of the requests to a new folder; its path."""
        if folder is None:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            folder = (self.save_to or replies_dir()) / stamp
            n = 1
            while folder.exists():
                n += 1
                folder = folder.with_name(f"{stamp}-{n}")
        folder.mkdir(parents=True, exist_ok=True)
        index = []
        for n, ex in enumerate(self.exchanges, start=1):
            name = ex.file_name(n)
            (folder / name).write_bytes(ex.body.replace(self._key.encode(), REDACTED.encode()))
            index.append(f"{name}\t{ex.status}\t{ex.content_type}\t{self.redact(ex.request)}")
        (folder / "forespørgsler.txt").write_text(
            "fil\tstatus\tindholdstype\tforespørgsel (uden nøgle)\n" + "\n".join(index) + "\n", encoding="utf-8"
        )
        self.saved = folder
        return folder

    def saved_note(self) -> str:
        try:
            folder = self.save_replies()
        except OSError as exc:
            return f" Svarene kunne ikke gemmes ({exc.strerror or exc})."
        return (
            f" Svarene er gemt (uden nøgle) i {folder}: send mappen med en fejlrapport, og kør evt. "
            "'python -m pipelines probe'."
        )

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

    # -- one GET -------------------------------------------------------------------------------

    def get(self, path: str, params: dict[str, str] | None = None, name: str = "svar") -> bytes:
        """The body of a 200 reply to ``GET /v3{path}``; anything else is told in Danish (see the module)."""
        query = {"format": "json", **(params or {})}
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
        self.exchanges.append(Exchange(name, f"GET {url}", status, resp.headers.get("Content-Type", ""), content))
        if status == 200:
            return content
        raise self._status_error(path, status, content, attempts)

    def _status_error(self, path: str, status: int, content: bytes, attempts: int) -> JobindsatsError:
        text = _plain_text(content)
        if status in (401, 403):
            return self._error(BadKey, _refused_key(status, text, path))
        if status == 404:
            return self._error(
                NotFound,
                f"jobindsats.dk kender ikke {path} (404): findes tabellen? Se kataloget med "
                "'python -m pipelines tables'.",
            )
        if status == 422:
            reply = self.parse(ErrorReply, content, f"fejlsvaret på GET {path}")
            return self._error(
                Refused,
                f"jobindsats.dk afviste GET {path} (422): {reply.cause} (request_id {reply.request_id or '-'}).",
                cause=reply.cause,
                request_id=reply.request_id,
            )
        if status in RETRY_STATUSES:
            what = "for mange forespørgsler" if status == 429 else "serverfejl"
            return self._error(
                NetworkError,
                f"Kunne ikke hente data fra {self.host}: serveren svarede {status} ({what}) ved alle {attempts} "
                "forsøg. Prøv igen senere.",
            )
        return self._error(
            UnexpectedReply,
            f"{self.host} svarede {status} på GET {path}: forventede 200 med data"
            f"{': ' + text[:200] if text else ''}.{self.saved_note()}",
        )

    # -- replies of the documented shape ----------------------------------------------------------

    def parse(self, model: type[BaseModel], content: bytes, what: str):
        """The reply as its declared model, or UnexpectedReply saying which key was missing and where the replies
        were saved."""
        try:
            payload = json.loads(content.decode("utf-8-sig"))  # plain UTF-8 so far; a BOM is accepted
        except UnicodeDecodeError:
            problem = "ikke UTF-8-tekst"
        except json.JSONDecodeError as exc:
            problem = (
                "HTML (en proxy- eller login-side?)"
                if content.lstrip()[:1] == b"<"
                else f"ikke gyldig JSON ({exc.msg} ved tegn {exc.pos} af {len(content)}; afkortet svar?)"
            )
        else:
            try:
                return model.model_validate(payload)
            except ValidationError as exc:
                problem = "ikke af den dokumenterede form: " + "; ".join(_described(exc))
        raise self._error(
            UnexpectedReply, f"{what[0].upper()}{what[1:]} fra {self.host} er {problem}.{self.saved_note()}"
        )

    def catalogue(self) -> Catalogue:
        """``GET /v3/tables``: subjects -> table groups -> tables (cached on the client)."""
        if self._catalogue is None:
            self._catalogue = self.parse(Catalogue, self.get("/tables", name="tables"), "kataloget (GET /v3/tables)")
        return self._catalogue

    def table(self, table_id: str) -> TableMeta:
        """``GET /v3/table/{id}``: the table's metadata (cached on the client: one fetch asks for it once)."""
        tid = self.table_id(table_id)
        if tid not in self._meta:
            body = self.get(f"/table/{tid}", name=f"table-{tid}")
            self._meta[tid] = TableMeta(tid, self.parse(TableMetadata, body, f"beskrivelsen af {tid} (GET /v3/table)"))
        return self._meta[tid]

    def data(self, table_id: str, params: dict[str, str]) -> DataReply:
        """One ``GET /v3/data/{id}``; a refusal (422) is told by its cause, with what the table has instead."""
        tid = self.table_id(table_id)
        for name in params:
            if not _PARAM.fullmatch(name):
                raise JobindsatsError(
                    f"Ugyldig parameter '{name}': forventede mgroup.<id>, period.<type> eller hierarchy.<id>"
                )
        try:
            body = self.get(f"/data/{tid}", params, name=f"data-{tid}")
        except Refused as exc:
            raise self._error(Refused, self._refusal(tid, exc), cause=exc.cause, request_id=exc.request_id) from None
        reply = self.parse(DataReply, body, f"svaret på GET /v3/data/{tid}")
        width = len(reply.columns)
        for n, row in enumerate(reply.rows, start=1):
            if len(row) != width:
                raise self._error(
                    UnexpectedReply,
                    f"Svaret på GET /v3/data/{tid} er ikke af den dokumenterede form: række {n} har {len(row)} "
                    f"værdier, men der er {width} kolonner.{self.saved_note()}",
                )
        return reply

    def _refusal(self, tid: str, exc: Refused) -> str:
        """A 422 in Danish: what was refused, what the table has instead, and what to do."""
        cause = exc.cause
        meta = self._meta.get(tid)
        if names := _UNKNOWN_HIERARCHIES.match(cause):
            unknown = ", ".join(re.findall(r"'([^']*)'", names.group(1))) or names.group(1)
            has = ", ".join(meta.hierarchies) if meta else "(se 'python -m pipelines table " + tid + "')"
            return (
                f"jobindsats.dk kender ikke hierarkiet {unknown} i {tid} (422); tabellen har hierarkierne {has}. "
                "Ret dimensionen i data/jobindsats_mapping.csv, eller kør 'python -m pipelines probe'."
            )
        if m := _UNKNOWN_PERIOD_TYPE.match(cause):
            has = ", ".join(meta.periods) if meta else "(se 'python -m pipelines table " + tid + "')"
            return (
                f"{tid} har ingen perioder af typen {m.group(1)} (422); den har {has}. Ret periodetypen i "
                "data/jobindsats_mapping.csv."
            )
        if m := _TOO_MANY_PERIODS.match(cause):
            have = meta.periods.get(m.group(2), ()) if meta else ()
            return (
                f"Der er bedt om de seneste {m.group(1)} perioder af typen {m.group(2)} i {tid}, men jobindsats.dk "
                f"har kun {m.group(3)} ({span(have) if have else 'se python -m pipelines table ' + tid}) (422); "
                "vælg færre perioder."
            )
        return f"{exc}{self.saved_note()}"


# The 422 causes seen in real replies (../shared/jobindsats/real/v3error_422_*.json and the contract).
_UNKNOWN_HIERARCHIES = re.compile(r"Unknown hierarchies:\s*\[(.*)\]")
_UNKNOWN_PERIOD_TYPE = re.compile(r"Unknown period type:\s*(\S+)")
_TOO_MANY_PERIODS = re.compile(r"Requested latest:(\d+) for type (\S+), but only (\d+) periods? (?:are|is) available")


def _plain_text(content: bytes) -> str:
    """A short, plain-text version of a body for a message: an HTML page's text without its tags."""
    text = content[:4000].decode("utf-8", errors="replace")
    if text.lstrip().startswith("<"):
        text = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", text)
        text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", text).strip()[:300]


def _refused_key(status: int, text: str, path: str) -> str:
    """401/403 in Danish: the key is missing, wrong or without access; an HTML page's text and a JSON cause are
    quoted, since they tell which."""
    if text.startswith("{"):
        try:
            reply = json.loads(text)
        except json.JSONDecodeError:
            reply = None
        if isinstance(reply, dict) and reply.get("cause"):
            text = str(reply["cause"])
    said = f": '{text[:200]}'" if text else ""
    return (
        f"jobindsats.dk afviste API-nøglen (HTTP {status} på {path}{said}). Nøglen mangler, er forkert, er udløbet "
        "eller giver ikke adgang til API v3. Tjek JOBINDSATS_API_KEY (eller jobindsats_api_key i "
        ".streamlit/secrets.toml): hele nøglen, uden 'Bearer' foran; bestil ellers en ny nøgle hos jobindsats.dk."
    )


_TYPES = {
    "string_type": "forventede tekst",
    "int_type": "forventede et helt tal",
    "list_type": "forventede en liste",
    "model_type": "forventede et objekt ({…})",
    "dict_type": "forventede et objekt ({…})",
    "date_from_datetime_parsing": "forventede en dato (ÅÅÅÅ-MM-DD)",
    "date_parsing": "forventede en dato (ÅÅÅÅ-MM-DD)",
    "date_type": "forventede en dato (ÅÅÅÅ-MM-DD)",
}


def _described(exc: ValidationError, most: int = 3) -> list[str]:
    """The first problems of a reply, in Danish: which key is missing where, or which value has another type."""
    out: list[str] = []
    for err in exc.errors(include_url=False):
        loc = _declared(err["loc"])
        where = _where(loc[:-1] if err["type"] == "missing" else loc)
        if err["type"] == "missing":
            text = f"nøglen '{loc[-1]}' mangler {where}"
        else:
            got = json.dumps(err.get("input"), ensure_ascii=False, default=str)[:60]
            text = f"{where}: {_TYPES.get(err['type'], 'en værdi af en anden type end dokumenteret')}, fik {got}"
        if text not in out:
            out.append(text)
        if len(out) == most:
            break
    return out


def _declared(loc: tuple) -> tuple:
    """A location up to where it leaves the declared keys (pydantic adds the union member it tried)."""
    out = []
    for part in loc:
        if isinstance(part, str) and part not in DECLARED_KEYS:
            break
        out.append(part)
    return tuple(out)


def _where(loc: tuple) -> str:
    if not [p for p in loc if p != "root"]:
        return "øverst i svaret"
    path = ""
    for part in loc:
        if part == "root":
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return f"i {path}"
