"""Fuzz saved plans: any JSON value, and a real plan with one value replaced anywhere, is a
Plan or a PlanFileError naming the key, never another exception."""

from __future__ import annotations

import contextlib
import json

from hypothesis import given
from hypothesis import strategies as st

from reconciler.engine.plan_json import from_json, to_json
from reconciler.errors import PlanFileError
from tests.engine.plan_builders import sample_plan
from tests.fuzzing import JSON, fuzz

SAVED = to_json(sample_plan())


def paths(value, here=()):
    yield here
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, here + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, here + (i,))


PATHS = list(paths(SAVED))[1:]


@given(JSON)
@fuzz(150)
def test_any_json_is_a_plan_or_a_plan_file_error(data):
    with contextlib.suppress(PlanFileError):
        from_json(data)


@given(st.sampled_from(PATHS), JSON)
@fuzz(200)
def test_a_saved_plan_with_any_value_replaced(path, value):
    data = json.loads(json.dumps(SAVED))
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    try:
        from_json(data)
    except PlanFileError as exc:
        assert "\n" not in str(exc)
