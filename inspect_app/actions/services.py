"""Action rules: the lifecycle table, creating, editing, due-date changes, scope and queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, lazyload
from sqlalchemy.orm.exc import StaleDataError

from .. import errors
from ..accounts.models import Role, User
from ..errors import Conflict, DomainError
from ..extensions import db, utcnow
from ..factories.models import Factory
from ..factories.services import scope_clause
from ..inspections.models import Finding, Grade, Inspection, InspectionKind, InspectionStatus
from ..permissions import can_edit_action, can_use_actions, can_view_action
from ..photos.models import Photo, PhotoKind
from ..schemas import limited_text, too_long
from ..sync import clean_client_id, client_id_or_new
from .models import (
    FINAL,
    PENDING,
    Action,
    ActionEvent,
    ActionEventKind,
    ActionOrigin,
    ActionStatus,
    ControlType,
)

S = ActionStatus

# ---------------------------------------------------------------- the lifecycle


@dataclass(frozen=True)
class Move:
    """One allowed status move: who may make it and whether it needs a note (a reason)."""

    roles: frozenset[Role]
    label: object  # the button's words
    needs_note: bool = False
    tone: str = "primary"  # button kind: primary | secondary | danger


_WORKERS = frozenset({Role.COMMITTEE, Role.INSPECTOR, Role.ADMIN})
_OFFICIALS = frozenset({Role.INSPECTOR, Role.ADMIN})
_INSPECTOR = frozenset({Role.INSPECTOR})

#: Every allowed move and who may make it. Anything not listed is refused (409). The
#: committee carries its actions up to `done`; only an inspector verifies or sends back.
#: A committee may drop a proposal, but an action already agreed is voided by an official.
MOVES: dict[tuple[ActionStatus, ActionStatus], Move] = {
    (S.PROPOSED, S.OPEN): Move(_WORKERS, _l("Approve")),
    (S.PROPOSED, S.VOID): Move(_WORKERS, _l("Void the action"), needs_note=True, tone="danger"),
    (S.OPEN, S.IN_PROGRESS): Move(_WORKERS, _l("Start work")),
    (S.OPEN, S.VOID): Move(_OFFICIALS, _l("Void the action"), needs_note=True, tone="danger"),
    (S.IN_PROGRESS, S.DONE): Move(_WORKERS, _l("Mark as done")),
    (S.IN_PROGRESS, S.VOID): Move(
        _OFFICIALS, _l("Void the action"), needs_note=True, tone="danger"
    ),
    (S.DONE, S.VERIFIED): Move(_INSPECTOR, _l("Verify")),
    (S.DONE, S.REJECTED): Move(_INSPECTOR, _l("Send back"), needs_note=True, tone="danger"),
    (S.REJECTED, S.IN_PROGRESS): Move(_WORKERS, _l("Resume work")),
    (S.REJECTED, S.VOID): Move(_OFFICIALS, _l("Void the action"), needs_note=True, tone="danger"),
}

#: Fields anyone who may edit the action changes directly (the due date has its own service).
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "control_type",
        "responsible",
        "estimated_cost",
        "actual_cost",
        "done_description",
    }
)
CREATE_FIELDS = EDITABLE_FIELDS | {"due_on"}

MAX_COST = Decimal("9999999999.99")  # Numeric(12, 2)
# Text limits (characters): over a limit is refused, never cut.
TITLE_MAX = 200  # the column's length
NOTE_MAX = 2000  # a move's note, a due-date change's reason
TEXT_LIMITS = {"description": 5000, "done_description": 5000, "responsible": 120}


class IllegalMove(Conflict):
    """A status move the table does not allow for this user from the current status."""

    code = "illegal_move"

    def __init__(self, message: str, *, allowed: list[str], fields: dict | None = None):
        super().__init__(message, fields=fields)
        self.allowed = allowed


def moves_for(action: Action, user: User) -> list[tuple[ActionStatus, Move]]:
    """The moves this user may make from the action's current status, in table order."""
    return [
        (target, move)
        for (source, target), move in MOVES.items()
        if source is action.status and user.role in move.roles
    ]


