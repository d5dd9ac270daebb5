"""Checklist pages: the library, a checklist in either language or side by side, the blank paper
form and its PDF, the admin pages, and the JSON API."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from inspect_app.checklists import services
from inspect_app.pdf import LocalStaticFetcher, render_pdf

ZH_ITEM = "清理并划线标出运输通道和人行通道"  # score-module5, storage-01
EN_ITEM = "Clear and mark transport routes and walkways"
ZH_WHY = "通道堵塞或地面不平是绊倒、滑倒和搬运车辆碰撞的常见原因"
CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


def test_library_lists_each_checklist_in_the_readers_language(client, login_as, checklists_loaded):
    login_as("trainer")
    english = client.get("/checklists").get_data(as_text=True)
    assert ">SCORE Module 5 workplace improvement checklist</a>" in english
    assert "Enforcement inspection" in english and '<td data-label="Items">69</td>' in english
    chinese = client.get("/checklists", headers=CHINESE).get_data(as_text=True)
    assert ">机械防护自查表</a>" in chinese


def test_empty_library_says_what_to_do(client, login_as):
    login_as("trainer")
    page = client.get("/checklists").get_data(as_text=True)
    assert "No checklists are loaded yet. Ask an administrator to load them." in page


def test_empty_library_sends_admins_to_the_checklist_files(client, make_user, login):
    admin = make_user("admin")
    login(admin.username)
    page = client.get("/checklists").get_data(as_text=True)
    assert 'href="/admin/checklists"' in page


def test_chinese_reader_sees_the_chinese_checklist(client, login_as, checklists_loaded):
    login_as("committee")
    page = client.get("/checklists/score-module5", headers=CHINESE).get_data(as_text=True)
    assert ZH_ITEM in page and EN_ITEM not in page
    assert "物料存放与搬运" in page  # a section title and an area badge
    assert ZH_WHY in page  # the guidance is on the page, behind one tap
    assert '<details class="guidance">' in page


def test_english_reader_sees_the_english_checklist(client, login_as, checklists_loaded):
    login_as("inspector")
    page = client.get("/checklists/score-module5").get_data(as_text=True)
    assert EN_ITEM in page and ZH_ITEM not in page
    assert "No action needed / Action needed / Priority action" in page
    assert "Photo required when action is needed" in page


def test_side_by_side_shows_both_languages(client, login_as, checklists_loaded):
    login_as("trainer")
    page = client.get("/checklists/score-module5?lang=both").get_data(as_text=True)
    assert ZH_ITEM in page and EN_ITEM in page
    assert "无需改进 No action needed / 需要改进 Action needed / 优先改进 Priority action" in page


def test_enforcement_checklist_shows_references_and_conditions(client, login_as, checklists_loaded):
    login_as("inspector")
    page = client.get("/checklists/workplace-inspection?lang=zh_CN").get_data(as_text=True)
    assert "《中华人民共和国安全生产法》第五条" in page
    assert "Only when dust-01 is answered 是." in page
    assert "是 / 否 / 不适用" in page
    assert "Decisive item" in page  # the items that are also major-hazard criteria


def test_a_regulation_shows_its_numbers_verdict_and_scope(client, login_as, checklists_loaded):
    login_as("inspector")
    page = client.get("/checklists/major-accident-hazards?lang=zh_CN").get_data(as_text=True)
    assert "第三条（一）" in page and "《工贸企业重大事故隐患判定标准》第三条第（一）项" in page
    assert "存在重大事故隐患" in page  # the verdict rule, in the checklist's words
    assert "存在 / 不存在 / 不适用" in page  # its own answer labels
    assert "Only for factories: Metallurgy (iron and steel)." in page  # the part's scope
    paper = client.get("/checklists/major-accident-hazards/print?lang=zh_CN").get_data(as_text=True)
    assert paper.count('<span class="box"></span> 不适用') == 19  # one per criterion


def test_unknown_checklist_is_not_found(client, login_as, checklists_loaded):
    login_as("trainer")
    assert client.get("/checklists/no-such-list").status_code == 404
    assert client.get("/checklists/score-module5?version=7").status_code == 404
    assert client.get("/checklists/score-module5/form.pdf?version=x").status_code == 404


def test_blank_form_has_boxes_to_tick_and_blanks_to_fill(client, login_as, checklists_loaded):
    login_as("trainer")
    page = client.get("/checklists/workplace-inspection/print?lang=en").get_data(as_text=True)
    for words in ("Factory", "Date", "Inspected by", "Notes", "Good points seen"):
        assert words in page
    # Yes / No / Not applicable since version 2 (the two gating questions are choices).
    assert page.count('<span class="box"></span> Not applicable') == 69 - 2
    assert "Download PDF" in page


def test_blank_form_speaks_the_chosen_language(client, login_as, checklists_loaded):
    login_as("trainer")
    page = client.get("/checklists/score-module5/print?lang=zh_CN").get_data(as_text=True)
    assert ZH_ITEM in page and EN_ITEM not in page
    assert '<span class="box"></span> 优先' in page
    assert '<html lang="zh-CN">' in page


def test_pdf_form_is_a_pdf_with_real_chinese_text(client, login_as, checklists_loaded):
    login_as("committee")

    response = client.get("/checklists/score-module5/form.pdf?lang=zh_CN")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "score-module5-v1-zh_CN.pdf" in response.headers["Content-Disposition"]
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],
        input=response.data,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    flat = "".join(text.split())
    assert ZH_ITEM in flat
    assert "物料存放与搬运" in flat


def test_pdf_fetcher_serves_only_the_apps_static_files():
    fetcher = LocalStaticFetcher()
    css = fetcher.fetch("http://localhost/static/css/print.css")
    assert b"Noto Sans CJK SC" in css.read() and css.content_type == "text/css"
    for url in (
        "https://example.com/static/../../etc/passwd",
        "http://localhost/static/%2e%2e/%2e%2e/pyproject.toml",
        "http://localhost/api/v1/me",
        "file:///etc/passwd",
        "https://fonts.example.com/font.woff2",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_render_pdf_skips_remote_resources():
    html = (
        '<link rel="stylesheet" href="https://cdn.example.com/x.css">'
        '<img src="http://tracker.example.com/p.png"><p>你好 PDF</p>'
    )
    pdf = render_pdf(html, base_url="http://localhost/")
    assert pdf.startswith(b"%PDF")


def test_only_admins_see_the_checklist_files(app, login_as, checklists_loaded):
    for role in ("inspector", "committee", "trainer"):
        c = app.test_client()
        login_as(role, c=c)
        assert c.get("/admin/checklists").status_code == 403, role
        assert c.post("/admin/checklists/load").status_code == 403, role


def test_every_role_finds_checklists_in_the_menu(app, login_as):
    for role in ("admin", "inspector", "committee", "trainer"):
        c = app.test_client()
        c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        login_as(role, c=c)
        menu = c.get("/").get_data(as_text=True).split('class="mainnav"')[1].split("</nav>")[0]
        assert 'href="/checklists"' in menu and "Checklists</a>" in menu, role


def test_api_lists_the_latest_versions(client, login_as, checklists_loaded):
    login_as("trainer")
    items = client.get("/api/v1/checklists").json["items"]
    by_slug = {item["slug"]: item for item in items}
    assert set(by_slug) == {
        "machine-guarding",
        "major-accident-hazards",
        "score-module5",
        "workplace-inspection",
    }
    score = by_slug["score-module5"]
    assert score["title"] == {
        "zh": "SCORE第5模块 职业安全健康改进检查表",
        "en": "SCORE Module 5 workplace improvement checklist",
    }
    assert score["kind"] == "score_visit" and score["version"] == 1
    assert score["item_count"] == 69 and len(score["content_hash"]) == 64


def test_api_returns_the_full_definition(client, login_as, checklists_loaded):
    login_as("committee")
    body = client.get("/api/v1/checklists/workplace-inspection").json
    assert body["id"] == "workplace-inspection" and body["versions"] == [1]
    item = body["sections"][0]["items"][0]
    assert set(item) >= {"id", "text", "why", "how", "answers", "areas", "photo", "references"}
    assert item["answers"] == {"kind": "yes_no", "problem": "no", "not_applicable": True}


def test_openapi_documents_the_checklist_endpoints(client):
    document = client.get("/api/v1/openapi.json").json
    assert "/checklists" in document["paths"] and "/checklists/{slug}" in document["paths"]
    for name in ("ChecklistSummary", "Checklist", "ChecklistItem", "Text"):
        assert name in document["components"]["schemas"]


def test_demo_load_stores_the_checklists(app, runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        slugs = [version.slug for version in services.latest_versions()]
        assert slugs == [
            "machine-guarding",
            "major-accident-hazards",
            "score-module5",
            "workplace-inspection",
        ]
