"""AcornClient against an in-memory fake over httpx.MockTransport: paging, auth, retries,
the run breaker, idempotent creates and the audit trail, with fake time (no real waits)."""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest

from reconciler.client import MemoryAuditLog, RetryPolicy
from reconciler.errors import AlreadyExists, ApiError, SecretError, TransportError
from tests.client.client_fakeapi import PREFIX, FakeApi, registration
from tests.client.client_support import BASE, CLIENT_SECRET, make_entity

ACME = make_entity()
NORD = make_entity("nordlicht-de", "A1EXAMPLENORD01", ("DE", "FR"))
SAKURA = make_entity("sakura-jp", "A2EXAMPLESAKU01", ("JP",))
TOKENS = {"ACORN_ACME_SZ_REFRESH_TOKEN": "Atzr|acme-refresh",
          "ACORN_NORDLICHT_DE_REFRESH_TOKEN": "Atzr|nord-refresh",
          "ACORN_SAKURA_JP_REFRESH_TOKEN": "Atzr|sakura-refresh"}
DE, FR, US = "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "ATVPDKIKX0DER"


@pytest.fixture
def api() -> FakeApi:
    api = FakeApi()
    api.seller(ACME.seller_id, "Atzr|acme-refresh", participations=[US],
               registrations=[registration(i, ACME.seller_id, DE, "REJECTED") for i in range(1, 121)])
    api.seller(NORD.seller_id, "Atzr|nord-refresh", registrations=[registration(500, NORD.seller_id, FR)])
    api.seller(SAKURA.seller_id, "Atzr|sakura-refresh")
    return api


def ops(api: FakeApi) -> list[str]:
    return [r.url.path.rsplit("/", 1)[-1] for r in api.requests]


def run(coro):
    return asyncio.run(coro)


def test_read_seller_follows_every_page_with_the_sellers_own_token(api, make_client):
    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS) as client:
            return await client.read_seller(ACME)

    live = run(go())
    assert live.seller_id == ACME.seller_id and live.error is None
    assert live.participations == frozenset({US})  # not MX, which answers isParticipating false
    assert [r.registration_id for r in live.registrations] == [f"R{i:05d}" for i in range(1, 121)]
    lists = [r for r in api.requests if r.url.path == f"{PREFIX}/sellers/{ACME.seller_id}/registrations"]
    # Each region of the entity's marketplaces is read on its own; DE's 120 are on EU's host.
    assert [(r.headers["x-acorn-region"], r.url.params.get("nextToken")) for r in lists] == [
        ("NA", None), ("EU", None), ("EU", "50"), ("EU", "100"), ("FE", None)]
    assert {r.url.params["pageSize"] for r in lists} == {"50"}
    # one LWA exchange per region, form-encoded, with the seller's refresh token (one reference
    # for every region here); then that region's access token on each of its calls
    lwa = [r for r in api.requests if r.url.path == "/auth/o2/token"]
    assert len(lwa) == 3 and lwa[0].headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(httpx.QueryParams(lwa[0].content.decode())) == {
        "grant_type": "refresh_token", "refresh_token": "Atzr|acme-refresh",
        "client_id": "acorn-test", "client_secret": CLIENT_SECRET}
    tokens = {r.headers["x-acorn-region"]: r.headers["x-amz-access-token"] for r in api.requests
              if r.url.path != "/auth/o2/token"}
    assert tokens == {"NA": "Atza|access-1", "EU": "Atza|access-2", "FE": "Atza|access-3"}
    for r in api.requests:
        assert re.fullmatch(r"acorn/\S+ \(Language=Python/3\.\d+\.\d+; Platform=\S+/\S+\)", r.headers["user-agent"])
        assert re.fullmatch(r"\d{8}T\d{6}Z", r.headers["x-amz-date"])


