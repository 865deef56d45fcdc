"""A hostile server, played by the served sandbox (its fault script and its review decision
speak whatever words a test gives them), against every command that prints what a server said:
no control character, escape or forged workflow command reaches the output, and no tax or
registration number the server echoes back is shown whole."""

from __future__ import annotations

import re

from reconciler.domain.contract import CREATE_REGISTRATION, GET_PARTICIPATIONS, LIST_REGISTRATIONS
from tests import tax_examples
from tests.actions.apply_support import Seller
from tests.sandbox.sandbox_support import body_for

# What a hostile server says: a screen clear, a terminal retitle, a forged workflow command on a
# line of its own, a bidi override and a C1 CSI.
HOSTILE = "bad\x1b[2J\x1b]0;pwned\x07\r\n::error file=x.py::forged\n##[warning]y\u202egnp\x9b31m"
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
VAT = tax_examples.EU_VAT["DE"]  # the entity's DE VAT number
COMPANY = "01234567"  # the entity's business registration number (tests/actions/apply_support.py)
ALPHA = Seller("alpha", "A1ALPHA0000001", ("DE",))


def assert_safe(out: str) -> None:
    assert not RAW.search(out), repr(out)
    for line in out.splitlines():
        assert not line.lstrip().startswith(("::", "##[")), line


def spaced(number: str) -> str:
    """How a server may echo a number: spaced out in threes, lower case."""
    return " ".join(number[i:i + 3] for i in range(0, len(number), 3)).lower()


def test_drift_shows_a_servers_words_but_never_obeys_them(world, run_acorn) -> None:
    w = world(ALPHA)
    assert run_acorn(*w.args("apply", "--yes")).code == 0
    [reg] = w.admin.registrations()
    w.admin._ok(w.admin.http.post(f"/_sandbox/registrations/{reg['registrationId']}/decision", json={
        "status": "REJECTED", "reasons": [{"code": "DOCUMENT_UNREADABLE", "message": HOSTILE + f" (vat {VAT})"}]}))
    result = run_acorn(*w.args("drift"))
    assert result.code == 2, result.err
    assert_safe(result.out + result.err)
    assert "pwned" in result.out and "forged" in result.out  # shown, not hidden


def test_drift_shows_a_hostile_server_error_in_every_format_without_obeying_it(world, run_acorn) -> None:
    w = world(ALPHA)
    for fmt in ("text", "markdown", "json"):
        w.admin.faults(script=[{"operation": GET_PARTICIPATIONS, "status": 400, "code": "Bad\n::error::x",
                                "message": HOSTILE}])
        result = run_acorn(*w.args("drift", "--format", fmt))
        assert result.code == 1 and "forged" in result.out + result.err
        assert_safe(result.out + result.err)


def test_plan_and_apply_never_show_a_number_the_server_echoes(world, run_acorn) -> None:
    w = world(ALPHA)
    echo = {"code": f"InvalidInput {VAT}", "message": f"tax number {spaced(VAT)} and company {COMPANY} refused"}
    w.admin.faults(script=[{"operation": LIST_REGISTRATIONS, "status": 400, **echo}])
    plan = run_acorn(*w.args("plan"))
    w.admin.faults(script=[{"operation": CREATE_REGISTRATION, "status": 400, **echo}])
    applied = run_acorn(*w.args("apply", "--yes"))
    for result in (plan, applied):
        out = result.out + result.err
        assert VAT not in out and VAT[2:] not in out.replace(" ", "") and COMPANY not in out, out
        assert VAT[-4:] in out


# A seller whose account a hostile server names with control characters, a forged workflow
# command on a line of its own and the seller's own VAT number.
EVIL_NAME = f"Evil\x1b]0;pwned\x07 Ltd\n::error file=x.py::forged {VAT}\u202e"


def test_status_shows_a_hostile_account_and_reasons_safely(world, run_acorn) -> None:
    w = world(Seller("alpha", ALPHA.seller_id, ("DE",), account_name=EVIL_NAME))
    assert run_acorn(*w.args("apply", "--yes")).code == 0
    [reg] = w.admin.registrations()
    w.admin._ok(w.admin.http.post(f"/_sandbox/registrations/{reg['registrationId']}/decision", json={
        "status": "REJECTED", "reasons": [{"code": "DOCUMENT_UNREADABLE", "message": HOSTILE + f" {spaced(VAT)}"}]}))
    for fmt in ("text", "markdown"):
        result = run_acorn(*w.args("status", "--format", fmt))
        assert_safe(result.out + result.err)
        assert VAT not in result.out.replace(" ", "").upper()


def test_import_writes_a_hostile_account_name_as_one_yaml_value(world, run_acorn) -> None:
    import yaml

    w = world(ALPHA)
    w.admin.seller("A9EVIL00000009", "Atzr|evil-token", EVIL_NAME)
    token = w.admin.access_token("Atzr|evil-token")
    [reg] = w.admin.create(token, "A9EVIL00000009", body_for(["DE"], legalEntityName=EVIL_NAME))
    w.admin._ok(w.admin.http.post(f"/_sandbox/registrations/{reg['registrationId']}/decision",
                                  json={"status": "APPROVED"}))
    result = run_acorn(*w.args("import", "--seller-id", "A9EVIL00000009", "--name", "evil",
                               "--refresh-token-env", "EVIL_TOKEN"), env={"EVIL_TOKEN": "Atzr|evil-token"})
    assert result.code == 0, result.err
    assert_safe(result.out + result.err)
    written = (w.desired / "evil.yaml").read_text()
    assert_safe(written)
    assert yaml.safe_load(written)["spec"]["legalEntityName"] == EVIL_NAME  # the value, whole, in one key


def test_validate_annotations_of_a_hostile_file_are_one_line_each(run_acorn, tmp_path) -> None:
    entities = tmp_path / "desired" / "entities"
    entities.mkdir(parents=True)
    (entities / "evil.yaml").write_text('apiVersion: acorn/v1\nkind: Entity\nmetadata: {name: evil}\n'
                                        'spec: {"bad\\e]0;t\\a\\n::error file=y::forged": 1}\n')
    result = run_acorn("validate", "--desired", str(tmp_path / "desired"), env={"GITHUB_ACTIONS": "true"},
                       cwd=tmp_path)
    assert result.code == 1
    out = result.out + result.err
    assert not RAW.search(out), repr(out)
    commands = [line for line in out.splitlines() if line.lstrip().startswith(("::", "##["))]
    assert commands and all(re.match(r"^::error file=[^:,]+,line=\d+,col=\d+::", c) for c in commands)
    assert "%0A::error file=y::forged" in out  # the file's words, shown inside acorn's own annotation
