"""Masking of identifying numbers: every output shows only their last 4 characters."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Entity


_VISIBLE = 4


def mask(value: str | None) -> str:
    """`DE123456788` -> `*******6789`; values of 4 characters or fewer are masked whole."""
    if not value:
        return ""
    if len(value) <= _VISIBLE:
        return "*" * len(value)
    return "*" * (len(value) - _VISIBLE) + value[-_VISIBLE:]


def mask_all(text: str, secrets: "set[str] | frozenset[str]") -> str:
    """Replace every occurrence of each sensitive value in free text (e.g. an API message).

    Most texts hold none, so only the values present are sorted (longest first, so a value
    containing another is masked whole) and replaced.
    """
    found = [v for v in secrets if len(v) > _VISIBLE and v in text]
    for value in sorted(found, key=len, reverse=True):
        text = text.replace(value, mask(value))
    return text


def sensitive_values(entity: "Entity") -> frozenset[str]:
    """What no output may show in full: registration and tax numbers, ID document details."""
    s = entity.submission
    values = {s.business_registration.number, s.legal_representative.id_document.expires_on.isoformat()}
    values.update(t.number for t in s.tax_registrations if t.number)
    return frozenset(values)