def test_read_all_plans_the_others_when_one_seller_has_no_credentials_or_a_bad_token(api, make_client):
    env = {"ACORN_ACME_SZ_REFRESH_TOKEN": "Atzr|acme-refresh", "ACORN_SAKURA_JP_REFRESH_TOKEN": "Atzr|revoked"}

    async def go():
        async with make_client(httpx.MockTransport(api), env) as client:
            return await client.read_all([ACME, NORD, SAKURA], concurrency=2)

    live = run(go())
    assert list(live) == [ACME.seller_id, NORD.seller_id, SAKURA.seller_id]
    assert live[ACME.seller_id].error is None and len(live[ACME.seller_id].registrations) == 120
    assert live[NORD.seller_id].error == "environment variable ACORN_NORDLICHT_DE_REFRESH_TOKEN is not set"
    # invalid_grant belongs to that entity-region: its FE pairs are unauthorized, with the fix
    sakura = live[SAKURA.seller_id]
    assert sakura.error is None and [r for r, _ in sakura.unauthorized] == ["FE"]
    message = sakura.unauthorized_in("FE")
    assert "Login with Amazon refused seller A2EXAMPLESAKU01's refresh token for FE (400 invalid_grant" in message
    assert "authorize the app again in FE's Seller Central" in message
    assert "Atzr|revoked" not in message


def test_missing_application_credentials_fail_the_run_once(api, make_client):
    client = make_client(httpx.MockTransport(api), {**TOKENS, "LWA_CLIENT_SECRET": ""})
    with pytest.raises(SecretError, match="LWA_CLIENT_SECRET is not set"):
        run(client.read_all([ACME, NORD], concurrency=2))
    assert api.requests == []


def test_a_403_for_a_region_the_seller_has_not_authorized_is_not_refreshed(api, make_client):
    def not_authorized(_request):  # SP-API's 403 with empty details (observed; no published example)
        return httpx.Response(403, headers={"x-amzn-RequestId": "rid-403"}, json={"errors": [
            {"message": "Access to requested resource is denied.", "code": "Unauthorized", "details": ""}]})
    api.script["getMarketplaceParticipations"] = [not_authorized]
    nord = make_entity("nordlicht-de", "A1EXAMPLENORD01", ("US", "FR"))

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS) as client:
            return await client.read_all([nord], concurrency=1)

    live = run(go())[nord.seller_id]
    assert live.error is None and [r for r, _ in live.unauthorized] == ["NA"]
    assert "authorize the app in NA's Seller Central" in live.unauthorized_in("NA")
    assert [r.registration_id for r in live.registrations] == ["R00500"]  # EU was read
    assert api.issued == 2  # one exchange per region, none again for the 403


def test_a_403_refreshes_the_token_once_and_retries_once(api, make_client):
    api.script["listRegistrations"] = [403]

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS) as client:
            return await client.read_seller(NORD)

    live = run(go())
    assert [r.registration_id for r in live.registrations] == ["R00500"]
    assert ops(api) == ["token", "marketplaceParticipations", "registrations", "token", "registrations"]
    assert api.requests[-1].headers["x-amz-access-token"] == "Atza|access-2"


def test_a_403_that_survives_the_refresh_stops_that_seller_without_a_retry_storm(api, make_client):
    api.script["getMarketplaceParticipations"] = [403, 403]  # nord goes first (concurrency 1)

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS) as client:
            return await client.read_all([NORD, SAKURA], concurrency=1)

    live = run(go())
    assert live[SAKURA.seller_id].error is None
    assert live[NORD.seller_id].unauthorized_in("EU").startswith(
        "getMarketplaceParticipations in EU answered 403 Unauthorized (Access to requested resource is denied., "
        "The access token you provided is revoked, malformed or invalid.): seller A1EXAMPLENORD01")
    nord_calls = [r for r in api.requests if r.headers.get("x-amz-access-token", "").startswith("Atza|access-")
                  and api.access[r.headers["x-amz-access-token"]] == NORD.seller_id]
    refused = [r for r in nord_calls if r.url.path.endswith("marketplaceParticipations")]
    assert len(refused) == 2  # the call and its one retry; the concurrent listing is not retried on
    assert len(nord_calls) <= 3
    assert api.issued == 3  # nord twice, sakura once


def test_the_access_token_is_reused_until_a_minute_before_it_expires(api, make_client, fake_time):
    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS) as client:
            await client.get_registration(NORD, "R00500")
            fake_time.now += 3600 - 61
            await client.get_registration(NORD, "R00500")
            assert api.issued == 1
            fake_time.now += 2
            await client.get_registration(NORD, "R00500")
            assert api.issued == 2

    run(go())


