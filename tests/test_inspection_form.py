"""The tablet form page: every item with one-tap answers, what a re-inspection shows, the data
its script needs, the CSRF token endpoint, the service worker, and the page's weight."""

from __future__ import annotations

import gzip
import json
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import sqlalchemy as sa

from inspect_app.accounts.models import User
from inspect_app.checklists import services as checklist_services
from inspect_app.extensions import db
from inspect_app.inspections.models import Answer, Inspection, InspectionStatus


class Page(HTMLParser):
    """The parts of the form page the tests look at: items, their buttons, scripts, styles."""

    def __init__(self, html: str):
        super().__init__()
        self.items: dict[str, dict] = {}
        self.current: str | None = None
        self.section_area = ""
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.data = ""
        self._in_data = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "data-area" in attrs:
            self.section_area = attrs["data-area"]
        if tag == "article" and attrs.get("id", "").startswith("item-"):
            self.current = attrs["id"].removeprefix("item-")
            # an item's hazard area, when not the same as its section's
            area = attrs.get("data-area", self.section_area)
            self.items[self.current] = {"attrs": attrs, "area": area, "buttons": {}, "inputs": []}
        elif tag == "button" and self.current and "value" in attrs:
            self.items[self.current]["buttons"][attrs["value"]] = attrs
        elif tag in ("input", "textarea") and self.current:
            self.items[self.current]["inputs"].append(attrs)
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        elif tag == "script" and attrs.get("id") == "form-data":
            self._in_data = True
        elif tag == "link" and attrs.get("rel") == "stylesheet":
            self.styles.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "article":
            self.current = None
        if tag == "script":
            self._in_data = False

    def handle_data(self, data):
        if self._in_data:
            self.data += data


def _checklist(app, slug):
    with app.app_context():
        return checklist_services.definition_of(checklist_services.get_version(slug))


