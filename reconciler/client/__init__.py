"""The ACORN-i client: LWA auth, rate limits, retries and the audit log over httpx.

    api.py        AcornClient: read_seller, read_each, create_registration, get_registration
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

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .api import AcornClient
    from .audit import AuditEntry, AuditLog, FileAuditLog, MemoryAuditLog, NullAuditLog
    from .retry import RetryPolicy

__all__ = ["AcornClient", "AuditEntry", "AuditLog", "FileAuditLog", "MemoryAuditLog", "NullAuditLog",
           "RetryPolicy"]
_HOME = {"AcornClient": "api", "AuditEntry": "audit", "AuditLog": "audit", "FileAuditLog": "audit",
         "MemoryAuditLog": "audit", "NullAuditLog": "audit", "RetryPolicy": "retry"}


def __getattr__(name: str) -> object:
    """Imported on first use (PEP 562): a command that needs only redact.py (every command's crash
    handler) or no HTTP at all (validate) does not pay for httpx's import (a third of a second)."""
    if name in _HOME:
        return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
