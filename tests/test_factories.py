"""The factory register: validation, search, scope and the audit trail."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support import region

from inspect_app.audit import AuditEvent
from inspect_app.extensions import db
from inspect_app.factories import uscc
from inspect_app.factories.models import Factory


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y43", None),
        ("91440300708461136T", None),
        (" 9144 0300 7084 6113 6t ", None),  # spaces and lower case as typed from a licence
        ("9144030070846113", "18 characters; this one has 16"),
        ("91440300708461136X", "should be “T”, not “X”"),
        ("9144030070846I136T", "Character 14 (“I”) is not allowed"),
        ("9144AB0070846113AT", "administrative division code"),
    ],
)
def test_unified_social_credit_code_validation(code, message):
    problem = uscc.problem(code)
    if message is None:
        assert problem is None
    else:
        assert message in problem


def _form(region_id, **overrides):
    data = {
        "name_zh": "重庆新工厂",
        "name_en": "New Works",
        "uscc": uscc.complete("91500112MA5UXY012"),
        "region_id": region_id,
        "sector": "machinery",
        "address": "渝北区",
        "headcount_women": "5",
        "headcount_men": "7",
    }
    data.update(overrides)
    return data


def test_inspector_adds_a_factory_in_their_region(world, client, app, login_as):
    login_as("inspector")
    with app.app_context():
        yubei = region("500112").id
    response = client.post("/factories/new", data=_form(yubei))
    assert response.status_code == 302
    with app.app_context():
        factory = db.session.scalar(sa.select(Factory).where(Factory.name_en == "New Works"))
        assert factory.headcount == 12 and factory.region.code == "500112"
        event = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.entity == "factories", AuditEvent.entity_id == factory.id
            )
        )
        assert event.action == "create" and event.actor_id == world.users["inspector"].id


def test_wrong_credit_code_says_what_is_wrong_and_saves_nothing(world, client, app, login_as):
    login_as("inspector")
    with app.app_context():
        yubei = region("500112").id
    response = client.post("/factories/new", data=_form(yubei, uscc="91500112MA5UXY0120"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "check character" in page
    assert "重庆新工厂" in page  # what the user typed is kept in the form
    with app.app_context():
        assert db.session.scalar(sa.select(Factory).where(Factory.name_en == "New Works")) is None


def test_inspector_cannot_add_a_factory_outside_their_regions(world, client, app, login_as):
    login_as("inspector")
    with app.app_context():
        dongguan = region("441900").id
    response = client.post("/factories/new", data=_form(dongguan))
    assert response.status_code == 422
    assert "Choose a region you cover" in response.get_data(as_text=True)


def test_search_by_name_in_either_language(world, client, login_as):
    login_as("admin")
    assert "渝北橡胶厂" in client.get("/factories?q=yubei").get_data(as_text=True)
    page = client.get("/factories?q=橡胶").get_data(as_text=True)
    assert "Yubei Rubber Works" in page and "Dongguan Garments" not in page
    page = client.get("/api/v1/factories?q=GARMENTS").json
    assert [f["name_en"] for f in page["items"]] == ["Dongguan Garments"]


def test_filter_by_region_and_sector(world, client, app, login_as):
    login_as("admin")
    with app.app_context():
        guangdong = region("440000").id
    items = client.get(f"/api/v1/factories?region_id={guangdong}").json["items"]
    assert [f["id"] for f in items] == [world.b.id]
    items = client.get("/api/v1/factories?sector=rubber_plastics").json["items"]
    assert [f["id"] for f in items] == [world.a.id]


def test_list_is_paginated(world, client, make_factory, login_as):
    for n in range(30):
        make_factory(name_zh=f"批量工厂{n:02d}")
    login_as("admin")
    first = client.get("/api/v1/factories?per_page=10").json
    assert first["total"] == 32 and first["pages"] == 4 and len(first["items"]) == 10
    page_two = client.get("/factories?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in page_two


def test_inspector_sees_only_factories_in_their_regions(world, client, login_as):
    login_as("inspector")
    ids = [f["id"] for f in client.get("/api/v1/factories").json["items"]]
    assert ids == [world.a.id]
    assert client.get(f"/factories/{world.b.id}").status_code == 404
    assert client.get(f"/api/v1/factories/{world.b.id}").status_code == 404
    assert client.patch(f"/api/v1/factories/{world.b.id}", json={"address": "x"}).status_code == 404


def test_committee_sees_only_its_own_factory(world, client, login_as):
    login_as("committee")
    assert client.get(f"/factories/{world.a.id}").status_code == 200
    assert client.get(f"/factories/{world.b.id}").status_code == 404
    assert client.get(f"/api/v1/factories/{world.b.id}").status_code == 404
    ids = [f["id"] for f in client.get("/api/v1/factories").json["items"]]
    assert ids == [world.a.id]
    # and may not edit the register entry of its own factory
    assert client.get(f"/factories/{world.a.id}/edit").status_code == 403


def test_stale_edit_is_a_conflict_and_keeps_the_first_change(world, client, app, login_as):
    login_as("inspector")
    current = client.get(f"/api/v1/factories/{world.a.id}").json
    first = client.patch(
        f"/api/v1/factories/{world.a.id}", json={"address": "一号路", "version": current["version"]}
    )
    assert first.status_code == 200 and first.json["version"] == current["version"] + 1
    stale = client.patch(
        f"/api/v1/factories/{world.a.id}", json={"address": "二号路", "version": current["version"]}
    )
    assert stale.status_code == 409
    assert stale.json["error"]["code"] == "stale_version"
    # The refusal carries the factory as it now is, for the user to choose from.
    assert stale.json["error"]["current"]["address"] == "一号路"
    with app.app_context():
        assert db.session.get(Factory, world.a.id).address == "一号路"
        update = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.entity == "factories", AuditEvent.action == "update"
            )
        )
        assert update.changes["address"] == ["", "一号路"]


def test_api_refuses_fields_it_does_not_know(world, client, login_as):
    login_as("admin")
    response = client.patch(f"/api/v1/factories/{world.a.id}", json={"id": 999, "created_at": "x"})
    assert response.status_code == 400
    assert set(response.json["error"]["fields"]) == {"id", "created_at"}


def test_api_create_reports_every_bad_field(world, client, login_as):
    login_as("admin")
    response = client.post(
        "/api/v1/factories",
        json={"name_zh": "", "uscc": "123", "sector": "mining", "region_id": 99999},
    )
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert set(fields) == {"name_zh", "uscc", "sector"}
    assert "18" in fields["uscc"]  # what is wrong with the code, in words
    # Once the fields are well formed, the rules that need the register: an unknown region.
    response = client.post(
        "/api/v1/factories",
        json={
            "name_zh": "新厂",
            "uscc": uscc.complete("91500112MA0000099"),
            "sector": "garments",
            "region_id": 99999,
        },
    )
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"region_id"}


def test_edit_form_updates_the_factory(world, client, app, login_as):
    login_as("admin")
    page = client.get(f"/factories/{world.a.id}/edit")
    assert page.status_code == 200
    with app.app_context():
        factory = db.session.get(Factory, world.a.id)
        data = _form(
            factory.region_id,
            uscc=factory.uscc,
            name_en="Renamed Works",
            version=str(factory.version),
        )
    response = client.post(f"/factories/{world.a.id}/edit", data=data)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Factory, world.a.id).name_en == "Renamed Works"
