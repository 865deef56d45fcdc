"""Helpers of the client tests: every seller's read (`read_all`), an entity builder, a registration body builder, the
transport that records what goes over the wire to the served sandbox, and the seeding of a
seller's history through the sandbox's API (the served sandbox, its admin calls and the fake
clock are in tests/served_sandbox.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import httpx

from reconciler.client import AcornClient
from reconciler.client.wire import submission_to_api
from reconciler.domain import catalogue
from reconciler.domain.contract import LWA_TOKEN_PATH
from reconciler.domain.live import SellerLive
from reconciler.domain.model import (
    BusinessRegistration,
    Document,
    DocumentRef,
    Entity,
    IdDocument,
    LegalRepresentative,
    SecretRef,
    Submission,
    TaxRegistration,
)

REPO = Path(__file__).resolve().parents[2]
BASE = "http://acorn.test"
CLIENT_SECRET = "lwa-client-secret-value"


async def read_all(client: AcornClient, entities: Iterable[Entity], concurrency: int) -> dict[str, SellerLive]:
    """SellerLive per seller id, `concurrency` sellers at a time: the client's reads as a plan
    makes them (read_each), each seller's state kept."""
    entities = list(entities)

    async def kept(_: Entity, live: SellerLive) -> SellerLive:
        return live

    read = await client.read_each(entities, concurrency, kept)
    return {entity.seller_id: live for entity, live in zip(entities, read, strict=True)}


def make_entity(name: str = "acme-sz", seller_id: str = "A3EXAMPLEACME01",
                marketplaces: tuple[str, ...] = ("US", "DE", "JP"), env_name: str | None = None) -> Entity:
    submission = Submission(
        legal_entity_name="Shenzhen Acme Trading Co., Ltd.",
        business_registration=BusinessRegistration("CN", "91440300MA5EXAMPLA", DocumentRef("docs/l.pdf", "a" * 64)),
        legal_representative=LegalRepresentative("Li Wei", IdDocument("passport", date(2029, 6, 30))),
        tax_registrations=(TaxRegistration("US_W8BENE", completed_on=date(2025, 3, 1)),
                           TaxRegistration("EU_VAT", "DE", "DE123456788")),
        documents=(Document("translation", "docs/ja.pdf", "b" * 64, of="businessRegistration", language="ja"),),
    )
    env_name = env_name or f"ACORN_{name.upper().replace('-', '_')}_REFRESH_TOKEN"
    return Entity(name, seller_id, SecretRef("env", env_name), submission, marketplaces)




def registration(n: int, seller: str, marketplace: str, status: str = "IN_REVIEW", **extra) -> dict:
    """A Registration as ACORN-i answers it (docs/acorn-i-api.md), for wire tests."""
    return {"registrationId": f"R{n:05d}", "sellerId": seller, "marketplaceId": marketplace,
            "status": status, "legalEntityName": "Acme", "clientToken": "t" * 64,
            "submissionDigest": "d" * 64, "reasons": [], "createdAt": "2026-11-26T10:00:00Z",
            "updatedAt": "2026-11-26T10:05:00Z", **extra}


def ids(*codes: str) -> list[str]:
    return [catalogue.by_code(c).marketplace_id for c in codes]


EU_TEN = ids("UK", "DE", "FR", "IT", "ES", "NL", "SE", "PL", "BE", "IE")


def seed_rejected_history(sandbox, entity: Entity, refresh_token: str, count: int) -> list[str]:
    """`count` (a multiple of 10) REJECTED registrations of `entity`'s seller, made through the
    sandbox's API as a seller's history is made: ten EU marketplaces at a time under a legal
    name the seller record does not have (LEGAL_NAME_MISMATCH), the review run out on the
    sandbox clock before the next round. Answers their ids in creation order."""
    made: list[str] = []
    for round_ in range(count // 10):
        token = sandbox.access_token(refresh_token)  # each round is past the last token's hour
        submission = replace(entity.submission, legal_entity_name=f"Not the seller's name, round {round_}")
        body = submission_to_api(submission, EU_TEN, f"{round_:064d}", "d" * 64)
        made += [r["registrationId"] for r in sandbox.create(token, entity.seller_id, body)]
        sandbox.advance(400)
    return made


@dataclass(frozen=True)
class Exchange:
    request: httpx.Request
    response: httpx.Response | None  # None: no answer (the error is in the audit log)

    @property
    def path(self) -> str:
        return self.request.url.path

    def json(self):
        return json.loads(self.response.content) if self.response is not None else None

    def form(self) -> dict[str, str]:
        return dict(httpx.QueryParams(self.request.content.decode()))


class Recording(httpx.AsyncBaseTransport):
    """The real HTTP transport to the served sandbox, keeping every request and its answer:
    what went over the wire is what a test asserts on.

    Two hooks stand in for what no server can be asked to do (each test using one says why):
    `before(request)` may raise instead of sending (a refused connection, a bug), and
    `rewrite(request, response)` may replace the sandbox's answer before the client sees it
    (an answer no correct server gives)."""

    def __init__(self, before: Callable[[httpx.Request], None] | None = None,
                 rewrite: Callable[[httpx.Request, httpx.Response], httpx.Response] | None = None) -> None:
        self._inner = httpx.AsyncHTTPTransport(retries=0)
        self._before = before
        self._rewrite = rewrite
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # A copy as sent: the auth flow changes the token header of the request it retries.
        sent = httpx.Request(request.method, request.url, headers=request.headers.copy(), content=request.content)
        try:
            if self._before is not None:
                self._before(request)
            answer = await self._inner.handle_async_request(request)
            raw = b"".join([chunk async for chunk in answer.aiter_raw()])
            await answer.aclose()
        except Exception:
            self.exchanges.append(Exchange(sent, None))
            raise
        response = httpx.Response(answer.status_code, headers=answer.headers, content=raw,
                                  extensions=answer.extensions, request=request)
        self.exchanges.append(Exchange(sent, response))
        return self._rewrite(request, response) if self._rewrite is not None else response

    async def aclose(self) -> None:
        await self._inner.aclose()

    def to(self, path_end: str) -> list[Exchange]:
        """The exchanges whose path ends with `path_end`, in order."""
        return [e for e in self.exchanges if e.path.endswith(path_end)]

    def lwa(self) -> list[Exchange]:
        return [e for e in self.exchanges if e.path == LWA_TOKEN_PATH]

    def seller_of(self, access_token: str) -> str:
        """The refresh token that got `access_token`."""
        for e in self.lwa():
            if e.response is not None and e.json().get("access_token") == access_token:
                return e.form()["refresh_token"]
        raise KeyError("no exchange issued this token")
