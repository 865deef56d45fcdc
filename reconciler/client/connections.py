"""The connections under httpx: httpcore's pool over asyncio's own transports, not anyio's.

httpcore reaches the network through a *network backend* (its documented extension point);
its default goes through anyio, which costs a cancel scope, a task lookup and a pause and
resume of reading (two epoll changes) for every read and write, and rebuilds a dict of socket
attributes whenever the pool asks whether an idle connection was closed by the server (before
every request and after every answer, for every connection it holds). With a few thousand
calls a run on cores shared with the sandbox, that was a quarter of the client's CPU per call.

`AsyncioBackend` is the same contract on asyncio directly: a protocol that keeps what arrives
in a buffer (so "did the server close this idle connection?" is a flag, not a poll of the
socket), reads that return at once when bytes are there, a timer per wait only when one must
wait. The errors are httpcore's own (ConnectError, ConnectTimeout, ReadError, ReadTimeout,
WriteError, WriteTimeout), which httpx maps as always: the audit log and the retries see the
same kinds as before. TLS is asyncio's (`loop.start_tls`) with the context httpx builds.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

PAUSE_READING_AT = 1 << 18  # bytes unread: past this the socket is not read until the body is consumed


class _Connection(asyncio.Protocol):
    """What arrives on one connection, kept until read; the transport's flow control."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: Exception | None = None
        self.reader: asyncio.Future[object] | None = None  # a read waiting for bytes
        self.drained: asyncio.Future[object] | None = None  # a write waiting for the send buffer
        self.paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > PAUSE_READING_AT and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        self._wake_reader()
        self.resume_writing()

    def pause_writing(self) -> None:
        if self.drained is None:
            self.drained = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        drained, self.drained = self.drained, None
        _wake(drained)

    def _wake_reader(self) -> None:
        reader, self.reader = self.reader, None
        _wake(reader)


_TIMED_OUT = object()


def _wake(waiter: asyncio.Future[object] | None) -> None:
    """Resolve a waiting read or write (there is at most one of each per connection)."""
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


def _expire(waiter: asyncio.Future[object]) -> None:
    if not waiter.done():
        waiter.set_result(_TIMED_OUT)


async def _wait(waiter: asyncio.Future[object], timeout: float | None, kind: type[Exception], what: str) -> None:
    """Wait for `waiter`, at most `timeout` seconds (None: no limit); past it, `kind`."""
    if timeout is None:
        await waiter
        return
    timer = asyncio.get_running_loop().call_later(timeout, _expire, waiter)
    try:
        if await waiter is _TIMED_OUT:
            raise kind(f"{what} timed out after {timeout:g} s")
    finally:
        timer.cancel()


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS) connection, as httpcore reads and writes it."""

    def __init__(self, transport: asyncio.Transport, connection: _Connection) -> None:
        self._transport = transport
        self._connection = connection

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        conn = self._connection
        if not conn.buffer and not conn.eof:
            conn.reader = waiter = asyncio.get_running_loop().create_future()
            await _wait(waiter, timeout, httpcore.ReadTimeout, "reading")
        if conn.buffer:
            data = bytes(conn.buffer[:max_bytes])
            del conn.buffer[:max_bytes]
            if conn.paused and len(conn.buffer) <= PAUSE_READING_AT // 4:
                conn.paused = False
                self._transport.resume_reading()
            return data
        if conn.error is not None:  # reset, not closed: as anyio says it
            raise httpcore.ReadError(str(conn.error) or type(conn.error).__name__)
        return b""  # the server closed the connection

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        conn = self._connection
        if conn.error is not None or self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(buffer)
        if conn.drained is not None:  # the send buffer is full: wait for it to empty
            await _wait(conn.drained, timeout, httpcore.WriteTimeout, "writing")
            if conn.error is not None:
                raise httpcore.WriteError(str(conn.error) or type(conn.error).__name__)

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(self._transport, self._connection, ssl_context,
                                                 server_hostname=server_hostname)
        except TimeoutError:
            self._transport.close()
            raise httpcore.ConnectTimeout(f"the TLS handshake timed out after {timeout:g} s") from None
        except OSError as exc:  # ssl.SSLError (a certificate refused) is an OSError
            self._transport.close()
            raise httpcore.ConnectError(str(exc)) from exc
        assert transport is not None  # start_tls answers a transport or raises
        return AsyncioStream(transport, self._connection)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # idle but readable: the server closed it (or sent garbage)
            return bool(self._connection.buffer) or self._connection.eof
        names = {"ssl_object": "ssl_object", "client_addr": "sockname", "server_addr": "peername",
                 "socket": "socket"}
        return self._transport.get_extra_info(names[info]) if info in names else None


def _connect_error(exc: OSError) -> httpcore.ConnectError:
    return httpcore.ConnectError(str(exc) or type(exc).__name__)


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend on asyncio's event loop and transports."""

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, connection = await loop.create_connection(
                    _Connection, host, port, local_addr=None if local_address is None else (local_address, 0),
                    happy_eyeballs_delay=0.25)  # as anyio's connect_tcp (RFC 8305's recommended delay)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"connecting to {host}:{port} timed out after {timeout:g} s") from None
        except OSError as exc:
            raise _connect_error(exc) from exc
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(transport, connection)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, connection = await loop.create_unix_connection(_Connection, path)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"connecting to {path} timed out after {timeout:g} s") from None
        except OSError as exc:
            raise _connect_error(exc) from exc
        return AsyncioStream(transport, connection)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class HttpTransport(httpx.AsyncHTTPTransport):
    """httpx's HTTP transport (its request and answer mapping, its error kinds) over a pool
    whose connections are `AsyncioBackend`'s; no retries in the pool (the client's own)."""

    def __init__(self, tls: ssl.SSLContext) -> None:
        super().__init__(verify=tls, retries=0)
        limits = httpx.Limits()  # httpx's defaults, as the pool it replaces
        # httpx builds its pool with httpcore's default backend and no way to name another:
        # the same pool, with this backend.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=tls, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            retries=0, network_backend=AsyncioBackend())
