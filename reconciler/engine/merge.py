"""Joining saved plans of disjoint shards (`acorn plan --shard K/N --out`) into one plan.

Pure: the shards must be of the same tree (desiredDigest) and environment, and no entity may
be in two of them; the result is an ordinary Plan (its summary derived from its entities), so
it renders like any plan and `acorn apply merged.json` accepts it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import PlanFileError
from .plan import Plan


def merge_plans(plans: Sequence[tuple[str, Plan]]) -> Plan:
    """One plan from (name, plan) pairs, entities by name; PlanFileError naming the odd one out."""
    if not plans:
        raise PlanFileError("no plans to merge")
    first_name, first = plans[0]
    owner: dict[str, str] = {}
    for name, plan in plans:
        if plan.environment != first.environment:
            raise PlanFileError(f"{name} was made for environment {plan.environment}, "
                                f"{first_name} for {first.environment}: not one run")
        if plan.desired_digest != first.desired_digest:
            raise PlanFileError(f"{name} was made from another desired tree than {first_name} "
                                f"({plan.desired_digest[:12]} vs {first.desired_digest[:12]}): re-plan every shard")
        for entity in plan.entities:
            if entity.name in owner:
                raise PlanFileError(f"entity {entity.name} is in both {owner[entity.name]} and {name}: "
                                    "the plans are not disjoint shards")
            owner[entity.name] = name
    entities = sorted((e for _, plan in plans for e in plan.entities), key=lambda e: e.name)
    oldest = min(plan.generated_at for _, plan in plans)  # the live state is as old as its oldest read
    return Plan(first.environment, oldest, first.desired_digest, tuple(entities))
