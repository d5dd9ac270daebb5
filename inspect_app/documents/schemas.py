"""Enforcement documents' contract: types, states, limits, and the write and read shapes.

Each document type's editable content is a pydantic model here (`OnsiteRecordContent`,
`RectificationOrderContent`); the type classes in `types.py` say how each is generated and
rendered. The content is what the inspector may edit before issuing, stored as JSON.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from flask_babel import lazy_gettext as _l
from pydantic import Field

from ..accounts.models import CERTIFICATE_MAX  # the column's limit, one place
from ..schemas import Id, IsoDate, Reply, Schema, UtcTime, Version, text

AUTHORITY_NAME_MAX = 100
AUTHORITY_PREFIX_MAX = 20
LINE_MAX = 300  # a name, a place, a hazard's title
PARAGRAPH_MAX = 4000  # a description, a requirement, the legal basis
HAZARDS_MAX = 200
LIST_MAX = 500
NUMBER_MAX = 80


class DocumentType(StrEnum):
    ONSITE_RECORD = "onsite_record"
    RECTIFICATION_ORDER = "rectification_order"

    @property
    def label(self) -> str:
        return str(TYPE_LABELS[self])


TYPE_LABELS = {
    DocumentType.ONSITE_RECORD: _l("On-site inspection record"),
    DocumentType.RECTIFICATION_ORDER: _l("Order to rectify within a time limit"),
}


class DocumentStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    DocumentStatus.DRAFT: _l("Draft"),
    DocumentStatus.ISSUED: _l("Issued"),
    DocumentStatus.SUPERSEDED: _l("Superseded"),
}

DocumentLang = Literal["zh_CN", "en"]

Line = text(LINE_MAX)
Paragraph = text(PARAGRAPH_MAX)


# ---------------------------------------------------------------- content (editable)


class Person(Schema):
    """An inspector as the document names them."""

    name: Line
    certificate_number: text(CERTIFICATE_MAX) = ""


class Party(Schema):
    """The inspected factory as the document names it."""

    name: Line
    credit_code: Line = ""
    address: Line = ""


class CheckedItem(Schema):
    """A checklist item looked at, with what was found."""

    number: Line = ""
    text: Paragraph
    result: Line = ""


class Hazard(Schema):
    """One hazard ordered rectified: where, why it is unlawful, by when."""

    finding_id: Id | None = None
    title: Line
    location: Line = ""
    description: Paragraph = ""
    item: Line = Field("", description="the checklist item: title and number")
    legal_basis: Paragraph = ""
    grade: Literal["general", "major"] = "general"
    fixed_on_spot: bool = False
    deadline: IsoDate


class CommonContent(Schema):
    """What every document names."""

    authority: Line = ""
    party: Party
    inspectors: Annotated[list[Person], Field(max_length=20)]
    inspected_on: IsoDate
    place: Line = ""


class OnsiteRecordContent(CommonContent):
    """现场检查记录: who, when, where, what was checked and what was found."""

    checked: Annotated[list[CheckedItem], Field(max_length=LIST_MAX)]
    findings: Annotated[list[Hazard], Field(max_length=HAZARDS_MAX)]
    summary: Paragraph = ""


class RectificationOrderContent(CommonContent):
    """责令限期整改指令书: each hazard with its legal basis and deadline."""

    hazards: Annotated[list[Hazard], Field(min_length=1, max_length=HAZARDS_MAX)]
    requirement: Paragraph = ""


# ---------------------------------------------------------------- API shapes


class DocumentCreate(Schema):
    """A draft of a document type, generated from the submitted inspection."""

    type: DocumentType
    lang: DocumentLang = Field("zh_CN", description="the language the content is written in")
    supersedes: Id | None = Field(
        None, description="an issued document of the same inspection this draft corrects"
    )


class DocumentPatch(Schema):
    """A draft's new wording: the whole content of its type (validated by the type's shape)."""

    content: dict
    version: Version


class DocumentOut(Reply):
    id: int
    inspection_id: int
    factory_id: int
    type: DocumentType
    lang: str
    status: DocumentStatus
    number: str | None
    content: dict
    content_hash: str | None
    issued_at: UtcTime | None
    supersedes_id: int | None
    superseded_by_id: int | None
    version: int
    created_at: UtcTime
    updated_at: UtcTime
    pdf_url: str


class IssuedOut(Reply):
    id: int
    number: str
    content_hash: str
    status: DocumentStatus


class AuthorityIn(Schema):
    """A region's issuing authority: the name and the number prefix on issued documents."""

    name: text(AUTHORITY_NAME_MAX, required=True)
    prefix: text(AUTHORITY_PREFIX_MAX, required=True)