def allowed_moves(action: Action, user: User) -> list[str]:
    """Target statuses this user may move the action to now."""
    return [target.value for target, _move in moves_for(action, user)]


def _flush() -> None:
    """Flush; a concurrent change of the same row (version clash) becomes a 409."""
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(
            _("Someone else changed this action at the same time. Reload and try again."),
            code="stale_version",
        ) from None


def _now(at: datetime | None) -> datetime:
    return at or utcnow()


def _local_date(moment: datetime) -> date:
    """The factory-local calendar day of a naive UTC timestamp."""
    from datetime import UTC

    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else "Asia/Shanghai"
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(name)).date()


def needs_after_photo(action: Action) -> bool:
    """`done` needs an "after" photo when the finding was photographed before."""
    if action.finding_id is None:
        return False
    has_before = db.session.scalar(
        sa.select(sa.func.count(Photo.id)).where(
            Photo.finding_id == action.finding_id, Photo.kind == PhotoKind.BEFORE
        )
    )
    if not has_before:
        return False
    has_after = db.session.scalar(
        sa.select(sa.func.count(Photo.id)).where(
            Photo.action_id == action.id, Photo.kind == PhotoKind.AFTER
        )
    )
    return not has_after


def move(
    action: Action,
    *,
    to: ActionStatus | str,
    by: User,
    note: str = "",
    at: datetime | None = None,
    client_id: str | None = None,
) -> Action:
    """Move the action to another status as the table allows, and record it on the timeline.
    A move a device sends again under its `client_id` (its answer was lost on the way) that
    finds the action already there was made by the first send: nothing more happens."""
    try:
        target = ActionStatus(to)
    except ValueError:
        raise DomainError(
            _("Unknown status."),
            fields={"status": _("Choose one of: %(s)s.", s=", ".join(s.value for s in S))},
        ) from None
    if client_id and action.status is target:
        return action
    rule = MOVES.get((action.status, target))
    if rule is None or by.role not in rule.roles:
        allowed = allowed_moves(action, by)
        message = _(
            "An action that is “%(status)s” cannot be moved to “%(target)s” by you.",
            status=action.status.label,
            target=target.label,
        )
        message += " " + (
            _(
                "Allowed now: %(moves)s.",
                moves=", ".join(f"{S(value).label} ({value})" for value in allowed),
            )
            if allowed
            else _("No moves are open to you now.")
        )
        raise IllegalMove(message, allowed=allowed, fields={"status": message})
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(too_long(NOTE_MAX), fields={"note": too_long(NOTE_MAX)})
    if rule.needs_note and not note:
        raise DomainError(
            _("Give a reason for this step."), fields={"note": _("A reason is required.")}
        )
    if target is S.DONE and needs_after_photo(action):
        raise DomainError(
            _("Add at least one “after” photo before marking the action as done."),
            fields={"photo": _("An “after” photo is required.")},
            code="after_photo_required",
        )
    moment = _now(at)
    source = action.status
    action.status = target
    if target is S.DONE:
        action.done_at = moment
    elif target is S.REJECTED:
        action.done_at = None  # done_at always means "the work currently reported as done"
    elif target is S.VERIFIED:
        action.verified_at, action.verified_by_id, action.closed_at = moment, by.id, moment
    elif target is S.VOID:
        action.closed_at = moment
    action.events.append(
        ActionEvent(
            kind=ActionEventKind.STATUS,
            at=moment,
            by_id=by.id,
            from_status=source,
            to_status=target,
            note=note,
        )
    )
    _flush()
    if target in FINAL and action.finding_id is not None:
        _close_finding_when_done(action.finding, moment)
    return action


def _close_finding_when_done(finding: Finding, moment: datetime) -> None:
    """A finding is closed once every one of its actions that is not void is verified."""
    statuses = db.session.scalars(
        sa.select(Action.status).where(Action.finding_id == finding.id)
    ).all()
    live = [s for s in statuses if s is not S.VOID]
    if live and all(s is S.VERIFIED for s in live) and finding.closed_at is None:
        finding.closed_at = moment
        db.session.flush()


