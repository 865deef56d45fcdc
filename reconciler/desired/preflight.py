"""Preflight: the offline rules that predict what the marketplace would reject.

Pure functions of (submission, marketplace, today, minimum ID validity). `acorn plan`
blocks a pair on them, and the sandbox's review rejects with them: one set of rules.
`warnings` are the marketplace's tax requirements that depend on what no file says
(thresholds, residency, where the goods are), a number a published rule cannot settle, and a
U.S. tax interview form that expires within the ID window: plan shows them on the pair,
never blocks.

The U.S. tax interview (US, CA; MX depends): a W-8BEN-E, for a business registered outside the
U.S., stays valid through the last day of the third calendar year after the year it was signed
(IRS, Instructions for the Requester of Forms W-8BEN, W-8BEN-E, ...: "until the last day of the
third succeeding calendar year"); one expired by today, or dated after today, blocks. A W-9,
for a U.S. business, does not expire; one dated after today blocks.
"""

from __future__ import annotations

import functools
from datetime import date

from ..domain import catalogue
from ..domain.catalogue import Marketplace, TaxRequirement, TaxRule
from ..domain.masking import mask
from ..domain.model import Reason, Submission, TaxRegistration
from ..domain.policy import DEFAULT_ID_MIN_VALID_DAYS as DEFAULT_ID_MIN_VALID_DAYS  # re-exported
from . import tax_numbers

ID_EXPIRES_TOO_SOON = "ID_EXPIRES_TOO_SOON"
MISSING_TAX_REGISTRATION = "MISSING_TAX_REGISTRATION"
TRANSLATION_REQUIRED = "TRANSLATION_REQUIRED"
TAX_NUMBER_INVALID = "TAX_NUMBER_INVALID"
REGISTRATION_NUMBER_INVALID = "REGISTRATION_NUMBER_INVALID"
TAX_INTERVIEW_INVALID = "TAX_INTERVIEW_INVALID"  # the interview's form expired, or dated in the future
# Warnings, never a block, and never a review's reason.
TAX_REGISTRATION_MAY_BE_REQUIRED = "TAX_REGISTRATION_MAY_BE_REQUIRED"
TAX_NUMBER_UNVERIFIED = "TAX_NUMBER_UNVERIFIED"  # passes, but a rule that cannot settle it fails
TAX_INTERVIEW_EXPIRES_SOON = "TAX_INTERVIEW_EXPIRES_SOON"
WARNINGS = frozenset({TAX_REGISTRATION_MAY_BE_REQUIRED, TAX_NUMBER_UNVERIFIED, TAX_INTERVIEW_EXPIRES_SOON})
INTERVIEW_FORMS = ("US_W8BENE", "US_W9")


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


def _takes(need: TaxRequirement, tax: TaxRegistration) -> bool:
    return tax.scheme == need.scheme and (need.country is None or tax.country == need.country)


def requirements(submission: Submission, marketplace: Marketplace) -> tuple[TaxRequirement, ...]:
    """The marketplace's tax rows (its own, then the U.S. tax interview where it asks for it),
    as they apply to a business registered where the submission's is."""
    home = submission.business_registration.country
    if catalogue.BY_CODE.get(marketplace.code) is marketplace:  # the catalogue's: worked out once per country
        return _catalogue_requirements(marketplace.code, home)
    return _requirements(marketplace, home)


@functools.lru_cache(maxsize=4096)
def _catalogue_requirements(code: str, home: str) -> tuple[TaxRequirement, ...]:
    return _requirements(catalogue.BY_CODE[code], home)


def _requirements(marketplace: Marketplace, home: str) -> tuple[TaxRequirement, ...]:
    return tuple(need.for_business_in(home) for need in (marketplace.tax, marketplace.interview) if need is not None)


def _number_reason(tax: TaxRegistration, index: int | None = None) -> tuple[Reason, str] | None:
    """TAX_NUMBER_INVALID for the item's number (named `taxRegistrations[index]` when given),
    with the check's own words; None when it passes (or carries no number)."""
    problem = tax_numbers.tax_number_problem(tax.scheme, tax.country, tax.number) if tax.number else None
    if not problem:
        return None
    which = tax.scheme + (f" ({tax.country})" if tax.country else "")
    item = f"taxRegistrations[{index}] " if index is not None else ""
    return Reason(TAX_NUMBER_INVALID, f"{item}{which} number {mask(tax.number or '')}: {problem}"), problem


def tax_number_reasons(submission: Submission) -> tuple[tuple[int, Reason, str], ...]:
    """(item index, reason, the check's own words) for every `taxRegistrations` item whose
    number is invalid: every create carries every item, so each blocks every create."""
    return tuple((i, *found) for i, tax in enumerate(submission.tax_registrations)
                 for found in [_number_reason(tax, i)] if found is not None)


