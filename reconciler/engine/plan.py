"""The plan: what acorn would do for every (entity, marketplace) pair, as data, and the pure engine
(semantics: docs/plan.md).

`plan(desired, live, today, policy, now, environment)` reads nothing and writes nothing: the live state
is fetched before it and rendered or applied after it. For a desired pair the state is the
first of these that applies (the spec's table, in this precedence):

    live       the seller participates, or a registration is APPROVED
    pending    a registration is SUBMITTED or IN_REVIEW (STALE_PENDING past stalePendingDays)
    attention  a registration is ACTION_REQUIRED
    blocked    preflight fails (only asked when we would otherwise create), or the latest
               registration is REJECTED with the same submissionDigest (REJECTED_UNCHANGED)
    create     otherwise (REJECTED_CHANGED notes a resubmission after a rejection)

A pair in a region the seller has not authorized the app in (SP-API's 403, or LWA refusing
that region's refresh token) is `unauthorized`, before all of the above: nothing of that
region could be read. Participations in marketplaces outside the catalogue (non-Amazon
channels such as Multi-Channel Fulfillment) are never drift: they are listed as the
entity's `other_channels`. `hasSuspendedListings` adds a SUSPENDED_LISTINGS warning to its
pair, and a participating store's `storeName` is kept on its pair.
A create or blocked row also carries preflight's warnings after its reasons
(TAX_REGISTRATION_MAY_BE_REQUIRED): a warning never blocks a create.

The API refuses a create while an open registration exists, so a marketplace has at most one
registration that is not REJECTED and it is the latest one; when live data breaks that rule
anyway the precedence above still never proposes a create the API would refuse.

Outside the table for desired pairs, each seller also gets `unmanaged` rows (it participates
in, or has a non-REJECTED registration for, a marketplace desired does not list) and
`drifted` rows: an echoed field of a desired pair's latest non-REJECTED registration
(legalEntityName) differs from desired. A drifted row is an extra row for the same
marketplace, after the pair's main row, so rows stay unique per (entity, marketplace, state).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from enum import StrEnum

from ..desired import account_check, preflight, verdict
from ..domain import catalogue
from ..domain.gcpause import paused_gc
from ..domain.live import (
    ACTION_REQUIRED,
    APPROVED,
    IN_REVIEW,
    REJECTED,
    SUBMITTED,
    AccountRead,
    LiveRegistration,
    SellerLive,
    Store,
)
from ..domain.masking import mask_all, mask_reasons, sensitive_values
from ..domain.model import DesiredState, Entity, Reason
from ..domain.policy import Policy
from ..domain.submission import client_token, submission_digest


class PlanState(StrEnum):
    """The state of a plan row, in the summary line's order."""

    CREATE = "create"
    PENDING = "pending"
    ATTENTION = "attention"
    BLOCKED = "blocked"
    LIVE = "live"
    UNMANAGED = "unmanaged"
    DRIFTED = "drifted"
    UNAUTHORIZED = "unauthorized"


CREATE, PENDING, ATTENTION, BLOCKED, LIVE, UNMANAGED, DRIFTED, UNAUTHORIZED = PlanState
STATES = tuple(PlanState)

# Reason codes the plan adds to the API's and preflight's own.
REJECTED_UNCHANGED = "REJECTED_UNCHANGED"  # blocked: rejected, and the submission is the same
REJECTED_CHANGED = "REJECTED_CHANGED"      # create: rejected before, the submission changed since
STALE_PENDING = "STALE_PENDING"            # pending for more than stalePendingDays
NOT_IN_DESIRED = "NOT_IN_DESIRED"          # unmanaged: live, but desired does not list it
FIELD_DRIFT = "FIELD_DRIFT"                # drifted: one per differing field
REGION_NOT_AUTHORIZED = "REGION_NOT_AUTHORIZED"  # unauthorized: the seller has not authorized the app there
SUSPENDED_LISTINGS = "SUSPENDED_LISTINGS"  # a warning on a live pair: hasSuspendedListings
# A pair's reasons that never block it (preflight's warnings and the plan's own), said once for
# every view that must tell them from blocks: the PR check, SARIF and the review, triage.
ADVISORY = preflight.WARNINGS | {account_check.ACCOUNT_NOT_CHECKED, SUSPENDED_LISTINGS}

