"""Registers every feature's CLI group on the app."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Attach the command groups (`flask --app inspect_app <group> <command>`)."""
    from .accounts.cli import users_cli
    from .backup import backup_cli
    from .checklists.cli import checklists_cli
    from .demo import demo_cli
    from .documents.cli import documents_cli
    from .factories.cli import regions_cli
    from .jobs.worker import worker_command
    from .storage.cli import storage_cli

    for group in (users_cli, regions_cli, checklists_cli, demo_cli, backup_cli, storage_cli,
                  documents_cli):  # fmt: skip
        app.cli.add_command(group)
    app.cli.add_command(worker_command)
