"""The sandbox's own wire mapping: request JSON -> domain values, stored values -> JSON.

It shares the domain model with the client but none of the client's code: the two sides
meet only at the contract, so a drift on either side shows up as a failing call.
Every parse error is a 400 InvalidInput naming the field (`ApiFailure.invalid`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..domain import catalogue
from ..domain.model import (
    BusinessRegistration,
    Document,
    DocumentRef,
    IdDocument,
    LegalRepresentative,
    Submission,
    TaxRegistration,
)
from .http import ApiFailure
from .records import Channel, SellerRecord

HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
CLIENT_TOKEN_MIN, CLIENT_TOKEN_MAX = 32, 64
ID_TYPES = ("passport", "national_id")


@dataclass(frozen=True)
class CreateRequest:
    client_token: str
    submission_digest: str
    marketplace_ids: tuple[str, ...]
    submission: Submission


def _object(raw: Any, field: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    if not isinstance(raw, dict):
        raise ApiFailure.invalid(field or "body", "must be an object")
    for key in raw:
        if key not in required and key not in optional:
            raise ApiFailure.invalid(_join(field, key), "unknown field")
    for key in required:
        if raw.get(key) is None:
            raise ApiFailure.invalid(_join(field, key), "is required")
    return raw


def _join(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


def _text(raw: dict, key: str, parent: str, pattern: re.Pattern[str] | None = None,
          what: str = "") -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    field = _join(parent, key)
    if not isinstance(value, str) or not value.strip():
        raise ApiFailure.invalid(field, "must be a non-empty string")
    if pattern is not None and not pattern.match(value):
        raise ApiFailure.invalid(field, f"must be {what}")
    return value


def _required(raw: dict, key: str, parent: str, pattern: re.Pattern[str] | None = None, what: str = "") -> str:
    """`_text` for a key the contract requires: missing is InvalidInput too."""
    value = _text(raw, key, parent, pattern, what)
    if value is None:
        raise ApiFailure.invalid(_join(parent, key), "is required")
    return value


def _required_date(raw: dict, key: str, parent: str) -> date:
    value = _date(raw, key, parent)
    if value is None:
        raise ApiFailure.invalid(_join(parent, key), "is required")
    return value


def _date(raw: dict, key: str, parent: str) -> date | None:
    value = _text(raw, key, parent)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiFailure.invalid(_join(parent, key), "must be a date (YYYY-MM-DD)") from None


def _list(raw: dict, key: str) -> list:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise ApiFailure.invalid(key, "must be a list")
    return value


def _marketplace_ids(raw: dict) -> tuple[str, ...]:
    ids = raw["marketplaceIds"]
    if not isinstance(ids, list) or not ids:
        raise ApiFailure.invalid("marketplaceIds", "must be a non-empty list of marketplace IDs")
    regions: dict[str, str] = {}
    for i, mid in enumerate(ids):
        field = f"marketplaceIds[{i}]"
        if not isinstance(mid, str) or mid not in catalogue.BY_ID:
            raise ApiFailure.invalid(field, f"unknown marketplaceId {mid!r}")
        if ids.index(mid) != i:
            raise ApiFailure.invalid(field, f"marketplaceId {mid} is listed twice")
        regions.setdefault(catalogue.BY_ID[mid].region, mid)
    if len(regions) > 1:
        spread = ", ".join(f"{region} ({mid})" for region, mid in regions.items())
        raise ApiFailure.invalid("marketplaceIds", "all marketplaces of one call must be in one region "
                                 f"(one regional host); these span {spread}: split the call per region")
    return tuple(ids)


def create_request_from_api(raw: Any) -> CreateRequest:
    """The createRegistration body (`_from_api`), checked strictly."""
    body = _object(raw, "", ("clientToken", "submissionDigest", "marketplaceIds", "legalEntityName",
                             "businessRegistration", "legalRepresentative"),
                   ("taxRegistrations", "documents"))
    token = body["clientToken"]
    if not isinstance(token, str) or not CLIENT_TOKEN_MIN <= len(token) <= CLIENT_TOKEN_MAX:
        raise ApiFailure.invalid("clientToken", f"must be a string of {CLIENT_TOKEN_MIN}-{CLIENT_TOKEN_MAX} characters")
    digest = _required(body, "submissionDigest", "", HEX64, "64 hexadecimal characters (sha256)")
    marketplace_ids = _marketplace_ids(body)
    name = _required(body, "legalEntityName", "")

    br = _object(body["businessRegistration"], "businessRegistration", ("country", "number", "document"))
    doc = _object(br["document"], "businessRegistration.document", ("uri", "sha256"))
    business = BusinessRegistration(
        country=_required(br, "country", "businessRegistration", COUNTRY, "an ISO 3166-1 alpha-2 code"),
        number=_required(br, "number", "businessRegistration"),
        document=DocumentRef(_required(doc, "uri", "businessRegistration.document"),
                             _required(doc, "sha256", "businessRegistration.document", HEX64, "64 hex characters")))

    rep = _object(body["legalRepresentative"], "legalRepresentative", ("name", "idDocument"))
    idd = _object(rep["idDocument"], "legalRepresentative.idDocument", ("type", "expiresOn"))
    if idd["type"] not in ID_TYPES:
        raise ApiFailure.invalid("legalRepresentative.idDocument.type", "must be passport or national_id")
    representative = LegalRepresentative(
        name=_required(rep, "name", "legalRepresentative"),
        id_document=IdDocument(idd["type"], _required_date(idd, "expiresOn", "legalRepresentative.idDocument")))

    taxes = []
    for i, item in enumerate(_list(body, "taxRegistrations")):
        field = f"taxRegistrations[{i}]"
        tax = _object(item, field, ("scheme",), ("country", "number", "completedOn"))
        scheme = _required(tax, "scheme", field)
        if scheme not in catalogue.SCHEMES:
            raise ApiFailure.invalid(f"{field}.scheme", "must be one of the contract's tax schemes: "
                                     + ", ".join(catalogue.SCHEMES))
        taxes.append(TaxRegistration(scheme=scheme,
                                     country=_text(tax, "country", field, COUNTRY, "an ISO 3166-1 alpha-2 code"),
                                     number=_text(tax, "number", field),
                                     completed_on=_date(tax, "completedOn", field)))
    documents = []
    for i, item in enumerate(_list(body, "documents")):
        field = f"documents[{i}]"
        d = _object(item, field, ("kind", "uri", "sha256"), ("of", "language"))
        documents.append(Document(kind=_required(d, "kind", field), uri=_required(d, "uri", field),
                                  sha256=_required(d, "sha256", field, HEX64, "64 hex characters"),
                                  of=_text(d, "of", field), language=_text(d, "language", field)))

    submission = Submission(name, business, representative, tuple(taxes), tuple(documents))
    return CreateRequest(token, digest.lower(), marketplace_ids, submission)


def participation_to_api(code: str, store_name: str = "", suspended: bool = False) -> dict[str, Any]:
    """One Sellers API participation; the storefront's name and locale derive from the catalogue."""
    m = catalogue.by_code(code)
    name = "Amazon" + m.domain.removeprefix("www.amazon")  # www.amazon.co.uk -> Amazon.co.uk
    out: dict[str, Any] = {"marketplace": {"id": m.marketplace_id, "countryCode": m.country_code, "name": name,
                                           "defaultCurrencyCode": m.currency,
                                           "defaultLanguageCode": f"{m.language}_{m.country_code}",
                                           "domainName": m.domain}}
    if store_name:
        out["storeName"] = store_name
    out["participation"] = {"isParticipating": True, "hasSuspendedListings": suspended}
    return out


