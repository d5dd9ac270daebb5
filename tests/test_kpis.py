"""Monthly safety KPIs: validation with a message per field, idempotent PUT per month, who may
enter them, and the KPI page."""

from __future__ import annotations

import sqlalchemy as sa

from inspect_app.audit import AuditEvent
from inspect_app.extensions import db
from inspect_app.factories.kpis import add_months, current_month, month_key
from inspect_app.factories.models import KpiRecord

GOOD = {
    "accidents": 2,
    "lost_time_injuries": 1,
    "days_lost": 6,
    "near_misses": 9,
    "first_aid_cases": 3,
    "suggestions_made": 5,
    "suggestions_implemented": 4,
    "headcount": 210,
}


def _this_month(app) -> str:
    with app.app_context():
        return month_key(current_month())


def _month(app, offset: int) -> str:
    with app.app_context():
        return month_key(add_months(current_month(), offset))


def _records(app, factory_id: int) -> list[KpiRecord]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(KpiRecord).where(KpiRecord.factory_id == factory_id)
        ).all()
        db.session.expunge_all()
        return rows


def test_committee_enters_its_month_and_sees_it_listed(client, login_as, world, app):
    login_as("committee")
    month = _month(app, -1)
    response = client.put(f"/api/v1/factories/{world.a.id}/kpis/{month}", json=GOOD)
    assert response.status_code == 201
    body = response.get_json()
    assert body["month"] == month
    assert body["lost_time_injuries"] == 1
    assert body["lost_time_injury_rate"] == round(1 / 210 * 100, 2)
    assert response.headers["Location"].endswith(f"/kpis/{month}")

    listed = client.get(f"/api/v1/factories/{world.a.id}/kpis").get_json()
    assert [item["month"] for item in listed["items"]] == [month]
    assert listed["items"][0]["near_misses"] == 9


def test_the_same_put_twice_changes_nothing(client, login_as, world, app):
    login_as("committee")
    url = f"/api/v1/factories/{world.a.id}/kpis/{_month(app, -1)}"
    first = client.put(url, json=GOOD)
    second = client.put(url, json=GOOD)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.get_json()["version"] == first.get_json()["version"]
    (record,) = _records(app, world.a.id)
    assert record.version == 1
    with app.app_context():
        updates = db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.entity == "kpi_records", AuditEvent.action == "update"
            )
        )
    assert updates == 0  # nothing changed, nothing audited


def test_a_put_replaces_the_month_and_counts_left_out_are_zero(client, login_as, world, app):
    login_as("inspector")
    url = f"/api/v1/factories/{world.a.id}/kpis/{_month(app, -2)}"
    client.put(url, json=GOOD)
    response = client.put(url, json={"near_misses": 4, "headcount": 200, "version": 1})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["near_misses"], body["accidents"], body["headcount"]) == (4, 0, 200)
    assert body["version"] == 2
    assert len(_records(app, world.a.id)) == 1


def test_headcount_left_out_is_the_factory_register_headcount(client, login_as, world, app):
    login_as("committee")
    response = client.put(
        f"/api/v1/factories/{world.a.id}/kpis/{_this_month(app)}", json={"near_misses": 1}
    )
    assert response.status_code == 201
    assert response.get_json()["headcount"] == 30  # the world's factory: 10 women, 20 men


def test_negative_and_non_whole_numbers_are_refused_field_by_field(client, login_as, world, app):
    login_as("committee")
    response = client.put(
        f"/api/v1/factories/{world.a.id}/kpis/{_month(app, -1)}",
        json={**GOOD, "accidents": -1, "near_misses": 2.5, "days_lost": "many", "headcount": True},
    )
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert fields["accidents"] == "Cannot be negative: enter 0 or more."
    assert fields["near_misses"] == "Enter a whole number."
    assert fields["days_lost"] == "Enter a whole number."
    assert fields["headcount"] == "Enter a whole number."
    assert _records(app, world.a.id) == []


def test_numbers_that_contradict_each_other_are_refused(client, login_as, world, app):
    login_as("committee")
    response = client.put(
        f"/api/v1/factories/{world.a.id}/kpis/2026-02",
        json={
            **GOOD,
            "accidents": 1,
            "lost_time_injuries": 2,
            "suggestions_made": 3,
            "suggestions_implemented": 5,
            "headcount": 10,
            "days_lost": 281,  # February 2026 has 28 days: 10 workers lose at most 280
        },
    )
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "at most the number of accidents (1)" in fields["lost_time_injuries"]
    assert fields["suggestions_implemented"] == (
        "At most the number of suggestions made this month (3)."
    )
    assert "(workers × days = 280)" in fields["days_lost"]


