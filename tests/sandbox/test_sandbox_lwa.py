"""Login with Amazon and who a token acts for: exchange, refusals, other sellers, expiry."""

from __future__ import annotations

from reconciler.domain.contract import ERROR_CODES, LWA_TOKEN_PATH, RATE_LIMIT_HEADER, SELLER_REGISTRATIONS_PATH
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


def test_missing_or_unknown_access_tokens_are_403(api):
    seller = api.seller()
    assert api.http.get(SELLER_REGISTRATIONS_PATH.format(sellerId=seller)).status_code == 403
    assert api.list("Atza|made-up", seller).status_code == 403
    assert api.participations("Atza|made-up").status_code == 403


def test_an_access_token_expires_after_an_hour_of_sandbox_clock(api):
    seller, token = api.login()
    api.advance(3599)
    assert api.list(token, seller).status_code == 200
    api.advance(2)
    expired = api.list(token, seller)
    assert expired.status_code == 403
    assert "expired" in expired.json()["errors"][0]["message"]
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
        ("ATVPDKIKX0DER", "US"), ("A1F83G8C2ARO7P", "GB")]
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
