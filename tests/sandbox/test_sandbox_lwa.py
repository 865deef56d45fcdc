"""Login with Amazon and who a token acts for: exchange, refusals, other sellers, expiry."""

from __future__ import annotations

from reconciler.domain.contract import ERROR_CODES, LWA_TOKEN_PATH, RATE_LIMIT_HEADER
from tests.sandbox.sandbox_support import body_for


def test_a_seeded_refresh_token_exchanges_for_an_access_token(api):
    seller = api.seller()
    response = api.exchange(f"Atzr|refresh-{seller}")
    assert response.status_code == 200
    token = response.json()
    assert token["access_token"].startswith("Atza|") and len(token["access_token"]) > 20
    assert (token["token_type"], token["expires_in"]) == ("bearer", 3600)
    assert response.headers["cache-control"] == "no-store"
    assert api.exchange(f"Atzr|refresh-{seller}").json()["access_token"] != token["access_token"]


def test_an_unknown_refresh_token_is_invalid_grant_and_not_echoed(api):
    api.seller()
    response = api.exchange("Atzr|nobody-holds-this")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "nobody-holds-this" not in response.text


def test_missing_client_credentials_are_invalid_client(api):
    seller = api.seller()
    response = api.http.post(LWA_TOKEN_PATH, data={"grant_type": "refresh_token",
                                                     "refresh_token": f"Atzr|refresh-{seller}"})
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")


