"""The OpenAPI document: loadable where the code looks for it, complete, and what the
sandbox answers (the `api` fixture checks every response of every test against it; this
file also drives each documented status at least once)."""

from __future__ import annotations

import importlib.resources

import yaml

from reconciler.domain.contract import (
    ACCESS_TOKEN_HEADER,
    ACCOUNT_PATH,
    API_PREFIX,
    CREATE_REGISTRATION,
    ERROR_CODES,
    GET_ACCOUNT,
    GET_PARTICIPATIONS,
    GET_REGISTRATION,
    LIST_REGISTRATIONS,
    LWA_TOKEN_PATH,
    MISSING_AUTHENTICATION_TOKEN,
    PARTICIPATIONS_PATH,
    RATE_LIMIT_HEADER,
    REGISTRATION_PATH,
    REQUEST_ID_HEADER,
    RETRY_AFTER_HEADER,
    SELLER_REGISTRATIONS_PATH,
)
from tests.sandbox.sandbox_support import SPEC, body_for

OPERATIONS = {
    ("post", LWA_TOKEN_PATH): "getAccessToken",
    ("get", PARTICIPATIONS_PATH): GET_PARTICIPATIONS,
    ("get", ACCOUNT_PATH): GET_ACCOUNT,
    ("post", SELLER_REGISTRATIONS_PATH): CREATE_REGISTRATION,
    ("get", SELLER_REGISTRATIONS_PATH): LIST_REGISTRATIONS,
    ("get", REGISTRATION_PATH): GET_REGISTRATION,
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


def test_the_contract_module_spells_what_the_document_publishes(contract):
    """The one place a test spells the contract's values: the constants that the client, the
    sandbox, every other test and the benchmarks read are these, and the document agrees."""
    assert API_PREFIX == "/acorn/2026-01-01"
    assert (LWA_TOKEN_PATH, PARTICIPATIONS_PATH) == ("/auth/o2/token", "/sellers/v1/marketplaceParticipations")
    assert SELLER_REGISTRATIONS_PATH == "/acorn/2026-01-01/sellers/{sellerId}/registrations"
    assert REGISTRATION_PATH == "/acorn/2026-01-01/registrations/{registrationId}"
    assert (ACCESS_TOKEN_HEADER, REQUEST_ID_HEADER, RATE_LIMIT_HEADER, RETRY_AFTER_HEADER) == (
        "x-amz-access-token", "x-amzn-RequestId", "x-amzn-RateLimit-Limit", "Retry-After")
    assert ERROR_CODES == {400: "InvalidInput", 403: "Unauthorized", 404: "NotFound", 409: "Conflict",
                           429: "QuotaExceeded", 500: "InternalFailure", 503: "ServiceUnavailable"}
    components = contract.doc["components"]
    assert components["securitySchemes"]["accessToken"]["name"] == ACCESS_TOKEN_HEADER
    # SP-API's 403 without an access token has its own code (observed: MissingAuthenticationToken)
    assert set(components["schemas"]["Error"]["properties"]["code"]["enum"]) == {*ERROR_CODES.values(),
                                                                               MISSING_AUTHENTICATION_TOKEN}
    answered = {name for item in contract.doc["paths"].values()
                for method, op in item.items() if method in ("get", "post", "put")
                for response in contract.resolve(op).get("responses", {}).values()
                for name in response.get("headers", {})}
    assert answered >= {REQUEST_ID_HEADER, RATE_LIMIT_HEADER, RETRY_AFTER_HEADER}


def test_every_contract_error_status_is_documented_with_its_headers(contract):
    for path in (SELLER_REGISTRATIONS_PATH,):
        create = contract.resolve(contract.doc["paths"][path]["post"])
        assert set(create["responses"]) >= {"202", *map(str, ERROR_CODES)} - {"404"}
        assert RETRY_AFTER_HEADER in create["responses"]["429"]["headers"]
        assert RATE_LIMIT_HEADER in create["responses"]["400"]["headers"]
        assert RATE_LIMIT_HEADER not in create["responses"]["403"]["headers"]


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
    api.http.post(LWA_TOKEN_PATH, data={"grant_type": "refresh_token"})  # 401
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

    problems = contract.problems("GET", REGISTRATION_PATH.format(registrationId="REG-1"), 200,
                                 httpx.Headers({RATE_LIMIT_HEADER: "fast"}), b'{"registrationId": 1}')
    text = "\n".join(problems)
    assert f"no {REQUEST_ID_HEADER}" in text and "'sellerId' is a required property" in text
    assert f"header {RATE_LIMIT_HEADER}" in text
    assert contract.problems("GET", "/_sandbox/state", 418, httpx.Headers({REQUEST_ID_HEADER: "x"}), b"")[0] \
        .endswith("status not documented")
