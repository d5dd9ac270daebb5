"""Action pages: the committee's board, an action's page, raising and editing actions, status
moves, due-date changes, photos, and the inspector's verification queue."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..bodies import accepts_uploads
from ..checklists.services import known_areas
from ..errors import DomainError
from ..extensions import db, local_today, new_client_id
from ..factories.services import get_factory_or_404
from ..inspections import services as inspection_services
from ..inspections.models import Finding, Grade
from ..inspections.reports import REPORT_STAMPS
from ..inspections.views import REPORT_EXTRAS
from ..permissions import (
    can_add_action_photo,
    can_create_action,
    can_edit_action,
    can_use_actions,
    can_view_finding,
)
from ..photos import services as photo_services
from ..photos.models import PhotoKind
from ..web import next_or
from . import services
from .forms import ActionForm, DueDateForm, SuggestionForm
from .models import Action, ActionEventKind, ActionStatus

bp = Blueprint("actions", __name__)

CREATE_NAMES = ("title", "description", "control_type", "responsible", "due_on", "estimated_cost")
EDIT_NAMES = (
    "title",
    "description",
    "control_type",
    "responsible",
    "estimated_cost",
    "actual_cost",
    "done_description",
)


def _require_action_role() -> None:
    if not can_use_actions(current_user):
        abort(403)


def _form_errors(form, error: DomainError) -> None:
    for name, message in error.fields.items():
        if name in form and isinstance(message, str):
            form[name].errors = [*form[name].errors, message]
    flash(error.message, "error")


def _data(form, names) -> dict:
    return {name: form[name].data for name in names}


# ---------------------------------------------------------------- the board


def _filters() -> services.ActionFilters:
    status = request.args.get("status", "")
    return services.ActionFilters(
        statuses=(status,) if status in {s.value for s in ActionStatus} else (),
        overdue=request.args.get("overdue") == "1",
        area=request.args.get("area", "") if request.args.get("area") in known_areas() else "",
        grade=request.args.get("grade", "") if request.args.get("grade") in set(Grade) else "",
        responsible=request.args.get("owner", "")[:120],
    )


@bp.get("/factories/<int:factory_id>/actions")
@login_required
def board(factory_id: int):
    """The factory's actions grouped by status, overdue first, with filters."""
    _require_action_role()
    factory = get_factory_or_404(factory_id, current_user)
    filters = _filters()
    return render_template(
        "actions/board.html",
        factory=factory,
        filters=filters,
        groups=services.board(current_user, factory, filters),
        owners=services.responsible_names(current_user, factory),
        areas=known_areas(),
        grades=list(Grade),
        can_create=can_create_action(current_user, factory),
        filtered=bool(
            filters.statuses
            or filters.overdue
            or filters.area
            or filters.grade
            or filters.responsible
        ),
    )


@bp.get("/actions/board")
@login_required
def my_board():
    """A committee's own factory board (the "Our actions" menu entry)."""
    if current_user.role is not Role.COMMITTEE or not current_user.factory_id:
        abort(403)
    return redirect(url_for("actions.board", factory_id=current_user.factory_id))


@bp.get("/actions/queue")
@login_required
def queue():
    """Actions in the inspector's regions waiting for verification, and overdue ones."""
    if current_user.role not in (Role.INSPECTOR, Role.ADMIN):
        abort(403)
    return render_template(
        "actions/queue.html",
        **services.queue(
            current_user,
            waiting_page=request.args.get("waiting_page", 1, type=int),
            overdue_page=request.args.get("overdue_page", 1, type=int),
            per_page=current_app.config["PER_PAGE"],
        ),
    )


# ---------------------------------------------------------------- raising actions


