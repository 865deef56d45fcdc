"""A small in-memory ACORN-i for httpx.MockTransport: just enough of the contract to test
the client's own behaviour (paging, auth, retries, idempotency) without the sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import httpx

from reconciler.domain import catalogue

PREFIX = "/acorn/2026-01-01"


def registration(n: int, seller: str, marketplace: str, status: str = "IN_REVIEW", **extra) -> dict:
    return {"registrationId": f"R{n:05d}", "sellerId": seller, "marketplaceId": marketplace,
            "status": status, "legalEntityName": "Acme", "clientToken": "t" * 64,
            "submissionDigest": "d" * 64, "reasons": [], "createdAt": "2026-11-26T10:00:00Z",
            "updatedAt": "2026-11-26T10:05:00Z", **extra}


@dataclass
class FakeApi:
    """Sellers by refresh token; faults are scripted per operation as a list of actions."""

    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token -> seller id
    participations: dict[str, list[str]] = field(default_factory=dict)  # seller -> marketplace ids
    registrations: list[dict] = field(default_factory=list)
    script: dict[str, list] = field(default_factory=dict)  # operation -> queued faults
    requests: list[httpx.Request] = field(default_factory=list)
    issued: int = 0
    access: dict[str, str] = field(default_factory=dict)  # access token -> seller
    by_token: dict[str, list[dict]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # added to every answer

    def seller(self, seller_id: str, refresh_token: str, participations=(), registrations=()):
        self.refresh_tokens[refresh_token] = seller_id
        self.participations[seller_id] = list(participations)
        self.registrations.extend(registrations)

    def _fault(self, operation: str, request: httpx.Request) -> httpx.Response | None:
        queue = self.script.get(operation)
        if not queue:
            return None
        action = queue.pop(0)
        if isinstance(action, Exception):
            raise action
        if isinstance(action, Callable):
            return action(request)
        status, headers = action if isinstance(action, tuple) else (action, {})
        code = {429: "QuotaExceeded", 500: "InternalFailure", 503: "ServiceUnavailable",
                403: "Unauthorized"}.get(status, "X")
        error = {"code": code, "message": "scripted"}
        if status == 403:  # SP-API's wording for a revoked, malformed, invalid or expired access token
            error = {"code": code, "message": "Access to requested resource is denied.",
                     "details": "The access token you provided is revoked, malformed or invalid."}
        return httpx.Response(status, headers={"x-amzn-RequestId": f"fault-{status}", **headers},
                              json={"errors": [error]})

    def _error(self, status: int, code: str, message: str, details: str = "") -> httpx.Response:
        return httpx.Response(status, headers={"x-amzn-RequestId": "req-err"},
                              json={"errors": [{"code": code, "message": message, "details": details}]})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/auth/o2/token":
            if (r := self._fault("lwaToken", request)) is not None:
                return r
            form = parse_qs(request.content.decode())
            seller = self.refresh_tokens.get(form["refresh_token"][0])
            if seller is None:
                return httpx.Response(400, json={"error": "invalid_grant", "error_description": "unknown token"})
            self.issued += 1
            token = f"Atza|access-{self.issued}"
            self.access[token] = seller
            return httpx.Response(200, json={"access_token": token, "token_type": "bearer",
                                             "expires_in": 3600, "refresh_token": "Atzr|echo"})
        operation = ("getMarketplaceParticipations" if path.endswith("marketplaceParticipations")
                     else "createRegistration" if request.method == "POST"
                     else "getRegistration" if "/registrations/" in path else "listRegistrations")
        if (r := self._fault(operation, request)) is not None:
            return r
        caller = self.access.get(request.headers.get("x-amz-access-token", ""))
        if caller is None:
            return self._error(403, "Unauthorized", "access token invalid")
        answer = self._answer(operation, caller, request)
        answer.headers.update({"x-amzn-RequestId": f"req-{len(self.requests)}", **self.headers})
        return answer

    def _answer(self, operation: str, caller: str, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        # As SP-API's regional hosts: a region's host answers about that region's marketplaces.
        region = request.headers.get("x-acorn-region")

        def here(marketplace_id: str) -> bool:
            known = catalogue.BY_ID.get(marketplace_id)
            return region is None or known is None or known.region == region

        if operation == "getMarketplaceParticipations":
            return httpx.Response(200, json={"payload": [
                {"marketplace": {"id": m}, "participation": {"isParticipating": True, "hasSuspendedListings": False}}
                for m in self.participations[caller] if here(m)] + [
                {"marketplace": {"id": "A1AM78C64UM0Y8"}, "participation": {"isParticipating": False}}]})
        if operation == "getRegistration":
            rid = path.rsplit("/", 1)[1]
            for r in self.registrations:
                if r["registrationId"] == rid and r["sellerId"] == caller and here(r["marketplaceId"]):
                    return httpx.Response(200, json=r)
            return self._error(404, "NotFound", f"no registration {rid}")
        seller = path.split("/")[-2]
        if seller != caller:
            return self._error(403, "Unauthorized", "another seller")
        if operation == "listRegistrations":
            size = int(request.url.params.get("pageSize", 20))
            start = int(request.url.params.get("nextToken", "0") or 0)
            mine = [r for r in self.registrations if r["sellerId"] == seller and here(r["marketplaceId"])]
            body: dict = {"registrations": mine[start:start + size]}
            if start + size < len(mine):
                body["pagination"] = {"nextToken": str(start + size)}
            return httpx.Response(200, json=body)
        body = json.loads(request.content)
        if body["clientToken"] in self.by_token:
            return httpx.Response(202, json={"registrations": self.by_token[body["clientToken"]]})
        open_ = [r for r in self.registrations if r["sellerId"] == seller
                 and r["marketplaceId"] in body["marketplaceIds"] and r["status"] != "REJECTED"]
        if open_:
            return self._error(409, "Conflict", "the seller already has a registration; nothing was created",
                               "; ".join(f"ExistingRegistration marketplaceId={r['marketplaceId']} "
                                         f"registrationId={r['registrationId']} status={r['status']}" for r in open_))
        created = [registration(len(self.registrations) + i + 1, seller, m, "SUBMITTED",
                                clientToken=body["clientToken"], submissionDigest=body["submissionDigest"])
                   for i, m in enumerate(body["marketplaceIds"])]
        self.registrations.extend(created)
        self.by_token[body["clientToken"]] = created
        return httpx.Response(202, json={"registrations": created})
