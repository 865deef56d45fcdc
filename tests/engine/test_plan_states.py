"""The state table of the plan spec, case by case, on the pure engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from reconciler.domain import catalogue
from reconciler.domain.live import ACTION_REQUIRED, APPROVED, IN_REVIEW, REJECTED, SUBMITTED, Store
from reconciler.domain.model import Reason, TaxRegistration
from reconciler.domain.policy import Policy
from reconciler.engine.plan import (
    FIELD_DRIFT,
    NOT_IN_DESIRED,
    REJECTED_CHANGED,
    REJECTED_UNCHANGED,
    STALE_PENDING,
    FieldDiff,
    entity_errors,
    has_creates,
)
from reconciler.engine.triage import triage
from tests.engine.plan_builders import NOW, TODAY, codes, entity, one, reg, rows, run, seller, states, submission

OLD = submission(taxes=())  # a submission that has changed since: it lacked every tax registration
BAD = (Reason("DOCUMENT_UNREADABLE", "the business registration document is unreadable"),)


def needs_human(p) -> bool:
    """What `acorn drift` exits 2 for: any triage finding (fresh creates are not)."""
    return triage(p, now=NOW, first_seen={}, unapplied_create_days=2).count > 0


@pytest.mark.parametrize("participations, regs, state, status", [
    ((), (), "create", None),
    (("DE",), (), "live", None),
    ((), (reg("DE", APPROVED),), "live", APPROVED),
    ((), (reg("DE", SUBMITTED),), "pending", SUBMITTED),
    ((), (reg("DE", IN_REVIEW),), "pending", IN_REVIEW),
    ((), (reg("DE", ACTION_REQUIRED, reasons=BAD),), "attention", ACTION_REQUIRED),
    ((), (reg("DE", REJECTED, reasons=BAD),), "blocked", REJECTED),  # same digest
    ((), (reg("DE", REJECTED, sub=OLD),), "create", REJECTED),  # the submission changed since
], ids=["nothing", "participation", "approved", "submitted", "in-review", "action-required",
        "rejected-unchanged", "rejected-changed"])
def test_state_of_a_desired_pair(participations, regs, state, status):
    p = one(entity(), participations, regs)
    (row,) = rows(p)
    assert (row.marketplace, row.marketplace_id, row.state, row.status) == ("DE", "A1PA6795UKMFR9", state, status)
    assert row.registration_id == (regs[0].registration_id if regs else None)


def test_attention_shows_the_registrations_reasons():
    (row,) = rows(one(entity(), regs=(reg("DE", ACTION_REQUIRED, reasons=BAD),)))
    assert row.reasons == BAD


def test_rejected_unchanged_says_when_and_keeps_the_registrations_reasons():
    (row,) = rows(one(entity(), regs=(reg("DE", REJECTED, age=10, reasons=BAD),)))
    assert codes(row) == [REJECTED_UNCHANGED, "DOCUMENT_UNREADABLE"]
    assert "rejected on 2026-05-23" in row.reasons[0].message  # decided a day after its creation
    assert "fix it before resubmitting" in row.reasons[0].message


def test_rejected_then_changed_is_created_again_and_says_so():
    p = one(entity(), regs=(reg("DE", REJECTED, sub=OLD, reasons=BAD),))
    (row,) = rows(p)
    assert codes(row) == [REJECTED_CHANGED]
    assert [c.marketplaces for c in p.entities[0].creates] == [("DE",)]


@pytest.mark.parametrize("code, sub, reason", [
    ("DE", dict(id_expires=date(2026, 11, 27)), "ID_EXPIRES_TOO_SOON"),  # 179 days left
    ("US", dict(taxes=()), "MISSING_TAX_REGISTRATION"),  # a non-US business needs a W-8BEN-E
    ("BR", dict(taxes=()), "MISSING_TAX_REGISTRATION"),
    ("IN", dict(taxes=(TaxRegistration("EU_VAT", "DE", "DE123456788"),)), "MISSING_TAX_REGISTRATION"),
    ("DE", dict(taxes=(TaxRegistration("EU_VAT", "DE", "DE123546788"),)), "TAX_NUMBER_INVALID"),  # swapped
    ("DE", dict(taxes=(TaxRegistration("EU_VAT", "DE", "FR11123456782"),)), "TAX_NUMBER_INVALID"),
    ("CA", dict(taxes=(TaxRegistration("US_W8BENE", completed_on=date(2025, 3, 1)),  # CA asks for the interview too
                       TaxRegistration("CA_GST_HST", None, "123457782RT0001"))), "TAX_NUMBER_INVALID"),
    ("MX", dict(number="91440300MA5EXAMPLE"), "REGISTRATION_NUMBER_INVALID"),
    ("JP", dict(documents=()), "TRANSLATION_REQUIRED"),
], ids=["id-expiry", "us", "br", "in-with-another-scheme", "de-transposed", "de-french-number", "ca-typo",
        "uscc-typo", "jp"])
def test_preflight_failure_blocks_the_pair(code, sub, reason):
    (row,) = rows(one(entity(marketplaces=(code,), **sub)))
    assert (row.state, codes(row)) == ("blocked", [reason])


@pytest.mark.parametrize("code, sub", [
    ("DE", dict(id_expires=date(2026, 11, 28))),  # exactly 180 days left
    ("US", dict(taxes=(TaxRegistration("US_W9", completed_on=date(2024, 1, 1)),), country="US")),  # a W-9
    ("JP", dict(documents=(), country="JP")),  # a JP business needs no translation
    ("MX", dict(taxes=())),  # no certain tax requirement (warnings only)
])
def test_preflight_passes(code, sub):
    assert states(one(entity(marketplaces=(code,), **sub)), code) == ["create"]


@pytest.mark.parametrize("code, taxes", [
    ("DE", ()),
    ("DE", (TaxRegistration("EU_VAT", "FR", "FR11123456782"),)),  # VAT of another country
    ("UK", ()), ("CA", ()), ("MX", ()), ("AU", ()), ("JP", ()),
])
def test_a_tax_requirement_that_depends_is_a_warning_on_a_create(code, taxes):
    taxes += (TaxRegistration("US_W8BENE", completed_on=date(2025, 1, 1)),)  # the interview CA and MX ask for
    p = one(entity(marketplaces=(code,), taxes=taxes))
    (row,) = rows(p)
    assert (row.state, codes(row)) == ("create", ["TAX_REGISTRATION_MAY_BE_REQUIRED"])
    assert "may require tax registration" in row.reasons[0].message
    assert [c.marketplaces for c in p.entities[0].creates] == [(code,)]


def test_a_warning_follows_the_reasons_of_a_blocked_pair():
    (row,) = rows(one(entity(marketplaces=("DE",), taxes=(), id_expires=date(2026, 7, 1))))
    assert (row.state, codes(row)) == ("blocked", ["ID_EXPIRES_TOO_SOON", "TAX_REGISTRATION_MAY_BE_REQUIRED"])


def test_an_expiring_id_blocks_every_pair_of_the_entity():
    p = one(entity(marketplaces=("US", "DE", "JP"), id_expires=date(2026, 7, 1)))
    assert [r.state for r in rows(p)] == ["blocked"] * 3
    assert not p.entities[0].creates


def test_preflight_uses_the_configured_minimum_id_validity():
    e = entity(id_expires=date(2026, 8, 1))  # 61 days left
    assert states(one(e), "DE") == ["blocked"]
    assert states(one(e, policy=Policy(id_document_min_valid_days=60)), "DE") == ["create"]


@pytest.mark.parametrize("age, stale", [(0, False), (14, False), (15, True), (400, True)])
def test_pending_carries_its_age_and_is_stale_past_the_setting(age, stale):
    (row,) = rows(one(entity(), regs=(reg("DE", IN_REVIEW, age=age),)))
    assert row.age_days == age
    assert codes(row) == ([STALE_PENDING] if stale else [])


def test_stale_pending_days_is_a_setting():
    p = one(entity(), regs=(reg("DE", SUBMITTED, age=4),), policy=Policy(stale_pending_days=3))
    assert codes(rows(p)[0]) == [STALE_PENDING]
    assert needs_human(p)


@pytest.mark.parametrize("participations, regs, status", [
    (("UK",), (), None),
    ((), (reg("UK", IN_REVIEW, rid="reg-uk"),), IN_REVIEW),
    ((), (reg("UK", APPROVED, rid="reg-uk"),), APPROVED),
    ((), (reg("UK", ACTION_REQUIRED, rid="reg-uk"),), ACTION_REQUIRED),
], ids=["participation", "in-review", "approved", "action-required"])
def test_a_live_marketplace_desired_does_not_list_is_unmanaged(participations, regs, status):
    p = one(entity(), participations, regs)
    (row,) = rows(p, "UK")
    assert (row.state, row.status, codes(row)) == ("unmanaged", status, [NOT_IN_DESIRED])
    assert row.registration_id == ("reg-uk" if regs else None)
    assert needs_human(p)


def test_a_rejected_registration_outside_desired_is_not_unmanaged():
    assert rows(one(entity(), regs=(reg("UK", REJECTED),)), "UK") == []


def test_a_participation_outside_the_catalogue_is_another_channel_never_drift():
    e = entity()
    mcf = Store("A2ZV50J4W1RKNI", "Non-Amazon", "Acme")  # Multi-Channel Fulfillment's US channel
    p = run([e], [replace(seller(e), participations=frozenset({mcf.marketplace_id}), stores=(mcf,))])
    assert [r for r in rows(p) if r.state == "unmanaged"] == []
    assert p.entities[0].other_channels == (("A2ZV50J4W1RKNI", "Non-Amazon"),)


def test_an_open_registration_for_an_unknown_marketplace_is_reported_by_its_id():
    e = entity()
    unknown = replace(reg("DE", IN_REVIEW, rid="r2"), marketplace_id="AXXXUNKNOWN")
    p = run([e], [replace(seller(e), registrations=(reg("DE", IN_REVIEW, rid="r1"), unknown))])
    (row,) = [r for r in rows(p) if r.state == "unmanaged"]
    assert (row.marketplace, row.marketplace_id) == ("AXXXUNKNOWN", "AXXXUNKNOWN")


def test_unmanaged_rows_follow_catalogue_order():
    e = entity()  # desired lists DE only
    mids = {"AZZZUNKNOWN", "A1VC38T7YXB528", "AAAAUNKNOWN", "ATVPDKIKX0DER", "A1F83G8C2ARO7P"}  # JP, US, UK
    p = run([e], [replace(seller(e), participations=frozenset(mids))])
    assert [r.marketplace for r in rows(p) if r.state == "unmanaged"] == ["US", "UK", "JP"]


def test_a_region_the_seller_has_not_authorized_makes_its_pairs_unauthorized_and_the_rest_go_on():
    e = entity(marketplaces=("US", "DE", "JP"))
    why = ("getMarketplaceParticipations for seller X in FE: 403 Unauthorized: …: "
           "authorize the app in FE's Seller Central")
    p = run([e], [replace(seller(e), participations=frozenset({"ATVPDKIKX0DER"}), unauthorized=(("FE", why),))])
    assert [(r.marketplace, r.state) for r in rows(p)] == [("US", "live"), ("DE", "create"), ("JP", "unauthorized")]
    (jp,) = rows(p, "JP")
    assert [(r.code, r.message) for r in jp.reasons] == [("REGION_NOT_AUTHORIZED", why)]
    assert p.entities[0].creates[0].marketplaces == ("DE",)  # nothing is created where nothing was read
    assert p.summary.unauthorized == 1 and p.summary.line().endswith("1 unauthorized.")
    assert entity_errors(p) == (f"{e.name} FE: not read: the seller has not authorized this application in FE "
                                "(see its unauthorized pairs)",)  # the run exits 1


def test_suspended_listings_are_a_warning_on_their_live_pair_and_the_store_name_is_kept():
    e = entity()
    store = Store(catalogue.by_code("DE").marketplace_id, "Amazon.de", "Acme Store", suspended_listings=True)
    p = run([e], [replace(seller(e), participations=frozenset({store.marketplace_id}), stores=(store,))])
    (de,) = rows(p, "DE")
    assert (de.state, de.store_name, codes(de)) == ("live", "Acme Store", ["SUSPENDED_LISTINGS"])
    # sellers.json: "True if the seller Listing Status is set to Inactive": not account health
    assert "Listing Status is set to Inactive" in de.reasons[0].message
    assert "Account Health" not in de.reasons[0].message


@pytest.mark.parametrize("status, main", [(IN_REVIEW, "pending"), (APPROVED, "live"),
                                          (ACTION_REQUIRED, "attention")])
def test_a_changed_legal_name_adds_a_drifted_row_after_the_main_one(status, main):
    p = one(entity(), regs=(reg("DE", status, name="Acme Trading Company", rid="reg-1"),))
    assert states(p, "DE") == [main, "drifted"]
    drifted = rows(p, "DE")[1]
    assert drifted.drift == (FieldDiff("legalEntityName", "Acme Trading Company", "Acme Trading Co., Ltd."),)
    assert (drifted.registration_id, drifted.status, codes(drifted)) == ("reg-1", status, [FIELD_DRIFT])
    assert "legalEntityName: 'Acme Trading Company' -> 'Acme Trading Co., Ltd.'" in drifted.reasons[0].message
    assert needs_human(p)


@pytest.mark.parametrize("regs", [
    (reg("DE", APPROVED),),  # same name
    (reg("DE", REJECTED, name="Old Name", sub=OLD),),  # a rejected registration is not live
    (),
])
def test_no_drift_without_a_differing_live_registration(regs):
    assert "drifted" not in states(one(entity(), regs=regs), "DE")


def test_drift_reads_the_latest_registration_that_is_not_rejected():
    regs = (reg("DE", APPROVED, age=90, name="Old Name"), reg("DE", REJECTED, age=5, name="Acme Trading Co., Ltd."))
    assert states(one(entity(), regs=regs), "DE") == ["live", "drifted"]


@pytest.mark.parametrize("participations, regs, sub, state, reason_codes", [
    # live beats everything
    (("DE",), (reg("DE", ACTION_REQUIRED),), {}, "live", []),
    ((), (reg("DE", APPROVED, age=9), reg("DE", REJECTED, age=2)), {}, "live", []),
    # pending and attention beat preflight: it only matters if we would create
    ((), (reg("DE", IN_REVIEW),), dict(taxes=()), "pending", []),
    ((), (reg("DE", ACTION_REQUIRED, reasons=BAD),), dict(taxes=()), "attention", ["DOCUMENT_UNREADABLE"]),
    # pending beats attention (the API allows one open registration; if it lies, never create)
    ((), (reg("DE", ACTION_REQUIRED, age=9), reg("DE", IN_REVIEW, age=2)), {}, "pending", []),
    # preflight and rejected-unchanged both block; both show, the API's duplicate code once
    ((), (reg("US", REJECTED, sub=submission(taxes=()), reasons=(Reason("MISSING_TAX_REGISTRATION", "api"),)),),
     dict(taxes=(), marketplaces=("US",)), "blocked", ["MISSING_TAX_REGISTRATION", REJECTED_UNCHANGED]),
    # preflight blocks a rejected-then-changed pair that still fails
    ((), (reg("US", REJECTED, sub=OLD),), dict(taxes=(), legal_name="Acme Trading Ltd", marketplaces=("US",)),
     "blocked", ["MISSING_TAX_REGISTRATION"]),
    # the latest registration decides between blocked and create
    ((), (reg("DE", REJECTED, age=9), reg("DE", REJECTED, age=2, sub=OLD)), {}, "create", [REJECTED_CHANGED]),
    ((), (reg("DE", REJECTED, age=9, sub=OLD), reg("DE", REJECTED, age=2)), {}, "blocked", [REJECTED_UNCHANGED]),
], ids=["participation>attention", "approved>later-rejected", "pending>preflight", "attention>preflight",
        "pending>attention", "preflight+rejected-unchanged", "preflight>rejected-changed",
        "latest-rejected-changed", "latest-rejected-unchanged"])
def test_precedence(participations, regs, sub, state, reason_codes):
    (row,) = [r for r in rows(one(entity(**sub), participations, regs)) if r.state != "drifted"]
    assert (row.state, codes(row)) == (state, reason_codes)


def test_an_entity_whose_seller_could_not_be_read_has_an_error_and_no_pairs():
    a, b = entity("a"), entity("b")
    p = run([a, b], [seller(a, error="credentials missing: TOKEN is not set"), seller(b)])
    assert (p.entities[0].error, p.entities[0].pairs, p.entities[0].creates) == (
        "credentials missing: TOKEN is not set", (), ())
    assert states(p, "DE") == ["create"]  # the other entity is still planned
    assert (p.summary.errors, p.summary.create) == (1, 1)


def test_an_entity_missing_from_the_live_state_is_an_error_not_a_create():
    p = run([entity()], [])
    assert "was not read" in p.entities[0].error
    assert not has_creates(p)


@pytest.mark.parametrize("participations, regs, creates, drift", [
    ((), (), True, False),
    (("DE",), (), False, False),
    ((), (reg("DE", IN_REVIEW),), False, False),
    ((), (reg("DE", IN_REVIEW, age=30),), False, True),
    ((), (reg("DE", ACTION_REQUIRED),), False, True),
    ((), (reg("DE", REJECTED),), False, True),
    (("DE", "FR"), (), False, True),
])
def test_exit_code_predicates(participations, regs, creates, drift):
    p = one(entity(), participations, regs)
    assert (has_creates(p), needs_human(p)) == (creates, drift)


def test_summary_counts_rows_by_state():
    e = entity(marketplaces=("US", "CA", "UK", "DE", "FR", "JP"), documents=())
    regs = (reg("CA", APPROVED), reg("UK", IN_REVIEW, name="Other"), reg("DE", ACTION_REQUIRED))
    s = one(e, ("US", "IT"), regs).summary
    assert (s.create, s.pending, s.attention, s.blocked, s.live, s.unmanaged, s.drifted, s.errors) == (
        1, 1, 1, 1, 2, 1, 1, 0)
    assert s.line() == ("Plan: 1 to create, 1 pending, 1 attention, 1 blocked, 2 live, 1 unmanaged, 1 drifted, "
                        "0 unreadable.")


def test_today_decides_ages_not_the_clock():
    r = reg("DE", IN_REVIEW, age=3)
    assert rows(one(entity(), regs=(r,), today=date(2026, 7, 1)))[0].age_days == 33
    assert rows(one(entity(), regs=(r,), today=TODAY))[0].age_days == 3


@pytest.mark.parametrize("enabled", [True, False])
def test_plan_leaves_the_garbage_collector_as_it_found_it(enabled):
    import gc
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        one(entity())
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
