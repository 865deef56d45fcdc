"""State survives restarts; creates are atomic and idempotent even across processes' stores."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from reconciler.domain.contract import ACCESS_TOKEN_HEADER, SELLER_REGISTRATIONS_PATH
from reconciler.domain.model import Reason
from reconciler.errors import ConfigError
from reconciler.sandbox.records import RegistrationRecord
from reconciler.sandbox.store import Store, new_registration_id
from tests.sandbox.sandbox_support import Api, body_for, recording_client, serve_in_thread


def test_a_restart_keeps_sellers_registrations_tokens_and_the_clock(tmp_path, contract):
    state = tmp_path / "state.sqlite"
    recorded: list = []
    with serve_in_thread(state) as first, recording_client(first.url, recorded) as http:
        api = Api(http, recorded)
        seller, token = api.login(participations=("US",))
        created = api.create(token, seller, body_for(["DE"])).json()["registrations"]
        api.advance(86400)
        before = api.state()
    with serve_in_thread(state, review_seconds=30) as second, recording_client(second.url, recorded) as http:
        api = Api(http, recorded)
        after = api.state()
        assert after["sellers"] == before["sellers"]
        assert after["registrations"] == before["registrations"]
        assert after["now"] >= before["now"]  # the offset survived (real time moved on a little)
        assert api.participations(token).status_code == 403  # a day later the old token has expired
        token = api.token(seller)
        replay = api.create(token, seller, body_for(["DE"], client_token=created[0]["clientToken"]))
        assert [r["registrationId"] for r in replay.json()["registrations"]] == [created[0]["registrationId"]]
        assert api.create(token, seller, body_for(["DE"], client_token=created[0]["clientToken"],
                                                  legalEntityName="Changed")).status_code == 409
        assert api.list(token, seller).json()["registrations"] == before["registrations"]
    assert not [p for r in recorded for p in contract.problems(r.method, r.path, r.status, r.headers, r.body)]


def test_an_access_token_survives_a_restart(tmp_path):
    state = tmp_path / "state.sqlite"
    recorded: list = []
    with serve_in_thread(state) as first, recording_client(first.url, recorded) as http:
        seller, token = Api(http, recorded).login()
    with serve_in_thread(state) as second, recording_client(second.url, recorded) as http:
        assert http.get(SELLER_REGISTRATIONS_PATH.format(sellerId=seller),
                        headers={ACCESS_TOKEN_HEADER: token, "x-acorn-region": "EU"}).status_code == 200


def _records(seller: str, token: str, now: float) -> list[RegistrationRecord]:
    return [RegistrationRecord(0, new_registration_id(), seller, mid, "Test Seller Ltd", token, "0" * 64, now,
                               300.0) for mid in ("A1PA6795UKMFR9", "A13V1IB3VIYZZH")]


def test_two_stores_on_one_file_create_one_set_for_one_client_token(tmp_path):
    path = tmp_path / "state.sqlite"
    stores = [Store(path), Store(path)]  # as two processes would: two connections
    barrier = threading.Barrier(2)
    outcomes = []

    def create(store: Store) -> None:
        barrier.wait()
        outcomes.append(store.create("S1", "t" * 40, "hash", _records("S1", "t" * 40, 1e9), 1e9))

    threads = [threading.Thread(target=create, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(o.kind for o in outcomes) == ["created", "replayed"]
    assert outcomes[0].registrations == outcomes[1].registrations
    assert len(stores[0].all_registrations(1e9)) == 2


def test_a_failing_create_leaves_nothing(tmp_path):
    store = Store(tmp_path / "state.sqlite")
    records = _records("S1", "t" * 40, 1e9)
    duplicate = [records[0], records[0]]  # the second insert breaks the UNIQUE registration id
    try:
        store.create("S1", "t" * 40, "hash", duplicate, 1e9)
    except Exception:
        pass
    else:
        raise AssertionError("the create should have failed")
    assert store.all_registrations(1e9) == []
    assert store.create("S1", "t" * 40, "hash", records, 1e9).kind == "created"  # the token was not taken


def test_seeding_is_all_or_nothing_and_happens_once(tmp_path):
    store = Store(tmp_path / "state.sqlite")

    def broken(s: Store) -> None:
        s.insert_registration(_records("S1", "t" * 40, 1e9)[0])
        raise RuntimeError("seed failed half way")

    with pytest.raises(RuntimeError, match="seed failed half way"):
        store.seed_once(broken)
    assert store.all_registrations(1e9) == []
    assert store.seed_once(lambda s: s.insert_registration(_records("S1", "t" * 40, 1e9)[0])) is True
    assert store.seed_once(lambda s: s.insert_registration(_records("S1", "t" * 40, 1e9)[0])) is False
    assert len(Store(tmp_path / "state.sqlite").all_registrations(1e9)) == 1


def test_a_file_that_is_not_a_database_is_a_config_error_naming_it(tmp_path):
    path = tmp_path / "state.sqlite"
    path.write_text("garbage\n")
    with pytest.raises(ConfigError) as raised:
        Store(path)
    assert str(raised.value) == (f"sandbox state {path} is not a sandbox database "
                                 "(sqlite: file is not a database); delete it to start over")
    assert path.read_text() == "garbage\n"  # left as it was: the user decides


def test_another_programs_database_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    before = path.read_bytes()
    with pytest.raises(ConfigError) as raised:
        Store(path)
    assert str(raised.value) == (f"sandbox state {path} is another program's SQLite database (tables invoices); "
                                 "name a new file with --state")
    assert path.read_bytes() == before


def test_serving_a_file_that_is_not_a_database_exits_1_with_the_message(run_acorn, tmp_path):
    path = tmp_path / "state.sqlite"
    path.write_text("garbage\n")
    result = run_acorn("sandbox", "serve", "--port", "0", "--state", str(path))
    assert result.code == 1
    assert result.err == (f"error: sandbox state {path} is not a sandbox database "
                          "(sqlite: file is not a database); delete it to start over\n")


def test_a_state_file_from_before_pending_reasons_opens_and_decides(tmp_path):
    path = tmp_path / "state.sqlite"
    old = sqlite3.connect(path)  # the registrations table as it was: a request_body, no pending_reasons
    old.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE registrations (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, registration_id TEXT NOT NULL UNIQUE,
            seller_id TEXT NOT NULL, marketplace_id TEXT NOT NULL, legal_entity_name TEXT NOT NULL,
            client_token TEXT NOT NULL, submission_digest TEXT NOT NULL, created_at REAL NOT NULL,
            review_seconds REAL NOT NULL, status TEXT, reasons TEXT NOT NULL DEFAULT '[]',
            updated_at REAL, request_body TEXT);
        INSERT INTO registrations (registration_id, seller_id, marketplace_id, legal_entity_name, client_token,
            submission_digest, created_at, review_seconds, request_body)
        VALUES ('REG-OLD', 'S1', 'A1PA6795UKMFR9', 'Test Seller Ltd', 'tok', 'x', 1000, 300, '{}');
    """)
    old.commit()
    old.close()
    store = Store(path)
    assert store.registration("REG-OLD", 2000.0).status == "APPROVED"  # decided on the seller record alone
    assert store.create("S2", "t" * 40, "hash", _records("S2", "t" * 40, 1e9), 1e9).kind == "created"
    store.close()


