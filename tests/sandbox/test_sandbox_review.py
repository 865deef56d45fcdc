"""The asynchronous review: SUBMITTED for a minute, IN_REVIEW until the review time, then
REJECTED with every reason that applies, else APPROVED; decisions never change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from reconciler.domain.timestamps import parse_timestamp
from tests.sandbox.sandbox_support import body_for


def _status(api, token, registration_id):
    """The registration, from the host of whichever region holds it."""
    for region in ("EU", "NA", "FE"):
        response = api.get(token, registration_id, region=region)
        if response.status_code != 404:
            return response.json()
    raise AssertionError(f"{registration_id} is in no region")


def test_the_status_moves_submitted_in_review_approved_on_the_sandbox_clock(api):
    seller, token = api.login()
    created = api.create(token, seller, body_for(["DE"])).json()["registrations"][0]
    rid, t0 = created["registrationId"], parse_timestamp(created["createdAt"])
    steps = [(59, "SUBMITTED", 0), (1, "IN_REVIEW", 60), (239, "IN_REVIEW", 60), (1, "APPROVED", 300)]
    for advance, status, updated_after in steps:
        api.advance(advance)
        reg = _status(api, token, rid)
        assert reg["status"] == status, advance
        assert parse_timestamp(reg["updatedAt"]) - t0 == timedelta(seconds=updated_after)
    assert reg["reasons"] == []


def _today(api) -> date:
    return parse_timestamp(api.state()["now"]).date()


CASES = {
    "MISSING_TAX_REGISTRATION": (["US"], lambda api: {"taxRegistrations": []}, {}),
    "TAX_NUMBER_INVALID": (["DE"], lambda api: {"taxRegistrations": [
        {"scheme": "EU_VAT", "country": "DE", "number": "DE123546788"}]}, {}),  # two digits swapped
    "REGISTRATION_NUMBER_INVALID": (["DE"], lambda api: {"businessRegistration": {
        "country": "CN", "number": "91440300MA5EXAMPLE", "document": {"uri": "d.pdf", "sha256": "a" * 64}}}, {}),
    "ID_EXPIRES_TOO_SOON": (["DE"], lambda api: {"legalRepresentative": {"name": "Ada Test", "idDocument": {
        "type": "passport", "expiresOn": (_today(api) + timedelta(days=100)).isoformat()}}}, {}),
    "TRANSLATION_REQUIRED": (["JP"], lambda api: {"documents": []}, {}),
    "LEGAL_NAME_MISMATCH": (["DE"], lambda api: {"legalEntityName": "Test Seller Limited"}, {}),
    "RELATED_ACCOUNT": (["DE"], lambda api: {}, {"related": True}),
}


@pytest.mark.parametrize("reason", sorted(CASES))
def test_each_rule_rejects_with_its_reason(api, reason):
    codes, change, seller_options = CASES[reason]
    seller, token = api.login(**seller_options)
    rid = api.create(token, seller, body_for(codes, **change(api))).json()["registrations"][0]["registrationId"]
    api.advance(300)
    reg = _status(api, token, rid)
    assert reg["status"] == "REJECTED"
    assert [r["code"] for r in reg["reasons"]] == [reason]
    assert reg["reasons"][0]["message"]


def test_a_rejection_lists_every_reason_that_applies_in_a_stable_order(api):
    seller, token = api.login(related=True)
    body = body_for(["JP"], documents=[], legalEntityName="Someone Else K.K.", legalRepresentative={
        "name": "A", "idDocument": {"type": "national_id", "expiresOn": "2000-01-01"}})
    rid = api.create(token, seller, body).json()["registrations"][0]["registrationId"]
    api.advance(1000)
    assert [r["code"] for r in _status(api, token, rid)["reasons"]] == [
        "ID_EXPIRES_TOO_SOON", "TRANSLATION_REQUIRED", "LEGAL_NAME_MISMATCH", "RELATED_ACCOUNT"]


def test_each_marketplace_is_reviewed_on_its_own_rules(api):
    seller, token = api.login()
    body = body_for(["DE", "FR", "TR", "IN"], taxRegistrations=[
        {"scheme": "EU_VAT", "country": "DE", "number": "DE123456788"},
        {"scheme": "TR_VKN", "number": "1234567890"}])
    api.create(token, seller, body)
    api.advance(300)
    regs = api.list(token, seller).json()["registrations"]
    # IN certainly requires a GSTIN; DE, FR (a VAT that depends) and TR have what they take
    assert [(r["status"], [x["code"] for x in r["reasons"]]) for r in regs] == [
        ("APPROVED", []), ("APPROVED", []), ("APPROVED", []), ("REJECTED", ["MISSING_TAX_REGISTRATION"])]


def test_a_typo_in_any_tax_registration_rejects_every_marketplace_as_plan_blocks_it(api):
    """The review's rules are the verdict's: the create carries every item, so a bad number in
    one (FR's VAT) rejects DE and TR too, with the reason plan gives."""
    seller, token = api.login()
    body = body_for(["DE", "FR", "TR"], taxRegistrations=[
        {"scheme": "EU_VAT", "country": "DE", "number": "DE123456788"},
        {"scheme": "EU_VAT", "country": "FR", "number": "FR11123456882"},  # a typo
        {"scheme": "TR_VKN", "number": "1234567890"}])
    api.create(token, seller, body)
    api.advance(300)
    regs = api.list(token, seller).json()["registrations"]
    assert [(r["status"], [x["code"] for x in r["reasons"]]) for r in regs] == [
        ("REJECTED", ["TAX_NUMBER_INVALID"])] * 3
    assert "FR11123456882" not in str(regs)
    assert "taxRegistrations[1] EU_VAT (FR) number *********6882: the check digit does not match" in str(regs)


def test_a_decision_is_stored_and_never_changes(api):
    seller, token = api.login()
    rid = api.create(token, seller, body_for(["DE"])).json()["registrations"][0]["registrationId"]
    api.advance(300)
    decided = _status(api, token, rid)
    assert decided["status"] == "APPROVED"
    api.seller(seller, related=True, name="Renamed Ltd", replace=True)  # would now reject, were it decided again
    api.advance(86400 * 400)
    assert _status(api, api.token(seller), rid) == decided


def test_the_id_rule_is_judged_on_the_day_the_review_ends_not_the_day_it_is_read(api):
    seller, token = api.login()
    expires = _today(api) + timedelta(days=181)
    rid = api.create(token, seller, body_for(["DE"], legalRepresentative={"name": "A", "idDocument": {
        "type": "passport", "expiresOn": expires.isoformat()}})).json()["registrations"][0]["registrationId"]
    api.advance(30 * 86400)  # read a month late: the ID has under 180 days left by now
    assert _status(api, api.token(seller), rid)["status"] == "APPROVED"
