"""Fault injection and the loopback-only admin calls."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from reconciler.sandbox.app import create_app
from reconciler.sandbox.http import is_loopback
from tests.sandbox.sandbox_support import body_for


def test_error_rate_one_answers_every_api_call_500_or_503_before_acting(api):
    seller, token = api.login()
    api.faults(errorRate=1.0, seed=7)
    statuses = {api.create(token, seller, body_for(["DE"])).status_code for _ in range(8)}
    statuses |= {api.list(token, seller).status_code, api.participations(token).status_code}
    assert statuses == {500, 503}
    api.faults()  # off again
    assert api.registrations() == []
    assert api.create(token, seller, body_for(["DE"])).status_code == 202  # no bucket was spent


def test_faults_are_deterministic_for_a_seed(api):
    seller, token = api.login()
    runs = []
    for _ in range(2):
        api.faults(errorRate=0.5, seed=42)
        runs.append([api.list(token, seller).status_code for _ in range(8)])
        api.advance(10)  # refill the bucket
    assert runs[0] == runs[1] and {200} < set(runs[0])


def test_latency_is_added_to_api_calls(api):
    seller, token = api.login()
    api.faults(latencyMs=250)
    started = time.perf_counter()
    assert api.list(token, seller).status_code == 200
    assert time.perf_counter() - started >= 0.25


@pytest.mark.parametrize("body, field", [({"errorRate": 2}, "errorRate"), ({"latencyMs": -1}, "latencyMs"),
                                         ({"throttleEveryNth": 1.5}, "throttleEveryNth"), ({"chaos": 1}, "chaos"),
                                         ({"errorRate": "0.1"}, "errorRate")])
def test_bad_fault_settings_are_400(api, body, field):
    response = api.http.put("/_sandbox/faults", json=body)
    assert (response.status_code, response.json()["errors"][0]["details"]) == (400, field)


@pytest.mark.parametrize("body", [{"advanceSeconds": -5}, {"advanceSeconds": "60"}, {}])
def test_the_clock_only_moves_on(api, body):
    before = api.state()["now"]
    assert api.http.post("/_sandbox/clock", json=body).status_code == 400
    assert api.state()["now"] >= before


def test_the_clock_answers_the_new_now(api):
    before = api.state()["now"]
    now = api.http.post("/_sandbox/clock", json={"advanceSeconds": 86400}).json()["now"]
    assert now[:10] > before[:10]


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True),
                                            ("::ffff:127.0.0.1", True), ("10.0.0.5", False),
                                            ("192.168.1.2", False), ("::ffff:10.0.0.5", False),
                                            ("2001:db8::1", False), ("", False), (None, False),
                                            ("testclient", False)])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_admin_calls_from_a_remote_client_are_403_while_the_api_answers(tmp_path):
    app = create_app(tmp_path / "state.sqlite")

    async def run() -> list[int]:
        local = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        remote = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
        async with httpx.AsyncClient(transport=local, base_url="http://sandbox") as ours, \
                httpx.AsyncClient(transport=remote, base_url="http://sandbox") as theirs:
            await ours.post("/_sandbox/sellers", json={"sellerId": "S1", "legalEntityName": "S",
                                                       "refreshToken": "r1"})
            answers = [await theirs.post("/_sandbox/reset"), await theirs.get("/_sandbox/state"),
                       await theirs.put("/_sandbox/faults", json={"errorRate": 1}),
                       await theirs.post("/_sandbox/clock", json={"advanceSeconds": 1}),
                       await theirs.post("/_sandbox/sellers", json={"sellerId": "S2", "legalEntityName": "S",
                                                                    "refreshToken": "r2"})]
            assert {a.json()["errors"][0]["code"] for a in answers} == {"Unauthorized"}
            token = (await theirs.post("/auth/o2/token", data={
                "grant_type": "refresh_token", "refresh_token": "r1", "client_id": "c", "client_secret": "s"})).json()
            listed = await theirs.get("/acorn/2026-01-01/sellers/S1/registrations",
                                      headers={"x-amz-access-token": token["access_token"], "x-acorn-region": "EU"})
            state = (await ours.get("/_sandbox/state")).json()
            assert [s["sellerId"] for s in state["sellers"]] == ["S1"]
            return [a.status_code for a in answers] + [listed.status_code]

    assert asyncio.run(run()) == [403, 403, 403, 403, 403, 200]


def test_the_faults_put_answers_every_key_with_defaults_filled_in(api):
    response = api.http.put("/_sandbox/faults", json={"errorRate": 0.25, "seed": 7})
    assert response.json() == {"latencyMs": 0, "errorRate": 0.25, "dropAfterCommitRate": 0.0,
                               "throttleEveryNth": 0, "retryAfterOn429": False, "seed": 7}
    assert api.state()["faults"] == response.json()
