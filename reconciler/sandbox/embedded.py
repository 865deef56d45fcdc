"""Embedded mode: the same sandbox application, called in-process through httpx.

The client plugs `embedded_transport(path)` into its httpx client with base URL
`EMBEDDED_BASE_URL` (ACORN-i, the Sellers API and LWA all answer there). The state file is
created, and seeded with the demo world (`demo.py`), on the first request, so a transport
that is never used writes nothing; an existing file is opened at once (so a bad one fails
early). A seller it does not know is adopted on demand (`adopt`) for a rehearsal. No lifespan
is needed: closing the transport (the httpx client) closes the file.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.types import Receive, Scope, Send

from .app import DEFAULT_REVIEW_SECONDS, SandboxApp, create_app
from .demo import demo_refresh_token, seed_demo_once
from .records import SellerRecord

__all__ = ["EMBEDDED_BASE_URL", "EmbeddedTransport", "demo_refresh_token", "embedded_app", "embedded_transport"]

EMBEDDED_BASE_URL = "http://sandbox.acorn.invalid"


def embedded_app(state_path: Path, *, review_seconds: float = DEFAULT_REVIEW_SECONDS,
                 rate_limits: bool = True) -> SandboxApp:
    """The in-process sandbox over `state_path`, seeded with the demo world once per file."""
    app = create_app(state_path, review_seconds=review_seconds, rate_limits=rate_limits, in_process=True)
    seed_demo_once(app.sandbox)
    return app


class _OnFirstUse:
    """An ASGI app that opens (and seeds) the state on its first request, or at once when the
    file exists already: a bad state file is then a ConfigError where the transport is made,
    not an error inside some request of some task."""

    def __init__(self, state_path: Path, review_seconds: float, rate_limits: bool) -> None:
        self._args = (state_path, review_seconds, rate_limits)
        self.app: SandboxApp | None = None
        if state_path.exists():
            self._open()

    def _open(self) -> SandboxApp:
        path, review_seconds, rate_limits = self._args
        self.app = embedded_app(path, review_seconds=review_seconds, rate_limits=rate_limits)
        return self.app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # No await before the assignment in _open: one app per transport.
        await (self.app or self._open())(scope, receive, send)

    def close(self) -> None:
        if self.app is not None:
            self.app.sandbox.store.close()


class EmbeddedTransport(httpx.ASGITransport):
    """httpx's ASGI transport that closes the sandbox's state file with the client."""

    def __init__(self, app: _OnFirstUse) -> None:
        super().__init__(app=app, client=("127.0.0.1", 49152))  # loopback, so admin calls work
        self._sandbox = app

    def adopt(self, seller_id: str, legal_name: str = "", registration: tuple[str, str] = ("", "")) -> bool:
        """Rehearsal: a seller this sandbox does not know becomes one with no stores and no
        registrations, its account as desired describes it (legal name, business registration),
        reached with its demo refresh token, so an entity of the user's own plans and applies
        its creates here before production. True when adopted now; a seller it knows already
        is left as it is."""
        store = (self._sandbox.app or self._sandbox._open()).sandbox.store
        if store.seller(seller_id) is not None:
            return False
        store.put_seller(SellerRecord(seller_id, legal_name, demo_refresh_token(seller_id),
                                      registration_country=registration[0], registration_number=registration[1]))
        return True

    async def aclose(self) -> None:
        self._sandbox.close()
        await super().aclose()


def embedded_transport(state_path: Path, *, review_seconds: float = DEFAULT_REVIEW_SECONDS,
                       rate_limits: bool = True) -> EmbeddedTransport:
    """An httpx transport to the embedded sandbox; ConfigError when its state file exists
    but is not a sandbox database. Closing the httpx client closes the state file."""
    return EmbeddedTransport(_OnFirstUse(Path(state_path), review_seconds, rate_limits))