def test_throttling_and_server_errors_are_retried_honouring_retry_after(api, make_client, fake_time):
    api.script["listRegistrations"] = [(429, {"retry-after": "7"}), 503, 500]
    audit = MemoryAuditLog()

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS, audit=audit, rng=lambda: 1.0) as client:
            return await client.read_seller(NORD)

    assert len(run(go()).registrations) == 1
    # Retry-After; then full-jitter ceilings 2**n * 0.5 (a 429 is not a failed attempt)
    assert fake_time.sleeps == [7.0, 0.5, 1.0]
    statuses = [e.status for e in audit.entries if e.operation == "listRegistrations"]
    assert statuses == [429, 503, 500, 200]


@pytest.mark.parametrize("error", [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped"),
                                   httpx.ConnectError("refused")])
def test_timeouts_and_dropped_connections_are_retried(api, make_client, error):
    api.script["getMarketplaceParticipations"] = [error]
    audit = MemoryAuditLog()

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS, audit=audit) as client:
            return await client.read_seller(SAKURA)

    assert run(go()).error is None
    kinds = [(e.status, e.error) for e in audit.entries if e.operation == "getMarketplaceParticipations"]
    assert kinds == [(None, type(error).__name__), (200, None)]


def test_five_failed_calls_in_a_row_stop_the_whole_run(api, make_client):
    api.script["getMarketplaceParticipations"] = [503] * 50

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS) as client:
            return await client.read_all([ACME, NORD, SAKURA], concurrency=3)

    with pytest.raises(TransportError, match=r"5 calls in a row failed \(last: 503 ServiceUnavailable on "
                                             r"getMarketplaceParticipations for seller \w+, request id fault-503\)"):
        run(go())
    assert sum(1 for r in api.requests if r.url.path.endswith("marketplaceParticipations")) == 5


def test_a_call_gives_up_after_5xx_attempts_and_only_that_seller_fails(api, make_client, fake_time):
    api.script["getMarketplaceParticipations"] = [500, 502, 500, 502, 500, 502]

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS, policy=RetryPolicy(max_consecutive_failures=50)) \
                as client:
            return await client.read_all([NORD, SAKURA], concurrency=1)

    live = run(go())
    assert "getMarketplaceParticipations for seller A1EXAMPLENORD01 gave up after 6 attempts" in live[NORD.seller_id].error
    assert live[SAKURA.seller_id].error is None
    assert len(fake_time.sleeps) == 5


def test_a_429_without_headers_waits_by_the_published_rate_until_the_time_budget(api, make_client, fake_time):
    def throttle_nord(request):  # SP-API's 429: no Retry-After, no rate header (errors/429_quota_exceeded.json)
        if api.access.get(request.headers["x-amz-access-token"]) == NORD.seller_id:
            return httpx.Response(429, json={"errors": [{"code": "QuotaExceeded", "details": "",
                                                         "message": "You exceeded your quota for the requested resource."}]})
        return None
    api.script["getMarketplaceParticipations"] = [throttle_nord] * 100

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS) as client:
            return await client.read_all([NORD, SAKURA], concurrency=1)

    live = run(go())
    # getMarketplaceParticipations refills one request every 62.5 s (0.016/s); the budget is 600 s
    assert fake_time.sleeps == [pytest.approx(62.5)] * 9
    assert "still throttled after 562 s" in live[NORD.seller_id].error
    assert "throttleBudgetSeconds (600 s)" in live[NORD.seller_id].error
    # sakura was read while nord waited (the waiting seller gives its concurrency slot back)
    assert live[SAKURA.seller_id].error is None


def test_other_client_errors_are_not_retried_and_carry_code_message_and_request_id(api, make_client):
    def bad(_request):
        return httpx.Response(400, headers={"x-amzn-RequestId": "rid-400"},
                              json={"errors": [{"code": "InvalidInput", "message": "pageSize must be 1-50"}]})
    api.script["listRegistrations"] = [bad]

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS) as client:
            await client.read_seller(SAKURA)

    with pytest.raises(ApiError) as raised:
        run(go())
    assert (raised.value.status, raised.value.code, raised.value.request_id) == (400, "InvalidInput", "rid-400")
    assert str(raised.value) == ("listRegistrations for seller A2EXAMPLESAKU01 failed: 400 InvalidInput: "
                                 "pageSize must be 1-50 (request id rid-400)")
    assert ops(api).count("registrations") == 1


