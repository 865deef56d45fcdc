"""Connecting a client to its endpoint: the one place that plugs the embedded sandbox in.

The client does not know the sandbox: in embedded mode this hands it the sandbox's in-process
transport, its base URL, and its demo refresh token as the stand-in for an unset credential
(a seller the sandbox does not know is adopted then: a rehearsal, see `EmbeddedTransport.adopt`).
The sandbox's admin calls (/_sandbox/...) go through `admin_client`, embedded or served alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
import httpx

from ..client.api import AcornClient
from ..client.audit import AuditLog
from ..client.endpoints import resolve_endpoints, tls_context
from ..desired.settings import Settings
from ..domain.model import Entity
from ..errors import ConfigError


def connect(settings: Settings, env: Mapping[str, str], *, base_dir: Path, state_dir: Path,
            audit: AuditLog, **options: Any) -> AcornClient:
    """A client for `settings`; `options` go to AcornClient (tests pass a clock, a policy...)."""
    if settings.endpoint == "embedded" and "transport" not in options:
        from ..sandbox.embedded import EMBEDDED_BASE_URL, demo_refresh_token, embedded_transport

        seconds = review_time(env)
        state = state_dir / "sandbox.sqlite"
        transport = embedded_transport(state) if seconds is None else embedded_transport(state, review_seconds=seconds)

        def stand_in(entity: Entity) -> str:
            # Rehearsal: an entity of the user's own whose credential is unset plans here as a
            # seller with no stores (its marketplaces are creates), not as an error.
            seller_id, submission = entity.seller_id, entity.submission
            registration = (submission.business_registration.country, submission.business_registration.number)
            if transport.adopt(seller_id, submission.legal_entity_name, registration):
                click.echo(f"note: the embedded sandbox did not know seller {seller_id}: it now rehearses it as a "
                           f"seller with no stores, so its marketplaces plan as creates (acorn sandbox seller list "
                           f"shows it)", err=True)
            return demo_refresh_token(seller_id)

        options = {"transport": transport, "endpoints": resolve_endpoints(settings, EMBEDDED_BASE_URL),
                   "stand_in_token": stand_in, **options}
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
    return (httpx.AsyncClient(base_url=settings.endpoint, timeout=10.0, verify=tls_context()),
            f"the sandbox at {settings.endpoint}")
