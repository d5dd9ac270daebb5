"""Monthly KPIs over JSON: a factory's records, and an idempotent PUT per month."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from ..errors import StaleVersion, json_error
from ..extensions import db
from ..factories import kpis
from . import bp
from .common import json_body


@bp.get("/factories/<int:factory_id>/kpis")
@login_required
def list_kpis(factory_id: int):
    factory = kpis.get_factory_for_kpis_or_404(factory_id, current_user)
    since = request.args.get("from")
    until = request.args.get("to")
    records = kpis.list_kpis(
        factory,
        since=kpis.parse_month(since, allow_future=True) if since else None,
        until=kpis.parse_month(until, allow_future=True) if until else None,
    )
    return {"factory_id": factory.id, "items": [kpis.kpi_json(r) for r in records]}


@bp.put("/factories/<int:factory_id>/kpis/<month>")
@login_required
def put_kpis(factory_id: int, month: str):
    factory = kpis.get_factory_for_kpis_or_404(factory_id, current_user)
    first_day = kpis.parse_month(month)
    data = json_body(frozenset(kpis.KPI_FIELDS) | {"client_id", "version"})
    version = data.pop("version", None)
    if isinstance(version, bool) or not isinstance(version, int | None):
        version = -1  # not a version we ever issued: refused as stale
    try:
        record, created = kpis.save_kpis(
            factory,
            month=first_day,
            by=current_user,
            expected_version=version,
            require_version=True,
            **data,
        )
    except StaleVersion as error:
        db.session.rollback()
        current = kpis.get_kpi(factory, first_day)
        return json_error(
            409, error.code, error.message, error.fields, current=kpis.kpi_json(current)
        )
    db.session.commit()
    location = f"/api/v1/factories/{factory.id}/kpis/{kpis.month_key(record.month)}"
    return kpis.kpi_json(record), 201 if created else 200, {"Location": location}
