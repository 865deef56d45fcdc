"""Account preflight in the plan (getAccount against desired), through `plan()`: a region whose
account could not be read warns on its creates and only on them; an account that differs blocks
every create, and a create it blocks no longer says it will be "sent again"."""

from __future__ import annotations

from dataclasses import replace

from reconciler.domain.live import REJECTED, Account, AccountRead, SellerLive
from reconciler.domain.policy import Policy
from reconciler.engine.plan import BLOCKED, CREATE, draft_entity
from tests.engine.plan_builders import TODAY, codes, entity, reg, rows, run, submission

ACME = entity(marketplaces=("US", "DE", "FR"))
SAME = Account("Acme Trading Co., Ltd.", registration_country="CN", registration_number="91440300MA5EXAMPLA")


def read(e, *accounts: AccountRead, regs=()) -> SellerLive:
    """The seller as the client reads it: no participation, `regs`, getAccount per region."""
    return SellerLive(e.seller_id, registrations=tuple(regs), accounts=tuple(accounts))


def test_an_account_that_could_not_be_read_warns_on_that_regions_creates_only():
    p = run([ACME], [read(ACME, AccountRead("NA", SAME), AccountRead("EU", unavailable="getAccount answered 503"))])
    assert [(x.marketplace, x.state) for x in rows(p)] == [("US", CREATE), ("DE", CREATE), ("FR", CREATE)]
    us, de, fr = rows(p)
    assert codes(us) == []  # its region's account was read and matches
    for pair in (de, fr):
        assert pair.reasons[-1].code == "ACCOUNT_NOT_CHECKED"
        assert pair.reasons[-1].message == "getAccount answered 503"
    assert [c.region for c in p.entities[0].creates] == ["NA", "EU"]  # a warning, never a block


def test_an_account_read_without_a_word_on_why_still_warns():
    p = run([ACME], [read(ACME, AccountRead("EU"))])
    de = rows(p, "DE")[0]
    assert (de.state, de.reasons[-1].code, de.reasons[-1].message) == (CREATE, "ACCOUNT_NOT_CHECKED", "not read")


def test_an_account_that_differs_blocks_every_create_with_the_field():
    other = replace(SAME, legal_name="Acme Holdings Ltd.")
    p = run([ACME], [read(ACME, AccountRead("NA", other), AccountRead("EU", SAME))])
    assert {x.state for x in rows(p)} == {BLOCKED}
    assert all(codes(x) == ["LEGAL_NAME_MISMATCH"] for x in rows(p))
    assert [(d.field, d.live, d.desired) for d in rows(p, "DE")[0].drift] == [
        ("legalEntityName", "Acme Holdings Ltd.", "Acme Trading Co., Ltd.")]
    assert p.entities[0].creates == ()


def test_a_create_the_account_blocks_is_not_sent_again():
    e = entity(marketplaces=("DE",))
    before = reg("DE", REJECTED, age=10, sub=submission(legal_name="Acme Old Name Ltd."))
    unblocked = run([e], [read(e, AccountRead("EU", SAME), regs=(before,))])
    (de,) = rows(unblocked)
    assert (de.state, codes(de)) == (CREATE, ["REJECTED_CHANGED"])  # what the account check takes back
    blocked = run([e], [read(e, AccountRead("EU", replace(SAME, registration_country="HK")), regs=(before,))])
    (de,) = rows(blocked)
    assert (de.state, codes(de)) == (BLOCKED, ["REGISTRATION_COUNTRY_MISMATCH"])
    assert not any("sent again" in r.message for r in de.reasons)


def test_accounts_are_read_once_per_region_of_a_create_and_never_for_a_seller_not_read():
    de, us, unread, failed = (entity("de-one", ("DE", "FR")), entity("us-one", ("US",)), entity("unread", ("DE",)),
                              entity("failed", ("DE",)))
    live = {e.seller_id: SellerLive(e.seller_id) for e in (de, us)}
    live[failed.seller_id] = SellerLive(failed.seller_id, error="no refresh token")
    wanted = [(e.name, region) for e in (de, us, unread, failed)
              for region in draft_entity(e, live.get(e.seller_id), TODAY, Policy()).regions]
    assert wanted == [("de-one", "EU"), ("us-one", "NA")]


def test_every_field_that_differs_blocks_with_its_region_after_a_region_that_was_not_read():
    other = replace(SAME, legal_name="Acme Holdings Ltd.", registration_country="HK")
    p = run([ACME], [read(ACME, AccountRead("NA", unavailable="not offered"), AccountRead("EU", other))])
    assert {x.state for x in rows(p)} == {BLOCKED}
    us = rows(p, "US")[0]
    assert codes(us) == ["LEGAL_NAME_MISMATCH", "REGISTRATION_COUNTRY_MISMATCH"]
    assert us.reasons[0].message.startswith("legalEntityName 'Acme Trading Co., Ltd.' differs from ")
    assert "(getAccount in EU): write it exactly as the account has it" in us.reasons[0].message
    assert [d.field for d in us.drift] == ["legalEntityName", "businessRegistration.country"]


def test_why_an_account_could_not_be_read_is_masked_like_any_server_text():
    p = run([ACME], [read(ACME, AccountRead("EU", unavailable="getAccount: 91440300MA5EXAMPLA is unknown"))])
    assert rows(p, "DE")[0].reasons[-1].message == "getAccount: **************MPLA is unknown"
