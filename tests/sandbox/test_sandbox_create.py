"""createRegistration: acceptance, idempotency, conflicts, strict validation, dropped answers."""

from __future__ import annotations

import threading

import httpx
import pytest

from reconciler.domain import catalogue
from reconciler.domain.contract import ACCESS_TOKEN_HEADER, ERROR_CODES, RATE_LIMIT_HEADER, SELLER_REGISTRATIONS_PATH
from tests.sandbox.sandbox_support import body_for

DE, FR, US = (catalogue.by_code(c).marketplace_id for c in ("DE", "FR", "US"))


def test_a_create_answers_202_with_one_submitted_registration_per_marketplace(api):
    seller, token = api.login()
    body = body_for(["DE", "FR"])
    response = api.create(token, seller, body)
    assert response.status_code == 202
    assert response.headers[RATE_LIMIT_HEADER] == "0.5"
    regs = response.json()["registrations"]
    assert [r["marketplaceId"] for r in regs] == [DE, FR]
    for r in regs:
        assert r["status"] == "SUBMITTED" and r["reasons"] == []
        assert (r["sellerId"], r["clientToken"], r["submissionDigest"], r["legalEntityName"]) == (
            seller, body["clientToken"], body["submissionDigest"], "Test Seller Ltd")
        assert r["registrationId"].startswith("REG-") and r["createdAt"] == r["updatedAt"]
    assert len({r["registrationId"] for r in regs}) == 2


def test_the_same_token_and_body_replay_the_same_registrations_any_time(api):
    seller, token = api.login()
    body = body_for(["DE"])
    first = api.create(token, seller, body).json()["registrations"]
    assert api.create(token, seller, body).json()["registrations"] == first
    api.advance(10 * 86400)  # long decided since
    replay = api.create(api.token(seller), seller, body)
    assert replay.status_code == 202
    assert [(r["registrationId"], r["status"]) for r in replay.json()["registrations"]] == [
        (first[0]["registrationId"], "APPROVED")]
    assert len(api.registrations()) == 1


def test_a_replay_is_the_same_body_whatever_its_key_order(api):
    seller, token = api.login()
    body = body_for(["DE"])
    first = api.create(token, seller, body).json()
    shuffled = dict(reversed(list(body.items())))
    assert api.create(token, seller, shuffled).json() == first


def test_the_same_token_with_another_body_is_an_idempotency_mismatch(api):
    seller, token = api.login()
    body = body_for(["DE"])
    api.create(token, seller, body)
    response = api.create(token, seller, {**body, "legalEntityName": "Other Name Ltd"})
    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["code"] == ERROR_CODES[409] and "IdempotencyMismatch" in error["details"]
    assert RATE_LIMIT_HEADER not in response.headers
    assert len(api.registrations()) == 1


def test_an_open_registration_is_a_conflict_naming_it_and_nothing_is_created(api):
    seller, token = api.login()
    existing = api.create(token, seller, body_for(["FR"])).json()["registrations"][0]
    response = api.create(token, seller, body_for(["DE", "FR"]))
    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["details"] == (f"ExistingRegistration marketplaceId={FR} "
                                f"registrationId={existing['registrationId']} status=SUBMITTED")
    assert "FR" in error["message"] and existing["registrationId"] in error["message"]
    assert [r["marketplaceId"] for r in api.registrations()] == [FR]  # no DE either


def test_a_participating_marketplace_is_a_conflict(api):
    seller, token = api.login(participations=("US",))
    response = api.create(token, seller, body_for(["US"]))
    assert response.status_code == 409
    assert response.json()["errors"][0]["details"] == f"Participating marketplaceId={US}"
    assert api.registrations() == []


def test_after_a_rejection_the_marketplace_may_be_submitted_again(api):
    seller, token = api.login(related=True)
    api.create(token, seller, body_for(["DE"]))
    api.advance(301)
    assert api.list(token, seller).json()["registrations"][0]["status"] == "REJECTED"
    again = api.create(token, seller, body_for(["DE"]))
    assert again.status_code == 202


def test_an_approved_marketplace_is_a_conflict(api):
    seller, token = api.login()
    first = api.create(token, seller, body_for(["DE"])).json()["registrations"][0]
    api.advance(301)
    response = api.create(token, seller, body_for(["DE"]))
    assert response.status_code == 409
    assert f"registrationId={first['registrationId']} status=APPROVED" in response.json()["errors"][0]["details"]


