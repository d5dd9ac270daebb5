"""Inspection rules: start, answer (idempotent), findings with risk, submission and scores."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

import sqlalchemy as sa
from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defaultload, lazyload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from .. import import_models
from ..accounts.models import Role, User
from ..checklists import scoring
from ..checklists import services as checklist_services
from ..checklists.areas import AREAS
from ..checklists.kinds import AnswerError
from ..checklists.models import ChecklistVersion
from ..checklists.schema import Checklist
from ..errors import Conflict, DomainError, check_version
from ..extensions import MAX_ID, db, utcnow
from ..factories.models import Factory
from ..factories.services import scope_clause
from ..permissions import can_edit_inspection, can_start_inspection, can_view_inspection
from .models import (
    Answer,
    Finding,
    FindingSource,
    Grade,
    Inspection,
    InspectionKind,
    InspectionStatus,
    RiskLevel,
)

#: The longest idempotency key a device may send (the column's length).
CLIENT_ID_MAX = 64

FINDING_FIELDS = frozenset(
    {
        "item_id",
        "area",
        "title",
        "description",
        "location",
        "source",
        "grade",
        "likelihood",
        "severity",
        "fixed_on_spot",
    }
)


# ---------------------------------------------------------------- loading and scope


def scoped_inspections(user: User) -> sa.Select:
    """Inspections the user may see, newest first."""
    stmt = sa.select(Inspection).join(Inspection.factory).where(scope_clause(user))
    if user.role is Role.COMMITTEE:
        stmt = stmt.where(
            sa.or_(
                Inspection.status == InspectionStatus.SUBMITTED,
                Inspection.kind == InspectionKind.SELF_INSPECTION,
            )
        )
    elif user.role not in (Role.ADMIN, Role.INSPECTOR):
        stmt = stmt.where(sa.false())
    return stmt.order_by(Inspection.inspected_on.desc(), Inspection.id.desc())


# Building loader options configures the mappers, which needs every model class (Finding's
# photos name Photo): without this, importing this module before create_app() failed.
import_models()

#: Loader options for saving an answer: the answers (for the live scores), not the findings
#: with their photos nor the people.
ANSWERS_ONLY = (
    lazyload(Inspection.findings),
    lazyload(Inspection.inspectors),
    lazyload(Inspection.committee_members),
)


def get_inspection_or_404(
    inspection_id: int, user: User, *, for_edit: bool = False, options=()
) -> Inspection:
    """Load an inspection the user may see; for_edit also requires an editable draft (409
    once submitted, so a device that queued answers learns why they are refused). `options`
    narrow what is loaded with it (ANSWERS_ONLY)."""
    inspection = db.session.get(Inspection, inspection_id, options=options)
    if inspection is None or not can_view_inspection(user, inspection):
        abort(404)
    if for_edit and not can_edit_inspection(user, inspection):
        if not inspection.is_draft:
            raise Conflict(
                _("This inspection was submitted and is read-only."), code="inspection_submitted"
            )
        abort(403)
    return inspection


def get_finding_or_404(finding_id: int, user: User, *, for_edit: bool = False) -> Finding:
    finding = db.session.get(Finding, finding_id) if 0 < finding_id <= MAX_ID else None
    if finding is None:
        abort(404)
    get_inspection_or_404(finding.inspection_id, user, for_edit=for_edit)
    return finding


def checklist_of(inspection: Inspection) -> Checklist:
    """The checklist definition the inspection is pinned to."""
    return checklist_services.definition_of(inspection.checklist_version)


# ---------------------------------------------------------------- starting


def _users(ids, role: Role) -> list[User]:
    field = "inspector_ids" if role is Role.INSPECTOR else "committee_member_ids"
    if ids is None or ids == "":
        ids = []
    if not isinstance(ids, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise DomainError(
            _("Choose people with the right role."), fields={field: _("A list of people.")}
        )
    if not ids:
        return []
    if not all(0 < i <= MAX_ID for i in ids):
        raise DomainError(
            _("Choose people with the right role."), fields={field: _("Unknown person.")}
        )
    users = list(
        db.session.scalars(
            sa.select(User).where(User.id.in_(ids)).options(selectinload(User.regions))
        )
    )
    if len(users) != len(set(ids)) or any(u.role is not role for u in users):
        raise DomainError(
            _("Choose people with the right role."),
            fields={
                "inspector_ids" if role is Role.INSPECTOR else "committee_member_ids": _(
                    "Unknown person."
                )
            },
        )
    return users


def start_inspection(
    *,
    by: User,
    factory: Factory,
    checklist: str,
    kind: InspectionKind | str,
    inspected_on: date | None = None,
    inspector_ids=(),
    committee_member_ids=(),
) -> Inspection:
    """Start a draft inspection on the latest version of a checklist (pinned from now on)."""
    try:
        kind = InspectionKind(kind)
    except ValueError:
        raise DomainError(
            _("Choose the kind of inspection."),
            fields={"kind": _("Choose the kind of inspection.")},
        ) from None
    if not can_start_inspection(by, factory, kind.value):
        abort(403)
    version = checklist_services.get_version(checklist) if checklist else None
    if version is None:
        raise DomainError(_("Choose a checklist."), fields={"checklist": _("Unknown checklist.")})
    inspectors = _users(inspector_ids, Role.INSPECTOR)
    if by.role is Role.INSPECTOR and by not in inspectors:
        inspectors.insert(0, by)
    from ..permissions import can_view_factory

    for person in inspectors:
        if not can_view_factory(person, factory):
            raise DomainError(
                _("%(name)s does not cover this factory's region.", name=person.name),
                fields={"inspector_ids": _("Not in this region.")},
            )
    members = _users(committee_member_ids, Role.COMMITTEE)
    if any(m.factory_id != factory.id for m in members):
        raise DomainError(
            _("Committee members must belong to this factory."),
            fields={"committee_member_ids": _("Not of this factory.")},
        )
    today = utcnow().date()
    if inspected_on and inspected_on > today:
        raise DomainError(
            _("The inspection date cannot be in the future."),
            fields={"inspected_on": _("Not in the future.")},
        )
    inspection = Inspection(
        factory_id=factory.id,
        factory=factory,
        checklist_version_id=version.id,
        checklist_version=version,
        kind=kind,
        inspected_on=inspected_on or today,
        created_by_id=by.id,
        inspectors=inspectors,
        committee_members=members,
    )
    db.session.add(inspection)
    db.session.flush()
    return inspection


def update_inspection(
    inspection: Inspection,
    *,
    good_points: str | None = None,
    inspected_on: date | None = None,
    inspector_ids=None,
    committee_member_ids=None,
) -> Inspection:
    """Change the header of a draft: good points seen, date, people."""
    if good_points is not None:
        if not isinstance(good_points, str):
            raise DomainError(
                _("Please correct the marked fields."), fields={"good_points": _("Enter text.")}
            )
        inspection.good_points = good_points.strip()[:5000]
    if inspected_on is not None:
        if inspected_on > utcnow().date():
            raise DomainError(
                _("The inspection date cannot be in the future."),
                fields={"inspected_on": _("Not in the future.")},
            )
        inspection.inspected_on = inspected_on
    if inspector_ids is not None:
        inspectors = _users(inspector_ids, Role.INSPECTOR)
        if not inspectors and inspection.kind is not InspectionKind.SELF_INSPECTION:
            raise DomainError(
                _("At least one inspector is needed."),
                fields={"inspector_ids": _("At least one inspector is needed.")},
            )
        inspection.inspectors = inspectors
    if committee_member_ids is not None:
        members = _users(committee_member_ids, Role.COMMITTEE)
        if any(m.factory_id != inspection.factory_id for m in members):
            raise DomainError(
                _("Committee members must belong to this factory."),
                fields={"committee_member_ids": _("Not of this factory.")},
            )
        inspection.committee_members = members
    db.session.flush()
    return inspection


# ---------------------------------------------------------------- answers


def set_answer(
    inspection: Inspection,
    *,
    item_id: str,
    value,
    note: str = "",
    by: User,
    answered_at: datetime | None = None,
) -> Answer | None:
    """Save one answer (PUT semantics: the same call twice leaves one answer).

    A null value clears the answer. An answer given on the device earlier than the one stored
    (a stale offline retry) does not overwrite the newer one.
    """
    checklist = checklist_of(inspection)
    if not checklist.has_item(item_id):
        raise DomainError(
            _("This checklist has no item “%(item)s”.", item=item_id),
            status=404,
            code="unknown_item",
        )
    item = checklist.item(item_id)
    answered_at = answered_at or utcnow()
    if answered_at > utcnow():
        answered_at = utcnow()  # a device clock running fast must not win every future race
    answer = db.session.scalar(
        sa.select(Answer).where(Answer.inspection_id == inspection.id, Answer.item_id == item_id)
    )
    if answer is not None and answer.answered_at > answered_at:
        return answer
    if value is None or value == "":
        if answer is not None:
            inspection.answers.remove(answer)
            db.session.flush()
        return None
    try:
        value = item.answer_kind.validate(value)
    except AnswerError as error:
        raise DomainError(
            _("This answer is not valid for the item: %(reason)s", reason=error.message),
            fields={"value": error.message},
        ) from None
    note = (note or "").strip()[:2000]
    if answer is None:
        answer = Answer(
            inspection_id=inspection.id,
            item_id=item_id,
            value=value,
            note=note,
            answered_by_id=by.id,
            answered_at=answered_at,
        )
        try:
            with db.session.begin_nested():
                db.session.add(answer)
        except IntegrityError:
            # The same item was answered twice at once (a replayed queue, two devices): the
            # other request stored its answer a moment ago; the later answer wins as usual.
            db.session.expire(inspection, ["answers"])
            answer = db.session.scalar(
                sa.select(Answer).where(
                    Answer.inspection_id == inspection.id, Answer.item_id == item_id
                )
            )
            if answer is None:
                raise
            if answer.answered_at > answered_at:
                return answer
        else:
            inspection.answers.append(answer)
            return answer
    answer.value, answer.note = value, note
    answer.answered_by_id, answer.answered_at = by.id, answered_at
    db.session.flush()
    return answer


# ---------------------------------------------------------------- findings


def risk_level(score: int) -> RiskLevel:
    """The risk level for likelihood × severity, through the configured bands."""
    for upper, level in current_app.config["RISK_BANDS"]:
        if score <= upper:
            return RiskLevel(level)
    return RiskLevel.CRITICAL


def _digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _clean_finding(data: dict, *, checklist: Checklist, partial: bool) -> dict:
    errors: dict[str, str] = {}
    clean: dict = {}
    if "title" in data or not partial:
        title = str(data.get("title") or "").strip()
        if not title:
            errors["title"] = _("Give the finding a short title.")
        clean["title"] = title[:200]
    for key, limit in (("description", 5000), ("location", 200)):
        if key in data:
            clean[key] = str(data[key] or "").strip()[:limit]
    if "item_id" in data:
        item_id = data["item_id"] or None
        if item_id and (not isinstance(item_id, str) or not checklist.has_item(item_id)):
            errors["item_id"] = _("This checklist has no such item.")
        clean["item_id"] = item_id
        if item_id and not errors.get("item_id") and not data.get("area"):
            clean["area"] = checklist.item(item_id).areas[0]
    if data.get("area"):
        if not isinstance(data["area"], str) or data["area"] not in AREAS:
            errors["area"] = _("Unknown hazard area.")
        clean["area"] = data["area"]
    for key, enum in (("source", FindingSource), ("grade", Grade)):
        if key in data:
            try:
                clean[key] = enum(data[key])
            except ValueError:
                errors[key] = _("Choose one of the options.")
    for key in ("likelihood", "severity"):
        if key in data:
            value = data[key]
            if isinstance(value, str) and value.isdigit():
                value = int(value)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
                errors[key] = _("Choose 1 to 5.")
            else:
                clean[key] = value
    if "fixed_on_spot" in data:
        value = data["fixed_on_spot"]
        if not isinstance(value, bool):
            errors["fixed_on_spot"] = _("Yes or no.")
        clean["fixed_on_spot"] = bool(value)
    if errors:
        raise DomainError(_("Please correct the marked fields."), fields=errors)
    return clean


def _apply_risk(finding: Finding) -> None:
    finding.risk_score = finding.likelihood * finding.severity
    finding.risk_level = risk_level(finding.risk_score)
    if finding.fixed_on_spot and finding.closed_at is None:
        finding.closed_at = utcnow()
    elif not finding.fixed_on_spot and finding.closed_at is not None:
        finding.closed_at = None


def add_finding(
    inspection: Inspection, *, by: User, client_id: str | None = None, **data
) -> tuple[Finding, bool]:
    """Record a finding; a replayed client_id returns the first one (or refuses a different
    body under the same key). Returns (finding, created)."""
    unknown = set(data) - FINDING_FIELDS
    if unknown:
        raise DomainError(
            _("These fields cannot be set here: %(fields)s.", fields=", ".join(sorted(unknown))),
            status=400,
            code="unknown_fields",
        )
    if client_id and len(client_id) > CLIENT_ID_MAX:
        message = _("At most %(num)d characters.", num=CLIENT_ID_MAX)
        raise DomainError(message, fields={"client_id": message})
    digest = _digest(data)
    if client_id and (existing := _replayed_finding(inspection, client_id, digest)):
        return existing, False
    clean = _clean_finding(data, checklist=checklist_of(inspection), partial=False)
    finding = Finding(
        inspection_id=inspection.id,
        factory_id=inspection.factory_id,
        created_by_id=by.id,
        client_id=client_id or None,
        client_digest=digest if client_id else None,
        **{"likelihood": 1, "severity": 1, **clean},
    )
    _apply_risk(finding)
    try:
        with db.session.begin_nested():
            db.session.add(finding)
    except IntegrityError:
        # The same key arrived twice at once (a tablet replaying its queue while the first
        # try was still running): the other request stored it a moment ago.
        if client_id and (existing := _replayed_finding(inspection, client_id, digest)):
            return existing, False
        raise
    inspection.findings.append(finding)
    db.session.flush()
    return finding, True


def _replayed_finding(inspection: Inspection, client_id: str, digest: str) -> Finding | None:
    """The finding already stored under this key (None if none); a different body is a 409."""
    existing = db.session.scalar(sa.select(Finding).where(Finding.client_id == client_id))
    if existing is not None and (
        existing.client_digest != digest or existing.inspection_id != inspection.id
    ):
        raise DomainError(
            _("This key was already used for a different finding."),
            status=409,
            code="idempotency_conflict",
        )
    return existing


def update_finding(finding: Finding, *, by: User, expected_version: int | None, **data) -> Finding:
    """Change a finding; a save based on a stale version is refused with the current one."""
    check_version(
        finding, expected_version, _("Someone else changed this finding while you were editing.")
    )
    unknown = set(data) - FINDING_FIELDS
    if unknown:
        raise DomainError(
            _("These fields cannot be set here: %(fields)s.", fields=", ".join(sorted(unknown))),
            status=400,
            code="unknown_fields",
        )
    clean = _clean_finding(data, checklist=checklist_of(finding.inspection), partial=True)
    for key, value in clean.items():
        setattr(finding, key, value)
    _apply_risk(finding)
    try:
        db.session.flush()
    except StaleDataError:
        # Both saves passed the version check at once; the other one committed first. Roll
        # back now: the failed flush left the session unusable, and the message needs it (it
        # reads the user's language).
        db.session.rollback()
        error = Conflict(
            _("Someone else changed this finding at the same time."), code="stale_version"
        )
        error.current = finding
        raise error from None
    return finding


# ---------------------------------------------------------------- scores and submission


def live_scores(inspection: Inspection) -> dict:
    """Scores of the answers so far: overall, per section and per hazard area."""
    checklist = checklist_of(inspection)
    answers = inspection.answer_map()
    scores = scoring.score(checklist, answers)
    return {
        **scores.to_dict(),
        "areas": {
            area: tally.to_dict()
            for area, tally in scoring.score_by_area(checklist, answers).items()
        },
    }


def scores_of(inspection: Inspection) -> dict:
    """Frozen scores for a submitted inspection, live ones for a draft."""
    return inspection.scores if inspection.scores else live_scores(inspection)


def submission_problems(inspection: Inspection) -> dict[str, str]:
    """What stops submission: unanswered applicable items, missing photos, missing people."""
    checklist = checklist_of(inspection)
    answers = inspection.answer_map()
    problems: dict[str, str] = {}
    for item_id in scoring.missing_answers(checklist, answers):
        problems[item_id] = _("Not answered yet.")
    photographed = {f.item_id for f in inspection.findings if f.photos}
    applicable = checklist.applicability(answers)
    for item_id, value in answers.items():
        if not applicable.get(item_id, False) or not checklist.has_item(item_id):
            continue
        if scoring.photo_required(checklist.item(item_id), value) and item_id not in photographed:
            problems[item_id] = _("Needs a photo: add a finding with a photo for this item.")
    if inspection.kind is InspectionKind.ENFORCEMENT and len(inspection.inspectors) < 2:
        problems["inspector_ids"] = _(
            "Enforcement inspections are done in pairs: add the second inspector."
        )
    return problems


def submit(inspection: Inspection, *, by: User) -> Inspection:
    """Check completeness, freeze the scores and lock the inspection."""
    if not inspection.is_draft:
        raise Conflict(
            _("This inspection was submitted and is read-only."), code="inspection_submitted"
        )
    problems = submission_problems(inspection)
    if problems:
        raise DomainError(
            _("Not ready to submit: %(n)d item(s) need attention.", n=len(problems)),
            fields=problems,
            code="incomplete",
        )
    inspection.scores = live_scores(inspection)
    inspection.status = InspectionStatus.SUBMITTED
    inspection.submitted_at = utcnow()
    inspection.submitted_by_id = by.id
    db.session.flush()
    return inspection


def discard(inspection: Inspection) -> None:
    """Delete a draft started by mistake, with its answers, findings and their photos (the
    files go once the transaction commits). A submitted inspection is evidence and stays; a
    draft whose findings already have improvement actions or cases is refused too, whatever
    their status (they belong to the factory now, and keep pointing at their finding)."""
    from ..actions.models import Action
    from ..cases.models import Case
    from ..photos.services import remove_photo

    if not inspection.is_draft:
        raise Conflict(
            _("This inspection was submitted and is read-only."), code="inspection_submitted"
        )
    finding_ids = [finding.id for finding in inspection.findings]
    if finding_ids:
        linked = db.session.scalar(
            sa.select(sa.func.count(Action.id)).where(Action.finding_id.in_(finding_ids))
        ) or db.session.scalar(
            sa.select(sa.func.count(Case.id)).where(Case.finding_id.in_(finding_ids))
        )
        if linked:
            raise Conflict(
                _(
                    "Improvement actions or cases were raised on this draft's findings, so it "
                    "can no longer be discarded. Submit the inspection instead."
                ),
                code="draft_has_actions",
            )
    for finding in inspection.findings:
        for photo in list(finding.photos):
            remove_photo(photo)
        db.session.delete(finding)
    db.session.delete(inspection)
    db.session.flush()


# ---------------------------------------------------------------- re-inspection context


def previous_answers(inspection: Inspection) -> dict[str, dict]:
    """The factory's answer to each item at its last submitted inspection before this one."""
    previous = db.session.execute(
        sa.select(Inspection.id, Inspection.inspected_on)
        .where(
            Inspection.factory_id == inspection.factory_id,
            Inspection.status == InspectionStatus.SUBMITTED,
            Inspection.id != inspection.id,
            Inspection.inspected_on <= inspection.inspected_on,
        )
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
        .limit(1)
    ).first()
    if previous is None:
        return {}
    # Only its answers: loading the inspection itself would bring its findings, photos,
    # people and checklist along.
    answers = db.session.execute(
        sa.select(Answer.item_id, Answer.value, Answer.note).where(
            Answer.inspection_id == previous.id
        )
    )
    return {
        item_id: {
            "value": value,
            "note": note,
            "inspected_on": previous.inspected_on,
            "inspection_id": previous.id,
        }
        for item_id, value, note in answers
    }


