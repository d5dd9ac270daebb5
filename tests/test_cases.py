"""Cases: an inspector promotes a verified improvement, a trainer edits, blurs and publishes it,
and the source factory never shows — not in pages, the API, the handout or photo URLs."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
from decimal import Decimal

import pytest
import sqlalchemy as sa
from PIL import Image, ImageChops, ImageDraw, ImageStat

from inspect_app.accounts.models import Role, User
from inspect_app.actions.models import Action, ActionStatus, ControlType
from inspect_app.audit import AuditEvent
from inspect_app.cases import anonymity
from inspect_app.cases.models import Case, CaseStatus
from inspect_app.cases.services import photo_url
from inspect_app.extensions import db, utcnow
from inspect_app.factories.models import Factory
from inspect_app.inspections import services as inspection_services
from inspect_app.photos import services as photo_services
from inspect_app.photos.models import Photo

SAW_TITLE_ZH = "开料锯没有防护罩"
SAW_TITLE_EN = "Cross-cut saw without a guard"


# ---------------------------------------------------------------- builders


def photo_bytes(seed: int = 0, size=(640, 480)) -> bytes:
    """A JPEG with fine detail everywhere (stripes and boxes), so a blur shows clearly."""
    image = Image.new("RGB", size, (235, 235, 225))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 12):
        draw.rectangle((x, 0, x + 5, size[1]), fill=(30 + seed * 40 % 200, 60, 120))
    for y in range(0, size[1], 40):
        draw.rectangle((0, y, size[0], y + 3), fill=(200, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def make_source(
    app,
    world,
    make_inspection,
    *,
    title: str = SAW_TITLE_ZH,
    description: str = "横切锯的锯片完全外露，操作工用手推料，离锯片不到十厘米。",
    verified: bool = True,
    inspection_factory=None,
) -> dict:
    """A submitted-style finding on factory A with a before photo, two verified actions (with
    after photos and costs) and one action still open; returns the ids."""
    inspection_id = make_inspection(kind="score_visit", factory=inspection_factory)
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        inspection = inspection_services.get_inspection_or_404(inspection_id, inspector)
        finding, _ = inspection_services.add_finding(
            inspection,
            by=inspector,
            title=title,
            description=description,
            item_id="guard-01",
        )
        before, _ = photo_services.add_photo(
            photo_bytes(1), factory_id=finding.factory_id, by_id=inspector.id, finding_id=finding.id
        )
        status = ActionStatus.VERIFIED if verified else ActionStatus.DONE
        actions = []
        for n, (title, cost, control) in enumerate(
            (
                ("工人设计双手控制切割机", Decimal("1000.00"), ControlType.ENGINEERING),
                ("Train the operators on the new machine", Decimal("200.50"), None),
            )
        ):
            action = Action(
                factory_id=finding.factory_id,
                finding_id=finding.id,
                title=title,
                description=title,
                done_description="装好双手按钮，锯片下降时两只手都在按钮上。" if n == 0 else "",
                control_type=control,
                responsible="车间主任 Team leader",
                status=status,
                actual_cost=cost,
                verified_at=utcnow() if verified else None,
                verified_by_id=inspector.id if verified else None,
            )
            db.session.add(action)
            actions.append(action)
        open_action = Action(
            factory_id=finding.factory_id,
            finding_id=finding.id,
            title="Paint the floor markings",
            status=ActionStatus.OPEN,
            actual_cost=Decimal("999"),
        )
        db.session.add(open_action)
        db.session.flush()
        after, _ = photo_services.add_photo(
            photo_bytes(2),
            factory_id=finding.factory_id,
            by_id=inspector.id,
            action_id=actions[0].id,
            kind="after",
        )
        db.session.commit()
        return {
            "finding_id": finding.id,
            "inspection_id": inspection_id,
            "before_id": before.id,
            "after_id": after.id,
            "action_ids": [a.id for a in actions],
            "factory_id": finding.factory_id,
        }


def promote(client, finding_id: int) -> int:
    """Promote through the page action; return the new case's id."""
    response = client.post(f"/findings/{finding_id}/promote")
    assert response.status_code == 302, response.data[:300]
    match = re.search(r"/cases/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


CLEAN_STORY = {
    "title_zh": "双手控制切割机取代无防护横切锯",
    "title_en": "A two-hand-control cutting machine replaces an unguarded saw",
    "problem_zh": "一家橡塑制品厂的横切锯没有防护罩，工人用手推料。",
    "problem_en": "In a rubber and plastics plant, workers fed a bare cross-cut saw by hand.",
    "idea_en": "The operators proposed a machine that only cuts while both hands press buttons.",
    "result_safety_en": "No hand can reach the blade while it moves.",
}


def publish_clean(client, case_id: int) -> dict:
    """A trainer writes an anonymous story and publishes it through the API."""
    version = client.get(f"/api/v1/cases/{case_id}").json["version"]
    response = client.patch(
        f"/api/v1/cases/{case_id}", json={**CLEAN_STORY, "version": version, "status": "published"}
    )
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def source(app, world, make_inspection):
    return make_source(app, world, make_inspection)


@pytest.fixture
def trainer_b(make_user):
    return make_user(Role.TRAINER, display_name="Trainer Bee")


def _files(app, photo_id: int) -> tuple[str, str]:
    with app.app_context():
        photo = db.session.get(Photo, photo_id)
        return photo.web_key, photo.thumb_key


def _read(app, key: str) -> bytes:
    with app.app_context(), photo_services.storage().open(key) as handle:
        return handle.read()


# ---------------------------------------------------------------- promoting


@pytest.mark.parametrize("storage_backend", ["local", "s3"])
def test_inspector_promotes_a_verified_finding_into_an_anonymous_draft(
    app, client, login_as, source
):
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    with app.app_context():
        case = db.session.get(Case, case_id)
        factory = db.session.get(Factory, source["factory_id"])
        assert case.status is CaseStatus.DRAFT
        assert case.finding_id == source["finding_id"] and case.factory_id == factory.id
        assert (case.sector, case.city_zh, case.city_en) == (
            "rubber_plastics",
            "重庆市",
            "Chongqing",
        )
        assert case.areas == ["machine_safety"]
        assert case.control_type == "engineering"
        assert case.checklist_item == "machine-guarding/guard-01"  # the checklist named too
        # Only the verified actions' actual costs: the open action's 999 is not counted.
        assert case.cost == Decimal("1200.50")
        assert case.title_zh == SAW_TITLE_ZH
        assert "锯片完全外露" in case.problem_zh
        assert "工人设计双手控制切割机" in case.idea_zh
        assert "Train the operators" in case.idea_en
        assert "双手按钮" in case.change_zh
        # The photos are the case's own copies: new rows, new files, the same pixels.
        copies = {p.kind.value: p for p in case.photos}
        assert set(copies) == {"before", "after"}
        assert copies["before"].source_photo_id == source["before_id"]
        assert copies["after"].source_photo_id == source["after_id"]
        for kind, source_id in (("before", source["before_id"]), ("after", source["after_id"])):
            copy, evidence = copies[kind], db.session.get(Photo, source_id)
            assert copy.id != evidence.id and copy.case_id == case.id
            assert copy.finding_id is None and copy.action_id is None
            assert {copy.web_key, copy.thumb_key}.isdisjoint({evidence.web_key, evidence.thumb_key})
            assert copy.taken_at is None and copy.caption == ""
            assert evidence.case_id is None
        evidence = db.session.get(Photo, source["before_id"])
    assert _read(app, copies["before"].web_key) == _read(app, evidence.web_key)


def test_bilingual_source_text_goes_into_each_language(
    app, client, login_as, world, make_inspection
):
    source = make_source(
        app,
        world,
        make_inspection,
        title=f"{SAW_TITLE_ZH} · {SAW_TITLE_EN}",
        description="锯片外露，近一年两次险情。The blade is bare; two near misses in a year.",
    )
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert (case.title_zh, case.title_en) == (SAW_TITLE_ZH, SAW_TITLE_EN)
        assert case.problem_zh == "锯片外露，近一年两次险情。"
        assert case.problem_en == "The blade is bare; two near misses in a year."


def test_promoting_through_the_api_refuses_repeats_and_unverified_findings(
    app, client, login_as, world, make_inspection, source
):
    login_as("inspector")
    created = client.post("/api/v1/cases", json={"finding_id": source["finding_id"]})
    assert created.status_code == 201
    assert created.headers["Location"] == f"/api/v1/cases/{created.json['id']}"
    again = client.post("/api/v1/cases", json={"finding_id": source["finding_id"]})
    assert again.status_code == 409
    assert again.json["error"]["code"] == "already_promoted"
    assert again.json["error"]["case_id"] == created.json["id"]
    unverified = make_source(app, world, make_inspection, verified=False)
    refused = client.post("/api/v1/cases", json={"finding_id": unverified["finding_id"]})
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "no_verified_action"
    unknown = client.post("/api/v1/cases", json={"finding_id": source["finding_id"], "x": 1})
    assert unknown.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 1


def test_only_inspectors_in_scope_and_admins_promote(app, client, login_as, login, world, source):
    for role, status in (("trainer", 403), ("committee", 403), ("inspector_b", 404)):
        c = app.test_client()
        login_as(role, c=c)
        assert c.post("/api/v1/cases", json={"finding_id": source["finding_id"]}).status_code == (
            status
        )
        assert c.post(f"/findings/{source['finding_id']}/promote").status_code == status
    client.post("/logout")
    login_as("admin")
    assert client.post("/api/v1/cases", json={"finding_id": source["finding_id"]}).status_code == (
        201
    )


# ---------------------------------------------------------------- editing and publishing


def test_trainer_edits_with_the_version_and_cannot_touch_the_source(
    app, client, login_as, world, source
):
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    trainer = app.test_client()
    login_as("trainer", c=trainer)
    version = trainer.get(f"/api/v1/cases/{case_id}").json["version"]
    saved = trainer.patch(
        f"/api/v1/cases/{case_id}",
        json={"version": version, "title_en": "Two hands on the buttons", "cost": "1500"},
    )
    assert saved.status_code == 200
    assert saved.json["title_en"] == "Two hands on the buttons" and saved.json["cost"] == "1500.00"
    stale = trainer.patch(f"/api/v1/cases/{case_id}", json={"version": version, "title_en": "x"})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "stale_version"
    for field in ("finding_id", "factory_id", "published_by_id"):
        refused = trainer.patch(
            f"/api/v1/cases/{case_id}", json={"version": saved.json["version"], field: 1}
        )
        assert refused.status_code == 400
        assert refused.json["error"]["code"] == "unknown_fields"
    bad = trainer.patch(
        f"/api/v1/cases/{case_id}",
        json={"version": saved.json["version"], "areas": ["nonsense"], "sector": "x"},
    )
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"areas", "sector"}
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.finding_id == source["finding_id"] and case.title_en.startswith("Two hands")
        # The trainer's edit is on record: it is what makes the draft theirs.
        actors = db.session.scalars(
            sa.select(AuditEvent.actor_id).where(
                AuditEvent.entity == "cases", AuditEvent.entity_id == case_id
            )
        ).all()
        assert world.users["trainer"].id in actors


