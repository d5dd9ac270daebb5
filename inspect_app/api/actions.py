"""Improvement actions over JSON: list and raise, read and change (lifecycle), photos."""

from __future__ import annotations

from datetime import datetime

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..actions import services
from ..actions.models import Action, ActionEvent
from ..bodies import accepts_uploads
from ..errors import DomainError, json_error
from ..extensions import db
from ..factories.services import get_factory_or_404
from ..inspections import services as inspection_services
from ..permissions import (
    ACTION_ROLES,
    can_add_action_photo,
    can_create_action,
    can_edit_action,
    can_view_finding,
)
from ..photos import services as photo_services
from ..photos.models import PhotoKind
from . import bp
from .common import json_body, page_args, paginated, require_role, store_uploaded_photo

PATCH_FIELDS = services.EDITABLE_FIELDS | {"status", "note", "due_on", "reason", "version"}


def _iso(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() + ("Z" if isinstance(value, datetime) else "")


def _person(user) -> dict | None:
    return {"id": user.id, "name": user.name} if user is not None else None


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def event_json(event: ActionEvent) -> dict:
    return {
        "id": event.id,
        "kind": event.kind.value,
        "at": _iso(event.at),
        "by": _person(event.by),
        "from_status": event.from_status.value if event.from_status else None,
        "to_status": event.to_status.value if event.to_status else None,
        "old_due_on": _iso(event.old_due_on),
        "new_due_on": _iso(event.new_due_on),
        "note": event.note,
    }


def action_json(action: Action, extras: services.ActionExtras | None = None) -> dict:
    """An action as the API shows it, with its derived overdue flag and its timeline; a list
    passes the `extras` of its whole page (services.page_extras)."""
    finding = action.finding
    extras = extras or services.extras_of(action)
    verified_by = extras.person(action.verified_by_id)
    proposed_by = extras.person(action.proposed_by_id)
    return {
        "id": action.id,
        "factory_id": action.factory_id,
        "finding_id": action.finding_id,
        "finding": None
        if finding is None
        else {
            "id": finding.id,
            "inspection_id": finding.inspection_id,
            "title": finding.title,
            "area": finding.area,
            "grade": finding.grade.value,
            "risk_level": finding.risk_level.value,
            "open": finding.is_open,
        },
        "origin": action.origin.value,
        "title": action.title,
        "description": action.description,
        "control_type": action.control_type.value if action.control_type else None,
        "responsible": action.responsible,
        "due_on": _iso(action.due_on),
        "status": action.status.value,
        "overdue": bool(action.is_overdue),
        "estimated_cost": _money(action.estimated_cost),
        "actual_cost": _money(action.actual_cost),
        "done_description": action.done_description,
        "proposed_by": _person(proposed_by),
        "created_at": _iso(action.created_at),
        "updated_at": _iso(action.updated_at),
        "done_at": _iso(action.done_at),
        "verified_at": _iso(action.verified_at),
        "verified_by": _person(verified_by),
        "closed_at": _iso(action.closed_at),
        "photos": {
            kind.value: [photo_services.photo_json(p) for p in extras.of(action, kind)]
            for kind in (PhotoKind.BEFORE, PhotoKind.AFTER, PhotoKind.VERIFICATION)
        },
        "timeline": [event_json(e) for e in action.events],
        "allowed_moves": services.allowed_moves(action, current_user),
        "editable": can_edit_action(current_user, action),
        "version": action.version,
        "client_id": action.client_id,
    }


def _illegal(error: services.IllegalMove):
    return json_error(409, error.code, error.message, error.fields, allowed=error.allowed)


def _filters() -> services.ActionFilters:
    statuses = []
    for value in request.args.getlist("status"):
        statuses.extend(part for part in value.split(",") if part)
    return services.ActionFilters(
        statuses=tuple(statuses),
        overdue=request.args.get("overdue", "").lower() in {"1", "true", "yes"},
        area=request.args.get("area", "")[:40],
        grade=request.args.get("grade", "")[:10],
        responsible=request.args.get("responsible", "")[:120],
    )


@bp.get("/factories/<int:factory_id>/actions")
@login_required
def list_actions(factory_id: int):
    require_role(*ACTION_ROLES)
    factory = get_factory_or_404(factory_id, current_user)
    page, per_page = page_args()
    stmt = services.factory_actions(current_user, factory, _filters()).options(
        *services.page_loads()
    )
    pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    extras = services.page_extras(list(pagination.items))
    return paginated(pagination, lambda action: action_json(action, extras))


def _created(action: Action):
    return action_json(action), 201, {"Location": f"/api/v1/actions/{action.id}"}


@bp.post("/factories/<int:factory_id>/actions")
@login_required
def create_action(factory_id: int):
    require_role(*ACTION_ROLES)
    factory = get_factory_or_404(factory_id, current_user)
    if not can_create_action(current_user, factory):
        abort(403)
    data = json_body(services.CREATE_FIELDS | {"finding_id", "client_id"})
    finding_id = data.pop("finding_id", None)
    if replayed := services.replayed_action(factory, data.get("client_id")):
        return action_json(replayed), 200, {"Location": f"/api/v1/actions/{replayed.id}"}
    if finding_id is None:
        action = services.propose(factory, by=current_user, **data)
    else:
        if not isinstance(finding_id, int) or isinstance(finding_id, bool):
            raise DomainError(_("Choose a finding."), fields={"finding_id": _("Unknown finding.")})
        finding = inspection_services.get_finding_or_404(finding_id, current_user)
        if finding.factory_id != factory.id:
            raise DomainError(
                _("This finding belongs to another factory."),
                fields={"finding_id": _("Not of this factory.")},
            )
        action = services.create_from_finding(finding, by=current_user, **data)
    db.session.commit()
    return _created(action)


@bp.post("/findings/<int:finding_id>/actions")
@login_required
def create_action_from_finding(finding_id: int):
    require_role(*ACTION_ROLES)
    finding = inspection_services.get_finding_or_404(finding_id, current_user)
    if not can_view_finding(current_user, finding):
        abort(404)
    data = json_body(services.CREATE_FIELDS | {"client_id"})
    factory = get_factory_or_404(finding.factory_id, current_user)
    if replayed := services.replayed_action(factory, data.get("client_id")):
        return action_json(replayed), 200, {"Location": f"/api/v1/actions/{replayed.id}"}
    action = services.create_from_finding(finding, by=current_user, **data)
    db.session.commit()
    return _created(action)


@bp.get("/actions/<int:action_id>")
@login_required
def get_action(action_id: int):
    return action_json(services.get_action_or_404(action_id, current_user))


@bp.patch("/actions/<int:action_id>")
@login_required
def update_action(action_id: int):
    """Fields, a due-date change (with `reason`) and a status move (with `note`), at once or
    apart; `version` is required for field and due-date changes, optional for a move."""
    action = services.get_action_or_404(action_id, current_user)
    data = json_body(PATCH_FIELDS)
    expected = data.pop("version", None)
    if isinstance(expected, bool) or not isinstance(expected, int | None):
        expected = -1  # not a version we ever issued: refused as stale
    target = data.pop("status", None)
    note = str(data.pop("note", "") or "")
    reason = str(data.pop("reason", "") or "")
    due_given = "due_on" in data
    new_due_on = data.pop("due_on", None)
    try:
        if data or due_given or expected is not None:
            services.check_version(action, expected)
        if data:
            services.update_action(action, by=current_user, expected_version=expected, **data)
        if due_given:
            services.change_due_date(action, new_due_on=new_due_on, reason=reason, by=current_user)
        if target is not None:
            services.move(action, to=str(target), by=current_user, note=note or reason)
    except services.IllegalMove as error:
        db.session.rollback()
        return _illegal(error)
    except DomainError as error:
        if getattr(error, "current", None) is None:
            raise
        db.session.rollback()
        current = services.get_action_or_404(action_id, current_user)
        return json_error(409, error.code, error.message, current=action_json(current))
    db.session.commit()
    return action_json(action)


@bp.post("/actions/<int:action_id>/photos")
@accepts_uploads
@login_required
def add_action_photo(action_id: int):
    action = services.get_action_or_404(action_id, current_user)
    kind = request.form.get("kind") or PhotoKind.AFTER.value
    if kind not in (PhotoKind.AFTER.value, PhotoKind.VERIFICATION.value):
        raise DomainError(
            _("An action takes “after” and “verification” photos."),
            fields={"kind": _("Use after or verification.")},
            status=400,
            code="bad_request",
        )
    if not can_add_action_photo(current_user, action, kind):
        services.refuse_photo(action, current_user, kind)
    return store_uploaded_photo(factory_id=action.factory_id, kind=kind, action_id=action.id)
