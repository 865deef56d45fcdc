"""The wire format of ACORN-i, translated at the edge: camelCase JSON <-> domain values.

Nothing past this module sees a wire dict. A malformed answer raises ApiError naming the
field, so a contract drift is reported, not propagated as a KeyError.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from ..errors import ApiError
from ..live import STATUSES, LiveRegistration
from ..model import Reason, Submission


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


def _field(raw: Mapping[str, Any], key: str, what: str) -> Any:
    value = raw.get(key)
    if value is None:
        raise ApiError(f"unexpected answer from ACORN-i: {what} has no {key!r}")
    return value


def _timestamp(raw: Mapping[str, Any], key: str) -> datetime:
    value = _field(raw, key, "a registration")
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(f"unexpected answer from ACORN-i: registration {key} {value!r} is not a timestamp") from None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


def registration_from_api(raw: Any) -> LiveRegistration:
    """A Registration object (`_from_api`)."""
    if not isinstance(raw, Mapping):
        raise ApiError("unexpected answer from ACORN-i: a registration is not an object")
    status = _field(raw, "status", "a registration")
    if status not in STATUSES:
        raise ApiError(f"unexpected answer from ACORN-i: unknown registration status {status!r}")
    return LiveRegistration(
        registration_id=str(_field(raw, "registrationId", "a registration")),
        seller_id=str(_field(raw, "sellerId", "a registration")),
        marketplace_id=str(_field(raw, "marketplaceId", "a registration")),
        status=status,
        legal_entity_name=str(raw.get("legalEntityName") or ""),
        client_token=str(raw.get("clientToken") or ""),
        submission_digest=str(raw.get("submissionDigest") or ""),
        reasons=tuple(Reason(str(r.get("code", "")), str(r.get("message", "")))
                      for r in raw.get("reasons") or ()),
        created_at=_timestamp(raw, "createdAt"),
        updated_at=_timestamp(raw, "updatedAt"),
    )


def registrations_from_api(body: Any) -> tuple[tuple[LiveRegistration, ...], str | None]:
    """A listRegistrations page (or a createRegistration answer): registrations, nextToken."""
    if not isinstance(body, Mapping) or not isinstance(body.get("registrations"), list):
        raise ApiError("unexpected answer from ACORN-i: no 'registrations' list")
    pagination = body.get("pagination") or {}
    next_token = pagination.get("nextToken") if isinstance(pagination, Mapping) else None
    return tuple(registration_from_api(r) for r in body["registrations"]), (next_token or None)


def participations_from_api(body: Any) -> frozenset[str]:
    """Marketplace IDs the seller participates in (isParticipating), from getMarketplaceParticipations."""
    if not isinstance(body, Mapping) or not isinstance(body.get("payload"), list):
        raise ApiError("unexpected answer from the Sellers API: no 'payload' list")
    ids = set()
    for item in body["payload"]:
        marketplace = item.get("marketplace") or {}
        if (item.get("participation") or {}).get("isParticipating") and marketplace.get("id"):
            ids.add(str(marketplace["id"]))
    return frozenset(ids)


def errors_from_api(body: Any) -> tuple[str | None, str, str]:
    """(code, message, details) of the first error of an error answer, in either shape:
    ACORN-i's `{"errors": [...]}` or LWA's `{"error", "error_description"}`."""
    if isinstance(body, Mapping):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            first = errors[0]
            return first.get("code"), str(first.get("message") or ""), str(first.get("details") or "")
        if isinstance(body.get("error"), str):
            return body["error"], str(body.get("error_description") or ""), ""
    return None, "", ""