# ---------------------------------------------------------------- fields


def _decimal(value, field: str, errors: dict) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors[field] = _("Enter an amount, e.g. 1200 or 1200.50.")
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        errors[field] = _("Enter an amount, e.g. 1200 or 1200.50.")
        return None
    if not amount.is_finite():
        errors[field] = _("Enter an amount, e.g. 1200 or 1200.50.")
    elif amount < 0:
        errors[field] = _("A cost cannot be negative.")
    elif amount > MAX_COST:
        errors[field] = _("This amount is too large.")
    else:
        return amount.quantize(Decimal("0.01"))
    return None


def _due_date(value, errors: dict, *, earliest: date) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except ValueError:
            errors["due_on"] = _("Use a date like 2026-03-31.")
            return None
    if value < earliest:
        errors["due_on"] = _(
            "The due date cannot be before %(day)s, the day the action was raised.",
            day=earliest.isoformat(),
        )
        return None
    return value


def _clean(data: dict, *, partial: bool, earliest: date) -> dict:
    """Validate action fields; raise DomainError with one message per bad field."""
    unknown = set(data) - CREATE_FIELDS
    if unknown:
        raise DomainError(
            _("These fields cannot be set here: %(fields)s.", fields=", ".join(sorted(unknown))),
            fields={name: _("Not allowed.") for name in unknown},
            status=400,
            code="unknown_fields",
        )
    errors: dict[str, str] = {}
    clean: dict = {}
    if "title" in data or not partial:
        title = str(data.get("title") or "").strip()
        if not title:
            errors["title"] = _("Say in a few words what is to be done.")
        elif len(title) > TITLE_MAX:
            errors["title"] = too_long(TITLE_MAX)
        clean["title"] = title
    for key, limit in TEXT_LIMITS.items():
        if key in data:
            clean[key] = limited_text(data[key], limit, key, errors)
    if "control_type" in data:
        value = data["control_type"]
        if value in (None, ""):
            clean["control_type"] = None
        else:
            try:
                clean["control_type"] = ControlType(value)
            except ValueError:
                errors["control_type"] = _("Choose one of the options.")
    for key in ("estimated_cost", "actual_cost"):
        if key in data:
            clean[key] = _decimal(data[key], key, errors)
    if "due_on" in data:
        clean["due_on"] = _due_date(data["due_on"], errors, earliest=earliest)
    if errors:
        raise DomainError(_("Please correct the marked fields."), fields=errors)
    return clean


def replayed_action(factory: Factory, client_id: str | None) -> Action | None:
    """The action raised in this factory under this device (or form) id, None if none: a
    create sent twice returns the first. Looked up in the factory only, so a key used in
    another factory is unknown here."""
    client_id = clean_client_id(client_id)
    if not client_id:
        return None
    return db.session.scalar(
        sa.select(Action).where(Action.factory_id == factory.id, Action.client_id == client_id)
    )


def _create(
    *,
    factory: Factory,
    by: User,
    status: ActionStatus,
    origin: ActionOrigin,
    finding: Finding | None,
    at: datetime | None,
    fields: dict,
    client_id: str | None = None,
) -> Action:
    client_id = clean_client_id(client_id)
    if existing := replayed_action(factory, client_id):
        return existing
    moment = _now(at)
    clean = _clean(fields, partial=False, earliest=_local_date(moment))
    action = Action(
        factory_id=factory.id,
        factory=factory,
        finding_id=finding.id if finding is not None else None,
        finding=finding,
        origin=origin,
        status=status,
        proposed_by_id=by.id,
        created_at=moment,
        updated_at=moment,
        client_id=client_id_or_new(client_id),
        **clean,
    )
    action.events.append(
        ActionEvent(kind=ActionEventKind.CREATED, at=moment, by_id=by.id, to_status=status)
    )
    try:
        with db.session.begin_nested():
            db.session.add(action)
    except IntegrityError:
        # The same create arrived twice at once (a retry while the first was still running).
        if existing := replayed_action(factory, client_id):
            return existing
        raise
    _flush()
    return action


