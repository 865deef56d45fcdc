"""The sandbox's own calls under /_sandbox: seed sellers, move the clock, inject faults,
inspect and reset. Production has none of them; they answer loopback clients only."""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..desired.schema import seller_id_rule
from ..domain import catalogue
from ..domain.live import APPROVED, REJECTED
from ..domain.model import Reason
from .clock import iso
from .context import Sandbox
from .faults import faults_from_api
from .http import ApiFailure, is_loopback, json_body, json_response
from .records import Channel, SellerRecord

REASON_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")
MAX_ADVANCE_SECONDS = 100 * 365 * 86400

AdminMethod = Callable[["Admin", Request], Awaitable[Response]]


_SELLER_KEYS = ("sellerId", "legalEntityName", "refreshToken", "participations", "relatedAccount",
                "regions", "refreshTokens", "storeName", "suspendedListings", "otherChannels", "business",
                "replace")


def _codes(raw: dict, key: str) -> tuple[str, ...]:
    codes = raw.get(key, [])
    if not isinstance(codes, list):
        raise ApiFailure.invalid(key, "must be a list of marketplace codes")
    for i, code in enumerate(codes):
        if code not in catalogue.BY_CODE:
            raise ApiFailure.invalid(f"{key}[{i}]", f"unknown marketplace code {code!r}")
    return tuple(sorted(set(codes), key=catalogue.order))


def _string(raw: dict, key: str, field: str | None = None) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise ApiFailure.invalid(field or key, "must be a string")
    return value


def seller_from_api(raw: Any) -> SellerRecord:  # noqa: C901  one check per field of the admin body; issue18 reworks seller add
    """The body of `POST /_sandbox/sellers`: `refreshToken` acts in `regions` (default all
    three; without one the sandbox makes one); `refreshTokens` gives a region its own token
    (one authorization per region)."""
    if not isinstance(raw, dict):
        raise ApiFailure.invalid("body", "must be an object")
    for key in raw:
        if key not in _SELLER_KEYS:
            raise ApiFailure.invalid(key, "unknown field")
    raw = dict(raw)
    if "refreshToken" not in raw and "refreshTokens" not in raw:
        raw["refreshToken"] = "sandbox-refresh-" + secrets.token_urlsafe(24)
    required = ("sellerId", "legalEntityName") + (() if "refreshTokens" in raw else ("refreshToken",))
    for key in required:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ApiFailure.invalid(key, "is required (a non-empty string)")
    pattern, words = seller_id_rule()  # the entity schema's rule: no seller desired could not name
    if not pattern.match(raw["sellerId"]):
        raise ApiFailure.invalid("sellerId", words)
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
                        regions_from_api(raw),
                        tuple((r, tokens[r]) for r in catalogue.REGIONS if r in tokens),
                        _string(raw, "storeName"), _codes(raw, "suspendedListings"), tuple(channels),
                        _string(business, "country", "business.country"),
                        _string(business, "number", "business.number"),
                        _string(business, "nonLatinName", "business.nonLatinName"))


def regions_from_api(raw: Any) -> tuple[str, ...]:
    """`regions` of `POST /_sandbox/sellers`: where the seller authorized the application
    (default: every region)."""
    regions = raw.get("regions", list(catalogue.REGIONS)) if isinstance(raw, dict) else []
    if not isinstance(regions, list) or not regions:
        raise ApiFailure.invalid("regions", f"must be a non-empty list of {', '.join(catalogue.REGIONS)}")
    for i, region in enumerate(regions):
        if region not in catalogue.REGIONS:
            raise ApiFailure.invalid(f"regions[{i}]",
                                     f"unknown region {region!r} (known: {', '.join(catalogue.REGIONS)})")
    return tuple(r for r in catalogue.REGIONS if r in regions)


def decision_from_api(raw: Any) -> tuple[str, tuple[Reason, ...]]:
    """The body of `POST /_sandbox/registrations/{id}/decision`:
    `{"status": "APPROVED"}` or `{"status": "REJECTED", "reasons": [{"code", "message"?}]}`."""
    if not isinstance(raw, dict):
        raise ApiFailure.invalid("body", "must be an object")
    status = raw.get("status")
    if status not in (APPROVED, REJECTED):
        raise ApiFailure.invalid("status", "must be APPROVED or REJECTED")
    reasons_raw = raw.get("reasons", [])
    if not isinstance(reasons_raw, list) or (status == REJECTED and not reasons_raw):
        raise ApiFailure.invalid("reasons", "a rejection needs a list of reasons [{code, message}]")
    reasons = []
    for i, r in enumerate(reasons_raw):
        if not isinstance(r, dict) or not isinstance(r.get("code"), str) or not REASON_CODE.match(r["code"]):
            raise ApiFailure.invalid(f"reasons[{i}].code", "must be an upper-case code like LEGAL_NAME_MISMATCH")
        message = r.get("message", "decided by hand in the sandbox")
        if not isinstance(message, str):
            raise ApiFailure.invalid(f"reasons[{i}].message", "must be a string")
        reasons.append(Reason(r["code"], message))
    return status, tuple(reasons)


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
        body = await json_body(request)
        seller = seller_from_api(body)
        replace = body.get("replace", False)
        if not isinstance(replace, bool):
            raise ApiFailure.invalid("replace", "must be true or false")
        exists = self.sb.store.seller(seller.seller_id) is not None
        if exists and not replace:
            raise ApiFailure(409, f"seller {seller.seller_id} exists already; add it with replace: true "
                                  "(acorn sandbox seller add --replace) to replace it and its refresh tokens")
        self.sb.store.put_seller(seller)
        # The refresh tokens are answered once, here, to whoever added the seller (a loopback
        # client); never by /_sandbox/state. Each acts in the regions it lists only.
        tokens = [{"regions": list(seller.regions), "refreshToken": seller.refresh_token}] \
            if seller.refresh_token else []
        tokens += [{"regions": [region], "refreshToken": token} for region, token in seller.region_tokens]
        return json_response(seller.to_api() | {"replaced": exists, "refreshTokens": tokens})

    @loopback_only
    async def now(self, request: Request) -> Response:
        return json_response({"now": iso(self.sb.now())})

    @loopback_only
    async def decide(self, request: Request) -> Response:
        status, reasons = decision_from_api(await json_body(request))
        registration_id = request.path_params["registration_id"]
        now = self.sb.now()
        found, decided = self.sb.store.decide_now(registration_id, status, reasons, now)
        if found is None:
            raise ApiFailure(404, f"no registration {registration_id}")
        if not decided:  # approving an approved one is refused as rejecting it is: a decision stands
            raise ApiFailure(409, f"registration {registration_id} is {found.status} already; only a "
                                  "registration under review (SUBMITTED or IN_REVIEW) can be decided")
        return json_response(found.to_api())

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
