"""Fault injection and the loopback-only admin calls."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import quote

import httpx
import pytest

from reconciler.domain.contract import (
    ACCESS_TOKEN_HEADER,
    ERROR_CODES,
    GET_REGISTRATION,
    LIMITS,
    LWA_TOKEN_PATH,
    RATE_LIMIT_HEADER,
    REGISTRATION_PATH,
    SELLER_REGISTRATIONS_PATH,
)
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
                                         ({"errorRate": "0.1"}, "errorRate"),
                                         ({"script": [{"operation": "nope"}]}, "script[0].operation"),
                                         ({"script": [{"operation": "listRegistrations", "status": 418}]},
                                          "script[0].status"),
                                         ({"script": [{"operation": "listRegistrations", "drop": True,
                                                       "status": 500}]}, "script[0].drop"),
                                         ({"script": {}}, "script"), ({"rates": {"listRegistrations": 0}},
                                                                       "rates.listRegistrations"),
                                         ({"echoCredentials": "body"}, "echoCredentials")])
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
            await ours.post("/_sandbox/sellers", json={"sellerId": "SELLER00001", "legalEntityName": "S",
                                                       "refreshToken": "r1"})
            answers = [await theirs.post("/_sandbox/reset"), await theirs.get("/_sandbox/state"),
                       await theirs.put("/_sandbox/faults", json={"errorRate": 1}),
                       await theirs.post("/_sandbox/clock", json={"advanceSeconds": 1}),
                       await theirs.post("/_sandbox/sellers", json={"sellerId": "SELLER00002", "legalEntityName": "S",
                                                                    "refreshToken": "r2"})]
            assert {a.json()["errors"][0]["code"] for a in answers} == {ERROR_CODES[403]}
            token = (await theirs.post(LWA_TOKEN_PATH, data={
                "grant_type": "refresh_token", "refresh_token": "r1", "client_id": "c", "client_secret": "s"})).json()
            listed = await theirs.get(SELLER_REGISTRATIONS_PATH.format(sellerId="SELLER00001"),
                                      headers={ACCESS_TOKEN_HEADER: token["access_token"], "x-acorn-region": "EU"})
            state = (await ours.get("/_sandbox/state")).json()
            assert [s["sellerId"] for s in state["sellers"]] == ["SELLER00001"]
            return [a.status_code for a in answers] + [listed.status_code]

    assert asyncio.run(run()) == [403, 403, 403, 403, 403, 200]


def test_the_faults_put_answers_every_key_with_defaults_filled_in(api):
    response = api.http.put("/_sandbox/faults", json={"errorRate": 0.25, "seed": 7})
    assert response.json() == {"latencyMs": 0, "errorRate": 0.25, "dropAfterCommitRate": 0.0,
                               "throttleEveryNth": 0, "retryAfterOn429": False, "seed": 7, "script": [],
                               "rates": {}, "echoCredentials": "", "expiredClientSecret": False}
    assert api.state()["faults"] == response.json()


def test_a_script_answers_exactly_the_calls_it_names_then_the_service_is_itself_again(api):
    seller, token = api.login()
    api.faults(script=[{"operation": "listRegistrations", "status": 429, "retryAfter": 7},
                       {"operation": "listRegistrations", "status": 503, "times": 2},
                       {"operation": "createRegistration", "status": 400}])
    answers = [api.list(token, seller) for _ in range(4)]
    assert [a.status_code for a in answers] == [429, 503, 503, 200]
    assert answers[0].headers["Retry-After"] == "7" and "Retry-After" not in answers[1].headers
    assert api.participations(token).status_code == 200  # another operation: not scripted
    assert api.create(token, seller, body_for(["DE"])).status_code == 400
    assert api.registrations() == []  # a scripted status answers before acting
    assert api.create(token, seller, body_for(["DE"])).status_code == 202


def test_a_script_can_speak_a_hostile_servers_words(api):
    seller, token = api.login()
    words = "bad\x1b[2J\n::error::forged DE123456788"
    api.faults(script=[{"operation": "listRegistrations", "status": 400, "code": "InvalidInput", "message": words}])
    answer = api.list(token, seller)
    assert answer.status_code == 400 and answer.json()["errors"][0] | {"details": ""} == \
        {"code": "InvalidInput", "message": words, "details": ""}
    refused = api.http.put("/_sandbox/faults", json={"script": [{"operation": "listRegistrations", "message": "x"}]})
    assert refused.status_code == 400 and "give one" in refused.text  # words need a status to speak them


def test_a_scripted_drop_acts_then_answers_nothing(api):
    """A create chosen by `drop` commits and the connection closes unanswered; the same
    create again answers the committed registrations."""
    seller, token = api.login()
    api.faults(script=[{"operation": "createRegistration", "drop": True}])
    body = body_for(["DE"])
    with pytest.raises(httpx.RemoteProtocolError):
        api.create(token, seller, body)
    committed = api.registrations()
    assert len(committed) == 1
    again = api.create(token, seller, body)
    assert again.status_code == 202
    assert [r["registrationId"] for r in again.json()["registrations"]] == [committed[0]["registrationId"]]


def _seconds(call) -> float:
    started = time.perf_counter()
    assert call().status_code == 200
    return time.perf_counter() - started


def test_scripted_latency_delays_only_the_calls_it_names(api):
    seller, token = api.login()
    # The latency is ten times the slowest of three undelayed calls measured now, so the call
    # after the scripted one is told from it on a loaded machine as on a quiet one.
    baseline = max(_seconds(lambda: api.list(token, seller)) for _ in range(3))
    latency = max(0.25, 10 * baseline)
    api.faults(script=[{"operation": "listRegistrations", "latencyMs": round(latency * 1000)}])
    assert _seconds(lambda: api.list(token, seller)) >= latency
    assert _seconds(lambda: api.list(token, seller)) < latency  # the step took its one call


def test_a_held_answer_comes_after_the_commit(api):
    seller, token = api.login()
    api.faults(script=[{"operation": "createRegistration", "holdMs": 300}])
    started = time.perf_counter()
    assert api.create(token, seller, body_for(["DE"])).status_code == 202
    assert time.perf_counter() - started >= 0.3


def test_a_rate_other_than_the_default_is_announced_and_enforced(api):
    seller, token = api.login()
    api.faults(rates={"getRegistration": 4})
    answers = [api.get(token, "REG-NONE") for _ in range(LIMITS[GET_REGISTRATION].burst + 1)]
    assert {a.headers[RATE_LIMIT_HEADER] for a in answers[:-1]} == {"4.0"}
    assert answers[-1].status_code == 429
    api.advance(0.25)  # one token at 4 per second
    assert api.get(token, "REG-NONE").status_code == 404


@pytest.mark.parametrize("where", ["code", "message", "details"])
def test_echo_credentials_quotes_the_access_token_in_error_answers(api, served, where):
    """Asked to, the sandbox breaks its own contract (an echo in `code` is no documented
    code), so this answer is read past the fixture's OpenAPI check."""
    seller, token = api.login()
    api.faults(echoCredentials=where)
    with httpx.Client(base_url=served.url) as unchecked:
        answer = unchecked.get(REGISTRATION_PATH.format(registrationId="REG-NONE"),
                               headers={ACCESS_TOKEN_HEADER: token, "x-acorn-region": "EU"})
    error = answer.json()["errors"][0]
    assert token in error[where] and quote(token, safe="") in error[where]
    assert token not in api.list(token, seller).text  # answers that are not errors are as ever


@pytest.mark.parametrize("where, key", [("code", "error"), ("message", "error_description")])
def test_echo_credentials_quotes_the_refresh_token_and_client_secret_in_lwa_errors(api, served, where, key):
    api.faults(echoCredentials=where)
    with httpx.Client(base_url=served.url) as unchecked:  # an echo in `error` is no documented error
        answer = unchecked.post(LWA_TOKEN_PATH, data={"grant_type": "refresh_token", "refresh_token": "Atzr|not-known",
                                                      "client_id": "acorn-test", "client_secret": "s3cret"})
    assert answer.status_code == 400
    assert "Atzr|not-known" in answer.json()[key] and "Atzr%7cnot-known" in answer.json()[key]
    assert "s3cret" in answer.json()[key]
