"""What a device keeps for offline visits, and importing the unsent work a device exported."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from ..accounts.models import Role, User
from ..checklists import services as checklist_services
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import MAX_ID, db
from ..factories.models import Factory
from ..factories.services import scope_clause
from ..inspections import services as inspection_services
from ..inspections.models import Answer, Finding, Inspection, InspectionStatus
from ..permissions import can_edit_inspection, can_start_inspection, can_view_inspection
from ..photos import services as photo_services
from ..photos.models import Photo

#: Bounds of the kit: a device refreshes it every few minutes, page by page.
KIT_FACTORIES = 60
KIT_DRAFTS = 20
KIT_REPORTS = 20


def kit_urls(user: User) -> list[str]:
    """The pages a device keeps while online so that the coming visits work without network:
    the start page, the factories in the user's scope (list, page, start form), the checklists
    they may use and their blank forms (to start an inspection offline), their drafts and the
    recent reports. Bounded queries, whatever the scope."""
    urls = [url_for("main.home"), url_for("offline.available")]
    if user.role is Role.TRAINER:
        return urls
    factory_ids = db.session.scalars(
        sa.select(Factory.id)
        .where(scope_clause(user))
        .order_by(Factory.updated_at.desc(), Factory.id)
        .limit(KIT_FACTORIES)
    ).all()
    if user.role is not Role.COMMITTEE:
        urls.append(url_for("factories.list_factories"))
        urls.append(url_for("inspections.list_inspections"))
    for factory_id in factory_ids:
        urls.append(url_for("factories.show_factory", factory_id=factory_id))
        urls.append(url_for("inspections.start_inspection", factory=factory_id))
    urls.append(url_for("checklists.list_checklists"))
    latest = checklist_services.latest_versions()
    urls += [url_for("checklists.show_checklist", slug=version.slug) for version in latest]
    # The blank form of each checklist: an inspection started with no network opens it.
    urls += [
        url_for("inspections.blank_form", slug=version.slug, number=version.number)
        for version in latest
    ]
    if user.role in (Role.ADMIN, Role.INSPECTOR):
        urls += [
            url_for("inspections.show_inspection", inspection_id=draft.id)
            for draft in inspection_services.drafts_of(user, limit=KIT_DRAFTS)
        ]
    report_ids = db.session.scalars(
        inspection_services.scoped_inspections(user)
        .with_only_columns(Inspection.id)
        .where(Inspection.status == InspectionStatus.SUBMITTED)
        .limit(KIT_REPORTS)
    ).all()
    urls += [url_for("inspections.report", inspection_id=i) for i in report_ids]
    return urls


# ---------------------------------------------------------------- importing unsent work

#: What a device's "Export unsent work" writes (device-work.js): the format's name and version.
EXPORT_FORMAT = "inspect-unsent-work"
EXPORT_VERSION = 1
MAX_ENTRIES = 5000


class Outcome(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"  # already on the server: imported before, or sent by the queue
    REFUSED = "refused"


@dataclass
class ImportLine:
    """What became of one change in the file."""

    number: int
    inspection_id: int | None
    what: str
    outcome: Outcome
    message: str = ""


def read_export(raw: bytes) -> dict:
    """The exported document, or a DomainError saying why the file is not one."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        document = None
    if (
        not isinstance(document, dict)
        or document.get("format") != EXPORT_FORMAT
        or not isinstance(document.get("entries"), list)
    ):
        message = _("This is not a file of unsent work exported by this app.")
        raise DomainError(message, fields={"file": message})
    if document.get("version") != EXPORT_VERSION:
        message = _(
            "This file was written by another version of the app (format %(v)s).",
            v=document.get("version"),
        )
        raise DomainError(message, fields={"file": message})
    if len(document["entries"]) > MAX_ENTRIES:
        message = _("At most %(num)d changes per file.", num=MAX_ENTRIES)
        raise DomainError(message, fields={"file": message})
    return document