@pytest.mark.parametrize("codes_or_ids, field", [
    (["US", "DE"], "marketplaceIds"),            # two regions: one call per regional host
    (["JP", "UK"], "marketplaceIds"),
    ([DE, "NOTAMARKETPLACE"], "marketplaceIds[1]"),
    ([], "marketplaceIds"),
    ([DE, DE], "marketplaceIds[1]"),
])
def test_marketplaces_must_be_known_and_of_one_region(api, codes_or_ids, field):
    seller, token = api.login()
    ids = [catalogue.by_code(c).marketplace_id if c in catalogue.BY_CODE else c for c in codes_or_ids]
    response = api.create(token, seller, {**body_for(), "marketplaceIds": ids})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["code"], error["details"]) == (ERROR_CODES[400], field)
    assert response.headers[RATE_LIMIT_HEADER] == "0.5"
    assert api.registrations() == []


def _without(body: dict, path: str) -> dict:
    *parents, last = path.split(".")
    node = body
    for key in parents:
        node = node[key]
    del node[last]
    return body


@pytest.mark.parametrize("change, field", [
    (lambda b: {**b, "clientToken": "x" * 31}, "clientToken"),
    (lambda b: {**b, "clientToken": "x" * 65}, "clientToken"),
    (lambda b: {**b, "submissionDigest": "abc"}, "submissionDigest"),
    (lambda b: {**b, "submissionDigest": "g" * 64}, "submissionDigest"),
    (lambda b: _without(b, "legalEntityName"), "legalEntityName"),
    (lambda b: _without(b, "businessRegistration.document"), "businessRegistration.document"),
    (lambda b: _without(b, "legalRepresentative.idDocument.expiresOn"), "legalRepresentative.idDocument.expiresOn"),
    (lambda b: {**b, "legalRepresentative": {"name": "A",
                                             "idDocument": {"type": "passport", "expiresOn": "2030-02-30"}}},
     "legalRepresentative.idDocument.expiresOn"),
    (lambda b: {**b, "legalRepresentative": {"name": "A",
                                             "idDocument": {"type": "licence", "expiresOn": "2030-01-01"}}},
     "legalRepresentative.idDocument.type"),
    (lambda b: {**b, "taxRegistrations": [{"country": "DE"}]}, "taxRegistrations[0].scheme"),
    (lambda b: {**b, "taxRegistrations": [{"scheme": "NZ_GST", "number": "123456789"}]},
     "taxRegistrations[0].scheme"),
    (lambda b: {**b, "documents": [{"kind": "translation", "uri": "x", "sha256": "nope"}]}, "documents[0].sha256"),
    (lambda b: {**b, "surprise": 1}, "surprise"),
    (lambda b: {**b, "businessRegistration": "CN"}, "businessRegistration"),
    (lambda b: [b], "body"),
])
def test_a_malformed_body_is_400_naming_the_field(api, change, field):
    seller, token = api.login()
    response = api.create(token, seller, change(body_for()))  # type: ignore[arg-type]
    assert response.status_code == 400
    assert response.json()["errors"][0]["details"] == field
    assert field in response.json()["errors"][0]["message"]
    assert api.registrations() == []


def test_a_body_that_is_not_json_is_400(api):
    seller, token = api.login()
    response = api.http.post(SELLER_REGISTRATIONS_PATH.format(sellerId=seller), content=b"{not json",
                             headers={ACCESS_TOKEN_HEADER: token, "content-type": "application/json",
                                      "x-acorn-region": "EU"})
    assert (response.status_code, response.json()["errors"][0]["details"]) == (400, "body")


def test_a_create_whose_answer_is_dropped_is_committed_and_replayable(api):
    seller, token = api.login()
    body = body_for(["DE", "FR"])
    api.faults(dropAfterCommitRate=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        api.create(token, seller, body)
    committed = api.registrations()
    assert sorted(r["marketplaceId"] for r in committed) == sorted([DE, FR])
    replay = api.create(token, seller, body)  # a replay commits nothing new, so it is answered
    assert replay.status_code == 202
    assert sorted(r["registrationId"] for r in replay.json()["registrations"]) == sorted(
        r["registrationId"] for r in committed)
    assert len(api.registrations()) == 2


def test_two_concurrent_creates_with_one_client_token_make_one_registration_set(api, served):
    seller, token = api.login()
    body = body_for(["DE", "FR", "IT"])
    barrier = threading.Barrier(2)
    answers: list[httpx.Response] = []

    def create() -> None:
        with httpx.Client(base_url=served.url, timeout=10) as http:
            barrier.wait()
            answers.append(http.post(SELLER_REGISTRATIONS_PATH.format(sellerId=seller), json=body,
                                     headers={ACCESS_TOKEN_HEADER: token, "x-acorn-region": "EU"}))

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json() == answers[1].json()
    assert len(api.registrations()) == 3
