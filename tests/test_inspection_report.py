"""The inspection report: the page, its PDF, submission from it, and where inspections show up."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from photo_files import jpeg_with_gps

from inspect_app.accounts.models import User
from inspect_app.extensions import db
from inspect_app.inspections import services as inspection_services
from inspect_app.inspections.models import Inspection, InspectionStatus
from inspect_app.photos import services as photo_services

# Machine-guarding: guards (6 items), controls (3), practices (4), all "Do you propose action?"
ANSWERS = {
    "guard-01": "priority",
    "guard-02": "yes",
    "guard-03": "no",
    "guard-04": "no",
    "guard-05": "no",
    "guard-06": "no",
    "ctrl-01": "no",
    "ctrl-02": "no",
    "ctrl-03": "no",
    "prac-01": "no",
    "prac-02": "no",
    "prac-03": "yes",
    "prac-04": "no",
}
GUARD_01_ZH = "为所有外露的皮带轮、链轮、齿轮、联轴器和转轴加装固定式防护罩"
GUARD_01_EN = "Fit fixed guards over all exposed pulleys"


def _pdftotext(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: run `make system-deps`")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return re.sub(r"\s+", "", out)  # lines wrap anywhere in Chinese: compare without spaces


@pytest.fixture
def answered(app, world, make_inspection):
    """A self-inspection of factory A with every item answered, two findings and three photos.
    Returns a factory of (inspection id, photo ids); submit=True submits it."""

    def build(*, submit: bool = False, answers: dict | None = None):
        inspection_id = make_inspection(checklist="machine-guarding", kind="self_inspection")
        with app.app_context():
            inspector = db.session.get(User, world.users["inspector"].id)
            inspection = db.session.get(Inspection, inspection_id)
            for item_id, value in (ANSWERS if answers is None else answers).items():
                note = "皮带轮无罩" if item_id == "guard-01" else ""
                inspection_services.set_answer(
                    inspection, item_id=item_id, value=value, note=note, by=inspector
                )
            inspection_services.update_inspection(
                inspection, good_points="通道畅通，标识清楚。\nAisles kept clear."
            )
            critical, _ = inspection_services.add_finding(
                inspection,
                by=inspector,
                item_id="guard-01",
                title="冲床皮带轮无防护罩",
                description="二号冲床的皮带轮外露，距地面1.2米。",
                location="冲压车间",
                source="unsafe_condition",
                grade="major",
                likelihood=4,
                severity=5,
            )
            medium, _ = inspection_services.add_finding(
                inspection,
                by=inspector,
                item_id="guard-02",
                title="联锁被短接",
                location="装配线",
                source="unsafe_act",
                likelihood=3,
                severity=3,
                fixed_on_spot=True,
            )
            photos = []
            for finding, count in ((critical, 2), (medium, 1)):
                for n in range(count):
                    photo, _ = photo_services.add_photo(
                        io.BytesIO(jpeg_with_gps(size=(640 + 16 * len(photos), 480 - 8 * n))),
                        factory_id=world.a.id,
                        by_id=inspector.id,
                        finding_id=finding.id,
                    )
                    photos.append(photo.id)
            if submit:
                inspection_services.submit(inspection, by=inspector)
            db.session.commit()
        return inspection_id, photos

    return build


def test_report_shows_scores_computed_from_the_answers(client, login_as, answered):
    inspection_id, _ = answered()
    login_as("inspector")
    page = client.get(f"/inspections/{inspection_id}/report").get_data(as_text=True)

    def score(key):
        match = re.search(rf'data-score="{key}">([^<]*)<', page)
        assert match, key
        return match.group(1)

    # 10 of 13 items need no action; guards 4 of 6; controls 3 of 3; practices 3 of 4.
    assert score("overall") == "76.9%"
    assert score("section-guards") == "66.7%"
    assert score("section-controls") == "100%"
    assert score("section-practices") == "75%"
    # Per hazard area: management = prac-02 (no) and prac-03 (yes).
    assert score("area-machine_safety") == "76.9%"
    assert score("area-management") == "50%"
    assert score("area-electrical") == "100%"
    assert "Yubei Rubber Works" in page and "Machine guarding self-inspection" in page
    assert "Aisles kept clear." in page and "皮带轮无罩" in page


def test_report_shows_findings_with_risk_in_both_languages(client, login_as, answered):
    inspection_id, _ = answered()
    login_as("inspector")
    english = client.get(f"/inspections/{inspection_id}/report").get_data(as_text=True)
    assert "冲床皮带轮无防护罩" in english and "联锁被短接" in english
    assert 'class="risk risk-critical"' in english and "Critical" in english
    assert 'class="risk risk-medium"' in english and "Medium" in english
    assert "Major" in english and "Unsafe act" in english and "Fixed on the spot" in english
    # The highest risk comes first.
    assert english.index("冲床皮带轮无防护罩") < english.index("联锁被短接")

    client.post("/language", data={"locale": "zh_CN", "next": "/"})
    chinese = client.get(f"/inspections/{inspection_id}/report").get_data(as_text=True)
    for words in ("重大风险", "一般风险", "重大隐患", "物的不安全状态", "人的不安全行为"):
        assert words in chinese, words
    assert "渝北橡胶厂" in chinese and "检查报告" in chinese


def test_report_shows_thumbnails_of_the_inspections_photos(client, login_as, answered, world):
    inspection_id, photo_ids = answered()
    other_id, other_photos = answered()
    login_as("inspector")
    page = client.get(f"/inspections/{inspection_id}/report").get_data(as_text=True)
    thumbs = re.findall(r'<img src="(/photos/\d+/thumb)"', page)
    assert thumbs == [f"/photos/{pid}/thumb" for pid in photo_ids]
    for pid in photo_ids:
        assert f'href="/photos/{pid}/web"' in page
    assert not any(f"/photos/{pid}/" in page for pid in other_photos)
    assert client.get(thumbs[0]).mimetype == "image/jpeg"


def test_committee_of_another_factory_gets_404_for_report_and_pdf(app, login, world, answered):
    inspection_id, _ = answered(submit=True)
    own = app.test_client()
    login(world.users["committee"].username, c=own)
    assert own.get(f"/inspections/{inspection_id}/report").status_code == 200
    other = app.test_client()
    login(world.users["committee_b"].username, c=other)
    assert other.get(f"/inspections/{inspection_id}/report").status_code == 404
    assert other.get(f"/inspections/{inspection_id}/report.pdf").status_code == 404


def test_committee_does_not_see_a_draft_visit_report(client, login_as, make_inspection):
    inspection_id = make_inspection(checklist="score-module5", kind="score_visit")
    login_as("committee")
    assert client.get(f"/inspections/{inspection_id}/report").status_code == 404
    assert client.get(f"/inspections/{inspection_id}/report.pdf").status_code == 404


def test_pdf_has_real_chinese_text_the_score_and_photos(client, login_as, answered, tmp_path):
    inspection_id, _ = answered(submit=True)
    login_as("inspector")
    response = client.get(f"/inspections/{inspection_id}/report.pdf?lang=zh_CN")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert f'filename="inspection-{inspection_id}-' in disposition
    assert "检查报告-渝北橡胶厂-" in unquote(disposition)
    assert response.data.count(b"/Subtype /Image") >= 3 or b"/Image" in response.data
    text = _pdftotext(response.data, tmp_path)
    assert "渝北橡胶厂" in text
    assert GUARD_01_ZH in text
    assert "76.9%" in text
    assert "重大风险" in text and "冲床皮带轮无防护罩" in text


def test_pdf_in_english_on_request(client, login_as, answered, tmp_path):
    inspection_id, _ = answered(submit=True)
    login_as("inspector")
    client.post("/language", data={"locale": "zh_CN", "next": "/"})
    response = client.get(f"/inspections/{inspection_id}/report.pdf?lang=en")
    assert response.status_code == 200
    assert "Inspection-report-Yubei-Rubber-Works-" in unquote(
        response.headers["Content-Disposition"]
    )
    text = _pdftotext(response.data, tmp_path)
    assert "Inspectionreport" in text and "YubeiRubberWorks" in text
    assert GUARD_01_EN.replace(" ", "") in text
    assert "Critical" in text and "76.9%" in text


@pytest.mark.parametrize("storage_backend", ["local", "s3"])
def test_pdf_embeds_photos_without_fetching_over_http(client, login_as, answered, monkeypatch):
    """The thumbnails come from storage as data: URLs; the PDF's fetcher refuses anything else."""
    from inspect_app import pdf

    fetched = []
    original = pdf.LocalStaticFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url[:20])
        return original(self, url, headers)

    monkeypatch.setattr(pdf.LocalStaticFetcher, "fetch", spy)
    inspection_id, _ = answered()
    login_as("inspector")
    assert client.get(f"/inspections/{inspection_id}/report.pdf").status_code == 200
    assert sum(url.startswith("data:image/jpeg") for url in fetched) == 3
    assert all(url.startswith(("data:", "http://localhost/sta")) for url in fetched)


