"""Embedded mode: the same application in-process, its state seeded with the demo world once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from reconciler.desired.loader import load_desired
from reconciler.domain import catalogue
from reconciler.domain.contract import (
    ACCESS_TOKEN_HEADER,
    LWA_TOKEN_PATH,
    PARTICIPATIONS_PATH,
    REGION_HEADER,
    SELLER_REGISTRATIONS_PATH,
)
from reconciler.domain.submission import submission_digest
from reconciler.errors import ConfigError
from reconciler.sandbox.demo import DEMO_SELLERS
from reconciler.sandbox.embedded import EMBEDDED_BASE_URL, demo_refresh_token, embedded_transport

REPO = Path(__file__).resolve().parents[2]


async def _login(client: httpx.AsyncClient, seller_id: str, region: str = "EU") -> dict[str, str]:
    answer = await client.post(LWA_TOKEN_PATH, data={"grant_type": "refresh_token", "client_id": "acorn",
                                                       "client_secret": "x",
                                                       "refresh_token": demo_refresh_token(seller_id)})
    return {ACCESS_TOKEN_HEADER: answer.json()["access_token"], REGION_HEADER: region}


def _run(state: Path, calls):
    async def main():
        async with httpx.AsyncClient(transport=embedded_transport(state), base_url=EMBEDDED_BASE_URL) as client:
            return await calls(client)
    return asyncio.run(main())


def test_the_demo_world_is_served_in_process(tmp_path):
    state = tmp_path / ".acorn" / "sandbox.sqlite"

    async def calls(client):
        seen = {}
        for seller in DEMO_SELLERS:
            stores, regs = [], []
            for region in catalogue.REGIONS:
                headers = await _login(client, seller.seller_id, region)
                listed = await client.get(SELLER_REGISTRATIONS_PATH.format(sellerId=seller.seller_id), headers=headers)
                if listed.status_code == 403:  # not authorized in this region
                    continue
                regs += listed.json()["registrations"]
                stores += (await client.get(PARTICIPATIONS_PATH, headers=headers)).json()["payload"]
            seen[seller.seller_id] = (
                sorted(catalogue.BY_ID[p["marketplace"]["id"]].code if p["marketplace"]["id"] in catalogue.BY_ID
                       else p["marketplace"]["id"] for p in stores),
                [(catalogue.BY_ID[r["marketplaceId"]].code, r["status"], [x["code"] for x in r["reasons"]])
                 for r in regs])
        return seen

    assert _run(state, calls) == {
        "A3EXAMPLEACME01": (["A2ZV50J4W1RKNI", "MX", "US"], [("CA", "APPROVED", [])]),
        "A1NORDLICHT0DE": (["DE"], [("FR", "IN_REVIEW", []), ("IT", "ACTION_REQUIRED", ["DOCUMENT_UNREADABLE"])]),
        "A2SAKURA00JP": (["JP"], [("AU", "REJECTED", ["DOCUMENT_UNREADABLE"])]),
        "A4MAPLE000CA": ([], []),
        "A5ATLAS000UK": ([], [("UK", "REJECTED", ["LEGAL_NAME_MISMATCH"])]),
        "A6ATLAS000IE": ([], []),
    }
    assert state.exists()


def test_seeded_once_and_kept_across_transports(tmp_path):
    state = tmp_path / "sandbox.sqlite"

    async def create(client):
        headers = await _login(client, "A4MAPLE000CA")
        body = {"clientToken": "c" * 64, "submissionDigest": "d" * 64, "marketplaceIds": ["AE08WJ6YKNBMC"],
                "legalEntityName": "Maple Outfitters Inc.",
                "businessRegistration": {"country": "CA", "number": "BC1",
                                         "document": {"uri": "u", "sha256": "e" * 64}},
                "legalRepresentative": {"name": "C", "idDocument": {"type": "passport", "expiresOn": "2040-01-01"}}}
        return (await client.post(SELLER_REGISTRATIONS_PATH.format(sellerId="A4MAPLE000CA"), json=body,
                                  headers=headers)).status_code

    async def state_of(client):
        return (await client.get("/_sandbox/state")).json()

    assert _run(state, create) == 202
    again = _run(state, state_of)
    assert len(again["sellers"]) == 6
    assert len(again["registrations"]) == 6  # five seeded, one created; nothing seeded twice


def test_an_unused_transport_writes_nothing(tmp_path):
    embedded_transport(tmp_path / "sandbox.sqlite")
    assert not (tmp_path / "sandbox.sqlite").exists()


def test_a_dropped_answer_is_a_transport_error_in_process(tmp_path):
    async def calls(client):
        await client.put("/_sandbox/faults", json={"dropAfterCommitRate": 1.0})
        headers = await _login(client, "A4MAPLE000CA", "NA")
        body = {"clientToken": "c" * 64, "submissionDigest": "d" * 64, "marketplaceIds": ["ATVPDKIKX0DER"],
                "legalEntityName": "Maple Outfitters Inc.",
                "businessRegistration": {"country": "CA", "number": "BC1",
                                         "document": {"uri": "u", "sha256": "e" * 64}},
                "legalRepresentative": {"name": "C", "idDocument": {"type": "passport", "expiresOn": "2040-01-01"}}}
        with pytest.raises(httpx.TransportError):
            await client.post(SELLER_REGISTRATIONS_PATH.format(sellerId="A4MAPLE000CA"), json=body, headers=headers)
        replay = await client.post(SELLER_REGISTRATIONS_PATH.format(sellerId="A4MAPLE000CA"), json=body,
                                   headers=headers)
        return replay.status_code, len((await client.get("/_sandbox/state")).json()["registrations"])

    assert _run(tmp_path / "s.sqlite", calls) == (202, 6)


def test_the_demo_world_matches_the_shipped_desired_tree():
    desired = {e.seller_id: e for e in load_desired(REPO / "desired").entities}
    assert {s.seller_id for s in DEMO_SELLERS} == set(desired)
    for seller in DEMO_SELLERS:
        entity = desired[seller.seller_id]
        # atlas-ie's account name differs on purpose: the first plan shows LEGAL_NAME_MISMATCH (EU).
        same_name = seller.seller_id != "A6ATLAS000IE"
        assert (seller.legal_entity_name == entity.submission.legal_entity_name) is same_name
        registration = entity.submission.business_registration
        assert seller.business == (registration.country, registration.number)
        for reg in seller.registrations:
            assert reg.marketplace in entity.marketplaces
    atlas_uk = next(s for s in DEMO_SELLERS if s.seller_id == "A5ATLAS000UK").registrations[0]
    # Rejected and unchanged since: plan shows it blocked until the submission changes.
    assert atlas_uk.submission_digest == submission_digest(desired["A5ATLAS000UK"].submission)


def test_a_bad_state_file_fails_where_the_transport_is_made(tmp_path):
    state = tmp_path / "sandbox.sqlite"
    state.write_text("garbage\n")
    with pytest.raises(ConfigError, match="is not a sandbox database .*; delete it to start over"):
        embedded_transport(state)


@pytest.mark.parametrize("existing", [False, True], ids=["new file", "existing file"])
def test_closing_the_client_closes_the_state_file(tmp_path, existing):
    state = tmp_path / "sandbox.sqlite"
    if existing:
        _run(state, lambda client: client.get("/_sandbox/state"))

    async def calls(client):
        assert (await client.get("/_sandbox/state")).status_code == 200
        assert Path(f"{state}-wal").exists()  # open: sqlite keeps its write-ahead log beside it

    _run(state, calls)
    # sqlite removes the log when the last connection to the file closes
    assert not Path(f"{state}-wal").exists()


# The Sellers API's participations answers for the demo sellers in each region they are
# authorized in, byte for byte (name and locale are derived from the catalogue: a change
# there must not change these). acme's FE is 403: it authorized the app in NA and EU only.
DEMO_PARTICIPATIONS = {
    ('A3EXAMPLEACME01', 'NA'): (
        b'{"payload":[{"marketplace":{"id":"ATVPDKIKX0DER","countryCode":"US","name":"Amazon.com","d'
        b'efaultCurrencyCode":"USD","defaultLanguageCode":"en_US","domainName":"www.amazon.com"},"st'
        b'oreName":"Acme Direct","participation":{"isParticipating":true,"hasSuspendedListings":fals'
        b'e}},{"marketplace":{"id":"A1AM78C64UM0Y8","countryCode":"MX","name":"Amazon.com.mx","defau'
        b'ltCurrencyCode":"MXN","defaultLanguageCode":"es_MX","domainName":"www.amazon.com.mx"},"sto'
        b'reName":"Acme Direct","participation":{"isParticipating":true,"hasSuspendedListings":false'
        b'}},{"marketplace":{"id":"A2ZV50J4W1RKNI","countryCode":"US","name":"Non-Amazon","domainNam'
        b'e":"sim1.stores.amazon.com"},"storeName":"Acme Direct","participation":{"isParticipating":'
        b'true,"hasSuspendedListings":false}}]}'
    ),
    ('A3EXAMPLEACME01', 'EU'): b'{"payload":[]}',
    ('A3EXAMPLEACME01', 'FE'): 403,
    ('A1NORDLICHT0DE', 'EU'): (
        b'{"payload":[{"marketplace":{"id":"A1PA6795UKMFR9","countryCode":"DE","name":"Amazon.de","d'
        b'efaultCurrencyCode":"EUR","defaultLanguageCode":"de_DE","domainName":"www.amazon.de"},"sto'
        b'reName":"Nordlicht","participation":{"isParticipating":true,"hasSuspendedListings":true}}]}'
    ),
    ('A2SAKURA00JP', 'FE'): (
        b'{"payload":[{"marketplace":{"id":"A1VC38T7YXB528","countryCode":"JP","name":"Amazon.co.jp"'
        b',"defaultCurrencyCode":"JPY","defaultLanguageCode":"ja_JP","domainName":"www.amazon.co.jp"'
        b'},"storeName":"Sakura Goods","participation":{"isParticipating":true,"hasSuspendedListings'
        b'":false}}]}'
    ),
    ('A4MAPLE000CA', 'NA'): b'{"payload":[]}',
}


def test_participations_of_the_demo_sellers_are_byte_for_byte_as_before(tmp_path):
    async def calls(client):
        seen = {}
        for key in DEMO_PARTICIPATIONS:
            answer = await client.get(PARTICIPATIONS_PATH, headers=await _login(client, *key))
            seen[key] = answer.content if answer.status_code == 200 else answer.status_code
        return seen

    assert _run(tmp_path / "sandbox.sqlite", calls) == DEMO_PARTICIPATIONS
