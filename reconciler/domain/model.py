"""Typed, immutable values of the desired state, past the loader.

`Submission` is what a registration carries: the client sends it, the sandbox reviews it,
and preflight checks it; each side maps it to and from the wire on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class SecretRef:
    """A reference to a secret, never its value: `{env: NAME}`, `{file: PATH}`, or
    `{aws: {secretId: NAME-OR-ARN, key: FIELD}}` (AWS Secrets Manager; `key` picks one field
    of a secret whose value is a JSON object)."""

    kind: str  # "env" | "file" | "aws"
    name: str  # the variable, the path, or the secret id
    key: str | None = None  # aws only

    def __str__(self) -> str:
        if self.kind == "aws":
            return f"aws secret {self.name}" + (f" (key {self.key})" if self.key else "")
        return f"{self.kind}:{self.name}"

    @classmethod
    def from_mapping(cls, raw: dict) -> "SecretRef":
        """`{env: NAME}`, `{file: PATH}` or `{aws: {secretId, key?}}`, as the schemas allow
        (exactly one key)."""
        (kind, name), = raw.items()
        if kind == "aws":
            return cls("aws", name["secretId"], name.get("key"))
        return cls(kind, name)


@dataclass(frozen=True)
class DocumentRef:
    uri: str
    sha256: str


@dataclass(frozen=True)
class BusinessRegistration:
    country: str
    number: str
    document: DocumentRef


@dataclass(frozen=True)
class IdDocument:
    type: str  # passport | national_id
    expires_on: date


@dataclass(frozen=True)
class LegalRepresentative:
    name: str
    id_document: IdDocument


@dataclass(frozen=True)
class TaxRegistration:
    scheme: str
    country: str | None = None
    number: str | None = None
    completed_on: date | None = None


@dataclass(frozen=True)
class Document:
    """An extra document, e.g. a translation of the business registration."""

    kind: str
    uri: str
    sha256: str
    of: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Submission:
    """Everything a CreateRegistration sends about the legal entity."""

    legal_entity_name: str
    business_registration: BusinessRegistration
    legal_representative: LegalRepresentative
    tax_registrations: tuple[TaxRegistration, ...] = ()
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class Source:
    """Where a value was written: a file (or template and row) and a line."""

    path: str
    line: int = 1
    # Where each registration and tax number is written: (dotted key, line, column), so that
    # a number found invalid after loading is reported at its place.
    numbers: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True)
class Entity:
    name: str
    seller_id: str
    credentials: SecretRef
    submission: Submission
    marketplaces: tuple[str, ...]
    labels: tuple[tuple[str, str], ...] = ()
    source: Source = field(default=Source("<memory>"), compare=False)

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)


@dataclass(frozen=True)
class Reason:
    """A reason code with a human message (the API's and preflight's codes are the same)."""

    code: str
    message: str


@dataclass(frozen=True)
class DesiredState:
    entities: tuple[Entity, ...]
    digest: str  # sha256 of the tree as loaded; ties a saved plan to what was reviewed
