"""The served sandbox under hostile requests: a body that is not a JSON object, nests without
end, or a page size written with a non-ASCII digit is a 400 InvalidInput (never a 500); a
client that hangs up mid-request is one quiet log line, without a traceback."""

from __future__ import annotations

import logging
import socket
import time
from urllib.parse import urlsplit

import pytest

from reconciler.domain.contract import ACCESS_TOKEN_HEADER
from reconciler.domain.contract import API_PREFIX as PREFIX


def post_raw(api, token: str, seller: str, content: bytes):
    return api.http.post(f"{PREFIX}/sellers/{seller}/registrations", content=content,
                         headers={ACCESS_TOKEN_HEADER: token, "content-type": "application/json",
                                  "x-acorn-region": "EU"})


@pytest.mark.parametrize("content, why", [
    (b"{", "the body is not valid JSON"),
    (b"\xff\xfe{}", "the body is not valid JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b'"text"', "must be a JSON object"),
    (b"null", "must be a JSON object"),
    (b'{"a": NaN}', "the body is not valid JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "the JSON nests deeper than 32 levels"),
    (b'{"a":' * 200 + b"1" + b"}" * 200, "the JSON nests deeper than 32 levels"),
], ids=["unclosed", "not-utf8", "list", "string", "null", "nan", "deep-list", "deep-object"])
def test_a_body_that_is_not_a_json_object_is_a_400(api, content, why):
    seller, token = api.login()
    response = post_raw(api, token, seller, content)
    assert response.status_code == 400, response.text
    assert response.json()["errors"] == [{"code": "InvalidInput", "message": f"body: {why}", "details": "body"}]


@pytest.mark.parametrize("content", [b"[]", b"[" * 50_000 + b"]" * 50_000], ids=["list", "deep"])
def test_admin_calls_refuse_them_too(api, content):
    response = api.http.post("/_sandbox/sellers", content=content)
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "InvalidInput"


@pytest.mark.parametrize("size", ["²", "٣", "1²", "0", "51", "-1", "9" * 5000, " 5", "5\n"],
                         ids=["superscript", "arabic", "mixed", "zero", "51", "negative", "5000-digits", "space",
                              "newline"])
def test_a_page_size_that_is_not_ascii_digits_in_range_is_a_400(api, size):
    seller, token = api.login()
    response = api.list(token, seller, pageSize=size)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["details"] == "pageSize"


def test_a_client_that_disconnects_is_one_quiet_log_line(served, caplog):
    host, port = urlsplit(served.url).hostname, urlsplit(served.url).port
    with caplog.at_level(logging.DEBUG, logger="reconciler.sandbox"):
        with socket.create_connection((host, port)) as sock:
            sock.sendall(b"POST /_sandbox/sellers HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
                         b"content-length: 1000\r\n\r\n{\"sellerId\": ")
        deadline = time.monotonic() + 10
        while not caplog.records and time.monotonic() < deadline:  # readiness, not a timed assertion
            time.sleep(0.02)
    records = [r for r in caplog.records if r.name.startswith("reconciler.sandbox")]
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].exc_info is None and "client disconnected" in records[0].getMessage()
    assert "\n" not in records[0].getMessage()


def test_a_method_a_path_does_not_have_is_405_naming_the_ones_it_has(served):
    import httpx
    response = httpx.request("TRACE", f"{served.url}{PREFIX}/sellers/A3EXAMPLEACME01/registrations")
    assert response.status_code == 405 and response.headers["allow"] == "GET, POST"
    assert response.json()["errors"][0]["code"] == "MethodNotAllowed"
    assert httpx.get(f"{served.url}/no/such/path").status_code == 404