# Fields a registration echoes, as (wire name, Submission attribute, LiveRegistration attribute).
ECHOED_FIELDS = (("legalEntityName", "legal_entity_name", "legal_entity_name"),)


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """One echoed field whose live value differs from desired."""

    field: str
    live: str
    desired: str

    def __str__(self) -> str:
        return f"{self.field}: {self.live!r} -> {self.desired!r}"


@dataclass(frozen=True, slots=True)
class Pair:
    """One row of the plan: a marketplace of an entity and its state."""

    marketplace: str  # catalogue code; the raw ID for a marketplace the catalogue does not know
    marketplace_id: str
    state: PlanState
    registration_id: str | None = None  # the registration the state was decided by, if any
    status: str | None = None
    reasons: tuple[Reason, ...] = ()
    age_days: int | None = None  # pending only: days since the registration was created
    drift: tuple[FieldDiff, ...] = ()  # drifted; blocked by account preflight (account -> desired)
    store_name: str | None = None  # the Sellers API's storeName of a participating store
    acknowledged: tuple[Reason, ...] = ()  # warnings the entity acknowledges: (code, the acknowledgement's reason)


@dataclass(frozen=True, slots=True)
class CreateGroup:
    """One CreateRegistration: an entity's create marketplaces of one region."""

    region: str
    marketplaces: tuple[str, ...]  # codes, catalogue order
    marketplace_ids: tuple[str, ...]  # same order
    client_token: str
    submission_digest: str


@dataclass(frozen=True, slots=True)
class EntityPlan:
    name: str
    seller_id: str
    pairs: tuple[Pair, ...] = ()
    creates: tuple[CreateGroup, ...] = ()
    error: str | None = None  # the seller could not be read (then there are no pairs)
    other_channels: tuple[tuple[str, str], ...] = ()  # (marketplace id, name): outside the catalogue, never drift
    errors: tuple[Reason, ...] = ()  # the verdict's errors (validate fails on them): they block every create
    stale: tuple[Reason, ...] = ()  # acknowledgements whose warning is no longer raised


@dataclass(frozen=True)
class Summary:
    create: int = 0
    pending: int = 0
    attention: int = 0
    blocked: int = 0
    live: int = 0
    unmanaged: int = 0
    drifted: int = 0
    unauthorized: int = 0
    errors: int = 0  # entities whose seller could not be read

    @classmethod
    def of(cls, entities: tuple[EntityPlan, ...]) -> Summary:
        counts = dict.fromkeys(STATES, 0)
        for e in entities:
            for p in e.pairs:
                counts[p.state] += 1
        return cls(**counts, errors=sum(1 for e in entities if e.error is not None))

    def line(self) -> str:
        return (f"Plan: {self.create} to create, {self.pending} pending, {self.attention} attention, "
                f"{self.blocked} blocked, {self.live} live, {self.unmanaged} unmanaged, "
                f"{self.drifted} drifted, {self.errors} unreadable"
                + (f", {self.unauthorized} unauthorized." if self.unauthorized else "."))


@dataclass(frozen=True)
class Plan:
    environment: str
    generated_at: datetime  # timezone-aware
    desired_digest: str
    entities: tuple[EntityPlan, ...]
    summary: Summary = field(init=False, repr=False)  # always derived from entities

    def __post_init__(self) -> None:
        object.__setattr__(self, "summary", Summary.of(self.entities))


def entity_errors(plan: Plan) -> tuple[str, ...]:
    """`name: error` for each entity whose seller could not be read, and `name REGION: why` for
    each region of an entity that could not be read (unauthorized): apply exits 1 for them."""
    return unreadable_entities(plan) + unauthorized_regions(plan)


