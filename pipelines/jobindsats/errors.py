"""What can go wrong talking to jobindsats.dk, each told in Danish with what to do; none carries the API key."""

from __future__ import annotations

from pipelines.errors import PipelineError


class JobindsatsError(PipelineError):
    """A problem with jobindsats.dk's API, told in Danish; never carries the API key. Nothing is written."""


class BadKey(JobindsatsError):
    """401 or 403: the key is missing, wrong, expired or has no access to what was asked."""


class NetworkError(JobindsatsError):
    """jobindsats.dk could not be reached, or kept failing (429, 5xx) after every retry."""


class NotFound(JobindsatsError):
    """A table, area or period that jobindsats.dk (or the table's metadata) does not have."""


class Refused(JobindsatsError):
    """422: jobindsats.dk understood the request and refused it; the message names its cause."""

    def __init__(self, message: str, cause: str = "", request_id: str | None = None):
        super().__init__(message)
        self.cause = cause
        self.request_id = request_id


class UnexpectedReply(JobindsatsError):
    """A reply that does not have the documented shape; the message says what was missing and where the
    replies were saved for a bug report."""


class MappingMismatch(JobindsatsError):
    """A reply (or metadata) that does not hold what data/jobindsats_mapping.csv expects of the table."""


class UnknownCategories(JobindsatsError):
    """A reply carries categories the reference data does not know (a new classification era?)."""