def test_draft_report_lists_problems_linking_to_the_form(client, login_as, make_inspection, app):
    inspection_id = make_inspection(checklist="machine-guarding")
    login_as("inspector")
    client.put(f"/api/v1/inspections/{inspection_id}/answers/guard-01", json={"value": "yes"})
    page = client.get(f"/inspections/{inspection_id}/report").get_data(as_text=True)
    assert "Ready to submit?" in page
    assert "13 things still need attention" in page
    assert f'href="/inspections/{inspection_id}#item-guard-01"' in page
    assert "Needs a photo" in page and "Not answered yet." in page
    assert f'href="/inspections/{inspection_id}#item-prac-04"' in page
    assert "/submit" not in page


def test_submitting_from_the_report_locks_the_inspection(client, login_as, answered, app):
    answers = {**ANSWERS, "guard-01": "no", "guard-02": "no"}
    inspection_id, _ = answered(answers=answers)
    login_as("inspector")
    page = client.get(f"/inspections/{inspection_id}/report").get_data(as_text=True)
    assert "Every applicable item is answered" in page
    assert f'action="/inspections/{inspection_id}/submit"' in page

    response = client.post(f"/inspections/{inspection_id}/submit")
    assert response.status_code == 302
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        assert inspection.status is InspectionStatus.SUBMITTED
        assert inspection.scores["overall"]["percent"] == pytest.approx(92.3)  # 12 of 13
    refused = client.put(
        f"/api/v1/inspections/{inspection_id}/answers/guard-03", json={"value": "yes"}
    )
    assert refused.status_code == 409

    after = client.get(f"/inspections/{inspection_id}/report").get_data(as_text=True)
    assert "Submitted — read-only" in after
    assert "/submit" not in after and "Ready to submit?" not in after


