"""Choosing what to plan (pure): entities by name, label selector or marketplace, a stable
shard of them for parallel CI jobs, and a plan narrowed to some marketplaces.

Entities are chosen *before* the live state is read (fewer calls); marketplaces narrow the
*plan* afterwards, because dropping a marketplace from an entity before planning would make
its live registrations look unmanaged.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import replace

from ..domain import catalogue
from ..domain.model import Entity
from ..domain.submission import client_token
from ..errors import ConfigError
from .plan import EntityPlan, Plan

Selector = tuple[tuple[str, str], ...]


def parse_selector(text: str) -> Selector:
    """`KEY=VALUE[,KEY=VALUE...]`: every pair must match (as kubectl's `-l`)."""
    out = []
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or value.startswith("="):
            raise ConfigError(f"selector must be KEY=VALUE[,KEY=VALUE...], not {text!r}")
        out.append((key, value))
    return tuple(out)


def check_marketplaces(codes: Iterable[str]) -> tuple[str, ...]:
    """The codes upper-cased, in catalogue order; ConfigError for an unknown one."""
    upper = {c.strip().upper() for c in codes}
    unknown = sorted(upper - set(catalogue.CODES))
    if unknown:
        raise ConfigError(f"unknown marketplace {', '.join(unknown)} (known: {', '.join(catalogue.CODES)})")
    return tuple(sorted(upper, key=catalogue.order))


def select(entities: Sequence[Entity], names: Sequence[str] = (), selector: Selector = (),
           marketplaces: Sequence[str] = ()) -> tuple[Entity, ...]:
    """The entities matching every filter given; an empty filter matches all.

    `names` are exact names or shell patterns (`atlas-*`); one that matches no entity is a
    ConfigError, since a typo would otherwise plan nothing and look clean. `marketplaces`
    keeps entities that list at least one of the codes.
    """
    codes = set(check_marketplaces(marketplaces))
    for pattern in names:
        if not any(fnmatch.fnmatchcase(e.name, pattern) for e in entities):
            raise ConfigError(f"no entity is named {pattern!r}")
    return tuple(
        e for e in entities
        if (not names or any(fnmatch.fnmatchcase(e.name, p) for p in names))
        and all(e.label_map.get(k) == v for k, v in selector)
        and (not codes or codes.intersection(e.marketplaces)))


def parse_shard(text: str) -> tuple[int, int]:
    """`K/N` with 1 <= K <= N: this job's shard of N."""
    k, sep, n = text.partition("/")
    try:
        kk, nn = int(k), int(n)
    except ValueError:
        kk = nn = 0
    if not sep or not 1 <= kk <= nn:
        raise ConfigError(f"shard must be K/N with 1 <= K <= N (e.g. 2/4), not {text!r}")
    return kk, nn


def shard_of(name: str, n: int) -> int:
    """The shard (1..n) an entity name falls in: stable across runs, machines and tree changes."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % n + 1


def shard(entities: Sequence[Entity], k: int, n: int) -> tuple[Entity, ...]:
    """Shard k of n (1-based): shards 1..n together hold every entity exactly once."""
    if not 1 <= k <= n:
        raise ConfigError(f"shard must be K/N with 1 <= K <= N, not {k}/{n}")
    return tuple(e for e in entities if shard_of(e.name, n) == k)


def restrict(plan: Plan, marketplaces: Sequence[str]) -> Plan:
    """The plan narrowed to some marketplaces: their rows only, creates regrouped (new tokens)."""
    if not marketplaces:
        return plan
    codes = set(check_marketplaces(marketplaces))
    return replace(plan, entities=tuple(_restrict(e, codes) for e in plan.entities
                                        if e.error is not None or any(p.marketplace in codes for p in e.pairs)))


def _restrict(e: EntityPlan, codes: set[str]) -> EntityPlan:
    creates = []
    for c in e.creates:
        kept = [(code, mid) for code, mid in zip(c.marketplaces, c.marketplace_ids) if code in codes]
        if kept:
            ids = tuple(mid for _, mid in kept)
            creates.append(replace(c, marketplaces=tuple(code for code, _ in kept), marketplace_ids=ids,
                                   client_token=client_token(e.seller_id, ids, c.submission_digest)))
    return replace(e, pairs=tuple(p for p in e.pairs if p.marketplace in codes), creates=tuple(creates))
