"""Factory pages: the register (list, search, filter), a factory's page, create and edit."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..errors import DomainError
from ..extensions import db
from ..permissions import can_create_factory, can_edit_factory, can_start_inspection
from . import services
from .forms import FactoryForm
from .models import SECTOR_LABELS

bp = Blueprint("factories", __name__, url_prefix="/factories")


def _filters() -> services.FactoryFilters:
    return services.FactoryFilters(
        q=request.args.get("q", "")[:100],
        region_id=request.args.get("region", type=int),
        sector=request.args.get("sector", ""),
    )


@bp.get("")
@login_required
def list_factories():
    if current_user.role is Role.TRAINER:
        abort(403)
    if current_user.role is Role.COMMITTEE:
        return redirect(url_for("factories.show_factory", factory_id=current_user.factory_id))
    filters = _filters()
    page = db.paginate(
        services.search_factories(current_user, filters),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "factories/list_factories.html",
        page=page,
        filters=filters,
        regions=services.visible_regions(current_user),
        sectors=SECTOR_LABELS,
        can_create=can_create_factory(current_user),
    )


@bp.get("/<int:factory_id>")
@login_required
def show_factory(factory_id: int):
    factory = services.get_factory_or_404(factory_id, current_user)
    # Inspections come after factories in the feature order: import them here, not at the top.
    from ..inspections.services import recent_for_factory

    return render_template(
        "factories/show_factory.html",
        factory=factory,
        can_edit=can_edit_factory(current_user, factory),
        recent_inspections=recent_for_factory(current_user, factory, limit=10),
        # Self-inspection is the kind every role that inspects at all may start.
        can_start=can_start_inspection(current_user, factory, "self_inspection"),
    )


def _form_with_choices(**kwargs) -> FactoryForm:
    form = FactoryForm(**kwargs)
    form.region_id.choices = [(r.id, r.full_name) for r in services.visible_regions(current_user)]
    return form


def _apply_errors(form: FactoryForm, error: DomainError) -> None:
    for name, message in error.fields.items():
        if name in form and isinstance(message, str):
            form[name].errors.append(message)
    flash(error.message, "error")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create_factory():
    if not can_create_factory(current_user):
        abort(403)
    form = _form_with_choices()
    if form.validate_on_submit():
        try:
            factory = services.create_factory(by=current_user, **form.data_for_service())
        except DomainError as error:
            _apply_errors(form, error)
        else:
            db.session.commit()
            flash(_("Factory added."), "success")
            return redirect(url_for("factories.show_factory", factory_id=factory.id))
    status = 422 if request.method == "POST" else 200
    return render_template("factories/edit_factory.html", form=form, factory=None), status


@bp.route("/<int:factory_id>/edit", methods=["GET", "POST"])
@login_required
def edit_factory(factory_id: int):
    factory = services.get_factory_or_404(factory_id, current_user, for_edit=True)
    form = _form_with_choices(obj=factory)
    if request.method == "GET":
        form.sector.data = factory.sector.value
        form.version.data = factory.version
    if form.validate_on_submit():
        try:
            services.update_factory(
                factory,
                by=current_user,
                expected_version=int(form.version.data) if form.version.data else None,
                **form.data_for_service(),
            )
        except DomainError as error:
            _apply_errors(form, error)
            if error.status == 409:
                return render_template(
                    "factories/edit_factory.html", form=form, factory=factory
                ), 409
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("factories.show_factory", factory_id=factory.id))
    status = 422 if request.method == "POST" else 200
    return render_template("factories/edit_factory.html", form=form, factory=factory), status
