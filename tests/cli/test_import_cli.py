"""`acorn import` end to end against the embedded sandbox's demo sellers: the file it
writes, validate failing on each placeholder, validate and plan once filled, and what it
refuses (an existing file without --force, a seller already desired, bad arguments)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.actions.importer_support import fill, todo_lines

ARGS = ("import", "--seller-id", "A3EXAMPLEACME01", "--name", "acme-sz",
        "--refresh-token-env", "ACORN_ACME_SZ_REFRESH_TOKEN")


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    """A repository with an empty desired/ (the embedded sandbox holds the demo sellers)."""
    (tmp_path / "desired").mkdir()
    return tmp_path


def entity_file(root: Path, name: str = "acme-sz") -> Path:
    return root / "desired" / "entities" / f"{name}.yaml"


def test_import_writes_the_entity_from_live(run_acorn, empty: Path) -> None:
    result = run_acorn(*ARGS, cwd=empty)
    assert result.code == 0, result.err
    text = entity_file(empty).read_text()
    assert "marketplaces:\n    - US  # participates\n    - CA  # APPROVED registration REG-" in text
    assert "    - MX  # participates\n" in text
    assert "  legalEntityName: Shenzhen Acme Trading Co., Ltd.  # as APPROVED registration" in text
    assert result.out.startswith("wrote desired/entities/acme-sz.yaml: 3 marketplaces (US, CA, MX); fill in its 8 ")


def test_validate_names_every_placeholder_then_passes_once_filled(run_acorn, empty: Path) -> None:
    assert run_acorn(*ARGS, cwd=empty).code == 0
    path = entity_file(empty)
    text = path.read_text()
    result = run_acorn("validate", cwd=empty)
    assert result.code == 1
    found = re.findall(r"desired/entities/acme-sz\.yaml:(\d+):\d+: ", result.err)
    lines = sorted({int(n) for n in found})
    assert lines == todo_lines(text)
    path.write_text(fill(text))
    assert run_acorn("validate", cwd=empty).code == 0


def test_once_filled_plan_shows_the_seller_as_live_with_nothing_unmanaged(run_acorn, empty: Path) -> None:
    run_acorn(*ARGS, cwd=empty)
    path = entity_file(empty)
    path.write_text(fill(path.read_text()))
    plan = json.loads(run_acorn("plan", "--format", "json", cwd=empty).out)
    (entity,) = plan["entities"]
    assert [(p["marketplace"], p["state"]) for p in entity["pairs"]] == [("US", "live"), ("CA", "live"),
                                                                         ("MX", "live")]


def test_an_existing_file_is_kept_without_force(run_acorn, empty: Path) -> None:
    path = entity_file(empty)
    path.parent.mkdir(parents=True)
    path.write_text("# mine\n")
    result = run_acorn(*ARGS, cwd=empty)
    assert result.code == 1
    assert "desired/entities/acme-sz.yaml already exists" in result.err and "--force" in result.err
    assert path.read_text() == "# mine\n"
    assert run_acorn(*ARGS, "--force", cwd=empty).code == 0
    assert path.read_text().startswith("# yaml-language-server:")


def test_a_seller_already_desired_elsewhere_is_refused(run_acorn, empty: Path) -> None:
    assert run_acorn(*ARGS, cwd=empty).code == 0
    result = run_acorn("import", "--seller-id", "A3EXAMPLEACME01", "--name", "acme-two",
                       "--refresh-token-env", "ACORN_ACME_TWO", cwd=empty)
    assert result.code == 1 and "already desired in desired/entities/acme-sz.yaml" in result.err
    assert not entity_file(empty, "acme-two").exists()


def test_pending_and_rejected_registrations_are_listed_commented_out(run_acorn, empty: Path) -> None:
    result = run_acorn("import", "--seller-id", "A2SAKURA00JP", "--name", "sakura-jp", "--refresh-token-env",
                       "ACORN_SAKURA_JP_REFRESH_TOKEN", "--desired", str(empty / "desired"))
    assert result.code == 0, result.err
    text = entity_file(empty, "sakura-jp").read_text()
    assert "    - JP  # participates\n    # - AU  # REJECTED registration REG-" in text
    assert "language: ja" in text  # JP needs a translation unless registered in JP: a placeholder


def test_a_seller_the_api_refuses_writes_nothing(run_acorn, empty: Path) -> None:
    result = run_acorn("import", "--seller-id", "A9NOBODY000000", "--name", "nobody",
                       "--refresh-token-env", "ACORN_NOBODY", env={"ACORN_NOBODY": "Atzr|not-a-real-token"}, cwd=empty)
    assert result.code == 1 and "refused" in result.err
    assert "Atzr|" not in result.out + result.err
    assert not entity_file(empty, "nobody").exists()


@pytest.mark.parametrize("args, message", [
    (("--seller-id", "lower", "--name", "x1", "--refresh-token-env", "V"), "--seller-id"),
    (("--seller-id", "A3EXAMPLEACME01", "--name", "Bad_Name", "--refresh-token-env", "V"), "--name"),
    (("--seller-id", "A3EXAMPLEACME01", "--name", "x1"), "exactly one of --refresh-token-env and --refresh-token-aws"),
])
def test_bad_arguments_exit_1(run_acorn, empty: Path, args: tuple[str, ...], message: str) -> None:
    result = run_acorn("import", *args, cwd=empty)
    assert result.code == 1 and message in result.err
    assert not (empty / "desired" / "entities").exists()
