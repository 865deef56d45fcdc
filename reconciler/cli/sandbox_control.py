"""Driving a sandbox through its admin calls (/_sandbox/...), embedded or served alike.

The embedded sandbox is reached through the same in-process transport the client uses, so
`acorn sandbox seller add` and the other commands act on `.acorn/sandbox.sqlite` by
default, and on a served sandbox with `--endpoint URL`; both answer the same calls.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

import httpx

from ..domain.timestamps import parse_timestamp
from ..errors import ConfigError
from .connect import admin_client
from .workspace import Workspace


def is_sandbox(ws: Workspace) -> bool:
    """Whether the workspace's endpoint is an acorn sandbox (embedded, or a URL in sandbox)."""
    return ws.settings.environment == "sandbox" and ws.settings.endpoint != "regional"


def admin_call(ws: Workspace, method: str, path: str, body: Any = None) -> Any:
    """One admin call; its JSON answer, or ConfigError with the sandbox's own message."""
    if not is_sandbox(ws):
        raise ConfigError(f"the endpoint {ws.settings.endpoint} (environment {ws.settings.environment}) is not "
                          "an acorn sandbox: sandbox commands act on the embedded sandbox, or on a served one "
                          "with --endpoint http://127.0.0.1:8765")
    return asyncio.run(_call(ws, method, path, body))


async def _call(ws: Workspace, method: str, path: str, body: Any) -> Any:
    client, where = admin_client(ws.settings, ws.state_dir)
    async with client:
        try:
            answer = await client.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise ConfigError(f"cannot reach {where}: {exc.__class__.__name__}: {exc}; is `acorn sandbox serve` "
                              "running there?") from None
    try:
        data = answer.json()
    except ValueError:
        raise ConfigError(f"{where} answered {answer.status_code} without JSON to {method} {path}: "
                          "is it an acorn sandbox?") from None
    if answer.status_code >= 400:
        errors = data.get("errors") if isinstance(data, dict) else None
        message = errors[0].get("message") if errors else str(data)
        raise ConfigError(f"{where} refused: {message}")
    return data


def sandbox_now(ws: Workspace) -> datetime:
    """The sandbox's clock (which `acorn sandbox clock advance` moves); real UTC time when the
    endpoint is not a sandbox. A sandbox endpoint that does not answer is a ConfigError: a wrong
    --endpoint must not pass unnoticed on the real clock."""
    if not is_sandbox(ws):
        return datetime.now(timezone.utc)
    answer = admin_call(ws, "GET", "/_sandbox/clock")
    try:
        return parse_timestamp(answer["now"])
    except (TypeError, KeyError, AttributeError, ValueError):
        raise ConfigError(f"the sandbox at {ws.settings.endpoint} answered its clock without a time: "
                          "is it an acorn sandbox?") from None
