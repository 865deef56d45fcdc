"""The plan's JSON is streamed one entity at a time, and the stream is the same text as the
whole document (saved plans and `--format json` do not change)."""

from __future__ import annotations

import json
from dataclasses import replace

from reconciler.domain import safetext
from reconciler.engine.plan_json import json_chunks, to_json
from reconciler.render import render_json
from tests.engine.plan_builders import sample_plan


def test_the_stream_is_the_whole_document_one_entity_a_piece() -> None:
    plan = sample_plan()
    chunks = list(json_chunks(plan))
    assert "".join(chunks) == json.dumps(to_json(plan), indent=2, ensure_ascii=False)
    assert len(chunks) == len(plan.entities) + 2  # head, one piece per entity, tail
    assert "".join(render_json(plan)) == safetext.json_text(json.dumps(to_json(plan), indent=2, ensure_ascii=False))


def test_an_empty_plan_streams_the_same_text_too() -> None:
    plan = replace(sample_plan(), entities=())
    assert "".join(json_chunks(plan)) == json.dumps(to_json(plan), indent=2, ensure_ascii=False)
