"""Good practice at hand (issue 17): beside a problem answer the tablet form offers up to three
published cases about the same checklist item, or failing that the same hazard area, as the
case library shows them to the inspector (anonymised), cheapest first, with before and after
thumbnails; one tap takes the idea to a new action on the item's finding."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from test_cases import photo_bytes

from inspect_app import sqlcount
from inspect_app.accounts.models import User
from inspect_app.cases.models import Case, CaseStatus
from inspect_app.extensions import db, utcnow
from inspect_app.inspections import services as inspection_services
from inspect_app.photos import services as photo_services

ITEM = "machine-guarding/guard-01"  # guard-01 is about machine safety, like guard-02


@pytest.fixture
def make_case(app, world):
    """Builder: a case written by `by` (the inspector, by default), published unless told,
    optionally with a before and an after photo; returns its id."""

    def make(
        title: str,
        *,
        item: str | None = ITEM,
        areas=("machine_safety",),
        cost: str | None = None,
        published: bool = True,
        by: str = "inspector",
        photos: bool = False,
    ) -> int:
        with app.app_context():
            author = db.session.get(User, world.users[by].id)
            case = Case(
                status=CaseStatus.PUBLISHED if published else CaseStatus.DRAFT,
                factory_id=world.a.id,
                sector="rubber_plastics",
                city_zh="重庆市",
                city_en="Chongqing",
                areas=list(areas),
                checklist_item=item,
                cost=Decimal(cost) if cost is not None else None,
                title_zh=title,
                problem_zh="横切锯的锯片完全外露。",
                idea_zh=f"{title}：工人自己想出的办法。",
                created_by_id=author.id,
                published_at=utcnow() if published else None,
            )
            db.session.add(case)
            db.session.flush()
            if photos:
                for seed, kind in ((1, "before"), (2, "after")):
                    photo_services.add_photo(
                        photo_bytes(seed),
                        factory_id=world.a.id,
                        by_id=author.id,
                        case_id=case.id,
                        kind=kind,
                    )
            db.session.commit()
            return case.id

    return make


@pytest.fixture
def form(make_inspection):
    """A draft on the machine-guarding checklist: the practice URL of one of its items."""
    inspection_id = make_inspection(checklist="machine-guarding", kind="score_visit")
    return lambda item_id="guard-02": f"/inspections/{inspection_id}/practice/{item_id}"


def titles(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    return [case["title"] for case in response.json["cases"]]


def test_the_same_item_comes_first_then_the_same_area_cheapest_first(
    client, login_as, make_case, form
):
    make_case("护罩A", item="machine-guarding/guard-02", cost="900")
    make_case("护罩B", item="machine-guarding/guard-02", cost="300")
    make_case("同领域便宜", item=ITEM, cost="10")  # same area, another item: after the item's
    make_case("同领域无价", item=None, cost=None)  # no cost known: after every priced one
    make_case("化学品", item="machine-guarding/other", areas=("chemicals",), cost="1")
    login_as("inspector")
    assert titles(client, form("guard-02")) == ["护罩B", "护罩A", "同领域便宜"]


def test_at_most_three_cases_and_an_unknown_cost_goes_last(client, login_as, make_case, form):
    for title, cost in (("无价", None), ("贵", "5000"), ("便宜", "80"), ("中等", "500")):
        make_case(title, item="machine-guarding/guard-02", cost=cost)
    login_as("inspector")
    assert titles(client, form("guard-02")) == ["便宜", "中等", "贵"]


def test_an_item_of_another_checklist_with_the_same_id_is_only_an_area_match(
    client, login_as, make_case, form
):
    """Item ids repeat across checklists (the same id is another question): the checklist
    counts too."""
    make_case("别的清单", item="workplace-inspection/guard-02", areas=("chemicals",), cost="1")
    make_case("同领域", item=None, cost="50")
    login_as("inspector")
    response = client.get(form("guard-02"))
    assert [c["title"] for c in response.json["cases"]] == ["同领域"]
    assert response.json["cases"][0]["same_item"] is False


def test_drafts_and_cases_out_of_the_users_sight_never_show(app, client, login_as, make_case, form):
    make_case("草稿", published=False, cost="1")
    make_case("别人的", by="inspector_b", cost="2")  # the library shows it to admins and trainers
    make_case("我的", cost="300")
    login_as("inspector")
    assert titles(client, form()) == ["我的"]
    admin = login_as("admin", c=app.test_client())
    assert titles(admin, form()) == ["别人的", "我的"]


def test_a_case_shows_as_the_library_shows_it_with_thumbnails_and_no_source(
    app, client, login_as, make_case, form, world
):
    case_id = make_case("双手控制切割机", cost="1200.5", photos=True)
    login_as("inspector")
    client.post("/language", data={"locale": "zh_CN"})
    response = client.get(form("guard-01"))
    [case] = response.json["cases"]
    assert set(case) == {
        "id",
        "title",
        "idea",
        "sector",
        "city",
        "areas",
        "cost",
        "same_item",
        "before",
        "after",
    }
    assert case["id"] == case_id and case["same_item"] is True
    assert case["idea"] == "双手控制切割机：工人自己想出的办法。"
    assert (case["city"], case["cost"], case["areas"]) == ("重庆市", "¥1,200.50", ["机器安全"])
    text = json.dumps(response.json["cases"], ensure_ascii=False)
    assert "双手控制切割机" in text
    for secret in (world.a.name_zh, world.a.name_en, world.a.uscc, "finding", "factory"):
        assert secret not in text
    for kind in ("before", "after"):
        assert "/thumb?v=" in case[kind]
        thumb = client.get(case[kind])
        assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
        thumb.close()


def test_committees_and_trainers_get_nothing_and_an_unknown_item_is_not_found(
    app, client, login_as, make_case, form
):
    make_case("护罩", cost="1")
    committee = login_as("committee", c=app.test_client())  # the draft is not theirs yet
    assert committee.get(form()).status_code == 404
    trainer = login_as("trainer", c=app.test_client())
    assert trainer.get(form()).status_code == 404
    login_as("inspector")
    assert client.get(form("no-such-item")).status_code == 404


def test_the_idea_arrives_in_the_new_actions_description(
    app, client, login_as, make_inspection, world
):
    inspection_id = make_inspection(checklist="machine-guarding", kind="score_visit")
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        inspection = inspection_services.get_inspection_or_404(inspection_id, inspector)
        finding, _ = inspection_services.add_finding(
            inspection, by=inspector, title="护罩缺失", item_id="guard-01"
        )
        db.session.commit()
        finding_id = finding.id
    login_as("inspector")
    new_action = f"/findings/{finding_id}/actions/new"
    page = client.get(new_action, query_string={"description": "加装护罩"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'name="description">\s*加装护罩</textarea>', html)
    assert 'value="护罩缺失"' in html  # the finding's title, as before


def test_the_statements_for_the_suggestions_do_not_grow_with_the_cases(
    app, client, login_as, make_case, form
):
    """One query picks the cases, one more reads their photos: three cases from a library of
    one or of thirty cost the same statements."""
    sqlcount.init_app(app)
    url = form("guard-02")
    make_case("护罩", item="machine-guarding/guard-02", cost="100", photos=True)
    login_as("inspector")

    def statements() -> int:
        response = client.get(url)
        assert response.status_code == 200
        return int(response.headers[sqlcount.HEADER])

    one = statements()
    for n in range(30):
        item = "machine-guarding/guard-02" if n % 2 else ITEM
        make_case(f"案例{n}", item=item, cost=str(n), photos=n < 4)
    assert len(client.get(url).json["cases"]) == 3
    assert statements() == one, "statements grew with the number of cases"
    assert one <= 8, one
