"""Fictional tax numbers that pass their scheme's check digits, for tests of every layer.

Each was computed with python-stdnum's own check-digit functions (or, for schemes it does
not know, written to the pattern acorn checks); none is a real registration.
"""

# EU VAT numbers, one per member state of the catalogue's marketplaces.
EU_VAT: dict[str, str] = {
    "DE": "DE123456788", "FR": "FR11123456782", "IT": "IT12345670017", "ES": "ESB12345674",
    "NL": "NL123456782B01", "SE": "SE556123456701", "PL": "PL1234567819", "BE": "BE0123456749",
    "IE": "IE1234567T",
}
UK_VAT = "GB123456782"
CA_GST_HST = "123456782RT0001"
JP_JCT = "T7123456789012"
CN_USCC = "91440300MA5EXAMPLA"

# One valid number per scheme with a fixed country (EU_VAT above; US_W8BENE has none).
NUMBERS: dict[str, str] = {
    "CA_GST_HST": CA_GST_HST, "MX_RFC": "ABC010101AB1", "BR_CNPJ": "12345678000195", "UK_VAT": UK_VAT,
    "TR_VKN": "1234567890", "AE_VAT": "100123456700003", "SA_VAT": "300123456700003", "EG_TIN": "123456789",
    "IN_GST": "27AAACZ1234F1ZL", "ZA_VAT": "4123456784", "JP_JCT": JP_JCT, "AU_GST": "18123456789",
    "SG_GST": "201912345R",
}
