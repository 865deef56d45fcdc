"""A seller's access token is exchanged while the seller before it is read, so its first call
does not wait for Login with Amazon (a round trip of its own), and never twice; a run that is
going wrong asks nothing of sellers it has not reached."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

import httpx
import pytest

from reconciler.domain.contract import LWA_TOKEN_PATH
from tests.client.client_support import make_entity, read_all

SELLERS = [make_entity(f"seller-{i}", f"A{i}EXAMPLESELLER", ("DE",)) for i in range(4)]
ENV = {f"ACORN_SELLER_{i}_REFRESH_TOKEN": f"Atzr|refresh-of-seller-{i}" for i in range(4)}


def fleet_transport(refuse: str | None = None, early: bool = False):
    """A fake ACORN-i: every seller has no registration; `refuse` is a seller whose token LWA refuses.
    `early`: seller 1's participations are answered only once seller 2's token was asked for (else 500)."""
    asked: list[str] = []  # the refresh tokens LWA was asked for, in order
    seller_2_asked = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == LWA_TOKEN_PATH:
            token = parse_qs(request.content.decode())["refresh_token"][0]
            asked.append(token)
            if token == ENV["ACORN_SELLER_2_REFRESH_TOKEN"]:
                seller_2_asked.set()
            if token == refuse:
                return httpx.Response(400, json={"error": "invalid_grant", "error_description": "refused"})
            return httpx.Response(200, json={"access_token": "Atza|for-" + token, "expires_in": 3600})
        if request.url.path.endswith("/marketplaceParticipations"):
            if early and request.headers["x-amz-access-token"] == "Atza|for-" + ENV["ACORN_SELLER_1_REFRESH_TOKEN"]:
                try:
                    await asyncio.wait_for(seller_2_asked.wait(), 5)
                except TimeoutError:
                    return httpx.Response(500, json={"errors": [{"code": "Late", "message": "not prefetched"}]})
            return httpx.Response(200, json={"payload": []})
        return httpx.Response(200, json={"registrations": []})

    return httpx.MockTransport(handler), asked


def test_the_next_sellers_token_is_asked_for_while_this_one_is_read_and_only_once(make_client):
    transport, asked = fleet_transport(early=True)

    async def go():
        async with make_client(transport, ENV) as client:
            return await read_all(client, SELLERS, concurrency=1)

    live = asyncio.run(go())
    assert all(live[e.seller_id].error is None for e in SELLERS)  # seller 1 was answered: 2's token came early
    assert sorted(asked) == sorted(ENV.values())  # one exchange a seller, prefetched or not


@pytest.mark.parametrize("refused", [0, 2])  # asked in turn (the run's first), and asked early
def test_a_refused_token_is_the_sellers_own_finding_and_lwa_is_asked_once(make_client, refused):
    token = ENV[f"ACORN_SELLER_{refused}_REFRESH_TOKEN"]
    transport, asked = fleet_transport(refuse=token)

    async def go():
        async with make_client(transport, ENV) as client:
            return await read_all(client, SELLERS, concurrency=1)

    live = asyncio.run(go())
    # reported on its seller's row, whenever its token was asked for; its two reads asked LWA once
    assert "must authorize the app again in EU" in (live[SELLERS[refused].seller_id].unauthorized_in("EU") or "")
    assert asked.count(token) == 1
    assert live[SELLERS[3].seller_id].error is None
