"""YAML text for templates: a scalar that reads back as exactly the string, a one-line comment.

The `q` and `c` filters of the template environment (`acorn import` writes entity files with them).
"""

from __future__ import annotations

import json
import re

import yaml

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._,()&/'-]*$")
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9_]")  # text to YAML 1.1, a number to YAML 1.2: always quoted


def _printable(c: str) -> bool:
    # YAML's printable set, less the characters YAML 1.1 reads as line breaks or a BOM
    o = ord(c)
    return (0x20 <= o <= 0x7E or (0xA0 <= o <= 0xD7FF and o not in (0x2028, 0x2029))
            or (0xE000 <= o <= 0xFFFD and o != 0xFEFF) or o >= 0x10000)


def scalar(value: str) -> str:
    """`value` as a YAML scalar that reads back as exactly this string: plain when that is
    safe (`Acme Trading Co., Ltd.`), else double-quoted with JSON's escapes (`"0123"`)."""
    if _PLAIN.match(value) and value == value.strip() and not _LEADING_ZERO.match(value):
        try:
            # plain only if YAML reads it back as this very string (not 0123, yes, 2026-01-01)
            if yaml.safe_load(f"k: {value}") == {"k": value}:
                return value
        except yaml.YAMLError:
            pass
    quoted = json.dumps(value, ensure_ascii=False)
    return "".join(c if _printable(c) else f"\\u{ord(c):04x}" for c in quoted)


def comment(text: str) -> str:
    """Text safe inside a `#` comment: one line."""
    return " ".join(str(text).split())
