"""The pure importer: what live state implies (marketplaces, legal name, placeholders), and
the file it writes: every placeholder fails validation on its own line, and the file loads
once they are filled.

Regenerate the golden files after an intended change with
`ACORN_UPDATE_GOLDEN=1 python -m pytest tests/actions` (each rewritten file fails its test), review the diff, run again.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from reconciler.actions.import_entity import (
    ImportRequest,
    check_request,
    imported,
    placeholder_entity,
    refused_everywhere,
    render_entity,
    todo_count,
)
from reconciler.desired.loader import load_entity
from reconciler.domain import catalogue
from reconciler.domain.live import ACTION_REQUIRED, APPROVED, IN_REVIEW, REJECTED, LiveRegistration, SellerLive
from reconciler.domain.model import Reason
from reconciler.errors import ConfigError
from reconciler.render.yamltext import scalar
from tests.actions.importer_support import fill, todo_lines
from tests.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden"
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
REQ = ImportRequest("acme-sz", "A3EXAMPLEACME01", "ACORN_ACME_SZ_REFRESH_TOKEN")


def reg(code: str, status: str, days: int = 0, name: str = "Acme Ltd", reasons: tuple[Reason, ...] = (),
        marketplace_id: str | None = None) -> LiveRegistration:
    return LiveRegistration(f"REG-{code}-{status}-{days}", REQ.seller_id,
                            marketplace_id or catalogue.by_code(code).marketplace_id, status, name, "t", "d",
                            reasons, T0 + timedelta(days=days), T0 + timedelta(days=days + 1))


def live(participations: tuple[str, ...] = (), regs: tuple[LiveRegistration, ...] = (),
         unknown: tuple[str, ...] = ()) -> SellerLive:
    ids = frozenset(catalogue.by_code(c).marketplace_id for c in participations) | frozenset(unknown)
    return SellerLive(REQ.seller_id, ids, regs)


def load(text: str, name: str = "acme-sz"):
    return load_entity(text, f"desired/entities/{name}.yaml", name)


def test_marketplaces_are_stores_and_approved_registrations_in_catalogue_order() -> None:
    data = imported(live(("JP", "US"), (reg("DE", APPROVED), reg("FR", IN_REVIEW), reg("AU", REJECTED),
                                         reg("IT", REJECTED, 1), reg("IT", APPROVED, 2))))
    assert [m.code for m in data.marketplaces] == ["US", "DE", "IT", "JP"]
    assert [m.code for m in data.commented] == ["FR", "AU"]
    assert "uncomment to track it" in data.commented[0].why and "apply again" in data.commented[1].why


def test_legal_name_prefers_the_newest_approved_registration() -> None:
    regs = (reg("DE", APPROVED, 1, "Old Name"), reg("UK", APPROVED, 5, "New Name"), reg("FR", REJECTED, 9, "Wrong"))
    assert imported(live((), regs)).legal_name == "New Name"
    assert imported(live((), regs[2:])).legal_name == "Wrong"  # no approved one: the newest, to check
    assert imported(live(("US",))).legal_name is None


def test_one_tax_placeholder_per_certainly_required_scheme() -> None:
    # CA, UK, DE, FR, JP and AU's requirements depend on facts live cannot tell: plan warns of them
    data = imported(live(("US", "CA", "MX", "BR", "UK", "DE", "FR", "TR", "IN", "JP", "AU")))
    # the U.S. tax interview is asked on Amazon.ca too; TR depends (Cross-Border Fulfillment from the EU)
    assert [(t.scheme, t.country, t.needed_by) for t in data.taxes] == [
        ("US_W8BENE", None, ("US", "CA")), ("BR_CNPJ", None, ("BR",)), ("IN_GST", None, ("IN",))]
    assert [(t.needed_by, t.language, t.unless_registered_in) for t in data.translations] == [("JP", "ja", "JP")]
    assert [t.field for t in data.taxes] == ["completedOn", "number", "number"]
    assert imported(live(("MX", "AU", "DE"))).taxes == ()


def test_file_starts_with_the_schema_line_and_names_its_credential() -> None:
    text = render_entity(REQ, live(("US",), (reg("CA", APPROVED),)))
    assert text.startswith("# yaml-language-server: $schema=../../schemas/entity.schema.json\n")
    data = yaml.safe_load(text)
    assert data["apiVersion"] == "acorn/v1" and data["kind"] == "Entity"
    assert data["metadata"] == {"name": "acme-sz"}
    assert data["spec"]["sellerId"] == "A3EXAMPLEACME01"
    assert data["spec"]["legalEntityName"] == "Acme Ltd"
    # one entry per region the seller is in (US and CA: NA), each region's own authorization
    assert data["spec"]["credentials"] == {"refreshToken": {"NA": {"env": "ACORN_ACME_SZ_REFRESH_TOKEN"}}}
    assert data["spec"]["marketplaces"] == ["US", "CA"]
    # SP-API issues one refresh token per region: the one reference given is never copied into
    # the other regions, which get a placeholder validate refuses until it is filled
    text = render_entity(REQ, live(("US", "DE", "JP")))
    spread = yaml.safe_load(text)
    assert spread["spec"]["credentials"]["refreshToken"] == {"NA": {"env": "ACORN_ACME_SZ_REFRESH_TOKEN"},
                                                             "EU": {"env": "FILL-ME"}, "FE": {"env": "FILL-ME"}}
    assert "EU: {env: FILL-ME}  # TODO(acorn import): EU's own refresh token (not NA's)" in text
    assert text.count("ACORN_ACME_SZ_REFRESH_TOKEN") == 1
    nothing = yaml.safe_load(render_entity(REQ, live(())))
    assert nothing["spec"]["credentials"] == {"refreshToken": {"env": "ACORN_ACME_SZ_REFRESH_TOKEN"}}


SELLERS = {
    "everything": live(("US", "CA", "UK", "DE", "FR", "JP"), (reg("IT", ACTION_REQUIRED),), ("AXXUNKNOWN1",)),
    "nothing": live(),
    "rejected only": live((), (reg("AU", REJECTED, reasons=(Reason("DOCUMENT_UNREADABLE", "scan"),)),)),
}


@pytest.mark.parametrize("seller", list(SELLERS))
def test_every_placeholder_fails_validation_on_its_own_line(seller: str) -> None:
    text = render_entity(REQ, SELLERS[seller])
    entity, problems = load(text)
    assert entity is None
    assert sorted({p.line for p in problems}) == todo_lines(text)
    assert todo_count(text) == len(todo_lines(text)) >= 7


@pytest.mark.parametrize("seller", list(SELLERS))
def test_the_file_loads_once_the_placeholders_are_filled(seller: str) -> None:
    entity, problems = load(fill(render_entity(REQ, SELLERS[seller])))
    assert problems == [] and entity is not None
    assert entity.seller_id == REQ.seller_id
    assert "env:ACORN_ACME_SZ_REFRESH_TOKEN" in {str(ref) for ref in entity.credentials.refs()}
    if seller == "everything":  # each region its own token
        assert [str(ref) for ref in entity.credentials.refs()] == [
            "env:ACORN_ACME_SZ_REFRESH_TOKEN", "env:ACORN_ACME_SZ_EU_REFRESH_TOKEN",
            "env:ACORN_ACME_SZ_FE_REFRESH_TOKEN"]
        assert entity.marketplaces == ("US", "CA", "UK", "DE", "FR", "JP")
        taxes = [(t.scheme, t.country) for t in entity.submission.tax_registrations]
        assert taxes == [("US_W8BENE", None)]
        assert [(d.kind, d.language) for d in entity.submission.documents] == [("translation", "ja")]


@pytest.mark.parametrize("seller", list(SELLERS))
def test_golden(seller: str) -> None:
    # the whole file, byte for byte: comments and placeholder order are what a user reads
    out = render_entity(REQ, SELLERS[seller])
    path = GOLDEN / f"{seller.replace(' ', '-')}.yaml"
    assert_golden(path, out)


def test_live_facts_the_file_does_not_list_are_comments() -> None:
    text = render_entity(REQ, SELLERS["everything"])
    assert "# Live also shows marketplace ID AXXUNKNOWN1" in text
    assert "    # - IT  # ACTION_REQUIRED registration REG-IT-ACTION_REQUIRED-0: uncomment to track it" in text


@pytest.mark.parametrize("name", ["Acme Trading Co., Ltd.", "Sakura Goods K.K.", "O'Brien & Sons: #1", "yes",
                                  "0123", "2026-01-01", "株式会社さくら", "- dash", "a\nb", "tab\there", " padded ",
                                  "\u2028sep", '"quoted"', "Atlas # not a comment", "null", "~", "1e3"])
def test_legal_names_from_live_read_back_exactly(name: str) -> None:
    text = render_entity(REQ, live((), (reg("DE", APPROVED, name=name),)))
    assert yaml.safe_load(text)["spec"]["legalEntityName"] == name


def test_an_empty_legal_name_from_live_is_a_placeholder() -> None:
    text = render_entity(REQ, live((), (reg("DE", APPROVED, name=""),)))
    assert "  legalEntityName: ~  # TODO(acorn import):" in text


@given(st.text(max_size=40))
def test_scalar_reads_back_as_the_same_string(value: str) -> None:
    assert yaml.safe_load(f"key: {scalar(value)}  # comment") == {"key": value}


@pytest.mark.parametrize("req, flag", [
    (ImportRequest("Acme", "A3EXAMPLEACME01", "VAR"), "--name"),
    (ImportRequest("acme", "a3example", "VAR"), "--seller-id"),
    (ImportRequest("acme", "A3EXAMPLEACME01", "Atzr|secret"), "--refresh-token-env"),
])
def test_arguments_the_file_could_not_carry_are_refused(req: ImportRequest, flag: str) -> None:
    with pytest.raises(ConfigError, match=flag) as raised:
        check_request(req)
    assert "Atzr|" not in str(raised.value)


def test_the_read_covers_every_region() -> None:
    assert placeholder_entity(REQ).marketplaces == catalogue.CODES


@pytest.mark.parametrize("req, written", [
    (ImportRequest("acme", "A3EXAMPLEACME01", aws_secret_id="acorn/acme"), '{aws: {secretId: "acorn/acme"}}'),
    (ImportRequest("acme", "A3EXAMPLEACME01", aws_secret_id="acorn/acme", aws_key="refresh"),
     '{aws: {secretId: "acorn/acme", key: "refresh"}}'),
    (ImportRequest("acme", "A3EXAMPLEACME01", "ACME_TOKEN"), "{env: ACME_TOKEN}"),
])
def test_the_token_reference_is_written_as_named_and_loads_as_the_same_reference(req, written) -> None:
    assert req.credential_yaml == written
    assert f"      EU: {written}\n" in render_entity(req, live(("DE",)))  # the one region DE is in
    assert placeholder_entity(req).credentials.default == req.credential
    assert (req.credential.kind, req.credential.name) == (("aws", "acorn/acme") if req.aws_secret_id
                                                          else ("env", "ACME_TOKEN"))
    assert req.credential.key == req.aws_key


ONE_OF = "name the seller's refresh token with exactly one of --refresh-token-env and --refresh-token-aws"
NOT_AN_ARN = "--refresh-token-aws must be a Secrets Manager secret name or ARN, not a token"
NOT_A_KEY = "--refresh-token-aws-key must name a key of the secret's JSON, not a token"


@pytest.mark.parametrize("req, message", [
    (ImportRequest("acme", "A3EXAMPLEACME01"), ONE_OF),
    (ImportRequest("acme", "A3EXAMPLEACME01", "VAR", aws_secret_id="acorn/acme"), ONE_OF),
    (ImportRequest("acme", "A3EXAMPLEACME01", "VAR", aws_key="refresh"),
     "--refresh-token-aws-key needs --refresh-token-aws"),
    (ImportRequest("acme", "A3EXAMPLEACME01", "Atzr|secret"),
     "--refresh-token-env must name an environment variable (letters, digits, _), not a token"),
    (ImportRequest("acme", "A3EXAMPLEACME01", aws_secret_id="Atzr|secret"), NOT_AN_ARN),
    (ImportRequest("acme", "A3EXAMPLEACME01", aws_secret_id="bad secret id!"), NOT_AN_ARN),
    (ImportRequest("acme", "A3EXAMPLEACME01", aws_secret_id="acorn/acme", aws_key="Atzr|secret"), NOT_A_KEY),
    (ImportRequest("acme", "A3EXAMPLEACME01", aws_secret_id="acorn/acme", aws_key=""), NOT_A_KEY),
])
def test_a_token_reference_the_file_could_not_carry_is_refused_by_its_flag(req, message) -> None:
    with pytest.raises(ConfigError) as raised:
        check_request(req)
    assert str(raised.value) == message


def test_a_registration_listed_commented_out_names_each_reason_code_once() -> None:
    reasons = (Reason("LEGAL_NAME_MISMATCH", "a"), Reason("DOCUMENT_UNREADABLE", "b"),
               Reason("LEGAL_NAME_MISMATCH", "c"))
    text = render_entity(REQ, live(("DE",), (reg("IT", REJECTED, reasons=reasons),)))
    assert ("    # - IT  # REJECTED registration REG-IT-REJECTED-0 (LEGAL_NAME_MISMATCH, DOCUMENT_UNREADABLE): "
            "uncomment to apply again once fixed") in text


def test_a_registration_in_a_marketplace_the_catalogue_does_not_know_is_named_by_its_id() -> None:
    data = imported(live(("DE",), (reg("IT", APPROVED, marketplace_id="AXXUNKNOWN2"),), ("AXXUNKNOWN1",)))
    assert data.unknown == ("AXXUNKNOWN1", "AXXUNKNOWN2")


def test_only_placeholders_still_to_fill_are_counted_not_commented_out_lines() -> None:
    text = ("  country: FILL-ME  # TODO(acorn import): country\n"
            "  # - IT  # TODO(acorn import): uncomment\n"
            "    # TODO(acorn import): a note\n")
    assert todo_count(text) == 1


def test_a_seller_refused_in_every_region_says_so_for_each_region() -> None:
    refused = (("NA", "not authorized"), ("EU", "not authorized"), ("FE", "revoked"))
    assert refused_everywhere(SellerLive(REQ.seller_id, unauthorized=refused)) == \
        "NA: not authorized; EU: not authorized; FE: revoked"
    assert refused_everywhere(SellerLive(REQ.seller_id, unauthorized=refused[:2])) is None
    assert refused_everywhere(SellerLive(REQ.seller_id)) is None
