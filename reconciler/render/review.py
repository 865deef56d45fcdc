"""A pull-request review of findings: comments on the lines the pull request changes, for
GitHub's `POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews` (docs/pull-requests.md).

Pure: findings come as SARIF logs (render/sarif.py, or any tool's), the pull request's
changes as its files' patches (the pull-request files API's `patch`, or a unified diff).
A finding on a line the pull request adds gets a review comment there; every other finding
stays in the plan's sticky comment, and the review's body counts them. Bodies carry a marker
so that the next push finds acorn's review again, to supersede it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import escape_markdown

MARKER = "<!-- acorn-review -->"
SUPERSEDED_MARKER = "<!-- acorn-review superseded -->"
MAX_COMMENTS = 50  # one review; the rest are counted in its body
MAX_BODY = 60_000  # GitHub refuses a body over 65,536 characters
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
_FILE = re.compile(r"^\+\+\+ (?:b/)?([^\t]*?)\s*(?:\t.*)?$")


def added_lines(patch: str) -> set[int]:
    """The lines (of the new file) a patch adds: where a review comment lands on a change."""
    out: set[int] = set()
    line = 0
    for text in patch.splitlines():
        hunk = _HUNK.match(text)
        if hunk:
            line = int(hunk.group(1))
        elif text.startswith("+") and not text.startswith("+++"):
            out.add(line)
            line += 1
        elif text.startswith(" ") or text == "":
            line += 1
        # "-" lines and "\ No newline at end of file" do not move the new file's count
    return out


def diff_lines(diff: str) -> dict[str, set[int]]:
    """A unified diff (`git diff`) -> the added lines of each file it changes."""
    out: dict[str, set[int]] = {}
    path: str | None = None
    chunk: list[str] = []
    for text in diff.splitlines():
        found = _FILE.match(text)
        if found:
            if path is not None:
                out[path] = added_lines("\n".join(chunk))
            path, chunk = found.group(1), []
        elif path is not None and not text.startswith(("diff --git", "--- ", "index ")):
            chunk.append(text)
    if path is not None:
        out[path] = added_lines("\n".join(chunk))
    return {p: lines for p, lines in out.items() if p != "/dev/null"}


def files_lines(files: Iterable[Mapping[str, Any]]) -> dict[str, set[int]]:
    """The pull-request files API's entries (`filename`, `status`, `patch`) -> added lines."""
    return {f["filename"]: added_lines(f.get("patch") or "") for f in files if f.get("status") != "removed"}


@dataclass(frozen=True)
class Result:
    """One SARIF result, as a review needs it."""

    path: str
    line: int
    rule: str
    level: str
    text: str
    action: str


def results(logs: Iterable[Mapping[str, Any]]) -> list[Result]:
    """Every located result of the logs, once (the same rule, line and text from two logs is one)."""
    seen: dict[tuple[str, int, str, str], Result] = {}
    for log in logs:
        for run in log.get("runs", []):
            rules = run.get("tool", {}).get("driver", {}).get("rules", [])
            helps = {r.get("id"): r.get("help", {}).get("text", "") for r in rules}
            for r in run.get("results", []):
                where = (r.get("locations") or [{}])[0].get("physicalLocation", {})
                uri = where.get("artifactLocation", {}).get("uri")
                line = where.get("region", {}).get("startLine")
                if not uri or not isinstance(line, int):
                    continue
                rule = r.get("ruleId", "")
                text = r.get("message", {}).get("text", "")
                key = (uri, line, rule, text)
                seen.setdefault(key, Result(uri, line, rule, r.get("level", "warning"), text, helps.get(rule, "")))
    return list(seen.values())


def _comment_body(found: Sequence[Result]) -> str:
    parts = []
    for r in found:
        action = f"\n\n*What to do:* {escape_markdown(r.action)}" if r.action else ""
        parts.append(f"**acorn** · `{escape_markdown(r.rule)}` · {escape_markdown(r.level)}\n\n"
                     f"{escape_markdown(r.text)}" + action)
    return "\n\n---\n\n".join(parts)


