"""Working without network (issue 12): the app's manifest, the offline kit a device keeps for
its user (scoped like every page), the "Available offline" page, and the service worker that
keeps the kit's pages."""

from __future__ import annotations

from inspect_app.extensions import db, utcnow
from inspect_app.inspections.models import Inspection, InspectionStatus


def test_the_app_can_be_installed_from_its_manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert "安全检查" in manifest["name"]
    sizes = {icon["sizes"]: icon["src"] for icon in manifest["icons"]}
    for size in ("192x192", "512x512"):
        icon = client.get(sizes[size])
        assert icon.status_code == 200 and icon.mimetype == "image/png", size
        icon.close()


def test_every_signed_in_page_names_the_manifest_and_the_device_script(client, login_as):
    login_as("inspector")
    html = client.get("/").get_data(as_text=True)
    assert 'rel="manifest"' in html and "/manifest.webmanifest" in html
    assert 'name="device-data"' in html and "js/device.js" in html
    assert 'id="device-work"' in html  # the home page lists this device's drafts and unsent work
    signed_out = client.post("/logout", follow_redirects=True).get_data(as_text=True)
    assert 'rel="manifest"' in signed_out and 'name="device-data"' not in signed_out


def test_the_kit_holds_the_inspectors_factories_drafts_checklists_and_reports(
    app, client, login_as, world, make_inspection
):
    draft = make_inspection()
    submitted = make_inspection()
    with app.app_context():
        inspection = db.session.get(Inspection, submitted)
        inspection.status, inspection.submitted_at = InspectionStatus.SUBMITTED, utcnow()
        db.session.commit()
    login_as("inspector")
    response = client.get("/offline/kit.json")
    assert response.headers["Cache-Control"] == "no-store"
    kit = response.get_json()
    pages = kit["pages"]
    a, b = world.a.id, world.b.id
    for url in (
        "/",
        "/offline",
        "/factories",
        f"/factories/{a}",
        f"/inspections/new?factory={a}",
        "/checklists/machine-guarding",
        "/inspections/start/machine-guarding/1",
        f"/inspections/{draft}",
        f"/inspections/{submitted}/report",
    ):
        assert url in pages, url
    assert f"/factories/{b}" not in pages, "another region's factory is not kept"
    assert f"/inspections/{submitted}" not in pages, "a submitted inspection is no draft"
    assert any("inspection-form.js?v=" in url for url in kit["assets"])
    # Every page of the kit opens for this user (the service worker keeps only what opens).
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        page.close()


def test_a_committee_keeps_its_own_factory_only_and_a_trainer_little(client, login_as, world):
    login_as("committee")
    pages = client.get("/offline/kit.json").get_json()["pages"]
    assert f"/factories/{world.a.id}" in pages and "/factories" not in pages
    assert not any(f"/factories/{world.b.id}" in url for url in pages)
    client.post("/logout")
    login_as("trainer")
    assert client.get("/offline/kit.json").get_json()["pages"] == ["/", "/offline"]


def test_a_checklists_blank_form_is_the_tablet_form_with_no_inspection_behind_it(
    client, login_as, checklists_loaded
):
    """What an inspection started with no network opens (offline-draft.js fills it in)."""
    import json
    import re

    login_as("inspector")
    html = client.get("/inspections/start/machine-guarding/1").get_data(as_text=True)
    form_data = json.loads(re.search(r'id="form-data">(.*?)</script>', html, re.S).group(1))
    blank = json.loads(re.search(r'id="blank-data">(.*?)</script>', html, re.S).group(1))
    assert form_data["inspection"] == 0 and form_data["findings"] == []
    assert form_data["urls"]["answers"] == "/api/v1/inspections/0/answers/"
    assert blank["create"] == "/api/v1/inspections" and blank["t"]["waiting"]
    assert html.index("offline-queue.js") < html.index("offline-draft.js")
    assert html.index("offline-draft.js") < html.index("inspection-form.js")
    assert 'id="item-guard-01"' in html and 'id="item-prac-04"' in html
    assert client.get("/inspections/start/machine-guarding/99").status_code == 404
    assert client.get("/inspections/start/no-such-list/1").status_code == 404
    client.post("/logout")
    login_as("trainer")
    assert client.get("/inspections/start/machine-guarding/1").status_code == 403