def open_findings_by_item(inspection: Inspection) -> dict[str, list[Finding]]:
    """Open findings of the factory from earlier inspections, by checklist item."""
    rows = db.session.scalars(
        sa.select(Finding)
        .where(
            Finding.factory_id == inspection.factory_id,
            Finding.closed_at.is_(None),
            Finding.inspection_id != inspection.id,
            Finding.item_id.is_not(None),
        )
        .order_by(Finding.id)
    )
    out: dict[str, list[Finding]] = {}
    for finding in rows:
        out.setdefault(finding.item_id, []).append(finding)
    return out


# ---------------------------------------------------------------- read helpers for other pages


#: Loader options for lists of inspections: the header (factory, checklist title, people),
#: not every answer and finding, nor the checklist's content (~50 KB of JSON per row).
HEADER_ONLY = (
    lazyload(Inspection.answers),
    lazyload(Inspection.findings),
    defaultload(Inspection.checklist_version).defer(ChecklistVersion.definition),
)


def recent_for_factory(user: User, factory: Factory, limit: int = 10) -> list[Inspection]:
    """The factory's latest inspections the user may see, newest first (for its page)."""
    stmt = (
        scoped_inspections(user)
        .where(Inspection.factory_id == factory.id)
        .options(*HEADER_ONLY)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def drafts_of(user: User, limit: int = 10) -> list[Inspection]:
    """Draft inspections the user is one of the inspectors of, most recently changed first."""
    stmt = (
        scoped_inspections(user)
        .where(
            Inspection.status == InspectionStatus.DRAFT,
            Inspection.inspectors.any(User.id == user.id),
        )
        .order_by(None)
        .order_by(Inspection.updated_at.desc(), Inspection.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
