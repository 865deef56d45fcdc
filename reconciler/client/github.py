"""GitHub's REST API, the few calls a pull-request review needs (docs/pull-requests.md).

    GET    /repos/{owner}/{repo}/pulls/{pull_number}/files                      the PR's patches
    GET    /repos/{owner}/{repo}/pulls/{pull_number}/reviews                    acorn's earlier review
    GET    /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments
    POST   /repos/{owner}/{repo}/pulls/{pull_number}/reviews                    the new review
    PUT    /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}        supersede the old body
    PUT    /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/dismissals
    DELETE /repos/{owner}/{repo}/pulls/comments/{comment_id}                    the old line comments

The token (GITHUB_TOKEN) is sent as a bearer header and never appears in an error. The
request bodies are built by render/review.py; this only carries them.
"""

from __future__ import annotations

from typing import Any

import httpx

from ..errors import ApiError

API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_PAGES = 30  # the files API lists at most 3,000 files


class GitHub:
    """A synchronous client of one repository; `transport` lets tests plug in."""

    def __init__(self, api_url: str, token: str, repository: str,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.repository = repository
        self._http = httpx.Client(base_url=api_url.rstrip("/"), timeout=30.0, transport=transport, headers={
            "Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION, "User-Agent": "acorn-reconciler"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, method: str, path: str, body: Any = None) -> Any:
        """One call of render/review.py's requests: `path` is the whole path, from /repos/."""
        prefix = f"/repos/{self.repository}/pulls/"
        if not path.startswith(prefix):
            raise ApiError(f"refusing {method} {path}: not a pull-request path of {self.repository}")
        return self._call(method, path.removeprefix(f"/repos/{self.repository}"),
                          **({"json": body} if body is not None else {}))

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        where = f"/repos/{self.repository}{path}"
        try:
            response = self._http.request(method, where, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiError(f"GitHub {method} {where} could not be reached: {type(exc).__name__}") from None
        if response.status_code >= 400:
            try:
                message = str(response.json().get("message", ""))[:300]
            except ValueError:
                message = ""
            raise ApiError(f"GitHub {method} {where} answered {response.status_code}"
                           + (f": {message}" if message else ""), status=response.status_code)
        return response.json() if response.content else None

    def _pages(self, path: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            items = self._call("GET", path, params={"per_page": PER_PAGE, "page": page})
            out += items
            if len(items) < PER_PAGE:
                break
        return out

    def pull_files(self, number: int) -> list[dict[str, Any]]:
        return self._pages(f"/pulls/{number}/files")

    def reviews(self, number: int) -> list[dict[str, Any]]:
        return self._pages(f"/pulls/{number}/reviews")

    def review_comments(self, number: int, review_id: int) -> list[dict[str, Any]]:
        return self._pages(f"/pulls/{number}/reviews/{review_id}/comments")
