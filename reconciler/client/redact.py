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

# Between the strings of one answer, searched at once. It is no word character, so each string's
# ends stay word boundaries; a match across it (a secret holding it) only sends the answer to the
# string-by-string scrub: the joined search can find too much, never too little.
_APART = "\0"


def _strings(value: Any, into: list[str]) -> None:
    """Every string of a JSON value, keys too, into `into`."""
    if isinstance(value, str):
        into.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _strings(k, into)
            _strings(v, into)
    elif isinstance(value, list):
        for v in value:
            _strings(v, into)


class Redactor(SecretMatcher):
    """The secrets of one run, and the text, JSON values and errors cleaned of them."""

    def scrub(self, value: Any) -> Any:
        """A JSON value with every string (keys too) redacted: an answer echoing a secret. Most
        answers echo none: their strings are searched at once, and such a value is returned as it is."""
        strings: list[str] = []
        _strings(value, strings)
        if not self.finds(_APART.join(strings)):
            return value
        return self._scrub(value)

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self._scrub(k): self._scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._scrub(v) for v in value]
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
