"""Cases over JSON: the library (search and filters), promoting a finding, reading, editing,
publishing. A case never carries its source factory or finding, except for admins."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..cases import services
from ..cases.models import Case
from ..errors import Conflict, DomainError, json_error
from ..extensions import db
from ..permissions import can_edit_case
from . import bp
from .common import json_body, page_args, paginated, require_role


def _iso(value) -> str | None:
    return value.isoformat() + "Z" if value else None


def case_json(case: Case) -> dict:
    """A case as the API shows it: the story, tags, numbers and the case's own photos."""
    data = {
        "id": case.id,
        "status": case.status.value,
        **{column: getattr(case, column) for column in services.TEXT_COLUMNS},
        "sector": case.sector,
        "city_zh": case.city_zh,
        "city_en": case.city_en,
        "areas": list(case.areas or []),
        "control_type": case.control_type,
        "checklist_item": case.checklist_item,
        "cost": None if case.cost is None else f"{case.cost:.2f}",
        "photos": [services.photo_json(photo) for photo in case.photos],
        "published_at": _iso(case.published_at),
        "updated_at": _iso(case.updated_at),
        "version": case.version,
        "editable": can_edit_case(current_user, case),
        "url": f"/cases/{case.id}",
    }
    if current_user.role is Role.ADMIN:
        data["source"] = {"finding_id": case.finding_id, "factory_id": case.factory_id}
    return data


@bp.get("/cases")
@login_required
def list_cases():
    require_role(Role.ADMIN, Role.TRAINER)
    filters = services.CaseFilters(
        q=request.args.get("q", "")[:200],
        area=request.args.get("area", ""),
        control_type=request.args.get("control_type", ""),
        sector=request.args.get("sector", ""),
        status=request.args.get("status", ""),
    )
    page, per_page = page_args()
    pagination = db.paginate(
        services.library(current_user, filters), page=page, per_page=per_page, error_out=False
    )
    services.prefetch_trainer_editors(pagination.items)
    return paginated(pagination, case_json)


@bp.post("/cases")
@login_required
def create_case():
    require_role(Role.ADMIN, Role.INSPECTOR)
    data = json_body({"finding_id"})
    finding_id = data.get("finding_id")
    if not isinstance(finding_id, int) or isinstance(finding_id, bool):
        raise DomainError(
            _("Send the id of a finding with a verified action."),
            fields={"finding_id": _("Required.")},
        )
    from ..inspections.services import get_finding_or_404

    finding = get_finding_or_404(finding_id, current_user)
    try:
        case = services.promote(finding, by=current_user)
    except Conflict as error:
        existing = getattr(error, "case", None)
        if existing is None:
            raise
        db.session.rollback()
        return json_error(409, error.code, error.message, case_id=existing.id)
    db.session.commit()
    return case_json(case), 201, {"Location": f"/api/v1/cases/{case.id}"}


@bp.get("/cases/<int:case_id>")
@login_required
def get_case(case_id: int):
    return case_json(services.get_case_or_404(case_id, current_user))


@bp.patch("/cases/<int:case_id>")
@login_required
def update_case(case_id: int):
    """Edit the story, tags and numbers; `status` publishes or takes back. Publishing text
    that names the source answers 409 `anonymity_warning` with the hits, unless
    `confirm_anonymity` is true."""
    case = services.get_case_or_404(case_id, current_user, for_edit=True)
    data = json_body(services.EDITABLE_FIELDS | {"version", "status", "confirm_anonymity"})
    expected = data.pop("version", None)
    status = data.pop("status", None)
    confirm = data.pop("confirm_anonymity", False)
    if not isinstance(confirm, bool):
        raise DomainError(
            _("confirm_anonymity is true or false."),
            fields={"confirm_anonymity": _("true or false")},
            status=400,
            code="bad_request",
        )
    expected = expected if isinstance(expected, int) and not isinstance(expected, bool) else None
    try:
        if data:
            services.update_case(
                case,
                by=current_user,
                expected_version=expected,
                confirm_anonymity=confirm,
                **data,
            )
        else:
            services.check_version(case, expected)
        if status is not None:
            services.set_status(case, status, by=current_user, confirm_anonymity=confirm)
    except services.AnonymityWarning as warning:
        db.session.rollback()
        return json_error(
            409,
            warning.code,
            warning.message,
            warning.fields,
            hits=[hit.as_dict() for hit in warning.hits],
        )
    db.session.commit()
    return case_json(case)
