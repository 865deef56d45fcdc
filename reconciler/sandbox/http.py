"""HTTP conventions of the contract: error bodies, JSON answers, request ids, loopback.

Handlers raise `ApiFailure`; the application turns it into
`{"errors": [{"code", "message", "details"}]}` with the contract's status.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..domain.contract import ERROR_CODES, METHOD_NOT_ALLOWED


class ApiFailure(Exception):
    """An error answer of the contract; `details` is machine-readable (a field, a conflict)."""

    def __init__(self, status: int, message: str, details: str = "",
                 headers: dict[str, str] | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or (METHOD_NOT_ALLOWED if status == 405 else ERROR_CODES[status])
        self.message = message
        self.details = details
        self.headers = headers or {}

    @classmethod
    def invalid(cls, field: str, message: str) -> "ApiFailure":
        """400 InvalidInput naming the field, in the message and (alone) in details."""
        return cls(400, f"{field}: {message}", field)

    def response(self) -> Response:
        body = {"errors": [{"code": self.code, "message": self.message, "details": self.details}]}
        return json_response(body, self.status, self.headers)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # Compact, UTF-8: the same bytes for the same value, cheap to produce under load.
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(content, status, headers, media_type="application/json")


MAX_BODY_DEPTH = 32  # no request of the contract nests deeper than a few levels


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _depth(value: Any) -> int:
    deepest, level = 0, [(value, 1)]
    while level:
        item, depth = level.pop()
        deepest = max(deepest, depth)
        if depth > MAX_BODY_DEPTH:
            return depth
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        level.extend((child, depth + 1) for child in children)
    return deepest


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; 400 InvalidInput for anything else (never a 500)."""
    raw = await request.body()
    if not raw:
        raise ApiFailure.invalid("body", "a JSON body is required")
    try:
        body = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError):
        raise ApiFailure.invalid("body", "the body is not valid JSON") from None
    except RecursionError:
        raise ApiFailure.invalid("body", f"the JSON nests deeper than {MAX_BODY_DEPTH} levels") from None
    if not isinstance(body, dict):
        raise ApiFailure.invalid("body", "must be a JSON object")
    if _depth(body) > MAX_BODY_DEPTH:
        raise ApiFailure.invalid("body", f"the JSON nests deeper than {MAX_BODY_DEPTH} levels")
    return body


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback; admin calls accept nothing else."""
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)
