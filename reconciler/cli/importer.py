"""`acorn import`: write desired/entities/NAME.yaml from a seller's live state.

Reads the seller's participations and registrations with its own credentials (every
region), then writes the entity file with placeholders for what live cannot tell. Never
overwrites a file without --force, and refuses a seller another entity file already has.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
import yaml

from ..actions.import_entity import (
    ImportRequest,
    check_request,
    imported,
    placeholder_entity,
    refused_everywhere,
    render_entity,
    todo_count,
)
from ..desired.safefile import DEFAULT_FILE_BYTES, UnreadableFile, read_text, write_text
from ..domain.live import SellerLive
from ..errors import AuthError, ConfigError
from .planning import audit_option, audit_path, open_client
from .workspace import Workspace, endpoint_options, tree_options, workspace


@click.command("import")
@click.option("--seller-id", required=True, metavar="ID", help="The seller (merchant token) to import.")
@click.option("--name", required=True, metavar="NAME", help="The entity's name: writes entities/NAME.yaml.")
@click.option("--refresh-token-env", "env_var", metavar="VAR",
              help="The environment variable holding this seller's refresh token (written as {env: VAR}).")
@click.option("--refresh-token-aws", "aws_secret_id", metavar="SECRET_ID",
              help="Or the AWS Secrets Manager secret (name or ARN) holding it (written as {aws: {secretId: …}}).")
@click.option("--refresh-token-aws-key", "aws_key", metavar="KEY",
              help="With --refresh-token-aws: the key of the secret's JSON that holds the token.")
@tree_options
@endpoint_options
@audit_option
@click.option("--force", is_flag=True, help="Overwrite entities/NAME.yaml if it exists.")
def command(seller_id, name, env_var, aws_secret_id, aws_key, desired, config, environment, endpoint,
            audit_log, force) -> int:
    """Write an entity file from a seller's live state, with TODO placeholders to fill in."""
    request = ImportRequest(name, seller_id, env_var, aws_secret_id, aws_key)
    check_request(request)
    ws = workspace(desired, config, environment, endpoint)
    path = ws.desired / "entities" / f"{name}.yaml"
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists: nothing written (pass --force to overwrite it)")
    other = _entity_with_seller(ws.desired, seller_id, path)
    if other is not None:
        raise ConfigError(f"seller {seller_id} is already desired in {other}: nothing written")
    live = asyncio.run(_read(ws, request, audit_path(ws, audit_log)))
    if live.error is None and (why := refused_everywhere(live)) is not None:
        raise AuthError(f"seller {seller_id} refused in every region: {why}")
    text = render_entity(request, live, ws.settings.id_document_min_valid_days)
    write_text(path, text)
    codes = [m.code for m in imported(live).marketplaces]
    click.echo(f"wrote {path}: {len(codes)} marketplace{'' if len(codes) == 1 else 's'}"
               f"{' (' + ', '.join(codes) + ')' if codes else ''}; "
               f"fill in its {todo_count(text)} TODO(acorn import) lines, then run `acorn validate`.")
    return 0


async def _read(ws: Workspace, request: ImportRequest, audit_log: Path) -> SellerLive:
    async with open_client(ws, audit_log) as client:
        return await client.read_seller(placeholder_entity(request))


def _entity_with_seller(desired: Path, seller_id: str, target: Path) -> Path | None:
    """Another entity file naming this seller, read leniently: the tree may hold other
    imported files whose placeholders are not filled yet, so it is not loaded strictly."""
    for path in sorted((desired / "entities").glob("*.yaml")):
        if path.resolve() == target.resolve():
            continue
        try:
            data = yaml.safe_load(read_text(path, DEFAULT_FILE_BYTES))
        except (UnreadableFile, yaml.YAMLError):
            continue
        spec = data.get("spec") if isinstance(data, dict) else None
        if isinstance(spec, dict) and spec.get("sellerId") == seller_id:
            return path
    return None
