"""Masking of identifying numbers: every output shows only their last 4 characters."""

from __future__ import annotations

import re
from functools import lru_cache
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


_SEPARATOR = r"[\s.\-/_,:]*"
_SEPARATORS = re.compile(_SEPARATOR)
_PREFIX = re.compile(r"^([A-Za-z]{1,2})(?=[0-9])")


def _core(value: str) -> str:
    """The characters that identify `value`: letters and digits, upper case, without a leading
    country prefix (`DE 123-456-789` and `123456789` are the same VAT number)."""
    squeezed = "".join(c for c in value if c.isalnum()).upper()
    prefix = _PREFIX.match(squeezed)
    rest = squeezed[prefix.end():] if prefix else squeezed
    return rest if len(rest) > _VISIBLE else squeezed


@lru_cache(maxsize=65536)
def _spellings(value: str) -> re.Pattern[str]:
    """Every spelling a server may echo `value` in: any case, any separators between its
    characters, with or without a (country) prefix; never inside a longer word or number."""
    core = _core(value)
    squeezed = "".join(c for c in value if c.isalnum()).upper()
    prefix = squeezed[: len(squeezed) - len(core)]
    body = _SEPARATOR.join(re.escape(c) for c in core)
    optional = f"(?:{_SEPARATOR.join(re.escape(c) for c in prefix)}{_SEPARATOR})?" if prefix else ""
    return re.compile(rf"(?<![A-Za-z0-9]){optional}{body}(?![A-Za-z0-9])", re.IGNORECASE)


def mask_all(text: str, secrets: "set[str] | frozenset[str]") -> str:
    """Replace every occurrence of each sensitive value in free text (e.g. an API message),
    however it is spelt (see `_spellings`), by the value masked.

    Most texts hold none: a value is looked for only when its characters occur in the text
    with separators removed. Longer values first, so a value containing another is masked whole.
    """
    if not text or not secrets:
        return text
    squeezed = _SEPARATORS.sub("", text).upper()
    found = [v for v in secrets if len(_core(v)) > _VISIBLE and _core(v) in squeezed]
    for value in sorted(found, key=len, reverse=True):
        text = _spellings(value).sub(mask(value), text)
    return text


def sensitive_values(entity: "Entity") -> frozenset[str]:
    """What no output may show in full: registration and tax numbers, ID document details."""
    s = entity.submission
    values = {s.business_registration.number, s.legal_representative.id_document.expires_on.isoformat()}
    values.update(t.number for t in s.tax_registrations if t.number)
    return frozenset(values)
