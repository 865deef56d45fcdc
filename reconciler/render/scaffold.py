"""What `acorn init` writes into a new repository (pure: names in, file texts out).

The workflows call acorn's GitHub Action pinned by full commit SHA, with the version in a
comment; the pre-commit hook is pinned the same way. The example entity and acorn.yaml point
their `$schema` at copies of acorn's JSON Schemas written beside them (schemas/), so editors
validate them with no network and no path into acorn's own repository; `acorn init --force`
refreshes those copies after an upgrade.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from .. import __version__

# The release of acorn whose action and hook new repositories pin. The release process sets
# ACTION_COMMIT to the tagged release commit (a commit cannot hold its own SHA, so this is
# updated after tagging); `acorn init --action OWNER/REPO@SHA` pins any other.
ACTION_REPOSITORY = "acorn-reconciler/acorn"
ACTION_COMMIT = "13b0bc51f695acf4de5c042b713aefe19683e169"
ACTION_VERSION = f"v{__version__}"

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100})@([0-9a-f]{40})$")


@dataclass(frozen=True)
class ActionPin:
    """Where the generated workflows take acorn from: a repository at a full commit SHA."""

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


DEFAULT_PIN = ActionPin(ACTION_REPOSITORY, ACTION_COMMIT, ACTION_VERSION)

# target path -> template file under render/templates/init
WORKFLOWS = {
    ".github/workflows/acorn-plan.yml": "plan.yml",
    ".github/workflows/acorn-apply.yml": "apply.yml",
    ".github/workflows/acorn-drift.yml": "drift.yml",
}
FILES = {
    "acorn.yaml": "acorn.yaml",
    "desired/entities/example.yaml": "example.yaml",
    ".gitignore": "gitignore",
    ".pre-commit-config.yaml": "pre-commit-config.yaml",
    **WORKFLOWS,
}
SCHEMAS = ("entity.schema.json", "settings.schema.json")


def _template(name: str) -> str:
    return (resources.files("reconciler.render.templates") / "init" / name).read_text(encoding="utf-8")


def workflow(name: str, uses: str, plan_workflow: str) -> str:
    """One workflow template with acorn's action (`uses`) and the plan workflow's file name."""
    return _template(name).replace("__ACORN_ACTION__", uses).replace("__PLAN_WORKFLOW__", plan_workflow)


def scaffold(pin: ActionPin = DEFAULT_PIN) -> dict[str, str]:
    """Every file `acorn init` writes, by path relative to the repository."""
    out: dict[str, str] = {}
    for target, name in FILES.items():
        if target in WORKFLOWS:
            out[target] = workflow(name, pin.uses, "acorn-plan.yml")
        else:
            out[target] = (_template(name).replace("__ACORN_REPOSITORY__", pin.repository)
                           .replace("__ACORN_COMMIT__", pin.commit).replace("__ACORN_VERSION__", pin.version))
    for name in SCHEMAS:
        out[f"schemas/{name}"] = (resources.files("reconciler") / "schemas" / name).read_text(encoding="utf-8")
    return out
