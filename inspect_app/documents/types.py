"""Document types as data: one small class per type (its content shape, number abbreviation,
templates and how its content is generated from a submitted inspection). A later type (e.g.
现场处理措施决定书) is a class here, a schema in schemas.py and two templates."""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..schemas import Schema
from .schemas import DocumentType, OnsiteRecordContent, RectificationOrderContent

#: Days to rectify a hazard, by grade, when the setting does not say otherwise
#: (INSPECT_DEADLINE_DAYS_GENERAL / INSPECT_DEADLINE_DAYS_MAJOR).
DEFAULT_DEADLINE_DAYS = {"general": 15, "major": 30}


class DocumentKind:
    """What a document type is: its content shape, abbreviation and templates."""

    type: ClassVar[DocumentType]
    #: The type's word in the number: 渝北应急{abbreviation}〔2026〕第0012号.
    abbreviation: ClassVar[str]
    content_schema: ClassVar[type[Schema]]

    def template(self, lang: str) -> str:
        """The Jinja template rendering the document in `lang` (the Chinese official layout,
        or the English rendering)."""
        return f"documents/{self.type.value}.{'zh_CN' if lang == 'zh_CN' else 'en'}.html"

    def generate(self, inspection, *, lang: str, authority, today: date) -> dict:
        """The content of a new draft, from the submitted inspection."""
        with force_locale(lang):
            return {**_common(inspection, lang, authority), **self.body(inspection, lang, today)}

    def body(self, inspection, lang: str, today: date) -> dict:
        raise NotImplementedError


class OnsiteRecord(DocumentKind):
    """现场检查记录: who, when, where, what was checked, what was found."""

    type = DocumentType.ONSITE_RECORD
    abbreviation = "现记"
    content_schema = OnsiteRecordContent

    def body(self, inspection, lang: str, today: date) -> dict:
        checklist = _checklist(inspection)
        answers = checklist.effective_answers(inspection.answer_map())
        checked = []
        for item in checklist.items():
            value = answers.get(item.id)
            if value is None or item.answer_kind.is_not_applicable(value):
                continue
            checked.append(
                {
                    "number": checklist.number_of(item.id) or "",
                    "text": _first_line(item.text.get(lang)),
                    "result": _answer_words(item, value, lang),
                }
            )
        findings = [_hazard(inspection, f, lang, checklist, today) for f in _findings(inspection)]
        summary = inspection.good_points.strip()
        return {"checked": checked, "findings": findings, "summary": summary}


class RectificationOrder(DocumentKind):
    """责令限期整改指令书: each hazard not fixed on the spot, its legal basis and deadline."""

    type = DocumentType.RECTIFICATION_ORDER
    abbreviation = "责改"
    content_schema = RectificationOrderContent

    def body(self, inspection, lang: str, today: date) -> dict:
        checklist = _checklist(inspection)
        hazards = [
            _hazard(inspection, finding, lang, checklist, today)
            for finding in _findings(inspection)
            if not finding.fixed_on_spot
        ]
        requirement = _(
            "Until the hazards are rectified, take effective measures to prevent accidents, and "
            "report the rectification in writing before the deadline."
        )
        return {"hazards": hazards, "requirement": requirement}


KINDS: dict[DocumentType, DocumentKind] = {
    kind.type: kind for kind in (OnsiteRecord(), RectificationOrder())
}


def kind_of(doc_type: DocumentType | str) -> DocumentKind:
    return KINDS[DocumentType(doc_type)]


def deadline_days() -> dict[str, int]:
    """Days to rectify per grade (the app's DEADLINE_DAYS setting)."""
    return {**DEFAULT_DEADLINE_DAYS, **current_app.config.get("DEADLINE_DAYS", {})}


# ---------------------------------------------------------------- helpers


def _checklist(inspection):
    from ..inspections.services import checklist_of

    return checklist_of(inspection)


def _findings(inspection) -> list:
    return sorted(inspection.findings, key=lambda f: f.id)


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def _common(inspection, lang: str, authority) -> dict:
    factory = inspection.factory
    name = factory.name_zh if lang == "zh_CN" or not factory.name_en else factory.name_en
    region = factory.region.full_name_zh if lang == "zh_CN" else factory.region.full_name_en
    return {
        "authority": authority.name if authority is not None else "",
        "party": {"name": name, "credit_code": factory.uscc, "address": factory.address or ""},
        "inspectors": [
            {"name": user.name, "certificate_number": user.certificate_number or ""}
            for user in inspection.inspectors
        ],
        "inspected_on": inspection.inspected_on.isoformat(),
        "place": factory.address or f"{region} {name}",
    }


def _hazard(inspection, finding, lang: str, checklist, today: date) -> dict:
    item, basis = "", finding.reference.strip()
    if finding.item_id and checklist.knows(finding.item_id):
        number = checklist.number_of(finding.item_id)
        title = checklist.title.get(lang)
        question = _first_line(checklist.item_of(finding.item_id).text.get(lang))[:80]
        item = (
            _("%(checklist)s, item %(number)s", checklist=title, number=number)
            if number
            else _("%(checklist)s: %(item)s", checklist=title, item=question)
        )
        if not basis:
            sep = "；" if lang == "zh_CN" else "; "
            basis = sep.join(ref.get(lang) for ref in checklist.references_of(finding.item_id))
    days = deadline_days()[finding.grade.value]
    return {
        "finding_id": finding.id,
        "title": finding.title,
        "location": finding.location,
        "description": finding.description,
        "item": item,
        "legal_basis": basis,
        "grade": finding.grade.value,
        "deadline": (today + timedelta(days=days)).isoformat(),
        "fixed_on_spot": finding.fixed_on_spot,
    }


def _answer_words(item, value, lang: str) -> str:
    for option_value, zh, en in item.answer_kind.options():
        if option_value == value:
            return zh if lang == "zh_CN" else en
    return str(value)
