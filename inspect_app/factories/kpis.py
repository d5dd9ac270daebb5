"""Monthly safety KPIs: one record per factory and month, validated and saved idempotently."""

from __future__ import annotations

import calendar
import re
from datetime import date

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import errors
from ..accounts.models import Role, User
from ..errors import DomainError
from ..extensions import db, local_today
from ..permissions import can_view_factory
from ..sync import clean_client_id, client_id_or_new
from .models import Factory, KpiRecord
from .services import get_factory_or_404

KPI_FIELDS: tuple[str, ...] = KpiRecord.KPI_FIELDS

KPI_LABELS = {
    "accidents": _l("Accidents"),
    "lost_time_injuries": _l("Lost-time injuries"),
    "days_lost": _l("Days lost"),
    "near_misses": _l("Near misses reported"),
    "first_aid_cases": _l("First-aid cases"),
    "suggestions_made": _l("Worker suggestions made"),
    "suggestions_implemented": _l("Worker suggestions implemented"),
    "headcount": _l("Workers this month"),
}

KPI_HINTS = {
    "accidents": _l("Work-related injuries or illnesses, with or without time off."),
    "lost_time_injuries": _l("Accidents after which the worker missed at least one shift."),
    "days_lost": _l("Working days missed this month because of work injuries."),
    "near_misses": _l("Events that could have hurt someone but did not."),
    "first_aid_cases": _l("Injuries treated on site with first aid only."),
    "suggestions_made": _l("Ideas for safer or easier work put forward by workers."),
    "suggestions_implemented": _l("Suggestions made this month and already put into practice."),
    "headcount": _l("Average number of workers this month."),
}

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
EARLIEST_MONTH = date(2000, 1, 1)
MAX_COUNT = 1_000_000


def month_key(month: date) -> str:
    """A month as `YYYY-MM`."""
    return f"{month.year:04d}-{month.month:02d}"


def current_month() -> date:
    """The first day of this month where the factories are."""
    return local_today().replace(day=1)


def add_months(month: date, n: int) -> date:
    """The first day of the month `n` months after (or before) `month`."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text: str | None, *, allow_future: bool = False) -> date:
    """`YYYY-MM` → the first day of that month; a malformed, future or too old month is refused
    (a future month is fine as the end of a filter: `allow_future`)."""
    match = MONTH_PATTERN.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        message = _("Give the month as YYYY-MM, for example 2026-01.")
        raise DomainError(message, fields={"month": message}, code="bad_month", status=400)
    # Year 0 is no date at all; it is refused below as too old, like any month before 2000.
    month = date(max(1, int(match.group(1))), int(match.group(2)), 1)
    if month > current_month() and not allow_future:
        message = _(
            "%(month)s has not begun yet: KPIs are entered for this month or earlier.",
            month=month_key(month),
        )
        raise DomainError(message, fields={"month": message}, code="future_month")
    if month < EARLIEST_MONTH:
        message = _("Months before %(month)s cannot be entered.", month=month_key(EARLIEST_MONTH))
        raise DomainError(message, fields={"month": message}, code="bad_month")
    return month


def can_enter_kpis(user: User, factory: Factory) -> bool:
    """The factory's committee, the inspectors of its region, and admins enter its KPIs."""
    if not can_view_factory(user, factory):
        return False
    return user.role in (Role.ADMIN, Role.INSPECTOR, Role.COMMITTEE)


def get_factory_for_kpis_or_404(factory_id: int, user: User) -> Factory:
    """A factory whose KPIs the user reads and enters; anything else is a 404 (or 403)."""
    factory = get_factory_or_404(factory_id, user)
    if not can_enter_kpis(user, factory):
        abort(403)
    return factory


def list_kpis(factory: Factory, *, since: date | None = None, until: date | None = None):
    """The factory's records, oldest month first (optionally within [since, until])."""
    stmt = sa.select(KpiRecord).where(KpiRecord.factory_id == factory.id)
    if since is not None:
        stmt = stmt.where(KpiRecord.month >= since)
    if until is not None:
        stmt = stmt.where(KpiRecord.month <= until)
    return list(db.session.scalars(stmt.order_by(KpiRecord.month)))


def get_kpi(factory: Factory, month: date) -> KpiRecord | None:
    """The record of one month, or None."""
    return db.session.scalar(
        sa.select(KpiRecord).where(KpiRecord.factory_id == factory.id, KpiRecord.month == month)
    )


def _whole_number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", value):
        return int(value)
    return None