def _form(client, inspection_id) -> tuple[Page, str]:
    response = client.get(f"/inspections/{inspection_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return Page(html), html


def test_form_shows_every_item_with_one_tap_answers(app, client, login_as, make_inspection):
    inspection_id = make_inspection(checklist="score-module5", kind="score_visit")
    login_as("inspector")
    page, html = _form(client, inspection_id)
    checklist = _checklist(app, "score-module5")
    items = list(checklist.items())
    assert len(items) == 69 and list(page.items) == [i.id for i in items]
    for item in items:
        shown = page.items[item.id]
        assert list(shown["buttons"]) == ["no", "yes", "priority"], item.id
        assert shown["area"] == item.areas[0]  # "+ Finding" pre-fills it
        assert not any(b.get("aria-pressed") == "true" for b in shown["buttons"].values())
    assert 'id="save-state"' in html and 'aria-live="polite"' in html
    assert "Good points seen" in html and "Review and submit" in html
    assert 'capture="environment"' in html  # the camera, and a second input for the gallery
    assert html.count('type="file"') == 2
    data = json.loads(page.data)
    assert data["inspection"] == inspection_id
    assert data["urls"]["answers"] == f"/api/v1/inspections/{inspection_id}/answers/"
    assert data["risk_bands"] == [[4, "low"], [9, "medium"], [16, "high"], [25, "critical"]]
    assert data["t"]["offline"] == "Offline — {n} unsent"


def test_form_shows_saved_answers_selected(app, client, login_as, make_inspection):
    inspection_id = make_inspection(checklist="workplace-inspection", kind="enforcement")
    login_as("inspector")
    client.put(
        f"/api/v1/inspections/{inspection_id}/answers/resp-01",
        json={
            "value": "no",
            "note": "no officer",
            "answered_at": "2026-03-01T08:00:00Z",
        },
    )
    page, html = _form(client, inspection_id)
    item = page.items["resp-01"]
    assert item["buttons"]["no"].get("aria-pressed") == "true"
    assert item["buttons"]["no"].get("class") == "p"  # shown as a problem once chosen
    assert item["buttons"]["yes"].get("aria-pressed") is None
    assert item["attrs"]["data-at"] == "2026-03-01T08:00:00Z"
    assert "no officer" in html
    assert list(page.items["resp-02"]["buttons"]) == ["yes", "no", "na"]


def test_applies_if_items_carry_their_condition_and_start_hidden(
    app, client, login_as, make_inspection
):
    inspection_id = make_inspection(checklist="workplace-inspection", kind="enforcement")
    login_as("inspector")
    page, _ = _form(client, inspection_id)
    dust = page.items["dust-02"]["attrs"]
    assert dust["data-if"] == "dust-01" and json.loads(dust["data-in"]) == ["yes"]
    assert "hidden" in dust
    assert "data-if" not in page.items["dust-01"]["attrs"]

    client.put(f"/api/v1/inspections/{inspection_id}/answers/dust-01", json={"value": "yes"})
    page, _ = _form(client, inspection_id)
    assert "hidden" not in page.items["dust-02"]["attrs"]


def test_re_inspection_shows_last_answers_and_open_findings(
    app, client, login_as, make_inspection, world
):
    from inspect_app.inspections import services as inspection_services

    first = make_inspection(checklist="machine-guarding", inspected_on=date.today() - timedelta(30))
    item = next(iter(_checklist(app, "machine-guarding").items())).id
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        earlier = db.session.get(Inspection, first)
        inspection_services.set_answer(
            earlier, item_id=item, value="priority", note="guard removed", by=inspector
        )
        inspection_services.add_finding(
            earlier, by=inspector, title="Belt drive without guard", item_id=item, severity=4
        )
        earlier.status = InspectionStatus.SUBMITTED  # submitted (its checks are tested elsewhere)
        db.session.commit()
    second = make_inspection(checklist="machine-guarding")
    login_as("inspector")
    _, html = _form(client, second)
    shown = html[html.index(f'id="item-{item}"') :]
    shown = shown[: shown.index("</article>")]
    last_time = (date.today() - timedelta(30)).isoformat()
    assert f"Last time ({last_time}):" in shown and "<b>Priority action</b>" in shown
    assert "guard removed" in shown
    assert "Open finding:" in shown and "Belt drive without guard" in shown


def test_good_points_are_saved_through_the_api_and_shown(app, client, login_as, make_inspection):
    inspection_id = make_inspection()
    login_as("inspector")
    response = client.patch(
        f"/api/v1/inspections/{inspection_id}",
        json={"good_points": "Emergency exits clear and signposted.", "version": 1},
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Inspection, inspection_id).good_points == (
            "Emergency exits clear and signposted."
        )
    _, html = _form(client, inspection_id)
    assert "Emergency exits clear and signposted.</textarea>" in html


def test_csrf_token_endpoint_needs_a_session_and_its_token_works(
    app, client, login_as, make_inspection
):
    inspection_id = make_inspection()
    anonymous = client.get("/api/v1/csrf-token")
    assert anonymous.status_code == 401 and anonymous.json["error"]["code"] == "unauthorized"
    login_as("inspector")
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/api/v1/inspections/{inspection_id}/answers/{_first_item(app)}"
    refused = client.put(url, json={"value": "no"})
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "csrf_failed"  # the form fetches a new token
    token = client.get("/api/v1/csrf-token").json["token"]
    accepted = client.put(url, json={"value": "no"}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 1


def _first_item(app, slug="machine-guarding"):
    return next(iter(_checklist(app, slug).items())).id


def test_service_worker_is_served_from_the_root_to_anyone(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert b"/api/" in response.data  # it leaves the API alone


def test_form_speaks_chinese_also_in_its_script_strings(app, client, login_as, make_inspection):
    inspection_id = make_inspection(checklist="score-module5", kind="score_visit")
    login_as("inspector")
    client.post("/language", data={"locale": "zh_CN"})
    page, html = _form(client, inspection_id)
    data = json.loads(page.data)
    assert data["lang"] == "zh_CN"
    assert re.search(r"[\u4e00-\u9fff]", data["t"]["saved"]), data["t"]["saved"]
    assert "{n}" in data["t"]["offline"]
    assert ">无需改进</button>" in html and ">优先改进</button>" in html


def test_form_page_weighs_under_150_kb_for_the_score_checklist(client, login_as, make_inspection):
    """HTML + CSS + JS of the page for 69 items, as a tablet on a 3G link downloads it."""
    inspection_id = make_inspection(checklist="score-module5", kind="score_visit")
    login_as("inspector")
    for language in ("en", "zh_CN"):
        client.post("/language", data={"locale": language})
        page, html = _form(client, inspection_id)
        sizes = {"html": len(html.encode())}
        for url in page.styles + page.scripts:
            response = client.get(url)
            assert response.status_code == 200, url
            sizes[url] = len(response.data)
            response.close()
        assert any("inspection-form.js" in url for url in page.scripts)
        total = sum(sizes.values())
        assert total < 150_000, (language, total, sizes)


def test_form_page_crosses_the_wire_in_under_50_kb_gzipped(client, login_as, make_inspection):
    """What a tablet on 3G actually downloads: the page and its assets, gzipped."""
    inspection_id = make_inspection(checklist="score-module5", kind="score_visit")
    login_as("inspector")
    gzip_only = {"Accept-Encoding": "gzip"}
    for language in ("en", "zh_CN"):
        client.post("/language", data={"locale": language})
        response = client.get(f"/inspections/{inspection_id}", headers=gzip_only)
        assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
        page = Page(gzip.decompress(response.data).decode())
        sizes = {"html": len(response.data)}
        for url in page.styles + page.scripts:
            asset = client.get(url, headers=gzip_only)
            assert asset.status_code == 200, url
            # below 500 bytes the coding would cost more than it saves
            assert len(asset.data) < 500 or asset.headers["Content-Encoding"] == "gzip", url
            sizes[url] = len(asset.data)
            asset.close()
        assert any("inspection-form.js" in url for url in page.scripts)
        total = sum(sizes.values())
        assert total <= 50_000, (language, total, sizes)


def test_submitted_inspection_opens_its_report_instead_of_the_form(
    app, client, login_as, make_inspection
):
    inspection_id = make_inspection()
    with app.app_context():
        db.session.get(Inspection, inspection_id).status = InspectionStatus.SUBMITTED
        db.session.commit()
    login_as("inspector")
    response = client.get(f"/inspections/{inspection_id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/inspections/{inspection_id}/report")


ALL_KINDS = {
    "id": "all-kinds",
    "title": {"zh": "各种回答", "en": "Every kind of answer"},
    "description": {"zh": "测试用", "en": "For the tests"},
    "kind": "self_inspection",
    "source": {"zh": "本项目为测试编写", "en": "Written by the project for its tests"},
    "sections": [
        {
            "id": "mixed",
            "title": {"zh": "混合", "en": "Mixed"},
            "items": [
                {
                    "id": "aisle-width",
                    "text": {"zh": "主通道宽度", "en": "Width of the main aisle"},
                    "why": {"zh": "疏散", "en": "Evacuation"},
                    "how": {"zh": "用卷尺量", "en": "Measure with a tape"},
                    "answers": {
                        "kind": "number",
                        "unit": {"zh": "米", "en": "m"},
                        "min": 0,
                        "max": 50,
                    },
                    "areas": ["materials_handling"],
                },
                {
                    "id": "hazards-seen",
                    "text": {"zh": "看到的危险", "en": "Hazards seen"},
                    "why": {"zh": "全面", "en": "Completeness"},
                    "how": {"zh": "逐一勾选", "en": "Tick each"},
                    "answers": {
                        "kind": "choice",
                        "multiple": True,
                        "options": [
                            {"id": "noise", "zh": "噪声", "en": "Noise"},
                            {"id": "dust", "zh": "粉尘", "en": "Dust"},
                            {"id": "heat", "zh": "高温", "en": "Heat"},
                        ],
                    },
                    "areas": ["physical_environment"],
                },
                {
                    "id": "remarks",
                    "text": {"zh": "其他情况", "en": "Anything else"},
                    "why": {"zh": "补充", "en": "To add"},
                    "how": {"zh": "写下来", "en": "Write it down"},
                    "answers": "text",
                    "areas": ["management"],
                    "applies_if": {"item": "hazards-seen", "in": ["dust"]},
                },
            ],
        }
    ],
}


def store_all_kinds(app) -> None:
    """A checklist with a number (unit, range), a multiple choice and a text item."""
    from inspect_app.checklists.schema import Checklist

    with app.app_context():
        checklist_services.store(Checklist.model_validate(ALL_KINDS), source_file="all-kinds.yaml")
        db.session.commit()


def test_number_multiple_choice_and_text_items_get_their_own_inputs(
    app, client, login_as, make_inspection
):
    store_all_kinds(app)
    inspection_id = make_inspection(checklist="all-kinds")
    login_as("inspector")
    page, html = _form(client, inspection_id)
    number = page.items["aisle-width"]
    assert number["inputs"][0]["type"] == "number"
    assert (number["inputs"][0]["min"], number["inputs"][0]["max"]) == ("0", "50")
    assert '<span class="unit">m</span>' in html
    assert "data-multi" in page.items["hazards-seen"]["attrs"]
    assert list(page.items["hazards-seen"]["buttons"]) == ["noise", "dust", "heat"]
    assert page.items["hazards-seen"]["area"] == "physical_environment"
    assert page.items["remarks"]["inputs"][0].get("class") == "txt"
    assert page.items["remarks"]["attrs"]["data-if"] == "hazards-seen"


def test_the_inspection_date_is_the_factorys_date_not_utcs(
    app, client, login_as, world, checklists_loaded, monkeypatch
):
    """At 01:00 in Chongqing it is still yesterday in UTC: the start form offers the local date,
    an inspection started without a date is dated today there, and today is not 'the future'."""
    from datetime import datetime

    from inspect_app.inspections import services as inspection_services
    from inspect_app.inspections import views as inspection_views

    evening_utc = datetime(2026, 12, 7, 17, 0)  # 2026-12-08 01:00 in Asia/Shanghai
    morning_there = date(2026, 12, 8)
    for module in (inspection_services, inspection_views):
        monkeypatch.setattr(module, "utcnow", lambda: evening_utc)
        monkeypatch.setattr(module, "local_today", lambda: morning_there)
    login_as("inspector")
    form = client.get(f"/inspections/new?factory={world.a.id}").get_data(as_text=True)
    assert 'value="2026-12-08"' in form
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        factory = db.session.get(type(world.a), world.a.id)
        undated = inspection_services.start_inspection(
            by=inspector, factory=factory, checklist="machine-guarding", kind="self_inspection"
        )
        assert undated.inspected_on == morning_there
        dated = inspection_services.start_inspection(
            by=inspector,
            factory=factory,
            checklist="machine-guarding",
            kind="self_inspection",
            inspected_on=morning_there,
        )
        assert dated.inspected_on == morning_there