def import_unsent(document: dict, *, by: User) -> list[ImportLine]:
    """Apply the changes of an exported queue in their order, each on its own: a change the
    server already holds (imported before, or sent by the device since) changes nothing, one
    that cannot be applied is refused with the reason and the others still go in. Everything
    is checked against `by`'s scope and rights, as if they had sent the change.

    An inspection started on the device with no network comes first as its start ("icreate"),
    and its changes name it by its client id: the start is made (or found) as the device's
    user made it, so that the device's own queue later finds the same inspection."""
    lines = []
    device_user = document.get("user")
    device_user = device_user if isinstance(device_user, int) and 0 < device_user <= MAX_ID else 0
    for number, entry in enumerate(document["entries"], start=1):
        entry = entry if isinstance(entry, dict) else {}
        inspection_id = entry.get("insp")
        client_id = inspection_id if isinstance(inspection_id, str) else None
        if not isinstance(inspection_id, int) or not 0 < inspection_id <= MAX_ID:
            inspection_id = None
        what = _describe(entry)
        try:
            with db.session.begin_nested():
                if entry.get("type") == "icreate":
                    outcome, inspection_id = _apply_start(entry, device_user, by)
                else:
                    if client_id:
                        inspection_id = _started_offline(client_id, device_user)
                    outcome = _apply(entry, inspection_id, by)
            lines.append(ImportLine(number, inspection_id, what, outcome))
        except DomainError as error:
            lines.append(ImportLine(number, inspection_id, what, Outcome.REFUSED, error.message))
    return lines


def _started_offline(client_id: str, device_user: int) -> int | None:
    """The server's id of an inspection a device started offline, by its client id."""
    user = db.session.get(User, device_user) if device_user else None
    inspection = inspection_services.started_by(user, client_id[:64]) if user else None
    if inspection is None:
        raise NotFound(_("The inspection this change belongs to was not started on the server."))
    return inspection.id


def _apply_start(entry: dict, device_user: int, by: User) -> tuple[Outcome, int]:
    """Start (or find) an inspection a device started offline, as its user did."""
    user = db.session.get(User, device_user) if device_user else None
    if user is None or (user.id != by.id and by.role is not Role.ADMIN):
        raise Forbidden(
            _("Only an administrator or the person who started it can import this inspection.")
        )
    payload = entry.get("payload") if isinstance(entry.get("payload"), dict) else {}
    factory_id = payload.get("factory_id")
    known = isinstance(factory_id, int) and 0 < factory_id <= MAX_ID
    factory = db.session.get(Factory, factory_id) if known else None
    kind = str(payload.get("kind") or "")
    if factory is None or not can_start_inspection(user, factory, kind):
        raise Forbidden(_("This inspection cannot be started in that factory."))
    try:
        inspected_on = date.fromisoformat(str(payload.get("inspected_on") or ""))
    except ValueError:
        inspected_on = None
    version = payload.get("checklist_version")
    inspection, created = inspection_services.start_inspection_once(
        by=user,
        factory=factory,
        checklist=str(payload.get("checklist") or ""),
        kind=kind,
        inspected_on=inspected_on,
        inspector_ids=[i for i in payload.get("inspector_ids") or () if isinstance(i, int)],
        committee_member_ids=[
            i for i in payload.get("committee_member_ids") or () if isinstance(i, int)
        ],
        client_id=str(payload.get("client_id") or entry.get("insp") or "")[:64] or None,
        checklist_version=version if isinstance(version, int) else None,
    )
    return (Outcome.APPLIED if created else Outcome.UNCHANGED), inspection.id


def _describe(entry: dict) -> str:
    kind = entry.get("type")
    if kind == "answer":
        return _("Answer to item %(item)s", item=str(entry.get("item", ""))[:64])
    payload = entry.get("payload") if isinstance(entry.get("payload"), dict) else {}
    title = str(payload.get("title") or "")[:200]
    return {
        "icreate": _("Start of the inspection"),
        "good": _("Good points seen"),
        "fcreate": _("New finding “%(title)s”", title=title),
        "fupdate": _("Change to a finding"),
        "photo": _("Photo of a finding"),
        "pdelete": _("Photo removed"),
    }.get(kind, _("Unknown change"))


def _editable(inspection_id: int | None, by: User) -> Inspection:
    inspection = db.session.get(Inspection, inspection_id) if inspection_id else None
    if inspection is None and inspection_id:
        inspection_services.refuse_discarded("inspection", inspection_id, by)  # 410, said so
    if inspection is None or not can_view_inspection(by, inspection):
        raise NotFound(_("No such inspection in your scope."))
    if not inspection.is_draft:
        raise Conflict(_("This inspection was submitted and is read-only."))
    if not can_edit_inspection(by, inspection):
        raise Forbidden(_("You may not change this inspection."))
    return inspection