@bp.route("/factories/<int:factory_id>/actions/new", methods=["GET", "POST"])
@login_required
def new_suggestion(factory_id: int):
    """Record a worker's suggestion (or any action of the factory's own)."""
    _require_action_role()
    factory = get_factory_or_404(factory_id, current_user)
    if not can_create_action(current_user, factory):
        abort(403)
    form = SuggestionForm()
    if form.validate_on_submit():
        try:
            action = services.propose(
                factory,
                by=current_user,
                client_id=form.client_id.data,
                **_data(form, CREATE_NAMES),
            )
        except DomainError as error:
            _form_errors(form, error)
        else:
            db.session.commit()
            flash(_("Suggestion recorded. It waits for approval."), "success")
            return redirect(url_for("actions.show", action_id=action.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "actions/new_action.html", form=form, factory=factory, finding=None, names=CREATE_NAMES
    ), status


@bp.route("/findings/<int:finding_id>/actions/new", methods=["GET", "POST"])
@login_required
def new_from_finding(finding_id: int):
    """Raise an action on a finding: one tap (no fields: the finding's title) or the form."""
    _require_action_role()
    finding = inspection_services.get_finding_or_404(finding_id, current_user)
    factory = get_factory_or_404(finding.factory_id, current_user)
    if not can_create_action(current_user, factory):
        abort(403)
    form = ActionForm()
    if request.method == "GET":
        form.title.data = finding.title
        # Issue 17: "Use this idea" beside a problem answer brings a case's idea along.
        idea = request.args.get("description", "").strip()
        form.description.data = idea[: services.TEXT_LIMITS["description"]] or None
    elif "title" not in request.form:  # the one-tap button on the report
        action = services.create_from_finding(
            finding, by=current_user, client_id=request.form.get("client_id")
        )
        db.session.commit()
        flash(_("Action raised. Add who does it and by when."), "success")
        return redirect(url_for("actions.edit", action_id=action.id))
    if form.validate_on_submit():
        try:
            action = services.create_from_finding(
                finding, by=current_user, client_id=form.client_id.data, **_data(form, CREATE_NAMES)
            )
        except DomainError as error:
            _form_errors(form, error)
        else:
            db.session.commit()
            flash(_("Action raised."), "success")
            return redirect(url_for("actions.show", action_id=action.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "actions/new_action.html",
        form=form,
        factory=factory,
        finding=finding,
        before=[p for p in finding.photos if p.kind is PhotoKind.BEFORE],
        names=CREATE_NAMES,
    ), status


# ---------------------------------------------------------------- one action


def _show(action: Action, *, status: int = 200, due_form=None, move_error=None):
    finding = action.finding
    due_form = due_form or DueDateForm(formdata=None)
    return render_template(
        "actions/show_action.html",
        action=action,
        finding=finding,
        finding_visible=finding is not None and can_view_finding(current_user, finding),
        before=services.before_photos(action),
        after=services.photos_of(action, PhotoKind.AFTER),
        verification=services.photos_of(action, PhotoKind.VERIFICATION),
        moves=services.moves_for(action, current_user),
        move_error=move_error or {},
        editable=can_edit_action(current_user, action),
        can_add_after=can_add_action_photo(current_user, action, "after"),
        can_add_verification=can_add_action_photo(current_user, action, "verification"),
        needs_after_photo=services.needs_after_photo(action),
        due_form=due_form,
        event_kinds=ActionEventKind,
        areas=known_areas(),
    ), status


@bp.get("/actions/<int:action_id>")
@login_required
def show(action_id: int):
    return _show(services.get_action_or_404(action_id, current_user))


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@login_required
def edit(action_id: int):
    action = services.get_action_or_404(action_id, current_user, for_edit=True)
    form = ActionForm(obj=action)
    first_due = action.due_on is None  # set here; a later change needs a reason (its own form)
    if request.method == "GET":
        form.control_type.data = action.control_type.value if action.control_type else ""
        form.version.data = action.version
    if form.validate_on_submit():
        try:
            services.update_action(
                action,
                by=current_user,
                expected_version=int(form.version.data) if form.version.data else None,
                **_data(form, EDIT_NAMES),
            )
            if first_due and form.due_on.data:  # the first due date, in the same form
                services.change_due_date(
                    action, new_due_on=form.due_on.data, reason="", by=current_user
                )
        except DomainError as error:
            db.session.rollback()
            _form_errors(form, error)
            action = services.get_action_or_404(action_id, current_user, for_edit=True)
            if error.status == 409:
                form.version.data = action.version  # saving again overwrites, knowingly
                return render_template(
                    "actions/edit_action.html", form=form, action=action, first_due=first_due
                ), 409
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("actions.show", action_id=action.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "actions/edit_action.html", form=form, action=action, first_due=first_due
    ), status


@bp.post("/actions/<int:action_id>/move")
@login_required
def move(action_id: int):
    """A status move from a button on the action page or the queue."""
    action = services.get_action_or_404(action_id, current_user)
    target = request.form.get("to", "")
    back = url_for("actions.show", action_id=action.id)
    try:
        services.move(
            action,
            to=target,
            by=current_user,
            note=request.form.get("note", ""),
            client_id=request.form.get("client_id"),  # a phone's retry (outbox.js) is made once
        )
    except DomainError as error:
        db.session.rollback()
        if request.form.get("next"):
            flash(error.message, "error")
            return redirect(next_or(back))
        action = services.get_action_or_404(action_id, current_user)
        flash(error.message, "error")
        return _show(action, status=error.status, move_error={target: error.fields})
    db.session.commit()
    flash(_("“%(title)s” is now: %(status)s.", title=action.title, status=action.status.label))
    return redirect(next_or(back))


@bp.post("/actions/<int:action_id>/due-date")
@login_required
def change_due_date(action_id: int):
    action = services.get_action_or_404(action_id, current_user, for_edit=True)
    form = DueDateForm()
    if form.validate_on_submit():
        try:
            services.change_due_date(
                action, new_due_on=form.due_on.data, reason=form.reason.data, by=current_user
            )
        except DomainError as error:
            db.session.rollback()
            _form_errors(form, error)
        else:
            db.session.commit()
            flash(_("Due date changed."), "success")
            return redirect(url_for("actions.show", action_id=action.id))
    else:
        flash(_("Please correct the marked fields."), "error")
    action = services.get_action_or_404(action_id, current_user)
    return _show(action, status=422, due_form=form)


@bp.post("/actions/<int:action_id>/photos")
@accepts_uploads
@login_required
def add_photo(action_id: int):
    """An "after" photo (committee) or a verification photo (inspector), from the camera."""
    action = services.get_action_or_404(action_id, current_user)
    kind = request.form.get("kind", "")
    if kind not in (PhotoKind.AFTER.value, PhotoKind.VERIFICATION.value):
        abort(400)
    if not can_add_action_photo(current_user, action, kind):
        services.refuse_photo(action, current_user, kind)
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        flash(_("Choose a photo."), "error")
        return redirect(url_for("actions.show", action_id=action.id))
    photo_services.add_photo(
        upload.stream,
        factory_id=action.factory_id,
        by_id=current_user.id,
        kind=kind,
        caption=request.form.get("caption", ""),
        action_id=action.id,
        client_id=request.form.get("client_id") or None,  # a phone's retry stores it once
    )
    db.session.commit()
    flash(_("Photo added."), "success")
    return redirect(url_for("actions.show", action_id=action.id) + "#photos")


# ---------------------------------------------------------------- helpers for other pages


@bp.app_template_global()
def actions_for_inspection(inspection) -> dict[int, list[Action]]:
    """finding id → the actions raised on it so far (those the signed-in user sees)."""
    if not current_user.is_authenticated:
        return {}
    return services.actions_of_findings(current_user, [f.id for f in inspection.findings])


bp.add_app_template_global(new_client_id, "new_client_id")


@bp.app_template_global()
def can_raise_action(finding) -> bool:
    """Whether to offer "Create action" on a finding."""
    return (
        current_user.is_authenticated
        and can_use_actions(current_user)
        and can_view_finding(current_user, finding)
        and can_create_action(current_user, finding.inspection.factory)
    )


@bp.app_template_global()
def factory_action_summary(factory) -> dict | None:
    """Counts for the factory page's actions section (None when the user has no actions)."""
    if not current_user.is_authenticated or not can_use_actions(current_user):
        return None
    return services.status_counts(current_user, factory)


@bp.app_template_global()
def action_moves(action) -> list:
    """The status moves the signed-in user may make on this action now."""
    return services.moves_for(action, current_user)


@bp.app_template_global()
def action_days_overdue(action) -> int:
    """How many days past its due date a pending action is (0 when not overdue)."""
    if not action.is_overdue:
        return 0
    return (local_today() - action.due_on).days


@bp.app_template_global()
def action_area_label(area_id: str) -> str:
    """A finding's hazard area in the reader's language (a checklist's own areas too)."""
    area = known_areas().get(area_id)
    if area is None:
        return area_id
    locale = get_locale()
    return area.label("zh" if locale is not None and locale.language == "zh" else "en")


def _report_actions(inspection) -> dict:
    return {"actions_by_finding": actions_for_inspection(inspection)}


def _report_actions_stamp(inspection) -> str:
    """The actions on the report's findings as they are now: a kept report PDF that shows
    them is rendered again once one is raised or changes."""

    findings = sa.select(Finding.id).where(Finding.inspection_id == inspection.id)
    count, versions, latest = db.session.execute(
        sa.select(
            sa.func.count(Action.id), sa.func.sum(Action.version), sa.func.max(Action.id)
        ).where(Action.finding_id.in_(findings))
    ).one()
    return f"actions:{count}:{versions or 0}:{latest or 0}"


if _report_actions not in REPORT_EXTRAS:
    REPORT_EXTRAS.append(_report_actions)
if _report_actions_stamp not in REPORT_STAMPS:
    REPORT_STAMPS.append(_report_actions_stamp)
