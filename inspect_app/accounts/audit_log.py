"""The audit log as people read it: record types, fields and values in words and in the reader's
language, times in the factories' zone with the offset, and sign-ins under a filter of their own
(they would otherwise fill most of the page)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date, format_datetime, gettext
from flask_babel import lazy_gettext as _l

from ..audit import SIGN_IN, AuditEvent
from ..extensions import db
from ..factories.models import Factory, Region
from .models import User

#: Filter values besides a record type: everything but sign-ins (the default), and sign-ins.
ALL_BUT_SIGN_INS = ""
SIGN_INS = "signins"

ENTITY_LABELS = {
    "factories": _l("Factory"),
    "inspections": _l("Inspection"),
    "findings": _l("Finding"),
    "actions": _l("Improvement action"),
    "kpi_records": _l("Monthly KPIs"),
    "cases": _l("Case"),
    "users": _l("User"),
    "documents": _l("Enforcement document"),
    "issuing_authorities": _l("Issuing authority"),
}

ACTION_LABELS = {
    "create": _l("created"),
    "update": _l("changed"),
    "delete": _l("deleted"),
    SIGN_IN: _l("signed in"),
}

#: Field names in words. Bilingual text fields (`title_zh`, `title_en`) share the base label.
FIELD_LABELS = {
    "accidents": _l("Accidents"),
    "active": _l("Active"),
    "actual_cost": _l("Actual cost"),
    "address": _l("Address"),
    "area": _l("Hazard area"),
    "areas": _l("Hazard areas"),
    "authority_id": _l("Issuing authority"),
    "certificate_number": _l("Certificate number"),
    "change": _l("What was changed"),
    "checklist_item": _l("Checklist item"),
    "checklist_version_id": _l("Checklist version"),
    "city": _l("City"),
    "client_digest": _l("Device copy"),
    "client_id": _l("Device record id"),
    "closed_at": _l("Closed at"),
    "content": _l("Content"),
    "content_hash": _l("Content hash"),
    "control_type": _l("Type of control"),
    "cost": _l("Cost"),
    "cost_benefit": _l("Cost and benefit"),
    "created_at": _l("Created at"),
    "created_by_id": _l("Created by"),
    "days_lost": _l("Days lost"),
    "description": _l("Description"),
    "display_name": _l("Name"),
    "doc_type": _l("Document type"),
    "done_at": _l("Done at"),
    "done_description": _l("What was done"),
    "due_on": _l("Due date"),
    "entered_by_id": _l("Entered by"),
    "estimated_cost": _l("Estimated cost"),
    "factory_id": _l("Factory"),
    "finding_id": _l("Finding"),
    "first_aid_cases": _l("First-aid cases"),
    "fixed_on_spot": _l("Fixed on the spot"),
    "good_points": _l("Good points"),
    "grade": _l("Hazard grade"),
    "headcount": _l("Headcount"),
    "headcount_men": _l("Men"),
    "headcount_women": _l("Women"),
    "idea": _l("The idea"),
    "inspected_on": _l("Inspection date"),
    "inspection_id": _l("Inspection"),
    "issued_at": _l("Issued at"),
    "issued_by_id": _l("Issued by"),
    "item_id": _l("Checklist item"),
    "kind": _l("Kind of inspection"),
    "lang": _l("Language"),
    "last_login_at": _l("Last sign-in"),
    "latitude": _l("Latitude"),
    "likelihood": _l("Likelihood"),
    "locale": _l("Language"),
    "location": _l("Location"),
    "longitude": _l("Longitude"),
    "lost_time_injuries": _l("Lost-time injuries"),
    "month": _l("Month"),
    "name": _l("Factory name"),
    "near_misses": _l("Near misses"),
    "number": _l("Document number"),
    "origin": _l("Origin"),
    "password_hash": _l("Password"),
    "prefix": _l("Number prefix"),
    "problem": _l("The problem"),
    "proposed_by_id": _l("Proposed by"),
    "published_at": _l("Published at"),
    "published_by_id": _l("Published by"),
    "reference": _l("Reference"),
    "region_id": _l("Region"),
    "responsible": _l("Responsible person"),
    "result_productivity": _l("Result for productivity"),
    "result_safety": _l("Result for safety"),
    "risk_level": _l("Risk level"),
    "risk_score": _l("Risk score"),
    "role": _l("Role"),
    "score_batch": _l("SCORE batch"),
    "score_modules": _l("SCORE modules"),
    "scores": _l("Scores"),
    "sector": _l("Sector"),
    "serial": _l("Serial number"),
    "severity": _l("Severity"),
    "source": _l("Source"),
    "status": _l("Status"),
    "submitted_at": _l("Submitted at"),
    "submitted_by_id": _l("Submitted by"),
    "suggestions_implemented": _l("Suggestions implemented"),
    "suggestions_made": _l("Suggestions made"),
    "superseded_by_id": _l("Superseded by"),
    "supersedes_id": _l("Corrects"),
    "title": _l("Title"),
    "uscc": _l("Unified social credit code"),
    "username": _l("Username"),
    "verified_at": _l("Verified at"),
    "verified_by_id": _l("Verified by"),
    "year": _l("Year"),
}

LANGUAGE_SUFFIXES = {"_zh": "中文", "_en": "English"}


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  # None on a create
    after: str


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str
    what: str
    record: str
    changes: list[Change]


def filter_choices() -> list[tuple[str, str]]:
    """(value, label) for the filter: all but sign-ins, sign-ins, then each record type."""
    choices = [(ALL_BUT_SIGN_INS, gettext("All changes")), (SIGN_INS, gettext("Sign-ins"))]
    return choices + [(entity, str(label)) for entity, label in ENTITY_LABELS.items()]


def audit_page(shown: str, page_number: int, per_page: int = 50):
    """One page of the log for the filter `shown` (a value of `filter_choices`), newest first,
    with its entries in words. An unknown filter value shows everything but sign-ins."""
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if shown == SIGN_INS:
        stmt = stmt.where(AuditEvent.action == SIGN_IN)
    else:
        stmt = stmt.where(AuditEvent.action != SIGN_IN)
        if shown in ENTITY_LABELS:
            stmt = stmt.where(AuditEvent.entity == shown)
    page = db.paginate(stmt, page=page_number, per_page=per_page, error_out=False)
    names = _names(page.items)
    return page, [_entry(event, names) for event in page.items]


def field_label(field: str) -> str:
    if field in FIELD_LABELS:
        return str(FIELD_LABELS[field])
    base, suffix = field[:-3], field[-3:]
    if suffix in LANGUAGE_SUFFIXES and base in FIELD_LABELS:
        return f"{FIELD_LABELS[base]} ({LANGUAGE_SUFFIXES[suffix]})"
    return field.replace("_", " ")


#: Records that other records point to, named in words: (model, how a row is named).
NAMED = {
    "users": (User, lambda user: user.display_name or user.username),
    "factories": (Factory, lambda factory: factory.name),
    "regions": (Region, lambda region: region.name),
}

Names = dict[str, dict[int, str]]


def _names(events: list[AuditEvent]) -> Names:
    """The names of the users, factories and regions a page of events refers to: one query
    per kind of record, whatever the page holds."""
    wanted: dict[str, set[int]] = {table: set() for table in NAMED}
    wanted["users"].update(event.actor_id for event in events if event.actor_id)
    for event in events:
        columns = _columns(event.entity)
        for field, value in (event.changes or {}).items():
            target = _target(columns.get(field))
            values = value if isinstance(value, list) else [value]
            if target in wanted:
                wanted[target].update(v for v in values if isinstance(v, int))
    names: Names = {}
    for table, ids in wanted.items():
        model, name_of = NAMED[table]
        rows = db.session.scalars(sa.select(model).where(model.id.in_(ids))) if ids else ()
        names[table] = {row.id: name_of(row) for row in rows}
    return names


def _target(column: sa.Column | None) -> str | None:
    """The table a foreign-key column points to."""
    for key in getattr(column, "foreign_keys", ()):
        return key.column.table.name
    return None


def _entry(event: AuditEvent, names: Names) -> Entry:
    columns = _columns(event.entity)
    changes = []
    for field, value in (event.changes or {}).items():
        column = columns.get(field)
        if field == "id":
            continue  # the record column says it
        if event.action == "create":
            changes.append(Change(field_label(field), None, _value(value, column, names)))
        elif isinstance(value, list) and len(value) == 2:
            before, after = (_value(v, column, names) for v in value)
            changes.append(Change(field_label(field), before, after))
    entity = ENTITY_LABELS.get(event.entity, event.entity)
    return Entry(
        at=event.at,
        who=names["users"].get(event.actor_id, gettext("system")),
        what=str(ACTION_LABELS.get(event.action, event.action)),
        record=f"{entity} #{event.entity_id}",
        changes=changes,
    )


def _columns(table_name: str) -> dict[str, sa.Column]:
    table = db.metadata.tables.get(table_name)
    return {column.key: column for column in table.columns} if table is not None else {}


def _value(value: Any, column: sa.Column | None, names: Names) -> str:
    """A stored value in words: people, factories and regions by name, enums by their label,
    yes/no, local times, lists joined."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    target = _target(column)
    if target in names and isinstance(value, int):
        return names[target].get(value, f"#{value}")
    if isinstance(value, list):
        return "、".join(_value(item, column, names) for item in value) or "—"
    if isinstance(value, dict):
        return gettext("recalculated")
    enum_class = getattr(getattr(column, "type", None), "enum_class", None)
    if enum_class is not None and isinstance(value, str):
        return _enum_label(enum_class, value)
    if isinstance(value, str) and column is not None:
        python_type = _python_type(column)
        if python_type is datetime:
            return _datetime(value)
        if python_type is date:
            return _date(value)
    return str(value)


def _enum_label(enum_class: type[enum.Enum], value: str) -> str:
    try:
        member = enum_class(value)
    except ValueError:
        return value
    return str(getattr(member, "label", value))


def _python_type(column: sa.Column) -> type | None:
    try:
        return column.type.python_type
    except NotImplementedError:
        return None


def _datetime(value: str) -> str:
    try:
        return format_datetime(datetime.fromisoformat(value), "yyyy-MM-dd HH:mm:ss 'UTC'xxx")
    except ValueError:
        return value


def _date(value: str) -> str:
    try:
        return format_date(date.fromisoformat(value), "yyyy-MM-dd")
    except ValueError:
        return value
