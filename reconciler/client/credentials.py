"""Resolving credential references at the edge. Errors name the reference, never the value."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..desired.safefile import DEFAULT_SECRET_FILE_BYTES, read_regular, why_unreadable
from ..domain.model import SecretRef
from ..errors import SecretError


def resolve(ref: SecretRef, env: Mapping[str, str], base_dir: Path,
            max_bytes: int = DEFAULT_SECRET_FILE_BYTES) -> str:
    """The secret that `ref` names: an environment variable, or a file relative to base_dir
    (a regular file of at most `max_bytes`: a FIFO or /dev/zero is refused, not read)."""
    if ref.kind == "env":
        value = env.get(ref.name, "")
        if not value.strip():
            raise SecretError(f"environment variable {ref.name} is not set")
        return value.strip()
    path = (base_dir / ref.name).expanduser()
    try:
        value = read_regular(path, max_bytes).decode("utf-8").strip()
    except OSError as exc:
        raise SecretError(f"secret file {ref.name} {why_unreadable(exc)}") from None
    except UnicodeDecodeError:
        raise SecretError(f"secret file {ref.name} is not UTF-8 text") from None
    if not value:
        raise SecretError(f"secret file {ref.name} is empty")
    return value
