"""Each reason code ACORN-i, SP-API, preflight and the plan give points at the field it concerns,
and the locator finds that field's line: in an entity file, or through a template to its row."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.desired.loader import load_entity
from reconciler.desired.locate import Locator, parse_dotted
from reconciler.desired.reason_fields import field_of
from tests.github.pr_world import TEMPLATE, TRANSPOSED_VAT, make_pull_request

ENTITY = """apiVersion: acorn/v1
kind: Entity
metadata:
  name: lumen
spec:
  sellerId: A7LUMEN00FR
  legalEntityName: Lumen SAS
  credentials:
    refreshToken:
      EU: {env: LUMEN_EU, authorizedOn: 2026-01-10}
  businessRegistration:
    country: FR
    number: "732829320"
    document: {uri: docs/lumen/kbis.pdf, sha256: 3f0a9b5c2d7e8f1a4b6c9d0e2f3a5b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a}
  legalRepresentative:
    name: Ada Test
    idDocument: {type: passport, expiresOn: 2027-01-31}
  taxRegistrations:
    - {scheme: EU_VAT, country: FR, number: FR11123456782}
    - {scheme: EU_VAT, country: DE, number: DE123456788}
  documents:
    - {kind: translation, of: businessRegistration, language: de, uri: docs/lumen/kbis-de.pdf,
       sha256: 3f0a9b5c2d7e8f1a4b6c9d0e2f3a5b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a}
  marketplaces: [FR, DE]
"""


@pytest.fixture
def lumen(tmp_path: Path):
    path = tmp_path / "lumen.yaml"
    path.write_text(ENTITY)
    entity, problems = load_entity(ENTITY, str(path), "lumen")
    assert entity is not None, problems
    return entity, Locator(lambda p: Path(p).read_text())


def line_of(text: str) -> int:
    return next(i for i, line in enumerate(ENTITY.splitlines(), 1) if text in line)


@pytest.mark.parametrize("code, marketplace, message, written", [
    ("LEGAL_NAME_MISMATCH", "FR", "", "legalEntityName: Lumen SAS"),
    ("TAX_NUMBER_INVALID", "DE", "", "DE123456788"),  # the item of the marketplace's scheme and country
    ("TAX_NUMBER_INVALID", "FR", "", "FR11123456782"),
    ("MISSING_TAX_REGISTRATION", "FR", "", "taxRegistrations:"),
    ("ID_EXPIRES_TOO_SOON", "FR", "", "expiresOn: 2027-01-31"),
    ("DOCUMENT_UNREADABLE", "FR", "the scan docs/lumen/kbis-de.pdf is unreadable", "kbis-de.pdf"),
    ("DOCUMENT_UNREADABLE", "FR", "the business registration scan is unreadable", "kbis.pdf,"),
    ("TRANSLATION_REQUIRED", "DE", "", "documents:"),
    ("REGISTRATION_NUMBER_INVALID", "FR", "", 'number: "732829320"'),
    ("REGISTRATION_COUNTRY_MISMATCH", "FR", "", "country: FR"),
    ("RELATED_ACCOUNT", "FR", "", "sellerId:"),
    ("AUTHORIZATION_EXPIRED", "EU", "", "authorizedOn"),
    ("REGION_NOT_AUTHORIZED", "DE", "", "EU: {env: LUMEN_EU"),
    ("STALE_PENDING", "DE", "", "marketplaces: [FR, DE]"),
    ("FIELD_DRIFT", "FR", "", "legalEntityName: Lumen SAS"),
])
def test_a_code_points_at_its_field(lumen, code: str, marketplace: str, message: str, written: str) -> None:
    entity, locator = lumen
    ref = field_of(code, entity, marketplace, message)
    assert ref.mapped
    assert locator.locate(entity.source.path, entity.source.row, ref.path).line == line_of(written)


def test_an_unknown_code_is_unmapped(lumen) -> None:
    entity, _ = lumen
    ref = field_of("BRAND_REGISTRY_CONFLICT", entity, "FR")
    assert not ref.mapped and ref.path == ()


def test_a_template_field_is_followed_to_its_row(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path, rows=4, bad_row=2)
    locator = Locator(lambda p: Path(p).read_text())
    source = str(tmp_path / TEMPLATE)
    found = locator.locate(source, "brand-02", ("spec", "taxRegistrations", 0, "number"))
    assert (found.line, found.row) == (pr.bad_line, "brand-02")
    body = (tmp_path / TEMPLATE).read_text().splitlines()
    assert body[found.template_line - 1].strip().startswith("taxRegistrations:")
    assert TRANSPOSED_VAT in body[found.line - 1]
    # a value the body builds itself (not a row variable as it is) stays at the template's line
    built = locator.locate(source, "brand-02", ("spec", "legalEntityName"))
    assert body[built.line - 1].strip().startswith("legalEntityName:") and built.line == built.template_line


def test_dotted_keys_parse_back() -> None:
    assert parse_dotted("spec.taxRegistrations[0].number") == ("spec", "taxRegistrations", 0, "number")
    assert parse_dotted("(file)") == ()
