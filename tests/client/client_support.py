"""Helpers of the client tests: an entity builder, a fake clock whose sleep advances it,
and the served sandbox's admin calls (its start-up is tests/served_sandbox.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx

from reconciler.model import (BusinessRegistration, Document, DocumentRef, Entity, IdDocument,
                              LegalRepresentative, SecretRef, Submission, TaxRegistration)

REPO = Path(__file__).resolve().parents[2]
BASE = "http://acorn.test"
CLIENT_SECRET = "lwa-client-secret-value"


def make_entity(name: str = "acme-sz", seller_id: str = "A3EXAMPLEACME01",
                marketplaces: tuple[str, ...] = ("US", "DE", "JP"), env_name: str | None = None) -> Entity:
    submission = Submission(
        legal_entity_name="Shenzhen Acme Trading Co., Ltd.",
        business_registration=BusinessRegistration("CN", "91440300MA5EXAMPLE", DocumentRef("docs/l.pdf", "a" * 64)),
        legal_representative=LegalRepresentative("Li Wei", IdDocument("passport", date(2029, 6, 30))),
        tax_registrations=(TaxRegistration("US_W8BENE", completed_on=date(2025, 3, 1)),
                           TaxRegistration("EU_VAT", "DE", "DE123456789")),
        documents=(Document("translation", "docs/ja.pdf", "b" * 64, of="businessRegistration", language="ja"),),
    )
    env_name = env_name or f"ACORN_{name.upper().replace('-', '_')}_REFRESH_TOKEN"
    return Entity(name, seller_id, SecretRef("env", env_name), submission, marketplaces)


class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Admin:
    """The sandbox's /_sandbox calls, synchronously."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10)

    def _ok(self, response: httpx.Response) -> dict:
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._ok(self.http.post("/_sandbox/reset"))

    def seller(self, seller_id: str, refresh_token: str, name: str = "Shenzhen Acme Trading Co., Ltd.",
               participations: tuple[str, ...] = ()) -> None:
        self._ok(self.http.post("/_sandbox/sellers", json={
            "sellerId": seller_id, "legalEntityName": name, "refreshToken": refresh_token,
            "participations": list(participations)}))

    def advance(self, seconds: float) -> None:
        self._ok(self.http.post("/_sandbox/clock", json={"advanceSeconds": seconds}))

    def faults(self, **faults: float) -> None:
        self._ok(self.http.put("/_sandbox/faults", json=faults))

    def state(self) -> dict:
        return self._ok(self.http.get("/_sandbox/state"))
