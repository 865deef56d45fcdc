"""The network transport's connections: an idle connection the server keeps is used again, one
the server closed is not (a new one is opened, and the call does not fail), over real sockets."""

from __future__ import annotations

import asyncio
import socket

import httpx

from reconciler.client.transport import NetworkTransport, readable

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


def test_a_socket_is_readable_once_its_peer_wrote_or_hung_up_and_not_while_idle():
    ours, theirs = socket.socketpair()
    try:
        assert not readable(ours)  # idle and open: fit to be used again
        theirs.send(b"x")
        assert readable(ours)
        ours.recv(1)
        theirs.close()
        assert readable(ours)  # the end of the stream is there to read
    finally:
        ours.close()
    assert readable(ours)  # closed here: never used again
    assert readable(None)


def calls_over(keep_open: bool) -> tuple[list[int], int]:
    """Two calls one after the other through NetworkTransport to a server that keeps the
    connection open after its answer or closes it; the statuses and the connections it accepted."""
    accepted: list[int] = []

    async def go() -> list[int]:
        hung_up = asyncio.Event()

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted.append(1)
            while True:
                try:
                    await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:  # the client hung up
                    return
                writer.write(ANSWER)
                await writer.drain()
                if not keep_open:
                    writer.close()
                    await writer.wait_closed()
                    hung_up.set()
                    return

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        statuses = []
        async with httpx.AsyncClient(transport=NetworkTransport(httpx.create_ssl_context())) as client:
            for _ in range(2):
                statuses.append((await client.get(f"http://127.0.0.1:{port}/x")).status_code)
                if not keep_open:
                    await hung_up.wait()  # the server's end is closed before the next call
                    hung_up.clear()
        server.close()
        return statuses

    return asyncio.run(go()), len(accepted)


def test_an_idle_connection_the_server_keeps_is_used_again():
    assert calls_over(keep_open=True) == ([200, 200], 1)


def test_a_connection_the_server_closed_while_idle_is_not_used_again_and_no_call_fails():
    assert calls_over(keep_open=False) == ([200, 200], 2)
