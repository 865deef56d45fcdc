"""`acorn validate` as a user and as CI see it: exit codes, messages, annotations, JSON."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from tests import FIXTURES, REPO


def tree(tmp_path: Path, *fixtures: str) -> Path:
    desired = tmp_path / "desired"
    (desired / "entities").mkdir(parents=True)
    for name in fixtures:
        src = FIXTURES / ("valid.yaml" if name == "valid" else f"invalid/{name}.yaml")
        shutil.copy(src, desired / "entities" / f"{name}.yaml")
    return desired


TYPO = "DE123457688"  # the demo's acme-sz DE VAT number: two digits of DE123456788 swapped


def fixed_demo(tmp_path: Path) -> Path:
    """The shipped tree with the demo's typo corrected."""
    desired = tmp_path / "desired"
    shutil.copytree(REPO / "desired", desired)
    acme = desired / "entities" / "acme-sz.yaml"
    assert TYPO in acme.read_text()
    acme.write_text(acme.read_text().replace(TYPO, "DE123456788"))
    return desired


def test_the_shipped_tree_shows_its_typo_at_its_place_without_the_number(run_acorn) -> None:
    result = run_acorn("validate", "--desired", str(REPO / "desired"), env={"ACORN_TODAY": "2026-11-27"})
    assert result.code == 1
    acme = REPO / "desired" / "entities" / "acme-sz.yaml"
    line = next(i for i, text in enumerate(acme.read_text().splitlines(), 1) if TYPO in text)
    column = acme.read_text().splitlines()[line - 1].index(TYPO) + 1
    assert result.err.splitlines() == [
        f"{acme}:{line}:{column}: spec.taxRegistrations[2].number: the check digit does not match",
        "1 problem in the desired state."]
    assert TYPO not in result.out + result.err
    assert "TAX_NUMBER_INVALID" not in result.out  # the error says it; no warning repeats it


def test_shipped_tree_once_fixed_is_valid_with_preflight_warnings(run_acorn, tmp_path: Path) -> None:
    result = run_acorn("validate", "--desired", str(fixed_demo(tmp_path)), env={"ACORN_TODAY": "2026-11-27"})
    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == "ok: 6 entities valid, 7 preflight warning(s)"
    # each at the field concerned (the marketplaces item, expiresOn), never at metadata.name
    assert ("desired/entities/sakura-jp.yaml:23:22: warning: US MISSING_TAX_REGISTRATION: US requires tax "
            "registration US_W8BENE (plan blocks it)") in result.out
    assert ("desired/entities/acme-sz.yaml:29:30: warning: FR TAX_REGISTRATION_MAY_BE_REQUIRED: FR may require tax "
            "registration EU_VAT with country FR: required for goods stored in France") in result.out
    assert "desired/entities/maple-ca.yaml:20:45: warning: maple-ca ID_EXPIRES_TOO_SOON: " in result.out


def test_invalid_tree_exits_1_with_every_problem_and_no_traceback(run_acorn, tmp_path: Path) -> None:
    desired = tree(tmp_path, "valid", "bad-seller-id", "duplicate-key")
    result = run_acorn("validate", "--desired", str(desired))
    assert result.code == 1
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert lines[0] == (f"{desired}/entities/bad-seller-id.yaml:7:13: spec.sellerId: must be 10 to 20 upper-case "
                        "letters and digits, like A3EXAMPLEACME01")
    assert lines[1] == (f"{desired}/entities/duplicate-key.yaml:8:3: spec.sellerId: duplicate key "
                        "(first written at line 7)")
    assert lines[-1] == "2 problems in the desired state."


def test_github_annotations(run_acorn, tmp_path: Path) -> None:
    desired = tree(tmp_path, "bad-seller-id")
    result = run_acorn("validate", "--desired", str(desired), env={"GITHUB_ACTIONS": "true"})
    assert result.code == 1
    assert result.out.count("::error ") == 1  # once, not again by the CLI boundary
    assert ("::error file=desired/entities/bad-seller-id.yaml,line=7,col=13::"  # repository-relative
            "spec.sellerId: must be 10 to 20 upper-case letters and digits, like A3EXAMPLEACME01") in result.out


