"""The client's redaction step: no token or secret the client handled leaves it inside an ApiError.

A server may echo what it was sent (an LWA error quoting the refresh token, a 403 quoting
the access token, a status field holding garbage). Rather than guard each message, the
client registers every secret it handles here (refresh tokens and the client secret it
sends, access tokens it receives) and runs every ApiError it raises through `error()`:
its code, message (which holds the details) and request id lose each secret, raw or
URL-encoded, and anything shaped like an LWA token. The matching and the masked form are
domain.masking's (SecretMatcher, SECRET_MASK); this module applies them to what the client raises.
"""

from __future__ import annotations

from typing import Any

from ..domain import safetext
from ..domain.masking import SecretMatcher
from ..errors import ApiError


class Redactor(SecretMatcher):
    """The secrets of one run, and the text, JSON values and errors cleaned of them."""

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
