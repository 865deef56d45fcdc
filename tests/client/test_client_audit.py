"""The audit log: one JSON line per attempt, appended and flushed, and never a secret."""

import asyncio
import json
from datetime import datetime, timezone

from reconciler.client import AcornClient
from reconciler.client import audit as audit_module
from reconciler.client.audit import AuditEntry, FileAuditLog
from reconciler.desired.settings import Settings
from tests.client.client_support import Recording, make_entity


def test_lines_are_appended_as_json_with_a_utc_timestamp(tmp_path):
    path = tmp_path / "nested" / "audit.jsonl"
    log = FileAuditLog(path)
    when = datetime(2026, 11, 27, 10, 0, 1, 234000, tzinfo=timezone.utc)
    log.record(AuditEntry(when, "S1", "listRegistrations", "GET", "/x", 200, None, "rid-1", 12.345, region="EU"))
    assert path.read_text().count("\n") == 1  # flushed at once, readable before close
    log.record(AuditEntry(when, "S1", "createRegistration", "POST", "/y", None, "ReadTimeout", None, 5.0))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0] == {"time": "2026-11-27T10:00:01.234Z", "sellerId": "S1", "operation": "listRegistrations",
                        "region": "EU", "method": "GET", "path": "/x", "status": 200, "error": None,
                        "requestId": "rid-1", "durationMs": 12.3}
    assert lines[1]["status"] is None and lines[1]["error"] == "ReadTimeout"


def test_the_file_is_opened_once_and_closed_with_the_client(tmp_path, monkeypatch, sandbox, sandbox_url):
    opened = []  # paths opened for appending
    real_open = audit_module.open_append

    def spy(path):
        opened.append(path)
        return real_open(path)

    monkeypatch.setattr(audit_module, "open_append", spy)
    path = tmp_path / "audit.jsonl"
    log = FileAuditLog(path)
    entity = make_entity(env_name="TOKEN")
    sandbox.seller(entity.seller_id, "Atzr|refresh")
    env = {"TOKEN": "Atzr|refresh", "LWA_CLIENT_ID": "id", "LWA_CLIENT_SECRET": "secret"}
    wire = Recording()

    async def go():
        async with AcornClient(Settings(endpoint=sandbox_url), env, base_dir=tmp_path,
                               audit=log, transport=wire) as c:
            await c.read_seller(entity)
            # one exchange (one refresh token), then two reads in each of the entity's three regions,
            # each line flushed and naming its region
            assert len(path.read_text().splitlines()) == len(wire.exchanges) == 7
            regions = [json.loads(line)["region"] for line in path.read_text().splitlines()]
            assert regions[0] == "NA+EU+FE" and sorted(regions[1:]) == ["EU", "EU", "FE", "FE", "NA", "NA"]
            assert not log._file.closed

    asyncio.run(go())
    assert opened == [path] and log._file is None  # one open for seven lines; closed by aclose()
    log.record(AuditEntry(datetime.now(timezone.utc), "S1", "x", "GET", "/x", 200, None, None, 1.0))
    assert len(path.read_text().splitlines()) == 8  # recording after close appends again
    log.close()