def test_a_month_needs_workers(client, login_as, world, app):
    login_as("admin")
    response = client.put(
        f"/api/v1/factories/{world.a.id}/kpis/2026-01", json={**GOOD, "headcount": 0}
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["headcount"] == (
        "Enter the number of workers this month (at least 1)."
    )


def test_a_future_month_is_refused(client, login_as, world, app):
    login_as("committee")
    response = client.put(f"/api/v1/factories/{world.a.id}/kpis/{_month(app, 1)}", json=GOOD)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "future_month"
    assert "has not begun yet" in error["fields"]["month"]


def test_a_malformed_month_says_how_to_write_it(client, login_as, world):
    login_as("committee")
    for month in ("2026-13", "2026-1", "january", "2026-00", "26-01"):
        response = client.put(f"/api/v1/factories/{world.a.id}/kpis/{month}", json=GOOD)
        assert response.status_code == 400, month
        error = response.get_json()["error"]
        assert error["code"] == "bad_month"
        assert error["fields"]["month"] == "Give the month as YYYY-MM, for example 2026-01."


def test_unknown_fields_are_refused(client, login_as, world):
    login_as("committee")
    response = client.put(
        f"/api/v1/factories/{world.a.id}/kpis/2026-01", json={**GOOD, "factory_id": 99}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "unknown_fields"


def test_committee_cannot_enter_or_read_another_factorys_kpis(client, login_as, world, app):
    login_as("committee")  # of factory A
    assert client.put(f"/api/v1/factories/{world.b.id}/kpis/2026-01", json=GOOD).status_code == 404
    assert client.get(f"/api/v1/factories/{world.b.id}/kpis").status_code == 404
    assert client.get(f"/factories/{world.b.id}/kpis").status_code == 404
    assert _records(app, world.b.id) == []


def test_inspector_outside_the_region_gets_404(client, login_as, world):
    login_as("inspector_b")  # Guangdong; factory A is in Chongqing
    assert client.put(f"/api/v1/factories/{world.a.id}/kpis/2026-01", json=GOOD).status_code == 404


def test_the_list_can_be_limited_to_months(client, login_as, world, app):
    login_as("committee")
    for month in ("2026-01", "2026-02", "2026-03"):
        client.put(f"/api/v1/factories/{world.a.id}/kpis/{month}", json=GOOD)
    listed = client.get(f"/api/v1/factories/{world.a.id}/kpis?from=2026-02&to=2030-12")
    assert [item["month"] for item in listed.get_json()["items"]] == ["2026-02", "2026-03"]


def test_committee_saves_a_month_on_the_kpi_page(client, login_as, world, app):
    login_as("committee")
    page = client.get(f"/factories/{world.a.id}/kpis")
    assert page.status_code == 200
    assert "The last 24 months" in page.text
    month = _month(app, -1)
    form = {key: str(value) for key, value in GOOD.items()}
    response = client.post(f"/factories/{world.a.id}/kpis", data={"month": month, **form})
    assert response.status_code == 302
    (record,) = _records(app, world.a.id)
    assert (month_key(record.month), record.near_misses) == (month, 9)
    shown = client.get(response.headers["Location"])
    assert f"KPIs for {month} saved." in shown.text
    assert ">210<" in shown.text  # the month's row in the table


def test_the_kpi_page_shows_what_to_correct(client, login_as, world, app):
    login_as("committee")
    form = {key: str(value) for key, value in GOOD.items()}
    form.update(accidents="-3", suggestions_implemented="9")
    response = client.post(f"/factories/{world.a.id}/kpis", data={"month": _month(app, -1), **form})
    assert response.status_code == 422
    assert "Cannot be negative: enter 0 or more." in response.text
    assert _records(app, world.a.id) == []
    future = client.post(f"/factories/{world.a.id}/kpis", data={"month": _month(app, 2), **form})
    assert future.status_code == 422
    assert "has not begun yet" in future.text


def test_the_kpi_page_in_chinese(client, login_as, world):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    login_as("committee")
    page = client.get(f"/factories/{world.a.id}/kpis")
    assert "每月安全指标" in page.text
    assert "误工伤害" in page.text
