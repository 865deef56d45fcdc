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


@lru_cache(maxsize=65536)  # asked for every value on every text that mask_all sees
def _core(value: str) -> str:
    """The characters that identify `value`: letters and digits, upper case, without a leading
    country prefix (`DE 123-456-789` and `123456789` are the same VAT number)."""
    squeezed = "".join(c for c in value if c.isalnum()).upper()
    prefix = _PREFIX.match(squeezed)
    rest = squeezed[prefix.end():] if prefix else squeezed
    return rest if len(rest) > _VISIBLE else squeezed


_SEPARATOR_CHARS = frozenset(".-/_,:")


def _is_separator(c: str) -> bool:
    return c.isspace() or c in _SEPARATOR_CHARS


def _is_word(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _match(text: str, i: int, chars: str) -> int:
    """Where `chars` spelt from text[i] ends (any case, separators between characters), or -1."""
    j, n = i, len(text)
    for k, c in enumerate(chars):
        if k:
            while j < n and _is_separator(text[j]):
                j += 1
        if j >= n or text[j].upper() != c:
            return -1
        j += 1
    return j


def _spans(text: str, value: str) -> list[tuple[int, int]]:
    """Every spelling a server may echo `value` in: any case, any separators between its
    characters, with or without a (country) prefix; never inside a longer word or number.
    A scan, not a regular expression: compiling one per value cost more than the search."""
    core = _core(value)
    squeezed = "".join(c for c in value if c.isalnum()).upper()
    prefix = squeezed[: len(squeezed) - len(core)]
    spans, i, n = [], 0, len(text)
    while i < n:
        if i and _is_word(text[i - 1]):
            i += 1
            continue
        end = -1
        if prefix:
            after_prefix = _match(text, i, prefix)
            if after_prefix >= 0:
                j = after_prefix
                while j < n and _is_separator(text[j]):
                    j += 1
                end = _match(text, j, core)
                if end >= 0 and end < n and _is_word(text[end]):
                    end = -1
        if end < 0:
            end = _match(text, i, core)
            if end >= 0 and end < n and _is_word(text[end]):
                end = -1
        if end < 0:
            i += 1
            continue
        spans.append((i, end))
        i = end
    return spans


def mask_all(text: str, secrets: "set[str] | frozenset[str]") -> str:
    """Replace every occurrence of each sensitive value in free text (e.g. an API message),
    however it is spelt (see `_spans`), by the value masked.

    Most texts hold none: a value is looked for only when its characters occur in the text
    with separators removed. Longer values first, so a value containing another is masked whole.
    """
    if not text or not secrets:
        return text
    squeezed = _SEPARATORS.sub("", text).upper()
    found = [v for v in secrets if len(core := _core(v)) > _VISIBLE and core in squeezed]
    for value in sorted(found, key=len, reverse=True):
        spans = _spans(text, value)
        for start, end in reversed(spans):
            text = text[:start] + mask(value) + text[end:]
    return text


def sensitive_values(entity: "Entity") -> frozenset[str]:
    """What no output may show in full: registration and tax numbers, ID document details."""
    s = entity.submission
    values = {s.business_registration.number, s.legal_representative.id_document.expires_on.isoformat()}
    values.update(t.number for t in s.tax_registrations if t.number)
    return frozenset(values)
