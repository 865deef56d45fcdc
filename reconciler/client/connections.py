"""The connections under httpx: HTTP/1.1 over asyncio's own transports, h11 speaking the protocol.

httpx hands every request to a pool (httpcore's, by default). httpcore's pool takes the
async locks, events and cancellation shields of anyio for each request (a task lookup and a
cancel scope each), a lock per connection state change, a trace context per phase, and asks
anyio whether each idle connection was closed by the server, which rebuilds a dict of socket
attributes (getpeername included) for every connection it holds, before every request and
after every answer. With a few thousand calls a run on two cores shared with the sandbox, that
was about half of the client's CPU per call.

`Pool` is that pool's contract (`handle_async_request` of an httpcore Request, an httpcore
Response whose body closes back into the pool), kept to what acorn's calls need: HTTP/1.1 as
h11 (the same library httpcore uses) reads and writes it, keep-alive (httpx's limits: 20 idle
connections a pool, idle at most 5 s, at most 100 at once), TLS with httpx's context and the
host's name, no retries (the client's own). A connection is read as bytes arrive and keeps
them in a buffer, so "did the server close this idle connection?" is a flag, not a poll; a
request goes out in one write. The errors are httpcore's (ConnectError, ConnectTimeout,
ReadError, ReadTimeout, WriteError, WriteTimeout, RemoteProtocolError, LocalProtocolError,
PoolTimeout, UnsupportedProtocol), with httpcore's words where acorn shows them, and httpx maps
them as before: the audit log and the retries see the same kinds. `HttpTransport` is httpx's
own transport (its request and answer mapping, its error mapping) over this pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterator
from typing import Any

import h11
import httpcore
import httpx

PAUSE_READING_AT = 1 << 18  # bytes unread: past this the socket is not read until the body is consumed
READ_BYTES = 64 * 1024  # a read asks for at most this (as httpcore's)
MAX_INCOMPLETE_EVENT = 100 * 1024  # the longest status line and headers h11 may wait for (as httpcore's)
# httpx's defaults (httpx's DEFAULT_LIMITS), as the pool this one replaces had them
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
HAPPY_EYEBALLS_DELAY = 0.25  # seconds before trying the next address (anyio's, RFC 8305's recommendation)


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


class Socket:
    """One TCP (or TLS) connection: reads and writes with a timeout each, httpcore's errors."""

    __slots__ = ("_transport", "_connection")

    def __init__(self, transport: asyncio.Transport, connection: _Connection) -> None:
        self._transport = transport
        self._connection = connection

    @classmethod
    async def connect(cls, host: str, port: int, timeout: float | None) -> Socket:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, connection = await loop.create_connection(
                    _Connection, host, port, happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"connecting to {host}:{port} timed out after {timeout:g} s") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return cls(transport, connection)

    async def start_tls(self, tls: ssl.SSLContext, server_hostname: str, timeout: float | None) -> Socket:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(self._transport, self._connection, tls,
                                                 server_hostname=server_hostname)
        except TimeoutError:
            self.close()
            raise httpcore.ConnectTimeout(f"the TLS handshake timed out after {timeout:g} s") from None
        except OSError as exc:  # ssl.SSLError (a certificate refused) is an OSError
            self.close()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        assert transport is not None  # start_tls answers a transport or raises
        return Socket(transport, self._connection)

    async def read(self, timeout: float | None) -> bytes:
        """What arrived (at most READ_BYTES), waiting for it if need be; b"" once the peer closed."""
        conn = self._connection
        if not conn.buffer and not conn.eof:
            conn.reader = waiter = asyncio.get_running_loop().create_future()
            await _wait(waiter, timeout, httpcore.ReadTimeout, "reading")
        if conn.buffer:
            data = bytes(conn.buffer[:READ_BYTES])
            del conn.buffer[:READ_BYTES]
            if conn.paused and len(conn.buffer) <= PAUSE_READING_AT // 4:
                conn.paused = False
                self._transport.resume_reading()
            return data
        if conn.error is not None:  # reset, not closed
            raise httpcore.ReadError(str(conn.error) or type(conn.error).__name__)
        return b""

    async def write(self, data: bytes, timeout: float | None) -> None:
        conn = self._connection
        if conn.error is not None or self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(data)
        if conn.drained is not None:  # the send buffer is full: wait for it to empty
            await _wait(conn.drained, timeout, httpcore.WriteTimeout, "writing")
            if conn.error is not None:
                raise httpcore.WriteError(str(conn.error) or type(conn.error).__name__)

    @property
    def closed_by_peer(self) -> bool:
        """Whether anything arrived on an idle connection: the server closed it (or misbehaves)."""
        return bool(self._connection.buffer) or self._connection.eof

    def get_extra_info(self, info: str) -> Any:
        """httpcore's network stream extras, for whoever reads the answer's `network_stream`."""
        if info == "is_readable":
            return self.closed_by_peer
        names = {"ssl_object": "ssl_object", "client_addr": "sockname", "server_addr": "peername", "socket": "socket"}
        return self._transport.get_extra_info(names[info]) if info in names else None

    def close(self) -> None:
        self._transport.close()