def create_from_finding(
    finding: Finding,
    *,
    by: User,
    at: datetime | None = None,
    client_id: str | None = None,
    **fields,
) -> Action:
    """Raise an action on a finding in one tap: the title comes from the finding, and so do
    the before photos (shown through the finding, not copied). Open when an inspector or
    admin raises it; a committee's starts as proposed."""
    fields.setdefault("title", finding.title)
    if not str(fields.get("title") or "").strip():
        fields["title"] = finding.title
    status = S.PROPOSED if by.role is Role.COMMITTEE else S.OPEN
    factory = db.session.get(Factory, finding.factory_id)
    action = _create(
        factory=factory,
        by=by,
        status=status,
        origin=ActionOrigin.FINDING,
        finding=finding,
        at=at,
        fields=fields,
        client_id=client_id,
    )
    if finding.closed_at is not None and not finding.fixed_on_spot:
        finding.closed_at = None  # new work on the hazard: it is open again until verified
        _flush()
    return action


def propose(
    factory: Factory,
    *,
    by: User,
    origin: ActionOrigin | str = ActionOrigin.SUGGESTION,
    at: datetime | None = None,
    client_id: str | None = None,
    **fields,
) -> Action:
    """Record an action of the factory's own (a worker's suggestion): proposed until approved."""
    return _create(
        factory=factory,
        by=by,
        status=S.PROPOSED,
        origin=ActionOrigin(origin),
        finding=None,
        at=at,
        fields=fields,
        client_id=client_id,
    )


def _require_open(action: Action) -> None:
    if action.status in FINAL:
        raise Conflict(
            _(
                "This action is %(status)s and can no longer be changed.",
                status=action.status.label,
            ),
            code="action_closed",
        )


def check_version(action: Action, expected_version: int | None) -> None:
    """Refuse an edit based on a stale copy; the caller answers with the current action."""
    errors.check_version(
        action, expected_version, _("Someone else changed this action while you were editing.")
    )


def update_action(
    action: Action, *, by: User, expected_version: int | None = None, **fields
) -> Action:
    """Change an action's fields (not its status, factory, finding or author)."""
    if expected_version is not None or fields:
        check_version(action, expected_version)
    _require_open(action)
    if "due_on" in fields:
        raise DomainError(
            _("Change the due date with a reason."),
            fields={"due_on": _("Use the due-date change, with a reason.")},
        )
    clean = _clean(fields, partial=True, earliest=date.min)
    for key, value in clean.items():
        setattr(action, key, value)
    _flush()
    return action


def change_due_date(
    action: Action,
    *,
    new_due_on: date | str | None,
    reason: str,
    by: User,
    at: datetime | None = None,
) -> Action:
    """Set or extend the due date; every change is kept on the timeline with its reason."""
    _require_open(action)
    errors: dict[str, str] = {}
    new = _due_date(new_due_on, errors, earliest=_local_date(action.created_at or utcnow()))
    if new is None and not errors:
        errors["due_on"] = _("Choose the new due date.")
    reason = limited_text(reason, NOTE_MAX, "reason", errors)
    if action.due_on is not None and not reason:
        errors["reason"] = _("Say why the due date changes.")
    if new is not None and new == action.due_on:
        errors["due_on"] = _("This is already the due date.")
    if errors:
        raise DomainError(_("Please correct the marked fields."), fields=errors)
    moment = _now(at)
    action.events.append(
        ActionEvent(
            kind=ActionEventKind.DUE_DATE,
            at=moment,
            by_id=by.id,
            old_due_on=action.due_on,
            new_due_on=new,
            note=reason,
        )
    )
    action.due_on = new
    _flush()
    return action


def refuse_photo(action: Action, user: User, kind: str):
    """Say why this user may not add this kind of photo now (409 for the state, 403 for the
    role)."""
    _require_open(action)
    if kind == PhotoKind.VERIFICATION.value and user.role is Role.INSPECTOR:
        raise Conflict(
            _("A verification photo is added while the action waits for verification."),
            fields={"kind": _("Not now.")},
            code="not_awaiting_verification",
        )
    abort(403)


# ---------------------------------------------------------------- loading and scope


