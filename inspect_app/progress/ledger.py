"""The actions ledger (隐患整改台账): one row per action with its finding, as CSV or XLSX.

Rows are read as plain columns (no ORM objects, no per-row queries) and streamed, so a
region's ledger of any size needs bounded memory: the CSV is a generator, the XLSX is written
by openpyxl in write-only mode into a temporary file.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..actions.models import Action, ActionOrigin, ActionStatus, ControlType
from ..checklists import services as checklist_services
from ..checklists.areas import AREAS
from ..checklists.models import ChecklistVersion
from ..extensions import db
from ..factories.models import Factory
from ..inspections.models import Finding, Grade, Inspection, RiskLevel
from .queries import local_zone

COLUMNS: tuple[tuple[str, object, int], ...] = (
    # key, header, width in the spreadsheet (characters)
    ("no", _l("No."), 6),
    ("factory", _l("Factory"), 28),
    ("found_on", _l("Date found"), 12),
    ("item", _l("Checklist item"), 36),
    ("area", _l("Hazard area"), 18),
    ("hazard", _l("Hazard"), 32),
    ("risk", _l("Risk level"), 10),
    ("grade", _l("Grade"), 10),
    ("location", _l("Location"), 18),
    ("action", _l("Improvement action"), 36),
    ("origin", _l("Origin"), 14),
    ("control", _l("Control type"), 18),
    ("responsible", _l("Responsible"), 14),
    ("due_on", _l("Due date"), 12),
    ("status", _l("Status"), 14),
    ("overdue", _l("Overdue"), 9),
    ("done_on", _l("Done on"), 12),
    ("verified_on", _l("Verified on"), 12),
    ("estimated_cost", _l("Estimated cost (CNY)"), 14),
    ("actual_cost", _l("Actual cost (CNY)"), 14),
)
SHEET_TITLE = _l("Hazard ledger")
BATCH = 500  # rows fetched at a time
IN_MEMORY = 8 * 1024 * 1024  # an XLSX up to this size stays in memory, a bigger one on disk
YES, NO = _l("Yes"), _l("No")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(_FORMULA_START) else value


@dataclass(frozen=True)
class Labels:
    """Every word the ledger needs, in one language (fixed before streaming starts)."""

    lang: str
    headers: list[str]
    status: dict[str, str]
    control: dict[str, str]
    origin: dict[str, str]
    risk: dict[str, str]
    grade: dict[str, str]
    yes: str
    no: str
    sheet: str


def labels(lang: str) -> Labels:
    with force_locale(lang):
        return Labels(
            lang=lang,
            headers=[str(header) for _key, header, _width in COLUMNS],
            status={s.value: s.label for s in ActionStatus},
            control={c.value: c.label for c in ControlType},
            origin={o.value: o.label for o in ActionOrigin},
            risk={r.value: r.label for r in RiskLevel},
            grade={g.value: g.label for g in Grade},
            yes=str(YES),
            no=str(NO),
            sheet=str(SHEET_TITLE),
        )


def ledger_query(where) -> sa.Select:
    """The ledger's columns for the actions of the factories matching `where`."""
    return (
        sa.select(
            Factory.id.label("factory_id"),
            Factory.name_zh,
            Factory.name_en,
            Inspection.inspected_on,
            Inspection.checklist_version_id,
            Finding.created_at.label("found_at"),
            Finding.item_id,
            Finding.area,
            Finding.title.label("hazard"),
            Finding.risk_level,
            Finding.grade,
            Finding.location,
            Action.title,
            Action.origin,
            Action.control_type,
            Action.responsible,
            Action.due_on,
            Action.status,
            Action.is_overdue.label("overdue"),
            Action.done_at,
            Action.verified_at,
            Action.estimated_cost,
            Action.actual_cost,
        )
        .select_from(Action)
        .join(Factory, Factory.id == Action.factory_id)
        .outerjoin(Finding, Finding.id == Action.finding_id)
        .outerjoin(Inspection, Inspection.id == Finding.inspection_id)
        .where(where)
        .order_by(Factory.name_zh, Factory.id, Action.created_at, Action.id)
    )


