"""Forms for sign-in, password change and user administration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from .models import CERTIFICATE_MAX, ROLE_LABELS, Role


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=10, max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


def _role_choices():
    return [(role.value, ROLE_LABELS[role]) for role in Role]


class UserForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9_.@-]+$", message=_l("Use letters, digits and . _ @ - only.")),
        ],
    )
    display_name = StringField(_l("Full name"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=_role_choices)
    factory_id = SelectField(_l("Factory (committee members)"), coerce=int, validate_choice=False)
    region_ids = SelectMultipleField(_l("Regions (inspectors)"), coerce=int, validate_choice=False)
    certificate_number = StringField(
        _l("Law-enforcement certificate number (inspectors)"),
        validators=[Optional(), Length(max=CERTIFICATE_MAX)],
        description=_l("Printed with the inspector's name on issued documents."),
    )
    password = PasswordField(
        _l("Password"),
        validators=[Optional(), Length(min=10, max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    active = BooleanField(_l("Active"), default=True)


TOKEN_EXPIRY_CHOICES = [
    ("", _l("Never (until revoked)")),
    ("30", _l("In 30 days")),
    ("90", _l("In 90 days")),
    ("365", _l("In a year")),
]


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("What the token is for, e.g. “nightly export”: it is how you revoke it."),
    )
    expires_in_days = SelectField(_l("Expires"), choices=lambda: TOKEN_EXPIRY_CHOICES, default="")
