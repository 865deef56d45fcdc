"""The wire format of ACORN-i, translated at the edge: camelCase JSON <-> domain values.

Nothing past this module sees a wire dict. A malformed answer raises ApiError naming the
field, so a contract drift is reported, not propagated as a KeyError.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ..domain.contract import MISSING_AUTHENTICATION_TOKEN, RegistrationStatus
from ..domain.live import Account, LiveRegistration, Store
from ..domain.model import Reason, Submission
from ..domain.timestamps import parse_timestamp
from ..errors import ApiError


def _drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def submission_to_api(submission: Submission, marketplace_ids: Iterable[str], client_token: str,
                      submission_digest: str) -> dict[str, Any]:
    """The createRegistration body (`_to_api`); `taxRegistrations` and `documents` always present."""
    br = submission.business_registration
    rep = submission.legal_representative
    return {
        "clientToken": client_token,
        "submissionDigest": submission_digest,
        "marketplaceIds": list(marketplace_ids),
        "legalEntityName": submission.legal_entity_name,
        "businessRegistration": {
            "country": br.country,
            "number": br.number,
            "document": {"uri": br.document.uri, "sha256": br.document.sha256},
        },
        "legalRepresentative": {
            "name": rep.name,
            "idDocument": {"type": rep.id_document.type,
                           "expiresOn": rep.id_document.expires_on.isoformat()},
        },
        "taxRegistrations": [
            _drop_none({"scheme": t.scheme, "country": t.country, "number": t.number,
                        "completedOn": t.completed_on.isoformat() if t.completed_on else None})
            for t in submission.tax_registrations
        ],
        "documents": [
            _drop_none({"kind": d.kind, "of": d.of, "language": d.language, "uri": d.uri, "sha256": d.sha256})
            for d in submission.documents
        ],
    }


def _unexpected(thing: str, what: str) -> ApiError:
    # A value is echoed only where it helps (a status, a timestamp) and cut short; the client
    # also redacts every token from every error it raises (redact.py).
    return ApiError(f"ACORN-i answered an unexpected {thing}: {what}")


def _object(value: Any, thing: str, what: str = "not an object") -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _unexpected(thing, what)
    return value


def _text(raw: Mapping[str, Any], key: str, thing: str, *, required: bool = True, label: str = "") -> str:
    """The string at `key`: missing is an error when required, else ""."""
    value = raw.get(key)
    if value is None:
        if required:
            raise _unexpected(thing, f"no {label}{key!r}")
        return ""
    if not isinstance(value, str):
        raise _unexpected(thing, f"{label}{key!r} is not a string")
    return value


def _timestamp(raw: Mapping[str, Any], key: str) -> datetime:
    value = _text(raw, key, "registration")
    try:
        return parse_timestamp(value)
    except ValueError:
        raise _unexpected("registration", f"{key!r} {value[:40]!r} is not a timestamp") from None


def _reasons(raw: Mapping[str, Any]) -> tuple[Reason, ...]:
    reasons = raw.get("reasons") or []
    if not isinstance(reasons, list):
        raise _unexpected("registration", "'reasons' is not a list")
    out = []
    for reason in reasons:
        reason = _object(reason, "registration", "a reason is not an object")
        out.append(Reason(_text(reason, "code", "registration", required=False, label="a reason's "),
                          _text(reason, "message", "registration", required=False, label="a reason's ")))
    return tuple(out)


def registration_from_api(raw: Any) -> LiveRegistration:
    """A Registration object (`_from_api`)."""
    raw = _object(raw, "registration")
    text = _text(raw, "status", "registration")
    try:
        status = RegistrationStatus(text)
    except ValueError:
        raise _unexpected("registration", f"unknown status {text[:40]!r}") from None
    return LiveRegistration(
        registration_id=_text(raw, "registrationId", "registration"),
        seller_id=_text(raw, "sellerId", "registration"),
        marketplace_id=_text(raw, "marketplaceId", "registration"),
        status=status,
        legal_entity_name=_text(raw, "legalEntityName", "registration", required=False),
        client_token=_text(raw, "clientToken", "registration", required=False),
        submission_digest=_text(raw, "submissionDigest", "registration", required=False),
        reasons=_reasons(raw),
        created_at=_timestamp(raw, "createdAt"),
        updated_at=_timestamp(raw, "updatedAt"),
    )


def registrations_from_api(body: Any) -> tuple[tuple[LiveRegistration, ...], str | None]:
    """A listRegistrations page (or a createRegistration answer): registrations, nextToken."""
    if not isinstance(body, Mapping) or not isinstance(body.get("registrations"), list):
        raise _unexpected("registration list", "no 'registrations' list")
    pagination = _object(body.get("pagination") or {}, "registration list", "'pagination' is not an object")
    next_token = _text(pagination, "nextToken", "registration list", required=False)
    return tuple(registration_from_api(r) for r in body["registrations"]), (next_token or None)


def participations_from_api(body: Any) -> tuple[Store, ...]:
    """The stores the seller participates in (isParticipating true), from
    getMarketplaceParticipations; marketplaces outside the catalogue (other channels) too."""
    if not isinstance(body, Mapping) or not isinstance(body.get("payload"), list):
        raise _unexpected("participation list", "no 'payload' list")
    stores: dict[str, Store] = {}
    for item in body["payload"]:
        item = _object(item, "participation")
        marketplace = _object(item.get("marketplace") or {}, "participation", "'marketplace' is not an object")
        participation = _object(item.get("participation") or {}, "participation",
                                "'participation' is not an object")
        marketplace_id = _text(marketplace, "id", "participation", required=False, label="marketplace ")
        if participation.get("isParticipating") is True and marketplace_id:
            stores[marketplace_id] = Store(
                marketplace_id, _text(marketplace, "name", "participation", required=False, label="marketplace "),
                _text(item, "storeName", "participation", required=False),
                participation.get("hasSuspendedListings") is True)
    return tuple(stores.values())


def listed_marketplaces(body: Any) -> frozenset[str]:
    """Every marketplace id a getMarketplaceParticipations answer names, participating or not."""
    if not isinstance(body, Mapping) or not isinstance(body.get("payload"), list):
        return frozenset()
    return frozenset(str(item["marketplace"]["id"]) for item in body["payload"]
                     if isinstance(item, Mapping) and isinstance(item.get("marketplace"), Mapping)
                     and item["marketplace"].get("id"))


def errors_from_api(body: Any) -> tuple[str | None, str, str]:
    """(code, message, details) of the first error of an error answer, in either shape:
    ACORN-i's `{"errors": [...]}` or LWA's `{"error", "error_description"}`."""
    if isinstance(body, Mapping):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            first = errors[0]
            code = None if first.get("code") is None else str(first["code"])
            return code, str(first.get("message") or ""), str(first.get("details") or "")
        if isinstance(body.get("error"), str):
            return body["error"], str(body.get("error_description") or ""), ""
    return None, "", ""


_TOKEN_WORDS = ("expired", "revoked", "malformed", "invalid", "missing")


def access_token_rejected(body: Any) -> bool:
    """Whether a 403 is about the access token itself (expired, revoked, malformed, invalid or
    missing), which a fresh token can cure; SP-API's other 403s (empty details: the seller has
    not authorized the app in this region, or a role is missing) are not."""
    code, _, details = errors_from_api(body)
    if code == MISSING_AUTHENTICATION_TOKEN:
        return True
    text = details.lower()
    if _LWA_SECRET in text:  # about the application's client secret: no access token cures it
        return False
    return "token" in text and any(word in text for word in _TOKEN_WORDS)


_LWA_SECRET = "lwa secret"  # SP-API's words for the application's client secret in a 403's details


def lwa_secret_expired(details: str) -> bool:
    """Whether a 403's details say the application's LWA client secret has expired ("The LWA
    secret token you provided has expired."), not a seller's token."""
    text = details.lower()
    return _LWA_SECRET in text and "expired" in text


def account_from_api(body: Any) -> Account:
    """getAccount's payload: the business data acorn compares with desired."""
    payload = _object(body.get("payload") if isinstance(body, Mapping) else None, "account", "no 'payload' object")
    business = _object(payload.get("business") or {}, "account", "'business' is not an object")
    address = _object(business.get("registeredBusinessAddress") or {}, "account",
                      "'business.registeredBusinessAddress' is not an object")
    return Account(
        legal_name=_text(business, "name", "account", required=False, label="business "),
        non_latin_name=_text(business, "nonLatinName", "account", required=False, label="business "),
        registration_country=_text(address, "countryCode", "account", required=False, label="address "),
        registration_number=_text(business, "companyRegistrationNumber", "account", required=False,
                                  label="business "))
