"""The loader's rules: each bad input gets one exact, located message, and a tree's
problems are collected across files before failing once."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

import pytest

from reconciler.desired.loader import SourceFile, load, load_desired, load_entity, load_partial, read_tree
from reconciler.domain.model import SecretRef
from reconciler.errors import DesiredStateError
from tests import FIXTURES, REPO

SECRET_MSG = ("looks like a literal secret; secrets are never written here: reference it as "
              "{env: NAME} or {file: PATH} (the value is not shown)")


def problems_of(name: str) -> list[str]:
    path = FIXTURES / "invalid" / f"{name}.yaml"
    entity, problems = load_entity(path.read_text(), path.name, name)
    assert entity is None
    return [f"{p.line}:{p.column}: {p.key}: {p.message}" for p in problems]


@pytest.mark.parametrize("case, expected", [
    ("duplicate-key", "8:3: spec.sellerId: duplicate key (first written at line 7)"),
    ("python-tag",
     "8:20: spec.legalEntityName: tag !!python/object/apply:os.system is not allowed; use plain YAML data"),
    ("custom-tag", "8:20: spec.legalEntityName: tag !vault is not allowed; use plain YAML data"),
    ("merge-key", "16:5: spec.legalRepresentative: merge keys (<<) are not allowed; write the keys out"),
    ("alias-bomb", "3:13: a3[7][9][0][1]: aliases (*name) expand the document by more than 10000 values "
                   "(an alias bomb?): write the values out, or alias less"),
    ("top-level-list", "1:1: (document): the top level must be a mapping"),
    ("empty", "1:1: (document): the file is empty"),
    ("yaml-syntax", "26:17: (yaml): a [ … ] list that is not closed, or lacks a comma between items"),
    ("missing-key", "6:1: spec.legalRepresentative: required key is missing"),
    ("bad-seller-id", "7:13: spec.sellerId: must be 10 to 20 upper-case letters and digits, like A3EXAMPLEACME01"),
    ("eu-vat-without-country", "19:7: spec.taxRegistrations[0].country: required key is missing"),
    ("token-in-credentials", f"10:19: spec.credentials.refreshToken: {SECRET_MSG}"),
    ("plain-credential", f"10:19: spec.credentials.refreshToken: {SECRET_MSG}"),
    ("token-anywhere", f"16:11: spec.legalRepresentative.name: {SECRET_MSG}"),
    ("token-as-key", f"10:20: spec.credentials.refreshToken: {SECRET_MSG}"),
    ("credential-as-key", f"10:20: spec.credentials.refreshToken: {SECRET_MSG}"),
    ("token-key-anywhere", f"8:3: spec.***: {SECRET_MSG}"),
    ("numeric-key", '5:12: metadata.labels: a key must be text, not the number 1.5: quote it ("1.5")'),
    ("uri-escapes", "14:21: spec.businessRegistration.document.uri: escapes the repository (..); use a path inside it"),
    ("uri-absolute", "14:21: spec.businessRegistration.document.uri: must be a relative path inside the repository, "
                     "not an absolute path"),
    ("uri-scheme", "14:21: spec.businessRegistration.document.uri: must be a relative path inside the repository, "
                   "or an https:// or s3:// URL"),
    ("name-mismatch", "4:9: metadata.name: must equal 'name-mismatch', the name of its file (or template row)"),
    ("unquoted-number", "13:13: spec.businessRegistration.number: must be a string, but YAML reads ********1234 as "
                        'a number: quote it ("********1234") so nothing is lost'),
    ("impossible-date", "17:45: spec.legalRepresentative.idDocument.expiresOn: is not a real date (YYYY-MM-DD)"),
    ("impossible-quoted-date", "22:40: spec.taxRegistrations[3].completedOn: is not a real date (YYYY-MM-DD)"),
    ("unknown-marketplace", "26:26: spec.marketplaces[2]: unknown marketplace 'XX' (known: US, CA, MX, BR, UK, DE, "
                            "FR, IT, ES, NL, SE, PL, BE, IE, TR, AE, SA, EG, IN, ZA, JP, AU, SG)"),
    ("repeated-marketplace", "26:30: spec.marketplaces[3]: DE is listed twice (first as item 1)"),
])
def test_each_rule_has_one_located_message(case: str, expected: str) -> None:
    assert problems_of(case) == [expected]


def test_unknown_key_is_named_and_the_missing_one_too() -> None:
    assert problems_of("unknown-key") == [
        "7:3: spec.sellerID: unknown key; did you mean 'sellerId'? (allowed: acknowledgements, businessRegistration, "
        "credentials, documents, legalEntityName, legalRepresentative, marketplaces, sellerId, taxRegistrations)",
        "6:1: spec.sellerId: required key is missing",
    ]


@pytest.mark.parametrize("case", ["token-in-credentials", "plain-credential", "token-anywhere", "token-as-key",
                                  "credential-as-key", "token-key-anywhere"])
def test_secret_values_are_never_echoed(case: str) -> None:
    text = (FIXTURES / "invalid" / f"{case}.yaml").read_text()
    secret = next(v for v in ("Atzr|IwEBIA", "hunter2", "Atza|IwEBIA") if v in text)
    assert all(secret not in message for message in problems_of(case))


def test_valid_entity_loads_with_typed_values() -> None:
    entity, problems = load_entity((FIXTURES / "valid.yaml").read_text(), "valid.yaml", "valid")
    assert problems == []
    assert entity.seller_id == "A3EXAMPLEACME01"
    assert entity.marketplaces == ("US", "CA", "DE", "FR", "JP")
    assert entity.submission.legal_representative.id_document.expires_on == date(2029, 6, 30)
    assert entity.submission.tax_registrations[3].completed_on == date(2025, 3, 1)
    assert entity.credentials.default == SecretRef("env", "ACORN_ACME_SZ_REFRESH_TOKEN")
    assert entity.label_map == {"brand": "acme"}
    assert entity.source.line == 4


def test_quoted_and_bare_dates_mean_the_same() -> None:
    text = (FIXTURES / "valid.yaml").read_text()
    bare, _ = load_entity(text, "valid.yaml", "valid")
    quoted, _ = load_entity(text.replace("expiresOn: 2029-06-30", 'expiresOn: "2029-06-30"'), "valid.yaml", "valid")
    assert bare == quoted


def test_problems_are_collected_across_the_whole_tree() -> None:
    files = [
        SourceFile("d/entities/a.yaml", "entities/a.yaml", (FIXTURES / "invalid" / "bad-seller-id.yaml").read_text()),
        SourceFile("d/entities/b.yaml", "entities/b.yaml", "a: [\n"),
        SourceFile("d/entities/c.yml", "entities/c.yml", "x: 1\n"),
    ]
    with pytest.raises(DesiredStateError) as caught:
        load(files)
    found = [(p.path, p.key) for p in caught.value.problems]
    assert found == [("d/entities/a.yaml", "metadata.name"), ("d/entities/a.yaml", "spec.sellerId"),
                     ("d/entities/b.yaml", "(yaml)"), ("d/entities/c.yml", "(file)")]
    assert str(caught.value).endswith("4 problems in the desired state.")


def test_schema_problems_do_not_hide_the_other_rules() -> None:
    """One run reports everything: a pattern error and an unknown code in the same list."""
    text = (FIXTURES / "valid.yaml").read_text().replace("[US, CA, DE, FR, JP]", "[US, us, GB]")
    _, problems = load_entity(text, "valid.yaml", "valid")
    assert [(p.key, p.message.split(" (")[0]) for p in problems] == [
        ("spec.marketplaces[1]", "must be a two-letter code in upper case, like DE"),
        ("spec.marketplaces[2]", "unknown marketplace 'GB'; did you mean 'UK'?")]


def _entity_file(name: str, seller: str) -> SourceFile:
    text = (FIXTURES / "valid.yaml").read_text().replace("name: valid", f"name: {name}")
    text = text.replace("A3EXAMPLEACME01", seller)
    return SourceFile(f"d/entities/{name}.yaml", f"entities/{name}.yaml", text)


def test_seller_ids_are_unique_across_the_tree() -> None:
    with pytest.raises(DesiredStateError) as caught:
        load([_entity_file("one", "A1SAMESELLER00"), _entity_file("two", "A1SAMESELLER00")])
    (problem,) = caught.value.problems
    assert str(problem) == ("d/entities/two.yaml:4:1: spec.sellerId: sellerId is already used by "
                            "d/entities/one.yaml (one)")


def test_names_are_unique_between_files_and_template_rows(tmp_path: Path) -> None:
    (tmp_path / "entities").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "entities" / "atlas-uk.yaml").write_text(
        _entity_file("atlas-uk", "A1OTHERSELLER0").text)
    repo = REPO
    (tmp_path / "templates" / "atlas.yaml.j2").write_text((repo / "desired/templates/atlas.yaml.j2").read_text())
    with pytest.raises(DesiredStateError) as caught:
        load_desired(tmp_path)
    messages = [p.message for p in caught.value.problems]
    assert messages == [f"name 'atlas-uk' is already used by {tmp_path}/entities/atlas-uk.yaml"]


def test_parallel_and_serial_loads_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file is checked once, whichever process takes its chunk, and the entities and
    problems come out in the same order as a load in one process."""
    files = [_entity_file(f"e{i:04d}", f"A{i:012d}") for i in range(40)]
    files[17] = SourceFile(files[17].path, files[17].relpath, files[17].text.replace("apiVersion", "apiVersoin"))
    files[33] = SourceFile(files[33].path, files[33].relpath, "kind: [")
    serial = load_partial(files, workers=1)
    from reconciler.desired import loader
    monkeypatch.setattr(loader, "PARALLEL_FROM", 10)
    monkeypatch.setattr(loader, "CHUNK", 3)  # 14 chunks between two processes
    main, take = os.getpid(), loader._load_chunked

    def worker_first(*args):  # this process takes its chunks once the worker has one of its own
        deadline = time.monotonic() + 30
        while os.getpid() == main and loader._NEXT[0].value == 0 and time.monotonic() < deadline:
            time.sleep(0.001)
        return take(*args)

    monkeypatch.setattr(loader, "_load_chunked", worker_first)
    parallel = load_partial(files, workers=2)
    assert parallel == serial
    assert len(serial[0].entities) == 38
    assert list(dict.fromkeys(p.path for p in serial[1])) == [files[17].path, files[33].path]