def test_create_sends_the_submission_and_survives_a_drop_after_commit_without_duplicates(api, make_client):
    def commit_then_drop(request):
        api._answer("createRegistration", SAKURA.seller_id, request)
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
    api.script["createRegistration"] = [commit_then_drop, 503]
    jp = "A1VC38T7YXB528"

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS) as client:
            return await client.create_registration(SAKURA, "FE", [jp], "c" * 64, "d" * 64)

    created = run(go())
    assert [(r.marketplace_id, r.status, r.client_token) for r in created] == [(jp, "SUBMITTED", "c" * 64)]
    posts = [r for r in api.requests if r.method == "POST" and r.url.path.startswith(PREFIX)]
    assert len(posts) == 3 and len({r.content for r in posts}) == 1  # same body, same clientToken
    body = json.loads(posts[0].content)
    assert body["marketplaceIds"] == [jp] and body["submissionDigest"] == "d" * 64
    assert sum(1 for r in api.registrations if r["sellerId"] == SAKURA.seller_id) == 1


def test_create_where_a_registration_is_open_raises_already_exists_naming_it(api, make_client):
    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS) as client:
            await client.create_registration(NORD, "EU", [DE, FR], "c" * 64, "d" * 64)

    with pytest.raises(AlreadyExists) as raised:
        run(go())
    assert raised.value.marketplace_ids == (FR,) and raised.value.registration_ids == ("R00500",)
    assert raised.value.status == 409 and "already has a registration" in str(raised.value)


def test_an_idempotency_mismatch_is_a_plain_conflict(api, make_client):
    def mismatch(_request):
        return httpx.Response(409, json={"errors": [{"code": "Conflict", "message": f"clientToken reused for {DE}",
                                                     "details": "IdempotencyMismatch"}]})
    api.script["createRegistration"] = [mismatch]

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS) as client:
            await client.create_registration(NORD, "EU", [DE], "c" * 64, "d" * 64)

    with pytest.raises(ApiError) as raised:
        run(go())
    assert not isinstance(raised.value, AlreadyExists) and "IdempotencyMismatch" in str(raised.value)


def test_create_refuses_marketplaces_outside_the_region(api, make_client):
    client = make_client(httpx.MockTransport(api), TOKENS)
    with pytest.raises(ValueError, match="not in region NA"):
        run(client.create_registration(NORD, "NA", [DE], "c" * 64, "d" * 64))


def test_client_side_buckets_pace_calls_and_adopt_the_announced_rate(api, make_client, fake_time):
    api.registrations.extend(registration(1000 + i, SAKURA.seller_id, "A1VC38T7YXB528") for i in range(50 * 12))
    api.headers["x-amzn-RateLimit-Limit"] = "4"

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS) as client:
            return await client.read_seller(SAKURA)

    assert len(run(go()).registrations) == 600
    # 12 pages: the burst of 10 is free, the other 2 wait for tokens refilled at the announced 4/s
    assert fake_time.sleeps == [pytest.approx(0.25)] * 2


def test_the_audit_trail_has_every_attempt_and_no_secret(api, make_client):
    api.script["listRegistrations"] = [403, 503]
    audit = MemoryAuditLog()

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS, audit=audit) as client:
            await client.read_all([ACME, NORD, SAKURA], concurrency=3)
            await client.create_registration(SAKURA, "FE", ["A1VC38T7YXB528"], "c" * 64, "d" * 64)

    run(go())
    assert len(audit.lines) == len(api.requests)
    text = "\n".join(audit.lines)
    for secret in ("Atza|", "Atzr|", CLIENT_SECRET, "refresh"):
        assert secret not in text
    first = json.loads(audit.lines[0])
    assert first["operation"] == "lwaToken" and first["path"] == "/auth/o2/token" and first["time"].endswith("Z")
    assert {json.loads(line)["operation"] for line in audit.lines} == {
        "lwaToken", "getMarketplaceParticipations", "listRegistrations", "createRegistration"}
    assert all("?" not in json.loads(line)["path"] for line in audit.lines)


