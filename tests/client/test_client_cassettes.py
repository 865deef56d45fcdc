"""The wire contract as SP-API publishes it: cassettes whose bodies are SP-API's own published
examples (never answers recorded from our sandbox), replayed with record_mode="none" against
the production hosts, so the client reads the real service's bodies correctly.

- `sellers-participations.yaml`: Login with Amazon's token success example (Selling Partner
  API Developer Guide, amzn/selling-partner-api-docs@c2888de, "Step 1. Request a Login with
  Amazon access token"), then the Sellers API v1 getMarketplaceParticipations 200 example
  (amzn/selling-partner-api-models, models/sellers-api-model/sellers.json @040090b1), then
  ACORN-i's listRegistrations last page for a seller with none (docs/acorn-i-api.md: ACORN-i
  publishes no other example).

The cassette is composed from the bodies below, not recorded; secrets are scrubbed by the
same hooks that scrub a live request before matching (the example's tokens become
placeholders). Compose again after changing them: `python -m tests.client.compose_cassettes`.
Other cassette files in cassettes/ (LWA errors, 403, 429, getAccount) are other tests'.
"""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest
import vcr
import yaml
from vcr.errors import CannotOverwriteExistingCassetteException

from reconciler.client import AcornClient, MemoryAuditLog
from reconciler.desired.settings import Settings
from reconciler.domain import catalogue
from reconciler.domain.contract import (
    ACCESS_TOKEN_HEADER,
    LWA_TOKEN_PATH,
    PARTICIPATIONS_PATH,
    RATE_LIMIT_HEADER,
    REQUEST_ID_HEADER,
    SELLER_REGISTRATIONS_PATH,
)
from tests.client.client_support import make_entity, read_all

CASSETTES = Path(__file__).parent / "cassettes"
PARTICIPATIONS_CASSETTE = "sellers-participations.yaml"
FORBIDDEN = ("Atza|", "Atzr|", "Atza%7C", "Atzr%7C", "IQEB")  # token prefixes; IQEB starts the examples' bodies
SCRUBBED_ACCESS = "scrubbed-access-token"
SCRUBBED = "scrubbed"

# Published examples, verbatim (see the module docstring for their sources).
LWA_TOKEN_SUCCESS = {
    "access_token": "Atza|IQEBLjAsAhRmHjNgHpi0U-Dme37rR6CuUpSREXAMPLE",
    "token_type": "bearer",
    "expires_in": 3600,
    "refresh_token": "Atzr|IQEBLzAtAhRPpMJxdwVz2Nn6f2y-tpJX2DeXEXAMPLE",
}
PARTICIPATIONS_200 = {
    "payload": [
        {
            "marketplace": {
                "id": "ATVPDKIKX0DER",
                "name": "Amazon.com",
                "countryCode": "US",
                "defaultCurrencyCode": "USD",
                "defaultLanguageCode": "en_US",
                "domainName": "www.amazon.com",
            },
            "storeName": "BestSellerStore",
            "participation": {"isParticipating": True, "hasSuspendedListings": False},
        }
    ]
}
NO_REGISTRATIONS = {"registrations": []}
REQUEST_ID = "6875f61f-6aa1-11e8-98c6-9bExample"  # the developer docs' example x-amzn-RequestId

SELLER = make_entity("bestseller", "A2EXAMPLEBEST01", ("US",), env_name="BESTSELLER_REFRESH_TOKEN")
ENV = {"BESTSELLER_REFRESH_TOKEN": "Atzr|a-refresh-token-of-this-test",
       "LWA_CLIENT_ID": "amzn1.application-oa2-client.example", "LWA_CLIENT_SECRET": "a-client-secret-of-this-test"}
SETTINGS = Settings(endpoint="regional", environment="production")
NA = catalogue.REGION_HOSTS["NA"]["production"]


# -- scrubbing: the same for a cassette being composed and a live request being matched ------

def scrub_request(request):
    """The request without its secrets: the LWA form's refresh token and client secret, and
    any access token (the client sends the cassette's scrubbed one; anything else is kept
    so the matcher sees it)."""
    request = copy.deepcopy(request)
    if request.path == LWA_TOKEN_PATH and request.body:
        form = dict(parse_qsl(request.body.decode() if isinstance(request.body, bytes) else request.body))
        for key in ("refresh_token", "client_secret"):
            if key in form:
                form[key] = SCRUBBED
        request.body = urlencode(form).encode()
    request.headers.pop("authorization", None)
    return request


def scrub_response(response):
    """An LWA answer's tokens become placeholders."""
    raw = response["body"]["string"]
    try:
        data = json.loads(raw)
    except ValueError:
        return response
    if isinstance(data, dict) and "access_token" in data:
        text = json.dumps({**data, "access_token": SCRUBBED_ACCESS, "refresh_token": SCRUBBED})
        response = {**response, "body": {"string": text.encode() if isinstance(raw, bytes) else text}}
    return response


