"""Home page that fits the role, the language switch and /healthz."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_login import current_user, login_required

from ..accounts.models import Role, User
from ..extensions import db
from ..factories import services as factory_services
from ..factories.models import Factory
from ..web import next_or

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home():
    user = current_user
    context: dict = {}
    if user.role in (Role.ADMIN, Role.INSPECTOR):
        context["factory_count"] = db.session.scalar(
            sa.select(sa.func.count(Factory.id)).where(factory_services.scope_clause(user))
        )
        context["recent_factories"] = db.session.scalars(
            sa.select(Factory)
            .where(factory_services.scope_clause(user))
            .order_by(Factory.updated_at.desc())
            .limit(5)
        ).all()
    if user.role is Role.INSPECTOR:
        # Inspections come after main's imports in the feature order: import them here.
        from ..inspections import services as inspection_services

        context["drafts"] = [
            (draft, inspection_services.live_scores(draft)["overall"])
            for draft in inspection_services.drafts_of(user, limit=10)
        ]
    if user.role is Role.ADMIN:
        context["user_count"] = db.session.scalar(sa.select(sa.func.count(User.id)))
    if user.role is Role.COMMITTEE:
        context["factory"] = db.session.get(Factory, user.factory_id)
    return render_template(f"main/home_{user.role.value}.html", **context)


@bp.post("/language")
def set_language():
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(next_or(url_for("main.home")))


@bp.get("/healthz")
def healthz():
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}


@bp.app_template_global()
def nav_items() -> list[tuple[str, str, bool]]:
    """Navigation entries for the signed-in user's role."""
    from . import navigation

    if not current_user.is_authenticated:
        return []
    return navigation.items_for(current_user.role, request.endpoint)


@bp.app_template_filter("local_time")
def local_time(value, *, seconds: bool = False, zone: bool = False) -> str:
    """A stored (naive UTC) time as the factories' local date and time (INSPECT_TIMEZONE,
    Asia/Shanghai by default); `zone` adds the offset, for documents read elsewhere."""
    if not value:
        return ""
    pattern = "yyyy-MM-dd HH:mm:ss" if seconds else "yyyy-MM-dd HH:mm"
    return format_datetime(value, pattern + (" 'UTC'xxx" if zone else ""))


@bp.app_template_global()
def page_url(number: int, arg: str = "page", anchor: str | None = None) -> str:
    """The current page's URL with another page number (filters kept); `arg` names the page
    parameter when a page has several lists, `anchor` brings the reader back to the list."""
    args = request.args.to_dict()
    args[arg] = number
    return url_for(request.endpoint, **(request.view_args or {}), **args, _anchor=anchor)


@bp.app_context_processor
def _template_helpers():
    from flask_babel import get_locale

    locale = get_locale()
    return {"current_locale": "zh_CN" if locale is None or locale.language == "zh" else "en"}
