"""Credential lifecycle: SP-API makes every application rotate its LWA client secret every
180 days and every seller re-authorize a (public) application every 365 days. acorn warns 30
days before either date and, past it, treats it as an error: validate exits 1 naming it, and
plan and apply leave that entity's creates out (pure; `today` is passed in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..domain.model import Entity

SECRET_ROTATION_DAYS = 180  # developer-docs: "rotate your LWA credentials … every 180 days"
AUTHORIZATION_DAYS = 365  # developer-docs: "re-authorize your public application every 365 days"
WARN_DAYS = 30

CLIENT_SECRET_EXPIRED = "CLIENT_SECRET_EXPIRED"
AUTHORIZATION_EXPIRED = "AUTHORIZATION_EXPIRED"


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


def authorizations(entity: Entity, today: date) -> tuple[Finding, ...]:
    """Each region's authorization (`authorizedOn`) due for renewal within 30 days, or past it."""
    out = []
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
