"""Account preflight: does the seller account (the Sellers API's getAccount) say what desired
says? Amazon rejects a registration whose legal name, registration country or number differ
from the account's, so acorn checks before submitting (pure; the CLI reads the account).

Names are compared normalised for case, spacing and punctuation ("Co., Ltd." equals
"Co Ltd"); a name matches the account's `name` or its `nonLatinName`. Registration numbers
are compared without spaces, dashes, dots and slashes, and are masked in every message.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from ..domain.contract import ACCOUNT_REGIONS
from ..domain.live import Account
from ..domain.masking import mask
from ..domain.model import Submission

LEGAL_NAME_MISMATCH = "LEGAL_NAME_MISMATCH"
REGISTRATION_COUNTRY_MISMATCH = "REGISTRATION_COUNTRY_MISMATCH"
REGISTRATION_NUMBER_MISMATCH = "REGISTRATION_NUMBER_MISMATCH"
ACCOUNT_NOT_CHECKED = "ACCOUNT_NOT_CHECKED"  # a warning: getAccount was not available

# Elsewhere than contract.ACCOUNT_REGIONS the account is never compared before a create.
ACCOUNT_CHECK_REGIONS = ACCOUNT_REGIONS


@functools.cache  # one text per region, not one per seller of a 100,000-seller plan
def not_offered(region: str) -> str:
    """What a create outside the EU says instead of an account check."""
    return (f"SP-API does not offer getAccount in {region} (the Sellers API offers it in the EU only), so the "
            "seller account's legal name and registration are not compared before this create; acorn checks "
            "the submission itself instead (registration and tax number formats and check digits, the ID "
            "document's validity) and the marketplace's review compares the name with the account")

# desired field -> (reason code, what the account calls it)
FIELDS = {
    "legalEntityName": (LEGAL_NAME_MISMATCH, "the account's legal name (business.name)"),
    "businessRegistration.country": (REGISTRATION_COUNTRY_MISMATCH,
                                     "the account's registered business address country"),
    "businessRegistration.number": (REGISTRATION_NUMBER_MISMATCH,
                                    "the account's company registration number"),
}


@dataclass(frozen=True)
class Mismatch:
    """One field where desired and the seller account differ (numbers already masked)."""

    code: str
    field: str
    account: str
    desired: str

    def message(self, region: str) -> str:
        _, what = FIELDS[self.field]
        return (f"{self.field} {self.desired!r} differs from {what} {self.account!r} (getAccount in {region}): "
                "write it exactly as the account has it, or correct the account; nothing is submitted until they match")


def normal_name(name: str) -> str:
    """Case, spacing and punctuation do not make two legal names differ."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = "".join(" " if unicodedata.category(c).startswith(("P", "S")) else c for c in text)
    return " ".join(text.split())


def normal_number(number: str) -> str:
    return re.sub(r"[\s\-./]", "", number).upper()


def compare(submission: Submission, account: Account) -> tuple[Mismatch, ...]:
    """Every field where `submission` and `account` differ; a field the account leaves empty is
    not compared (an individual seller's account has no company number, say). Three text fields
    side by side: a plain comparison (DeepDiff cost 3 ms a seller here, and left reference
    cycles behind in a plan that pauses the cyclic collector)."""
    desired = {"legalEntityName": submission.legal_entity_name,
               "businessRegistration.country": submission.business_registration.country,
               "businessRegistration.number": submission.business_registration.number}
    live = {"legalEntityName": account.legal_name, "businessRegistration.country": account.registration_country,
            "businessRegistration.number": account.registration_number}
    found = []
    for field, (code, _) in FIELDS.items():
        theirs, ours = live[field], desired[field]
        if not theirs or theirs == ours:
            continue
        if field == "legalEntityName":
            if normal_name(ours) in (normal_name(theirs), normal_name(account.non_latin_name or "\0")):
                continue
        elif field == "businessRegistration.number":
            if normal_number(ours) == normal_number(theirs):
                continue
            theirs, ours = mask(theirs), mask(ours)
        elif ours.upper() == theirs.upper():
            continue
        found.append(Mismatch(code, field, theirs, ours))
    return tuple(found)
