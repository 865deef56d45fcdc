"""How the client's calls travel: one audit line per HTTP attempt, whatever carries it; a
seller's calls in one connection pool; an idle connection checked cheaply; and no cookie from
one call to the next.

The auditing transport sits between httpx and the real transport (network, in-process sandbox
or a test fake), so every attempt is seen exactly once: LWA exchanges, the retry after a token
refresh, and attempts that died without an answer (timeouts, dropped connections).
"""

from __future__ import annotations

import select
import socket
import time
import zlib
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

import httpcore
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


def readable(sock: socket.socket | None) -> bool:
    """Whether a socket has something to read or is closed: for an idle HTTP/1.1 connection,
    either means the server hung up (its keep-alive ran out) and the connection is not reused."""
    if sock is None or sock.fileno() < 0:
        return True
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([sock], [], [], 0)[0])
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    """httpcore's anyio stream, whose idle check polls the socket it keeps, rather than asking
    anyio for the socket anew each time (anyio builds its whole attribute table per question:
    httpcore asks once per idle connection of the pool at every request and every answer)."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return readable(self._socket) if info == "is_readable" else self._inner.get_extra_info(info)


# httpx's default limits, per pool (see ShardedPools)
POOL_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)


class _Backend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, its streams wrapped in _Stream."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class NetworkTransport(httpx.AsyncHTTPTransport):
    """httpx's transport to real hosts, its connection pool on _Backend. httpx takes no network
    backend, so the pool it made is replaced by the same pool (its limits, TLS context, no
    retries: those are the client's) on that backend; were a future httpx to keep its pool
    elsewhere, this transport would still be httpx's own, only its idle check slower."""

    def __init__(self, tls: Any) -> None:
        super().__init__(verify=tls, retries=0, limits=POOL_LIMITS)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=tls, max_connections=POOL_LIMITS.max_connections,
            max_keepalive_connections=POOL_LIMITS.max_keepalive_connections,
            keepalive_expiry=POOL_LIMITS.keepalive_expiry, retries=0, network_backend=_Backend())


class _NoCookies(httpx.Cookies):
    """A jar that keeps nothing it is handed."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class StatelessClient(httpx.AsyncClient):
    """httpx's client without its cookie jar. SP-API and LWA authenticate each call by its
    headers and set no cookie; one client carries every seller's calls, so a cookie a server
    (or a load balancer before it) set for one seller must not ride on the next seller's call.
    Not parsing Set-Cookie also spares each answer httpx's cookie handling (about 5% of the
    client's CPU per call)."""

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        raise TypeError("acorn's client keeps no cookies")


_NO_COOKIES = _NoCookies()
