"""A hostile or careless server echoes what it was sent: the refresh token, the client secret,
the access token, in a body, an error code or any header (x-amzn-RequestId too). None of it
reaches an error, the audit log or an answer the client hands on; and a short secret does
not mangle unrelated text."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs

import httpx

from reconciler.client import MemoryAuditLog
from reconciler.client.redact import Redactor
from reconciler.domain.contract import LWA_TOKEN_PATH, RATE_LIMIT_HEADER, REQUEST_ID_HEADER
from reconciler.domain.masking import mask_all
from tests.client.client_support import CLIENT_SECRET, make_entity, read_all, registration

NORD = make_entity("nordlicht-de", "A1EXAMPLENORD01", ("DE",))
REFRESH = "plain-refresh-token-value-77"  # no Atzr| prefix: only knowing it can catch it
ACCESS = "opaque-access-token-value-99"
ENV = {"ACORN_NORDLICHT_DE_REFRESH_TOKEN": REFRESH}
SECRETS = (REFRESH, ACCESS, CLIENT_SECRET)


def echoing_server(where: str):
    """A server that puts every secret it was sent `where`: header, code, message, body."""
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == LWA_TOKEN_PATH:
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            sent = f"{form['refresh_token']} {form['client_secret']}"
            if where == "lwa-error":
                return httpx.Response(400, json={"error": f"invalid_grant {sent}", "error_description": sent},
                                      headers={REQUEST_ID_HEADER: sent})
            return httpx.Response(200, json={"access_token": ACCESS, "expires_in": 3600})
        echoed = f"{request.headers['x-amz-access-token']} {REFRESH} {CLIENT_SECRET}"
        headers = {REQUEST_ID_HEADER: echoed, RATE_LIMIT_HEADER: echoed}
        if where == "api-error":
            return httpx.Response(400, headers=headers, json={"errors": [
                {"code": echoed, "message": echoed, "details": echoed}]})
        if request.url.path.endswith("/registrations"):
            reg = registration(1, NORD.seller_id, "A1PA6795UKMFR9", "REJECTED",
                               reasons=[{"code": "X", "message": f"we saw {echoed}"}])
            return httpx.Response(200, headers=headers, json={"registrations": [reg]})
        return httpx.Response(200, headers=headers, json={"payload": []})
    return handler


def run(make_client, where: str):
    audit = MemoryAuditLog()

    async def go():
        async with make_client(httpx.MockTransport(echoing_server(where)), ENV, audit=audit) as client:
            return await read_all(client, [NORD], concurrency=1)

    return asyncio.run(go())[NORD.seller_id], audit


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_an_lwa_error_echoing_the_refresh_token_and_client_secret(make_client):
    live, audit = run(make_client, "lwa-error")
    refused = live.unauthorized_in("EU")  # an LWA refusal belongs to that entity-region
    assert refused and "Login with Amazon refused" in refused
    assert_clean(refused)
    assert_clean("\n".join(audit.lines))


def test_an_api_error_echoing_tokens_in_code_message_and_headers(make_client):
    live, audit = run(make_client, "api-error")
    assert live.error and "400" in live.error
    assert_clean(live.error)
    assert_clean("\n".join(audit.lines))
    assert any('"requestId":"*** *** ***"' in line for line in audit.lines)


def test_a_successful_answer_echoing_secrets_is_scrubbed_before_it_is_used(make_client):
    live, audit = run(make_client, "success")
    assert live.error is None
    [reg] = live.registrations
    assert reg.reasons[0].message == "we saw *** *** ***"
    assert_clean(json.dumps([r.message for r in reg.reasons]))
    assert_clean("\n".join(audit.lines))


def test_a_short_secret_does_not_mangle_unrelated_text():
    redactor = Redactor()
    redactor.add("abc", "x")
    assert redactor.text("abcdef cabc xylophone x") == "abcdef cabc xylophone ***"
    assert redactor.text("token abc, key=abc") == "token ***, key=***"


def test_numbers_are_masked_in_every_spelling_a_server_may_echo():
    numbers = frozenset({"DE123456789", "91440300MA5EXAMPLE", "T1234567890123"})
    assert mask_all("VAT de 123 456 789 invalid", numbers) == "VAT *******6789 invalid"
    assert mask_all("123456789; DE-123.456.789; de123456789", numbers) == \
        "*******6789; *******6789; *******6789"
    assert mask_all("licence 9144 0300 ma5example.", numbers) == "licence **************MPLE."
    assert mask_all("t-1234567890123 / 1234567890123", numbers) == "**********0123 / **********0123"
    assert mask_all("is 1234567890 or DE1234567890 or 91234567890", numbers) == \
        "is 1234567890 or DE1234567890 or 91234567890"  # other numbers, not these


def test_an_answer_echoing_another_sellers_token_is_scrubbed_too(make_client):
    """Answers are cleaned with the run's one matcher: a server mixing sellers up (seller B's
    registration quoting seller A's refresh token) shows neither seller's token."""
    other = make_entity("sonne-de", "A2EXAMPLESONNE2", ("DE",))
    other_refresh = "sonne-plain-refresh-token-55"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == LWA_TOKEN_PATH:
            return httpx.Response(200, json={"access_token": ACCESS, "expires_in": 3600})
        if request.url.path.endswith(f"/{other.seller_id}/registrations"):
            reg = registration(1, other.seller_id, "A1PA6795UKMFR9", "REJECTED",
                               reasons=[{"code": "X", "message": f"seller {NORD.seller_id} sent {REFRESH}"}])
            return httpx.Response(200, json={"registrations": [reg]})
        if request.url.path.endswith("/registrations"):
            return httpx.Response(200, json={"registrations": []})
        return httpx.Response(200, json={"payload": []})

    async def go():
        env = {**ENV, "ACORN_SONNE_DE_REFRESH_TOKEN": other_refresh}
        async with make_client(httpx.MockTransport(handler), env) as client:
            return await read_all(client, [NORD, other], concurrency=1)  # NORD's token is known first

    [reg] = asyncio.run(go())[other.seller_id].registrations
    assert reg.reasons[0].message == f"seller {NORD.seller_id} sent ***"


def test_every_string_of_an_answer_is_scrubbed_keys_too_and_strings_are_never_joined():
    redactor = Redactor()
    redactor.add("client-secret-value", "Atzr|IwEBIrefresh-1")
    clean = {"payload": [{"id": "A1PA6795UKMFR9", "n": 3, "ok": True, "none": None}],
             "a": "client-secret", "b": "-value"}  # the secret's two halves, in two strings: not it
    assert redactor.scrub(clean) == clean
    echo = {"client-secret-value": ["x", {"m": "sent Atzr|IwEBIrefresh-1."}], "n": 1}
    assert redactor.scrub(echo) == {"***": ["x", {"m": "sent ***."}], "n": 1}
