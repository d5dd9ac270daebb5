"""Hostile and broken photo uploads through the HTTP API, as a tablet or an attacker sends them.

Every upload is either accepted and stored clean (re-encoded JPEGs, upright, no EXIF at all, no
GPS, nothing appended) or refused with a 4xx JSON error ``{error: {code, message, fields}}``.
Never a 5xx, never a hang (each request is timed), and the bytes that were uploaded are never
what is stored. Real camera files come from ../shared/photos (that part is skipped without it).
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from pathlib import Path

import pytest
from photos import fixtures
from photos.fixtures import GREEN, GREY, RED, close_to, corner_colours, jpeg_header, jpeg_segments
from PIL import Image
from support import SHARED_PHOTOS, UnreadBody
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from inspect_app.extensions import db
from inspect_app.photos.models import Photo
from inspect_app.photos.services import storage

# A hang guard, not a speed test (speed is measured in bench/): generous enough for a 12 MP
# camera photo on a CI machine under heavy load, short enough that a hang fails the test.
SECONDS_PER_REQUEST = 90
# JPEG markers a re-encoded photo may carry: JFIF (APP0), tables, frame, scan, restart.
PIXEL_MARKERS = {0xE0, 0xDB, 0xC0, 0xC2, 0xC4, 0xDD, 0xDA}
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x01\x02")


def _generated() -> dict[str, tuple[bytes, str]]:
    """name → (bytes, what must happen: "accept" or "refuse")."""
    return {
        "png-bomb-100000x100000.png": (fixtures.png_bomb(), "refuse"),
        "jpeg-bomb-65000x65000.jpg": (fixtures.jpeg_bomb(), "refuse"),
        "png-bomb-just-over-limit.png": (fixtures.png_bomb(8000, 8000), "refuse"),
        "truncated.jpg": (fixtures.truncated_jpeg(), "refuse"),
        "pdf-renamed.jpg": (fixtures.NON_IMAGES["pdf"], "refuse"),
        "html-renamed.jpg": (fixtures.NON_IMAGES["html"], "refuse"),
        "svg-renamed.jpg": (fixtures.NON_IMAGES["svg"], "refuse"),
        "zip-renamed.jpg": (fixtures.NON_IMAGES["zip"], "refuse"),
        "text-renamed.jpg": (fixtures.NON_IMAGES["text"], "refuse"),
        "gif-renamed.jpg": (fixtures.gif(), "refuse"),
        "zero-bytes.jpg": (b"", "refuse"),
        "jpeg-header-only.jpg": (b"\xff\xd8\xff", "refuse"),
        "jpeg-zip-polyglot.jpg": (fixtures.jpeg_zip_polyglot(), "either"),
        "private-metadata.jpg": (fixtures.jpeg_with_private_metadata(), "accept"),
        "broken-exif.jpg": (fixtures.jpeg_with_broken_exif(), "accept"),
        "cmyk.jpg": (fixtures.cmyk_jpeg(), "accept"),
        "transparent.png": (fixtures.transparent_png(), "accept"),
        "grey16.png": (fixtures.grey16_png(), "accept"),
        "multi-picture.mpo.jpg": (fixtures.mpo(), "accept"),
        "phone.heic": (fixtures.heic(orientation=6), "accept"),
        **{f"orientation-{n}.jpg": (fixtures.oriented_jpeg(n), "accept") for n in range(1, 9)},
    }


GENERATED = _generated()
SHARED = (
    sorted(p.name for p in SHARED_PHOTOS.iterdir() if p.suffix.lower() != ".md")
    if SHARED_PHOTOS.is_dir()
    else []
)


@pytest.fixture
def finding(app, world, make_inspection, client, login_as):
    inspection_id = make_inspection(kind="score_visit")
    login_as("inspector")
    response = client.post(
        f"/api/v1/inspections/{inspection_id}/findings", json={"title": "Evidence"}
    )
    assert response.status_code == 201
    return {**response.json, "photos_url": f"/api/v1/findings/{response.json['id']}/photos"}


def upload(client, url: str, data: bytes, filename: str, **form):
    """POST a photo as the tablet does; fail if the server takes too long."""
    # Encoded here (in memory): the test client would spool a large body to a temporary file
    # that it never closes.
    boundary, body = encode_multipart(
        {"photo": FileStorage(io.BytesIO(data), filename=filename), **form}
    )
    return bounded(
        lambda: client.post(
            url, data=body, content_type=f"multipart/form-data; boundary={boundary}"
        ),
        filename,
    )


def bounded(request, what: str):
    """Send a request on a thread of its own and fail if it takes longer than
    SECONDS_PER_REQUEST: a hang fails the test instead of stopping the suite."""
    box: dict = {}

    def run():
        try:
            box["response"] = request()
        except BaseException as error:  # noqa: BLE001 - re-raised below
            box["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(SECONDS_PER_REQUEST)
    assert not thread.is_alive(), f"{what}: no answer after {SECONDS_PER_REQUEST} s"
    if "error" in box:
        raise box["error"]
    return box["response"]


def assert_refused_cleanly(response, name: str) -> None:
    assert 400 <= response.status_code < 500, f"{name}: {response.status_code}"
    assert response.is_json, f"{name}: not JSON"
    error = response.json["error"]
    assert set(error) >= {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)


def stored_files(app, photo_id: int) -> dict[str, bytes]:
    with app.app_context():
        photo = db.session.get(Photo, photo_id)
        store = storage()
        out = {}
        for size, key in (("web", photo.web_key), ("thumb", photo.thumb_key)):
            with store.open(key) as handle:
                out[size] = handle.read()
        return out


def assert_stored_clean(data: bytes, original: bytes, name: str) -> Image.Image:
    """A stored file: a plain JPEG (pixels only), not the upload, no EXIF/GPS/ZIP."""
    assert data != original, f"{name}: the upload was stored as it came"
    assert data[:2] == b"\xff\xd8" and data.endswith(b"\xff\xd9"), name
    markers = set(jpeg_segments(data))
    assert markers <= PIXEL_MARKERS, f"{name}: {sorted(hex(m) for m in markers - PIXEL_MARKERS)}"
    header = jpeg_header(data)
    for needle in (b"Exif", b"GPS", b"II*\x00", b"MM\x00*", b"http://ns.adobe.com/xap"):
        assert needle not in header, f"{name}: {needle!r} in the stored header"
    for signature in ZIP_SIGNATURES:
        assert signature not in data, f"{name}: a ZIP signature survived"
    image = Image.open(io.BytesIO(data), formats=["JPEG"])
    image.load()
    assert not image.getexif(), f"{name}: EXIF survived"
    assert not {"exif", "xmp", "icc_profile", "comment"} & image.info.keys(), name
    return image


def check_accepted(app, response, data: bytes, name: str) -> None:
    body = response.json
    assert {"id", "width", "height", "url", "thumb_url"} <= body.keys()
    files = stored_files(app, body["id"])
    web = assert_stored_clean(files["web"], data, name)
    assert_stored_clean(files["thumb"], data, name)
    # Upright: the stored picture has the shape the API reports (EXIF orientation applied).
    assert (web.width >= web.height) == (body["width"] >= body["height"]), name
    if name.startswith("orientation-"):
        corners = corner_colours(web)
        assert close_to(corners["top_left"], RED), (name, corners)
        assert close_to(corners["top_right"], GREEN), (name, corners)
        assert close_to(corners["bottom_left"], GREY), (name, corners)


# ---------------------------------------------------------------- every file, one by one


def _judge(app, response, data: bytes, name: str, expected: str) -> None:
    """Check one upload's outcome; raise AssertionError saying what is wrong."""
    if response.status_code == 201:
        assert expected in ("accept", "either"), "accepted, should have been refused"
        check_accepted(app, response, data, name)
        if name.startswith("orientation_"):  # the real camera files, stored upright
            web = Image.open(io.BytesIO(stored_files(app, response.json["id"])["web"]))
            assert (web.width > web.height) == ("landscape" in name), "not upright"
    else:
        assert expected in ("refuse", "either"), f"refused: {response.json}"
        assert_refused_cleanly(response, name)