def test_a_factorys_start_form_carries_what_starting_offline_needs(
    client, login_as, world, checklists_loaded
):
    import json
    import re

    login_as("inspector")
    client.post("/language", data={"locale": "zh_CN"})
    html = client.get(f"/inspections/new?factory={world.a.id}").get_data(as_text=True)
    data = json.loads(re.search(r'id="offline-start">(.*?)</script>', html, re.S).group(1))
    assert data["factory"] == {"id": world.a.id, "name": "渝北橡胶厂"}
    guarding = data["checklists"]["machine-guarding"]
    assert guarding["version"] == 1 and guarding["form"] == "/inspections/start/machine-guarding/1"
    assert isinstance(guarding["left_out"], list)
    assert set(data["kinds"]) == {"enforcement", "score_visit", "self_inspection"}
    assert "js/offline-start.js" in html
    # Without a factory there is nothing to start offline from.
    assert 'id="offline-start"' not in client.get("/inspections/new").get_data(as_text=True)


def test_a_submitted_inspections_report_says_so_to_the_service_worker(
    app, client, login_as, make_inspection
):
    inspection_id = make_inspection()
    login_as("inspector")
    marker = f'<meta name="inspection-submitted" content="{inspection_id}">'
    assert marker not in client.get(f"/inspections/{inspection_id}/report").get_data(as_text=True)
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        inspection.status, inspection.submitted_at = InspectionStatus.SUBMITTED, utcnow()
        db.session.commit()
    assert marker in client.get(f"/inspections/{inspection_id}/report").get_data(as_text=True)
    script = client.get("/sw.js").get_data(as_text=True)
    assert 'name="inspection-submitted"' in script and "X-Kept-Submitted" in script


