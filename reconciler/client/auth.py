"""Login with Amazon: refresh tokens exchanged for short-lived access tokens.

`SellerTokens` caches the access token of one refresh token (SP-API issues one per region, or
per Far East account) and exchanges again shortly before it expires: one exchange per
distinct refresh token in a run, however many regions or calls use it.
`LwaAuth` is the httpx auth flow: send the call with `x-amz-access-token`; on a 403 whose
details say the access token expired, was revoked, or is malformed or invalid, exchange once
more and send it once more; any other 403 (the seller has not authorized the app in this
region; the application's LWA client secret has expired) and a second 403 are returned to
the caller (no retry storm). Tokens never leave
these objects except in that header.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator

import httpx

from ..domain.contract import ACCESS_TOKEN_HEADER
from .errormap import json_or_none
from .wire import access_token_rejected

EXPIRY_MARGIN = 60.0  # seconds: exchange again this long before the token expires

# Exchanges a refresh token: returns (access token, seconds until it expires).
Exchange = Callable[[], Awaitable[tuple[str, float]]]


class SellerTokens:
    """The access token of one seller, exchanged when missing, near expiry, or rejected.

    One per distinct refresh token of the run, kept for the whole run (so no token is exchanged
    twice): 100,000 sellers hold 100,000 of these, so one at rest is small. Its lock exists only
    while calls use it (an asyncio.Lock that was waited on keeps a queue of several hundred bytes)."""

    __slots__ = ("_exchange", "_clock", "_margin", "_token", "_expires_at", "_lock", "_users")

    def __init__(self, exchange: Exchange, clock: Callable[[], float], margin: float = EXPIRY_MARGIN) -> None:
        self._exchange = exchange
        self._clock = clock
        self._margin = margin
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock: asyncio.Lock | None = None  # concurrent calls of one seller share one exchange
        self._users = 0  # calls holding or waiting for the lock

    async def _fetch(self) -> str:
        token, expires_in = await self._exchange()
        self._token, self._expires_at = token, self._clock() + expires_in
        return token

    def _take(self) -> asyncio.Lock:
        """The one lock of every call using these tokens now (made for the first of them)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        self._users += 1
        return self._lock

    def _give(self) -> None:
        """A call is done with the lock: the last one lets go of it."""
        self._users -= 1
        if not self._users:
            self._lock = None

    async def current(self) -> str:
        lock = self._take()
        try:
            async with lock:
                if self._token is None or self._clock() >= self._expires_at - self._margin:
                    return await self._fetch()
                return self._token
        finally:
            self._give()

    async def refresh(self, rejected: str) -> str:
        """A new token after `rejected` was refused, unless another call already replaced it."""
        lock = self._take()
        try:
            async with lock:
                if self._token is None or self._token == rejected:
                    return await self._fetch()
                return self._token
        finally:
            self._give()


class LwaAuth(httpx.Auth):
    """The httpx auth flow of one seller in one region (async only: exchanging a token is a call)."""

    def __init__(self, tokens: SellerTokens) -> None:
        self.tokens = tokens

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("LwaAuth works with httpx.AsyncClient only")

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.tokens.current()
        request.headers[ACCESS_TOKEN_HEADER] = token
        response = yield request
        if response.status_code == 403:
            await response.aread()  # its details decide whether a new token can help
        if response.status_code == 403 and access_token_rejected(json_or_none(response)):
            # Expired or revoked: exchange once more and retry once; what answers then stands.
            request.headers[ACCESS_TOKEN_HEADER] = await self.tokens.refresh(token)
            yield request
