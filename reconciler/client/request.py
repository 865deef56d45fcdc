"""The one request function: rate limit, send, retry, and map every status to a domain error.

    2xx                       the answer
    429, 500, 502, 503, 504   retried (backoff with full jitter, Retry-After honoured)
    timeout, dropped conn.    retried likewise (createRegistration is idempotent by clientToken)
    403                       AuthError (the auth flow has already refreshed once)
    409 naming registrations  AlreadyExists
    3xx                       ApiError naming the status: redirects are never followed
    other 4xx                 ApiError with code, message and request id, never retried
    LWA 400 / 401             AuthError (invalid_grant / invalid_client)
    a URL that cannot be sent TransportError (the endpoint is wrong for every seller)
    other httpx errors        ApiError naming the error kind

Secrets an answer echoes are not removed here: AcornClient runs every ApiError it raises
through one Redactor (redact.py), which knows every secret of the run.

Failed attempts also feed the run's Breaker, which stops every call after too many in a row.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from .. import __version__
from ..domain import catalogue
from ..domain.contract import LWA_INVALID_CLIENT, RATE_LIMIT_HEADER, REQUEST_ID_HEADER, RETRY_AFTER_HEADER
from ..errors import AlreadyExists, ApiError, AuthError, TransportError
from .ratelimit import RateLimiter
from .retry import FAILURE_STATUSES, RETRY_STATUSES, Breaker, RetryPolicy, parse_retry_after
from .transport import AUDIT_KEY
from .wire import errors_from_api

USER_AGENT = f"acorn/{__version__} (Language=Python)"
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
    if call.is_lwa and status in (400, 401):
        hint = ("the client id or secret is wrong" if code == LWA_INVALID_CLIENT
                else "the refresh token is not valid for this application")
        return AuthError(f"Login with Amazon refused seller {call.seller_id} ({said}): {hint}",
                         status=status, code=code, request_id=request_id)
    if status == 403:
        return AuthError(f"{call.describe()} was refused after one token refresh ({said}): check that "
                         f"the refresh token of this entity belongs to seller {call.seller_id}",
                         status=status, code=code, request_id=request_id)
    if status == 409:
        if "IdempotencyMismatch" not in f"{details} {message}":
            marketplaces, registrations = _named_ids(message, details)
            if marketplaces or registrations:
                return AlreadyExists(f"{call.describe()}: {said}", marketplace_ids=marketplaces,
                                     registration_ids=registrations, request_id=request_id)
    suffix = f" ({details})" if details else ""
    return ApiError(f"{call.describe()} failed: {said}{suffix}", status=status, code=code, request_id=request_id)


class Caller:
    """Sends Calls with retries; shared by every seller of a run (it holds the run's Breaker)."""

    def __init__(self, http: httpx.AsyncClient, limiter: RateLimiter, policy: RetryPolicy,
                 sleep: Callable[[float], Awaitable[object]], rng: Callable[[], float]) -> None:
        self._http = http
        self._limiter = limiter
        self.policy = policy
        self.breaker = Breaker(policy.max_consecutive_failures)
        self._sleep = sleep
        self._rng = rng

    def _request(self, call: Call) -> httpx.Request:
        return self._http.build_request(
            call.method, call.url, params=call.params, json=call.json, data=call.form,
            headers={"user-agent": USER_AGENT, "accept": "application/json"},
            extensions={AUDIT_KEY: (call.seller_id, call.operation)})

    async def send(self, call: Call, auth: httpx.Auth | None = None) -> Any:
        """The JSON of `call`'s 2xx answer, or the domain error it ends in."""
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            self.breaker.check()
            await self._limiter.acquire(call.seller_id, call.operation)
            retry_after: float | None = None
            status: int | None = None
            try:
                response = await self._http.send(self._request(call), auth=auth)
                await response.aread()
            except (httpx.InvalidURL, httpx.UnsupportedProtocol, OverflowError) as exc:
                # No attempt can succeed: the URL itself is wrong (OverflowError is the socket
                # refusing a port past 65535), for this seller and every other.
                raise TransportError(f"{call.describe()} cannot be sent to {call.url}: "
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
                    self._limiter.observe(call.seller_id, call.operation,
                                          response.headers.get(RATE_LIMIT_HEADER))
                if status not in RETRY_STATUSES:
                    self.breaker.success()  # it answered, even if to say no
                    if status < 300:
                        return _body(response)
                    raise error_for(call, response)
                code, _, _ = errors_from_api(_json(response))
                last = f"{status} {code or response.reason_phrase} on {call.describe()}"
                if request_id:
                    last += f", request id {request_id}"
                if status in FAILURE_STATUSES:
                    self.breaker.failure(last, request_id)
                retry_after = parse_retry_after(response.headers.get(RETRY_AFTER_HEADER))
            delay = self.policy.delay(attempt, self._rng, retry_after)
            if not self.policy.should_retry(attempt, waited, delay):
                raise self._give_up(call, attempt, waited, last, status, retry_after)
            await self._sleep(delay)
            waited += delay

    def _give_up(self, call: Call, attempt: int, waited: float, last: str, status: int | None,
                 retry_after: float | None) -> ApiError:
        left = max(0.0, self.policy.max_total_wait - waited)
        if retry_after is not None and retry_after > left:
            # The service named its wait and it is longer than this call may still wait.
            what = "is rate limited" if status == 429 else "is not available now"
            return ApiError(f"{call.describe()} {what}: ACORN-i asks to retry in {retry_after:.0f} s, longer "
                            f"than this call may wait ({left:.0f} s); try again later (last: {last})")
        return ApiError(f"{call.describe()} gave up after {attempt} attempts "
                        f"and {waited:.1f} s of waiting (last: {last})")
