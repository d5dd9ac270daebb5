"""Bilingual UI: a complete Chinese catalogue, and the language follows the user."""

from __future__ import annotations

import subprocess
import sys

from babel.messages.pofile import read_po
from support import REPO

CATALOGUE = REPO / "inspect_app" / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po"


def _read(path):
    with open(path, "rb") as fh:
        return read_po(fh, locale="zh_CN")


def _key(message):
    return message.id if isinstance(message.id, str) else message.id[0]


def test_every_message_in_the_code_is_in_the_chinese_catalogue(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(REPO / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            "--no-location",
            "--omit-header",
            str(REPO),
        ],
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    extracted = {_key(m) for m in _read(pot) if m.id}
    catalogued = {_key(m) for m in _read(CATALOGUE) if m.id}
    missing = sorted(extracted - catalogued)
    assert not missing, f"run `make translations` and translate: {missing}"


def test_the_catalogue_compiles_with_pybabel_as_make_run_does(tmp_path):
    """A fuzzy header makes `pybabel compile` skip the catalogue: the app would show no Chinese."""
    assert not _read(CATALOGUE).fuzzy, "remove '#, fuzzy' above the catalogue header"
    target = tmp_path / "zh_CN" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.po").write_bytes(CATALOGUE.read_bytes())
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    mo = target / "messages.mo"
    assert mo.exists() and mo.stat().st_size > 10_000


def test_no_chinese_message_is_empty_or_fuzzy():
    bad = []
    for message in _read(CATALOGUE):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s.strip() for s in strings):
            bad.append(_key(message))
    assert not bad, f"untranslated or fuzzy: {bad}"


def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")
    for message in _read(CATALOGUE):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        assert sorted(pattern.findall(source)) == sorted(pattern.findall(target)), source


def test_first_visit_follows_the_browser_language(app):
    chinese = app.test_client().get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "登录" in chinese.get_data(as_text=True)
    english = app.test_client().get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert (
        "Sign in" in english.get_data(as_text=True)
        and "登录" not in english.get_data(as_text=True).split("<main")[1]
    )


def test_language_choice_is_remembered_per_user(world, app, login):
    username = world.users["inspector"].username
    tablet = app.test_client()
    tablet.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(username, c=tablet)
    tablet.post("/language", data={"locale": "zh_CN", "next": "/factories"})
    assert "企业" in tablet.get("/factories").get_data(as_text=True)
    # Another device with an English browser still gets Chinese for this user.
    phone = app.test_client()
    phone.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(username, c=phone)
    assert "添加企业" in phone.get("/factories").get_data(as_text=True)


def test_language_switch_only_redirects_inside_the_site(client):
    response = client.post("/language", data={"locale": "en", "next": "//evil.example/"})
    assert response.status_code == 302 and response.location == "/"


def test_errors_are_translated_for_json_clients(world, app, login):
    c = app.test_client()
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    login(world.users["inspector"].username, c=c)
    body = c.get(f"/api/v1/factories/{world.b.id}").json
    assert body["error"]["message"].startswith("未找到")