class _HttpConnection:
    """One keep-alive HTTP/1.1 connection: h11's state over a Socket."""

    __slots__ = ("origin", "socket", "h11", "idle_until")

    def __init__(self, origin: tuple[bytes, bytes, int], socket: Socket) -> None:
        self.origin = origin
        self.socket = socket
        self.h11 = h11.Connection(our_role=h11.CLIENT, max_incomplete_event_size=MAX_INCOMPLETE_EVENT)
        self.idle_until = 0.0

    async def send(self, request: httpcore.Request, timeout: float | None) -> None:
        """The request, its body and its end, in one write."""
        try:
            data = self.h11.send(h11.Request(method=request.method, target=request.url.target,
                                             headers=request.headers)) or b""
            async for chunk in request.stream:  # type: ignore[union-attr]  # httpx gives an async stream
                data += self.h11.send(h11.Data(data=chunk)) or b""
            data += self.h11.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError as exc:
            raise httpcore.LocalProtocolError(exc) from exc
        # As httpcore: a server may close early and still have answered (a 413, say); the
        # answer is read, and without one the read says what happened.
        with contextlib.suppress(httpcore.WriteError):
            await self.socket.write(data, timeout)

    async def next_event(self, timeout: float | None) -> Any:
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpcore.RemoteProtocolError(exc) from exc
            if event is not h11.NEED_DATA:
                return event
            data = await self.socket.read(timeout)
            if data == b"" and self.h11.their_state == h11.SEND_RESPONSE:
                raise httpcore.RemoteProtocolError("Server disconnected without sending a response.")
            self.h11.receive_data(data)

    @property
    def reusable(self) -> bool:
        return self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE


class _Body:
    """An answer's body, read from its connection; closing it gives the connection back."""

    def __init__(self, pool: Pool, connection: _HttpConnection, timeout: float | None) -> None:
        self._pool = pool
        self._connection: _HttpConnection | None = connection
        self._timeout = timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self._connection
        if connection is None:
            raise httpcore.ReadError("the answer was closed")
        while True:
            event = await connection.next_event(self._timeout)
            if type(event) is h11.Data:
                yield bytes(event.data)
            elif type(event) is h11.EndOfMessage or event is h11.PAUSED:
                return

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            self._pool.release(connection)


