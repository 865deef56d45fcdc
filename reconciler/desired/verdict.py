"""The verdict: what acorn says about every entity and pair, computed once, here (pure).

validate, plan, apply, the pull-request check (`acorn check`), status, drift, the GitHub
annotations and the sandbox's review all read it; none computes its own. A finding is:

    error    validate fails (exit 1); plan blocks every pair it reaches; apply never submits it
             (an invalid tax or registration number: every create carries every number)
    block    validate warns; plan blocks the pairs it reaches (what the marketplace would
             reject: a missing required tax scheme, a translation; and what a date decides:
             an ID document expiring, a lapsed authorization or client secret, so that a
             calendar date never fails an unrelated commit)
    warning  never blocks (a tax requirement that depends on facts no file holds, a renewal
             due soon); one the entity acknowledges is shown as acknowledged instead

Each finding points at the field concerned (file, line, column, dotted key; for a template,
the row, at the row's own line where the template line writes the row's value as it is,
else at the template's line), never at `metadata.name`. The loader places the fields
(desired/locate.py's TemplateRows follows a template line to its row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from ..domain import catalogue
from ..domain.masking import mask_all, sensitive_values
from ..domain.model import Entity, Reason, Source, Submission
from ..domain.policy import DEFAULT_ID_MIN_VALID_DAYS, Policy
from ..errors import Problem
from . import lifecycle, preflight, tax_numbers
from .locate import Location


class Severity(StrEnum):
    ERROR = "error"
    BLOCK = "block"
    WARNING = "warning"


ERROR, BLOCK, WARNING = Severity
ACKNOWLEDGEMENT_STALE = "ACKNOWLEDGEMENT_STALE"  # an acknowledgement whose warning is no longer raised
SETTINGS_INVALID = "SETTINGS_INVALID"  # acorn.yaml holds a combination the docs call an error
# Decided by the calendar: a warning in validate, a block in plan.
TIME_DEPENDENT = frozenset({preflight.ID_EXPIRES_TOO_SOON, lifecycle.AUTHORIZATION_EXPIRED,
                            lifecycle.CLIENT_SECRET_EXPIRED, preflight.TAX_INTERVIEW_INVALID,
                            preflight.TAX_INTERVIEW_EXPIRES_SOON})
# The field of a `taxRegistrations` item a warning about the item points at.
_ITEM_FIELD = {preflight.TAX_NUMBER_UNVERIFIED: "number", preflight.TAX_INTERVIEW_EXPIRES_SOON: "completedOn"}


@dataclass(frozen=True)
class Finding:
    """One thing the verdict says, with its reason code, severity and place."""

    code: str
    severity: Severity
    message: str  # masked: never a number, token or name written in desired
    location: Location
    entity: str | None = None  # None: the run's settings (acorn.yaml)
    marketplace: str | None = None  # None: every pair of the entity (or of every entity)
    region: str | None = None  # the region a credential's finding is about (it still blocks every create)
    acknowledged: str | None = None  # the acknowledgement's reason, for an acknowledged warning
    detail: str | None = None  # validate's words for an error at its key (default: code and message)

    @property
    def time_dependent(self) -> bool:
        return self.code in TIME_DEPENDENT

    @property
    def reason(self) -> Reason:
        return Reason(self.code, self.message)

    def reaches(self, marketplace: catalogue.Marketplace) -> bool:
        """Whether the finding concerns this marketplace's pair (one about no marketplace, a
        lapsed authorization in any region among them, concerns every create of the entity)."""
        return self.marketplace is None or self.marketplace == marketplace.code

    def problem(self) -> Problem:
        """The finding as a `path:line:column: key: message` problem (validate's errors)."""
        where = self.location
        return Problem(where.path, where.line, where.column, where.key,
                       self.detail or f"{self.code}: {self.message}", where.row or "")


@dataclass(frozen=True)
class EntityVerdict:
    """Every finding about one entity, in a stable order."""

    entity: str
    findings: tuple[Finding, ...]

    def blocks(self, marketplace: catalogue.Marketplace) -> tuple[Reason, ...]:
        """What keeps the pair from being created: its errors and blocks."""
        return tuple(f.reason for f in self.findings if f.severity is not WARNING and f.reaches(marketplace))

    def warnings(self, marketplace: catalogue.Marketplace) -> tuple[Reason, ...]:
        """The pair's own warnings that no acknowledgement covers (shown on its row)."""
        return tuple(f.reason for f in self.findings if f.severity is WARNING and f.marketplace == marketplace.code
                     and f.acknowledged is None and f.code != ACKNOWLEDGEMENT_STALE)

    def acknowledged(self, marketplace: catalogue.Marketplace) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.acknowledged is not None and f.marketplace == marketplace.code)

    @property
    def stale(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.code == ACKNOWLEDGEMENT_STALE)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is ERROR)


