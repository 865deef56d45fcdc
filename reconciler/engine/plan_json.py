"""The plan's JSON form (`formatVersion` 1): `to_json` for `--format json` and `--out`, and
`from_json` to read a saved plan back for `acorn apply plan.json` (docs/plan.md).

Keys come out in one stable order; optional keys (`error`, `registrationId`, `status`,
`ageDays`, `drift`, `acknowledged`, an entity's `errors` and `staleAcknowledgements`) only
when they have a value. `from_json` checks every key and type and
raises PlanFileError naming the first bad one, e.g. `entities[2].pairs[0].state: …`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from ..domain.model import Reason
from ..domain.timestamps import parse_timestamp, utc_timestamp
from ..errors import PlanFileError
from .plan import STATES, CreateGroup, EntityPlan, FieldDiff, Pair, Plan, PlanState

FORMAT_VERSION = 1
SUMMARY_KEYS = STATES + ("errors",)

T = TypeVar("T")


def pair_json(p: Pair) -> dict[str, Any]:
    """One pair's JSON form (the plan's `pairs[]`, and the status view's cells)."""
    out: dict[str, Any] = {"marketplace": p.marketplace, "marketplaceId": p.marketplace_id, "state": p.state}
    if p.registration_id is not None:
        out["registrationId"] = p.registration_id
    if p.status is not None:
        out["status"] = p.status
    if p.age_days is not None:
        out["ageDays"] = p.age_days
    if p.store_name is not None:
        out["storeName"] = p.store_name
    out["reasons"] = [{"code": r.code, "message": r.message} for r in p.reasons]
    if p.drift:
        out["drift"] = [{"field": d.field, "live": d.live, "desired": d.desired} for d in p.drift]
    if p.acknowledged:
        out["acknowledged"] = [{"code": r.code, "reason": r.message} for r in p.acknowledged]
    return out


def _create(c: CreateGroup) -> dict[str, Any]:
    return {"region": c.region, "marketplaces": list(c.marketplaces), "marketplaceIds": list(c.marketplace_ids),
            "clientToken": c.client_token, "submissionDigest": c.submission_digest}


def _entity(e: EntityPlan) -> dict[str, Any]:
    out: dict[str, Any] = {"name": e.name, "sellerId": e.seller_id}
    if e.error is not None:
        out["error"] = e.error
    out["pairs"] = [pair_json(p) for p in e.pairs]
    out["creates"] = [_create(c) for c in e.creates]
    if e.other_channels:
        out["otherChannels"] = [{"marketplaceId": i, "name": n} for i, n in e.other_channels]
    if e.errors:
        out["errors"] = [{"code": r.code, "message": r.message} for r in e.errors]
    if e.stale:
        out["staleAcknowledgements"] = [{"code": r.code, "message": r.message} for r in e.stale]
    return out