def unreadable_entities(plan: Plan) -> tuple[str, ...]:
    """`name: error` for each entity whose seller could not be read: plan and status exit 1."""
    return tuple(f"{e.name}: {e.error}" for e in plan.entities if e.error is not None)


def unauthorized_regions(plan: Plan) -> tuple[str, ...]:
    """`name REGION: why` for each region an entity's seller has not authorized the application
    in. Its pairs are planned as `unauthorized` (a state, like blocked): plan and status warn,
    drift reports it as needing a human, apply counts it as an error."""
    out = []
    for e in plan.entities:
        regions = dict.fromkeys(catalogue.by_code(p.marketplace).region for p in e.pairs if p.state == UNAUTHORIZED)
        out += [f"{e.name} {region}: not read: the seller has not authorized this application in {region} "
                "(see its unauthorized pairs)" for region in regions]
    return tuple(out)


def has_creates(plan: Plan) -> bool:
    """`acorn plan --detailed-exitcode` exits 2 exactly when this holds."""
    return plan.summary.create > 0


def plan(desired: DesiredState, live: Mapping[str, SellerLive], today: date, policy: Policy,
         now: datetime, environment: str) -> Plan:
    """The plan for every desired entity; `live` maps seller IDs to what was read (pure)."""
    run = verdict.client_secret_findings(policy.client_secret_rotated_on, today)  # once: it is the run's
    with paused_gc():  # acyclic values only: see gcpause
        entities = tuple(plan_entity(e, live.get(e.seller_id), today, policy, run) for e in desired.entities)
    return Plan(environment, now, desired.digest, entities)


def plan_entity(entity: Entity, seller: SellerLive | None, today: date, policy: Policy,
                run: tuple[verdict.Finding, ...] | None = None) -> EntityPlan:
    """The rows and creates of one entity, given what was read of its seller (None: not read).
    `run`: the run's own findings (the client secret's), computed from `policy` when not given."""
    return draft_entity(entity, seller, today, policy, run).finish(seller.accounts if seller is not None else ())


