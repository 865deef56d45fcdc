"""The plan workflow's review job, run under Node with a recording `github.request`: it sends
the calls acorn built, in order, and refuses any call that is not a review call of this pull
request (another pull request, another endpoint, a `..` path) before sending it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests import REPO

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

HARNESS = """
const calls = [];
const github = {request: async (route, params) => { calls.push(['request', route, params]); return {data: {}}; }};
const context = {repo: {owner: 'o', repo: 'r'}, issue: {number: 7}};
const core = {setFailed: m => calls.push(['setFailed', m]), info: m => calls.push(['info', m])};
(async () => {
SCRIPT
})().then(() => console.log(JSON.stringify(calls)), e => { console.error(e); process.exit(1); });
"""


def review_script() -> str:
    flow = yaml.safe_load((REPO / ".github" / "workflows" / "plan.yml").read_text())
    return next(s["with"]["script"] for s in flow["jobs"]["review"]["steps"] if "script" in s.get("with", {}))


def run(tmp_path: Path, calls: list | None) -> list:
    if calls is not None:
        (tmp_path / "acorn-plan").mkdir()
        (tmp_path / "acorn-plan" / "review-requests.json").write_text(json.dumps(calls))
    (tmp_path / "run.js").write_text(HARNESS.replace("SCRIPT", review_script()))
    proc = subprocess.run(["node", "run.js"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_the_calls_are_sent_in_order(tmp_path: Path) -> None:
    calls = [{"method": "DELETE", "path": "/repos/o/r/pulls/comments/5", "body": None},
             {"method": "PUT", "path": "/repos/o/r/pulls/7/reviews/3", "body": {"body": "superseded"}},
             {"method": "POST", "path": "/repos/o/r/pulls/7/reviews", "body": {"event": "COMMENT", "comments": []}}]
    assert run(tmp_path, calls) == [
        ["request", "DELETE /repos/o/r/pulls/comments/5", {}],
        ["request", "PUT /repos/o/r/pulls/7/reviews/3", {"body": "superseded"}],
        ["request", "POST /repos/o/r/pulls/7/reviews", {"event": "COMMENT", "comments": []}]]


@pytest.mark.parametrize("call", [
    {"method": "POST", "path": "/repos/o/r/pulls/8/reviews", "body": {}},  # another pull request
    {"method": "POST", "path": "/repos/o/r/issues/7/comments", "body": {}},  # another endpoint
    {"method": "PUT", "path": "/repos/o/r/pulls/7/reviews/../../merge", "body": {}},
    {"method": "PATCH", "path": "/repos/o/r/pulls/7/reviews/3", "body": {}},
    {"method": "POST", "path": "/repos/x/r/pulls/7/reviews", "body": {}},  # another repository
])
def test_anything_else_is_refused_before_sending(tmp_path: Path, call: dict) -> None:
    ok = {"method": "PUT", "path": "/repos/o/r/pulls/7/reviews/3", "body": {"body": "x"}}
    recorded = run(tmp_path, [call, ok])
    assert [c[0] for c in recorded] == ["setFailed"] and "not a review call of this pull request" in recorded[0][1]


def test_no_calls_when_no_review_was_built(tmp_path: Path) -> None:
    assert [c[0] for c in run(tmp_path, None)] == ["info"]