def released_clause():
    """Actions whose finding (if any) is no longer an inspector's draft: a submitted
    inspection's, or a self-inspection's (the committee's own work)."""
    # Correlated on the action's own finding (two primary-key lookups per action): an
    # uncorrelated IN (…) listed every visible finding of every factory first.
    # Aliases, correlated on Action only: the ledger joins Finding and Inspection itself.
    finding, inspection = aliased(Finding), aliased(Inspection)
    finding_visible = (
        sa.exists()
        .where(
            finding.id == Action.finding_id,
            inspection.id == finding.inspection_id,
            sa.or_(
                inspection.status == InspectionStatus.SUBMITTED,
                inspection.kind == InspectionKind.SELF_INSPECTION,
            ),
        )
        .correlate(Action)
    )
    return sa.or_(Action.finding_id.is_(None), finding_visible)


def visible_clause(user: User):
    """A WHERE clause (over Action joined to its Factory) for the actions the user may see:
    the same rule as can_view_action, for lists and exports alike."""
    if not can_use_actions(user):
        return sa.false()
    where = scope_clause(user)
    if user.role is Role.COMMITTEE:
        where = sa.and_(where, released_clause())
    return where


def scoped_actions(user: User) -> sa.Select:
    """Actions the user may see (the same rule as can_view_action, in SQL)."""
    return (
        sa.select(Action).join(Factory, Factory.id == Action.factory_id).where(visible_clause(user))
    )


def get_action_or_404(action_id: int, user: User, *, for_edit: bool = False) -> Action:
    """Load an action the user may see: 403 for roles that never work on actions, 404 outside
    the user's scope, 409 when editing one that is closed."""
    if not can_use_actions(user):
        abort(403)
    action = db.session.get(Action, action_id)
    if action is None or not can_view_action(user, action):
        abort(404)
    if for_edit and not can_edit_action(user, action):
        _require_open(action)
        abort(403)
    return action


@dataclass(frozen=True)
class ActionFilters:
    statuses: tuple[str, ...] = ()
    overdue: bool = False
    area: str = ""
    grade: str = ""
    responsible: str = ""


#: Overdue first, then the nearest due date (none last), then the oldest.
def _board_order():
    return (
        sa.case((Action.is_overdue, 0), else_=1),
        sa.case((Action.due_on.is_(None), 1), else_=0),
        Action.due_on,
        Action.id,
    )


def filter_actions(stmt: sa.Select, filters: ActionFilters) -> sa.Select:
    """Narrow a select of actions by status, overdue, the finding's area and grade, owner."""
    statuses = [s for s in filters.statuses if s in {x.value for x in S}]
    if statuses:
        stmt = stmt.where(Action.status.in_(statuses))
    if filters.overdue:
        stmt = stmt.where(Action.is_overdue)
    if filters.area or filters.grade:
        findings = sa.select(Finding.id)
        if filters.area:
            findings = findings.where(Finding.area == filters.area)
        if filters.grade:
            known = filters.grade in {g.value for g in Grade}
            findings = findings.where(Finding.grade == filters.grade if known else sa.false())
        stmt = stmt.where(Action.finding_id.in_(findings))
    if filters.responsible:
        stmt = stmt.where(Action.responsible == filters.responsible)
    return stmt


def page_loads() -> tuple:
    """Loaded with a page of actions, so that showing it costs no statement per action: the
    finding's inspection (who may see the finding), without its answers, findings and people.
    (A function: loader options configure the mappers, which needs every model imported.)"""
    return (
        joinedload(Action.finding)
        .selectinload(Finding.inspection)
        .options(
            lazyload(Inspection.answers),
            lazyload(Inspection.findings),
            lazyload(Inspection.inspectors),
            lazyload(Inspection.committee_members),
            lazyload(Inspection.checklist_version),
        ),
    )


def factory_actions(user: User, factory: Factory, filters: ActionFilters) -> sa.Select:
    """The factory's actions the user sees, filtered, overdue first."""
    stmt = scoped_actions(user).where(Action.factory_id == factory.id)
    return filter_actions(stmt, filters).order_by(*_board_order())


