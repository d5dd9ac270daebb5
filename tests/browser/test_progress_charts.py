"""The progress page in Chromium: every chart image loads (under the app's CSP), the page fits
a tablet in portrait and a phone without sideways scrolling, and on a phone the chart keeps a
legible size in its own scroller."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import sign_in
from test_progress import _action

from inspect_app.actions.models import ActionStatus as S
from inspect_app.extensions import db, local_today
from inspect_app.factories.models import KpiRecord
from inspect_app.progress import render

pytestmark = pytest.mark.browser


@pytest.fixture
def some_progress(app, world):
    with app.app_context():
        today = local_today()
        for n in range(1, 8):
            day = today - timedelta(days=30 * n)
            _action(world.a.id, day, [(day + timedelta(days=2), S.OPEN, S.IN_PROGRESS)])
            db.session.add(
                KpiRecord(
                    factory_id=world.a.id,
                    month=day.replace(day=1),
                    headcount=200,
                    near_misses=n,
                    accidents=1,
                    lost_time_injuries=n % 2,
                )
            )
        db.session.commit()


@pytest.mark.parametrize(
    ("viewport", "locale"),
    [({"width": 768, "height": 1024}, "zh-CN"), ({"width": 390, "height": 844}, "en-US")],
)
def test_committee_sees_every_chart_at_tablet_and_phone_width(
    some_progress, live_server, browser, world, viewport, locale
):
    context = browser.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, world.users["committee"].username)
    page.goto(f"{live_server}/factories/{world.a.id}/progress")
    page.wait_for_load_state("networkidle")

    images = page.locator("figure.chart img")
    assert images.count() == len(render.CHARTS)
    for i in range(images.count()):
        image = images.nth(i)
        image.scroll_into_view_if_needed()
        image.evaluate("img => img.decode()")
        assert image.evaluate("img => img.naturalWidth") > 500
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, "the page scrolls sideways"
    shown = images.first.evaluate("img => img.getBoundingClientRect().width")
    assert shown >= 560  # text stays legible: on a phone the chart scrolls in its own box
    assert errors == []
    context.close()
