"""`acorn github review`: findings as a pull-request review, with comments on the changed lines.

The findings are a saved plan's (`--plan plan.json`, located in the desired tree) and any SARIF
logs (`--sarif`, e.g. `acorn validate --format sarif`); the pull request's changes are its
files' patches (GitHub's files API) or a unified diff (`--diff`). The request bodies are built
by render/review.py; `--dry-run` prints the review's body instead of sending it. Sending
supersedes acorn's previous review of the pull request: its body is replaced by a pointer to
the new one, its line comments are deleted, and a review that requested changes is dismissed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..client.github import GitHub
from ..desired.loader import load_desired
from ..desired.safefile import UnreadableFile, read_text
from ..errors import ConfigError, PlanFileError
from ..render import review
from ..render.findings import plan_findings
from ..render.sarif import sarif
from .apply import read_saved_plan
from .findings import locator, places
from .helptext import FullHelpGroup
from .planning import emit
from .workspace import Workspace, repository_paths, today, tree_options, workspace

SARIF_BYTES = 50 * 1024 * 1024
DEFAULT_API = "https://api.github.com"


@click.group("github", cls=FullHelpGroup)
def command() -> None:
    """Findings where reviewers read them: a pull-request review on the changed lines."""


def _event(ws: Workspace) -> dict[str, Any]:
    """The pull_request event of the workflow run (GITHUB_EVENT_PATH), when there is one."""
    path = ws.env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        event = json.loads(read_text(path, SARIF_BYTES))
    except (UnreadableFile, ValueError):
        return {}
    pull = event.get("pull_request") if isinstance(event, dict) else None
    return pull if isinstance(pull, dict) else {}


def _read_json(path: str, what: str) -> Any:
    try:
        return json.loads(read_text(path, SARIF_BYTES))
    except UnreadableFile as exc:
        raise ConfigError(f"the {what} {path} {exc.why}") from None
    except ValueError as exc:
        raise ConfigError(f"the {what} {path} is not JSON: {exc}") from None


def _logs(ws: Workspace, plan_file: str | None, sarif_files: tuple[str, ...]) -> list[dict[str, Any]]:
    """The findings as SARIF logs: the saved plan's (located in the tree), then each --sarif."""
    logs = []
    if plan_file:
        saved = read_saved_plan(Path(plan_file))
        desired = load_desired(ws.desired, ws.settings.max_file_bytes)
        if saved.desired_digest != desired.digest:
            raise PlanFileError(f"the saved plan was made from desired state {saved.desired_digest[:12]}, not from "
                                f"this tree ({desired.digest[:12]}): its lines would not match")
        where = places(ws, desired.entities, today(ws.env, saved.generated_at))  # the plan's day
        logs.append(sarif(plan_findings(saved, desired.entities, locator(ws), where), repository_paths(ws)))
    logs += [_read_json(f, "SARIF file") for f in sarif_files]
    return logs


@command.command("review")
@tree_options
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False), help="A saved plan (`acorn plan --out`).")
@click.option("--sarif", "sarif_files", multiple=True, type=click.Path(dir_okay=False),
              help="A SARIF log of more findings (repeatable), e.g. from `acorn validate --format sarif`.")
@click.option("--diff", "diff_file", type=click.Path(dir_okay=False),
              help="The pull request's unified diff (default: its files' patches, read from GitHub).")
@click.option("--repo", metavar="OWNER/NAME", help="The repository (default $GITHUB_REPOSITORY).")
@click.option("--pr", "number", type=click.IntRange(1), help="The pull request (default: the workflow's event).")
@click.option("--commit", metavar="SHA", help="The head commit reviewed (default: the workflow's event).")
@click.option("--login", default="github-actions[bot]", show_default=True,
              help="Whose earlier review is acorn's (it is superseded).")
@click.option("--sarif-out", type=click.Path(dir_okay=False), help="Also write every finding as SARIF here.")
@click.option("--requests-out", type=click.Path(dir_okay=False),
              help="Also write every call that replaces the review, as JSON [{method, path, body}].")
@click.option("--dry-run", is_flag=True, help="Print the review's request body; send nothing (GitHub is only read).")
def review_command(desired, config, plan_file, sarif_files, diff_file, repo, number, commit, login, sarif_out,
                   requests_out, dry_run) -> int:
    """Post the findings as a review with comments on the pull request's changed lines."""
    if not plan_file and not sarif_files:
        raise click.UsageError("give --plan PLAN_JSON and/or --sarif FILE: the findings to review")
    ws = workspace(desired, config, offline=True)
    event = _event(ws)
    logs = _logs(ws, plan_file, sarif_files)
    if sarif_out:
        merged = {**logs[0], "runs": [run for log in logs for run in log.get("runs", [])]}
        emit(json.dumps(merged, indent=2, ensure_ascii=False), sarif_out, "the findings as SARIF")
    found = review.results(logs)
    commit = commit or (event.get("head") or {}).get("sha")
    if diff_file is not None and dry_run:  # nothing to fetch, nothing to send
        body, _ = review.review_request(found, review.diff_lines(_text(diff_file)), commit)
        click.echo(json.dumps(body, indent=2, ensure_ascii=False))
        return 0
    return _with_github(ws, event, found, diff_file, (repo, number, commit, login), requests_out, dry_run)


def _text(path: str) -> str:
    try:
        return read_text(path, SARIF_BYTES)
    except UnreadableFile as exc:
        raise ConfigError(f"the diff {path} {exc.why}") from None


def _with_github(ws: Workspace, event: dict[str, Any], found: list[review.Result], diff_file: str | None,
                 target: tuple[str | None, int | None, str | None, str], requests_out: str | None,
                 dry_run: bool) -> int:
    repo, number, commit, login = target
    repo = repo or ws.env.get("GITHUB_REPOSITORY")
    number = number or event.get("number")
    token = ws.env.get("GITHUB_TOKEN")
    if not repo or not number:
        raise ConfigError("which pull request? give --repo OWNER/NAME and --pr N (in a workflow: the "
                          "pull_request event gives them)")
    if not token:
        raise ConfigError("GITHUB_TOKEN is not set: GitHub is read (and the review posted) with it")
    with GitHub(ws.env.get("GITHUB_API_URL") or DEFAULT_API, token, repo) as gh:
        changed = review.diff_lines(_text(diff_file)) if diff_file is not None else \
            review.files_lines(gh.pull_files(number))
        body, outside = review.review_request(found, changed, commit)
        previous = [(r, [c["id"] for c in gh.review_comments(number, r["id"])])
                    for r in gh.reviews(number) if review.is_ours(r, login)]
        calls = review.requests(repo, number, body, previous, commit)
        if requests_out:
            emit(json.dumps(calls, indent=2, ensure_ascii=False), requests_out, "the review's requests")
        if dry_run:
            click.echo(json.dumps(body, indent=2, ensure_ascii=False))
            return 0
        answers = [gh.send(c["method"], c["path"], c["body"]) for c in calls]
    posted = answers[-1] if body["comments"] and answers else None
    where = f" (review {posted.get('id')})" if isinstance(posted, dict) else ""
    click.echo(f"review: {len(body['comments'])} comment(s) on changed lines{where}; {outside} finding(s) "
               f"outside the diff stay in the plan comment; {len(previous)} earlier review(s) superseded")
    return 0
