"""Digests that make a submission idempotent: `submissionDigest` and `clientToken`.

The digest is over the submission's canonical domain form (not any wire format), so it
changes exactly when what the marketplace reviews changes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date

from .model import Submission


def _canonical(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def submission_digest(submission: Submission) -> str:
    """sha256 hex of the submission alone."""
    text = json.dumps(_canonical(submission), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def client_token(seller_id: str, marketplace_ids: "list[str] | tuple[str, ...]", digest: str) -> str:
    """sha256 hex (64 chars) of (sellerId, sorted marketplace IDs, submission digest)."""
    text = "\n".join([seller_id, ",".join(sorted(marketplace_ids)), digest])
    return hashlib.sha256(text.encode()).hexdigest()
