"""The one redaction step: no token or secret the client handled leaves it inside an ApiError.

A server may echo what it was sent (an LWA error quoting the refresh token, a 403 quoting
the access token, a status field holding garbage). Rather than guard each message, the
client registers every secret it handles here (refresh tokens and the client secret it
sends, access tokens it receives) and runs every ApiError it raises through `error()`:
its code, message (which holds the details) and request id lose each secret, raw or
URL-encoded, and anything shaped like an LWA token.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, quote_plus

from ..domain import safetext
from ..domain.tokens import LWA_TOKEN
from ..errors import ApiError

MASK = "***"
_ESCAPE = re.compile(r"%[0-9A-F]{2}")


def _forms(secret: str) -> set[str]:
    """The ways a secret can come back: as sent, form- or URL-encoded, with either case of escapes."""
    encoded = {secret, quote(secret, safe=""), quote_plus(secret, safe="")}
    return encoded | {_ESCAPE.sub(lambda m: m.group().lower(), e) for e in encoded}


SHORT = 8  # a secret shorter than this is masked only where it stands alone, not inside words


class Redactor:
    """The secrets of one run, and the text and errors cleaned of them."""

    def __init__(self) -> None:
        self._forms: set[str] = set()

    def add(self, *secrets: str | None) -> None:
        for secret in secrets:
            if secret and secret.strip():  # an empty value would match everywhere
                self._forms |= _forms(secret.strip()) | _forms(secret)

    def text(self, text: str) -> str:
        # Only the forms present are sorted (longest first, so a secret containing another is
        # masked whole): errors are rare and short, the run's secrets many.
        for form in sorted((f for f in self._forms if f in text), key=len, reverse=True):
            if len(form) >= SHORT:
                text = text.replace(form, MASK)
            else:  # "abc" as a secret must not turn "abcdef" or "cabcd" into "***def"
                text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])", MASK, text)
        return LWA_TOKEN.sub(MASK, text)

    def scrub(self, value: Any) -> Any:
        """A JSON value with every string (keys too) redacted: an answer echoing a secret."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.scrub(k): self.scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        return value

    def error(self, exc: ApiError) -> ApiError:
        """`exc` itself (its type and fields kept), with code, message and request id redacted,
        and made one safe line each (a server's text holds no escape or line break for us)."""
        exc.args = tuple(safetext.line(self.text(a)) if isinstance(a, str) else a for a in exc.args)
        exc.message = safetext.line(self.text(exc.message))
        if exc.code is not None:
            exc.code = safetext.line(self.text(str(exc.code)))
        if exc.request_id is not None:
            exc.request_id = safetext.line(self.text(str(exc.request_id)))
        return exc
