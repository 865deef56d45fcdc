"""Did-you-mean: the known words close to a mistyped one, and the mix-ups people make
between a marketplace code and a country code (GB is the country, UK the marketplace)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# Marketplace codes people write as countries, and countries people write as marketplaces.
MARKETPLACE_ALIASES = {"GB": "UK"}
COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}


def close_to(word: str, options: Iterable[str], aliases: dict[str, str] | None = None) -> list[str]:
    """The options close to `word`, an alias first."""
    known = sorted(set(options))
    found = [aliases[word]] if aliases and word in aliases and aliases[word] in known else []
    found += [c for c in difflib.get_close_matches(word, known) if c not in found]  # difflib's 3, at 0.6
    return found[:3]


def did_you_mean(word: str, options: Iterable[str], aliases: dict[str, str] | None = None) -> str:
    """`; did you mean 'acme'?` for the options close to `word`, else empty."""
    close = close_to(word, options, aliases)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
