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
    translation_unless_registered_in: str | None = None  # JP: translation to `language`
    translation_language: str | None = None


def _eu_vat(country: str) -> TaxRequirement:
    return TaxRequirement("EU_VAT", country)


# code, marketplaceId, region, country code, tax requirement (contract, "Marketplaces").
MARKETPLACES: tuple[Marketplace, ...] = (
    Marketplace("US", "ATVPDKIKX0DER", "NA", "US", TaxRequirement("US_W8BENE", waived_if_registered_in="US")),
    Marketplace("CA", "A2EUQ1WTGCTBG2", "NA", "CA", TaxRequirement("CA_GST_HST")),
    Marketplace("MX", "A1AM78C64UM0Y8", "NA", "MX"),
    Marketplace("BR", "A2Q3Y263D00KWC", "NA", "BR"),
    Marketplace("UK", "A1F83G8C2ARO7P", "EU", "GB", TaxRequirement("UK_VAT")),
    Marketplace("DE", "A1PA6795UKMFR9", "EU", "DE", _eu_vat("DE")),
    Marketplace("FR", "A13V1IB3VIYZZH", "EU", "FR", _eu_vat("FR")),
    Marketplace("IT", "APJ6JRA9NG5V4", "EU", "IT", _eu_vat("IT")),
    Marketplace("ES", "A1RKKUPIHCS9HS", "EU", "ES", _eu_vat("ES")),
    Marketplace("NL", "A1805IZSGTT6HS", "EU", "NL", _eu_vat("NL")),
    Marketplace("SE", "A2NODRKZP88ZB9", "EU", "SE", _eu_vat("SE")),
    Marketplace("PL", "A1C3SOZRARQ6R3", "EU", "PL", _eu_vat("PL")),
    Marketplace("BE", "AMEN7PMS3EDWL", "EU", "BE", _eu_vat("BE")),
    Marketplace("IE", "A28R8C7NBKEWEA", "EU", "IE", _eu_vat("IE")),
    Marketplace("TR", "A33AVAJ2PDY3EV", "EU", "TR"),
    Marketplace("AE", "A2VIGQ35RCS4UG", "EU", "AE"),
    Marketplace("SA", "A17E79C6D8DWNP", "EU", "SA"),
    Marketplace("EG", "ARBP9OOSHTCHU", "EU", "EG"),
    Marketplace("IN", "A21TJRUUN4KGV", "EU", "IN"),
    Marketplace("ZA", "AE08WJ6YKNBMC", "EU", "ZA"),
    Marketplace("JP", "A1VC38T7YXB528", "FE", "JP",
                translation_unless_registered_in="JP", translation_language="ja"),
    Marketplace("AU", "A39IBJ37TRP1C6", "FE", "AU"),
    Marketplace("SG", "A19VAU5U5O7RUS", "FE", "SG"),
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
BY_COUNTRY: dict[str, Marketplace] = {m.country_code: m for m in MARKETPLACES}
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
