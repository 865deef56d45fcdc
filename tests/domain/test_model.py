"""The desired state's values as messages name them: a secret reference (never its value), an
entity's tokens per region, and where a key was written."""

from __future__ import annotations

import pytest

from reconciler.domain.live import SellerLive
from reconciler.domain.model import (
    Credentials,
    MarketplaceAccount,
    RegionCredential,
    SecretRef,
    Source,
    source_label,
)


@pytest.mark.parametrize("ref, shown", [
    (SecretRef("env", "ACME_TOKEN"), "env:ACME_TOKEN"),
    (SecretRef("file", "secrets/acme"), "file:secrets/acme"),
    (SecretRef("aws", "acorn/acme"), "aws secret acorn/acme"),
    (SecretRef("aws", "acorn/acme", "refresh"), "aws secret acorn/acme (key refresh)"),
])
def test_a_secret_reference_is_shown_by_where_it_is_never_by_its_value(ref, shown):
    assert str(ref) == shown


@pytest.mark.parametrize("raw, ref", [
    ({"env": "ACME_TOKEN"}, SecretRef("env", "ACME_TOKEN")),
    ({"file": "secrets/acme"}, SecretRef("file", "secrets/acme")),
    ({"aws": {"secretId": "acorn/acme"}}, SecretRef("aws", "acorn/acme")),
    ({"aws": {"secretId": "acorn/acme", "key": "refresh"}}, SecretRef("aws", "acorn/acme", "refresh")),
])
def test_a_reference_reads_each_form_the_schema_allows(raw, ref):
    assert SecretRef.from_mapping(raw) == ref


EU, FE, JP = SecretRef("env", "EU_TOKEN"), SecretRef("file", "fe-token"), SecretRef("env", "JP_TOKEN")
PER_REGION = Credentials(regions=(("EU", RegionCredential(EU)), ("FE", RegionCredential(FE))),
                         accounts=(MarketplaceAccount(("JP", "AU"), RegionCredential(JP), "A2OTHERSELLER1"),))


def test_each_region_uses_its_own_token_and_a_default_serves_the_others():
    assert PER_REGION.for_region("EU") == EU and PER_REGION.for_region("FE") == FE
    assert PER_REGION.for_region("NA") is None
    default = SecretRef("env", "ALL")
    both = Credentials(default=default, regions=(("EU", RegionCredential(EU)),))
    assert (both.for_region("EU"), both.for_region("NA")) == (EU, default)


def test_a_far_east_marketplace_of_a_separate_account_is_found_by_its_code():
    assert PER_REGION.account_for("AU") == PER_REGION.accounts[0]
    assert PER_REGION.account_for("SG") is None


def test_every_reference_of_an_entity_is_listed_default_first():
    default = SecretRef("env", "ALL")
    assert Credentials(default=default, regions=PER_REGION.regions, accounts=PER_REGION.accounts).refs() == \
        (default, EU, FE, JP)
    assert PER_REGION.refs() == (EU, FE, JP)


def test_a_source_is_labelled_by_its_file_and_template_row():
    assert source_label("desired/entities/acme.yaml", None) == "desired/entities/acme.yaml"
    assert Source("desired/templates/brand.yaml.j2", row="acme-de").label == \
        "desired/templates/brand.yaml.j2 (row acme-de)"


def test_a_key_is_placed_at_its_line_and_column_else_at_the_entitys_line():
    source = Source.of("desired/entities/acme.yaml", 4, numbers=(("spec.taxRegistrations.0.number", 21, 15),),
                       places=(("spec.legalRepresentative.idDocument.expiresOn", 12, 18),),
                       template_lines=(("spec.marketplaces.0", 7),))
    assert source.at("spec.taxRegistrations.0.number") == (21, 15)
    assert source.at("spec.legalRepresentative.idDocument.expiresOn") == (12, 18)
    assert source.at("spec.sellerId") == (4, 1)
    assert source.template_line("spec.marketplaces.0") == 7
    assert source.template_line("spec.sellerId") is None
    assert source.writes("spec.legalRepresentative.idDocument.expiresOn")
    assert not source.writes("spec.taxRegistrations.0.number")  # a number, not a place a finding names


def test_a_sellers_unauthorized_region_and_unread_marketplace_carry_their_message():
    live = SellerLive("A3EXAMPLEACME01", unauthorized=(("EU", "not authorized in EU"),),
                      unread=(("JP", "the JP account's token is missing"),))
    assert (live.unauthorized_in("EU"), live.unauthorized_in("NA")) == ("not authorized in EU", None)
    assert (live.unread_in("JP"), live.unread_in("AU")) == ("the JP account's token is missing", None)


def test_a_place_record_of_the_wrong_width_is_refused_rather_than_shifting_the_keys_after_it():
    with pytest.raises(ValueError, match="not 3 items"):
        Source.of("desired/entities/acme.yaml", 4, places=(("spec.marketplaces.0", 7),))
    with pytest.raises(ValueError, match="not 2 items"):
        Source.of("desired/entities/acme.yaml", 4, template_lines=(("spec.marketplaces.0", 7, 3),))
