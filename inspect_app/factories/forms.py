"""The factory register form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FloatField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .models import SECTOR_LABELS


class FactoryForm(FlaskForm):
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    uscc = StringField(
        _l("Unified social credit code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("18 characters, as printed on the business licence."),
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    region_id = SelectField(_l("Region"), coerce=int, validate_choice=False)
    sector = SelectField(
        _l("Sector"), choices=lambda: [(s.value, label) for s, label in SECTOR_LABELS.items()]
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    headcount_women = IntegerField(
        _l("Women workers"),
        validators=[Optional(), NumberRange(min=0)],
        render_kw={"inputmode": "numeric"},
    )
    headcount_men = IntegerField(
        _l("Men workers"),
        validators=[Optional(), NumberRange(min=0)],
        render_kw={"inputmode": "numeric"},
    )
    score_batch = StringField(_l("SCORE training batch"), validators=[Optional(), Length(max=60)])
    score_modules = StringField(
        _l("SCORE modules done"),
        validators=[Optional(), Length(max=40)],
        description=_l("For example: 1, 2, 5"),
    )
    version = HiddenField()

    def data_for_service(self) -> dict:
        data = {
            name: field.data
            for name, field in self._fields.items()
            if name not in {"csrf_token", "version"}
        }
        return data
