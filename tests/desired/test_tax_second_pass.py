"""Tax numbers and rules as the authorities issue them (issue 19, points 8-13): real numbers from
python-stdnum's corpora, the U.S. tax interview's dates, normalisation, and the rule texts."""

from __future__ import annotations

from datetime import date

import pytest

from reconciler.desired.tax_numbers import normalise, tax_number_doubt, tax_number_problem
from reconciler.domain import catalogue
from reconciler.domain.model import TaxRegistration
from tests.desired.pair_verdict import blocks, warns
from tests.desired.stdnum_corpus import MX_RFC_SAT_CONFIRMED, MX_RFC_VALID
from tests.engine.plan_builders import submission as built

TODAY = date(2026, 12, 1)



def submission(taxes: tuple[TaxRegistration, ...] = (), **kwargs):
    """A submission with only the tax registrations a test names."""
    return built(taxes=taxes, **kwargs)


def codes(sub, market: str, today: date = TODAY) -> list[str]:
    return [r.code for r in blocks(sub, market, today)]


def warned(sub, market: str, today: date = TODAY) -> list[str]:
    return [r.code for r in warns(sub, market, today)]


# -- 8. MX_RFC ---------------------------------------------------------------------------

def test_every_rfc_sat_confirmed_passes_and_a_failing_check_digit_is_only_a_doubt() -> None:
    assert len(MX_RFC_SAT_CONFIRMED) == 100
    blocked = [n for n in MX_RFC_SAT_CONFIRMED if tax_number_problem("MX_RFC", None, n)]
    assert blocked == []  # 97 of them were blocked before
    doubted = [n for n in MX_RFC_SAT_CONFIRMED if tax_number_doubt("MX_RFC", None, n)]
    assert len(doubted) >= 97
    assert "SAT's ConsultaRFC" in tax_number_doubt("MX_RFC", None, doubted[0])
    for number in MX_RFC_VALID:
        assert (tax_number_problem("MX_RFC", None, number), tax_number_doubt("MX_RFC", None, number)) == (None, None)


def test_an_rfc_doubt_is_a_warning_on_the_pair_never_a_block() -> None:
    sub = submission(taxes=(TaxRegistration("MX_RFC", None, "SIN9311169P8"),
                            TaxRegistration("US_W8BENE", completed_on=date(2025, 1, 1))))
    assert codes(sub, "MX") == []
    assert warned(sub, "MX") == ["TAX_NUMBER_UNVERIFIED"]


def test_a_ten_character_rfc_without_its_homoclave_is_refused() -> None:
    problem = tax_number_problem("MX_RFC", None, "GODE561231")
    assert problem and "without its 3-character homoclave is not a complete RFC" in problem
    assert tax_number_problem("MX_RFC", None, "AKJ970902") is not None  # a company's, short


# -- 9. IN_GST ---------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["38AAACZ1234F1ZI", "97AAACZ1234F1ZE", "99AAACZ1234F1ZA"])
def test_gstin_state_codes_stdnum_does_not_know_are_accepted_and_still_checked(number: str) -> None:
    assert tax_number_problem("IN_GST", None, number) is None
    typo = number[:-1] + ("A" if number[-1] != "A" else "B")
    assert tax_number_problem("IN_GST", None, typo) == "the check digit does not match"
    assert tax_number_problem("IN_GST", None, number[:2] + "AAACZ1234F0ZA") is not None  # entity digit 0
    assert tax_number_problem("IN_GST", None, "40AAACZ1234F1ZL") is not None  # no such state


# -- 10. the U.S. tax interview ----------------------------------------------------------

def w8(on: date) -> TaxRegistration:
    return TaxRegistration("US_W8BENE", completed_on=on)


@pytest.mark.parametrize("market", ["US", "CA"])
def test_a_w8bene_from_2019_or_dated_in_the_future_blocks(market: str) -> None:
    (old,) = blocks(submission(taxes=(w8(date(2019, 5, 1)),)), market, TODAY)
    assert old.code == "TAX_INTERVIEW_INVALID" and "expired 1431 days ago" in old.message
    (future,) = blocks(submission(taxes=(w8(date(2027, 1, 5)),)), market, TODAY)
    assert future.code == "TAX_INTERVIEW_INVALID" and "dated 35 days in the future" in future.message


