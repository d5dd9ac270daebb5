"""Scripts and stylesheets are served minified, revalidate with their ETag, and stay valid."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from support import REPO

from inspect_app import create_app

STATIC = REPO / "inspect_app" / "static"
FORM_ASSETS = ("js/inspection-form.js", "js/offline-queue.js", "css/inspect-form.css")


def source_comments(source: bytes) -> list[bytes]:
    """The comments a developer wrote: block comments and line comments that start a line
    (a string such as "image/*" is code, not a comment)."""
    blocks = re.findall(rb"^\s*/\*(.*?)\*/", source, re.S | re.M)
    lines = re.findall(rb"^\s*//(.*)$", source, re.M)
    found = [text.strip() for text in (*blocks, *lines) if len(text.strip()) > 8]
    assert found, "each asset documents itself"
    return found


def test_the_tablet_forms_scripts_and_styles_arrive_smaller_and_without_comments(client):
    for name in (*FORM_ASSETS, "js/app.js", "css/app.css"):
        source = (STATIC / name).read_bytes()
        response = client.get(f"/static/{name}?v=1")
        assert response.status_code == 200, name
        assert len(response.data) < 0.9 * len(source), name
        for comment in source_comments(source):
            assert comment not in response.data, (name, comment)
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


def test_scripts_and_styles_travel_gzipped_and_revalidate_with_the_encoded_etag(client):
    import gzip

    source = client.get("/static/js/inspection-form.js").data
    first = client.get("/static/js/inspection-form.js", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in first.headers["Vary"]
    assert gzip.decompress(first.data) == source
    assert len(first.data) < 0.5 * len(source)
    assert first.headers["ETag"].endswith(':gzip"')
    again = client.get(
        "/static/js/inspection-form.js",
        headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_a_browser_that_accepts_brotli_gets_brotli(client):
    import brotli

    source = client.get("/static/css/app.css").data
    response = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.data) == source


def test_pages_and_json_are_compressed_but_photos_and_small_replies_are_not(client, login_as):
    login_as("inspector")
    page = client.get("/", headers={"Accept-Encoding": "gzip"}, follow_redirects=True)
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "gzip"
    spec = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert spec.headers["Content-Encoding"] == "gzip"
    health = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert health.status_code == 200 and "Content-Encoding" not in health.headers
    icon = client.get("/static/img/icon.svg", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in icon.headers  # a file streamed from disk, as it is
    icon.close()
