"""Sign-in, sign-out, password change, and the admin's user and audit pages."""

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
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import selectinload

from ..errors import DomainError
from ..extensions import db
from ..factories.models import Factory, Region
from ..permissions import can_manage_users, can_read_audit
from ..web import safe_next, show_errors
from . import services
from .audit_log import ALL_BUT_SIGN_INS, audit_page, filter_choices
from .forms import LoginForm, PasswordForm, TokenForm, UserForm
from .models import Role, User

bp = Blueprint("accounts", __name__)


def _limits() -> dict:
    cfg = current_app.config
    return {
        "max_failures": cfg["LOGIN_MAX_FAILURES"],
        "max_per_ip": cfg["LOGIN_MAX_FAILURES_PER_IP"],
        "window": cfg["LOGIN_WINDOW_SECONDS"],
        "max_delay": cfg["LOGIN_MAX_DELAY_SECONDS"],
        "account_failures": cfg["LOGIN_ACCOUNT_FAILURES"],
        "account_max_delay": cfg["LOGIN_ACCOUNT_MAX_DELAY_SECONDS"],
    }


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                username=form.username.data,
                password=form.password.data,
                ip=request.remote_addr or "",
                limits=_limits(),
            )
        except services.TooManyAttempts as error:
            db.session.commit()  # a failure recorded on the way counts
            flash(error.message, "error")
            page = render_template("accounts/login.html", form=form)
            return page, 429, {"Retry-After": str(error.retry_after)}
        if user is None:
            db.session.commit()  # keep the failed attempt for the rate limit
            flash(_("Wrong username or password."), "error")
            status = 401
        else:
            locale = user.locale or session.get("locale")
            session.clear()  # a fresh session id (and CSRF token) for the signed-in user
            services.open_session(
                user,
                max_age_days=current_app.config["SESSION_MAX_AGE_DAYS"],
                user_agent=request.headers.get("User-Agent", ""),
            )
            if locale and not user.locale:
                user.locale = locale
            session.permanent = True
            login_user(user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    services.close_session(current_user.session_token)
    logout_user()
    session.clear()
    db.session.commit()
    flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, current=form.current_password.data, new=form.new_password.data
            )
        except DomainError as error:
            for name, message in error.fields.items():
                if name in form:
                    form[name].errors.append(message)
            return render_template("accounts/change_password.html", form=form), 422
        logout_user()
        session.clear()
        db.session.commit()
        flash(_("Password changed. Please sign in again with the new password."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/change_password.html", form=form)


# ---------------------------------------------------------------- API tokens


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    """The user's API tokens: listed with their use, made here (shown once), revoked here."""
    form = TokenForm()
    status, new_token = 200, None
    if form.validate_on_submit():
        days = int(form.expires_in_days.data) if form.expires_in_days.data else None
        try:
            new_token = services.issue_token(
                current_user, name=form.name.data, expires_in_days=days
            )
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
            status = error.status
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    elif request.method == "POST":
        status = 422
    return render_template(
        "accounts/tokens.html",
        form=form,
        tokens=services.live_tokens(current_user),
        new_token=new_token,
    ), status


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = services.token_of(current_user, token_id)
    if token is None:
        abort(404)
    services.revoke_token(token)
    db.session.commit()
    flash(_("Token “%(name)s” revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("accounts.tokens"))


def _require_admin() -> None:
    if not can_manage_users(current_user):
        abort(403)


@bp.get("/admin/users")
@login_required
def list_users():
    _require_admin()
    role = request.args.get("role", "")
    stmt = sa.select(User).options(selectinload(User.regions)).order_by(User.role, User.username)
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == role)
    page = db.paginate(stmt, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("accounts/list_users.html", page=page, roles=list(Role), role=role)


def _fill_user_choices(form: UserForm) -> None:
    factories = db.session.execute(
        sa.select(Factory.id, Factory.name_zh, Factory.name_en).order_by(Factory.name_zh)
    ).all()
    form.factory_id.choices = [(0, "—")] + [
        (fid, f"{zh} / {en}" if en else zh) for fid, zh, en in factories
    ]
    form.region_ids.choices = [
        (r.id, r.full_name) for r in db.session.scalars(sa.select(Region).order_by(Region.path))
    ]


def _scope_from_form(form: UserForm) -> tuple[Factory | None, list[Region]]:
    factory = db.session.get(Factory, form.factory_id.data) if form.factory_id.data else None
    regions = list(
        db.session.scalars(sa.select(Region).where(Region.id.in_(form.region_ids.data or [])))
    )
    return factory, regions


def _show_errors(form: UserForm, error: DomainError) -> None:
    for name, message in error.fields.items():
        if name in form:
            form[name].errors.append(message)
    flash(error.message, "error")


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def create_user():
    _require_admin()
    form = UserForm()
    _fill_user_choices(form)
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("Set a first password (at least 10 characters)."))
        else:
            factory, regions = _scope_from_form(form)
            try:
                user = services.create_user(
                    username=form.username.data,
                    role=form.role.data,
                    password=form.password.data,
                    display_name=form.display_name.data or "",
                    factory=factory,
                    regions=regions,
                    certificate_number=form.certificate_number.data or "",
                )
            except DomainError as error:
                _show_errors(form, error)
            else:
                db.session.commit()
                flash(_("User %(name)s created.", name=user.username), "success")
                return redirect(url_for("accounts.list_users"))
    return render_template("accounts/edit_user.html", form=form, user=None), (
        422 if request.method == "POST" else 200
    )


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
def edit_user(user_id: int):
    _require_admin()
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    _fill_user_choices(form)
    form.username.render_kw = {"readonly": True}
    if request.method == "GET":
        form.factory_id.data = user.factory_id or 0
        form.region_ids.data = [r.id for r in user.regions]
        form.role.data = user.role.value
    if form.validate_on_submit():
        factory, regions = _scope_from_form(form)
        try:
            services.update_user(
                user,
                display_name=form.display_name.data or "",
                role=form.role.data,
                active=form.active.data,
                factory=factory,
                regions=regions,
                password=form.password.data or None,
                certificate_number=form.certificate_number.data or "",
            )
        except DomainError as error:
            _show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("accounts.list_users"))
    return render_template("accounts/edit_user.html", form=form, user=user), (
        422 if request.method == "POST" else 200
    )


@bp.get("/admin/audit")
@login_required
def audit_log():
    if not can_read_audit(current_user):
        abort(403)
    shown = request.args.get("shown") or request.args.get("entity", ALL_BUT_SIGN_INS)
    page, entries = audit_page(shown, request.args.get("page", 1, type=int) or 1)
    return render_template(
        "accounts/audit_log.html",
        page=page,
        entries=entries,
        shown=shown,
        choices=filter_choices(),
    )
