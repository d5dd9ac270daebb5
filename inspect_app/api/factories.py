"""Factories over JSON: list/search, create, read, update; the regions a factory can be in."""

from __future__ import annotations

from flask_login import current_user
from pydantic import Field

from ..accounts.models import Role
from ..extensions import db
from ..factories import services
from ..factories.models import Factory
from ..factories.schemas import FactoryCreate, FactoryOut, FactoryPatch, RegionOut, Sector
from ..schemas import Id, Page, PageQuery
from . import bp
from .contract import endpoint

STAFF = (Role.ADMIN, Role.INSPECTOR)


class FactoryQuery(PageQuery):
    q: str = Field("", max_length=100, description="part of either name or of the credit code")
    region_id: Id | None = Field(None, description="a region: the factories in its subtree")
    sector: Sector | None = None


@bp.get("/factories")
@endpoint(query=FactoryQuery, reply=Page[FactoryOut], roles=(*STAFF, Role.COMMITTEE))
def list_factories(query: FactoryQuery):
    """Factories in the user's scope, by Chinese name."""
    filters = services.FactoryFilters(
        q=query.q, region_id=query.region_id, sector=query.sector or ""
    )
    stmt = services.search_factories(current_user, filters)
    return Page.of(db.paginate(stmt, page=query.page, per_page=query.per_page, error_out=False))


@bp.post("/factories")
@endpoint(body=FactoryCreate, reply=FactoryOut, status=201, roles=STAFF)
def create_factory(body: FactoryCreate):
    """Add a factory to the register (the credit code is checked character by character)."""
    factory = services.create_factory(by=current_user, **body.model_dump())
    return factory, 201, {"Location": f"/api/v1/factories/{factory.id}"}


def visible_factory(factory_id: int) -> Factory:
    return services.get_factory_or_404(factory_id, current_user)


def editable_factory(factory_id: int) -> Factory:
    return services.get_factory_or_404(factory_id, current_user, for_edit=True)


@bp.get("/factories/<int:factory_id>")
@endpoint(load=visible_factory, reply=FactoryOut)
def get_factory(factory: Factory):
    """One factory."""
    return factory


@bp.patch("/factories/<int:factory_id>")
@endpoint(load=editable_factory, body=FactoryPatch, reply=FactoryOut, errors=(403, 409))
def update_factory(factory: Factory, body: FactoryPatch):
    """Change a factory: only the fields sent change; a stale `version` is a 409."""
    changes = body.changes()
    version = changes.pop("version")
    return services.update_factory(factory, by=current_user, expected_version=version, **changes)


@bp.get("/regions")
@endpoint(reply=list[RegionOut], roles=STAFF)
def list_regions():
    """The regions the user may put a factory in (an admin: all of them)."""
    return services.visible_regions(current_user)