def test_a_w8bene_is_valid_through_the_last_day_of_the_third_year_after_signing() -> None:
    signed = w8(date(2023, 1, 2))  # valid through 2026-12-31
    assert codes(submission(taxes=(signed,)), "US", date(2026, 12, 31)) == []
    assert codes(submission(taxes=(signed,)), "US", date(2027, 1, 1)) == ["TAX_INTERVIEW_INVALID"]
    # within the ID window (180 days): a warning, not a block
    assert warned(submission(taxes=(signed,)), "US") == ["TAX_INTERVIEW_EXPIRES_SOON"]
    assert warned(submission(taxes=(w8(date(2025, 3, 1)),)), "US") == []


def test_a_us_business_takes_a_w9_which_does_not_expire() -> None:
    us = dict(country="US", number="0000000")
    assert codes(submission(**us), "US") == ["MISSING_TAX_REGISTRATION"]
    assert codes(submission(taxes=(TaxRegistration("US_W9", completed_on=date(2012, 1, 1)),), **us), "US") == []
    future = TaxRegistration("US_W9", completed_on=date(2027, 1, 1))
    assert codes(submission(taxes=(future,), **us), "US") == ["TAX_INTERVIEW_INVALID"]


def test_amazon_ca_asks_for_the_interview_and_mx_warns_of_it() -> None:
    assert "MISSING_TAX_REGISTRATION" in codes(submission(), "CA")
    assert codes(submission(), "MX") == []
    assert any("U.S. tax interview" in r.message for r in warns(submission(), "MX", TODAY))


# -- 11. normalisation -------------------------------------------------------------------

def test_full_width_and_zero_width_characters_are_normalised_before_any_check() -> None:
    assert normalise("Ｔ７１２３４５６７８９０１２") == "T7123456789012"
    assert tax_number_problem("JP_JCT", None, "Ｔ７１２３４５６７８９０１２") is None
    assert tax_number_problem("EU_VAT", "DE", "DE123\u200b456\u200d788\ufeff") is None
    assert tax_number_problem("UK_VAT", None, "ＧＢ１２３４５６７８２") is None


def test_a_south_african_vat_number_may_carry_its_za_prefix() -> None:
    assert tax_number_problem("ZA_VAT", None, "ZA4123456784") is None
    assert tax_number_problem("ZA_VAT", None, "ZA 412 345 6784") is None
    assert tax_number_problem("ZA_VAT", None, "ZA5123456784") is not None


# -- 12. JP_JCT --------------------------------------------------------------------------

def test_a_t_number_failing_the_corporate_check_digit_is_a_doubt_not_a_block() -> None:
    sole = "T7123456789013"  # could be a sole proprietor's: the NTA publishes no check digit for those
    assert tax_number_problem("JP_JCT", None, sole) is None
    assert "sole proprietor" in tax_number_doubt("JP_JCT", None, sole)
    sub = submission(taxes=(TaxRegistration("JP_JCT", None, sole),), country="JP")
    assert codes(sub, "JP") == [] and warned(sub, "JP") == ["TAX_NUMBER_UNVERIFIED"]
    assert tax_number_problem("JP_JCT", None, "T712345678901") is not None  # 12 digits: the form blocks


# -- 13. rule texts ----------------------------------------------------------------------

def depends_on(code: str) -> str:
    return catalogue.by_code(code).tax.depends_on


def test_the_gulf_rows_name_the_non_resident_rule() -> None:
    assert "non-resident" in depends_on("AE") and "Art. 13(2)" in depends_on("AE")
    assert "non-resident" in depends_on("SA") and "Implementing Regulations, Art. 5" in depends_on("SA")


def test_the_uk_row_has_no_gbp_135_registration_clause_and_no_threshold_is_for_non_established_sellers() -> None:
    uk = depends_on("UK")
    assert "consignments over GBP 135" not in uk and "the customer usually pays the import VAT" in uk
    assert "no threshold for a seller not established in the UK" in uk
    assert "no threshold for a seller not established in Germany" in depends_on("DE")


def test_turkey_depends_for_a_business_registered_elsewhere_and_egypt_depends() -> None:
    assert codes(submission(), "TR") == [] and warned(submission(), "TR") == ["TAX_REGISTRATION_MAY_BE_REQUIRED"]
    assert "Cross-Border Fulfillment" in depends_on("TR")
    turkish = submission(country="TR", number="0000000")
    assert codes(turkish, "TR") == ["MISSING_TAX_REGISTRATION"]
    assert catalogue.by_code("EG").tax.rule is catalogue.TaxRule.DEPENDS and "no published source" in depends_on("EG")


def test_xi_is_decided_once_a_uk_vat_number() -> None:
    assert tax_number_problem("UK_VAT", None, "XI123456782") is None
    assert tax_number_problem("EU_VAT", "XI", "XI123456782") == (
        "XI is not an EU member state: for the UK (GB or XI numbers), use scheme UK_VAT")
