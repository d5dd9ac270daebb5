"""Audit trail: every create, update and delete of audited records is written automatically."""

from __future__ import annotations

import contextvars
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db, utcnow

#: Who is acting, set per request (the signed-in user) or per CLI command (None = system).
current_actor: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "current_actor", default=None
)

#: The event recorded when an update changes only a model's `__audit_sign_in__` column.
SIGN_IN = "signin"


class AuditEvent(db.Model):
    """Who did what to which record, when, with before/after values."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(16))  # create | update | delete | signin
    entity: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int] = mapped_column()
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (sa.Index("ix_audit_events_entity", "entity", "entity_id"),)


class Audited:
    """Mixin: instances get an audit event on every create, update and delete."""

    #: Column names whose values never go into the audit log (the change itself is recorded).
    __audit_secret__ = frozenset()
    #: Column names not worth recording (bookkeeping).
    __audit_ignore__ = frozenset({"updated_at", "version"})
    #: A column whose change alone is a sign-in, recorded as such (the log filters them apart).
    __audit_sign_in__: str | None = None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # amounts (action costs) keep their exact digits
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _changes(obj: Audited, *, new: bool) -> dict:
    state = sa.inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in obj.__audit_ignore__:
            continue
        hist = state.attrs[key].history
        if new:
            value = state.attrs[key].value
            if value is None:
                continue
            out[key] = "•••" if key in obj.__audit_secret__ else _jsonable(value)
        elif hist.has_changes():
            before = hist.deleted[0] if hist.deleted else None
            after = hist.added[0] if hist.added else None
            if before == after:
                continue
            if key in obj.__audit_secret__:
                out[key] = ["•••", "•••"]
            else:
                out[key] = [_jsonable(before), _jsonable(after)]
    return out


@sa.event.listens_for(Session, "after_flush")
def _write_audit_events(session: Session, _context) -> None:
    rows = []
    actor = current_actor.get()
    now = utcnow()
    for action, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            if not isinstance(obj, Audited):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = {} if action == "delete" else _changes(obj, new=action == "create")
            if action == "update" and not changes:
                continue
            signed_in = action == "update" and set(changes) == {obj.__audit_sign_in__}
            rows.append(
                {
                    "at": now,
                    "actor_id": actor,
                    "action": SIGN_IN if signed_in else action,
                    "entity": obj.__tablename__,
                    "entity_id": obj.id,
                    "changes": changes,
                }
            )
    if rows:
        session.connection().execute(sa.insert(AuditEvent), rows)
