"""Scripts and stylesheets are served minified, revalidate with their ETag, and stay valid."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from support import REPO

from inspect_app import create_app

STATIC = REPO / "inspect_app" / "static"
FORM_ASSETS = ("js/inspection-form.js", "js/offline-queue.js", "css/inspect-form.css")


def test_the_tablet_forms_scripts_and_styles_arrive_smaller_and_without_comments(client):
    for name in (*FORM_ASSETS, "js/app.js", "css/app.css"):
        source = (STATIC / name).read_bytes()
        response = client.get(f"/static/{name}?v=1")
        assert response.status_code == 200, name
        assert len(response.data) < 0.9 * len(source), name
        assert b"/*" not in response.data and b"\n  //" not in response.data, name
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        assert response.headers["Content-Type"] == f"{kind}; charset=utf-8"


def test_a_browser_revalidates_a_minified_file_with_its_etag(client):
    first = client.get("/static/js/inspection-form.js")
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get(
        "/static/js/inspection-form.js", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""


def test_other_files_and_bad_paths_are_left_to_flask(client):
    icon = client.get("/static/img/icon.svg")
    assert icon.status_code == 200 and icon.data == (STATIC / "img" / "icon.svg").read_bytes()
    icon.close()
    for path in ("/static/js/missing.js", "/static/../config.py", "/static/js/../../assets.py"):
        assert client.get(path).status_code == 404, path


def test_minifying_can_be_turned_off_for_debugging(app):
    plain = create_app({**app.config, "MINIFY_ASSETS": False})
    response = plain.test_client().get("/static/js/offline-queue.js")
    assert response.data == (STATIC / "js" / "offline-queue.js").read_bytes()
    response.close()


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("name", [n for n in FORM_ASSETS if n.endswith(".js")])
def test_the_minified_scripts_still_parse(client, tmp_path, name):
    target = tmp_path / name.replace("/", "-")
    target.write_bytes(client.get(f"/static/{name}").data)
    result = subprocess.run(  # noqa: S603 - node on a file this test wrote
        ["node", "--check", str(target)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
