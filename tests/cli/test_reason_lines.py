"""A rejection comes back as a code; drift, its issue and status name the line of desired/ to
change, as a GitHub blob URL at the commit read (#L), and an unknown code links the entity's
own line and says it is unmapped. On the embedded sandbox's demo world."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests import REPO

SHA = "c0ffee0000000000000000000000000000000001"
GITHUB = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/onboarding", "GITHUB_SHA": SHA}


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    return tmp_path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_the_drift_issue_links_the_line_at_the_commit(run_acorn, demo: Path) -> None:
    result = run_acorn("drift", "--format", "markdown", cwd=demo, env=GITHUB)
    assert result.code == 2, result.err
    typo = line_of(demo / "desired/entities/acme-sz.yaml", "DE123457688")
    url = f"https://github.com/acme/onboarding/blob/{SHA}/desired/entities/acme-sz.yaml#L{typo}"
    row = next(line for line in result.out.splitlines() if "EU_VAT (DE) number" in line)
    assert f"[desired/entities/acme-sz.yaml:{typo}]({url})" in row


def test_status_names_the_line_of_each_reason(run_acorn, demo: Path) -> None:
    text = run_acorn("status", cwd=demo).out
    expires = line_of(demo / "desired/entities/maple-ca.yaml", "expiresOn")
    assert "ID_EXPIRES_TOO_SOON: the legal representative's ID document expires in" in text
    assert f"-> desired/entities/maple-ca.yaml:{expires}" in text
    data = json.loads(run_acorn("status", "--format", "json", cwd=demo, env=GITHUB).out)
    found = [x for x in data["locations"] if x["entity"] == "maple-ca" and x["code"] == "ID_EXPIRES_TOO_SOON"]
    assert found and all(x["line"] == expires and x["url"].endswith(f"maple-ca.yaml#L{expires}") for x in found)


def test_an_unknown_rejection_code_links_the_entity_and_says_unmapped(run_acorn, demo: Path) -> None:
    # The demo's atlas-ie row misspells the account's legal name (account preflight blocks it):
    # write it as the account has it, so IE is created and the review can reject it.
    template = demo / "desired/templates/atlas.yaml.j2"
    text = template.read_text()
    template.write_text(text.replace("Atlas Home Ireland Ltd", "Atlas Home (Ireland) Limited"))
    applied = run_acorn("apply", "--yes", "--entity", "atlas-ie", "--marketplace", "IE", cwd=demo)
    assert applied.code == 0, applied.err
    reg_id = re.search(r"REG-\w+", applied.out).group(0)
    decided = run_acorn("sandbox", "review", "decide", reg_id, "--reject", "BRAND_REGISTRY_CONFLICT", cwd=demo)
    assert decided.code == 0, decided.err
    result = run_acorn("drift", "--entity", "atlas-ie", cwd=demo, env=GITHUB)
    row = line_of(template, "name: atlas-ie")
    lines = result.out.splitlines()
    assert "? BRAND_REGISTRY_CONFLICT (blocked): 1" in lines or "x BRAND_REGISTRY_CONFLICT (blocked): 1" in lines
    [line] = [x for x in lines if "not mapped" in x]
    assert f"-> desired/templates/atlas.yaml.j2:{row} (row atlas-ie) (code not mapped to a field: the entity's " \
           "file)" in line