def test_trainer_edits_through_the_page(app, client, login_as, source):
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    client.post("/logout")
    login_as("trainer")
    page = client.get(f"/cases/{case_id}/edit")
    assert page.status_code == 200
    version = re.search(rb'name="version" type="hidden" value="(\d+)"', page.data).group(1)
    form = {
        "version": version.decode(),
        "sector": "rubber_plastics",
        "city_zh": "重庆市",
        "city_en": "Chongqing",
        "areas": ["machine_safety", "workstation"],
        "control_type": "engineering",
        "cost": "1,200",
        "title_zh": "双手控制切割机",
        "problem_en": "A bare saw blade.",
    }
    saved = client.post(f"/cases/{case_id}/edit", data=form)
    assert saved.status_code == 302
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.title_zh == "双手控制切割机" and case.cost == Decimal("1200.00")
        assert case.areas == ["machine_safety", "workstation"]
        assert case.problem_zh == ""  # cleared in the form: the trainer's text wins
    stale = client.post(f"/cases/{case_id}/edit", data=form)
    assert stale.status_code == 409
    assert b"Someone else changed this case" in stale.data


def test_the_case_names_its_checklist_item_in_words_and_the_editor_picks_one(
    app, client, login_as, source
):
    """No internal ids on a Chinese screen: the case shows the checklist and the item's own
    words, and the trainer picks an item from the checklists instead of typing an id."""
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    client.post("/logout")
    login_as("trainer")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    shown = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "机械防护自查表 · " in shown and "为所有外露的皮带轮" in shown
    assert "guard-01" not in shown
    editor = client.get(f"/cases/{case_id}/edit").get_data(as_text=True)
    assert '<optgroup label="机械防护自查表">' in editor
    assert re.search(r'<option selected value="machine-guarding/guard-01">', editor)
    assert "e.g. guard" not in editor and "例如" not in editor.split("checklist_item")[1][:300]
    version = re.search(r'name="version" type="hidden" value="(\d+)"', editor).group(1)
    form = {
        "version": version,
        "sector": "rubber_plastics",
        "control_type": "engineering",
        "title_zh": "双手控制切割机",
    }
    refused = client.post(
        f"/cases/{case_id}/edit", data={**form, "checklist_item": "guard-01; DROP"}
    )
    assert refused.status_code == 422
    other = re.search(r'<option value="(score-module5/[^"]+)">', editor).group(1)
    saved = client.post(f"/cases/{case_id}/edit", data={**form, "checklist_item": other})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(Case, case_id).checklist_item == other