class Pool:
    """Keep-alive connections by origin, with httpcore's pool contract (see the module's docstring)."""

    def __init__(self, tls: ssl.SSLContext, limits: httpx.Limits) -> None:
        self._tls = tls
        self._max_idle = limits.max_keepalive_connections  # None: no limit
        self._keepalive = limits.keepalive_expiry
        self._slots = asyncio.Semaphore(limits.max_connections) if limits.max_connections else None
        self._idle: dict[tuple[bytes, bytes, int], list[_HttpConnection]] = {}
        self._idle_count = 0
        self._open: set[_HttpConnection] = set()

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        url = request.url
        if url.scheme == b"":
            raise httpcore.UnsupportedProtocol("Request URL is missing an 'http://' or 'https://' protocol.")
        if url.scheme not in (b"http", b"https"):
            raise httpcore.UnsupportedProtocol(f"Request URL has an unsupported protocol '{url.scheme.decode()}://'.")
        timeouts = request.extensions.get("timeout", {})
        await self._slot(timeouts.get("pool"))
        connection: _HttpConnection | None = None
        try:
            connection = self._idle_connection(url.origin) or await self._connect(request, timeouts.get("connect"))
            await connection.send(request, timeouts.get("write"))
            read = timeouts.get("read")
            event = await connection.next_event(read)
            while type(event) is h11.InformationalResponse:  # a 100 Continue: the answer follows
                event = await connection.next_event(read)
        except BaseException:
            if connection is not None:
                self._discard(connection)
            if self._slots is not None:
                self._slots.release()
            raise
        return httpcore.Response(status=event.status_code, headers=event.headers.raw_items(),
                                 content=_Body(self, connection, read),
                                 extensions={"http_version": b"HTTP/" + event.http_version,
                                             "reason_phrase": event.reason, "network_stream": connection.socket})

    async def _slot(self, timeout: float | None) -> None:
        if self._slots is None or not self._slots.locked():
            if self._slots is not None:
                await self._slots.acquire()
            return
        try:
            async with asyncio.timeout(timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise httpcore.PoolTimeout(f"no connection was free within {timeout:g} s") from None

    def _idle_connection(self, origin: httpcore.Origin) -> _HttpConnection | None:
        idle = self._idle.get((origin.scheme, origin.host, origin.port))
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if connection.socket.closed_by_peer or now > connection.idle_until:
                self._discard(connection)
                continue
            return connection
        return None

    async def _connect(self, request: httpcore.Request, timeout: float | None) -> _HttpConnection:
        origin = request.url.origin
        host = origin.host.decode("ascii")
        socket = await Socket.connect(host, origin.port, timeout)
        if origin.scheme == b"https":
            sni = request.extensions.get("sni_hostname")
            try:
                socket = await socket.start_tls(self._tls, sni or host, timeout)
            except BaseException:  # cancelled during the handshake too: the socket is no one's
                socket.close()
                raise
        connection = _HttpConnection((origin.scheme, origin.host, origin.port), socket)
        self._open.add(connection)
        return connection

    def release(self, connection: _HttpConnection) -> None:
        """An answer was closed: its connection is idle again when it can be reused, else closed."""
        if self._slots is not None:
            self._slots.release()
        full = self._max_idle is not None and self._idle_count >= self._max_idle
        if full or not connection.reusable or connection.socket.closed_by_peer:
            self._discard(connection)
            return
        connection.h11.start_next_cycle()
        connection.idle_until = time.monotonic() + (self._keepalive if self._keepalive is not None else float("inf"))
        self._idle.setdefault(connection.origin, []).append(connection)
        self._idle_count += 1

    def _discard(self, connection: _HttpConnection) -> None:
        self._open.discard(connection)
        connection.socket.close()

    async def aclose(self) -> None:
        for connection in list(self._open):
            self._discard(connection)
        self._idle.clear()
        self._idle_count = 0

    async def __aenter__(self) -> Pool:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()


class HttpTransport(httpx.AsyncHTTPTransport):
    """httpx's HTTP transport (its request and answer mapping, its error kinds) over `Pool`."""

    def __init__(self, tls: ssl.SSLContext) -> None:
        super().__init__(verify=tls, retries=0)
        # httpx builds httpcore's pool and has no parameter for another: it is replaced here.
        self._pool = Pool(tls, LIMITS)  # type: ignore[assignment]  # httpcore's pool contract
