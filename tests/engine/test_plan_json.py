"""The plan's JSON form: exact shape and key order, round trip, and refusal of bad files."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from reconciler.engine.plan_json import from_json, to_json
from reconciler.errors import PlanFileError
from tests.engine.plan_builders import entity, one, sample_plan


def test_round_trip_is_exact():
    p = sample_plan()
    assert from_json(to_json(p)) == p
    assert from_json(json.loads(json.dumps(to_json(p)))) == p


def test_top_level_and_entity_keys_come_in_the_documented_order():
    data = to_json(sample_plan())
    assert list(data) == ["formatVersion", "environment", "generatedAt", "desiredDigest", "entities", "summary"]
    assert data["formatVersion"] == 1
    assert data["generatedAt"] == "2026-06-01T09:30:00Z"
    assert list(data["summary"]) == ["create", "pending", "attention", "blocked", "live", "unmanaged",
                                     "drifted", "unauthorized", "errors"]
    acme, maple, nord, sakura = data["entities"]
    assert list(acme) == ["name", "sellerId", "pairs", "creates"]
    assert list(maple) == ["name", "sellerId", "pairs", "creates", "errors"]  # the verdict's errors, when any
    assert list(sakura) == ["name", "sellerId", "error", "pairs", "creates"]
    assert list(acme["pairs"][0]) == ["marketplace", "marketplaceId", "state", "reasons"]  # US, live by participation
    pending, drifted = [p for p in nord["pairs"] if p["marketplace"] == "FR"]
    assert list(pending) == ["marketplace", "marketplaceId", "state", "registrationId", "status", "ageDays", "reasons"]
    assert drifted["drift"] == [{"field": "legalEntityName", "live": "Nordlicht Handels GmbH",
                                 "desired": "Nordlicht Handel GmbH"}]
    assert list(acme["creates"][0]) == ["region", "marketplaces", "marketplaceIds", "clientToken", "submissionDigest"]


def test_generated_at_is_written_in_utc():
    p = one(entity())
    local = p.generated_at.astimezone(timezone(timedelta(hours=9)))
    assert to_json(replace(p, generated_at=local))["generatedAt"] == "2026-06-01T09:30:00Z"


def _broken(edit) -> dict:
    data = copy.deepcopy(to_json(sample_plan()))
    edit(data)
    return data


@pytest.mark.parametrize("edit, where", [
    (lambda d: d.update(formatVersion=2), "formatVersion"),
    (lambda d: d.pop("formatVersion"), "formatVersion"),
    (lambda d: d.pop("desiredDigest"), "missing key 'desiredDigest'"),
    (lambda d: d.update(generatedAt="yesterday"), "generatedAt"),
    (lambda d: d.update(generatedAt="2026-06-01T09:30:00"), "time zone"),
    (lambda d: d.update(entities={}), "entities: must be a list"),
    (lambda d: d["entities"].append("acme"), "entities[4]: must be an object"),
    (lambda d: d["entities"][0]["pairs"][1].update(state="delete"), "entities[0].pairs[1].state"),
    (lambda d: d["entities"][0]["pairs"][1].pop("marketplaceId"), "entities[0].pairs[1]: missing key 'marketplaceId'"),
    (lambda d: d["entities"][2]["pairs"][2].update(ageDays="20"), "entities[2].pairs[2].ageDays: must be an integer"),
    (lambda d: d["entities"][2]["pairs"][2].update(ageDays=True), "ageDays"),
    (lambda d: d["entities"][0]["pairs"][3]["reasons"][0].pop("code"), "reasons[0]: missing key 'code'"),
    (lambda d: d["entities"][0]["creates"][0].update(marketplaceIds=[1]), "list of strings"),
    (lambda d: d["entities"][0]["creates"].pop(), "entities[0].creates"),  # a create pair left ungrouped
    (lambda d: d["summary"].update(create=99), "summary"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_a_malformed_plan_file_is_refused_naming_the_problem(edit, where):
    with pytest.raises(PlanFileError, match="not a valid acorn plan") as raised:
        from_json(_broken(edit))
    assert where in str(raised.value)


@pytest.mark.parametrize("data", [None, [], "plan", 1])
def test_a_plan_file_that_is_not_an_object_is_refused(data):
    with pytest.raises(PlanFileError):
        from_json(data)


def test_a_naive_generated_at_is_taken_as_utc():
    p = replace(one(entity()), generated_at=datetime(2026, 6, 1, 9, 30))
    assert to_json(p)["generatedAt"] == "2026-06-01T09:30:00Z"
