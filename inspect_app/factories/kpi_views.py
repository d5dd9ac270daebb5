"""The monthly KPI page of a factory: recent months in a table, and a form for one month."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from ..errors import DomainError
from ..extensions import db
from . import kpis

bp = Blueprint("kpis", __name__, url_prefix="/factories")


def _number_field(name: str) -> StringField:
    # Text with a numeric keypad: the service gives the (translated) message for bad numbers.
    return StringField(
        kpis.KPI_LABELS[name],
        validators=[Optional(), Length(max=12)],
        description=kpis.KPI_HINTS.get(name, ""),
        render_kw={"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"},
    )


class KpiForm(FlaskForm):
    month = StringField(
        _l("Month"),
        validators=[Length(max=7)],
        description=_l("YYYY-MM, for example 2026-01"),
        render_kw={"type": "month", "placeholder": "YYYY-MM"},
    )
    accidents = _number_field("accidents")
    lost_time_injuries = _number_field("lost_time_injuries")
    days_lost = _number_field("days_lost")
    first_aid_cases = _number_field("first_aid_cases")
    near_misses = _number_field("near_misses")
    suggestions_made = _number_field("suggestions_made")
    suggestions_implemented = _number_field("suggestions_implemented")
    headcount = _number_field("headcount")

    def values(self) -> dict:
        return {name: (self[name].data or "").strip() for name in kpis.KPI_FIELDS}


def _default_month(records: dict) -> str:
    """Last month if it has no record yet (KPIs are usually entered after the month), else
    this month."""
    this = kpis.current_month()
    last = kpis.add_months(this, -1)
    return kpis.month_key(last if last not in records else this)


@bp.route("/<int:factory_id>/kpis", methods=["GET", "POST"])
@login_required
def factory_kpis(factory_id: int):
    factory = kpis.get_factory_for_kpis_or_404(factory_id, current_user)
    months = kpis.recent_months(24)
    records = {r.month: r for r in kpis.list_kpis(factory, since=months[-1])}
    form = KpiForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                month = kpis.parse_month(form.month.data)
                record, _created = kpis.save_kpis(
                    factory, month=month, by=current_user, **form.values()
                )
            except DomainError as error:
                for name, message in error.fields.items():
                    if name in form and isinstance(message, str):
                        form[name].errors.append(message)
                flash(error.message, "error")
                db.session.rollback()
            else:
                db.session.commit()
                flash(_("KPIs for %(month)s saved.", month=kpis.month_key(record.month)), "success")
                return redirect(
                    url_for("kpis.factory_kpis", factory_id=factory.id, month=form.month.data)
                )
        status = 422
    else:
        chosen = request.args.get("month") or _default_month(records)
        form.month.data = chosen
        try:
            record = kpis.get_kpi(factory, kpis.parse_month(chosen))
        except DomainError as error:  # a month typed into the address: say what is wrong
            form.month.errors = [*form.month.errors, error.message]  # a tuple before validation
            record = None
            status = 422
        for name in kpis.KPI_FIELDS:
            value = getattr(record, name) if record else None
            if value is None and name == "headcount" and factory.headcount:
                value = factory.headcount
            form[name].data = "" if value is None else str(value)
    return render_template(
        "kpis/factory_kpis.html",
        factory=factory,
        form=form,
        months=months,
        records=records,
        fields=kpis.KPI_FIELDS,
        labels=kpis.KPI_LABELS,
        month_key=kpis.month_key,
        lti_rate=kpis.lti_rate,
    ), status
