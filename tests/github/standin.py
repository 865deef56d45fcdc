"""A stand-in for GitHub's pull-request endpoints on 127.0.0.1, for `acorn github review`.

It plays the calls acorn makes (files, reviews, review comments, dismissals) over real HTTP,
checks every request body against the schemas extracted from GitHub's published OpenAPI
description (rest-api-pulls-reviews.json) and, like GitHub, refuses (422) a review comment on
a line that is not part of the pull request's diff, and a request without a bearer token."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema

OPENAPI = json.loads((Path(__file__).parent / "rest-api-pulls-reviews.json").read_text())["operations"]


def schema(operation: str) -> dict:
    return OPENAPI[operation]["requestBody"]


def diff_side_lines(patch: str) -> set[int]:
    """Lines of the new file that appear in the patch (added or context): where GitHub accepts a comment."""
    out, line = set(), 0
    for text in patch.splitlines():
        hunk = re.match(r"^@@ -\d+(?:,\d+)? \+(\d+)", text)
        if hunk:
            line = int(hunk.group(1))
        elif text.startswith(("+", " ")) or text == "":
            out.add(line)
            line += 1
    return out


@dataclass
class PullRequestState:
    files: list[dict] = field(default_factory=list)
    reviews: dict[int, dict] = field(default_factory=dict)
    comments: dict[int, dict] = field(default_factory=dict)  # id -> {review_id, path, line, body}
    requests: list[tuple[str, str, Any]] = field(default_factory=list)  # (method, path, body)
    next_id: int = 100
    bot: str = "github-actions[bot]"

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def add_review(self, body: str, state: str, user: str | None = None) -> int:
        rid = self.new_id()
        self.reviews[rid] = {"id": rid, "body": body, "state": state,
                             "user": {"login": user or self.bot, "type": "Bot"}}
        return rid


class _Handler(BaseHTTPRequestHandler):
    pr: PullRequestState
    repo: str
    base: str

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, payload: Any = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length)) if length else None

    def _route(self, method: str) -> None:
        if not (self.headers.get("Authorization") or "").startswith("Bearer "):
            return self._send(401, {"message": "Requires authentication"})
        path, _, query = self.path.partition("?")
        body = self._body() if method in ("POST", "PUT") else None
        self.pr.requests.append((method, path, body))
        page = int(dict(p.split("=") for p in query.split("&") if "=" in p).get("page", "1"))
        routes = [
            ("GET", rf"^{self.base}/files$", lambda m: self._send(200, self.pr.files if page == 1 else [])),
            ("GET", rf"^{self.base}/reviews$",
             lambda m: self._send(200, list(self.pr.reviews.values()) if page == 1 else [])),
            ("GET", rf"^{self.base}/reviews/(\d+)/comments$", lambda m: self._send(200, [
                {"id": cid, **c} for cid, c in self.pr.comments.items()
                if c["review_id"] == int(m.group(1))] if page == 1 else [])),
            ("POST", rf"^{self.base}/reviews$", lambda m: self._create(body)),
            ("PUT", rf"^{self.base}/reviews/(\d+)$", lambda m: self._update(int(m.group(1)), body)),
            ("PUT", rf"^{self.base}/reviews/(\d+)/dismissals$", lambda m: self._dismiss(int(m.group(1)), body)),
            ("DELETE", rf"^/repos/{self.repo}/pulls/comments/(\d+)$", lambda m: self._delete(int(m.group(1)))),
        ]
        for verb, pattern, act in routes:
            found = re.match(pattern, path)
            if verb == method and found:
                return act(found)
        return self._send(404, {"message": "Not Found"})

    def _valid(self, operation: str, body: Any) -> bool:
        try:
            jsonschema.validate(body, schema(operation))
        except jsonschema.ValidationError as exc:
            self._send(422, {"message": f"Invalid request: {exc.message}"})
            return False
        return True

    def _create(self, body: Any) -> None:
        if not self._valid("pulls/create-review", body):
            return
        patches = {f["filename"]: diff_side_lines(f.get("patch", "")) for f in self.pr.files}
        for c in body.get("comments", []):
            if c.get("line") not in patches.get(c["path"], set()):
                return self._send(422, {"message": "Unprocessable Entity: Line could not be resolved"})
        rid = self.pr.add_review(body.get("body", ""), {"COMMENT": "COMMENTED", "REQUEST_CHANGES":
                                                  "CHANGES_REQUESTED"}.get(body.get("event"), "PENDING"))
        for c in body.get("comments", []):
            self.pr.comments[self.pr.new_id()] = {"review_id": rid, "path": c["path"], "line": c["line"],
                                                  "body": c["body"]}
        self._send(200, self.pr.reviews[rid])

    def _update(self, rid: int, body: Any) -> None:
        if rid not in self.pr.reviews:
            return self._send(404, {"message": "Not Found"})
        if self._valid("pulls/update-review", body):
            self.pr.reviews[rid]["body"] = body["body"]
            self._send(200, self.pr.reviews[rid])

    def _dismiss(self, rid: int, body: Any) -> None:
        if rid not in self.pr.reviews:
            return self._send(404, {"message": "Not Found"})
        if self.pr.reviews[rid]["state"] == "COMMENTED":  # GitHub: a comment review cannot be dismissed
            return self._send(422, {"message": "Can not dismiss a commented pull request review"})
        if self._valid("pulls/dismiss-review", body):
            self.pr.reviews[rid]["state"] = "DISMISSED"
            self._send(200, self.pr.reviews[rid])

    def _delete(self, cid: int) -> None:
        if self.pr.comments.pop(cid, None) is None:
            return self._send(404, {"message": "Not Found"})
        self._send(204)

    def do_GET(self) -> None:  # noqa: N802
        self._route("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._route("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._route("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._route("DELETE")



def _handler(pr: PullRequestState, repo: str, number: int) -> type[BaseHTTPRequestHandler]:
    return type("Handler", (_Handler,), {"pr": pr, "repo": repo, "base": f"/repos/{repo}/pulls/{number}"})


@contextmanager
def github_standin(pr: PullRequestState, repo: str, number: int) -> Iterator[str]:
    """Serves `pr` for `repo`'s pull request `number`; yields the API base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(pr, repo, number))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