def test_anonymity_warning_blocks_publishing_until_confirmed(
    app, client, login_as, make_user, world, source
):
    make_user(Role.COMMITTEE, factory_id=world.a.id, display_name="张丽 Zhang Li (安全委员会)")
    with app.app_context():
        factory = db.session.get(Factory, world.a.id)
        factory.address = "重庆市渝北区双凤桥街道工业园 18 号"
        uscc = factory.uscc
        db.session.commit()
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    client.post("/logout")
    login_as("trainer")
    version = client.get(f"/api/v1/cases/{case_id}").json["version"]
    leaky = {
        **CLEAN_STORY,
        "problem_zh": "渝北橡胶厂的横切锯没有防护罩，地址：双凤桥街道工业园18号。",
        "idea_en": "Zhang Li from Yubei Rubber suggested the buttons.",
        "cost_benefit_en": f"Paid by company {uscc.lower()}.",
    }
    response = client.patch(
        f"/api/v1/cases/{case_id}", json={**leaky, "version": version, "status": "published"}
    )
    assert response.status_code == 409
    error = response.json["error"]
    assert error["code"] == "anonymity_warning"
    found = {(hit["field"], hit["text"]) for hit in error["hits"]}
    assert ("problem_zh", "渝北橡胶厂") in found
    assert ("problem_zh", "双凤桥街道工业园18号") in found
    assert ("idea_en", "Zhang Li") in found
    assert ("idea_en", "Yubei Rubber") in found
    assert ("cost_benefit_en", uscc.lower()) in found
    with app.app_context():  # nothing was saved: the whole request was refused
        assert db.session.get(Case, case_id).status is CaseStatus.DRAFT
        assert db.session.get(Case, case_id).problem_zh != leaky["problem_zh"]

    # The page: a warning listing each hit, and an explicit "publish anyway".
    saved = client.patch(f"/api/v1/cases/{case_id}", json={**leaky, "version": version})
    assert saved.status_code == 200
    warned = client.post(f"/cases/{case_id}/publish")
    assert warned.status_code == 409
    text = warned.get_data(as_text=True)
    assert "渝北橡胶厂" in text and "Zhang Li" in text and "Publish anyway" in text
    assert 'name="confirm_anonymity" value="1"' in text
    with app.app_context():
        assert db.session.get(Case, case_id).status is CaseStatus.DRAFT
    confirmed = client.post(f"/cases/{case_id}/publish", data={"confirm_anonymity": "1"})
    assert confirmed.status_code == 302
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.status is CaseStatus.PUBLISHED and case.published_at is not None


