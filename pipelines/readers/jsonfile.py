"""Saved jobindsats replies read as extracts: API v2 JSON, v2 replies saved one JSON object per line (NDJSON),
and API v3 ``{"columns": [...], "rows": [...]}``.

Each becomes (format, headers, rows of text): the same text columns any other format gives the staged route,
so a saved reply goes through the same validation as every upload. Numbers are written as jobindsats writes
decimals in text, with a comma; the staged route reads them back (decimal "comma").

What the real files look like is in ../shared/jobindsats/README.md: a municipality's y30r21 replies from API v2
saved as NDJSON (keys = the v2 column labels, decimals as text with a comma: "9,08"), and v3 replies whose
measures of a group that holds several are labelled "<group name>: <measure name>" (headers.header_map reads both).
"""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.errors import ExtractRejected
from pipelines.headers import known_header

Parsed = tuple[str, list[str], list[list[str | None]]]  # format, headers, rows


def read(path: Path, name: str) -> tuple[str, list[str], list[list[str | None]], int, str]:
    """(format, headers, rows, row offset, decimal mark) of a JSON or NDJSON file; rejected whole, saying why."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtractRejected.one(
            name, f"ugyldig JSON: filen er ikke UTF-8 ({exc.reason} ved byte {exc.start})"
        ) from None
    try:
        fmt, headers, rows = parse_payload(_loads(text, name), name)
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise ExtractRejected.one(name, f"ugyldig JSON: {exc}") from None
        # More than one JSON value: one object per line, as saved replies often are.
        fmt, headers, rows = parse_lines(text, name)
    _apply_table_mapping(name, fmt, headers)
    return fmt, headers, rows, 1, "comma"


def _loads(text: str, name: str, line: int | None = None):
    """json.loads, with Python's own limits turned into a rejection (JSONDecodeError is the caller's)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ExtractRejected.one(name, "ugyldig JSON: for dybt indlejret", row=line) from None
    except json.JSONDecodeError:
        raise
    except ValueError:
        # Python refuses to convert integers of more than 4,300 digits (a guard against slow conversions).
        raise ExtractRejected.one(
            name, "ugyldig JSON: et tal har over 4.300 cifre; intet udtræk har tal så store", row=line
        ) from None


def text_of(value) -> str | None:
    """A JSON value as the text the staged route reads (decimals with a comma, as jobindsats writes them)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def parse_payload(payload, name: str) -> Parsed:
    """(format, headers, rows) from one JSON value: a v2 or a v3 reply; anything else is rejected saying what
    was expected."""
    if isinstance(payload, list) and payload and isinstance(payload[0], dict) and "Variables" in payload[0]:
        return _v2(payload[0], name)
    if isinstance(payload, dict) and "columns" in payload and "rows" in payload:
        return _v3(payload, name)
    raise ExtractRejected.one(
        name,
        'ukendt JSON-form: forventede et gemt svar fra jobindsats: API v3 ({"columns": […], "rows": […]}), '
        'API v2 ([{"Variables": …, "Data": …}]) eller ét JSON-objekt pr. linje',
    )


def _v2(block: dict, name: str) -> Parsed:
    variables = block.get("Variables") or []
    data = block.get("Data")
    if not isinstance(data, list) or not all(isinstance(v, dict) for v in variables):
        raise ExtractRejected.one(name, 'JSON i v2-form skal have "Variables" (liste) og "Data" (liste af rækker)')
    names = [str(v.get("Name") or v.get("Label") or "") for v in variables]
    labels = [str(v.get("Label") or "") for v in variables]
    # Prefer IDs; fall back to the label where the ID is not one we know.
    headers = [h if known_header(h) or not known_header(lab) else lab for h, lab in zip(names, labels, strict=True)]
    return "json-v2", headers, _rows(data, len(headers), name)


def _v3(payload: dict, name: str) -> Parsed:
    columns, rows = payload["columns"], payload["rows"]
    if not isinstance(columns, list) or not isinstance(rows, list):
        raise ExtractRejected.one(name, 'JSON i v3-form skal have "columns" (liste) og "rows" (liste af rækker)')
    if not all(isinstance(c, str) for c in columns):
        raise ExtractRejected.one(
            name,
            'JSON i v3-form skal have kolonnernes betegnelser som tekst i "columns" (fx "Periode", "Område")',
            value=text_of(next(c for c in columns if not isinstance(c, str)))[:200],
        )
    return "json-v3", list(columns), _rows(rows, len(columns), name)


def _rows(rows: list, width: int, name: str) -> list[list[str | None]]:
    out: list[list[str | None]] = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != width:
            raise ExtractRejected.one(
                name,
                f"rækken skal være en liste med {width} værdier",
                row=i,
                value=text_of(row)[:200] if row is not None else None,
            )
        out.append([text_of(v) for v in row])
    return out


def parse_lines(text: str, name: str) -> Parsed:
    """(format, headers, rows) from one JSON object per line (NDJSON): the first line's keys are the headers,
    and every line must have the same keys. A line's number is its row in every message."""
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    headers: list[str] | None = None
    rows: list[list[str | None]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            raise ExtractRejected.one(name, "tom linje: forventede ét JSON-objekt på hver linje", row=number)
        try:
            record = _loads(line, name, number)
        except json.JSONDecodeError as exc:
            raise ExtractRejected.one(
                name, f"ugyldig JSON på linjen ({exc.msg} ved tegn {exc.pos + 1})", row=number, value=line[:200]
            ) from None
        if not isinstance(record, dict):
            raise ExtractRejected.one(
                name, "forventede ét JSON-objekt ({…}) på hver linje", row=number, value=line[:200]
            )
        if headers is None:
            headers = list(record)
        elif list(record) != headers:
            missing = [k for k in headers if k not in record]
            extra = [k for k in record if k not in headers]
            what = "; ".join(
                part
                for part in (
                    f"mangler {', '.join(repr(k) for k in missing)}" if missing else "",
                    f"har også {', '.join(repr(k) for k in extra)}" if extra else "",
                    "nøglerne står i en anden rækkefølge" if not missing and not extra else "",
                )
                if part
            )
            raise ExtractRejected.one(
                name, f"linjen har ikke de samme nøgler som linje 1: {what}", row=number, value=line[:200]
            )
        rows.append([text_of(record[k]) for k in headers])
    return "ndjson", headers or [], rows


def _apply_table_mapping(name: str, fmt: str, headers: list[str]) -> None:
    """A v3 reply saved under its table's id (``y60a02-data.json``, as ``pipelines probe`` saves them) gets the
    headers a fetch of that table gives: the mapped dimension by its id and the measures by our names (the
    dimension's id tells the loader the benefit of y60a02, y36a02 and y38a02, which no column holds)."""
    if fmt != "json-v3":
        return
    from pipelines.jobindsats import JobindsatsError, replies  # the API's mapping; no network, no warehouse

    try:
        mapped = replies.saved_reply_headers(name, headers)
    except JobindsatsError as exc:  # the mapping cannot tell the reply's columns apart
        raise ExtractRejected.one(name, str(exc)) from None
    if mapped is not None:
        headers[:] = mapped
