"""Tax and business registration numbers, checked as the authorities define them.

Pure functions of (scheme, country, number). python-stdnum knows the format and check
digits of most schemes; for the few it does not (AE_VAT, SA_VAT, ZA_VAT, SG_GST's
M-numbers, JP_JCT's leading T) the pattern acorn checks is written here and in
docs/tax-requirements.md. A number is normalised first (spaces, dots, dashes and slashes
dropped, upper case), as the authorities accept it written either way.

An answer is a problem in words, or None. It never repeats the number: the caller says
which number it means (by its place in the file, or masked).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from stdnum.au import abn, acn
from stdnum.br import cnpj
from stdnum.ca import bn
from stdnum.cn import uscc
from stdnum.eg import tn
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.gb import vat as gb_vat
from stdnum.in_ import gstin
from stdnum.jp import cn as jp_cn
from stdnum.mx import rfc
from stdnum.sg import uen
from stdnum.tr import vkn

from ..domain.catalogue import SCHEMES

CHECK_DIGIT = "the check digit does not match"

_SEPARATORS = re.compile(r"[\s.\-/]")


def normalise(number: str) -> str:
    """`de 123.456-788` -> `DE123456788`: what every check below reads."""
    return _SEPARATORS.sub("", number).upper()


@dataclass(frozen=True)
class _Rule:
    noun: str  # "a German VAT number"
    form: str  # "DE and 9 digits"
    check: Callable[[str], object]  # raises stdnum's ValidationError (or ValueError) on a bad number


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
    bn.validate(number)


def _jp_jct(number: str) -> None:
    if not re.fullmatch(r"T[0-9]{13}", number):
        raise ValueError("not T + 13 digits")
    jp_cn.validate(number[1:])


def _mx_rfc(number: str) -> None:
    # stdnum leaves the check digit unchecked by default (some old RFCs fail it); a typo is
    # far likelier than one of those, and SAT's ConsultaRFC settles a doubt.
    rfc.validate(number, validate_check_digits=True)


_SG_M_NUMBER = re.compile(r"M[0-9RBX][0-9]{7}[0-9A-Z]")


def _sg_gst(number: str) -> None:
    if _SG_M_NUMBER.fullmatch(number):
        return  # IRAS's M-numbers have no published check digit
    uen.validate(number)


# Schemes whose country is fixed; EU_VAT is per country (below).
_RULES: dict[str, _Rule] = {
    "UK_VAT": _Rule("a UK VAT number", "GB (or XI) and 9 digits", gb_vat.validate),
    "CA_GST_HST": _Rule("a GST/HST number", "the 9-digit business number, RT and a 4-digit account number",
                        _ca_gst_hst),
    "JP_JCT": _Rule("a Japanese qualified invoice issuer number", "T and a 13-digit corporate number", _jp_jct),
    "AU_GST": _Rule("an Australian ABN", "11 digits", abn.validate),
    "IN_GST": _Rule("an Indian GSTIN", "15 characters: a 2-digit state code, the 10-character PAN, "
                    "an entity digit, Z and a check character", gstin.validate),
    "BR_CNPJ": _Rule("a Brazilian CNPJ", "14 digits (or the alphanumeric CNPJ: 12 characters and 2 digits)",
                     cnpj.validate),
    "MX_RFC": _Rule("a Mexican RFC", "3 letters (4 for a person), the 6-digit date and a 3-character homoclave",
                    _mx_rfc),
    "TR_VKN": _Rule("a Turkish tax number (VKN)", "10 digits", vkn.validate),
    "AE_VAT": _Rule("a UAE tax registration number (TRN)", "15 digits", _pattern(r"[0-9]{15}")),
    "SA_VAT": _Rule("a Saudi VAT number", "15 digits, the first and the last a 3", _pattern(r"3[0-9]{13}3")),
    "EG_TIN": _Rule("an Egyptian tax registration number", "9 digits", tn.validate),
    "ZA_VAT": _Rule("a South African VAT number", "10 digits starting with 4", _pattern(r"4[0-9]{9}")),
    "SG_GST": _Rule("a Singapore GST registration number", "a UEN (9 or 10 characters with a check letter) "
                    "or M, a digit or R, B or X, 7 digits and a check character", _sg_gst),
}

_EU_NAMES = {
    "AT": "an Austrian", "BE": "a Belgian", "BG": "a Bulgarian", "CY": "a Cypriot", "CZ": "a Czech",
    "DE": "a German", "DK": "a Danish", "EE": "an Estonian", "ES": "a Spanish", "FI": "a Finnish",
    "FR": "a French", "GR": "a Greek", "HR": "a Croatian", "HU": "a Hungarian", "IE": "an Irish",
    "IT": "an Italian", "LT": "a Lithuanian", "LU": "a Luxembourg", "LV": "a Latvian", "MT": "a Maltese",
    "NL": "a Dutch", "PL": "a Polish", "PT": "a Portuguese", "RO": "a Romanian", "SE": "a Swedish",
    "SI": "a Slovenian", "SK": "a Slovak", "XI": "a Northern Ireland",
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


# Plan asks once per (entity, marketplace) pair and an entity's numbers repeat across its pairs.
@lru_cache(maxsize=1 << 16)
def tax_number_problem(scheme: str, country: str | None, number: str) -> str | None:
    """Why `number` is not a valid number of `scheme` (for `country`), in words; None if it is."""
    compact = normalise(number)
    if scheme == "EU_VAT":
        return _eu_problem(country, compact)
    rule = _RULES.get(scheme)
    if rule is None:
        return None  # a scheme without a number (US_W8BENE); the schema refuses unknown ones
    home = SCHEMES[scheme].country
    if country is not None and country != home:
        return f"{rule.noun} belongs to {home}: country must be {home} (or left out)"
    return _run(rule, compact)


def _eu_problem(country: str | None, compact: str) -> str | None:
    if country is None:
        return "an EU VAT number needs its country"
    if country not in _EU_NAMES:
        hint = ": for the UK, use scheme UK_VAT" if country == "GB" else ""
        return f"{country} is not an EU member state{hint}"
    prefix = _eu_prefix(country)
    noun = f"{_EU_NAMES[country]} VAT number"
    rule = _Rule(noun, f"{prefix} and {_EU_FORMS.get(country, 'the national VAT number')}", eu_vat.validate)
    if not compact.startswith(prefix):
        if compact[:2].isalpha():
            return f"{noun} starts with {prefix}, not {compact[:2]}: the prefix does not match country {country}"
        return f"{rule.noun} is {rule.form}: the country prefix {prefix} is missing"
    return _run(rule, compact)


def _run(rule: _Rule, compact: str) -> str | None:
    try:
        rule.check(compact)
    except InvalidChecksum:
        return CHECK_DIGIT
    except (ValidationError, ValueError):
        return f"{rule.noun} is {rule.form}"
    return None


def _acn_or_abn(number: str) -> None:
    if len(number) == 11:
        abn.validate(number)
    else:
        acn.validate(number)


# Countries whose business registration number python-stdnum knows, and that have one
# nationwide number for a company (a German HRB or a UK company number does not qualify).
_BUSINESS: dict[str, _Rule] = {
    "CN": _Rule("a Chinese unified social credit code", "18 characters: 17 digits or letters and a check "
                "character", uscc.validate),
    "BR": _Rule("a Brazilian CNPJ", "14 digits (or the alphanumeric CNPJ)", cnpj.validate),
    "SG": _Rule("a Singapore UEN", "9 or 10 characters with a check letter", uen.validate),
    "AU": _Rule("an Australian ACN or ABN", "9 digits (ACN) or 11 digits (ABN)", _acn_or_abn),
}


@lru_cache(maxsize=1 << 16)
def business_number_problem(country: str, number: str) -> str | None:
    """Why `number` is not a valid business registration number of `country`; None if it is,
    or if acorn does not know that country's numbers."""
    rule = _BUSINESS.get(country)
    return _run(rule, normalise(number)) if rule is not None else None
