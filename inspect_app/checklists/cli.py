"""CLI: `checklists validate [PATH…]`, `checklists load`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from . import loader, services

checklists_cli = AppGroup("checklists", help="Checklists defined in YAML.")


@checklists_cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
def validate_command(paths) -> None:
    """Print `file:line:column: message` per problem; exit 1 on any problem, 0 when valid."""
    paths = list(paths) or [str(services.checklist_dir())]
    problems = loader.validate_paths(paths)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise SystemExit(1)
    count = len(loader.checklist_files(paths))
    click.echo(f"{count} checklist{'' if count == 1 else 's'} valid")


@checklists_cli.command("load")
def load_command() -> None:
    """Store a new version of every changed checklist in checklists/; skip (and list) bad files."""
    statuses = services.load_files()
    db.session.commit()
    bad = 0
    for status in statuses:
        if status.ok:
            state = "new version" if status.created else "unchanged"
            click.echo(f"{status.path}: {status.slug} v{status.version.number} ({state})")
        else:
            bad += 1
            click.echo(f"{status.path}: skipped, {len(status.problems)} problem(s)")
            for problem in status.problems:
                click.echo(f"  {problem}")
    if bad:
        raise SystemExit(1)
