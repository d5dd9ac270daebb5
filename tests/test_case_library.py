"""The trainers' case library: search in Chinese and English, filters, the case page, the
presentation, the handout PDF, the home page."""

from __future__ import annotations

import re
import subprocess

import pytest
from test_cases import CLEAN_STORY, make_source, promote, publish_clean

from inspect_app.accounts.models import Role

BELT_STORY = {
    "title_zh": "给皮带传动装上网状防护罩",
    "title_en": "A mesh guard over an open belt drive",
    "problem_zh": "密炼车间的皮带和皮带轮完全裸露。",
    "problem_en": "The belt and pulleys of a mixer ran completely open.",
    "idea_zh": "操作工要求防护罩能看见皮带松紧。",
    "sector": "garments",
    "areas": ["machine_safety", "workstation"],
    "control_type": "administrative",
}


@pytest.fixture
def library(app, client, login_as, world, make_inspection):
    """Two published cases (the saw, the belt) and one draft nobody has taken up yet."""
    ids = {}
    login_as("inspector")
    for name in ("saw", "belt", "draft"):
        source = make_source(app, world, make_inspection)
        ids[name] = promote(client, source["finding_id"])
    client.post("/logout")
    login_as("trainer")
    publish_clean(client, ids["saw"])
    version = client.get(f"/api/v1/cases/{ids['belt']}").json["version"]
    response = client.patch(
        f"/api/v1/cases/{ids['belt']}",
        json={**BELT_STORY, "version": version, "status": "published"},
    )
    assert response.status_code == 200, response.json
    return ids


def _titles(client, query: str) -> list[str]:
    """English titles of the published cases the API finds (the draft shares their source
    text, so it would match too)."""
    response = client.get(f"/api/v1/cases?status=published&{query}")
    assert response.status_code == 200
    return [item["title_en"] for item in response.json["items"]]


def test_search_finds_a_case_by_a_chinese_word_and_by_an_english_word(client, library):
    saw, belt = CLEAN_STORY["title_en"], BELT_STORY["title_en"]
    assert _titles(client, "q=切割机") == [saw]  # Chinese: a substring of the title
    assert _titles(client, "q=皮带") == [belt]
    assert _titles(client, "q=cutting") == [saw]  # English, any case
    assert _titles(client, "q=PULLEYS") == [belt]  # from the story, not just the title
    assert _titles(client, "q=saw%20buttons") == [saw]  # every word must match
    assert _titles(client, "q=saw%20pulleys") == []
    assert _titles(client, "q=100%25") == []  # LIKE wildcards are plain characters
    page = client.get("/cases?q=切割机").get_data(as_text=True)
    assert CLEAN_STORY["title_zh"] not in page or CLEAN_STORY["title_en"] in page
    assert BELT_STORY["title_en"] not in page and BELT_STORY["title_zh"] not in page


def test_library_filters_by_area_control_type_sector_and_status(client, library):
    saw, belt = CLEAN_STORY["title_en"], BELT_STORY["title_en"]
    assert _titles(client, "area=workstation") == [belt]
    assert sorted(_titles(client, "area=machine_safety")) == sorted([saw, belt])
    assert _titles(client, "control_type=administrative") == [belt]
    assert _titles(client, "sector=garments") == [belt]
    assert _titles(client, "sector=rubber_plastics") == [saw]
    drafts = client.get("/api/v1/cases?status=draft").json["items"]
    assert [item["id"] for item in drafts] == [library["draft"]]  # a new draft to take up
    page = client.get("/cases?control_type=administrative&sector=garments").get_data(as_text=True)
    assert BELT_STORY["title_en"] in page or BELT_STORY["title_zh"] in page
    assert CLEAN_STORY["title_zh"] not in page


def test_library_page_has_cards_with_both_thumbnails_and_a_chooser(client, library):
    client.post("/language", data={"locale": "en"})
    page = client.get("/cases").get_data(as_text=True)
    assert page.count('class="case-card"') == 3
    for card in page.split('<article class="case-card"')[1:]:
        assert len(re.findall(r"/photos/\d+/thumb", card)) == 2  # before and after
    assert 'name="ids"' in page and 'form="choose-form"' in page
    assert 'formaction="/cases/handout.pdf"' in page
    assert "Draft" in page


