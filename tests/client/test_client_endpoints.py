"""Endpoint resolution for the three modes."""

import asyncio

import httpx
import pytest

from reconciler.client.endpoints import resolve_endpoints
from reconciler.desired.settings import Settings
from reconciler.domain.contract import LWA_TOKEN_PATH, PARTICIPATIONS_PATH, REGION_HEADER
from tests.client.client_support import make_entity


def test_regional_sandbox_hosts_and_lwa():
    ep = resolve_endpoints(Settings(environment="sandbox", endpoint="regional"))
    assert ep.mode == "regional"
    assert ep.host("EU") == "https://sandbox.sellingpartnerapi-eu.amazon.com"
    assert ep.lwa_token_url == "https://api.amazon.com" + LWA_TOKEN_PATH
    assert [ep.host(r) for r in ("NA", "FE")] == ["https://sandbox.sellingpartnerapi-na.amazon.com",
                                                  "https://sandbox.sellingpartnerapi-fe.amazon.com"]


def test_regional_production_hosts_and_a_custom_lwa():
    ep = resolve_endpoints(Settings(environment="production", endpoint="regional",
                                    lwa_endpoint="https://lwa.example/"))
    assert ep.host("NA") == "https://sellingpartnerapi-na.amazon.com"
    assert ep.host("FE") == "https://sellingpartnerapi-fe.amazon.com"
    assert ep.lwa_token_url == "https://lwa.example" + LWA_TOKEN_PATH


@pytest.mark.parametrize("endpoint, mode, embedded", [
    ("http://127.0.0.1:8765", "base-url", None),
    ("embedded", "embedded", "http://sandbox.embedded/"),
])
def test_one_url_modes_send_every_region_and_lwa_there(endpoint, mode, embedded):
    ep = resolve_endpoints(Settings(endpoint=endpoint, lwa_endpoint="https://api.amazon.com"), embedded)
    base = (embedded or endpoint).rstrip("/")
    assert ep.mode == mode
    assert {ep.host(r) for r in ("NA", "EU", "FE")} == {base}
    assert ep.lwa_token_url == base + LWA_TOKEN_PATH  # the configured LWA endpoint is ignored
    # (each region is still read on its own, naming itself in x-acorn-region: see test_client_calls)


def test_sp_apis_own_hosts_get_no_region_header_of_acorns_invention(make_client):
    """SP-API names the region by its host: x-acorn-region goes only to a one-URL sandbox."""
    sent: list[httpx.Request] = []

    def spapi(request: httpx.Request) -> httpx.Response:  # no socket: MockTransport answers in-process
        sent.append(request)
        if request.url.path == LWA_TOKEN_PATH:
            return httpx.Response(200, json={"access_token": "Atza|spapi-access", "expires_in": 3600})
        if request.url.path == PARTICIPATIONS_PATH:
            return httpx.Response(200, json={"payload": []})
        return httpx.Response(200, json={"registrations": []})

    async def go():
        async with make_client(httpx.MockTransport(spapi), {"ACORN_ACME_SZ_REFRESH_TOKEN": "Atzr|acme"},
                               endpoint="regional", environment="production") as client:
            return await client.read_seller(make_entity("acme-sz", "A3EXAMPLEACME01", ("US",)))

    assert asyncio.run(go()).error is None
    api = [r for r in sent if r.url.path != LWA_TOKEN_PATH]
    assert api and {r.url.host for r in api} == {"sellingpartnerapi-na.amazon.com"}
    assert not [r for r in sent if REGION_HEADER in r.headers]
