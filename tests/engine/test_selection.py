"""Choosing what to plan: names, label selectors, marketplaces, shards, narrowed plans."""

from __future__ import annotations

import pytest

from reconciler.domain.live import IN_REVIEW
from reconciler.domain.submission import client_token, submission_digest
from reconciler.engine.selection import (
    Requirement,
    parse_selector,
    parse_selectors,
    parse_shard,
    restrict,
    select,
    shard,
)
from reconciler.errors import ConfigError
from tests.engine.plan_builders import entity, one, reg, rows, run, seller

ENTITIES = (
    entity("acme-sz", ("US", "DE"), labels={"brand": "acme", "team": "apac"}),
    entity("atlas-ie", ("IE", "NL"), labels={"brand": "atlas", "team": "emea"}),
    entity("atlas-uk", ("UK", "JP"), labels={"brand": "atlas", "team": "emea"}),
    entity("maple-ca", ("CA", "US"), labels={"brand": "maple", "team": "amer"}),
)


def names(entities) -> list[str]:
    return [e.name for e in entities]


@pytest.mark.parametrize("kw, expected", [
    ({}, ["acme-sz", "atlas-ie", "atlas-uk", "maple-ca"]),
    (dict(names=["maple-ca"]), ["maple-ca"]),
    (dict(names=["atlas-*"]), ["atlas-ie", "atlas-uk"]),
    (dict(names=["maple-ca", "acme-sz"]), ["acme-sz", "maple-ca"]),
    (dict(selector=parse_selector("brand=atlas")), ["atlas-ie", "atlas-uk"]),
    (dict(selector=parse_selector("team=emea, brand=atlas")), ["atlas-ie", "atlas-uk"]),
    (dict(selector=parse_selector("brand!=atlas")), ["acme-sz", "maple-ca"]),
    (dict(selector=parse_selector("brand in (acme, maple)")), ["acme-sz", "maple-ca"]),
    (dict(selector=parse_selector("brand notin (acme,maple),team=emea")), ["atlas-ie", "atlas-uk"]),
    (dict(selector=parse_selector("tier!=gold")), ["acme-sz", "atlas-ie", "atlas-uk", "maple-ca"]),
    (dict(selector=parse_selectors(["brand=atlas", "team in (emea)"])), ["atlas-ie", "atlas-uk"]),
    (dict(marketplaces=["us"]), ["acme-sz", "maple-ca"]),
    (dict(marketplaces=["JP", "NL"]), ["atlas-ie", "atlas-uk"]),
    (dict(names=["a*"], selector=parse_selector("brand=atlas"), marketplaces=["UK"]), ["atlas-uk"]),
])
def test_select(kw, expected):
    assert names(select(ENTITIES, **kw)) == expected


@pytest.mark.parametrize("kw, message", [
    (dict(names=["mapel-ca"]), "no entity is named 'mapel-ca'; did you mean 'maple-ca'"),
    (dict(names=["!atlas-*"]), "cannot leave entities out; use a label selector"),
    (dict(selector=parse_selector("tier=gold")), "no entity has the label 'tier'"),
    (dict(selector=parse_selector("brnd=atlas")), "did you mean 'brand'.*labels in use: brand=acme"),
    (dict(selector=parse_selector("brand=atlsa")), "'brand=atlsa'; did you mean 'atlas'"),
    (dict(selector=parse_selector("team=emea,brand=acme")), "none matches them all"),
    (dict(selector=parse_selectors(["brand=atlas", "brand=acme"])), "none matches them all"),
    (dict(selector=parse_selector("brand notin (acme,atlas,maple)")), "no entity matches the selector"),
    (dict(marketplaces=["XX"]), "unknown marketplace XX"),
])
def test_select_refuses_what_would_silently_plan_nothing(kw, message):
    with pytest.raises(ConfigError, match=message):
        select(ENTITIES, **kw)


@pytest.mark.parametrize("text", ["brand", "=atlas", "brand==atlas", "brand=atlas,", "", "brand in acme",
                                  "brand !in (a)"])
def test_a_malformed_selector_is_refused(text):
    with pytest.raises(ConfigError, match="KEY=VALUE, KEY!=VALUE"):
        parse_selector(text)


def test_a_set_term_needs_values():
    with pytest.raises(ConfigError, match="needs values"):
        parse_selector("brand in (a,)")


