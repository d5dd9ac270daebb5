"""The form that starts an inspection."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, Length, Optional

from ..extensions import new_client_id


class StartInspectionForm(FlaskForm):
    factory_id = SelectField(_l("Factory"), coerce=int, validate_choice=False)
    # Both start blank unless the view proposes a choice; the service names what is missing.
    checklist = SelectField(_l("Checklist"), validate_choice=False)
    kind = SelectField(_l("Kind of inspection"), validate_choice=False)
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
    #: This form's own id: a double tap (or a resent form) starts one inspection.
    client_id = HiddenField(default=new_client_id, validators=[Optional(), Length(max=64)])
