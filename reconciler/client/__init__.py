"""The ACORN-i client: LWA auth, rate limits, retries and the audit log over httpx.

    api.py        AcornClient: read_seller, read_all, create_registration, get_registration
    request.py    the one request function (Caller): statuses -> domain errors, retries
    auth.py       LWA token exchange and cache, as an httpx auth flow
    ratelimit.py  token buckets per (seller, operation)
    retry.py      backoff with full jitter, Retry-After, the run's breaker
    wire.py       wire JSON <-> domain values
    endpoints.py  hosts and transport per endpoint mode
    transport.py  the auditing transport wrapper;  audit.py  the audit log
    redact.py     the one redaction step every ApiError leaving the client goes through

Errors: ApiError and its subclasses (AlreadyExists, AuthError, BreakerOpen, EndpointUnusable), all from
reconciler.errors.
"""

from .api import AcornClient
from .audit import AuditEntry, AuditLog, FileAuditLog, MemoryAuditLog, NullAuditLog
from .retry import RetryPolicy

__all__ = ["AcornClient", "AuditEntry", "AuditLog", "FileAuditLog", "MemoryAuditLog", "NullAuditLog",
           "RetryPolicy"]
