"""Support of the sandbox tests: the sandbox served over real HTTP on 127.0.0.1, a small
API helper, and the OpenAPI check that every response a test collects must pass.

The served sandbox runs under uvicorn in a background thread (one per session; a test that
needs its own, e.g. a restart, starts one with `serve_in_thread`). Tests reset it first.
Time-dependent rules are driven by advancing the sandbox clock, never by sleeping.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import uvicorn
import yaml

from reconciler.domain import catalogue
from reconciler.domain.contract import (
    ACCESS_TOKEN_HEADER,
    ACCOUNT_PATH,
    LWA_TOKEN_PATH,
    PARTICIPATIONS_PATH,
    REGION_HEADER,
    REGISTRATION_PATH,
    REQUEST_ID_HEADER,
    SELLER_REGISTRATIONS_PATH,
)
from reconciler.sandbox.app import create_app
from tests import tax_examples

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "schemas" / "acorn-i.openapi.yaml"
CLIENT_ID = "acorn-test"


# -- serving ---------------------------------------------------------------------------

@dataclass
class Served:
    url: str
    state: Path
    server: uvicorn.Server


@contextmanager
def serve_in_thread(state: Path, **app_options: Any) -> Iterator[Served]:
    """uvicorn on a free loopback port in a thread, over `state`; stopped on exit."""
    app = create_app(state, **app_options)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:  # readiness only: nothing is timed by sleeping
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the sandbox did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Served(f"http://127.0.0.1:{port}", state, server)
    finally:
        server.should_exit = True
        thread.join(10)


# -- the OpenAPI contract --------------------------------------------------------------

class Contract:
    """The OpenAPI document with $refs resolved, and a check of one response against it."""

    def __init__(self, path: Path) -> None:
        self.doc = yaml.safe_load(path.read_text())
        self.paths = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"), template)
                      for template in self.doc["paths"]]

    def resolve(self, node: Any, seen: tuple[str, ...] = ()) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                ref = node["$ref"]
                assert ref.startswith("#/") and ref not in seen, ref
                target: Any = self.doc
                for part in ref[2:].split("/"):
                    target = target[part]
                siblings = {k: v for k, v in node.items() if k != "$ref"}
                return self.resolve({**target, **siblings}, seen + (ref,))
            return {k: self.resolve(v, seen) for k, v in node.items()}
        if isinstance(node, list):
            return [self.resolve(v, seen) for v in node]
        return node

    def operation(self, method: str, path: str) -> dict | None:
        for pattern, template in self.paths:
            if pattern.match(path):
                return self.resolve(self.doc["paths"][template]).get(method.lower())
        return None

    def problems(self, method: str, path: str, status: int, headers: httpx.Headers, body: bytes) -> list[str]:
        where = f"{method} {path} -> {status}"
        found: list[str] = []
        if REQUEST_ID_HEADER not in headers:
            found.append(f"{where}: no {REQUEST_ID_HEADER}")
        op = self.operation(method, path)
        if op is None:
            return found  # an undocumented route: only the request id applies
        response = op["responses"].get(str(status))
        if response is None:
            return found + [f"{where}: status not documented"]
        for name, header in response.get("headers", {}).items():
            if header.get("required") and name.lower() not in headers:
                found.append(f"{where}: required header {name} missing")
            if name.lower() in headers and "schema" in header:
                errors = list(jsonschema.Draft202012Validator(header["schema"]).iter_errors(headers[name]))
                found += [f"{where}: header {name}: {e.message}" for e in errors]
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            validator = jsonschema.Draft202012Validator(schema)
            try:
                value = httpx.Response(status, content=body).json()
            except ValueError:
                return found + [f"{where}: body is not JSON"]
            found += [f"{where}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
                      for e in validator.iter_errors(value)]
        return found


# -- the API helper --------------------------------------------------------------------

@dataclass
class Recorded:
    method: str
    path: str
    status: int
    headers: httpx.Headers
    body: bytes


_names = itertools.count(1)


def body_for(codes: tuple[str, ...] | list[str] = ("DE",), *, client_token: str | None = None,
             **overrides: Any) -> dict[str, Any]:
    """A createRegistration body that passes every review rule (GB business, all taxes,
    a Japanese translation, a passport valid for years), overridable key by key."""
    body: dict[str, Any] = {
        "clientToken": client_token or uuid.uuid4().hex,
        "submissionDigest": hashlib.sha256(repr(sorted(overrides.items())).encode()).hexdigest(),
        "marketplaceIds": [catalogue.by_code(c).marketplace_id for c in codes],
        "legalEntityName": "Test Seller Ltd",
        "businessRegistration": {"country": "GB", "number": "01234567",
                                 "document": {"uri": "docs/cert.pdf", "sha256": "a" * 64}},
        "legalRepresentative": {"name": "Ada Test", "idDocument": {"type": "passport", "expiresOn": "2040-01-31"}},
        "taxRegistrations": [{"scheme": "US_W8BENE", "completedOn": "2025-03-01"},
                             *({"scheme": scheme, "number": number} for scheme, number in tax_examples.NUMBERS.items()),
                             *({"scheme": "EU_VAT", "country": c, "number": number}
                               for c, number in tax_examples.EU_VAT.items())],
        "documents": [{"kind": "translation", "of": "businessRegistration", "language": "ja",
                       "uri": "docs/cert-ja.pdf", "sha256": "b" * 64}],
    }
    body.update(overrides)
    return body


def headers(token: str, region: str = "EU") -> dict[str, str]:
    """An access token, and the region whose host the call is for (the sandbox's one base URL
    stands for every regional host)."""
    return {ACCESS_TOKEN_HEADER: token, REGION_HEADER: region}


@dataclass
class Api:
    """Calls against the served sandbox; every response is recorded for the OpenAPI check."""

    http: httpx.Client
    recorded: list[Recorded] = field(default_factory=list)

    def seller(self, seller_id: str | None = None, *, name: str = "Test Seller Ltd",
               participations: tuple[str, ...] = (), related: bool = False, replace: bool = False) -> str:
        """Seeds a seller (a fresh id unless given; `replace` for one that is there); answers its id."""
        seller_id = seller_id or f"TESTSELLER{next(_names):05d}"
        response = self.http.post("/_sandbox/sellers", json={
            "sellerId": seller_id, "legalEntityName": name, "refreshToken": f"Atzr|refresh-{seller_id}",
            "participations": list(participations), "relatedAccount": related, "replace": replace})
        assert response.status_code == 200, response.text
        return seller_id

    def exchange(self, refresh_token: str, client_id: str = CLIENT_ID) -> httpx.Response:
        return self.http.post(LWA_TOKEN_PATH, data={"grant_type": "refresh_token", "refresh_token": refresh_token,
                                                      "client_id": client_id, "client_secret": "s3cret"})

    def token(self, seller_id: str, client_id: str = CLIENT_ID) -> str:
        response = self.exchange(f"Atzr|refresh-{seller_id}", client_id)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def login(self, **seller: Any) -> tuple[str, str]:
        """A new seller and an access token for it: (seller id, token)."""
        seller_id = self.seller(**seller)
        return seller_id, self.token(seller_id)

    def create(self, token: str, seller_id: str, body: Any, region: str | None = None) -> httpx.Response:
        """createRegistration on the host of its first marketplace's region (unless `region`)."""
        if region is None:
            ids = body.get("marketplaceIds") if isinstance(body, dict) else None
            first = ids[0] if isinstance(ids, list) and ids else None
            region = catalogue.BY_ID[first].region if isinstance(first, str) and first in catalogue.BY_ID else "EU"
        return self.http.post(SELLER_REGISTRATIONS_PATH.format(sellerId=seller_id), json=body,
                              headers=headers(token, region))

    def list(self, token: str, seller_id: str, region: str = "EU", **params: Any) -> httpx.Response:
        return self.http.get(SELLER_REGISTRATIONS_PATH.format(sellerId=seller_id), params=params,
                             headers=headers(token, region))

    def get(self, token: str, registration_id: str, region: str = "EU") -> httpx.Response:
        return self.http.get(REGISTRATION_PATH.format(registrationId=registration_id),
                             headers=headers(token, region))

    def participations(self, token: str, region: str = "NA") -> httpx.Response:
        return self.http.get(PARTICIPATIONS_PATH, headers=headers(token, region))

    def account(self, token: str, region: str = "EU") -> httpx.Response:  # getAccount: EU only
        return self.http.get(ACCOUNT_PATH, headers=headers(token, region))

    def advance(self, seconds: float) -> None:
        assert self.http.post("/_sandbox/clock", json={"advanceSeconds": seconds}).status_code == 200

    def faults(self, **faults: Any) -> None:
        response = self.http.put("/_sandbox/faults", json=faults)
        assert response.status_code == 200, response.text

    def state(self) -> dict[str, Any]:
        return self.http.get("/_sandbox/state").json()

    def registrations(self) -> list[dict[str, Any]]:
        return self.state()["registrations"]


def recording_client(base_url: str, recorded: list[Recorded]) -> httpx.Client:
    def record(response: httpx.Response) -> None:
        response.read()
        recorded.append(Recorded(response.request.method, response.request.url.path, response.status_code,
                                 response.headers, response.content))

    return httpx.Client(base_url=base_url, event_hooks={"response": [record]}, timeout=10)
