"""AcornClient against the served sandbox on 127.0.0.1: paging, auth, retries, the run
breaker, idempotent creates and the audit trail. The client's time is fake (its waits are
recorded, not slept); the sandbox's faults script exactly which calls misbehave; a
`Recording` transport keeps what went over the wire."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from reconciler.client import MemoryAuditLog, RetryPolicy
from reconciler.domain.contract import (
    ACCESS_TOKEN_HEADER,
    CREATE_REGISTRATION,
    DATE_HEADER,
    ERROR_CODES,
    GET_PARTICIPATIONS,
    LIST_REGISTRATIONS,
    LWA_TOKEN_PATH,
    PARTICIPATIONS_PATH,
    RATE_LIMIT_HEADER,
    REGION_HEADER,
    REQUEST_ID_HEADER,
)
from reconciler.errors import AlreadyExists, ApiError, BreakerOpen, EndpointUnusable, SecretError
from tests.client.client_support import CLIENT_SECRET, Recording, ids, make_entity, read_all, seed_rejected_history

ACME = make_entity()
NORD = make_entity("nordlicht-de", "A1EXAMPLENORD01", ("DE", "FR"))
SAKURA = make_entity("sakura-jp", "A2EXAMPLESAKU01", ("JP",))
REFRESH = {ACME: "Atzr|acme-refresh", NORD: "Atzr|nord-refresh", SAKURA: "Atzr|sakura-refresh"}
TOKENS = {e.credentials.default.name: token for e, token in REFRESH.items()}
DE, FR, JP, US = ids("DE", "FR", "JP", "US")
REGISTRATIONS = "/registrations"  # the end of listRegistrations' and createRegistration's path


@pytest.fixture
def sellers(sandbox):
    """The three sellers, seeded: acme participates in US and MX."""
    sandbox.seller(ACME.seller_id, REFRESH[ACME], participations=("US", "MX"))
    sandbox.seller(NORD.seller_id, REFRESH[NORD])
    sandbox.seller(SAKURA.seller_id, REFRESH[SAKURA])
    return sandbox


@pytest.fixture
def wire() -> Recording:
    return Recording()


@pytest.fixture
def connect(make_client, sandbox_url, wire):
    """A client of the served sandbox over the recording transport."""
    def factory(env=TOKENS, *, transport: httpx.AsyncBaseTransport | None = None, **kwargs):
        return make_client(transport or wire, env, endpoint=sandbox_url, **kwargs)
    return factory


def run(coro):
    return asyncio.run(coro)


def script(sandbox, *steps: dict) -> None:
    sandbox.faults(script=list(steps))


def test_read_seller_follows_every_page_with_the_sellers_own_token(sellers, connect, wire):
    history = seed_rejected_history(sellers, ACME, REFRESH[ACME], 120)

    async def go():
        async with connect() as client:
            return await client.read_seller(ACME)

    live = run(go())
    assert live.seller_id == ACME.seller_id and live.error is None
    assert live.participations == frozenset(ids("US", "MX"))
    assert sorted(r.registration_id for r in live.registrations) == sorted(history)
    assert list(live.registrations) == sorted(live.registrations, key=lambda r: (r.created_at, r.registration_id))
    assert {r.status for r in live.registrations} == {"REJECTED"}
    # each region of the entity's marketplaces is read on its own: the 120 are on EU's host
    regions = [p.request.headers[REGION_HEADER] for p in wire.to(REGISTRATIONS)]
    assert regions == ["NA", "EU", "EU", "EU", "FE"]
    pages = [p for p in wire.to(REGISTRATIONS) if p.request.headers[REGION_HEADER] == "EU"]
    assert len(pages) == 3 and {p.request.url.params["pageSize"] for p in pages} == {"50"}
    assert "nextToken" not in pages[0].request.url.params
    for previous, page in zip(pages, pages[1:], strict=False):  # each page asks for the token the one before gave
        assert page.request.url.params["nextToken"] == previous.json()["pagination"]["nextToken"]
    assert "pagination" not in pages[-1].json()
    # one LWA exchange per distinct refresh token (one reference for every region here), not
    # per region, form-encoded; then its access token on each call of every region it serves
    exchanges = wire.lwa()
    assert len(exchanges) == 1
    for lwa in exchanges:
        assert lwa.request.headers["content-type"] == "application/x-www-form-urlencoded"
        assert lwa.form() == {"grant_type": "refresh_token", "refresh_token": REFRESH[ACME],
                              "client_id": "acorn-test", "client_secret": CLIENT_SECRET}
    issued = [lwa.json()["access_token"] for lwa in exchanges]
    used = {e.request.headers[REGION_HEADER]: e.request.headers[ACCESS_TOKEN_HEADER] for e in wire.exchanges
            if e.path != LWA_TOKEN_PATH}
    assert sorted(used) == ["EU", "FE", "NA"] and set(used.values()) == set(issued)
    for e in wire.exchanges:  # as SP-API asks: `AppName/Version (Language=…; Platform=…)` and x-amz-date
        assert re.fullmatch(r"acorn/\S+ \(Language=Python/3\.\d+\.\d+; Platform=\S+/\S+\)",
                            e.request.headers["user-agent"])
        assert re.fullmatch(r"\d{8}T\d{6}Z", e.request.headers["x-amz-date"])


def test_read_all_plans_the_others_when_one_seller_has_no_credentials_or_a_bad_token(sellers, connect):
    seed_rejected_history(sellers, ACME, REFRESH[ACME], 60)
    env = {"ACORN_ACME_SZ_REFRESH_TOKEN": REFRESH[ACME], "ACORN_SAKURA_JP_REFRESH_TOKEN": "Atzr|revoked"}

    async def go():
        async with connect(env) as client:
            return await read_all(client, [ACME, NORD, SAKURA], concurrency=2)

    live = run(go())
    assert list(live) == [ACME.seller_id, NORD.seller_id, SAKURA.seller_id]
    assert live[ACME.seller_id].error is None and len(live[ACME.seller_id].registrations) == 60
    assert live[NORD.seller_id].error == "environment variable ACORN_NORDLICHT_DE_REFRESH_TOKEN is not set"
    # invalid_grant belongs to that entity-region: sakura's FE pairs are unauthorized, with the fix
    sakura = live[SAKURA.seller_id]
    assert sakura.error is None and [r for r, _ in sakura.unauthorized] == ["FE"]
    message = sakura.unauthorized_in("FE")
    assert "Login with Amazon refused seller A2EXAMPLESAKU01's refresh token for FE (400 invalid_grant" in message
    assert "authorize the app again in FE's Seller Central" in message and "Atzr|revoked" not in message


def test_missing_application_credentials_fail_the_run_once(sellers, connect, wire):
    client = connect({**TOKENS, "LWA_CLIENT_SECRET": ""})
    with pytest.raises(SecretError, match="LWA_CLIENT_SECRET is not set"):
        run(read_all(client, [ACME, NORD], concurrency=2))
    assert wire.exchanges == []


def test_a_403_refreshes_the_token_once_and_retries_once(sellers, connect, wire):
    script(sellers, {"operation": LIST_REGISTRATIONS, "status": 403})

    async def go():
        async with connect() as client:
            return await client.read_seller(NORD)

    live = run(go())
    assert live.error is None and live.registrations == ()
    first, second = wire.lwa()
    lists = wire.to(REGISTRATIONS)
    assert [e.response.status_code for e in lists] == [403, 200]
    assert lists[0].request.headers[ACCESS_TOKEN_HEADER] == first.json()["access_token"]
    assert lists[1].request.headers[ACCESS_TOKEN_HEADER] == second.json()["access_token"]
    assert second.form()["refresh_token"] == REFRESH[NORD]
    assert [e.response.status_code for e in wire.to(PARTICIPATIONS_PATH)] == [200]  # not read again


def test_a_403_that_survives_the_refresh_stops_that_seller_without_a_retry_storm(sellers, connect, wire):
    # nord goes first (concurrency 1), so both refusals are its participations call's
    script(sellers, {"operation": GET_PARTICIPATIONS, "status": 403, "times": 2})

    async def go():
        async with connect() as client:
            return await read_all(client, [NORD, SAKURA], concurrency=1)

    live = run(go())
    assert live[SAKURA.seller_id].error is None
    assert live[NORD.seller_id].unauthorized_in("EU").startswith(
        "getMarketplaceParticipations in EU answered 403 Unauthorized (Access to requested resource is denied., "
        "The access token you provided is revoked, malformed or invalid.): seller A1EXAMPLENORD01")
    nord = [e for e in wire.exchanges if e.path != LWA_TOKEN_PATH
            and wire.seller_of(e.request.headers[ACCESS_TOKEN_HEADER]) == REFRESH[NORD]]
    refused = [e for e in nord if e.path == PARTICIPATIONS_PATH]
    assert [e.response.status_code for e in refused] == [403, 403]  # the call and its one retry
    assert len(nord) <= 3  # and the concurrent listing, not retried on
    # nord's token twice (the refresh after the first 403), sakura's once, while nord was read
    assert sorted(e.form()["refresh_token"] for e in wire.lwa()) == [REFRESH[NORD]] * 2 + [REFRESH[SAKURA]]


def test_the_access_token_is_reused_until_a_minute_before_it_expires(sellers, connect, wire, fake_time):
    async def go():
        async with connect() as client:
            (created,) = await client.create_registration(NORD, "EU", [FR], "c" * 64, "d" * 64)
            await client.get_registration(NORD, created.registration_id)
            fake_time.now += 3600 - 61
            await client.get_registration(NORD, created.registration_id)
            assert len(wire.lwa()) == 1
            fake_time.now += 2
            await client.get_registration(NORD, created.registration_id)
            assert len(wire.lwa()) == 2

    run(go())


def test_throttling_and_server_errors_are_retried_honouring_retry_after(sellers, connect, fake_time):
    script(sellers, {"operation": LIST_REGISTRATIONS, "status": 429, "retryAfter": 7},
           {"operation": LIST_REGISTRATIONS, "status": 503}, {"operation": LIST_REGISTRATIONS, "status": 500})
    audit = MemoryAuditLog()

    async def go():
        async with connect(audit=audit, rng=lambda: 1.0) as client:
            return await client.read_seller(NORD)

    assert run(go()).error is None
    # Retry-After; then full-jitter ceilings 2**n * 0.5 (a 429 is not a failed attempt)
    assert fake_time.sleeps == [7.0, 0.5, 1.0]
    statuses = [e.status for e in audit.entries if e.operation == LIST_REGISTRATIONS]
    assert statuses == [429, 503, 500, 200]


def refuse_first_connection():
    """A refused connection (no server can answer with one): the first participations
    call fails to connect, as if the host were briefly unreachable."""
    refused = []

    def before(request: httpx.Request) -> None:
        if request.url.path == PARTICIPATIONS_PATH and not refused:
            refused.append(request)
            raise httpx.ConnectError("All connection attempts failed", request=request)
    return Recording(before)


@pytest.mark.parametrize("fault, error", [
    ({"latencyMs": 4000}, "ReadTimeout"),  # slower than the client's 2 s timeout
    ({"drop": True}, "RemoteProtocolError"),  # the sandbox closes the connection unanswered
    (None, "ConnectError"),
])
def test_timeouts_and_dropped_connections_are_retried(sellers, connect, fault, error):
    if fault is not None:
        script(sellers, {"operation": GET_PARTICIPATIONS, **fault})
    audit = MemoryAuditLog()
    transport = refuse_first_connection() if fault is None else None

    async def go():
        async with connect(audit=audit, timeout=2.0, transport=transport) as client:
            return await client.read_seller(SAKURA)

    assert run(go()).error is None
    kinds = [(e.status, e.error) for e in audit.entries if e.operation == GET_PARTICIPATIONS]
    assert kinds == [(None, error), (200, None)]


def test_five_failed_calls_in_a_row_stop_the_whole_run(sellers, connect, wire):
    sellers.faults(errorRate=1.0)  # every API call answers 500 or 503

    async def go():
        async with connect() as client:
            return await read_all(client, [ACME, NORD, SAKURA], concurrency=1)

    codes = "|".join(f"{s} {ERROR_CODES[s]}" for s in (500, 503))
    with pytest.raises(BreakerOpen, match=rf"5 calls in a row failed \(last: ({codes}) on \w+ for seller "
                                             rf"{ACME.seller_id}, request id [\w-]+\)") as raised:
        run(go())
    # the last failure's request id is the error's own too (apply shows it in its request id column)
    assert raised.value.request_id and f", request id {raised.value.request_id})" in raised.value.message
    assert str(raised.value).count(raised.value.request_id) == 1  # said once, where the failure is named
    failed = [e for e in wire.exchanges if e.path != LWA_TOKEN_PATH]
    # the fifth stops the run: only acme's other read, if already in flight, is answered after it
    assert 5 <= len(failed) <= 6 and {e.response.status_code for e in failed} <= {500, 503}
    assert [e.form()["refresh_token"] for e in wire.lwa()] == [REFRESH[ACME]]  # nord and sakura never started


def test_a_call_gives_up_after_its_attempts_and_only_that_seller_fails(sellers, connect, fake_time):
    script(sellers, {"operation": GET_PARTICIPATIONS, "status": 500, "times": 6})

    async def go():
        async with connect(policy=RetryPolicy(max_consecutive_failures=50)) as client:
            return await read_all(client, [NORD, SAKURA], concurrency=1)

    live = run(go())
    gave_up = "getMarketplaceParticipations for seller A1EXAMPLENORD01 gave up after 6 attempts"
    assert gave_up in live[NORD.seller_id].error
    assert live[SAKURA.seller_id].error is None
    assert len(fake_time.sleeps) == 5


def test_a_429_without_headers_waits_by_the_published_rate_until_the_time_budget(sellers, connect, fake_time):
    # SP-API's 429: QuotaExceeded with no Retry-After and no rate header (the sandbox's default)
    script(sellers, {"operation": GET_PARTICIPATIONS, "status": 429, "times": 10})

    async def go():
        async with connect() as client:
            return await read_all(client, [NORD], concurrency=1)

    live = run(go())
    # getMarketplaceParticipations refills one request every 62.5 s (0.016/s); the budget is 600 s
    assert fake_time.sleeps == [pytest.approx(62.5)] * 9
    assert ("still throttled after 562 s; the next try would be in 62 s (the operation's rate), past "
            "throttleBudgetSeconds (600 s)") in live[NORD.seller_id].error


def test_a_throttled_page_is_read_later_never_skipped(sellers, connect, fake_time):
    seed_rejected_history(sellers, NORD, REFRESH[NORD], 120)
    # the second page is throttled twice, as SP-API throttles: no headers
    sellers.faults(script=[{"operation": LIST_REGISTRATIONS, "times": 1},
                           {"operation": LIST_REGISTRATIONS, "status": 429, "times": 2}])
    fake_time.also = sellers.advance

    async def go():
        async with connect() as client:
            return await client.read_seller(NORD)

    assert len(run(go()).registrations) == 120  # every page, the throttled one included
    # listRegistrations refills 2 a second: each 429 drains the bucket, so the two retries and
    # the page after them each wait half a second
    assert fake_time.sleeps == [pytest.approx(0.5)] * 3


def read_both_with_nordlicht_throttled_once(sellers, connect, fake_time, operation: str) -> None:
    """nordlicht then sakura, one seller at a time (concurrency 1), the first `operation` answered
    429 once (nordlicht's: it goes first); both are read in the end."""
    script(sellers, {"operation": operation, "status": 429, "times": 1})
    fake_time.also = sellers.advance

    async def go():
        async with connect() as client:
            return await read_all(client, [NORD, SAKURA], concurrency=1)

    live = run(go())
    assert live[NORD.seller_id].error is None and live[SAKURA.seller_id].error is None


def test_a_seller_waiting_for_its_quota_lets_the_next_seller_work(sellers, connect, wire, fake_time):
    """One seller at a time (concurrency 1): nordlicht's participations are throttled, and while it
    waits 62.5 s for the refill it gives its place back, so sakura is read in the meantime."""
    read_both_with_nordlicht_throttled_once(sellers, connect, fake_time, GET_PARTICIPATIONS)
    assert fake_time.sleeps == [pytest.approx(62.5)]
    sent = [e.request for e in wire.exchanges if e.request.url.path == PARTICIPATIONS_PATH
            or e.request.url.path.endswith(REGISTRATIONS)]
    nord_token = next(r.headers[ACCESS_TOKEN_HEADER] for r in sent if NORD.seller_id in r.url.path)
    nord_participations = [i for i, r in enumerate(sent) if r.url.path == PARTICIPATIONS_PATH
                           and r.headers[ACCESS_TOKEN_HEADER] == nord_token]
    assert len(nord_participations) == 2  # throttled, then read after the wait
    throttled, retried = nord_participations
    sakura = next(i for i, r in enumerate(sent) if SAKURA.seller_id in r.url.path)
    order = [(r.url.path, r.headers[ACCESS_TOKEN_HEADER] == nord_token) for r in sent]
    assert throttled < sakura < retried, order  # sakura's read went out while nordlicht waited


def test_other_client_errors_are_not_retried_and_carry_code_message_and_request_id(sellers, connect, wire):
    script(sellers, {"operation": LIST_REGISTRATIONS, "status": 400})

    async def go():
        async with connect() as client:
            await client.read_seller(SAKURA)

    with pytest.raises(ApiError) as raised:
        run(go())
    (listed,) = wire.to(REGISTRATIONS)
    request_id = listed.response.headers[REQUEST_ID_HEADER]
    message = listed.json()["errors"][0]["message"]
    assert (raised.value.status, raised.value.code, raised.value.request_id) == (400, ERROR_CODES[400], request_id)
    assert str(raised.value) == (f"listRegistrations for seller A2EXAMPLESAKU01 failed: 400 {ERROR_CODES[400]}: "
                                 f"{message} (request id {request_id})")


def test_create_sends_the_submission_and_survives_a_drop_after_commit_without_duplicates(sellers, connect, wire):
    script(sellers, {"operation": CREATE_REGISTRATION, "drop": True}, {"operation": CREATE_REGISTRATION, "status": 503})

    async def go():
        async with connect() as client:
            return await client.create_registration(SAKURA, "FE", [JP], "c" * 64, "d" * 64)

    created = run(go())
    assert [(r.marketplace_id, r.status, r.client_token) for r in created] == [(JP, "SUBMITTED", "c" * 64)]
    posts = wire.to(REGISTRATIONS)
    assert [e.response and e.response.status_code for e in posts] == [None, 503, 202]
    assert len({e.request.content for e in posts}) == 1  # same body, same clientToken
    body = json.loads(posts[0].request.content)
    assert body["marketplaceIds"] == [JP] and body["submissionDigest"] == "d" * 64
    assert [r["registrationId"] for r in sellers.registrations()] == [created[0].registration_id]


def test_create_where_a_registration_is_open_raises_already_exists_naming_it(sellers, connect):
    async def go():
        async with connect() as client:
            (open_,) = await client.create_registration(NORD, "EU", [FR], "e" * 64, "d" * 64)
            with pytest.raises(AlreadyExists) as raised:
                await client.create_registration(NORD, "EU", [DE, FR], "c" * 64, "d" * 64)
            return open_, raised.value

    open_, error = run(go())
    assert error.marketplace_ids == (FR,) and error.registration_ids == (open_.registration_id,)
    assert error.status == 409 and "already has" in str(error)
    assert len(sellers.registrations()) == 1  # nothing was created


def test_an_idempotency_mismatch_is_a_plain_conflict(sellers, connect):
    async def go():
        async with connect() as client:
            await client.create_registration(NORD, "EU", [DE], "c" * 64, "d" * 64)
            await client.create_registration(NORD, "EU", [DE], "c" * 64, "f" * 64)  # same token, another body

    with pytest.raises(ApiError) as raised:
        run(go())
    assert not isinstance(raised.value, AlreadyExists) and "IdempotencyMismatch" in str(raised.value)


def test_create_refuses_marketplaces_outside_the_region(sellers, connect, wire):
    client = connect()
    with pytest.raises(ValueError, match="not in region NA"):
        run(client.create_registration(NORD, "NA", [DE], "c" * 64, "d" * 64))
    assert wire.exchanges == []


def test_client_side_buckets_pace_calls_and_adopt_the_announced_rate(sellers, connect, fake_time):
    seed_rejected_history(sellers, NORD, REFRESH[NORD], 560)
    sellers.faults(rates={LIST_REGISTRATIONS: 1})  # slower than the contract's 2/s: announced in each answer
    fake_time.also = sellers.advance  # the sandbox's buckets refill while the client waits

    async def go():
        async with connect() as client:
            return await client.read_seller(NORD)

    assert len(run(go()).registrations) == 560
    # 12 pages: the burst of 10 is free, the other 2 wait for tokens refilled at the announced 1/s
    assert fake_time.sleeps == [pytest.approx(1.0)] * 2


@pytest.mark.parametrize("status", [400, 404])
def test_the_rate_announced_on_a_400_or_404_paces_the_calls_after_it(sellers, connect, fake_time, status):
    """SP-API announces x-amzn-RateLimit-Limit on its 400 and 404 answers too: a seller whose calls
    only ever fail that way is still paced at the announced rate, not the published one."""
    # announced: 1 a second, below the published 2 (one above it would be clamped to the published rate)
    sellers.faults(rates={LIST_REGISTRATIONS: 1},
                   script=[{"operation": LIST_REGISTRATIONS, "status": status, "times": 12}])
    fake_time.also = sellers.advance

    async def go():
        async with connect() as client:
            for _ in range(12):
                with pytest.raises(ApiError) as raised:
                    await client.read_seller(NORD)
                assert raised.value.status == status

    run(go())
    # the burst of 10 is free; the 11th and 12th calls wait for tokens refilled at the announced 1/s
    assert fake_time.sleeps == [pytest.approx(1.0)] * 2


def test_the_audit_trail_has_every_attempt_and_no_secret(sellers, connect, wire):
    script(sellers, {"operation": LIST_REGISTRATIONS, "status": 403}, {"operation": LIST_REGISTRATIONS, "status": 503})
    audit = MemoryAuditLog()

    async def go():
        async with connect(audit=audit) as client:
            await read_all(client, [ACME, NORD, SAKURA], concurrency=3)
            await client.create_registration(SAKURA, "FE", [JP], "c" * 64, "d" * 64)

    run(go())
    assert len(audit.lines) == len(wire.exchanges)
    text = "\n".join(audit.lines)
    for secret in ("Atza|", "Atzr|", CLIENT_SECRET, "refresh"):
        assert secret not in text
    first = json.loads(audit.lines[0])
    assert first["operation"] == "lwaToken" and first["path"] == LWA_TOKEN_PATH and first["time"].endswith("Z")
    assert {json.loads(line)["operation"] for line in audit.lines} == {
        "lwaToken", GET_PARTICIPATIONS, LIST_REGISTRATIONS, CREATE_REGISTRATION}
    assert all("?" not in json.loads(line)["path"] for line in audit.lines)
    assert {json.loads(line)["status"] for line in audit.lines} >= {200, 202, 403, 503}


def test_an_lwa_error_that_echoes_the_refresh_token_does_not_leak_it(sellers, connect):
    sellers.faults(echoCredentials="message")
    env = {**TOKENS, "ACORN_NORDLICHT_DE_REFRESH_TOKEN": "Atzr|nord-revoked"}

    async def go():
        async with connect(env) as client:
            return await read_all(client, [NORD], concurrency=1)

    error = run(go())[NORD.seller_id].unauthorized_in("EU")
    assert "400 invalid_grant: " in error and "(sent refresh_token *** " in error
    assert "nord-revoked" not in error and CLIENT_SECRET not in error


def looping_lists(page) -> Recording:
    """The served sandbox, but its listRegistrations answers are replaced by `page(n)`: a
    server paging in a loop or without end, which no correct server does and the sandbox
    therefore cannot be asked to do."""
    served = []

    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith(REGISTRATIONS):
            served.append(request)
            return httpx.Response(200, json=page(len(served)), request=request)
        return response
    return Recording(rewrite=rewrite)


def test_a_server_repeating_its_next_token_is_an_error_not_an_endless_read(sellers, connect, sandbox_url):
    looping = looping_lists(lambda n: {"registrations": [], "pagination": {"nextToken": "again"}})

    async def go():
        async with connect(transport=looping) as client:
            return await read_all(client, [NORD], concurrency=1)

    error = run(go())[NORD.seller_id].error
    assert error.startswith(f"listRegistrations for seller {NORD.seller_id} on {sandbox_url}: page 3 would repeat "
                            "an earlier nextToken")
    assert len(looping.to(REGISTRATIONS)) == 2


def test_a_server_paging_without_end_is_stopped_at_the_page_cap(sellers, connect, monkeypatch):
    from reconciler.client import api as api_module
    monkeypatch.setattr(api_module, "MAX_PAGES", 4)
    endless = looping_lists(lambda n: {"registrations": [], "pagination": {"nextToken": f"p{n}"}})

    async def go():
        async with connect(transport=endless) as client:
            await client.read_seller(NORD)

    with pytest.raises(ApiError, match="more than 4 pages of 50; stopping"):
        run(go())
    assert len(endless.to(REGISTRATIONS)) == 4


def test_a_retry_after_beyond_the_wait_budget_says_the_call_is_still_throttled(sellers, connect, fake_time):
    script(sellers, {"operation": GET_PARTICIPATIONS, "status": 429, "retryAfter": 120})

    async def go():
        async with connect(throttle_budget=60) as client:
            return await read_all(client, [NORD], concurrency=1)

    error = run(go())[NORD.seller_id].error
    # the one budget check's message, whether the wait is the service's Retry-After or the published rate
    assert error.startswith("getMarketplaceParticipations for seller A1EXAMPLENORD01 is still throttled after 0 s; "
                            "the next try would be in 120 s (the service's Retry-After), past "
                            "throttleBudgetSeconds (60 s)")
    assert f"429 {ERROR_CODES[429]}" in error and fake_time.sleeps == []


def refuse_the_port(request: httpx.Request) -> None:
    """What the socket layer raises for a port past 65535 (no server is involved)."""
    raise OverflowError("connect(): port must be 0-65535.")


@pytest.mark.parametrize("endpoint, before, kind", [
    ("http://[::1", None, "InvalidURL"),  # httpx cannot even build the request
    (None, refuse_the_port, "OverflowError"),  # the socket refuses the port
    ("ftp://acorn.test", None, "UnsupportedProtocol"),  # the real transport refuses the scheme, before any socket
    ("http://:80", None, "\\w+"),  # no host
])
def test_an_endpoint_that_cannot_be_sent_to_stops_the_run_with_one_clear_error(make_client, sandbox_url, endpoint,
                                                                                before, kind):
    async def go():
        async with make_client(Recording(before), TOKENS, endpoint=endpoint or sandbox_url) as client:
            return await read_all(client, [ACME, NORD], concurrency=2)

    with pytest.raises(EndpointUnusable,
                       match=rf"^\w+ for seller \w+ cannot be sent to \S+: {kind}: .*\(check the endpoint\)$"):
        run(go())


def test_a_bug_in_a_seller_task_is_raised_as_itself_not_as_an_exception_group(sellers, connect):
    def bug(request: httpx.Request) -> None:
        if request.url.path.endswith(REGISTRATIONS):
            raise KeyError("bug")  # a bug, which no server can cause

    async def go():
        async with connect(transport=Recording(bug)) as client:
            return await read_all(client, [NORD, SAKURA], concurrency=2)

    with pytest.raises(KeyError, match="bug"):
        run(go())


def test_each_regions_token_is_exchanged_on_its_own_and_sent_only_to_that_region(sandbox, connect, wire):
    """A seller authorized separately in NA and EU (one refresh token each), and not in FE."""
    from dataclasses import replace

    from reconciler.domain.model import Credentials, RegionCredential, SecretRef

    sandbox.http.post("/_sandbox/sellers", json={
        "sellerId": ACME.seller_id, "legalEntityName": "Shenzhen Acme Trading Co., Ltd.",
        "refreshTokens": {"NA": "Atzr|acme-na", "EU": "Atzr|acme-eu"}, "participations": ["US", "DE"]}
    ).raise_for_status()
    acme = replace(ACME, credentials=Credentials(regions=(
        ("NA", RegionCredential(SecretRef("env", "ACME_NA"))), ("EU", RegionCredential(SecretRef("env", "ACME_EU"))),
        ("FE", RegionCredential(SecretRef("env", "ACME_NA"))))))  # FE holds NA's token: not authorized there

    async def go():
        async with connect({"ACME_NA": "Atzr|acme-na", "ACME_EU": "Atzr|acme-eu"}) as client:
            return await client.read_seller(acme)

    live = run(go())
    assert live.participations == frozenset(ids("US", "DE"))
    assert [r for r, _ in live.unauthorized] == ["FE"]
    issued = {e.json()["access_token"]: e.form()["refresh_token"] for e in wire.lwa()}
    sent = {(e.request.headers[REGION_HEADER], issued[e.request.headers[ACCESS_TOKEN_HEADER]])
            for e in wire.exchanges if e.path != LWA_TOKEN_PATH}
    assert sent == {("NA", "Atzr|acme-na"), ("EU", "Atzr|acme-eu"), ("FE", "Atzr|acme-na")}
    assert all(e.response.status_code == 403 for e in wire.exchanges
               if e.path != LWA_TOKEN_PATH and e.request.headers[REGION_HEADER] == "FE")


@pytest.mark.parametrize("retry_after, waits", [(1, [1.0]), (0, [RetryPolicy().base])])
def test_a_429s_retry_after_is_waited_and_a_retry_after_of_0_waits_the_first_backoff(sellers, connect, fake_time,
                                                                                     retry_after, waits):
    """A 429's Retry-After is the wait (the bucket is not drained as well); `Retry-After: 0`
    would retry at once, so the client waits its first backoff instead."""
    script(sellers, {"operation": LIST_REGISTRATIONS, "status": 429, "retryAfter": retry_after})

    async def go():
        async with connect() as client:
            return await client.read_seller(NORD)

    assert run(go()).error is None
    assert fake_time.sleeps == waits


def test_a_wait_for_a_quota_of_a_second_or_more_is_told_to_the_listener(sellers, connect, fake_time):
    """What a terminal shows (`acorn plan`'s throttle note): whose call waits, and how long; a
    refill of half a second is not worth a line."""
    script(sellers, {"operation": GET_PARTICIPATIONS, "status": 429, "retryAfter": 1},
           {"operation": LIST_REGISTRATIONS, "status": 429})
    heard: list[tuple[str, float]] = []

    async def go():
        async with connect(on_throttle=lambda call, wait: heard.append((call.describe(), wait))) as client:
            return await client.read_seller(NORD)

    assert run(go()).error is None
    assert fake_time.sleeps == [1.0, pytest.approx(0.5)]
    assert heard == [(f"getMarketplaceParticipations for seller {NORD.seller_id}", 1.0)]


def test_a_wait_that_ends_exactly_at_the_throttle_budget_is_still_waited(sellers, connect, fake_time):
    script(sellers, {"operation": GET_PARTICIPATIONS, "status": 429, "times": 2})

    async def go():
        async with connect(throttle_budget=125) as client:  # two refills of 62.5 s
            return await client.read_seller(NORD)

    assert run(go()).error is None
    assert fake_time.sleeps == [pytest.approx(62.5)] * 2


def announcing_on_429(rate: str) -> Recording:
    """SP-API's 429 carries no rate header; this server announces its rate on the 429 too
    (the sandbox never does): the client adopts it, clamped, as on any other answer."""
    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if response.status_code == 429:
            response.headers[RATE_LIMIT_HEADER] = rate
        return response
    return Recording(rewrite=rewrite)


def test_a_rate_announced_on_a_429_sets_the_wait_for_the_refill(sellers, connect, fake_time):
    script(sellers, {"operation": LIST_REGISTRATIONS, "status": 429})

    async def go():
        async with connect(transport=announcing_on_429("1.0")) as client:
            return await client.read_seller(NORD)

    assert run(go()).error is None
    assert fake_time.sleeps == [pytest.approx(1.0)]  # the refill at the announced 1/s, not the published 2/s


def test_a_throttled_token_exchange_waits_the_first_backoff_and_its_base(sellers, connect, fake_time):
    """Login with Amazon publishes no rate: a 429 from it waits a jittered first backoff plus
    the base (rng 0.5: 0.25 + 0.5 s), then the exchange is tried again."""
    throttled = []

    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path == LWA_TOKEN_PATH and not throttled:
            throttled.append(request)
            return httpx.Response(429, json={"error": "slow_down"}, request=request)
        return response

    async def go():
        async with connect(transport=Recording(rewrite=rewrite)) as client:
            return await client.read_seller(NORD)

    assert run(go()).error is None
    assert len(throttled) == 1 and fake_time.sleeps == [0.75]


def test_a_retry_after_longer_than_the_call_may_still_wait_gives_up_saying_so(sellers, connect, fake_time):
    script(sellers, *[{"operation": GET_PARTICIPATIONS, "status": 503, "retryAfter": s} for s in (30, 30, 5)])

    async def go():
        async with connect() as client:
            return await read_all(client, [NORD], concurrency=1)

    error = run(go())[NORD.seller_id].error
    assert fake_time.sleeps == [30.0, 30.0]
    assert error.startswith(f"getMarketplaceParticipations for seller {NORD.seller_id} is not available now: the "
                            "service asks to retry in 5 s, longer than this call may wait (0 s); try again later "
                            f"(last: 503 {ERROR_CODES[503]} on getMarketplaceParticipations")


def test_a_call_out_of_attempts_says_so_even_when_the_services_wait_would_fit(sellers, connect, fake_time):
    script(sellers, {"operation": GET_PARTICIPATIONS, "status": 503, "retryAfter": 10, "times": 6})

    async def go():
        async with connect(policy=RetryPolicy(max_consecutive_failures=50)) as client:
            return await read_all(client, [NORD], concurrency=1)

    error = run(go())[NORD.seller_id].error
    # after 5 waits of 10 s, 10 s of the minute are left: the Retry-After fits, the attempts do not
    assert error.startswith(f"getMarketplaceParticipations for seller {NORD.seller_id} gave up after 6 attempts "
                            "and 50.0 s of waiting (last: 503")


def test_every_call_asks_for_json_and_dates_itself_in_utc_whatever_the_machines_zone(sellers, connect, wire,
                                                                                      machine_in_tokyo):
    async def go():
        async with connect() as client:
            return await client.read_seller(NORD)

    assert run(go()).error is None
    api_calls = [e.request for e in wire.exchanges if e.path != LWA_TOKEN_PATH]
    assert api_calls and {r.headers["accept"] for r in api_calls} == {"application/json"}
    for r in api_calls:
        sent = datetime.strptime(r.headers[DATE_HEADER], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        assert abs(sent - datetime.now(timezone.utc)) < timedelta(hours=1), r.headers[DATE_HEADER]


def without_request_id(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """What a proxy or load balancer in front of the service answers: no x-amzn-RequestId."""
    headers = {k: v for k, v in response.headers.items() if k.lower() != REQUEST_ID_HEADER.lower()}
    return httpx.Response(response.status_code, headers=headers, content=response.content, request=request)


def test_a_failure_without_a_request_id_is_named_without_one(sellers, connect, fake_time):
    script(sellers, {"operation": GET_PARTICIPATIONS, "status": 503, "times": 6})

    async def go():
        async with connect(transport=Recording(rewrite=without_request_id),
                           policy=RetryPolicy(max_consecutive_failures=50)) as client:
            return await read_all(client, [NORD], concurrency=1)

    error = run(go())[NORD.seller_id].error
    assert error.endswith(f"(last: 503 {ERROR_CODES[503]} on getMarketplaceParticipations for seller "
                          f"{NORD.seller_id})")


def participations_answered(connect, answer: httpx.Response) -> ApiError:
    """The error reading NORD raises when the participations call is answered `answer`."""
    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content,
                              request=request) if request.url.path == PARTICIPATIONS_PATH else response

    async def go():
        async with connect(transport=Recording(rewrite=rewrite)) as client:
            return await client.read_seller(NORD)

    with pytest.raises(ApiError) as raised:
        run(go())
    return raised.value


@pytest.mark.parametrize("status", [300, 301, 302])
def test_an_answer_that_redirects_is_an_error_never_read_as_the_data(sellers, connect, status):
    error = participations_answered(connect, httpx.Response(status, json={"payload": []},
                                                            headers={"location": "http://127.0.0.1:9/"}))
    assert error.status == status


def test_a_success_that_is_not_json_is_an_error_naming_the_path_and_request_id(sellers, connect):
    error = participations_answered(connect, httpx.Response(200, text="<html>maintenance</html>",
                                                            headers={REQUEST_ID_HEADER: "rid-html"}))
    assert str(error) == f"unexpected answer from {PARTICIPATIONS_PATH}: not JSON (request id rid-html)"


def test_login_with_amazons_temporarily_unavailable_is_retried_whatever_its_status(sellers, connect, fake_time, wire):
    """LWA says `temporarily_unavailable` (OAuth 2.0's error for an overloaded server) in a 400's
    body too: the exchange is tried again after a backoff, not taken as a refused token."""
    busy = []

    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path == LWA_TOKEN_PATH and not busy:
            busy.append(request)
            return httpx.Response(400, json={"error": "temporarily_unavailable",
                                             "error_description": "The server is temporarily unavailable"},
                                  request=request)
        return response

    async def go():
        async with connect(transport=Recording(rewrite=rewrite)) as client:
            return await client.read_seller(NORD)

    assert run(go()).error is None
    assert len(busy) == 1 and fake_time.sleeps == [0.25]  # the first backoff, rng 0.5


def refuse_every_connection(request: httpx.Request) -> None:
    """The host is down: no connection is ever made (no server can answer with that)."""
    raise httpx.ConnectError("All connection attempts failed", request=request)


def test_connections_that_keep_failing_name_the_last_failure_when_the_run_stops(sellers, connect):
    async def go():
        async with connect(transport=Recording(refuse_every_connection)) as client:
            return await read_all(client, [NORD], concurrency=1)

    with pytest.raises(BreakerOpen) as raised:
        run(go())
    assert "5 calls in a row failed (last: ConnectError on lwaToken for seller A1EXAMPLENORD01)" in str(raised.value)


def test_a_call_whose_connection_keeps_dropping_gives_up_naming_the_failure(sellers, connect):
    refused = []

    def drop_participations(request: httpx.Request) -> None:
        if request.url.path == PARTICIPATIONS_PATH:
            refused.append(request)
            raise httpx.ConnectError("All connection attempts failed", request=request)

    async def go():
        async with connect(transport=Recording(drop_participations),
                           policy=RetryPolicy(max_consecutive_failures=50)) as client:
            return await read_all(client, [NORD], concurrency=1)

    error = run(go())[NORD.seller_id].error
    assert len(refused) == 6
    assert error.endswith(f"(last: ConnectError on getMarketplaceParticipations for seller {NORD.seller_id})")


def test_an_answer_whose_body_cannot_be_decoded_fails_at_once_naming_why(sellers, connect):
    def garbled(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path == PARTICIPATIONS_PATH:  # says gzip, is not: a broken proxy
            return httpx.Response(200, headers={"content-encoding": "gzip"}, content=b"not gzip", request=request)
        return response

    async def go():
        async with connect(transport=Recording(rewrite=garbled)) as client:
            return await client.read_seller(NORD)

    with pytest.raises(ApiError, match=f"^getMarketplaceParticipations for seller {NORD.seller_id} failed: "
                                       "DecodingError: "):
        run(go())


def test_a_seller_waiting_half_a_second_for_its_quota_also_lets_the_next_seller_work(sellers, connect, wire,
                                                                                    fake_time):
    """Any wait for a quota gives the place back, not only long ones: listRegistrations refills
    in half a second, and sakura's read still goes out meanwhile (concurrency 1)."""
    read_both_with_nordlicht_throttled_once(sellers, connect, fake_time, LIST_REGISTRATIONS)
    assert fake_time.sleeps == [pytest.approx(0.5)]
    lists = [e for e in wire.exchanges if e.request.url.path.endswith(REGISTRATIONS)]
    seller_of = [e.request.url.path.split("/sellers/")[1].split("/")[0] for e in lists]
    # nordlicht throttled, sakura read while it waited, then nordlicht's retry
    assert seller_of == [NORD.seller_id, SAKURA.seller_id, NORD.seller_id]
