"""The marketplace catalogue of the ACORN-i contract: the one place that lists marketplaces.

Plan, preflight, the client and the sandbox all read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaxRequirement:
    """The tax registration a marketplace requires: `scheme`, with `country` when it must match."""

    scheme: str
    country: str | None = None
    waived_if_registered_in: str | None = None  # no requirement for a business registered here


@dataclass(frozen=True)
class Marketplace:
    code: str
    marketplace_id: str
    region: str
    country_code: str  # ISO 3166-1 as the Sellers API answers it (UK -> GB)
    tax: TaxRequirement | None = None
    translation_unless_registered_in: str | None = None  # JP: a translation into translation_language
    translation_language: str | None = None
    # The storefront as the Sellers API describes it (its name and locale derive from these).
    currency: str = ""  # ISO 4217
    language: str = ""  # ISO 639-1; the locale is language_countryCode
    domain: str = ""


def _eu_vat(country: str) -> TaxRequirement:
    return TaxRequirement("EU_VAT", country)


# code, marketplaceId, region, country code, tax requirement (contract, "Marketplaces"),
# then the storefront's currency, language and domain (Sellers API).
MARKETPLACES: tuple[Marketplace, ...] = (
    Marketplace("US", "ATVPDKIKX0DER", "NA", "US", TaxRequirement("US_W8BENE", waived_if_registered_in="US"),
                currency="USD", language="en", domain="www.amazon.com"),
    Marketplace("CA", "A2EUQ1WTGCTBG2", "NA", "CA", TaxRequirement("CA_GST_HST"),
                currency="CAD", language="en", domain="www.amazon.ca"),
    Marketplace("MX", "A1AM78C64UM0Y8", "NA", "MX",
                currency="MXN", language="es", domain="www.amazon.com.mx"),
    Marketplace("BR", "A2Q3Y263D00KWC", "NA", "BR",
                currency="BRL", language="pt", domain="www.amazon.com.br"),
    Marketplace("UK", "A1F83G8C2ARO7P", "EU", "GB", TaxRequirement("UK_VAT"),
                currency="GBP", language="en", domain="www.amazon.co.uk"),
    Marketplace("DE", "A1PA6795UKMFR9", "EU", "DE", _eu_vat("DE"),
                currency="EUR", language="de", domain="www.amazon.de"),
    Marketplace("FR", "A13V1IB3VIYZZH", "EU", "FR", _eu_vat("FR"),
                currency="EUR", language="fr", domain="www.amazon.fr"),
    Marketplace("IT", "APJ6JRA9NG5V4", "EU", "IT", _eu_vat("IT"),
                currency="EUR", language="it", domain="www.amazon.it"),
    Marketplace("ES", "A1RKKUPIHCS9HS", "EU", "ES", _eu_vat("ES"),
                currency="EUR", language="es", domain="www.amazon.es"),
    Marketplace("NL", "A1805IZSGTT6HS", "EU", "NL", _eu_vat("NL"),
                currency="EUR", language="nl", domain="www.amazon.nl"),
    Marketplace("SE", "A2NODRKZP88ZB9", "EU", "SE", _eu_vat("SE"),
                currency="SEK", language="sv", domain="www.amazon.se"),
    Marketplace("PL", "A1C3SOZRARQ6R3", "EU", "PL", _eu_vat("PL"),
                currency="PLN", language="pl", domain="www.amazon.pl"),
    Marketplace("BE", "AMEN7PMS3EDWL", "EU", "BE", _eu_vat("BE"),
                currency="EUR", language="fr", domain="www.amazon.com.be"),
    Marketplace("IE", "A28R8C7NBKEWEA", "EU", "IE", _eu_vat("IE"),
                currency="EUR", language="en", domain="www.amazon.ie"),
    Marketplace("TR", "A33AVAJ2PDY3EV", "EU", "TR",
                currency="TRY", language="tr", domain="www.amazon.com.tr"),
    Marketplace("AE", "A2VIGQ35RCS4UG", "EU", "AE",
                currency="AED", language="ar", domain="www.amazon.ae"),
    Marketplace("SA", "A17E79C6D8DWNP", "EU", "SA",
                currency="SAR", language="ar", domain="www.amazon.sa"),
    Marketplace("EG", "ARBP9OOSHTCHU", "EU", "EG",
                currency="EGP", language="ar", domain="www.amazon.eg"),
    Marketplace("IN", "A21TJRUUN4KGV", "EU", "IN",
                currency="INR", language="en", domain="www.amazon.in"),
    Marketplace("ZA", "AE08WJ6YKNBMC", "EU", "ZA",
                currency="ZAR", language="en", domain="www.amazon.co.za"),
    Marketplace("JP", "A1VC38T7YXB528", "FE", "JP",
                translation_unless_registered_in="JP", translation_language="ja",
                currency="JPY", language="ja", domain="www.amazon.co.jp"),
    Marketplace("AU", "A39IBJ37TRP1C6", "FE", "AU",
                currency="AUD", language="en", domain="www.amazon.com.au"),
    Marketplace("SG", "A19VAU5U5O7RUS", "FE", "SG",
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
