"""Hazard areas a checklist declares (molten metal, confined spaces …) work wherever the shipped
areas do: the action board filters by them, and a case keeps, shows and saves them."""

from __future__ import annotations

import re

from test_cases import make_source, promote

from inspect_app.cases.models import Case
from inspect_app.extensions import db
from inspect_app.inspections.models import Finding

MOLTEN = "molten_material"  # declared by checklists/major-accident-hazards.yaml


def _in_molten_metal(app, finding_id: int) -> None:
    with app.app_context():
        db.session.get(Finding, finding_id).area = MOLTEN
        db.session.commit()


def test_the_action_board_filters_by_an_area_the_checklist_declares(
    app, client, login_as, world, make_inspection
):
    source = make_source(app, world, make_inspection)
    _in_molten_metal(app, source["finding_id"])
    login_as("inspector")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    board = client.get(f"/factories/{world.a.id}/actions").get_data(as_text=True)
    assert f'<option value="{MOLTEN}" >高温熔融物</option>' in board
    molten = client.get(f"/factories/{world.a.id}/actions?area={MOLTEN}").get_data(as_text=True)
    assert "Paint the floor markings" in molten
    assert f'<option value="{MOLTEN}" selected>' in molten
    other = client.get(f"/factories/{world.a.id}/actions?area=chemicals").get_data(as_text=True)
    assert "Paint the floor markings" not in other


def test_a_case_keeps_shows_and_saves_a_declared_area(
    app, client, login_as, world, make_inspection
):
    source = make_source(app, world, make_inspection)
    _in_molten_metal(app, source["finding_id"])
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    with app.app_context():
        assert db.session.get(Case, case_id).areas == [MOLTEN]
    client.post("/logout")
    login_as("trainer")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert "高温熔融物" in client.get(f"/cases/{case_id}").get_data(as_text=True)
    editor = client.get(f"/cases/{case_id}/edit").get_data(as_text=True)
    assert re.search(
        rf'<input checked id="[^"]+" name="areas" type="checkbox" value="{MOLTEN}">', editor
    )
    version = re.search(r'name="version" type="hidden" value="(\d+)"', editor).group(1)
    saved = client.post(
        f"/cases/{case_id}/edit",
        data={
            "version": version,
            "sector": "rubber_plastics",
            "control_type": "engineering",
            "areas": [MOLTEN, "machine_safety"],
            "title_zh": "熔融金属",
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        assert set(db.session.get(Case, case_id).areas) == {MOLTEN, "machine_safety"}
    library = client.get(f"/cases?area={MOLTEN}").get_data(as_text=True)
    assert f'value="{MOLTEN}"' in library
