"""Report PDFs are made by jobs: kept at submit, followed through queued → running → done or
failed (with a retry), on the embedded thread pool and through Redis to a worker."""

from __future__ import annotations

import os
import threading
import uuid

import pytest

from inspect_app import jobs
from inspect_app.accounts.models import User
from inspect_app.extensions import db
from inspect_app.inspections import reports
from inspect_app.inspections import services as inspection_services
from inspect_app.inspections.models import Inspection, InspectionStatus
from inspect_app.jobs import worker
from inspect_app.jobs.models import Job, JobStatus

ITEMS = [f"guard-0{n}" for n in range(1, 7)] + ["ctrl-01", "ctrl-02", "ctrl-03"]
ITEMS += [f"prac-0{n}" for n in range(1, 5)]
REDIS_URL = os.environ.get("INSPECT_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


class FakeRenderer:
    """Stands in for WeasyPrint (slow) where a test is about the job, not the PDF: counts the
    renderings; `hold()` keeps the next one running until `release()`; `fail` makes it raise."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str]] = []
        self.fail = False
        self.started = threading.Event()
        self.gate: threading.Event | None = None

    def __call__(self, inspection, lang, *, base_url):
        self.calls.append((inspection.id, lang))
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(60), "the test never released the rendering"
        if self.fail:
            raise RuntimeError("the renderer broke")
        return f"%PDF-1.7 report {inspection.id} {lang}".encode()

    def hold(self) -> None:
        self.gate = threading.Event()

    def release(self) -> None:
        assert self.gate is not None
        self.gate.set()


@pytest.fixture
def renderer(monkeypatch):
    fake = FakeRenderer()
    monkeypatch.setattr(reports, "render_report_pdf", fake)
    return fake


@pytest.fixture
def draft(make_inspection):
    return make_inspection(checklist="machine-guarding", kind="self_inspection")


@pytest.fixture
def answered_draft(app, world, draft):
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        inspection = db.session.get(Inspection, draft)
        for item_id in ITEMS:
            inspection_services.set_answer(inspection, item_id=item_id, value="no", by=inspector)
        db.session.commit()
    return draft


def _submitted(app, inspection_id) -> None:
    with app.app_context():
        db.session.get(Inspection, inspection_id).status = InspectionStatus.SUBMITTED
        db.session.commit()


def _jobs(app, inspection_id) -> list[Job]:
    with app.app_context():
        rows = db.session.scalars(
            db.select(Job).where(Job.subject_id == inspection_id).order_by(Job.lang)
        ).all()
        db.session.expunge_all()
        return rows


def _wait_done(app, job_id: int) -> Job:
    with app.app_context():
        job = jobs.wait_for(job_id, 60)
        db.session.expunge_all()
        return job


# ------------------------------------------------------------------ embedded (the default)


def test_submitting_keeps_the_report_pdf_in_both_languages(
    app, client, login_as, answered_draft, renderer
):
    app.config["JOBS_AT_SUBMIT"] = True
    login_as("inspector")
    response = client.post(f"/api/v1/inspections/{answered_draft}/submit")
    assert response.status_code == 200, response.json
    kept = _jobs(app, answered_draft)
    assert [job.lang for job in kept] == ["en", "zh_CN"]
    for job in kept:
        assert _wait_done(app, job.id).status == JobStatus.DONE
    assert sorted(renderer.calls) == [(answered_draft, "en"), (answered_draft, "zh_CN")]

    # Asked for afterwards, the kept PDF is served as it is: nothing is rendered again.
    pdf = client.get(f"/inspections/{answered_draft}/report.pdf?lang=zh_CN")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data == f"%PDF-1.7 report {answered_draft} zh_CN".encode()
    assert "inline;" in pdf.headers["Content-Disposition"]
    api = client.post(f"/api/v1/inspections/{answered_draft}/report-pdf", json={"lang": "en"})
    assert api.status_code == 200 and api.json["status"] == "done"
    assert client.get(api.json["result_url"]).data.endswith(b" en")
    assert len(renderer.calls) == 2


def test_a_kept_pdf_is_made_again_when_an_action_is_raised_on_its_findings(
    app, client, login_as, world, draft, renderer
):
    from inspect_app.actions import services as action_services

    _submitted(app, draft)
    login_as("inspector")
    assert client.get(f"/inspections/{draft}/report.pdf?lang=en").status_code == 200
    assert client.get(f"/inspections/{draft}/report.pdf?lang=en").status_code == 200
    assert len(renderer.calls) == 1
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        inspection = db.session.get(Inspection, draft)
        finding, _ = inspection_services.add_finding(inspection, by=inspector, title="无防护")
        action_services.create_from_finding(finding, by=inspector)
        db.session.commit()
    assert client.get(f"/inspections/{draft}/report.pdf?lang=en").status_code == 200
    assert len(renderer.calls) == 2
    assert len(_jobs(app, draft)) == 1  # the stale PDF and its job are gone


def test_a_drafts_pdf_is_rendered_on_every_request(app, client, login_as, draft, renderer):
    login_as("inspector")
    for _ in range(2):
        response = client.get(f"/inspections/{draft}/report.pdf?lang=en")
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert len(renderer.calls) == 2


def test_the_report_page_follows_a_job_from_queued_to_done(app, client, login_as, draft, renderer):
    """Running: the job is seen running while the renderer works; done: the link appears."""
    _submitted(app, draft)
    renderer.hold()
    login_as("inspector")
    asked = client.post(f"/api/v1/inspections/{draft}/report-pdf", json={"lang": "zh_CN"})
    assert asked.status_code == 202
    assert asked.json["status"] == "queued" and asked.json["result_url"] is None
    assert asked.headers["Location"] == asked.json["url"] == f"/api/v1/jobs/{asked.json['id']}"
    assert renderer.started.wait(60)
    running = client.get(asked.json["url"])
    assert running.json["status"] == "running" and running.json["attempts"] == 1
    renderer.release()
    assert _wait_done(app, asked.json["id"]).status == JobStatus.DONE
    done = client.get(asked.json["url"]).json
    assert done["status"] == "done" and done["result_url"] == f"/jobs/{done['id']}/result"
    result = client.get(done["result_url"])
    assert result.status_code == 200 and result.mimetype == "application/pdf"
    page = client.get(f"/inspections/{draft}/report").get_data(as_text=True)
    assert f'data-report-pdf="/api/v1/inspections/{draft}/report-pdf"' in page
    assert "js/report-pdf.js" in page and 'id="pdf-status"' in page


def test_a_failed_job_says_so_and_a_retry_makes_the_pdf(app, client, login_as, draft, renderer):
    _submitted(app, draft)
    renderer.fail = True
    login_as("inspector")
    asked = client.post(f"/api/v1/inspections/{draft}/report-pdf", json={"lang": "en"}).json
    assert _wait_done(app, asked["id"]).status == JobStatus.FAILED
    failed = client.get(asked["url"]).json
    assert failed["status"] == "failed" and failed["result_url"] is None
    assert failed["retry_url"] == f"/api/v1/jobs/{asked['id']}/retry"
    assert client.get(f"/jobs/{asked['id']}/result").status_code == 404
    with app.app_context():
        assert "the renderer broke" in db.session.get(Job, asked["id"]).error  # for the logs

    renderer.fail = False
    again = client.post(failed["retry_url"])
    assert again.status_code == 202 and again.json["status"] == "queued"
    job = _wait_done(app, asked["id"])
    assert job.status == JobStatus.DONE and job.attempts == 2
    assert client.post(failed["retry_url"]).status_code == 409  # only a failed job
    assert client.get(f"/jobs/{asked['id']}/result").data.endswith(b" en")


def test_report_pdf_answers_202_with_the_job_when_it_is_not_ready_in_time(
    app, client, login_as, draft, renderer
):
    app.config["PDF_WAIT_SECONDS"] = 0
    renderer.hold()
    login_as("inspector")
    response = client.get(f"/inspections/{draft}/report.pdf", headers={"Accept": "*/*"})
    assert response.status_code == 202
    assert response.headers["Retry-After"] == "2"
    assert response.headers["Location"] == response.json["job_url"]
    assert response.json["status"] in {"queued", "running"}
    browser = client.get(f"/inspections/{draft}/report.pdf", headers={"Accept": "text/html"})
    assert browser.status_code == 202
    assert '<meta http-equiv="refresh" content="3">' in browser.get_data(as_text=True)
    renderer.release()


def test_a_job_is_hidden_from_those_who_cannot_see_its_inspection(
    app, client, login_as, draft, renderer
):
    login_as("inspector")
    asked = client.post(f"/api/v1/inspections/{draft}/report-pdf", json={"lang": "en"}).json
    _wait_done(app, asked["id"])
    other = app.test_client()
    login_as("committee_b", c=other)  # another factory's committee
    assert other.get(asked["url"]).status_code == 404
    assert other.get(f"/jobs/{asked['id']}/result").status_code == 404
    assert other.post(f"/api/v1/jobs/{asked['id']}/retry").status_code == 404
    refused = client.post(f"/api/v1/inspections/{draft}/report-pdf", json={"lang": "fr"})
    assert refused.status_code == 422


def test_discarding_a_draft_drops_its_pdf_and_job(app, client, login_as, draft, renderer):
    from inspect_app.storage import get_storage

    login_as("inspector")
    assert client.get(f"/inspections/{draft}/report.pdf?lang=en").status_code == 200
    [job] = _jobs(app, draft)
    response = client.post(f"/inspections/{draft}/discard")
    assert response.status_code == 302
    assert _jobs(app, draft) == []
    with app.app_context():
        assert not get_storage().exists(job.result_key)


def test_a_job_lost_with_its_process_is_queued_again_when_asked_for(
    app, client, login_as, draft, renderer
):
    from datetime import timedelta

    from inspect_app.extensions import utcnow

    _submitted(app, draft)
    login_as("inspector")
    with app.app_context():
        lost = Job(kind=reports.KIND, subject_id=draft, lang="en", status=JobStatus.RUNNING,
                   stamp=reports.report_stamp(db.session.get(Inspection, draft)),
                   updated_at=utcnow() - timedelta(hours=1))  # fmt: skip
        db.session.add(lost)
        db.session.commit()
        lost_id = lost.id
    response = client.get(f"/inspections/{draft}/report.pdf?lang=en")
    assert response.status_code == 200
    assert _jobs(app, draft)[0].id == lost_id and renderer.calls == [(draft, "en")]


# ------------------------------------------------------------------ through Redis


@pytest.fixture
def redis_app(app, monkeypatch):
    """The app with INSPECT_REDIS_URL set (a queue of its own), and the in-test worker."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    try:
        Redis.from_url(REDIS_URL).ping()
    except RedisDown:
        if "INSPECT_TEST_REDIS_URL" in os.environ or os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL} (.ci/run starts one)")
    app.config.update(REDIS_URL=REDIS_URL, JOBS_QUEUE=f"inspect-test-{uuid.uuid4().hex}")
    jobs.init_app(app)
    monkeypatch.setattr(worker, "_APP", app)
    yield app
    app.extensions["jobs"].queue().delete(delete_jobs=True)


