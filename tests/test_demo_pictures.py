"""Demo pictures carry readable Chinese captions, and `demo load` says who is who."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image, ImageChops, ImageFont

from inspect_app import demo_pictures
from inspect_app.demo import FACTORIES, USERS, load_factories, user_lines
from inspect_app.extensions import db
from inspect_app.factories.cli import load_regions
from inspect_app.factories.models import Factory


def _caption(image_bytes: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(image_bytes)).convert("L")
    return image.crop((20, demo_pictures.HEIGHT - 50, 400, demo_pictures.HEIGHT - 20))


def test_captions_are_drawn_with_an_installed_chinese_font():
    path, _index = demo_pictures.cjk_font_file()
    assert "CJK" in path or "wqy" in path.lower() or "Droid" in path
    font = demo_pictures._font(22)
    assert demo_pictures._draws_chinese(font)
    assert not demo_pictures._draws_chinese(ImageFont.load_default(size=22))
    # Two different captions give two different pictures (boxes would look alike).
    one = demo_pictures.picture(
        "saw", after=False, caption="锯片没有防护罩", when="2026-01", seed=1
    )
    two = demo_pictures.picture("saw", after=False, caption="通道被堵塞了", when="2026-01", seed=1)
    assert ImageChops.difference(_caption(one), _caption(two)).getbbox() is not None


def test_demo_load_fails_loudly_without_a_chinese_font(app, runner, monkeypatch):
    demo_pictures.cjk_font_file.cache_clear()
    monkeypatch.setattr(demo_pictures, "_candidates", lambda: [])
    try:
        result = runner.invoke(args=["demo", "load"])
    finally:
        demo_pictures.cjk_font_file.cache_clear()
    assert result.exit_code == 1
    assert "fonts-noto-cjk" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Factory)) == 0


def test_demo_users_are_listed_with_role_and_factory(app):
    with app.app_context():
        load_regions()
        factories = load_factories()
        lines = user_lines(factories)
    assert len(lines) == len(USERS)
    committee = next(line for line in lines if line.split()[0] == "committee-gd")
    assert "committee" in committee and FACTORIES[2][1] in committee
    inspector = next(line for line in lines if line.split()[0] == "inspector")
    assert "inspector" in inspector and "重庆市" in inspector