def channel_to_api(channel: Channel, store_name: str = "") -> dict[str, Any]:
    """A non-Amazon channel's participation (e.g. Multi-Channel Fulfillment's A2ZV50J4W1RKNI)."""
    out: dict[str, Any] = {"marketplace": {"id": channel.marketplace_id, "countryCode": channel.country_code,
                                           "name": channel.name, "domainName": channel.domain}}
    if store_name:
        out["storeName"] = store_name
    out["participation"] = {"isParticipating": True, "hasSuspendedListings": False}
    return out


def account_to_api(seller: SellerRecord, participations: list[dict[str, Any]]) -> dict[str, Any]:
    """getAccount's answer, in the shape of the Sellers API's published example. A seller seeded
    without business data (no registration country) answers without `business`, as an
    account that has none (the model makes it optional)."""
    payload: dict[str, Any] = {"businessType": "PRIVATE_LIMITED", "marketplaceParticipationList": participations,
                               "sellingPlan": "PROFESSIONAL"}
    if seller.registration_country:
        address = {"addressLine1": "1 Sandbox Street", "city": "Sandbox", "countryCode": seller.registration_country}
        business: dict[str, Any] = {"name": seller.legal_entity_name}
        if seller.non_latin_name:
            business["nonLatinName"] = seller.non_latin_name
        business["registeredBusinessAddress"] = address
        if seller.registration_number:
            business["companyRegistrationNumber"] = seller.registration_number
        payload["business"] = business
        payload["primaryContact"] = {"name": "Sandbox Contact", "address": address}
    return {"payload": payload}
