"""listRegistrations' `nextToken`: opaque, signed, bound to its query, and short-lived.

The token carries the position (the last registration's sequence number) and the query it
belongs to, signed with the state's secret; anything else (a token of another seller,
another filter, a reset sandbox, or one older than TTL on the sandbox clock) is refused
as unknown or expired.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable

from .http import ApiFailure

TTL_SECONDS = 600.0


def _query(seller_id: str, marketplace_ids: Iterable[str] | None, statuses: Iterable[str] | None) -> list:
    return [seller_id, sorted(marketplace_ids or ()), sorted(statuses or ())]


def _sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()[:32]


def encode(secret: str, seller_id: str, marketplace_ids: Iterable[str] | None,
           statuses: Iterable[str] | None, last_seq: int, now: float) -> str:
    payload = json.dumps([last_seq, int(now + TTL_SECONDS), _query(seller_id, marketplace_ids, statuses)],
                         separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + _sign(secret, payload)


def decode(secret: str, token: str, seller_id: str, marketplace_ids: Iterable[str] | None,
           statuses: Iterable[str] | None, now: float) -> int:
    """The sequence number to continue after; 400 InvalidInput when unknown or expired."""
    unknown = ApiFailure.invalid("nextToken", "unknown or expired nextToken; list again from the start")
    encoded, _, signature = token.partition(".")
    try:
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        valid = hmac.compare_digest(_sign(secret, payload), signature)
        last_seq, expires_at, query = json.loads(payload) if valid else (0, 0, None)
    except (ValueError, TypeError):
        raise unknown from None
    if not valid or query != _query(seller_id, marketplace_ids, statuses) or now > expires_at:
        raise unknown
    return int(last_seq)
