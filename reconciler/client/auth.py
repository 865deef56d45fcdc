"""Login with Amazon: refresh tokens exchanged for short-lived access tokens.

`SellerTokens` caches the access token of one refresh token (SP-API issues one per region, or
per Far East account) and exchanges again shortly before it expires: one exchange per
distinct refresh token in a run, however many regions or calls use it. A seller about to be
read can have its exchange started early (`prefetch`): its first call then takes that outcome.
`LwaAuth` is the httpx auth flow: send the call with `x-amz-access-token`; on a 403 whose
details say the access token expired, was revoked, or is malformed or invalid, exchange once
more and send it once more; any other 403 (the seller has not authorized the app in this
region; the application's LWA client secret has expired) and a second 403 are returned to
the caller (no retry storm). Tokens never leave
these objects except in that header.
"""

from __future__ import annotations

import asyncio
import contextvars
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
    while calls use it (an asyncio.Lock that was waited on keeps a queue of several hundred bytes).
    An exchange that failed (after its own retries) is not asked again in the run: every later
    call gets its error (a seller's two reads, sent at once, ask LWA once about a refused token,
    whether its exchange was started early or not)."""

    __slots__ = ("_exchange", "_clock", "_margin", "_token", "_expires_at", "_lock", "_users", "_early", "_failed")

    def __init__(self, exchange: Exchange, clock: Callable[[], float], margin: float = EXPIRY_MARGIN) -> None:
        self._exchange = exchange
        self._clock = clock
        self._margin = margin
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock: asyncio.Lock | None = None  # concurrent calls of one seller share one exchange
        self._users = 0  # calls holding or waiting for the lock
        self._early: asyncio.Task[tuple[str, float]] | None = None  # an exchange started by prefetch()
        self._failed: Exception | None = None  # the error of the exchange that failed: the run's answer

    async def _exchanged(self) -> tuple[str, float]:
        """A new access token, and when it expires (on the run's clock)."""
        token, expires_in = await self._exchange()
        return token, self._clock() + expires_in

    async def _fetch(self) -> str:
        if self._failed is not None:  # asked once: LWA's answer stands for the run
            raise self._failed
        early, self._early = self._early, None
        try:
            self._token, self._expires_at = await (early if early is not None else self._exchanged())
        except Exception as exc:
            self._failed = exc
            raise
        return self._token

    def prefetch(self) -> None:
        """Start the exchange now, unless a token is at hand or on its way: the next call takes
        its outcome (the token, or the error) as if it had exchanged itself, so the seller's
        first call does not wait for Login with Amazon and no token is exchanged twice. The
        exchange runs outside the caller's context: it holds no concurrency slot of the caller."""
        if self._token is not None or self._early is not None or self._lock is not None:
            return
        early = self._early = asyncio.get_running_loop().create_task(self._exchanged(),
                                                                     context=contextvars.Context())
        early.add_done_callback(_retrieved)  # a run that stops first leaves its outcome unread

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


def _retrieved(task: asyncio.Task[tuple[str, float]]) -> None:
    if not task.cancelled():
        task.exception()  # read, so asyncio does not log it as lost (the caller still gets it)


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
