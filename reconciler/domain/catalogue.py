"""The marketplace catalogue of the ACORN-i contract: the one place that lists marketplaces.

Plan, preflight, the client and the sandbox all read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TaxRule(StrEnum):
    """How certain a marketplace's tax requirement is, for a business registered elsewhere."""

    REQUIRED = "required"  # certain: preflight blocks the pair without it (MISSING_TAX_REGISTRATION)
    DEPENDS = "depends"    # on thresholds, residency or where goods are: preflight warns, never blocks
    NONE = "none"          # nothing required that a published source names


@dataclass(frozen=True)
class TaxScheme:
    """A tax registration scheme of the contract: which keys an entry of it carries."""

    code: str
    country: str | None  # the country whose number it is; None: the entry names it (EU_VAT)
    number: bool = True  # False: a form with a completion date (US_W8BENE)


# Every scheme the contract knows (docs/acorn-i-api.md, "Tax schemes"); the JSON Schema's enum.
TAX_SCHEMES: tuple[TaxScheme, ...] = (
    TaxScheme("US_W8BENE", "US", number=False),
    TaxScheme("US_W9", "US", number=False),  # the interview's form for a U.S. business
    TaxScheme("CA_GST_HST", "CA"),
    TaxScheme("MX_RFC", "MX"),
    TaxScheme("BR_CNPJ", "BR"),
    TaxScheme("UK_VAT", "GB"),
    TaxScheme("EU_VAT", None),
    TaxScheme("TR_VKN", "TR"),
    TaxScheme("AE_VAT", "AE"),
    TaxScheme("SA_VAT", "SA"),
    TaxScheme("EG_TIN", "EG"),
    TaxScheme("IN_GST", "IN"),
    TaxScheme("ZA_VAT", "ZA"),
    TaxScheme("JP_JCT", "JP"),
    TaxScheme("AU_GST", "AU"),
    TaxScheme("SG_GST", "SG"),
)
SCHEMES: dict[str, TaxScheme] = {s.code: s for s in TAX_SCHEMES}


@dataclass(frozen=True)
class TaxRequirement:
    """A marketplace's tax row: the `scheme` whose registration it takes (`country` when it
    must match), how certain the need is, and, for DEPENDS, on what it depends, in words."""

    scheme: str
    rule: TaxRule
    country: str | None = None
    waived_if_registered_in: str | None = None  # no requirement for a business registered here...
    home_scheme: str | None = None  # ...but this one, required, when given (US: a U.S. business's W-9)
    depends_on: str = ""

    def for_business_in(self, country: str) -> TaxRequirement:
        """The row as it applies to a business registered in `country`."""
        if country != self.waived_if_registered_in:
            return self
        if self.home_scheme is None:
            return TaxRequirement(self.scheme, TaxRule.NONE, self.country)
        return TaxRequirement(self.home_scheme, TaxRule.REQUIRED)


@dataclass(frozen=True)
class Marketplace:
    code: str
    marketplace_id: str
    region: str
    country_code: str  # ISO 3166-1 as the Sellers API answers it (UK -> GB)
    tax: TaxRequirement  # every marketplace has a researched row
    # The U.S. tax interview, where a marketplace asks for it besides its own tax row (CA, MX)
    interview: TaxRequirement | None = None
    translation_unless_registered_in: str | None = None  # JP: a translation into translation_language
    translation_language: str | None = None
    # The storefront as the Sellers API describes it (its name and locale derive from these).
    currency: str = ""  # ISO 4217
    language: str = ""  # ISO 639-1; the locale is language_countryCode
    domain: str = ""


_EU_STOCK = ("required for goods stored in {name} (no threshold for a seller not established in {name}; "
             "a business established there registers above the national threshold), and for an EU business "
             "selling over EUR 10,000 a year to consumers in other EU countries outside the OSS scheme")


# The two helpers below run only while MARKETPLACES is built, at import: mutmut switches to a
# mutant at call time, so it cannot reach them (tests/domain/test_catalogue.py reads the rows).
def _eu_vat(country: str, name: str) -> TaxRequirement:
    depends_on = _EU_STOCK.format(name=name)  # pragma: no mutate
    return TaxRequirement("EU_VAT", TaxRule.DEPENDS, country, depends_on=depends_on)  # pragma: no mutate


def _depends(scheme: str, depends_on: str) -> TaxRequirement:
    return TaxRequirement(scheme, TaxRule.DEPENDS, depends_on=depends_on)  # pragma: no mutate


