"""Filling the placeholders of an imported entity file, as a user would, line by line."""

from __future__ import annotations

import re

from reconciler.actions.import_entity import TODO

# a valid value per key, as a user would type it on the placeholder's line
VALUES = {"country": "CN", "number": '"91440300MA5EXAMPLA"', "uri": "docs/license.pdf", "sha256": "ab" * 32,
          "name": "Li Wei", "type": "passport", "expiresOn": "2031-06-30", "completedOn": "2025-03-01",
          "legalEntityName": "Acme Trading Co., Ltd.", "marketplaces": "[DE]",
          # another region's own refresh token
          "EU": "{env: ACORN_ACME_SZ_EU_REFRESH_TOKEN}", "FE": "{env: ACORN_ACME_SZ_FE_REFRESH_TOKEN}"}
_LINE = re.compile(r"^(?P<indent>\s*)(?P<key>\w+): (?:FILL-ME|~|\[\]|\{env: FILL-ME\})(?P<todo>\s+# "
                   + re.escape(TODO) + ":.*)$")


def todo_lines(text: str) -> list[int]:
    """1-based numbers of the lines holding a placeholder."""
    return [i for i, line in enumerate(text.splitlines(), 1)
            if f"# {TODO}:" in line and not line.lstrip().startswith("#")]


def fill(text: str) -> str:
    """Every placeholder replaced by a valid value; AssertionError if one is not recognised."""
    out = []
    for line in text.splitlines():
        m = _LINE.match(line)
        if m:
            line = f"{m['indent']}{m['key']}: {VALUES[m['key']]}"
        assert f"# {TODO}:" not in line or line.lstrip().startswith("#"), f"unfilled placeholder: {line}"
        out.append(line)
    return "\n".join(out) + "\n"
