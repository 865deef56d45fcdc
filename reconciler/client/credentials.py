"""Resolving credential references at the edge. Errors name the reference, never the value.

`Secrets` is one run's resolver: `{env: NAME}` and `{file: PATH}` are read when asked;
`{aws: {secretId, key}}` references are read from AWS Secrets Manager (secretsmanager.py),
ideally all at once through `prefetch` before the first seller is read, so a fleet costs one
call per 20 secrets. Values live only in memory, for the run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..desired.safefile import DEFAULT_SECRET_FILE_BYTES, UnreadableFile, read_text
from ..domain.model import SecretRef
from ..errors import SecretError
from .secretsmanager import AwsSecrets, Unreadable


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
        value = read_text(path, max_bytes).strip()
    except UnreadableFile as exc:
        raise SecretError(f"secret file {ref.name} {exc.why}") from None
    if not value:
        raise SecretError(f"secret file {ref.name} is empty")
    return value


class Secrets:
    """Every reference of one run, resolved at most once per secret."""

    def __init__(self, env: Mapping[str, str], base_dir: Path, aws: AwsSecrets,
                 max_file_bytes: int = DEFAULT_SECRET_FILE_BYTES) -> None:
        self._env = env
        self._base_dir = base_dir
        self.aws = aws
        self._max_file_bytes = max_file_bytes

    def prefetch(self, refs: Iterable[SecretRef]) -> None:
        """Read every AWS secret among `refs` now, in batches (blocking: call it off the loop)."""
        self.aws.fetch(ref.name for ref in refs if ref.kind == "aws")

    def resolve(self, ref: SecretRef) -> str:
        if ref.kind != "aws":
            return resolve(ref, self._env, self._base_dir, self._max_file_bytes)
        answer = self.aws.value(ref.name)
        if isinstance(answer, Unreadable):
            raise SecretError(f"AWS secret {ref.name}: {answer.message}")
        return _field(ref, answer)


def _field(ref: SecretRef, text: str) -> str:
    """The whole secret, or the `key` field of a secret holding a JSON object."""
    if ref.key is None:
        if not text.strip():
            raise SecretError(f"AWS secret {ref.name} is empty")
        return text.strip()
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None  # the decoder's message quotes the text: never shown
    if not isinstance(doc, dict):
        raise SecretError(f"AWS secret {ref.name} is not a JSON object, so it has no key {ref.key!r}")
    value = doc.get(ref.key)
    if value is None:
        raise SecretError(f"AWS secret {ref.name} has no key {ref.key!r}")
    if not isinstance(value, str) or not value.strip():
        raise SecretError(f"AWS secret {ref.name}: key {ref.key!r} is not a non-empty string")
    return value.strip()