class Draft:
    """One entity's plan before account preflight: `regions` says where it would create (where
    the seller account is read), `finish(accounts)` is the plan with those reads. The entity is
    decided once, however the reads come (plan_entity is `finish(seller.accounts)`)."""

    __slots__ = ("entity", "seller", "ctx", "pairs", "by_id", "error")

    def __init__(self, entity: Entity, seller: SellerLive | None, ctx: _Context | None, pairs: list[Pair],
                 by_id: dict[str, list[LiveRegistration]] | None = None, error: str | None = None) -> None:
        self.entity, self.seller, self.ctx, self.pairs, self.error = entity, seller, ctx, pairs, error
        self.by_id = by_id or {}

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions of the creates (catalogue order), before any account was read."""
        if self.ctx is None:
            return ()
        return tuple(g.region for g in self.ctx.creates(self.pairs))

    def finish(self, accounts: tuple[AccountRead, ...] = ()) -> EntityPlan:
        entity, seller, ctx = self.entity, self.seller, self.ctx
        if ctx is None or seller is None:
            return EntityPlan(entity.name, entity.seller_id, error=self.error)
        pairs = _account_checked(entity, self.pairs, accounts) + _unmanaged_pairs(entity, seller, self.by_id,
                                                                                  ctx.secrets)
        others = tuple((s.marketplace_id, s.name) for s in seller.stores
                       if s.marketplace_id not in catalogue.BY_ID)
        said = ctx.said
        return EntityPlan(entity.name, entity.seller_id, tuple(pairs), ctx.creates(pairs), other_channels=others,
                          errors=tuple(f.reason for f in said.errors) if said else (),
                          stale=tuple(f.reason for f in said.stale) if said else ())


def draft_entity(entity: Entity, seller: SellerLive | None, today: date, policy: Policy,
                 run: tuple[verdict.Finding, ...] | None = None) -> Draft:
    """The entity decided from what was read of its seller, but for account preflight (see Draft)."""
    secrets = sensitive_values(entity)
    if run is None:
        run = verdict.client_secret_findings(policy.client_secret_rotated_on, today)
    if seller is None or seller.error is not None:
        error = seller.error if seller is not None and seller.error is not None \
            else f"the live state of seller {entity.seller_id} was not read"
        return Draft(entity, None, None, [], error=mask_all(error, secrets))
    ctx = _Context(entity, today, policy, secrets, run)
    by_id: dict[str, list[LiveRegistration]] = {}
    for r in seller.registrations:
        by_id.setdefault(r.marketplace_id, []).append(r)
    stores = {s.marketplace_id: s for s in seller.stores}
    pairs: list[Pair] = []
    for code in sorted(entity.marketplaces, key=catalogue.order):
        m = catalogue.by_code(code)
        refused = seller.unauthorized_in(m.region) or seller.unread_in(m.code)
        if refused is not None:
            pairs.append(Pair(m.code, m.marketplace_id, UNAUTHORIZED,
                              reasons=(Reason(REGION_NOT_AUTHORIZED, mask_all(refused, secrets)),)))
            continue
        regs = sorted(by_id.get(m.marketplace_id, ()), key=_created)
        pair = _desired_pair(ctx, m, regs, m.marketplace_id in seller.participations)
        pairs.append(_with_store(pair, stores.get(m.marketplace_id)))
        drifted = _drifted_pair(ctx, m, regs) if regs else None
        if drifted is not None:
            pairs.append(drifted)
    return Draft(entity, seller, ctx, pairs, by_id)


def _account_checked(entity: Entity, pairs: list[Pair], accounts: tuple[AccountRead, ...]) -> list[Pair]:
    """Account preflight: a seller account that differs from desired (legal name, registration
    country or number) blocks every create of the entity, with a reason and a diff per field;
    an account that could not be read is a warning on its region's creates."""
    if not accounts or not any(p.state == CREATE for p in pairs):
        return pairs
    blocking: list[Reason] = []
    diffs: list[FieldDiff] = []
    warnings: dict[str, Reason] = {}
    for read in accounts:
        if read.account is None:
            # the server's words: they may echo a number of the entity's
            warnings[read.region] = Reason(account_check.ACCOUNT_NOT_CHECKED,
                                           mask_all(read.unavailable or "not read", sensitive_values(entity)))
            continue
        for m in account_check.compare(entity.submission, read.account):
            if all(d.field != m.field for d in diffs):
                blocking.append(Reason(m.code, m.message(read.region)))
                diffs.append(FieldDiff(m.field, m.account, m.desired))
    out = []
    for p in pairs:
        if p.state == CREATE and blocking:
            kept = tuple(r for r in p.reasons if r.code != REJECTED_CHANGED)  # it is not sent again after all
            p = replace(p, state=BLOCKED, reasons=kept + tuple(blocking), drift=tuple(diffs))
        elif p.state == CREATE:
            warning = warnings.get(catalogue.by_code(p.marketplace).region)
            if warning is not None:
                p = replace(p, reasons=p.reasons + (warning,))
        out.append(p)
    return out


def _with_store(pair: Pair, store: Store | None) -> Pair:
    """The Sellers API's word on the pair's store: its name, and suspended listings as a warning."""
    if store is None:
        return pair
    reasons = pair.reasons
    if store.suspended_listings:
        reasons += (Reason(SUSPENDED_LISTINGS, f"the seller has suspended listings in {pair.marketplace}: the "
                                               "Sellers API's hasSuspendedListings, true when the seller's Listing "
                                               "Status is set to Inactive (not an account-health finding): "
                                               "listings can be reactivated in Seller Central"),)
    return replace(pair, reasons=reasons, store_name=store.store_name or None)


