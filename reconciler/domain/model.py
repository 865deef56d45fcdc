"""Typed, immutable values of the desired state, past the loader.

`Submission` is what a registration carries: the client sends it, the sandbox reviews it,
and preflight checks it; each side maps it to and from the wire on its own.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
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
    def from_mapping(cls, raw: Mapping[str, Any]) -> "SecretRef":
        """`{env: NAME}`, `{file: PATH}` or `{aws: {secretId, key?}}`, as the schemas allow
        (exactly one key)."""
        (kind, name), = raw.items()
        if kind == "aws":
            return cls("aws", name["secretId"], name.get("key"))
        return cls(kind, name)


@dataclass(frozen=True, slots=True)
class RegionCredential:
    """One region's refresh token reference and, optionally, when the seller authorized the app
    there (the authorization must be renewed every 365 days)."""

    ref: SecretRef
    authorized_on: date | None = None


@dataclass(frozen=True, slots=True)
class MarketplaceAccount:
    """Far East marketplaces that are a separate seller account: their own seller id (the
    entity's when None) and refresh token (`credentials.accounts`)."""

    marketplaces: tuple[str, ...]
    credential: RegionCredential
    seller_id: str | None = None


@dataclass(frozen=True, slots=True)
class Credentials:
    """An entity's refresh tokens: one reference used for every region (`default`), or one per
    region (`regions`); a region is read and written with its own token only. `accounts` name
    Far East marketplaces read and written with another account's seller id and token."""

    default: SecretRef | None = None
    regions: tuple[tuple[str, RegionCredential], ...] = ()
    accounts: tuple[MarketplaceAccount, ...] = ()

    def account_for(self, code: str) -> MarketplaceAccount | None:
        """The separate account of marketplace `code`, if the entity names one."""
        return next((a for a in self.accounts if code in a.marketplaces), None)

    def for_region(self, region: str) -> SecretRef | None:
        """The reference of `region`'s token (None: the entity has no token for it)."""
        for name, credential in self.regions:
            if name == region:
                return credential.ref
        return self.default

    def refs(self) -> tuple[SecretRef, ...]:
        """Every reference, default first, then by region."""
        out = [self.default] if self.default is not None else []
        return tuple(out + [c.ref for _, c in self.regions] + [a.credential.ref for a in self.accounts])


@dataclass(frozen=True, slots=True)
class DocumentRef:
    uri: str
    sha256: str


@dataclass(frozen=True, slots=True)
class BusinessRegistration:
    country: str
    number: str
    document: DocumentRef


@dataclass(frozen=True, slots=True)
class IdDocument:
    type: str  # passport | national_id
    expires_on: date


@dataclass(frozen=True, slots=True)
class LegalRepresentative:
    name: str
    id_document: IdDocument


@dataclass(frozen=True, slots=True)
class TaxRegistration:
    scheme: str
    country: str | None = None
    number: str | None = None
    completed_on: date | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """An extra document, e.g. a translation of the business registration."""

    kind: str
    uri: str
    sha256: str
    of: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Submission:
    """Everything a CreateRegistration sends about the legal entity."""

    legal_entity_name: str
    business_registration: BusinessRegistration
    legal_representative: LegalRepresentative
    tax_registrations: tuple[TaxRegistration, ...] = ()
    documents: tuple[Document, ...] = ()


def source_label(path: str, row: str | None) -> str:
    """`desired/entities/acme.yaml`, or `desired/templates/brand.yaml.j2 (row acme-de)`: for people
    only; code reads a Source's or a Problem's `path` and `row`, never this text back."""
    return f"{path} (row {row})" if row else path


@dataclass(frozen=True, slots=True)
class Source:
    """Where a value was written: a file, the template row it was rendered from (if any), a line."""

    path: str
    line: int = 1
    # Where each registration and tax number is written, so that a number found invalid after
    # loading is reported at its place: dotted key, line, column, one after the other in one flat
    # tuple (a tuple each would be a sixth of a 100,000-entity tree's memory); Source.of makes them.
    numbers: tuple[str | int, ...] = ()
    # Where the fields a verdict can name are written (expiresOn, each marketplaces and
    # taxRegistrations item, authorizedOn, acknowledgements): dotted key, line, column, flat.
    places: tuple[str | int, ...] = ()
    # A template row's fields placed at the row's own line: dotted key, the template's line that
    # renders it, flat.
    template_lines: tuple[str | int, ...] = ()
    row: str | None = None  # the template row's name, for an entity a template rendered

    @classmethod
    def of(cls, path: str, line: int = 1, numbers: Iterable[Sequence[str | int]] = (),
           places: Iterable[Sequence[str | int]] = (), template_lines: Iterable[Sequence[str | int]] = (),
           row: str | None = None) -> "Source":
        """A Source from its records, (key, line, column) and (key, template line): the way to make
        one. Each key is one shared copy (sys.intern): 100,000 entities write the same few."""
        def flat(records: Iterable[Sequence[Any]], width: int) -> tuple[str | int, ...]:
            items = tuple(item for key, *rest in records for item in (sys.intern(key), *rest))
            if len(items) % width:  # a record of another width would shift every key after it
                raise ValueError(f"{path}: a place record is not {width} items (key, line{', column' * (width == 3)})")
            return items
        return cls(path, line, flat(numbers, 3), flat(places, 3), flat(template_lines, 2), row)

    @property
    def label(self) -> str:
        return source_label(self.path, self.row)

    def template_line(self, key: str) -> int | None:
        """The template's line that renders `key`, when `at` gives the row's own line instead."""
        found = _after(self.template_lines, 2, key)
        return None if found is None else int(found[0])

    def at(self, key: str) -> tuple[int, int]:
        """(line, column) of `key`; the entity's own line when the key is not written."""
        found = _after(self.places, 3, key) or _after(self.numbers, 3, key)
        return (int(found[0]), int(found[1])) if found else (self.line, 1)

    def writes(self, key: str) -> bool:
        """Whether the field `key` (one of the places) is written."""
        return key in self.places[::3]


def _after(flat: tuple[str | int, ...], width: int, key: str) -> tuple[str | int, ...] | None:
    """In `flat` (records of `width` items, a key first), what follows the first record of `key`."""
    try:
        start = flat[::width].index(key) * width
    except ValueError:
        return None
    return flat[start + 1:start + width]


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """A warning the seller has judged for one marketplace (`spec.acknowledgements`): it is
    shown as acknowledged, with the reason, instead of repeated."""

    code: str
    marketplace: str
    reason: str
    index: int = 0  # its place in spec.acknowledgements


@dataclass(frozen=True, slots=True)
class Entity:
    name: str
    seller_id: str
    credentials: Credentials  # a SecretRef given here means that one token for every region
    submission: Submission
    marketplaces: tuple[str, ...]
    labels: tuple[tuple[str, str], ...] = ()
    source: Source = field(default=Source("<memory>"), compare=False)
    acknowledgements: tuple[Acknowledgement, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.credentials, SecretRef):
            object.__setattr__(self, "credentials", Credentials(default=self.credentials))

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)


@dataclass(frozen=True, slots=True)
class Reason:
    """A reason code with a human message (the API's and preflight's codes are the same)."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class DesiredState:
    entities: tuple[Entity, ...]
    digest: str  # sha256 of the tree as loaded; ties a saved plan to what was reviewed
