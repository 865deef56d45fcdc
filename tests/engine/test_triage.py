"""Triage: only what needs a human, grouped by reason with its action; creates count once they
wait longer than unappliedCreateDays; --group-by splits the report."""

from __future__ import annotations

from datetime import timedelta

from reconciler.engine.triage import UNAPPLIED_CREATE, UNREADABLE, triage
from tests.engine.plan_builders import NOW, sample_plan

PLAN = sample_plan()
LABELS = {"acme-sz": {"team": "apac"}, "nordlicht-de": {"team": "emea"}, "maple-ca": {"team": "amer"}}


def groups(t):
    return {(g.code, g.state): [(f.entity, f.marketplace) for f in g.findings] for s in t.sections for g in s.groups}


def test_only_what_needs_a_human_grouped_by_reason_with_an_action() -> None:
    t = triage(PLAN, now=NOW, first_seen={}, unapplied_create_days=2)
    found = groups(t)
    assert found == {
        (UNREADABLE, "error"): [("sakura-jp", None)],
        ("DOCUMENT_UNREADABLE", "attention"): [("nordlicht-de", "IT")],
        ("ID_EXPIRES_TOO_SOON", "blocked"): [("maple-ca", "US"), ("maple-ca", "CA")],
        ("TAX_NUMBER_INVALID", "blocked"): [("maple-ca", "US"), ("maple-ca", "CA")],
        ("REJECTED_UNCHANGED", "blocked"): [("acme-sz", "JP")],
        ("RELATED_ACCOUNT", "blocked"): [("acme-sz", "JP")],
        ("STALE_PENDING", "pending"): [("nordlicht-de", "FR")],
        ("FIELD_DRIFT", "drifted"): [("nordlicht-de", "FR")],
        ("NOT_IN_DESIRED", "unmanaged"): [("nordlicht-de", "NL"), ("nordlicht-de", "SE")],
    }
    assert all(g.action for s in t.sections for g in s.groups)
    attention = next(g for s in t.sections for g in s.groups if g.state == "attention")
    assert "Seller Central" in attention.action
    # live rows, a young pending pair and fresh creates are not drift
    everything = [pair for pairs in found.values() for pair in pairs]
    assert ("acme-sz", "US") not in everything and ("nordlicht-de", "DE") not in everything
    assert t.waiting_creates == 4 and t.line().endswith("4 creates younger than 2 days not counted.")


def test_a_create_counts_once_it_waits_longer_than_the_setting() -> None:
    first_seen = {("acme-sz", "CA"): NOW - timedelta(days=3), ("acme-sz", "DE"): NOW - timedelta(days=1),
                  ("nordlicht-de", "UK"): NOW - timedelta(days=2)}
    t = triage(PLAN, now=NOW, first_seen=first_seen, unapplied_create_days=2)
    assert groups(t)[(UNAPPLIED_CREATE, "create")] == [("acme-sz", "CA")]
    assert t.waiting_creates == 3
    loose = triage(PLAN, now=NOW, first_seen=first_seen, unapplied_create_days=5)
    assert (UNAPPLIED_CREATE, "create") not in groups(loose)


def test_the_clock_is_the_one_passed_in() -> None:
    first_seen = {("acme-sz", "CA"): NOW}
    later = triage(PLAN, now=NOW + timedelta(days=3), first_seen=first_seen, unapplied_create_days=2)
    assert groups(later)[(UNAPPLIED_CREATE, "create")] == [("acme-sz", "CA")]


def test_group_by_splits_the_report_per_label_value() -> None:
    t = triage(PLAN, now=NOW, first_seen={}, unapplied_create_days=2, labels=LABELS, group_by="team")
    assert [s.label for s in t.sections] == ["team=amer", "team=apac", "team=emea", None]
    by = {s.label: {f.entity for g in s.groups for f in g.findings} for s in t.sections}
    assert by == {"team=amer": {"maple-ca"}, "team=apac": {"acme-sz"}, "team=emea": {"nordlicht-de"},
                  None: {"sakura-jp"}}
    assert t.count == triage(PLAN, now=NOW, first_seen={}, unapplied_create_days=2).count


