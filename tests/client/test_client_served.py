"""The client against the served sandbox over real HTTP on 127.0.0.1 (real time, real
sockets): paging, faults, the run breaker, 403 refresh-once, idempotent creates under drops."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from reconciler.client import AcornClient, MemoryAuditLog
from reconciler.desired.settings import Settings
from reconciler.domain import catalogue
from reconciler.domain.submission import client_token, submission_digest
from reconciler.errors import ApplicationAccessError, BreakerOpen
from tests.client.client_support import CLIENT_SECRET, make_entity, read_all

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
            return await read_all(c, [ALPHA, BETA, GAMMA], concurrency=1)

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
            return await read_all(c, [ALPHA, BETA, GAMMA], concurrency=3)

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
            return await read_all(c, [ALPHA, BETA], concurrency=1)

    live = asyncio.run(go())
    assert live[ALPHA.seller_id].error is None and live[ALPHA.seller_id].participations == frozenset(ids("US", "MX"))
    alpha = [(e.operation, e.status) for e in audit.entries if e.seller_id == ALPHA.seller_id]
    first_read = 1 + 2 * 3  # one exchange (one refresh token for every region), two reads in each of NA, EU, FE
    # both NA reads are refused at once (SP-API's "revoked, malformed or invalid" details), the
    # refresh token is exchanged once, and the new access token serves NA, EU and FE after it
    assert Counter(alpha[first_read:]) == Counter({("getMarketplaceParticipations", 403): 1,
                                                   ("listRegistrations", 403): 1, ("lwaToken", 200): 1,
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


def fleet(sandbox, count: int, regions=("NA",)) -> tuple[list, dict[str, str]]:
    """`count` sellers selling in US and DE whose tokens are authorized in `regions` only."""
    entities, env = [], {**ENV}
    for i in range(count):
        entity = make_entity(f"s{i}", f"A{i:02d}FLEET00000", ("US", "DE"), env_name=f"S{i}_TOKEN")
        sandbox.seller(entity.seller_id, f"Atzr|s{i}", participations=("US",), regions=regions)
        entities.append(entity)
        env[f"S{i}_TOKEN"] = f"Atzr|s{i}"
    return entities, env


def test_a_403_every_seller_of_a_region_gets_is_one_application_finding_not_n_requests(sandbox, sandbox_url,
                                                                                         tmp_path):
    entities, env = fleet(sandbox, 8)  # none authorized in EU: from EU's host, the app looks refused
    audit = MemoryAuditLog()

    async def go():
        async with client(sandbox_url, tmp_path, audit, env) as c:
            return await read_all(c, entities, concurrency=1)

    with pytest.raises(ApplicationAccessError) as raised:
        asyncio.run(go())
    message = str(raised.value)
    assert message.startswith("SP-API refused the application in EU for the first 5 sellers read there and "
                              "accepted none")
    assert "check the app's roles" in message and "stopping the run" in message
    # stopped at the fifth seller: the other three are never asked
    assert {e.seller_id for e in audit.entries} == {e.seller_id for e in entities[:5]}


def test_one_seller_accepted_in_a_region_makes_the_others_refusals_their_own(sandbox, sandbox_url, tmp_path):
    authorized, env = fleet(sandbox, 1, regions=("NA", "EU"))
    refused, more = fleet_named(sandbox, 6)

    async def go():
        async with client(sandbox_url, tmp_path, MemoryAuditLog(), {**env, **more}) as c:
            return await read_all(c, authorized + refused, concurrency=1)

    live = asyncio.run(go())
    assert [r for r, _ in live[authorized[0].seller_id].unauthorized] == []
    assert all([r for r, _ in live[e.seller_id].unauthorized] == ["EU"] for e in refused)


def fleet_named(sandbox, count: int) -> tuple[list, dict[str, str]]:
    entities, env = [], {}
    for i in range(count):
        entity = make_entity(f"r{i}", f"A{i:02d}REFUSED0000", ("US", "DE"), env_name=f"R{i}_TOKEN")
        sandbox.seller(entity.seller_id, f"Atzr|r{i}", participations=("US",), regions=("NA",))
        entities.append(entity)
        env[f"R{i}_TOKEN"] = f"Atzr|r{i}"
    return entities, env


def test_an_expired_client_secret_stops_the_run_at_its_first_answer_with_one_exchange(sandbox, sandbox_url,
                                                                                     tmp_path):
    entities, env = fleet(sandbox, 4, regions=("NA", "EU"))
    sandbox.faults(expiredClientSecret=True)
    audit = MemoryAuditLog()

    async def go():
        async with client(sandbox_url, tmp_path, audit, env) as c:
            return await read_all(c, entities, concurrency=1)

    with pytest.raises(ApplicationAccessError, match="rotate lwa.clientSecret"):
        asyncio.run(go())
    calls = [(e.seller_id, e.operation) for e in audit.entries]
    # the first seller's one exchange and its first region's two reads: not 4 sellers x 2 regions x
    # (exchange, refresh, reads), and no seller is asked to authorize again
    assert [op for _, op in calls].count("lwaToken") == 1 and len(calls) <= 3
    assert {s for s, _ in calls} == {entities[0].seller_id}


def far_east(sandbox) -> None:
    """One brand with two Far East accounts, as developers report them: JP and AU apart."""
    sandbox.seller("A7KOJP0000001", "Atzr|ko-jp", participations=("JP",), regions=("FE",))
    sandbox.seller("A7KOAU0000001", "Atzr|ko-au", participations=("AU",), regions=("FE",))


def test_a_far_east_marketplace_the_fe_token_does_not_reach_is_never_taken_as_not_live(sandbox, sandbox_url,
                                                                                         tmp_path):
    from reconciler.domain.policy import Policy
    from reconciler.engine.plan import plan_entity

    far_east(sandbox)
    ko = make_entity("ko", "A7KOJP0000001", ("JP", "AU"), env_name="KO_FE")

    async def go():
        async with client(sandbox_url, tmp_path, MemoryAuditLog(), {**ENV, "KO_FE": "Atzr|ko-jp"}) as c:
            return await c.read_seller(ko)

    live = asyncio.run(go())
    assert live.participations == frozenset(ids("JP")) and live.unauthorized == ()
    assert [code for code, _ in live.unread] == ["AU"]
    assert live.unread_in("AU").startswith("AU is not among the marketplaces seller A7KOJP0000001's FE authorization "
                                           "reaches (JP): in the Far East each marketplace may be a separate account")
    planned = plan_entity(ko, live, date(2026, 12, 1), Policy())
    states = {p.marketplace: p.state for p in planned.pairs}
    assert states == {"JP": "live", "AU": "unauthorized"} and planned.creates == ()  # never a create for AU


def test_a_named_far_east_account_is_read_and_written_with_its_own_seller_id_and_token(sandbox, sandbox_url,
                                                                                        tmp_path):
    from reconciler.domain.model import Credentials, MarketplaceAccount, RegionCredential, SecretRef

    far_east(sandbox)
    au = MarketplaceAccount(("AU", "SG"), RegionCredential(SecretRef("env", "KO_AU")), "A7KOAU0000001")
    ko = replace(make_entity("ko", "A7KOJP0000001", ("JP", "AU", "SG")),
                 credentials=Credentials(regions=(("FE", RegionCredential(SecretRef("env", "KO_FE"))),),
                                         accounts=(au,)))
    audit = MemoryAuditLog()

    async def go():
        async with client(sandbox_url, tmp_path, audit, {**ENV, "KO_FE": "Atzr|ko-jp", "KO_AU": "Atzr|ko-au"}) as c:
            live = await c.read_seller(ko)
            made = await create(c, ko, "FE", ["SG"])
            return live, made

    live, made = asyncio.run(go())
    assert live.participations == frozenset(ids("JP", "AU")) and live.unread == () and live.unauthorized == ()
    assert [(r.seller_id, r.marketplace_id) for r in made] == [("A7KOAU0000001", ids("SG")[0])]
    # each account with its own token: two exchanges, and the create went to the AU account's path
    assert [e.operation for e in audit.entries].count("lwaToken") == 2
    assert any(e.operation == "createRegistration" and "A7KOAU0000001" in e.path for e in audit.entries)
