"""Embedded mode: the same sandbox application, called in-process through httpx.

The client plugs `embedded_transport(path)` into its httpx client with base URL
`EMBEDDED_BASE_URL` (ACORN-i, the Sellers API and LWA all answer there). The state file is
created, and seeded with the demo world (`demo.py`), on the first request, so a transport
that is never used writes nothing. No lifespan is needed.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.types import Receive, Scope, Send

from .app import DEFAULT_REVIEW_SECONDS, SandboxApp, create_app
from .demo import demo_refresh_token, seed_demo

__all__ = ["EMBEDDED_BASE_URL", "demo_refresh_token", "embedded_app", "embedded_transport"]

EMBEDDED_BASE_URL = "http://sandbox.acorn.invalid"


def embedded_app(state_path: Path, *, review_seconds: float = DEFAULT_REVIEW_SECONDS,
                 rate_limits: bool = True) -> SandboxApp:
    """The in-process sandbox over `state_path`, seeded with the demo world once per file."""
    app = create_app(state_path, review_seconds=review_seconds, rate_limits=rate_limits, in_process=True)
    sandbox = app.sandbox
    sandbox.store.seed_once(lambda store: seed_demo(store, sandbox.now()))
    return app


class _OnFirstUse:
    """An ASGI app that opens (and seeds) the state on its first request."""

    def __init__(self, state_path: Path, review_seconds: float, rate_limits: bool) -> None:
        self._args = (state_path, review_seconds, rate_limits)
        self.app: SandboxApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is None:  # no await before this assignment: one app per transport
            path, review_seconds, rate_limits = self._args
            self.app = embedded_app(path, review_seconds=review_seconds, rate_limits=rate_limits)
        await self.app(scope, receive, send)


def embedded_transport(state_path: Path, *, review_seconds: float = DEFAULT_REVIEW_SECONDS,
                       rate_limits: bool = True) -> httpx.AsyncBaseTransport:
    """An httpx transport to the embedded sandbox (a loopback client, so admin calls work)."""
    return httpx.ASGITransport(app=_OnFirstUse(Path(state_path), review_seconds, rate_limits),
                               client=("127.0.0.1", 49152))
