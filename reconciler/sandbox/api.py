"""The production operations: ACORN-i's three and the Sellers API's participations.

Each call goes through the same gate, in this order: injected latency, injected 5xx,
the region (`x-acorn-region`: the sandbox answers as that region's host), injected 429, the
access token (403), the region and seller it acts for (403), the token bucket of (seller,
application, region, operation) (429, which takes nothing and changes nothing); then the
operation itself.

403s and 429s are SP-API's: a 403 always says "Access to requested resource is denied.",
and its details tell an access token that is revoked, malformed, invalid or expired (SP-API
publishes no separate "expired" text) from a seller that has not authorized the application
in this region (empty details) and from an application whose LWA client secret has expired
(the `expiredClientSecret` fault); getAccount is served on EU's host only, as SP-API offers it
(a 403 elsewhere); a 429 is QuotaExceeded with neither Retry-After nor a rate
header (the fault option `retryAfterOn429` brings Retry-After back).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from ..domain import catalogue
from ..domain.contract import (
    ACCESS_DENIED,
    ACCESS_TOKEN_HEADER,
    ACCOUNT_REGIONS,
    CREATE_REGISTRATION,
    GET_ACCOUNT,
    GET_PARTICIPATIONS,
    GET_REGISTRATION,
    LIST_REGISTRATIONS,
    LWA_SECRET_EXPIRED_DETAILS,
    MISSING_AUTHENTICATION_TOKEN,
    QUOTA_EXCEEDED_MESSAGE,
    RATE_LIMIT_HEADER,
    RATE_LIMITED_STATUSES,
    REGION_HEADER,
    RETRY_AFTER_HEADER,
    TOKEN_INVALID_DETAILS,
    RegistrationStatus,
)
from . import paging, review
from .context import Sandbox
from .http import ApiFailure, json_body, json_response
from .records import RegistrationRecord, SellerRecord
from .store import Conflict, new_registration_id
from .wire import account_to_api, channel_to_api, create_request_from_api, participation_to_api

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 20, 50

Handler = Callable[[Request, str], Awaitable[Response]]


class DropConnection(Exception):
    """Raised after a commit chosen by dropAfterCommitRate; the app drops the connection."""


def token_hash(access_token: str) -> str:
    # Only hashes are stored: the state file never holds a usable token.
    return hashlib.sha256(access_token.encode()).hexdigest()


def conflict_details(conflicts: tuple[Conflict, ...]) -> str:
    """Machine-readable 409 details: `ExistingRegistration marketplaceId=… registrationId=…
    status=…` or `Participating marketplaceId=…`, joined by "; "."""
    parts = []
    for c in conflicts:
        if c.registration_id:
            parts.append(f"ExistingRegistration marketplaceId={c.marketplace_id} "
                         f"registrationId={c.registration_id} status={c.status}")
        else:
            parts.append(f"Participating marketplaceId={c.marketplace_id}")
    return "; ".join(parts)


def _conflict_message(conflicts: tuple[Conflict, ...]) -> str:
    named = [f"{catalogue.BY_ID[c.marketplace_id].code} "
             + (f"(registration {c.registration_id} is {c.status})" if c.registration_id else "(participating)")
             for c in conflicts]
    return "the seller already has " + ", ".join(named) + "; nothing was created"


def _csv(request: Request, name: str) -> list[str]:
    """A list query parameter, comma-separated and/or repeated."""
    return [v for raw in request.query_params.getlist(name) for v in raw.split(",") if v]


async def _hold(request: Request, seconds: float) -> None:
    """Waits `seconds` before answering, or less if the client goes away meanwhile."""
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await request.is_disconnected():
            return
        await asyncio.sleep(0.02)


Operation = Callable[["Api", Request, str], Awaitable[Response]]


def gated(operation: str) -> Callable[[Operation], Callable[["Api", Request], Awaitable[Response]]]:
    """An API operation behind the gate (`Api._gate`): the method takes the request and the
    seller the access token acts for; the route calls it with the request alone."""
    def wrap(method: Operation) -> Callable[["Api", Request], Awaitable[Response]]:
        @functools.wraps(method)
        async def call(self: "Api", request: Request) -> Response:
            return await self._gate(request, operation, functools.partial(method, self))
        return call
    return wrap


class Api:
    def __init__(self, sandbox: "Sandbox") -> None:
        self.sb = sandbox

    async def _gate(self, request: Request, operation: str, handler: Handler) -> Response:  # noqa: C901  faults, throttling and the rate limiter in the order SP-API applies them
        sb = self.sb
        step = sb.faults.step(operation)
        try:
            faults = sb.faults.faults
            latency_ms = faults.latency_ms + (step.latency_ms if step else 0)
            if latency_ms:
                await asyncio.sleep(latency_ms / 1000)
            if step and step.status:
                headers = {RETRY_AFTER_HEADER: f"{step.retry_after:g}"} if step.retry_after is not None else {}
                if step.code or step.message:  # a hostile server's own words
                    raise ApiFailure(step.status, step.message or "scripted failure", headers=headers, code=step.code)
                if step.status == 403:  # as SP-API words an expired or revoked access token
                    raise ApiFailure(403, ACCESS_DENIED, TOKEN_INVALID_DETAILS, headers=headers)
                if step.status == 429:
                    raise ApiFailure(429, QUOTA_EXCEEDED_MESSAGE, "", headers=headers)
                raise ApiFailure(step.status, "scripted failure (sandbox faults: script)", headers=headers)
            status = sb.faults.server_error()
            if status is not None:
                raise ApiFailure(status, "injected failure (sandbox faults)", headers={RETRY_AFTER_HEADER: "1"})
            region = request.headers.get(REGION_HEADER, "")
            if region not in catalogue.REGIONS:
                raise ApiFailure.invalid(REGION_HEADER, "name the region this call is for "
                                         f"({', '.join(catalogue.REGIONS)}), as the host does on SP-API")
            if sb.faults.throttled():
                raise self._throttled(1)
            seller_id, application = self._authorize(request, region)
            path_seller = request.path_params.get("sellerId")
            if path_seller is not None and path_seller != seller_id:
                raise ApiFailure(403, ACCESS_DENIED, "")
            request.state.region = region
            rate = sb.faults.rate(operation) * sb.limiter.scale
            wait = sb.limiter.acquire(seller_id, f"{application}@{region}", operation, sb.now(), rate)
            if wait:
                raise self._throttled(wait)
            response = await handler(request, seller_id)
        except ApiFailure as failure:
            sb.faults.echo(failure, request.headers.get(ACCESS_TOKEN_HEADER))
            response = failure.response()
        if step and step.hold_ms:
            await _hold(request, step.hold_ms / 1000)
        if step and step.drop:
            raise DropConnection()
        if response.status_code in RATE_LIMITED_STATUSES:
            response.headers[RATE_LIMIT_HEADER] = str(sb.faults.rate(operation) * sb.limiter.scale)
        return response

    def _throttled(self, wait: int) -> ApiFailure:
        """SP-API's 429: QuotaExceeded, no Retry-After (unless the fault option asks), no rate header."""
        headers = {RETRY_AFTER_HEADER: str(wait)} if self.sb.faults.faults.retry_after_on_429 else {}
        return ApiFailure(429, QUOTA_EXCEEDED_MESSAGE, "", headers=headers)

    def _authorize(self, request: Request, region: str) -> tuple[str, str]:
        token = request.headers.get(ACCESS_TOKEN_HEADER)
        if not token:
            raise ApiFailure(403, ACCESS_DENIED, code=MISSING_AUTHENTICATION_TOKEN)
        found = self.sb.store.access_token(token_hash(token))
        if found is None:
            raise ApiFailure(403, ACCESS_DENIED, TOKEN_INVALID_DETAILS)
        seller_id, application, expires_at, regions = found
        if self.sb.now() >= expires_at:
            # SP-API publishes no separate text for an expired token: this one is what it sends.
            raise ApiFailure(403, ACCESS_DENIED, TOKEN_INVALID_DETAILS)
        if region not in regions:  # the seller has not authorized the application in this region
            raise ApiFailure(403, ACCESS_DENIED, "")
        if self.sb.faults.faults.expired_client_secret:  # the application's, whatever the seller
            raise ApiFailure(403, ACCESS_DENIED, LWA_SECRET_EXPIRED_DETAILS)
        return seller_id, application

    # -- operations ------------------------------------------------------------------

    @gated(CREATE_REGISTRATION)
    async def create_registration(self, request: Request, seller_id: str) -> Response:
        raw = await json_body(request)
        create = create_request_from_api(raw)
        region = request.state.region
        elsewhere = [m for m in create.marketplace_ids if catalogue.BY_ID[m].region != region]
        if elsewhere:
            raise ApiFailure.invalid("marketplaceIds", f"{', '.join(elsewhere)} are not in {region}, the region "
                                     "of this host: send them to their own region's host")
        body = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        now = self.sb.now()
        review_seconds = self.sb.review_seconds
        new = [RegistrationRecord(0, new_registration_id(), seller_id, mid, create.submission.legal_entity_name,
                                  create.client_token, create.submission_digest, now, review_seconds,
                                  pending_reasons=review.preflight_reasons(create.submission, mid,
                                                                           now + review_seconds))
               for mid in create.marketplace_ids]
        outcome = self.sb.store.create(seller_id, create.client_token, hashlib.sha256(body.encode()).hexdigest(),
                                       new, now)
        if outcome.kind == "mismatch":
            raise ApiFailure(409, "clientToken was already used with a different body", "IdempotencyMismatch")
        if outcome.kind == "conflict":
            raise ApiFailure(409, _conflict_message(outcome.conflicts), conflict_details(outcome.conflicts))
        if outcome.kind == "created" and self.sb.faults.drop_after_commit():
            raise DropConnection()
        return json_response({"registrations": [r.to_api() for r in outcome.registrations]}, 202)

    @gated(LIST_REGISTRATIONS)
    async def list_registrations(self, request: Request, seller_id: str) -> Response:
        marketplace_ids = _csv(request, "marketplaceIds")
        for mid in marketplace_ids:
            if mid not in catalogue.BY_ID:
                raise ApiFailure.invalid("marketplaceIds", f"unknown marketplaceId {mid!r}")
        statuses = _csv(request, "status")
        for status in statuses:
            if status not in RegistrationStatus.__members__:
                raise ApiFailure.invalid("status", f"unknown status {status!r}; "
                                                   f"one of {', '.join(RegistrationStatus)}")
        raw_size = request.query_params.get("pageSize", str(DEFAULT_PAGE_SIZE))
        if not re.fullmatch(r"[0-9]{1,4}", raw_size) or not 1 <= int(raw_size) <= MAX_PAGE_SIZE:  # not "²"
            raise ApiFailure.invalid("pageSize", f"must be a whole number from 1 to {MAX_PAGE_SIZE}")
        here = frozenset(m.marketplace_id for m in catalogue.MARKETPLACES if m.region == request.state.region)
        if marketplace_ids:  # this host lists its own region's registrations only
            marketplace_ids = [m for m in marketplace_ids if m in here] or ["-"]
        now = self.sb.now()
        secret = self.sb.store.token_secret
        token = request.query_params.get("nextToken")
        after = paging.decode(secret, token, seller_id, marketplace_ids, statuses, now) if token else 0
        page, more = self.sb.store.list_registrations(
            seller_id, now, after_seq=after, limit=int(raw_size),
            marketplace_ids=frozenset(marketplace_ids) or here, statuses=frozenset(statuses) or None)
        body: dict = {"registrations": [r.to_api() for r in page]}
        if more:
            body["pagination"] = {"nextToken": paging.encode(secret, seller_id, marketplace_ids, statuses,
                                                             page[-1].seq, now)}
        return json_response(body)

    @gated(GET_REGISTRATION)
    async def get_registration(self, request: Request, seller_id: str) -> Response:
        registration_id = request.path_params["registrationId"]
        found = self.sb.store.registration(registration_id, self.sb.now())
        if found is None or catalogue.BY_ID[found.marketplace_id].region != request.state.region:
            raise ApiFailure(404, f"no registration {registration_id}")
        if found.seller_id != seller_id:
            raise ApiFailure(403, ACCESS_DENIED, "")
        return json_response(found.to_api())

    @gated(GET_PARTICIPATIONS)
    async def participations(self, request: Request, seller_id: str) -> Response:
        return json_response({"payload": self._participations(self.sb.store.seller(seller_id), request.state.region)})

    @staticmethod
    def _participations(seller: SellerRecord | None, region: str) -> list[dict]:
        """The seller's stores this region's host lists: catalogue marketplaces, then other channels."""
        if seller is None:
            return []
        out = [participation_to_api(code, seller.store_name, code in seller.suspended)
               for code in seller.participations if catalogue.by_code(code).region == region]
        return out + [channel_to_api(c, seller.store_name) for c in seller.channels if c.region == region]

    @gated(GET_ACCOUNT)
    async def account(self, request: Request, seller_id: str) -> Response:
        if request.state.region not in ACCOUNT_REGIONS:
            # SP-API offers getAccount in the EU only; what its other hosts answer is not published.
            # An operation a host does not serve is a 403 on SP-API ("403 can be caused for reasons
            # like ... Resource Not Found", sellers.json), worded as every SP-API 403 is.
            raise ApiFailure(403, ACCESS_DENIED, "")
        seller = self.sb.store.seller(seller_id)
        if seller is None:
            raise ApiFailure(404, f"no seller account {seller_id}")
        return json_response(account_to_api(seller, self._participations(seller, request.state.region)))
