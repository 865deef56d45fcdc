"""Digests that make a submission idempotent: `submissionDigest` and `clientToken`.

The digest is over the submission's canonical domain form (not any wire format), so it
changes exactly when what the marketplace reviews changes.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from datetime import date

from .model import Submission


@functools.cache
def _field_names(cls: type) -> tuple[str, ...] | None:
    """A dataclass's field names, None for any other type: looked up once per class (speed)."""
    return tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else None


def _canonical(value: object) -> object:
    """json's hook for what it cannot encode itself: a dataclass as a mapping, a date as ISO.

    Lists, strings and numbers are encoded by json's C encoder, so only the dozen or so
    dataclass values of a submission come back here.
    """
    names = _field_names(type(value))  # type: ignore[arg-type]  # functools.cache types its key Hashable; a type is
    if names is not None:
        return {name: getattr(value, name) for name in names}
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot digest a {type(value).__name__}")


def submission_digest(submission: Submission) -> str:
    """sha256 hex of the submission alone."""
    text = json.dumps(submission, default=_canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def client_token(seller_id: str, marketplace_ids: "list[str] | tuple[str, ...]", digest: str) -> str:
    """sha256 hex (64 chars) of (sellerId, sorted marketplace IDs, submission digest)."""
    text = "\n".join([seller_id, ",".join(sorted(marketplace_ids)), digest])
    return hashlib.sha256(text.encode()).hexdigest()