def test_every_hostile_generated_and_real_file_is_stored_clean_or_refused(app, finding, client):
    """All generated files and every file in ../shared/photos (real cameras and phones, some
    broken): each is accepted and stored clean, or refused with a 4xx JSON error. Then the
    upload folder holds only re-encoded files, two per accepted photo, none of them an upload."""
    cases = {name: GENERATED[name] for name in sorted(GENERATED)}
    cases |= {name: ((SHARED_PHOTOS / name).read_bytes(), "either") for name in SHARED}
    problems: dict[str, str] = {}
    accepted = 0
    for name, (data, expected) in cases.items():
        try:
            response = upload(client, finding["photos_url"], data, name)
            accepted += response.status_code == 201
            _judge(app, response, data, name, expected)
        except AssertionError as error:
            problems[name] = str(error)
    assert problems == {}

    digests = {hashlib.sha256(data).hexdigest() for data, _ in cases.values()}
    files = [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]
    assert len(files) == 2 * accepted
    for path in files:
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() not in digests, f"{path.name} is an upload"
        assert_stored_clean(data, b"", path.name)


def test_refusals_say_what_is_wrong_in_the_photo_field(finding, client):
    cases = {
        "png-bomb-100000x100000.png": (413, "photo_too_many_pixels"),
        "jpeg-bomb-65000x65000.jpg": (413, "photo_too_many_pixels"),
        "truncated.jpg": (422, "photo_corrupt"),
        "svg-renamed.jpg": (415, "photo_not_an_image"),
        "gif-renamed.jpg": (415, "photo_unsupported_format"),
        "zero-bytes.jpg": (400, "photo_empty"),
    }
    for name, (status, code) in cases.items():
        response = upload(client, finding["photos_url"], GENERATED[name][0], name)
        assert (response.status_code, response.json["error"]["code"]) == (status, code), name
        assert response.json["error"]["fields"]["photo"], name


