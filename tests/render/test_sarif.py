"""SARIF from `acorn validate` and `acorn plan`: valid against the official SARIF 2.1.0 schema
(tests/render/sarif-schema-2.1.0.json: oasis-tcs/sarif-spec, sarif-2.1/schema/sarif-schema-2.1.0.json
at commit e0583813964ec43cea53b6b531b402866095ed1f, unchanged), one result per finding, each
at the line of desired/ that causes it: for a template, the row's own line."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema

from tests import REPO
from tests.cli.test_validate_cli import TYPO
from tests.github.pr_world import TEMPLATE, make_pull_request

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())


def valid_sarif(text: str) -> dict:
    log = json.loads(text)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    return log


def test_a_transposed_vat_in_a_template_row_points_at_that_row(tmp_path: Path, run_acorn) -> None:
    pr = make_pull_request(tmp_path)
    result = run_acorn("validate", "--format", "sarif", cwd=tmp_path)
    assert result.code == 1
    log = valid_sarif(result.out)
    [found] = [r for r in log["runs"][0]["results"] if r["level"] == "error"]
    assert found["ruleId"] == "TAX_NUMBER_INVALID"
    where = found["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == TEMPLATE
    assert where["region"]["startLine"] == pr.bad_line
    body = (tmp_path / TEMPLATE).read_text().splitlines()
    related = found["relatedLocations"][0]["physicalLocation"]["region"]["startLine"]
    assert body[related - 1].lstrip().startswith("taxRegistrations:")  # the template line that renders it
    assert found["properties"] == {"entity": "brand-03", "row": "brand-03"}
    assert "GB123465782" not in result.out  # numbers are never shown whole


def test_plan_sarif_has_a_result_per_block_and_warning_with_its_rule(run_acorn, tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path, rows=3, bad_row=1)
    result = run_acorn("plan", "--offline", "--format", "sarif", cwd=tmp_path,
                       env={"ACORN_BRAND_REFRESH_TOKEN": "unused"})
    log = valid_sarif(result.out)
    run = log["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    results = run["results"]
    assert [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in results] == [("TAX_NUMBER_INVALID", "error", pr.bad_line)]
    assert rules == ["TAX_NUMBER_INVALID"] and results[0]["ruleIndex"] == 0
    assert "correct the tax number" in run["tool"]["driver"]["rules"][0]["help"]["text"]


def test_an_entity_file_finding_points_at_its_field(tmp_path: Path, run_acorn) -> None:
    desired = tmp_path / "desired"
    shutil.copytree(REPO / "desired", desired)
    result = run_acorn("validate", "--format", "sarif", "--desired", str(desired), env={"ACORN_TODAY": "2026-11-27"})
    log = valid_sarif(result.out)
    acme = (desired / "entities" / "acme-sz.yaml").read_text().splitlines()
    typo_line = next(i for i, text in enumerate(acme, 1) if TYPO in text)
    errors = [r for r in log["runs"][0]["results"] if r["level"] == "error"]
    assert [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in errors][0] == \
        ("desired/entities/acme-sz.yaml", typo_line)
    warnings = [r for r in log["runs"][0]["results"] if r["ruleId"] == "ID_EXPIRES_TOO_SOON"]
    maple = (desired / "entities" / "maple-ca.yaml").read_text().splitlines()
    assert warnings and all(
        "expiresOn" in maple[r["locations"][0]["physicalLocation"]["region"]["startLine"] - 1] for r in warnings)


def test_in_github_actions_paths_are_from_the_checkout_root(tmp_path: Path, run_acorn) -> None:
    """With the action's working-directory a subfolder, code scanning and review comments still
    need the path from the repository root."""
    sub = tmp_path / "onboarding"
    sub.mkdir()
    pr = make_pull_request(sub)
    result = run_acorn("validate", "--format", "sarif", cwd=sub, env={"GITHUB_WORKSPACE": str(tmp_path)})
    [found] = [r for r in valid_sarif(result.out)["runs"][0]["results"] if r["level"] == "error"]
    where = found["locations"][0]["physicalLocation"]
    assert (where["artifactLocation"]["uri"], where["region"]["startLine"]) == (f"onboarding/{TEMPLATE}", pr.bad_line)


def _annotated(text: str) -> set[tuple[str, int, int, str]]:
    """(file, line, column, level) of each `::error file=…,line=…,col=…::` workflow command."""
    found = set()
    for line in text.splitlines():
        match = re.match(r"::(error|warning) file=([^,]+),line=(\d+),col=(\d+)::", line)
        if match:
            found.add((match[2], int(match[3]), int(match[4]), match[1]))
    return found


def test_sarif_and_validates_annotations_name_the_same_line(tmp_path: Path, run_acorn) -> None:
    """One computation: each finding is where the verdict places it, in SARIF as in validate's
    annotations: an entity file's field, and a template row's own line."""
    pr = make_pull_request(tmp_path)
    shutil.copy(REPO / "desired" / "entities" / "acme-sz.yaml", tmp_path / "desired" / "entities")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path), "ACORN_TODAY": "2026-11-27"}
    annotated = run_acorn("validate", env=env, cwd=tmp_path)
    log = valid_sarif(run_acorn("validate", "--format", "sarif", env=env, cwd=tmp_path).out)
    placed = {(where["artifactLocation"]["uri"], where["region"]["startLine"], where["region"]["startColumn"],
               r["level"])
              for r in log["runs"][0]["results"] for where in [r["locations"][0]["physicalLocation"]]}
    acme = (tmp_path / "desired" / "entities" / "acme-sz.yaml").read_text().splitlines()
    typo = next((i, t.index(TYPO) + 1) for i, t in enumerate(acme, 1) if TYPO in t)
    assert ("desired/entities/acme-sz.yaml", *typo, "error") in placed
    assert [line for uri, line, _, level in placed if uri == TEMPLATE] == [pr.bad_line]  # the row's `vat:`
    assert any(level == "warning" and uri.endswith("acme-sz.yaml") for uri, _, _, level in placed)
    assert placed == _annotated(annotated.out + annotated.err)