def clean_values(data: dict, *, factory: Factory, month: date) -> dict[str, int]:
    """Check the numbers of one month; every problem is reported on its own field.

    Counts left out are 0; a left-out headcount is the factory's register headcount. Rules: whole
    numbers, none negative; lost-time injuries are at most the accidents; implemented suggestions
    at most those made; days lost at most workers × days in the month; at least one worker.
    """
    errors: dict[str, str] = {}
    clean: dict[str, int] = {}
    for name in KPI_FIELDS:
        raw = data.get(name)
        if raw is None or raw == "":
            if name == "headcount" and factory.headcount > 0:
                clean[name] = factory.headcount
            else:
                clean[name] = 0
            continue
        number = _whole_number(raw)
        if number is None:
            errors[name] = _("Enter a whole number.")
        elif number < 0:
            errors[name] = _("Cannot be negative: enter 0 or more.")
        elif number > MAX_COUNT:
            errors[name] = _("Too large: check the number (at most %(max)d).", max=MAX_COUNT)
        else:
            clean[name] = number
    if "headcount" not in errors and clean.get("headcount", 0) < 1:
        errors["headcount"] = _("Enter the number of workers this month (at least 1).")
    if not errors:
        if clean["lost_time_injuries"] > clean["accidents"]:
            errors["lost_time_injuries"] = _(
                "A lost-time injury is also an accident: at most the number of accidents (%(n)d).",
                n=clean["accidents"],
            )
        if clean["suggestions_implemented"] > clean["suggestions_made"]:
            errors["suggestions_implemented"] = _(
                "At most the number of suggestions made this month (%(n)d).",
                n=clean["suggestions_made"],
            )
        days_in_month = calendar.monthrange(month.year, month.month)[1]
        limit = clean["headcount"] * days_in_month
        if clean["days_lost"] > limit:
            errors["days_lost"] = _(
                "More than the workers could lose this month (workers × days = %(n)d).", n=limit
            )
    if errors:
        raise DomainError(_("Please correct the marked fields."), fields=errors)
    return clean


def save_kpis(
    factory: Factory,
    *,
    month: date,
    by: User,
    client_id: str | None = None,
    expected_version: int | None = None,
    require_version: bool = False,
    **values,
) -> tuple[KpiRecord, bool]:
    """Create or replace the month's record (PUT semantics); return (record, created).

    Saving the same numbers again changes nothing (no new version, no audit entry). The month
    itself names the record; `client_id` (the device's id for it) is kept when it creates it.
    Changing a stored month names the version it was edited from (`expected_version`; needed
    with `require_version`, as the API does): a replayed older save is a 409 with the month as
    it is now, never a silent overwrite.
    """
    client_id = clean_client_id(client_id)
    unknown = sorted(set(values) - set(KPI_FIELDS))
    if unknown:
        raise DomainError(
            _("These fields cannot be set here: %(fields)s.", fields=", ".join(unknown)),
            code="unknown_fields",
            status=400,
        )
    clean = clean_values(values, factory=factory, month=month)
    record = get_kpi(factory, month)
    created = False
    if record is None:
        try:
            with db.session.begin_nested():
                record = KpiRecord(
                    factory_id=factory.id,
                    month=month,
                    entered_by_id=by.id,
                    client_id=client_id_or_new(client_id),
                    **clean,
                )
                db.session.add(record)
        except IntegrityError:  # someone saved the same month a moment ago: update theirs
            record = get_kpi(factory, month)
        else:
            created = True
    if not created:
        changed = {k: v for k, v in clean.items() if getattr(record, k) != v}
        if changed and (require_version or expected_version is not None):
            errors.check_version(
                record,
                expected_version,
                _("Someone else changed this month's numbers while you were editing."),
            )
        for key, value in changed.items():
            setattr(record, key, value)
        if changed:
            record.entered_by_id = by.id
    errors.flush_versioned(record, _("Someone else changed this month's numbers at the same time."))
    return record, created


def lti_rate(lost_time_injuries: int, headcount: int) -> float | None:
    """Lost-time injuries per 100 workers (None without a headcount)."""
    if not headcount:
        return None
    return round(lost_time_injuries / headcount * 100, 2)


def kpi_json(record: KpiRecord) -> dict:
    """A month's record as the API shows it."""
    return {
        "month": month_key(record.month),
        **{name: getattr(record, name) for name in KPI_FIELDS},
        "lost_time_injury_rate": lti_rate(record.lost_time_injuries, record.headcount),
        "version": record.version,
        "client_id": record.client_id,
        "updated_at": record.updated_at.isoformat() + "Z",
    }


def recent_months(n: int = 24) -> list[date]:
    """This month and the n-1 before it, newest first."""
    this = current_month()
    return [add_months(this, -i) for i in range(n)]