def _finding_of(inspection: Inspection, ref) -> Finding:
    """A finding named by the device: its client id, or "id<N>" for one it had from the server."""
    ref = str(ref or "")
    if ref.startswith("id") and ref[2:].isdigit():
        clause = Finding.id == int(ref[2:])
    else:
        clause = Finding.client_id == ref
    finding = db.session.scalar(
        sa.select(Finding).where(clause, Finding.inspection_id == inspection.id)
    )
    if finding is None:
        raise NotFound(_("The finding this change belongs to is not on the server."))
    return finding


def _apply(entry: dict, inspection_id: int | None, by: User) -> Outcome:
    inspection = _editable(inspection_id, by)
    payload = entry.get("payload") if isinstance(entry.get("payload"), dict) else {}
    kind = entry.get("type")
    if kind == "answer":
        return _apply_answer(inspection, str(entry.get("item", "")), payload, by)
    if kind == "good":
        text = str(payload.get("good_points") or "").strip()
        if inspection.good_points == text:
            return Outcome.UNCHANGED
        inspection_services.update_inspection(inspection, good_points=text)
        return Outcome.APPLIED
    if kind == "fcreate":
        data = {k: v for k, v in payload.items() if k in inspection_services.FINDING_FIELDS}
        _finding, created = inspection_services.add_finding(
            inspection,
            by=by,
            client_id=str(payload.get("client_id") or entry.get("ref") or ""),
            **data,
        )
        return Outcome.APPLIED if created else Outcome.UNCHANGED
    if kind == "fupdate":
        finding = _finding_of(inspection, entry.get("ref"))
        data = {k: v for k, v in payload.items() if k in inspection_services.FINDING_FIELDS}
        if all(
            getattr(finding, k) == v or getattr(getattr(finding, k), "value", None) == v
            for k, v in data.items()
        ):
            return Outcome.UNCHANGED
        version = entry.get("version")
        inspection_services.update_finding(
            finding,
            by=by,
            expected_version=version if isinstance(version, int) else finding.version,
            **data,
        )
        return Outcome.APPLIED
    if kind == "photo":
        finding = _finding_of(inspection, entry.get("ref"))
        blob = entry.get("blob") if isinstance(entry.get("blob"), dict) else {}
        try:
            data = base64.b64decode(str(blob.get("data") or ""), validate=True)
        except (binascii.Error, ValueError):
            data = b""
        if not data:
            raise DomainError(_("The photo is missing from the file."))
        _photo, created = photo_services.add_photo(
            data,
            factory_id=finding.factory_id,
            by_id=by.id,
            kind=str(entry.get("kind") or "before"),
            client_id=str(entry.get("cid") or "") or None,
            finding_id=finding.id,
        )
        return Outcome.APPLIED if created else Outcome.UNCHANGED
    if kind == "pdelete":
        photo_id = entry.get("photo")
        known = isinstance(photo_id, int) and 0 < photo_id <= MAX_ID
        photo = db.session.get(Photo, photo_id) if known else None
        if photo is None:
            return Outcome.UNCHANGED
        if photo.finding is None or photo.finding.inspection_id != inspection.id:
            raise NotFound(_("This photo is not one of this inspection's."))
        photo_services.remove_photo(photo)
        return Outcome.APPLIED
    raise DomainError(_("This change is of a kind the server does not know."))


def _apply_answer(inspection: Inspection, item_id: str, payload: dict, by: User) -> Outcome:
    value, note = payload.get("value"), str(payload.get("note") or "").strip()
    stored = db.session.scalar(
        sa.select(Answer).where(Answer.inspection_id == inspection.id, Answer.item_id == item_id)
    )
    if stored is not None and stored.value == value and stored.note == note:
        return Outcome.UNCHANGED
    if stored is None and value in (None, ""):
        return Outcome.UNCHANGED
    answered_at = _parse_time(payload.get("answered_at"))
    if stored is not None and answered_at is not None and stored.answered_at > answered_at:
        raise Conflict(_("A later answer is on the server; this one was not applied."))
    inspection_services.set_answer(
        inspection, item_id=item_id, value=value, note=note, by=by, answered_at=answered_at
    )
    return Outcome.APPLIED


def _parse_time(value) -> datetime | None:
    """The device's ISO time as naive UTC (how times are stored), or None."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