def test_publishing_clean_text_needs_no_confirmation_and_can_be_taken_back(
    app, client, login_as, source, trainer_b, login
):
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    client.post("/logout")
    login_as("trainer")
    body = publish_clean(client, case_id)
    assert body["status"] == "published" and body["published_at"]
    other = login(trainer_b.username, c=app.test_client())
    assert other.get(f"/cases/{case_id}").status_code == 200
    assert client.post(f"/cases/{case_id}/unpublish").status_code == 302
    assert other.get(f"/cases/{case_id}").status_code == 404


def test_editing_a_published_case_is_checked_too(app, client, login_as, source):
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    client.post("/logout")
    login_as("trainer")
    version = publish_clean(client, case_id)["version"]
    leaky = {"version": version, "problem_zh": "渝北橡胶厂的横切锯没有防护罩。"}
    refused = client.patch(f"/api/v1/cases/{case_id}", json=leaky)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "anonymity_warning"
    page = client.post(
        f"/cases/{case_id}/edit",
        data={
            "version": version,
            "sector": "rubber_plastics",
            "control_type": "",
            "problem_zh": "渝北橡胶厂",
        },
    )
    assert page.status_code == 409 and 'name="confirm_anonymity"' in page.get_data(as_text=True)
    with app.app_context():
        assert "渝北橡胶厂" not in db.session.get(Case, case_id).problem_zh
    saved = client.patch(f"/api/v1/cases/{case_id}", json={**leaky, "confirm_anonymity": True})
    assert saved.status_code == 200 and saved.json["status"] == "published"


