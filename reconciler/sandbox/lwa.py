"""Login with Amazon's token endpoint, as the sandbox plays it.

Any client_id / client_secret is accepted (they name the application, which keys the rate
limits); a refresh token only when a seeded seller holds it. The access token acts for
that seller alone, in the regions that refresh token's authorization covers (as SP-API's:
an authorization is regional), and expires after an hour of sandbox clock. Error bodies
are Login with Amazon's: `error_description` first, then `error`.
"""

from __future__ import annotations

import json
import secrets
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

from ..domain.contract import LWA_INVALID_CLIENT, LWA_INVALID_GRANT, LWA_UNSUPPORTED_GRANT_TYPE
from .api import token_hash
from .context import Sandbox
from .faults import echoed
from .http import json_response

ACCESS_TOKEN_SECONDS = 3600
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def _form(request: Request) -> dict[str, str]:
    try:
        return {k: v[-1] for k, v in parse_qs((await request.body()).decode(), keep_blank_values=True).items()}
    except UnicodeDecodeError:
        return {}


def _error(status: int, error: str, description: str) -> Response:
    return json_response({"error_description": description, "error": error}, status, NO_STORE)


def _echoing(response: Response, where: str, form: dict[str, str]) -> Response:
    """The error answer with the form's secrets quoted in `error` ("code") or
    `error_description` ("message", "details"): the echoCredentials fault."""
    if not where or response.status_code < 400:
        return response
    body = json.loads(bytes(response.body))
    key = "error" if where == "code" else "error_description"
    sent = [f"{name} {echoed(form[name])}" for name in ("refresh_token", "client_secret") if form.get(name)]
    body[key] = f"{body[key]} (sent {' with '.join(sent)})"
    return _error(response.status_code, body["error"], body["error_description"])


class Lwa:
    def __init__(self, sandbox: "Sandbox") -> None:
        self.sb = sandbox

    async def token(self, request: Request) -> Response:
        form = await _form(request)
        return _echoing(self._token(form), self.sb.faults.faults.echo_credentials, form)

    def _token(self, form: dict[str, str]) -> Response:
        if not form.get("client_id") or not form.get("client_secret"):
            return _error(401, LWA_INVALID_CLIENT, "Client authentication failed")
        if form.get("grant_type") != "refresh_token":
            return _error(400, LWA_UNSUPPORTED_GRANT_TYPE, "grant_type must be refresh_token")
        refresh_token = form.get("refresh_token", "")
        seller = self.sb.store.seller_by_refresh_token(refresh_token) if refresh_token else None
        if seller is None:
            # Never echo the token (unless asked to by echoCredentials): it may be a real secret.
            return _error(400, LWA_INVALID_GRANT, "The request has an invalid grant parameter : refresh_token")
        access_token = "Atza|" + secrets.token_urlsafe(48)
        self.sb.store.add_access_token(token_hash(access_token), seller.seller_id, form["client_id"],
                                       self.sb.now() + ACCESS_TOKEN_SECONDS, seller.authorized_regions(refresh_token))
        return json_response({"access_token": access_token, "token_type": "bearer",
                              "expires_in": ACCESS_TOKEN_SECONDS, "refresh_token": refresh_token}, 200, NO_STORE)
