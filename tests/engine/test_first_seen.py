"""When a create first appeared (engine/first_seen.py): the commit that brought its entity's
file, else the first plan that showed it; what the age of a waiting create is counted from."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from reconciler.domain import catalogue
from reconciler.domain.model import Source
from reconciler.engine.first_seen import first_seen, key, next_record, source_file
from reconciler.engine.plan import EntityPlan, Pair, Plan
from tests.engine.plan_builders import entity

T0, T1, NOW = (datetime(2026, m, 1, tzinfo=timezone.utc) for m in (3, 4, 6))


def pair(code: str, state: str) -> Pair:
    return Pair(code, catalogue.by_code(code).marketplace_id, state)


def test_a_create_dates_from_its_files_commit_else_from_the_record() -> None:
    committed = replace(entity("acme", ("DE", "FR")), source=Source("desired/entities/acme.yaml"))
    recorded = replace(entity("bolt", ("DE",)), source=Source("desired/entities/bolt.yaml"))
    plan = Plan("sandbox", NOW, "d" * 64, (
        EntityPlan("acme", committed.seller_id, (pair("DE", "live"), pair("FR", "create"))),
        EntityPlan("bolt", recorded.seller_id, (pair("DE", "create"), pair("FR", "create"))),
        EntityPlan("gone", "AGONE", (pair("DE", "create"),))))
    when = first_seen([committed, recorded], plan, {source_file(committed): T0},
                      {key("bolt", "DE"): T1, key("gone", "DE"): T1})
    # acme's live DE comes before its create: the create is still dated; bolt's FR has no record yet
    assert when == {("acme", "FR"): T0, ("bolt", "DE"): T1, ("gone", "DE"): T1}


def test_the_record_keeps_creates_and_unplanned_entities_and_forgets_what_is_no_longer_a_create() -> None:
    plan = Plan("sandbox", NOW, "d" * 64, (
        EntityPlan("acme", "AACME", (pair("DE", "live"), pair("FR", "create"))),
        EntityPlan("bolt", "ABOLT", error="no refresh token")))
    seen = {key("acme", "DE"): T0, key("acme", "FR"): T0, key("bolt", "DE"): T0, key("zed", "DE"): T1}
    assert next_record(seen, plan, NOW) == {key("acme", "FR"): T0, key("bolt", "DE"): T0, key("zed", "DE"): T1}
    assert next_record({}, plan, NOW) == {key("acme", "FR"): NOW}
