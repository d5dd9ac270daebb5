"""The inspection API the tablet form and scripts use: autosave, findings, photos, submission."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from photo_files import jpeg_with_gps
from PIL import Image

from inspect_app.checklists import services as checklist_services
from inspect_app.extensions import db
from inspect_app.inspections.models import Answer, Finding, Inspection
from inspect_app.photos.models import Photo


def _items(app, slug="machine-guarding"):
    with app.app_context():
        definition = checklist_services.definition_of(checklist_services.get_version(slug))
        return [item.id for item in definition.items()]


def test_inspector_starts_an_inspection_pinned_to_the_latest_version(
    world, client, login_as, checklists_loaded, app
):
    login_as("inspector")
    response = client.post(
        "/api/v1/inspections",
        json={"factory_id": world.a.id, "checklist": "score-module5", "kind": "score_visit"},
    )
    assert response.status_code == 201
    body = response.json
    assert body["checklist"] == {"slug": "score-module5", "version": 1}
    assert body["status"] == "draft" and body["inspectors"][0]["id"] == world.users["inspector"].id
    with app.app_context():
        assert db.session.get(Inspection, body["id"]).checklist_version.slug == "score-module5"


def test_inspector_cannot_start_an_inspection_outside_their_regions(
    world, client, login_as, checklists_loaded
):
    login_as("inspector")
    response = client.post(
        "/api/v1/inspections",
        json={"factory_id": world.b.id, "checklist": "score-module5", "kind": "score_visit"},
    )
    assert response.status_code == 404


def test_committee_runs_self_inspections_but_not_enforcement(
    world, client, login_as, checklists_loaded
):
    login_as("committee")
    refused = client.post(
        "/api/v1/inspections",
        json={"factory_id": world.a.id, "checklist": "workplace-inspection", "kind": "enforcement"},
    )
    assert refused.status_code == 403
    allowed = client.post(
        "/api/v1/inspections",
        json={"factory_id": world.a.id, "checklist": "machine-guarding", "kind": "self_inspection"},
    )
    assert allowed.status_code == 201


def test_answer_put_is_idempotent(world, client, login_as, make_inspection, app):
    inspection_id = make_inspection()
    item = _items(app)[0]
    login_as("inspector")
    for _ in range(3):
        response = client.put(
            f"/api/v1/inspections/{inspection_id}/answers/{item}",
            json={"value": "yes", "note": "guard missing"},
        )
        assert response.status_code == 200
    with app.app_context():
        rows = db.session.scalars(sa.select(Answer).where(Answer.inspection_id == inspection_id))
        assert [(a.item_id, a.value, a.note) for a in rows] == [(item, "yes", "guard missing")]
    assert response.json["scores"]["overall"]["needs_action"] == 1


def test_invalid_answer_says_why_and_keeps_the_old_one(
    world, client, login_as, make_inspection, app
):
    inspection_id = make_inspection()
    item = _items(app)[0]
    login_as("inspector")
    client.put(f"/api/v1/inspections/{inspection_id}/answers/{item}", json={"value": "no"})
    response = client.put(
        f"/api/v1/inspections/{inspection_id}/answers/{item}", json={"value": "maybe"}
    )
    assert response.status_code == 422
    assert "value" in response.json["error"]["fields"]
    unknown = client.put(
        f"/api/v1/inspections/{inspection_id}/answers/no-such-item", json={"value": "no"}
    )
    assert unknown.status_code == 404
    body = client.get(f"/api/v1/inspections/{inspection_id}").json
    assert body["answers"][item]["value"] == "no"


def test_a_late_offline_retry_does_not_overwrite_a_newer_answer(
    world, client, login_as, make_inspection, app
):
    inspection_id = make_inspection()
    item = _items(app)[0]
    login_as("inspector")
    url = f"/api/v1/inspections/{inspection_id}/answers/{item}"
    client.put(url, json={"value": "priority", "answered_at": "2026-01-01T10:05:00Z"})
    client.put(url, json={"value": "no", "answered_at": "2026-01-01T10:00:00Z"})
    assert client.get(f"/api/v1/inspections/{inspection_id}").json["answers"][item]["value"] == (
        "priority"
    )


def test_findings_replayed_with_the_same_key_are_stored_once(
    world, client, login_as, make_inspection, app
):
    inspection_id = make_inspection()
    item = _items(app)[0]
    login_as("inspector")
    body = {
        "client_id": "c-123",
        "item_id": item,
        "title": "锯片无防护罩",
        "likelihood": 4,
        "severity": 5,
        "grade": "major",
        "source": "unsafe_condition",
    }
    first = client.post(f"/api/v1/inspections/{inspection_id}/findings", json=body)
    again = client.post(f"/api/v1/inspections/{inspection_id}/findings", json=body)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json["id"] == again.json["id"]
    assert first.json["risk_score"] == 20 and first.json["risk_level"] == "critical"
    assert first.json["area"] == "machine_safety"
    different = client.post(
        f"/api/v1/inspections/{inspection_id}/findings", json={**body, "title": "另一个"}
    )
    assert different.status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Finding.id))) == 1


def test_stale_finding_edit_gets_409_with_the_current_version(
    world, client, login_as, make_inspection, app
):
    inspection_id = make_inspection()
    login_as("inspector")
    created = client.post(
        f"/api/v1/inspections/{inspection_id}/findings", json={"title": "地面油污"}
    ).json
    first = client.patch(
        f"/api/v1/findings/{created['id']}",
        json={"version": created["version"], "location": "二车间"},
    )
    assert first.status_code == 200
    stale = client.patch(
        f"/api/v1/findings/{created['id']}",
        json={"version": created["version"], "location": "三车间"},
    )
    assert stale.status_code == 409
    assert stale.json["error"]["current"]["location"] == "二车间"
    with app.app_context():
        assert db.session.get(Finding, created["id"]).location == "二车间"


@pytest.mark.parametrize("storage_backend", ["local", "s3"])
def test_photo_upload_strips_gps_and_is_served_to_the_right_people(
    world, app, client, login_as, login, make_inspection
):
    inspection_id = make_inspection()
    login_as("inspector")
    finding = client.post(
        f"/api/v1/inspections/{inspection_id}/findings", json={"title": "无防护"}
    ).json
    upload = client.post(
        f"/api/v1/findings/{finding['id']}/photos",
        data={
            "photo": (io.BytesIO(jpeg_with_gps(orientation=6)), "IMG_0001.JPG"),
            "client_id": "p-1",
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.json
    photo = upload.json
    assert (photo["width"], photo["height"]) == (480, 640)  # orientation 6 applied
    served = client.get(photo["url"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(served.data))
    assert not image.getexif() and b"GPS" not in served.data
    replay = client.post(
        f"/api/v1/findings/{finding['id']}/photos",
        data={
            "photo": (io.BytesIO(jpeg_with_gps(orientation=6)), "IMG_0001.JPG"),
            "client_id": "p-1",
        },
        content_type="multipart/form-data",
    )
    assert replay.status_code == 200 and replay.json["id"] == photo["id"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 1
    other = login(world.users["committee_b"].username, c=app.test_client())
    assert other.get(photo["url"]).status_code == 404
    assert other.get(photo["thumb_url"]).status_code == 404


def test_non_images_are_refused_with_a_clear_error(world, client, login_as, make_inspection):
    inspection_id = make_inspection()
    login_as("inspector")
    finding = client.post(f"/api/v1/inspections/{inspection_id}/findings", json={"title": "x"}).json
    response = client.post(
        f"/api/v1/findings/{finding['id']}/photos",
        data={"photo": (io.BytesIO(b"%PDF-1.4 not a photo"), "evil.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 415
    assert response.json["error"]["code"] == "photo_not_an_image"


def test_submission_needs_every_applicable_answer_then_locks(
    world, client, login_as, make_inspection, app
):
    inspection_id = make_inspection()
    items = _items(app)
    login_as("inspector")
    refused = client.post(f"/api/v1/inspections/{inspection_id}/submit")
    assert refused.status_code == 422
    assert set(refused.json["error"]["fields"]) == set(items)
    for item in items:
        client.put(f"/api/v1/inspections/{inspection_id}/answers/{item}", json={"value": "no"})
    submitted = client.post(f"/api/v1/inspections/{inspection_id}/submit")
    assert submitted.status_code == 200 and submitted.json["status"] == "submitted"
    assert submitted.json["scores"]["overall"]["percent"] == 100.0
    locked = client.put(
        f"/api/v1/inspections/{inspection_id}/answers/{items[0]}", json={"value": "yes"}
    )
    assert locked.status_code == 409
    assert locked.json["error"]["code"] == "inspection_submitted"
    assert (
        client.post(
            f"/api/v1/inspections/{inspection_id}/findings", json={"title": "late"}
        ).status_code
        == 409
    )


def test_an_answer_calling_for_action_needs_a_photo_before_submission(
    world, client, login_as, make_inspection, app
):
    inspection_id = make_inspection()
    items = _items(app)
    login_as("inspector")
    for item in items:
        client.put(f"/api/v1/inspections/{inspection_id}/answers/{item}", json={"value": "no"})
    client.put(f"/api/v1/inspections/{inspection_id}/answers/{items[0]}", json={"value": "yes"})
    refused = client.post(f"/api/v1/inspections/{inspection_id}/submit")
    assert refused.status_code == 422
    assert "photo" in refused.json["error"]["fields"][items[0]]
    finding = client.post(
        f"/api/v1/inspections/{inspection_id}/findings",
        json={"title": "缺防护", "item_id": items[0]},
    ).json
    client.post(
        f"/api/v1/findings/{finding['id']}/photos",
        data={"photo": (io.BytesIO(jpeg_with_gps()), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert client.post(f"/api/v1/inspections/{inspection_id}/submit").status_code == 200


def test_committee_sees_submitted_inspections_only(
    world, app, client, login_as, login, make_inspection
):
    draft = make_inspection(kind="score_visit")
    login_as("committee")
    assert client.get(f"/api/v1/inspections/{draft}").status_code == 404
    with app.app_context():
        inspection = db.session.get(Inspection, draft)
        inspection.status = "submitted"
        db.session.commit()
    assert client.get(f"/api/v1/inspections/{draft}").status_code == 200
    other = login(world.users["committee_b"].username, c=app.test_client())
    assert other.get(f"/api/v1/inspections/{draft}").status_code == 404


def test_re_inspection_shows_the_previous_answer(world, client, login_as, make_inspection, app):
    from inspect_app.inspections import services

    first = make_inspection()
    items = _items(app)
    login_as("inspector")
    for item in items:
        client.put(f"/api/v1/inspections/{first}/answers/{item}", json={"value": "no"})
    client.put(f"/api/v1/inspections/{first}/answers/{items[1]}", json={"value": "priority"})
    finding = client.post(
        f"/api/v1/inspections/{first}/findings", json={"title": "急停按钮失效", "item_id": items[1]}
    ).json
    client.post(
        f"/api/v1/findings/{finding['id']}/photos",
        data={"photo": (io.BytesIO(jpeg_with_gps()), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert client.post(f"/api/v1/inspections/{first}/submit").status_code == 200
    second = make_inspection()
    with app.app_context():
        inspection = db.session.get(Inspection, second)
        previous = services.previous_answers(inspection)
        assert previous[items[1]]["value"] == "priority"
        assert [f.title for f in services.open_findings_by_item(inspection)[items[1]]] == [
            "急停按钮失效"
        ]
    page = client.get(f"/inspections/{second}")
    assert page.status_code == 200


def test_every_person_named_on_an_inspection_is_in_its_scope_on_start_and_on_edit(
    world, client, login_as, make_inspection, app
):
    """An inspector of another region cannot be named second inspector, nor another factory's
    committee member as present — neither when starting nor when editing the header later."""
    inspector_b = world.users["inspector_b"].id  # Guangdong; the factory is in Chongqing
    committee_b = world.users["committee_b"].id  # factory B's committee
    login_as("inspector")
    started = client.post(
        "/api/v1/inspections",
        json={
            "factory_id": world.a.id,
            "checklist": "machine-guarding",
            "kind": "enforcement",
            "inspector_ids": [inspector_b],
        },
    )
    assert started.status_code == 422 and "inspector_ids" in started.json["error"]["fields"]
    inspection_id = make_inspection(kind="enforcement")
    for body, field in (
        ({"inspector_ids": [world.users["inspector"].id, inspector_b]}, "inspector_ids"),
        ({"committee_member_ids": [committee_b]}, "committee_member_ids"),
    ):
        response = client.patch(f"/api/v1/inspections/{inspection_id}", json=body)
        assert response.status_code == 422, body
        assert field in response.json["error"]["fields"]
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        assert [u.id for u in inspection.inspectors] == [world.users["inspector"].id]
        assert inspection.committee_members == []
    # People in scope are accepted.
    ok = client.patch(
        f"/api/v1/inspections/{inspection_id}",
        json={"committee_member_ids": [world.users["committee"].id]},
    )
    assert ok.status_code == 200
    assert [p["id"] for p in ok.json["committee_members"]] == [world.users["committee"].id]


def test_a_photo_key_used_by_someone_else_behaves_as_unknown(world, app, login_as, make_inspection):
    """Another user's idempotency key answers as a new one — a 201, not a 409 telling that a
    photo exists under it — and the first photo is untouched."""
    from inspect_app.accounts.models import User
    from inspect_app.photos import services as photo_services

    inspection_b = make_inspection(factory=world.b, by="inspector_b", kind="score_visit")
    with app.app_context():
        inspector_b = db.session.get(User, world.users["inspector_b"].id)
        inspection = db.session.get(Inspection, inspection_b)
        from inspect_app.inspections import services as inspection_services

        finding_b, _ = inspection_services.add_finding(inspection, by=inspector_b, title="东莞")
        theirs, _ = photo_services.add_photo(
            io.BytesIO(jpeg_with_gps()),
            factory_id=world.b.id,
            by_id=inspector_b.id,
            finding_id=finding_b.id,
            client_id="their-device-key",
        )
        db.session.commit()
        theirs_id, finding_b_id = theirs.id, finding_b.id
    client = app.test_client()
    login_as("inspector", c=client)
    mine = client.post(
        f"/api/v1/inspections/{make_inspection()}/findings", json={"title": "无防护"}
    ).json
    answer = client.post(
        f"/api/v1/findings/{mine['id']}/photos",
        data={
            "photo": (io.BytesIO(jpeg_with_gps(orientation=3)), "a.jpg"),
            "client_id": "their-device-key",
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201, answer.json
    assert answer.json["id"] != theirs_id
    with app.app_context():
        first = db.session.get(Photo, theirs_id)
        assert (first.client_id, first.finding_id) == ("their-device-key", finding_b_id)
