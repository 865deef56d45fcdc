"""Credentials travel only over TLS in production, and a redirect is never followed: a
server that answers 3xx gets an error naming the status, and the redirect's target never
sees a request (nor the token or secret the original request carried)."""

from __future__ import annotations

import asyncio
import shutil

import httpx
import pytest

from reconciler.desired.settings import parse_settings, resolve_settings
from reconciler.domain.contract import LWA_TOKEN_PATH
from reconciler.errors import ApiError, ConfigError
from tests import REPO
from tests.client.client_support import CLIENT_SECRET, make_entity, read_all

ACME = make_entity()


@pytest.mark.parametrize("endpoint", ["http://acorn.example.com", "http://10.0.0.7:8080", "http://[2001:db8::1]"])
def test_production_refuses_plain_http_to_another_host(endpoint):
    with pytest.raises(ConfigError, match="plain http://.*must be https://"):
        resolve_settings(None, {}, environment="production", endpoint=endpoint)


def test_production_refuses_a_plain_http_lwa_endpoint():
    file = parse_settings("lwa: {endpoint: 'http://api.amazon.com'}\n", "acorn.yaml")
    with pytest.raises(ConfigError, match="lwa.endpoint 'http://api.amazon.com' uses plain http://"):
        resolve_settings(file, {}, environment="production", endpoint="regional")


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:9",
                                      "https://acorn.example.com"])
def test_loopback_and_https_are_fine_in_production(endpoint):
    assert resolve_settings(None, {}, environment="production", endpoint=endpoint).endpoint == endpoint


def test_the_sandbox_environment_may_use_plain_http_anywhere():
    assert resolve_settings(None, {}, endpoint="http://sandbox.internal:8765").endpoint == "http://sandbox.internal:8765"


def test_plan_refuses_before_any_call(tmp_path, run_acorn):
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    result = run_acorn("plan", "--environment", "production", "--endpoint", "http://acorn.example.com",
                       env={"LWA_CLIENT_SECRET": CLIENT_SECRET}, cwd=tmp_path)
    assert result.code == 1 and "must be https://" in result.err
    assert not (tmp_path / ".acorn" / "audit.jsonl").exists()  # no call was attempted


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_an_error_naming_the_status_and_is_never_followed(make_client, status):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "evil.example":
            return httpx.Response(200, json={"access_token": "Atza|x", "expires_in": 3600})
        return httpx.Response(status, headers={"location": "http://evil.example/auth/o2/token"})

    async def go():
        async with make_client(httpx.MockTransport(handler), {"ACORN_ACME_SZ_REFRESH_TOKEN": "Atzr|acme"}) as client:
            return await read_all(client, [ACME], concurrency=1)

    error = asyncio.run(go())[ACME.seller_id].error
    assert error is not None and f"answered {status}" in error and "never follows redirects" in error
    assert seen and {r.url.host for r in seen} == {"acorn.test"}  # nothing went to the redirect's target
    assert CLIENT_SECRET not in error


def test_a_redirect_of_an_api_call_is_not_followed_either(make_client):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == LWA_TOKEN_PATH:
            return httpx.Response(200, json={"access_token": "Atza|tok", "expires_in": 3600})
        assert request.url.host == "acorn.test", "followed a redirect"
        return httpx.Response(302, headers={"location": "https://elsewhere.example/x"})

    async def go():
        async with make_client(httpx.MockTransport(handler), {"ACORN_ACME_SZ_REFRESH_TOKEN": "Atzr|acme"}) as client:
            await client.read_seller(ACME)

    with pytest.raises(ApiError, match="302 Found.*never follows redirects"):
        asyncio.run(go())


def test_a_cookie_one_answer_sets_never_rides_on_a_later_call(make_client):
    """One client carries every seller's calls: a cookie set while reading one seller (as a load
    balancer may set one) is not sent with the next call, that seller's or another's."""
    cookies: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        cookies.append(request.headers.get("cookie"))
        body = {"access_token": "Atza|tok", "expires_in": 3600} if request.url.path == LWA_TOKEN_PATH else {}
        return httpx.Response(200, json=body, headers={"set-cookie": "AWSALB=sticky-seller-1; Path=/"})

    env = {"ACORN_ACME_SZ_REFRESH_TOKEN": "Atzr|acme", "ACORN_NORD_REFRESH_TOKEN": "Atzr|nord"}

    async def go():
        async with make_client(httpx.MockTransport(handler), env) as client:
            await read_all(client, [ACME, make_entity("nord", "A1EXAMPLENORD01", ("DE",))], concurrency=1)

    asyncio.run(go())
    assert len(cookies) >= 4 and cookies == [None] * len(cookies)
