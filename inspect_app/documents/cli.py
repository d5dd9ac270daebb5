"""CLI: `documents authority REGION --name … --prefix …`, `documents authorities`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..errors import DomainError
from ..extensions import db
from . import services

documents_cli = AppGroup("documents", help="Enforcement documents and issuing authorities.")


@documents_cli.command("authority")
@click.argument("region")
@click.option("--name", required=True, help="The authority's name, e.g. 重庆市渝北区应急管理局.")
@click.option("--prefix", required=True, help="The number prefix, e.g. 渝北应急.")
def authority_command(region: str, name: str, prefix: str) -> None:
    """Set the issuing authority of REGION (a GB/T 2260 code or a name)."""
    target = services.find_region(region)
    if target is None:
        raise click.ClickException(f"No region {region!r}: give its code (500112) or its name.")
    try:
        authority = services.set_authority(target, name=name, prefix=prefix)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"{target.full_name_zh} ({target.code}): {authority.name}, {authority.prefix}")


@documents_cli.command("authorities")
def authorities_command() -> None:
    """List the issuing authorities by region."""
    for authority in services.list_authorities():
        region = authority.region
        click.echo(f"{region.code}\t{region.full_name_zh}\t{authority.name}\t{authority.prefix}")
