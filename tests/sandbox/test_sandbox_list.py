"""listRegistrations and getRegistration: pages, filters, nextToken rules, 404 and 403."""

from __future__ import annotations

import pytest

from reconciler.domain import catalogue
from reconciler.domain.contract import API_PREFIX, ERROR_CODES, METHOD_NOT_ALLOWED, RATE_LIMIT_HEADER, REQUEST_ID_HEADER
from reconciler.sandbox.records import RegistrationRecord
from reconciler.sandbox.store import Store
from tests.sandbox.sandbox_support import body_for

EU = [m.code for m in catalogue.MARKETPLACES if m.region == "EU"]  # 16
NA = [m.code for m in catalogue.MARKETPLACES if m.region == "NA"]  # 4


@pytest.fixture
def seller_with_20(api):
    """A seller with 20 registrations: EU (16) then NA (4), in that order; answers the EU ones
    (the host of a region lists that region's registrations only)."""
    seller, token = api.login()
    ids = []
    for codes in (EU, NA):
        ids += [r["registrationId"] for r in api.create(token, seller, body_for(codes)).json()["registrations"]]
    return seller, token, ids[:16]


def test_each_region_lists_its_own_registrations_only(api, seller_with_20):
    seller, token, eu_ids = seller_with_20
    listed = {region: [r["marketplaceId"] for r in api.list(token, seller, region=region).json()["registrations"]]
              for region in ("NA", "EU", "FE")}
    assert listed == {"NA": [catalogue.by_code(c).marketplace_id for c in NA],
                      "EU": [catalogue.by_code(c).marketplace_id for c in EU], "FE": []}
    assert api.get(token, eu_ids[0], region="NA").status_code == 404  # not on NA's host
    assert api.get(token, eu_ids[0], region="EU").status_code == 200


def test_pages_follow_next_token_in_creation_order_and_the_last_has_no_pagination(api, seller_with_20):
    seller, token, ids = seller_with_20
    seen, pages, params = [], 0, {"pageSize": 7}
    while True:
        response = api.list(token, seller, **params)
        assert response.status_code == 200
        assert response.headers[RATE_LIMIT_HEADER] == "2.0"
        body = response.json()
        seen += [r["registrationId"] for r in body["registrations"]]
        pages += 1
        if "pagination" not in body:
            break
        params = {"pageSize": 7, "nextToken": body["pagination"]["nextToken"]}
    assert (seen, pages) == (ids, 3)


def test_the_default_page_is_20_and_an_exact_fit_has_no_pagination(api, seller_with_20):
    seller, token, ids = seller_with_20
    body = api.list(token, seller).json()
    assert [r["registrationId"] for r in body["registrations"]] == ids
    assert "pagination" not in body
    exact = api.list(token, seller, pageSize=16).json()
    assert len(exact["registrations"]) == 16 and "pagination" not in exact


@pytest.mark.parametrize("size", ["0", "51", "ten", "-1"])
def test_page_size_outside_1_to_50_is_400(api, size):
    seller, token = api.login()
    response = api.list(token, seller, pageSize=size)
    assert (response.status_code, response.json()["errors"][0]["details"]) == (400, "pageSize")
    assert response.headers[RATE_LIMIT_HEADER] == "2.0"


@pytest.mark.parametrize("token", ["garbage", "e30.0000", ""])
def test_an_unknown_next_token_is_400(api, token):
    seller, access = api.login()
    response = api.list(access, seller, nextToken=token or "x.y")
    assert (response.status_code, response.json()["errors"][0]["details"]) == (400, "nextToken")


def test_a_next_token_is_bound_to_its_seller_and_query(api, seller_with_20):
    seller, token, _ = seller_with_20
    next_token = api.list(token, seller, pageSize=5).json()["pagination"]["nextToken"]
    other, other_token = api.login()
    assert api.list(other_token, other, pageSize=5, nextToken=next_token).status_code == 400
    assert api.list(token, seller, pageSize=5, status="SUBMITTED", nextToken=next_token).status_code == 400
    assert api.list(token, seller, pageSize=9, nextToken=next_token).status_code == 200  # size may change


def test_a_next_token_expires_after_ten_minutes_of_sandbox_clock(api, seller_with_20):
    seller, token, _ = seller_with_20
    next_token = api.list(token, seller, pageSize=5).json()["pagination"]["nextToken"]
    api.advance(601)
    response = api.list(token, seller, pageSize=5, nextToken=next_token)
    assert response.status_code == 400
    assert "expired" in response.json()["errors"][0]["message"]