#: The board's columns, in the order the work flows.
BOARD_GROUPS = (S.REJECTED, S.PROPOSED, S.OPEN, S.IN_PROGRESS, S.DONE, S.VERIFIED, S.VOID)
#: Closed groups show only the latest few; the rest are a click away.
CLOSED_SHOWN = 20


def board(user: User, factory: Factory, filters: ActionFilters) -> list[dict]:
    """Actions grouped by status (overdue first within each group), with counts.

    One query fetches every card shown (the closed groups cut to their latest CLOSED_SHOWN by
    a window function), so the board costs the same statements however its columns fill.
    """
    stmt = factory_actions(user, factory, filters)
    counts = dict(
        db.session.execute(
            stmt.order_by(None)
            .with_only_columns(Action.status, sa.func.count(Action.id))
            .group_by(Action.status)
        ).all()
    )
    shown = [s for s in BOARD_GROUPS if not filters.statuses or s.value in filters.statuses]
    limited = [s for s in shown if s in FINAL] if not filters.statuses else []
    latest_first = (Action.closed_at.desc(), Action.id.desc())
    ranked = (
        stmt.order_by(None)
        .with_only_columns(
            Action.id,
            Action.status,
            sa.func.row_number()
            .over(partition_by=Action.status, order_by=latest_first)
            .label("rank"),
        )
        .where(Action.status.in_(shown))
        .subquery()
    )
    wanted = sa.select(ranked.c.id).where(
        sa.or_(ranked.c.status.not_in(limited), ranked.c.rank <= CLOSED_SHOWN)
        if limited
        else sa.true()
    )
    by_status: dict[ActionStatus, list[Action]] = {status: [] for status in shown}
    for action in db.session.scalars(stmt.where(Action.id.in_(wanted))):
        by_status[action.status].append(action)
    groups = []
    for status in shown:
        items = by_status[status]
        if status in limited:  # the latest closed first, as the "show more" link continues
            items.sort(key=lambda a: (a.closed_at or datetime.min, a.id), reverse=True)
        total = counts.get(status, 0)
        groups.append(
            {
                "status": status,
                "actions": items,
                "total": total,
                "more": total - len(items),
                "overdue": sum(1 for a in items if a.is_overdue),
            }
        )
    return groups


def responsible_names(user: User, factory: Factory) -> list[str]:
    """The owners named on the factory's actions, for the filter menu."""
    stmt = (
        scoped_actions(user)
        .where(Action.factory_id == factory.id, Action.responsible != "")
        .with_only_columns(Action.responsible)
        .distinct()
        .order_by(Action.responsible)
    )
    return list(db.session.scalars(stmt))


def queue(user: User, *, waiting_page: int = 1, overdue_page: int = 1, per_page: int = 25) -> dict:
    """An inspector's queue, in scope: actions waiting for verification (oldest first) and
    overdue actions (longest overdue first), each list a page of `per_page` with its total.
    A province holds thousands of actions: the page stays the same size whatever the scope."""
    waiting = db.paginate(
        scoped_actions(user).where(Action.status == S.DONE).order_by(Action.done_at, Action.id),
        page=waiting_page,
        per_page=per_page,
        error_out=False,
    )
    overdue = db.paginate(
        scoped_actions(user).where(Action.is_overdue).order_by(Action.due_on, Action.id),
        page=overdue_page,
        per_page=per_page,
        error_out=False,
    )
    return {"waiting": waiting, "overdue": overdue, "evidence": first_photos(waiting.items)}