def test_anonymity_check_knows_shortened_names(app, world, make_user):
    with app.app_context():
        assert anonymity.zh_name_forms(
            "重庆巴南恒通塑胶有限公司", ["重庆市", "重庆", "巴南区", "巴南"]
        ) == [
            "重庆巴南恒通塑胶有限公司",
            "重庆巴南恒通塑胶",
            "恒通塑胶",
        ]
        assert anonymity.en_name_forms(
            "Chongqing Banan Hengtong Plastics Co., Ltd.", ["Chongqing", "Banan District", "Banan"]
        ) == [
            "Chongqing Banan Hengtong Plastics Co., Ltd.",
            "Chongqing Banan Hengtong Plastics",
            "Hengtong Plastics",
        ]
        # A one-word leftover ("Rubber") is an ordinary word, not a name.
        assert anonymity.en_name_forms("Yubei Rubber Works", ["Yubei"]) == [
            "Yubei Rubber Works",
            "Yubei Rubber",
        ]
        assert anonymity.person_forms("张丽 Zhang Li (安全委员会)") == ["张丽", "Zhang Li"]
        assert anonymity.person_forms("Inspector 7") == []
        terms = [anonymity.Term("Zhang Li", "person"), anonymity.Term("恒通塑胶", "factory_name")]
        found = anonymity.find_in_text("zhang  li visited 恒通 塑胶; Zhang Lisa did not", terms)
        assert [text for text, _ in found] == ["zhang  li", "恒通 塑胶"]  # as written


# ---------------------------------------------------------------- who sees drafts


def test_drafts_stay_private_to_the_trainer_working_on_them(
    app, client, login_as, login, source, trainer_b
):
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    with app.app_context():
        photo_id = db.session.get(Case, case_id).photos[0].id
    client.post("/logout")
    login_as("trainer")
    # A new draft waits for a trainer: the first one who edits it takes it up.
    version = client.get(f"/api/v1/cases/{case_id}").json["version"]
    assert (
        client.patch(
            f"/api/v1/cases/{case_id}", json={"version": version, "title_en": "Work in progress"}
        ).status_code
        == 200
    )
    other = login(trainer_b.username, c=app.test_client())
    assert other.get(f"/cases/{case_id}").status_code == 404
    assert other.get(f"/cases/{case_id}/edit").status_code == 404
    assert other.get(f"/api/v1/cases/{case_id}").status_code == 404
    assert other.get(f"/photos/{photo_id}/thumb").status_code == 404
    assert other.get(f"/cases/present?ids={case_id}").status_code == 404
    assert other.get(f"/cases/handout.pdf?ids={case_id}").status_code == 404
    assert other.get("/api/v1/cases").json["total"] == 0
    assert b"Work in progress" not in other.get("/cases").data
    # The trainer working on it, the promoting inspector and admins see it.
    assert client.get(f"/cases/{case_id}").status_code == 200
    assert client.get(f"/photos/{photo_id}/thumb").status_code == 200
    assert client.get("/api/v1/cases").json["total"] == 1
    admin = app.test_client()
    login_as("admin", c=admin)
    assert admin.get(f"/cases/{case_id}").status_code == 200
    inspector = app.test_client()
    login_as("inspector", c=inspector)
    assert inspector.get(f"/cases/{case_id}").status_code == 200
    assert inspector.get("/cases").status_code == 403  # the library is for trainers
    # Published, every trainer sees it.
    publish_clean(client, case_id)
    assert other.get(f"/cases/{case_id}").status_code == 200
    assert other.get("/api/v1/cases").json["total"] == 1


