"""The sandbox's own calls under /_sandbox: seed sellers, move the clock, inject faults,
inspect and reset. Production has none of them; they answer loopback clients only."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..domain import catalogue
from .clock import iso
from .context import Sandbox
from .faults import faults_from_api
from .http import ApiFailure, is_loopback, json_body, json_response
from .records import SellerRecord

SELLER_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
MAX_ADVANCE_SECONDS = 100 * 365 * 86400

AdminMethod = Callable[["Admin", Request], Awaitable[Response]]


def seller_from_api(raw: Any) -> SellerRecord:
    """The body of `POST /_sandbox/sellers`."""
    if not isinstance(raw, dict):
        raise ApiFailure.invalid("body", "must be an object")
    allowed = ("sellerId", "legalEntityName", "refreshToken", "participations", "relatedAccount")
    for key in raw:
        if key not in allowed:
            raise ApiFailure.invalid(key, "unknown field")
    for key in allowed[:3]:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ApiFailure.invalid(key, "is required (a non-empty string)")
    if not SELLER_ID.match(raw["sellerId"]):
        raise ApiFailure.invalid("sellerId", "must be 1-64 letters and digits")
    codes = raw.get("participations", [])
    if not isinstance(codes, list):
        raise ApiFailure.invalid("participations", "must be a list of marketplace codes")
    for i, code in enumerate(codes):
        if code not in catalogue.BY_CODE:
            raise ApiFailure.invalid(f"participations[{i}]", f"unknown marketplace code {code!r}")
    related = raw.get("relatedAccount", False)
    if not isinstance(related, bool):
        raise ApiFailure.invalid("relatedAccount", "must be true or false")
    ordered = tuple(sorted(set(codes), key=catalogue.order))
    return SellerRecord(raw["sellerId"], raw["legalEntityName"], raw["refreshToken"], ordered, related)


def loopback_only(method: AdminMethod) -> AdminMethod:
    """An admin call: answered for loopback clients only (403 otherwise); an ApiFailure it
    raises becomes its response."""
    @functools.wraps(method)
    async def call(self: "Admin", request: Request) -> Response:
        try:
            host = request.client.host if request.client else None
            if not is_loopback(host):
                raise ApiFailure(403, "sandbox admin calls are accepted from loopback clients only")
            return await method(self, request)
        except ApiFailure as failure:
            return failure.response()
    return call


class Admin:
    def __init__(self, sandbox: "Sandbox") -> None:
        self.sb = sandbox

    @loopback_only
    async def put_seller(self, request: Request) -> Response:
        seller = seller_from_api(await json_body(request))
        self.sb.store.put_seller(seller)
        return json_response(seller.to_api())

    @loopback_only
    async def clock(self, request: Request) -> Response:
        body = await json_body(request)
        seconds = body.get("advanceSeconds") if isinstance(body, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
                or not 0 <= seconds <= MAX_ADVANCE_SECONDS:
            raise ApiFailure.invalid("advanceSeconds", "must be a number of seconds >= 0 "
                                     "(the sandbox clock only moves on)")
        self.sb.advance(float(seconds))
        return json_response({"now": iso(self.sb.now())})

    @loopback_only
    async def faults(self, request: Request) -> Response:
        faults = faults_from_api(await json_body(request))
        self.sb.faults.set(faults)
        return json_response(faults.to_api())

    @loopback_only
    async def state(self, request: Request) -> Response:
        now = self.sb.now()
        return json_response({"now": iso(now),
                              "sellers": [s.to_api() for s in self.sb.store.sellers()],
                              "registrations": [r.to_api() for r in self.sb.store.all_registrations(now)],
                              "faults": self.sb.faults.faults.to_api()})

    @loopback_only
    async def reset(self, request: Request) -> Response:
        self.sb.reset()
        return json_response({"now": iso(self.sb.now())})