def test_preflight_warnings_are_annotated_too(run_acorn, tmp_path: Path) -> None:
    desired = fixed_demo(tmp_path)
    result = run_acorn("validate", "--desired", str(desired),
                       env={"GITHUB_ACTIONS": "true", "ACORN_TODAY": "2026-11-27"})
    assert result.code == 0
    assert "::warning file=desired/entities/maple-ca.yaml,line=20,col=45::maple-ca ID_EXPIRES_TOO_SOON" in result.out
    assert "None:" not in result.out


def test_an_invalid_number_is_annotated_as_an_error_at_its_place(run_acorn) -> None:
    result = run_acorn("validate", "--desired", str(REPO / "desired"), env={"GITHUB_ACTIONS": "true"})
    assert result.code == 1
    assert "::error file=desired/entities/acme-sz.yaml,line=" in result.out
    assert "::spec.taxRegistrations[2].number: the check digit does not match" in result.out
    assert TYPO not in result.out + result.err


def test_json_format(run_acorn, tmp_path: Path) -> None:
    result = run_acorn("validate", "--desired", str(tree(tmp_path, "valid")), "--format", "json",
                       env={"ACORN_TODAY": "2026-11-27"})
    report = json.loads(result.out)
    assert result.code == 0 and report["valid"] is True and report["entities"] == 1
    assert {(w["marketplace"], w["code"]) for w in report["warnings"]} == {("FR", "TAX_REGISTRATION_MAY_BE_REQUIRED")}
    bad = run_acorn("validate", "--desired", str(tree(tmp_path / "b", "uri-absolute")), "--format", "json")
    report = json.loads(bad.out)
    assert bad.code == 1 and report["valid"] is False
    assert report["problems"][0]["key"] == "spec.businessRegistration.document.uri"


def test_secret_is_not_printed(run_acorn, tmp_path: Path) -> None:
    result = run_acorn("validate", "--desired", str(tree(tmp_path, "token-in-credentials")))
    assert result.code == 1 and "Atzr|" not in result.out + result.err


def test_usage_errors_exit_1_not_2(run_acorn) -> None:
    result = run_acorn("validate", "--no-such-flag")
    assert result.code == 1
    assert "No such option" in result.err


def test_named_config_must_exist(run_acorn, tmp_path: Path) -> None:
    result = run_acorn("validate", "--desired", str(tree(tmp_path, "valid")), "--config", str(tmp_path / "nope.yaml"))
    assert result.code == 1 and "does not exist" in result.err


def test_version(run_acorn) -> None:
    result = run_acorn("--version")
    assert result.code == 0 and result.out.startswith("acorn, version ")


def test_an_unexpected_error_is_one_line_without_a_traceback(run_acorn, tmp_path: Path, monkeypatch) -> None:
    desired = tree(tmp_path, "valid")

    def broken(*_):
        raise RuntimeError("boom with Atzr|IwEBIsecret inside")

    monkeypatch.setattr("reconciler.cli.validate.judge_desired_partial", broken)
    result = run_acorn("validate", "--desired", str(desired), env={"LWA_CLIENT_SECRET": "client-secret-value"})
    assert result.code == 3 and "Traceback" not in result.err and "Atzr|" not in result.err
    assert result.err.startswith("error: internal error (RuntimeError: boom with *** inside); this is a bug")
    [crash] = (tmp_path / ".acorn").glob("crash-*.txt")
    assert result.err.strip().endswith(f"(the traceback is in {crash})")
    text = crash.read_text()
    assert "Traceback (most recent call last)" in text and "in broken" in text and "RuntimeError: boom" in text
    assert "IwEBIsecret" not in text and "client-secret-value" not in text


def test_a_crash_that_holds_a_secret_from_the_environment_does_not_write_it(run_acorn, tmp_path: Path,
                                                                            monkeypatch) -> None:
    desired = tree(tmp_path, "valid")

    def broken(*_):
        raise KeyError(f"refresh {os.environ['ACORN_X_REFRESH_TOKEN']}")

    monkeypatch.setattr("reconciler.cli.validate.judge_desired_partial", broken)
    result = run_acorn("validate", "--desired", str(desired), env={"ACORN_X_REFRESH_TOKEN": "plain-refresh-value-42"})
    assert result.code == 3 and "plain-refresh-value-42" not in result.err
    [crash] = (tmp_path / ".acorn").glob("crash-*.txt")
    assert "plain-refresh-value-42" not in crash.read_text() and "refresh ***" in crash.read_text()


