"""CLI: `users create`, `users token`, `users tokens`, `users revoke-token`."""

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


def _user(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    return user


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="cli", help="A name to recognise (and revoke) the token by.")
@click.option(
    "--expires-days", type=click.IntRange(1, services.TOKEN_MAX_DAYS), help="Expire after N days."
)
def token_command(username, name, expires_days):
    """Issue an API token for USERNAME and print it (it is shown only once)."""
    user = _user(username)
    try:
        token = services.issue_token(user, name=name, expires_in_days=expires_days)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(token)


@users_cli.command("tokens")
@click.argument("username")
def tokens_command(username):
    """List USERNAME's live API tokens: name, first characters, created, last used, expiry."""
    tokens = services.live_tokens(_user(username))
    if not tokens:
        click.echo(f"{username} has no live API tokens")
        return
    click.echo("id\tname\tprefix\tcreated\tlast used\texpires")
    for t in tokens:
        click.echo(
            f"{t.id}\t{t.name}\t{t.prefix}…\t{_when(t.created_at)}\t{_when(t.last_used_at)}"
            f"\t{_when(t.expires_at) if t.expires_at else 'never'}"
        )


@users_cli.command("revoke-token")
@click.argument("username")
@click.argument("name", required=False)
@click.option("--all", "revoke_all", is_flag=True, help="Revoke every token of the user.")
def revoke_token_command(username, name, revoke_all):
    """Revoke USERNAME's token called NAME (or all of them with --all): it stops working."""
    user = _user(username)
    if revoke_all == bool(name):
        raise click.UsageError("give either a token NAME or --all")
    if revoke_all:
        count = services.revoke_all_tokens(user)
        db.session.commit()
        click.echo(f"revoked {count} token(s) of {username}")
        return
    token = services.token_named(user, name)
    if token is None:
        raise click.ClickException(f"{username} has no live token named {name!r}")
    services.revoke_token(token)
    db.session.commit()
    click.echo(f"revoked token {name!r} of {username}")
