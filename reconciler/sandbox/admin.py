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
from .records import Channel, SellerRecord

SELLER_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
MAX_ADVANCE_SECONDS = 100 * 365 * 86400

AdminMethod = Callable[["Admin", Request], Awaitable[Response]]


_SELLER_KEYS = ("sellerId", "legalEntityName", "refreshToken", "participations", "relatedAccount",
                "regions", "refreshTokens", "storeName", "suspendedListings", "otherChannels", "business")


def _codes(raw: dict, key: str) -> tuple[str, ...]:
    codes = raw.get(key, [])
    if not isinstance(codes, list):
        raise ApiFailure.invalid(key, "must be a list of marketplace codes")
    for i, code in enumerate(codes):
        if code not in catalogue.BY_CODE:
            raise ApiFailure.invalid(f"{key}[{i}]", f"unknown marketplace code {code!r}")
    return tuple(sorted(set(codes), key=catalogue.order))


def _regions(raw: Any, key: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or any(r not in catalogue.REGIONS for r in raw):
        raise ApiFailure.invalid(key, f"must be a list of regions ({', '.join(catalogue.REGIONS)})")
    return tuple(r for r in catalogue.REGIONS if r in raw)


def _string(raw: dict, key: str, field: str | None = None) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise ApiFailure.invalid(field or key, "must be a string")
    return value


def seller_from_api(raw: Any) -> SellerRecord:
    """The body of `POST /_sandbox/sellers`: `refreshToken` acts in `regions` (default all
    three); `refreshTokens` gives a region its own token (one authorization per region)."""
    if not isinstance(raw, dict):
        raise ApiFailure.invalid("body", "must be an object")
    for key in raw:
        if key not in _SELLER_KEYS:
            raise ApiFailure.invalid(key, "unknown field")
    required = ("sellerId", "legalEntityName") + (() if "refreshTokens" in raw else ("refreshToken",))
    for key in required:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ApiFailure.invalid(key, "is required (a non-empty string)")
    if not SELLER_ID.match(raw["sellerId"]):
        raise ApiFailure.invalid("sellerId", "must be 1-64 letters and digits")
    related = raw.get("relatedAccount", False)
    if not isinstance(related, bool):
        raise ApiFailure.invalid("relatedAccount", "must be true or false")
    tokens = raw.get("refreshTokens", {})
    if not isinstance(tokens, dict) or any(r not in catalogue.REGIONS or not isinstance(t, str) or not t.strip()
                                           for r, t in tokens.items()):
        raise ApiFailure.invalid("refreshTokens", "must map regions (NA, EU, FE) to non-empty refresh tokens")
    channels = []
    for i, item in enumerate(raw.get("otherChannels", [])):
        field = f"otherChannels[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("marketplaceId"), str) \
                or item.get("region") not in catalogue.REGIONS:
            raise ApiFailure.invalid(field, "must be {marketplaceId, name, region}")
        if item["marketplaceId"] in catalogue.BY_ID:
            raise ApiFailure.invalid(field, "is a catalogue marketplace: list it in participations")
        channels.append(Channel(item["marketplaceId"], _string(item, "name", field), item["region"],
                                _string(item, "countryCode", field), _string(item, "domainName", field)))
    business = raw.get("business", {})
    if not isinstance(business, dict):
        raise ApiFailure.invalid("business", "must be {country, number, nonLatinName}")
    return SellerRecord(raw["sellerId"], raw["legalEntityName"], raw.get("refreshToken") or None,
                        _codes(raw, "participations"), related,
                        _regions(raw.get("regions", list(catalogue.REGIONS)), "regions"),
                        tuple((r, tokens[r]) for r in catalogue.REGIONS if r in tokens),
                        _string(raw, "storeName"), _codes(raw, "suspendedListings"), tuple(channels),
                        _string(business, "country", "business.country"),
                        _string(business, "number", "business.number"),
                        _string(business, "nonLatinName", "business.nonLatinName"))


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
