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
