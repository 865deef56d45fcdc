"""The demo world: the seller records and registrations that match the shipped desired/
tree, so that `acorn plan` against a fresh embedded sandbox shows every state.

Data only, plus `seed_demo` and `seed_demo_once`. Seeded registrations have a fixed status (they are not
reviewed again); their ages are relative to the sandbox clock at seed time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..domain import catalogue
from ..domain.live import ACTION_REQUIRED, APPROVED, IN_REVIEW, REJECTED
from ..domain.model import Reason
from . import review
from .context import DEFAULT_REVIEW_SECONDS, Sandbox
from .records import Channel, RegistrationRecord, SellerRecord
from .store import Store

DAY = 86400.0
NO_DIGEST = "0" * 64
UNREADABLE = Reason(review.DOCUMENT_UNREADABLE, "the business registration scan is unreadable")


@dataclass(frozen=True)
class DemoRegistration:
    marketplace: str  # code
    status: str
    days_ago: int
    reasons: tuple[Reason, ...] = ()
    legal_entity_name: str | None = None  # None: the seller's
    submission_digest: str = NO_DIGEST


@dataclass(frozen=True)
class DemoSeller:
    seller_id: str
    legal_entity_name: str
    participations: tuple[str, ...] = ()
    related_account: bool = False
    registrations: tuple[DemoRegistration, ...] = ()
    business: tuple[str, str] = ("", "")  # getAccount: registration country and number
    regions: tuple[str, ...] = catalogue.REGIONS  # where the demo refresh token is authorized
    store_name: str = ""
    suspended: tuple[str, ...] = ()
    channels: tuple[Channel, ...] = ()


# Multi-Channel Fulfillment's "Non-Amazon" US marketplace: SP-API lists it among a seller's
# participations, though it is no Amazon store (its fields here are as third parties record them).
MCF_US = Channel("A2ZV50J4W1RKNI", "Non-Amazon", "NA", "US", "sim1.stores.amazon.com")


DEMO_SELLERS: tuple[DemoSeller, ...] = (
    # Authorized the app in NA and EU only: its JP pair is `unauthorized`.
    DemoSeller("A3EXAMPLEACME01", "Shenzhen Acme Trading Co., Ltd.", ("US", "MX"),
               registrations=(DemoRegistration("CA", APPROVED, 40),), business=("CN", "91440300MA5EXAMPLA"),
               regions=("NA", "EU"), store_name="Acme Direct", channels=(MCF_US,)),
    DemoSeller("A1NORDLICHT0DE", "Nordlicht Handel GmbH", ("DE",), registrations=(
        DemoRegistration("FR", IN_REVIEW, 20, legal_entity_name="Nordlicht Handels GmbH"),
        DemoRegistration("IT", ACTION_REQUIRED, 10, (UNREADABLE,))), business=("DE", "HRB123456"),
        store_name="Nordlicht", suspended=("DE",)),
    # FE: SP-API offers no getAccount there, so its AU create says what is checked instead.
    DemoSeller("A2SAKURA00JP", "Sakura Goods K.K.", ("JP",),
               registrations=(DemoRegistration("AU", REJECTED, 30, (UNREADABLE,)),),
               business=("JP", "0100-01-123456"), store_name="Sakura Goods"),
    DemoSeller("A4MAPLE000CA", "Maple Outfitters Inc.", business=("CA", "BC1234567")),
    DemoSeller("A5ATLAS000UK", "Atlas Home Ltd", registrations=(
        DemoRegistration("UK", REJECTED, 12,
                         (Reason(review.LEGAL_NAME_MISMATCH, "legal name differs from the seller account"),),
                         submission_digest="113b4b346d2ec1b2ebc4268e345f43b58754ef4ecfb50a76d4445c1ebd7ce2bb"),),
               business=("GB", "09876543")),
    # EU, where SP-API offers getAccount: the account's legal name is not desired's "Atlas Home
    # Ireland Ltd", so the account check blocks its IE and NL creates (LEGAL_NAME_MISMATCH).
    DemoSeller("A6ATLAS000IE", "Atlas Home (Ireland) Limited", related_account=True, business=("IE", "654321")),
)


def demo_refresh_token(seller_id: str) -> str:
    """The refresh token a demo seller holds in the embedded sandbox (not a secret)."""
    return "sandbox-refresh-" + seller_id


def _stable_hex(*parts: str) -> str:
    return hashlib.sha256("\n".join(("acorn-demo", *parts)).encode()).hexdigest()


def demo_records(now: float) -> tuple[tuple[SellerRecord, ...], tuple[RegistrationRecord, ...]]:
    """The demo world as records, ages counted back from `now`."""
    sellers, registrations = [], []
    for s in DEMO_SELLERS:
        sellers.append(SellerRecord(s.seller_id, s.legal_entity_name, demo_refresh_token(s.seller_id),
                                    s.participations, s.related_account, s.regions, store_name=s.store_name,
                                    suspended=s.suspended, channels=s.channels,
                                    registration_country=s.business[0], registration_number=s.business[1]))
        for r in s.registrations:
            created = now - r.days_ago * DAY
            # A registration under review last changed when it left SUBMITTED; others a day in.
            updated = created + (60.0 if r.status == IN_REVIEW else DAY)
            registrations.append(RegistrationRecord(
                0, "REG-" + _stable_hex(s.seller_id, r.marketplace)[:16].upper(), s.seller_id,
                catalogue.by_code(r.marketplace).marketplace_id, r.legal_entity_name or s.legal_entity_name,
                _stable_hex("token", s.seller_id, r.marketplace), r.submission_digest, created, DEFAULT_REVIEW_SECONDS,
                r.status, r.reasons, updated))
    return tuple(sellers), tuple(registrations)


def seed_demo(store: Store, now: float) -> None:
    sellers, registrations = demo_records(now)
    for seller in sellers:
        store.put_seller(seller)
    for registration in registrations:
        store.insert_registration(registration)


def seed_demo_once(sandbox: "Sandbox") -> bool:
    """Seed the demo world into a state file never seeded before (at the sandbox clock's
    now); True when it ran. The embedded sandbox and `serve --demo` both seed this way."""
    return sandbox.store.seed_once(lambda store: seed_demo(store, sandbox.now()))
