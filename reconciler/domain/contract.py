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
ACCOUNT_PATH = "/sellers/v1/account"  # Sellers API v1 getAccount
# SP-API offers getAccount in the EU only (the Sellers API page, "Roles for the Sellers API v1":
# getAccount, Regions: EU; "only available in the EU marketplace"): the client, the sandbox and
# account preflight read this one list.
ACCOUNT_REGIONS = ("EU",)
SELLER_REGISTRATIONS_PATH = API_PREFIX + "/sellers/{sellerId}/registrations"  # create (POST), list (GET)
REGISTRATION_PATH = API_PREFIX + "/registrations/{registrationId}"

# -- headers -------------------------------------------------------------------------------
ACCESS_TOKEN_HEADER = "x-amz-access-token"
REQUEST_ID_HEADER = "x-amzn-RequestId"
RATE_LIMIT_HEADER = "x-amzn-RateLimit-Limit"
RETRY_AFTER_HEADER = "Retry-After"
RATE_LIMITED_STATUSES = (200, 202, 400, 404)  # the answers that carry RATE_LIMIT_HEADER
DATE_HEADER = "x-amz-date"  # ISO 8601 basic, UTC: 20190430T123600Z (SP-API developer guide)
# With one base URL for every region (the sandbox, a test server) a call names the region its
# host would name on SP-API; the sandbox answers it as that region's host.
REGION_HEADER = "x-acorn-region"


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
GET_ACCOUNT = "getAccount"


@dataclass(frozen=True)
class Limit:
    rate: float  # tokens per second; RATE_LIMIT_HEADER is str(rate): "0.5", "2.0", "0.016"
    burst: int


LIMITS: dict[str, Limit] = {
    CREATE_REGISTRATION: Limit(0.5, 5),
    LIST_REGISTRATIONS: Limit(2.0, 10),
    GET_REGISTRATION: Limit(2.0, 10),
    GET_PARTICIPATIONS: Limit(0.016, 15),  # the Sellers API's published usage plan
    GET_ACCOUNT: Limit(0.016, 15),  # the same plan (sellers.json, getAccount "Usage Plan")
}
# An x-amzn-RateLimit-Limit header outside [rate / RATE_HEADER_BOUND, rate] of the published
# table is clamped into it: a header of 0.00001 would stall a run for a day, one of 100000 flood it.
RATE_HEADER_BOUND = 10.0

# -- error codes ---------------------------------------------------------------------------
# The `code` of `{"errors": [{"code", "message", "details"}]}` for each error status.
ERROR_CODES: dict[int, str] = {400: "InvalidInput", 403: "Unauthorized", 404: "NotFound", 409: "Conflict",
                               429: "QuotaExceeded", 500: "InternalFailure", 503: "ServiceUnavailable"}
CONFLICT = ERROR_CODES[409]
# Not an operation's answer: the sandbox's 405 to a method a path does not have (with Allow).
METHOD_NOT_ALLOWED = "MethodNotAllowed"

# SP-API's 403: the message is always ACCESS_DENIED; `details` tells the cases apart.
ACCESS_DENIED = "Access to requested resource is denied."
TOKEN_INVALID_DETAILS = "The access token you provided is revoked, malformed or invalid."  # observed
# Observed (PipedreamHQ/pipedream#16843, amzn/selling-partner-api-models#4489): the app's LWA client
# secret is past its 180-day rotation; the same for every seller, so it stops the run.
LWA_SECRET_EXPIRED_DETAILS = "The LWA secret token you provided has expired."
MISSING_AUTHENTICATION_TOKEN = "MissingAuthenticationToken"  # a 403's code when no token was sent
QUOTA_EXCEEDED_MESSAGE = "You exceeded your quota for the requested resource."

# Login with Amazon's `error` values (OAuth 2.0, and Amazon's SDK enums) that acorn tells apart.
LWA_INVALID_CLIENT = "invalid_client"
LWA_UNAUTHORIZED_CLIENT = "unauthorized_client"
LWA_INVALID_GRANT = "invalid_grant"
LWA_ACCESS_DENIED = "access_denied"
LWA_INVALID_REQUEST = "invalid_request"
LWA_INVALID_SCOPE = "invalid_scope"
LWA_SERVER_ERROR = "server_error"
LWA_TEMPORARILY_UNAVAILABLE = "temporarily_unavailable"
LWA_UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
