"""The audit log: one JSON line per attempt, appended and flushed, and never a secret."""

import json
from datetime import datetime, timezone

from reconciler.client.audit import AuditEntry, AuditLog


def test_lines_are_appended_as_json_with_a_utc_timestamp(tmp_path):
    path = tmp_path / "nested" / "audit.jsonl"
    log = AuditLog(path)
    when = datetime(2026, 11, 27, 10, 0, 1, 234000, tzinfo=timezone.utc)
    log.record(AuditEntry(when, "S1", "listRegistrations", "GET", "/x", 200, None, "rid-1", 12.345))
    assert path.read_text().count("\n") == 1  # flushed at once, readable before close
    log.record(AuditEntry(when, "S1", "createRegistration", "POST", "/y", None, "ReadTimeout", None, 5.0))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0] == {"time": "2026-11-27T10:00:01.234Z", "sellerId": "S1", "operation": "listRegistrations",
                        "method": "GET", "path": "/x", "status": 200, "error": None, "requestId": "rid-1",
                        "durationMs": 12.3}
    assert lines[1]["status"] is None and lines[1]["error"] == "ReadTimeout"