def test_case_page_shows_both_photos_a_slider_the_story_and_the_numbers(client, library):
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/cases/{library['saw']}").get_data(as_text=True)
    assert CLEAN_STORY["title_en"] in page and CLEAN_STORY["idea_en"] in page
    assert 'type="range"' in page and "data-compare-stage" in page
    assert "style=" not in page  # CSP: no inline styles; the slider sets a custom property
    assert "¥1,200.50" in page and "Engineering control" in page
    assert "Machine safety" in page and "Rubber and plastics" in page and "Chongqing" in page
    assert "<script>" not in page


def test_presentation_has_one_slide_per_case_in_the_chosen_order(client, library):
    ids = f"{library['belt']},{library['saw']}"
    page = client.get(f"/cases/present?ids={ids}&lang=en").get_data(as_text=True)
    slides = re.findall(r'<section class="slide[^"]*" id="slide-(\d)"', page)
    assert slides == ["1", "2"]
    assert page.index(BELT_STORY["title_en"]) < page.index(CLEAN_STORY["title_en"])
    assert "data-deck-counter" in page and "case-present.js" in page
    assert "style=" not in page
    # The library's checkboxes send ids=1&ids=2: the same slides.
    same = client.get(f"/cases/present?ids={library['belt']}&ids={library['saw']}&lang=en")
    assert re.findall(r'id="slide-(\d)"', same.get_data(as_text=True)) == ["1", "2"]
    zh = client.get(f"/cases/present?ids={library['saw']}&lang=zh_CN").get_data(as_text=True)
    assert CLEAN_STORY["title_zh"] in zh and "整改前" in zh and "整改后" in zh
    nothing = client.get("/cases/present")
    assert nothing.status_code == 302 and nothing.headers["Location"].endswith("/cases")


def test_handout_is_one_page_per_case_in_the_chosen_language(client, library, tmp_path):
    ids = f"{library['saw']},{library['belt']}"
    for lang, expected in (("zh_CN", CLEAN_STORY["title_zh"]), ("en", "two-hand-control")):
        response = client.get(f"/cases/handout.pdf?ids={ids}&lang={lang}")
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
        path = tmp_path / f"{lang}.pdf"
        path.write_bytes(response.data)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        assert re.search(r"Pages:\s+2\b", info), info
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        flat = re.sub(r"\s+", "", text)
        assert re.sub(r"\s+", "", expected) in flat  # real text, Chinese included
        images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True)
        assert len(images.stdout.strip().splitlines()) - 2 >= 4  # before and after, each case


def test_library_is_for_trainers_and_admins(app, client, login_as, library):
    for role in ("inspector", "committee"):
        other = app.test_client()
        login_as(role, c=other)
        assert other.get("/cases").status_code == 403
        assert other.get(f"/cases/handout.pdf?ids={library['saw']}").status_code == 403
    admin = app.test_client()
    login_as("admin", c=admin)
    assert admin.get("/cases").status_code == 200
    assert admin.get("/api/v1/cases").json["total"] == 3
    assert admin.get(f"/api/v1/cases/{library['saw']}").json["source"]["finding_id"]


def test_trainer_home_shows_counts_and_recent_cases(client, library, make_user, login):
    client.post("/language", data={"locale": "en"})
    page = client.get("/").get_data(as_text=True)
    assert CLEAN_STORY["title_en"] in page and BELT_STORY["title_en"] in page
    published = re.search(r"<strong>(\d+)</strong><span>Published cases", page)
    drafts = re.search(r"<strong>(\d+)</strong><span>Drafts to edit", page)
    assert published.group(1) == "2" and drafts.group(1) == "1"
    nav = page[page.index('class="mainnav"') :]
    assert nav.index("Case library") < nav.index("Checklists")


def test_an_unused_trainer_sees_new_drafts_but_not_drafts_taken_up(
    app, client, library, make_user, login
):
    other = login(make_user(Role.TRAINER).username, c=app.test_client())
    ids = {item["id"] for item in other.get("/api/v1/cases").json["items"]}
    assert ids == {library["saw"], library["belt"], library["draft"]}
    version = client.get(f"/api/v1/cases/{library['draft']}").json["version"]
    client.patch(f"/api/v1/cases/{library['draft']}", json={"version": version, "title_en": "x"})
    ids = {item["id"] for item in other.get("/api/v1/cases").json["items"]}
    assert ids == {library["saw"], library["belt"]}
