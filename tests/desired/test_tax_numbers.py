"""Tax and registration numbers per scheme: a valid number, a one-digit typo, two digits
swapped, a wrong country prefix, and the number written with spaces or in lower case
(normalised, then accepted, as the authorities accept it). All numbers are fictional."""

from __future__ import annotations

import pytest
import yaml

from reconciler.desired import schema
from reconciler.desired.tax_numbers import (
    CHECK_DIGIT,
    business_number_problem,
    normalise,
    tax_number_doubt,
    tax_number_problem,
)
from reconciler.domain import catalogue
from tests import REPO, tax_examples

# scheme, country, valid, typo, swapped, wrong prefix, written loosely
CASES = [
    ("EU_VAT", "DE", "DE123456788", "DE123457788", "DE123546788", "FR123456788", "de 123 456 788"),
    ("EU_VAT", "FR", "FR11123456782", "FR11123456882", "FR11123546782", "DE11123456782", "fr 11 123 456 782"),
    ("EU_VAT", "IT", "IT12345670017", "IT12346670017", "IT12354670017", "ES12345670017", "it 123 456 700 17"),
    ("EU_VAT", "ES", "ESB12345674", "ESB12345684", "ESB12354674", "PTB12345674", "es b-1234567-4"),
    ("EU_VAT", "NL", "NL123456782B01", "NL123457782B01", "NL123546782B01", "BE123456782B01", "nl 1234.56.782.b01"),
    ("EU_VAT", "SE", "SE556123456701", "SE556123457701", "SE556213456701", "DK556123456701", "se 556123-4567 01"),
    ("EU_VAT", "PL", "PL1234567819", "PL1234667819", "PL1235467819", "CZ1234567819", "pl 123-456-78-19"),
    ("EU_VAT", "BE", "BE0123456749", "BE0123457749", "BE0123546749", "NL0123456749", "be 0123.456.749"),
    ("EU_VAT", "IE", "IE1234567T", "IE1234667T", "IE1235467T", "GB1234567T", "ie 1234567t"),
    ("UK_VAT", None, "GB123456782", "GB123457782", "GB123546782", "DE123456782", "gb 123 4567 82"),
    ("CA_GST_HST", None, "123456782RT0001", "123457782RT0001", "123546782RT0001", "US123456782RT0001",
     "123456782 rt 0001"),
    ("JP_JCT", None, "T7123456789012", "T7123457789012", "T7123546789012", "J7123456789012", "t7-1234-5678-9012"),
    ("AU_GST", None, "18123456789", "18123457789", "18123546789", "NZ18123456789", "18 123 456 789"),
    ("IN_GST", None, "27AAACZ1234F1ZL", "27AAACZ1235F1ZL", "27AAACZ1243F1ZL", "IN27AAACZ1234F1ZL",
     "27aaacz1234f1zl"),
    ("BR_CNPJ", None, "12345678000195", "12345679000195", "12346578000195", "BR12345678000195",
     "12.345.678/0001-95"),
    ("MX_RFC", None, "ABC010101AB1", "ABC020101AB1", "ABC010101BA1", "MXABC010101AB1", "abc-010101-ab1"),
    ("TR_VKN", None, "1234567890", "1234577890", "1234576890", "TR1234567890", "123 456 7890"),
    ("SG_GST", None, "201912345R", "201912346R", "201913245R", "SG201912345R", "2019 12345 r"),
    # No check digit is published for these: the typo and the swap caught are those the pattern
    # sees (a letter for a digit, a fixed first or last digit); AE and EG numbers have no fixed
    # digit, so no swap is seen (test_without_a_published_check_digit_...).
    ("AE_VAT", None, "100123456700003", "10012345670000O", None, "AE100123456700003",
     "100 1234 5670 0003"),
    ("SA_VAT", None, "300123456700003", "300123456700004", "030123456700003", "SA300123456700003",
     "300 123 456 700 003"),
    ("EG_TIN", None, "123456789", "12345678O", None, "EG123456789", "123-456-789"),
    ("ZA_VAT", None, "4123456784", "5123456784", "1423456784", "SA4123456784", "412 345 6784"),
]
IDS = [f"{c[0]}-{c[1]}" if c[1] else c[0] for c in CASES]


@pytest.mark.parametrize("scheme, country, valid, typo, swapped, prefixed, loose", CASES, ids=IDS)
def test_a_valid_number_passes(scheme, country, valid, typo, swapped, prefixed, loose) -> None:
    assert tax_number_problem(scheme, country, valid) is None


