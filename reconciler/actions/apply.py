"""`acorn apply`'s logic: what to submit, the safety gates, submitting, waiting, the result.

    (saved plan?, fresh plan) -> choose() -> gates -> submit_all() -> [wait_all()] -> results
    results -> result_line() per pair, summary_line(), exit_code()

`choose`, the gates and everything that formats or counts results are pure. `submit_all`
and `wait_all` do their I/O only through the AcornClient passed in (retries, rate limits
and the audit log are the client's) and hand each result to a callback as it comes.

Idempotency: every CreateRegistration carries the plan's clientToken, a digest of (seller,
sorted marketplace IDs, submission), so a retry after a timeout or a dropped connection, a
rerun after a crash and a second apply running at the same time all send the same token
and body: the API answers the same registrations again (reported as accepted), or 409
naming the open registration (reported as already existing). Nothing is created twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypedDict

from ..domain import catalogue, safetext
from ..domain.live import IN_REVIEW, REJECTED, SUBMITTED, LiveRegistration
from ..domain.masking import mask_all, mask_reasons, sensitive_values
from ..domain.model import Entity, Reason
from ..domain.submission import client_token
from ..engine.plan import CREATE, DRIFTED, CreateGroup, Plan, entity_errors
from ..errors import AcornError, AlreadyExists, ApiError, MachineError, PlanFileError, RunStopping, SafetyError
from .registrations import RegistrationClient

ACCEPTED, EXISTS, FAILED = "accepted", "already exists", "failed"
UNDER_REVIEW = (SUBMITTED, IN_REVIEW)


@dataclass(frozen=True)
class Create:
    """One CreateRegistration to send: the plan's group for an entity, or the part of it a
    saved plan approved (then with the token of just those marketplaces)."""

    entity: str  # the entity's name (its seller and token are the entity's)
    group: CreateGroup


@dataclass(frozen=True)
class Skip:
    """A pair apply leaves alone although one of the two plans proposed it, and why."""

    entity: str
    marketplace: str
    why: str


@dataclass(frozen=True)
class Choice:
    creates: tuple[Create, ...]
    skipped: tuple[Skip, ...] = ()
    errors: tuple[str, ...] = ()  # "entity: why" for each seller that could not be read

    @property
    def pair_count(self) -> int:
        """Marketplaces to create: what maxCreates counts."""
        return sum(len(c.group.marketplace_ids) for c in self.creates)


@dataclass(frozen=True)
class PairResult:
    """What became of one (entity, marketplace) of a CreateRegistration."""

    entity: str
    marketplace: str  # its code, as every output names it
    outcome: str  # ACCEPTED | EXISTS | FAILED
    registration_id: str | None = None
    code: str | None = None  # FAILED: the API's error code (or the error's kind)
    message: str | None = None  # FAILED: why; EXISTS: what the 409 said
    request_id: str | None = None
    stopped: bool = False  # FAILED because an error stopped the run (errors.RunStopping): not sent


@dataclass(frozen=True)
class Review:
    """Where a new registration's review stands after --wait (status None: it could not be read)."""

    result: PairResult
    status: str | None
    reasons: tuple[Reason, ...] = ()
    error: str | None = None


# -- choosing (pure) ---------------------------------------------------------------------------

