"""Which field of an entity a reason code concerns: every code ACORN-i's review, SP-API, preflight,
the account check and the plan give, mapped to a key path of the entity document.

`field_of(code, entity, marketplace, message)` is pure. A review's rejection comes back as a
code and a message; this says which line of the YAML to change: LEGAL_NAME_MISMATCH is
`spec.legalEntityName`, TAX_NUMBER_INVALID the `taxRegistrations` item of the marketplace's
scheme (its `number`), and so on (the table below). A code this module does not know is
`mapped=False`: the caller links the entity file and says the code is unmapped.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain import catalogue
from ..domain.model import Entity
from .yamlsource import KeyPath

SPEC: KeyPath = ("spec",)
LEGAL_NAME: KeyPath = ("spec", "legalEntityName")
TAXES: KeyPath = ("spec", "taxRegistrations")
DOCUMENTS: KeyPath = ("spec", "documents")
EXPIRES_ON: KeyPath = ("spec", "legalRepresentative", "idDocument", "expiresOn")
REGISTRATION_NUMBER: KeyPath = ("spec", "businessRegistration", "number")
REGISTRATION_COUNTRY: KeyPath = ("spec", "businessRegistration", "country")
REGISTRATION_DOCUMENT_URI: KeyPath = ("spec", "businessRegistration", "document", "uri")
SELLER_ID: KeyPath = ("spec", "sellerId")
MARKETPLACES: KeyPath = ("spec", "marketplaces")
REFRESH_TOKEN: KeyPath = ("spec", "credentials", "refreshToken")

# Codes whose field never depends on the entity or the marketplace.
_FIXED: dict[str, KeyPath] = {
    "LEGAL_NAME_MISMATCH": LEGAL_NAME,
    "FIELD_DRIFT": LEGAL_NAME,  # the one echoed field
    "ACCOUNT_NOT_CHECKED": LEGAL_NAME,
    "ID_EXPIRES_TOO_SOON": EXPIRES_ON,
    "REGISTRATION_NUMBER_INVALID": REGISTRATION_NUMBER,
    "REGISTRATION_NUMBER_MISMATCH": REGISTRATION_NUMBER,
    "REGISTRATION_COUNTRY_MISMATCH": REGISTRATION_COUNTRY,
    "RELATED_ACCOUNT": SELLER_ID,  # the account is what is linked; nothing in the file fixes it
    "NOT_IN_DESIRED": MARKETPLACES,
    "UNREADABLE": REFRESH_TOKEN,
}
# Codes about one marketplace of the entity: its item of spec.marketplaces.
_MARKETPLACE_ITEM = frozenset({"STALE_PENDING", "SUSPENDED_LISTINGS", "UNAPPLIED_CREATE", "REJECTED_UNCHANGED",
                               "REJECTED_CHANGED", "ACTION_REQUIRED"})


@dataclass(frozen=True)
class FieldRef:
    """The field a reason concerns; `mapped` False: the code is unknown and `path` is the document."""

    path: KeyPath
    mapped: bool = True


def field_of(code: str, entity: Entity, marketplace: str | None = None, message: str = "") -> FieldRef:
    """The key path of `entity`'s document that `code` (given for `marketplace`, a catalogue code
    or a region for lifecycle findings) concerns."""
    if code in _FIXED:
        return FieldRef(_FIXED[code])
    if code in _MARKETPLACE_ITEM:
        return FieldRef(_marketplace_item(entity, marketplace))
    if code == "TAX_NUMBER_INVALID":
        return FieldRef(_tax_item(entity, marketplace, "number"))
    if code in ("MISSING_TAX_REGISTRATION", "TAX_REGISTRATION_MAY_BE_REQUIRED"):
        return FieldRef(TAXES if entity.submission.tax_registrations else _marketplace_item(entity, marketplace))
    if code == "TRANSLATION_REQUIRED":
        return FieldRef(DOCUMENTS if entity.submission.documents else REGISTRATION_DOCUMENT_URI)
    if code == "DOCUMENT_UNREADABLE":
        return FieldRef(_document_uri(entity, message))
    if code in ("AUTHORIZATION_EXPIRED", "REGION_NOT_AUTHORIZED"):
        return FieldRef(_region_token(entity, marketplace, code))
    return FieldRef((), mapped=False)


def _marketplace_item(entity: Entity, marketplace: str | None) -> KeyPath:
    if marketplace in entity.marketplaces:
        return MARKETPLACES + (entity.marketplaces.index(marketplace),)
    return MARKETPLACES


def _tax_item(entity: Entity, marketplace: str | None, key: str) -> KeyPath:
    """The taxRegistrations item the marketplace's tax row takes (scheme, and country where it
    names one), or the list when none does."""
    taxes = entity.submission.tax_registrations
    known = catalogue.BY_CODE.get(marketplace or "")
    if known is not None:
        need = known.tax
        for i, t in enumerate(taxes):
            if t.scheme == need.scheme and (need.country is None or t.country == need.country):
                return TAXES + (i, key) if getattr(t, key, None) is not None else TAXES + (i,)
    return TAXES if taxes else SPEC


def _document_uri(entity: Entity, message: str) -> KeyPath:
    """The uri of the document the message names (by uri or kind), else the business
    registration's document, which the review reads first."""
    for i, d in enumerate(entity.submission.documents):
        if d.uri in message:
            return DOCUMENTS + (i, "uri")
    return REGISTRATION_DOCUMENT_URI


def _region_token(entity: Entity, where: str | None, code: str) -> KeyPath:
    region = where if where in catalogue.REGIONS else None
    known = catalogue.BY_CODE.get(where or "")
    region = known.region if known is not None else region
    per_region = dict(entity.credentials.regions)
    if region is not None and region in per_region:
        here = REFRESH_TOKEN + (region,)
        if code == "AUTHORIZATION_EXPIRED" and per_region[region].authorized_on is not None:
            return here + ("authorizedOn",)
        return here
    return REFRESH_TOKEN
