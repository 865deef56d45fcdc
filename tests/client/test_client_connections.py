"""The client's connections (client/connections.py) against small HTTP/1.1 servers on 127.0.0.1:
keep-alive, a server closing a connection (idle, with `Connection: close`, or mid-answer), bodies
large and chunked, TLS with the host's certificate, and the error kinds the retries and the audit
log name (ConnectError, ReadTimeout, RemoteProtocolError, PoolTimeout)."""

from __future__ import annotations

import asyncio
import datetime
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from reconciler.client.connections import LIMITS, HttpTransport, Pool

# What a handler does with one request on a connection: write its answer; False closes the connection.
Handler = Callable[[bytes, asyncio.StreamWriter], Awaitable[bool]]


def answer(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    head = [f"HTTP/1.1 {status}", f"content-length: {len(body)}", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class Server:
    """An HTTP/1.1 server on 127.0.0.1 that reads each request (headers and a content-length body)
    and lets `handler` answer it; it counts the connections it accepted."""

    def __init__(self, handler: Handler, tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.tls = tls
        self.connections = 0
        self.requests: list[bytes] = []

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        port = self._server.sockets[0].getsockname()[1]
        return f"{'https' if self.tls else 'http'}://{'localhost' if self.tls else '127.0.0.1'}:{port}"

    async def __aexit__(self, *_: object) -> None:
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                if not await self.handler(request, writer):
                    break
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed the connection
        finally:
            writer.close()


def ok(body: bytes = b'{"ok":true}', *headers: str) -> Handler:
    async def handler(request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer(body, *headers))
        return True
    return handler


def client(tls: ssl.SSLContext | None = None, **kwargs: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=HttpTransport(tls or httpx.create_ssl_context()), **kwargs)  # type: ignore[arg-type]


def run(coro: Awaitable[object]) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_calls_to_one_host_share_one_connection():
    server = Server(ok())

    async def go():
        async with server as url, client() as http:
            return [(await http.get(f"{url}/x/{i}")).json() for i in range(5)]

    assert run(go()) == [{"ok": True}] * 5
    assert server.connections == 1 and len(server.requests) == 5


def test_calls_at_once_each_get_a_connection_and_all_are_answered():
    server = Server(ok())

    async def go():
        async with server as url, client() as http:
            answers = await asyncio.gather(*(http.get(f"{url}/x/{i}") for i in range(12)))
            again = await http.get(f"{url}/again")  # one of the idle connections, not a new one
            return [a.status_code for a in answers], again.status_code

    assert run(go()) == ([200] * 12, 200)
    assert 1 <= server.connections <= 12 and len(server.requests) == 13


def test_a_body_and_its_headers_arrive_as_sent():
    server = Server(ok())

    async def go():
        async with server as url, client() as http:
            return await http.post(f"{url}/registrations", json={"clientToken": "t-1"}, headers={"x-amz-date": "d"})

    assert run(go()).status_code == 200
    (request,) = server.requests
    assert request.startswith(b"POST /registrations HTTP/1.1\r\n")
    assert b"\r\nx-amz-date: d\r\n" in request and request.endswith(b'\r\n\r\n{"clientToken":"t-1"}')


def test_an_idle_connection_the_server_closed_is_not_used_again():
    async def then_close(request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer(b"{}"))  # keep-alive as far as the headers say, then closed
        return False

    server = Server(then_close)

    async def go():
        async with server as url, client() as http:
            first = await http.get(f"{url}/a")
            await asyncio.sleep(0.05)  # the close reaches the client while the connection is idle
            return first.status_code, (await http.get(f"{url}/b")).status_code

    assert run(go()) == (200, 200)
    assert server.connections == 2


def test_an_answer_with_connection_close_is_the_last_on_its_connection():
    server = Server(ok(b"{}", "connection: close"))

    async def go():
        async with server as url, client() as http:
            return [(await http.get(f"{url}/{i}")).status_code for i in range(3)]

    assert run(go()) == [200, 200, 200]
    assert server.connections == 3


def test_large_and_chunked_bodies_are_read_whole():
    big = bytes(range(256)) * 8192  # 2 MiB: reading pauses and resumes on the way

    async def handler(request: bytes, writer: asyncio.StreamWriter) -> bool:
        if b" /chunked " in request:
            writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
            for part in (b'{"a":', b'"b"}'):
                writer.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            writer.write(b"0\r\n\r\n")
        else:
            writer.write(answer(big))
        return True

    server = Server(handler)

    async def go():
        async with server as url, client() as http:
            return (await http.get(f"{url}/big")).content, (await http.get(f"{url}/chunked")).json()

    content, chunked = run(go())
    assert content == big and chunked == {"a": "b"}
    assert server.connections == 1


def test_a_server_that_closes_without_answering_is_a_remote_protocol_error():
    async def hang_up(request: bytes, writer: asyncio.StreamWriter) -> bool:
        return False

    async def go():
        async with Server(hang_up) as url, client() as http:
            await http.get(f"{url}/x")

    with pytest.raises(httpx.RemoteProtocolError, match="Server disconnected without sending a response"):
        run(go())


def test_an_answer_cut_short_is_a_remote_protocol_error():
    async def cut(request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer(b"0123456789")[:-4])
        return False

    async def go():
        async with Server(cut) as url, client() as http:
            await http.get(f"{url}/x")

    with pytest.raises(httpx.RemoteProtocolError):
        run(go())


def test_a_silent_server_is_a_read_timeout_and_its_connection_is_not_reused():
    async def silent_once(request: bytes, writer: asyncio.StreamWriter) -> bool:
        if b" /slow " in request:
            await asyncio.sleep(1.0)
        writer.write(answer(b"{}"))
        return True

    server = Server(silent_once)

    async def go():
        async with server as url, client(timeout=0.2) as http:
            with pytest.raises(httpx.ReadTimeout):
                await http.get(f"{url}/slow")
            return (await http.get(f"{url}/fast")).status_code

    assert run(go()) == 200
    assert server.connections == 2  # the timed-out connection was closed, not given back


def test_no_server_listening_is_a_connect_error():
    async def go():
        async with Server(ok()) as url:
            pass  # closed: nothing listens on the port any more
        async with client() as http:
            await http.get(f"{url}/x")

    with pytest.raises(httpx.ConnectError):
        run(go())


def test_an_unsupported_scheme_is_refused_before_any_socket():
    async def go():
        async with client() as http:
            await http.get("ftp://acorn.test/x")

    with pytest.raises(httpx.UnsupportedProtocol, match="Request URL has an unsupported protocol 'ftp://'"):
        run(go())


def test_past_the_connection_limit_a_call_waits_for_a_free_one_within_the_pool_timeout():
    server = Server(ok())
    transport = HttpTransport(httpx.create_ssl_context())
    transport._pool = Pool(httpx.create_ssl_context(), httpx.Limits(max_connections=1, max_keepalive_connections=1,
                                                                   keepalive_expiry=5.0))

    async def go():
        async with server as url, httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(5, pool=0.1)) as http:
            async with http.stream("GET", f"{url}/held"):  # holds the only connection until closed
                with pytest.raises(httpx.PoolTimeout):
                    await http.get(f"{url}/waiting")
            return (await http.get(f"{url}/after")).status_code

    assert run(go()) == 200
    assert LIMITS.max_connections == 100 and LIMITS.max_keepalive_connections == 20  # httpx's defaults


def certificate(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a self-signed certificate for localhost, and a client context trusting it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "cert.pem").write_bytes(pem)
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return server, httpx.create_ssl_context(verify=ssl.create_default_context(cadata=pem.decode()))


def test_tls_checks_the_hosts_certificate_and_keeps_the_connection(tmp_path):
    server_tls, trusting = certificate(tmp_path)
    server = Server(ok(), tls=server_tls)

    async def go():
        async with server as url:
            async with client(trusting) as http:
                answers = [(await http.get(f"{url}/x")).json() for _ in range(3)]
            async with client() as http:  # the CA store alone does not know this certificate
                with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                    await http.get(f"{url}/x")
            return answers

    assert run(go()) == [{"ok": True}] * 3
    assert len(server.requests) == 3
