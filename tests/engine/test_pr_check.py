"""The pull-request check (engine/pr_check.py): fails exactly on what the head introduces."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconciler.domain.model import Reason
from reconciler.engine.plan import BLOCKED
from reconciler.engine.pr_check import check
from reconciler.errors import PlanFileError
from tests.engine.plan_builders import sample_plan

BASE = sample_plan()


def test_the_same_plan_passes_with_everything_already_there() -> None:
    result = check(BASE, BASE)
    assert result.passed and not result.fixed
    kept = {(b.entity, b.marketplace, b.code) for b in result.kept}
    assert ("maple-ca", "US", "ID_EXPIRES_TOO_SOON") in kept and ("acme-sz", "JP", "REJECTED_UNCHANGED") in kept
    assert not any(b.code == "TAX_REGISTRATION_MAY_BE_REQUIRED" for b in result.kept)  # a warning never fails it


def test_a_new_block_fails_it_by_entity_marketplace_and_reason_and_a_removed_one_is_fixed() -> None:
    maple = next(e for e in BASE.entities if e.name == "maple-ca")
    healthier = replace(BASE, entities=tuple(e for e in BASE.entities if e.name != "maple-ca"))
    broken = check(healthier, BASE)
    assert not broken.passed
    assert {(b.entity, b.marketplace, b.code) for b in broken.introduced} == {
        ("maple-ca", m, c) for m in ("US", "CA") for c in ("ID_EXPIRES_TOO_SOON", "TAX_NUMBER_INVALID")}
    assert maple.errors  # its verdict error is shown on its pairs, not again for the entity
    fixed = check(BASE, healthier)
    assert fixed.passed and len(fixed.fixed) == 4
    messages = {(p.marketplace, r.code): r.message for p in maple.pairs for r in p.reasons}
    assert {(b.kind, b.message) for b in broken.introduced} == {
        ("blocked", messages[(b.marketplace, b.code)]) for b in broken.introduced}


def test_plans_of_two_environments_are_not_compared() -> None:
    with pytest.raises(PlanFileError, match="one environment"):
        check(BASE, replace(BASE, environment="production"))


def test_an_entity_error_no_blocked_pair_shows_fails_it_once_for_the_entity() -> None:
    calm = next(e for e in BASE.entities if e.pairs and all(p.state != BLOCKED for p in e.pairs))
    error = Reason("ID_EXPIRED", "the ID document expired on 2026-01-01")
    head = replace(BASE, entities=tuple(replace(e, errors=(error, error)) if e is calm else e for e in BASE.entities))
    result = check(BASE, head)
    assert not result.passed
    assert [(b.entity, b.marketplace, b.code, b.kind, b.message) for b in result.introduced] == [
        (calm.name, "", "ID_EXPIRED", "error", "the ID document expired on 2026-01-01")]
    assert check(head, BASE).fixed == result.introduced
    every = replace(BASE, entities=tuple(replace(e, errors=(error,)) for e in BASE.entities))
    assert sorted(b.entity for b in check(BASE, every).introduced) == sorted(e.name for e in BASE.entities)