def test_submit_with_problems_keeps_the_draft(client, login_as, make_inspection, app):
    inspection_id = make_inspection(checklist="machine-guarding")
    login_as("inspector")
    response = client.post(f"/inspections/{inspection_id}/submit", follow_redirects=True)
    assert "Not ready to submit" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Inspection, inspection_id).is_draft


def test_factory_page_lists_its_inspections(client, login_as, answered, make_inspection, world):
    submitted_id, _ = answered(submit=True)
    draft_id = make_inspection(checklist="score-module5", kind="score_visit")
    make_inspection(checklist="score-module5", kind="score_visit", factory=world.b, by="admin")
    login_as("inspector")
    page = client.get(f"/factories/{world.a.id}").get_data(as_text=True)
    assert f'href="/inspections/{submitted_id}"' in page
    assert f'href="/inspections/{draft_id}"' in page
    assert "Machine guarding self-inspection" in page and "Submitted" in page and "Draft" in page
    assert "76.9%" in page
    assert f'href="/inspections/new?factory={world.a.id}"' in page
    assert f'href="/inspections?factory={world.a.id}"' in page


def test_committee_sees_submitted_inspections_on_its_factory_page(
    app, login, answered, make_inspection, world
):
    submitted_id, _ = answered(submit=True)
    draft_id = make_inspection(checklist="score-module5", kind="score_visit")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(world.users["committee"].username, c=client)
    page = client.get(f"/factories/{world.a.id}").get_data(as_text=True)
    assert f'href="/inspections/{submitted_id}"' in page
    assert f'href="/inspections/{draft_id}"' not in page
    assert "Start an inspection" in page  # their own self-inspections


