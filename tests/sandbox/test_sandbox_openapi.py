"""The OpenAPI document: loadable where the code looks for it, complete, and what the
sandbox answers (the `api` fixture checks every response of every test against it; this
file also drives each documented status at least once)."""

from __future__ import annotations

import importlib.resources

import yaml

from tests.sandbox.sandbox_support import SPEC, body_for

OPERATIONS = {
    ("post", "/auth/o2/token"): "getAccessToken",
    ("get", "/sellers/v1/marketplaceParticipations"): "getMarketplaceParticipations",
    ("post", "/acorn/2026-01-01/sellers/{sellerId}/registrations"): "createRegistration",
    ("get", "/acorn/2026-01-01/sellers/{sellerId}/registrations"): "listRegistrations",
    ("get", "/acorn/2026-01-01/registrations/{registrationId}"): "getRegistration",
    ("post", "/_sandbox/sellers"): "sandboxPutSeller",
    ("post", "/_sandbox/clock"): "sandboxAdvanceClock",
    ("get", "/_sandbox/clock"): "sandboxNow",
    ("post", "/_sandbox/registrations/{registrationId}/decision"): "sandboxDecideReview",
    ("put", "/_sandbox/faults"): "sandboxSetFaults",
    ("get", "/_sandbox/state"): "sandboxState",
    ("post", "/_sandbox/reset"): "sandboxReset",
}


def test_the_document_is_found_by_path_and_as_package_data():
    packaged = importlib.resources.files("reconciler").joinpath("schemas", "acorn-i.openapi.yaml").read_text()
    assert packaged == SPEC.read_text()
    assert yaml.safe_load(packaged)["openapi"].startswith("3.1")


def test_every_operation_is_described_and_admin_calls_are_tagged_sandbox_only(contract):
    found = {(method, path): op["operationId"] for path, item in contract.doc["paths"].items()
             for method, op in item.items() if method in ("get", "post", "put")}
    assert found == OPERATIONS
    for (method, path), _ in OPERATIONS.items():
        tags = contract.doc["paths"][path][method]["tags"]
        assert ("sandbox-only" in tags) == path.startswith("/_sandbox/")


def test_every_contract_error_status_is_documented_with_its_headers(contract):
    for path in ("/acorn/2026-01-01/sellers/{sellerId}/registrations",):
        create = contract.resolve(contract.doc["paths"][path]["post"])
        assert set(create["responses"]) >= {"202", "400", "403", "409", "429", "500", "503"}
        assert "Retry-After" in create["responses"]["429"]["headers"]
        assert "x-amzn-RateLimit-Limit" in create["responses"]["400"]["headers"]
        assert "x-amzn-RateLimit-Limit" not in create["responses"]["403"]["headers"]


def test_a_sweep_of_every_documented_answer_conforms(api):
    """Drives each status the sandbox can give; the fixture validates each answer."""
    seller, token = api.login(participations=("US",))
    created = api.create(token, seller, body_for(["DE"]))
    api.create(token, seller, body_for(["US"]))                        # 409 participating
    api.create(token, seller, {**body_for(["DE"]), "marketplaceIds": ["X"]})  # 400
    api.list(token, seller, pageSize=1)
    api.get(token, created.json()["registrations"][0]["registrationId"])
    api.get(token, "REG-NONE")                                         # 404
    api.participations(token)
    api.exchange("nope")                                               # 400 invalid_grant
    api.http.post("/auth/o2/token", data={"grant_type": "refresh_token"})  # 401
    api.http.post("/_sandbox/sellers", json={"sellerId": "!"})         # 400 admin
    api.http.put("/_sandbox/faults", json={"errorRate": 1.0})
    api.list(token, seller)                                            # 500 or 503
    api.http.put("/_sandbox/faults", json={"throttleEveryNth": 1})
    api.list(token, seller)                                            # 429
    api.http.put("/_sandbox/faults", json={})
    api.advance(3600)
    api.list(token, seller)                                            # 403 expired
    statuses = {r.status for r in api.recorded}
    assert statuses >= {200, 202, 400, 401, 403, 404, 409, 429}
    assert statuses & {500, 503}


def test_the_check_itself_catches_a_wrong_answer(contract):
    """Guards the guard: a response missing fields and the request id is reported."""
    import httpx

    problems = contract.problems("GET", "/acorn/2026-01-01/registrations/REG-1", 200,
                                 httpx.Headers({"x-amzn-RateLimit-Limit": "fast"}), b'{"registrationId": 1}')
    text = "\n".join(problems)
    assert "no x-amzn-RequestId" in text and "'sellerId' is a required property" in text
    assert "header x-amzn-RateLimit-Limit" in text
    assert contract.problems("GET", "/_sandbox/state", 418, httpx.Headers({"x-amzn-RequestId": "x"}), b"")[0] \
        .endswith("status not documented")