def test_a_selector_value_may_be_empty():
    assert parse_selector("brand=") == (Requirement("brand", "=", ("",)),)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_shards_hold_every_entity_exactly_once(n):
    many = [entity(f"seller-{i:03d}") for i in range(200)]
    shards = [shard(many, k, n) for k in range(1, n + 1)]
    assert sorted(e.name for s in shards for e in s) == sorted(e.name for e in many)
    assert all(len(s) > 0 for s in shards)


def test_an_entitys_shard_depends_on_its_name_alone():
    many = [entity(f"seller-{i:03d}") for i in range(50)]
    before = {e.name for e in shard(many, 2, 3)}
    after = {e.name for e in shard(many[10:] + [entity("newcomer")], 2, 3)}
    assert {e.name for e in many[10:] if e.name in before} == after - {"newcomer"}


@pytest.mark.parametrize("text, expected", [("1/1", (1, 1)), ("2/4", (2, 4)), ("4/4", (4, 4))])
def test_parse_shard(text, expected):
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text", ["0/4", "5/4", "1", "a/b", "1/0", "-1/2", "1/2/3"])
def test_a_bad_shard_is_refused(text):
    with pytest.raises(ConfigError, match="K/N"):
        parse_shard(text)


def test_restrict_keeps_the_marketplaces_rows_and_regroups_creates_with_new_tokens():
    e = entity("acme-sz", ("US", "CA", "DE", "FR"))
    p = one(e, ("UK",), (reg("IT", IN_REVIEW),))
    narrowed = restrict(p, ["ca", "FR"])
    assert [(r.marketplace, r.state) for r in rows(narrowed)] == [("CA", "create"), ("FR", "create")]
    digest = submission_digest(e.submission)
    assert [(c.region, c.marketplaces, c.marketplace_ids, c.client_token) for c in narrowed.entities[0].creates] == [
        ("NA", ("CA",), ("A2EUQ1WTGCTBG2",), client_token(e.seller_id, ["A2EUQ1WTGCTBG2"], digest)),
        ("EU", ("FR",), ("A13V1IB3VIYZZH",), client_token(e.seller_id, ["A13V1IB3VIYZZH"], digest))]
    assert (narrowed.summary.create, narrowed.summary.unmanaged) == (2, 0)
    assert restrict(p, []) == p


def test_restrict_drops_entities_without_those_marketplaces_but_keeps_errors():
    a, b, c = entity("a", ("US",)), entity("b", ("DE",)), entity("c", ("DE",))
    p = run([a, b, c], [seller(a), seller(b), seller(c, error="unreadable")])
    assert [e.name for e in restrict(p, ["DE"]).entities] == ["b", "c"]


@pytest.mark.parametrize("text", ["team=emea", "team!=emea", "brand in (acme,atlas)", "tier notin (gold)"])
def test_a_requirement_reads_back_as_written(text):
    """Messages quote a selector's terms as the user wrote them (kubectl's forms)."""
    (term,) = parse_selector(text)
    assert str(term) == text


def test_set_terms_and_plain_terms_mix_in_one_selector():
    assert parse_selector("brand in (acme,atlas), team!=emea, tier notin (gold,silver), region=eu") == (
        Requirement("brand", "in", ("acme", "atlas")), Requirement("team", "!=", ("emea",)),
        Requirement("tier", "notin", ("gold", "silver")), Requirement("region", "=", ("eu",)))


def test_a_shard_out_of_range_is_refused_in_words():
    with pytest.raises(ConfigError) as raised:
        shard([entity("a")], 3, 2)
    assert str(raised.value) == "shard must be K/N with 1 <= K <= N, not 3/2"


def test_an_entity_stays_in_its_shard_from_release_to_release():
    """Sharded CI jobs keep their entities across acorn versions: sha256 of the name (its first 8
    bytes, big-endian) mod N, plus 1; these are the demo's names in 3 shards, pinned."""
    pinned = {"acme-sz": 3, "nordlicht-de": 3, "maple-ca": 2, "sakura-jp": 2, "atlas-ie": 1, "atlas-uk": 2}
    assert {name: [k for k in (1, 2, 3) if shard([entity(name)], k, 3)] for name in pinned} == {
        name: [k] for name, k in pinned.items()}
