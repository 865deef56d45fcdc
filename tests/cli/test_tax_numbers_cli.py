"""A tax number with a typo, end to end against the served sandbox: plan blocks the pair and
apply (even --force) sends nothing; a registration that bypasses preflight (the client's own
call, straight to ACORN-i) is rejected by the sandbox's review with the same rule."""

from __future__ import annotations

import asyncio

from reconciler.client.api import AcornClient
from reconciler.client.audit import MemoryAuditLog
from reconciler.desired.loader import load_desired
from reconciler.desired.settings import Settings
from reconciler.domain import catalogue
from tests.actions.apply_support import Seller

TYPO = Seller("typo", "A7TYPO0000007", ("DE", "FR"))
SWAPPED = "DE123546788"  # DE123456788 with two digits swapped


def test_a_typo_blocks_its_pair_and_the_review_rejects_a_bypass(world, run_acorn) -> None:
    w = world(TYPO)
    entity_file = w.desired / "typo.yaml"
    entity_file.write_text(entity_file.read_text().replace("DE123456788", SWAPPED))

    plan = run_acorn(*w.args("plan"))
    assert plan.code == 0, plan.err
    # every create carries every taxRegistrations item: the bad DE number blocks FR's create too
    reason = "TAX_NUMBER_INVALID: taxRegistrations[0] EU_VAT (DE) number *******6788: the check digit does not match"
    assert plan.out.count(reason) == 2 and "creates:" not in plan.out and SWAPPED not in plan.out

    applied = run_acorn(*w.args("apply", "--yes", "--force"))
    assert applied.code == 0, applied.err
    assert "Apply: nothing to create." in applied.out
    assert w.admin.pairs() == {}  # --force lifts maxCreates, never the verdict: the number is never sent

    (entity,) = load_desired(w.root / "desired").entities
    settings = Settings(endpoint=w.url, lwa_endpoint=w.url)
    de = catalogue.by_code("DE").marketplace_id

    async def bypass():
        async with AcornClient(settings, dict(w.env), base_dir=w.root, audit=MemoryAuditLog()) as client:
            (created,) = await client.create_registration(entity, "EU", [de], "b" * 40, "d" * 64)
            w.admin.advance(300)
            return await client.get_registration(entity, created.registration_id)

    decided = asyncio.run(bypass())
    assert decided.status == "REJECTED"
    assert [(r.code, r.message) for r in decided.reasons] == [  # the verdict's reason, as plan gives it
        ("TAX_NUMBER_INVALID", "taxRegistrations[0] EU_VAT (DE) number *******6788: the check digit does not match")]
