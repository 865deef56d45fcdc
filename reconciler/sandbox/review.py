"""The sandbox's review: a pure function of (registration, seller record, clock).

SUBMITTED for the first minute, then IN_REVIEW, then decided once the registration's
review time has passed: REJECTED with every reason that applies, else APPROVED. The
reasons are the shared preflight rules (judged on the day the review ends, so reading
early or late gives the same answer) plus the two only the seller record can tell.
"""

from __future__ import annotations

from .. import catalogue, preflight
from ..live import APPROVED, IN_REVIEW, REJECTED, SUBMITTED
from ..model import Reason, Submission
from .clock import utc_date
from .records import RegistrationRecord, SellerRecord

SUBMITTED_SECONDS = 60.0
LEGAL_NAME_MISMATCH = "LEGAL_NAME_MISMATCH"
RELATED_ACCOUNT = "RELATED_ACCOUNT"


def decided_at(reg: RegistrationRecord) -> float:
    return reg.created_at + reg.review_seconds


def progress(reg: RegistrationRecord, now: float) -> RegistrationRecord | None:
    """The registration as of `now` while under review; None once a decision is due."""
    if reg.status is not None:
        return reg
    elapsed = now - reg.created_at
    if elapsed >= reg.review_seconds:
        return None
    if elapsed < SUBMITTED_SECONDS:
        return reg.with_status(SUBMITTED, reg.created_at)
    return reg.with_status(IN_REVIEW, reg.created_at + SUBMITTED_SECONDS)


def reasons(submission: Submission, marketplace_id: str, seller: SellerRecord | None,
            on: float, min_valid_days: int = preflight.DEFAULT_ID_MIN_VALID_DAYS) -> tuple[Reason, ...]:
    """Every reason to reject, in a stable order: preflight's, then the seller record's."""
    marketplace = catalogue.BY_ID[marketplace_id]
    found = list(preflight.check(submission, marketplace, utc_date(on), min_valid_days))
    if seller is not None and submission.legal_entity_name != seller.legal_entity_name:
        found.append(Reason(LEGAL_NAME_MISMATCH,
                            f"legalEntityName {submission.legal_entity_name!r} differs from the seller "
                            f"account's legal name {seller.legal_entity_name!r}"))
    if seller is not None and seller.related_account:
        found.append(Reason(RELATED_ACCOUNT, "the seller account is linked to another store under review"))
    return tuple(found)


def decide(reg: RegistrationRecord, submission: Submission, seller: SellerRecord | None) -> RegistrationRecord:
    """The decided registration (APPROVED, or REJECTED with its reasons)."""
    when = decided_at(reg)
    found = reasons(submission, reg.marketplace_id, seller, when)
    return reg.with_status(REJECTED if found else APPROVED, when, found)
