"""`flask --app inspect_app worker`: runs jobs from Redis (INSPECT_REDIS_URL) until stopped."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

#: The app the worker process built (RQ calls run_in_worker without one).
_APP: Flask | None = None


def run_in_worker(job_id: int) -> None:
    """What RQ runs: one job, in the worker's app context."""
    from ..extensions import db
    from .queue import run_job

    app = _APP
    if app is None:  # run by a plain `rq worker`: build the app from the environment
        from .. import create_app

        app = create_app()
    with app.app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then stop.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run jobs (report PDFs) from the Redis queue; needs INSPECT_REDIS_URL."""
    global _APP
    runner = current_app.extensions["jobs"]
    if runner.kind != "redis":
        raise click.UsageError(
            "INSPECT_REDIS_URL is not set: without Redis the app runs jobs itself, "
            "no worker is needed."
        )
    from rq import SimpleWorker

    _APP = current_app._get_current_object()
    queue = runner.queue()
    click.echo(f"Worker on queue {queue.name!r} at {runner.url.rsplit('@', 1)[-1]}")
    # SimpleWorker runs jobs in this process: WeasyPrint is imported once and stays warm,
    # where a forking worker would import it again for every job.
    SimpleWorker([queue], connection=queue.connection).work(burst=burst)
