"""A server that echoes what it was sent must not get a token or secret into acorn's output:
every ApiError the client raises (its code, message and details) is redacted once. The served
sandbox plays that server (its `echoCredentials` fault quotes the credentials raw and
percent-encoded, with upper- and lower-case escapes)."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import quote

import httpx
import pytest

from reconciler.domain.contract import (
    ACCESS_TOKEN_HEADER,
    ERROR_CODES,
    GET_PARTICIPATIONS,
    LIST_REGISTRATIONS,
    PARTICIPATIONS_PATH,
    SELLER_REGISTRATIONS_PATH,
)
from reconciler.errors import ApiError
from tests.client.client_support import CLIENT_SECRET, Recording, make_entity, read_all, registration

NORD = make_entity("nordlicht-de", "A1EXAMPLENORD01", ("DE", "FR"))
REFRESH = "Atzr|nord-refresh-0123456789"
PLAIN_REFRESH = "plain-refresh-token/with+chars"  # no Atzr| prefix: only the value itself can match it


@pytest.fixture
def nord(sandbox):
    sandbox.seller(NORD.seller_id, REFRESH)
    return sandbox


def read(make_client, url: str, wire: Recording, refresh: str = REFRESH) -> str:
    """The error text a plan would show for NORD."""
    async def go():
        async with make_client(wire, {"ACORN_NORDLICHT_DE_REFRESH_TOKEN": refresh}, endpoint=url) as client:
            return await read_all(client, [NORD], concurrency=1)

    live = asyncio.run(go())[NORD.seller_id]
    error = live.error or live.unauthorized_in("EU")  # LWA and 403 refusals belong to the region
    assert error is not None
    return error


def issued(wire: Recording) -> list[str]:
    """The access tokens the sandbox issued in this test."""
    return [e.json()["access_token"] for e in wire.lwa() if e.response.status_code == 200]


def lower_escapes(value: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(value, safe=""))


def assert_clean(text: str, *secrets: str) -> None:
    for secret in ("Atza|", "Atza%7C", "Atza%7c", "Atzr|", "Atzr%7C", "Atzr%7c", CLIENT_SECRET, *secrets):
        assert secret not in text
    for secret in secrets:
        assert quote(secret, safe="") not in text and lower_escapes(secret) not in text


@pytest.mark.parametrize("status", [403, 400])
@pytest.mark.parametrize("where", ["code", "message", "details"])
def test_an_api_error_echoing_the_access_token_does_not_leak_it(nord, sandbox_url, make_client, status, where):
    nord.faults(echoCredentials=where,  # a 403 is refused twice: before the token refresh and after it
                script=[{"operation": GET_PARTICIPATIONS, "status": status, "times": 2}])
    wire = Recording()
    error = read(make_client, sandbox_url, wire)
    assert f"{status} " in error
    if (status, where) != (403, "details"):  # a 403 shows no details; elsewhere the echo is shown, cleaned
        assert f"(sent {ACCESS_TOKEN_HEADER} *** / *** / ***)" in error
    assert issued(wire) and all(e.response.status_code == status for e in wire.to(PARTICIPATIONS_PATH))
    assert_clean(error, *(token.split("|", 1)[1] for token in issued(wire)))


@pytest.mark.parametrize("refresh", [REFRESH, PLAIN_REFRESH])
@pytest.mark.parametrize("where", ["code", "message"])  # LWA's `error` and `error_description`
def test_an_lwa_error_echoing_the_refresh_token_and_client_secret_does_not_leak_them(sandbox, sandbox_url,
                                                                                     make_client, refresh, where):
    sandbox.faults(echoCredentials=where)  # and no seller holds the token: LWA refuses it, quoting it
    wire = Recording()
    error = read(make_client, sandbox_url, wire, refresh)
    (lwa,) = wire.lwa()
    assert lwa.response.status_code == 400 and refresh in lwa.response.text  # the sandbox did echo it
    assert "Login with Amazon refused seller A1EXAMPLENORD01's refresh token for EU (400 " in error
    assert " with client_secret " in error
    assert_clean(error, refresh, "refresh-token", "nord-refresh")


def test_an_unknown_status_echoing_the_access_token_does_not_leak_it(nord, sandbox_url, make_client):
    """A registration whose status is the caller's access token is an answer no server should
    give (the sandbox answers only the contract's statuses), so the sandbox's list answer is
    replaced by one."""
    def list_echo(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path.endswith(SELLER_REGISTRATIONS_PATH.rsplit("}", 1)[1]):
            reg = registration(1, NORD.seller_id, "A1PA6795UKMFR9", status=request.headers[ACCESS_TOKEN_HEADER])
            return httpx.Response(200, json={"registrations": [reg]}, request=request)
        return response

    wire = Recording(rewrite=list_echo)
    error = read(make_client, sandbox_url, wire)
    assert "unexpected registration: unknown status" in error
    assert_clean(error, *(token.split("|", 1)[1] for token in issued(wire)))


def test_giving_up_on_a_throttled_call_echoing_the_token_in_its_code_does_not_leak_it(nord, sandbox_url,
                                                                                       make_client):
    # SP-API's 429s (no headers) wait 62.5 s each on the fake clock: 12 of them pass the 600 s budget
    nord.faults(echoCredentials="code", script=[{"operation": GET_PARTICIPATIONS, "status": 429, "times": 12}])
    wire = Recording()
    error = read(make_client, sandbox_url, wire)
    assert "still throttled after" in error and f"429 {ERROR_CODES[429]} (sent " in error
    assert_clean(error, *(token.split("|", 1)[1] for token in issued(wire)))


def test_a_raised_api_error_has_its_code_redacted_too(nord, sandbox_url, make_client):
    nord.faults(echoCredentials="code", script=[{"operation": LIST_REGISTRATIONS, "status": 400}])
    wire = Recording()

    async def go():
        async with make_client(wire, {"ACORN_NORDLICHT_DE_REFRESH_TOKEN": REFRESH}, endpoint=sandbox_url) as client:
            await client.read_seller(NORD)

    with pytest.raises(ApiError) as raised:
        asyncio.run(go())
    assert raised.value.code is not None and raised.value.code.startswith(ERROR_CODES[400])
    assert "***" in raised.value.code
    assert_clean(raised.value.code, *(token.split("|", 1)[1] for token in issued(wire)))


def test_the_redactor_masks_a_longer_secret_whole_and_ignores_empty_values():
    from reconciler.client.redact import Redactor

    redactor = Redactor()
    redactor.add("", None, "secret", "secret-longer")
    assert redactor.text("a secret-longer b secret c") == "a *** b *** c"
    assert redactor.text("nothing to hide") == "nothing to hide"


def test_the_run_s_secrets_are_one_matcher_however_many_and_however_spelt():
    from reconciler.client.redact import Redactor

    redactor = Redactor()
    tokens = [f"Xyz-secret-{i:05d}/part+{i}" for i in range(2000)]
    redactor.add(*tokens, "key", "Xyz-secret-00007/part+7-longer")
    text = (f"a {tokens[7]}-longer b {tokens[1999]} c {tokens[42].replace('/', '%2F').replace('+', '%2B')} "
            f"d {tokens[3].replace('/', '%2f').replace('+', '%2b')} e key, monkey keys f Atza|abc.def")
    assert redactor.text(text) == "a *** b *** c *** d *** e ***, monkey keys f ***"
