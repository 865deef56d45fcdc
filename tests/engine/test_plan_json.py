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


BAD_FIELDS = {  # an edit of the sample plan's JSON -> the whole message `acorn apply plan.json` prints
    "pair-marketplace": (lambda d: d["entities"][0]["pairs"][0].update(marketplace=7),
                         "entities[0].pairs[0].marketplace: must be a string"),
    "pair-state": (lambda d: d["entities"][0]["pairs"][1].update(state="delete"),
                   "entities[0].pairs[1].state: must be one of create, pending, attention, blocked, live, unmanaged, "
                   "drifted, unauthorized, not 'delete'"),
    "pair-registration": (lambda d: d["entities"][0]["pairs"][2].update(registrationId=5),
                          "entities[0].pairs[2].registrationId: must be a string"),
    "pair-reasons": (lambda d: d["entities"][0]["pairs"][2].update(reasons={}),
                     "entities[0].pairs[2].reasons: must be a list"),
    "pair-object": (lambda d: d["entities"][0].update(pairs=[[]]), "entities[0].pairs[0]: must be an object"),
    "reason-message": (lambda d: d["entities"][0]["pairs"][2]["reasons"][0].pop("message"),
                       "entities[0].pairs[2].reasons[0]: missing key 'message'"),
    "diff-field": (lambda d: d["entities"][2]["pairs"][3]["drift"][0].pop("field"),
                   "entities[2].pairs[3].drift[0]: missing key 'field'"),
    "diff-live": (lambda d: d["entities"][2]["pairs"][3]["drift"][0].update(live=1),
                  "entities[2].pairs[3].drift[0].live: must be a string"),
    "diff-desired": (lambda d: d["entities"][2]["pairs"][3]["drift"][0].pop("desired"),
                     "entities[2].pairs[3].drift[0]: missing key 'desired'"),
    "create-marketplaces": (lambda d: d["entities"][0]["creates"][0].update(marketplaces="CA"),
                            "entities[0].creates[0].marketplaces: must be a list"),
    "create-ids": (lambda d: d["entities"][0]["creates"][0].update(marketplaceIds=[1]),
                   "entities[0].creates[0].marketplaceIds: must be a list of strings"),
    "create-lengths": (lambda d: d["entities"][0]["creates"][0].update(marketplaceIds=["A", "B"]),
                       "entities[0].creates[0]: marketplaces and marketplaceIds must be non-empty lists of the same "
                       "length"),
    "create-empty": (lambda d: d["entities"][0]["creates"][0].update(marketplaces=[], marketplaceIds=[]),
                     "entities[0].creates[0]: marketplaces and marketplaceIds must be non-empty lists of the same "
                     "length"),
    "create-region": (lambda d: d["entities"][0]["creates"][0].pop("region"),
                      "entities[0].creates[0]: missing key 'region'"),
    "create-token": (lambda d: d["entities"][0]["creates"][0].pop("clientToken"),
                     "entities[0].creates[0]: missing key 'clientToken'"),
    "create-digest": (lambda d: d["entities"][0]["creates"][0].update(submissionDigest=None),
                      "entities[0].creates[0].submissionDigest: must be a string"),
    "creates-ungrouped": (lambda d: d["entities"][0]["creates"].pop(),
                          "entities[0].creates: do not match the entity's create pairs"),
    "summary": (lambda d: d.update(summary=[]), "summary: must be an object"),
    "top-entities": (lambda d: d.update(entities={}), "entities: must be a list"),
    "top-entity": (lambda d: d.update(entities=["acme"]), "entities[0]: must be an object"),
    "entity-name": (lambda d: d["entities"][0].update(name=1), "entities[0].name: must be a string"),
    "entity-seller": (lambda d: d["entities"][0].pop("sellerId"), "entities[0]: missing key 'sellerId'"),
    "entity-error": (lambda d: d["entities"][3].update(error=[]), "entities[3].error: must be a string"),
    "entity-creates": (lambda d: d["entities"][0].update(creates={}), "entities[0].creates: must be a list"),
    "entity-create": (lambda d: d["entities"][0].update(creates=[1]), "entities[0].creates[0]: must be an object"),
    "other-channels": (lambda d: d["entities"][0].update(otherChannels={}),
                       "entities[0].otherChannels: must be a list"),
    "other-channel-id": (lambda d: d["entities"][0].update(otherChannels=[{"marketplaceId": 1, "name": "x"}]),
                         "entities[0].marketplaceId: must be a string"),
    "other-channel-name": (lambda d: d["entities"][0].update(otherChannels=[{"marketplaceId": "A"}]),
                           "entities[0]: missing key 'name'"),
}


@pytest.mark.parametrize("name", BAD_FIELDS)
def test_a_malformed_field_is_named_with_what_it_must_be(name):
    edit, message = BAD_FIELDS[name]
    with pytest.raises(PlanFileError) as raised:
        from_json(_broken(edit))
    assert str(raised.value) == f"the plan file is not a valid acorn plan: {message}"


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.update(formatVersion=2), "formatVersion: must be 1, not 2 (written by another acorn?)"),
    (lambda d: d.update(generatedAt=5), "generatedAt: must be a string"),
    (lambda d: d.update(generatedAt="yesterday"), "generatedAt: is not an ISO 8601 timestamp: 'yesterday'"),
], ids=["version", "stamp-type", "stamp-text"])
def test_a_malformed_top_level_key_is_named_with_what_it_must_be(edit, message):
    with pytest.raises(PlanFileError) as raised:
        from_json(_broken(edit))
    assert str(raised.value) == f"the plan file is not a valid acorn plan: {message}"


def test_a_plan_file_that_is_not_an_object_says_so():
    with pytest.raises(PlanFileError) as raised:
        from_json(["a", "list"])
    assert str(raised.value) == "the plan file is not a valid acorn plan: (top): must be a JSON object"
