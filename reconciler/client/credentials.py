"""Resolving credential references at the edge. Errors name the reference, never the value."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..domain.model import SecretRef
from ..errors import SecretError


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