@pytest.mark.parametrize("scheme, country, valid, typo, swapped, prefixed, loose", CASES, ids=IDS)
def test_a_one_character_typo_fails(scheme, country, valid, typo, swapped, prefixed, loose) -> None:
    # blocked, or (MX_RFC, JP_JCT: a check digit no published rule settles) warned about
    problem = tax_number_problem(scheme, country, typo) or tax_number_doubt(scheme, country, typo)
    assert problem is not None and typo not in problem


# AE and EG numbers have no check digit and no fixed digit: no swap can be seen (below)
@pytest.mark.parametrize("scheme, country, valid, typo, swapped, prefixed, loose",
                         [c for c in CASES if c[4]], ids=[i for i, c in zip(IDS, CASES, strict=True) if c[4]])
def test_two_characters_swapped_fail(scheme, country, valid, typo, swapped, prefixed, loose) -> None:
    assert sorted(swapped) == sorted(valid)
    problem = tax_number_problem(scheme, country, swapped) or tax_number_doubt(scheme, country, swapped)
    assert problem is not None and swapped not in problem


@pytest.mark.parametrize("scheme, country, valid, typo, swapped, prefixed, loose", CASES, ids=IDS)
def test_a_wrong_country_prefix_fails(scheme, country, valid, typo, swapped, prefixed, loose) -> None:
    problem = tax_number_problem(scheme, country, prefixed)
    assert problem is not None and prefixed not in problem


@pytest.mark.parametrize("scheme, country, valid, typo, swapped, prefixed, loose", CASES, ids=IDS)
def test_spaces_separators_and_lower_case_are_accepted(scheme, country, valid, typo, swapped, prefixed,
                                                        loose) -> None:
    assert normalise(loose) == valid
    assert tax_number_problem(scheme, country, loose) is None


def test_every_scheme_with_a_number_is_checked() -> None:
    tested = {c[0] for c in CASES}
    assert tested == {s.code for s in catalogue.TAX_SCHEMES if s.number}
    assert {c[1] for c in CASES if c[0] == "EU_VAT"} == {m.tax.country for m in catalogue.MARKETPLACES
                                                         if m.tax.scheme == "EU_VAT"}


def test_the_shared_examples_are_valid() -> None:
    for scheme, number in tax_examples.NUMBERS.items():
        assert tax_number_problem(scheme, None, number) is None, scheme
    for country, number in tax_examples.EU_VAT.items():
        assert tax_number_problem("EU_VAT", country, number) is None, country


@pytest.mark.parametrize("scheme, country, number, message", [
    ("EU_VAT", "DE", "DE123546788", CHECK_DIGIT),
    ("EU_VAT", "DE", "DE12345678", "a German VAT number is DE and 9 digits"),
    ("EU_VAT", "DE", "123456788", "a German VAT number is DE and 9 digits: the country prefix DE is missing"),
    ("EU_VAT", "DE", "FR11123456782",
     "a German VAT number starts with DE, not FR: the prefix does not match country DE"),
    ("EU_VAT", "GB", "GB123456782", "GB is not an EU member state: for the UK (GB or XI numbers), use scheme UK_VAT"),
    ("EU_VAT", None, "DE123456788", "an EU VAT number needs its country"),
    ("CA_GST_HST", None, "123456782RC0001",
     "a GST/HST number is the 9-digit business number, RT and a 4-digit account number"),
    ("AU_GST", "NZ", "18123456789", "an Australian ABN belongs to AU: country must be AU (or left out)"),
    ("ZA_VAT", None, "5123456784", "a South African VAT number is 10 digits starting with 4 (a ZA prefix is accepted)"),
])
def test_the_problem_in_words(scheme, country, number, message) -> None:
    assert tax_number_problem(scheme, country, number) == message


def test_a_greek_vat_number_starts_with_el() -> None:
    assert tax_number_problem("EU_VAT", "GR", "EL094259216") is None
    assert tax_number_problem("EU_VAT", "GR", "GR094259216").startswith("a Greek VAT number starts with EL")


def test_a_ca_business_number_alone_is_not_a_gst_hst_account() -> None:
    gst_hst = "a GST/HST number is the 9-digit business number, RT and a 4-digit account number"
    assert tax_number_problem("CA_GST_HST", None, "123456782") == gst_hst
    assert tax_number_problem("CA_GST_HST", None, "123456782RP0001") == gst_hst  # payroll, not GST/HST


def test_a_singapore_gst_m_number_is_accepted_by_its_pattern() -> None:
    for number in ("M90312345A", "MR2345678A", "M2-1234567-8"):
        assert tax_number_problem("SG_GST", None, number) is None, number
    assert tax_number_problem("SG_GST", None, "MQ2345678A").startswith("a Singapore GST registration number is a UEN")


