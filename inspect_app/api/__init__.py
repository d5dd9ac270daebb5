"""The /api/v1 blueprint: thin JSON views over the feature services."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import (  # noqa: E402,F401  (routes register on import)
    accounts,
    actions,
    cases,
    checklists,
    documents,
    factories,
    inspections,
    jobs,
    kpis,
    openapi,
)