def test_a_reset_voids_outstanding_next_tokens(api, seller_with_20):
    seller, token, _ = seller_with_20
    next_token = api.list(token, seller, pageSize=5).json()["pagination"]["nextToken"]
    api.http.post("/_sandbox/reset")
    api.seller(seller)
    assert api.list(api.token(seller), seller, pageSize=5, nextToken=next_token).status_code == 400


def test_filters_by_marketplace_and_status(api):
    seller, token = api.login()
    api.create(token, seller, body_for(["DE", "FR"]))
    api.advance(301)
    api.create(token, seller, body_for(["UK"]))
    de, uk = catalogue.by_code("DE").marketplace_id, catalogue.by_code("UK").marketplace_id
    by_market = api.list(token, seller, marketplaceIds=f"{de},{uk}").json()["registrations"]
    assert [r["marketplaceId"] for r in by_market] == [de, uk]
    approved = api.list(token, seller, status="APPROVED").json()["registrations"]
    assert len(approved) == 2 and {r["status"] for r in approved} == {"APPROVED"}
    both = api.list(token, seller, status="APPROVED,SUBMITTED", pageSize=2).json()
    assert "pagination" in both
    rest = api.list(token, seller, status="APPROVED,SUBMITTED", pageSize=2,
                    nextToken=both["pagination"]["nextToken"]).json()
    assert [r["marketplaceId"] for r in rest["registrations"]] == [uk] and "pagination" not in rest


@pytest.mark.parametrize("params, field", [({"marketplaceIds": "NOPE"}, "marketplaceIds"),
                                           ({"status": "DONE"}, "status")])
def test_unknown_filters_are_400(api, params, field):
    seller, token = api.login()
    response = api.list(token, seller, **params)
    assert (response.status_code, response.json()["errors"][0]["details"]) == (400, field)


def test_get_registration_answers_it_and_404_for_an_unknown_id(api):
    seller, token = api.login()
    created = api.create(token, seller, body_for(["DE"])).json()["registrations"][0]
    response = api.get(token, created["registrationId"])
    assert response.status_code == 200 and response.json() == created
    assert response.headers[RATE_LIMIT_HEADER] == "2.0"
    missing = api.get(token, "REG-0000000000000000")
    assert (missing.status_code, missing.json()["errors"][0]["code"]) == (404, ERROR_CODES[404])
    assert missing.headers[RATE_LIMIT_HEADER] == "2.0"


def test_an_unknown_route_is_404_and_an_unknown_method_405_with_a_request_id(api):
    for response, status in ((api.http.get(API_PREFIX + "/nothing"), 404), (api.http.delete("/_sandbox/state"), 405)):
        assert response.status_code == status
        assert response.json()["errors"][0]["code"] == {**ERROR_CODES, 405: METHOD_NOT_ALLOWED}[status]
        assert response.headers[REQUEST_ID_HEADER]


def _row(i: int, status: str | None) -> RegistrationRecord:
    mid = catalogue.MARKETPLACES[i % len(catalogue.MARKETPLACES)].marketplace_id
    return RegistrationRecord(0, f"REG-{i:04d}", "S1", mid, "Test Seller Ltd", f"t{i}", "0" * 64,
                              1000.0 + i, 300.0, status, updated_at=1000.0 + i if status else None)


def test_a_status_filter_pages_through_sparse_matches_and_decides_nothing_beyond_the_page(tmp_path):
    store = Store(tmp_path / "state.sqlite")
    # 40 rows: every 7th APPROVED, the others REJECTED, then 10 undecided (due by `now`).
    for i in range(40):
        store.insert_registration(_row(i, "APPROVED" if i % 7 == 0 else "REJECTED"))
    for i in range(40, 50):
        store.insert_registration(_row(i, None))
    now = 1e6
    pages, after, more = [], 0, True
    while more:
        page, more = store.list_registrations("S1", now, after_seq=after, limit=2, statuses=frozenset({"APPROVED"}))
        pages.append([r.registration_id for r in page])
        after = page[-1].seq
        if len(pages) == 1:  # the first page stops reading at its third match: the undecided stay so
            undecided = store._conn.execute("SELECT COUNT(*) FROM registrations WHERE status IS NULL").fetchone()
            assert undecided == (10,)
    approved = [f"REG-{i:04d}" for i in range(0, 40, 7)] + [f"REG-{i:04d}" for i in range(40, 50)]
    assert [rid for page in pages for rid in page] == approved  # the undecided were approved when reached
    assert all(len(page) == 2 for page in pages)
    store.close()