Where = Callable[[str], Location]


def _at(source: Source) -> Where:
    return lambda key: Location(source.path, *source.at(key), key, source.template_line(key), source.row)


def submission_findings(submission: Submission, marketplaces: Iterable[str], today: date,
                        min_valid_days: int = DEFAULT_ID_MIN_VALID_DAYS, where: Where | None = None,
                        entity: str | None = None) -> list[Finding]:
    """What the submission alone decides, for the marketplaces named: invalid numbers (errors
    reaching every pair), preflight's blocks per marketplace, and its warnings."""
    place: Where = where or (lambda key: Location("<submission>", 1, 1, key))
    found: list[Finding] = []
    expiry = preflight.check_id_document(submission, today, min_valid_days)
    if expiry is not None:
        found.append(Finding(expiry.code, BLOCK, expiry.message,
                             place("spec.legalRepresentative.idDocument.expiresOn"), entity))
    br = submission.business_registration
    bad_br = tax_numbers.business_number_problem(br.country, br.number)
    if bad_br is not None:
        reason = preflight.check_registration_number(submission)
        assert reason is not None  # the same check, worded for a reason
        found.append(Finding(reason.code, ERROR, reason.message, place("spec.businessRegistration.number"), entity,
                             detail=bad_br))
    for i, reason, words in preflight.tax_number_reasons(submission):
        found.append(Finding(reason.code, ERROR, reason.message, place(f"spec.taxRegistrations[{i}].number"),
                             entity, detail=words))
    for i, code in enumerate(marketplaces):
        m = catalogue.BY_CODE.get(code)
        if m is None:
            continue
        item = f"spec.marketplaces[{i}]"  # placed only when a finding names it: most pairs have none
        missing, interviews, warnings = preflight.tax_reasons(submission, m, today, min_valid_days)
        for reason in (missing, preflight.check_translation(submission, m)):
            if reason is not None:
                found.append(Finding(reason.code, BLOCK, reason.message, place(item), entity, m.code))
        # The U.S. tax interview's form, expired or dated ahead: a date decides it (validate warns, plan blocks)
        found += [Finding(r.code, BLOCK, r.message, place(f"spec.taxRegistrations[{j}].completedOn"), entity, m.code)
                  for j, r in interviews]
        for j, r in warnings:
            at = place(item if j is None else f"spec.taxRegistrations[{j}].{_ITEM_FIELD.get(r.code, 'number')}")
            found.append(Finding(r.code, WARNING, r.message, at, entity, m.code))
    return found


def review_reasons(submission: Submission, marketplace_id: str, today: date,
                   min_valid_days: int = DEFAULT_ID_MIN_VALID_DAYS) -> tuple[Reason, ...]:
    """What the marketplace rejects a submission for in one marketplace: the verdict's errors
    and blocks for that pair (the sandbox's review decides by this)."""
    m = catalogue.BY_ID[marketplace_id]
    return EntityVerdict("", tuple(submission_findings(submission, (m.code,), today, min_valid_days))).blocks(m)


def client_secret_findings(rotated_on: date | None, today: date, config: str = "acorn.yaml",
                           line: int = 1, column: int = 1) -> tuple[Finding, ...]:
    """The LWA client secret's rotation, about the whole run: past it, every create blocks."""
    found = lifecycle.client_secret(rotated_on, today)
    if found is None:
        return ()
    return (Finding(found.code, BLOCK if found.error else WARNING, found.message,
                    Location(config, line, column, "lwa.clientSecretRotatedOn")),)


def entity_verdict(entity: Entity, today: date, policy: Policy | None = None,
                   run: Iterable[Finding] = (), secrets: frozenset[str] | None = None) -> EntityVerdict:
    """The entity's verdict: its submission's findings, its authorizations' lifecycle, the
    run's own findings that block its creates (`run`: the client secret), and its
    acknowledgements applied (or reported stale). Messages are masked."""
    where = _at(entity.source)
    min_days = policy.id_document_min_valid_days if policy else DEFAULT_ID_MIN_VALID_DAYS
    found = submission_findings(entity.submission, entity.marketplaces, today, min_days,
                                where, entity.name)
    for f in lifecycle.authorizations(entity, today, policy.environment if policy else None):
        field = (_token_key(entity.source, f.region) if f.code == lifecycle.SHARED_REFRESH_TOKEN
                 else f"spec.credentials.refreshToken.{f.region}.authorizedOn")
        found.append(Finding(f.code, BLOCK if f.error else WARNING, f.message, where(field), entity.name,
                             region=f.region))
    found += [replace(f, entity=entity.name) for f in run if f.severity is not WARNING]
    found = _acknowledged(entity, found, where)
    hidden = sensitive_values(entity) if secrets is None else secrets
    # Messages show numbers masked already (preflight words them so); the full scan runs only on
    # a message that holds one of the entity's values as written, so the common case costs little.
    return EntityVerdict(entity.name, tuple(replace(f, message=mask_all(f.message, hidden))
                                            if any(v in f.message for v in hidden) else f for f in found))


