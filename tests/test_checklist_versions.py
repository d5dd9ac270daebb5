"""Checklist versions: keyed by content, immutable, pinned by number; bad files are skipped and
shown to admins; the `checklists validate` and `checklists load` commands."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa
from support import REPO

from inspect_app.checklists import services
from inspect_app.checklists.models import ChecklistVersion
from inspect_app.extensions import db

SHIPPED = REPO / "checklists"
BROKEN = REPO / "tests" / "checklists" / "broken"
OLD_TEXT = "Fit fixed guards over all exposed pulleys"
NEW_TEXT = "Fit fixed guards over every exposed pulley"


@pytest.fixture
def checklist_dir(app, tmp_path):
    """A copy of the shipped checklists that the app loads from, for tests that edit files."""
    folder = tmp_path / "checklists"
    shutil.copytree(SHIPPED, folder)
    app.config["CHECKLIST_DIR"] = str(folder)
    return folder


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _versions(app, slug: str) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(ChecklistVersion.number, ChecklistVersion.content_hash)
            .where(ChecklistVersion.slug == slug)
            .order_by(ChecklistVersion.number)
        )
        return [tuple(row) for row in rows]


def test_loading_the_same_files_twice_keeps_one_version_each(app, runner, checklist_dir):
    first = runner.invoke(args=["checklists", "load"])
    assert first.exit_code == 0, first.output
    assert "machine-guarding.yaml: machine-guarding v1 (new version)" in first.output
    second = runner.invoke(args=["checklists", "load"])
    assert second.exit_code == 0, second.output
    assert second.output.splitlines() == [
        "machine-guarding.yaml: machine-guarding v1 (unchanged)",
        "major-accident-hazards.yaml: major-accident-hazards v1 (unchanged)",
        "score-module5.yaml: score-module5 v1 (unchanged)",
        "workplace-inspection.yaml: workplace-inspection v1 (unchanged)",
    ]
    assert len(_versions(app, "machine-guarding")) == 1


def test_a_comment_or_reformatting_is_not_a_new_version(app, runner, checklist_dir):
    runner.invoke(args=["checklists", "load"])
    path = checklist_dir / "machine-guarding.yaml"
    path.write_text("# reviewed 2026-11\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    result = runner.invoke(args=["checklists", "load"])
    assert "machine-guarding v1 (unchanged)" in result.output
    assert len(_versions(app, "machine-guarding")) == 1


def test_editing_the_text_makes_version_two_and_keeps_version_one(
    app, runner, client, checklist_dir, login_as
):
    runner.invoke(args=["checklists", "load"])
    _edit(checklist_dir / "machine-guarding.yaml", OLD_TEXT, NEW_TEXT)

    result = runner.invoke(args=["checklists", "load"])

    assert "machine-guarding.yaml: machine-guarding v2 (new version)" in result.output
    (v1, hash1), (v2, hash2) = _versions(app, "machine-guarding")
    assert (v1, v2) == (1, 2) and hash1 != hash2
    login_as("inspector")
    latest = client.get("/api/v1/checklists/machine-guarding").json
    assert latest["version"] == 2 and latest["versions"] == [1, 2]
    assert latest["sections"][0]["items"][0]["text"]["en"].startswith(NEW_TEXT)
    old = client.get("/api/v1/checklists/machine-guarding?version=1").json
    assert old["version"] == 1 and old["content_hash"] == hash1
    assert old["sections"][0]["items"][0]["text"]["en"].startswith(OLD_TEXT)
    listed = {c["slug"]: c for c in client.get("/api/v1/checklists").json["items"]}
    assert listed["machine-guarding"]["version"] == 2
    assert listed["machine-guarding"]["content_hash"] == hash2


def test_an_older_version_still_renders_and_says_it_is_older(
    app, runner, client, checklist_dir, login_as
):
    runner.invoke(args=["checklists", "load"])
    _edit(checklist_dir / "machine-guarding.yaml", OLD_TEXT, NEW_TEXT)
    runner.invoke(args=["checklists", "load"])
    login_as("trainer")

    page = client.get("/checklists/machine-guarding?version=1&lang=en").get_data(as_text=True)

    assert OLD_TEXT in page and NEW_TEXT not in page
    assert "an older version" in page
    latest = client.get("/checklists/machine-guarding?lang=en").get_data(as_text=True)
    assert NEW_TEXT in latest and "?version=1" in latest  # the version list links to v1


def test_a_stored_version_is_never_rewritten(app, runner, checklist_dir):
    runner.invoke(args=["checklists", "load"])
    with app.app_context():
        before = db.session.scalar(
            sa.select(ChecklistVersion.definition).where(
                ChecklistVersion.slug == "machine-guarding", ChecklistVersion.number == 1
            )
        )
    _edit(checklist_dir / "machine-guarding.yaml", OLD_TEXT, NEW_TEXT)
    runner.invoke(args=["checklists", "load"])
    with app.app_context():
        v1 = services.get_version("machine-guarding", 1)
        assert v1.definition == before
        assert services.definition_of(v1).item("guard-01").text.en.startswith(OLD_TEXT)


def test_unknown_checklist_or_version_is_a_json_404(client, login_as, checklists_loaded):
    login_as("committee")
    for url in (
        "/api/v1/checklists/no-such-list",
        "/api/v1/checklists/machine-guarding?version=9",
        "/api/v1/checklists/machine-guarding?version=latest",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json["error"]["code"] == "not_found"


def test_a_bad_file_is_skipped_while_the_good_ones_load(app, runner, checklist_dir):
    shutil.copy(BROKEN / "three_problems.yaml", checklist_dir / "zz-broken.yaml")

    result = runner.invoke(args=["checklists", "load"])

    assert result.exit_code == 1
    assert "zz-broken.yaml: skipped, 3 problem(s)" in result.output
    assert f"{checklist_dir / 'zz-broken.yaml'}:13:14: " in result.output
    assert "score-module5.yaml: score-module5 v1 (new version)" in result.output
    with app.app_context():
        slugs = {v.slug for v in services.latest_versions()}
    assert slugs == {
        "machine-guarding",
        "major-accident-hazards",
        "score-module5",
        "workplace-inspection",
    }


def test_admin_sees_each_file_with_its_status_and_errors(
    app, runner, client, checklist_dir, login_as
):
    runner.invoke(args=["checklists", "load"])
    _edit(checklist_dir / "machine-guarding.yaml", OLD_TEXT, NEW_TEXT)
    shutil.copy(BROKEN / "three_problems.yaml", checklist_dir / "zz-broken.yaml")
    login_as("admin")

    page = client.get("/admin/checklists").get_data(as_text=True)

    assert "score-module5.yaml" in page and "Valid, loaded as version 1" in page
    assert "Valid, changed since the last load: not stored yet" in page
    assert "3 problems" in page
    assert "zz-broken.yaml:13:14: sections[0].items[0].why: missing `zh` text" in page
    assert "zz-broken.yaml:22:17: sections[0].items[1].areas[0]: unknown area `noise`" in page


def test_admin_loads_the_files_from_the_page(app, client, checklist_dir, login_as):
    shutil.copy(BROKEN / "missing_zh.yaml", checklist_dir / "zz-broken.yaml")
    login_as("admin")

    response = client.post("/admin/checklists/load", follow_redirects=True)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "New versions stored: machine-guarding v1, major-accident-hazards v1" in page
    assert "1 file has problems and was skipped" in page
    assert "zz-broken.yaml:13:14:" in page
    again = client.post("/admin/checklists/load", follow_redirects=True)
    assert "No checklist has changed since the last load." in again.get_data(as_text=True)
    assert len(_versions(app, "score-module5")) == 1


def test_pages_keep_working_when_every_file_is_bad(app, client, tmp_path, login_as):
    folder = tmp_path / "bad-checklists"
    folder.mkdir()
    shutil.copy(BROKEN / "syntax_error.yaml", folder / "a.yaml")
    shutil.copy(BROKEN / "non_utf8.yaml", folder / "b.yaml")
    app.config["CHECKLIST_DIR"] = str(folder)
    login_as("admin")

    loaded = client.post("/admin/checklists/load", follow_redirects=True)
    library = client.get("/checklists")

    assert loaded.status_code == 200 and library.status_code == 200
    page = loaded.get_data(as_text=True)
    assert "2 files have problems and were skipped" in page
    assert "a.yaml:10:10: invalid YAML" in page and "b.yaml:12:49: not valid UTF-8" in page
    assert "No checklists are loaded yet" in library.get_data(as_text=True)


def test_a_missing_checklist_folder_is_reported_not_a_crash(app, client, tmp_path, login_as):
    app.config["CHECKLIST_DIR"] = str(tmp_path / "nowhere")
    login_as("admin")
    response = client.get("/admin/checklists")
    assert response.status_code == 200
    assert "cannot read the file" in response.get_data(as_text=True)


def test_validate_exits_0_for_the_shipped_checklists(runner, app):
    result = runner.invoke(args=["checklists", "validate"])
    assert result.exit_code == 0, result.output
    assert result.output == "4 checklists valid\n"


def test_validate_exits_1_with_one_line_per_problem(runner, tmp_path):
    broken = tmp_path / "broken.yaml"
    shutil.copy(BROKEN / "three_problems.yaml", broken)

    result = runner.invoke(args=["checklists", "validate", str(SHIPPED), str(broken)])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:2] == [
        f"{broken}:13:14: sections[0].items[0].why: missing `zh` text",
        f"{broken}:17:13: sections[0].items[1].id: duplicate item id `storage-01` "
        "(first at line 11)",
    ]
    assert lines[2].startswith(f"{broken}:22:17: sections[0].items[1].areas[0]: unknown area")
    assert len(lines) == 3
