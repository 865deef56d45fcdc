"""Run-stopping errors stop the run wherever they happen: one base class (errors.RunStopping),
and a test per class that fails if it ever becomes a seller's warning or a pair's failure."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reconciler.actions import apply
from reconciler.client.api import AcornClient
from reconciler.client.audit import NullAuditLog
from reconciler.desired.settings import Settings
from reconciler.engine.accounts import failed_read, not_offered
from reconciler.errors import (
    AcornError,
    ApiError,
    ApplicationAccessError,
    ApplicationCredentialsError,
    BreakerOpen,
    EndpointUnusable,
    MachineError,
    RegionUnauthorized,
    RoleMissing,
    RunStopping,
)
from tests.client.client_support import read_all
from tests.engine.plan_builders import entity

STOPPING = [MachineError("cannot write the audit log: No space left on device"),
            BreakerOpen("5 calls in a row failed; stopping the run"),
            EndpointUnusable("endpoint 'https://acorn.example:99999' cannot be sent to: invalid port"),
            ApplicationCredentialsError("LWA refused the application's client id or secret", status=401),
            ApplicationAccessError("403: the application's LWA client secret has expired: rotate lwa.clientSecret",
                                   status=403)]
IDS = ["full-disk", "breaker", "endpoint", "app-credentials", "app-access"]


def test_the_run_stopping_errors_are_exactly_these() -> None:
    def below(cls: type) -> set[type]:
        return {cls} | {s for sub in cls.__subclasses__() for s in below(sub)}

    assert below(RunStopping) == {RunStopping, MachineError, BreakerOpen, EndpointUnusable,
                                  ApplicationCredentialsError, ApplicationAccessError}
    assert not issubclass(RoleMissing, RunStopping)  # a role the app lacks: a per-region warning


@pytest.mark.parametrize("error", STOPPING, ids=IDS)
def test_an_account_read_that_hits_it_stops_the_run(error: AcornError) -> None:
    with pytest.raises(type(error)):
        failed_read("EU", error)


@pytest.mark.parametrize("error", [ApiError("404 not found", status=404),
                                   RegionUnauthorized("403: a role is missing", region="EU"),
                                   RoleMissing("403: the application lacks the role getAccount needs", status=403)],
                         ids=["404", "403", "role-missing"])
def test_any_other_failed_account_read_is_account_not_checked(error: AcornError) -> None:
    read = failed_read("EU", error)
    assert read.account is None and read.region == "EU"
    assert read.unavailable and "were not checked" in read.unavailable


def test_an_account_outside_the_eu_is_not_read_and_says_why() -> None:
    assert not_offered("EU") is None  # read: SP-API offers getAccount there
    for region in ("NA", "FE"):
        read = not_offered(region)
        assert read is not None and read.account is None and read.region == region
        assert read.unavailable and f"SP-API does not offer getAccount in {region}" in read.unavailable


def _client(tmp_path: Path) -> AcornClient:
    return AcornClient(Settings(endpoint="http://127.0.0.1:9", lwa_endpoint="http://127.0.0.1:9"), {},
                       base_dir=tmp_path, audit=NullAuditLog())


@pytest.mark.parametrize("error", STOPPING, ids=IDS)
def test_a_seller_read_that_hits_it_stops_the_run_not_one_seller(error: AcornError, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client(tmp_path)

    async def failing(_entity):
        raise error

    async def nothing(_entities):
        return None

    monkeypatch.setattr(client, "read_seller", failing)
    monkeypatch.setattr(client, "prefetch_secrets", nothing)
    monkeypatch.setattr(client, "app_credentials", lambda: ("id", "secret"))
    with pytest.raises(type(error)):
        asyncio.run(read_all(client, [entity("one"), entity("two", seller_id="ATWO000000002")], 2))


@pytest.mark.parametrize("error", STOPPING, ids=IDS)
def test_a_review_poll_that_hits_it_stops_the_run(error: AcornError) -> None:
    class Client:
        async def get_registration(self, _entity, _registration_id):
            raise error

    accepted = apply.PairResult("one", "DE", apply.ACCEPTED, "REG-1")

    async def sleep(_seconds: float) -> None:
        return None

    with pytest.raises(type(error)):
        asyncio.run(apply.wait_all(Client(), [accepted], {"one": entity("one")}, 10.0, 1, lambda: 0.0, sleep))


@pytest.mark.parametrize("error", STOPPING[1:], ids=IDS[1:])
def test_a_create_that_hits_it_stops_every_later_call(error: AcornError) -> None:
    """The first seller's create meets it: no further create is sent, and every pair left is
    reported failed with it (the summary still prints)."""
    from reconciler.domain.submission import client_token
    from reconciler.engine.plan import CreateGroup

    calls: list[str] = []

    class Client:
        async def create_registration(self, entity, region, marketplace_ids, token, digest):
            calls.append(entity.name)
            raise error

    creates = [apply.Create(name, CreateGroup("EU", ("DE",), ("A1PVRFHPG7LH6J",),
                                              client_token(f"A{name.upper()}", ("A1PVRFHPG7LH6J",), "d" * 64),
                                              "d" * 64))
               for name in ("one", "two", "three")]
    entities = {c.entity: entity(c.entity) for c in creates}
    results = asyncio.run(apply.submit_all(Client(), creates, entities, 1))
    assert calls == ["one"]
    assert [r.outcome for r in results] == [apply.FAILED] * 3
    assert all(r.message and error.message in r.message for r in results)


def test_a_full_disk_while_applying_is_raised_at_once() -> None:
    class Client:
        async def create_registration(self, *_args):
            raise STOPPING[0]

    from reconciler.engine.plan import CreateGroup

    create = apply.Create("one", CreateGroup("EU", ("DE",), ("A1PVRFHPG7LH6J",), "t" * 40, "d" * 64))
    with pytest.raises(MachineError):
        asyncio.run(apply.submit_all(Client(), [create], {"one": entity("one")}, 1))
