"""The one request function: rate limit, send, retry, and map every status to a domain error.

    2xx                       the answer
    429                       waited out, as SP-API asks: Retry-After if sent, else the
                              operation's published rate (its bucket drained); no count of
                              tries, only the run's time budget (`throttleBudgetSeconds`)
    500, 502, 503, 504        retried (backoff with full jitter, Retry-After honoured)
    timeout, dropped conn.    retried likewise (createRegistration is idempotent by clientToken)
    403                       RegionUnauthorized: the seller has not authorized the app in
                              that region (or a role is missing); a 403 for an expired or
                              revoked access token was refreshed once by the auth flow
    409 naming registrations  AlreadyExists
    3xx                       ApiError naming the status: redirects are never followed
    other 4xx                 ApiError with code, message and request id, never retried
    LWA errors                each its own message and scope (lwa_error); server_error and
                              temporarily_unavailable are retried
    a URL that cannot be sent EndpointUnusable (the endpoint is wrong for every seller)
    other httpx errors        ApiError naming the error kind

Secrets an answer echoes are not removed here: AcornClient runs every ApiError it raises
through one Redactor (redact.py), which knows every secret of the run.

Failed attempts also feed the run's Breaker, which stops every call after too many in a row.
"""

from __future__ import annotations

import asyncio
import platform
import re
import sys
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import httpx

from .. import __version__
from ..domain import catalogue
from ..domain.contract import (
    DATE_HEADER,
    LWA_ACCESS_DENIED,
    LWA_INVALID_CLIENT,
    LWA_INVALID_GRANT,
    LWA_INVALID_REQUEST,
    LWA_INVALID_SCOPE,
    LWA_SERVER_ERROR,
    LWA_TEMPORARILY_UNAVAILABLE,
    LWA_UNAUTHORIZED_CLIENT,
    RATE_LIMIT_HEADER,
    REGION_HEADER,
    REQUEST_ID_HEADER,
    RETRY_AFTER_HEADER,
)
from ..errors import (
    AlreadyExists,
    ApiError,
    ApplicationCredentialsError,
    AuthError,
    EndpointUnusable,
    RegionUnauthorized,
)
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
LWA_RETRIED = (LWA_SERVER_ERROR, LWA_TEMPORARILY_UNAVAILABLE)

# The concurrency gate the current task holds (read_all's), released while the task only
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
_MARKETPLACE_ID = re.compile(r"\b[A-Z0-9]{10,16}\b")
_NAMED = re.compile(r"\b(marketplaceId|registrationId)=([^\s;,]+)")


@dataclass(frozen=True)
class Call:
    """One logical call; its attempts share everything here (so a retry sends the same body)."""

    operation: str
    seller_id: str
    method: str
    url: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    form: Mapping[str, str] | None = field(default=None, repr=False)  # LWA: holds secrets
    region: str = ""  # the region whose host (and authorization) the call is for

    @property
    def is_lwa(self) -> bool:
        return self.operation == "lwaToken"

    def describe(self) -> str:
        return f"{self.operation} for seller {self.seller_id}"


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _body(response: httpx.Response) -> Any:
    """A successful answer's JSON; an answer that is not JSON is an ApiError."""
    try:
        return response.json()
    except ValueError:
        raise ApiError(f"unexpected answer from {response.request.url.path}: not JSON",
                       request_id=response.headers.get(REQUEST_ID_HEADER)) from None


