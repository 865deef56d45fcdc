"""Resolving secret references at the edge. Errors name the reference, never the value."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from .errors import SecretError
from .model import SecretRef


def resolve(ref: SecretRef, env: Mapping[str, str], base_dir: Path) -> str:
    """The secret that `ref` names: an environment variable, or a file relative to base_dir."""
    if ref.kind == "env":
        value = env.get(ref.name, "")
        if not value.strip():
            raise SecretError(f"environment variable {ref.name} is not set")
        return value.strip()
    path = (base_dir / ref.name).expanduser()
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SecretError(f"secret file {ref.name} cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SecretError(f"secret file {ref.name} is not UTF-8 text") from None
    if not value:
        raise SecretError(f"secret file {ref.name} is empty")
    return value


# LWA access (Atza|) and refresh (Atzr|) tokens in free text, raw or URL-encoded, up to a delimiter.
LWA_TOKEN = re.compile(r"Atz[ar](\||%7C|%7c)[^\s\"',;]+")


def looks_like_token(value: str) -> bool:
    """An LWA access (Atza|) or refresh (Atzr|) token."""
    return value.startswith(("Atza|", "Atzr|"))
