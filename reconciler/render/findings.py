"""Findings at their line: what a plan or a validation says, one finding per error, block and
warning, each at the line of the desired file that causes it.

`plan_findings` and `validation_findings` are pure; the field a reason code concerns comes from
desired/reason_fields.py, its line from a desired/locate.py Locator the caller passes in (with
the files it reads). Views of findings: SARIF (render/sarif.py), a pull-request review
(render/review.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..desired import preflight
from ..desired.locate import Location, Locator, parse_dotted, split_source
from ..desired.reason_fields import field_of
from ..domain.model import Entity
from ..engine.plan import ATTENTION, BLOCKED, REJECTED_CHANGED, UNAUTHORIZED, Plan
from ..engine.triage import UNREADABLE
from ..errors import Problem

ERROR, WARNING, NOTE = "error", "warning", "note"
DESIRED_STATE_INVALID = "DESIRED_STATE_INVALID"  # a schema, syntax or semantic problem of the tree
_NUMBER_KEYS = {"spec.businessRegistration.number": preflight.REGISTRATION_NUMBER_INVALID}
# A non-blocking reason on a create or a live pair: never an error.
_ADVISORY = preflight.WARNINGS | {"ACCOUNT_NOT_CHECKED", "SUSPENDED_LISTINGS"}


@dataclass(frozen=True)
class Finding:
    """One thing to look at, with its reason code, severity and the line that causes it."""

    code: str
    level: str  # ERROR | WARNING | NOTE (SARIF's levels)
    message: str
    where: Location
    entity: str | None = None
    marketplace: str | None = None
    mapped: bool = True  # False: a code acorn cannot map to a field (the entity's file is linked)

    @property
    def text(self) -> str:
        """The message with what it is about: `atlas-uk UK: TAX_NUMBER_INVALID: ...`."""
        about = " ".join(x for x in (self.entity, self.marketplace) if x)
        unmapped = " (acorn does not map this code to a field: see the entity's file)" if not self.mapped else ""
        return f"{about + ': ' if about else ''}{self.code}: {self.message}{unmapped}"


def _level(state: str, code: str) -> str:
    if code in _ADVISORY:
        return WARNING
    if state in (BLOCKED, ATTENTION, UNAUTHORIZED):
        return ERROR
    if code == REJECTED_CHANGED:
        return NOTE
    return WARNING


def locate_reason(code: str, entity: Entity, marketplace: str | None, message: str, locator: Locator) -> Finding:
    """A reason of `entity` (for `marketplace`) at the line of the field it concerns (unmapped
    codes at the entity's own line), as a finding of level WARNING (the caller sets it)."""
    ref = field_of(code, entity, marketplace, message)
    path = ref.path if ref.mapped else ("metadata", "name")  # unmapped: the entity itself (a template's row)
    where = locator.locate(entity.source.path, path, entity.source.line)
    return Finding(code, WARNING, message, where, entity.name, marketplace, ref.mapped)


def plan_findings(plan: Plan, entities: Iterable[Entity], locator: Locator) -> list[Finding]:
    """Every reason of the plan that a reviewer should see: blocks, attention and unauthorized
    pairs as errors; drift, unmanaged, stale and advisory reasons as warnings; a resubmission
    after a rejection as a note. An unreadable seller is an error at its entity's line."""
    by_name = {e.name: e for e in entities}
    out: list[Finding] = []
    for e in plan.entities:
        entity = by_name.get(e.name)
        if entity is None:
            continue
        if e.error is not None:
            out.append(_at(locate_reason(UNREADABLE, entity, None, e.error, locator), ERROR))
            continue
        out += [_at(locate_reason(r.code, entity, p.marketplace, r.message, locator), _level(p.state, r.code))
                for p in e.pairs for r in p.reasons]
    return out


def _at(f: Finding, level: str) -> Finding:
    return Finding(f.code, level, f.message, f.where, f.entity, f.marketplace, f.mapped)


def validation_findings(problems: Iterable[Problem], warnings: Iterable[Mapping[str, Any]],
                        errors: Iterable[Mapping[str, Any]], entities: Iterable[Entity],
                        locator: Locator) -> list[Finding]:
    """`acorn validate`'s report as findings: each problem an error at its key (for a template
    row, the row's line), each lifecycle error an error and each preflight finding a warning
    at the field its code concerns."""
    by_name = {e.name: e for e in entities}
    out = [_problem(p, locator) for p in problems]
    for items, level in ((errors, ERROR), (warnings, WARNING)):
        for w in items:
            entity = by_name.get(w["entity"]) if w.get("entity") else None
            if entity is None:
                out.append(Finding(w["code"], level, w["message"], Location(w["path"], w["line"])))
            else:
                out.append(_at(locate_reason(w["code"], entity, w["marketplace"], w["message"], locator), level))
    return out


def _problem(p: Problem, locator: Locator) -> Finding:
    code = _NUMBER_KEYS.get(p.key, preflight.TAX_NUMBER_INVALID if p.key.startswith("spec.taxRegistrations[")
                            and p.key.endswith("].number") else DESIRED_STATE_INVALID)
    file, row = split_source(p.path)
    entity = row if row is not None else None
    if row is not None:
        where = locator.locate(p.path, parse_dotted(p.key), p.line)
    else:
        where = Location(file, p.line, p.column, p.key)
    return Finding(code, ERROR, f"{p.key}: {p.message}", where, entity)


LinkKey = tuple[str, "str | None", str]  # (entity, marketplace, reason code)


@dataclass(frozen=True)
class Link:
    """Where to change desired for one reason: the repository path and line, and the GitHub
    blob URL of that line at the commit read (`.../blob/SHA/PATH#L12`), when one is known."""

    path: str
    line: int
    url: str | None = None
    row: str | None = None
    mapped: bool = True

    def __str__(self) -> str:
        row = f" (row {self.row})" if self.row else ""
        unmapped = " (code not mapped to a field: the entity's file)" if not self.mapped else ""
        return f"{self.path}:{self.line}{row}{unmapped}"

    def markdown(self) -> str:
        from . import escape_markdown  # the package imports this module's siblings lazily

        text = escape_markdown(str(self)).replace("[", "\\[").replace("]", "\\]")
        return f"[{text}]({self.url})" if self.url else f"`{escape_markdown(str(self))}`"

    def json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "url": self.url, "row": self.row, "mapped": self.mapped}


def links(items: Iterable[tuple[str, str | None, str, str]], entities: Mapping[str, Entity], locator: Locator,
          uri_of: Callable[[str], str], blob: str | None) -> dict[LinkKey, Link]:
    """(entity, marketplace, code, message) -> the line to change; entities not in the tree are left out."""
    out: dict[LinkKey, Link] = {}
    for name, marketplace, code, message in items:
        entity = entities.get(name)
        if entity is None or (name, marketplace, code) in out:
            continue
        f = locate_reason(code, entity, marketplace, message, locator)
        path = uri_of(f.where.path)
        url = f"{blob}/{path}#L{f.where.line}" if blob else None
        out[(name, marketplace, code)] = Link(path, f.where.line, url, f.where.row, f.mapped)
    return out
