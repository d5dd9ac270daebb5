"""Improvement actions, their timeline (status moves and due-date changes) and lifecycle."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..audit import Audited
from ..extensions import db, local_today, new_client_id, str_enum, utcnow


class ActionStatus(StrEnum):
    PROPOSED = "proposed"
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    VERIFIED = "verified"
    REJECTED = "rejected"
    VOID = "void"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def tone(self) -> str:
        return STATUS_TONES[self]


STATUS_LABELS = {
    ActionStatus.PROPOSED: _l("Proposed"),
    ActionStatus.OPEN: _l("Open"),
    ActionStatus.IN_PROGRESS: _l("In progress"),
    ActionStatus.DONE: _l("Done, awaiting verification"),
    ActionStatus.VERIFIED: _l("Verified"),
    ActionStatus.REJECTED: _l("Sent back"),
    ActionStatus.VOID: _l("Void"),
}
STATUS_TONES = {
    ActionStatus.PROPOSED: "info",
    ActionStatus.OPEN: "warn",
    ActionStatus.IN_PROGRESS: "warn",
    ActionStatus.DONE: "info",
    ActionStatus.VERIFIED: "ok",
    ActionStatus.REJECTED: "danger",
    ActionStatus.VOID: "muted",
}

#: Statuses in which the work is still to be done: these can be overdue.
PENDING = frozenset(
    {ActionStatus.PROPOSED, ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.REJECTED}
)
#: Statuses that end the action.
FINAL = frozenset({ActionStatus.VERIFIED, ActionStatus.VOID})


class ControlType(StrEnum):
    """The hierarchy of controls, most effective first."""

    ELIMINATE = "eliminate"
    SUBSTITUTE = "substitute"
    ENGINEERING = "engineering"
    ADMINISTRATIVE = "administrative"
    PPE = "ppe"

    @property
    def label(self) -> str:
        return str(CONTROL_LABELS[self])


CONTROL_LABELS = {
    ControlType.ELIMINATE: _l("Eliminate the hazard"),
    ControlType.SUBSTITUTE: _l("Substitute"),
    ControlType.ENGINEERING: _l("Engineering control"),
    ControlType.ADMINISTRATIVE: _l("Administrative control"),
    ControlType.PPE: _l("Personal protective equipment"),
}


class ActionOrigin(StrEnum):
    FINDING = "finding"
    SUGGESTION = "suggestion"  # a worker's own idea (SCORE suggestion scheme)

    @property
    def label(self) -> str:
        return str(
            _l("From a finding") if self is ActionOrigin.FINDING else _l("Worker suggestion")
        )


class Action(Audited, db.Model):
    """What the factory does about a hazard (or a worker's suggestion), tracked to closure."""

    __tablename__ = "actions"
    __audit_ignore__ = frozenset({"updated_at", "version"})

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(sa.ForeignKey("factories.id"), index=True)
    finding_id: Mapped[int | None] = mapped_column(sa.ForeignKey("findings.id"), index=True)
    origin: Mapped[ActionOrigin] = mapped_column(
        str_enum(ActionOrigin, 12), default=ActionOrigin.FINDING
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")  # what is to be done
    done_description: Mapped[str] = mapped_column(sa.Text, default="")  # what was done
    control_type: Mapped[ControlType | None] = mapped_column(str_enum(ControlType, 16))
    responsible: Mapped[str] = mapped_column(sa.String(120), default="")
    due_on: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[ActionStatus] = mapped_column(
        str_enum(ActionStatus, 16), default=ActionStatus.PROPOSED, index=True
    )
    estimated_cost: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    actual_cost: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    done_at: Mapped[datetime | None] = mapped_column()
    verified_at: Mapped[datetime | None] = mapped_column(index=True)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(index=True)  # verified or void
    version: Mapped[int] = mapped_column(default=1)
    #: The id the device (or the form) made for it: a replayed create returns this action.
    client_id: Mapped[str] = mapped_column(sa.String(64), default=new_client_id)

    factory = relationship("Factory", lazy="joined", innerjoin=True)
    finding = relationship("Finding", lazy="joined")
    events = relationship(
        "ActionEvent",
        back_populates="action",
        lazy="selectin",
        order_by="ActionEvent.id",
        cascade="all, delete-orphan",
    )
    photos = relationship(
        "Photo",
        lazy="selectin",
        order_by="Photo.id",
        primaryjoin="Photo.action_id == Action.id",
        viewonly=True,
    )

    __table_args__ = (
        sa.Index("ix_actions_factory_status", "factory_id", "status"),
        sa.Index("ix_actions_status_due", "status", "due_on"),
        sa.UniqueConstraint("factory_id", "client_id", name="uq_actions_factory_client"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @hybrid_property
    def is_overdue(self) -> bool:
        """Derived, never stored: pending work past its due date."""
        return self.due_on is not None and self.status in PENDING and self.due_on < local_today()

    @is_overdue.inplace.expression
    @classmethod
    def _is_overdue_expression(cls):
        return sa.and_(
            cls.due_on.is_not(None),
            cls.status.in_([s.value for s in PENDING]),
            cls.due_on < local_today(),
        )


class ActionEventKind(StrEnum):
    STATUS = "status"
    DUE_DATE = "due_date"
    CREATED = "created"


class ActionEvent(db.Model):
    """One entry of an action's timeline: a status move or a due-date change, with a note."""

    __tablename__ = "action_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        sa.ForeignKey("actions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ActionEventKind] = mapped_column(str_enum(ActionEventKind, 12))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    from_status: Mapped[ActionStatus | None] = mapped_column(str_enum(ActionStatus, 16))
    to_status: Mapped[ActionStatus | None] = mapped_column(str_enum(ActionStatus, 16))
    old_due_on: Mapped[date | None] = mapped_column()
    new_due_on: Mapped[date | None] = mapped_column()
    note: Mapped[str] = mapped_column(sa.Text, default="")

    action = relationship(Action, back_populates="events")
    by = relationship("User", lazy="joined")
