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
