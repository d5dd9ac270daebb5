"""Account operations: sign-in with rate limiting, sessions, passwords, users and API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..errors import DomainError
from ..extensions import db, utcnow
from ..factories.models import Factory, Region
from .models import ApiToken, LoginAttempt, Role, User, UserSession, token_digest

MIN_PASSWORD_LENGTH = 10


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_requests"


def _window_start(seconds: int):
    return utcnow() - timedelta(seconds=seconds)


def check_rate_limit(
    *, username: str, ip: str, max_failures: int, max_per_ip: int, window: int
) -> None:
    """Refuse a sign-in when the account or the address failed too often lately."""
    since = _window_start(window)
    failures = sa.select(sa.func.count()).where(
        LoginAttempt.success.is_(False), LoginAttempt.at >= since
    )
    by_user = db.session.scalar(failures.where(LoginAttempt.username == username.lower()))
    by_ip = db.session.scalar(failures.where(LoginAttempt.ip == ip))
    if by_user >= max_failures or by_ip >= max_per_ip:
        raise TooManyAttempts(
            _(
                "Too many failed sign-ins. Please wait %(minutes)d minutes and try again.",
                minutes=max(1, window // 60),
            )
        )


def authenticate(*, username: str, password: str, ip: str, limits: dict) -> User | None:
    """Return the user if the password is right; record the attempt either way."""
    username = username.strip()
    check_rate_limit(username=username, ip=ip, **limits)
    user = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.username) == username.lower())
    )
    ok = user is not None and user.active and user.check_password(password)
    db.session.add(LoginAttempt(username=username.lower()[:64], ip=ip[:45], success=ok))
    if ok:
        user.last_login_at = utcnow()
        return user
    return None


def open_session(user: User, *, max_age_days: int, user_agent: str = "") -> str:
    """Create a server-side session for a fresh sign-in and return its secret token."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=token_digest(token),
            expires_at=utcnow() + timedelta(days=max_age_days),
            user_agent=user_agent[:200],
        )
    )
    user.session_token = token
    return token


def user_for_session(token: str) -> User | None:
    """Load the user behind a session token, if the session is still valid."""
    row = db.session.scalar(
        sa.select(UserSession)
        .where(
            UserSession.token_hash == token_digest(token),
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > utcnow(),
        )
        .options(joinedload(UserSession.user).selectinload(User.regions))
    )
    if row is None or not row.user.active:
        return None
    row.user.session_token = token
    return row.user


def close_session(token: str | None) -> None:
    """Revoke one session (sign-out): a replayed cookie is refused afterwards."""
    if not token:
        return
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.token_hash == token_digest(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def close_all_sessions(user: User, *, except_token: str | None = None) -> None:
    """Revoke every session of a user (password change, deactivation)."""
    stmt = (
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if except_token:
        stmt = stmt.where(UserSession.token_hash != token_digest(except_token))
    db.session.execute(stmt)


def validate_password(password: str) -> None:
    """Refuse passwords too short to resist guessing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            fields={"password": _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)},
        )


def change_password(user: User, *, current: str, new: str) -> None:
    """Change a password and sign out every session of the user."""
    if not user.check_password(current):
        raise DomainError(
            _("The current password is not right."),
            fields={"current_password": _("The current password is not right.")},
        )
    validate_password(new)
    user.set_password(new)
    close_all_sessions(user)


def _resolve_regions(region_names: list[str]) -> list[Region]:
    regions = []
    for name in region_names:
        region = db.session.scalar(
            sa.select(Region).where(
                sa.or_(Region.code == name, Region.name_zh == name, Region.name_en == name)
            )
        )
        if region is None:
            raise DomainError(_("Unknown region “%(name)s”.", name=name), fields={"regions": name})
        regions.append(region)
    return regions


def _check_role_scope(role: Role, factory: Factory | None, regions: list[Region]) -> None:
    if role is Role.COMMITTEE and factory is None:
        raise DomainError(
            _("A committee member belongs to exactly one factory: choose it."),
            fields={"factory_id": _("Choose the factory.")},
        )
    if role is Role.INSPECTOR and not regions:
        raise DomainError(
            _("An inspector needs at least one region."),
            fields={"region_ids": _("Choose at least one region.")},
        )


def create_user(
    *,
    username: str,
    role: Role | str,
    password: str,
    display_name: str = "",
    factory: Factory | None = None,
    regions: list[Region] | None = None,
    region_names: list[str] | None = None,
    locale: str | None = None,
) -> User:
    """Create a user with a role; inspectors need regions, committee members one factory."""
    role = Role(role)
    username = username.strip()
    if not username:
        raise DomainError(_("A username is required."), fields={"username": _("Required.")})
    exists = db.session.scalar(
        sa.select(User.id).where(sa.func.lower(User.username) == username.lower())
    )
    if exists:
        raise DomainError(
            _("The username “%(name)s” is taken.", name=username),
            fields={"username": _("This username is taken.")},
            status=409,
            code="conflict",
        )
    regions = list(regions or []) + _resolve_regions(region_names or [])
    _check_role_scope(role, factory, regions)
    validate_password(password)
    user = User(
        username=username,
        display_name=display_name.strip(),
        role=role,
        factory_id=factory.id if (factory and role is Role.COMMITTEE) else None,
        locale=locale,
    )
    user.set_password(password)
    if role is Role.INSPECTOR:
        user.regions = regions
    db.session.add(user)
    db.session.flush()
    return user


def update_user(
    user: User,
    *,
    display_name: str,
    role: Role | str,
    active: bool,
    factory: Factory | None,
    regions: list[Region],
    password: str | None = None,
) -> User:
    """Change a user's role, scope or status; deactivation signs them out everywhere."""
    role = Role(role)
    _check_role_scope(role, factory, regions)
    user.display_name = display_name.strip()
    user.role = role
    user.factory_id = factory.id if (factory and role is Role.COMMITTEE) else None
    user.regions = regions if role is Role.INSPECTOR else []
    if password:
        validate_password(password)
        user.set_password(password)
        close_all_sessions(user)
    if user.active and not active:
        close_all_sessions(user)
    user.active = active
    db.session.flush()
    return user


def issue_token(user: User, *, name: str = "") -> str:
    """Create an API token for a user and return it (shown once; only its hash is kept)."""
    token = "isk_" + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(user_id=user.id, name=name[:80], prefix=token[:12], token_hash=token_digest(token))
    )
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    """Load the user behind a bearer token, if the token is valid."""
    row = db.session.scalar(
        sa.select(ApiToken)
        .where(ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None))
        .options(joinedload(ApiToken.user).selectinload(User.regions))
    )
    if row is None or not row.user.active:
        return None
    return row.user


def set_locale(user: User, locale: str) -> None:
    """Remember the user's language."""
    user.locale = locale