def test_committees_and_other_inspectors_do_not_use_the_library(
    app, client, login_as, source, make_user, login
):
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    for role in ("committee", "inspector_b"):
        c = app.test_client()
        login_as(role, c=c)
        assert c.get(f"/cases/{case_id}").status_code == 403
        assert c.get("/cases/999999").status_code == 403  # existence does not leak
        assert c.get("/api/v1/cases").status_code == 403
        assert c.get(f"/cases/present?ids={case_id}").status_code == 403


# ---------------------------------------------------------------- blurring


def _sha(app, key: str) -> str:
    return hashlib.sha256(_read(app, key)).hexdigest()


def _image(app, key: str) -> Image.Image:
    return Image.open(io.BytesIO(_read(app, key))).convert("RGB")


def _difference(a: Image.Image, b: Image.Image, box) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a.crop(box), b.crop(box))).mean) / 3


@pytest.mark.parametrize("storage_backend", ["local", "s3"])
def test_blur_changes_only_the_case_copy_and_only_in_the_region(app, client, login_as, source):
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    evidence_keys = _files(app, source["before_id"]) + _files(app, source["after_id"])
    evidence_hashes = [_sha(app, key) for key in evidence_keys]
    with app.app_context():
        copy = next(p for p in db.session.get(Case, case_id).photos if p.kind.value == "before")
        copy_id, old_web, old_thumb = copy.id, copy.web_key, copy.thumb_key
    before_blur = _image(app, old_web)
    with app.app_context():
        url_before = photo_url(db.session.get(Photo, copy_id), "web")

    client.post("/logout")

    login_as("trainer")
    region = {"x": 0.25, "y": 0.25, "w": 0.5, "h": 0.25}
    response = client.post(
        f"/cases/{case_id}/photos/{copy_id}/blur",
        json=region,
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.json
    # A new URL: photos are cached as immutable, so the unblurred one must not be reused.
    url = response.json["photo"]["url"]
    assert url.startswith(f"/photos/{copy_id}/web?v=") and url != url_before

    new_web, new_thumb = _files(app, copy_id)
    assert new_web != old_web and new_thumb != old_thumb  # new keys (caches see new files)
    with app.app_context():
        store = photo_services.storage()
        assert not store.exists(old_web) and not store.exists(old_thumb)  # deleted after commit
    after_blur = _image(app, new_web)
    width, height = after_blur.size
    inside = (int(0.3 * width), int(0.3 * height), int(0.7 * width), int(0.45 * height))
    assert _difference(before_blur, after_blur, inside) > 20
    margin = 16  # JPEG blocks at the region's edge may change a little
    outside = [
        (0, 0, width, int(0.25 * height) - margin),
        (0, int(0.5 * height) + margin, width, height),
        (0, 0, int(0.25 * width) - margin, height),
        (int(0.75 * width) + margin, 0, width, height),
    ]
    for box in outside:
        assert _difference(before_blur, after_blur, box) < 3, box
    # The evidence is untouched: same keys, same bytes.
    assert _files(app, source["before_id"]) + _files(app, source["after_id"]) == evidence_keys
    assert [_sha(app, key) for key in evidence_keys] == evidence_hashes

    # Several regions: blur again, elsewhere; a form post works too.
    again = client.post(
        f"/cases/{case_id}/photos/{copy_id}/blur", data={"x": 0, "y": 0.8, "w": 0.2, "h": 0.2}
    )
    assert again.status_code == 302 and again.headers["Location"].endswith(f"#photo-{copy_id}")
    assert _files(app, copy_id)[0] != new_web
    assert [_sha(app, key) for key in evidence_keys] == evidence_hashes
    served = client.get(f"/photos/{copy_id}/web")
    assert served.status_code == 200 and served.data == _read(app, _files(app, copy_id)[0])


def test_blur_refuses_bad_regions_and_other_cases_photos(app, client, login_as, source):
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    with app.app_context():
        copy_id = db.session.get(Case, case_id).photos[0].id
    client.post("/logout")
    login_as("trainer")
    url = f"/cases/{case_id}/photos/{copy_id}/blur"
    for bad in ({}, {"x": "a", "y": 0, "w": 1, "h": 1}, {"x": 2, "y": 2, "w": 1, "h": 1}):
        response = client.post(url, json=bad, headers={"Accept": "application/json"})
        assert response.status_code == 400, bad
    # The evidence photo is not the case's: blurring it through the case is a 404.
    evidence = client.post(
        f"/cases/{case_id}/photos/{source['before_id']}/blur",
        json={"x": 0, "y": 0, "w": 0.5, "h": 0.5},
    )
    assert evidence.status_code == 404


def test_removing_a_photo_from_a_case_keeps_the_evidence(app, client, login_as, source):
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    with app.app_context():
        copy = next(p for p in db.session.get(Case, case_id).photos if p.kind.value == "after")
        copy_id, copy_key = copy.id, copy.web_key
    evidence_key = _files(app, source["after_id"])[0]
    client.post("/logout")
    login_as("trainer")
    assert client.post(f"/cases/{case_id}/photos/{copy_id}/remove").status_code == 302
    with app.app_context():
        assert db.session.get(Photo, copy_id) is None
        assert db.session.get(Photo, source["after_id"]) is not None
        store = photo_services.storage()
        assert not store.exists(copy_key) and store.exists(evidence_key)


# ---------------------------------------------------------------- the trainer's view


def _identifying(app, world, source, extra_people) -> list[str]:
    with app.app_context():
        factory = db.session.get(Factory, world.a.id)
        inspection = inspection_services.get_inspection_or_404(
            source["inspection_id"], db.session.get(User, world.users["admin"].id)
        )
        people = [*inspection.inspectors, *extra_people()]
        words = [factory.name_zh, factory.name_en, factory.uscc, factory.address]
        for person in people:
            words += [person.username, person.display_name]
        return [w for w in words if w]


def test_a_trainer_never_sees_the_source_factory(
    app, client, login_as, world, make_user, source, tmp_path
):
    with app.app_context():
        factory = db.session.get(Factory, world.a.id)
        factory.address = "重庆市渝北区双凤桥街道工业园 18 号"
        db.session.commit()
    make_user(
        Role.COMMITTEE, factory_id=world.a.id, display_name="张丽 Zhang Li", username="zhangli"
    )
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    client.post("/logout")
    login_as("trainer")
    publish_clean(client, case_id)

    def factory_people():
        return db.session.scalars(sa.select(User).where(User.factory_id == world.a.id)).all()

    secrets = _identifying(app, world, source, factory_people)
    assert "渝北橡胶厂" in secrets and "zhangli" in secrets

    responses = {
        "case page": client.get(f"/cases/{case_id}"),
        "library": client.get("/cases"),
        "search": client.get("/cases?q=saw"),
        "presentation": client.get(f"/cases/present?ids={case_id}"),
        "home": client.get("/"),
        "api list": client.get("/api/v1/cases"),
        "api detail": client.get(f"/api/v1/cases/{case_id}"),
    }
    for name, response in responses.items():
        assert response.status_code == 200, name
        body = response.get_data(as_text=True)
        for secret in secrets:
            assert secret not in body, f"{name} shows {secret!r}"
        assert "finding_id" not in body and "factory_id" not in body, name
        # Every photo URL is a case copy, never an evidence photo.
        for photo_id in map(int, re.findall(r"/photos/(\d+)/", body)):
            with app.app_context():
                assert db.session.get(Photo, photo_id).case_id == case_id, name
        if name == "case page":
            assert re.findall(r"/photos/(\d+)/", body)
    detail = responses["api detail"].json
    evidence_ids = {source["before_id"], source["after_id"]}
    assert {p["id"] for p in detail["photos"]}.isdisjoint(evidence_ids)

    pdf = client.get(f"/cases/handout.pdf?ids={case_id}&lang=zh_CN")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    (tmp_path / "h.pdf").write_bytes(pdf.data)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "h.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "双手控制切割机" in text.replace("\n", "")
    for secret in secrets:
        assert secret not in text

    # The evidence photos themselves stay out of reach.
    for photo_id in evidence_ids:
        assert client.get(f"/photos/{photo_id}/web").status_code == 404


# ---------------------------------------------------------------- demo data


def test_demo_publishes_the_saw_story_and_more_cases_once(app, login):
    from inspect_app.cases import demo as cases_demo
    from inspect_app.demo import DEMO_PASSWORD, FACTORIES, load_demo

    with app.app_context():
        context = load_demo()
        db.session.commit()
        cases = db.session.scalars(sa.select(Case).order_by(Case.id)).all()
        published = [c for c in cases if c.status is CaseStatus.PUBLISHED]
        assert len(published) >= 4
        assert len(cases) == len(published) + 1  # and one new draft waiting for a trainer
        saw = next(c for c in cases if c.finding_id == context["saw_story"]["finding_id"])
        assert saw.status is CaseStatus.PUBLISHED
        assert "双手控制" in saw.title_zh and "two-hand-control" in saw.title_en
        assert saw.sector == "rubber_plastics" and saw.city_en == "Chongqing"
        assert {p.kind.value for p in saw.photos} == {"before", "after"}
        assert all(p.source_photo_id and p.case_id == saw.id for p in saw.photos)
        for case in published:
            assert anonymity.check(case) == [], case.title_en
            assert all(
                getattr(case, f"{name}_{lang}")
                for name in ("title", "problem", "idea")
                for lang in ("zh", "en")
            )
        count = len(cases)

        cases_demo.load_demo_cases(context)  # loading again adds nothing
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(Case.id))) == count

    trainer = login("trainer", password=DEMO_PASSWORD, c=app.test_client())
    body = trainer.get("/api/v1/cases?per_page=100").get_data(as_text=True)
    assert trainer.get("/api/v1/cases?status=published").json["total"] == len(published)
    for row in FACTORIES:
        zh, en, address = row[1], row[2], row[7]
        assert zh not in body and en not in body and address not in body


