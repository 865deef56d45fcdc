"""The client reads SP-API's own answers correctly: vcrpy cassettes (record_mode "none", no
server) whose bodies are SP-API's published examples, byte for byte, where Amazon publishes
one, and bodies developers pasted from real responses where it does not.

Where each body comes from (tests/client/cassettes/README.md has the links):
- participations.yaml, account.yaml: the Sellers API v1 model's examples (sellers.json) for
  getMarketplaceParticipations and getAccount; the LWA success is the developer guide's, its
  two example tokens scrubbed (test_client_cassettes.py checks that no cassette holds one).
- lwa-invalid-grant.yaml, lwa-invalid-client.yaml: Login with Amazon error bodies observed in
  selling-partner-api-docs/-models issues (LWA publishes no error examples); invalid_client's
  401 is confirmed there, invalid_grant's 400 is RFC 6749's default.
- 403-*.yaml: SP-API's 403 bodies as observed ("Access to requested resource is denied.").
  There is NO published "access token expired" 403: SP-API answers an expired access token
  with the "revoked, malformed or invalid" details, so that body stands for expiry too.
- 429-quota-exceeded.yaml: QuotaExceeded as observed, with and without `details`; like
  SP-API's (per its usage-plans page), the 429s carry neither Retry-After nor a rate header.
- The one ACORN-i answer (an empty listRegistrations page, read beside participations) is the
  contract's (docs/acorn-i-api.md), not SP-API's.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
import vcr

from reconciler.errors import ApplicationAccessError, ApplicationCredentialsError, RoleMissing
from tests.client.client_support import make_entity, read_all

CASSETTES = Path(__file__).parent / "cassettes"
REPLAY_URL = "http://127.0.0.1:8765"
US = "ATVPDKIKX0DER"
ACME_US = make_entity("acme-sz", "A3EXAMPLEACME01", ("US",))
ENV = {"ACORN_ACME_SZ_REFRESH_TOKEN": "Atzr|acme-refresh"}


def replay(name: str):
    return vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="none",
                   match_on=["method", "path"]).use_cassette(name)


def read(make_client, entity=ACME_US, **options):
    async def go():
        async with make_client(httpx.AsyncHTTPTransport(), ENV, endpoint=REPLAY_URL, **options) as client:
            return (await read_all(client, [entity], concurrency=1))[entity.seller_id]
    return asyncio.run(go())


def test_the_published_participations_example_is_read(make_client):
    with replay("participations.yaml") as cassette:
        live = read(make_client)
        assert cassette.all_played
    assert live.error is None and live.participations == frozenset({US})
    (store,) = live.stores
    assert (store.marketplace_id, store.name, store.store_name, store.suspended_listings) == (
        US, "Amazon.com", "BestSellerStore", False)


def test_the_published_get_account_example_is_read(make_client):
    async def go():
        async with make_client(httpx.AsyncHTTPTransport(), ENV, endpoint=REPLAY_URL) as client:
            return await client.get_account(ACME_US, "EU")  # SP-API offers getAccount in the EU only

    with replay("account.yaml") as cassette:
        account = asyncio.run(go())
        assert cassette.all_played
    assert (account.legal_name, account.non_latin_name, account.registration_country,
            account.registration_number) == ("BestSeller Inc.", "ベストセラー株式会社", "US", "123456789")


def test_a_revoked_refresh_token_makes_that_region_unauthorized_with_the_fix(make_client):
    with replay("lwa-invalid-grant.yaml"):
        live = read(make_client)
    assert live.error is None and [r for r, _ in live.unauthorized] == ["NA"]
    message = live.unauthorized_in("NA")
    assert message.startswith("Login with Amazon refused seller A3EXAMPLEACME01's refresh token for NA "
                              "(400 invalid_grant: The request has an invalid grant parameter : refresh_token. "
                              "User may have revoked or didn't grant the permission.)")
    assert "authorize the app again in NA's Seller Central" in message


def test_invalid_client_stops_the_whole_run_with_one_message(make_client):
    other = make_entity("nordlicht-de", "A1EXAMPLENORD01", ("US",))
    with replay("lwa-invalid-client.yaml"), pytest.raises(ApplicationCredentialsError) as raised:
        async def go():
            async with make_client(httpx.AsyncHTTPTransport(), {**ENV, "ACORN_NORDLICHT_DE_REFRESH_TOKEN": "x"},
                                   endpoint=REPLAY_URL) as client:
                return await read_all(client, [ACME_US, other], concurrency=1)
        asyncio.run(go())
    assert str(raised.value).startswith("Login with Amazon refused the application (401 invalid_client: Client "
                                        "authentication failed): the LWA client id or secret is wrong, or the "
                                        "secret was rotated")


def test_a_403_for_a_revoked_or_expired_access_token_is_refreshed_once(make_client):
    with replay("403-token-revoked.yaml") as cassette:
        live = read(make_client)
        assert cassette.all_played  # the 403, a second exchange, then the read again
    assert live.error is None and live.unauthorized == () and live.participations == frozenset({US})


def test_a_403_with_empty_details_is_a_region_the_seller_has_not_authorized(make_client):
    with replay("403-not-authorized.yaml") as cassette:
        live = read(make_client)
        assert cassette.all_played  # no second exchange: a new token cannot cure it
    assert live.error is None and [r for r, _ in live.unauthorized] == ["NA"]
    assert live.unauthorized_in("NA").startswith(
        "getMarketplaceParticipations in NA answered 403 Unauthorized (Access to requested resource is denied.): "
        "seller A3EXAMPLEACME01 has not authorized this application in NA, or a role it needs is missing: "
        "authorize the app in NA's Seller Central, then add its refresh token as credentials.refreshToken.NA")


def test_a_429_without_headers_waits_by_the_published_rate_and_the_page_is_read(make_client, fake_time):
    with replay("429-quota-exceeded.yaml") as cassette:
        live = read(make_client)
        assert cassette.all_played  # both 429s, then the answer: nothing skipped
    assert live.error is None and live.participations == frozenset({US})
    # 0.016 requests per second: one every 62.5 s, once the 429 has drained the bucket
    assert fake_time.sleeps == [pytest.approx(62.5), pytest.approx(62.5)]


def test_get_account_is_never_called_outside_the_eu(make_client):
    async def go(region):
        async with make_client(httpx.AsyncHTTPTransport(), ENV, endpoint=REPLAY_URL) as client:
            return await client.get_account(ACME_US, region)

    for region in ("NA", "FE"):  # no cassette: a call would fail; none is made
        refused = pytest.raises(ValueError, match=f"does not offer getAccount in {region}")
        with replay("account.yaml") as cassette, refused:
            asyncio.run(go(region))
        assert cassette.play_count == 0


def test_a_get_account_403_is_the_missing_role_asked_once_per_region(make_client):
    other = make_entity("nordlicht-de", "A1EXAMPLENORD01", ("DE",), env_name="ACORN_ACME_SZ_REFRESH_TOKEN")

    async def go():
        async with make_client(httpx.AsyncHTTPTransport(), ENV, endpoint=REPLAY_URL) as client:
            errors = []
            for entity in (ACME_US, other):  # the second is answered without a call (the cassette has one)
                with pytest.raises(RoleMissing) as raised:
                    await client.get_account(entity, "EU")
                errors.append(str(raised.value))
            return errors

    with replay("403-account-missing-role.yaml") as cassette:
        first, second = asyncio.run(go())
        assert cassette.all_played and cassette.play_count == 2  # one exchange, one getAccount
    assert "the application lacks the role getAccount needs (Account Information Service Provider, or Finance " \
           "and Accounting)" in first
    assert "every seller authorize the app again" in first and second == first


def test_an_expired_lwa_client_secret_stops_the_run_at_the_first_answer(make_client):
    other = make_entity("nordlicht-de", "A1EXAMPLENORD01", ("US",))

    async def go():
        async with make_client(httpx.AsyncHTTPTransport(), {**ENV, "ACORN_NORDLICHT_DE_REFRESH_TOKEN": "x"},
                               endpoint=REPLAY_URL) as client:
            return await read_all(client, [ACME_US, other], concurrency=1)

    with replay("403-lwa-secret-expired.yaml") as cassette, pytest.raises(ApplicationAccessError) as raised:
        asyncio.run(go())
    # one exchange and the seller's reads: no second exchange (a new access token cannot cure it),
    # and the other seller is never asked
    assert cassette.play_count <= 3 and cassette.play_counts[0] == 1
    message = str(raised.value)
    assert "The LWA secret token you provided has expired." in message
    assert "rotate lwa.clientSecret" in message and "stopping the run" in message
    assert "Seller Central" not in message and "credentials.refreshToken" not in message  # not the sellers'


def test_an_empty_participation_list_with_a_shared_token_is_not_read_as_nothing_live(make_client):
    """SP-API answers another region's token with 200 and [] (selling-partner-api-docs#659): with one
    reference for NA and EU, EU's empty answer must never become creates."""
    both = make_entity("acme-sz", "A3EXAMPLEACME01", ("US", "DE"))

    async def go():
        async with make_client(httpx.AsyncHTTPTransport(), ENV, endpoint=REPLAY_URL,
                               environment="production") as client:
            return (await read_all(client, [both], concurrency=1))[both.seller_id]

    with replay("participations-empty-other-region.yaml") as cassette:
        live = asyncio.run(go())
        assert cassette.all_played and cassette.play_counts[0] == 1  # one exchange for the one token
    assert live.participations == frozenset({US}) and [r for r, _ in live.unauthorized] == ["EU"]
    assert "answered 200 with no marketplace at all" in live.unauthorized_in("EU")
    assert "credentials.refreshToken.EU" in live.unauthorized_in("EU")
