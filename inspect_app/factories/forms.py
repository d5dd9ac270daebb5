"""The factory register form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FloatField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .schemas import (
    ADDRESS_MAX,
    HEADCOUNT_MAX,
    NAME_MAX,
    SCORE_BATCH_MAX,
    SCORE_MODULES_MAX,
    SECTOR_LABELS,
    USCC_INPUT_MAX,
)


class FactoryForm(FlaskForm):
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=NAME_MAX)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=NAME_MAX)])
    uscc = StringField(
        _l("Unified social credit code"),
        validators=[DataRequired(), Length(max=USCC_INPUT_MAX)],
        description=_l("18 characters, as printed on the business licence."),
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    region_id = SelectField(_l("Region"), coerce=int, validate_choice=False)
    sector = SelectField(
        _l("Sector"), choices=lambda: [(s.value, label) for s, label in SECTOR_LABELS.items()]
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=ADDRESS_MAX)])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    headcount_women = IntegerField(
        _l("Women workers"),
        validators=[Optional(), NumberRange(min=0, max=HEADCOUNT_MAX)],
        render_kw={"inputmode": "numeric"},
    )
    headcount_men = IntegerField(
        _l("Men workers"),
        validators=[Optional(), NumberRange(min=0, max=HEADCOUNT_MAX)],
        render_kw={"inputmode": "numeric"},
    )
    score_batch = StringField(
        _l("SCORE training batch"), validators=[Optional(), Length(max=SCORE_BATCH_MAX)]
    )
    score_modules = StringField(
        _l("SCORE modules done"),
        validators=[Optional(), Length(max=SCORE_MODULES_MAX)],
        description=_l("For example: 1, 2, 5"),
    )
    version = HiddenField()