def review_request(found: Sequence[Result], changed: Mapping[str, set[int]], commit_id: str | None,
                   details: str = "the plan comment") -> tuple[dict[str, Any], int]:
    """The body of `POST .../pulls/{pull_number}/reviews` (event COMMENT) and how many findings
    it leaves to the sticky comment (on lines the pull request does not add)."""
    on_line: dict[tuple[str, int], list[Result]] = {}
    outside = 0
    for r in found:
        if r.line in changed.get(r.path, set()):
            on_line.setdefault((r.path, r.line), []).append(r)
        else:
            outside += 1
    places = sorted(on_line)
    kept, dropped = places[:MAX_COMMENTS], places[MAX_COMMENTS:]
    outside += sum(len(on_line[p]) for p in dropped)
    comments = [{"path": path, "line": line, "side": "RIGHT", "body": _comment_body(on_line[(path, line)])}
                for path, line in kept]
    inside = sum(len(on_line[p]) for p in kept)
    errors = sum(1 for p in kept for r in on_line[p] if r.level == "error")
    body = (f"{MARKER}\n**acorn** found {inside} finding{'s' * (inside != 1)} on the lines this pull request "
            f"changes ({errors} error{'s' * (errors != 1)}), as comments on those lines.")
    if outside:
        body += (f" {outside} more finding{'s' * (outside != 1)} {'are' if outside != 1 else 'is'} on lines it "
                 f"does not change: see {details}.")
    request: dict[str, Any] = {"body": body[:MAX_BODY], "event": "COMMENT", "comments": comments}
    if commit_id:
        request["commit_id"] = commit_id
    return request, outside


def is_ours(review: Mapping[str, Any], login: str) -> bool:
    """acorn's own current review: the marker at the start, written by `login` (the workflow's bot)."""
    user = review.get("user") or {}
    body = review.get("body") or ""
    return user.get("login") == login and body.startswith(MARKER) and review.get("state") != "DISMISSED"


def superseded(commit_id: str | None) -> dict[str, Any]:
    """The body of `PUT .../reviews/{review_id}`: the old review points at the new one."""
    at = f" at {commit_id[:12]}" if commit_id else ""
    return {"body": f"{SUPERSEDED_MARKER}\n*Superseded by acorn's review of the latest push{at}.*"}


def dismissal(commit_id: str | None) -> dict[str, Any]:
    """The body of `PUT .../reviews/{review_id}/dismissals` (for a review that requested changes)."""
    at = f" ({commit_id[:12]})" if commit_id else ""
    return {"message": f"Superseded by acorn's review of the latest push{at}.", "event": "DISMISS"}


def requests(repository: str, number: int, create: Mapping[str, Any],
             previous: Sequence[tuple[Mapping[str, Any], Sequence[int]]],
             commit_id: str | None) -> list[dict[str, Any]]:
    """Every call that replaces acorn's earlier reviews with `create`, in order, as
    {method, path, body}: for each earlier review (with its line comments' ids), a dismissal when
    it requested changes, the deletion of its comments, and its body pointing at the new one;
    then the new review, when it has comments (else the findings are all in the sticky comment)."""
    pulls = f"/repos/{repository}/pulls"
    out: list[dict[str, Any]] = []
    for old, comment_ids in previous:
        at = f"{pulls}/{number}/reviews/{old['id']}"
        if old.get("state") == "CHANGES_REQUESTED":
            out.append({"method": "PUT", "path": f"{at}/dismissals", "body": dismissal(commit_id)})
        out += [{"method": "DELETE", "path": f"{pulls}/comments/{cid}", "body": None} for cid in comment_ids]
        out.append({"method": "PUT", "path": at, "body": superseded(commit_id)})
    if create.get("comments"):
        out.append({"method": "POST", "path": f"{pulls}/{number}/reviews", "body": dict(create)})
    return out
