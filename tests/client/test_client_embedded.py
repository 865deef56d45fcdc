"""Embedded mode: with nothing configured, the client reads the demo world in-process."""

import asyncio

from reconciler.client import AcornClient, MemoryAuditLog
from reconciler.loader import load_desired
from reconciler.settings import Settings

from .client_support import REPO


def test_embedded_mode_needs_no_credentials_and_keeps_its_state_in_the_state_dir(tmp_path):
    entities = load_desired(REPO / "desired").entities
    audit = MemoryAuditLog()

    async def go():
        async with AcornClient(Settings(), {}, base_dir=tmp_path, state_dir=tmp_path / ".acorn", audit=audit) as c:
            return await c.read_all(entities, concurrency=4)

    live = asyncio.run(go())
    assert {s: v.error for s, v in live.items()} == {e.seller_id: None for e in entities}
    assert len(live["A3EXAMPLEACME01"].registrations) == 1
    assert (tmp_path / ".acorn" / "sandbox.sqlite").is_file()
    assert len(audit.entries) == 3 * len(entities) and {e.status for e in audit.entries} == {200}
