"""Wire translation at the edge, both ways."""

import re
from datetime import datetime, timezone

import pytest

from reconciler.client.wire import (
    errors_from_api,
    participations_from_api,
    registration_from_api,
    registrations_from_api,
    submission_to_api,
)
from reconciler.domain.contract import ERROR_CODES
from reconciler.domain.live import Store
from reconciler.domain.model import Reason
from reconciler.errors import ApiError
from tests.client.client_support import make_entity, registration


def test_submission_to_api_uses_the_contract_keys_and_iso_dates():
    body = submission_to_api(make_entity().submission, ["A1PA6795UKMFR9"], "c" * 64, "d" * 64)
    assert body == {
        "clientToken": "c" * 64,
        "submissionDigest": "d" * 64,
        "marketplaceIds": ["A1PA6795UKMFR9"],
        "legalEntityName": "Shenzhen Acme Trading Co., Ltd.",
        "businessRegistration": {"country": "CN", "number": "91440300MA5EXAMPLA",
                                 "document": {"uri": "docs/l.pdf", "sha256": "a" * 64}},
        "legalRepresentative": {"name": "Li Wei", "idDocument": {"type": "passport", "expiresOn": "2029-06-30"}},
        "taxRegistrations": [{"scheme": "US_W8BENE", "completedOn": "2025-03-01"},
                             {"scheme": "EU_VAT", "country": "DE", "number": "DE123456788"}],
        "documents": [{"kind": "translation", "of": "businessRegistration", "language": "ja",
                       "uri": "docs/ja.pdf", "sha256": "b" * 64}],
    }


def test_empty_tax_registrations_and_documents_are_sent_as_empty_lists():
    from dataclasses import replace
    sub = replace(make_entity().submission, tax_registrations=(), documents=())
    body = submission_to_api(sub, [], "c" * 64, "d" * 64)
    assert body["taxRegistrations"] == [] and body["documents"] == []


def test_registration_from_api():
    raw = registration(7, "S1", "A1PA6795UKMFR9", "REJECTED",
                       reasons=[{"code": "MISSING_TAX_REGISTRATION", "message": "no VAT"}],
                       updatedAt="2026-11-27T08:30:00+00:00")
    reg = registration_from_api(raw)
    assert (reg.registration_id, reg.seller_id, reg.marketplace_id, reg.status) == \
        ("R00007", "S1", "A1PA6795UKMFR9", "REJECTED")
    assert reg.reasons == (Reason("MISSING_TAX_REGISTRATION", "no VAT"),)
    assert reg.created_at == datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
    assert reg.updated_at == datetime(2026, 11, 27, 8, 30, tzinfo=timezone.utc)
    assert (reg.client_token, reg.submission_digest, reg.legal_entity_name) == ("t" * 64, "d" * 64, "Acme")


@pytest.mark.parametrize("change, message", [
    ({"status": "WITHDRAWN"}, "unknown status 'WITHDRAWN'"),
    ({"registrationId": None}, "no 'registrationId'"),
    ({"createdAt": "yesterday"}, "is not a timestamp"),
])
def test_a_malformed_registration_is_an_api_error_naming_the_field(change, message):
    with pytest.raises(ApiError, match=message):
        registration_from_api({**registration(1, "S1", "A1PA6795UKMFR9"), **change})


REG = registration(1, "S1", "A1PA6795UKMFR9")