def checklists_in(where) -> dict[int, object]:
    """The checklist definitions the ledger's findings were made on, by version id (a
    handful: versions are few), so that rows can be streamed without further queries."""
    version_ids = db.session.scalars(
        sa.select(Inspection.checklist_version_id)
        .distinct()
        .select_from(Action)
        .join(Factory, Factory.id == Action.factory_id)
        .join(Finding, Finding.id == Action.finding_id)
        .join(Inspection, Inspection.id == Finding.inspection_id)
        .where(where)
    ).all()
    versions = db.session.scalars(
        sa.select(ChecklistVersion).where(ChecklistVersion.id.in_(version_ids))
    )
    return {v.id: checklist_services.definition_of(v) for v in versions}


def _item_text(checklists: dict, version_id: int | None, item_id: str | None, lang: str) -> str:
    if not item_id:
        return ""
    checklist = checklists.get(version_id)
    if checklist is None or not checklist.knows(item_id):
        return item_id
    question = checklist.sub_item(item_id) or checklist.item(item_id)
    return f"{item_id} {question.text.get(lang)}"


def _local_date(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    from datetime import UTC

    return moment.replace(tzinfo=UTC).astimezone(local_zone()).date()


def _value(enum_or_none) -> str | None:
    return None if enum_or_none is None else getattr(enum_or_none, "value", enum_or_none)


def rows(result, words: Labels, checklists: dict) -> Iterator[list[object]]:
    """Ledger rows as typed cells (text, dates, numbers) from the rows of ledger_query()."""
    zh = words.lang.startswith("zh")
    catalogue = None  # the areas checklists declare, read once when a row needs them
    for number, row in enumerate(result, start=1):
        area = AREAS.get(row.area) if row.area else None
        if row.area and area is None:
            catalogue = catalogue if catalogue is not None else checklist_services.area_catalogue()
            area = catalogue.get(row.area)
        factory = row.name_zh if zh or not row.name_en else row.name_en
        yield [
            number,
            factory,
            row.inspected_on or _local_date(row.found_at),
            _item_text(checklists, row.checklist_version_id, row.item_id, words.lang),
            area.label(words.lang) if area else (row.area or ""),
            row.hazard or "",
            words.risk.get(_value(row.risk_level), "") if row.risk_level else "",
            words.grade.get(_value(row.grade), "") if row.grade else "",
            row.location or "",
            row.title,
            words.origin.get(_value(row.origin), ""),
            words.control.get(_value(row.control_type), "") if row.control_type else "",
            row.responsible or "",
            row.due_on,
            words.status.get(_value(row.status), _value(row.status)),
            words.yes if row.overdue else words.no,
            _local_date(row.done_at),
            _local_date(row.verified_at),
            row.estimated_cost,
            row.actual_cost,
        ]


def _csv_cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, str):
        return escape_formula(value)
    return value


def csv_stream(result, words: Labels, checklists: dict) -> Iterator[bytes]:
    """The ledger as CSV chunks: a BOM first (so Excel reads UTF-8), then ~500 rows a chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_cell(h) for h in words.headers])
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows(result, words, checklists), start=1):
        writer.writerow([_csv_cell(cell) for cell in row])
        if count % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


@dataclass(frozen=True)
class Workbook:
    file: object  # rewound, ready to read
    size: int


def xlsx_file(result, words: Labels, checklists: dict) -> Workbook:
    """The ledger as an XLSX workbook in a temporary file (rewound, ready to send)."""
    from openpyxl import Workbook as OpenpyxlWorkbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = OpenpyxlWorkbook(write_only=True)
    sheet = workbook.create_sheet(words.sheet[:31])
    for index, (_key, _header, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}1"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E9EDF2")
    wrap = Alignment(wrap_text=True, vertical="top")
    header = []
    for text in words.headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font, cell.fill, cell.alignment = bold, fill, wrap
        header.append(cell)
    sheet.append(header)
    for row in rows(result, words, checklists):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=float(value) if isinstance(value, Decimal) else value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
                if value.startswith(_FORMULA_START):
                    cell.quotePrefix = True
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            cells.append(cell)
        sheet.append(cells)
    target = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115
    workbook.save(target)
    size = target.tell()
    target.seek(0)
    return Workbook(target, size)
