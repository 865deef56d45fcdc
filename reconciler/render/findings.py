"""Findings at their line: what a plan or a validation says, one finding per error, block and
warning, each at the line of the desired file that causes it.

`plan_findings` and `verdict_findings` are pure. A reason the verdict (desired/verdict.py)
gives is at the verdict's place (`places`: the same line validate and its annotations name);
only what the verdict does not place (a rejection or drift read live, an unreadable seller)
is found through desired/reason_fields.py (the field its code concerns) and a desired/locate.py
Locator the caller passes in (with the files it reads). Views of findings: SARIF
(render/sarif.py), a pull-request review (render/review.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..desired import verdict as vd
from ..desired.locate import Location, Locator
from ..desired.reason_fields import field_of
from ..domain.model import Entity
from ..engine.plan import ADVISORY, ATTENTION, BLOCKED, REJECTED_CHANGED, UNAUTHORIZED, Plan
from ..engine.triage import UNREADABLE

ERROR, WARNING, NOTE = "error", "warning", "note"
DESIRED_STATE_INVALID = "DESIRED_STATE_INVALID"  # a schema, syntax or semantic problem of the tree


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
    if code in ADVISORY:  # a non-blocking reason on a create or a live pair: never an error
        return WARNING
    if state in (BLOCKED, ATTENTION, UNAUTHORIZED):
        return ERROR
    if code == REJECTED_CHANGED:
        return NOTE
    return WARNING


PlaceKey = tuple["str | None", "str | None", str, "str | None"]  # (entity, marketplace, code, message)
Places = Mapping[PlaceKey, Location]


def verdict_places(verdict: vd.Verdict) -> dict[PlaceKey, Location]:
    """Where the verdict places each of its findings, by (entity, marketplace, code, message)
    and, for a message worded otherwise, by (entity, marketplace, code): the first one's place."""
    out: dict[PlaceKey, Location] = {}
    for e in verdict.entities:
        for f in e.findings:
            for key in ((e.entity, f.marketplace, f.code, f.message), (e.entity, f.marketplace, f.code, None)):
                out.setdefault(key, f.location)
    return out


def _placed(places: Places, entity: str, marketplace: str | None, code: str, message: str) -> Location | None:
    for key in ((entity, marketplace, code, message), (entity, None, code, message),
                (entity, marketplace, code, None), (entity, None, code, None)):
        found = places.get(key)
        if found is not None:
            return found
    return None


def locate_reason(code: str, entity: Entity, marketplace: str | None, message: str, locator: Locator,
                  places: Places | None = None) -> Finding:
    """A reason of `entity` (for `marketplace`) at its verdict's place (`places`), else at the
    line of the field its code concerns (unmapped codes at the entity's own line), as a finding
    of level WARNING (the caller sets it)."""
    placed = _placed(places, entity.name, marketplace, code, message) if places else None
    if placed is not None:
        return Finding(code, WARNING, message, placed, entity.name, marketplace)
    ref = field_of(code, entity, marketplace, message)
    path = ref.path if ref.mapped else ("metadata", "name")  # unmapped: the entity itself (a template's row)
    where = locator.locate(entity.source.path, entity.source.row, path, entity.source.line)
    return Finding(code, WARNING, message, where, entity.name, marketplace, ref.mapped)


def plan_findings(plan: Plan, entities: Iterable[Entity], locator: Locator,
                  places: Places | None = None) -> list[Finding]:
    """Every reason of the plan that a reviewer should see: blocks, attention and unauthorized
    pairs as errors; drift, unmanaged, stale and advisory reasons as warnings; a resubmission
    after a rejection as a note. An unreadable seller is an error at its entity's line. A
    reason the verdict gives is at the verdict's place (`places`, see verdict_places)."""
    by_name = {e.name: e for e in entities}
    out: list[Finding] = []
    for e in plan.entities:
        entity = by_name.get(e.name)
        if entity is None:
            continue
        if e.error is not None:
            out.append(_at(locate_reason(UNREADABLE, entity, None, e.error, locator), ERROR))
            continue
        out += [_at(locate_reason(r.code, entity, p.marketplace, r.message, locator, places),
                    _level(p.state, r.code))
                for p in e.pairs for r in p.reasons]
    return out


def _at(f: Finding, level: str) -> Finding:
    return Finding(f.code, level, f.message, f.where, f.entity, f.marketplace, f.mapped)


_LEVELS = {vd.ERROR: ERROR, vd.BLOCK: WARNING, vd.WARNING: WARNING}


def verdict_findings(verdict: vd.Verdict) -> list[Finding]:
    """`acorn validate`'s verdict as findings, each at the verdict's own place (where validate
    and its annotations name it): what could not be loaded and every error as errors; blocks
    (validate warns, plan blocks) and warnings as warnings; an acknowledged warning as a note."""
    out = []
    for p in verdict.problems:
        row = p.row or None
        out.append(Finding(DESIRED_STATE_INVALID, ERROR, f"{p.key}: {p.message}",
                           Location(p.path, p.line, p.column, p.key, row=row), row))
    for f in verdict.findings:
        level = NOTE if f.acknowledged is not None else _LEVELS[f.severity]
        if f.severity is vd.ERROR:
            message = f"{f.location.key}: {f.detail or f.message}"
        elif f.acknowledged is not None:
            message = f"{f.message} (acknowledged: {f.acknowledged})"
        else:
            message = f.message + (" (plan blocks it)" if f.severity is vd.BLOCK else "")
        out.append(Finding(f.code, level, message, f.location, f.entity, f.marketplace or f.region))
    return out


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
          uri_of: Callable[[str], str], blob: str | None, places: Places | None = None) -> dict[LinkKey, Link]:
    """(entity, marketplace, code, message) -> the line to change (the verdict's place for a
    reason it gives); entities not in the tree are left out."""
    out: dict[LinkKey, Link] = {}
    for name, marketplace, code, message in items:
        entity = entities.get(name)
        if entity is None or (name, marketplace, code) in out:
            continue
        f = locate_reason(code, entity, marketplace, message, locator, places)
        path = uri_of(f.where.path)
        url = f"{blob}/{path}#L{f.where.line}" if blob else None
        out[(name, marketplace, code)] = Link(path, f.where.line, url, f.where.row, f.mapped)
    return out
