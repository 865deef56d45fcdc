"""The catalogue's lookups: the tax row as it applies to where a business is registered, and
the order every output lists marketplaces in."""

from __future__ import annotations

from reconciler.domain import catalogue
from reconciler.domain.catalogue import TaxRequirement, TaxRule


def test_the_us_interview_asks_a_foreign_business_for_a_w8bene_and_a_us_business_for_a_w9():
    row = catalogue.by_code("US").tax
    assert row.for_business_in("DE") is row and row.scheme == "US_W8BENE" and row.rule is TaxRule.REQUIRED
    assert row.for_business_in("US") == TaxRequirement("US_W9", TaxRule.REQUIRED)


def test_a_row_waived_for_a_home_business_without_a_home_scheme_requires_nothing():
    interview = catalogue.by_code("MX").interview
    assert interview is not None
    assert interview.for_business_in("US") == TaxRequirement("US_W8BENE", TaxRule.NONE)
    assert interview.for_business_in("GB") is interview


def test_marketplaces_sort_in_catalogue_order_and_unknown_codes_last_by_code():
    assert catalogue.order("US") == 0 and catalogue.order("CA") == 1
    assert sorted(["ZZ", "DE", "AA", "US", "UK"], key=catalogue.sort_key) == ["US", "UK", "DE", "AA", "ZZ"]


def test_an_eu_marketplace_may_need_an_eu_vat_number_of_its_own_country_depending_on_stock():
    row = catalogue.by_code("DE").tax
    assert (row.scheme, row.rule, row.country) == ("EU_VAT", TaxRule.DEPENDS, "DE")
    assert row.depends_on.startswith("required for goods stored in Germany (no threshold for a seller not "
                                     "established in Germany;")
    sg = catalogue.by_code("SG").tax
    assert (sg.scheme, sg.rule, sg.country) == ("SG_GST", TaxRule.DEPENDS, None) and "SGD 1 million" in sg.depends_on
