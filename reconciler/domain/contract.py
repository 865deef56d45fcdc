"""The ACORN-i contract (docs/acorn-i-api.md) and the parts of SP-API it rests on, written once:
paths, headers, registration statuses, rate limits and error codes.

The client and the sandbox both read them here and share nothing else: each has its own
wire-format code, so a field one of them misreads shows up in a test.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# -- paths ---------------------------------------------------------------------------------
API_PREFIX = "/acorn/2026-01-01"
LWA_TOKEN_PATH = "/auth/o2/token"  # Login with Amazon
PARTICIPATIONS_PATH = "/sellers/v1/marketplaceParticipations"  # Sellers API v1
SELLER_REGISTRATIONS_PATH = API_PREFIX + "/sellers/{sellerId}/registrations"  # create (POST), list (GET)
REGISTRATION_PATH = API_PREFIX + "/registrations/{registrationId}"

# -- headers -------------------------------------------------------------------------------
ACCESS_TOKEN_HEADER = "x-amz-access-token"
REQUEST_ID_HEADER = "x-amzn-RequestId"
RATE_LIMIT_HEADER = "x-amzn-RateLimit-Limit"
RETRY_AFTER_HEADER = "Retry-After"
RATE_LIMITED_STATUSES = (200, 202, 400, 404)  # the answers that carry RATE_LIMIT_HEADER


# -- registration statuses -----------------------------------------------------------------
class RegistrationStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    IN_REVIEW = "IN_REVIEW"
    ACTION_REQUIRED = "ACTION_REQUIRED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


# A registration in one of these makes a create for its marketplace a 409.
OPEN_STATUSES = tuple(s for s in RegistrationStatus if s is not RegistrationStatus.REJECTED)


# -- operations and their rate limits ------------------------------------------------------
CREATE_REGISTRATION = "createRegistration"
LIST_REGISTRATIONS = "listRegistrations"
GET_REGISTRATION = "getRegistration"
GET_PARTICIPATIONS = "getMarketplaceParticipations"


@dataclass(frozen=True)
class Limit:
    rate: float  # tokens per second; RATE_LIMIT_HEADER is str(rate): "0.5", "2.0", "0.016"
    burst: int


LIMITS: dict[str, Limit] = {
    CREATE_REGISTRATION: Limit(0.5, 5),
    LIST_REGISTRATIONS: Limit(2.0, 10),
    GET_REGISTRATION: Limit(2.0, 10),
    GET_PARTICIPATIONS: Limit(0.016, 15),  # the Sellers API's published usage plan
}

# -- error codes ---------------------------------------------------------------------------
# The `code` of `{"errors": [{"code", "message", "details"}]}` for each error status.
ERROR_CODES: dict[int, str] = {400: "InvalidInput", 403: "Unauthorized", 404: "NotFound", 409: "Conflict",
                               429: "QuotaExceeded", 500: "InternalFailure", 503: "ServiceUnavailable"}
CONFLICT = ERROR_CODES[409]
# Not an operation's answer: the sandbox's 405 to a method a path does not have (with Allow).
METHOD_NOT_ALLOWED = "MethodNotAllowed"

# Login with Amazon's `error` values (OAuth 2.0) that acorn tells apart.
LWA_INVALID_CLIENT = "invalid_client"
LWA_INVALID_GRANT = "invalid_grant"
LWA_UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
