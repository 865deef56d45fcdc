"""`.acorn/first-seen.json` as a user (or a script) reads it: JSON, one create a line, keys sorted,
each with the UTC time its create was first seen; written piece by piece for a large fleet and
read back as written."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from reconciler.cli.create_ages import FIRST_SEEN_FILE, read_first_seen, record_first_seen
from reconciler.engine.plan import EntityPlan, Pair, Plan

NOW = datetime(2026, 12, 7, 18, 30, tzinfo=timezone.utc)


def test_a_record_of_thousands_of_creates_is_the_json_of_every_create_one_a_line(tmp_path) -> None:
    creates = [EntityPlan(f"seller-{i:05d}", f"A{i:013d}", (Pair("DE", "A1PA6795UKMFR9", "create"),
                                                             Pair("FR", "A13V1IB3VIYZZH", "create")))
               for i in range(1_501)]  # 3,002 creates: more than one piece
    plan = Plan("sandbox", NOW, "d" * 64, tuple(reversed(creates)))
    earlier = {"seller-00007/DE": NOW - timedelta(days=3), "zürich-gmbh/IT": NOW - timedelta(days=9)}
    (tmp_path / FIRST_SEEN_FILE).write_text(json.dumps({k: v.isoformat() for k, v in earlier.items()}))
    kept = record_first_seen(tmp_path, plan, NOW)
    text = (tmp_path / FIRST_SEEN_FILE).read_text()
    expected = {k: v.strftime("%Y-%m-%dT%H:%M:%SZ") for k, v in sorted(kept.items())}
    assert text == json.dumps(expected, indent=0)  # sorted keys, one a line, non-ASCII escaped
    assert text.count("\n") == len(kept) + 1 == 3_002 + 1 + 1
    assert read_first_seen(tmp_path) == kept
    assert kept["seller-00007/DE"] == NOW - timedelta(days=3) and kept["seller-00008/DE"] == NOW
