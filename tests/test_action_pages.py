# ruff: noqa: F811  (the builders are fixtures shared with test_actions.py)
"""Action pages: the committee's board, an action's page with its buttons and evidence, raising
actions, the inspector's verification queue, and the links from other pages."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from photo_files import jpeg_with_gps
from test_actions import as_user, make_action, make_finding  # noqa: F401  (fixtures)

from inspect_app.actions.models import Action, ActionEventKind, ActionStatus
from inspect_app.extensions import db, local_today
from inspect_app.inspections.models import Finding

S = ActionStatus


def _text(response) -> str:
    return response.get_data(as_text=True)


def _action(app, action_id: int) -> Action:
    db.session.expire_all()
    return db.session.get(Action, action_id)


def _card_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="action-(\d+)"', html)]


def _group(html: str, status: str) -> str:
    """The HTML of one status group of the board."""
    start = html.index(f'<section class="board-group" id="status-{status}"')
    return html[start : html.index("</section>", start)]


# ---------------------------------------------------------------- the board


def test_board_groups_by_status_with_overdue_first(world, as_user, make_action):
    today = local_today()
    later = make_action(due_on=today + timedelta(days=20), title="Later")
    overdue = make_action(due_on=today - timedelta(days=3), title="Late one")
    soon = make_action(due_on=today + timedelta(days=2), title="Soon")
    undated = make_action(title="No date")
    working = make_action(status=S.IN_PROGRESS, due_on=today - timedelta(days=1))
    suggestion = make_action(suggestion=True)
    response = as_user("committee").get(f"/factories/{world.a.id}/actions")
    assert response.status_code == 200
    html = _text(response)
    assert _card_ids(_group(html, "open")) == [overdue, soon, later, undated]
    assert _card_ids(_group(html, "in_progress")) == [working]
    assert _card_ids(_group(html, "proposed")) == [suggestion]
    assert html.index('id="status-proposed"') < html.index('id="status-open"')
    assert html.index('id="status-open"') < html.index('id="status-in_progress"')
    overdue_card = html[html.index(f'id="action-{overdue}"') :]
    overdue_card = overdue_card[: overdue_card.index("</li>")]
    assert "Overdue" in overdue_card and "⚠" in overdue_card and "3 days" in overdue_card
    soon_card = html[html.index(f'id="action-{soon}"') :]
    assert "Overdue" not in soon_card[: soon_card.index("</li>")]


def test_board_filters_by_area_owner_and_grade(world, as_user, make_finding, make_action):
    chemicals = make_finding(area="chemicals", grade="major")
    drums = make_action(finding_id=chemicals, responsible="张三")
    saw = make_action(responsible="李四")
    client = as_user("committee")
    board = f"/factories/{world.a.id}/actions"
    assert set(_card_ids(_text(client.get(board)))) == {drums, saw}
    assert _card_ids(_text(client.get(board + "?area=chemicals"))) == [drums]
    assert _card_ids(_text(client.get(board + "?grade=major"))) == [drums]
    assert _card_ids(_text(client.get(board + "?owner=李四"))) == [saw]
    html = _text(client.get(board + "?area=electrical"))
    assert _card_ids(html) == [] and "No action matches these filters." in html
    assert '<option value="张三"' in _text(client.get(board))  # owners offered to filter by


def test_board_shows_only_recent_closed_actions_with_a_link_to_the_rest(
    app,
    world,
    as_user,
    make_action,
):
    from inspect_app.actions import services

    ids = [make_action(status=S.VERIFIED) for _ in range(services.CLOSED_SHOWN + 2)]
    client = as_user("committee")
    html = _text(client.get(f"/factories/{world.a.id}/actions"))
    assert len(_card_ids(_group(html, "verified"))) == services.CLOSED_SHOWN
    assert "Show 2 more" in html
    every = _text(client.get(f"/factories/{world.a.id}/actions?status=verified"))
    assert len(_card_ids(every)) == len(ids)


def test_board_works_for_the_committee_from_the_menu(world, as_user):
    client = as_user("committee")
    home = _text(client.get("/"))
    assert "Our actions" in home and "Verification queue" not in home
    response = client.get("/actions/board")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/factories/{world.a.id}/actions")
    empty = _text(client.get(f"/factories/{world.a.id}/actions"))
    assert "No actions yet" in empty and "Record a suggestion" in empty


def test_committee_of_another_factory_does_not_see_the_board(world, as_user):
    assert as_user("committee_b").get(f"/factories/{world.a.id}/actions").status_code == 404
    assert as_user("trainer").get(f"/factories/{world.a.id}/actions").status_code == 403


# ---------------------------------------------------------------- the action page


def test_action_page_shows_before_and_after_side_by_side_and_the_finding(
    app,
    world,
    as_user,
    make_action,
):
    action_id = make_action(status=S.IN_PROGRESS, after_photo=True)
    response = as_user("committee").get(f"/actions/{action_id}")
    assert response.status_code == 200
    html = _text(response)
    with app.app_context():
        action = _action(app, action_id)
        before = action.finding.photos[0].id
        after = action.photos[0].id
        inspection_id = action.finding.inspection_id
    pair = html[html.index('class="pair"') :]
    assert pair.index(f"/photos/{before}/thumb") < pair.index(f"/photos/{after}/thumb")
    assert f"/inspections/{inspection_id}/report#finding-" in html
    assert "Unguarded cross-cut saw" in html and "Timeline" in html


def _buttons(html: str) -> set[str]:
    return set(re.findall(r'name="to" value="(\w+)"', html))


@pytest.mark.parametrize(
    ("role", "status", "expected"),
    [
        ("committee", S.PROPOSED, {"open", "void"}),
        ("committee", S.OPEN, {"in_progress"}),
        ("committee", S.IN_PROGRESS, {"done"}),
        ("committee", S.DONE, set()),
        ("committee", S.REJECTED, {"in_progress"}),
        ("inspector", S.DONE, {"verified", "rejected"}),
        ("inspector", S.OPEN, {"in_progress", "void"}),
        ("admin", S.DONE, set()),
        ("admin", S.REJECTED, {"in_progress", "void"}),
        ("inspector", S.VERIFIED, set()),
        ("committee", S.VOID, set()),
    ],
)
def test_action_page_offers_exactly_the_moves_the_user_may_make(
    role,
    status,
    expected,
    as_user,
    make_action,
):
    action_id = make_action(status=status)
    html = _text(as_user(role).get(f"/actions/{action_id}"))
    assert _buttons(html) == expected


def test_page_moves_need_a_reason_where_the_table_says(app, as_user, make_action):
    action_id = make_action(status=S.DONE, after_photo=True)
    client = as_user("inspector")
    html = _text(client.get(f"/actions/{action_id}"))
    send_back = html[html.index('value="rejected"') - 600 : html.index('value="rejected"') + 600]
    assert 'name="note"' in send_back and "required" in send_back
    refused = client.post(f"/actions/{action_id}/move", data={"to": "rejected", "note": ""})
    assert refused.status_code == 422 and "A reason is required." in _text(refused)
    with app.app_context():
        assert _action(app, action_id).status is S.DONE
    done = client.post(
        f"/actions/{action_id}/move", data={"to": "rejected", "note": "Guard is loose"}
    )
    assert done.status_code == 302
    with app.app_context():
        action = _action(app, action_id)
        assert action.status is S.REJECTED and action.events[-1].note == "Guard is loose"


def test_marking_done_without_the_after_photo_says_what_is_missing(
    app,
    as_user,
    make_action,
):
    action_id = make_action(status=S.IN_PROGRESS)
    client = as_user("committee")
    page = _text(client.get(f"/actions/{action_id}"))
    assert "Add at least one “after” photo" in page
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    refused = client.post(f"/actions/{action_id}/move", data={"to": "done"})
    assert refused.status_code == 422
    uploaded = client.post(
        f"/actions/{action_id}/photos",
        data={"photo": (io.BytesIO(jpeg_with_gps()), "after.jpg"), "kind": "after"},
    )
    assert uploaded.status_code == 302
    assert client.post(f"/actions/{action_id}/move", data={"to": "done"}).status_code == 302
    with app.app_context():
        assert _action(app, action_id).status is S.DONE


def test_only_an_inspector_gets_the_verification_photo_upload(as_user, make_action):
    action_id = make_action(status=S.DONE, after_photo=True)
    committee = _text(as_user("committee").get(f"/actions/{action_id}"))
    inspector = _text(as_user("inspector").get(f"/actions/{action_id}"))
    assert 'value="verification"' not in committee and 'value="after"' in committee
    assert 'value="verification"' in inspector
    refused = as_user("committee").post(
        f"/actions/{action_id}/photos",
        data={"photo": (io.BytesIO(jpeg_with_gps()), "v.jpg"), "kind": "verification"},
    )
    assert refused.status_code == 403


def test_due_date_form_keeps_history_with_the_reason(app, as_user, make_action):
    first = local_today() + timedelta(days=5)
    action_id = make_action(due_on=first)
    client = as_user("committee")
    later = first + timedelta(days=14)
    refused = client.post(f"/actions/{action_id}/due-date", data={"due_on": later.isoformat()})
    assert refused.status_code == 422 and "Say why the due date changes." in _text(refused)
    done = client.post(
        f"/actions/{action_id}/due-date",
        data={"due_on": later.isoformat(), "reason": "Supplier delay"},
    )
    assert done.status_code == 302
    html = _text(client.get(f"/actions/{action_id}"))
    assert f"Due date changed from {first.isoformat()} to {later.isoformat()}" in html
    assert "Supplier delay" in html
    with app.app_context():
        event = _action(app, action_id).events[-1]
        assert (event.kind, event.new_due_on) == (ActionEventKind.DUE_DATE, later)


def test_edit_form_saves_fields_and_refuses_a_stale_copy(app, as_user, make_action):
    action_id = make_action()
    client = as_user("committee")
    with app.app_context():
        version = _action(app, action_id).version
    form = {
        "title": "Fit a fixed guard",
        "responsible": "刘主任",
        "control_type": "engineering",
        "estimated_cost": "1,500",
        "version": str(version),
    }
    assert client.post(f"/actions/{action_id}/edit", data=form).status_code == 302
    stale = client.post(f"/actions/{action_id}/edit", data={**form, "title": "Other"})
    assert stale.status_code == 409
    negative = client.post(
        f"/actions/{action_id}/edit",
        data={**form, "version": str(version + 1), "actual_cost": "-5"},
    )
    assert negative.status_code == 422 and "A cost cannot be negative." in _text(negative)
    with app.app_context():
        action = _action(app, action_id)
        assert action.title == "Fit a fixed guard" and str(action.estimated_cost) == "1500.00"


# ---------------------------------------------------------------- raising actions


def test_one_tap_from_a_finding_raises_the_action_and_asks_for_details(
    app,
    as_user,
    make_finding,
):
    finding_id = make_finding(title="Blocked fire exit")
    response = as_user("inspector").post(f"/findings/{finding_id}/actions/new", data={})
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    with app.app_context():
        finding = db.session.get(Finding, finding_id)
        action = db.session.scalars(db.select(Action).where(Action.finding_id == finding_id)).one()
        assert action.title == finding.title and action.status is S.OPEN


def test_the_committee_raises_a_proposed_action_with_details(app, as_user, make_finding):
    finding_id = make_finding()
    client = as_user("committee")
    page = _text(client.get(f"/findings/{finding_id}/actions/new"))
    assert 'value="Unguarded cross-cut saw"' in page
    response = client.post(
        f"/findings/{finding_id}/actions/new",
        data={
            "title": "Two-hand control on the saw",
            "responsible": "王师傅",
            "due_on": (local_today() + timedelta(days=30)).isoformat(),
            "control_type": "engineering",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        action = db.session.scalars(db.select(Action).where(Action.finding_id == finding_id)).one()
        assert action.status is S.PROPOSED and action.responsible == "王师傅"


def test_suggestion_page_records_a_proposed_suggestion(app, world, as_user):
    client = as_user("committee")
    refused = client.post(f"/factories/{world.a.id}/actions/new", data={"title": ""})
    assert refused.status_code == 422
    response = client.post(
        f"/factories/{world.a.id}/actions/new",
        data={"title": "Trolley for the rubber rolls", "estimated_cost": "800"},
    )
    assert response.status_code == 302
    with app.app_context():
        action = db.session.scalars(db.select(Action)).one()
        assert (action.origin.value, action.status) == ("suggestion", S.PROPOSED)
    assert as_user("committee_b").get(f"/factories/{world.a.id}/actions/new").status_code == 404


# ---------------------------------------------------------------- the verification queue


def test_queue_lists_only_in_region_done_and_overdue_actions(
    world,
    as_user,
    make_action,
):
    today = local_today()
    waiting = make_action(status=S.DONE, after_photo=True)
    late = make_action(due_on=today - timedelta(days=2))
    on_time = make_action(due_on=today + timedelta(days=2))
    verified = make_action(status=S.VERIFIED)
    elsewhere = make_action(factory=world.b, by="inspector_b", status=S.DONE, after_photo=True)
    client = as_user("inspector")
    assert "Verification queue" in _text(client.get("/"))
    html = _text(client.get("/actions/queue"))
    overdue_at = html.index('<section class="board-group" id="overdue"')
    assert _card_ids(html[:overdue_at]) == [waiting]
    overdue_part = html[overdue_at:]
    assert _card_ids(overdue_part) == [late]
    assert not {on_time, verified, elsewhere} & set(_card_ids(html))
    other = _text(as_user("inspector_b").get("/actions/queue"))
    assert _card_ids(other) == [elsewhere]
    assert as_user("committee").get("/actions/queue").status_code == 403


def test_queue_pages_each_list_and_counts_all_of_it(app, as_user, make_action):
    """A province holds thousands of actions: each list shows a page, its badge the total."""
    app.config["PER_PAGE"] = 2
    today = local_today()
    waiting = [make_action(status=S.DONE, after_photo=True) for _ in range(3)]
    late = [make_action(due_on=today - timedelta(days=5 - n)) for n in range(3)]
    client = as_user("inspector")

    def parts(url):
        html = _text(client.get(url))
        at = html.index('<section class="board-group" id="overdue"')
        return html[:at], html[at:]

    first_waiting, first_overdue = parts("/actions/queue")
    assert _card_ids(first_waiting) == waiting[:2]
    assert _card_ids(first_overdue) == late[:2]  # longest overdue first
    assert "Waiting for verification · 3" in first_waiting and "Overdue · 3" in first_waiting
    assert "Page 1 of 2" in first_waiting and "3 records" in first_overdue
    assert 'href="/actions/queue?waiting_page=2#waiting"' in first_waiting
    # The next page of one list leaves the other list where it was.
    second_waiting, same_overdue = parts("/actions/queue?waiting_page=2&overdue_page=1")
    assert _card_ids(second_waiting) == waiting[2:]
    assert _card_ids(same_overdue) == late[:2]
    _, second_overdue = parts("/actions/queue?overdue_page=2")
    assert _card_ids(second_overdue) == late[2:]
    # A page past the end (or a silly number) is an empty list, not an error.
    past, _ = parts("/actions/queue?waiting_page=99999999999")
    assert _card_ids(past) == [] and "Waiting for verification · 3" in past


def test_one_tap_verify_and_send_back_with_a_reason_from_the_queue(
    app,
    as_user,
    make_action,
):
    good = make_action(status=S.DONE, after_photo=True)
    poor = make_action(status=S.DONE, after_photo=True)
    client = as_user("inspector")
    html = _text(client.get("/actions/queue"))
    assert 'value="verified"' in html and 'value="rejected"' in html
    verified = client.post(
        f"/actions/{good}/move", data={"to": "verified", "next": "/actions/queue"}
    )
    assert verified.status_code == 302 and verified.headers["Location"].endswith("/actions/queue")
    no_reason = client.post(
        f"/actions/{poor}/move", data={"to": "rejected", "next": "/actions/queue"}
    )
    assert no_reason.status_code == 302  # back to the queue, saying what is missing
    assert "Give a reason for this step." in _text(client.get("/actions/queue"))
    sent_back = client.post(
        f"/actions/{poor}/move",
        data={"to": "rejected", "note": "Still no guard", "next": "/actions/queue"},
    )
    assert sent_back.status_code == 302
    with app.app_context():
        assert _action(app, good).status is S.VERIFIED
        assert _action(app, good).finding.closed_at is not None
        assert _action(app, poor).status is S.REJECTED
    assert _card_ids(_text(client.get("/actions/queue"))) == []
    page = _text(as_user("committee").get(f"/actions/{poor}"))
    assert "Sent back by" in page and "Still no guard" in page  # the reason, on top


def test_next_never_leaves_the_site(as_user, make_action):
    action_id = make_action()
    response = as_user("inspector").post(
        f"/actions/{action_id}/move", data={"to": "in_progress", "next": "//evil.example/"}
    )
    assert response.headers["Location"].endswith(f"/actions/{action_id}")


# ---------------------------------------------------------------- links from other pages


def test_factory_page_links_the_board_with_counts(world, as_user, make_action):
    make_action(due_on=local_today() - timedelta(days=1))
    html = _text(as_user("committee").get(f"/factories/{world.a.id}"))
    assert f'href="/factories/{world.a.id}/actions"' in html
    assert "1 overdue" in html and "1 to do" in html


def test_report_lists_the_actions_raised_and_offers_create_action(
    app,
    world,
    as_user,
    make_finding,
    make_action,
):
    finding_id = make_finding()
    action_id = make_action(finding_id=finding_id, title="Fit the blade guard")
    with app.app_context():
        inspection_id = db.session.get(Finding, finding_id).inspection_id
    html = _text(as_user("inspector").get(f"/inspections/{inspection_id}/report"))
    assert f'href="/actions/{action_id}"' in html and "Fit the blade guard" in html
    assert f'action="/findings/{finding_id}/actions/new"' in html
    assert "Create action" in html


def test_committee_home_shows_what_needs_doing_with_one_tap_to_it(
    app, world, client, login_as, make_action
):
    """The committee lands on its numbers: overdue, to do, awaiting verification, verified,
    each a link to the board filtered to those actions."""
    late = [make_action(due_on=local_today() - timedelta(days=d)) for d in (3, 1)]
    make_action(due_on=local_today() + timedelta(days=9))
    make_action(status=S.DONE, after_photo=True)
    login_as("committee")
    page = client.get("/").get_data(as_text=True)
    factory_id = world.a.id

    def tile(label):
        at = page.index(f"<span>{label}</span>")
        start = page.rindex("<a ", 0, at)
        return page[start:at]

    overdue = tile("Overdue actions")
    assert "tile-alert" in overdue and "<strong>2</strong>" in overdue
    assert f'href="/factories/{factory_id}/actions?overdue=1"' in overdue
    assert "<strong>3</strong>" in tile("Actions to do")
    awaiting = tile("Awaiting verification")
    assert "<strong>1</strong>" in awaiting and "status=done" in awaiting
    assert f'href="/factories/{factory_id}/kpis"' in page
    assert f'href="/factories/{factory_id}/actions/new"' in page
    # The board's filter the overdue tile points to shows exactly those two.
    board = _text(client.get(f"/factories/{factory_id}/actions?overdue=1"))
    assert sorted(_card_ids(board)) == sorted(late)
