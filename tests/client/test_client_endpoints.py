"""Endpoint resolution for the three modes."""

import pytest

from reconciler.client.endpoints import resolve_endpoints
from reconciler.desired.settings import Settings
from reconciler.domain.contract import LWA_TOKEN_PATH


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
