"""Small builders of desired and live values for the plan tests: no files, no network."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from reconciler.domain import catalogue
from reconciler.domain.live import LiveRegistration, SellerLive
from reconciler.domain.model import (
    BusinessRegistration,
    DesiredState,
    Document,
    DocumentRef,
    Entity,
    IdDocument,
    LegalRepresentative,
    Reason,
    SecretRef,
    Submission,
    TaxRegistration,
)
from reconciler.domain.policy import Policy
from reconciler.domain.submission import submission_digest
from reconciler.engine.plan import Pair, Plan, plan
from tests import tax_examples

TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 9, 30, tzinfo=timezone.utc)
SHA = "0" * 64

# a tax registration of every marketplace's scheme, for a business in CN: no pair blocks or warns
ALL_TAXES = (
    TaxRegistration("US_W8BENE", completed_on=date(2025, 3, 1)),
    *(TaxRegistration(scheme, number=number) for scheme, number in tax_examples.NUMBERS.items()),
    *(TaxRegistration("EU_VAT", c, number) for c, number in tax_examples.EU_VAT.items()),
)
FR_TYPO = TaxRegistration("EU_VAT", "FR", "FR11123456882")  # one digit wrong: the check digits catch it
ACME_TAXES = tuple(t for t in ALL_TAXES if t.scheme in ("US_W8BENE", "CA_GST_HST", "UK_VAT")
                   or t.country == "DE")
TRANSLATION = Document("translation", "docs/license-ja.pdf", SHA, of="businessRegistration", language="ja")


def submission(legal_name: str = "Acme Trading Co., Ltd.", country: str = "CN", number: str = "91440300MA5EXAMPLA",
               taxes: tuple[TaxRegistration, ...] = ALL_TAXES, documents: tuple[Document, ...] = (TRANSLATION,),
               id_expires: date = date(2030, 6, 30)) -> Submission:
    return Submission(legal_name, BusinessRegistration(country, number, DocumentRef("docs/license.pdf", SHA)),
                      LegalRepresentative("Li Wei", IdDocument("passport", id_expires)), taxes, documents)


def entity(name: str = "acme", marketplaces: tuple[str, ...] = ("DE",), seller_id: str | None = None,
           labels: dict[str, str] | None = None, **sub: object) -> Entity:
    return Entity(name, seller_id or f"A{name.upper().replace('-', '')}", SecretRef("env", "TOKEN"),
                  submission(**sub), marketplaces, tuple(sorted((labels or {}).items())))


def reg(code: str, status: str, *, age: int = 1, sub: Submission | None = None, digest: str | None = None,
        name: str | None = None, reasons: tuple[Reason, ...] = (), rid: str | None = None,
        seller_id: str = "ACME") -> LiveRegistration:
    """A registration of marketplace `code` created `age` days before TODAY, decided a day later.

    Its digest and legal name are `sub`'s (default: the default submission) unless given."""
    sub = sub or submission()
    created = NOW - timedelta(days=age)
    return LiveRegistration(rid or f"reg-{code}-{status.lower()}-{age}", seller_id,
                            catalogue.by_code(code).marketplace_id, status,
                            name if name is not None else sub.legal_entity_name, "token",
                            digest or submission_digest(sub), reasons, created, created + timedelta(days=1))


def seller(e: Entity, participations: tuple[str, ...] = (), regs: tuple[LiveRegistration, ...] = (),
           error: str | None = None) -> SellerLive:
    if error is not None:
        return SellerLive(e.seller_id, error=error)
    return SellerLive(e.seller_id, frozenset(catalogue.by_code(c).marketplace_id for c in participations), regs)


def run(entities: list[Entity], sellers: list[SellerLive], today: date = TODAY,
        policy: Policy = Policy()) -> Plan:  # noqa: B008  frozen: one shared value is safe
    desired = DesiredState(tuple(entities), "d" * 64)
    return plan(desired, {s.seller_id: s for s in sellers}, today, policy, NOW, "sandbox")


def one(e: Entity, participations: tuple[str, ...] = (), regs: tuple[LiveRegistration, ...] = (),
        **kw: object) -> Plan:
    return run([e], [seller(e, participations, regs)], **kw)  # type: ignore[arg-type]


def rows(p: Plan, code: str | None = None) -> list[Pair]:
    return [x for e in p.entities for x in e.pairs if code is None or x.marketplace == code]


def states(p: Plan, code: str) -> list[str]:
    return [x.state for x in rows(p, code)]


def codes(pair: Pair) -> list[str]:
    return [r.code for r in pair.reasons]


def sample_plan() -> Plan:
    """A small fixed plan with every state, an entity error, masking and creates in 2 regions."""
    from reconciler.domain.live import ACTION_REQUIRED, APPROVED, IN_REVIEW, REJECTED

    acme = entity("acme-sz", ("US", "CA", "DE", "FR", "JP"), seller_id="A3EXAMPLEACME01",
                  labels={"brand": "acme"}, taxes=ACME_TAXES)  # no VAT for FR (a warning); no JCT for JP
    nord = entity("nordlicht-de", ("UK", "DE", "FR", "IT"), seller_id="A1NORDLICHT0DE", country="DE",
                  number="HRB123456", legal_name="Nordlicht Handel GmbH", labels={"brand": "nordlicht"})
    maple = entity("maple-ca", ("CA", "US"), seller_id="A4MAPLE000CA", id_expires=date(2026, 9, 1),
                   # a typo in a VAT number no pair of it needs: still every create blocks
                   taxes=ACME_TAXES + (FR_TYPO,))
    sakura = entity("sakura-jp", ("JP",), seller_id="A2SAKURA00JP")
    leaky = (Reason("DOCUMENT_UNREADABLE", "tax number DE123456788 and registration HRB123456 | <unreadable>"),)
    nord_regs = (
        reg("DE", APPROVED, age=200, sub=nord.submission, rid="R-DE-1"),
        reg("FR", IN_REVIEW, age=20, sub=nord.submission, name="Nordlicht Handels GmbH", rid="R-FR-1"),
        reg("IT", ACTION_REQUIRED, age=3, sub=nord.submission, reasons=leaky, rid="R-IT-1"),
        reg("NL", IN_REVIEW, age=2, sub=nord.submission, rid="R-NL-1"),
    )
    acme_regs = (reg("DE", REJECTED, age=40, sub=submission(taxes=()), rid="R-DE-0"),
                 reg("JP", REJECTED, age=30, sub=acme.submission, rid="R-JP-0",
                     reasons=(Reason("RELATED_ACCOUNT", "linked to another store under review"),)))
    return run([acme, maple, nord, sakura],
               [seller(acme, ("US",), acme_regs), seller(maple), seller(nord, ("SE",), nord_regs),
                seller(sakura, error="credentials missing: ACORN_SAKURA_JP_REFRESH_TOKEN is not set")])