def choose(fresh: Plan, saved: Plan | None = None) -> Choice:  # noqa: C901  saved-plan narrowing; issue23 reworks apply into waves
    """What to submit: the fresh plan's creates, and with a saved plan only those it also
    proposed (a reviewer never sees fewer pairs than are sent)."""
    errors = entity_errors(fresh)
    if saved is None:
        return Choice(tuple(Create(e.name, g) for e in fresh.entities for g in e.creates), (), errors)
    reviewed = {(e.name, e.seller_id): e for e in saved.entities}
    creates: list[Create] = []
    skipped: list[Skip] = []
    fresh_by_name = {e.name: e for e in fresh.entities}
    for e in fresh.entities:
        seen = reviewed.get((e.name, e.seller_id))
        approved = {p.marketplace_id for p in seen.pairs if p.state == CREATE} if seen else set()
        saved_digests = {mid: g.submission_digest for g in (seen.creates if seen else ()) for mid in g.marketplace_ids}
        for g in e.creates:
            pairs = list(zip(g.marketplaces, g.marketplace_ids, strict=True))
            kept = [(code, mid) for code, mid in pairs if mid in approved]
            skipped += [Skip(e.name, code, "not in the saved plan; run `acorn plan --out` again to include it")
                        for code, mid in pairs if mid not in approved]
            if not kept:
                continue
            if any(saved_digests.get(mid) != g.submission_digest for _, mid in kept):
                raise PlanFileError(f"the saved plan holds another submission of {e.name} than the desired tree "
                                    "gives now (submissionDigest differs); re-run `acorn plan --out`")
            codes, ids = tuple(c for c, _ in kept), tuple(m for _, m in kept)
            if ids != g.marketplace_ids:
                # A narrowed group is another request: its token must name exactly its marketplaces.
                g = replace(g, marketplaces=codes, marketplace_ids=ids,
                            client_token=client_token(e.seller_id, ids, g.submission_digest))
            creates.append(Create(e.name, g))
    for s in saved.entities:  # reviewed creates that are no longer missing
        now = fresh_by_name.get(s.name)
        if now is None or now.error is not None:
            continue
        state = {p.marketplace_id: p for p in now.pairs if p.state != DRIFTED}
        for p in s.pairs:
            current = state.get(p.marketplace_id)
            if p.state == CREATE and current is not None and current.state != CREATE:
                extra = f" ({current.status} {current.registration_id})" if current.registration_id else ""
                skipped.append(Skip(s.name, p.marketplace, f"no longer missing: now {current.state}{extra}"))
    return Choice(tuple(creates), tuple(skipped), errors)


def saved_sellers(saved: Plan, entities: Iterable[Entity]) -> tuple[Entity, ...]:
    """The entities of the tree that the saved plan proposes creates for: the only ones re-read."""
    wanted = {(e.name, e.seller_id) for e in saved.entities if e.creates}
    return tuple(e for e in entities if (e.name, e.seller_id) in wanted)


# -- the safety gates (pure; each raises or passes) --------------------------------------------

def check_saved_plan(saved: Plan, desired_digest: str, environment: str) -> None:
    """A saved plan applies only to the tree and the environment it was made from."""
    if saved.desired_digest != desired_digest:
        raise PlanFileError(f"the saved plan is stale: it was made from desired state {saved.desired_digest[:12]}, "
                            f"but the tree is now {desired_digest[:12]}; re-run `acorn plan --out` and review it "
                            "again")
    if saved.environment != environment:
        raise PlanFileError(f"the saved plan was made for environment {saved.environment}, not {environment}; "
                            "re-run `acorn plan --out` in this environment")


def check_max_creates(count: int, limit: int, force: bool) -> None:
    """More than maxCreates marketplaces at once is refused unless --force: a mass change is
    more often a mistake (a bad template, a wrong selector) than an intent."""
    if count > limit and not force:
        raise SafetyError(f"refusing to create {count} registrations: more than maxCreates ({limit}); "
                          "pass --force to submit them anyway, or narrow the run with --entity, --selector "
                          "or --shard")


def check_confirmable(yes: bool, interactive: bool) -> None:
    """Without a saved plan, apply asks first; where nobody can answer, --yes must say so."""
    if not yes and not interactive:
        raise SafetyError("refusing to apply without confirmation: stdin is not a terminal; pass --yes")


# -- submitting (I/O through the client) -------------------------------------------------------

async def submit_all(client: RegistrationClient, creates: Sequence[Create], entities: Mapping[str, Entity],
                     concurrency: int,
                     on_result: Callable[[PairResult], None] = lambda r: None) -> tuple[PairResult, ...]:
    """Every Create, `concurrency` sellers at a time (a seller's own calls one after another);
    a failure is reported for its pairs and the others go on. A run-stopping error (the
    breaker, the application's credentials refused) stops the run: no call is made after it,
    and every pair not sent is reported failed with it; a MachineError is raised at once."""
    by_entity: dict[str, list[Create]] = {}
    for c in creates:
        by_entity.setdefault(c.entity, []).append(c)
    gate = asyncio.Semaphore(max(1, concurrency))
    stopped: list[RunStopping] = []

    async def send(entity: Entity, c: Create) -> list[PairResult]:
        if stopped:
            return _not_sent(entity, c, stopped[0])
        try:
            return await submit_one(client, entity, c)
        except MachineError:
            raise
        except RunStopping as exc:
            stopped.append(exc)
            return _not_sent(entity, c, exc)

    async def seller(name: str, mine: list[Create]) -> list[PairResult]:
        out: list[PairResult] = []
        async with gate:
            for c in mine:
                for r in await send(entities[name], c):
                    on_result(r)
                    out.append(r)
        return out

    done = await asyncio.gather(*(seller(name, mine) for name, mine in by_entity.items()))
    order = {c.entity: i for i, c in enumerate(creates)}
    return tuple(sorted((r for rs in done for r in rs),
                        key=lambda r: (order[r.entity], catalogue.order(r.marketplace))))


