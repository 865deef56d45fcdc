"""Rate limits (token buckets per seller, application and operation) and the headers every
response carries."""

from __future__ import annotations

from reconciler.domain.contract import RATE_LIMIT_HEADER, REQUEST_ID_HEADER
from tests.sandbox.sandbox_support import body_for


def test_create_allows_its_burst_then_429_as_sp_api_sends_it_and_nothing_changes(api):
    seller, token = api.login()
    for code in ("DE", "FR", "IT", "ES", "NL"):  # burst 5
        assert api.create(token, seller, body_for([code])).status_code == 202
    refused = api.create(token, seller, body_for(["SE"]))
    assert refused.status_code == 429
    # SP-API's 429: QuotaExceeded, and neither Retry-After nor a rate header.
    assert refused.json() == {"errors": [{"code": "QuotaExceeded", "details": "",
                                          "message": "You exceeded your quota for the requested resource."}]}
    assert "retry-after" not in refused.headers
    assert "x-amzn-ratelimit-limit" not in refused.headers
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


def test_participations_allow_15_then_one_every_62_5_seconds(api):
    seller, token = api.login(participations=("DE",))
    for _ in range(15):
        assert api.participations(token).status_code == 200
    refused = api.participations(token)
    assert refused.status_code == 429 and "retry-after" not in refused.headers
    api.advance(62)
    assert api.participations(token).status_code == 429  # 0.016/s: one token takes 62.5 s
    api.advance(1)
    assert api.participations(token).status_code == 200


def test_get_account_has_its_own_bucket_of_15(api):
    seller, token = api.login(participations=("DE",))
    for _ in range(15):
        assert api.participations(token).status_code == 200
    for _ in range(15):
        assert api.account(token).status_code == 200
    assert (api.participations(token).status_code, api.account(token).status_code) == (429, 429)


def test_each_region_has_its_own_bucket(api):
    seller, token = api.login(participations=("DE",))
    for _ in range(15):
        assert api.participations(token, region="EU").status_code == 200
    assert api.participations(token, region="EU").status_code == 429
    assert api.participations(token, region="NA").status_code == 200


def test_the_old_retry_after_is_a_fault_option(api):
    seller, token = api.login(participations=("DE",))
    api.faults(retryAfterOn429=True)
    for _ in range(15):
        assert api.participations(token).status_code == 200
    assert api.participations(token).headers["retry-after"] == "63"  # one token at 0.016/s


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


def test_a_rate_scale_runs_the_published_rates_faster(tmp_path):
    """`serve --rate-scale 10`: participations refill every 6.25 s of sandbox clock, not 62.5 s;
    the burst stays 15 and the rate header says the rate applied."""
    from tests.sandbox.sandbox_support import Api, recording_client, serve_in_thread

    with serve_in_thread(tmp_path / "state.sqlite", rate_scale=10.0) as served, \
            recording_client(served.url, []) as http:
        api = Api(http, [])
        seller, token = api.login(participations=("US",))
        answers = [api.participations(token) for _ in range(16)]
        assert [a.status_code for a in answers] == [200] * 15 + [429]
        assert answers[0].headers["x-amzn-ratelimit-limit"] == "0.16"
        api.advance(6)
        assert api.participations(token).status_code == 429
        api.advance(1)
        assert api.participations(token).status_code == 200
