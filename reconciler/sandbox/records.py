"""What the sandbox stores: seller records and registrations, as immutable values."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..domain.catalogue import REGIONS
from ..domain.model import Reason
from .clock import iso


@dataclass(frozen=True)
class Channel:
    """A participation outside the catalogue (a non-Amazon channel such as Multi-Channel
    Fulfillment), in the region whose host lists it."""

    marketplace_id: str
    name: str
    region: str
    country_code: str = ""
    domain: str = ""


@dataclass(frozen=True)
class SellerRecord:
    """A seller account as only Amazon knows it: its legal name, stores, links, business data
    and the regions it authorized the application in (one refresh token per authorization)."""

    seller_id: str
    legal_entity_name: str
    refresh_token: str | None
    participations: tuple[str, ...] = ()  # marketplace codes, catalogue order
    related_account: bool = False
    regions: tuple[str, ...] = REGIONS  # where `refresh_token` is authorized
    region_tokens: tuple[tuple[str, str], ...] = ()  # (region, refresh token): one authorization each
    store_name: str = ""
    suspended: tuple[str, ...] = ()  # marketplace codes with hasSuspendedListings
    channels: tuple[Channel, ...] = ()
    registration_country: str = ""  # getAccount's business.registeredBusinessAddress.countryCode
    registration_number: str = ""  # getAccount's business.companyRegistrationNumber
    non_latin_name: str = ""

    def authorized_regions(self, refresh_token: str) -> tuple[str, ...]:
        """The regions this refresh token acts for this seller in (none: not its token)."""
        found = [r for r, t in self.region_tokens if t == refresh_token]
        if refresh_token == self.refresh_token:
            found += self.regions
        return tuple(r for r in REGIONS if r in found)

    def extra(self) -> dict[str, Any]:
        """What the sellers table keeps in its `extra` JSON column."""
        return {"regions": list(self.regions), "regionTokens": dict(self.region_tokens),
                "storeName": self.store_name, "suspended": list(self.suspended),
                "channels": [vars(c) for c in self.channels],
                "business": {"country": self.registration_country, "number": self.registration_number,
                             "nonLatinName": self.non_latin_name}}

    @classmethod
    def with_extra(cls, seller_id: str, name: str, token: str | None, participations: tuple[str, ...],
                   related: bool, extra: dict[str, Any]) -> "SellerRecord":
        business = extra.get("business", {})
        return cls(seller_id, name, token, participations, related,
                   tuple(extra.get("regions", REGIONS)), tuple(extra.get("regionTokens", {}).items()),
                   extra.get("storeName", ""), tuple(extra.get("suspended", ())),
                   tuple(Channel(**c) for c in extra.get("channels", ())),
                   business.get("country", ""), business.get("number", ""), business.get("nonLatinName", ""))

    def to_api(self) -> dict[str, Any]:
        # Refresh tokens are secrets, even sandbox ones: never echoed.
        return {"sellerId": self.seller_id, "legalEntityName": self.legal_entity_name,
                "participations": list(self.participations), "relatedAccount": self.related_account,
                "authorizedRegions": sorted({*self.regions, *(r for r, _ in self.region_tokens)},
                                            key=REGIONS.index) if self.refresh_token or self.region_tokens else [],
                "storeName": self.store_name, "suspendedListings": list(self.suspended),
                "otherChannels": [{"marketplaceId": c.marketplace_id, "name": c.name, "region": c.region}
                                  for c in self.channels],
                "business": {"country": self.registration_country, "number": self.registration_number,
                             "nonLatinName": self.non_latin_name}}


@dataclass(frozen=True)
class RegistrationRecord:
    """A registration row. `status` is None until the review is decided (then stored, so a
    decision never changes); a seeded registration has a fixed status from the start."""

    seq: int
    registration_id: str
    seller_id: str
    marketplace_id: str
    legal_entity_name: str
    client_token: str
    submission_digest: str
    created_at: float
    review_seconds: float
    status: str | None = None
    reasons: tuple[Reason, ...] = ()
    updated_at: float | None = None
    # Preflight's reasons, computed at create (they depend on the submission and the review's
    # end day only); the decision adds the seller record's reasons to them.
    pending_reasons: tuple[Reason, ...] = ()

    def with_status(self, status: str, updated_at: float, reasons: tuple[Reason, ...] = ()) -> "RegistrationRecord":
        return replace(self, status=status, updated_at=updated_at, reasons=reasons)

    def to_api(self) -> dict[str, Any]:
        """The contract's Registration; call on a record whose status is resolved."""
        return {"registrationId": self.registration_id, "sellerId": self.seller_id,
                "marketplaceId": self.marketplace_id, "status": self.status,
                "legalEntityName": self.legal_entity_name, "clientToken": self.client_token,
                "submissionDigest": self.submission_digest,
                "reasons": [{"code": r.code, "message": r.message} for r in self.reasons],
                "createdAt": iso(self.created_at), "updatedAt": iso(self.updated_at or self.created_at)}
