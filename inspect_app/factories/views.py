"""Factory pages: the register (list, search, filter), a factory's page, create and edit."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..errors import DomainError
from ..extensions import db
from ..permissions import can_create_factory, can_edit_factory, can_start_inspection
from ..web import form_status, form_version, show_errors, validated
from . import services
from .forms import FactoryForm
from .schemas import SECTOR_LABELS, FactoryCreate

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


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create_factory():
    if not can_create_factory(current_user):
        abort(403)
    form = _form_with_choices()
    if form.validate_on_submit() and (data := validated(form, FactoryCreate)):
        try:
            factory = services.create_factory(by=current_user, **data.model_dump())
        except DomainError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Factory added."), "success")
            return redirect(url_for("factories.show_factory", factory_id=factory.id))
    return render_template("factories/edit_factory.html", form=form, factory=None), form_status()


@bp.route("/<int:factory_id>/edit", methods=["GET", "POST"])
@login_required
def edit_factory(factory_id: int):
    factory = services.get_factory_or_404(factory_id, current_user, for_edit=True)
    form, status = _form_with_choices(obj=factory), form_status()
    if form.validate_on_submit() and (data := validated(form, FactoryCreate)):
        try:
            services.update_factory(
                factory, by=current_user, expected_version=form_version(form), **data.model_dump()
            )
        except DomainError as error:
            show_errors(form, error)
            status = error.status
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("factories.show_factory", factory_id=factory.id))
    return render_template("factories/edit_factory.html", form=form, factory=factory), status