def test_a_truncated_photo_is_refused_after_a_pdf_was_rendered(app, finding, client, world):
    """WeasyPrint switches Pillow's process-wide LOAD_TRUNCATED_IMAGES on; a server that has
    rendered a PDF must still refuse a half-uploaded photo instead of storing a grey half."""
    from inspect_app.pdf import render_pdf

    with app.test_request_context():
        assert render_pdf("<p>report</p>", base_url="http://localhost/").startswith(b"%PDF")

    response = upload(client, finding["photos_url"], fixtures.truncated_jpeg(), "truncated.jpg")

    assert response.status_code == 422
    assert response.json["error"]["code"] == "photo_corrupt"


def test_truncated_photos_stay_refused_while_other_uploads_run_in_parallel(monkeypatch):
    """A threaded server ingests several uploads at once. Whatever one upload does to Pillow's
    process-wide LOAD_TRUNCATED_IMAGES must not let another upload's truncated file through
    (restoring the flag after each upload did, about once in a hundred)."""
    from PIL import ImageFile

    from inspect_app.photos.ingest import PhotoRejected, ingest

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # as `import weasyprint` does
    truncated, whole = fixtures.truncated_jpeg(), fixtures.large_jpeg((1200, 900))
    accepted: list[int] = []

    def uploads(data: bytes) -> None:
        for _ in range(15):
            try:
                ingest(data)
            except PhotoRejected:
                continue
            if data is truncated:
                accepted.append(1)

    threads = [threading.Thread(target=uploads, args=(d,)) for d in [truncated, whole] * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert accepted == []


def test_a_missing_photo_field_and_a_hostile_filename_are_handled(app, finding, client):
    missing = client.post(
        f"/api/v1/findings/{finding['id']}/photos",
        data={"picture": (io.BytesIO(fixtures.oriented_jpeg(1)), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert missing.status_code == 400
    assert_refused_cleanly(missing, "missing field")

    data = fixtures.oriented_jpeg(1)
    hostile = upload(client, finding["photos_url"], data, "../../../etc/passwd\x00.jpg")
    assert hostile.status_code == 201
    root = Path(app.config["UPLOAD_DIR"]).resolve()
    for path in root.rglob("*"):
        assert path.resolve().is_relative_to(root)
        assert "passwd" not in path.name


# ---------------------------------------------------------------- a 100 MB body


@pytest.fixture
def photo_urls(app, world, finding):
    """Every photo upload route of the JSON API, with a record of factory A to post to."""
    from inspect_app.actions.models import Action, ActionStatus

    with app.app_context():
        action = Action(factory_id=world.a.id, title="Guard", status=ActionStatus.IN_PROGRESS)
        db.session.add(action)
        db.session.commit()
        ids = {"finding_id": finding["id"], "action_id": action.id}
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and rule.rule.endswith("/photos"):
            if "POST" not in rule.methods:
                continue
            unknown = set(rule.arguments) - ids.keys()
            assert not unknown, f"{rule.rule}: add a record for {unknown} to photo_urls"
            urls.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule))
    assert urls
    return sorted(urls)


def test_a_100_mb_body_is_refused_with_413_without_being_read(app, photo_urls, client):
    size = 100 * 1024 * 1024
    assert size > app.config["MAX_CONTENT_LENGTH"]
    for url in photo_urls:
        body = UnreadBody(size, b"\x00")

        response = bounded(
            lambda url=url, body=body: client.post(
                url, input_stream=body, content_type="multipart/form-data; boundary=xyz"
            ),
            url,
        )

        assert response.status_code == 413, url
        assert_refused_cleanly(response, url)
        assert response.json["error"]["code"] == "too_large"
        assert body.read_bytes < 1024 * 1024, f"{url}: read {body.read_bytes} bytes of the body"


def test_every_upload_route_refuses_broken_files_and_accepts_good_ones(
    app, photo_urls, client, login_as
):
    login_as("committee")  # may add "after" photos to its factory's actions
    inspector = app.test_client()
    login_as("inspector", c=inspector)
    for url in photo_urls:
        poster = inspector if "/findings/" in url else client
        for name in ("truncated.jpg", "svg-renamed.jpg", "png-bomb-100000x100000.png"):
            response = upload(poster, url, GENERATED[name][0], name)
            assert_refused_cleanly(response, f"{url} {name}")
            assert response.json["error"]["code"].startswith("photo_"), (url, name)
        data = fixtures.jpeg_with_private_metadata()
        response = upload(poster, url, data, "good.jpg")
        assert response.status_code == 201, (url, response.json)
        check_accepted(app, response, data, url)
