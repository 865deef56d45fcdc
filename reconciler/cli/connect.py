"""Connecting a client to its endpoint: the one place that plugs the embedded sandbox in.

The client does not know the sandbox: in embedded mode this hands it the sandbox's in-process
transport, its base URL, and its demo refresh token as the stand-in for an unset credential.
The sandbox's admin calls (/_sandbox/...) go through `admin_client`, embedded or served alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from ..client.api import AcornClient
from ..client.audit import NullAuditLog
from ..client.endpoints import resolve_endpoints
from ..desired.settings import Settings
from ..errors import ConfigError


def connect(settings: Settings, env: Mapping[str, str], *, base_dir: Path, state_dir: Path,
            audit: NullAuditLog, **options: Any) -> AcornClient:
    """A client for `settings`; `options` go to AcornClient (tests pass a clock, a policy...)."""
    if settings.endpoint == "embedded" and "transport" not in options:
        from ..sandbox.embedded import EMBEDDED_BASE_URL, demo_refresh_token, embedded_transport

        seconds = review_time(env)
        state = state_dir / "sandbox.sqlite"
        transport = embedded_transport(state) if seconds is None else embedded_transport(state, review_seconds=seconds)
        options = {"transport": transport,
                   "endpoints": resolve_endpoints(settings, EMBEDDED_BASE_URL),
                   "stand_in_token": demo_refresh_token, **options}
    return AcornClient(settings, env, base_dir=base_dir, audit=audit, **options)


REVIEW_SECONDS_ENV = "ACORN_SANDBOX_REVIEW_SECONDS"


def review_time(env: Mapping[str, str]) -> float | None:
    """The embedded sandbox's review time for registrations created in this run, from
    ACORN_SANDBOX_REVIEW_SECONDS (e.g. 5, to rehearse `apply --waves` in seconds); default 300."""
    raw = env.get(REVIEW_SECONDS_ENV, "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 10**7:
        raise ConfigError(f"{REVIEW_SECONDS_ENV} must be a number of seconds above 0, not {raw!r}")
    return seconds


def admin_client(settings: Settings, state_dir: Path) -> tuple[httpx.AsyncClient, str]:
    """An HTTP client for the admin calls of the workspace's sandbox (the embedded one, in
    process, or the one served at the endpoint URL), and how to name that sandbox to a user."""
    if settings.endpoint == "embedded":
        from ..sandbox.embedded import EMBEDDED_BASE_URL, embedded_transport

        state = state_dir / "sandbox.sqlite"
        return (httpx.AsyncClient(transport=embedded_transport(state), base_url=EMBEDDED_BASE_URL),
                f"the embedded sandbox ({state})")
    return httpx.AsyncClient(base_url=settings.endpoint, timeout=10.0), f"the sandbox at {settings.endpoint}"
