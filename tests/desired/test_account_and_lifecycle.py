"""Account preflight (getAccount's business data against desired) and the credential
lifecycle (client secret rotation, authorization renewal): pure rules, fixed dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from reconciler.desired import account_check, lifecycle
from reconciler.domain.live import Account
from reconciler.domain.model import Credentials, RegionCredential, SecretRef
from tests.engine.plan_builders import entity, submission

SUB = submission()
ACCOUNT = Account(SUB.legal_entity_name, "", SUB.business_registration.country, SUB.business_registration.number)


@pytest.mark.parametrize("name", ["acme trading co ltd", "ACME  Trading Co., Ltd", "Acme Trading Co. Ltd."])
def test_names_differing_only_in_case_spacing_or_punctuation_match(name):
    assert account_check.compare(replace(SUB, legal_entity_name=name), ACCOUNT) == ()


def test_a_name_matching_the_non_latin_name_matches():
    account = replace(ACCOUNT, legal_name="Sakura Goods K.K.", non_latin_name="さくらグッズ株式会社")
    assert account_check.compare(replace(SUB, legal_entity_name="さくらグッズ株式会社"), account) == ()


def test_each_differing_field_is_its_own_mismatch_with_numbers_masked():
    account = Account("Acme Holdings Ltd", "", "HK", "99999999")
    found = account_check.compare(SUB, account)
    assert [m.code for m in found] == ["LEGAL_NAME_MISMATCH", "REGISTRATION_COUNTRY_MISMATCH",
                                       "REGISTRATION_NUMBER_MISMATCH"]
    number = found[2]
    assert SUB.business_registration.number not in number.desired and "99999999" not in number.account
    assert number.account == "****9999"
    assert found[0].message("EU") == (
        "legalEntityName 'Acme Trading Co., Ltd.' differs from the account's legal name (business.name) "
        "'Acme Holdings Ltd' (getAccount in EU): write it exactly as the account has it, or correct the account; "
        "nothing is submitted until they match")


def test_a_symbol_in_a_name_is_spacing_too():
    assert account_check.compare(replace(SUB, legal_entity_name="Acme+Trading Co. Ltd"), ACCOUNT) == ()
    assert account_check.normal_name("  Acme+Trading,  Co.  ") == "acme trading co"


def test_a_number_compares_in_capitals_without_separators():
    assert account_check.normal_number("gb 123-456/7.8") == "GB12345678"


def test_an_account_field_left_empty_is_not_compared():
    assert account_check.compare(SUB, Account("", "", "", "")) == ()


def test_numbers_compare_without_separators():
    account = replace(ACCOUNT, registration_number=SUB.business_registration.number.replace("", " ").strip())
    assert account_check.compare(SUB, account) == ()


TODAY = date(2026, 12, 1)


@pytest.mark.parametrize("rotated_on, expected", [
    (date(2026, 8, 1), None),  # due 2027-01-28: 58 days left
    (date(2026, 6, 10), (False, "within 7 days")),  # due 2026-12-07
    (date(2026, 5, 1), (True, "was due for rotation")),
])
def test_the_client_secret_warns_30_days_before_its_180_days_and_errs_after(rotated_on, expected):
    found = lifecycle.client_secret(rotated_on, TODAY)
    if expected is None:
        assert found is None
        return
    error, _ = expected
    assert found is not None and found.error is error and found.code == "CLIENT_SECRET_EXPIRED"
    assert ("was due for rotation" in found.message) is error
    assert "lwa.clientSecretRotatedOn" in found.message


def test_an_authorization_warns_30_days_before_its_365_days_and_errs_after():
    creds = Credentials(regions=(("NA", RegionCredential(SecretRef("env", "A"), date(2025, 12, 20))),
                                 ("EU", RegionCredential(SecretRef("env", "B"), date(2025, 11, 1))),
                                 ("FE", RegionCredential(SecretRef("env", "C")))))
    e = replace(entity(marketplaces=("US", "DE", "JP")), credentials=creds)
    found = lifecycle.authorizations(e, TODAY)
    assert [(f.region, f.error) for f in found] == [("NA", False), ("EU", True)]
    assert "renewed within 19 days" in found[0].message and "lapsed 30 days ago" in found[1].message
    assert "credentials.refreshToken.EU.authorizedOn" in found[1].message


def test_one_reference_for_two_regions_is_a_warning_in_production_only() -> None:
    from reconciler.desired import lifecycle
    from reconciler.domain.model import Credentials, RegionCredential, SecretRef

    base = make_entity_for_lifecycle(("US", "DE", "JP"))
    day = date(2026, 12, 1)
    # one reference for every region (the sandbox's demo token): fine in the sandbox, a warning in production
    assert lifecycle.authorizations(base, day, "sandbox") == ()
    (shared,) = lifecycle.authorizations(base, day, "production")
    assert (shared.error, shared.code) == (False, "SHARED_REFRESH_TOKEN")
    assert shared.message.startswith("env:ACORN_T is the refresh token of NA and EU and FE: SP-API issues a "
                                     "separate refresh token per region")
    own = replace(base, credentials=Credentials(regions=tuple(
        (r, RegionCredential(SecretRef("env", f"T_{r}"))) for r in ("NA", "EU", "FE"))))
    assert lifecycle.authorizations(own, day, "production") == ()
    same = replace(base, credentials=Credentials(regions=(
        ("NA", RegionCredential(SecretRef("env", "T"))), ("EU", RegionCredential(SecretRef("env", "T"))),
        ("FE", RegionCredential(SecretRef("env", "T_FE"))))))
    assert [f.message.split(":")[0] for f in lifecycle.authorizations(same, day, "production")] == ["env"]


def make_entity_for_lifecycle(marketplaces):
    from tests.client.client_support import make_entity

    return make_entity("t", "A1TESTSELLER01", marketplaces, env_name="ACORN_T")
