"""Bad input gets a clear refusal naming the field, in the reader's language, never a 500.

Each request here once answered 500: a multipart part without a name (the CSRF check read the
form's names), a digit `int()` cannot read ("³" is a digit to Python), a case number past any
id, a month typed into the address.
"""

from __future__ import annotations

import pytest

from inspect_app.extensions import db

NAMELESS = b"--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--\r\n"
NAMELESS_FILE = (
    b"--B\r\nContent-Disposition: form-data; filename=a.jpg\r\n"
    b"Content-Type: image/jpeg\r\n\r\nxx\r\n--B--\r\n"
)
TWENTY_DIGITS = "9" * 20


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.mark.parametrize("body", [NAMELESS, NAMELESS_FILE], ids=["field", "file"])
def test_a_form_part_without_a_name_is_refused_even_before_sign_in(csrf_on, world, body):
    client = csrf_on.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/login", data=body, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 400
    assert "Every part of a form needs a name." in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/factories/new", "/api/v1/factories", "/language"])
def test_a_form_part_without_a_name_is_refused_on_any_post(app, world, login_as, path):
    client = login_as("admin", c=app.test_client())
    app.config["WTF_CSRF_ENABLED"] = True  # signed in; now every POST is checked
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    response = client.post(path, data=NAMELESS, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 400
    page = response.json["error"]["message"] if path.startswith("/api/") else response.text
    assert "表单的每个部分都必须有名称" in page


@pytest.mark.parametrize(
    ("value", "lang", "message"),
    [("³", "en", "Choose 1 to 5."), ("٣", "zh-CN", "请选择 1 到 5。"), (TWENTY_DIGITS, "en", None)],
)
def test_a_digit_that_is_not_a_number_is_refused_on_a_finding(
    app, login_as, make_inspection, value, lang, message
):
    draft_id = make_inspection()
    client = login_as("inspector", c=app.test_client())
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    created = client.post(
        f"/api/v1/inspections/{draft_id}/findings", json={"title": "无防护", "likelihood": value}
    )
    assert created.status_code == 422
    assert set(created.json["error"]["fields"]) == {"likelihood"}
    if message:
        assert created.json["error"]["fields"]["likelihood"] == message
    finding = client.post(f"/api/v1/inspections/{draft_id}/findings", json={"title": "无防护"})
    severity = finding.json["severity"]
    patched = client.patch(
        f"/api/v1/findings/{finding.json['id']}",
        json={"severity": value, "version": finding.json["version"]},
    )
    assert patched.status_code == 422
    assert set(patched.json["error"]["fields"]) == {"severity"}
    assert client.get(f"/api/v1/findings/{finding.json['id']}").json["severity"] == severity


@pytest.mark.parametrize("route", ["/cases/present", "/cases/handout.pdf"])
@pytest.mark.parametrize("ids", ["%C2%B3", TWENTY_DIGITS, "0", "3,x", "-4"])
def test_chosen_cases_that_are_not_case_numbers_are_refused(app, world, login_as, route, ids):
    client = login_as("trainer", c=app.test_client())
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(f"{route}?ids={ids}")
    assert response.status_code == 422
    assert "Give case numbers separated by commas" in response.get_data(as_text=True)


def test_more_cases_than_a_session_holds_are_refused_not_cut(app, world, login_as):
    client = login_as("trainer", c=app.test_client())
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    ids = ",".join(str(n) for n in range(1, 62))
    response = client.get(f"/cases/present?ids={ids}")
    assert response.status_code == 422
    assert "一次最多选择 60 个案例" in response.get_data(as_text=True)


@pytest.mark.parametrize("month", ["%C2%B3", TWENTY_DIGITS, "0000-01", "2026-13"])
def test_a_month_typed_into_the_address_is_explained_on_the_kpi_page(app, world, login_as, month):
    client = login_as("committee", c=app.test_client())
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(f"/factories/{world.a.id}/kpis?month={month}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give the month as YYYY-MM" in page or "Months before 2000-01 cannot" in page
    with app.app_context():
        assert db.session.execute(db.text("select count(*) from kpi_records")).scalar() == 0
