"""Case rules: promoting a finding with its verified actions, who sees which case, editing,
publishing (after the anonymity check), blurring and removing case photos, the library search."""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import abort, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from .. import errors
from .. import storage as file_storage
from ..accounts.models import Role, User
from ..actions.models import Action, ActionStatus, ControlType
from ..audit import AuditEvent, current_actor
from ..checklists.services import item_ref, known_areas
from ..errors import Conflict, DomainError
from ..extensions import db, utcnow
from ..factories.models import Factory, RegionLevel, Sector
from ..inspections.models import Finding
from ..permissions import can_edit_case, can_promote_finding, can_view_case
from ..photos import services as photo_services
from ..photos.models import Photo, PhotoKind
from . import anonymity
from .blur import Region, blur_region
from .models import STORY_FIELDS, Case, CaseStatus

LANGS = ("zh", "en")
#: Every text column of the story, in reading order, both languages.
TEXT_COLUMNS = tuple(f"{name}_{lang}" for name in STORY_FIELDS for lang in LANGS)
#: What a trainer may change directly (status moves go through publish/unpublish; the source
#: finding and factory are never editable).
EDITABLE_FIELDS = frozenset(
    {*TEXT_COLUMNS, "sector", "city_zh", "city_en", "areas", "control_type", "checklist_item"}
    | {"cost"}
)
STORY_LABELS = {
    "title": _l("Title"),
    "problem": _l("The problem"),
    "idea": _l("The workers' idea"),
    "change": _l("What changed"),
    "result_safety": _l("Result for safety"),
    "result_productivity": _l("Result for productivity"),
    "cost_benefit": _l("Cost and benefit"),
}
_LIMITS = {"title": 200, "city_zh": 60, "city_en": 80, "checklist_item": 80}
_TEXT_LIMIT = 20000
_CJK = re.compile(r"[\u3400-\u9fff]")
#: The status moves a case can make; anything else is refused.
MOVES = frozenset(
    {(CaseStatus.DRAFT, CaseStatus.PUBLISHED), (CaseStatus.PUBLISHED, CaseStatus.DRAFT)}
)


class AnonymityWarning(Conflict):
    """The case's text names its source; publishing needs an explicit confirmation."""

    code = "anonymity_warning"

    def __init__(self, hits: list[anonymity.Hit]):
        super().__init__(
            _(
                "The text may identify the source factory or its people. Change it, or "
                "confirm that you want to publish it anyway."
            ),
            fields={hit.field: hit.text for hit in hits},
        )
        self.hits = hits


# ---------------------------------------------------------------- who sees which case


def trainer_editor_ids(case: Case) -> set[int]:
    """Trainers who have changed this case (from the audit trail); read from the request's
    cache when `prefetch_trainer_editors` read them for a whole page of cases."""
    cache = _editor_cache()
    if cache is not None and case.id in cache:
        return cache[case.id]
    return set(db.session.scalars(_editors_stmt([case.id]).with_only_columns(AuditEvent.actor_id)))


def prefetch_trainer_editors(cases: list[Case]) -> None:
    """Read the editors of a page of cases in one query (a list asks, for each case, whether the
    reader may edit it)."""
    cache = _editor_cache()
    if cache is None or not cases:
        return
    editors: dict[int, set[int]] = {case.id: set() for case in cases}
    for case_id, actor_id in db.session.execute(_editors_stmt(list(editors))):
        editors[case_id].add(actor_id)
    cache.update(editors)


def _editors_stmt(case_ids: list[int]):
    return (
        sa.select(AuditEvent.entity_id, AuditEvent.actor_id)
        .join(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.entity == Case.__tablename__,
            AuditEvent.entity_id.in_(case_ids),
            User.role == Role.TRAINER,
        )
    )


def _editor_cache() -> dict[int, set[int]] | None:
    from flask import g, has_request_context

    if not has_request_context():
        return None
    return g.setdefault("case_editors", {})


