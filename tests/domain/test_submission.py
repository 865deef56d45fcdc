"""The digests that make a create idempotent: the same submission and marketplaces always give
the same token, and any change to what the marketplace reviews gives another."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from reconciler.domain.model import (
    BusinessRegistration,
    DocumentRef,
    IdDocument,
    LegalRepresentative,
    Submission,
    TaxRegistration,
)
from reconciler.domain.submission import client_token, submission_digest

SUBMISSION = Submission("Acme GmbH", BusinessRegistration("DE", "HRB 12345", DocumentRef("s3://d", "0" * 64)),
                        LegalRepresentative("Jo Doe", IdDocument("passport", date(2031, 4, 5))),
                        (TaxRegistration("EU_VAT", "DE", "DE123456789"),))


def test_the_digest_is_a_sha256_that_changes_with_any_reviewed_field():
    digest = submission_digest(SUBMISSION)
    assert len(digest) == 64 and digest == submission_digest(replace(SUBMISSION))
    later = replace(SUBMISSION.legal_representative, id_document=IdDocument("passport", date(2031, 4, 6)))
    assert submission_digest(replace(SUBMISSION, legal_representative=later)) != digest
    assert submission_digest(replace(SUBMISSION, tax_registrations=())) != digest


def test_a_value_the_digest_cannot_read_is_refused_by_name():
    with pytest.raises(TypeError, match="cannot digest a set"):
        submission_digest(replace(SUBMISSION, documents={1}))  # type: ignore[arg-type]  # not a tuple


def test_the_client_token_names_the_seller_the_marketplaces_in_any_order_and_the_digest():
    token = client_token("A3EXAMPLEACME01", ["DE", "FR"], "d" * 64)
    assert len(token) == 64 and token == client_token("A3EXAMPLEACME01", ("FR", "DE"), "d" * 64)
    others = {client_token("A3EXAMPLEACME02", ["DE", "FR"], "d" * 64),
              client_token("A3EXAMPLEACME01", ["DE"], "d" * 64),
              client_token("A3EXAMPLEACME01", ["DE", "FR"], "e" * 64)}
    assert len(others) == 3 and token not in others