def tax_reasons(submission: Submission, marketplace: Marketplace, today: date,
                min_valid_days: int = DEFAULT_ID_MIN_VALID_DAYS
                ) -> tuple[Reason | None, list[tuple[int, Reason]], list[tuple[int | None, Reason]]]:
    """The marketplace's tax rows against the submission's registrations, in one pass over them:
    - the first certain requirement no registration meets (numbers and dates aside): it blocks;
    - (item index, TAX_INTERVIEW_INVALID) for each U.S. tax interview form among the rows that
      expired by `today` or is dated after it (a date decides it);
    - what the marketplace may ask for, depending on facts no file holds, each with the
      `taxRegistrations` item it is about (None: a row no item meets): a DEPENDS row whose scheme
      the submission has no registration of; a number of its rows that passes but that a rule
      which cannot settle it doubts; an interview form expiring within `min_valid_days` of `today`."""
    missing: Reason | None = None
    interviews: list[tuple[int, Reason]] = []
    warnings: list[tuple[int | None, Reason]] = []
    for need in requirements(submission, marketplace):
        mine = [(i, t) for i, t in enumerate(submission.tax_registrations) if _takes(need, t)]
        if not mine:
            missing = missing or _missing(marketplace, need)
            if need.rule is TaxRule.DEPENDS:
                wanted = need.scheme + (f" with country {need.country}" if need.country else "")
                warnings.append((None, Reason(TAX_REGISTRATION_MAY_BE_REQUIRED,
                                              f"{marketplace.code} may require tax registration {wanted}: "
                                              f"{need.depends_on}")))
        for i, tax in mine:
            dated = _interview_date_problem(tax, today)
            if dated:
                interviews.append((i, Reason(TAX_INTERVIEW_INVALID, dated)))
            doubt = _doubt(tax) or _expiring(tax, today, min_valid_days)
            if doubt is not None:
                warnings.append((i, doubt))
    return missing, interviews, warnings


def _missing(marketplace: Marketplace, need: TaxRequirement) -> Reason | None:
    if need.rule is not TaxRule.REQUIRED:
        return None
    wanted = need.scheme + (f" with country {need.country}" if need.country else "")
    return Reason(MISSING_TAX_REGISTRATION, f"{marketplace.code} requires tax registration {wanted}")


def interview_expires(tax: TaxRegistration) -> date | None:
    """The last day a U.S. tax interview form is valid (None: it does not expire, or no date)."""
    if tax.scheme != "US_W8BENE" or tax.completed_on is None:
        return None
    return date(tax.completed_on.year + 3, 12, 31)


def _interview_date_problem(tax: TaxRegistration, today: date | None) -> str | None:
    if today is None or tax.scheme not in INTERVIEW_FORMS or tax.completed_on is None:
        return None
    form = "W-8BEN-E" if tax.scheme == "US_W8BENE" else "W-9"
    if tax.completed_on > today:
        return (f"{tax.scheme}: the {form} is dated {(tax.completed_on - today).days} days in the future "
                "(completedOn): write the day it was signed")
    expires = interview_expires(tax)
    if expires is not None and today > expires:
        return (f"{tax.scheme}: the {form} expired {(today - expires).days} days ago: it is valid through the "
                "last day of the third calendar year after signing; take the U.S. tax interview again and "
                "update completedOn")
    return None


def check_registration_number(submission: Submission) -> Reason | None:
    """The business registration number, where acorn knows its country's numbers."""
    br = submission.business_registration
    problem = tax_numbers.business_number_problem(br.country, br.number)
    if problem is None:
        return None
    return Reason(REGISTRATION_NUMBER_INVALID, f"businessRegistration number {mask(br.number)}: {problem}")


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


def _doubt(tax: TaxRegistration) -> Reason | None:
    doubt = tax_numbers.tax_number_doubt(tax.scheme, tax.country, tax.number) if tax.number else None
    if doubt is None:
        return None
    which = tax.scheme + (f" ({tax.country})" if tax.country else "")
    return Reason(TAX_NUMBER_UNVERIFIED, f"{which} number {mask(tax.number or '')}: {doubt}")


def _expiring(tax: TaxRegistration, today: date | None, min_valid_days: int) -> Reason | None:
    expires = interview_expires(tax)
    if today is None or expires is None or _interview_date_problem(tax, today):
        return None
    left = (expires - today).days
    if left >= min_valid_days:
        return None
    return Reason(TAX_INTERVIEW_EXPIRES_SOON,
                  f"{tax.scheme}: the W-8BEN-E expires in {left} days (valid through the last day of the third "
                  f"calendar year after signing), within the {min_valid_days} days a submission must stay valid: "
                  "take the U.S. tax interview again soon")
