"""`acorn github review`: a pull request that introduces a transposed VAT number in a template
row gets a review comment on that row's line, and a SARIF result at the same line. The request
bodies are checked against GitHub's published OpenAPI description (the schemas extracted in
rest-api-pulls-reviews.json) offline, and sent to a stand-in of GitHub's endpoints on 127.0.0.1
that refuses what GitHub refuses. Each push supersedes acorn's previous review."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from reconciler.render.review import MARKER, SUPERSEDED_MARKER, added_lines, diff_lines
from tests.github.pr_world import TEMPLATE, make_pull_request
from tests.github.standin import PullRequestState, github_standin, schema

REPO_NAME, NUMBER, HEAD = "acme/onboarding", 7, "0123456789abcdef0123456789abcdef01234567"
TOKEN = "ghs_standInToken0000000000000000000000"
ELSEWHERE = "desired/entities/old-ltd.yaml"


def unrelated_finding(root: Path) -> None:
    """An entity the pull request does not touch, whose representative's ID expires soon."""
    (root / ELSEWHERE).write_text("""apiVersion: acorn/v1
kind: Entity
metadata:
  name: old-ltd
spec:
  sellerId: A1OLDLTD00000
  legalEntityName: Old Ltd
  credentials:
    refreshToken: {env: ACORN_OLD_REFRESH_TOKEN}
  businessRegistration:
    country: GB
    number: "01234567"
    document: {uri: docs/old.pdf, sha256: 3f0a9b5c2d7e8f1a4b6c9d0e2f3a5b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a}
  legalRepresentative:
    name: Ada Test
    idDocument: {type: passport, expiresOn: 2027-01-15}
  taxRegistrations: [{scheme: UK_VAT, number: GB123456782}]
  marketplaces: [UK]
""")


@pytest.fixture
def pr(tmp_path: Path, run_acorn):
    pull = make_pull_request(tmp_path)
    unrelated_finding(tmp_path)
    planned = run_acorn("plan", "--offline", "--out", "plan.json", cwd=tmp_path, env={"ACORN_TODAY": "2026-12-07"})
    assert planned.code == 0, planned.err
    (tmp_path / "pr.diff").write_text(pull.diff)
    return pull


def test_the_patch_names_the_lines_it_adds(pr) -> None:
    assert added_lines(pr.patch) == {pr.bad_line}
    assert diff_lines(pr.diff) == {TEMPLATE: {pr.bad_line}}


def test_dry_run_prints_a_body_github_accepts_with_the_comment_on_the_row(pr, tmp_path: Path, run_acorn) -> None:
    result = run_acorn("github", "review", "--plan", "plan.json", "--diff", "pr.diff", "--commit", HEAD, "--dry-run",
                       cwd=tmp_path, env={"ACORN_TODAY": "2026-12-07"})
    assert result.code == 0, result.err
    body = json.loads(result.out)
    jsonschema.validate(body, schema("pulls/create-review"))
    assert body["event"] == "COMMENT" and body["commit_id"] == HEAD
    [comment] = body["comments"]
    assert (comment["path"], comment["line"], comment["side"]) == (TEMPLATE, pr.bad_line, "RIGHT")
    assert "`TAX_NUMBER_INVALID` · error" in comment["body"] and "brand-03 UK" in comment["body"]
    assert "GB123465782" not in result.out  # masked, as everywhere
    assert body["body"].startswith(MARKER)
    assert "1 more finding is on lines it does not change: see the plan comment." in body["body"]


def run_review(run_acorn, tmp_path: Path, url: str, *extra: str):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": NUMBER, "head": {"sha": HEAD}}}))
    return run_acorn("github", "review", "--plan", "plan.json", *extra, cwd=tmp_path, env={
        "GITHUB_API_URL": url, "GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": REPO_NAME,
        "GITHUB_EVENT_PATH": str(event), "ACORN_TODAY": "2026-12-07"})