def _token_key(source: Source, region: str | None) -> str:
    """Where the region's refresh token is written: its own key, or the one reference for all."""
    key = f"spec.credentials.refreshToken.{region}"
    return key if source.writes(key) else "spec.credentials.refreshToken"


def _acknowledged(entity: Entity, found: list[Finding], where: Where) -> list[Finding]:
    if not entity.acknowledgements:
        return found
    acks = {(a.code, a.marketplace): a for a in entity.acknowledgements}
    used: set[tuple[str, str]] = set()
    out = []
    for f in found:
        key = (f.code, f.marketplace or "")
        if f.severity is WARNING and key in acks:
            used.add(key)
            f = replace(f, acknowledged=acks[key].reason)
        out.append(f)
    for key, a in acks.items():
        if key not in used:
            out.append(Finding(ACKNOWLEDGEMENT_STALE, WARNING,
                               f"the acknowledgement of {a.code} in {a.marketplace} is stale: acorn no longer "
                               f"raises {a.code} there; remove it", where(f"spec.acknowledgements[{a.index}]"),
                               entity.name, a.marketplace if a.marketplace in entity.marketplaces else None))
    return out


@dataclass(frozen=True)
class Verdict:
    """The whole tree's verdict: what could not be loaded, acorn.yaml's findings, each entity's."""

    problems: tuple[Problem, ...]  # the loader's and schema's: errors at their place
    settings: tuple[Finding, ...]
    entities: tuple[EntityVerdict, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.settings + tuple(f for e in self.entities for f in e.findings
                                     if f.code != lifecycle.CLIENT_SECRET_EXPIRED)  # said once, in settings

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Everything that fails validate, as problems at their place, sorted."""
        return tuple(sorted(self.problems + tuple(f.problem() for f in self.findings if f.severity is ERROR)))

    @property
    def valid(self) -> bool:
        return not self.errors


def tree_verdict(entities: Iterable[Entity], problems: Iterable[Problem], today: date, policy: Policy,
                 settings: Iterable[Finding] = ()) -> Verdict:
    """The verdict over a loaded tree (`problems`: what the loader found) and its settings."""
    run = tuple(settings)
    blocks = blocking(run)
    return Verdict(tuple(problems), run, tuple(entity_verdict(e, today, policy, blocks) for e in entities))


def blocking(settings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The run's findings that block every create of every entity (said once, in settings)."""
    return tuple(f for f in settings if f.code == lifecycle.CLIENT_SECRET_EXPIRED)


# An entity's verdict as plain data (lists, text, numbers): what a loader's worker process
# sends back and its cache keeps (desired/loader.judge_partial), so that a tree is judged on
# every core by the same `entity_verdict`. `judge` makes it; `judged_verdict` reads it back.
# code, severity, message, path, line, column, key, template line, row, entity, marketplace, region,
# acknowledged, detail
PlainFinding = tuple[str, str, str, str, int, int, str, int | None, str | None, str | None, str | None,
                     str | None, str | None, str | None]


def judge(entity: Entity, today: date, policy: Policy, run: tuple[Finding, ...] = ()) -> list[PlainFinding]:
    """`entity_verdict`, as plain data: a tuple per finding (none for most entities)."""
    return [(f.code, str(f.severity), f.message, f.location.path, f.location.line, f.location.column,
             f.location.key, f.location.template_line, f.location.row, f.entity, f.marketplace, f.region,
             f.acknowledged, f.detail) for f in entity_verdict(entity, today, policy, run).findings]


def judged_verdict(name: str, plain: list[PlainFinding]) -> EntityVerdict:
    """The EntityVerdict `judge` made plain."""
    return EntityVerdict(name, tuple(
        Finding(code, Severity(severity), message, Location(path, line, column, key, template_line, row),
                entity, marketplace, region, acknowledged, detail)
        for code, severity, message, path, line, column, key, template_line, row, entity, marketplace, region,
        acknowledged, detail in plain))