def test_digest_changes_exactly_when_the_tree_does() -> None:
    files = [_entity_file("one", "A1SELLER000001")]
    same = [_entity_file("one", "A1SELLER000001")]
    changed = [_entity_file("one", "A1SELLER000002")]
    assert load(files).digest == load(same).digest != load(changed).digest


def test_shipped_demo_tree_is_valid() -> None:
    repo = REPO
    state = load_desired(repo / "desired")
    assert [e.name for e in state.entities] == [
        "acme-sz", "atlas-ie", "atlas-uk", "maple-ca", "nordlicht-de", "sakura-jp"]
    for f in read_tree(repo / "desired")[0]:
        if f.relpath.startswith("entities/"):
            assert f.text.startswith("# yaml-language-server: $schema=../../schemas/entity.schema.json")


def test_missing_desired_folder_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(DesiredStateError, match="the desired folder does not exist"):
        load_desired(tmp_path / "nope")


def test_unreadable_entries_are_named_not_crashed_on(tmp_path: Path) -> None:
    (tmp_path / "entities" / "folder.yaml").mkdir(parents=True)
    (tmp_path / "entities" / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    with pytest.raises(DesiredStateError) as caught:
        load_desired(tmp_path)
    assert sorted((Path(p.path).name, p.message) for p in caught.value.problems) == [
        ("dangling.yaml", "cannot be read: No such file or directory"),
        ("folder.yaml", "is a folder, not a regular file")]


def test_a_folder_that_is_not_a_desired_tree_is_refused(tmp_path: Path) -> None:
    """`--desired desired/entities` by mistake must not validate as an empty tree."""
    (tmp_path / "x.yaml").write_text("a: 1\n")
    with pytest.raises(DesiredStateError, match="has neither entities/ nor templates/"):
        read_tree(tmp_path)


def test_an_empty_secret_reference_names_the_keys_it_takes() -> None:
    text = (FIXTURES / "valid.yaml").read_text().replace(
        "refreshToken: {env: ACORN_ACME_SZ_REFRESH_TOKEN}", "refreshToken: {}")
    _, problems = load_entity(text, "valid.yaml", "valid")
    assert [str(p) for p in problems] == [
        "valid.yaml:10:19: spec.credentials.refreshToken: must have exactly 1 of: aws or env or file"]


def _with_accounts(accounts: str, marketplaces: str = "[US, CA, DE, FR, JP, AU]") -> str:
    text = (FIXTURES / "valid.yaml").read_text()
    text = text.replace("    refreshToken: {env: ACORN_ACME_SZ_REFRESH_TOKEN}\n",
                        "    refreshToken:\n      NA: {env: T_NA}\n      EU: {env: T_EU}\n      FE: {env: T_FE}\n"
                        f"    accounts:\n{accounts}")
    return text.replace("marketplaces: [US, CA, DE, FR, JP]", f"marketplaces: {marketplaces}")


def test_a_far_east_marketplace_can_be_a_separate_account_with_its_own_seller_id_and_token() -> None:
    text = _with_accounts("      - {marketplaces: [AU], sellerId: A9SEPARATEAU01, refreshToken: {env: T_AU, "
                          "authorizedOn: 2026-03-01}}\n")
    entity, problems = load_entity(text, "valid.yaml", "valid")
    assert problems == [] and entity is not None
    (account,) = entity.credentials.accounts
    assert (account.marketplaces, account.seller_id, account.credential.ref) == (
        ("AU",), "A9SEPARATEAU01", SecretRef("env", "T_AU"))
    assert account.credential.authorized_on == date(2026, 3, 1)
    assert entity.credentials.account_for("AU") is account and entity.credentials.account_for("JP") is None
    assert SecretRef("env", "T_AU") in entity.credentials.refs()


def test_an_account_names_the_entitys_own_far_east_marketplaces_once() -> None:
    text = _with_accounts("      - {marketplaces: [SG], refreshToken: {env: T_SG}}\n"
                          "      - {marketplaces: [AU], refreshToken: {env: T_AU}}\n"
                          "      - {marketplaces: [AU], refreshToken: {env: T_AU2}}\n")
    entity, problems = load_entity(text, "valid.yaml", "valid")
    assert entity is None
    assert [(p.key, p.message) for p in problems] == [
        ("spec.credentials.accounts[0].marketplaces[0]", "SG is not in spec.marketplaces"),
        ("spec.credentials.accounts[2].marketplaces[0]", "AU is in another account already")]
    # an account outside the Far East is refused by the schema: authorizations elsewhere are regional
    _, problems = load_entity(_with_accounts("      - {marketplaces: [DE], refreshToken: {env: T_DE}}\n"),
                              "valid.yaml", "valid")
    assert [p.key for p in problems] == ["spec.credentials.accounts[0].marketplaces[0]"]


def test_fe_marketplaces_all_in_accounts_need_no_fe_token_and_a_literal_token_is_still_refused() -> None:
    text = _with_accounts("      - {marketplaces: [JP, AU], refreshToken: {env: T_JP}}\n").replace(
        "      FE: {env: T_FE}\n", "")
    entity, problems = load_entity(text, "valid.yaml", "valid")
    assert problems == [] and entity is not None
    leaked = _with_accounts("      - {marketplaces: [AU], refreshToken: {env: T_AU}, sellerId: 'Atzr|IwEBIabc'}\n")
    _, problems = load_entity(leaked, "valid.yaml", "valid")
    assert problems and "Atzr|IwEBIabc" not in " ".join(p.message for p in problems)
