"""CLI: `users create`, `users token`."""

from __future__ import annotations

import secrets
import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..errors import DomainError
from ..extensions import db
from ..factories.models import Factory
from . import services
from .models import Role, User

users_cli = AppGroup("users", help="User accounts.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--factory", "factory_id", type=int, help="Factory id (committee members).")
@click.option(
    "--region",
    "regions",
    multiple=True,
    help="Region code or name (inspectors); repeat for several.",
)
@click.option("--name", "display_name", default="", help="Full name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_command(username, role, factory_id, regions, display_name, password_stdin):
    """Create a user. Without --password-stdin a random password is generated and printed."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else secrets.token_urlsafe(12)
    factory = db.session.get(Factory, factory_id) if factory_id else None
    if factory_id and factory is None:
        raise click.ClickException(f"no factory with id {factory_id}")
    try:
        user = services.create_user(
            username=username,
            role=role,
            password=password,
            display_name=display_name,
            factory=factory,
            region_names=list(regions),
        )
    except DomainError as error:
        details = "; ".join(f"{k}: {v}" for k, v in error.fields.items())
        raise click.ClickException(f"{error.message} {details}".strip()) from None
    db.session.commit()
    click.echo(f"created user {user.username} ({user.role.value})")
    if not password_stdin:
        click.echo(f"password: {password}")


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="cli", help="A label to recognise the token by.")
def token_command(username, name):
    """Issue an API token for USERNAME and print it (it is shown only once)."""
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    token = services.issue_token(user, name=name)
    db.session.commit()
    click.echo(token)
