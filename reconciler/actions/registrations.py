"""The client interface `actions/` submits and polls through: a Protocol, so that the actions
never import the client (the layers forbid it) yet call it type-checked. `AcornClient`
satisfies it; tests may hand in anything with the same two calls."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

from ..domain.live import LiveRegistration
from ..domain.model import Entity


class RegistrationClient(Protocol):
    """The two ACORN-i calls apply makes."""

    def create_registration(self, entity: Entity, region: str, marketplace_ids: list[str],
                            client_token: str, submission_digest: str) -> Awaitable[list[LiveRegistration]]:
        """CreateRegistration for one region's marketplaces; AlreadyExists or ApiError when refused."""
        ...

    def get_registration(self, entity: Entity, registration_id: str) -> Awaitable[LiveRegistration]:
        """One registration by id, wherever the entity's regions hold it."""
        ...
