"""The sandbox as an ASGI application: routes, the request id, and the edge cases of HTTP.

`create_app(state_path)` is what `acorn sandbox serve` runs under uvicorn and what the
embedded mode calls in-process through httpx.ASGITransport. It needs no lifespan startup.

Every answer carries `x-amzn-RequestId`; an unknown route is 404 NotFound; an unexpected
error is 500 InternalFailure. A createRegistration chosen by `dropAfterCommitRate` commits
and then the connection is dropped with no answer: served, the socket is closed; in-process
the client's transport raises `ConnectionDropped` (an httpx.RemoteProtocolError), which is
what a client sees from a real dropped connection.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path
from typing import Any

import httpx
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Route, Router
from starlette.types import Message, Receive, Scope, Send

from ..domain.contract import (
    ACCOUNT_PATH,
    LWA_TOKEN_PATH,
    PARTICIPATIONS_PATH,
    REGISTRATION_PATH,
    REQUEST_ID_HEADER,
    SELLER_REGISTRATIONS_PATH,
)
from ..errors import MachineError
from .admin import Admin
from .api import Api, DropConnection
from .clock import SandboxClock
from .context import DEFAULT_REVIEW_SECONDS, Sandbox
from .faults import FaultInjector
from .http import ApiFailure
from .lwa import Lwa
from .ratelimit import RateLimiter
from .store import Store

log = logging.getLogger("reconciler.sandbox")



class ConnectionDropped(httpx.RemoteProtocolError):
    """In-process stand-in for a connection the server dropped without answering."""


class SandboxApp:
    """The raw ASGI edge around a Starlette router."""

    def __init__(self, sandbox: Sandbox, in_process: bool = False) -> None:
        self.sandbox = sandbox
        self.in_process = in_process
        api, admin, lwa = Api(sandbox), Admin(sandbox), Lwa(sandbox)
        self.router = Router(routes=[
            Route(LWA_TOKEN_PATH, lwa.token, methods=["POST"]),
            Route(PARTICIPATIONS_PATH, api.participations, methods=["GET"]),
            Route(ACCOUNT_PATH, api.account, methods=["GET"]),
            Route(SELLER_REGISTRATIONS_PATH, api.create_registration, methods=["POST"]),
            Route(SELLER_REGISTRATIONS_PATH, api.list_registrations, methods=["GET"]),
            Route(REGISTRATION_PATH, api.get_registration, methods=["GET"]),
            Route("/_sandbox/sellers", admin.put_seller, methods=["POST"]),
            Route("/_sandbox/clock", admin.clock, methods=["POST"]),
            Route("/_sandbox/clock", admin.now, methods=["GET"]),
            Route("/_sandbox/registrations/{registration_id}/decision", admin.decide, methods=["POST"]),
            Route("/_sandbox/faults", admin.faults, methods=["PUT"]),
            Route("/_sandbox/state", admin.state, methods=["GET"]),
            Route("/_sandbox/reset", admin.reset, methods=["POST"]),
        ])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: C901  the ASGI entry: one branch per refusal of a hostile request
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request_id = str(uuid.uuid4())
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", ()),
                                                   (REQUEST_ID_HEADER.encode(), request_id.encode())]}
            await send(message)

        scope["app"] = self  # makes the router raise HTTPException for unknown routes
        try:
            await self.router(scope, receive, send_with_id)
        except DropConnection:
            await self._drop(send)
        except ClientDisconnect:  # the client went away mid-request: nobody to answer, nothing broken
            log.warning("client disconnected before the answer (request id %s, %s %s)",
                        request_id, scope.get("method"), scope.get("path"))
        except MachineError:
            if self.in_process:  # embedded: the run's own state file; its caller names it once
                raise
            log.error("sandbox state cannot be written (request id %s)", request_id)
            if not started:
                await ApiFailure(500, "the sandbox cannot write its state; see its log").response()(
                    scope, receive, send_with_id)
        except HTTPException as exc:  # unknown path or method: the contract has no such operation
            if exc.status_code == 405:  # a known path: say which methods it has (HTTP's 405 and Allow)
                failure = ApiFailure(405, f"{scope['method']} is not an operation of {scope['path']}",
                                     headers={"Allow": self._allowed(scope["path"])})
            else:
                failure = ApiFailure(404, f"no operation {scope['method']} {scope['path']}")
            await failure.response()(scope, receive, send_with_id)
        except Exception:
            log.exception("sandbox failure (request id %s)", request_id)
            if started:
                raise
            await ApiFailure(500, "the sandbox failed; see its log").response()(scope, receive, send_with_id)

    def _allowed(self, path: str) -> str:
        """Every method of every route at `path` (a path may have several, one per method)."""
        methods = {m for route in self.router.routes if isinstance(route, Route) and route.path_regex.match(path)
                   for m in route.methods or ()}
        return ", ".join(sorted(methods - {"HEAD"}))

    async def _drop(self, send: Send) -> None:
        if self.in_process:
            raise ConnectionDropped("the sandbox dropped the connection after committing (fault injection)")
        # Served by uvicorn: close the socket without a byte of answer. `send` is bound to the
        # connection's request cycle, which holds the asyncio transport.
        transport: Any = getattr(getattr(send, "__self__", None), "transport", None)
        if transport is not None and hasattr(transport, "close"):
            transport.close()
            for _ in range(3):  # let the server see the disconnect before the app returns
                await asyncio.sleep(0)
            return
        # Any other server: start an answer and never finish it; the client sees a broken body.
        await send({"type": "http.response.start", "status": 500,
                    "headers": [(b"content-length", b"1024"), (b"connection", b"close")]})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.sandbox.store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(state_path: Path, *, review_seconds: float = DEFAULT_REVIEW_SECONDS,
               rate_limits: bool = True, in_process: bool = False, rate_scale: float = 1.0) -> SandboxApp:
    """The sandbox over the state file at `state_path` (created when missing); `rate_scale`
    runs the published rates that many times faster."""
    store = Store(state_path)
    clock = SandboxClock(float(store.meta("clock_offset") or 0.0))
    sandbox = Sandbox(store, clock, RateLimiter(rate_limits, rate_scale), FaultInjector(), review_seconds)
    return SandboxApp(sandbox, in_process)
