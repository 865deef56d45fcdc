"""Preflight rules: what the marketplace would reject, predicted offline, with exact messages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from reconciler.desired import preflight
from reconciler.domain import catalogue
from reconciler.domain.model import (
    BusinessRegistration,
    Document,
    DocumentRef,
    IdDocument,
    LegalRepresentative,
    Submission,
    TaxRegistration,
)

TODAY = date(2026, 11, 27)


def submission(country: str = "CN", expires: date = date(2030, 1, 1), taxes=(), docs=()) -> Submission:
    return Submission(
        legal_entity_name="Acme",
        business_registration=BusinessRegistration(country, "914403001", DocumentRef("d.pdf", "0" * 64)),
        legal_representative=LegalRepresentative("Li Wei", IdDocument("passport", expires)),
        tax_registrations=tuple(taxes), documents=tuple(docs))


def codes(sub: Submission, market: str, min_days: int = 180) -> list[str]:
    return [r.code for r in preflight.check(sub, catalogue.by_code(market), TODAY, min_days)]


@pytest.mark.parametrize("days_left, blocked", [(-1, True), (0, True), (179, True), (180, False), (400, False)])
def test_id_document_validity_boundary(days_left: int, blocked: bool) -> None:
    sub = submission(expires=date.fromordinal(TODAY.toordinal() + days_left))
    assert (codes(sub, "MX") == ["ID_EXPIRES_TOO_SOON"]) is blocked


def test_id_document_minimum_is_a_setting() -> None:
    sub = submission(expires=date(2027, 1, 27))  # 61 days away
    assert codes(sub, "MX", min_days=180) == ["ID_EXPIRES_TOO_SOON"]
    assert codes(sub, "MX", min_days=30) == []


def test_id_message_names_the_days_left_and_the_minimum() -> None:
    (reason,) = preflight.check(submission(expires=date(2027, 2, 1)), catalogue.by_code("MX"), TODAY)
    assert reason.message == ("the legal representative's ID document expires in 66 days; "
                              "it must be valid for at least 180 days")


@pytest.mark.parametrize("market, taxes, missing", [
    ("DE", [], True),
    ("DE", [TaxRegistration("EU_VAT", "FR", "FR1")], True),        # VAT of another country
    ("DE", [TaxRegistration("EU_VAT", "DE", "DE1")], False),
    ("FR", [TaxRegistration("EU_VAT", "DE", "DE1")], True),
    ("UK", [], True),
    ("UK", [TaxRegistration("UK_VAT", None, "GB1")], False),
    ("CA", [TaxRegistration("EU_VAT", "DE", "DE1")], True),
    ("CA", [TaxRegistration("CA_GST_HST", None, "1RT")], False),
    ("US", [], True),
    ("US", [TaxRegistration("US_W8BENE", completed_on=date(2025, 1, 1))], False),
    ("MX", [], False),
    ("AU", [], False),
])
def test_required_tax_scheme_per_marketplace(market: str, taxes: list, missing: bool) -> None:
    assert ("MISSING_TAX_REGISTRATION" in codes(submission(taxes=taxes), market)) is missing


def test_us_business_needs_no_w8bene() -> None:
    assert codes(submission(country="US"), "US") == []


def test_tax_message_names_scheme_and_country() -> None:
    (reason,) = preflight.check(submission(), catalogue.by_code("DE"), TODAY)
    assert reason.message == "DE requires tax registration EU_VAT with country DE"


JA = Document("translation", "t.pdf", "0" * 64, "businessRegistration", "ja")


@pytest.mark.parametrize("country, docs, required", [
    ("CN", [], True),
    ("CN", [replace(JA, language="zh")], True),
    ("CN", [replace(JA, of="idDocument")], True),
    ("CN", [JA], False),
    ("JP", [], False),
])
def test_japanese_translation(country: str, docs: list, required: bool) -> None:
    assert ("TRANSLATION_REQUIRED" in codes(submission(country=country, docs=docs), "JP")) is required


def test_every_failing_rule_is_reported_in_a_stable_order() -> None:
    sub = submission(expires=date(2026, 12, 1))
    assert codes(sub, "UK") == ["ID_EXPIRES_TOO_SOON", "MISSING_TAX_REGISTRATION"]
    assert codes(sub, "JP") == ["ID_EXPIRES_TOO_SOON", "TRANSLATION_REQUIRED"]
