"""Fuzz the served sandbox's request parsing (bodies, query strings, form posts, path ids):
every answer is an answer of the contract, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.domain.contract import ACCESS_TOKEN_HEADER, LWA_TOKEN_PATH
from reconciler.domain.contract import API_PREFIX as PREFIX
from reconciler.sandbox.demo import demo_refresh_token
from tests.fuzzing import JSON, TEXT, fuzz
from tests.sandbox.sandbox_support import body_for, serve_in_thread

SELLER = "A3EXAMPLEACME01"


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, str]]:
    with serve_in_thread(tmp_path_factory.mktemp("fuzz") / "state.sqlite", rate_limits=False) as served, \
            httpx.Client(base_url=served.url, timeout=30) as client:
        seeded = client.post("/_sandbox/sellers", json={
            "sellerId": SELLER, "legalEntityName": "Fuzz Ltd", "refreshToken": demo_refresh_token(SELLER)})
        assert seeded.status_code == 200, seeded.text
        token = client.post(LWA_TOKEN_PATH, data={
            "grant_type": "refresh_token", "refresh_token": demo_refresh_token(SELLER),
            "client_id": "fuzz", "client_secret": "fuzz"}).json()["access_token"]
        yield client, token


def not_500(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code >= 400 and response.request.url.path != LWA_TOKEN_PATH:
        assert response.json()["errors"][0]["code"]


BODY_KEYS = list(body_for(["DE"]))


@given(st.one_of(JSON.map(lambda v: json.dumps(v).encode()), st.binary(max_size=64), TEXT.map(str.encode)))
@fuzz(100)
def test_any_create_body(http, content):
    client, token = http
    not_500(client.post(f"{PREFIX}/sellers/{SELLER}/registrations", content=content,
                        headers={ACCESS_TOKEN_HEADER: token, "content-type": "application/json"}))


@given(st.sampled_from(BODY_KEYS), JSON)
@fuzz(100)
def test_a_create_body_with_one_value_replaced(http, key, value):
    client, token = http
    body = {**body_for(["DE"]), key: value}
    not_500(client.post(f"{PREFIX}/sellers/{SELLER}/registrations", json=body, headers={ACCESS_TOKEN_HEADER: token}))


@given(st.lists(st.tuples(st.sampled_from(["pageSize", "nextToken", "marketplaceIds", "status", "x"]), TEXT),
                max_size=4))
@fuzz(100)
def test_any_list_query(http, params):
    client, token = http
    not_500(client.get(f"{PREFIX}/sellers/{SELLER}/registrations", params=params,
                       headers={ACCESS_TOKEN_HEADER: token}))


@given(TEXT, TEXT)
@fuzz(60)
def test_any_registration_id_and_token_form(http, registration_id, form):
    client, token = http
    not_500(client.get(f"{PREFIX}/registrations/{quote(registration_id, safe='') or 'x'}",
                       headers={ACCESS_TOKEN_HEADER: token}))
    not_500(client.post(LWA_TOKEN_PATH, content=form.encode(),
                        headers={"content-type": "application/x-www-form-urlencoded"}))
