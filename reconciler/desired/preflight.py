"""Preflight: the offline rules that predict what the marketplace would reject.

Pure functions of (submission, marketplace, today, minimum ID validity). `acorn plan`
blocks a pair on them, and the sandbox's review rejects with them: one set of rules.
"""

from __future__ import annotations

from datetime import date

from ..domain.catalogue import Marketplace, by_code
from ..domain.model import Entity, Reason, Submission
from ..domain.policy import DEFAULT_ID_MIN_VALID_DAYS

ID_EXPIRES_TOO_SOON = "ID_EXPIRES_TOO_SOON"
MISSING_TAX_REGISTRATION = "MISSING_TAX_REGISTRATION"
TRANSLATION_REQUIRED = "TRANSLATION_REQUIRED"


def check_id_document(submission: Submission, today: date, min_valid_days: int) -> Reason | None:
    expires_on = submission.legal_representative.id_document.expires_on
    days_left = (expires_on - today).days
    if days_left >= min_valid_days:
        return None
    when = f"expired {-days_left} days ago" if days_left < 0 else f"expires in {days_left} days"
    # The date itself is an ID document detail that outputs mask: the day count says enough.
    return Reason(ID_EXPIRES_TOO_SOON,
                  f"the legal representative's ID document {when}; "
                  f"it must be valid for at least {min_valid_days} days")


def check_tax(submission: Submission, marketplace: Marketplace) -> Reason | None:
    need = marketplace.tax
    if need is None or submission.business_registration.country == need.waived_if_registered_in:
        return None
    for tax in submission.tax_registrations:
        if tax.scheme == need.scheme and (need.country is None or tax.country == need.country):
            return None
    wanted = need.scheme + (f" with country {need.country}" if need.country else "")
    return Reason(MISSING_TAX_REGISTRATION, f"{marketplace.code} requires tax registration {wanted}")


def check_translation(submission: Submission, marketplace: Marketplace) -> Reason | None:
    home = marketplace.translation_unless_registered_in
    if home is None or submission.business_registration.country == home:
        return None
    language = marketplace.translation_language
    for doc in submission.documents:
        if doc.kind == "translation" and doc.of == "businessRegistration" and doc.language == language:
            return None
    return Reason(TRANSLATION_REQUIRED,
                  f"{marketplace.code} requires a translation of businessRegistration "
                  f"with language: {language} for a business not registered in {home}")


def check(submission: Submission, marketplace: Marketplace, today: date,
          min_valid_days: int = DEFAULT_ID_MIN_VALID_DAYS) -> tuple[Reason, ...]:
    """Every reason the marketplace would reject this submission for, in a stable order."""
    found = (check_id_document(submission, today, min_valid_days),
             check_tax(submission, marketplace),
             check_translation(submission, marketplace))
    return tuple(r for r in found if r is not None)


def check_entity(entity: Entity, today: date,
                 min_valid_days: int = DEFAULT_ID_MIN_VALID_DAYS) -> dict[str, tuple[Reason, ...]]:
    """Reasons per desired marketplace code of the entity; a clean marketplace maps to ()."""
    return {code: check(entity.submission, by_code(code), today, min_valid_days)
            for code in entity.marketplaces}