def acting_for(r1, r2) -> None:
    """Who a call acts for: its access token (the LWA answer's, scrubbed), or the LWA form."""
    assert r1.headers.get(ACCESS_TOKEN_HEADER) == r2.headers.get(ACCESS_TOKEN_HEADER)
    assert (r1.body or b"") == (r2.body or b"")


def replayer() -> vcr.VCR:
    v = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="none",
                match_on=["method", "scheme", "host", "path", "query", "acting_for"],
                before_record_request=scrub_request, before_record_response=scrub_response)
    v.register_matcher("acting_for", acting_for)
    return v


# -- composing the cassette from the published bodies -------------------------------------

def interaction(method: str, url: str, headers: dict[str, str], body: str, status: int, answer: dict,
                answer_headers: dict[str, str]) -> dict:
    response = scrub_response({"status": {"code": status, "message": "OK"},
                               "headers": {k: [v] for k, v in answer_headers.items()},
                               "body": {"string": json.dumps(answer)}})
    return {"request": {"method": method, "uri": url, "body": body, "headers": {k: [v] for k, v in headers.items()}},
            "response": response}


def composed() -> dict:
    lwa_form = urlencode({"grant_type": "refresh_token", "refresh_token": SCRUBBED,
                          "client_id": ENV["LWA_CLIENT_ID"], "client_secret": SCRUBBED})
    signed = {ACCESS_TOKEN_HEADER: SCRUBBED_ACCESS}
    sp_headers = {"content-type": "application/json", REQUEST_ID_HEADER: REQUEST_ID}
    return {"version": 1, "interactions": [
        interaction("POST", SETTINGS.lwa_endpoint + LWA_TOKEN_PATH,
                    {"content-type": "application/x-www-form-urlencoded"}, lwa_form, 200, LWA_TOKEN_SUCCESS,
                    {"content-type": "application/json;charset=UTF-8"}),
        interaction("GET", NA + PARTICIPATIONS_PATH, signed, "", 200, PARTICIPATIONS_200,
                    {**sp_headers, RATE_LIMIT_HEADER: "0.016"}),
        interaction("GET", NA + SELLER_REGISTRATIONS_PATH.format(sellerId=SELLER.seller_id) + "?pageSize=50",
                    signed, "", 200, NO_REGISTRATIONS, {**sp_headers, RATE_LIMIT_HEADER: "2.0"}),
    ]}


def test_the_cassette_holds_the_published_examples_and_nothing_else():
    on_disk = yaml.safe_load((CASSETTES / PARTICIPATIONS_CASSETTE).read_text(encoding="utf-8"))
    assert on_disk == composed()
    bodies = [json.loads(i["response"]["body"]["string"]) for i in on_disk["interactions"]]
    assert bodies[1] == PARTICIPATIONS_200 and bodies[2] == NO_REGISTRATIONS
    assert bodies[0] == {**LWA_TOKEN_SUCCESS, "access_token": SCRUBBED_ACCESS, "refresh_token": SCRUBBED}


def read(entity=SELLER, env=ENV):
    audit = MemoryAuditLog()

    async def go():
        async with AcornClient(SETTINGS, env, base_dir=Path("."), audit=audit) as c:
            return await read_all(c, [entity], concurrency=1)

    return asyncio.run(go())[entity.seller_id], audit


def test_the_client_reads_the_published_participations_example():
    with replayer().use_cassette(PARTICIPATIONS_CASSETTE) as cassette:
        live, audit = read()
        assert cassette.all_played
    assert live.error is None and live.seller_id == SELLER.seller_id
    assert live.participations == frozenset({"ATVPDKIKX0DER"})  # Amazon.com, isParticipating true
    assert live.registrations == ()
    assert [(e.operation, e.status, e.request_id) for e in audit.entries] == [
        ("lwaToken", 200, None), ("getMarketplaceParticipations", 200, REQUEST_ID),
        ("listRegistrations", 200, REQUEST_ID)]


def test_a_call_the_cassette_does_not_hold_is_not_sent_anywhere():
    """Replay never reaches the network: a seller acting with another token finds no answer."""
    other = {**ENV, "LWA_CLIENT_ID": "another-application"}
    with replayer().use_cassette(PARTICIPATIONS_CASSETTE), \
            pytest.raises(CannotOverwriteExistingCassetteException, match="Can't play back this request"):
        read(env=other)


def test_no_cassette_holds_a_token_or_secret():
    files = sorted(CASSETTES.glob("*.yaml"))
    assert files, "no cassette"
    for path in files:
        text = path.read_text(encoding="utf-8")
        for secret in (*FORBIDDEN, ENV["BESTSELLER_REFRESH_TOKEN"], ENV["LWA_CLIENT_SECRET"]):
            assert secret not in text, f"{path.name} contains {secret!r}"