def test_a_verified_actions_page_offers_to_make_a_case(app, client, login_as, source):
    """The inspector who verified the improvement makes it a case from where they are; the
    committee, and the same finding's still-open action, offer nothing."""
    from inspect_app.actions.models import Action, ActionStatus

    verified = source["action_ids"][0]
    with app.app_context():
        still_open = db.session.scalar(
            sa.select(Action.id).where(
                Action.finding_id == source["finding_id"], Action.status == ActionStatus.OPEN
            )
        )
    form = f'action="/findings/{source["finding_id"]}/promote"'
    login_as("inspector")
    assert form in client.get(f"/actions/{verified}").get_data(as_text=True)
    assert form not in client.get(f"/actions/{still_open}").get_data(as_text=True)
    response = client.post(f"/findings/{source['finding_id']}/promote")
    assert response.status_code == 302 and "/cases/" in response.headers["Location"]
    committee = app.test_client()
    login_as("committee", c=committee)
    assert form not in committee.get(f"/actions/{verified}").get_data(as_text=True)


# ---------------------------------------------------------------- whose published case


def test_only_its_editors_change_a_published_case_others_copy_it(
    app, client, login_as, login, source, trainer_b
):
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    client.post("/logout")
    login_as("trainer")
    version = publish_clean(client, case_id)["version"]
    other = login(trainer_b.username, c=app.test_client())
    page = other.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f"/cases/{case_id}/copy" in page and f"/cases/{case_id}/edit" not in page
    assert other.get(f"/cases/{case_id}/edit").status_code == 403
    assert other.post(f"/cases/{case_id}/unpublish").status_code == 403
    patch = other.patch(f"/api/v1/cases/{case_id}", json={"version": version, "title_en": "Mine"})
    assert patch.status_code == 403
    taken_back = other.patch(
        f"/api/v1/cases/{case_id}", json={"version": version, "status": "draft"}
    )
    assert taken_back.status_code == 403
    assert other.get(f"/api/v1/cases/{case_id}").json["editable"] is False
    with app.app_context():
        original = db.session.get(Case, case_id)
        assert (original.status, original.title_en) == (
            CaseStatus.PUBLISHED,
            CLEAN_STORY["title_en"],
        )
        photos = len(original.photos)
    # Trainer B copies it into a draft of their own, with the story and photo copies.
    copied = other.post(f"/cases/{case_id}/copy")
    assert copied.status_code == 302
    copy_id = int(re.search(r"/cases/(\d+)/edit$", copied.headers["Location"]).group(1))
    with app.app_context():
        copy = db.session.get(Case, copy_id)
        assert copy.status is CaseStatus.DRAFT and copy.title_en == CLEAN_STORY["title_en"]
        assert len(copy.photos) == photos
        assert {p.web_key for p in copy.photos}.isdisjoint(
            p.web_key for p in db.session.get(Case, case_id).photos
        )
    assert other.get(f"/cases/{copy_id}/edit").status_code == 200
    # The case's own editor and admins still change the original.
    assert client.post(f"/cases/{case_id}/unpublish").status_code == 302
    admin = app.test_client()
    login_as("admin", c=admin)
    assert admin.get(f"/cases/{case_id}/edit").status_code == 200