class _Context:
    """What the decisions about one entity share; the submission digest and the entity's
    verdict are computed lazily (only where a create is possible are they asked)."""

    def __init__(self, entity: Entity, today: date, policy: Policy, secrets: frozenset[str],
                 run: tuple[verdict.Finding, ...] = ()):
        self.entity, self.today, self.policy, self.secrets, self.run = entity, today, policy, secrets, run
        self._digest: str | None = None
        self.said: verdict.EntityVerdict | None = None

    @property
    def verdict(self) -> verdict.EntityVerdict:
        if self.said is None:
            self.said = verdict.entity_verdict(self.entity, self.today, self.policy, self.run, self.secrets)
        return self.said

    def preflight(self, m: catalogue.Marketplace) -> tuple[Reason, ...]:
        """The verdict's errors and blocks for this pair, masked: every invalid number of the
        entity, preflight's rules, a lapsed authorization or client secret."""
        return self.verdict.blocks(m)

    def warnings(self, m: catalogue.Marketplace) -> tuple[Reason, ...]:
        """The verdict's unacknowledged warnings: shown after a create's or a block's reasons, never blocking."""
        return self.verdict.warnings(m)

    def acknowledged(self, m: catalogue.Marketplace, state: PlanState) -> tuple[Reason, ...]:
        """The acknowledged warnings of a create or blocked row (where warnings are shown)."""
        if state not in (CREATE, BLOCKED):
            return ()
        return tuple(Reason(f.code, f.acknowledged or "") for f in self.verdict.acknowledged(m))

    @property
    def digest(self) -> str:
        if self._digest is None:
            self._digest = submission_digest(self.entity.submission)
        return self._digest

    def masked(self, reasons: tuple[Reason, ...]) -> tuple[Reason, ...]:
        return mask_reasons(reasons, self.secrets)

    def creates(self, pairs: list[Pair]) -> tuple[CreateGroup, ...]:
        by_region: dict[str, list[Pair]] = {}
        for p in pairs:
            if p.state == CREATE:
                by_region.setdefault(catalogue.by_code(p.marketplace).region, []).append(p)
        groups = []
        for region in catalogue.REGIONS:
            mine = by_region.get(region)
            if mine:
                ids = tuple(p.marketplace_id for p in mine)
                groups.append(CreateGroup(region, tuple(p.marketplace for p in mine), ids,
                                          client_token(self.entity.seller_id, ids, self.digest), self.digest))
        return tuple(groups)


def _created(r: LiveRegistration) -> datetime:
    return r.created_at


def _newest(regs: list[LiveRegistration], *statuses: str) -> LiveRegistration | None:
    found = [r for r in regs if r.status in statuses]
    return found[-1] if found else None


def _desired_pair(ctx: _Context, m: catalogue.Marketplace, regs: list[LiveRegistration],  # noqa: C901  one branch per plan state; issue18 moves the verdict into one module
                  participating: bool) -> Pair:
    """The state of a pair desired lists; `regs` are its registrations, oldest first."""
    def row(state: PlanState, reg: LiveRegistration | None, reasons: tuple[Reason, ...] = (),
            age: int | None = None) -> Pair:
        return Pair(m.code, m.marketplace_id, state, reg.registration_id if reg else None,
                    reg.status if reg else None, reasons, age, acknowledged=ctx.acknowledged(m, state))

    if not regs:  # the common case: decided by participation or preflight alone
        if participating:
            return row(LIVE, None)
        reasons = ctx.preflight(m)
        return row(BLOCKED if reasons else CREATE, None, reasons + ctx.warnings(m))
    approved = _newest(regs, APPROVED)
    if participating or approved:
        return row(LIVE, approved)
    pending = _newest(regs, SUBMITTED, IN_REVIEW)
    if pending:
        age = max(0, (ctx.today - pending.created_at.astimezone(timezone.utc).date()).days)
        stale: tuple[Reason, ...] = ()
        if age > ctx.policy.stale_pending_days:
            stale = (Reason(STALE_PENDING, f"{pending.status} for {age} days, more than "
                                           f"stalePendingDays ({ctx.policy.stale_pending_days})"),)
        return row(PENDING, pending, stale, age)
    attention = _newest(regs, ACTION_REQUIRED)
    if attention:
        return row(ATTENTION, attention, ctx.masked(attention.reasons))
    rejected = _newest(regs, REJECTED)
    reasons = ctx.preflight(m)
    if rejected is not None and rejected.submission_digest == ctx.digest:
        on = rejected.updated_at.astimezone(timezone.utc).date().isoformat()
        seen = {r.code for r in reasons}
        reasons += (Reason(REJECTED_UNCHANGED, f"rejected on {on}; the submission is unchanged since: "
                                               "fix it before resubmitting"),)
        reasons += tuple(r for r in ctx.masked(rejected.reasons) if r.code not in seen)
    if reasons:
        return row(BLOCKED, rejected, reasons + ctx.warnings(m))
    if rejected is not None:
        on = rejected.updated_at.astimezone(timezone.utc).date().isoformat()
        return row(CREATE, rejected, (Reason(REJECTED_CHANGED, f"rejected on {on}; the submission has "
                                                               "changed since, so it is sent again"),)
                   + ctx.warnings(m))
    return row(CREATE, None, ctx.warnings(m))