def test_nothing_to_do_says_so() -> None:
    from dataclasses import replace

    calm = replace(PLAN, entities=())
    t = triage(calm, now=NOW, first_seen={}, unapplied_create_days=2)
    assert t.count == 0 and t.line() == "Drift: nothing needs a human."


def test_the_summary_line_speaks_of_one_as_one() -> None:
    from dataclasses import replace

    only_sakura = replace(PLAN, entities=tuple(e for e in PLAN.entities if e.name == "sakura-jp"))
    one_create = replace(PLAN, entities=tuple(e for e in PLAN.entities if e.name in ("sakura-jp", "nordlicht-de")))
    t = triage(only_sakura, now=NOW, first_seen={}, unapplied_create_days=2)
    assert t.line() == "Drift: 1 finding needs a human, 1 reason, 1 entity."
    t = triage(one_create, now=NOW, first_seen={}, unapplied_create_days=2)
    # sakura's unreadable seller; nordlicht's IT, FR twice (stale, drifted), NL and SE: 5 reasons; UK waits
    assert t.line() == ("Drift: 6 findings need a human, 5 reasons, 2 entities; "
                        "1 create younger than 2 days not counted.")


def test_groups_come_by_state_then_reason_and_an_unknown_reason_still_has_an_action() -> None:
    from dataclasses import replace

    from reconciler.domain.model import Reason
    from reconciler.engine.triage import DEFAULT_ACTION

    t = triage(PLAN, now=NOW, first_seen={}, unapplied_create_days=2)
    assert [s.label for s in t.sections] == [None]
    assert [(g.state, g.code) for s in t.sections for g in s.groups] == [
        ("error", UNREADABLE), ("attention", "DOCUMENT_UNREADABLE"), ("blocked", "ID_EXPIRES_TOO_SOON"),
        ("blocked", "REJECTED_UNCHANGED"), ("blocked", "RELATED_ACCOUNT"), ("blocked", "TAX_NUMBER_INVALID"),
        ("pending", "STALE_PENDING"), ("drifted", "FIELD_DRIFT"), ("unmanaged", "NOT_IN_DESIRED")]
    maple = next(e for e in PLAN.entities if e.name == "maple-ca")
    odd = replace(maple, pairs=tuple(replace(p, reasons=(Reason("SOMETHING_NEW", "a reason acorn has no action for"),))
                                     for p in maple.pairs))
    t = triage(replace(PLAN, entities=(odd,)), now=NOW, first_seen={}, unapplied_create_days=2)
    (group,) = [g for s in t.sections for g in s.groups]
    assert (group.code, group.action) == ("SOMETHING_NEW", DEFAULT_ACTION)


def test_a_finding_names_the_seller_the_registration_and_what_was_said() -> None:
    from reconciler.engine.triage import Finding

    t = triage(PLAN, now=NOW, first_seen={}, unapplied_create_days=2)
    found = {g.code: g.findings for s in t.sections for g in s.groups}
    assert found[UNREADABLE] == (Finding("sakura-jp", "A2SAKURA00JP", None, None,
                                         "credentials missing: ACORN_SAKURA_JP_REFRESH_TOKEN is not set"),)
    unreadable = "tax number *******6788 and registration *****3456 | <unreadable>"
    assert found["DOCUMENT_UNREADABLE"] == (Finding("nordlicht-de", "A1NORDLICHT0DE", "IT", "R-IT-1", unreadable),)
    assert found["NOT_IN_DESIRED"] == (
        Finding("nordlicht-de", "A1NORDLICHT0DE", "NL", "R-NL-1",
                "registration R-NL-1 is IN_REVIEW for NL, which desired does not list"),
        Finding("nordlicht-de", "A1NORDLICHT0DE", "SE", None,
                "the seller participates in SE, which desired does not list"))
    assert (t.environment, t.generated_at, t.group_by) == ("sandbox", PLAN.generated_at, None)