def visible_clause(user: User):
    """WHERE clause: the cases a user may see (mirrors permissions.can_view_case)."""
    if user.role is Role.ADMIN:
        return sa.true()
    if user.role is Role.INSPECTOR:
        return Case.created_by_id == user.id
    if user.role is not Role.TRAINER:
        return sa.false()
    events = sa.select(AuditEvent.id).where(
        AuditEvent.entity == Case.__tablename__, AuditEvent.entity_id == Case.id
    )
    by_a_trainer = events.join(User, User.id == AuditEvent.actor_id).where(
        User.role == Role.TRAINER
    )
    return sa.or_(
        Case.status == CaseStatus.PUBLISHED,
        ~by_a_trainer.exists(),
        events.where(AuditEvent.actor_id == user.id).exists(),
    )


def get_case_or_404(case_id: int, user: User, *, for_edit: bool = False) -> Case:
    """Load a case the user may see (or edit). Committees never use the library (403); an
    inspector sees only the cases they promoted (403 for others, whether or not they exist)."""
    if user.role is Role.COMMITTEE:
        abort(403)
    case = db.session.get(Case, case_id)
    if case is None or not can_view_case(user, case):
        abort(403 if user.role is Role.INSPECTOR else 404)
    if for_edit and not can_edit_case(user, case):
        abort(403)
    return case


def get_case_photo_or_404(case: Case, photo_id: int) -> Photo:
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.case_id != case.id:
        abort(404)
    return photo


@contextmanager
def _acting(by: User):
    """Record `by` as the actor of the audit events this flush writes (also from the CLI,
    where no request sets one): the audit trail is also who has worked on a case."""
    token = current_actor.set(by.id)
    try:
        yield
    finally:
        current_actor.reset(token)


def _flush(by: User) -> None:
    with _acting(by):
        try:
            db.session.flush()
        except StaleDataError:
            raise Conflict(
                _("Someone else changed this case at the same time. Reload and try again."),
                code="stale_version",
            ) from None


def _log(case: Case, by: User, changes: dict) -> None:
    """An audit event for changes the automatic trail does not see (case photos)."""
    db.session.add(
        AuditEvent(
            actor_id=by.id,
            action="update",
            entity=Case.__tablename__,
            entity_id=case.id,
            changes=changes,
        )
    )


# ---------------------------------------------------------------- promoting a finding


def verified_actions(finding: Finding) -> list[Action]:
    return list(
        db.session.scalars(
            sa.select(Action)
            .where(Action.finding_id == finding.id, Action.status == ActionStatus.VERIFIED)
            .order_by(Action.verified_at, Action.id)
        )
    )


def case_of_finding(finding_id: int) -> Case | None:
    return db.session.scalar(sa.select(Case).where(Case.finding_id == finding_id).limit(1))


def promotable_query(user: User) -> sa.Select:
    """Findings in the user's scope with at least one verified action, newest verification
    first (inspectors and admins; nothing for anyone else)."""
    from ..factories.services import scope_clause

    if user.role not in (Role.ADMIN, Role.INSPECTOR):
        return sa.select(Finding).where(sa.false())
    latest = (
        sa.select(Action.finding_id, sa.func.max(Action.verified_at).label("verified_at"))
        .where(Action.status == ActionStatus.VERIFIED, Action.finding_id.is_not(None))
        .group_by(Action.finding_id)
        .subquery()
    )
    return (
        sa.select(Finding)
        .join(latest, latest.c.finding_id == Finding.id)
        .join(Factory, Factory.id == Finding.factory_id)
        .where(scope_clause(user))
        .order_by(latest.c.verified_at.desc(), Finding.id.desc())
    )