def _drifted_pair(ctx: _Context, m: catalogue.Marketplace, regs: list[LiveRegistration]) -> Pair | None:
    current = next((r for r in reversed(regs) if r.status != REJECTED), None)
    if current is None:
        return None
    sub = ctx.entity.submission
    if all(getattr(current, mine) == getattr(sub, theirs) for _, theirs, mine in ECHOED_FIELDS):
        return None  # the common case, without DeepDiff's cost
    live = {wire: getattr(current, attr) for wire, _, attr in ECHOED_FIELDS}
    want = {wire: getattr(sub, attr) for wire, attr, _ in ECHOED_FIELDS}
    from deepdiff import DeepDiff  # imported here: it costs ~150 ms, and only drift needs it

    changed = DeepDiff(live, want, verbose_level=2).get("values_changed", {})
    diffs = tuple(FieldDiff(wire, v["old_value"], v["new_value"])
                  for wire, _, _ in ECHOED_FIELDS
                  for v in [changed.get(f"root['{wire}']")] if v is not None)
    reasons = tuple(Reason(FIELD_DRIFT, f"{d} (registration -> desired)") for d in diffs)
    return Pair(m.code, m.marketplace_id, DRIFTED, current.registration_id, current.status, reasons,
                drift=diffs)


def _unmanaged_pairs(entity: Entity, seller: SellerLive, by_id: dict[str, list[LiveRegistration]],
                     secrets: frozenset[str]) -> list[Pair]:
    wanted = {catalogue.by_code(c).marketplace_id for c in entity.marketplaces}
    open_ids = {i for i, regs in by_id.items() if any(r.status != REJECTED for r in regs)}
    out = []
    for mid in (seller.participations | open_ids) - wanted:
        if mid not in catalogue.BY_ID and mid in seller.participations:
            continue  # a non-Amazon channel (e.g. Multi-Channel Fulfillment): "other channels", never drift
        known = catalogue.BY_ID.get(mid)
        code = known.code if known else mid
        reg = max((r for r in by_id.get(mid, ()) if r.status != REJECTED), key=_created, default=None)
        if mid in seller.participations or reg is None:
            message = f"the seller participates in {code}, which desired does not list"
        else:
            message = f"registration {reg.registration_id} is {reg.status} for {code}, which desired does not list"
        out.append(Pair(code, mid, UNMANAGED, reg.registration_id if reg else None, reg.status if reg else None,
                        (Reason(NOT_IN_DESIRED, mask_all(message, secrets)),)))
    # catalogue order; marketplaces the catalogue does not know last, by ID (their code is the ID)
    return sorted(out, key=lambda p: catalogue.sort_key(p.marketplace))
