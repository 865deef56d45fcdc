"""Helpers of the client tests: an entity builder, a fake clock whose sleep advances it,
and the names the client tests share (the served sandbox, its admin calls and the fake clock
are in tests/served_sandbox.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

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


