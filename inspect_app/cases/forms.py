"""The case editing form: the story in both languages, tags and numbers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import Length, Optional

from ..actions.models import CONTROL_LABELS
from ..checklists.services import known_areas
from ..factories.models import SECTOR_LABELS
from .services import STORY_LABELS, TEXT_COLUMNS

_HINTS = {
    "problem": _l("What was the hazard, and who was at risk? No names of the factory or people."),
    "idea": _l("Whose idea was it, and what did the workers propose? Roles, not names."),
    "change": _l("What was built or changed, step by step."),
    "result_safety": _l("What is safer now: the hazard removed, fewer injuries or near misses."),
    "result_productivity": _l("Time saved, output, quality, less waste or rework."),
    "cost_benefit": _l("What it cost and what it brings back."),
}


class CheckboxList(SelectMultipleField):
    """Several choices as a list of large checkboxes (no hover, no ctrl-click)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _story_field(name: str, lang: str):
    """One language of a story field; the template groups the pair under the field's name."""
    label = _l("Chinese") if lang == "zh" else _l("English")
    kwargs = {"lang": "zh-CN" if lang == "zh" else "en"}
    if name == "title":
        return StringField(label, validators=[Optional(), Length(max=200)], render_kw=kwargs)
    kwargs["rows"] = 5
    return TextAreaField(label, render_kw=kwargs)


def _area_choices() -> list[tuple[str, str]]:
    from flask_babel import get_locale

    lang = str(get_locale() or "zh")
    return [(area.id, area.label(lang)) for area in known_areas().values()]


class CaseForm(FlaskForm):
    sector = SelectField(
        _l("Sector"), choices=lambda: [(s.value, label) for s, label in SECTOR_LABELS.items()]
    )
    city_zh = StringField(_l("City (Chinese)"), validators=[Optional(), Length(max=60)])
    city_en = StringField(_l("City (English)"), validators=[Optional(), Length(max=80)])
    areas = CheckboxList(_l("Hazard areas"), choices=_area_choices, validate_choice=True)
    control_type = SelectField(
        _l("Control type"),
        choices=lambda: [("", "—")] + [(c.value, label) for c, label in CONTROL_LABELS.items()],
    )
    # Choices: the items of each checklist, grouped (the view fills them in the reader's language).
    checklist_item = SelectField(
        _l("Checklist item"), choices=lambda: [("", "—")], default="", validate_choice=True
    )
    cost = StringField(
        _l("Cost (yuan)"),
        validators=[Optional(), Length(max=20)],
        render_kw={"inputmode": "decimal"},
    )
    version = HiddenField()

    def data_for_service(self) -> dict:
        return {
            name: field.data
            for name, field in self._fields.items()
            if name not in {"csrf_token", "version"}
        }


for _column in TEXT_COLUMNS:
    _name, _lang = _column.rsplit("_", 1)
    setattr(CaseForm, _column, _story_field(_name, _lang))

#: The story fields as pairs (zh, en) in reading order, for the template.
STORY_PAIRS = [(f"{name}_zh", f"{name}_en", name) for name in STORY_LABELS]
HINTS = _HINTS