def test_a_review_decided_by_another_process_meanwhile_is_not_overwritten(tmp_path, monkeypatch):
    """Two processes on one state file: this one finds a review due and decides it (APPROVED), but
    another one decided it by hand (REJECTED) between this one's read and its write. The hand's
    decision stands, in the file and in what this process answers."""
    from reconciler.sandbox import review

    path = tmp_path / "state.sqlite"
    mine, other = Store(path), Store(path)
    (reg, untouched) = _records("S1", "t" * 40, 1e9)
    mine.create("S1", "t" * 40, "hash", [reg, untouched], 1e9)
    due = 1e9 + reg.review_seconds + 1
    by_hand = (Reason("RELATED_ACCOUNT", "decided by hand"),)
    progress = review.progress
    raced: list[bool] = []

    def meanwhile(record: RegistrationRecord, now: float) -> RegistrationRecord | None:
        # the other process decides between this process's read of the row and its write
        if not raced:
            raced.append(True)
            decided, by_this_call = other.decide_now(reg.registration_id, "REJECTED", by_hand, 1e9 + 10)
            assert by_this_call and decided is not None and decided.status == "REJECTED"
        return progress(record, now)

    monkeypatch.setattr(review, "progress", meanwhile)
    answered = mine.registration(reg.registration_id, due)
    monkeypatch.setattr(review, "progress", progress)
    assert raced
    assert (answered.status, answered.reasons) == ("REJECTED", by_hand)
    for store in (mine, other, Store(path)):
        stored = store.registration(reg.registration_id, due)
        assert (stored.status, stored.reasons) == ("REJECTED", by_hand)
    # what this process's review decides where nobody raced it: the answer it did not write over the hand's
    assert mine.registration(untouched.registration_id, due).status == "APPROVED"
