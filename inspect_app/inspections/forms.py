"""The form that starts an inspection."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField
from wtforms.validators import DataRequired

from .models import KIND_LABELS


class StartInspectionForm(FlaskForm):
    factory_id = SelectField(_l("Factory"), coerce=int, validate_choice=False)
    checklist = SelectField(_l("Checklist"), validators=[DataRequired()], validate_choice=False)
    kind = SelectField(
        _l("Kind of inspection"), choices=lambda: [(k.value, v) for k, v in KIND_LABELS.items()]
    )
    inspected_on = DateField(_l("Date"), validators=[DataRequired()])
    inspector_ids = SelectMultipleField(
        _l("Inspectors"),
        coerce=int,
        validate_choice=False,
        description=_l("Enforcement inspections are done in pairs: choose the second inspector."),
    )
    committee_member_ids = SelectMultipleField(
        _l("Committee members present"), coerce=int, validate_choice=False
    )
