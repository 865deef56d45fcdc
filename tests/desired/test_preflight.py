"""Preflight rules: what the marketplace would reject, predicted offline, with exact messages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

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
from tests import tax_examples
from tests.desired.pair_verdict import blocks, warns

TODAY = date(2026, 11, 27)



def submission(country: str = "CN", expires: date = date(2030, 1, 1), taxes=(), docs=(),
               number: str = tax_examples.CN_USCC) -> Submission:
    return Submission(
        legal_entity_name="Acme",
        business_registration=BusinessRegistration(country, number, DocumentRef("d.pdf", "0" * 64)),
        legal_representative=LegalRepresentative("Li Wei", IdDocument("passport", expires)),
        tax_registrations=tuple(taxes), documents=tuple(docs))


def codes(sub: Submission, market: str, min_days: int = 180) -> list[str]:
    return [r.code for r in blocks(sub, market, TODAY, min_days)]


@pytest.mark.parametrize("days_left, blocked", [(-1, True), (0, True), (179, True), (180, False), (400, False)])
def test_id_document_validity_boundary(days_left: int, blocked: bool) -> None:
    sub = submission(expires=date.fromordinal(TODAY.toordinal() + days_left))
    assert (codes(sub, "MX") == ["ID_EXPIRES_TOO_SOON"]) is blocked


def test_id_document_minimum_is_a_setting() -> None:
    sub = submission(expires=date(2027, 1, 27))  # 61 days away
    assert codes(sub, "MX", min_days=180) == ["ID_EXPIRES_TOO_SOON"]
    assert codes(sub, "MX", min_days=30) == []


def test_id_message_names_the_days_left_and_the_minimum() -> None:
    (reason,) = blocks(submission(expires=date(2027, 2, 1)), "MX", TODAY)
    assert reason.message == ("the legal representative's ID document expires in 66 days; "
                              "it must be valid for at least 180 days")


JA = Document("translation", "t.pdf", "0" * 64, "businessRegistration", "ja")


def warned(sub: Submission, market: str) -> list[str]:
    return [r.code for r in warns(sub, market, TODAY)]


DE_VAT = TaxRegistration("EU_VAT", "DE", tax_examples.EU_VAT["DE"])
FR_VAT = TaxRegistration("EU_VAT", "FR", tax_examples.EU_VAT["FR"])


@pytest.mark.parametrize("market, taxes, missing", [
    ("US", [], True),
    ("US", [TaxRegistration("US_W8BENE", completed_on=date(2025, 1, 1))], False),
    ("BR", [], True),
    ("BR", [TaxRegistration("BR_CNPJ", None, "12345678000195")], False),
    ("TR", [], False),  # depends for a business registered elsewhere (Cross-Border Fulfillment from the EU)
    ("TR", [TaxRegistration("TR_VKN", None, "1234567890")], False),
    ("CA", [], True),  # the U.S. tax interview: Amazon.ca asks foreign sellers for it too
    ("CA", [TaxRegistration("US_W8BENE", completed_on=date(2025, 1, 1))], False),
    ("MX", [], False),  # no Amazon.com.mx page says so: a warning
    ("IN", [], True),
    ("IN", [TaxRegistration("IN_GST", None, "27AAACZ1234F1ZL")], False),
    ("IN", [DE_VAT], True),
])
def test_a_certain_requirement_blocks_without_its_scheme(market: str, taxes: list, missing: bool) -> None:
    assert ("MISSING_TAX_REGISTRATION" in codes(submission(taxes=taxes), market)) is missing


@pytest.mark.parametrize("market", [m.code for m in catalogue.MARKETPLACES
                                    if m.tax.rule is catalogue.TaxRule.DEPENDS])
def test_a_requirement_that_depends_warns_and_never_blocks(market: str) -> None:
    interview = [TaxRegistration("US_W8BENE", completed_on=date(2025, 1, 1))]  # CA and MX ask for it too
    sub = submission(docs=[JA], taxes=interview)  # JA: JP's translation, so only the tax row is judged
    assert codes(sub, market) == []
    assert warned(sub, market) == ["TAX_REGISTRATION_MAY_BE_REQUIRED"]


@pytest.mark.parametrize("market, taxes, warns", [
    ("DE", [DE_VAT], False),
    ("DE", [FR_VAT], True),        # VAT of another country
    ("FR", [DE_VAT, FR_VAT], False),
    ("UK", [TaxRegistration("UK_VAT", None, tax_examples.UK_VAT)], False),
    ("CA", [TaxRegistration("CA_GST_HST", None, tax_examples.CA_GST_HST)], False),
    ("CA", [DE_VAT], True),
    ("JP", [TaxRegistration("JP_JCT", None, tax_examples.JP_JCT)], False),
    ("EG", [], True),              # no source either way: depends (it was "none")
    ("US", [], False),             # certain: blocks instead (above)
])
def test_a_warning_only_while_the_scheme_is_missing(market: str, taxes: list, warns: bool) -> None:
    assert bool(warned(submission(taxes=taxes), market)) is warns


def test_the_warning_says_on_what_it_depends() -> None:
    (reason,) = warns(submission(), "DE", TODAY)
    assert reason.message == ("DE may require tax registration EU_VAT with country DE: required for goods "
                              "stored in Germany (no threshold for a seller not established in Germany; a "
                              "business established there registers above the national threshold), and for an "
                              "EU business selling over EUR 10,000 a year to consumers in other EU countries "
                              "outside the OSS scheme")


def test_every_marketplace_has_a_row_with_a_scheme_of_the_contract() -> None:
    for m in catalogue.MARKETPLACES:
        assert m.tax.scheme in catalogue.SCHEMES, m.code
        assert bool(m.tax.depends_on) is (m.tax.rule is catalogue.TaxRule.DEPENDS), m.code


def test_us_business_needs_a_w9_not_a_w8bene() -> None:
    # the U.S. tax interview gives a U.S. business a W-9 (Amazon, "U.S. Tax Interview FAQ")
    (reason,) = blocks(submission(country="US", number="0000000"), "US", TODAY)
    assert reason.message == "US requires tax registration US_W9"
    w9 = [TaxRegistration("US_W9", completed_on=date(2024, 5, 1))]
    assert codes(submission(country="US", number="0000000", taxes=w9), "US") == []


def test_tax_message_names_scheme_and_country() -> None:
    (reason,) = blocks(submission(), "BR", TODAY)
    assert reason.message == "BR requires tax registration BR_CNPJ"


@pytest.mark.parametrize("market, tax", [
    ("DE", TaxRegistration("EU_VAT", "DE", "DE123546788")),     # two digits swapped
    ("DE", TaxRegistration("EU_VAT", "DE", "FR11123456782")),   # a French number for DE
    ("BR", TaxRegistration("BR_CNPJ", None, "12345679000195")),
    ("AU", TaxRegistration("AU_GST", None, "18123457789")),     # depends, but an invalid number still blocks
    ("EG", TaxRegistration("EG_TIN", None, "12345678O")),       # nothing required, but what is sent is checked
])
def test_an_invalid_number_of_the_marketplaces_scheme_blocks(market: str, tax: TaxRegistration) -> None:
    (reason,) = blocks(submission(taxes=[tax]), market, TODAY)
    assert reason.code == "TAX_NUMBER_INVALID"
    assert tax.number not in reason.message and tax.number[-4:] in reason.message
    assert warned(submission(taxes=[tax]), market) == []


def test_an_invalid_number_of_another_scheme_blocks_this_marketplace_too() -> None:
    # every create carries every taxRegistrations item, so an invalid one blocks them all (issue 18)
    sub = submission(taxes=[DE_VAT, TaxRegistration("UK_VAT", None, "GB123457782")])
    assert codes(sub, "DE") == ["TAX_NUMBER_INVALID"]
    assert codes(sub, "UK") == ["TAX_NUMBER_INVALID"]
    (reason,) = blocks(sub, "DE", TODAY)
    assert reason.message.startswith("taxRegistrations[1] UK_VAT number ")


def test_the_tax_message_says_what_is_wrong_masked() -> None:
    sub = submission(taxes=[TaxRegistration("EU_VAT", "DE", "DE123546788")])
    (reason,) = blocks(sub, "DE", TODAY)
    assert reason.message == "taxRegistrations[0] EU_VAT (DE) number *******6788: the check digit does not match"


def test_an_invalid_business_registration_number_blocks_every_marketplace() -> None:
    sub = submission(number="91440300MA5EXAMPLE")  # the old demo's code: its check character fails
    for market in ("US", "DE", "MX", "EG"):
        assert "REGISTRATION_NUMBER_INVALID" in codes(sub, market)
    (reason,) = [r for r in blocks(sub, "MX", TODAY)]
    assert reason.message == "businessRegistration number **************MPLE: the check digit does not match"


def test_a_business_registration_number_acorn_cannot_check_passes() -> None:
    assert codes(submission(country="DE", number="HRB 12345"), "MX") == []


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
    assert codes(sub, "US") == ["ID_EXPIRES_TOO_SOON", "MISSING_TAX_REGISTRATION"]
    assert codes(submission(expires=date(2026, 12, 1), number="91440300MA5EXAMPLE"), "BR") == [
        "ID_EXPIRES_TOO_SOON", "REGISTRATION_NUMBER_INVALID", "MISSING_TAX_REGISTRATION"]
    assert codes(sub, "JP") == ["ID_EXPIRES_TOO_SOON", "TRANSLATION_REQUIRED"]