async def submit_one(client: RegistrationClient, entity: Entity, create: Create) -> list[PairResult]:  # noqa: C901  one 409/retry loop; issue23 reworks apply into waves
    """One CreateRegistration; a 409 naming some of its marketplaces marks those as already
    existing and sends the rest again (the API created nothing), under their own token."""
    secrets = sensitive_values(entity)
    group = create.group
    code_of = dict(zip(group.marketplace_ids, group.marketplaces, strict=False))
    remaining, token = list(group.marketplace_ids), group.client_token
    results: list[PairResult] = []

    def result(mid: str, outcome: str, registration_id: str | None = None, code: str | None = None,
               message: str | None = None, request_id: str | None = None) -> PairResult:
        return PairResult(entity.name, code_of[mid], outcome, registration_id, code, message, request_id)

    while remaining:
        try:
            regs = await client.create_registration(entity, group.region, remaining, token,
                                                    group.submission_digest)
        except AlreadyExists as exc:
            named = [m for m in exc.marketplace_ids if m in remaining]
            if not named:
                results += [result(m, FAILED, **_failure(exc, secrets)) for m in remaining]
                break
            # The 409 lists (marketplace, registration) in one order; a store the seller
            # already participates in names no registration, and then no pairing is sure.
            reg_ids = dict(zip(exc.marketplace_ids, exc.registration_ids, strict=False)) \
                if len(exc.registration_ids) == len(exc.marketplace_ids) else {}
            message = _message(exc, secrets)
            results += [result(m, EXISTS, registration_id=reg_ids.get(m), message=message,
                               request_id=exc.request_id) for m in named]
            remaining = [m for m in remaining if m not in named]
            if remaining:
                token = client_token(entity.seller_id, remaining, group.submission_digest)
        except RunStopping:  # the audit log, the breaker, the app's credentials: stop (submit_all says so)
            raise
        except AcornError as exc:
            results += [result(m, FAILED, **_failure(exc, secrets)) for m in remaining]
            break
        else:
            by_id = {r.marketplace_id: r.registration_id for r in regs}
            for m in remaining:
                if m in by_id:
                    results.append(result(m, ACCEPTED, registration_id=by_id[m]))
                else:
                    results.append(result(m, FAILED, code="UnexpectedAnswer",
                                          message="the API accepted the call but returned no registration for it"))
            break
    return results


def _not_sent(entity: Entity, create: Create, exc: RunStopping) -> list[PairResult]:
    """A create the run stopped before (or while) sending: each of its pairs failed, with why."""
    failure = _failure(exc, sensitive_values(entity))
    failure["message"] = f"not sent, the run stopped: {failure['message']}"
    return [PairResult(entity.name, code, FAILED, **failure, stopped=True) for code in create.group.marketplaces]


def _message(exc: AcornError, secrets: frozenset[str]) -> str:
    # An ApiError's bare message: its request id is shown in its own column.
    return mask_all(exc.message if isinstance(exc, ApiError) else str(exc), secrets)


class _Failure(TypedDict):
    code: str
    message: str
    request_id: str | None


def _failure(exc: AcornError, secrets: frozenset[str]) -> _Failure:
    # Code, message and request id are all the server's words: each may echo a number.
    code = exc.code if isinstance(exc, ApiError) and exc.code else type(exc).__name__
    request_id = getattr(exc, "request_id", None)
    return {"code": mask_all(code, secrets), "message": _message(exc, secrets),
            "request_id": mask_all(request_id, secrets) if request_id else None}


# -- waiting for review (I/O through the client) -----------------------------------------------

