"""`acorn import`: a new entity file from a seller's live state (pure: live state + names -> YAML).

Live tells which marketplaces the seller already sells in (its participations and APPROVED
registrations) and the legal name it registered with. It cannot tell what a registration
carries: the business registration, the legal representative and the tax numbers. Those
are written as placeholders on lines marked `# TODO(acorn import): ...`, each a value the
loader refuses (a string that fails the schema's pattern or enum, or an empty value where
any string would pass), so `acorn validate` fails on every one until it is filled and no
placeholder can ever reach a submission.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from ..desired import preflight, schema
from ..domain import catalogue
from ..domain.live import APPROVED, REJECTED, LiveRegistration, SellerLive
from ..domain.model import (
    BusinessRegistration,
    Credentials,
    DocumentRef,
    Entity,
    IdDocument,
    LegalRepresentative,
    SecretRef,
    Submission,
)
from ..domain.tokens import looks_like_token
from ..errors import ConfigError
from ..render import environment

TODO = "TODO(acorn import)"
FILL_ME = "FILL-ME"  # where the schema has a pattern or an enum, which this fails
EMPTY = "~"          # where any string would pass: YAML null, which "must be a string" refuses

# The entity schema's own patterns, so an import can never write what validate refuses.
_ENTITY = schema.schema("entity")
_NAME = re.compile(_ENTITY["properties"]["metadata"]["properties"]["name"]["pattern"])
_SELLER = re.compile(_ENTITY["properties"]["spec"]["properties"]["sellerId"]["pattern"])
_ENV = re.compile(_ENTITY["$defs"]["secretRef"]["properties"]["env"]["pattern"])
_AWS_ID = re.compile(_ENTITY["$defs"]["secretRef"]["properties"]["aws"]["properties"]["secretId"]["pattern"])
# Names for the translation placeholder's comment; an unnamed language shows as its code.
_LANGUAGE_NAMES = {"ja": "Japanese"}


def _tax_field(scheme: str) -> str:
    """The key a tax registration of `scheme` must carry besides its country (`number`,
    `completedOn`), as the entity schema's conditions require it."""
    for rule in _ENTITY["$defs"]["taxRegistration"]["allOf"]:
        cond = rule["if"]["properties"]["scheme"]
        if scheme == cond.get("const") or scheme in cond.get("enum", ()):
            return next(k for k in rule["then"]["required"] if k != "country")
    return "number"


@dataclass(frozen=True)
class ImportRequest:
    """What the user names: the entity (and file) name, the seller, and where its token is:
    an environment variable, or an AWS Secrets Manager secret (and a key of its JSON)."""

    name: str
    seller_id: str
    env_var: str | None = None
    aws_secret_id: str | None = None
    aws_key: str | None = None

    @property
    def credential(self) -> SecretRef:
        if self.aws_secret_id is not None:
            return SecretRef("aws", self.aws_secret_id, self.aws_key)
        return SecretRef("env", self.env_var or "")

    @property
    def credential_yaml(self) -> str:
        """The reference as the entity file writes it (flow style, one line)."""
        if self.aws_secret_id is None:
            return f"{{env: {self.env_var}}}"
        key = f", key: {json.dumps(self.aws_key)}" if self.aws_key else ""
        return f"{{aws: {{secretId: {json.dumps(self.aws_secret_id)}{key}}}}}"


@dataclass(frozen=True)
class Listed:
    """A marketplace the file lists, or lists commented out, and why."""

    code: str
    why: str


@dataclass(frozen=True)
class TaxPlaceholder:
    scheme: str
    country: str | None
    needed_by: tuple[str, ...]  # marketplace codes
    waived_if_registered_in: str | None = None
    field: str = "number"       # the key left to fill: `number`, or `completedOn` (US_W8BENE)


@dataclass(frozen=True)
class TranslationPlaceholder:
    """A translation of the business registration a marketplace asks for (JP: Japanese)."""

    needed_by: str            # marketplace code
    language: str             # ISO 639-1, as the entity file writes it
    language_name: str        # for the comment
    unless_registered_in: str  # country code: no translation needed for a business registered there


@dataclass(frozen=True)
class Imported:
    """What live tells about a seller, laid out as the entity file will show it."""

    marketplaces: tuple[Listed, ...]      # participations and APPROVED registrations, catalogue order
    commented: tuple[Listed, ...]         # other registrations: listed commented out
    unknown: tuple[str, ...]              # marketplace IDs the catalogue does not know
    legal_name: str | None
    legal_name_from: LiveRegistration | None
    taxes: tuple[TaxPlaceholder, ...]
    translations: tuple[TranslationPlaceholder, ...]  # marketplaces needing one unless registered there
    regions: tuple[str, ...] = ()  # the regions of `marketplaces`: one refresh token entry each


def check_request(req: ImportRequest) -> None:
    """ConfigError naming the first argument the written file could not carry."""
    if not _NAME.match(req.name):
        raise ConfigError(f"--name must be a lower-case DNS label (a-z, 0-9, -; at most 63), not {req.name!r}")
    if not _SELLER.match(req.seller_id):
        raise ConfigError(f"--seller-id must be 10-20 upper-case letters or digits, not {req.seller_id!r}")
    if (req.env_var is None) == (req.aws_secret_id is None):
        raise ConfigError("name the seller's refresh token with exactly one of --refresh-token-env "
                          "and --refresh-token-aws")
    if req.aws_key is not None and req.aws_secret_id is None:
        raise ConfigError("--refresh-token-aws-key needs --refresh-token-aws")
    if req.env_var is not None and not _ENV.match(req.env_var):
        raise ConfigError("--refresh-token-env must name an environment variable (letters, digits, _), "
                          "not a token")
    if req.aws_secret_id is not None and (not _AWS_ID.match(req.aws_secret_id) or looks_like_token(req.aws_secret_id)):
        raise ConfigError("--refresh-token-aws must be a Secrets Manager secret name or ARN, not a token")
    if req.aws_key is not None and (not req.aws_key or looks_like_token(req.aws_key)):
        raise ConfigError("--refresh-token-aws-key must name a key of the secret's JSON, not a token")


