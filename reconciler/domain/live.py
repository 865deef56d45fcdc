"""The live state of sellers as read from ACORN-i and the Sellers API, as typed values.

The client produces it (translating the wire format at its edge); the plan engine reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .contract import RegistrationStatus
from .model import Reason

SUBMITTED, IN_REVIEW, ACTION_REQUIRED, APPROVED, REJECTED = RegistrationStatus


@dataclass(frozen=True)
class LiveRegistration:
    registration_id: str
    seller_id: str
    marketplace_id: str
    status: RegistrationStatus
    legal_entity_name: str
    client_token: str
    submission_digest: str
    reasons: tuple[Reason, ...]
    created_at: datetime  # timezone-aware UTC
    updated_at: datetime


@dataclass(frozen=True)
class Store:
    """One participation as the Sellers API describes it, past isParticipating."""

    marketplace_id: str
    name: str = ""  # the marketplace's name (Amazon.com; "Non-Amazon" for other channels)
    store_name: str = ""
    suspended_listings: bool = False


@dataclass(frozen=True)
class Account:
    """The seller account's business data, from the Sellers API's getAccount."""

    legal_name: str = ""  # business.name
    non_latin_name: str = ""  # business.nonLatinName
    registration_country: str = ""  # business.registeredBusinessAddress.countryCode
    registration_number: str = ""  # business.companyRegistrationNumber


@dataclass(frozen=True)
class AccountRead:
    """getAccount in one region: the account, or why it could not be read (a warning)."""

    region: str
    account: Account | None = None
    unavailable: str | None = None


@dataclass(frozen=True)
class SellerLive:
    """What one seller has: the marketplace IDs it participates in, and its registrations.

    `error` is set (and the rest empty) when the seller could not be read, e.g. its
    credentials are missing: the plan reports it for that entity and plans the others.
    `unauthorized` names the regions the seller has not authorized the app in (SP-API's
    403), with the message to show: those regions' pairs are `unauthorized`, the rest is read.
    """

    seller_id: str
    participations: frozenset[str] = frozenset()  # marketplace IDs with isParticipating
    registrations: tuple[LiveRegistration, ...] = ()
    error: str | None = None
    stores: tuple[Store, ...] = ()  # every participating store, catalogue or not
    unauthorized: tuple[tuple[str, str], ...] = ()  # (region, message)
    accounts: tuple[AccountRead, ...] = ()  # read only for entity-regions with creates
    # Far East marketplaces not read with the right account (marketplace code, message): like
    # an unauthorized region, never taken as "not live"
    unread: tuple[tuple[str, str], ...] = ()

    def unauthorized_in(self, region: str) -> str | None:
        return dict(self.unauthorized).get(region)

    def unread_in(self, code: str) -> str | None:
        return dict(self.unread).get(code)
