"""Embedded mode: with nothing configured, the client reads the demo world in-process."""

import asyncio

from reconciler.cli.connect import connect
from reconciler.client import MemoryAuditLog
from reconciler.desired.loader import load_desired
from reconciler.desired.settings import Settings
from reconciler.domain import catalogue
from tests.client.client_support import REPO, make_entity, read_all


def test_embedded_mode_needs_no_credentials_and_keeps_its_state_in_the_state_dir(tmp_path):
    entities = load_desired(REPO / "desired").entities
    audit = MemoryAuditLog()

    async def go():
        async with connect(Settings(), {}, base_dir=tmp_path, state_dir=tmp_path / ".acorn", audit=audit) as c:
            return await read_all(c, entities, concurrency=4)

    live = asyncio.run(go())
    assert {s: v.error for s, v in live.items()} == {e.seller_id: None for e in entities}
    assert len(live["A3EXAMPLEACME01"].registrations) == 1
    # the demo acme authorized the app in NA and EU only: FE is refused, without a token refresh
    assert {s: [r for r, _ in v.unauthorized] for s, v in live.items() if v.unauthorized} == {"A3EXAMPLEACME01": ["FE"]}
    assert (tmp_path / ".acorn" / "sandbox.sqlite").is_file()
    regions = sum(len({catalogue.by_code(c).region for c in e.marketplaces}) for e in entities)
    # two reads per entity and region, and one exchange per entity (one demo token serves its regions)
    assert len(audit.entries) == 2 * regions + len(entities)
    assert {e.status for e in audit.entries} == {200, 403}


def test_embedded_mode_rehearses_a_seller_the_demo_world_lacks(tmp_path, capsys):
    """An entity of the user's own, credential unset: the embedded sandbox adopts its seller
    with no stores (said once), so it plans as creates instead of failing."""
    stranger = make_entity("stranger", "A9UNKNOWN0001", ("DE",), env_name="STRANGER_TOKEN")
    known = make_entity("acme-sz", "A3EXAMPLEACME01", ("US",), env_name="ACME_TOKEN")

    async def go():
        async with connect(Settings(), {}, base_dir=tmp_path, state_dir=tmp_path / ".acorn",
                               audit=MemoryAuditLog()) as c:
            return await read_all(c, [stranger, known], concurrency=2)

    live = asyncio.run(go())
    assert live[stranger.seller_id].error is None
    assert not live[stranger.seller_id].participations and not live[stranger.seller_id].registrations
    assert live[known.seller_id].error is None  # a demo seller still reads with its demo token
    assert "the embedded sandbox did not know seller A9UNKNOWN0001" in capsys.readouterr().err
    asyncio.run(go())
    assert "did not know" not in capsys.readouterr().err  # adopted once, kept in the state file


def test_embedded_mode_still_names_a_set_but_wrong_credential(tmp_path):
    stranger = make_entity("stranger", "A9UNKNOWN0001", ("DE",), env_name="STRANGER_TOKEN")

    async def go():
        async with connect(Settings(), {"STRANGER_TOKEN": "Atzr|wrong"}, base_dir=tmp_path,
                               state_dir=tmp_path / ".acorn", audit=MemoryAuditLog()) as c:
            return await c.read_seller(stranger)

    refused = asyncio.run(go()).unauthorized_in("EU")
    assert "refresh token for EU (400 invalid_grant" in refused and "revoked or has expired" in refused
    assert "Atzr|wrong" not in refused