def test_outputs_that_cannot_be_written_are_named(run_acorn, tmp_path: Path) -> None:
    desired = tree(tmp_path, "valid")
    (tmp_path / "file").write_text("")
    result = run_acorn("plan", "--desired", str(desired), "--out", str(tmp_path / "file" / "plan.json"))
    assert result.code == 1 and result.err.startswith(f"error: cannot write {tmp_path}/file/plan.json: ")
    result = run_acorn("plan", "--desired", str(desired), "--audit-log", str(tmp_path / "file" / "audit.jsonl"))
    assert result.code == 1 and result.err.strip() == (
        f"error: cannot write the audit log {tmp_path}/file/audit.jsonl: a file is in the way of its folder")
    result = run_acorn("import", "--desired", str(desired), "--seller-id", "A3EXAMPLEACME09", "--name", "new-one",
                       "--refresh-token-env", "NEW_ONE_TOKEN", "--audit-log", str(tmp_path / "file" / "audit.jsonl"))
    assert result.code == 1 and "a file is in the way of its folder" in result.err


def test_problems_are_printed_exactly_as_path_line_col_key_message(run_acorn, tmp_path: Path) -> None:
    desired = tree(tmp_path, "bad-seller-id")
    result = run_acorn("validate", "--desired", str(desired))
    first = result.err.splitlines()[0]
    assert first.startswith(f"{desired}/entities/bad-seller-id.yaml:7:13: spec.sellerId: ")


def test_sound_entities_are_preflighted_even_when_another_file_is_invalid(run_acorn, tmp_path: Path) -> None:
    desired = tmp_path / "desired"
    shutil.copytree(REPO / "desired", desired)
    (desired / "entities" / "broken.yaml").write_text("a: b: c\n")
    result = run_acorn("validate", "--desired", str(desired))
    assert result.code == 1
    assert "sakura-jp.yaml:23:22: warning: US MISSING_TAX_REGISTRATION" in result.out
    assert "broken.yaml:1:5: (yaml): a second ':' on this line" in result.err


def test_one_broken_file_does_not_block_plan_entity_for_the_others(run_acorn, tmp_path: Path) -> None:
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    (tmp_path / "desired" / "entities" / "broken.yaml").write_text("a: b: c\n")
    ok = run_acorn("plan", "--entity", "maple-ca", cwd=tmp_path)
    assert ok.code == 0, ok.err
    assert "maple-ca" in ok.out and "1 other file of the desired tree has problems" in ok.err
    blocked = run_acorn("plan", "--entity", "broken", cwd=tmp_path)
    assert blocked.code == 1 and "broken.yaml:1:5: (yaml)" in blocked.err
    everything = run_acorn("plan", cwd=tmp_path)
    assert everything.code == 1 and "broken.yaml:1:5" in everything.err


def test_json_names_an_invalid_number_by_its_place_never_by_its_value(run_acorn) -> None:
    result = run_acorn("validate", "--desired", str(REPO / "desired"), "--format", "json")
    report = json.loads(result.out)
    assert result.code == 1 and report["valid"] is False
    assert [(p["key"], p["message"]) for p in report["problems"]] == [
        ("spec.taxRegistrations[2].number", "the check digit does not match")]
    assert TYPO not in result.out + result.err


def test_a_vat_number_of_another_country_is_an_error_at_its_line(run_acorn, tmp_path: Path) -> None:
    desired = tree(tmp_path, "valid")
    entity = desired / "entities" / "valid.yaml"
    text = entity.read_text().replace("{scheme: EU_VAT, country: DE, number: DE123456788}",
                                      "{scheme: EU_VAT, country: DE, number: fr 11 123 456 782}")
    entity.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "fr 11 123" in t)
    column = text.splitlines()[line - 1].index("fr 11 123") + 1
    result = run_acorn("validate", "--desired", str(desired))
    assert result.code == 1
    assert result.err.splitlines()[0] == (
        f"{entity}:{line}:{column}: spec.taxRegistrations[0].number: a German VAT number starts with DE, "
        "not FR: the prefix does not match country DE")
    assert "11 123 456 782" not in result.out + result.err