def test_each_push_replaces_acorns_review_and_leaves_others_alone(pr, tmp_path: Path, run_acorn) -> None:
    state = PullRequestState(files=[{"filename": TEMPLATE, "status": "modified", "patch": pr.patch}])
    old = state.add_review(f"{MARKER}\nold findings", "CHANGES_REQUESTED")
    state.comments[1] = {"review_id": old, "path": TEMPLATE, "line": pr.bad_line, "body": "old"}
    human = state.add_review("looks good to me", "COMMENTED", user="octocat")
    with github_standin(state, REPO_NAME, NUMBER) as url:
        first = run_review(run_acorn, tmp_path, url, "--sarif-out", "findings.sarif")
        assert first.code == 0, first.err
        assert "review: 1 comment(s) on changed lines" in first.out and "1 earlier review(s) superseded" in first.out
        assert state.reviews[old]["state"] == "DISMISSED"  # it requested changes: dismissed
        assert state.reviews[old]["body"].startswith(SUPERSEDED_MARKER)
        assert 1 not in state.comments  # its line comment is gone
        assert state.reviews[human]["body"] == "looks good to me"
        [current] = [r for r in state.reviews.values() if r["body"].startswith(MARKER)]
        assert [(c["path"], c["line"]) for c in state.comments.values()] == [(TEMPLATE, pr.bad_line)]
        # the SARIF result points at the same line as the comment
        sarif = json.loads((tmp_path / "findings.sarif").read_text())
        errors = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "TAX_NUMBER_INVALID"]
        assert [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                 r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in errors] == [
            (TEMPLATE, pr.bad_line)]

        second = run_review(run_acorn, tmp_path, url)  # the next push
        assert second.code == 0, second.err
    assert state.reviews[current["id"]]["body"].startswith(SUPERSEDED_MARKER)
    assert state.reviews[current["id"]]["state"] == "COMMENTED"  # a comment review is not dismissed
    ours = [r for r in state.reviews.values() if r["body"].startswith(MARKER)]
    assert len(ours) == 1 and len(state.comments) == 1
    methods = [(m, p.rsplit("/", 2)[-2:]) for m, p, _ in state.requests if m != "GET"]
    assert ("PUT", [str(old), "dismissals"]) in methods
    assert TOKEN not in first.out + first.err + second.out + second.err


def test_github_refuses_a_comment_outside_the_diff_so_acorn_never_sends_one(pr, tmp_path: Path, run_acorn) -> None:
    """The PR changes another file only: every finding stays in the sticky comment, no review is posted."""
    state = PullRequestState(files=[{"filename": "README.md", "status": "modified", "patch": "@@ -1 +1 @@\n-a\n+b"}])
    with github_standin(state, REPO_NAME, NUMBER) as url:
        result = run_review(run_acorn, tmp_path, url)
    assert result.code == 0, result.err
    assert "review: 0 comment(s) on changed lines; 2 finding(s) outside the diff" in result.out
    assert not any(m == "POST" for m, _, _ in state.requests)


def test_the_workflow_path_builds_every_call_read_only_and_another_job_sends_them(pr, tmp_path: Path,
                                                                                 run_acorn) -> None:
    """The plan job (read-only token) writes the calls; the review job (pull-requests: write,
    no repository code) sends them as they are. Sent to the stand-in, GitHub's schemas accept them."""
    import httpx

    state = PullRequestState(files=[{"filename": TEMPLATE, "status": "modified", "patch": pr.patch}])
    old = state.add_review(f"{MARKER}\nold", "COMMENTED")
    with github_standin(state, REPO_NAME, NUMBER) as url:
        built = run_review(run_acorn, tmp_path, url, "--dry-run", "--requests-out", "requests.json")
        assert built.code == 0, built.err
        assert {m for m, _, _ in state.requests} == {"GET"}  # nothing sent
        calls = json.loads((tmp_path / "requests.json").read_text())
        assert [(c["method"], c["path"]) for c in calls] == [
            ("PUT", f"/repos/{REPO_NAME}/pulls/{NUMBER}/reviews/{old}"),
            ("POST", f"/repos/{REPO_NAME}/pulls/{NUMBER}/reviews")]
        with httpx.Client(base_url=url, headers={"Authorization": "Bearer t"}) as http:
            for c in calls:
                assert http.request(c["method"], c["path"], json=c["body"]).status_code == 200
    assert state.reviews[old]["body"].startswith(SUPERSEDED_MARKER)
    assert [(c["path"], c["line"]) for c in state.comments.values()] == [(TEMPLATE, pr.bad_line)]
