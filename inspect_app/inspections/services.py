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
from ..checklists.kinds import AnswerError
from ..checklists.models import ChecklistVersion
from ..checklists.schema import Checklist, FactoryProfile, Item
from ..errors import Conflict, DomainError, check_version
from ..extensions import MAX_ID, db, local_today, utcnow
from ..factories.models import Factory
from ..factories.services import scope_clause
from ..observability import count_answer
from ..permissions import (
    can_edit_inspection,
    can_start_inspection,
    can_view_factory,
    can_view_inspection,
)
from ..schemas import limited_text, too_long
from ..sync import Gone, clean_client_id, client_id_or_new
from .models import (
    Answer,
    DiscardedRecord,
    Finding,
    FindingSource,
    Grade,
    Inspection,
    InspectionKind,
    InspectionStatus,
    RiskLevel,
)

# Text limits (characters): over a limit is refused, never cut.
TITLE_MAX = 200  # a finding's title (the column's length)
NOTE_MAX = 2000  # an answer's note
GOOD_POINTS_MAX = 5000
FINDING_TEXT_LIMITS = {"description": 5000, "location": 200, "reference": 1000}

FINDING_FIELDS = frozenset(
    {
        "item_id",
        "reference",
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
    inspection = (
        db.session.get(Inspection, inspection_id, options=options)
        if 0 < inspection_id <= MAX_ID
        else None
    )
    if inspection is None:
        refuse_discarded("inspection", inspection_id, user)
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
        refuse_discarded("finding", finding_id, user)
        abort(404)
    get_inspection_or_404(finding.inspection_id, user, for_edit=for_edit)
    return finding


def refuse_discarded(kind: str, record_id: int, user: User) -> None:
    """410 when the record was discarded on purpose and its factory is in the user's scope (a
    device's queued change for it is refused, never moved elsewhere); else nothing (a 404)."""
    if not 0 < record_id <= MAX_ID:
        return
    gone = db.session.scalar(
        sa.select(DiscardedRecord).where(
            DiscardedRecord.kind == kind, DiscardedRecord.record_id == record_id
        )
    )
    if gone is None:
        return
    factory = db.session.get(Factory, gone.factory_id)
    if factory is None or not can_view_factory(user, factory):
        return
    if kind == "inspection":
        message = _(
            "This draft inspection was discarded: the change was not saved. It stays on the "
            "device that made it."
        )
    else:
        message = _(
            "This finding was discarded with its draft inspection: the change was not saved. "
            "It stays on the device that made it."
        )
    raise Gone(message)


def checklist_of(inspection: Inspection) -> Checklist:
    """The checklist definition the inspection is pinned to."""
    return checklist_services.definition_of(inspection.checklist_version)


def profile_of(factory: Factory) -> FactoryProfile:
    """What a checklist's `applies_to` looks at: the sector and the headcount (a headcount of
    0 means "not recorded", and then no item is left out for it)."""
    workers = (factory.headcount_women or 0) + (factory.headcount_men or 0)
    return FactoryProfile(sector=factory.sector.value, workers=workers or None)


def _reader_is_chinese() -> bool:
    from flask_babel import get_locale

    locale = get_locale()
    return locale is not None and locale.language == "zh"


def answer_error_reason(error: AnswerError) -> str:
    """Why an answer is refused, in the reader's language (the accepted answers named by their
    labels)."""
    params = dict(error.params)
    if error.options:
        zh = _reader_is_chinese()
        params["options"] = ("、" if zh else ", ").join(
            option[1] if zh else option[2] for option in error.options
        )
    return _(error.user, **params)


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


def started_by(user: User, client_id: str | None) -> Inspection | None:
    """The inspection this user started under this device id (None if none): a replayed
    start. Looked up among the user's own only, so another user's key is unknown here."""
    if not client_id:
        return None
    inspection = db.session.scalar(
        sa.select(Inspection).where(
            Inspection.created_by_id == user.id, Inspection.client_id == client_id
        )
    )
    if inspection is None or not can_view_inspection(user, inspection):
        return None
    return inspection


def _replayed_start(
    user: User, client_id: str | None, *, factory: Factory, checklist: str, kind: str
) -> Inspection | None:
    """The inspection a replayed start names; a different factory, checklist or kind under
    the same id is a 409 (a device bug, never a second inspection)."""
    existing = started_by(user, client_id)
    if existing is not None and (
        existing.factory_id != factory.id
        or existing.checklist_version.slug != checklist
        or existing.kind.value != str(kind)
    ):
        raise Conflict(
            _("This id was already used to start a different inspection."),
            code="idempotency_conflict",
        )
    return existing


def _check_inspectors(inspectors: list[User], factory: Factory) -> None:
    """Every inspector named on an inspection covers the factory's region (on start and on
    every edit, from a page or the API)."""
    for person in inspectors:
        if not can_view_factory(person, factory):
            raise DomainError(
                _("%(name)s does not cover this factory's region.", name=person.name),
                fields={"inspector_ids": _("Not in this region.")},
            )


def _committee_members(ids, factory: Factory) -> list[User]:
    """The committee members named as present: members of this factory's committee only."""
    members = _users(ids, Role.COMMITTEE)
    if any(m.factory_id != factory.id for m in members):
        raise DomainError(
            _("Committee members must belong to this factory."),
            fields={"committee_member_ids": _("Not of this factory.")},
        )
    return members


def start_inspection(**arguments) -> Inspection:
    """start_inspection_once, for callers that need not know whether it was made just now."""
    return start_inspection_once(**arguments)[0]


def start_inspection_once(
    *,
    by: User,
    factory: Factory,
    checklist: str,
    kind: InspectionKind | str,
    inspected_on: date | None = None,
    inspector_ids=(),
    committee_member_ids=(),
    client_id: str | None = None,
    checklist_version: int | None = None,
) -> tuple[Inspection, bool]:
    """Start a draft inspection on the latest version of a checklist (or on `checklist_version`
    exactly, as a device that started it offline pinned it), pinned from now on; return
    (inspection, created). A replayed `client_id` returns the inspection started with it."""
    client_id = clean_client_id(client_id)
    if existing := _replayed_start(by, client_id, factory=factory, checklist=checklist, kind=kind):
        return existing, False
    try:
        kind = InspectionKind(kind)
    except ValueError:
        raise DomainError(
            _("Choose the kind of inspection."),
            fields={"kind": _("Choose the kind of inspection.")},
        ) from None
    if not can_start_inspection(by, factory, kind.value):
        abort(403)
    if checklist_version is not None and (
        not isinstance(checklist_version, int) or isinstance(checklist_version, bool)
    ):
        message = _("Give the checklist's version as a whole number.")
        raise DomainError(message, fields={"checklist_version": message})
    version = checklist_services.get_version(checklist, checklist_version) if checklist else None
    if (
        version is None
        and checklist_version is not None
        and checklist_services.get_version(checklist)
    ):
        message = _("This checklist has no version %(number)s.", number=checklist_version)
        raise DomainError(message, fields={"checklist_version": message})
    if version is None:
        raise DomainError(_("Choose a checklist."), fields={"checklist": _("Unknown checklist.")})
    inspectors = _users(inspector_ids, Role.INSPECTOR)
    if by.role is Role.INSPECTOR and by not in inspectors:
        inspectors.insert(0, by)
    _check_inspectors(inspectors, factory)
    members = _committee_members(committee_member_ids, factory)
    today = local_today()  # the factory's date, not UTC's (8 hours apart in China)
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
        client_id=client_id_or_new(client_id),
    )
    try:
        with db.session.begin_nested():
            db.session.add(inspection)
    except IntegrityError:
        # The same start arrived twice at once (a device replaying while the first try was
        # still running): the other request stored it a moment ago.
        if existing := _replayed_start(
            by, client_id, factory=factory, checklist=checklist, kind=kind
        ):
            return existing, False
        raise
    return inspection, True


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
        if len(good_points.strip()) > GOOD_POINTS_MAX:
            message = too_long(GOOD_POINTS_MAX)
            raise DomainError(message, fields={"good_points": message})
        inspection.good_points = good_points.strip()
    if inspected_on is not None:
        if inspected_on > local_today():
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
        _check_inspectors(inspectors, inspection.factory)
        inspection.inspectors = inspectors
    if committee_member_ids is not None:
        inspection.committee_members = _committee_members(committee_member_ids, inspection.factory)
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

    A null value clears the answer. An answer given earlier than the one stored (a stale
    offline retry; `answered_at` is on the server's clock, see sync.device_time) does not
    overwrite the newer one, also when both arrive at the same moment.
    """
    checklist = checklist_of(inspection)
    if not checklist.knows(item_id):
        raise DomainError(
            _("This checklist has no item “%(item)s”.", item=item_id),
            status=404,
            code="unknown_item",
        )
    item = checklist.item_of(item_id)
    if item.id == item_id and item.subitems:
        raise DomainError(
            _("This item is answered through its sub-items: answer each of them."),
            fields={"value": _("Answer the sub-items.")},
            code="answer_sub_items",
        )
    answered_at = answered_at or utcnow()
    if answered_at > utcnow():
        answered_at = utcnow()  # a device clock running fast must not win every future race
    if value is None or value == "":
        count_answer("cleared")
        return _clear_answer(inspection, item_id=item_id, answered_at=answered_at)
    if item.id in checklist.left_out(profile_of(inspection.factory)):
        raise DomainError(
            _("This item does not apply to this factory, so it is not asked."),
            fields={"value": _("Not asked of this factory.")},
            code="not_asked",
        )
    try:
        value = item.answer_kind.validate(value)
    except AnswerError as error:
        reason = answer_error_reason(error)
        raise DomainError(
            _("This answer is not valid for the item: %(reason)s", reason=reason),
            fields={"value": reason},
        ) from None
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(too_long(NOTE_MAX), fields={"note": too_long(NOTE_MAX)})
    # One statement that inserts the answer or, when the item is answered already, replaces it
    # only if this answer is not older: two saves at the same moment cannot both read the old
    # row and leave the older answer last (they did on PostgreSQL, in half of the trials).
    insert = _dialect_insert(Answer).values(
        inspection_id=inspection.id,
        item_id=item_id,
        value=value,
        note=note,
        answered_by_id=by.id,
        answered_at=answered_at,
        saved_at=utcnow(),
    )
    new = insert.excluded
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=[Answer.inspection_id, Answer.item_id],
            set_={
                "value": new.value,
                "note": new.note,
                "answered_by_id": new.answered_by_id,
                "answered_at": new.answered_at,
                "saved_at": new.saved_at,
            },
            where=Answer.answered_at <= new.answered_at,
        )
    )
    db.session.expire(inspection, ["answers"])
    stored = _stored_answer(inspection, item_id)
    kept = stored is not None and stored.answered_at == answered_at and stored.value == value
    count_answer("stored" if kept else "older_kept")
    return stored


def _dialect_insert(model):
    """INSERT … ON CONFLICT for the database in use (PostgreSQL and SQLite both have it)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def _stored_answer(inspection: Inspection, item_id: str, *, lock: bool = False) -> Answer | None:
    stmt = sa.select(Answer).where(Answer.inspection_id == inspection.id, Answer.item_id == item_id)
    if lock:
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt.execution_options(populate_existing=True))


def _clear_answer(inspection: Inspection, *, item_id: str, answered_at: datetime) -> Answer | None:
    """Clear an answer unless a newer one is stored (the row is locked while deciding)."""
    answer = _stored_answer(inspection, item_id, lock=True)
    if answer is not None and answer.answered_at > answered_at:
        return answer
    if answer is not None:
        db.session.delete(answer)
        db.session.flush()
        db.session.expire(inspection, ["answers"])
    return None


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
        elif len(title) > TITLE_MAX:
            errors["title"] = too_long(TITLE_MAX)
        clean["title"] = title
    for key, limit in FINDING_TEXT_LIMITS.items():
        if key in data:
            clean[key] = limited_text(data[key], limit, key, errors)
    if "item_id" in data:
        item_id = data["item_id"] or None
        if item_id and (not isinstance(item_id, str) or not checklist.knows(item_id)):
            errors["item_id"] = _("This checklist has no such item.")
        clean["item_id"] = item_id
        if item_id and not errors.get("item_id") and not data.get("area"):
            clean["area"] = checklist.item_of(item_id).areas[0]
    if data.get("area"):
        if not isinstance(data["area"], str) or data["area"] not in checklist.area_catalogue:
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
            if isinstance(value, str) and value.isascii() and value.isdigit():
                value = int(value)  # an HTML form's "3"; not "³", a digit int() cannot read
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


RISK_ORDER = {level: n for n, level in enumerate(RiskLevel)}


def is_decisive_item(item: Item) -> bool:
    """Whether a problem on this item (or one of its options) decides the verdict."""
    options = getattr(item.answers, "options", ())
    return item.decisive or any(getattr(option, "decisive", False) for option in options)


def floor_rating(floor: str) -> tuple[int, int]:
    """The lowest (likelihood, severity) rated at the floor level or above: the smallest
    product in the floor's band, with the higher severity on a tie."""
    level = RiskLevel(floor)
    pairs = [(lk * sv, -sv, lk, sv) for lk in range(1, 6) for sv in range(1, 6)]
    for _score, _order, likelihood, severity in sorted(pairs):
        if RISK_ORDER[risk_level(likelihood * severity)] >= RISK_ORDER[level]:
            return likelihood, severity
    return 5, 5


def reference_text(checklist: Checklist, item_id: str) -> str:
    """The legal references of an item (or sub-item) in the reader's language, as one line."""
    zh = _reader_is_chinese()
    refs = checklist.references_of(item_id)
    return ("；" if zh else "; ").join(ref.zh if zh else ref.en for ref in refs)


def _item_rules(finding_data: dict, given: dict, checklist: Checklist, *, creating: bool) -> None:
    """What a checklist item says about findings raised on it.

    On a decisive item a new finding is graded major and cites the item's legal references
    unless told otherwise; on an item with a `risk_floor`, a new finding starts at the floor
    and no finding may be rated below it.
    """
    item_id = finding_data.get("item_id")
    if not item_id or not checklist.knows(item_id):
        return
    item = checklist.item_of(item_id)
    if creating:
        if is_decisive_item(item) and "grade" not in given:
            finding_data["grade"] = Grade.MAJOR
        if "reference" not in given:
            finding_data["reference"] = reference_text(checklist, item_id)
        if item.risk_floor and "likelihood" not in given and "severity" not in given:
            finding_data["likelihood"], finding_data["severity"] = floor_rating(item.risk_floor)
    floor = item.risk_floor
    if floor is None:
        return
    score = finding_data.get("likelihood", 1) * finding_data.get("severity", 1)
    if RISK_ORDER[risk_level(score)] < RISK_ORDER[RiskLevel(floor)]:
        message = _(
            "Findings on this item are rated at least %(level)s risk: raise the likelihood "
            "or the severity.",
            level=RiskLevel(floor).label,
        )
        raise DomainError(message, fields={"likelihood": message, "severity": message})


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
    client_id = clean_client_id(client_id)
    digest = _digest(data)
    if client_id and (existing := _replayed_finding(inspection, client_id, digest)):
        return existing, False
    checklist = checklist_of(inspection)
    clean = {
        "likelihood": 1,
        "severity": 1,
        **_clean_finding(data, checklist=checklist, partial=False),
    }
    _item_rules(clean, data, checklist, creating=True)
    finding = Finding(
        inspection_id=inspection.id,
        factory_id=inspection.factory_id,
        created_by_id=by.id,
        client_id=client_id_or_new(client_id),
        client_digest=digest,
        **clean,
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
    """The finding already stored under this key in this inspection (None if none: a key used
    in another inspection is unknown here); a different body is a 409."""
    existing = db.session.scalar(
        sa.select(Finding).where(
            Finding.inspection_id == inspection.id, Finding.client_id == client_id
        )
    )
    if existing is not None and existing.client_digest != digest:
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
    checklist = checklist_of(finding.inspection)
    clean = _clean_finding(data, checklist=checklist, partial=True)
    merged = {
        "item_id": finding.item_id,
        "likelihood": finding.likelihood,
        "severity": finding.severity,
        **clean,
    }
    _item_rules(merged, data, checklist, creating=False)
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
    """Scores of the answers so far: overall, per section and per hazard area, the verdict, and
    the items left out for this factory."""
    checklist = checklist_of(inspection)
    answers = inspection.answer_map()
    profile = profile_of(inspection.factory)
    scores, areas = scoring.score_with_areas(checklist, answers, profile)
    return {
        **scores.to_dict(),
        "areas": {area: tally.to_dict() for area, tally in areas.items()},
    }


def scores_of(inspection: Inspection) -> dict:
    """Frozen scores for a submitted inspection, live ones for a draft.

    Inspections submitted before verdicts existed have neither `verdict` nor `left_out` in
    their frozen scores; they get `verdict: None` and no item left out (nothing is recomputed:
    their figures stay exactly as they were submitted).
    """
    if inspection.scores:
        return {"verdict": None, "left_out": {"total": 0, "reasons": {}}, **inspection.scores}
    return live_scores(inspection)


def submission_problems(inspection: Inspection) -> dict[str, str]:
    """What stops submission: unanswered asked items, missing photos, missing people."""
    checklist = checklist_of(inspection)
    answers = inspection.answer_map()
    profile = profile_of(inspection.factory)
    problems: dict[str, str] = {}
    for question_id in scoring.missing_answers(checklist, answers, profile):
        problems[question_id] = _("Not answered yet.")
    photographed = {
        checklist.item_of(f.item_id).id
        for f in inspection.findings
        if f.photos and f.item_id and checklist.knows(f.item_id)
    }
    applicable = checklist.applicability(answers, profile)
    effective = checklist.effective_answers(answers)
    for item in checklist.items():
        value = effective.get(item.id)
        if not applicable[item.id] or value is None or item.id in photographed:
            continue
        if scoring.photo_required(item, value):
            problems[item.id] = _("Needs a photo: add a finding with a photo for this item.")
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


def discard(inspection: Inspection, *, by: User | None = None) -> None:
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
        db.session.add(_tombstone("finding", finding, by))
        db.session.delete(finding)
    db.session.add(_tombstone("inspection", inspection, by))
    db.session.delete(inspection)
    db.session.flush()


def _tombstone(kind: str, record: Inspection | Finding, by: User | None) -> DiscardedRecord:
    return DiscardedRecord(
        kind=kind,
        record_id=record.id,
        client_id=record.client_id,
        factory_id=record.factory_id,
        discarded_by_id=by.id if by is not None else None,
    )


# ---------------------------------------------------------------- re-inspection context


def _same_checklist(inspection: Inspection) -> sa.ColumnElement[bool]:
    """Inspections of the same checklist as this one, in any of its versions: an item id means
    the same question only within one checklist."""
    return Inspection.checklist_version_id.in_(
        sa.select(ChecklistVersion.id).where(
            ChecklistVersion.slug == inspection.checklist_version.slug
        )
    )


def previous_answers(inspection: Inspection) -> dict[str, dict]:
    """The factory's answer to each item at its last submitted inspection with the same
    checklist (any version) before this one; unanswered items are left out."""
    previous = db.session.execute(
        sa.select(Inspection.id, Inspection.inspected_on)
        .where(
            Inspection.factory_id == inspection.factory_id,
            Inspection.status == InspectionStatus.SUBMITTED,
            Inspection.id != inspection.id,
            Inspection.inspected_on <= inspection.inspected_on,
            _same_checklist(inspection),
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
        if value is not None
    }


def open_findings_by_item(inspection: Inspection) -> dict[str, list[Finding]]:
    """Open findings of the factory from earlier inspections with the same checklist (any
    version), by checklist item."""
    rows = db.session.scalars(
        sa.select(Finding)
        .join(Inspection, Finding.inspection_id == Inspection.id)
        .where(
            Finding.factory_id == inspection.factory_id,
            Finding.closed_at.is_(None),
            Finding.inspection_id != inspection.id,
            Finding.item_id.is_not(None),
            _same_checklist(inspection),
        )
        .options(lazyload(Finding.inspection))
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


#: The checklist of the ILO SCORE programme (a factory with a SCORE training batch gets its visits).
SCORE_CHECKLIST = "score-module5"


def start_defaults(user: User, factory: Factory) -> dict | None:
    """What the start form proposes for this factory, and why: the checklist and kind this
    user last used here, else the factory's SCORE programme; None when neither applies."""
    last = db.session.execute(
        sa.select(ChecklistVersion.slug, Inspection.kind, Inspection.inspected_on)
        .join(ChecklistVersion, Inspection.checklist_version_id == ChecklistVersion.id)
        .where(
            Inspection.factory_id == factory.id,
            Inspection.inspectors.any(User.id == user.id),
        )
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
        .limit(1)
    ).first()
    if last is not None:
        return {
            "checklist": last.slug,
            "kind": InspectionKind(last.kind).value,
            "reason": _("As at your last inspection here (%(date)s).", date=last.inspected_on),
        }
    if factory.score_batch:
        return {
            "checklist": SCORE_CHECKLIST,
            "kind": InspectionKind.SCORE_VISIT.value,
            "reason": _(
                "The factory takes part in SCORE (training batch %(batch)s).",
                batch=factory.score_batch,
            ),
        }
    return None


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