def _work(app) -> None:
    """What `flask --app inspect_app worker --burst` does: run every queued job, then stop."""
    from rq import SimpleWorker

    queue = app.extensions["jobs"].queue()
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def test_with_redis_a_job_waits_in_the_queue_until_a_worker_runs_it(
    redis_app, client, login_as, draft, renderer
):
    app = redis_app
    _submitted(app, draft)
    login_as("inspector")
    asked = client.post(f"/api/v1/inspections/{draft}/report-pdf", json={"lang": "zh_CN"})
    assert asked.status_code == 202
    queue = app.extensions["jobs"].queue()
    assert queue.count == 1  # in Redis, not run by the web process
    assert client.get(asked.json["url"]).json["status"] == "queued"
    assert renderer.calls == []
    _work(app)
    done = client.get(asked.json["url"]).json
    assert done["status"] == "done" and renderer.calls == [(draft, "zh_CN")]
    assert client.get(done["result_url"]).data.endswith(b" zh_CN")
    assert queue.count == 0


def test_with_redis_a_failed_job_is_retried_through_the_queue(
    redis_app, client, login_as, draft, renderer
):
    app = redis_app
    _submitted(app, draft)
    renderer.fail = True
    login_as("inspector")
    asked = client.post(f"/api/v1/inspections/{draft}/report-pdf", json={"lang": "en"}).json
    _work(app)
    failed = client.get(asked["url"]).json
    assert failed["status"] == "failed"
    renderer.fail = False
    assert client.post(failed["retry_url"]).json["status"] == "queued"
    assert app.extensions["jobs"].queue().count == 1
    _work(app)
    done = client.get(asked["url"]).json
    assert done["status"] == "done" and done["attempts"] == 2


def test_the_worker_command_needs_redis(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "INSPECT_REDIS_URL is not set" in result.output
