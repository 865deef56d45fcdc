"""The pull-request check (pure): what a head plan breaks that its base plan did not.

A pull request fails exactly on what it introduces: a blocked pair's reason, or a verdict
error of an entity (an invalid number: `acorn validate` fails on it), that the base branch's
plan does not have, keyed by (entity, marketplace, reason code). What was blocked before, or
is blocked by live state both plans read alike, passes. Warnings never fail it.

Both plans must be of one environment and made the same way (both live, or both --offline),
so that live state counts alike in each (docs/plan.md, "The pull-request check").
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import PlanFileError
from .plan import ADVISORY, BLOCKED, REJECTED_CHANGED, Plan

# Reasons a blocked row shows that do not block it: its warnings and notes.
NOT_BLOCKING = ADVISORY | {REJECTED_CHANGED}
ERROR = "error"  # a finding's kind for a verdict error of the entity (no marketplace)


@dataclass(frozen=True, order=True)
class Breakage:
    """One thing that fails a pair or an entity: blocked (a pair) or error (the entity)."""

    entity: str
    marketplace: str  # "" for an entity's error
    code: str
    kind: str  # "blocked" | "error"
    message: str

    @property
    def key(self) -> tuple[str, str, str]:
        return self.entity, self.marketplace, self.code


@dataclass(frozen=True)
class CheckResult:
    introduced: tuple[Breakage, ...]  # in head, not in base: these fail the pull request
    kept: tuple[Breakage, ...]  # in both: not the pull request's doing
    fixed: tuple[Breakage, ...]  # in base, not in head

    @property
    def passed(self) -> bool:
        return not self.introduced


def breakages(plan: Plan) -> dict[tuple[str, str, str], Breakage]:
    """Every blocked pair's blocking reasons and every entity's verdict errors, by key."""
    out: dict[tuple[str, str, str], Breakage] = {}
    for e in plan.entities:
        codes = set()
        for p in e.pairs:
            if p.state != BLOCKED:
                continue
            for r in p.reasons:
                if r.code not in NOT_BLOCKING:
                    codes.add(r.code)
                    out.setdefault((e.name, p.marketplace, r.code),
                                   Breakage(e.name, p.marketplace, r.code, str(BLOCKED), r.message))
        for r in e.errors:  # an error no blocked pair shows (every pair live, say): the entity's own
            if r.code not in codes:
                out.setdefault((e.name, "", r.code), Breakage(e.name, "", r.code, ERROR, r.message))
    return out


def check(base: Plan, head: Plan) -> CheckResult:
    """What `head` introduces, keeps and fixes relative to `base`."""
    if base.environment != head.environment:
        raise PlanFileError(f"the base plan is of environment {base.environment} and the head plan of "
                            f"{head.environment}: compare plans of one environment")
    before, after = breakages(base), breakages(head)
    return CheckResult(tuple(sorted(b for k, b in after.items() if k not in before)),
                       tuple(sorted(b for k, b in after.items() if k in before)),
                       tuple(sorted(b for k, b in before.items() if k not in after)))
