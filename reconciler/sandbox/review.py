"""The sandbox's review: a pure function of (registration, seller record, clock).

SUBMITTED for the first minute, then IN_REVIEW, then decided once the registration's
review time has passed: REJECTED with every reason that applies, else APPROVED. The
reasons are the verdict's (desired/verdict.py: the same function plan blocks by, judged on
the day the review ends, so reading early or late gives the same answer) plus the two only
the seller record can tell.
"""

from __future__ import annotations

from ..desired import preflight, verdict
from ..domain.live import APPROVED, IN_REVIEW, REJECTED, SUBMITTED
from ..domain.model import Reason, Submission
from .clock import utc_date
from .records import RegistrationRecord, SellerRecord

SUBMITTED_SECONDS = 60.0
LEGAL_NAME_MISMATCH = "LEGAL_NAME_MISMATCH"
RELATED_ACCOUNT = "RELATED_ACCOUNT"
# Never decided by this review (it reads no documents): the demo world's seeded rejections.
DOCUMENT_UNREADABLE = "DOCUMENT_UNREADABLE"


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


def preflight_reasons(submission: Submission, marketplace_id: str, decided_on: float) -> tuple[Reason, ...]:
    """The submission's own reasons (the verdict's errors and blocks for the pair, at the
    contract's 180 days), judged on the UTC day the review ends: known at create time, so the
    create stores them."""
    return verdict.review_reasons(submission, marketplace_id, utc_date(decided_on), preflight.DEFAULT_ID_MIN_VALID_DAYS)


def seller_reasons(legal_entity_name: str, seller: SellerRecord | None) -> tuple[Reason, ...]:
    """The reasons only the seller record can tell, read when the decision falls due."""
    found: list[Reason] = []
    if seller is not None and legal_entity_name != seller.legal_entity_name:
        found.append(Reason(LEGAL_NAME_MISMATCH,
                            f"legalEntityName {legal_entity_name!r} differs from the seller "
                            f"account's legal name {seller.legal_entity_name!r}"))
    if seller is not None and seller.related_account:
        found.append(Reason(RELATED_ACCOUNT, "the seller account is linked to another store under review"))
    return tuple(found)


def decide(reg: RegistrationRecord, seller: SellerRecord | None) -> RegistrationRecord:
    """The decided registration (APPROVED, or REJECTED with every reason, in a stable order:
    preflight's, stored at create, then the seller record's)."""
    when = reg.created_at + reg.review_seconds
    found = reg.pending_reasons + seller_reasons(reg.legal_entity_name, seller)
    return reg.with_status(REJECTED if found else APPROVED, when, found)
