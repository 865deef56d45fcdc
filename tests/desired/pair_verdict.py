"""One pair's blocks and warnings as plan shows them and the sandbox's review decides them: the
verdict (desired/verdict.py), the one computation preflight's rules reach users through."""

from __future__ import annotations

from datetime import date

from reconciler.desired import verdict
from reconciler.domain import catalogue
from reconciler.domain.model import Reason, Submission


def blocks(sub: Submission, market: str, today: date, min_days: int = 180) -> tuple[Reason, ...]:
    """What keeps the pair from being created."""
    return verdict.review_reasons(sub, catalogue.by_code(market).marketplace_id, today, min_days)


def warns(sub: Submission, market: str, today: date) -> tuple[Reason, ...]:
    """The pair's warnings, shown on its row."""
    found = verdict.submission_findings(sub, (market,), today)
    return verdict.EntityVerdict("", tuple(found)).warnings(catalogue.by_code(market))
