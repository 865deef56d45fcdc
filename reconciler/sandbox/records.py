"""What the sandbox stores: seller records and registrations, as immutable values."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..domain.model import Reason
from .clock import iso


@dataclass(frozen=True)
class SellerRecord:
    """A seller account as only Amazon knows it: its legal name, stores and links."""

    seller_id: str
    legal_entity_name: str
    refresh_token: str | None
    participations: tuple[str, ...] = ()  # marketplace codes, catalogue order
    related_account: bool = False

    def to_api(self) -> dict[str, Any]:
        # The refresh token is a secret, even a sandbox one: never echoed.
        return {"sellerId": self.seller_id, "legalEntityName": self.legal_entity_name,
                "participations": list(self.participations), "relatedAccount": self.related_account}


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
