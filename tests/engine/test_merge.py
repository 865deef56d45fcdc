"""Merging the saved plans of shards (pure): refusals name the odd plan out, in words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconciler.engine.merge import merge_plans
from reconciler.errors import PlanFileError
from tests.engine.plan_builders import entity, one


def test_nothing_to_merge_is_an_error():
    with pytest.raises(PlanFileError) as raised:
        merge_plans([])
    assert str(raised.value) == "no plans to merge"


def test_shards_of_another_desired_tree_are_refused_naming_both_digests():
    a = one(entity("a"))
    b = replace(one(entity("b")), desired_digest="e" * 64)
    with pytest.raises(PlanFileError) as raised:
        merge_plans([("a.json", a), ("b.json", b)])
    assert str(raised.value) == (f"b.json was made from another desired tree than a.json ({'e' * 12} vs "
                                 f"{a.desired_digest[:12]}): re-plan every shard")


def test_shards_of_another_environment_are_refused():
    a = one(entity("a"))
    b = replace(one(entity("b")), environment="production")
    with pytest.raises(PlanFileError) as raised:
        merge_plans([("a.json", a), ("b.json", b)])
    assert str(raised.value) == "b.json was made for environment production, a.json for sandbox: not one run"


def test_merged_shards_hold_every_entity_by_name_as_old_as_the_oldest_read():
    from datetime import timedelta

    a, b = one(entity("zed")), one(entity("acme"))
    older = replace(b, generated_at=b.generated_at - timedelta(hours=1))
    merged = merge_plans([("a.json", a), ("b.json", older)])
    assert [e.name for e in merged.entities] == ["acme", "zed"]
    assert (merged.generated_at, merged.environment, merged.desired_digest) == (
        older.generated_at, a.environment, a.desired_digest)