# Amazon's U.S. Tax Identity Information Interview: a W-8BEN-E for a business registered
# elsewhere, a W-9 for a U.S. business. Amazon.ca asks foreign sellers for it too (Amazon.ca
# help 201468390: "If you are a foreign seller and not a US taxpayer, you will still need to
# complete tax interview").
_US_INTERVIEW = TaxRequirement("US_W8BENE", TaxRule.REQUIRED, waived_if_registered_in="US", home_scheme="US_W9")


# code, marketplaceId, region, country code, tax row (contract, "Marketplaces"; each row's
# source is in docs/tax-requirements.md), then the storefront's currency, language and domain (Sellers API).
MARKETPLACES: tuple[Marketplace, ...] = (
    Marketplace("US", "ATVPDKIKX0DER", "NA", "US",
                _US_INTERVIEW, currency="USD", language="en", domain="www.amazon.com"),
    Marketplace("CA", "A2EUQ1WTGCTBG2", "NA", "CA", _depends(
        "CA_GST_HST", "required for a business carrying on business in Canada with worldwide taxable sales "
                      "over CAD 30,000 a year"), interview=_US_INTERVIEW,
                currency="CAD", language="en", domain="www.amazon.ca"),
    Marketplace("MX", "A1AM78C64UM0Y8", "NA", "MX", _depends(
        "MX_RFC", "without an RFC Amazon withholds income tax and VAT at higher rates, and stock imported "
                  "for FBA needs an importer of record with an RFC"),
                interview=TaxRequirement("US_W8BENE", TaxRule.DEPENDS, waived_if_registered_in="US",
                                         depends_on="the U.S. tax interview is asked of Amazon.com and Amazon.ca "
                                                    "sellers; no Amazon.com.mx page found says whether a seller "
                                                    "there must take it"),
                currency="MXN", language="es", domain="www.amazon.com.mx"),
    Marketplace("BR", "A2Q3Y263D00KWC", "NA", "BR", TaxRequirement("BR_CNPJ", TaxRule.REQUIRED),
                currency="BRL", language="pt", domain="www.amazon.com.br"),
    Marketplace("UK", "A1F83G8C2ARO7P", "EU", "GB", _depends(
        "UK_VAT", "required for goods stored in the UK (no threshold for a seller not established in the UK; "
                  "a UK business registers above the VAT threshold); Amazon collects the VAT on consignments of "
                  "GBP 135 or less sent from abroad, and on larger ones the customer usually pays the import VAT"),
                currency="GBP", language="en", domain="www.amazon.co.uk"),
    Marketplace("DE", "A1PA6795UKMFR9", "EU", "DE", _eu_vat("DE", "Germany"),
                currency="EUR", language="de", domain="www.amazon.de"),
    Marketplace("FR", "A13V1IB3VIYZZH", "EU", "FR", _eu_vat("FR", "France"),
                currency="EUR", language="fr", domain="www.amazon.fr"),
    Marketplace("IT", "APJ6JRA9NG5V4", "EU", "IT", _eu_vat("IT", "Italy"),
                currency="EUR", language="it", domain="www.amazon.it"),
    Marketplace("ES", "A1RKKUPIHCS9HS", "EU", "ES", _eu_vat("ES", "Spain"),
                currency="EUR", language="es", domain="www.amazon.es"),
    Marketplace("NL", "A1805IZSGTT6HS", "EU", "NL", _eu_vat("NL", "the Netherlands"),
                currency="EUR", language="nl", domain="www.amazon.nl"),
    Marketplace("SE", "A2NODRKZP88ZB9", "EU", "SE", _eu_vat("SE", "Sweden"),
                currency="SEK", language="sv", domain="www.amazon.se"),
    Marketplace("PL", "A1C3SOZRARQ6R3", "EU", "PL", _eu_vat("PL", "Poland"),
                currency="PLN", language="pl", domain="www.amazon.pl"),
    Marketplace("BE", "AMEN7PMS3EDWL", "EU", "BE", _eu_vat("BE", "Belgium"),
                currency="EUR", language="fr", domain="www.amazon.com.be"),
    Marketplace("IE", "A28R8C7NBKEWEA", "EU", "IE", _eu_vat("IE", "Ireland"),
                currency="EUR", language="en", domain="www.amazon.ie"),
    Marketplace("TR", "A33AVAJ2PDY3EV", "EU", "TR", TaxRequirement(
        "TR_VKN", TaxRule.DEPENDS, waived_if_registered_in="TR", home_scheme="TR_VKN",
        depends_on="required for a business registered in Türkiye; an EU seller with an EU Unified Account can "
                   "sell on Amazon.com.tr through Cross-Border Fulfillment with FBA from EU stock"),
                currency="TRY", language="tr", domain="www.amazon.com.tr"),
    Marketplace("AE", "A2VIGQ35RCS4UG", "EU", "AE", _depends(
        "AE_VAT", "required for a UAE resident above the AED 375,000 mandatory threshold, and for a "
                  "non-resident making taxable supplies in the UAE (FBA stock there) whatever its turnover "
                  "when no one else must pay the tax (Federal Decree-Law No. 8 of 2017, Art. 13(2))"),
                currency="AED", language="ar", domain="www.amazon.ae"),
    Marketplace("SA", "A17E79C6D8DWNP", "EU", "SA", _depends(
        "SA_VAT", "required for a Saudi resident whose supplies in Saudi Arabia exceed SAR 375,000 a year, "
                  "and for a non-resident obligated to pay VAT on supplies in the Kingdom (FBA stock there) "
                  "from its first such supply, with no threshold (VAT Implementing Regulations, Art. 5)"),
                currency="SAR", language="ar", domain="www.amazon.sa"),
    Marketplace("EG", "ARBP9OOSHTCHU", "EU", "EG", _depends(
        "EG_TIN", "no published source was found either way: Amazon.eg's seller tax requirements are not "
                  "stated in any page acorn could read; ask Seller Support"),
                currency="EGP", language="ar", domain="www.amazon.eg"),
    Marketplace("IN", "A21TJRUUN4KGV", "EU", "IN", TaxRequirement("IN_GST", TaxRule.REQUIRED),
                currency="INR", language="en", domain="www.amazon.in"),
    Marketplace("ZA", "AE08WJ6YKNBMC", "EU", "ZA", _depends(
        "ZA_VAT", "required for a business registered for VAT in South Africa; Amazon treats it as "
                  "optional otherwise"),
                currency="ZAR", language="en", domain="www.amazon.co.za"),
    Marketplace("JP", "A1VC38T7YXB528", "FE", "JP", _depends(
        "JP_JCT", "required for a business liable for Japanese consumption tax that is a registered invoice "
                  "issuer; optional otherwise"),
                translation_unless_registered_in="JP", translation_language="ja",
                currency="JPY", language="ja", domain="www.amazon.co.jp"),
    Marketplace("AU", "A39IBJ37TRP1C6", "FE", "AU", _depends(
        "AU_GST", "required for a business with GST turnover of AUD 75,000 or more a year (ATO, \"Registering "
                  "for GST\"), e.g. selling from stock in Australia (FBA); Amazon collects the GST on low-value "
                  "imported goods"),
                currency="AUD", language="en", domain="www.amazon.com.au"),
    Marketplace("SG", "A19VAU5U5O7RUS", "FE", "SG", _depends(
        "SG_GST", "required for a business whose taxable supplies in Singapore exceed SGD 1 million a year, "
                  "and for an overseas vendor above the overseas vendor registration thresholds (IRAS, "
                  "\"Do I need to register for GST\"); Amazon collects the GST on low-value imported goods"),
                currency="SGD", language="en", domain="www.amazon.sg"),
)

