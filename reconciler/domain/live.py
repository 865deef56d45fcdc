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
class SellerLive:
    """What one seller has: the marketplace IDs it participates in, and its registrations.

    `error` is set (and the rest empty) when the seller could not be read, e.g. its
    credentials are missing: the plan reports it for that entity and plans the others.
    """

    seller_id: str
    participations: frozenset[str] = frozenset()  # marketplace IDs with isParticipating
    registrations: tuple[LiveRegistration, ...] = ()
    error: str | None = None
