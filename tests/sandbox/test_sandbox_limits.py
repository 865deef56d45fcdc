"""Rate limits (token buckets per seller, application and operation) and the headers every
response carries."""

from __future__ import annotations

from reconciler.domain.contract import ERROR_CODES, RATE_LIMIT_HEADER, REQUEST_ID_HEADER
from tests.sandbox.sandbox_support import body_for


def test_create_allows_its_burst_then_429_with_retry_after_and_nothing_changes(api):
    seller, token = api.login()
    for code in ("DE", "FR", "IT", "ES", "NL"):  # burst 5
        assert api.create(token, seller, body_for([code])).status_code == 202
    refused = api.create(token, seller, body_for(["SE"]))
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["code"] == ERROR_CODES[429]
    assert refused.headers["retry-after"] == "2"  # one token at 0.5/s
    assert RATE_LIMIT_HEADER not in refused.headers
    assert len(api.registrations()) == 5
    api.advance(2)  # the bucket refills on the sandbox clock
    assert api.create(token, seller, body_for(["SE"])).status_code == 202


def test_a_refused_replay_changes_nothing_either(api):
    seller, token = api.login()
    body = body_for(["DE"])
    for _ in range(5):
        assert api.create(token, seller, body).status_code == 202
    assert api.create(token, seller, {**body, "legalEntityName": "Changed"}).status_code == 429  # not 409
    assert len(api.registrations()) == 1


def test_list_burst_is_10_and_buckets_are_per_seller_operation_and_application(api):
    seller, token = api.login()
    for _ in range(10):
        assert api.list(token, seller).status_code == 200
    assert api.list(token, seller).status_code == 429
    assert api.get(token, "REG-0000000000000000").status_code == 404  # another operation's bucket
    other_app = api.token(seller, client_id="another-application")
    assert api.list(other_app, seller).status_code == 200
    other_seller, other_token = api.login()
    assert api.list(other_token, other_seller).status_code == 200


def test_participations_allow_15_then_retry_after_a_minute(api):
    seller, token = api.login(participations=("DE",))
    for _ in range(15):
        assert api.participations(token).status_code == 200
    refused = api.participations(token)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "63"  # one token at 0.016/s


def test_throttle_every_nth_call(api):
    seller, token = api.login()
    api.faults(throttleEveryNth=3)
    statuses = [api.list(token, seller).status_code for _ in range(6)]
    assert statuses == [200, 200, 429, 200, 200, 429]


def test_every_response_has_a_request_id_and_rate_limit_only_where_promised(api):
    seller, token = api.login()
    responses = [api.list(token, seller), api.list(token, seller, pageSize=0), api.get(token, "REG-X"),
                 api.list("Atza|bad", seller), api.exchange("nope"), api.http.get("/_sandbox/state"),
                 api.http.get("/nowhere")]
    ids = [r.headers.get(REQUEST_ID_HEADER) for r in responses]
    assert all(ids) and len(set(ids)) == len(ids)
    assert [(RATE_LIMIT_HEADER in r.headers) for r in responses] == [
        True, True, True, False, False, False, False]
