"""The pure parts of apply (choosing against a saved plan, the gates, the report, the exit
code) and the submit/wait loops over a fake client (409s, failures, masking, polling)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from reconciler.actions import apply
from reconciler.actions.apply import ACCEPTED, EXISTS, FAILED, Create, PairResult
from reconciler.domain import catalogue
from reconciler.domain.contract import ERROR_CODES
from reconciler.domain.live import LiveRegistration
from reconciler.domain.model import (
    BusinessRegistration,
    DocumentRef,
    Entity,
    IdDocument,
    LegalRepresentative,
    Reason,
    SecretRef,
    Submission,
    TaxRegistration,
)
from reconciler.domain.submission import client_token
from reconciler.engine.plan import CreateGroup, EntityPlan, Pair, Plan
from reconciler.errors import (
    AlreadyExists,
    ApiError,
    BreakerOpen,
    MachineError,
    PlanFileError,
    SafetyError,
    SecretError,
)
from tests.served_sandbox import FakeTime

DIGEST = "d" * 64
NOW = datetime(2026, 11, 26, 10, tzinfo=timezone.utc)


def mid(code: str) -> str:
    return catalogue.by_code(code).marketplace_id


def group(seller: str, region: str, *codes: str, digest: str = DIGEST) -> CreateGroup:
    ids = tuple(mid(c) for c in codes)
    return CreateGroup(region, codes, ids, client_token(seller, ids, digest), digest)


def entity_plan(name: str, seller: str, creates: dict[str, tuple[str, ...]], others: dict[str, Pair] | None = None,
                digest: str = DIGEST, error: str | None = None) -> EntityPlan:
    pairs = [Pair(c, mid(c), "create") for codes in creates.values() for c in codes]
    pairs += list((others or {}).values())
    groups = tuple(group(seller, region, *codes, digest=digest) for region, codes in creates.items())
    return EntityPlan(name, seller, tuple(pairs), groups, error)


def plan_of(*entities: EntityPlan, digest: str = "t" * 64) -> Plan:
    return Plan("sandbox", NOW, digest, entities)


# -- choose ------------------------------------------------------------------------------------

def test_without_a_saved_plan_every_create_group_is_one_call_with_the_plans_token() -> None:
    fresh = plan_of(entity_plan("acme", "A1ACME", {"NA": ("US",), "EU": ("DE", "FR")}),
                    entity_plan("bolt", "A2BOLT", {}, error="the refresh token is missing"))
    choice = apply.choose(fresh)
    assert [(c.entity, c.group) for c in choice.creates] == [
        ("acme", g) for g in fresh.entities[0].creates]  # the plan's groups, tokens included
    assert [(c.group.region, c.group.marketplaces) for c in choice.creates] == [("NA", ("US",)), ("EU", ("DE", "FR"))]
    assert choice.pair_count == 3
    assert choice.errors == ("bolt: the refresh token is missing",)


def test_a_saved_plan_limits_the_creates_to_the_pairs_it_proposed() -> None:
    saved = plan_of(entity_plan("acme", "A1ACME", {"EU": ("DE", "IT")},
                                {"FR": Pair("FR", mid("FR"), "live")}))
    # since then the FR store was closed: the fresh plan would create FR too, unreviewed
    fresh = plan_of(entity_plan("acme", "A1ACME", {"EU": ("DE", "FR", "IT")}),
                    entity_plan("zed", "A9ZED", {"EU": ("ES",)}))
    choice = apply.choose(fresh, saved)
    (create,) = choice.creates
    assert create.group.marketplaces == ("DE", "IT")
    # the narrowed call carries the token of exactly its marketplaces: the group the saved plan showed
    assert create.group == saved.entities[0].creates[0]
    assert [(s.entity, s.marketplace) for s in choice.skipped] == [("acme", "FR"), ("zed", "ES")]
    assert all("not in the saved plan" in s.why for s in choice.skipped)


def test_a_reviewed_create_that_is_no_longer_missing_is_noted_not_sent() -> None:
    saved = plan_of(entity_plan("acme", "A1ACME", {"EU": ("DE", "IT")}))
    pending = Pair("IT", mid("IT"), "pending", "REG-1", "SUBMITTED")
    fresh = plan_of(entity_plan("acme", "A1ACME", {"EU": ("DE",)}, {"IT": pending}))
    choice = apply.choose(fresh, saved)
    assert [c.group.marketplaces for c in choice.creates] == [("DE",)]
    assert choice.creates[0].group.client_token == client_token("A1ACME", (mid("DE"),), DIGEST)
    (skip,) = choice.skipped
    assert (skip.marketplace, skip.why) == ("IT", "no longer missing: now pending (SUBMITTED REG-1)")


def test_a_saved_plan_with_another_submission_is_refused() -> None:
    saved = plan_of(entity_plan("acme", "A1ACME", {"EU": ("DE",)}, digest="e" * 64))
    fresh = plan_of(entity_plan("acme", "A1ACME", {"EU": ("DE",)}))
    with pytest.raises(PlanFileError) as refused:
        apply.choose(fresh, saved)
    assert str(refused.value) == ("the saved plan holds another submission of acme than the desired tree gives now "
                                  "(submissionDigest differs); re-run `acorn plan --out`")


def test_a_saved_plan_that_approved_one_region_still_sends_it_when_another_comes_first() -> None:
    saved = plan_of(entity_plan("acme", "A1ACME", {"EU": ("DE",)}))
    fresh = plan_of(entity_plan("acme", "A1ACME", {"NA": ("US",), "EU": ("DE",)}))
    choice = apply.choose(fresh, saved)
    assert [c.group.marketplaces for c in choice.creates] == [("DE",)]
    assert [(s.entity, s.marketplace) for s in choice.skipped] == [("acme", "US")]


def test_a_saved_plan_against_a_fresh_plan_notes_what_changed_and_keeps_sellers_not_read() -> None:
    saved = plan_of(entity_plan("gone", "A7GONE", {"EU": ("DE",)}), entity_plan("bolt", "A2BOLT", {"EU": ("DE",)}),
                    entity_plan("acme", "A1ACME", {"EU": ("DE", "FR")}))
    live = Pair("FR", mid("FR"), "live")  # a store now, with no registration
    fresh = plan_of(entity_plan("bolt", "A2BOLT", {}, error="the refresh token is missing"),
                    entity_plan("acme", "A1ACME", {"EU": ("DE",)}, {"FR": live}))
    choice = apply.choose(fresh, saved)
    assert [(c.entity, c.group.marketplaces) for c in choice.creates] == [("acme", ("DE",))]
    assert [(s.entity, s.marketplace, s.why) for s in choice.skipped] == [("acme", "FR", "no longer missing: now live")]
    assert choice.errors == ("bolt: the refresh token is missing",)


# -- the gates ---------------------------------------------------------------------------------

def test_a_stale_saved_plan_is_refused_naming_both_digests() -> None:
    saved = plan_of(digest="a1" * 32)
    with pytest.raises(PlanFileError) as refused:
        apply.check_saved_plan(saved, "b2" * 32, "sandbox")
    assert str(refused.value) == ("the saved plan is stale: it was made from desired state a1a1a1a1a1a1, but the "
                                  "tree is now b2b2b2b2b2b2; re-run `acorn plan --out` and review it again")
    apply.check_saved_plan(saved, "a1" * 32, "sandbox")  # fresh: passes
    with pytest.raises(PlanFileError) as refused:
        apply.check_saved_plan(saved, "a1" * 32, "production")
    assert str(refused.value) == ("the saved plan was made for environment sandbox, not production; re-run "
                                  "`acorn plan --out` in this environment")


@pytest.mark.parametrize("count, force, refused", [(50, False, False), (51, False, True), (51, True, False),
                                                   (0, False, False)])
def test_max_creates_counts_pairs_and_force_passes_it(count: int, force: bool, refused: bool) -> None:
    if refused:
        with pytest.raises(SafetyError) as raised:
            apply.check_max_creates(count, 50, force)
        assert str(raised.value) == (f"refusing to create {count} registrations: more than maxCreates (50); pass "
                                     "--force to submit them anyway, or narrow the run with --entity, --selector "
                                     "or --shard")
    else:
        apply.check_max_creates(count, 50, force)


def test_confirmation_is_required_where_nobody_can_answer() -> None:
    with pytest.raises(SafetyError) as refused:
        apply.check_confirmable(yes=False, interactive=False)
    assert str(refused.value) == "refusing to apply without confirmation: stdin is not a terminal; pass --yes"
    apply.check_confirmable(yes=True, interactive=False)
    apply.check_confirmable(yes=False, interactive=True)  # then apply asks


# -- the report --------------------------------------------------------------------------------

def result(outcome: str, marketplace: str = "DE", **kw) -> PairResult:
    return PairResult("acme", marketplace, outcome, **kw)


def test_result_lines_summary_and_exit_code() -> None:
    results = [result(ACCEPTED, registration_id="REG-1"), result(EXISTS, "FR", registration_id="REG-0"),
               result(FAILED, "IT", code=ERROR_CODES[400], message="bad", request_id="rid-9")]
    assert apply.result_line(results[0], 6) == "+ acme    DE  accepted REG-1"
    assert apply.result_line(results[1]) == "= acme  FR  already exists REG-0"
    assert apply.result_line(results[2]) == "! acme  IT  failed InvalidInput: bad (request id rid-9)"
    assert apply.summary_line(results) == "Apply: 1 accepted, 1 already existed, 1 failed."
    assert apply.exit_code(results) == 1
    assert apply.exit_code(results[:2]) == 0
    assert apply.exit_code(()) == 0  # nothing to do
    assert apply.exit_code(results[:2], errors=["bolt: not read"]) == 1


# -- submitting and waiting over a fake client -------------------------------------------------

ENTITY = Entity("acme", "A1ACME", SecretRef("env", "T"), Submission(
    "Acme Ltd", BusinessRegistration("GB", "01234567", DocumentRef("d.pdf", "a" * 64)),
    LegalRepresentative("Ada", IdDocument("passport", date(2040, 1, 1))),
    (TaxRegistration("EU_VAT", "DE", "DE123456788"),)), ("DE", "FR"))


def registration(marketplace_id: str, reg_id: str, status: str = "SUBMITTED",
                 reasons: tuple[Reason, ...] = ()) -> LiveRegistration:
    return LiveRegistration(reg_id, "A1ACME", marketplace_id, status, "Acme Ltd", "tok", DIGEST, reasons, NOW, NOW)


class FakeClient:
    def __init__(self, answers) -> None:
        self.answers = list(answers)  # one per call: a list of registrations or an exception
        self.calls: list[tuple[tuple[str, ...], str]] = []

    async def create_registration(self, entity, region, ids, token, digest):
        self.calls.append((tuple(ids), token))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def create_for(*codes: str) -> Create:
    ids = tuple(mid(c) for c in codes)
    return Create("acme", CreateGroup("EU", codes, ids, client_token("A1ACME", ids, DIGEST), DIGEST))


def test_a_409_naming_one_marketplace_reports_it_as_existing_and_sends_the_rest() -> None:
    exists = AlreadyExists("createRegistration for seller A1ACME: 409 Conflict", marketplace_ids=(mid("DE"),),
                           registration_ids=("REG-OLD",), request_id="rid-1")
    client = FakeClient([exists, [registration(mid("FR"), "REG-NEW")]])
    results = asyncio.run(apply.submit_one(client, ENTITY, create_for("DE", "FR")))
    assert [(r.marketplace, r.outcome, r.registration_id) for r in results] == [
        ("DE", EXISTS, "REG-OLD"), ("FR", ACCEPTED, "REG-NEW")]
    assert client.calls[1] == ((mid("FR"),), client_token("A1ACME", (mid("FR"),), DIGEST))
    assert apply.exit_code(results) == 0


def test_a_refusal_fails_every_pair_of_the_call_with_code_request_id_and_masked_message() -> None:
    refused = ApiError("createRegistration failed: 400 InvalidInput: number DE123456788 is malformed",
                       status=400, code=ERROR_CODES[400], request_id="rid-2")
    results = asyncio.run(apply.submit_one(FakeClient([refused]), ENTITY, create_for("DE", "FR")))
    assert {(r.outcome, r.code, r.request_id) for r in results} == {(FAILED, ERROR_CODES[400], "rid-2")}
    assert "DE123456788" not in results[0].message and "*******6788" in results[0].message
    assert results[0].message.endswith("is malformed")  # the request id has its own column


def test_one_seller_failing_does_not_stop_the_others() -> None:
    bolt = replace(ENTITY, name="bolt", seller_id="A2BOLT")

    class PerSeller(FakeClient):
        async def create_registration(self, entity, region, ids, token, digest):
            if entity.seller_id == "A2BOLT":
                raise ApiError("gave up", code=None)
            return [registration(i, f"REG-{i}") for i in ids]

    creates = [replace(create_for("DE"), entity="bolt"), create_for("DE", "FR")]
    seen: list[PairResult] = []
    results = asyncio.run(apply.submit_all(PerSeller([]), creates, {"acme": ENTITY, "bolt": bolt}, 4, seen.append))
    assert [(r.entity, r.marketplace, r.outcome) for r in results] == [
        ("bolt", "DE", FAILED), ("acme", "DE", ACCEPTED), ("acme", "FR", ACCEPTED)]
    assert sorted(seen, key=results.index) == list(results)  # each reported as it came
    assert results[0].code == "ApiError"


def test_wait_polls_until_decided_with_growing_delays() -> None:
    statuses = {"REG-1": ["SUBMITTED", "IN_REVIEW", "APPROVED"],
                "REG-2": ["SUBMITTED", "REJECTED"]}

    class Polled:
        async def get_registration(self, entity, reg_id):
            status = statuses[reg_id].pop(0) if len(statuses[reg_id]) > 1 else statuses[reg_id][0]
            reasons = (Reason("LEGAL_NAME_MISMATCH", "name DE123456788 differs"),) if status == "REJECTED" else ()
            return registration(mid("DE"), reg_id, status, reasons)

    time = FakeTime()
    results = [result(ACCEPTED, registration_id="REG-1"), result(ACCEPTED, "FR", registration_id="REG-2"),
               result(EXISTS, "IT", registration_id="REG-0")]
    reviews = asyncio.run(apply.wait_all(Polled(), results, {"acme": ENTITY}, 600, 4, time.clock, time.sleep))
    assert [(v.result.registration_id, v.status) for v in reviews] == [("REG-1", "APPROVED"), ("REG-2", "REJECTED")]
    assert reviews[1].reasons[0].message == "name *******6788 differs"
    assert time.sleeps == [1.0, 1.5]
    assert apply.review_summary(reviews) == "Review: 1 approved, 1 rejected, 0 action required, 0 still under review."


def test_wait_stops_at_the_timeout_and_says_what_is_still_under_review() -> None:
    class Slow:
        async def get_registration(self, entity, reg_id):
            return registration(mid("DE"), reg_id, "IN_REVIEW")

    time = FakeTime()
    reviews = asyncio.run(apply.wait_all(Slow(), [result(ACCEPTED, registration_id="REG-1")], {"acme": ENTITY},
                                         10, 4, time.clock, time.sleep))
    assert [v.status for v in reviews] == ["IN_REVIEW"]
    assert sum(time.sleeps) == 10  # the last sleep is cut to the deadline
    assert apply.review_summary(reviews).endswith("1 still under review.")


# -- what a run shows when it stops, and when answers are odd ----------------------------------

def test_a_run_stopping_error_fails_its_pairs_and_every_pair_after_it_unsent() -> None:
    bolt = replace(ENTITY, name="bolt", seller_id="A2BOLT")

    class Tripping(FakeClient):
        async def create_registration(self, entity, region, ids, token, digest):
            self.calls.append((tuple(ids), token))
            raise BreakerOpen("5 calls in a row failed (last: 503 on createRegistration for DE123456788)")

    client = Tripping([])
    creates = [create_for("DE", "FR"), replace(create_for("DE"), entity="bolt")]
    results = asyncio.run(apply.submit_all(client, creates, {"acme": ENTITY, "bolt": bolt}, 1))
    assert len(client.calls) == 1  # nothing is sent after the breaker opened
    assert [(r.entity, r.marketplace, r.outcome, r.stopped, r.code) for r in results] == [
        ("acme", "DE", FAILED, True, "BreakerOpen"), ("acme", "FR", FAILED, True, "BreakerOpen"),
        ("bolt", "DE", FAILED, True, "BreakerOpen")]
    assert results[0].message == ("not sent, the run stopped: 5 calls in a row failed (last: 503 on "
                                  "createRegistration for *******6788)")
    assert apply.exit_code(results) == 1


def test_a_machine_error_is_raised_at_once() -> None:
    class DiskFull(FakeClient):
        async def create_registration(self, entity, region, ids, token, digest):
            raise MachineError("cannot write the audit log .acorn/audit.jsonl: No space left on device")

    with pytest.raises(MachineError, match="No space left"):
        asyncio.run(apply.submit_all(DiskFull([]), [create_for("DE")], {"acme": ENTITY}, 4))


def test_a_409_naming_none_of_the_marketplaces_fails_them_all() -> None:
    other = AlreadyExists("createRegistration for seller A1ACME: 409 Conflict", marketplace_ids=(mid("IT"),),
                          registration_ids=("REG-IT",), request_id="rid-3")
    results = asyncio.run(apply.submit_one(FakeClient([other]), ENTITY, create_for("DE", "FR")))
    assert [(r.marketplace, r.outcome, r.code, r.request_id) for r in results] == [
        ("DE", FAILED, "Conflict", "rid-3"), ("FR", FAILED, "Conflict", "rid-3")]


def test_a_409_that_cannot_pair_marketplaces_with_registrations_names_none() -> None:
    # a store the seller already participates in names no registration: no pairing is sure
    exists = AlreadyExists("409 Conflict: DE123456788 exists", marketplace_ids=(mid("DE"), mid("FR")),
                           registration_ids=("REG-FR",), request_id="rid-4")
    results = asyncio.run(apply.submit_one(FakeClient([exists]), ENTITY, create_for("DE", "FR")))
    assert [(r.marketplace, r.outcome, r.registration_id, r.message, r.request_id) for r in results] == [
        ("DE", EXISTS, None, "409 Conflict: *******6788 exists", "rid-4"),
        ("FR", EXISTS, None, "409 Conflict: *******6788 exists", "rid-4")]
    assert apply.result_line(results[0]) == "= acme  DE  already exists (409 Conflict: *******6788 exists)"


def test_an_accepted_call_without_a_registration_for_a_marketplace_fails_that_pair() -> None:
    results = asyncio.run(apply.submit_one(FakeClient([[registration(mid("DE"), "REG-DE")]]), ENTITY,
                                           create_for("DE", "FR")))
    assert [(r.marketplace, r.outcome, r.registration_id, r.code, r.message) for r in results] == [
        ("DE", ACCEPTED, "REG-DE", None, None),
        ("FR", FAILED, None, "UnexpectedAnswer", "the API accepted the call but returned no registration for it")]


def test_an_error_of_acorns_own_fails_the_pairs_with_its_kind_and_words() -> None:
    missing = SecretError("no refresh token for region EU (credentials.refreshToken.EU)")
    results = asyncio.run(apply.submit_one(FakeClient([missing]), ENTITY, create_for("DE")))
    assert [(r.outcome, r.code, r.message, r.request_id) for r in results] == [
        (FAILED, "SecretError", "no refresh token for region EU (credentials.refreshToken.EU)", None)]
    assert apply.result_line(results[0]) == ("! acme  DE  failed SecretError: no refresh token for region EU "
                                             "(credentials.refreshToken.EU)")  # no request id to show
    assert apply.result_line(result(EXISTS)) == "= acme  DE  already exists"  # a 409 that said nothing


def test_an_error_code_or_request_id_echoing_a_number_is_masked() -> None:
    refused = ApiError("refused", status=400, code="Bad_DE123456788", request_id="rid-DE123456788")
    (r, _) = asyncio.run(apply.submit_one(FakeClient([refused]), ENTITY, create_for("DE", "FR")))
    assert (r.code, r.request_id) == ("Bad_*******6788", "rid-*******6788")


def test_a_review_that_cannot_be_read_is_unknown_and_fails_the_run() -> None:
    class Unreadable:
        async def get_registration(self, entity, reg_id):
            raise ApiError("getRegistration failed: 500 for DE123456788")

    time = FakeTime()
    reviews = asyncio.run(apply.wait_all(Unreadable(), [result(ACCEPTED, registration_id="REG-1")], {"acme": ENTITY},
                                         60, 4, time.clock, time.sleep))
    assert [(v.status, v.error) for v in reviews] == [(None, "getRegistration failed: 500 for *******6788")]
    assert time.sleeps == []
    assert apply.review_lines(reviews) == ["  acme  DE  REG-1  unknown (getRegistration failed: 500 for *******6788)"]
    assert apply.review_summary(reviews) == ("Review: 0 approved, 0 rejected, 0 action required, "
                                             "0 still under review, 1 unknown.")
    assert apply.exit_code([result(ACCEPTED, registration_id="REG-1")], reviews=reviews) == 1


def test_a_run_stopping_error_while_waiting_stops_the_wait() -> None:
    class Tripping:
        async def get_registration(self, entity, reg_id):
            raise BreakerOpen("5 calls in a row failed")

    time = FakeTime()
    with pytest.raises(BreakerOpen):
        asyncio.run(apply.wait_all(Tripping(), [result(ACCEPTED, registration_id="REG-1")], {"acme": ENTITY},
                                   60, 4, time.clock, time.sleep))


def test_each_waiting_round_tells_how_many_are_left_and_the_delay_grows_to_its_cap() -> None:
    class Slow:
        async def get_registration(self, entity, reg_id):
            return registration(mid("DE"), reg_id, "IN_REVIEW")

    time = FakeTime()
    rounds: list[tuple[int, float]] = []
    results = [result(ACCEPTED, registration_id="REG-1"), result(ACCEPTED, "FR", registration_id="REG-2")]
    asyncio.run(apply.wait_all(Slow(), results, {"acme": ENTITY}, 20, 4, time.clock, time.sleep,
                               first_delay=2.0, max_delay=5.0, on_round=lambda n, left: rounds.append((n, left))))
    assert time.sleeps == [2.0, 3.0, 4.5, 5.0, 5.0, 0.5]  # x1.5 a round up to the cap; the last cut to the deadline
    assert rounds == [(2, 20.0), (2, 18.0), (2, 15.0), (2, 10.5), (2, 5.5), (2, 0.5)]


def test_review_lines_show_each_status_and_reason_aligned_and_safe() -> None:
    reviews = [apply.Review(result(ACCEPTED, registration_id="REG-1"), "APPROVED"),
               apply.Review(result(ACCEPTED, "FR", registration_id="REG-2"), "REJECTED",
                            (Reason("LEGAL_NAME_MISMATCH", "name differs\n::error::x"),))]
    assert apply.review_lines(reviews, 6) == [
        "  acme    DE  REG-1  APPROVED",
        "  acme    FR  REG-2  REJECTED",
        "      LEGAL_NAME_MISMATCH: name differs\\n::error::x"]  # one line: no command can start
    assert apply.review_summary(reviews) == "Review: 1 approved, 1 rejected, 0 action required, 0 still under review."
    accepted = [v.result for v in reviews]
    assert apply.exit_code(accepted, reviews=reviews) == 0
    assert apply.exit_code(accepted, reviews=reviews, fail_on_rejected=True) == 1


def test_the_name_column_is_as_wide_as_the_longest_entity() -> None:
    assert apply.name_width([create_for("DE"), replace(create_for("DE"), entity="acme-longer")]) == 11
    assert apply.name_width([]) == 0


def test_only_the_entities_a_saved_plan_proposes_creates_for_are_read_again() -> None:
    saved = plan_of(entity_plan("acme", "A1ACME", {"EU": ("DE",)}), entity_plan("bolt", "A2BOLT", {}),
                    entity_plan("zed", "A9ZED", {"EU": ("FR",)}))
    bolt = replace(ENTITY, name="bolt", seller_id="A2BOLT")
    moved = replace(ENTITY, name="zed", seller_id="A9OTHER")  # same name, another seller now
    assert apply.saved_sellers(saved, [ENTITY, bolt, moved]) == (ENTITY,)


def test_nothing_accepted_is_nothing_to_wait_for() -> None:
    time = FakeTime()
    done = [result(EXISTS, registration_id="REG-0"), result(FAILED, "FR")]
    reviews = asyncio.run(apply.wait_all(FakeClient([]), done, {"acme": ENTITY}, 60, 4, time.clock, time.sleep))
    assert reviews == () and time.sleeps == []


def test_by_default_the_wait_between_rounds_grows_by_half_up_to_15_seconds() -> None:
    class Slow:
        async def get_registration(self, entity, reg_id):
            return registration(mid("DE"), reg_id, "IN_REVIEW")

    time = FakeTime()
    asyncio.run(apply.wait_all(Slow(), [result(ACCEPTED, registration_id="REG-1")], {"acme": ENTITY}, 80, 4,
                               time.clock, time.sleep))
    assert time.sleeps[:9] == [1.0, 1.5, 2.25, 3.375, 5.0625, 7.59375, 11.390625, 15.0, 15.0]


def test_waiting_polls_as_many_sellers_at_a_time_as_the_concurrency() -> None:
    class Counting:
        def __init__(self) -> None:
            self.now = self.most = 0

        async def get_registration(self, entity, reg_id):
            self.now += 1
            self.most = max(self.most, self.now)
            await asyncio.sleep(0)  # let the other polls start, if the gate allows
            self.now -= 1
            return registration(mid("DE"), reg_id, "APPROVED")

    results = [result(ACCEPTED, code, registration_id=f"REG-{code}") for code in ("DE", "FR", "IT")]
    for concurrency, most in ((1, 1), (2, 2), (0, 1)):
        client, time = Counting(), FakeTime()
        asyncio.run(apply.wait_all(client, results, {"acme": ENTITY}, 60, concurrency, time.clock, time.sleep))
        assert client.most == most


def test_the_review_summary_names_each_decision_in_words() -> None:
    reviews = [apply.Review(result(ACCEPTED, registration_id="REG-1"), "ACTION_REQUIRED"),
               apply.Review(result(ACCEPTED, "FR", registration_id="REG-2"), "IN_REVIEW")]
    assert apply.review_summary(reviews) == ("Review: 0 approved, 0 rejected, 1 action required, "
                                             "1 still under review.")


def test_submitting_serves_as_many_sellers_at_a_time_as_the_concurrency() -> None:
    class Counting(FakeClient):
        def __init__(self) -> None:
            super().__init__([])
            self.now = self.most = 0

        async def create_registration(self, entity, region, ids, token, digest):
            self.now += 1
            self.most = max(self.most, self.now)
            await asyncio.sleep(0)  # let the other sellers start, if the gate allows
            self.now -= 1
            return [registration(i, f"REG-{i}") for i in ids]

    sellers = {f"s{i}": replace(ENTITY, name=f"s{i}", seller_id=f"A{i}SELLER") for i in range(3)}
    creates = [replace(create_for("DE"), entity=name) for name in sellers]
    for concurrency, most in ((1, 1), (2, 2), (0, 1)):
        client = Counting()
        results = asyncio.run(apply.submit_all(client, creates, sellers, concurrency))
        assert client.most == most and [r.outcome for r in results] == [ACCEPTED] * 3


def test_409s_one_after_another_report_each_existing_marketplace_and_the_last_answer() -> None:
    de = AlreadyExists("409 Conflict", marketplace_ids=(mid("DE"),), registration_ids=("REG-DE",), request_id="r1")
    fr = AlreadyExists("409 Conflict", marketplace_ids=(mid("FR"),), registration_ids=("REG-FR",), request_id="r2")
    results = asyncio.run(apply.submit_one(FakeClient([de, fr, [registration(mid("IT"), "REG-IT")]]), ENTITY,
                                           create_for("DE", "FR", "IT")))
    assert [(r.marketplace, r.outcome, r.registration_id) for r in results] == [
        ("DE", EXISTS, "REG-DE"), ("FR", EXISTS, "REG-FR"), ("IT", ACCEPTED, "REG-IT")]


@pytest.mark.parametrize("then", [
    ApiError("400 InvalidInput: DE123456788 malformed", status=400, code="InvalidInput"),
    AlreadyExists("409 Conflict: DE123456788 open", marketplace_ids=(mid("IT"),), registration_ids=("REG-IT",)),
])
def test_a_failure_after_a_409_keeps_the_existing_marketplace_and_fails_the_rest_masked(then) -> None:
    de = AlreadyExists("409 Conflict", marketplace_ids=(mid("DE"),), registration_ids=("REG-DE",))
    results = asyncio.run(apply.submit_one(FakeClient([de, then]), ENTITY, create_for("DE", "FR")))
    assert [(r.marketplace, r.outcome) for r in results] == [("DE", EXISTS), ("FR", FAILED)]
    assert "DE123456788" not in results[1].message and "*******6788" in results[1].message
