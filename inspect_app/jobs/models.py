"""A job row: what is being made, for whom, how far it got, and where its result is kept."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db, str_enum, utcnow
from ..storage import register_file_columns


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    """One piece of heavy work (a report PDF). The row is the truth every app server and
    worker shares: the queue (in-process threads or Redis) only says "run job N"."""

    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_kind_subject", "kind", "subject_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: The record the job works on (for a report PDF: the inspection).
    subject_id: Mapped[int] = mapped_column()
    lang: Mapped[str] = mapped_column(sa.String(8), default="")
    #: What the result is made from; a later request with the same stamp reuses it.
    stamp: Mapped[str] = mapped_column(sa.String(64), default="")
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus, 16), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.String(500))
    result_key: Mapped[str | None] = mapped_column(sa.String(200))
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: The address the requester used: links inside the document point there.
    base_url: Mapped[str] = mapped_column(sa.String(200), default="http://localhost/")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Last change of status: a queued or running job not touched for long is started again.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    @property
    def pending(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)


register_file_columns("jobs", "result_key")