def placeholder_entity(req: ImportRequest) -> Entity:
    """The Entity the client needs for the read: the seller, its credentials, and every
    catalogue marketplace, so that every region's host is read."""
    blank = Submission("", BusinessRegistration("", "", DocumentRef("", "")),
                       LegalRepresentative("", IdDocument("passport", date.min)))
    return Entity(req.name, req.seller_id, Credentials(default=req.credential), blank, catalogue.CODES)


def _registration_note(r: LiveRegistration) -> str:
    codes = ", ".join(dict.fromkeys(x.code for x in r.reasons))
    return f"{r.status} registration {r.registration_id}" + (f" ({codes})" if codes else "")


def imported(live: SellerLive) -> Imported:
    """The marketplaces, legal name and placeholders that live state implies (pure)."""
    by_code: dict[str, list[LiveRegistration]] = {}
    unknown = sorted(m for m in live.participations if m not in catalogue.BY_ID)
    for r in sorted(live.registrations, key=lambda r: (r.created_at, r.registration_id)):
        known = catalogue.BY_ID.get(r.marketplace_id)
        if known is None:
            unknown.append(r.marketplace_id)
        else:
            by_code.setdefault(known.code, []).append(r)
    listed, commented = [], []
    for m in catalogue.MARKETPLACES:
        regs = by_code.get(m.code, [])
        approved = [r for r in regs if r.status == APPROVED]
        if m.marketplace_id in live.participations:
            listed.append(Listed(m.code, "participates"))
        elif approved:
            listed.append(Listed(m.code, f"APPROVED registration {approved[-1].registration_id}"))
        elif regs:
            latest = regs[-1]
            action = ("uncomment to apply again once fixed" if latest.status == REJECTED
                      else "uncomment to track it (until then plan shows it unmanaged)")
            commented.append(Listed(m.code, f"{_registration_note(latest)}: {action}"))
    codes = [x.code for x in listed]
    approved_regs = [r for r in live.registrations if r.status == APPROVED]
    newest = max(approved_regs or live.registrations, key=lambda r: (r.created_at, r.registration_id), default=None)
    regions = tuple(r for r in catalogue.REGIONS if any(catalogue.by_code(c).region == r for c in codes))
    return Imported(tuple(listed), tuple(commented), tuple(dict.fromkeys(unknown)),
                    newest.legal_entity_name if newest else None, newest, _taxes(codes),
                    _translations(codes), regions)


def _taxes(codes: list[str]) -> tuple[TaxPlaceholder, ...]:
    """One placeholder per (scheme, country) the marketplaces certainly require, in their order."""
    found: dict[tuple[str, str | None], TaxPlaceholder] = {}
    rows = [(code, need) for code in codes for need in (catalogue.by_code(code).tax, catalogue.by_code(code).interview)
            if need is not None]
    for code, need in rows:
        if need.rule is not catalogue.TaxRule.REQUIRED:
            continue  # a requirement that depends is plan's warning, not a line to fill
        key = (need.scheme, need.country)
        before = found.get(key)
        found[key] = TaxPlaceholder(need.scheme, need.country, (before.needed_by if before else ()) + (code,),
                                    need.waived_if_registered_in, _tax_field(need.scheme))
    return tuple(found.values())


def _translations(codes: list[str]) -> tuple[TranslationPlaceholder, ...]:
    """One placeholder per marketplace that asks for a translation, from its catalogue entry."""
    out = []
    for code in codes:
        m = catalogue.by_code(code)
        if m.translation_unless_registered_in and m.translation_language:
            out.append(TranslationPlaceholder(code, m.translation_language,
                                              _LANGUAGE_NAMES.get(m.translation_language, m.translation_language),
                                              m.translation_unless_registered_in))
    return tuple(out)


def refused_everywhere(live: SellerLive) -> str | None:
    """Why nothing can be imported: the seller refused the app in every region (None otherwise)."""
    if live.unauthorized and len(live.unauthorized) == len(catalogue.REGIONS):
        return "; ".join(f"{region}: {why}" for region, why in live.unauthorized)
    return None


def render_entity(req: ImportRequest, live: SellerLive,
                  id_min_valid_days: int = preflight.DEFAULT_ID_MIN_VALID_DAYS) -> str:
    """The entity file's text: valid YAML, schema-valid once every TODO line is filled."""
    check_request(req)
    data = imported(live)
    return environment(autoescape=False).get_template("entity.yaml.j2").render(
        req=req, data=data, TODO=TODO, FILL_ME=FILL_ME, EMPTY=EMPTY,
        min_days=id_min_valid_days, note=_registration_note).rstrip("\n") + "\n"


def todo_count(text: str) -> int:
    """How many placeholders a written file still has."""
    return sum(1 for line in text.splitlines() if f"# {TODO}:" in line and not line.lstrip().startswith("#"))