def test_inspector_home_shows_their_drafts(client, login_as, make_inspection, world, app):
    mine = make_inspection(checklist="machine-guarding")
    not_mine = make_inspection(checklist="machine-guarding", by="admin")
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(Inspection.id)))
        assert count == 2
    login_as("inspector")
    client.put(f"/api/v1/inspections/{mine}/answers/guard-01", json={"value": "no"})
    page = client.get("/").get_data(as_text=True)
    assert "Drafts in progress" in page
    assert f'href="/inspections/{mine}"' in page
    assert f'href="/inspections/{not_mine}"' not in page
    assert "1 of 13 answered" in page


def test_report_gives_the_submission_time_where_the_factory_is(
    app, client, login_as, answered, tmp_path
):
    """Stored in UTC, shown in the factories' time zone with its offset: a visit submitted at
    18:30 UTC was submitted at 02:30 the next morning in Chongqing, on the page and in the PDF."""
    from datetime import datetime

    inspection_id, _ = answered(submit=True)
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        inspection.submitted_at = datetime(2026, 11, 24, 18, 30)  # 02:30 the next day there
        db.session.commit()
    login_as("inspector")
    page = client.get(f"/inspections/{inspection_id}/report").get_data(as_text=True)
    assert "2026-11-25 02:30 UTC+08:00" in page
    assert "18:30" not in page
    pdf = client.get(f"/inspections/{inspection_id}/report.pdf?lang=en").data
    assert "2026-11-2502:30UTC+08:00" in _pdftotext(pdf, tmp_path)  # (whitespace removed)


def test_inspector_discards_a_draft_started_by_mistake(app, client, login_as, answered):
    """Everything of the draft goes: answers, findings, photo rows and their files."""
    from inspect_app.inspections.models import Answer, Finding
    from inspect_app.photos.models import Photo

    inspection_id, photo_ids = answered()
    with app.app_context():
        files = [
            photo_services.storage().path(key)
            for photo in db.session.scalars(sa.select(Photo).where(Photo.id.in_(photo_ids)))
            for key in (photo.web_key, photo.thumb_key)
        ]
    assert files and all(path.exists() for path in files)
    login_as("inspector")
    page = client.get(f"/inspections/{inspection_id}/report").get_data(as_text=True)
    assert f'action="/inspections/{inspection_id}/discard"' in page
    response = client.post(f"/inspections/{inspection_id}/discard")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "The draft was discarded." in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Inspection, inspection_id) is None
        for model in (Answer, Finding):
            assert not db.session.scalars(
                sa.select(model).where(model.inspection_id == inspection_id)
            ).all()
        assert not db.session.scalars(sa.select(Photo).where(Photo.id.in_(photo_ids))).all()
    assert not any(path.exists() for path in files)
    # Its page says it was discarded (410), and its id is never given to another inspection.
    assert client.get(f"/inspections/{inspection_id}").status_code == 410


def test_a_submitted_inspection_or_a_draft_with_actions_cannot_be_discarded(
    app, client, login_as, answered, world
):
    from inspect_app.actions import services as action_services
    from inspect_app.actions.models import ActionStatus
    from inspect_app.inspections.models import Finding

    submitted_id, _ = answered(submit=True)
    draft_id, _ = answered()
    with app.app_context():
        finding = db.session.scalars(
            sa.select(Finding).where(Finding.inspection_id == draft_id)
        ).first()
        inspector = db.session.get(User, world.users["inspector"].id)
        action = action_services.create_from_finding(finding, by=inspector)
        db.session.commit()
        action_id = action.id
    login_as("inspector")
    assert "discard" not in client.get(f"/inspections/{submitted_id}/report").get_data(as_text=True)
    submitted = client.post(f"/inspections/{submitted_id}/discard")
    assert submitted.status_code == 409  # read-only, as for any other change
    refused = client.post(f"/inspections/{draft_id}/discard", follow_redirects=True)
    assert "can no longer be discarded" in refused.get_data(as_text=True)
    # Voiding the action does not make the draft disposable: the action still names its finding.
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        action = action_services.get_action_or_404(action_id, inspector)
        action_services.move(action, to=ActionStatus.VOID, by=inspector, note="Wrong factory")
        assert action.status is ActionStatus.VOID
        db.session.commit()
    again = client.post(f"/inspections/{draft_id}/discard", follow_redirects=True)
    assert "can no longer be discarded" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Inspection, submitted_id) is not None
        assert db.session.get(Inspection, draft_id) is not None