def test_lower_case_and_spaces_are_accepted_as_written(run_acorn, tmp_path: Path) -> None:
    desired = tree(tmp_path, "valid")
    entity = desired / "entities" / "valid.yaml"
    entity.write_text(entity.read_text().replace("number: DE123456788}", "number: de 123 456 788}"))
    result = run_acorn("validate", "--desired", str(desired), env={"ACORN_TODAY": "2026-11-27"})
    assert result.code == 0, result.err


def test_a_folder_named_like_an_entity_hides_no_other_problem(run_acorn, tmp_path: Path) -> None:
    desired = tree(tmp_path, "valid", "bad-seller-id", "duplicate-key")
    (desired / "entities" / "dir.yaml").mkdir()
    result = run_acorn("validate", "--desired", str(desired))
    assert result.code == 1 and "Traceback" not in result.err
    lines = result.err.splitlines()
    assert f"{desired}/entities/dir.yaml:1:1: (file): is a folder, not a regular file" in lines
    assert any(line.startswith(f"{desired}/entities/bad-seller-id.yaml:7:13: spec.sellerId:") for line in lines)
    assert any(line.startswith(f"{desired}/entities/duplicate-key.yaml:8:3: spec.sellerId: duplicate key")
               for line in lines)
    assert lines[-1] == "3 problems in the desired state."
    # --marketplace keeps to regions the demo seller authorized (FE is not: that would exit 1)
    ok = run_acorn("plan", "--entity", "valid", "--marketplace", "US", "--marketplace", "DE", "--desired", str(desired),
                   cwd=tmp_path)
    assert ok.code == 0, ok.err
    assert "\nvalid  " in ok.out
    assert "3 other files of the desired tree have problems" in ok.err


def test_every_error_has_the_one_prefix(run_acorn, tmp_path: Path) -> None:
    usage = run_acorn("plan", "--bogus", cwd=tmp_path)
    assert usage.code == 1
    assert usage.err.splitlines() == ["Usage: acorn plan [OPTIONS]", "Try 'acorn plan --help' for help.", "",
                                      "error: No such option '--bogus'. Did you mean '--out'?"]
    refused = run_acorn("plan", "--environment", "production", "--endpoint", "http://example.com", cwd=tmp_path)
    assert refused.code == 1 and refused.err.startswith("error: endpoint 'http://example.com' uses plain http://")
    for result in (usage, refused):
        assert "Error:" not in result.err


def test_an_annotation_of_a_template_row_points_at_the_template_file_and_names_the_row() -> None:
    from reconciler.cli.workspace import problem_annotations
    from reconciler.errors import Problem

    found = [Problem("desired/templates/t.yaml.j2", 5, 5, "rows[0]", "template: 'x' is undefined", "acme-de")]
    assert problem_annotations(found, "error") == ("::error file=desired/templates/t.yaml.j2,line=5,col=5::"
                                           "rows[0]: template: 'x' is undefined (row acme-de)")


def test_one_refresh_token_for_two_regions_is_a_warning_in_production_only(run_acorn, tmp_path: Path) -> None:
    desired = fixed_demo(tmp_path)
    sandbox = run_acorn("validate", "--desired", str(desired))
    assert sandbox.code == 0 and "SHARED_REFRESH_TOKEN" not in sandbox.out  # the sandbox's demo token
    (tmp_path / "acorn.yaml").write_text("environment: production\n")
    production = run_acorn("validate", "--desired", str(desired), "--config", str(tmp_path / "acorn.yaml"))
    assert production.code == 0  # a warning: SP-API may still answer, but with another region's authorization
    assert ("warning: EU SHARED_REFRESH_TOKEN: env:ACORN_ACME_SZ_REFRESH_TOKEN is the refresh token of NA and EU "
            "and FE: SP-API issues a separate refresh token per region") in production.out