def _named_ids(message: str, details: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Marketplace and registration IDs a 409 names: `marketplaceId=…` / `registrationId=…`
    pairs in its details (`ExistingRegistration marketplaceId=A1PA… registrationId=REG-…`),
    else any catalogue marketplace ID its message mentions."""
    pairs = _NAMED.findall(details)
    marketplaces = [v for k, v in pairs if k == "marketplaceId"]
    registrations = [v for k, v in pairs if k == "registrationId"]
    if not marketplaces:
        marketplaces = [m for m in _MARKETPLACE_ID.findall(message) if m in catalogue.BY_ID]
    return tuple(dict.fromkeys(marketplaces)), tuple(dict.fromkeys(registrations))


def error_for(call: Call, response: httpx.Response) -> ApiError:
    """The domain error of a final (non-retried) error answer."""
    body = _json(response)
    code, message, details = errors_from_api(body)
    request_id = response.headers.get(REQUEST_ID_HEADER)
    status = response.status_code
    said = f"{status} {code or response.reason_phrase}" + (f": {message}" if message else "")
    if 300 <= status < 400:
        # Never followed: a redirect would carry the token or the client secret to a host the
        # settings do not name (and https:// could become http://).
        return ApiError(f"{call.describe()} was answered {status} {response.reason_phrase} (a redirect); "
                        "acorn never follows redirects: check the endpoint", status=status, request_id=request_id)
    if call.is_lwa and code is not None and 400 <= status < 500:
        return lwa_error(call, status, code, message, request_id)
    if status == 403:
        region = call.region or "this region"
        detail = f", {details}" if details else ""
        return RegionUnauthorized(
            f"{call.operation} in {region} answered {status} {code or 'Unauthorized'} ({message or 'access denied'}"
            f"{detail}): seller {call.seller_id} has not authorized this application in {region}, or a role it "
            f"needs is missing: authorize the app in {region}'s Seller Central, then add its refresh token "
            f"as credentials.refreshToken.{call.region or 'REGION'}",
            region=call.region, status=status, code=code, request_id=request_id)
    if status == 409 and "IdempotencyMismatch" not in f"{details} {message}":
        marketplaces, registrations = _named_ids(message, details)
        if marketplaces or registrations:
            return AlreadyExists(f"{call.describe()}: {said}", marketplace_ids=marketplaces,
                                 registration_ids=registrations, request_id=request_id)
    suffix = f" ({details})" if details else ""
    return ApiError(f"{call.describe()} failed: {said}{suffix}", status=status, code=code, request_id=request_id)


def lwa_error(call: Call, status: int, code: str, description: str, request_id: str | None) -> ApiError:
    """Each error of Login with Amazon's token endpoint, with its own message and scope:
    the application's credentials stop the run; the others belong to one entity-region."""
    region = call.region or "its region"
    said = f"{status} {code}" + (f": {description}" if description else "")
    if code in (LWA_INVALID_CLIENT, LWA_UNAUTHORIZED_CLIENT):
        return ApplicationCredentialsError(
            f"Login with Amazon refused the application ({said}): the LWA client id or secret is wrong, or "
            "the secret was rotated (every 180 days): update lwa.clientId / lwa.clientSecret; stopping the run",
            status=status, code=code, request_id=request_id)
    why = {
        LWA_INVALID_GRANT: (f"it was revoked or has expired: the seller must authorize the app again in "
                            f"{region}'s Seller Central, then replace the token"),
        LWA_ACCESS_DENIED: (f"the seller denied access: the seller must authorize the app again in "
                            f"{region}'s Seller Central"),
        LWA_INVALID_REQUEST: ("the token request was malformed: check that lwa.endpoint is Login with Amazon "
                              "and that nothing between alters requests"),
        LWA_INVALID_SCOPE: "the scope is not granted to this application: check the app's roles in Seller Central",
    }.get(code, "it was not accepted")
    return AuthError(f"Login with Amazon refused seller {call.seller_id}'s refresh token for {region} ({said}): "
                     f"{why}", status=status, code=code, request_id=request_id)


class Caller:
    """Sends Calls with retries; shared by every seller of a run (it holds the run's Breaker)."""

    def __init__(self, http: httpx.AsyncClient, limiter: RateLimiter, policy: RetryPolicy,
                 sleep: Callable[[float], Awaitable[object]], rng: Callable[[], float], *,
                 region_header: bool = False, throttle_budget: float = 600.0,
                 on_throttle: Callable[[Call, float], None] | None = None) -> None:
        self._http = http
        self._limiter = limiter
        self.policy = policy
        self.breaker = Breaker(policy.max_consecutive_failures)
        self._sleep = sleep
        self._rng = rng
        self._region_header = region_header
        self.throttle_budget = throttle_budget
        self._on_throttle = on_throttle
        self.throttled = 0  # 429s seen in the run

    def _request(self, call: Call) -> httpx.Request:
        headers = {"user-agent": USER_AGENT, "accept": "application/json", DATE_HEADER: amz_date()}
        if self._region_header and call.region:
            headers[REGION_HEADER] = call.region
        return self._http.build_request(
            call.method, call.url, params=call.params, json=call.json, data=call.form, headers=headers,
            extensions={AUDIT_KEY: (call.seller_id, call.operation)})

    def _throttle_wait(self, call: Call, response: httpx.Response, retry_after: float | None) -> float:
        """How long to wait after a 429: Retry-After if sent; else the bucket is drained and the
        wait is its refill at the published rate (or a sent rate header's, clamped)."""
        if retry_after is not None:
            return retry_after if retry_after > 0 else self.policy.base
        published = self._limiter.published(call.operation)
        if published is None:
            return self.policy.backoff(1, self._rng) + self.policy.base
        header = parse_rate(response.headers.get(RATE_LIMIT_HEADER))
        if header is not None:
            self._limiter.observe(call.seller_id, call.region, call.operation, response.headers.get(RATE_LIMIT_HEADER))
        self._limiter.throttled(call.seller_id, call.region, call.operation)
        return 0.0  # the drained bucket makes the next acquire wait for the refill

    async def send(self, call: Call, auth: httpx.Auth | None = None) -> Any:  # noqa: C901  the retry loop; issue19 splits request.py into error mapping and retry engine
        """The JSON of `call`'s 2xx answer, or the domain error it ends in."""
        waited = 0.0  # backoff after failures (5xx, dropped connections)
        failures = 0
        throttled_since: float | None = None  # the clock when this call was first throttled
        last = ""
        while True:
            self.breaker.check()
            if throttled_since is not None:
                expected = self._limiter.estimate(call.seller_id, call.region, call.operation)
                spent = self._limiter.clock() - throttled_since
                if spent + expected > self.throttle_budget:
                    raise ApiError(f"{call.describe()} is still throttled after {spent:.0f} s; the next try "
                                   f"would be in {expected:.0f} s, past throttleBudgetSeconds "
                                   f"({self.throttle_budget:.0f} s); try again later (last: {last})")
                if expected >= 1.0 and self._on_throttle is not None:
                    self._on_throttle(call, expected)
            await self._limiter.acquire(call.seller_id, call.region, call.operation)
            retry_after: float | None = None
            status: int | None = None
            try:
                response = await self._http.send(self._request(call), auth=auth)
                await response.aread()
            except (httpx.InvalidURL, httpx.UnsupportedProtocol, OverflowError) as exc:
                # No attempt can succeed: the URL itself is wrong (OverflowError is the socket
                # refusing a port past 65535), for this seller and every other.
                raise EndpointUnusable(f"{call.describe()} cannot be sent to {call.url}: "
                                       f"{type(exc).__name__}: {exc} (check the endpoint)") from None
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__} on {call.describe()}"
                self.breaker.failure(last)
            except httpx.HTTPError as exc:  # e.g. a body that does not decode: not worth a retry
                raise ApiError(f"{call.describe()} failed: {type(exc).__name__}: {exc}") from None
            else:
                status = response.status_code
                request_id = response.headers.get(REQUEST_ID_HEADER)
                if status < 300 or status in (400, 404):
                    self._limiter.observe(call.seller_id, call.region, call.operation,
                                          response.headers.get(RATE_LIMIT_HEADER))
                code, _, _ = errors_from_api(_json(response))
                lwa_retry = call.is_lwa and code in LWA_RETRIED
                if status not in RETRY_STATUSES and not lwa_retry:
                    self.breaker.success()  # it answered, even if to say no
                    if status < 300:
                        return _body(response)
                    raise error_for(call, response)
                last = f"{status} {code or response.reason_phrase} on {call.describe()}"
                if request_id:
                    last += f", request id {request_id}"
                retry_after = parse_retry_after(response.headers.get(RETRY_AFTER_HEADER))
                if status == 429:
                    self.throttled += 1
                    if throttled_since is None:
                        throttled_since = self._limiter.clock()
                    delay = self._throttle_wait(call, response, retry_after)
                    if delay > 0:
                        spent = self._limiter.clock() - throttled_since
                        if spent + delay > self.throttle_budget:
                            raise self._give_up(call, failures + 1, waited, last, status, retry_after)
                        if delay >= 1.0 and self._on_throttle is not None:
                            self._on_throttle(call, delay)
                        await self._limiter.sleep(delay)  # gives the concurrency gate back meanwhile
                    continue
                if status in FAILURE_STATUSES or lwa_retry:
                    self.breaker.failure(last, request_id)
            failures += 1
            delay = self.policy.delay(failures, self._rng, retry_after)
            if not self.policy.should_retry(failures, waited, delay):
                raise self._give_up(call, failures, waited, last, status, retry_after)
            await self._sleep(delay)
            waited += delay

    def _give_up(self, call: Call, attempt: int, waited: float, last: str, status: int | None,
                 retry_after: float | None) -> ApiError:
        if status == 429:
            return ApiError(f"{call.describe()} is rate limited: the service asks to retry in "
                            f"{retry_after or 0:.0f} s, past throttleBudgetSeconds ({self.throttle_budget:.0f} s); "
                            f"try again later (last: {last})")
        left = max(0.0, self.policy.max_total_wait - waited)
        if retry_after is not None and retry_after > left:
            # The service named its wait and it is longer than this call may still wait.
            return ApiError(f"{call.describe()} is not available now: the service asks to retry in "
                            f"{retry_after:.0f} s, longer than this call may wait ({left:.0f} s); try again later "
                            f"(last: {last})")
        return ApiError(f"{call.describe()} gave up after {attempt} attempts "
                        f"and {waited:.1f} s of waiting (last: {last})")
