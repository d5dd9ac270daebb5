"""Accounts: users with a role, their sessions, API tokens and sign-in attempts."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit import Audited
from ..extensions import db, str_enum, utcnow

TOKEN_NAME_MAX = 80  # an API token's label (`users token --name`)
CERTIFICATE_MAX = 40  # an inspector's law-enforcement certificate number


class Role(StrEnum):
    ADMIN = "admin"
    INSPECTOR = "inspector"
    COMMITTEE = "committee"
    TRAINER = "trainer"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.INSPECTOR: _l("Inspector"),
    Role.COMMITTEE: _l("Safety committee"),
    Role.TRAINER: _l("Trainer"),
}

user_regions = sa.Table(
    "user_regions",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("region_id", sa.ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True),
)


def token_digest(token: str) -> str:
    """Hash a session or API token for storage (tokens are random, so SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


class User(Audited, db.Model):
    """A person who signs in: admin, inspector, committee member or trainer."""

    __tablename__ = "users"
    __audit_sign_in__ = "last_login_at"
    __audit_secret__ = frozenset({"password_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, 16), index=True)
    factory_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("factories.id", ondelete="RESTRICT"), index=True
    )
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    #: An inspector's law-enforcement certificate number (执法证号), printed on documents.
    certificate_number: Mapped[str] = mapped_column(sa.String(CERTIFICATE_MAX), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()

    factory = relationship("Factory", lazy="joined", innerjoin=False)
    # Loaded with the signed-in user (accounts.services), and where a list of people needs
    # them; not with every User row (inspectors of an inspection, authors of a timeline).
    regions = relationship("Region", secondary=user_regions, lazy="select", order_by="Region.path")

    # Flask-Login protocol: the session stores the server-side session token, not the user id,
    # so that revoking the session row signs the browser out.
    session_token = None  # set by the session loader, never stored

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token

    def set_password(self, password: str) -> None:
        """Store a salted scrypt hash of the password."""
        from flask import current_app

        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class UserSession(db.Model):
    """A signed-in browser. Revoked on logout; all revoked on password change."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")

    user = relationship(User, lazy="joined", innerjoin=True)


class ApiToken(db.Model):
    """A bearer token for scripts; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(TOKEN_NAME_MAX), default="")
    prefix: Mapped[str] = mapped_column(sa.String(12))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    user = relationship(User, lazy="joined", innerjoin=True)

    def is_live(self, now: datetime) -> bool:
        """Not revoked and not expired."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class LoginAttempt(db.Model):
    """A sign-in attempt, kept to rate-limit guessing across all workers."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), index=True)
    ip: Mapped[str] = mapped_column(sa.String(45), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    success: Mapped[bool] = mapped_column(default=False)