@pytest.mark.parametrize("parse, body, message", [
    (registration_from_api, ["x"], "registration: not an object"),
    (registration_from_api, {**REG, "reasons": ["x"]}, "registration: a reason is not an object"),
    (registration_from_api, {**REG, "reasons": "x"}, "registration: 'reasons' is not a list"),
    (registration_from_api, {**REG, "reasons": [{"code": ["x"]}]}, "registration: a reason's 'code' is not a string"),
    (registration_from_api, {**REG, "status": ["x"]}, "registration: 'status' is not a string"),
    (registration_from_api, {**REG, "status": {"a": 1}}, "registration: 'status' is not a string"),
    (registration_from_api, {**REG, "sellerId": {"a": 1}}, "registration: 'sellerId' is not a string"),
    (registration_from_api, {**REG, "createdAt": 12}, "registration: 'createdAt' is not a string"),
    (registration_from_api, {**REG, "legalEntityName": ["x"]}, "registration: 'legalEntityName' is not a string"),
    (registration_from_api, {k: v for k, v in REG.items() if k != "updatedAt"}, "registration: no 'updatedAt'"),
    (registrations_from_api, ["x"], "registration list: no 'registrations' list"),
    (registrations_from_api, {"registrations": [1]}, "registration: not an object"),
    (registrations_from_api, {"registrations": [], "pagination": {"nextToken": 5}},
     "registration list: 'nextToken' is not a string"),
    (registrations_from_api, {"registrations": [], "pagination": "abc"},
     "registration list: 'pagination' is not an object"),
    (participations_from_api, {"payload": ["x"]}, "participation: not an object"),
    (participations_from_api, {"payload": [{"marketplace": "x"}]}, "participation: 'marketplace' is not an object"),
    (participations_from_api, {"payload": [{"marketplace": {"id": 5}, "participation": {"isParticipating": True}}]},
     "participation: marketplace 'id' is not a string"),
    (participations_from_api, {"payload": [{"marketplace": {"id": "X"}, "participation": ["x"]}]},
     "participation: 'participation' is not an object"),
    (participations_from_api, {"payload": {"x": 1}}, "participation list: no 'payload' list"),
    (participations_from_api, None, "participation list: no 'payload' list"),
])
def test_a_malformed_answer_is_an_api_error_saying_what_is_wrong(parse, body, message):
    with pytest.raises(ApiError, match=f"^ACORN-i answered an unexpected {re.escape(message)}"):
        parse(body)


def test_an_odd_error_code_is_kept_as_text():
    assert errors_from_api({"errors": [{"code": 42, "message": ["x"]}]}) == ("42", "['x']", "")
    assert errors_from_api({"errors": [{"code": None}]}) == (None, "", "")


def test_pages_carry_their_next_token_and_the_last_has_none():
    page = {"registrations": [registration(1, "S1", "ATVPDKIKX0DER")], "pagination": {"nextToken": "abc"}}
    regs, token = registrations_from_api(page)
    assert [r.registration_id for r in regs] == ["R00001"] and token == "abc"
    assert registrations_from_api({"registrations": []}) == ((), None)
    with pytest.raises(ApiError, match="no 'registrations' list"):
        registrations_from_api({"payload": []})


def test_participations_keep_only_participating_marketplaces():
    body = {"payload": [
        {"marketplace": {"id": "ATVPDKIKX0DER", "countryCode": "US"}, "participation": {"isParticipating": True}},
        {"marketplace": {"id": "A1F83G8C2ARO7P", "countryCode": "GB"}, "participation": {"isParticipating": False}},
        {"marketplace": {"id": "A2ZV50J4W1RKNI", "name": "Non-Amazon"}, "storeName": "Acme",
         "participation": {"isParticipating": True, "hasSuspendedListings": True}},
    ]}
    assert participations_from_api(body) == (Store("ATVPDKIKX0DER"),
                                              Store("A2ZV50J4W1RKNI", "Non-Amazon", "Acme", True))


@pytest.mark.parametrize("body, expected", [
    ({"errors": [{"code": ERROR_CODES[400], "message": "bad", "details": "x"}]}, (ERROR_CODES[400], "bad", "x")),
    ({"error": "invalid_grant", "error_description": "expired"}, ("invalid_grant", "expired", "")),
    ("<html>", (None, "", "")),
])
def test_errors_in_both_shapes(body, expected):
    assert errors_from_api(body) == expected