def test_an_lwa_error_that_echoes_the_refresh_token_does_not_leak_it(api, make_client):
    def echo(request):
        form = dict(httpx.QueryParams(request.content.decode()))
        return httpx.Response(400, json={"error": "invalid_grant",
                                         "error_description": f"token {form['refresh_token']} is revoked"})
    api.script["lwaToken"] = [echo]

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS) as client:
            return await client.read_all([NORD], concurrency=1)

    error = run(go())[NORD.seller_id].unauthorized_in("EU")
    assert "400 invalid_grant: token *** is revoked" in error and "nord-refresh" not in error


def test_a_server_repeating_its_next_token_is_an_error_not_an_endless_read(api, make_client):
    def same_page(request):
        return httpx.Response(200, json={"registrations": [registration(1, NORD.seller_id, FR)],
                                         "pagination": {"nextToken": "again"}})
    api.script["listRegistrations"] = [same_page] * 5

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS) as client:
            return await client.read_all([NORD], concurrency=1)

    error = run(go())[NORD.seller_id].error
    assert error.startswith(f"listRegistrations for seller {NORD.seller_id} on {BASE}: page 3 would repeat "
                            "an earlier nextToken")
    assert ops(api).count("registrations") == 2


def test_a_server_paging_without_end_is_stopped_at_the_page_cap(api, make_client, monkeypatch):
    from reconciler.client import api as api_module
    monkeypatch.setattr(api_module, "MAX_PAGES", 4)
    pages = iter(range(100))

    def another_page(request):
        return httpx.Response(200, json={"registrations": [], "pagination": {"nextToken": f"p{next(pages)}"}})
    api.script["listRegistrations"] = [another_page] * 10

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS) as client:
            await client.read_seller(NORD)

    with pytest.raises(ApiError, match="more than 4 pages of 50; stopping"):
        run(go())
    assert ops(api).count("registrations") == 4


def test_a_retry_after_beyond_the_wait_budget_says_the_call_is_rate_limited(api, make_client, fake_time):
    api.script["getMarketplaceParticipations"] = [(429, {"retry-after": "120"})]

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS, throttle_budget=60) as client:
            return await client.read_all([NORD], concurrency=1)

    error = run(go())[NORD.seller_id].error
    assert error.startswith("getMarketplaceParticipations for seller A1EXAMPLENORD01 is rate limited: "
                            "the service asks to retry in 120 s, past throttleBudgetSeconds (60 s)")
    assert "429 QuotaExceeded" in error and fake_time.sleeps == []


@pytest.mark.parametrize("endpoint, fault, real", [
    ("http://[::1", None, False),  # httpx cannot even build the request
    (BASE, OverflowError("connect(): port must be 0-65535."), False),  # the socket refuses the port
    ("ftp://acorn.test", None, True),  # the real transport refuses the scheme, before any socket
    ("http://:80", None, True),  # no host
])
def test_an_endpoint_that_cannot_be_sent_to_stops_the_run_with_one_clear_error(api, make_client, endpoint, fault,
                                                                                real):
    if fault is not None:
        api.script["lwaToken"] = [fault]
    transport = httpx.AsyncHTTPTransport(retries=0) if real else httpx.MockTransport(api)

    async def go():
        async with make_client(transport, TOKENS, endpoint=endpoint) as client:
            return await client.read_all([ACME, NORD], concurrency=2)

    with pytest.raises(TransportError, match=r"^\w+ for seller \w+ cannot be sent to \S+: \w+: .*\(check the endpoint\)$"):
        run(go())


def test_a_bug_in_a_seller_task_is_raised_as_itself_not_as_an_exception_group(api, make_client):
    api.script["listRegistrations"] = [KeyError("bug")]

    async def go():
        async with make_client(httpx.MockTransport(api), TOKENS) as client:
            return await client.read_all([NORD, SAKURA], concurrency=2)

    with pytest.raises(KeyError, match="bug"):
        run(go())
