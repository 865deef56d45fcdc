"""Creates go out as one CreateRegistration per region, with an idempotent clientToken."""

from __future__ import annotations

from reconciler.domain.live import APPROVED, IN_REVIEW, REJECTED
from reconciler.domain.submission import client_token, submission_digest
from tests.engine.plan_builders import entity, one, reg

IDS = {"US": "ATVPDKIKX0DER", "CA": "A2EUQ1WTGCTBG2", "MX": "A1AM78C64UM0Y8", "DE": "A1PA6795UKMFR9",
       "FR": "A13V1IB3VIYZZH", "JP": "A1VC38T7YXB528", "AU": "A39IBJ37TRP1C6"}


def test_creates_are_grouped_per_region_in_catalogue_order_with_their_client_token():
    e = entity(marketplaces=("JP", "FR", "US", "DE", "CA", "AU"))
    (plan_entity,) = one(e).entities
    digest = submission_digest(e.submission)
    expected = [("NA", ("US", "CA")), ("EU", ("DE", "FR")), ("FE", ("JP", "AU"))]
    assert [(c.region, c.marketplaces) for c in plan_entity.creates] == expected
    for c, (_, codes) in zip(plan_entity.creates, expected, strict=False):
        assert c.marketplace_ids == tuple(IDS[code] for code in codes)
        assert c.submission_digest == digest
        assert c.client_token == client_token(e.seller_id, list(c.marketplace_ids), digest)


def test_only_create_pairs_are_sent():
    e = entity(marketplaces=("US", "CA", "MX", "DE", "FR"))
    regs = (reg("CA", APPROVED), reg("MX", IN_REVIEW), reg("DE", REJECTED))  # DE: rejected, unchanged
    (plan_entity,) = one(e, regs=regs).entities
    assert [(c.region, c.marketplaces) for c in plan_entity.creates] == [("NA", ("US",)), ("EU", ("FR",))]


def test_the_token_changes_with_the_submission_and_the_marketplaces_but_not_the_run():
    first = one(entity(marketplaces=("DE", "FR"))).entities[0].creates[0].client_token
    again = one(entity(marketplaces=("FR", "DE"))).entities[0].creates[0].client_token
    other_name = one(entity(marketplaces=("DE", "FR"), legal_name="Other")).entities[0].creates[0].client_token
    fewer = one(entity(marketplaces=("DE",))).entities[0].creates[0].client_token
    assert first == again
    assert len({first, other_name, fewer}) == 3


def test_no_creates_no_groups():
    assert one(entity(), ("DE",)).entities[0].creates == ()
