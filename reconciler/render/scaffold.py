"""What `acorn init` writes into a repository (pure: names in, file texts out).

The workflows call acorn's GitHub Action pinned by full commit SHA, with the release's tag in
a comment; the pre-commit hook is pinned the same way. Both come from the installed release
(`reconciler.release`), never from a constant here. The example entity and acorn.yaml point
their `$schema` at copies of acorn's JSON Schemas written beside them (schemas/), so editors
validate them with no network and no path into acorn's own repository.

Each file is of one kind: `managed` (workflows, pre-commit config, schemas: marked with the
version and hash that wrote them, kept current by `acorn init --upgrade` while unedited),
`user` (acorn.yaml, the example entity, the IAM examples: written once, then the user's) or
`gitignore` (lines appended when missing). Paths are relative to the git repository's root:
GitHub and pre-commit look there, while acorn's own files go in acorn's folder (`Layout`).
The templates use [[ ]] and [% %] so that GitHub's ${{ }} passes through untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import jinja2

from . import managed

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100})@([0-9a-f]{40})$")

MANAGED, USER, GITIGNORE = "managed", "user", "gitignore"


@dataclass(frozen=True)
class ActionPin:
    """Where the generated workflows take acorn from: a repository at a full commit SHA, and
    what the comment after it says (the release's tag)."""

    repository: str
    commit: str
    version: str

    @property
    def uses(self) -> str:
        return f"{self.repository}@{self.commit} # {self.version}"

    @classmethod
    def parse(cls, text: str, version: str) -> "ActionPin | None":
        """`OWNER/REPO@SHA` (a full 40-hex commit), or None when it is not that."""
        match = _PIN.match(text)
        return cls(match[1], match[2], version) if match else None


@dataclass(frozen=True)
class Layout:
    """Where acorn lives in the repository: `folder` relative to the git root ("" at the
    root, "services/catalog" in a monorepo) and the branch that applies (the default branch)."""

    folder: str = ""
    branch: str = "main"

    @property
    def prefix(self) -> str:
        return f"{self.folder}/" if self.folder else ""


@dataclass(frozen=True)
class ScaffoldFile:
    path: str  # relative to the git root
    text: str
    kind: str  # MANAGED, USER or GITIGNORE


WORKFLOWS = {
    ".github/workflows/acorn-plan.yml": "plan.yml",
    ".github/workflows/acorn-apply.yml": "apply.yml",
    ".github/workflows/acorn-drift.yml": "drift.yml",
}
SCHEMAS = ("entity.schema.json", "settings.schema.json")
IAM_EXAMPLES = ("trust-policy-plan.json", "trust-policy-apply.json", "read-secrets-policy.json")

_ENV = jinja2.Environment(variable_start_string="[[", variable_end_string="]]", block_start_string="[%",
                          block_end_string="%]", comment_start_string="[#", comment_end_string="#]",
                          keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False)


def _template(name: str) -> str:
    return (resources.files("reconciler.render.templates") / "init" / name).read_text(encoding="utf-8")


def _render(name: str, **values: str) -> str:
    return _ENV.from_string(_template(name)).render(**values)


def workflow(name: str, uses: str, plan_workflow: str, layout: Layout = Layout()) -> str:
    """One workflow with acorn's action (`uses`), the plan workflow's file name and the layout."""
    workdir = f"\n          working-directory: {layout.folder}" if layout.folder else ""
    base_dir = f".acorn-base/{layout.folder}" if layout.folder else ".acorn-base"  # the PR check's base tree
    return _render(name, uses=uses, plan_workflow=plan_workflow, prefix=layout.prefix, workdir=workdir,
                   base_dir=base_dir, branch=layout.branch)


def scaffold(pin: ActionPin, layout: Layout, version: str, repository_url: str,
             docs_url: str = "") -> list[ScaffoldFile]:
    """Every file `acorn init` writes, paths relative to the git root; managed files marked
    with `version` (the installed acorn's); links to the documentation at `docs_url`."""
    prefix = layout.prefix
    files: list[ScaffoldFile] = []

    def add_managed(path: str, text: str) -> None:
        files.append(ScaffoldFile(path, managed.stamp(path, text, version), MANAGED))

    files.append(ScaffoldFile(f"{prefix}acorn.yaml", _template("acorn.yaml"), USER))
    files.append(ScaffoldFile(f"{prefix}desired/entities/example.yaml", _render("example.yaml", docs_url=docs_url),
                              USER))
    for name in SCHEMAS:
        add_managed(f"{prefix}schemas/{name}",
                    (resources.files("reconciler") / "schemas" / name).read_text(encoding="utf-8"))
    for name in IAM_EXAMPLES:
        text = _template(f"aws/{name}").replace("refs/heads/main", f"refs/heads/{layout.branch}")
        files.append(ScaffoldFile(f"{prefix}examples/aws/{name}", text, USER))
    files.append(ScaffoldFile(f"{prefix}.gitignore", _template("gitignore"), GITIGNORE))
    for target, name in WORKFLOWS.items():
        add_managed(target, workflow(name, pin.uses, "acorn-plan.yml", layout))
    add_managed(".pre-commit-config.yaml", _render(
        "pre-commit-config.yaml", repository_url=repository_url, commit=pin.commit, version=pin.version,
        prefix=prefix, prefix_regex=re.escape(prefix)))
    return files
