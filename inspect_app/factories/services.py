"""Factory register: scoped queries, search, create and update."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from ..accounts.models import Role, User
from ..errors import DomainError, Forbidden, NotFound, check_version, flush_versioned
from ..extensions import MAX_ID, db
from ..permissions import can_edit_factory, can_view_factory, region_paths
from .models import Factory, Region, Sector


def scope_clause(user: User):
    """A WHERE clause limiting factories to those the user may see."""
    if user.role is Role.ADMIN:
        return sa.true()
    if user.role is Role.INSPECTOR:
        paths = region_paths(user)
        if not paths:
            return sa.false()
        return Factory.region_id.in_(
            sa.select(Region.id).where(sa.or_(*(Region.path.startswith(p) for p in paths)))
        )
    if user.role is Role.COMMITTEE and user.factory_id:
        return Factory.id == user.factory_id
    return sa.false()


@dataclass(frozen=True)
class FactoryFilters:
    q: str = ""
    region_id: int | None = None
    sector: str = ""


def search_factories(user: User, filters: FactoryFilters) -> sa.Select:
    """Select the user's factories matching a name (either language), region and sector."""
    stmt = sa.select(Factory).where(scope_clause(user))
    if filters.q.strip():
        like = f"%{filters.q.strip().lower()}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Factory.name_zh).like(like),
                sa.func.lower(Factory.name_en).like(like),
                Factory.uscc.like(like.upper()),
            )
        )
    if filters.region_id and 0 < filters.region_id <= MAX_ID:
        region = db.session.get(Region, filters.region_id)
        if region is not None:
            stmt = stmt.where(
                Factory.region_id.in_(
                    sa.select(Region.id).where(Region.path.startswith(region.path))
                )
            )
    if filters.sector:
        # An unknown sector matches nothing (the enum column cannot even compare with it).
        known = filters.sector in {s.value for s in Sector}
        stmt = stmt.where(Factory.sector == filters.sector if known else sa.false())
    return stmt.order_by(Factory.name_zh, Factory.id)


def get_factory_or_404(factory_id: int, user: User, *, for_edit: bool = False) -> Factory:
    """Load a factory the user may see (or edit); anything else is a 404."""
    factory = db.session.get(Factory, factory_id) if 0 < factory_id <= MAX_ID else None
    if factory is None or not can_view_factory(user, factory):
        raise NotFound()
    if for_edit and not can_edit_factory(user, factory):
        raise Forbidden() if user.role is Role.COMMITTEE else NotFound()
    return factory


def visible_regions(user: User) -> list[Region]:
    """Regions for filter menus and forms: all for admins, the assigned subtrees for inspectors."""
    stmt = sa.select(Region).order_by(Region.path)
    if user.role is Role.INSPECTOR:
        paths = region_paths(user)
        stmt = stmt.where(
            sa.or_(*(Region.path.startswith(p) for p in paths)) if paths else sa.false()
        )
    elif user.role is not Role.ADMIN:
        return []
    return list(db.session.scalars(stmt))


def _check_register_rules(data: dict, *, user: User, factory: Factory | None) -> None:
    """The rules a schema cannot check: the code is not another factory's, the region is one
    the user covers."""
    errors: dict[str, str] = {}
    if "uscc" in data:
        clash = db.session.scalar(
            sa.select(Factory.id).where(
                Factory.uscc == data["uscc"], Factory.id != (factory.id if factory else -1)
            )
        )
        if clash:
            errors["uscc"] = _("Another factory already has this code.")
    if "region_id" in data:
        region = db.session.get(Region, data["region_id"]) if data["region_id"] else None
        if region is None or region.id not in {r.id for r in visible_regions(user)}:
            errors["region_id"] = _("Choose a region you cover.")
    if errors:
        raise DomainError(_("Please correct the marked fields."), fields=errors)


def create_factory(*, by: User, **data) -> Factory:
    """Add a factory to the register (`data`: the fields of FactoryCreate, validated)."""
    _check_register_rules(data, user=by, factory=None)
    factory = Factory(**data)
    db.session.add(factory)
    db.session.flush()
    return factory


def update_factory(
    factory: Factory, *, by: User, expected_version: int | None, **changes
) -> Factory:
    """Change a factory's register entry (`changes`: fields of FactoryPatch); the edit names
    the version it was made on."""
    check_version(factory, expected_version)
    _check_register_rules(changes, user=by, factory=factory)
    for key, value in changes.items():
        setattr(factory, key, value)
    flush_versioned(factory)
    return factory
