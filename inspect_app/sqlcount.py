"""Count the SQL statements of each request: an `X-SQL-Count` response header.

For benchmarks and the N+1 test only. create_app wires it in when INSPECT_COUNT_SQL=1 (or the
COUNT_SQL config key) is set; otherwise nothing is registered and requests pay nothing.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, has_request_context, request

HEADER = "X-SQL-Count"
_KEY = "inspect.sql_count"  # kept in the WSGI environ: one count per request, whatever the g


def wanted(app: Flask) -> bool:
    """Whether counting is switched on, by config or by the environment."""
    return bool(app.config.get("COUNT_SQL")) or os.environ.get("INSPECT_COUNT_SQL") == "1"


def init_app(app: Flask) -> None:
    """Count every statement sent to the app's engine and report the count per request."""
    from .extensions import db

    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _count(_conn, _cursor, _statement, _parameters, _context, _executemany):
        if has_request_context():
            environ = request.environ
            environ[_KEY] = environ.get(_KEY, 0) + 1

    @app.after_request
    def _report(response):
        response.headers[HEADER] = str(request.environ.get(_KEY, 0))
        return response
