"""The verdict (desired/verdict.py): severities, the field each finding points at, the run's
findings, acknowledgements; pure, from the loaded tree."""

from __future__ import annotations

from datetime import date

from reconciler.desired import verdict
from reconciler.desired.loader import SourceFile, load
from reconciler.domain import catalogue
from reconciler.domain.policy import Policy
from tests import REPO

ATLAS = (REPO / "desired" / "templates" / "atlas.yaml.j2").read_text()
TODAY = date(2026, 12, 1)


def entity_of(text: str, name: str = "acme-sz"):
    (e,) = load([SourceFile(f"desired/entities/{name}.yaml", f"entities/{name}.yaml", text)]).entities
    return e


def acme_text() -> str:
    return (REPO / "desired" / "entities" / "acme-sz.yaml").read_text()


def line_of(text: str, needle: str) -> tuple[int, int]:
    lines = text.splitlines()
    i = next(i for i, t in enumerate(lines) if needle in t)
    return i + 1, lines[i].index(needle) + 1


def test_an_invalid_number_in_any_item_is_an_error_reaching_every_pair_at_its_number() -> None:
    text = acme_text()  # the demo's DE VAT typo
    said = verdict.entity_verdict(entity_of(text), TODAY)
    (error,) = said.errors
    assert (error.code, error.severity, error.marketplace) == ("TAX_NUMBER_INVALID", verdict.ERROR, None)
    assert (error.location.line, error.location.column) == line_of(text, "DE123457688")
    assert error.location.key == "spec.taxRegistrations[2].number"
    for code in ("US", "DE", "FR", "JP"):  # every create carries every item
        assert "TAX_NUMBER_INVALID" in [r.code for r in said.blocks(catalogue.by_code(code))]
    assert "DE123457688" not in error.message and "taxRegistrations[2]" in error.message


def test_time_dependent_findings_are_blocks_at_their_date_never_at_metadata_name() -> None:
    text = acme_text().replace("DE123457688", "DE123456788")
    text = text.replace("refreshToken: {env: ACORN_ACME_SZ_REFRESH_TOKEN}",
                        "refreshToken: {NA: {env: A, authorizedOn: 2025-11-01}, EU: {env: B}, FE: {env: C}}")
    expiring = (date(2027, 1, 9)).isoformat()
    old = next(t.split("expiresOn:")[1].strip().rstrip("}").strip() for t in text.splitlines() if "expiresOn" in t)
    text = text.replace(old, expiring)
    said = verdict.entity_verdict(entity_of(text), TODAY, Policy())
    by_code = {f.code: f for f in said.findings}
    expiry, lapse = by_code["ID_EXPIRES_TOO_SOON"], by_code["AUTHORIZATION_EXPIRED"]
    assert expiry.severity is verdict.BLOCK and expiry.time_dependent
    assert (expiry.location.line, expiry.location.column) == line_of(text, expiring)
    assert lapse.severity is verdict.BLOCK and lapse.region == "NA"
    assert lapse.location.key == "spec.credentials.refreshToken.NA.authorizedOn"
    assert all(f.location.key != "metadata.name" for f in said.findings)


def test_a_marketplace_finding_points_at_its_marketplaces_item() -> None:
    text = acme_text().replace("DE123457688", "DE123456788")
    said = verdict.entity_verdict(entity_of(text), TODAY)
    fr = next(f for f in said.findings if f.marketplace == "FR")
    assert fr.code == "TAX_REGISTRATION_MAY_BE_REQUIRED" and fr.severity is verdict.WARNING
    assert fr.location.key == "spec.marketplaces[3]"
    assert said.warnings(catalogue.by_code("FR")) == (fr.reason,)


def test_a_templates_finding_names_the_row_at_its_own_line_and_the_template_line() -> None:
    state = load([SourceFile("desired/templates/atlas.yaml.j2", "templates/atlas.yaml.j2", ATLAS)])
    uk = next(e for e in state.entities if e.name == "atlas-uk")
    jp = next(f for f in verdict.entity_verdict(uk, TODAY).findings if f.code == "TRANSLATION_REQUIRED")
    assert jp.location.path == "desired/templates/atlas.yaml.j2" and jp.location.row == "atlas-uk"
    assert jp.location.label == "desired/templates/atlas.yaml.j2 (row atlas-uk)"
    # the template line writes the row's value as it is (`{{ marketplaces | tojson }}`): the row's JP
    row_line, column = line_of(ATLAS, "marketplaces: [UK, JP]")
    assert (jp.location.line, jp.location.column) == (row_line, column + len("marketplaces: [UK, "))
    assert jp.location.template_line == line_of(ATLAS, "marketplaces: {{")[0]


def test_an_acknowledged_warning_is_kept_with_its_reason_and_a_stale_one_is_reported() -> None:
    text = acme_text().replace("DE123457688", "DE123456788") + (
        "  acknowledgements:\n"
        "    - {code: TAX_REGISTRATION_MAY_BE_REQUIRED, marketplace: FR, reason: no stock in France}\n"
        "    - {code: TAX_REGISTRATION_MAY_BE_REQUIRED, marketplace: DE, reason: we have one}\n")
    said = verdict.entity_verdict(entity_of(text), TODAY)
    fr = catalogue.by_code("FR")
    assert said.warnings(fr) == ()
    assert [f.acknowledged for f in said.acknowledged(fr)] == ["no stock in France"]
    (stale,) = said.stale
    assert stale.marketplace == "DE" and stale.location.key == "spec.acknowledgements[1]"
    assert not said.blocks(fr)