def test_the_kit_and_the_offline_page_need_a_sign_in(client):
    for url in ("/offline/kit.json", "/offline"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_available_offline_page_is_in_chinese(client, login_as):
    login_as("inspector")
    client.post("/language", data={"locale": "zh_CN"})
    html = client.get("/offline").get_data(as_text=True)
    assert "离线可用" in html and "立即更新" in html and 'id="kit-pages"' in html


def test_the_service_worker_keeps_the_kits_pages_and_answers_for_the_others(client):
    script = client.get("/sw.js").get_data(as_text=True)
    assert "/offline/kit-meta" in script and '"refresh"' in script
    assert "离线 · Offline" in script  # the page that replaces the browser's error page


# ---------------------------------------------------------------- importing unsent work


def _export(inspection_id: int, photo: bytes) -> dict:
    """What "Export unsent work" writes for a visit made without network (device-work.js)."""
    import base64

    finding = "6f1c1d2e-0000-4000-8000-00000000f001"
    return {
        "format": "inspect-unsent-work",
        "version": 1,
        "exported_at": "2026-12-07T06:00:00.000Z",
        "user": 1,
        "entries": [
            {
                "seq": 1,
                "insp": inspection_id,
                "type": "answer",
                "item": "guard-01",
                "payload": {
                    "value": "yes",
                    "note": "Belt guard missing",
                    "answered_at": "2026-12-07T05:50:00.000Z",
                },
            },
            {
                "seq": 2,
                "insp": inspection_id,
                "type": "good",
                "payload": {"good_points": "Aisles clear."},
            },
            {
                "seq": 3,
                "insp": inspection_id,
                "type": "fcreate",
                "ref": finding,
                "payload": {
                    "client_id": finding,
                    "item_id": "guard-01",
                    "title": "Open belt drive",
                    "grade": "general",
                    "likelihood": 3,
                    "severity": 4,
                },
            },
            {
                "seq": 4,
                "insp": inspection_id,
                "type": "photo",
                "ref": finding,
                "cid": "6f1c1d2e-0000-4000-8000-00000000p001",
                "kind": "before",
                "blob": {"type": "image/jpeg", "data": base64.b64encode(photo).decode()},
            },
            {
                "seq": 5,
                "insp": inspection_id,
                "type": "fupdate",
                "ref": finding,
                "payload": {"location": "Press shop"},
                "version": None,
            },
        ],
    }


def _held(app, inspection_id: int) -> dict:
    """What the server holds of the inspection, to compare before and after."""
    import sqlalchemy as sa

    from inspect_app.inspections.models import Answer, Finding
    from inspect_app.photos.models import Photo

    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        findings = db.session.scalars(
            sa.select(Finding).where(Finding.inspection_id == inspection_id)
        ).all()
        return {
            "answers": {
                a.item_id: (a.value, a.note)
                for a in db.session.scalars(
                    sa.select(Answer).where(Answer.inspection_id == inspection_id)
                )
            },
            "good": inspection.good_points,
            "findings": [(f.title, f.location, f.risk_score, f.version) for f in findings],
            "photos": db.session.scalar(
                sa.select(sa.func.count(Photo.id)).where(
                    Photo.finding_id.in_([f.id for f in findings])
                )
            ),
        }


def _import(client, document: dict):
    import io
    import json

    data = {"file": (io.BytesIO(json.dumps(document).encode()), "unsent-work.json")}
    return client.post("/offline/import", data=data, content_type="multipart/form-data")


def test_an_exported_visit_imported_twice_is_on_the_server_once(
    app, client, login_as, make_inspection
):
    from photo_files import jpeg_with_gps

    inspection_id = make_inspection()
    document = _export(inspection_id, jpeg_with_gps())
    login_as("inspector")
    first = _import(client, document)
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert html.count('data-outcome="applied"') == 5, html
    held = _held(app, inspection_id)
    assert held == {
        "answers": {"guard-01": ("yes", "Belt guard missing")},
        "good": "Aisles clear.",
        "findings": [("Open belt drive", "Press shop", 12, held["findings"][0][3])],
        "photos": 1,
    }
    again = _import(client, document).get_data(as_text=True)
    assert again.count('data-outcome="unchanged"') == 5, again
    assert _held(app, inspection_id) == held, "importing twice changes nothing"


def test_importing_after_the_device_synced_changes_nothing(app, client, login_as, make_inspection):
    from photo_files import jpeg_with_gps

    inspection_id = make_inspection()
    document = _export(inspection_id, jpeg_with_gps())
    login_as("inspector")
    _import(client, document)  # as good as the queue having sent it
    held = _held(app, inspection_id)
    # The device then sends the same answer again through the API, as its queue does.
    entry = document["entries"][0]
    client.put(f"/api/v1/inspections/{inspection_id}/answers/guard-01", json=entry["payload"])
    assert _import(client, document).get_data(as_text=True).count('data-outcome="unchanged"') == 5
    assert _held(app, inspection_id) == held


def test_import_refuses_what_the_importer_may_not_change_and_keeps_the_rest(
    app, client, login_as, make_inspection, world
):
    from photo_files import jpeg_with_gps

    from inspect_app.inspections import services as inspection_services

    mine = make_inspection()
    theirs = make_inspection(factory=world.b, by="inspector_b")
    submitted = make_inspection()
    discarded = make_inspection()
    with app.app_context():
        db.session.get(Inspection, submitted).status = InspectionStatus.SUBMITTED
        inspection_services.discard(db.session.get(Inspection, discarded))
        db.session.commit()
    document = _export(mine, jpeg_with_gps())
    for target in (theirs, submitted, discarded, 2**70):
        document["entries"].append({**document["entries"][0], "insp": target})
    document["entries"].append(
        {"insp": mine, "type": "answer", "item": "no-such-item", "payload": {"value": "yes"}}
    )
    login_as("inspector")
    html = _import(client, document).get_data(as_text=True)
    assert html.count('data-outcome="applied"') == 5
    assert html.count('data-outcome="refused"') == 5
    assert "No such inspection in your scope." in html and "submitted and is read-only" in html
    assert "was discarded" in html
    assert _held(app, theirs)["answers"] == {} and _held(app, submitted)["answers"] == {}


def test_a_file_that_is_not_an_export_is_refused_with_the_reason(client, login_as):
    login_as("inspector")
    for body in ({"format": "something-else", "entries": []}, [1, 2]):
        response = _import(client, body)
        assert response.status_code == 422
        assert "not a file of unsent work" in response.get_data(as_text=True)
    response = _import(client, {"format": "inspect-unsent-work", "version": 9, "entries": []})
    assert response.status_code == 422 and "another version" in response.get_data(as_text=True)


def test_only_inspectors_and_admins_import(client, login_as):
    for role in ("committee", "trainer"):
        login_as(role)
        assert client.get("/offline/import").status_code == 403, role
        client.post("/logout")
    login_as("admin")
    assert client.get("/offline/import").status_code == 200


def test_a_visit_with_full_size_photos_is_not_refused_for_its_size(
    app, client, login_as, make_inspection
):
    """An export carries its photos (base64): a phone photo makes it megabytes, over the 1 MB a
    JSON or form body may be, and the import must still take it."""
    import io
    import os

    from PIL import Image

    noise = Image.frombytes("RGB", (1400, 1000), os.urandom(1400 * 1000 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", quality=95)
    assert len(buffer.getvalue()) > 1024 * 1024
    inspection_id = make_inspection()
    login_as("inspector")
    import json

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    document = json.dumps(_export(inspection_id, buffer.getvalue())).encode()
    file = FileStorage(io.BytesIO(document), "unsent-work.json", "file")
    # Encoded in memory: the test client would spool a body this big to a file it never closes.
    boundary, body = encode_multipart({"file": file})
    response = client.post(
        "/offline/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('data-outcome="applied"') == 5
    assert _held(app, inspection_id)["photos"] == 1


def _started_offline(world, client_id: str = "5b0c4a8e-0000-4000-8000-0000000000s1") -> dict:
    """What "Export unsent work" writes for an inspection started on the tablet offline: its
    start first, then its changes naming it by its client id (offline-start.js)."""
    inspector = world.users["inspector"].id
    return {
        "format": "inspect-unsent-work",
        "version": 1,
        "exported_at": "2026-12-07T06:00:00.000Z",
        "user": inspector,
        "entries": [
            {
                "seq": 1,
                "insp": client_id,
                "type": "icreate",
                "key": "i:" + client_id,
                "payload": {
                    "client_id": client_id,
                    "factory_id": world.a.id,
                    "checklist": "machine-guarding",
                    "checklist_version": 1,
                    "kind": "self_inspection",
                    "inspector_ids": [inspector],
                    "committee_member_ids": [],
                },
            },
            {
                "seq": 2,
                "insp": client_id,
                "type": "answer",
                "item": "guard-01",
                "payload": {"value": "yes", "note": "", "answered_at": "2026-12-07T05:50:00Z"},
            },
        ],
    }


def _offline_starts(app, world) -> list[tuple[str, int, dict]]:
    import sqlalchemy as sa

    from inspect_app.inspections.models import Answer

    with app.app_context():
        inspections = db.session.scalars(
            sa.select(Inspection).where(Inspection.factory_id == world.a.id)
        ).all()
        return [
            (
                i.client_id,
                i.created_by_id,
                {
                    a.item_id: a.value
                    for a in db.session.scalars(
                        sa.select(Answer).where(Answer.inspection_id == i.id)
                    )
                },
            )
            for i in inspections
        ]


def test_an_inspection_started_offline_imports_once_and_the_tablets_queue_finds_it(
    app, client, login_as, world, checklists_loaded
):
    document = _started_offline(world)
    client_id = document["entries"][0]["insp"]
    login_as("inspector")
    first = _import(client, document).get_data(as_text=True)
    assert first.count('data-outcome="applied"') == 2, first
    again = _import(client, document).get_data(as_text=True)
    assert again.count('data-outcome="unchanged"') == 2, again
    inspector = world.users["inspector"].id
    assert _offline_starts(app, world) == [(client_id, inspector, {"guard-01": "yes"})]
    # The tablet's queue then sends its start: the same inspection, not a second one.
    replay = client.post("/api/v1/inspections", json=document["entries"][0]["payload"])
    assert replay.status_code == 200
    assert len(_offline_starts(app, world)) == 1


def test_an_admin_imports_an_inspectors_offline_start_as_theirs_and_no_one_else_may(
    app, client, login_as, world, checklists_loaded
):
    document = _started_offline(world)
    login_as("inspector_b")
    refused = _import(client, document).get_data(as_text=True)
    assert refused.count('data-outcome="refused"') == 2, refused
    assert _offline_starts(app, world) == []
    client.post("/logout")
    login_as("admin")
    applied = _import(client, document).get_data(as_text=True)
    assert applied.count('data-outcome="applied"') == 2, applied
    inspector = world.users["inspector"].id
    assert _offline_starts(app, world) == [
        (document["entries"][0]["insp"], inspector, {"guard-01": "yes"})
    ]
