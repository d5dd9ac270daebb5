"""Enforcement documents: an inspector drafts the on-site record and the order to rectify from a
submitted inspection, rewords them, issues them with a number that holds up in court, and
corrects an issued one with a new document that supersedes it. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from support import PG_URL, region

from inspect_app.accounts.models import User
from inspect_app.documents import services
from inspect_app.documents.models import Document
from inspect_app.extensions import db, local_today, utcnow
from inspect_app.inspections import services as inspection_services
from inspect_app.inspections.models import Inspection, InspectionStatus

GUARD_01_BASIS = "GB/T 8196 机械安全 防护装置 固定式和活动式防护装置的设计与制造一般要求"
PREFIX = "渝北应急"


@pytest.fixture
def authority(app):
    """Yubei district (factory A's) issues with the prefix 渝北应急."""
    with app.app_context():
        services.set_authority(region("500112"), name="重庆市渝北区应急管理局", prefix=PREFIX)
        db.session.commit()


@pytest.fixture
def submitted(app, world, make_inspection):
    """A submitted enforcement inspection of factory A by an inspector with a certificate
    number: a major hazard on guard-01, a general one on guard-02, one fixed on the spot."""

    def build() -> int:
        inspection_id = make_inspection(checklist="machine-guarding", kind="enforcement")
        with app.app_context():
            inspector = db.session.get(User, world.users["inspector"].id)
            inspector.certificate_number = "50011220260001"
            inspection = db.session.get(Inspection, inspection_id)
            checklist = inspection_services.checklist_of(inspection)
            for item in checklist.items():
                value = "yes" if item.id in ("guard-01", "guard-02") else "no"
                inspection_services.set_answer(
                    inspection, item_id=item.id, value=value, by=inspector
                )
            for title, item_id, grade, location, fixed in (
                ("冲床皮带轮无防护罩", "guard-01", "major", "冲压车间", False),
                ("联锁被短接", "guard-02", "general", "装配线", False),
                ("通道堆放杂物", None, "general", "仓库", True),
            ):
                inspection_services.add_finding(
                    inspection,
                    by=inspector,
                    item_id=item_id,
                    title=title,
                    grade=grade,
                    location=location,
                    fixed_on_spot=fixed,
                )
            inspection.status = InspectionStatus.SUBMITTED
            inspection.submitted_at = utcnow()
            db.session.commit()
        return inspection_id

    return build


def _draft(client, inspection_id: int, doc_type: str = "rectification_order", **extra):
    return client.post(
        f"/api/v1/inspections/{inspection_id}/documents", json={"type": doc_type, **extra}
    )


def _pdftotext(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: run `make system-deps`")
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return re.sub(r"\s+", "", out)  # Chinese lines wrap anywhere: compare without spaces


# ---------------------------------------------------------------- generation


def test_the_order_names_each_hazard_with_its_legal_basis_and_a_deadline_by_grade(
    client, login_as, submitted, authority, world
):
    login_as("inspector")
    response = _draft(client, submitted())

    assert response.status_code == 201, response.json
    draft = response.json
    assert draft["status"] == "draft" and draft["number"] is None
    content = draft["content"]
    assert content["authority"] == "重庆市渝北区应急管理局"
    assert content["party"]["name"] == "渝北橡胶厂"
    assert len(content["party"]["credit_code"]) == 18
    assert content["inspectors"] == [
        {"name": content["inspectors"][0]["name"], "certificate_number": "50011220260001"}
    ]
    # The hazard fixed on the spot is not ordered rectified.
    assert [h["title"] for h in content["hazards"]] == ["冲床皮带轮无防护罩", "联锁被短接"]
    major, general = content["hazards"]
    assert GUARD_01_BASIS in major["legal_basis"]
    assert major["location"] == "冲压车间"
    assert major["item"].startswith("机械")
    today = local_today()
    assert major["deadline"] == (today + timedelta(days=30)).isoformat()
    assert general["deadline"] == (today + timedelta(days=15)).isoformat()


def test_the_deadline_days_are_a_setting(app, client, login_as, submitted, authority):
    app.config["DEADLINE_DAYS"] = {"general": 7, "major": 45}
    login_as("inspector")
    hazards = _draft(client, submitted()).json["content"]["hazards"]
    assert [h["deadline"] for h in hazards] == [
        (local_today() + timedelta(days=days)).isoformat() for days in (45, 7)
    ]


def test_the_onsite_record_says_what_was_checked_and_found(client, login_as, submitted):
    login_as("inspector")
    content = _draft(client, submitted(), "onsite_record").json["content"]

    assert len(content["checked"]) == 13  # every item of machine-guarding was answered
    assert [f["title"] for f in content["findings"]] == [
        "冲床皮带轮无防护罩",
        "联锁被短接",
        "通道堆放杂物",
    ]
    assert content["findings"][2]["fixed_on_spot"] is True
    assert content["checked"][0]["result"]


def test_documents_need_a_submitted_enforcement_inspection(client, login_as, make_inspection):
    login_as("inspector")
    draft = make_inspection(checklist="machine-guarding", kind="enforcement")
    assert _draft(client, draft).json["error"]["code"] == "inspection_not_submitted"


# ---------------------------------------------------------------- issuing


def test_issuing_gives_the_next_number_and_a_content_hash(client, login_as, submitted, authority):
    login_as("inspector")
    inspection_id = submitted()
    order = _draft(client, inspection_id).json
    record = _draft(client, inspection_id, "onsite_record").json

    issued = client.post(f"/api/v1/documents/{order['id']}/issue")
    also = client.post(f"/api/v1/documents/{record['id']}/issue")

    year = local_today().year
    assert issued.status_code == 200, issued.json
    assert issued.json["number"] == f"{PREFIX}责改〔{year}〕第0001号"
    assert also.json["number"] == f"{PREFIX}现记〔{year}〕第0001号"  # a sequence per type
    assert re.fullmatch(r"[0-9a-f]{64}", issued.json["content_hash"])
    shown = client.get(f"/api/v1/documents/{order['id']}").json
    assert shown["status"] == "issued" and shown["content"]["authority"]


def test_without_an_issuing_authority_nothing_is_issued(client, login_as, submitted):
    login_as("inspector")
    order = _draft(client, submitted()).json
    response = client.post(f"/api/v1/documents/{order['id']}/issue")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "no_authority"
    assert client.get(f"/api/v1/documents/{order['id']}").json["number"] is None


def test_the_inspector_rewords_a_draft_before_issuing(client, login_as, submitted, authority):
    login_as("inspector")
    order = _draft(client, submitted()).json
    content = order["content"]
    content["hazards"][0]["title"] = "二号冲床皮带轮外露"
    content["hazards"][0]["deadline"] = "2027-01-31"

    saved = client.patch(
        f"/api/v1/documents/{order['id']}", json={"content": content, "version": order["version"]}
    )

    assert saved.status_code == 200, saved.json
    assert saved.json["content"]["hazards"][0]["title"] == "二号冲床皮带轮外露"
    content["hazards"][0]["deadline"] = "tomorrow"
    refused = client.patch(
        f"/api/v1/documents/{order['id']}",
        json={"content": content, "version": saved.json["version"]},
    )
    assert refused.status_code == 422
    assert "hazards.0.deadline" in refused.json["error"]["fields"]


def test_an_issued_document_is_immutable(client, login_as, submitted, authority):
    login_as("inspector")
    order = _draft(client, submitted()).json
    issued = client.post(f"/api/v1/documents/{order['id']}/issue").json
    current = client.get(f"/api/v1/documents/{order['id']}").json

    changed = client.patch(
        f"/api/v1/documents/{order['id']}",
        json={"content": current["content"], "version": current["version"]},
    )
    again = client.post(f"/api/v1/documents/{order['id']}/issue")

    assert changed.status_code == 409
    assert changed.json["error"]["code"] == "document_issued"
    assert issued["number"] in changed.json["error"]["message"]
    assert again.status_code == 409
    assert client.get(f"/api/v1/documents/{order['id']}").json["number"] == issued["number"]


def test_a_correction_supersedes_the_issued_document_and_both_are_kept(
    client, login_as, submitted, authority
):
    login_as("inspector")
    inspection_id = submitted()
    old = _draft(client, inspection_id).json
    first = client.post(f"/api/v1/documents/{old['id']}/issue").json
    # Not a second order of the same inspection: a correction names what it corrects.
    assert _draft(client, inspection_id).json["error"]["code"] == "document_exists"

    correction = _draft(client, inspection_id, supersedes=old["id"])
    assert correction.status_code == 201, correction.json
    new = correction.json
    assert new["supersedes_id"] == old["id"] and new["content"] == first_content(client, old)
    assert client.get(f"/api/v1/documents/{old['id']}").json["status"] == "issued"
    second = client.post(f"/api/v1/documents/{new['id']}/issue").json

    old_now = client.get(f"/api/v1/documents/{old['id']}").json
    assert old_now["status"] == "superseded" and old_now["superseded_by_id"] == new["id"]
    assert old_now["number"] == first["number"]
    assert second["number"].endswith("第0002号")
    listed = client.get(f"/api/v1/inspections/{inspection_id}/documents").json
    assert [(d["id"], d["status"]) for d in listed] == [
        (old["id"], "superseded"),
        (new["id"], "issued"),
    ]
    # A superseded document is not corrected again.
    assert _draft(client, inspection_id, supersedes=old["id"]).status_code == 409


def first_content(client, document: dict) -> dict:
    return client.get(f"/api/v1/documents/{document['id']}").json["content"]


# ---------------------------------------------------------------- numbering under load


def _copies(app, document_id: int, count: int) -> list[int]:
    """`count` drafts like this one (of as many inspections, in practice)."""
    with app.app_context():
        model = db.session.get(Document, document_id)
        copies = [
            Document(
                inspection_id=model.inspection_id,
                factory_id=model.factory_id,
                doc_type=model.doc_type,
                lang=model.lang,
                content=model.content,
                created_by_id=model.created_by_id,
            )
            for _ in range(count)
        ]
        db.session.add_all(copies)
        db.session.commit()
        return [model.id] + [c.id for c in copies]


def test_twenty_documents_issued_at_once_get_twenty_consecutive_numbers(
    app, world, login, login_as, client, submitted, authority, monkeypatch
):
    login_as("inspector")
    ids = _copies(app, _draft(client, submitted()).json["id"], 19)
    clients = []
    for _ in ids:
        other = app.test_client()
        other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        clients.append(login(world.users["inspector"].username, c=other))
    if PG_URL:  # make them meet at the sequence row in groups, past their other checks
        original, barrier = services._next_serial, threading.Barrier(5)

        def meeting(*args, **kwargs):
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(5)
            return original(*args, **kwargs)

        monkeypatch.setattr(services, "_next_serial", meeting)

    responses: list = [None] * len(ids)

    def issue(i: int) -> None:
        responses[i] = clients[i].post(f"/api/v1/documents/{ids[i]}/issue")

    threads = [threading.Thread(target=issue, args=(i,)) for i in range(len(ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert [r.status_code for r in responses] == [200] * 20, [r.json for r in responses]
    numbers = [r.json["number"] for r in responses]
    year = local_today().year
    assert sorted(numbers) == [f"{PREFIX}责改〔{year}〕第{n:04d}号" for n in range(1, 21)]
    with app.app_context():
        serials = db.session.scalars(sa.select(Document.serial).order_by(Document.serial)).all()
        assert serials == list(range(1, 21))


# ---------------------------------------------------------------- who sees what


def test_the_committee_reads_its_factorys_issued_documents_only(
    client, login_as, submitted, authority, app, world
):
    login_as("inspector")
    inspection_id = submitted()
    order = _draft(client, inspection_id).json
    record = _draft(client, inspection_id, "onsite_record").json
    client.post(f"/api/v1/documents/{order['id']}/issue")

    committee = _as(app, login_as, "committee")
    assert committee.get(f"/api/v1/documents/{order['id']}").status_code == 200
    assert committee.get(f"/api/v1/documents/{record['id']}").status_code == 404  # a draft
    listed = committee.get(f"/api/v1/inspections/{inspection_id}/documents").json
    assert [d["id"] for d in listed] == [order["id"]]
    assert committee.patch(f"/api/v1/documents/{order['id']}", json={}).status_code == 403
    assert _draft(committee, inspection_id).status_code == 403

    for outsider, status in (("inspector_b", 404), ("committee_b", 404), ("trainer", 403)):
        other = _as(app, login_as, outsider)
        assert other.get(f"/api/v1/documents/{order['id']}").status_code == status, outsider
        assert other.get(f"/documents/{order['id']}.pdf").status_code == status, outsider


def _as(app, login_as, role: str):
    """A client of its own signed in as the world's user of that role."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return login_as(role, c=client)


# ---------------------------------------------------------------- pages and the PDF


def test_the_order_pdf_shows_the_number_legal_basis_and_deadlines(
    client, login_as, submitted, authority, tmp_path
):
    login_as("inspector")
    order = _draft(client, submitted()).json
    number = client.post(f"/api/v1/documents/{order['id']}/issue").json["number"]

    response = client.get(f"/documents/{order['id']}.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = _pdftotext(response.data, tmp_path)
    assert number in text
    assert "责令限期整改指令书" in text
    assert re.sub(r"\s+", "", GUARD_01_BASIS) in text
    for hazard in order["content"]["hazards"]:
        assert hazard["deadline"] in text
    assert "50011220260001" in text
    fonts = subprocess.run(
        ["pdffonts", "-"], input=response.data, capture_output=True, check=False
    ).stdout.decode()
    assert "CJK" in fonts and " yes " in fonts  # the Chinese font is embedded


def test_the_inspector_drafts_rewords_and_issues_on_the_report_page(
    client, login_as, submitted, authority, app
):
    login_as("inspector")
    inspection_id = submitted()
    report = client.get(f"/inspections/{inspection_id}/report")
    assert 'id="documents"' in report.get_data(as_text=True)

    created = client.post(
        f"/inspections/{inspection_id}/documents", data={"type": "rectification_order"}
    )
    assert created.status_code == 302
    page_url = created.headers["Location"]
    document_id = int(page_url.rsplit("/", 1)[1])
    page = client.get(page_url).get_data(as_text=True)
    assert 'id="document-edit"' in page and "冲床皮带轮无防护罩" in page

    saved = client.post(
        page_url,
        data={"version": "1", "hazards-0-title": "二号冲床皮带轮外露", "place": "冲压车间"},
    )
    assert saved.status_code == 302
    unconfirmed = client.post(f"{page_url}/issue", data={})
    assert unconfirmed.status_code == 302
    with app.app_context():
        assert db.session.get(Document, document_id).number is None
    client.post(f"{page_url}/issue", data={"confirm": "yes"})

    page = client.get(page_url).get_data(as_text=True)
    assert "二号冲床皮带轮外露" in page
    assert 'id="document-edit"' not in page
    assert f"{PREFIX}责改〔{local_today().year}〕第0001号" in page


def test_admins_set_an_authority_on_the_page_and_with_the_cli(client, login_as, runner, app):
    login_as("admin")
    with app.app_context():
        banan = region("500113").id
    response = client.post(
        "/admin/authorities",
        data={"region_id": banan, "name": "重庆市巴南区应急管理局", "prefix": "巴南应急"},
    )
    assert response.status_code == 302
    assert "重庆市巴南区应急管理局" in client.get("/admin/authorities").get_data(as_text=True)

    result = runner.invoke(
        args=[
            "documents",
            "authority",
            "500112",
            "--name",
            "重庆市渝北区应急管理局",
            "--prefix",
            PREFIX,
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        yubei = next(a for a in services.list_authorities() if a.region.code == "500112")
        assert (yubei.name, yubei.prefix) == ("重庆市渝北区应急管理局", PREFIX)

    assert _as(app, login_as, "inspector").get("/admin/authorities").status_code == 403


def test_a_prefix_another_region_numbers_with_is_refused_on_the_field(
    client, login_as, app, authority
):
    """Two authorities with one prefix would give the same numbers: refused, nothing changed."""
    login_as("admin")
    with app.app_context():
        banan = region("500113").id
    response = client.post(
        "/admin/authorities",
        data={"region_id": banan, "name": "重庆市巴南区应急管理局", "prefix": PREFIX},
    )
    assert response.status_code == 422
    assert "already numbers with this prefix" in response.get_data(as_text=True)
    with app.app_context():
        assert [a.region.code for a in services.list_authorities()] == ["500112"]


def test_admins_record_an_inspectors_certificate_number(client, login_as, world, app):
    login_as("admin")
    user_id = world.users["inspector"].id
    form = client.get(f"/admin/users/{user_id}/edit").get_data(as_text=True)
    assert 'name="certificate_number"' in form
    with app.app_context():
        user = db.session.get(User, user_id)
        data = {
            "username": user.username,
            "display_name": user.display_name,
            "role": "inspector",
            "factory_id": "0",
            "region_ids": [str(r.id) for r in user.regions],
            "active": "y",
            "certificate_number": "50011220269999",
        }
    assert client.post(f"/admin/users/{user_id}/edit", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).certificate_number == "50011220269999"