def test_a_mexican_rfc_of_a_person_is_13_characters() -> None:
    assert tax_number_problem("MX_RFC", None, "GODE561231GR8") is None
    assert tax_number_problem("MX_RFC", None, "GODE561331GR8") == (  # month 13
        "a Mexican RFC is 3 letters (4 for a person), the 6-digit date and the 3-character homoclave "
        "(12 or 13 characters)")


@pytest.mark.parametrize("scheme, number", [("AE_VAT", "100123456700004"), ("AE_VAT", "100123457600003"),
                                            ("EG_TIN", "123456788"), ("EG_TIN", "123456798"),
                                            ("ZA_VAT", "4123456785"), ("SA_VAT", "300123457600003")])
def test_without_a_published_check_digit_a_digit_typo_is_not_seen(scheme, number) -> None:
    # documented in docs/tax-requirements.md: only the pattern is checked for these schemes
    assert tax_number_problem(scheme, None, number) is None


@pytest.mark.parametrize("country, valid, typo, swapped, loose", [
    ("CN", "91440300MA5EXAMPLA", "91440300MA5EXAMPLE", "91440300AM5EXAMPLA", "91440300ma5exampla"),
    ("CN", "91110000MA0123456P", "91110000MA0123457P", "91110000MA0124356P", "9111 0000 MA01 2345 6P"),
    ("BR", "12345678000195", "12345679000195", "12346578000195", "12.345.678/0001-95"),
    ("SG", "201912345R", "201912346R", "201913245R", "201912345r"),
    ("AU", "004085616", "004085617", "004086516", "004 085 616"),
    ("AU", "18123456789", "18123457789", "18123546789", "18 123 456 789"),
])
def test_business_registration_numbers_where_acorn_knows_the_country(country, valid, typo, swapped, loose) -> None:
    assert business_number_problem(country, valid) is None
    assert business_number_problem(country, loose) is None
    assert business_number_problem(country, typo) == CHECK_DIGIT
    assert business_number_problem(country, swapped) == CHECK_DIGIT


def test_a_business_registration_number_of_another_country_is_not_judged() -> None:
    assert business_number_problem("DE", "HRB 123456") is None
    assert business_number_problem("GB", "09876543") is None
    assert business_number_problem("CN", "123").startswith("a Chinese unified social credit code is 18 characters")


def test_the_json_schema_lists_the_contracts_schemes() -> None:
    tax = schema.schema("entity")["$defs"]["taxRegistration"]
    assert tax["properties"]["scheme"]["enum"] == [s.code for s in catalogue.TAX_SCHEMES]
    needs_number = {scheme for rule in tax["allOf"] if rule["then"]["required"] in (["number"], ["country", "number"])
                    for scheme in ([rule["if"]["properties"]["scheme"]["const"]]
                                   if "const" in rule["if"]["properties"]["scheme"]
                                   else rule["if"]["properties"]["scheme"]["enum"])}
    assert needs_number == {s.code for s in catalogue.TAX_SCHEMES if s.number}


def test_the_openapi_contract_lists_the_schemes_and_the_number_reasons() -> None:
    spec = yaml.safe_load((REPO / "schemas" / "acorn-i.openapi.yaml").read_text())
    body = spec["components"]["schemas"]
    found = [v for v in _walk(body) if isinstance(v, dict) and "scheme" in v.get("properties", {})]
    assert [f["properties"]["scheme"]["enum"] for f in found] == [[s.code for s in catalogue.TAX_SCHEMES]]
    reasons = body["Reason"]["properties"]["code"]["enum"]
    assert {"TAX_NUMBER_INVALID", "REGISTRATION_NUMBER_INVALID", "MISSING_TAX_REGISTRATION"} <= set(reasons)
    assert "TAX_REGISTRATION_MAY_BE_REQUIRED" not in reasons  # a warning of plan, never a review's reason


def _walk(node: object):
    yield node
    if isinstance(node, dict):
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def test_an_eu_vat_number_of_a_country_without_a_known_form_says_the_national_number() -> None:
    assert tax_number_problem("EU_VAT", "LU", "LU1") == "a Luxembourg VAT number is LU and the national VAT number"


def test_only_the_uk_is_pointed_to_uk_vat() -> None:
    for country in ("GB", "XI"):  # Northern Ireland's XI numbers are UK VAT numbers too
        assert tax_number_problem("EU_VAT", country, f"{country}123456789") == (
            f"{country} is not an EU member state: for the UK (GB or XI numbers), use scheme UK_VAT")
    assert tax_number_problem("EU_VAT", "US", "US1") == "US is not an EU member state"
