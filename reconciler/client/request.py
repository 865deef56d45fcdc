"""The retry engine: rate limit, send, retry; a final error answer is mapped by errormap.py.

    2xx                       the answer
    429                       waited out, as SP-API asks: Retry-After if sent, else the
                              operation's published rate (its bucket drained); no count of
                              tries, only the run's time budget (`throttleBudgetSeconds`)
    500, 502, 503, 504        retried (backoff with full jitter, Retry-After honoured)
    timeout, dropped conn.    retried likewise (createRegistration is idempotent by clientToken)
    throttleBudgetSeconds     one check (Caller._over_budget) before every wait for a quota
    other 3xx, 4xx            final: errormap.error_for maps it (403s, 409s, LWA's errors),
                              never retried; a 403 for an expired or revoked access token was
                              refreshed once by the auth flow
    LWA server_error and temporarily_unavailable  retried
    a URL that cannot be sent EndpointUnusable (the endpoint is wrong for every seller)
    other httpx errors        ApiError naming the error kind

Secrets an answer echoes are not removed here: AcornClient runs every ApiError it raises
through one Redactor (redact.py), which knows every secret of the run.

Failed attempts also feed the run's Breaker, which stops every call after too many in a row.
"""

from __future__ import annotations

import asyncio
import functools
import platform
import re
import sys
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import httpx

from .. import __version__
from ..domain.contract import (
    DATE_HEADER,
    LWA_SERVER_ERROR,
    LWA_TEMPORARILY_UNAVAILABLE,
    RATE_LIMIT_HEADER,
    REGION_HEADER,
    REQUEST_ID_HEADER,
    RETRY_AFTER_HEADER,
)
from ..errors import ApiError, EndpointUnusable
from .errormap import Call, error_for, json_or_none
from .ratelimit import RateLimiter, parse_rate
from .retry import FAILURE_STATUSES, RETRY_STATUSES, Breaker, RetryPolicy, parse_retry_after
from .transport import AUDIT_KEY
from .wire import errors_from_api


def user_agent() -> str:
    """SP-API's form: `AppName/Version (Language=Name/Version; Platform=Name/Version)`."""
    language = "Python/" + ".".join(map(str, sys.version_info[:3]))
    system = f"{platform.system() or 'unknown'}/{platform.release() or 'unknown'}"
    escaped = re.sub(r"([\\);])", r"\\\1", system)  # SP-API's escaping: \), \; and \\ in values
    return f"acorn/{__version__} (Language={language}; Platform={escaped})"


USER_AGENT = user_agent()
_DATE, _REGION = DATE_HEADER.encode(), REGION_HEADER.encode()  # lower case, as headers are compared
LWA_RETRIED = (LWA_SERVER_ERROR, LWA_TEMPORARILY_UNAVAILABLE)

# The concurrency gate the current task holds (read_each's), released while the task only
# waits for a quota to refill: a seller waiting 62.5 s must not keep others from working.
HELD_GATE: ContextVar[asyncio.Semaphore | None] = ContextVar("held_gate", default=None)


def releasing_gate(sleep: Callable[[float], Awaitable[object]]) -> Callable[[float], Awaitable[None]]:
    """`sleep`, but giving the task's concurrency gate back for the time it sleeps."""
    async def pause(seconds: float) -> None:
        gate = HELD_GATE.get()
        if gate is None or seconds <= 0:
            await sleep(seconds)
            return
        gate.release()
        try:
            await sleep(seconds)
        finally:
            await gate.acquire()
    return pause


