"""The policy the engine plans by: a few numbers from the settings, and nothing else of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

DEFAULT_ID_MIN_VALID_DAYS = 180


@dataclass(frozen=True)
class Policy:
    """How patient and how strict a plan is (`acorn.yaml`: stalePendingDays, preflight, environment)."""

    stale_pending_days: int = 14  # a pending registration older than this is STALE_PENDING
    id_document_min_valid_days: int = DEFAULT_ID_MIN_VALID_DAYS  # preflight's ID validity floor
    client_secret_rotated_on: date | None = None  # lwa.clientSecretRotatedOn: past 180 days, every create blocks
    environment: str | None = None  # production warns of one refresh token serving two regions
