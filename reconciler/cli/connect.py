"""Connecting a client to its endpoint: the one place that plugs the embedded sandbox in.

The client does not know the sandbox: in embedded mode this hands it the sandbox's in-process
transport, its base URL, and its demo refresh token as the stand-in for an unset credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..client.api import AcornClient
from ..client.audit import NullAuditLog
from ..client.endpoints import resolve_endpoints
from ..desired.settings import Settings


def connect(settings: Settings, env: Mapping[str, str], *, base_dir: Path, state_dir: Path,
            audit: NullAuditLog, **options: Any) -> AcornClient:
    """A client for `settings`; `options` go to AcornClient (tests pass a clock, a policy...)."""
    if settings.endpoint == "embedded" and "transport" not in options:
        from ..sandbox.embedded import EMBEDDED_BASE_URL, demo_refresh_token, embedded_transport

        options = {"transport": embedded_transport(state_dir / "sandbox.sqlite"),
                   "endpoints": resolve_endpoints(settings, EMBEDDED_BASE_URL),
                   "stand_in_token": demo_refresh_token, **options}
    return AcornClient(settings, env, base_dir=base_dir, audit=audit, **options)