def amz_date(now: datetime | None = None) -> str:
    """`x-amz-date`: ISO 8601 basic format in UTC, e.g. 20190430T123600Z."""
    return (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")


@functools.lru_cache(maxsize=1024)
def _url(text: str) -> httpx.URL:
    """A URL parsed once: LWA's, participations' and getAccount's are the same for every seller
    (an httpx.URL is immutable; a request copies what it changes)."""
    return httpx.URL(text)


class _Stamp:
    """`x-amz-date` of the current second, worked out once a second (it is on every request)."""

    __slots__ = ("second", "text")

    def __init__(self) -> None:
        self.second, self.text = -1, ""

    def __call__(self) -> str:
        second = int(time.time())
        if second != self.second:
            self.second, self.text = second, amz_date(datetime.fromtimestamp(second, timezone.utc))
        return self.text
@dataclass
class _Attempts:
    """What the attempts of one call have cost so far."""

    waited: float = 0.0  # backoff after failures (5xx, dropped connections)
    failures: int = 0
    throttled_since: float | None = None  # the clock when this call was first throttled
    last: str = ""  # the last failure, for the message


def _said(call: Call, response: httpx.Response, code: str | None) -> str:
    said = f"{response.status_code} {code or response.reason_phrase} on {call.describe()}"
    request_id = response.headers.get(REQUEST_ID_HEADER)
    return said + (f", request id {request_id}" if request_id else "")


class Caller:
    """Sends Calls with retries; shared by every seller of a run (it holds the run's Breaker)."""

    def __init__(self, http: httpx.AsyncClient, limiter: RateLimiter, policy: RetryPolicy,
                 sleep: Callable[[float], Awaitable[object]], rng: Callable[[], float], *,
                 region_header: bool, throttle_budget: float,
                 on_throttle: Callable[[Call, float], None] | None = None) -> None:
        self._http = http
        self.limiter = limiter
        self.policy = policy
        self.breaker = Breaker(policy.max_consecutive_failures)
        self._sleep = sleep
        self._rng = rng
        self._region_header = region_header
        self.throttle_budget = throttle_budget
        self._on_throttle = on_throttle
        self._stamp = _Stamp()
        self._headers: dict[bool, list[tuple[bytes, bytes]]] = {}  # by "names a region": the client's merged

    def _own_headers(self, call: Call, date: str) -> dict[str, str]:
        headers = {"user-agent": USER_AGENT, "accept": "application/json", DATE_HEADER: date}
        if self._region_header and call.region:
            headers[REGION_HEADER] = call.region
        return headers

    def _request(self, call: Call) -> httpx.Request:
        """The request of one attempt, as the client's build_request makes it (its default
        headers merged with ours, in its order, and its timeouts); made directly, without
        parsing the URL twice and merging the client's headers, cookies and parameters
        again for every attempt, when the client has none that could differ per request."""
        date = self._stamp()
        extensions = {AUDIT_KEY: (call.seller_id, call.operation, call.region)}
        http = self._http
        url = _url(call.url)
        if url.is_relative_url or http.cookies or http.params:  # merged with the client's: as it does
            return http.build_request(call.method, url, params=call.params, json=call.json, data=call.form,
                                      headers=self._own_headers(call, date), extensions=extensions)
        regional = bool(self._region_header and call.region)
        template = self._headers.get(regional)
        if template is None:  # the merged headers once, from the client itself; the values ours change are set below
            built = http.build_request("GET", "http://merge.invalid/", headers=self._own_headers(call, date))
            template = self._headers[regional] = [(k, v) for k, v in built.headers.raw if k.lower() != b"host"]
        ours = {_DATE: date.encode(), _REGION: call.region.encode()}
        headers = [(k, ours.get(k.lower(), v)) for k, v in template]
        return httpx.Request(call.method, url, params=call.params, json=call.json, data=call.form,
                             headers=headers, extensions={"timeout": http.timeout.as_dict(), **extensions})

    def _throttle_wait(self, call: Call, response: httpx.Response, retry_after: float | None) -> float:
        """How long to wait after a 429: Retry-After if sent; else the bucket is drained and the
        wait is its refill at the published rate (or a sent rate header's, clamped)."""
        if retry_after is not None:
            return retry_after if retry_after > 0 else self.policy.base
        published = self.limiter.published(call.operation)
        if published is None:
            return self.policy.backoff(1, self._rng) + self.policy.base
        header = parse_rate(response.headers.get(RATE_LIMIT_HEADER))
        if header is not None:
            self.limiter.observe(call.seller_id, call.region, call.operation, response.headers.get(RATE_LIMIT_HEADER))
        self.limiter.throttled(call.seller_id, call.region, call.operation)
        return 0.0  # the drained bucket makes the next acquire wait for the refill

    def _over_budget(self, call: Call, throttled_since: float, wait: float, why: str, last: str) -> ApiError | None:
        """The one throttle-budget check: the error to stop with when waiting `wait` more seconds
        for a quota would take this call past throttleBudgetSeconds (None: wait)."""
        spent = self.limiter.clock() - throttled_since
        if spent + wait <= self.throttle_budget:
            return None
        return ApiError(f"{call.describe()} is still throttled after {spent:.0f} s; the next try would be in "
                        f"{wait:.0f} s ({why}), past throttleBudgetSeconds ({self.throttle_budget:.0f} s); "
                        f"try again later (last: {last})")

    def _wait_for_quota(self, call: Call, throttled_since: float, wait: float, why: str, last: str) -> None:
        """Raises when the wait is past the budget; tells the listener of a wait of a second or more."""
        error = self._over_budget(call, throttled_since, wait, why, last)
        if error is not None:
            raise error
        if wait >= 1.0 and self._on_throttle is not None:
            self._on_throttle(call, wait)

    async def send(self, call: Call, auth: httpx.Auth | None = None) -> Any:
        """The JSON of `call`'s 2xx answer, or the domain error it ends in."""
        state = _Attempts()
        while True:
            self.breaker.check()
            if state.throttled_since is not None:
                expected = self.limiter.estimate(call.seller_id, call.region, call.operation)
                self._wait_for_quota(call, state.throttled_since, expected, "the operation's rate", state.last)
            await self.limiter.acquire(call.seller_id, call.region, call.operation)
            response = await self._attempt(call, auth, state)
            retry_after: float | None = None
            if response is not None:
                coded = response.status_code >= 300 or call.is_lwa  # a 2xx's JSON is read once, by _final
                code = errors_from_api(json_or_none(response))[0] if coded else None
                lwa_retry = call.is_lwa and code in LWA_RETRIED
                if response.status_code not in RETRY_STATUSES and not lwa_retry:
                    self.breaker.success()  # it answered, even if to say no
                    return self._final(call, response)
                state.last = _said(call, response, code)
                retry_after = parse_retry_after(response.headers.get(RETRY_AFTER_HEADER))
                if response.status_code == 429:
                    await self._throttled(call, response, retry_after, state)
                    continue
                if response.status_code in FAILURE_STATUSES or lwa_retry:
                    self.breaker.failure(state.last, response.headers.get(REQUEST_ID_HEADER))
            state.failures += 1
            delay = self.policy.delay(state.failures, self._rng, retry_after)
            if not self.policy.should_retry(state.failures, state.waited, delay):
                raise self._give_up(call, state.failures, state.waited, state.last, retry_after)
            await self._sleep(delay)
            state.waited += delay

    async def _attempt(self, call: Call, auth: httpx.Auth | None, state: _Attempts) -> httpx.Response | None:
        """One attempt's answer, or None when the connection failed (the breaker is told)."""
        try:
            response = await self._http.send(self._request(call), auth=auth)
            await response.aread()
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, OverflowError) as exc:
            # No attempt can succeed: the URL itself is wrong (OverflowError is the socket
            # refusing a port past 65535), for this seller and every other.
            raise EndpointUnusable(f"{call.describe()} cannot be sent to {call.url}: "
                                   f"{type(exc).__name__}: {exc} (check the endpoint)") from None
        except httpx.TransportError as exc:
            state.last = f"{type(exc).__name__} on {call.describe()}"
            self.breaker.failure(state.last)
            return None
        except httpx.HTTPError as exc:  # e.g. a body that does not decode: not worth a retry
            raise ApiError(f"{call.describe()} failed: {type(exc).__name__}: {exc}") from None
        if response.status_code < 300 or response.status_code in (400, 404):
            self.limiter.observe(call.seller_id, call.region, call.operation, response.headers.get(RATE_LIMIT_HEADER))
        return response

    def _final(self, call: Call, response: httpx.Response) -> Any:
        if response.status_code < 300:
            return _body(response)
        raise error_for(call, response)

    async def _throttled(self, call: Call, response: httpx.Response, retry_after: float | None,
                         state: _Attempts) -> None:
        """A 429: wait for the quota (within the budget), then the loop tries again."""
        if state.throttled_since is None:
            state.throttled_since = self.limiter.clock()
        delay = self._throttle_wait(call, response, retry_after)
        if delay > 0:
            self._wait_for_quota(call, state.throttled_since, delay, "the service's Retry-After", state.last)
            await self.limiter.sleep(delay)  # gives the concurrency gate back meanwhile

    def _give_up(self, call: Call, attempt: int, waited: float, last: str, retry_after: float | None) -> ApiError:
        left = max(0.0, self.policy.max_total_wait - waited)
        if retry_after is not None and retry_after > left:
            # The service named its wait and it is longer than this call may still wait.
            return ApiError(f"{call.describe()} is not available now: the service asks to retry in "
                            f"{retry_after:.0f} s, longer than this call may wait ({left:.0f} s); try again later "
                            f"(last: {last})")
        return ApiError(f"{call.describe()} gave up after {attempt} attempts "
                        f"and {waited:.1f} s of waiting (last: {last})")


def _body(response: httpx.Response) -> Any:
    """A successful answer's JSON; an answer that is not JSON is an ApiError."""
    try:
        return response.json()
    except ValueError:
        raise ApiError(f"unexpected answer from {response.request.url.path}: not JSON",
                       request_id=response.headers.get(REQUEST_ID_HEADER)) from None
