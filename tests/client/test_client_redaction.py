"""A server that echoes what it was sent must not get a token or secret into acorn's output:
every ApiError the client raises (its code, message and details) is redacted once."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import quote

import httpx
import pytest

from reconciler.errors import ApiError
from tests.client.client_fakeapi import FakeApi, registration
from tests.client.client_support import CLIENT_SECRET, make_entity

NORD = make_entity("nordlicht-de", "A1EXAMPLENORD01", ("DE", "FR"))
REFRESH = "Atzr|nord-refresh-0123456789"
PLAIN_REFRESH = "plain-refresh-token/with+chars"  # no Atzr| prefix: only the value itself can match it


def read(make_client, api: FakeApi, refresh: str = REFRESH) -> str:
    """The error text a plan would show for NORD."""
    async def go():
        async with make_client(httpx.MockTransport(api), {"ACORN_NORDLICHT_DE_REFRESH_TOKEN": refresh}) as client:
            return await client.read_all([NORD], concurrency=1)

    live = asyncio.run(go())[NORD.seller_id]
    error = live.error or live.unauthorized_in("EU")  # LWA and 403 refusals belong to the region
    assert error is not None
    return error


def fake(refresh: str = REFRESH) -> FakeApi:
    api = FakeApi()
    api.seller(NORD.seller_id, refresh)
    return api


def lower_escapes(value: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(value, safe=""))


def assert_clean(text: str, *secrets: str) -> None:
    for secret in ("Atza|", "Atza%7C", "Atzr|", "Atzr%7C", "Atzr%7c", CLIENT_SECRET, *secrets):
        assert secret not in text


def echo_access_token(status: int, where: str):
    def answer(request: httpx.Request) -> httpx.Response:
        token = request.headers["x-amz-access-token"]
        error = {"code": "Unauthorized", "message": "", "details": ""}
        error[where] = f"token {token} / {quote(token, safe='')} was not accepted"
        return httpx.Response(status, json={"errors": [error]})
    return answer


@pytest.mark.parametrize("status", [403, 400])
@pytest.mark.parametrize("where", ["code", "message", "details"])
def test_an_api_error_echoing_the_access_token_does_not_leak_it(make_client, status, where):
    api = fake()
    api.script["getMarketplaceParticipations"] = [echo_access_token(status, where)] * 2  # 403: after the refresh too
    error = read(make_client, api)
    assert f"{status} " in error
    if (status, where) != (403, "details"):  # a 403 shows no details; elsewhere the echo is shown, cleaned
        assert "was not accepted" in error
    assert_clean(error, "access-1", "access-2")


@pytest.mark.parametrize("refresh", [REFRESH, PLAIN_REFRESH])
@pytest.mark.parametrize("field", ["error", "error_description"])
@pytest.mark.parametrize("encode", [str, lambda s: quote(s, safe=""), lower_escapes])
def test_an_lwa_error_echoing_the_refresh_token_or_client_secret_does_not_leak_them(make_client, refresh, field,
                                                                                     encode):
    def echo(request: httpx.Request) -> httpx.Response:
        form = dict(httpx.QueryParams(request.content.decode()))
        body = {"error": "invalid_grant", "error_description": "refused"}
        body[field] = f"{encode(form['refresh_token'])} with {encode(form['client_secret'])}"
        return httpx.Response(400, json=body)

    api = fake(refresh)
    api.script["lwaToken"] = [echo]
    error = read(make_client, api, refresh)
    assert "Login with Amazon refused seller A1EXAMPLENORD01's refresh token for EU (400 " in error and " with " in error
    assert_clean(error, refresh, encode(refresh), "refresh-token", "nord-refresh")


def test_an_unknown_status_echoing_the_access_token_does_not_leak_it(make_client):
    api = fake()

    def list_echo(request: httpx.Request) -> httpx.Response:
        reg = registration(1, NORD.seller_id, "A1PA6795UKMFR9", status=request.headers["x-amz-access-token"])
        return httpx.Response(200, json={"registrations": [reg]})

    api.script["listRegistrations"] = [list_echo]
    error = read(make_client, api)
    assert "unexpected registration: unknown status" in error
    assert_clean(error, "access-1")


def test_giving_up_on_a_throttled_call_echoing_the_token_in_its_code_does_not_leak_it(make_client):
    api = fake()

    def throttled(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"errors": [{"code": request.headers["x-amz-access-token"]}]})

    api.script["getMarketplaceParticipations"] = [throttled] * 12  # past the 600 s budget at 62.5 s a try
    error = read(make_client, api)
    assert "still throttled after" in error
    assert_clean(error, "access-1")


def test_a_raised_api_error_has_its_code_redacted_too(make_client):
    api = fake()
    api.script["getMarketplaceParticipations"] = [echo_access_token(400, "code")]

    async def go():
        async with make_client(httpx.MockTransport(api), {"ACORN_NORDLICHT_DE_REFRESH_TOKEN": REFRESH}) as client:
            await client.read_seller(NORD)

    with pytest.raises(ApiError) as raised:
        asyncio.run(go())
    assert raised.value.code is not None and "***" in raised.value.code
    assert_clean(raised.value.code, "access-1")


def test_the_redactor_masks_a_longer_secret_whole_and_ignores_empty_values():
    from reconciler.client.redact import Redactor

    redactor = Redactor()
    redactor.add("", None, "secret", "secret-longer")
    assert redactor.text("a secret-longer b secret c") == "a *** b *** c"
    assert redactor.text("nothing to hide") == "nothing to hide"