def test_a_wrong_grant_type_is_refused(api):
    seller = api.seller()
    response = api.http.post(LWA_TOKEN_PATH, data={"grant_type": "client_credentials", "client_id": "a",
                                                     "client_secret": "b", "refresh_token": f"Atzr|refresh-{seller}"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_any_client_id_and_secret_are_accepted(api):
    seller = api.seller()
    assert api.exchange(f"Atzr|refresh-{seller}", client_id="amzn1.application-oa2-client.other").status_code == 200


def test_a_token_acts_for_its_seller_only(api):
    alpha, alpha_token = api.login()
    beta, beta_token = api.login()
    created = api.create(beta_token, beta, body_for(["DE"])).json()["registrations"][0]

    for response in (api.list(alpha_token, beta), api.create(alpha_token, beta, body_for(["FR"])),
                     api.get(alpha_token, created["registrationId"])):
        assert response.status_code == 403
        assert response.json()["errors"][0]["code"] == ERROR_CODES[403]
        assert RATE_LIMIT_HEADER not in response.headers  # never on 403
    assert [r["marketplaceId"] for r in api.registrations()] == [created["marketplaceId"]]


DENIED = "Access to requested resource is denied."


def test_missing_or_unknown_access_tokens_are_403_as_sp_api_words_them(api):
    seller = api.seller()
    missing = api.http.get(f"/acorn/2026-01-01/sellers/{seller}/registrations", headers={"x-acorn-region": "EU"})
    # Observed SP-API bodies (no published example exists): see tests/client/cassettes/README.md.
    assert (missing.status_code, missing.json()["errors"][0]) == (
        403, {"code": "MissingAuthenticationToken", "message": DENIED, "details": ""})
    for response in (api.list("Atza|made-up", seller), api.participations("Atza|made-up")):
        assert (response.status_code, response.json()["errors"][0]) == (
            403, {"code": "Unauthorized", "message": DENIED,
                  "details": "The access token you provided is revoked, malformed or invalid."})


def test_a_call_without_its_region_is_400(api):
    seller, token = api.login()
    response = api.http.get("/sellers/v1/marketplaceParticipations", headers={"x-amz-access-token": token})
    assert (response.status_code, response.json()["errors"][0]["details"]) == (400, "x-acorn-region")


def test_a_token_is_refused_in_a_region_its_seller_has_not_authorized(api):
    seller = api.seller()
    api.http.post("/_sandbox/sellers", json={"sellerId": seller, "legalEntityName": "Test Seller Ltd",
                                             "refreshTokens": {"NA": "Atzr|na", "EU": "Atzr|eu"}, "replace": True})
    na = api.exchange("Atzr|na").json()["access_token"]
    eu = api.exchange("Atzr|eu").json()["access_token"]
    assert api.exchange(f"Atzr|refresh-{seller}").status_code == 400  # replaced by the per-region tokens
    assert [api.participations(na, region).status_code for region in ("NA", "EU", "FE")] == [200, 403, 403]
    assert [api.participations(eu, region).status_code for region in ("NA", "EU", "FE")] == [403, 200, 403]
    # SP-API's 403 for a seller that has not authorized the app in that region: empty details.
    assert api.participations(na, "EU").json()["errors"][0] == {"code": "Unauthorized", "message": DENIED,
                                                                "details": ""}


def test_an_access_token_expires_after_an_hour_of_sandbox_clock(api):
    seller, token = api.login()
    api.advance(3599)
    assert api.list(token, seller).status_code == 200
    api.advance(2)
    expired = api.list(token, seller)
    assert expired.status_code == 403
    # SP-API publishes no "expired" wording: an expired token gets the revoked/malformed/invalid one.
    assert expired.json()["errors"][0]["details"] == "The access token you provided is revoked, malformed or invalid."
    assert api.list(api.token(seller), seller).status_code == 200  # a new exchange works again


def test_re_seeding_a_refresh_token_moves_it_to_the_new_seller(api):
    first = api.seller()
    api.http.post("/_sandbox/sellers", json={"sellerId": "TESTSELLERNEW01", "legalEntityName": "New Ltd",
                                             "refreshToken": f"Atzr|refresh-{first}"})
    token = api.exchange(f"Atzr|refresh-{first}").json()["access_token"]
    assert api.list(token, "TESTSELLERNEW01").status_code == 200
    assert api.list(token, first).status_code == 403


def test_participations_answer_the_sellers_stores_with_iso_country_codes(api):
    seller, token = api.login(participations=("UK", "US"))
    response = api.participations(token)
    assert response.status_code == 200
    payload = response.json()["payload"]
    assert [(p["marketplace"]["id"], p["marketplace"]["countryCode"]) for p in payload] == [
        ("ATVPDKIKX0DER", "US")]  # the NA host: UK is on EU's
    eu = api.participations(token, region="EU").json()["payload"]
    assert [(p["marketplace"]["id"], p["marketplace"]["countryCode"]) for p in eu] == [("A1F83G8C2ARO7P", "GB")]
    assert all(p["participation"] == {"isParticipating": True, "hasSuspendedListings": False} for p in payload)
    assert response.headers[RATE_LIMIT_HEADER] == "0.016"


def test_adding_a_seller_that_is_there_is_a_conflict_unless_replace(api):
    seller = api.seller()
    again = api.http.post("/_sandbox/sellers", json={"sellerId": seller, "legalEntityName": "Other Ltd"})
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == ERROR_CODES[409]
    assert api.http.post(LWA_TOKEN_PATH, data={"grant_type": "refresh_token", "refresh_token": f"Atzr|refresh-{seller}",
                                               "client_id": "c", "client_secret": "s"}).status_code == 200
    replaced = api.http.post("/_sandbox/sellers", json={"sellerId": seller, "legalEntityName": "Other Ltd",
                                                        "replace": True})
    assert replaced.status_code == 200 and replaced.json()["replaced"] is True


def test_a_seller_id_the_desired_state_refuses_is_refused(api):
    for bad in ("S1", "a3exampleacme01", "A" * 21):
        answer = api.http.post("/_sandbox/sellers", json={"sellerId": bad, "legalEntityName": "S"})
        assert answer.status_code == 400, bad
        assert answer.json()["errors"][0]["message"].startswith("sellerId: must be 10 to 20 upper-case letters")


def test_get_account_is_served_in_the_eu_only_as_sp_api_offers_it(api):
    seller, token = api.login(participations=("DE",))
    assert api.account(token, "EU").status_code == 200
    for region in ("NA", "FE"):  # SP-API's hosts outside the EU do not serve it: a plain 403
        response = api.account(token, region)
        assert (response.status_code, response.json()["errors"][0]) == (
            403, {"code": "Unauthorized", "message": DENIED, "details": ""})


def test_an_expired_client_secret_is_answered_as_sp_api_does_on_every_call(api):
    seller, token = api.login(participations=("DE",))  # LWA still issues the access token
    api.faults(expiredClientSecret=True)
    try:
        for response in (api.participations(token, "EU"), api.list(token, seller), api.account(token)):
            assert (response.status_code, response.json()["errors"][0]) == (
                403, {"code": "Unauthorized", "message": DENIED,
                      "details": "The LWA secret token you provided has expired."})
    finally:
        api.faults()
    assert api.participations(token, "EU").status_code == 200


def test_an_exchange_forgets_tokens_a_week_expired_without_reading_every_token(tmp_path):
    """Each exchange purges the access tokens expired a week before the new one's expiry; the
    purge finds them by their expiry (an index), so an exchange costs the same at 100,000 sellers."""
    import sqlite3

    from reconciler.sandbox.store import Store

    store = Store(tmp_path / "state.sqlite")
    for name, expires_at in (("old", 1_000.0), ("recent", 600_000.0)):
        store.add_access_token(name, "A1", "app", expires_at)
    executed: list[str] = []
    store._conn.set_trace_callback(executed.append)
    store.add_access_token("new", "A1", "app", 1_000_000.0)
    store._conn.set_trace_callback(None)
    (purge,) = [sql for sql in executed if sql.startswith("DELETE FROM access_tokens")]
    plan = " ".join(row[-1] for row in store._conn.execute(f"EXPLAIN QUERY PLAN {purge}"))
    assert "USING INDEX" in plan and "SCAN" not in plan, plan
    store.close()
    kept = sqlite3.connect(tmp_path / "state.sqlite").execute("SELECT token_hash FROM access_tokens ORDER BY 1")
    assert [row[0] for row in kept] == ["new", "recent"]
