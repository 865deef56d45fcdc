"""The client against the served sandbox over real HTTP on 127.0.0.1 (real time, real
sockets): paging, faults, the run breaker, 403 refresh-once, idempotent creates under drops."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.client import AcornClient, MemoryAuditLog
from reconciler.desired.settings import Settings
from reconciler.domain import catalogue
from reconciler.domain.submission import client_token, submission_digest
from reconciler.errors import BreakerOpen
from tests.client.client_support import CLIENT_SECRET, make_entity

EU_TAXED = ["UK", "DE", "FR", "IT", "ES", "NL", "SE", "PL", "BE", "IE"]  # each needs a tax number
ALPHA = replace(make_entity("alpha", "A1ALPHA00001", ("US", "DE", "JP"), env_name="ALPHA_TOKEN"))
BETA = make_entity("beta", "A2BETA000002", ("DE", "FR"), env_name="BETA_TOKEN")
GAMMA = make_entity("gamma", "A3GAMMA00003", ("JP", "AU"), env_name="GAMMA_TOKEN")
ENV = {"ALPHA_TOKEN": "Atzr|alpha-refresh", "BETA_TOKEN": "Atzr|beta-refresh", "GAMMA_TOKEN": "Atzr|gamma-refresh",
       "LWA_CLIENT_ID": "acorn-test", "LWA_CLIENT_SECRET": CLIENT_SECRET}


def client(url: str, tmp_path: Path, audit: MemoryAuditLog, env: dict[str, str] = ENV, seed: int = 1) -> AcornClient:
    return AcornClient(Settings(endpoint=url), env, base_dir=tmp_path, audit=audit, rng=random.Random(seed).random)


def seed_three(sandbox) -> None:
    sandbox.seller(ALPHA.seller_id, "Atzr|alpha-refresh", participations=("US", "MX"))
    sandbox.seller(BETA.seller_id, "Atzr|beta-refresh", participations=("DE",))
    sandbox.seller(GAMMA.seller_id, "Atzr|gamma-refresh")


def ids(*codes: str) -> list[str]:
    return [catalogue.by_code(c).marketplace_id for c in codes]


async def create(c: AcornClient, entity, region: str, codes: list[str]):
    digest = submission_digest(entity.submission)
    return await c.create_registration(entity, region, ids(*codes), client_token(entity.seller_id, ids(*codes), digest),
                                       digest)


def test_a_full_read_follows_every_page(sandbox, sandbox_url, tmp_path):
    untaxed = replace(ALPHA, submission=replace(ALPHA.submission, tax_registrations=()))
    sandbox.seller(ALPHA.seller_id, "Atzr|alpha-refresh", participations=("US",))
    audit = MemoryAuditLog()

    async def go():
        async with client(sandbox_url, tmp_path, audit) as c:
            for round_ in range(6):  # each round is rejected (no tax numbers), so the next may create again
                sub = replace(untaxed.submission, legal_entity_name=f"Acme round {round_}")
                await create(c, replace(untaxed, submission=sub), "EU", EU_TAXED)
                sandbox.advance(400)
            return await c.read_seller(ALPHA)

    live = asyncio.run(go())
    state = sandbox.state()
    assert len(live.registrations) == 60
    assert {r.registration_id for r in live.registrations} == {r["registrationId"] for r in state["registrations"]}
    assert {r.status for r in live.registrations} == {"REJECTED"}
    assert live.participations == frozenset(ids("US"))
    # NA, EU (two pages: every registration is in EU) and FE, each region on its own
    assert [e.status for e in audit.entries if e.operation == "listRegistrations"] == [200] * 4


def test_faults_slow_failing_throttled_and_dropping_still_give_the_right_answer(sandbox, sandbox_url, tmp_path):
    seed_three(sandbox)

    async def run(audit):
        async with client(sandbox_url, tmp_path, audit) as c:
            await create(c, BETA, "EU", ["FR"])
            await create(c, GAMMA, "FE", ["JP", "AU"])
            await create(c, GAMMA, "FE", ["JP", "AU"])  # a rerun of the same create changes nothing
            return await c.read_all([ALPHA, BETA, GAMMA], concurrency=1)

    expected = asyncio.run(run(MemoryAuditLog()))
    # Injected 429s with Retry-After: 1 (the sandbox's old 429s); SP-API's own, with no headers,
    # would make the client wait 62.5 s for participations (see test_client_throttling.py).
    faults = dict(latencyMs=20, errorRate=0.3, throttleEveryNth=5, dropAfterCommitRate=0.5, seed=4,
                  retryAfterOn429=True)
    sandbox.faults(**faults)
    audit = MemoryAuditLog()
    sandbox.reset()
    seed_three(sandbox)
    sandbox.faults(**faults)
    live = asyncio.run(run(audit))

    def shape(result):
        return {s: (v.participations, sorted((r.marketplace_id, r.status) for r in v.registrations), v.error)
                for s, v in result.items()}
    assert shape(live) == shape(expected)
    assert len(sandbox.state()["registrations"]) == 3  # FR for beta, JP and AU for gamma: no duplicates
    outcomes = {e.status or e.error for e in audit.entries}
    assert {429, 200, 202} <= outcomes and outcomes & {500, 503}  # the faults did happen


def test_five_failures_in_a_row_stop_the_run(sandbox, sandbox_url, tmp_path):
    seed_three(sandbox)
    sandbox.faults(errorRate=1.0)
    audit = MemoryAuditLog()

    async def go():
        async with client(sandbox_url, tmp_path, audit) as c:
            return await c.read_all([ALPHA, BETA, GAMMA], concurrency=3)

    with pytest.raises(BreakerOpen, match=r"ACORN-i is not answering: 5 calls in a row failed \(last: 50[03] "):
        asyncio.run(go())
    failed = [e for e in audit.entries if e.operation != "lwaToken"]
    # the fifth failure stops every seller: only calls already in flight (3 sellers at once) finish
    assert 5 <= len(failed) <= 5 + 2 and {e.status for e in failed} <= {500, 503}


def test_an_expired_token_is_refreshed_once_and_a_foreign_one_is_refused_in_its_region(sandbox, sandbox_url,
                                                                                       tmp_path):
    seed_three(sandbox)
    # beta's entity holds gamma's refresh token: LWA answers, but the token acts for gamma only
    env = {**ENV, "BETA_TOKEN": "Atzr|gamma-refresh"}
    audit = MemoryAuditLog()

    async def go():
        async with client(sandbox_url, tmp_path, audit, env) as c:
            await c.read_seller(ALPHA)
            sandbox.advance(3700)  # the sandbox expires the access tokens; the client's clock does not know
            return await c.read_all([ALPHA, BETA], concurrency=1)

    live = asyncio.run(go())
    assert live[ALPHA.seller_id].error is None and live[ALPHA.seller_id].participations == frozenset(ids("US", "MX"))
    alpha = [(e.operation, e.status) for e in audit.entries if e.seller_id == ALPHA.seller_id]
    first_read = 3 * 3  # an exchange and two reads in each of NA, EU, FE
    # in each region both reads are refused at once (SP-API's "revoked, malformed or invalid"
    # details), that region's refresh token is exchanged once, and both retry once
    assert Counter(alpha[first_read:]) == Counter({("getMarketplaceParticipations", 403): 3,
                                                   ("listRegistrations", 403): 3, ("lwaToken", 200): 3,
                                                   ("getMarketplaceParticipations", 200): 3,
                                                   ("listRegistrations", 200): 3})
    refreshed = alpha.index(("lwaToken", 200), first_read)
    assert all(status == 403 for _, status in alpha[first_read:refreshed])  # nothing succeeded before the refresh
    # beta: participations name no seller (the token decides); the registrations path does and is
    # refused with empty details, which no new token can cure: no refresh, beta's EU is unauthorized
    assert live[BETA.seller_id].error is None
    assert "403 Unauthorized (Access to requested resource is denied.)" in live[BETA.seller_id].unauthorized_in("EU")
    beta = [(e.operation, e.status) for e in audit.entries if e.seller_id == BETA.seller_id]
    assert beta[0] == ("lwaToken", 200)
    assert Counter(beta[1:]) == Counter({("getMarketplaceParticipations", 200): 1, ("listRegistrations", 403): 1})


def test_a_create_whose_connection_drops_after_commit_is_retried_without_a_duplicate(sandbox, sandbox_url, tmp_path):
    seed_three(sandbox)
    sandbox.faults(dropAfterCommitRate=1.0)
    audit = MemoryAuditLog()

    async def go():
        async with client(sandbox_url, tmp_path, audit) as c:
            return await create(c, BETA, "EU", ["FR", "IT"])

    created = asyncio.run(go())
    assert sorted(r.marketplace_id for r in created) == sorted(ids("FR", "IT"))
    assert sorted(r["registrationId"] for r in sandbox.state()["registrations"]) == sorted(
        r.registration_id for r in created)
    attempts = [(e.status, e.error) for e in audit.entries if e.operation == "createRegistration"]
    assert attempts[0] == (None, "RemoteProtocolError") and attempts[-1] == (202, None)