def promotion_rows(findings: list[Finding]) -> list[dict]:
    """For each finding: the case made from it (or None), its first before photo and the
    first after photo of its verified actions (evidence: for the inspector's eyes only)."""
    ids = [f.id for f in findings]
    cases = {
        c.finding_id: c for c in db.session.scalars(sa.select(Case).where(Case.finding_id.in_(ids)))
    }
    afters: dict[int, Photo] = {}
    for photo, finding_id in db.session.execute(
        sa.select(Photo, Action.finding_id)
        .join(Action, Action.id == Photo.action_id)
        .where(
            Action.finding_id.in_(ids),
            Action.status == ActionStatus.VERIFIED,
            Photo.kind != PhotoKind.BEFORE,
        )
        .order_by(Photo.id)
    ):
        afters.setdefault(finding_id, photo)
    return [
        {
            "finding": f,
            "case": cases.get(f.id),
            "before": next((p for p in f.photos if p.kind is PhotoKind.BEFORE), None),
            "after": afters.get(f.id),
        }
        for f in findings
    ]


def promotable_findings(user: User, *, limit: int = 200) -> list[tuple[Finding, Case | None]]:
    """The first `limit` promotable findings, each with the case already made from it."""
    findings = db.session.scalars(promotable_query(user).limit(limit)).all()
    return [(row["finding"], row["case"]) for row in promotion_rows(findings)]


def city_of(factory: Factory) -> tuple[str, str]:
    """The factory's city (zh, en): its city-level region, or the municipality itself."""
    region = factory.region
    while region.parent is not None and region.level is RegionLevel.DISTRICT:
        region = region.parent
    if region.name_zh.endswith("辖区") and region.parent is not None:
        region = region.parent  # 重庆市辖区 → 重庆市: a municipality is its own city
    return region.full_name_zh or region.name_zh, region.full_name_en or region.name_en


