"""Factory register: scoped queries, search, create and update."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from ..accounts.models import Role, User
from ..errors import Conflict, DomainError
from ..extensions import MAX_ID, db
from ..permissions import can_edit_factory, can_view_factory, region_paths
from . import uscc
from .models import Factory, Region, Sector

EDITABLE_FIELDS = (
    "name_zh",
    "name_en",
    "uscc",
    "region_id",
    "sector",
    "address",
    "latitude",
    "longitude",
    "headcount_women",
    "headcount_men",
    "score_batch",
    "score_modules",
)


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
        abort(404)
    if for_edit and not can_edit_factory(user, factory):
        abort(404 if user.role is not Role.COMMITTEE else 403)
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


#: Longest text each column holds (PostgreSQL refuses longer strings).
TEXT_LIMITS = {
    "name_zh": 200,
    "name_en": 200,
    "uscc": 40,  # checked to 18 characters after normalizing spaces and dashes
    "sector": 40,
    "address": 300,
    "score_batch": 60,
    "score_modules": 40,
}
MAX_HEADCOUNT = 1_000_000


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _validate(data: dict, *, user: User, factory: Factory | None) -> dict:
    errors: dict[str, str] = {}
    clean = {k: data[k] for k in EDITABLE_FIELDS if k in data}
    for key, limit in TEXT_LIMITS.items():
        if key not in clean or clean[key] is None:
            continue
        if not isinstance(clean[key], str):
            errors[key] = _("Enter text.")
            clean[key] = None
        elif len(clean[key].strip()) > limit:
            errors[key] = _("At most %(num)d characters.", num=limit)
    if "name_zh" in clean:
        clean["name_zh"] = (clean["name_zh"] or "").strip()
        if not clean["name_zh"] and "name_zh" not in errors:
            errors["name_zh"] = _("The Chinese name is required.")
    if "name_en" in clean:
        clean["name_en"] = (clean["name_en"] or "").strip()
    if "uscc" in clean and "uscc" not in errors:
        code = uscc.normalize(clean["uscc"] or "")
        if msg := uscc.problem(code):
            errors["uscc"] = msg
        else:
            clash = db.session.scalar(
                sa.select(Factory.id).where(
                    Factory.uscc == code, Factory.id != (factory.id if factory else -1)
                )
            )
            if clash:
                errors["uscc"] = _("Another factory already has this code.")
        clean["uscc"] = code
    if "sector" in clean and "sector" not in errors:
        try:
            clean["sector"] = Sector(clean["sector"])
        except ValueError:
            errors["sector"] = _("Choose a sector from the list.")
    if "region_id" in clean:
        region_id = clean["region_id"]
        valid_id = isinstance(region_id, int) and not isinstance(region_id, bool)
        region = db.session.get(Region, region_id) if valid_id and 0 < region_id <= MAX_ID else None
        allowed = {r.id for r in visible_regions(user)}
        if region is None or region.id not in allowed:
            errors["region_id"] = _("Choose a region you cover.")
    for key in ("headcount_women", "headcount_men"):
        if key in clean:
            if clean[key] is None:
                clean[key] = 0
            value = clean[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                errors[key] = _("Enter a whole number, 0 or more.")
            elif value > MAX_HEADCOUNT:
                errors[key] = _("Too large: check the number (at most %(max)d).", max=MAX_HEADCOUNT)
    for key, bound in (("latitude", 90), ("longitude", 180)):
        value = clean.get(key)
        if value is None:
            continue
        if not _is_number(value) or not -bound <= value <= bound:
            errors[key] = (
                _("Latitude is between -90 and 90.")
                if key == "latitude"
                else _("Longitude is between -180 and 180.")
            )
    for key in ("address", "score_batch", "score_modules"):
        if key in clean:
            clean[key] = (clean[key] or "").strip()
    if errors:
        raise DomainError(_("Please correct the marked fields."), fields=errors)
    return clean


def create_factory(*, by: User, **data) -> Factory:
    """Add a factory to the register."""
    for required in ("name_zh", "uscc", "region_id", "sector"):
        data.setdefault(required, None)
    clean = _validate(data, user=by, factory=None)
    factory = Factory(**clean)
    db.session.add(factory)
    db.session.flush()
    return factory


def update_factory(
    factory: Factory, *, by: User, expected_version: int | None = None, **data
) -> Factory:
    """Change a factory's register entry; a stale version is a conflict."""
    if expected_version is not None and expected_version != factory.version:
        raise Conflict(
            _(
                "Someone else changed this factory while you were editing. Reload to see their "
                "changes."
            ),
            fields={"version": factory.version},
        )
    clean = _validate(data, user=by, factory=factory)
    for key, value in clean.items():
        setattr(factory, key, value)
    try:
        db.session.flush()
    except StaleDataError:
        # Both saves passed the version check at once; the other one committed first. Roll
        # back now: the failed flush left the session unusable, and the message needs it (it
        # reads the user's language).
        db.session.rollback()
        raise Conflict(
            _(
                "Someone else changed this factory while you were editing. Reload to see their "
                "changes."
            ),
        ) from None
    return factory
