"""What this machine allows apply's calls: the same calls in the same order from a bare client.

bench/apply.py compares acorn apply with a bound made of round trips, each measured as a bare
client's sequential call. Under load a round trip is longer than that (the sandbox serves many
at once; the two reads of a seller end when the slower does), and no client can do better than
the machine. This module makes apply's calls from a client with next to no work of its own:
HTTP/1.1 over asyncio streams, connections kept alive, no retries, no audit, no masking.
Per seller, as acorn does: its LWA exchange started a gate's width ahead, then both reads at
once, then getAccount; once every seller is read, the creates; `concurrency` sellers at a time.
The bodies are acorn's own (client/wire.py), so the sandbox does the same work for each.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from reconciler.client.wire import submission_to_api
from reconciler.desired.loader import load_desired
from reconciler.domain import catalogue
from reconciler.domain.contract import (
    ACCESS_TOKEN_HEADER,
    ACCOUNT_PATH,
    LWA_TOKEN_PATH,
    PARTICIPATIONS_PATH,
    REGION_HEADER,
    SELLER_REGISTRATIONS_PATH,
)
from reconciler.domain.submission import submission_digest


class BareClient:
    """HTTP/1.1 keep-alive over asyncio streams: a request, its answer's status and JSON."""

    def __init__(self, url: str) -> None:
        target = urlsplit(url)
        self.host, self.port = target.hostname or "127.0.0.1", target.port or 80
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.open: list[asyncio.StreamWriter] = []

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, Any]:
        if self.idle:
            reader, writer = self.idle.pop()
        else:
            reader, writer = await asyncio.open_connection(self.host, self.port)
            self.open.append(writer)
        head = {"host": f"{self.host}:{self.port}", "content-length": str(len(body)), **headers}
        writer.write(f"{method} {path} HTTP/1.1\r\n".encode()
                     + "".join(f"{k}: {v}\r\n" for k, v in head.items()).encode() + b"\r\n" + body)
        lines = (await reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")
        fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        data = await reader.readexactly(int(fields.get("content-length", "0")))
        self.idle.append((reader, writer))
        return int(lines[0].split()[1]), json.loads(data) if data else None

    def close(self) -> None:
        for writer in self.open:
            writer.close()


def bodies(desired: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    """sellerId -> (region, createRegistration body) for each entity of the tree (one region each)."""
    out = {}
    for e in load_desired(desired).entities:
        ids = [catalogue.BY_CODE[code].marketplace_id for code in e.marketplaces]
        [region] = {catalogue.BY_CODE[code].region for code in e.marketplaces}
        body = submission_to_api(e.submission, ids, uuid.uuid4().hex, submission_digest(e.submission))
        out[e.seller_id] = (region, body)
    return out


async def _run(url: str, creates: dict[str, tuple[str, dict[str, Any]]], tokens: dict[str, str],
               concurrency: int) -> tuple[float, float]:
    client = BareClient(url)
    gate = asyncio.Semaphore(concurrency)
    sellers = list(creates)
    access: dict[int, asyncio.Future[str]] = {}

    def exchange(i: int) -> None:
        async def go() -> str:
            form = urlencode({"grant_type": "refresh_token", "refresh_token": tokens[sellers[i]],
                              "client_id": "bench", "client_secret": "bench-secret"}).encode()
            status, answer = await client.request("POST", LWA_TOKEN_PATH,
                                                  {"content-type": "application/x-www-form-urlencoded"}, form)
            assert status == 200, (status, answer)
            return str(answer["access_token"])
        access[i] = asyncio.ensure_future(go())

    def headers(i: int) -> dict[str, str]:
        return {ACCESS_TOKEN_HEADER: access[i].result(), REGION_HEADER: creates[sellers[i]][0]}

    async def read(i: int) -> None:
        async with gate:
            if i + concurrency < len(sellers):
                exchange(i + concurrency)  # a gate's width ahead, as acorn does
            await access[i]
            path = SELLER_REGISTRATIONS_PATH.format(sellerId=sellers[i])
            answers = list(await asyncio.gather(client.request("GET", PARTICIPATIONS_PATH, headers(i)),
                                                client.request("GET", path + "?pageSize=20", headers(i))))
            answers.append(await client.request("GET", ACCOUNT_PATH, headers(i)))
            assert all(status == 200 for status, _ in answers), answers

    async def create(i: int) -> None:
        async with gate:
            body = json.dumps(creates[sellers[i]][1]).encode()
            status, answer = await client.request("POST", SELLER_REGISTRATIONS_PATH.format(sellerId=sellers[i]),
                                                  {**headers(i), "content-type": "application/json"}, body)
            assert status in (200, 201, 202), (status, answer)

    try:
        for i in range(min(concurrency, len(sellers))):
            exchange(i)
        start = time.perf_counter()
        await asyncio.gather(*(read(i) for i in range(len(sellers))))
        read_done = time.perf_counter()
        await asyncio.gather(*(create(i) for i in range(len(sellers))))
        return read_done - start, time.perf_counter() - read_done
    finally:
        client.close()


def bare_apply(url: str, creates: dict[str, tuple[str, dict[str, Any]]], tokens: dict[str, str],
               concurrency: int) -> tuple[float, float, float]:
    """(read phase s, create phase s, CPU s) of apply's calls for `creates` from the bare client."""
    cpu = time.process_time()
    reads, writes = asyncio.run(_run(url, creates, tokens, concurrency))
    return reads, writes, time.process_time() - cpu