REGION_HOSTS: dict[str, dict[str, str]] = {
    "NA": {"production": "https://sellingpartnerapi-na.amazon.com",
           "sandbox": "https://sandbox.sellingpartnerapi-na.amazon.com"},
    "EU": {"production": "https://sellingpartnerapi-eu.amazon.com",
           "sandbox": "https://sandbox.sellingpartnerapi-eu.amazon.com"},
    "FE": {"production": "https://sellingpartnerapi-fe.amazon.com",
           "sandbox": "https://sandbox.sellingpartnerapi-fe.amazon.com"},
}

BY_CODE: dict[str, Marketplace] = {m.code: m for m in MARKETPLACES}
BY_ID: dict[str, Marketplace] = {m.marketplace_id: m for m in MARKETPLACES}
CODES: tuple[str, ...] = tuple(m.code for m in MARKETPLACES)
REGIONS: tuple[str, ...] = tuple(REGION_HOSTS)


def by_code(code: str) -> Marketplace:
    """The marketplace with this code; KeyError for an unknown one (the loader rejects those)."""
    return BY_CODE[code]


def order(code: str) -> int:
    """Sort key: catalogue order (the order of the contract's table)."""
    return CODES.index(code)


_POSITION: dict[str, int] = {c: i for i, c in enumerate(CODES)}


def sort_key(code: str) -> tuple[int, str]:
    """Sort key for any code, known or not: catalogue order, unknown codes last (by code)."""
    position = _POSITION.get(code)
    return (position, "") if position is not None else (len(CODES), code)
