"""When each desired create first appeared: the decisions (pure) behind `acorn drift`'s ages.

`cli/create_ages.py` reads git and `.acorn/first-seen.json` and writes the record back; what
the record becomes after a plan, and which date a create's age counts from, are decided here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

from ..domain.model import Entity
from .plan import CREATE, Plan


def key(entity: str, marketplace: str) -> str:
    return f"{entity}/{marketplace}"


def source_file(e: Entity) -> Path:
    """The entity's file (for a template's entities, the template file: the row is apart)."""
    return Path(e.source.path).resolve()


def next_record(seen: Mapping[str, datetime], plan: Plan, now: datetime) -> dict[str, datetime]:
    """The first-seen record after `plan` (every plan, also one with no create left): `now` for
    each create not noted yet; the planned entities' pairs that are no longer creates forgotten
    (a later create starts afresh)."""
    planned = {e.name for e in plan.entities if e.error is None}
    creates = {key(e.name, p.marketplace) for e in plan.entities for p in e.pairs if p.state == CREATE}
    kept = {k: v for k, v in seen.items() if k.split("/", 1)[0] not in planned or k in creates}
    for k in creates:
        kept.setdefault(k, now)
    return kept


def first_seen(entities: Iterable[Entity], plan: Plan, git: Mapping[Path, datetime],
               recorded: Mapping[str, datetime]) -> dict[tuple[str, str], datetime]:
    """(entity, marketplace) -> when the create first appeared, for every create of the plan:
    the commit that brought its file, else the record."""
    by_name = {e.name: e for e in entities}
    out: dict[tuple[str, str], datetime] = {}
    for e in plan.entities:
        source = by_name.get(e.name)
        committed = git.get(source_file(source)) if source is not None else None
        for p in e.pairs:
            if p.state != CREATE:
                continue
            when = committed or recorded.get(key(e.name, p.marketplace))
            if when is not None:
                out[(e.name, p.marketplace)] = when
    return out
