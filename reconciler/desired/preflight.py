"""Preflight: the offline rules that predict what the marketplace would reject.

Pure functions of (submission, marketplace, today, minimum ID validity). `acorn plan`
blocks a pair on them, and the sandbox's review rejects with them: one set of rules.
`warnings` are the marketplace's tax requirements that depend on what no file says
(thresholds, residency, where the goods are): plan shows them on the pair, never blocks.
"""

from __future__ import annotations

from datetime import date

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
# A warning, never a block, and never a review's reason.
TAX_REGISTRATION_MAY_BE_REQUIRED = "TAX_REGISTRATION_MAY_BE_REQUIRED"
WARNINGS = frozenset({TAX_REGISTRATION_MAY_BE_REQUIRED})


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


def check_tax(submission: Submission, marketplace: Marketplace) -> Reason | None:
    """The marketplace's tax row: an invalid number of its scheme, or a certain requirement
    that no registration meets (a requirement that depends is a warning: see `warnings`)."""
    need = marketplace.tax
    for tax in (t for t in submission.tax_registrations if _takes(need, t)):
        problem = tax_numbers.tax_number_problem(tax.scheme, tax.country, tax.number) if tax.number else None
        if problem:
            which = tax.scheme + (f" ({tax.country})" if tax.country else "")
            return Reason(TAX_NUMBER_INVALID, f"{which} number {mask(tax.number)}: {problem}")
    return check_tax_requirement(submission, marketplace)


def tax_number_reasons(submission: Submission) -> tuple[tuple[int, Reason, str], ...]:
    """(item index, reason, the check's own words) for every `taxRegistrations` item whose
    number is invalid: every create carries every item, so each blocks every create."""
    out = []
    for i, tax in enumerate(submission.tax_registrations):
        problem = tax_numbers.tax_number_problem(tax.scheme, tax.country, tax.number) if tax.number else None
        if problem:
            which = tax.scheme + (f" ({tax.country})" if tax.country else "")
            out.append((i, Reason(TAX_NUMBER_INVALID,
                                  f"taxRegistrations[{i}] {which} number {mask(tax.number)}: {problem}"), problem))
    return tuple(out)


def check_tax_requirement(submission: Submission, marketplace: Marketplace) -> Reason | None:
    """A certain tax requirement of the marketplace that no registration meets (numbers aside)."""
    need = marketplace.tax
    mine = [t for t in submission.tax_registrations if _takes(need, t)]
    if mine or need.rule is not TaxRule.REQUIRED:
        return None
    if submission.business_registration.country == need.waived_if_registered_in:
        return None
    wanted = need.scheme + (f" with country {need.country}" if need.country else "")
    return Reason(MISSING_TAX_REGISTRATION, f"{marketplace.code} requires tax registration {wanted}")


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


def check(submission: Submission, marketplace: Marketplace, today: date,
          min_valid_days: int = DEFAULT_ID_MIN_VALID_DAYS) -> tuple[Reason, ...]:
    """Every reason the marketplace would reject this submission for, in a stable order."""
    found = (check_id_document(submission, today, min_valid_days),
             check_registration_number(submission),
             check_tax(submission, marketplace),
             check_translation(submission, marketplace))
    return tuple(r for r in found if r is not None)


def warnings(submission: Submission, marketplace: Marketplace) -> tuple[Reason, ...]:
    """What the marketplace may ask for, depending on facts no file holds: a DEPENDS row
    whose scheme the submission has no registration of."""
    need = marketplace.tax
    if need.rule is not TaxRule.DEPENDS or any(_takes(need, t) for t in submission.tax_registrations):
        return ()
    wanted = need.scheme + (f" with country {need.country}" if need.country else "")
    return (Reason(TAX_REGISTRATION_MAY_BE_REQUIRED,
                   f"{marketplace.code} may require tax registration {wanted}: {need.depends_on}"),)