def test_the_review_decides_by_the_verdicts_blocks() -> None:
    e = entity_of(acme_text())
    de = catalogue.by_code("DE")
    assert verdict.review_reasons(e.submission, de.marketplace_id, TODAY) == \
        verdict.entity_verdict(e, TODAY).blocks(de)


def test_a_lapsed_client_secret_blocks_every_create_of_every_entity() -> None:
    (secret,) = verdict.client_secret_findings(date(2026, 5, 1), TODAY, "acorn.yaml", 2, 26)
    assert secret.severity is verdict.BLOCK and secret.entity is None
    text = acme_text().replace("DE123457688", "DE123456788")
    said = verdict.entity_verdict(entity_of(text), TODAY, run=(secret,))
    assert "CLIENT_SECRET_EXPIRED" in [r.code for r in said.blocks(catalogue.by_code("US"))]


# -- issue 19's tax findings in the verdict: at their item's field, the interview's date like any date --

def _acme_with(item: str, marketplaces: str = "[US, CA, DE, FR, JP]") -> str:
    text = acme_text().replace("DE123457688", "DE123456788")
    text = text.replace("- {scheme: US_W8BENE, completedOn: 2025-03-01}", item)
    return text.replace("marketplaces: [US, CA, DE, FR, JP]", f"marketplaces: {marketplaces}")


def test_an_expired_or_future_tax_interview_is_a_time_dependent_block_at_completed_on() -> None:
    for signed in ("2019-05-01", "2027-01-05"):  # expired on 2022-12-31; dated after today
        text = _acme_with(f"- {{scheme: US_W8BENE, completedOn: {signed}}}")
        said = verdict.entity_verdict(entity_of(text), TODAY)
        found = [f for f in said.findings if f.code == "TAX_INTERVIEW_INVALID"]
        assert {f.marketplace for f in found} == {"US", "CA"}  # the marketplaces that ask for the interview
        for f in found:
            assert f.severity is verdict.BLOCK and f.time_dependent  # validate warns, plan blocks
            assert f.location.key == "spec.taxRegistrations[0].completedOn"
            assert (f.location.line, f.location.column) == line_of(text, signed)
        assert "TAX_INTERVIEW_INVALID" in [r.code for r in said.blocks(catalogue.by_code("US"))]
        assert not said.blocks(catalogue.by_code("DE"))  # no interview asked there
        us = catalogue.by_code("US")
        assert verdict.review_reasons(entity_of(text).submission, us.marketplace_id, TODAY) == said.blocks(us)


def test_an_interview_expiring_soon_and_a_doubted_number_are_warnings_at_their_item() -> None:
    text = _acme_with("- {scheme: US_W8BENE, completedOn: 2023-03-01}\n"
                      "    - {scheme: MX_RFC, number: SIN9311169P8}", "[US, CA, MX, DE, FR, JP]")
    said = verdict.entity_verdict(entity_of(text), TODAY)
    soon = next(f for f in said.findings if f.code == "TAX_INTERVIEW_EXPIRES_SOON" and f.marketplace == "US")
    assert soon.severity is verdict.WARNING and soon.time_dependent  # expires 2026-12-31: 30 days
    assert soon.location.key == "spec.taxRegistrations[0].completedOn"
    assert (soon.location.line, soon.location.column) == line_of(text, "2023-03-01")
    rfc = next(f for f in said.findings if f.code == "TAX_NUMBER_UNVERIFIED")
    assert rfc.severity is verdict.WARNING and rfc.marketplace == "MX" and not rfc.time_dependent
    assert rfc.location.key == "spec.taxRegistrations[1].number"
    assert (rfc.location.line, rfc.location.column) == line_of(text, "SIN9311169P8")
    assert "SIN9311169P8" not in rfc.message  # masked
    assert rfc.reason in said.warnings(catalogue.by_code("MX"))
    assert not said.blocks(catalogue.by_code("MX")) and not said.blocks(catalogue.by_code("US"))


def test_one_refresh_token_for_several_regions_warns_in_production_only_at_the_token() -> None:
    text = acme_text().replace("DE123457688", "DE123456788")
    sandbox = verdict.entity_verdict(entity_of(text), TODAY, Policy())
    assert "SHARED_REFRESH_TOKEN" not in [f.code for f in sandbox.findings]
    production = verdict.entity_verdict(entity_of(text), TODAY, Policy(environment="production"))
    (shared,) = [f for f in production.findings if f.code == "SHARED_REFRESH_TOKEN"]
    assert shared.severity is verdict.WARNING and shared.region == "EU"
    assert shared.location.key == "spec.credentials.refreshToken"
    assert shared.location.line == line_of(text, "refreshToken:")[0]
