"""Inspections over JSON: start, read, answer (autosave), findings, photos, submit."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask import request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from ..accounts.models import Role
from ..bodies import accepts_uploads
from ..errors import DomainError, StaleVersion, check_version, json_error
from ..extensions import MAX_ID, db
from ..factories.services import get_factory_or_404
from ..inspections import reports, services
from ..inspections.models import Finding, Inspection, InspectionStatus
from ..permissions import can_edit_inspection
from ..photos import services as photo_services
from ..photos.models import Photo
from ..sync import device_time
from . import bp
from .common import json_body, page_args, paginated, require_role, store_uploaded_photo


def _iso(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() + ("Z" if isinstance(value, datetime) else "")


def finding_json(finding: Finding) -> dict:
    return {
        "id": finding.id,
        "inspection_id": finding.inspection_id,
        "factory_id": finding.factory_id,
        "item_id": finding.item_id,
        "area": finding.area,
        "title": finding.title,
        "description": finding.description,
        "location": finding.location,
        "source": finding.source.value,
        "grade": finding.grade.value,
        "likelihood": finding.likelihood,
        "severity": finding.severity,
        "risk_score": finding.risk_score,
        "risk_level": finding.risk_level.value,
        "fixed_on_spot": finding.fixed_on_spot,
        "reference": finding.reference,
        "open": finding.is_open,
        "client_id": finding.client_id,
        "photos": [photo_services.photo_json(p) for p in finding.photos],
        "version": finding.version,
        "created_at": _iso(finding.created_at),
        "updated_at": _iso(finding.updated_at),
    }


def inspection_json(inspection: Inspection, *, full: bool = True) -> dict:
    data = {
        "id": inspection.id,
        "factory_id": inspection.factory_id,
        "factory": {
            "id": inspection.factory.id,
            "name_zh": inspection.factory.name_zh,
            "name_en": inspection.factory.name_en,
        },
        "checklist": {
            "slug": inspection.checklist_version.slug,
            "version": inspection.checklist_version.number,
        },
        "kind": inspection.kind.value,
        "status": inspection.status.value,
        "inspected_on": inspection.inspected_on.isoformat(),
        "inspectors": [{"id": u.id, "name": u.name} for u in inspection.inspectors],
        "committee_members": [{"id": u.id, "name": u.name} for u in inspection.committee_members],
        "submitted_at": _iso(inspection.submitted_at),
        "version": inspection.version,
        "client_id": inspection.client_id,
    }
    if full:
        data.update(
            good_points=inspection.good_points,
            answers={
                a.item_id: {"value": a.value, "note": a.note, "answered_at": _iso(a.answered_at)}
                for a in inspection.answers
            },
            findings=[finding_json(f) for f in inspection.findings],
            scores=services.scores_of(inspection),
            editable=can_edit_inspection(current_user, inspection),
        )
    return data


def _date(value, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(
            _("Use a date like 2026-03-31."), fields={field: _("Use a date like 2026-03-31.")}
        ) from None


def _datetime(value, field: str = "answered_at") -> datetime | None:
    if value is None or value == "":
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is not None:
            from datetime import UTC

            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):  # not a time, or past the calendar's ends in UTC
        raise DomainError(
            _("Use an ISO 8601 time."), fields={field: _("Use an ISO 8601 time.")}
        ) from None
    return parsed


@bp.get("/inspections")
@login_required
def list_inspections():
    require_role(Role.ADMIN, Role.INSPECTOR, Role.COMMITTEE)
    stmt = services.scoped_inspections(current_user).options(*services.HEADER_ONLY)
    # Filters that name no factory or no status match nothing (and never reach the driver).
    if (factory_id := request.args.get("factory_id", type=int)) is not None:
        known = 0 < factory_id <= MAX_ID
        stmt = stmt.where(Inspection.factory_id == factory_id if known else sa.false())
    if status := request.args.get("status"):
        known = status in {s.value for s in InspectionStatus}
        stmt = stmt.where(Inspection.status == status if known else sa.false())
    if client_id := request.args.get("client_id"):
        # A device looking up what it started offline: among its user's own starts only.
        stmt = stmt.where(
            Inspection.client_id == client_id[:64], Inspection.created_by_id == current_user.id
        )
    page, per_page = page_args()
    pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    return paginated(pagination, lambda i: inspection_json(i, full=False))


@bp.post("/inspections")
@login_required
def create_inspection():
    require_role(Role.ADMIN, Role.INSPECTOR, Role.COMMITTEE)
    data = json_body(
        {
            "factory_id",
            "checklist",
            "checklist_version",
            "kind",
            "inspected_on",
            "inspector_ids",
            "committee_member_ids",
            "client_id",
        }
    )
    factory_id = data.get("factory_id")
    if not isinstance(factory_id, int) or isinstance(factory_id, bool):
        raise DomainError(_("Choose a factory."), fields={"factory_id": _("Required.")})
    factory = get_factory_or_404(data["factory_id"], current_user)
    inspection, created = services.start_inspection_once(
        by=current_user,
        factory=factory,
        checklist=str(data.get("checklist") or ""),
        kind=str(data.get("kind") or ""),
        inspected_on=_date(data.get("inspected_on"), "inspected_on"),
        inspector_ids=data.get("inspector_ids") or (),
        committee_member_ids=data.get("committee_member_ids") or (),
        client_id=data.get("client_id"),
        checklist_version=data.get("checklist_version"),
    )
    db.session.commit()
    location = {"Location": f"/api/v1/inspections/{inspection.id}"}
    return inspection_json(inspection), 201 if created else 200, location


@bp.get("/inspections/<int:inspection_id>")
@login_required
def get_inspection(inspection_id: int):
    return inspection_json(services.get_inspection_or_404(inspection_id, current_user))


@bp.patch("/inspections/<int:inspection_id>")
@login_required
def update_inspection(inspection_id: int):
    inspection = services.get_inspection_or_404(inspection_id, current_user, for_edit=True)
    data = json_body(
        {"good_points", "inspected_on", "inspector_ids", "committee_member_ids", "version"}
    )
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int | None):
        version = -1  # not a version we ever issued: refused as stale
    try:
        # Good points are typed on a device and may be replayed: they name the version they
        # were edited from, and a stale one gets the inspection as it is now.
        if "good_points" in data or version is not None:
            check_version(
                inspection,
                version,
                _("Someone else changed this inspection while you were editing."),
            )
        services.update_inspection(
            inspection,
            good_points=data.get("good_points"),
            inspected_on=_date(data.get("inspected_on"), "inspected_on"),
            inspector_ids=data.get("inspector_ids"),
            committee_member_ids=data.get("committee_member_ids"),
        )
    except (StaleVersion, StaleDataError) as error:
        # StaleDataError: both saves passed the check at once; the other one committed first.
        db.session.rollback()
        message = _("Someone else changed this inspection at the same time.")
        current = services.get_inspection_or_404(inspection_id, current_user)
        return json_error(
            409,
            "stale_version",
            getattr(error, "message", message),
            {"version": current.version},
            current=inspection_json(current),
        )
    db.session.commit()
    return inspection_json(inspection)


@bp.put("/inspections/<int:inspection_id>/answers/<item_id>")
@login_required
def put_answer(inspection_id: int, item_id: str):
    inspection = services.get_inspection_or_404(
        inspection_id, current_user, for_edit=True, options=services.ANSWERS_ONLY
    )
    data = json_body({"value", "note", "answered_at", "sent_at", "client_id"})
    answered_at = _datetime(data.get("answered_at"))
    sent_at = _datetime(data.get("sent_at"), "sent_at")
    answer = services.set_answer(
        inspection,
        item_id=item_id,
        value=data.get("value"),
        note=str(data.get("note") or ""),
        by=current_user,
        answered_at=device_time(answered_at or sent_at, sent_at),
    )
    # The reply is built before the commit: afterwards every object is expired, and reading
    # them again would reload the inspection and open a second (write) transaction.
    reply = {
        "item_id": item_id,
        "value": answer.value if answer else None,
        "note": answer.note if answer else "",
        "answered_at": _iso(answer.answered_at) if answer else None,
        "scores": services.live_scores(inspection),
    }
    db.session.commit()
    return reply


@bp.post("/inspections/<int:inspection_id>/findings")
@login_required
def add_finding(inspection_id: int):
    inspection = services.get_inspection_or_404(inspection_id, current_user, for_edit=True)
    data = json_body(services.FINDING_FIELDS | {"client_id"})
    client_id = data.pop("client_id", None)
    finding, created = services.add_finding(
        inspection, by=current_user, client_id=client_id, **data
    )
    db.session.commit()
    return finding_json(finding), 201 if created else 200


@bp.get("/findings/<int:finding_id>")
@login_required
def get_finding(finding_id: int):
    return finding_json(services.get_finding_or_404(finding_id, current_user))


@bp.patch("/findings/<int:finding_id>")
@login_required
def update_finding(finding_id: int):
    finding = services.get_finding_or_404(finding_id, current_user, for_edit=True)
    data = json_body(services.FINDING_FIELDS | {"version"})
    expected = data.pop("version", None)
    try:
        services.update_finding(
            finding,
            by=current_user,
            expected_version=expected if isinstance(expected, int) else None,
            **data,
        )
    except DomainError as error:
        current = getattr(error, "current", None)
        if current is None:
            raise
        db.session.rollback()
        return json_error(409, error.code, error.message, current=finding_json(current))
    db.session.commit()
    return finding_json(finding)


@bp.post("/findings/<int:finding_id>/photos")
@accepts_uploads
@login_required
def add_finding_photo(finding_id: int):
    finding = services.get_finding_or_404(finding_id, current_user, for_edit=True)
    return store_uploaded_photo(
        factory_id=finding.factory_id,
        kind=request.form.get("kind") or "before",
        finding_id=finding.id,
    )


@bp.delete("/photos/<int:photo_id>")
@login_required
def delete_photo(photo_id: int):
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.finding_id is None:
        return json_error(404, "not_found", _("Not found."))
    services.get_finding_or_404(photo.finding_id, current_user, for_edit=True)
    photo_services.remove_photo(photo)
    db.session.commit()
    return "", 204


@bp.post("/inspections/<int:inspection_id>/submit")
@login_required
def submit_inspection(inspection_id: int):
    inspection = services.get_inspection_or_404(inspection_id, current_user)
    if not inspection.is_draft:
        raise DomainError(
            _("This inspection was submitted and is read-only."),
            status=409,
            code="inspection_submitted",
        )
    inspection = services.get_inspection_or_404(inspection_id, current_user, for_edit=True)
    services.submit(inspection, by=current_user)
    reports.keep_after_submit(inspection, by=current_user, base_url=request.url_root)
    db.session.commit()
    return inspection_json(inspection)
