"""Credential lifecycle: SP-API makes every application rotate its LWA client secret every
180 days and every seller re-authorize a (public) application every 365 days. acorn warns 30
days before either date and, past it, treats it as an error: validate exits 1 naming it, and
plan and apply leave that entity's creates out (pure; `today` is passed in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..domain import catalogue
from ..domain.model import Entity

SECRET_ROTATION_DAYS = 180  # developer-docs: "rotate your LWA credentials … every 180 days"
AUTHORIZATION_DAYS = 365  # developer-docs: "re-authorize your public application every 365 days"
WARN_DAYS = 30

CLIENT_SECRET_EXPIRED = "CLIENT_SECRET_EXPIRED"
AUTHORIZATION_EXPIRED = "AUTHORIZATION_EXPIRED"
SHARED_REFRESH_TOKEN = "SHARED_REFRESH_TOKEN"  # a warning, in production only


@dataclass(frozen=True)
class Finding:
    error: bool  # past the date (else: due within WARN_DAYS)
    code: str
    message: str
    region: str | None = None


def client_secret(rotated_on: date | None, today: date) -> Finding | None:
    """The LWA client secret's rotation (`lwa.clientSecretRotatedOn`), when due within 30 days."""
    if rotated_on is None:
        return None
    due = rotated_on + timedelta(days=SECRET_ROTATION_DAYS)
    left = (due - today).days
    if left > WARN_DAYS:
        return None
    what = (f"the LWA client secret was due for rotation {-left} days ago ({due.isoformat()})" if left < 0
            else f"the LWA client secret must be rotated within {left} days (by {due.isoformat()})")
    return Finding(left < 0, CLIENT_SECRET_EXPIRED,
                   f"{what}: SP-API requires a new secret every {SECRET_ROTATION_DAYS} days; rotate it in the "
                   "Developer Console (or rotateApplicationClientSecret), store it where lwa.clientSecret "
                   "points, then set lwa.clientSecretRotatedOn")


def shared_tokens(entity: Entity) -> tuple[Finding, ...]:
    """One reference serving two or more of the entity's regions (a warning in production).

    SP-API authorizations are regional: Amazon's developer support says a seller gets "separate
    refresh tokens for each region" and an access token is fetched "for each region separately
    by using the respective refresh token" (amzn/selling-partner-api-models#4825). One token
    for two regions reads the other region's host with the wrong authorization, which SP-API
    may answer with 200 and an empty list (the client never turns that into creates)."""
    regions = sorted({catalogue.by_code(code).region for code in entity.marketplaces}, key=catalogue.REGIONS.index)
    by_ref: dict[str, list[str]] = {}
    for region in regions:
        ref = entity.credentials.for_region(region)
        if ref is not None:
            by_ref.setdefault(str(ref), []).append(region)
    return tuple(
        Finding(False, SHARED_REFRESH_TOKEN,
                f"{ref} is the refresh token of {' and '.join(shared)}: SP-API issues a separate refresh token per "
                f"region; give each region its own (credentials.refreshToken.{shared[0]}, "
                f"credentials.refreshToken.{shared[1]}, ...)", shared[1])
        for ref, shared in by_ref.items() if len(shared) > 1)


def authorizations(entity: Entity, today: date, environment: str | None = None) -> tuple[Finding, ...]:
    """Each region's authorization (`authorizedOn`) due for renewal within 30 days, or past it;
    in production also a reference shared by regions (`shared_tokens`, a warning)."""
    out = list(shared_tokens(entity)) if environment == "production" else []
    for region, credential in entity.credentials.regions:
        if credential.authorized_on is None:
            continue
        due = credential.authorized_on + timedelta(days=AUTHORIZATION_DAYS)
        left = (due - today).days
        if left > WARN_DAYS:
            continue
        what = (f"the seller's authorization in {region} lapsed {-left} days ago ({due.isoformat()})" if left < 0
                else f"the seller's authorization in {region} must be renewed within {left} days "
                     f"(by {due.isoformat()})")
        out.append(Finding(left < 0, AUTHORIZATION_EXPIRED,
                           f"{what}: the seller re-authorizes the app in {region}'s Seller Central every "
                           f"{AUTHORIZATION_DAYS} days; then store the new refresh token and set "
                           f"credentials.refreshToken.{region}.authorizedOn", region))
    return tuple(out)
