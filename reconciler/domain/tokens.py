"""What an LWA token looks like, so a literal one is refused in desired files and cut from text."""

from __future__ import annotations

import re

# LWA access (Atza|) and refresh (Atzr|) tokens in free text, raw or URL-encoded, up to a delimiter.
LWA_TOKEN = re.compile(r"Atz[ar](\||%7C|%7c)[^\s\"',;]+")


def looks_like_token(value: str) -> bool:
    """An LWA access (Atza|) or refresh (Atzr|) token."""
    return LWA_TOKEN.match(value) is not None
