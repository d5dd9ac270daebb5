"""Forms of the action pages: raise/edit, status moves, due-date changes, photos."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..extensions import new_client_id
from .models import CONTROL_LABELS
from .services import NOTE_MAX, TEXT_LIMITS, TITLE_MAX


def _control_choices():
    return [("", _l("Not decided yet"))] + [(k.value, v) for k, v in CONTROL_LABELS.items()]


class ActionForm(FlaskForm):
    """The fields of an action; the due date is set here when raising it, later with a reason."""

    title = StringField(
        _l("What is to be done"), validators=[DataRequired(), Length(max=TITLE_MAX)]
    )
    description = TextAreaField(
        _l("Details"), validators=[Optional(), Length(max=TEXT_LIMITS["description"])]
    )
    control_type = SelectField(
        _l("Control type"),
        choices=_control_choices,
        default="",
        validate_choice=False,  # the service checks it (and says so in the reader's language)
        description=_l("The hierarchy of controls: removing the hazard beats protecting people."),
    )
    responsible = StringField(
        _l("Responsible person"), validators=[Optional(), Length(max=TEXT_LIMITS["responsible"])]
    )
    due_on = DateField(_l("Due date"), validators=[Optional()])
    # Amounts are checked by the service (its messages are translated; "1,200" is fine too).
    estimated_cost = StringField(
        _l("Estimated cost (yuan)"),
        validators=[Optional(), Length(max=20)],
        render_kw={"inputmode": "decimal"},
    )
    actual_cost = StringField(
        _l("Actual cost (yuan)"),
        validators=[Optional(), Length(max=20)],
        render_kw={"inputmode": "decimal"},
    )
    done_description = TextAreaField(
        _l("What was done"),
        validators=[Optional(), Length(max=TEXT_LIMITS["done_description"])],
    )
    version = HiddenField()
    #: This form's own id: a double tap (or a resent form) raises the action once.
    client_id = HiddenField(default=new_client_id, validators=[Optional(), Length(max=64)])

    def data_for_service(self, *, with_due: bool) -> dict:
        """The fields the service takes (the due date only when raising the action)."""
        names = [
            "title",
            "description",
            "control_type",
            "responsible",
            "estimated_cost",
            "actual_cost",
            "done_description",
        ]
        if with_due:
            names.append("due_on")
        return {name: self[name].data for name in names}


class SuggestionForm(ActionForm):
    """A worker's suggestion: what and who, roughly how much; the rest comes later."""

    title = StringField(_l("The suggestion"), validators=[DataRequired(), Length(max=TITLE_MAX)])


class MoveForm(FlaskForm):
    to = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=NOTE_MAX)])
    next = HiddenField()


class DueDateForm(FlaskForm):
    due_on = DateField(_l("New due date"), validators=[DataRequired()])
    reason = TextAreaField(
        _l("Why does the due date change?"), validators=[Optional(), Length(max=NOTE_MAX)]
    )


class PhotoForm(FlaskForm):
    photo = FileField(
        _l("Photo"),
        validators=[FileRequired(_l("Choose a photo."))],
        render_kw={"accept": "image/*", "capture": "environment"},
    )
    kind = HiddenField(validators=[DataRequired()])
