"""The github-script steps of the workflows, run under Node with a fake GitHub API: the
sticky comment and the drift issue are found by marker AND the bot's own author, and a long
report is cut at a whole entity section within GitHub's 65,536-character limit."""

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
const state = JSON.parse(process.env.STATE);
const calls = [];
const record = name => async args => { calls.push([name, args]); return {data: {}}; };
const github = {
  paginate: async (list, args) => list(args),
  rest: {
    issues: {
      listForRepo: async () => state.issues,
      listComments: async () => state.comments,
      create: record('create'), update: record('update'),
      createComment: record('createComment'), updateComment: record('updateComment'),
    },
  },
};
const context = {repo: {owner: 'o', repo: 'r'}, issue: {number: 7}, runId: 1, serverUrl: 'https://github.com'};
const core = {setFailed: m => calls.push(['setFailed', m]), info: () => {}, setOutput: () => {}};
(async () => {
SCRIPT
})().then(() => console.log(JSON.stringify(calls)), e => { console.error(e); process.exit(1); });
"""

BOT = {"login": "github-actions[bot]", "type": "Bot"}
HUMAN = {"login": "mallory", "type": "User"}


def _script(workflow: str, job: str) -> str:
    flow = yaml.safe_load((REPO / ".github" / "workflows" / workflow).read_text())
    return next(s["with"]["script"] for s in flow["jobs"][job]["steps"] if "script" in s.get("with", {}))


def _run(tmp_path: Path, script: str, state: dict, files: dict[str, str], env: dict[str, str] | None = None) -> list:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "run.js").write_text(HARNESS.replace("SCRIPT", script))
    proc = subprocess.run(["node", "run.js"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={"STATE": json.dumps(state), "PATH": "/usr/bin:/bin", **(env or {})})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _long_report(sections: int) -> str:
    body = "x" * 990
    return "**Plan: …**\n\n" + "".join(
        f"<details><summary>entity-{i}</summary>\n\n{body}\n\n</details>\n\n" for i in range(sections))


def test_the_plan_comment_updates_only_the_bots_own_and_is_cut_at_a_whole_section(tmp_path: Path) -> None:
    script = _script("plan.yml", "comment")
    spoof = {"id": 1, "user": HUMAN, "body": "<!-- acorn-plan -->\nfake plan"}
    ours = {"id": 2, "user": BOT, "body": "<!-- acorn-plan -->\nold plan"}
    calls = _run(tmp_path, script, {"issues": [], "comments": [spoof, ours]},
                 {"acorn-plan/plan.md": _long_report(100)})
    ((name, args),) = calls
    assert name == "updateComment" and args["comment_id"] == 2
    body = args["body"]
    assert len(body) <= 65536 and body.count("<details>") == body.count("</details>")
    assert "whole plan is in the `acorn-plan` artifact" in body
    calls = _run(tmp_path, script, {"issues": [], "comments": [spoof]}, {"acorn-plan/plan.md": "short"})
    assert [c[0] for c in calls] == ["createComment"]  # a human's marker is never taken over


def _long_triage(rows: int) -> str:
    head = ("### `x` MISSING_TAX_REGISTRATION · blocked · %d\n\n"
            "| entity | marketplace | registration | detail |\n|:--|:--|:--|:--|\n") % rows
    return "**Drift: …**\n\n" + head + "".join(f"| entity-{i} | FR |  | {'y' * 200} |\n" for i in range(rows))


def test_the_drift_issue_is_cut_within_githubs_limit_and_matched_by_author(tmp_path: Path) -> None:
    script = _script("drift.yml", "issue")
    spoof = {"number": 3, "title": "acorn: live state has drifted from desired", "user": HUMAN,
             "body": "<!-- acorn-drift -->\nfake"}
    ours = {"number": 4, "title": "acorn: live state has drifted from desired", "user": BOT,
            "body": "<!-- acorn-drift -->\nold"}
    calls = _run(tmp_path, script, {"issues": [spoof, ours], "comments": []},
                 {"acorn-drift/drift.md": _long_triage(400)}, {"CODE": "2"})
    ((name, args),) = calls
    assert name == "update" and args["issue_number"] == 4
    body = args["body"]
    assert len(body) <= 65536 and body.startswith("<!-- acorn-drift -->\n")
    rows = [line for line in body.splitlines() if line.startswith("| entity-")]
    assert 100 < len(rows) < 400 and all(line.endswith(" |") for line in rows)  # whole rows only
    assert "the whole report is in the `acorn-drift` artifact" in body
    calls = _run(tmp_path, script, {"issues": [spoof], "comments": []}, {"acorn-drift/drift.md": "errors: …"},
                 {"CODE": "1"})
    assert [c[0] for c in calls] == ["create"]  # unreadable sellers still open the issue
    calls = _run(tmp_path, script, {"issues": [spoof, ours], "comments": []}, {"acorn-drift/drift.md": ""},
                 {"CODE": "0"})
    assert [(c[0], c[1].get("issue_number")) for c in calls] == [("createComment", 4), ("update", 4)]


def test_grouped_drift_keeps_one_issue_per_label_value(tmp_path: Path) -> None:
    script = _script("drift.yml", "issue")
    emea = {"number": 5, "title": "acorn drift: team=emea", "user": BOT, "body": "<!-- acorn-drift -->\nold"}
    apac = {"number": 6, "title": "acorn drift: team=apac", "user": BOT, "body": "<!-- acorn-drift -->\nold"}
    calls = _run(tmp_path, script, {"issues": [emea, apac], "comments": []},
                 {"acorn-drift/drift.md": "all", "acorn-drift/groups/team=emea.md": "emea drift",
                  "acorn-drift/groups/team=amer.md": "amer drift"}, {"CODE": "2"})
    done = sorted((c[0], c[1].get("issue_number"), c[1].get("title")) for c in calls)
    assert done == [("create", None, "acorn drift: team=amer"), ("createComment", 6, None),
                    ("update", 5, None), ("update", 6, None)]


CHANGES_HARNESS = """
const state = JSON.parse(process.env.STATE);
const outputs = {};
const github = {
  paginate: async (list, args) => list(args),
  rest: {pulls: {listFiles: async () => { if (state.fail) throw new Error('boom'); return state.files; }}},
};
const context = {repo: {owner: 'o', repo: 'r'}, issue: {number: 7}};
const core = {setOutput: (k, v) => { outputs[k] = v; }, info: () => {}, warning: () => {}};
(async () => {
SCRIPT
})().then(() => console.log(JSON.stringify(outputs)), e => { console.error(e); process.exit(1); });
"""


@pytest.mark.parametrize("files, fail, acorn, settings", [
    (["README.md", ".github/dependabot.yml"], False, "false", "false"),  # nothing acorn reads: plan skipped
    (["desired/entities/a.yaml"], False, "true", "false"),
    (["acorn.yaml"], False, "true", "true"),  # new settings: planned offline with them
    (["docs/x.md", ".github/workflows/plan.yml"], False, "true", "false"),
    ([], True, "true", "false"),  # the files cannot be listed: plan with the base settings, never a default green
])
def test_the_plan_runs_only_when_the_pull_request_changes_what_acorn_reads(
        tmp_path: Path, files: list[str], fail: bool, acorn: str, settings: str) -> None:
    flow = yaml.safe_load((REPO / ".github" / "workflows" / "plan.yml").read_text())
    step = flow["jobs"]["changes"]["steps"][0]
    (tmp_path / "run.js").write_text(CHANGES_HARNESS.replace("SCRIPT", step["with"]["script"]))
    state = {"files": [{"filename": f} for f in files], "fail": fail}
    env = {"STATE": json.dumps(state), "PATH": "/usr/bin:/bin", **step["env"]}
    proc = subprocess.run(["node", "run.js"], cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"acorn": acorn, "settings": settings}
