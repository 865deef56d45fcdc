"""Tax and business registration numbers, checked as the authorities define them.

Pure functions of (scheme, country, number). python-stdnum knows the format and check
digits of most schemes; for the few it does not (AE_VAT, SA_VAT, ZA_VAT, SG_GST's
M-numbers, JP_JCT's leading T, IN_GST's state codes 38, 97 and 99) the rule acorn checks is
written here and in docs/tax-requirements.md. A number is normalised first (NFKC, so a
full-width `Ｔ４７００…` reads as `T4700…`; zero-width characters, spaces, dots, dashes and
slashes dropped; upper case), as the authorities accept it written either way.

Two answers, each in words or None, never repeating the number (the caller says which
number it means, by its place in the file or masked): `tax_number_problem`, which blocks,
and `tax_number_doubt`, a warning where a published rule cannot settle it (an MX RFC whose
check digit fails: SAT confirms such RFCs; a JP T-number whose corporate check digit fails:
a sole proprietor's number is a separate numbering whose check digit is not published).
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from types import ModuleType

from ..domain.catalogue import SCHEMES

CHECK_DIGIT = "the check digit does not match"


@cache  # import_module takes the import lock on every call, even for a module imported already
def _stdnum(module: str) -> ModuleType:
    """python-stdnum's `stdnum.<module>`, imported when a number is first checked: stdnum's
    package imports ssl and pydoc (about 25 ms), which a run that checks no number (a validate
    finding every file in its cache) should not pay at start."""
    return importlib.import_module(f"stdnum.{module}")


def _validate(module: str) -> Callable[[str], object]:
    """`stdnum.<module>.validate`, imported at its first call."""
    return lambda number: _stdnum(module).validate(number)

_SEPARATORS = re.compile(r"[\s.\-/]")
# Zero-width characters a copy from a web page or a PDF brings along (NFKC keeps them).
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def normalise(number: str) -> str:
    """`de 123.456-788` -> `DE123456788`, and a full-width `ＤＥ１２３…` likewise: what every
    check below reads (NFKC first, then the zero-width characters and the separators)."""
    return _SEPARATORS.sub("", _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", number))).upper()


@dataclass(frozen=True)
class _Rule:
    noun: str  # "a German VAT number"
    form: str  # "DE and 9 digits"
    check: Callable[[str], object]  # raises stdnum's ValidationError (or ValueError) on a bad number
    # Raises InvalidChecksum where the number passes `check` but a rule that cannot settle it
    # fails (a warning, never a block): the unpublished or unreliable check digits.
    doubt: Callable[[str], object] | None = None
    doubt_why: str = ""


def _pattern(regex: str) -> Callable[[str], object]:
    compiled = re.compile(regex)

    def check(number: str) -> None:
        if not compiled.fullmatch(number):
            raise ValueError(regex)
    return check


def _ca_gst_hst(number: str) -> None:
    # ca.bn also takes a bare BN and the RC/RM/RP accounts: GST/HST is the RT program account.
    if not re.fullmatch(r"[0-9]{9}RT[0-9]{4}", number):
        raise ValueError("not BN + RT + 4 digits")
    _stdnum("ca.bn").validate(number)


def _jp_jct(number: str) -> None:
    if not re.fullmatch(r"T[0-9]{13}", number):
        raise ValueError("not T + 13 digits")


def _jp_corporate_digit(number: str) -> None:
    _stdnum("jp.cn").validate(number[1:])


class _Said(ValueError):
    """A refusal whose own words say more than the rule's form."""


def _mx_rfc(number: str) -> None:
    # A complete RFC has its homoclave: 12 characters for a company, 13 for a person (stdnum
    # also takes a person's 10 characters without it, which is not a complete RFC).
    if len(number) == 10 and _stdnum("mx.rfc").is_valid(number):
        raise _Said("a Mexican RFC without its 3-character homoclave is not a complete RFC: write all 13 "
                    "characters as SAT's Constancia de Situación Fiscal shows them")
    if len(number) not in (12, 13):
        raise ValueError("not 12 or 13 characters")
    _stdnum("mx.rfc").validate(number)


def _mx_rfc_digit(number: str) -> None:
    # python-stdnum's corpus lists 100 RFCs that SAT's ConsultaRFC confirmed and whose check
    # digit fails (about 1.5% of those in use): a failing digit is a doubt, not a block.
    try:
        _stdnum("mx.rfc").validate(number, validate_check_digits=True)
    except _stdnum("exceptions").ValidationError:
        raise _stdnum("exceptions").InvalidChecksum() from None


