"""Factories over JSON: list/search, create, read, update."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..extensions import db
from ..factories import services
from ..factories.models import Factory
from . import bp
from .common import json_body, page_args, paginated, require_role

FACTORY_FIELDS = frozenset(services.EDITABLE_FIELDS)


def factory_json(factory: Factory) -> dict:
    """A factory as the API shows it."""
    return {
        "id": factory.id,
        "name_zh": factory.name_zh,
        "name_en": factory.name_en,
        "uscc": factory.uscc,
        "region": {
            "id": factory.region.id,
            "code": factory.region.code,
            "name_zh": factory.region.full_name_zh,
            "name_en": factory.region.full_name_en,
        },
        "region_id": factory.region_id,
        "sector": factory.sector.value,
        "address": factory.address,
        "latitude": factory.latitude,
        "longitude": factory.longitude,
        "headcount_women": factory.headcount_women,
        "headcount_men": factory.headcount_men,
        "score_batch": factory.score_batch,
        "score_modules": factory.score_modules,
        "version": factory.version,
        "updated_at": factory.updated_at.isoformat() + "Z",
    }


@bp.get("/factories")
@login_required
def list_factories():
    require_role(Role.ADMIN, Role.INSPECTOR, Role.COMMITTEE)
    filters = services.FactoryFilters(
        q=request.args.get("q", "")[:100],
        region_id=request.args.get("region_id", type=int),
        sector=request.args.get("sector", ""),
    )
    page, per_page = page_args()
    pagination = db.paginate(
        services.search_factories(current_user, filters),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    return paginated(pagination, factory_json)


@bp.post("/factories")
@login_required
def create_factory():
    require_role(Role.ADMIN, Role.INSPECTOR)
    data = json_body(FACTORY_FIELDS)
    factory = services.create_factory(by=current_user, **data)
    db.session.commit()
    return factory_json(factory), 201, {"Location": f"/api/v1/factories/{factory.id}"}


@bp.get("/factories/<int:factory_id>")
@login_required
def get_factory(factory_id: int):
    factory = services.get_factory_or_404(factory_id, current_user)
    return factory_json(factory)


@bp.patch("/factories/<int:factory_id>")
@login_required
def update_factory(factory_id: int):
    factory = services.get_factory_or_404(factory_id, current_user, for_edit=True)
    data = json_body(FACTORY_FIELDS | {"version"})
    expected = data.pop("version", None)
    services.update_factory(
        factory,
        by=current_user,
        expected_version=expected if isinstance(expected, int) else None,
        **data,
    )
    db.session.commit()
    return factory_json(factory)