def first_photos(actions) -> dict[int, dict[str, Photo]]:
    """action id → its first "before" (from the finding) and "after" photo, in two queries:
    what an inspector looks at before verifying from the queue."""
    actions = list(actions)
    out: dict[int, dict[str, Photo]] = {a.id: {} for a in actions}
    by_finding: dict[int, list[int]] = {}
    for action in actions:
        if action.finding_id is not None:
            by_finding.setdefault(action.finding_id, []).append(action.id)
    if by_finding:
        rows = db.session.scalars(
            sa.select(Photo)
            .where(Photo.finding_id.in_(by_finding), Photo.kind == PhotoKind.BEFORE)
            .order_by(Photo.id.desc())
        )
        for photo in rows:
            for action_id in by_finding[photo.finding_id]:
                out[action_id]["before"] = photo  # the loop ends on the first (lowest id)
    if out:
        rows = db.session.scalars(
            sa.select(Photo)
            .where(Photo.action_id.in_(list(out)), Photo.kind == PhotoKind.AFTER)
            .order_by(Photo.id.desc())
        )
        for photo in rows:
            out[photo.action_id]["after"] = photo
    return out


def actions_of_findings(user: User, finding_ids) -> dict[int, list[Action]]:
    """finding id → the actions raised on it that the user sees, oldest first."""
    ids = list(finding_ids)
    if not ids or not can_use_actions(user):
        return {}
    rows = db.session.scalars(
        scoped_actions(user).where(Action.finding_id.in_(ids)).order_by(Action.id)
    )
    out: dict[int, list[Action]] = {}
    for action in rows:
        out.setdefault(action.finding_id, []).append(action)
    return out


def status_counts(user: User, factory: Factory) -> dict:
    """Pending, overdue, waiting-for-verification and verified counts for a factory."""
    base = scoped_actions(user).where(Action.factory_id == factory.id).order_by(None)

    def count(*where) -> int:
        return (
            db.session.scalar(base.where(*where).with_only_columns(sa.func.count(Action.id))) or 0
        )

    return {
        "pending": count(Action.status.in_([s.value for s in PENDING])),
        "overdue": count(Action.is_overdue),
        "done": count(Action.status == S.DONE),
        "verified": count(Action.status == S.VERIFIED),
    }


def before_photos(action: Action) -> list[Photo]:
    """The finding's "before" photos, shown on the action (never copied)."""
    if action.finding_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Photo)
            .where(Photo.finding_id == action.finding_id, Photo.kind == PhotoKind.BEFORE)
            .order_by(Photo.id)
        )
    )


@dataclass(frozen=True)
class ActionExtras:
    """What an action's JSON shows beyond its row: photos by kind and the people it names."""

    photos: dict[tuple[int, PhotoKind], list[Photo]]  # (action id, kind) → photos
    people: dict[int, User]

    def of(self, action: Action, kind: PhotoKind) -> list[Photo]:
        return self.photos.get((action.id, kind), [])

    def person(self, user_id: int | None) -> User | None:
        return self.people.get(user_id) if user_id is not None else None


def _people(ids) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(wanted)))}


def extras_of(action: Action) -> ActionExtras:
    """One action's photos and people, read afresh (it may have just changed)."""
    photos = {(action.id, PhotoKind.BEFORE): before_photos(action)}
    for kind in (PhotoKind.AFTER, PhotoKind.VERIFICATION):
        photos[(action.id, kind)] = photos_of(action, kind)
    return ActionExtras(photos, _people([action.proposed_by_id, action.verified_by_id]))


def page_extras(actions: list[Action]) -> ActionExtras:
    """A page of actions' photos and people in one statement, however many the page holds:
    the photos come with the page (the finding's and the action's own, loaded in batches) and
    the people in one query."""
    photos: dict[tuple[int, PhotoKind], list[Photo]] = {}
    for action in actions:
        shown = action.finding.photos if action.finding is not None else []
        photos[(action.id, PhotoKind.BEFORE)] = [p for p in shown if p.kind is PhotoKind.BEFORE]
        for kind in (PhotoKind.AFTER, PhotoKind.VERIFICATION):
            photos[(action.id, kind)] = [p for p in action.photos if p.kind is kind]
    ids = [i for a in actions for i in (a.proposed_by_id, a.verified_by_id)]
    return ActionExtras(photos, _people(ids))


def photos_of(action: Action, kind: PhotoKind) -> list[Photo]:
    """The action's own photos of one kind ("after" or "verification")."""
    return list(
        db.session.scalars(
            sa.select(Photo)
            .where(Photo.action_id == action.id, Photo.kind == kind)
            .order_by(Photo.id)
        )
    )
