"""Login with Amazon's token endpoint, as the sandbox plays it.

Any client_id / client_secret is accepted (they name the application, which keys the rate
limits); a refresh token only when a seeded seller holds it. The access token acts for
that seller alone, in the regions that refresh token's authorization covers (as SP-API's:
an authorization is regional), and expires after an hour of sandbox clock. Error bodies
are Login with Amazon's: `error_description` first, then `error`.
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

from ..domain.contract import LWA_INVALID_CLIENT, LWA_INVALID_GRANT, LWA_UNSUPPORTED_GRANT_TYPE
from .api import token_hash
from .context import Sandbox
from .http import json_response

ACCESS_TOKEN_SECONDS = 3600
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _error(status: int, error: str, description: str) -> Response:
    return json_response({"error_description": description, "error": error}, status, NO_STORE)


class Lwa:
    def __init__(self, sandbox: "Sandbox") -> None:
        self.sb = sandbox

    async def token(self, request: Request) -> Response:
        try:
            form = {k: v[-1] for k, v in parse_qs((await request.body()).decode(), keep_blank_values=True).items()}
        except UnicodeDecodeError:
            form = {}
        if not form.get("client_id") or not form.get("client_secret"):
            return _error(401, LWA_INVALID_CLIENT, "Client authentication failed")
        if form.get("grant_type") != "refresh_token":
            return _error(400, LWA_UNSUPPORTED_GRANT_TYPE, "grant_type must be refresh_token")
        refresh_token = form.get("refresh_token", "")
        seller = self.sb.store.seller_by_refresh_token(refresh_token) if refresh_token else None
        if seller is None:
            # Never echo the token: it may be a real secret sent to the wrong place.
            return _error(400, LWA_INVALID_GRANT, "The request has an invalid grant parameter : refresh_token")
        access_token = "Atza|" + secrets.token_urlsafe(48)
        self.sb.store.add_access_token(token_hash(access_token), seller.seller_id, form["client_id"],
                                       self.sb.now() + ACCESS_TOKEN_SECONDS, seller.authorized_regions(refresh_token))
        return json_response({"access_token": access_token, "token_type": "bearer",
                              "expires_in": ACCESS_TOKEN_SECONDS, "refresh_token": refresh_token}, 200, NO_STORE)
