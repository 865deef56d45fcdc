"""The User-Agent SP-API asks for: `AppName/Version (Language=Name/Version; Platform=Name/Version)`,
with `\\`, `)` and `;` escaped inside values (SP-API's "Include a User-Agent header" guidance)."""

from __future__ import annotations

import platform
import sys

from reconciler import __version__
from reconciler.client import request


def test_the_user_agent_names_acorn_its_version_the_language_and_the_platform(monkeypatch) -> None:
    monkeypatch.setattr(platform, "system", lambda: "Linux")
    monkeypatch.setattr(platform, "release", lambda: "6.1.0-27-amd64")
    python = ".".join(map(str, sys.version_info[:3]))
    assert request.user_agent() == f"acorn/{__version__} (Language=Python/{python}; Platform=Linux/6.1.0-27-amd64)"


def test_the_user_agent_escapes_what_would_end_a_value(monkeypatch) -> None:
    monkeypatch.setattr(platform, "system", lambda: "Odd;OS")
    monkeypatch.setattr(platform, "release", lambda: "1.0) \\beta")
    assert request.user_agent().endswith("; Platform=Odd\\;OS/1.0\\) \\\\beta)")


def test_an_unknown_platform_is_named_unknown(monkeypatch) -> None:
    monkeypatch.setattr(platform, "system", lambda: "")
    monkeypatch.setattr(platform, "release", lambda: "")
    assert request.user_agent().endswith("; Platform=unknown/unknown)")
