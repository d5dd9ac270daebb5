"""Account operations: sign-in with rate limiting, sessions, passwords, users and API tokens."""

from __future__ import annotations

import math
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import DomainError
from ..extensions import db, utcnow
from ..factories.models import Factory, Region
from .models import (
    TOKEN_NAME_MAX,
    ApiToken,
    LoginAttempt,
    Role,
    User,
    UserSession,
    token_digest,
)

MIN_PASSWORD_LENGTH = 10


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _window_start(seconds: int):
    return utcnow() - timedelta(seconds=seconds)


def _delay(failures: int, free: int, cap: int) -> int:
    """Seconds to wait after the last failure: none for the first `free` failures, then 1, 2,
    4 … doubling, never more than `cap`."""
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free, 20))


def _wait(username: str, ip: str, limits: dict) -> int:
    """Seconds before this account may be tried again from this address (0: now).

    Two growing delays, never a lock: one per account and address (a guesser's own address
    slows down fast), and a gentler one per account over all addresses (guessing spread over
    many addresses), capped low so that the account's owner waits a minute at most. Refused
    tries are not counted, so flooding an account does not lengthen its delay."""
    since = _window_start(limits["window"])
    failed = sa.select(sa.func.count(), sa.func.max(LoginAttempt.at)).where(
        LoginAttempt.success.is_(False),
        LoginAttempt.at >= since,
        LoginAttempt.username == username,
    )
    account_failures, account_last = db.session.execute(failed).one()
    if not account_failures:
        return 0
    pair_failures, pair_last = db.session.execute(failed.where(LoginAttempt.ip == ip)).one()
    now = utcnow()
    waits = [0]
    if pair_failures:
        delay = _delay(pair_failures, limits["max_failures"], limits["max_delay"])
        waits.append((pair_last + timedelta(seconds=delay) - now).total_seconds())
    delay = _delay(account_failures, limits["account_failures"], limits["account_max_delay"])
    waits.append((account_last + timedelta(seconds=delay) - now).total_seconds())
    return max(0, math.ceil(max(waits)))


def _address_busy(ip: str, limits: dict) -> bool:
    """Whether this address failed to sign in more than its share lately (a password spray
    through one address, or many people behind one NAT or proxy)."""
    since = _window_start(limits["window"])
    failures = db.session.scalar(
        sa.select(sa.func.count()).where(
            LoginAttempt.success.is_(False), LoginAttempt.at >= since, LoginAttempt.ip == ip
        )
    )
    return failures >= limits["max_per_ip"]


def _recent_failures(username: str, limits: dict) -> bool:
    since = _window_start(limits["window"])
    return bool(
        db.session.scalar(
            sa.select(sa.func.count()).where(
                LoginAttempt.success.is_(False),
                LoginAttempt.at >= since,
                LoginAttempt.username == username,
            )
        )
    )


_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash made like the real ones, to check a password against when the user is unknown:
    the answer then takes as long as for a real account (no telling names apart by timing)."""
    from flask import current_app

    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _DUMMY_HASHES[method]


def _too_many(seconds: int) -> TooManyAttempts:
    seconds = max(1, seconds)
    if seconds < 60:
        message = _(
            "Too many failed sign-ins. Please wait %(seconds)d seconds and try again.",
            seconds=seconds,
        )
    else:
        message = _(
            "Too many failed sign-ins. Please wait %(minutes)d minutes and try again.",
            minutes=math.ceil(seconds / 60),
        )
    return TooManyAttempts(message, retry_after=seconds)


def authenticate(*, username: str, password: str, ip: str, limits: dict) -> User | None:
    """Return the user if the password is right; record the attempt either way.

    The rule (docs/security.md, "Sign-in limits"): an account is slowed, never locked; an
    address over its limit is refused, except the right password for an account with no recent
    failures; an unknown name costs the same password check as a known one."""
    username = username.strip()
    name = username.lower()[:64]
    wait = _wait(name, ip, limits)
    if wait:
        raise _too_many(wait)
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == name))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        right = False
    else:
        right = user.check_password(password) and user.active
    if _address_busy(ip, limits) and not (right and not _recent_failures(name, limits)):
        if not right:
            db.session.add(LoginAttempt(username=name, ip=ip[:45], success=False, at=utcnow()))
        raise _too_many(limits["window"])
    db.session.add(LoginAttempt(username=name, ip=ip[:45], success=right, at=utcnow()))
    if right:
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
    revoke_all_tokens(user)  # a token made with the old password is no longer trusted


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
    certificate_number: str = "",
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
        certificate_number=certificate_number.strip(),
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
    certificate_number: str | None = None,
) -> User:
    """Change a user's role, scope or status; deactivation signs them out everywhere."""
    role = Role(role)
    _check_role_scope(role, factory, regions)
    user.display_name = display_name.strip()
    if certificate_number is not None:
        user.certificate_number = certificate_number.strip()
    user.role = role
    user.factory_id = factory.id if (factory and role is Role.COMMITTEE) else None
    user.regions = regions if role is Role.INSPECTOR else []
    if password:
        validate_password(password)
        user.set_password(password)
        close_all_sessions(user)
        revoke_all_tokens(user)
    if user.active and not active:
        close_all_sessions(user)
        revoke_all_tokens(user)
    user.active = active
    db.session.flush()
    return user


