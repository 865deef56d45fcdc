"""Choosing what to plan (pure): entities by name, label selector or marketplace, a stable
shard of them for parallel CI jobs, and a plan narrowed to some marketplaces.

Entities are chosen *before* the live state is read (fewer calls); marketplaces narrow the
*plan* afterwards, because dropping a marketplace from an entity before planning would make
its live registrations look unmanaged.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from ..domain import catalogue
from ..domain.model import Entity
from ..domain.submission import client_token
from ..domain.suggest import did_you_mean
from ..errors import ConfigError
from .plan import EntityPlan, Plan


@dataclass(frozen=True)
class Requirement:
    """One term of a label selector: `key=value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`.

    As kubectl: `!=` and `notin` also match entities that do not have the label at all.
    """

    key: str
    op: str  # "=", "!=", "in", "notin"
    values: tuple[str, ...]

    def matches(self, labels: dict[str, str]) -> bool:
        if self.op in ("=", "in"):
            return self.key in labels and labels[self.key] in self.values
        return labels.get(self.key) not in self.values

    def __str__(self) -> str:
        if self.op in ("=", "!="):
            return f"{self.key}{self.op}{self.values[0]}"
        return f"{self.key} {self.op} ({','.join(self.values)})"


Selector = tuple[Requirement, ...]

_FORMS = "KEY=VALUE, KEY!=VALUE, 'KEY in (A,B)' or 'KEY notin (A,B)', joined by commas"
_SET_TERM = re.compile(r"^\s*([^\s=!(),]+)\s+(in|notin)\s*\(([^()]*)\)\s*$")


def _terms(text: str) -> list[str]:
    """`text` split at the commas outside parentheses."""
    terms, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += ch
    return terms + [current]


def parse_selector(text: str) -> Selector:
    """A label selector (as kubectl's `-l`): every term must match.

    `brand=acme`, `team!=emea`, `brand in (acme,atlas)`, `tier notin (gold)`, joined by commas.
    """
    out = []
    for part in _terms(text):
        found = _SET_TERM.match(part)
        if found:
            values = tuple(v.strip() for v in found.group(3).split(","))
            if not all(values):
                raise ConfigError(f"selector {text!r}: {part.strip()!r} needs values, like 'brand in (acme,atlas)'")
            out.append(Requirement(found.group(1), found.group(2), values))
            continue
        negated = "!=" in part
        key, sep, value = part.partition("!=" if negated else "=")
        key, value = key.strip(), value.strip()
        if not sep or not key or value.startswith("=") or any(c in key for c in " !()"):
            raise ConfigError(f"selector must be {_FORMS} (e.g. brand=acme,team!=emea), not {text!r}")
        out.append(Requirement(key, "!=" if negated else "=", (value,)))
    return tuple(out)


def parse_selectors(texts: Iterable[str]) -> Selector:
    """Several --selector options: all of their terms must match (AND)."""
    return tuple(r for t in texts for r in parse_selector(t))


def check_selector(entities: Sequence[Entity], selector: Selector) -> None:
    """ConfigError when `selector` matches no entity: a typo would otherwise plan nothing and
    look clean. The message names the term at fault and offers the labels in use."""
    if not selector or any(all(r.matches(e.label_map) for r in selector) for e in entities):
        return
    in_use: dict[str, set[str]] = {}
    for e in entities:
        for k, v in e.labels:
            in_use.setdefault(k, set()).add(v)
    labels = ", ".join(f"{k}={v}" for k in sorted(in_use) for v in sorted(in_use[k])) or "none"
    for r in selector:
        if any(r.matches(e.label_map) for e in entities):
            continue
        if r.op in ("=", "in") and r.key not in in_use:
            hint = did_you_mean(r.key, in_use)
            raise ConfigError(f"no entity matches the selector {str(r)!r}: no entity has the label "
                              f"{r.key!r}{hint} (labels in use: {labels})")
        hint = did_you_mean(r.values[0], in_use.get(r.key, ())) if r.op in ("=", "in") else ""
        raise ConfigError(f"no entity matches the selector {str(r)!r}{hint} (labels in use: {labels})")
    together = ",".join(str(r) for r in selector)
    raise ConfigError(f"no entity matches all of the selector {together!r} (each term matches some "
                      f"entity, but none matches them all; labels in use: {labels})")


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
    ConfigError (with a did-you-mean), since a typo would otherwise plan nothing and look
    clean; so is a selector that matches no entity (`check_selector`). `marketplaces`
    keeps entities that list at least one of the codes.
    """
    codes = set(check_marketplaces(marketplaces))
    for pattern in names:
        if pattern.startswith("!") or "!=" in pattern or " notin " in f" {pattern} ":
            raise ConfigError(f"--entity {pattern!r}: --entity takes names or shell patterns (atlas-*) and "
                              "cannot leave entities out; use a label selector for that: --selector 'brand!=atlas'")
        if not any(fnmatch.fnmatchcase(e.name, pattern) for e in entities):
            hint = did_you_mean(pattern, (e.name for e in entities))
            raise ConfigError(f"no entity is named {pattern!r}{hint}")
    check_selector(entities, selector)
    return tuple(
        e for e in entities
        if (not names or any(fnmatch.fnmatchcase(e.name, p) for p in names))
        and all(r.matches(e.label_map) for r in selector)
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
        kept = [(code, mid) for code, mid in zip(c.marketplaces, c.marketplace_ids, strict=False) if code in codes]
        if kept:
            ids = tuple(mid for _, mid in kept)
            creates.append(replace(c, marketplaces=tuple(code for code, _ in kept), marketplace_ids=ids,
                                   client_token=client_token(e.seller_id, ids, c.submission_digest)))
    return replace(e, pairs=tuple(p for p in e.pairs if p.marketplace in codes), creates=tuple(creates))