async def wait_all(client: RegistrationClient, results: Iterable[PairResult], entities: Mapping[str, Entity],
                   timeout: float, concurrency: int, clock: Callable[[], float],
                   sleep: Callable[[float], Awaitable[object]],
                   first_delay: float = 1.0, max_delay: float = 15.0,
                   on_round: Callable[[int, float], object] | None = None) -> tuple[Review, ...]:
    """Poll getRegistration for each accepted registration until it leaves SUBMITTED and
    IN_REVIEW or `timeout` seconds pass; the delay between rounds grows from `first_delay`
    to `max_delay`, and the client's per-seller buckets keep every round within the rates.
    `on_round(still under review, seconds left)` is told after each round that leaves some waiting."""
    latest = {r: Review(r, SUBMITTED) for r in results if r.outcome == ACCEPTED and r.registration_id}
    deadline = clock() + timeout
    gate = asyncio.Semaphore(max(1, concurrency))
    delay = first_delay

    async def poll(r: PairResult) -> None:
        entity = entities[r.entity]
        async with gate:
            try:
                reg: LiveRegistration = await client.get_registration(entity, r.registration_id or "")
            except RunStopping:
                raise
            except AcornError as exc:
                latest[r] = Review(r, None, error=_message(exc, sensitive_values(entity)))
                return
        secrets = sensitive_values(entity)
        latest[r] = Review(r, reg.status, mask_reasons(reg.reasons, secrets))

    while True:
        waiting = [r for r, v in latest.items() if v.status in UNDER_REVIEW]
        if not waiting:
            break
        await asyncio.gather(*(poll(r) for r in waiting))
        left = deadline - clock()
        if left <= 0 or not any(v.status in UNDER_REVIEW for v in latest.values()):
            break
        if on_round is not None:
            on_round(sum(1 for v in latest.values() if v.status in UNDER_REVIEW), left)
        await sleep(min(delay, left))
        delay = min(delay * 1.5, max_delay)
    return tuple(latest.values())


# -- reporting (pure) --------------------------------------------------------------------------

_SYMBOLS = {ACCEPTED: "+", EXISTS: "=", FAILED: "!"}


def result_line(r: PairResult, width: int = 0) -> str:
    """`+ acme-sz  DE  accepted REG-…` / `! acme-sz  FR  failed InternalFailure: … (request id …)`."""
    head = f"{_SYMBOLS[r.outcome]} {r.entity:<{width}}  {r.marketplace:<3} {r.outcome}"
    if r.outcome == FAILED:
        tail = f" {r.code}: {r.message}" + (f" (request id {r.request_id})" if r.request_id else "")
    elif r.registration_id:
        tail = f" {r.registration_id}"
    else:
        tail = f" ({r.message})" if r.message else ""
    return safetext.line(head + tail)  # the server's words: shown, never obeyed


def name_width(creates: Iterable[Create]) -> int:
    return max((len(c.entity) for c in creates), default=0)


def summary_line(results: Sequence[PairResult]) -> str:
    n = {o: sum(1 for r in results if r.outcome == o) for o in (ACCEPTED, EXISTS, FAILED)}
    return f"Apply: {n[ACCEPTED]} accepted, {n[EXISTS]} already existed, {n[FAILED]} failed."


def review_lines(reviews: Sequence[Review], width: int = 0) -> list[str]:
    """One line per new registration with its status after waiting, its reasons under it."""
    out = []
    for v in reviews:
        r = v.result
        status = v.status if v.status is not None else f"unknown ({v.error})"
        out.append(safetext.line(f"  {r.entity:<{width}}  {r.marketplace:<3} {r.registration_id}  {status}"))
        out += [safetext.line(f"      {x.code}: {x.message}") for x in v.reasons]
    return out


def review_summary(reviews: Sequence[Review]) -> str:
    counts: dict[str, int] = {}
    for v in reviews:
        key = "still under review" if v.status in UNDER_REVIEW else (v.status or "unknown").lower().replace("_", " ")
        counts[key] = counts.get(key, 0) + 1
    order = ["approved", "rejected", "action required", "still under review", "unknown"]
    return "Review: " + ", ".join(f"{counts.get(k, 0)} {k}" for k in order if k in counts or k in order[:4]) + "."


def exit_code(results: Sequence[PairResult], errors: Sequence[str] = (), reviews: Sequence[Review] = (),
              fail_on_rejected: bool = False) -> int:
    """0 when every create was accepted or already existed (or none was needed); 1 when a
    create failed, a seller could not be read, or a review could not be read, and with
    `fail_on_rejected` when a review came back REJECTED."""
    if errors or any(r.outcome == FAILED for r in results) or any(v.status is None for v in reviews):
        return 1
    if fail_on_rejected and any(v.status == REJECTED for v in reviews):
        return 1
    return 0