def to_json(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data, keys in the documented order."""
    return _document(plan, [_entity(e) for e in plan.entities])


def _document(plan: Plan, entities: list[dict[str, Any]]) -> dict[str, Any]:
    s = plan.summary
    return {
        "formatVersion": FORMAT_VERSION,
        "environment": plan.environment,
        "generatedAt": utc_timestamp(plan.generated_at),
        "desiredDigest": plan.desired_digest,
        "entities": entities,
        "summary": {k: getattr(s, k) for k in SUMMARY_KEYS},
    }


def json_chunks(plan: Plan) -> Iterator[str]:
    """`json.dumps(to_json(plan), indent=2, ensure_ascii=False)`, the same text, as a stream of
    pieces: one entity at a time, so a plan of 100,000 entities (175 MB of JSON) is written
    without ever being one dict or one string in memory."""
    whole = _document(plan, [])
    head, _, tail = json.dumps(whole, indent=2, ensure_ascii=False).partition('"entities": []')
    if not plan.entities:
        yield head + '"entities": []' + tail
        return
    yield head + '"entities": ['
    for i, e in enumerate(plan.entities):
        yield ("\n    " if i == 0 else ",\n    ") + _indented(_entity(e), "\n    ")
    yield "\n  ]" + tail


_STRING = json.encoder.encode_basestring  # libjson's C encoder of one string (ensure_ascii=False)


def _indented(value: object, newline: str) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)` for plan data (dicts, lists, text, whole
    numbers, booleans, null), each line after the first starting with `newline`: the same text,
    a few times faster (json.dumps with an indent runs its pure-Python encoder)."""
    if isinstance(value, str):
        return _STRING(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = newline + "  "
        return "{" + ",".join(f"{inner}{_STRING(k)}: {_indented(v, inner)}" for k, v in value.items()) + newline + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        inner = newline + "  "
        return "[" + ",".join(inner + _indented(v, inner) for v in value) + newline + "]"
    return json.dumps(value)


# --- reading a saved plan back ---------------------------------------------------------------

def _fail(where: str, message: str) -> PlanFileError:
    return PlanFileError(f"the plan file is not a valid acorn plan: {where}: {message}")


def _get(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str, optional: bool = False) -> Any:
    if key not in obj:
        if optional:
            return None
        raise _fail(where, f"missing key {key!r}")
    value = obj[key]
    # bool is an int in Python; a count or an age written as true is still wrong
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        name = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise _fail(f"{where}.{key}" if where != "(top)" else key, f"must be {_noun(name)}")
    return value


def _noun(name: str) -> str:
    return {"str": "a string", "int": "an integer", "list": "a list", "dict": "an object"}.get(name, name)


def _items(obj: dict[str, Any], key: str, where: str, read: Callable[[Any, str], T],
           optional: bool = False) -> tuple[T, ...]:
    values = _get(obj, key, list, where, optional) or []
    prefix = key if where == "(top)" else f"{where}.{key}"
    out = []
    for i, v in enumerate(values):
        if not isinstance(v, dict):
            raise _fail(f"{prefix}[{i}]", "must be an object")
        out.append(read(v, f"{prefix}[{i}]"))
    return tuple(out)


def _strings(obj: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    values = _get(obj, key, list, where)
    if not all(isinstance(v, str) for v in values):
        raise _fail(f"{where}.{key}", "must be a list of strings")
    return tuple(values)


def _read_reason(d: dict[str, Any], where: str) -> Reason:
    return Reason(_get(d, "code", str, where), _get(d, "message", str, where))


def _read_ack(d: dict[str, Any], where: str) -> Reason:
    return Reason(_get(d, "code", str, where), _get(d, "reason", str, where))


def _read_diff(d: dict[str, Any], where: str) -> FieldDiff:
    return FieldDiff(_get(d, "field", str, where), _get(d, "live", str, where), _get(d, "desired", str, where))


def _read_pair(d: dict[str, Any], where: str) -> Pair:
    state = _get(d, "state", str, where)
    if state not in STATES:
        raise _fail(f"{where}.state", f"must be one of {', '.join(STATES)}, not {state!r}")
    return Pair(_get(d, "marketplace", str, where), _get(d, "marketplaceId", str, where), PlanState(state),
                _get(d, "registrationId", str, where, optional=True), _get(d, "status", str, where, optional=True),
                _items(d, "reasons", where, _read_reason), _get(d, "ageDays", int, where, optional=True),
                _items(d, "drift", where, _read_diff, optional=True), _get(d, "storeName", str, where, optional=True),
                _items(d, "acknowledged", where, _read_ack, optional=True))


def _read_create(d: dict[str, Any], where: str) -> CreateGroup:
    codes, ids = _strings(d, "marketplaces", where), _strings(d, "marketplaceIds", where)
    if len(codes) != len(ids) or not ids:
        raise _fail(where, "marketplaces and marketplaceIds must be non-empty lists of the same length")
    return CreateGroup(_get(d, "region", str, where), codes, ids, _get(d, "clientToken", str, where),
                       _get(d, "submissionDigest", str, where))


def _read_entity(d: dict[str, Any], where: str) -> EntityPlan:
    return EntityPlan(_get(d, "name", str, where), _get(d, "sellerId", str, where),
                      _items(d, "pairs", where, _read_pair), _items(d, "creates", where, _read_create),
                      _get(d, "error", str, where, optional=True),
                      tuple((_get(c, "marketplaceId", str, where), _get(c, "name", str, where))
                            for c in _get(d, "otherChannels", list, where, optional=True) or ()),
                      _items(d, "errors", where, _read_reason, optional=True),
                      _items(d, "staleAcknowledgements", where, _read_reason, optional=True))


def from_json(data: object) -> Plan:
    """A saved plan read back; PlanFileError (naming the first bad key) for anything malformed."""
    if not isinstance(data, dict):
        raise _fail("(top)", "must be a JSON object")
    version = data.get("formatVersion")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise _fail("formatVersion", f"must be {FORMAT_VERSION}, not {version!r} (written by another acorn?)")
    stamp = _get(data, "generatedAt", str, "(top)")
    try:
        generated_at = parse_timestamp(stamp, require_zone=True)
    except ValueError as exc:
        zoned = "without a time zone" in str(exc)
        raise _fail("generatedAt", "must carry a time zone (…Z)" if zoned
                    else f"is not an ISO 8601 timestamp: {stamp!r}") from None
    plan = Plan(_get(data, "environment", str, "(top)"), generated_at, _get(data, "desiredDigest", str, "(top)"),
                _items(data, "entities", "(top)", _read_entity))
    summary = _get(data, "summary", dict, "(top)")
    expected = {k: getattr(plan.summary, k) for k in SUMMARY_KEYS}
    if summary != expected:
        raise _fail("summary", "does not match the plan's pairs (edited by hand?)")
    _check_creates(plan)
    return plan


def _check_creates(plan: Plan) -> None:
    """Every create pair is in exactly one create group of its entity, and nothing else is."""
    for i, e in enumerate(plan.entities):
        wanted = sorted(p.marketplace_id for p in e.pairs if p.state is PlanState.CREATE)
        grouped = sorted(mid for c in e.creates for mid in c.marketplace_ids)
        if wanted != grouped:
            raise _fail(f"entities[{i}].creates", "do not match the entity's create pairs")

