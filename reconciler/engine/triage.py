"""Triage: what in a plan needs a human, grouped by reason, each group with the action to take.

`triage(plan, ...)` is pure. Its inputs beyond the plan are passed in by the CLI: when each
desired create first appeared (`first_seen`, from git or from `.acorn/`), the time to judge
by (`now`, the sandbox's clock against a sandbox), how long a create may wait unapplied,
and each entity's labels (for `--group-by label:KEY`).

What needs a human: an entity whose seller could not be read; a region it has not
authorized the application in (`unauthorized`); every reason of an
`attention` or `blocked` pair; a `STALE_PENDING` pair; `unmanaged` and `drifted` rows; and a
`create` older than `unapplied_create_days` (UNAPPLIED_CREATE). A younger create is not drift:
apply simply has not run yet. A create whose first appearance is unknown counts from `now`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ..domain.timestamps import utc_timestamp
from .plan import (
    ADVISORY,
    ATTENTION,
    BLOCKED,
    CREATE,
    DRIFTED,
    PENDING,
    REGION_NOT_AUTHORIZED,
    STALE_PENDING,
    UNAUTHORIZED,
    UNMANAGED,
    EntityPlan,
    Pair,
    Plan,
)

UNAPPLIED_CREATE = "UNAPPLIED_CREATE"  # a desired create not applied within unappliedCreateDays
UNREADABLE = "UNREADABLE"              # the seller's live state could not be read
ACTION_REQUIRED = "ACTION_REQUIRED"    # an attention pair whose registration gave no reason

# What to do, per reason code; a pair in `attention` is answered in Seller Central whatever its code.
ACTIONS = {
    UNREADABLE: "check the entity's credentials (credentials.refreshToken) and the endpoint, then re-run",
    UNAPPLIED_CREATE: "run `acorn apply` (or find out why the apply workflow did not), or remove the "
                      "marketplace from desired",
    STALE_PENDING: "check the registration in Seller Central; raise stalePendingDays if that marketplace is slow",
    "NOT_IN_DESIRED": "add the marketplace to desired, or accept it (acorn never withdraws)",
    "FIELD_DRIFT": "decide which is right: fix desired, or the registration in Seller Central "
                   "(acorn never edits a registration)",
    "MISSING_TAX_REGISTRATION": "add the taxRegistrations item the marketplace's scheme needs",
    "TAX_INTERVIEW_INVALID": "take the U.S. tax interview again (a W-8BEN-E is valid through Dec 31 of the third "
                             "year after signing) and write the day it was signed as completedOn",
    "TAX_NUMBER_INVALID": "correct the tax number (`acorn validate` names its line); a swapped or mistyped "
                          "digit, usually",
    "REGISTRATION_NUMBER_INVALID": "correct businessRegistration.number (`acorn validate` names its line)",
    "ID_EXPIRES_TOO_SOON": "renew the representative's ID; update legalRepresentative.idDocument.expiresOn",
    "TRANSLATION_REQUIRED": "add a documents item {kind: translation, of: businessRegistration, language: ja, "
                            "uri, sha256}",
    "LEGAL_NAME_MISMATCH": "write legalEntityName exactly as the seller account has it (or correct the account)",
    "RELATED_ACCOUNT": "wait for the linked store's review or contact Selling Partner Support",
    "DOCUMENT_UNREADABLE": "replace the scan in your document store; update its uri and sha256",
    "REJECTED_UNCHANGED": "fix the reasons listed with the rejection; any change to the submission lets "
                          "apply resubmit",
    REGION_NOT_AUTHORIZED: "the seller authorizes the app in that region's Seller Central; store the new "
                           "refresh token as credentials.refreshToken.REGION",
    "REGISTRATION_COUNTRY_MISMATCH": "write businessRegistration.country as the seller account has it "
                                     "(or correct the account)",
    "REGISTRATION_NUMBER_MISMATCH": "write businessRegistration.number as the seller account has it "
                                    "(or correct the account)",
    "AUTHORIZATION_EXPIRED": "the seller re-authorizes the app in that region's Seller Central; store the new "
                             "refresh token and set its authorizedOn",
    "SUSPENDED_LISTINGS": "the seller's Listing Status is Inactive there: reactivate the listings in Seller Central",
}
ATTENTION_ACTION = ("answer the marketplace in Seller Central for this registration "
                    "(apply cannot: the registration is open)")
DEFAULT_ACTION = "see the README's troubleshooting table for this reason code"


@dataclass(frozen=True)
class Finding:
    """One thing a human must look at: a pair (or an unreadable entity) and why."""

    entity: str
    seller_id: str
    marketplace: str | None  # None: the whole entity (its seller could not be read)
    registration_id: str | None
    message: str


@dataclass(frozen=True)
class Group:
    """The findings of one reason code in one state, and what to do about them."""

    code: str
    state: str  # the plan state of the pairs ("error" for unreadable sellers)
    action: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Section:
    """The report for one value of --group-by (`label` None: no grouping, or the label unset)."""

    label: str | None  # `team=emea`
    groups: tuple[Group, ...]

    @property
    def count(self) -> int:
        return sum(len(g.findings) for g in self.groups)


@dataclass(frozen=True)
class Triage:
    environment: str
    generated_at: datetime
    group_by: str | None  # the label key, if the report is split
    sections: tuple[Section, ...]
    waiting_creates: int  # creates younger than the setting: not drift
    unapplied_create_days: int

    @property
    def count(self) -> int:
        return sum(s.count for s in self.sections)

    def line(self) -> str:
        """The one-line summary."""
        waiting = (f"; {self.waiting_creates} create{'s' * (self.waiting_creates != 1)} younger than "
                   f"{self.unapplied_create_days} days not counted") if self.waiting_creates else ""
        if not self.count:
            return f"Drift: nothing needs a human{waiting}."
        codes = {(g.code, g.state) for s in self.sections for g in s.groups}
        entities = {f.entity for s in self.sections for g in s.groups for f in g.findings}
        return (f"Drift: {self.count} finding{'s' * (self.count != 1)} need{'s' * (self.count == 1)} a human, "
                f"{len(codes)} reason{'s' * (len(codes) != 1)}, {len(entities)} "
                f"entit{'y' if len(entities) == 1 else 'ies'}{waiting}.")


def action_for(code: str, state: str) -> str:
    if state == ATTENTION:
        return ATTENTION_ACTION
    return ACTIONS.get(code, DEFAULT_ACTION)


def triage(plan: Plan, *, now: datetime, first_seen: Mapping[tuple[str, str], datetime],  # noqa: C901  one branch per finding kind, in report order
           unapplied_create_days: int, labels: Mapping[str, Mapping[str, str]] | None = None,
           group_by: str | None = None) -> Triage:
    """The plan's findings by reason; `first_seen` maps (entity, marketplace) to when the
    create first appeared; `group_by` is a label key splitting the report."""
    found: dict[str | None, dict[tuple[str, str], list[Finding]]] = {}
    waiting = 0
    for e in plan.entities:
        label = None
        if group_by is not None:
            value = (labels or {}).get(e.name, {}).get(group_by)
            label = f"{group_by}={value}" if value is not None else None
        mine = found.setdefault(label, {})

        def add(code: str, state: str, finding: Finding, mine: dict[tuple[str, str], list[Finding]] = mine) -> None:
            mine.setdefault((code, state), []).append(finding)

        if e.error is not None:
            add(UNREADABLE, "error", Finding(e.name, e.seller_id, None, None, e.error))
            continue
        for p in e.pairs:
            def finding(message: str, e: EntityPlan = e, p: Pair = p) -> Finding:
                return Finding(e.name, e.seller_id, p.marketplace, p.registration_id, message)

            if p.state in (ATTENTION, BLOCKED):
                for r in p.reasons or ():
                    if r.code not in ADVISORY:  # the pair's blocking reasons say what to fix
                        add(r.code, p.state, finding(r.message))
                if not p.reasons:
                    add(ACTION_REQUIRED, p.state, finding(f"{p.status or p.state}, no reason given"))
            elif p.state in (UNMANAGED, DRIFTED, UNAUTHORIZED):
                for r in p.reasons:
                    add(r.code, p.state, finding(r.message))
            elif p.state == PENDING:
                for r in p.reasons:
                    if r.code == STALE_PENDING:
                        add(r.code, p.state, finding(r.message))
            elif p.state == CREATE:
                since = first_seen.get((e.name, p.marketplace), now)
                age = (now - since).total_seconds() / 86400
                if age > unapplied_create_days:
                    add(UNAPPLIED_CREATE, p.state, finding(
                        f"desired since {utc_timestamp(since)} ({int(age)} days), "
                        f"not applied; more than unappliedCreateDays ({unapplied_create_days})"))
                else:
                    waiting += 1
    sections = []
    for label in sorted(found, key=lambda k: (k is None, k or "")):
        groups = tuple(Group(code, state, action_for(code, state), tuple(fs))
                       for (code, state), fs in sorted(found[label].items(), key=_group_order))
        if groups or group_by is None:
            sections.append(Section(label, groups))
    return Triage(plan.environment, plan.generated_at, group_by, tuple(sections), waiting, unapplied_create_days)


# Most urgent first: what cannot even be read, what the marketplace asks, what blocks, then the rest.
_STATE_ORDER = {"error": 0, UNAUTHORIZED: 1, ATTENTION: 2, BLOCKED: 3, PENDING: 4, CREATE: 5, DRIFTED: 6,
                UNMANAGED: 7}


def _group_order(item: tuple[tuple[str, str], list[Finding]]) -> tuple[int, str]:
    (code, state), _ = item
    return _STATE_ORDER.get(state, 9), code
