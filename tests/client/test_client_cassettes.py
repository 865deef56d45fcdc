"""The wire contract as recorded: a full read of the demo sellers against the served
sandbox, replayed with record_mode="none" (no server), and checked free of secrets.

Re-record (needs nothing but this repository):  RECORD_CASSETTES=1 pytest tests/client/test_client_cassettes.py
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import os
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest
import vcr

from reconciler.client import AcornClient, MemoryAuditLog
from reconciler.desired.loader import load_desired
from reconciler.desired.settings import Settings
from reconciler.sandbox.embedded import demo_refresh_token
from tests.client.client_support import REPO
from tests.served_sandbox import served_sandbox

CASSETTES = Path(__file__).parent / "cassettes"
CASSETTE = "demo-read.yaml"
CLIENT_SECRET = "acorn-cassette-client-secret"
FORBIDDEN = ("Atza|", "Atzr|", "sandbox-refresh-", CLIENT_SECRET)
REPLAY_URL = "http://127.0.0.1:8765"  # any URL: host and port are not matched
RECORD = os.environ.get("RECORD_CASSETTES") == "1"
SCRUBBED = "scrubbed-refresh-"


class Scrubber:
    """Replaces every token and secret before it is written, consistently, so that replay
    still tells the sellers apart: access tokens become `filtered-access-N` (the client then
    sends that placeholder), refresh tokens a short hash of themselves."""

    def __init__(self) -> None:
        self.access: dict[str, str] = {}

    def request(self, request):
        request = copy.deepcopy(request)
        token = request.headers.get("x-amz-access-token")
        if token is not None:
            request.headers["x-amz-access-token"] = self.access.get(token, token)
        request.headers.pop("authorization", None)
        if request.path == "/auth/o2/token" and request.body:
            form = dict(parse_qsl(request.body.decode()))
            # vcr may scrub one request twice (can_play_response_for, then play_response): idempotent
            if "refresh_token" in form and not form["refresh_token"].startswith(SCRUBBED):
                form["refresh_token"] = SCRUBBED + hashlib.sha256(form["refresh_token"].encode()).hexdigest()[:12]
            if "client_secret" in form:
                form["client_secret"] = "filtered"
            request.body = urlencode(form)
        return request

    def response(self, response):
        body = response["body"]["string"]
        try:
            data = json.loads(body)
        except ValueError:
            return response
        if isinstance(data, dict) and "access_token" in data:
            data["access_token"] = self.access.setdefault(data["access_token"], f"filtered-access-{len(self.access) + 1}")
            data["refresh_token"] = "filtered"
            headers = {k: v for k, v in response["headers"].items() if k.lower() != "content-length"}
            response = {**response, "headers": headers, "body": {"string": json.dumps(data).encode()}}
        return response


def identity(r1, r2) -> None:
    """Who a call acts for: the (scrubbed) access token, or for LWA the scrubbed form."""
    assert r1.headers.get("x-amz-access-token") == r2.headers.get("x-amz-access-token")
    if r1.path == "/auth/o2/token":
        assert r1.body == r2.body


def recorder(mode: str) -> vcr.VCR:
    scrub = Scrubber()
    v = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode=mode, decode_compressed_response=True,
                match_on=["method", "path", "query", "identity"],
                before_record_request=scrub.request, before_record_response=scrub.response)
    v.register_matcher("identity", identity)
    return v


def read_demo(url: str, tmp_path: Path):
    entities = load_desired(REPO / "desired").entities
    env = {e.credentials.name: demo_refresh_token(e.seller_id) for e in entities}
    env |= {"LWA_CLIENT_ID": "acorn-cassette", "LWA_CLIENT_SECRET": CLIENT_SECRET}
    audit = MemoryAuditLog()

    async def go():
        async with AcornClient(Settings(endpoint=url), env, base_dir=REPO, audit=audit) as c:
            return await c.read_all(entities, concurrency=1)

    return asyncio.run(go()), audit


@pytest.mark.skipif(not RECORD, reason="re-records only with RECORD_CASSETTES=1")
def test_record_the_demo_read(tmp_path):
    (CASSETTES / CASSETTE).unlink(missing_ok=True)
    with served_sandbox(tmp_path / "state.sqlite", "--demo") as url, recorder("all").use_cassette(CASSETTE):
        live, _ = read_demo(url, tmp_path)
    assert all(s.error is None for s in live.values())


def test_the_demo_read_replays_from_the_cassette(tmp_path):
    with recorder("none").use_cassette(CASSETTE) as cassette:
        live, audit = read_demo(REPLAY_URL, tmp_path)
        assert cassette.all_played
    summary = {seller: (sorted(s.participations), [(r.marketplace_id, r.status, [x.code for x in r.reasons])
                                                    for r in s.registrations], s.error)
               for seller, s in live.items()}
    assert summary == {
        "A3EXAMPLEACME01": (["A1AM78C64UM0Y8", "ATVPDKIKX0DER"], [("A2EUQ1WTGCTBG2", "APPROVED", [])], None),
        "A1NORDLICHT0DE": (["A1PA6795UKMFR9"], [("A13V1IB3VIYZZH", "IN_REVIEW", []),
                                                ("APJ6JRA9NG5V4", "ACTION_REQUIRED", ["DOCUMENT_UNREADABLE"])], None),
        "A2SAKURA00JP": (["A1VC38T7YXB528"], [("A39IBJ37TRP1C6", "REJECTED", ["DOCUMENT_UNREADABLE"])], None),
        "A4MAPLE000CA": ([], [], None),
        "A5ATLAS000UK": ([], [("A1F83G8C2ARO7P", "REJECTED", ["LEGAL_NAME_MISMATCH"])], None),
        "A6ATLAS000IE": ([], [], None),
    }
    assert live["A1NORDLICHT0DE"].registrations[0].legal_entity_name == "Nordlicht Handels GmbH"
    assert len(audit.entries) == 18  # per seller: LWA, participations, one page of registrations


def test_no_cassette_holds_a_token_or_secret():
    files = sorted(CASSETTES.glob("*.yaml"))
    assert files, "no cassette recorded"
    for path in files:
        text = path.read_text(encoding="utf-8")
        for secret in FORBIDDEN:
            assert secret not in text, f"{path.name} contains {secret!r}"