# GSTIN state codes python-stdnum 2.2 does not know: 38 Ladakh (since 2020), 97 Other
# Territory, 99 Centre Jurisdiction (GSTN's state code list); the rest is checked as stdnum does.
_EXTRA_GST_STATES = ("38", "97", "99")
_GSTIN = re.compile(r"[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][0-9A-Z]{3}")


def _in_gst(number: str) -> None:
    if number[:2] not in _EXTRA_GST_STATES:
        _stdnum("in_.gstin").validate(number)
        return
    if not _GSTIN.fullmatch(number) or number[12] == "0" or number[13] != "Z":
        raise ValueError("not a GSTIN")
    _stdnum("in_.pan").validate(number[2:12])
    _stdnum("luhn").validate(number, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _za_vat(number: str) -> None:
    # SARS's number is 10 digits starting with 4; written with the ZA prefix (as on EU-style
    # invoices) it is the same number.
    if not re.fullmatch(r"(ZA)?4[0-9]{9}", number):
        raise ValueError("not 4 and 9 digits")


_SG_M_NUMBER = re.compile(r"M[0-9RBX][0-9]{7}[0-9A-Z]")


def _sg_gst(number: str) -> None:
    if _SG_M_NUMBER.fullmatch(number):
        return  # IRAS's M-numbers have no published check digit
    _stdnum("sg.uen").validate(number)


# Schemes whose country is fixed; EU_VAT is per country (below).
_RULES: dict[str, _Rule] = {
    "UK_VAT": _Rule("a UK VAT number", "GB (or XI) and 9 digits", _validate("gb.vat")),
    "CA_GST_HST": _Rule("a GST/HST number", "the 9-digit business number, RT and a 4-digit account number",
                        _ca_gst_hst),
    "JP_JCT": _Rule("a Japanese qualified invoice issuer number", "T and 13 digits", _jp_jct,
                    _jp_corporate_digit,
                    "its 13 digits fail a corporate number's check digit: right if it is a sole proprietor's "
                    "registration number (the NTA numbers those separately and publishes no check digit for "
                    "them); check it on the NTA's Qualified Invoice Issuer Publication Site"),
    "AU_GST": _Rule("an Australian ABN", "11 digits", _validate("au.abn")),
    "IN_GST": _Rule("an Indian GSTIN", "15 characters: a 2-digit state code, the 10-character PAN, "
                    "an entity digit, Z and a check character", _in_gst),
    "BR_CNPJ": _Rule("a Brazilian CNPJ", "14 digits (or the alphanumeric CNPJ: 12 characters and 2 digits)",
                     _validate("br.cnpj")),
    "MX_RFC": _Rule("a Mexican RFC", "3 letters (4 for a person), the 6-digit date and the 3-character "
                    "homoclave (12 or 13 characters)", _mx_rfc, _mx_rfc_digit,
                    "the check digit does not match: SAT confirms some RFCs whose check digit fails, so check "
                    "it on SAT's ConsultaRFC (a typo is likelier)"),
    "TR_VKN": _Rule("a Turkish tax number (VKN)", "10 digits", _validate("tr.vkn")),
    "AE_VAT": _Rule("a UAE tax registration number (TRN)", "15 digits", _pattern(r"[0-9]{15}")),
    "SA_VAT": _Rule("a Saudi VAT number", "15 digits, the first and the last a 3 (ZATCA's rule BR-KSA-40)",
                    _pattern(r"3[0-9]{13}3")),
    "EG_TIN": _Rule("an Egyptian tax registration number", "9 digits", _validate("eg.tn")),
    "ZA_VAT": _Rule("a South African VAT number", "10 digits starting with 4 (a ZA prefix is accepted)", _za_vat),
    "SG_GST": _Rule("a Singapore GST registration number", "a UEN (9 or 10 characters with a check letter) "
                    "or M, a digit or R, B or X, 7 digits and a check character", _sg_gst),
}

_EU_NAMES = {
    "AT": "an Austrian", "BE": "a Belgian", "BG": "a Bulgarian", "CY": "a Cypriot", "CZ": "a Czech",
    "DE": "a German", "DK": "a Danish", "EE": "an Estonian", "ES": "a Spanish", "FI": "a Finnish",
    "FR": "a French", "GR": "a Greek", "HR": "a Croatian", "HU": "a Hungarian", "IE": "an Irish",
    "IT": "an Italian", "LT": "a Lithuanian", "LU": "a Luxembourg", "LV": "a Latvian", "MT": "a Maltese",
    "NL": "a Dutch", "PL": "a Polish", "PT": "a Portuguese", "RO": "a Romanian", "SE": "a Swedish",
    "SI": "a Slovenian", "SK": "a Slovak",
}
# The body after the prefix, for the marketplaces' countries; others get "and the national number".
_EU_FORMS = {
    "DE": "9 digits", "FR": "2 check characters and the 9-digit SIREN", "IT": "11 digits",
    "ES": "9 characters: a letter or digit, 7 digits, a letter or digit", "NL": "9 digits, B and 2 digits",
    "SE": "10 digits and 01", "PL": "10 digits", "BE": "10 digits starting with 0 or 1",
    "IE": "7 digits and 1 or 2 letters",
}


def _eu_prefix(country: str) -> str:
    return "EL" if country == "GR" else country  # Greece's VAT numbers start EL


def tax_number_problem(scheme: str, country: str | None, number: str) -> str | None:
    """Why `number` is not a valid number of `scheme` (for `country`), in words; None if it is."""
    return _verdict(scheme, country, number)[0]


def tax_number_doubt(scheme: str, country: str | None, number: str) -> str | None:
    """A doubt about a number that passes (a warning, never a block), in words; None if none."""
    return _verdict(scheme, country, number)[1]


# Plan asks once per (entity, marketplace) pair and an entity's numbers repeat across its pairs;
# problem and doubt are one check, cached once.
@lru_cache(maxsize=1 << 16)
def _verdict(scheme: str, country: str | None, number: str) -> tuple[str | None, str | None]:
    compact = normalise(number)
    if scheme == "EU_VAT":
        return _eu_problem(country, compact), None
    rule = _RULES.get(scheme)
    if rule is None:
        return None, None  # a scheme without a number (US_W8BENE, US_W9); the schema refuses unknown ones
    home = SCHEMES[scheme].country
    if country is not None and country != home:
        return f"{rule.noun} belongs to {home}: country must be {home} (or left out)", None
    problem = _run(rule, compact)
    if problem is not None or rule.doubt is None:
        return problem, None
    try:
        rule.doubt(compact)
    except (_stdnum("exceptions").ValidationError, ValueError):
        return None, rule.doubt_why
    return None, None


def _eu_problem(country: str | None, compact: str) -> str | None:
    if country is None:
        return "an EU VAT number needs its country"
    if country not in _EU_NAMES:
        # Decided once: an XI number is a UK VAT number (HMRC's, for Northern Ireland's trade in
        # goods with the EU): scheme UK_VAT takes it, as it takes GB.
        hint = ": for the UK (GB or XI numbers), use scheme UK_VAT" if country in ("GB", "XI") else ""
        return f"{country} is not an EU member state{hint}"
    prefix = _eu_prefix(country)
    noun = f"{_EU_NAMES[country]} VAT number"
    rule = _Rule(noun, f"{prefix} and {_EU_FORMS.get(country, 'the national VAT number')}", _validate("eu.vat"))
    if not compact.startswith(prefix):
        if compact[:2].isalpha():
            return f"{noun} starts with {prefix}, not {compact[:2]}: the prefix does not match country {country}"
        return f"{rule.noun} is {rule.form}: the country prefix {prefix} is missing"
    return _run(rule, compact)


def _run(rule: _Rule, compact: str) -> str | None:
    stdnum_says = _stdnum("exceptions")
    try:
        rule.check(compact)
    except stdnum_says.InvalidChecksum:
        return CHECK_DIGIT
    except _Said as said:
        return str(said)
    except (stdnum_says.ValidationError, ValueError):
        return f"{rule.noun} is {rule.form}"
    return None


def _acn_or_abn(number: str) -> None:
    if len(number) == 11:
        _stdnum("au.abn").validate(number)
    else:
        _stdnum("au.acn").validate(number)


# Countries whose business registration number python-stdnum knows, and that have one
# nationwide number for a company (a German HRB or a UK company number does not qualify).
_BUSINESS: dict[str, _Rule] = {
    "CN": _Rule("a Chinese unified social credit code", "18 characters: 17 digits or letters and a check "
                "character", _validate("cn.uscc")),
    "BR": _Rule("a Brazilian CNPJ", "14 digits (or the alphanumeric CNPJ)", _validate("br.cnpj")),
    "SG": _Rule("a Singapore UEN", "9 or 10 characters with a check letter", _validate("sg.uen")),
    "AU": _Rule("an Australian ACN or ABN", "9 digits (ACN) or 11 digits (ABN)", _acn_or_abn),
}


@lru_cache(maxsize=1 << 16)
def business_number_problem(country: str, number: str) -> str | None:
    """Why `number` is not a valid business registration number of `country`; None if it is,
    or if acorn does not know that country's numbers."""
    rule = _BUSINESS.get(country)
    return _run(rule, normalise(number)) if rule is not None else None
