"""A transport wrapper that writes one audit line per HTTP attempt, whatever carries it.

It sits between httpx and the real transport (network, in-process sandbox or a test fake),
so every attempt is seen exactly once: LWA exchanges, the retry after a token refresh, and
attempts that died without an answer (timeouts, dropped connections).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from datetime import datetime, timezone

import httpx

from ..domain.contract import REQUEST_ID_HEADER
from .audit import AuditEntry, AuditLog

# The request extension naming (seller id, operation, region) for the audit line.
AUDIT_KEY = "acorn.audit"


class AuditingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, audit: AuditLog,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 redact: Callable[[str], str] = lambda text: text) -> None:
        """`redact` cleans what the server chose (its request id header) of the run's secrets."""
        self._inner = inner
        self._audit = audit
        self._now = now
        self._redact = redact

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        seller_id, operation, region = request.extensions.get(AUDIT_KEY, ("", "unknown", ""))
        started_at, t0 = self._now(), time.perf_counter()

        def record(status: int | None, error: str | None, request_id: str | None) -> None:
            self._audit.record(AuditEntry(
                time=started_at, seller_id=seller_id, operation=operation, region=region, method=request.method,
                path=request.url.path, status=status, error=error,
                request_id=self._redact(request_id) if request_id else request_id,
                duration_ms=(time.perf_counter() - t0) * 1000))

        try:
            response = await self._inner.handle_async_request(request)
        except Exception as exc:
            record(None, type(exc).__name__, None)
            raise
        record(response.status_code, None, response.headers.get(REQUEST_ID_HEADER))
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class ShardedPools(httpx.AsyncBaseTransport):
    """Several connection pools, each seller's requests always in the same one.

    Each pool allows httpx's 100 connections at once: eight of them carry the most calls a run
    can have in flight (256 sellers, two reads each) without a call waiting for a connection.
    httpcore's pool does work per request in proportion to the requests it holds, so a few
    smaller pools also cost less CPU than one. A seller on one pool keeps its
    connections warm.
    """

    def __init__(self, pools: list[httpx.AsyncBaseTransport]) -> None:
        self._pools = pools

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        seller_id = request.extensions.get(AUDIT_KEY, ("",))[0]
        pool = self._pools[zlib.crc32(seller_id.encode()) % len(self._pools)]
        return await pool.handle_async_request(request)

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()
