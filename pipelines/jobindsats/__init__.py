"""jobindsats.dk API v3: the client, from a request in our terms to one extract in our columns.

The contract is ../shared/jobindsats/README.md (what real replies look like, with the real replies in
../shared/jobindsats/real/). One module per job:
- transport.py      the session, retries, the key, errors in Danish, the raw replies saved for a bug report;
- model.py          one declared model of each reply (catalogue, metadata, data, 422), and the metadata as used;
- mapped_tables.py  which tables we load and how (data/jobindsats_mapping.csv, reference/jobindsats_values.csv);
- planning.py       our areas and periods -> the v3 requests, split when large;
- replies.py        a data reply -> our columns (labels matched with the group prefix understood);
- fetching.py       all of it in memory, nothing written;
- probe.py          the first contact with the live API as a report.
Loading a fetch, and keeping the mapped tables current, is pipelines/refresh.py: this package imports neither
DuckDB nor the loader. API v2 was switched off after 30 September 2026; old v2 replies saved as files load as
uploads (pipelines/readers/jsonfile.py).
"""

from __future__ import annotations

from pipelines import config
from pipelines.jobindsats.errors import (
    BadKey,
    JobindsatsError,
    MappingMismatch,
    NetworkError,
    NotFound,
    Refused,
    UnexpectedReply,
    UnknownCategories,
)
from pipelines.jobindsats.fetching import Fetched, fetch, mapped_table
from pipelines.jobindsats.mapped_tables import TableMapping, mapping
from pipelines.jobindsats.model import TableMeta
from pipelines.jobindsats.planning import Plan, plan, resolve_periods
from pipelines.jobindsats.transport import API_VERSION, SECRET_NAME, Client, api_key

SOURCE = config.API_SOURCE

__all__ = [
    "API_VERSION",
    "SECRET_NAME",
    "SOURCE",
    "BadKey",
    "Client",
    "Fetched",
    "JobindsatsError",
    "MappingMismatch",
    "NetworkError",
    "NotFound",
    "Plan",
    "Refused",
    "TableMapping",
    "TableMeta",
    "UnexpectedReply",
    "UnknownCategories",
    "api_key",
    "fetch",
    "mapped_table",
    "mapping",
    "plan",
    "resolve_periods",
]
