"""Every final error answer mapped to its domain error, once (request.py decides what is final).

    3xx                       ApiError naming the status: redirects are never followed
    LWA 4xx                   each its own message and scope (lwa_error): invalid_client and
                              unauthorized_client are the application's and stop the run
    403 "The LWA secret token you provided has expired."
                              ApplicationAccessError: the app's client secret is past its
                              rotation; the same for every seller, so the run stops at once
    403 on getAccount         RoleMissing: the app lacks Account Information Service Provider
                              (or Finance and Accounting); a warning on the account check
    other 403                 RegionUnauthorized: this seller has not authorized the app in that
                              region (the client tells an application-wide refusal apart by
                              counting sellers: api.py, ApplicationWatch)
    409 naming registrations  AlreadyExists
    other 4xx, 5xx            ApiError with code, message and request id

SP-API 403 bodies are as observed (tests/client/cassettes/README.md names the sources).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..domain import catalogue
from ..domain.contract import (
    GET_ACCOUNT,
    LWA_ACCESS_DENIED,
    LWA_INVALID_CLIENT,
    LWA_INVALID_GRANT,
    LWA_INVALID_REQUEST,
    LWA_INVALID_SCOPE,
    LWA_UNAUTHORIZED_CLIENT,
    REQUEST_ID_HEADER,
)
from ..errors import (
    AlreadyExists,
    ApiError,
    ApplicationAccessError,
    ApplicationCredentialsError,
    AuthError,
    RegionUnauthorized,
    RoleMissing,
)
from .endpoints import ROLES
from .wire import errors_from_api, lwa_secret_expired

_MARKETPLACE_ID = re.compile(r"\b[A-Z0-9]{10,16}\b")
_NAMED = re.compile(r"\b(marketplaceId|registrationId)=([^\s;,]+)")


@dataclass(frozen=True)
class Call:
    """One logical call; its attempts share everything here (so a retry sends the same body)."""

    operation: str
    seller_id: str
    method: str
    url: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    form: Mapping[str, str] | None = field(default=None, repr=False)  # LWA: holds secrets
    region: str = ""  # the region whose host (and authorization) the call is for

    @property
    def is_lwa(self) -> bool:
        return self.operation == "lwaToken"

    def describe(self) -> str:
        return f"{self.operation} for seller {self.seller_id}"


def json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _named_ids(message: str, details: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Marketplace and registration IDs a 409 names: `marketplaceId=…` / `registrationId=…`
    pairs in its details (`ExistingRegistration marketplaceId=A1PA… registrationId=REG-…`),
    else any catalogue marketplace ID its message mentions."""
    pairs = _NAMED.findall(details)
    marketplaces = [v for k, v in pairs if k == "marketplaceId"]
    registrations = [v for k, v in pairs if k == "registrationId"]
    if not marketplaces:
        marketplaces = [m for m in _MARKETPLACE_ID.findall(message) if m in catalogue.BY_ID]
    return tuple(dict.fromkeys(marketplaces)), tuple(dict.fromkeys(registrations))


def error_for(call: Call, response: httpx.Response) -> ApiError:
    """The domain error of a final (non-retried) error answer."""
    body = json_or_none(response)
    code, message, details = errors_from_api(body)
    request_id = response.headers.get(REQUEST_ID_HEADER)
    status = response.status_code
    said = f"{status} {code or response.reason_phrase}" + (f": {message}" if message else "")
    if 300 <= status < 400:
        # Never followed: a redirect would carry the token or the client secret to a host the
        # settings do not name (and https:// could become http://).
        return ApiError(f"{call.describe()} was answered {status} {response.reason_phrase} (a redirect); "
                        "acorn never follows redirects: check the endpoint", status=status, request_id=request_id)
    if call.is_lwa and code is not None and 400 <= status < 500:
        return lwa_error(call, status, code, message, request_id)
    if status == 403:
        return forbidden(call, code, message, details, request_id)
    if status == 409 and "IdempotencyMismatch" not in f"{details} {message}":
        marketplaces, registrations = _named_ids(message, details)
        if marketplaces or registrations:
            return AlreadyExists(f"{call.describe()}: {said}", marketplace_ids=marketplaces,
                                 registration_ids=registrations, request_id=request_id)
    suffix = f" ({details})" if details else ""
    return ApiError(f"{call.describe()} failed: {said}{suffix}", status=status, code=code, request_id=request_id)


def forbidden(call: Call, code: str | None, message: str, details: str, request_id: str | None) -> ApiError:
    """SP-API's 403 (after the auth flow's one refresh): the application's or one seller's."""
    region = call.region or "this region"
    answered = (f"{call.operation} in {region} answered 403 {code or 'Unauthorized'} ({message or 'access denied'}"
                + (f", {details}" if details else "") + ")")
    if lwa_secret_expired(details):
        return ApplicationAccessError(
            f"{answered}: the application's LWA client secret has expired (secrets are rotated every 180 days), "
            "the same for every seller: rotate lwa.clientSecret in Developer Central and update the secret it "
            "references; stopping the run", status=403, code=code, request_id=request_id)
    if call.operation == GET_ACCOUNT:
        return RoleMissing(
            f"{answered}: the application lacks the role getAccount needs ({ROLES[GET_ACCOUNT]}); adding a role "
            "makes every seller authorize the app again, so until then the account is not compared",
            status=403, code=code, request_id=request_id)
    return RegionUnauthorized(
        f"{answered}: seller {call.seller_id} has not authorized this application in {region}, or a role it "
        f"needs is missing: authorize the app in {region}'s Seller Central, then add its refresh token "
        f"as credentials.refreshToken.{call.region or 'REGION'}",
        region=call.region, status=403, code=code, request_id=request_id)


def lwa_error(call: Call, status: int, code: str, description: str, request_id: str | None) -> ApiError:
    """Each error of Login with Amazon's token endpoint, with its own message and scope:
    the application's credentials stop the run; the others belong to one entity-region."""
    region = call.region or "its region"
    said = f"{status} {code}" + (f": {description}" if description else "")
    if code in (LWA_INVALID_CLIENT, LWA_UNAUTHORIZED_CLIENT):
        return ApplicationCredentialsError(
            f"Login with Amazon refused the application ({said}): the LWA client id or secret is wrong, or "
            "the secret was rotated (every 180 days): update lwa.clientId / lwa.clientSecret; stopping the run",
            status=status, code=code, request_id=request_id)
    why = {
        LWA_INVALID_GRANT: (f"it was revoked or has expired: the seller must authorize the app again in "
                            f"{region}'s Seller Central, then replace the token"),
        LWA_ACCESS_DENIED: (f"the seller denied access: the seller must authorize the app again in "
                            f"{region}'s Seller Central"),
        LWA_INVALID_REQUEST: ("the token request was malformed: check that lwa.endpoint is Login with Amazon "
                              "and that nothing between alters requests"),
        LWA_INVALID_SCOPE: "the scope is not granted to this application: check the app's roles in Seller Central",
    }.get(code, "it was not accepted")
    return AuthError(f"Login with Amazon refused seller {call.seller_id}'s refresh token for {region} ({said}): "
                     f"{why}", status=status, code=code, request_id=request_id)