def _lang_of(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


#: Where bilingual source text switches language: "中文 · English", or a Chinese sentence
#: followed by an English one ("…险情。Workers push…").
_LANG_BREAK = re.compile(r"\s+·\s+|(?<=[。！？；])\s*(?=[A-Za-z])")


def _prefill(case: Case, field: str, texts: list[str]) -> None:
    """Put the source's own words into the story field of the language they are written in
    (bilingual text is split into its two languages)."""
    by_lang: dict[str, list[str]] = {"zh": [], "en": []}
    for text in texts:
        for part in _LANG_BREAK.split((text or "").strip()):
            part = part.strip()
            if part and part not in by_lang[_lang_of(part)]:
                by_lang[_lang_of(part)].append(part)
    for lang, parts in by_lang.items():
        if parts:
            limit = _LIMITS.get(field, _TEXT_LIMIT)
            joiner = " " if field == "title" else "\n\n"
            setattr(case, f"{field}_{lang}", joiner.join(parts)[:limit])


def _copy_photo(source: Photo, *, case: Case, by: User) -> Photo | None:
    """The case's own copy of an evidence photo: the stripped, re-encoded web and thumbnail
    files copied under new keys (never the evidence row or its files)."""
    store = photo_services.storage()
    try:
        web = store.read(source.web_key)
        thumb = store.read(source.thumb_key)
    except (FileNotFoundError, ValueError):
        current_app.logger.warning("photo %s has no stored file; not copied", source.id)
        return None
    web_key, thumb_key = photo_services.store_photo_files(web, thumb)
    copy = Photo(
        kind=source.kind,
        factory_id=source.factory_id,  # internal, for the record; never shown
        case_id=case.id,
        source_photo_id=source.id,
        web_key=web_key,
        thumb_key=thumb_key,
        width=source.web_width,
        height=source.web_height,
        web_width=source.web_width,
        web_height=source.web_height,
        taken_at=None,
        sha256=hashlib.sha256(web).hexdigest(),
        size_bytes=len(web),
        source_format="JPEG",
        caption="",
        uploaded_by_id=by.id,
    )
    db.session.add(copy)
    return copy


def promote(finding: Finding, *, by: User) -> Case:
    """Turn a finding and its verified action(s) into a draft case: sector and city (never the
    factory), tags, cost, the source's words as a first draft, and copies of the before and
    after photos."""
    if not can_promote_finding(by, finding):
        abort(403)
    existing = case_of_finding(finding.id)
    if existing is not None:
        error = Conflict(_("This finding is already a case."), code="already_promoted")
        error.case = existing
        raise error
    actions = verified_actions(finding)
    if not actions:
        raise Conflict(
            _("Only a finding with a verified action can become a case."),
            code="no_verified_action",
        )
    factory = db.session.get(Factory, finding.factory_id)
    city_zh, city_en = city_of(factory)
    control_types = {a.control_type for a in actions if a.control_type}
    costs = [a.actual_cost for a in actions if a.actual_cost is not None]
    case = Case(
        status=CaseStatus.DRAFT,
        finding_id=finding.id,
        factory_id=factory.id,
        sector=factory.sector.value,
        city_zh=city_zh[: _LIMITS["city_zh"]],
        city_en=city_en[: _LIMITS["city_en"]],
        areas=[finding.area] if finding.area else [],
        control_type=next((c.value for c in ControlType if c in control_types), None),
        checklist_item=item_ref(finding.inspection.checklist_version.slug, finding.item_id)
        if finding.item_id
        else None,
        cost=sum(costs, Decimal(0)) if costs else None,
        created_by_id=by.id,
    )
    _prefill(case, "title", [finding.title])
    _prefill(case, "problem", [finding.description or finding.title])
    _prefill(case, "idea", [a.description or a.title for a in actions])
    _prefill(case, "change", [a.done_description for a in actions])
    db.session.add(case)
    _flush(by)
    for photo in finding.photos:
        if photo.kind is PhotoKind.BEFORE:
            _copy_photo(photo, case=case, by=by)
    for action in actions:
        afters = [p for p in action.photos if p.kind is PhotoKind.AFTER]
        # Without an "after" photo, the inspector's verification photo shows the result.
        for photo in afters or [p for p in action.photos if p.kind is PhotoKind.VERIFICATION]:
            _copy_photo(photo, case=case, by=by)
    _flush(by)
    db.session.expire(case, ["photos"])
    return case


# ---------------------------------------------------------------- editing


def _clean(data: dict) -> dict:
    errors: dict[str, str] = {}
    clean: dict = {}
    for key, value in data.items():
        if key in TEXT_COLUMNS or key in ("city_zh", "city_en"):
            if value is None:
                value = ""
            if not isinstance(value, str):
                errors[key] = _("Enter text.")
                continue
            limit = _LIMITS.get(key.rsplit("_", 1)[0], _LIMITS.get(key, _TEXT_LIMIT))
            value = value.replace("\r\n", "\n").strip()
            if len(value) > limit:
                errors[key] = _("At most %(num)d characters.", num=limit)
                continue
            clean[key] = value
        elif key == "sector":
            try:
                clean[key] = Sector(value).value
            except ValueError:
                errors[key] = _("Choose a sector from the list.")
        elif key == "areas":
            if isinstance(value, str):
                value = [v for v in value.split(",") if v.strip()]
            if not isinstance(value, list) or any(
                not isinstance(v, str) or v not in known_areas() for v in value
            ):
                errors[key] = _("Choose hazard areas from the list.")
                continue
            clean[key] = [a for a in known_areas() if a in value]  # the list's order, once each
        elif key == "control_type":
            if value in (None, ""):
                clean[key] = None
                continue
            try:
                clean[key] = ControlType(value).value
            except ValueError:
                errors[key] = _("Choose a control type from the list.")
        elif key == "checklist_item":
            value = str(value or "").strip()
            if len(value) > _LIMITS["checklist_item"]:
                errors[key] = _("At most %(num)d characters.", num=_LIMITS["checklist_item"])
                continue
            clean[key] = value or None
        elif key == "cost":
            clean[key] = _cost(value, errors)
    if errors:
        raise DomainError(_("Please correct the marked fields."), fields=errors)
    return clean


def _cost(value, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        errors["cost"] = _("Enter an amount in yuan, like 1200 or 85.50.")
        return None
    try:
        amount = Decimal(str(value).replace(",", "").replace("¥", "").strip())
    except InvalidOperation:
        errors["cost"] = _("Enter an amount in yuan, like 1200 or 85.50.")
        return None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        errors["cost"] = _("Enter an amount in yuan, like 1200 or 85.50.")
        return None
    return amount.quantize(Decimal("0.01"))


def check_version(case: Case, expected_version: int | None) -> None:
    """Refuse an edit based on a stale copy of the case."""
    errors.check_version(
        case,
        expected_version,
        _("Someone else changed this case while you were editing. Reload to see it."),
    )


def update_case(
    case: Case,
    *,
    by: User,
    expected_version: int | None,
    confirm_anonymity: bool = False,
    **data,
) -> Case:
    """Change the story, tags and numbers of a case; a stale version is refused. A published
    case stays in front of every trainer, so its new text is checked for the source's names
    like a case being published (AnonymityWarning unless confirmed)."""
    check_version(case, expected_version)
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise DomainError(
            _("These fields cannot be set here: %(fields)s.", fields=", ".join(sorted(unknown))),
            fields={name: _("Not allowed.") for name in unknown},
            status=400,
            code="unknown_fields",
        )
    for key, value in _clean(data).items():
        setattr(case, key, value)
    if case.status is CaseStatus.PUBLISHED and not confirm_anonymity:
        hits = anonymity.check(case)
        if hits:
            raise AnonymityWarning(hits)
    _flush(by)
    return case


def publish_problems(case: Case) -> dict[str, str]:
    """What a case needs before it can be published."""
    problems = {}
    if not (case.title_zh or case.title_en):
        problems["title_zh"] = _("Give the case a title.")
    if not (case.problem_zh or case.problem_en):
        problems["problem_zh"] = _("Describe the problem.")
    return problems


def _move(case: Case, to: CaseStatus) -> None:
    if (case.status, to) not in MOVES:
        raise Conflict(_("The case is already %(status)s.", status=to.label), code="bad_move")


def publish(case: Case, *, by: User, confirm_anonymity: bool = False) -> Case:
    """Publish a draft for every trainer. The anonymity check runs first: if the text names
    the source, AnonymityWarning lists each hit unless the trainer confirmed."""
    _move(case, CaseStatus.PUBLISHED)
    if problems := publish_problems(case):
        raise DomainError(_("The case is not ready to publish."), fields=problems)
    hits = anonymity.check(case)
    if hits and not confirm_anonymity:
        raise AnonymityWarning(hits)
    case.status = CaseStatus.PUBLISHED
    case.published_at = utcnow()
    case.published_by_id = by.id
    _flush(by)
    return case


def unpublish(case: Case, *, by: User) -> Case:
    """Take a case back to draft: other trainers no longer see it."""
    _move(case, CaseStatus.DRAFT)
    case.status = CaseStatus.DRAFT
    case.published_at = None
    case.published_by_id = None
    _flush(by)
    return case


def set_status(case: Case, status, *, by: User, confirm_anonymity: bool = False) -> Case:
    """The API's `status` field: publish or take back."""
    try:
        status = CaseStatus(status)
    except ValueError:
        raise DomainError(
            _("Choose draft or published."), fields={"status": _("Choose draft or published.")}
        ) from None
    if status is case.status:
        return case
    if status is CaseStatus.PUBLISHED:
        return publish(case, by=by, confirm_anonymity=confirm_anonymity)
    return unpublish(case, by=by)


def copy_case(case: Case, *, by: User) -> Case:
    """A new draft with the case's story, tags and numbers and copies of its photos, for a
    trainer who may not change the original (someone else's published case)."""
    copy = Case(
        status=CaseStatus.DRAFT,
        finding_id=None,  # the source finding stays promoted once, as the original
        factory_id=case.factory_id,  # internal, for the anonymity check; never shown
        created_by_id=by.id,
        **{name: getattr(case, name) for name in EDITABLE_FIELDS - {"areas"}},
        areas=list(case.areas or []),
    )
    db.session.add(copy)
    _flush(by)
    for photo in case.photos:
        _copy_photo(photo, case=copy, by=by)
    _flush(by)
    db.session.expire(copy, ["photos"])
    return copy


# ---------------------------------------------------------------- case photos


def blur_photo(case: Case, photo: Photo, *, by: User, region: Region) -> Photo:
    """Blur a region of the case's own copy of a photo: new files under new keys, the old ones
    deleted once the change is committed. The evidence photo is never read for writing."""
    if photo.case_id != case.id:
        abort(404)
    try:
        data = photo_services.storage().read(photo.web_key)
    except FileNotFoundError:
        raise DomainError(
            _("The photo file is missing."), status=409, code="photo_missing"
        ) from None
    result = blur_region(data, region)
    old_keys = (photo.web_key, photo.thumb_key)
    photo.web_key, photo.thumb_key = photo_services.store_photo_files(result.web, result.thumb)
    photo.web_width, photo.web_height = result.width, result.height
    photo.sha256 = hashlib.sha256(result.web).hexdigest()
    photo.size_bytes = len(result.web)
    case.updated_at = utcnow()  # a new version: a concurrent edit of the case notices
    _log(case, by, {"photo_blurred": [photo.id, [region.x, region.y, region.w, region.h]]})
    _flush(by)
    file_storage.delete_after_commit(old_keys)
    return photo


def remove_photo(case: Case, photo: Photo, *, by: User) -> None:
    """Take a photo out of a case (its copy and files; the evidence stays)."""
    if photo.case_id != case.id:
        abort(404)
    _log(case, by, {"photo_removed": photo.id})
    case.updated_at = utcnow()
    photo_services.remove_photo(photo)
    _flush(by)
    db.session.expire(case, ["photos"])


# ---------------------------------------------------------------- reading


def photo_url(photo: Photo, size: str = "web") -> str:
    """A case photo's URL, with a version: photos are served as immutable, and a blurred
    photo must not be shown from a browser's cache under its old URL."""
    return f"{photo.url(size)}?v={photo.sha256[:12]}"


def photo_json(photo: Photo) -> dict:
    """A case photo as pages and the API show it: no capture time, caption or source."""
    return {
        "id": photo.id,
        "kind": photo.kind.value,
        "width": photo.web_width,
        "height": photo.web_height,
        "url": photo_url(photo, "web"),
        "thumb_url": photo_url(photo, "thumb"),
    }


def before_photos(case: Case) -> list[Photo]:
    return [p for p in case.photos if p.kind is PhotoKind.BEFORE]


def after_photos(case: Case) -> list[Photo]:
    return [p for p in case.photos if p.kind is not PhotoKind.BEFORE]


def text(case: Case, field: str, lang: str) -> tuple[str, str]:
    """A story field in `lang` ("zh"/"en"), falling back to the other language when empty;
    returns (text, the language it is in)."""
    other = "en" if lang == "zh" else "zh"
    value = getattr(case, f"{field}_{lang}") or ""
    if value:
        return value, lang
    return getattr(case, f"{field}_{other}") or "", other


def title(case: Case, lang: str) -> str:
    return text(case, "title", lang)[0] or _("Untitled case")


def story(case: Case, lang: str) -> list[dict]:
    """The story sections that have text, in reading order (title excluded)."""
    sections = []
    for field in STORY_FIELDS[1:]:
        value, in_lang = text(case, field, lang)
        if value:
            sections.append(
                {"field": field, "label": str(STORY_LABELS[field]), "text": value, "lang": in_lang}
            )
    return sections


def area_labels(case: Case, lang: str) -> list[str]:
    areas = known_areas()
    return [areas[a].label(lang) if a in areas else a for a in case.areas or []]


def control_label(case: Case) -> str:
    try:
        return ControlType(case.control_type).label if case.control_type else ""
    except ValueError:
        return case.control_type or ""


def sector_label(case: Case) -> str:
    try:
        return Sector(case.sector).label
    except ValueError:
        return case.sector


def city(case: Case, lang: str) -> str:
    return (case.city_zh if lang == "zh" else case.city_en) or case.city_zh or case.city_en


# ---------------------------------------------------------------- the library


@dataclass(frozen=True)
class CaseFilters:
    q: str = ""
    area: str = ""
    control_type: str = ""
    sector: str = ""
    status: str = ""

    @property
    def active(self) -> bool:
        return any((self.q.strip(), self.area, self.control_type, self.sector, self.status))


def _like(token: str) -> str:
    escaped = token.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def library(user: User, filters: CaseFilters) -> sa.Select:
    """The cases a user may see matching the filters: every word of the query (split on
    spaces; a Chinese word matches inside longer text) in the title or story, either language.
    Drafts first (work to do), then the newest published."""
    stmt = sa.select(Case).where(visible_clause(user))
    for token in filters.q.split()[:10]:
        like = _like(token)
        stmt = stmt.where(
            sa.or_(*(sa.func.lower(getattr(Case, c)).like(like, escape="\\") for c in TEXT_COLUMNS))
        )
    if filters.area in known_areas():
        stmt = stmt.where(sa.cast(Case.areas, sa.Text).like(f'%"{filters.area}"%'))
    if filters.control_type in {c.value for c in ControlType}:
        stmt = stmt.where(Case.control_type == filters.control_type)
    if filters.sector in {s.value for s in Sector}:
        stmt = stmt.where(Case.sector == filters.sector)
    if filters.status in {s.value for s in CaseStatus}:
        stmt = stmt.where(Case.status == filters.status)
    first_drafts = sa.case((Case.status == CaseStatus.DRAFT, 0), else_=1)
    return stmt.order_by(first_drafts, Case.published_at.desc(), Case.id.desc())


#: At most this many cases are offered beside a problem answer in the inspection form.
PRACTICE_LIMIT = 3


def good_practice(
    user: User, *, checklist_slug: str, item_id: str, areas: list[str], limit: int = PRACTICE_LIMIT
) -> list[Case]:
    """Published cases to learn from beside a problem answer, in one query: the cases the user
    may see in the library about the same checklist item (same checklist, same item id) first,
    then about the same hazard area; within each, the cheapest first (no cost known: last),
    then the newest. Drafts and cases out of the user's sight never show."""
    ref = item_ref(checklist_slug, item_id)
    area_match = [
        sa.cast(Case.areas, sa.Text).like(f'%"{area}"%') for area in areas if area in known_areas()
    ]
    same_item = Case.checklist_item == ref
    return list(
        db.session.scalars(
            sa.select(Case)
            .where(
                visible_clause(user),
                Case.status == CaseStatus.PUBLISHED,
                sa.or_(same_item, *area_match),
            )
            .order_by(
                sa.case((same_item, 0), else_=1),
                sa.case((Case.cost.is_(None), 1), else_=0),
                Case.cost,
                Case.published_at.desc(),
                Case.id.desc(),
            )
            .limit(limit)
        )
    )


def chosen_cases(user: User, ids: list[int]) -> list[Case]:
    """The cases picked for a presentation or handout, in the order given; 404 if any is not
    one the user may see (so that a draft's existence does not leak)."""
    cases = []
    for case_id in ids:
        case = db.session.get(Case, case_id)
        if case is None or not can_view_case(user, case):
            abort(404)
        cases.append(case)
    return cases


def summary(user: User) -> dict:
    """Counts and the latest published cases, for the trainer's home page."""
    visible = visible_clause(user)
    counts = dict(
        db.session.execute(
            sa.select(Case.status, sa.func.count(Case.id)).where(visible).group_by(Case.status)
        ).all()
    )
    recent = db.session.scalars(
        sa.select(Case)
        .where(visible, Case.status == CaseStatus.PUBLISHED)
        .order_by(Case.published_at.desc(), Case.id.desc())
        .limit(6)
    ).all()
    return {
        "published": counts.get(CaseStatus.PUBLISHED, 0),
        "drafts": counts.get(CaseStatus.DRAFT, 0),
        "recent": recent,
    }
