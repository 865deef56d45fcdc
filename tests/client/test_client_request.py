"""The request of each attempt is what httpx's own build_request makes of the same call: the
client's default headers merged with acorn's in the same order, the same URL, query, body and
timeouts (the retry engine makes it directly, without merging again per attempt)."""

from __future__ import annotations

import asyncio
import calendar
import random
import re
import time

import httpx
import pytest

from reconciler.client.errormap import Call
from reconciler.client.ratelimit import RateLimiter
from reconciler.client.request import USER_AGENT, Caller
from reconciler.client.retry import RetryPolicy
from reconciler.client.transport import AUDIT_KEY
from reconciler.domain.contract import DATE_HEADER, REGION_HEADER

CALLS = [
    Call("listRegistrations", "A1", "GET", "http://127.0.0.1:8765/acorn/v1/sellers/A1/registrations",
         params={"pageSize": 50, "nextToken": "n/x+y"}, region="EU"),
    Call("createRegistration", "A1", "POST", "https://sellingpartnerapi-eu.amazon.com/acorn/v1/sellers/A1/registrations",
         json={"clientToken": "t", "marketplaceIds": ["A1PA6795UKMFR9"], "name": "Bäckerei"}, region="EU"),
    Call("lwaToken", "A1", "POST", "https://api.amazon.com/auth/o2/token",
         form={"grant_type": "refresh_token", "refresh_token": "Atzr|x"}, region="NA+EU"),
    Call("getMarketplaceParticipations", "A1", "GET", "https://sellingpartnerapi-na.amazon.com/sellers/v1/x"),
    Call("getAccount", "A1", "GET", "http://:80/sellers/v1/account", region="EU"),  # no host: httpx's merge decides
]


def caller(http: httpx.AsyncClient, region_header: bool) -> Caller:
    return Caller(http, RateLimiter(time.monotonic), RetryPolicy(), asyncio.sleep, random.random,
                  region_header=region_header, throttle_budget=600.0)


def as_built(http: httpx.AsyncClient, call: Call, date: str, region_header: bool) -> httpx.Request:
    headers = {"user-agent": USER_AGENT, "accept": "application/json", DATE_HEADER: date}
    if region_header and call.region:
        headers[REGION_HEADER] = call.region
    audit = (call.seller_id, call.operation, call.region)
    return http.build_request(call.method, call.url, params=call.params, json=call.json, data=call.form,
                              headers=headers, extensions={AUDIT_KEY: audit})


@pytest.mark.parametrize("region_header", [True, False])
@pytest.mark.parametrize("cookies", [None, {"session": "s"}])  # a client holding cookies: merged as httpx does
def test_each_attempt_is_the_request_build_request_makes(region_header, cookies):
    http = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0), cookies=cookies)
    sender = caller(http, region_header)
    for call in CALLS * 2:  # the second time from what the first worked out
        try:
            expected = as_built(http, call, "20261207T120000Z", region_header)
        except ValueError as refused:  # a cookie jar cannot take a URL without a host: neither can build it
            with pytest.raises(type(refused), match=re.escape(str(refused))):
                sender._request(call)
            continue
        made = sender._request(call)
        expected = as_built(http, call, made.headers[DATE_HEADER], region_header)
        assert made.method == expected.method and made.url == expected.url
        assert made.headers.raw == expected.headers.raw  # names, casing, values and order
        assert made.read() == expected.read() and made.extensions == expected.extensions


def test_the_date_header_is_the_second_of_the_attempt_in_utc():
    sender = caller(httpx.AsyncClient(), True)
    for _ in range(3):
        before = int(time.time())
        stamp = sender._request(CALLS[0]).headers[DATE_HEADER]
        after = int(time.time())
        sent = calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ"))
        assert before <= sent <= after