TOKEN_MAX_DAYS = 3650
#: How often a token's "last used" time is written (not on every request).
TOKEN_TOUCH_SECONDS = 60


def issue_token(user: User, *, name: str, expires_in_days: int | None = None) -> str:
    """Create a named API token for a user and return it: it is shown once, only its hash is
    kept. A name is unique among the user's live tokens (it is how the token is revoked)."""
    name = (name or "").strip()
    if not name or len(name) > TOKEN_NAME_MAX:
        message = _("Give the token a name of 1 to %(num)d characters.", num=TOKEN_NAME_MAX)
        raise DomainError(message, fields={"name": message})
    if expires_in_days is not None and not 1 <= expires_in_days <= TOKEN_MAX_DAYS:
        message = _("Between 1 and %(num)d days.", num=TOKEN_MAX_DAYS)
        raise DomainError(message, fields={"expires_in_days": message})
    if any(t.name == name for t in live_tokens(user)):
        message = _("A token named “%(name)s” exists: choose another name.", name=name)
        raise DomainError(message, fields={"name": message}, status=409, code="conflict")
    token = "isk_" + secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        ApiToken(
            user_id=user.id,
            name=name,
            prefix=token[:12],
            token_hash=token_digest(token),
            created_at=now,
            expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        )
    )
    db.session.flush()
    return token


def live_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that still work, oldest first."""
    now = utcnow()
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                sa.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
            )
            .order_by(ApiToken.created_at, ApiToken.id)
        )
    )


def token_of(user: User, token_id: int) -> ApiToken | None:
    """One of the user's live tokens by id, or None."""
    return next((t for t in live_tokens(user) if t.id == token_id), None)


def token_named(user: User, name: str) -> ApiToken | None:
    """One of the user's live tokens by name, or None."""
    return next((t for t in live_tokens(user) if t.name == name), None)


def revoke_token(token: ApiToken) -> None:
    """Stop a token from working, from now on."""
    token.revoked_at = utcnow()
    db.session.flush()


def revoke_all_tokens(user: User) -> int:
    """Revoke every token of a user (password change, deactivation); return how many."""
    result = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0


def token_for(token: str) -> ApiToken | None:
    """The live token behind a bearer value, if its user is active."""
    row = db.session.scalar(
        sa.select(ApiToken)
        .where(ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None))
        .options(joinedload(ApiToken.user).selectinload(User.regions))
    )
    if row is None or not row.is_live(utcnow()) or not row.user.active:
        return None
    return row


def touch_token(row: ApiToken) -> bool:
    """Note the token's use (at most once a minute); True when there is something to commit."""
    now = utcnow()
    if row.last_used_at is not None and (now - row.last_used_at).total_seconds() < (
        TOKEN_TOUCH_SECONDS
    ):
        return False
    row.last_used_at = now
    return True


def user_for_token(token: str) -> User | None:
    """Load the user behind a bearer token, if the token is valid."""
    row = token_for(token)
    return None if row is None else row.user


def set_locale(user: User, locale: str) -> None:
    """Remember the user's language."""
    user.locale = locale
