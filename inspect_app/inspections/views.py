"""Inspection pages: the list, starting one, the tablet form, the report."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import lazyload, selectinload

from .. import jobs
from ..accounts.models import Role, User
from ..checklists import services as checklist_services
from ..checklists.kinds import AnswerError
from ..errors import DomainError
from ..extensions import db, local_today, utcnow
from ..factories.models import Factory
from ..factories.services import get_factory_or_404, scope_clause
from ..permissions import can_edit_inspection, can_region_cover
from ..photos import services as photo_services
from ..storage import send_stored
from . import reports, services
from .forms import StartInspectionForm
from .models import (
    KIND_LABELS,
    SOURCE_LABELS,
    FindingSource,
    Grade,
    InspectionStatus,
    RiskLevel,
)

bp = Blueprint("inspections", __name__)


@bp.get("/inspections")
@login_required
def list_inspections():
    if current_user.role is Role.TRAINER:
        abort(403)
    stmt = services.scoped_inspections(current_user).options(
        *services.HEADER_ONLY,
        lazyload(services.Inspection.inspectors),  # the list does not show the people
        lazyload(services.Inspection.committee_members),
    )
    factory = None
    if factory_id := request.args.get("factory", type=int):
        factory = get_factory_or_404(factory_id, current_user)
        stmt = stmt.where(services.Inspection.factory_id == factory.id)
    status = request.args.get("status", "")
    if status in {s.value for s in InspectionStatus}:
        stmt = stmt.where(services.Inspection.status == status)
    page = db.paginate(stmt, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template(
        "inspections/list_inspections.html",
        page=page,
        factory=factory,
        status=status,
        statuses=list(InspectionStatus),
    )


def _start_form(factory: Factory | None) -> StartInspectionForm:
    form = StartInspectionForm()
    factories = db.session.execute(
        sa.select(Factory.id, Factory.name_zh, Factory.name_en)
        .where(scope_clause(current_user))
        .order_by(Factory.name_zh)
        .limit(500)
    ).all()
    form.factory_id.choices = [(fid, f"{zh} / {en}" if en else zh) for fid, zh, en in factories]
    form.checklist.choices = [
        (v.slug, f"{v.title_zh if _zh() else v.title_en} (v{v.number})")
        for v in checklist_services.latest_versions()
    ]
    inspectors = db.session.scalars(
        sa.select(User)
        .where(User.role == Role.INSPECTOR, User.active.is_(True))
        .options(selectinload(User.regions))  # can_region_cover reads each one's regions
        .order_by(User.display_name)
    ).all()
    if factory is not None:
        inspectors = [u for u in inspectors if can_region_cover(u, factory)]
    form.inspector_ids.choices = [(u.id, u.name) for u in inspectors]
    members = db.session.scalars(
        sa.select(User).where(
            User.role == Role.COMMITTEE, User.factory_id == (factory.id if factory else -1)
        )
    ).all()
    form.committee_member_ids.choices = [(u.id, u.name) for u in members]
    # Issue 17: what is proposed is chosen for a reason (shown), never the first of a list.
    form.defaults = services.start_defaults(current_user, factory) if factory else None
    slugs = {slug for slug, _label in form.checklist.choices}
    if form.defaults and form.defaults["checklist"] not in slugs:
        form.defaults = None
    choose = ("", _("— choose —"))
    form.checklist.choices.insert(0, choose)
    form.kind.choices = [choose, *((k.value, str(v)) for k, v in KIND_LABELS.items())]
    if request.method == "GET":
        form.inspected_on.data = local_today()
        if factory is not None:
            form.factory_id.data = factory.id
        if current_user.role is Role.INSPECTOR:
            form.inspector_ids.data = [current_user.id]
        if form.defaults:
            form.checklist.data = form.defaults["checklist"]
            form.kind.data = form.defaults["kind"]
        if current_user.role is Role.COMMITTEE:
            form.kind.data = "self_inspection"
    return form


def _zh() -> bool:
    from flask_babel import get_locale

    locale = get_locale()
    return locale is not None and locale.language == "zh"


@bp.route("/inspections/new", methods=["GET", "POST"])
@login_required
def start_inspection():
    if current_user.role is Role.TRAINER:
        abort(403)
    factory_id = request.args.get("factory", type=int) or request.form.get("factory_id", type=int)
    factory = get_factory_or_404(factory_id, current_user) if factory_id else None
    if current_user.role is Role.COMMITTEE and factory is None:
        factory = get_factory_or_404(current_user.factory_id, current_user)
    form = _start_form(factory)
    if form.validate_on_submit():
        factory = get_factory_or_404(form.factory_id.data, current_user)
        try:
            inspection = services.start_inspection(
                by=current_user,
                factory=factory,
                checklist=form.checklist.data,
                kind=form.kind.data,
                inspected_on=form.inspected_on.data,
                inspector_ids=form.inspector_ids.data,
                committee_member_ids=form.committee_member_ids.data,
                client_id=form.client_id.data,
            )
        except DomainError as error:
            for name, message in error.fields.items():
                if name in form:
                    form[name].errors.append(message)
            flash(error.message, "error")
        else:
            db.session.commit()
            return redirect(url_for("inspections.show_inspection", inspection_id=inspection.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "inspections/start_inspection.html",
        form=form,
        factory=factory,
        offline_start=_offline_start(factory) if factory is not None else None,
    ), status


def _offline_start(factory: Factory) -> dict:
    """What the start form needs to start an inspection of this factory with no network
    (offline-start.js): each checklist's pinned version, its blank form kept by the offline
    kit, and the items this factory is not asked (the blank form shows them all)."""
    profile = services.profile_of(factory)
    checklists = {}
    for version in checklist_services.latest_versions():
        definition = checklist_services.definition_of(version)
        left_out = []
        for item_id in definition.left_out(profile):
            left_out.append(item_id)
            left_out += [sub.id for sub in definition.item(item_id).subitems]
        checklists[version.slug] = {
            "version": version.number,
            "title": version.title_zh if _zh() else version.title_en,
            "form": url_for("inspections.blank_form", slug=version.slug, number=version.number),
            "left_out": left_out,
        }
    return {
        "user": current_user.id,
        "factory": {"id": factory.id, "name": factory.name},
        "checklists": checklists,
        "kinds": {kind.value: str(label) for kind, label in KIND_LABELS.items()},
        "today": local_today().isoformat(),
        "t": {
            "not_kept": _(
                "The form of this checklist is not kept on this device. Start the inspection "
                "when the network is back, or refresh the offline kit first."
            ),
            "other_factory": _(
                "With no network, an inspection can only be started from its factory's page."
            ),
            "no_storage": _("This device cannot keep an inspection started offline."),
            "start_label": _("Start of the inspection"),
            "missing": _(
                "Choose the checklist, the kind of inspection and a date not in the future."
            ),
        },
    }


@bp.get("/inspections/start/<slug>/<int:number>")
@login_required
def blank_form(slug: str, number: int):
    """The form of a checklist version with no inspection behind it yet: the offline kit
    keeps one per checklist, and an inspection started with no network opens it
    (offline-draft.js fills in the factory and sends the start first, once online)."""
    if current_user.role is Role.TRAINER:
        abort(403)
    version = checklist_services.get_version_or_404(slug, number)
    checklist = checklist_services.definition_of(version)
    blank = SimpleNamespace(
        id=0,
        version=1,
        factory=SimpleNamespace(name="…"),
        inspected_on=local_today(),
        kind=next(iter(KIND_LABELS)),
        checklist_version=version,
        inspectors=[],
        committee_members=[],
        findings=[],
        good_points="",
        answer_map=dict,
    )
    return render_template(
        "inspections/fill.html",
        inspection=blank,
        checklist=checklist,
        answers={},
        previous={},
        open_findings={},
        profile=None,
        **_form_page(checklist),
        form_findings=[],
        rendered_at=utcnow().isoformat() + "Z",
        asset_version=_asset_version(),
        blank={
            "create": url_for("api.create_inspection"),
            "t": {
                "not_here": _(
                    "This inspection is not kept on this device: it was started on another "
                    "device, or already sent. Open it from the home page or the inspection list."
                ),
                "waiting": _(
                    "Started on this device with no network: it is created on the server as soon "
                    "as the network is back, then your answers follow."
                ),
                "opening": _("Sent to the server. Opening the inspection's form…"),
            },
        },
    )


@bp.get("/inspections/<int:inspection_id>")
@login_required
def show_inspection(inspection_id: int):
    """The tablet form for an editable draft; the report otherwise."""
    inspection = services.get_inspection_or_404(inspection_id, current_user)
    if not can_edit_inspection(current_user, inspection):
        return redirect(url_for("inspections.report", inspection_id=inspection.id))
    checklist = services.checklist_of(inspection)
    return render_template(
        "inspections/fill.html",
        inspection=inspection,
        checklist=checklist,
        answers={a.item_id: a for a in inspection.answers},
        previous=services.previous_answers(inspection),
        open_findings=services.open_findings_by_item(inspection),
        scores=services.live_scores(inspection),
        verdict_words=verdict_words(checklist),
        profile=services.profile_of(inspection.factory),
        **_form_page(checklist),
        form_findings=[_finding_data(f) for f in inspection.findings],
        rendered_at=utcnow().isoformat() + "Z",
        asset_version=_asset_version(),
    )


FORM_ASSETS = ("js/offline-queue.js", "js/inspection-form.js", "css/inspect-form.css")
#: Loaded by the form when first needed (issue 17), versioned and kept offline with it.
FORM_ASSETS += ("js/good-practice.js", "css/good-practice.css")


def _asset_version() -> str:
    """A tag that changes with the form's own scripts and styles: their URLs carry it, so that
    the service worker (which answers from its cache first) never pairs a new page with old
    scripts."""
    stamps = [Path(current_app.static_folder, name).stat() for name in FORM_ASSETS]
    return format(hash(tuple((s.st_mtime_ns, s.st_size) for s in stamps)) & 0xFFFFFFFF, "x")


def verdict_words(checklist) -> dict | None:
    """The words of the checklist's verdict for the form's live verdict, and whether a
    decisive problem fails it at once; None when the checklist gives no verdict."""
    from ..checklists.schema import DEFAULT_FAIL, DEFAULT_PASS

    rule = checklist.verdict_rule
    if rule is None:
        return None
    return {
        "fail": rule.fail_label or DEFAULT_FAIL,
        "pass": rule.pass_label or DEFAULT_PASS,
        "decisive": rule.fail_on_decisive,
    }


def _finding_data(finding) -> dict:
    """A finding as the form's script holds it: the fields of the API's finding JSON."""
    from ..photos.services import photo_json

    keys = ("id", "item_id", "area", "title", "description", "location", "likelihood")
    keys += ("severity", "risk_score", "fixed_on_spot", "client_id", "version")
    return {
        **{key: getattr(finding, key) for key in keys},
        "source": finding.source.value,
        "grade": finding.grade.value,
        "risk_level": finding.risk_level.value,
        "photos": [photo_json(p) for p in finding.photos],
    }


@bp.app_template_global()
def rating_floor(item) -> dict | None:
    """What the form presets for a finding raised on this item: a decisive item's findings are
    major, and an item's risk floor sets the starting rating (None: the usual defaults)."""
    decisive = services.is_decisive_item(item)
    if not decisive and not item.risk_floor:
        return None
    likelihood, severity = services.floor_rating(item.risk_floor) if item.risk_floor else (1, 1)
    return {
        "grade": "major" if decisive else "general",
        "likelihood": likelihood,
        "severity": severity,
    }


@bp.app_template_filter()
def compact_json(value):
    """`tojson` without the spaces after commas and colons: the form's data is on every page
    of the form (its weight counts on a tablet's 3G link)."""
    from jinja2.utils import htmlsafe_json_dumps

    return htmlsafe_json_dumps(
        value, dumps=current_app.json.dumps, separators=(",", ":"), sort_keys=True
    )


@bp.app_template_global()
def answer_marks(item) -> dict[str, str]:
    """The classes of an item's answer buttons, for the form's looks and its script: `g` the
    OK answer, `p` a problem (yes/no and choice: propose-action and compliance answers have
    their own colours), `n` not applicable, `d` a problem that fails the verdict."""
    kind = item.answer_kind
    marks: dict[str, list[str]] = {}
    for value, *_labels in kind.options():
        found = marks.setdefault(value, [])
        if kind.name in ("yes_no", "choice") and kind.needs_action(value):
            found.append("p")
        if value == kind.ok_value():
            found.append("g")
        if value == kind.not_applicable_value():
            found.append("n")
        if item.is_decisive_problem(value):
            found.append("d")
    return {value: " ".join(found) for value, found in marks.items() if found}


def _form_page(checklist) -> dict:
    """What the tablet form's page needs of a checklist and the app, whichever inspection (or
    none yet: the blank form) it is for."""
    return {
        "areas": checklist.area_catalogue,
        "numbers": item_numbers(checklist),
        "sources": SOURCE_LABELS,
        "source_values": list(FindingSource),
        "grades": list(Grade),
        "kinds": KIND_LABELS,
        "risk_bands": current_app.config["RISK_BANDS"],
        "text_limits": {"title": services.TITLE_MAX, **services.FINDING_TEXT_LIMITS},
    }


@bp.app_template_global()
def photo_rule(item) -> str | None:
    """When the form asks for a photo on this item: "always", or "on_action" (on the answers
    that need action: the form's script knows them from the answer buttons). None: no rule."""
    from ..checklists.schema import PhotoRule

    if item.photo not in (PhotoRule.ALWAYS, PhotoRule.ON_ACTION):
        return None
    return item.photo.value


@bp.get("/sw.js")
def service_worker():
    """The form's service worker, served from the root so that its scope is the whole site
    (it keeps the form page and its assets for a reload without network)."""
    script = Path(current_app.static_folder, "js", "sw.js").read_bytes()
    response = current_app.response_class(script, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"  # a new version is picked up at once
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/inspections/<int:inspection_id>/report")
@login_required
def report(inspection_id: int):
    inspection = services.get_inspection_or_404(inspection_id, current_user)
    return render_template("inspections/report.html", **report_context(inspection))


@bp.get("/inspections/<int:inspection_id>/report.pdf")
@login_required
def report_pdf(inspection_id: int):
    """The report on A4 paper; `?lang=zh_CN|en` overrides the reader's language.

    A submitted inspection's PDF is kept: served at once. Otherwise the PDF is rendered by a
    job and this request waits for it up to INSPECT_PDF_WAIT_SECONDS (20); if it is still not
    ready, 202 with `Location:` the job's URL and `Retry-After:` (a page asking for HTML gets a
    page that reloads itself), so a script repeats the same GET until it gets the PDF."""
    inspection = services.get_inspection_or_404(inspection_id, current_user)
    lang = request.args.get("lang", "")
    if lang not in REPORT_LANGUAGES:
        lang = "zh_CN" if _zh() else "en"
    job = reports.request_report_pdf(inspection, lang, by=current_user, base_url=request.url_root)
    db.session.commit()
    job_id = job.id
    if job.status != jobs.JobStatus.DONE:
        job = jobs.wait_for(job_id, current_app.config["PDF_WAIT_SECONDS"])
    if job is not None and job.status == jobs.JobStatus.DONE and job.result_key:
        response = send_stored(job.result_key, filename=f"inspection-{inspection_id}.pdf",
                               mimetype="application/pdf")  # fmt: skip
        with force_locale(lang):
            title = _("Inspection report")
        response.headers["Content-Disposition"] = pdf_disposition(inspection, title, lang)
        # A draft's report changes with every answer: never serve a stale copy.
        response.headers["Cache-Control"] = "private, no-cache"
        return response
    return _pdf_not_ready(inspection, job, job_id)


def _pdf_not_ready(inspection, job, job_id: int):
    """202 (still being made) or 503 (failed: the next request tries again), saying where
    to follow the job."""
    failed = job is not None and job.status == jobs.JobStatus.FAILED
    status = 503 if failed else 202
    headers = {"Location": url_for("api.get_job", job_id=job_id), "Retry-After": "2"}
    if request.accept_mimetypes.accept_html and not request.accept_mimetypes.accept_json:
        page = render_template(
            "inspections/report_pdf_pending.html", inspection=inspection, failed=failed
        )
        return page, status, headers
    message = (
        _("The PDF could not be made. Ask for it again to retry.")
        if failed
        else _("The PDF is being made. Ask again in a moment.")
    )
    body = {
        "status": str(job.status) if job is not None else "queued",
        "message": message,
        "job_url": headers["Location"],
    }
    return body, status, headers


REPORT_LANGUAGES = ("zh_CN", "en")

#: Later features add to the report without this module importing them: each entry is
#: `(inspection) -> dict` merged into the context (the actions feature's part of the report is
#: templates/inspections/_report_actions.html).
REPORT_EXTRAS: list = []


def report_context(inspection, *, for_pdf: bool = False) -> dict:
    """Everything the report page and its PDF show, in the current locale."""
    checklist = services.checklist_of(inspection)
    lang = "zh_CN" if _zh() else "en"
    answers = {a.item_id: a for a in inspection.answers}
    answer_map = inspection.answer_map()
    profile = services.profile_of(inspection.factory)
    applicable = checklist.applicability(answer_map, profile)
    effective = checklist.effective_answers(answer_map)
    left_out = checklist.left_out(profile)
    findings = sorted(inspection.findings, key=lambda f: (-f.risk_score, f.id))
    findings_by_item: dict[str, list] = {}
    for finding in findings:
        if finding.item_id:
            findings_by_item.setdefault(finding.item_id, []).append(finding)
    scores = services.scores_of(inspection)
    decisive = set((scores.get("verdict") or {}).get("decisive_problems") or ())
    sections = []
    for section in checklist.sections:
        rows = []
        for item in section.items:
            if item.id in left_out:
                continue
            row = _answer_row(
                item, effective.get(item.id), answers.get(item.id), applicable[item.id], lang
            )
            row["decisive"] = item.id in decisive
            row["subrows"] = [
                {
                    **_answer_row(
                        item, answer_map.get(sub.id), answers.get(sub.id), row["applies"], lang
                    ),
                    "sub": sub,
                }
                for sub in item.subitems
            ]
            rows.append(row)
        sections.append({"section": section, "rows": rows})
    numbers = item_numbers(checklist)
    problems = services.submission_problems(inspection) if inspection.is_draft else {}
    submitted_by = (
        db.session.get(User, inspection.submitted_by_id) if inspection.submitted_by_id else None
    )
    context = {
        "inspection": inspection,
        "checklist": checklist,
        "lang": lang,
        "answers": answers,
        "sections": sections,
        "scores": scores,
        "left_out_sections": _left_out_sections(checklist, left_out),
        "uses_priority": any(i.answers.kind == "propose_action" for i in checklist.items()),
        "problems": problems,
        "problem_rows": _problem_rows(problems, checklist, numbers, lang),
        "item_numbers": numbers,
        "item_names": {
            item.id: f"{numbers[item.id]} {plain_text(item.text.get(lang))}"
            for item in checklist.items()
        },
        "has_source_numbers": any(item.number for item in checklist.items()),
        "areas": checklist.area_catalogue,
        "findings": findings,
        "findings_by_item": findings_by_item,
        "risk_levels": list(RiskLevel),
        "submitted_by": submitted_by,
        "editable": can_edit_inspection(current_user, inspection),
        "for_pdf": for_pdf,
        "photo_src": _embedded_photo if for_pdf else _photo_url,
    }
    for extra in REPORT_EXTRAS:
        context.update(extra(inspection))  # nosec B610  # a function named extra, not Django
    return context


def plain_text(text: str) -> str:
    """Checklist text on one line (a name in a list: the Markdown line breaks dropped)."""
    return " ".join(line.strip().removeprefix("- ") for line in text.splitlines() if line.strip())


def item_numbers(checklist) -> dict[str, str]:
    """The number shown for each item and sub-item: the source's own (`number:`) when the
    checklist gives one, else the position ("2.3", sub-items "2.3.1")."""
    numbers: dict[str, str] = {}
    for s, section in enumerate(checklist.sections, 1):
        for i, item in enumerate(section.items, 1):
            numbers[item.id] = item.number or f"{s}.{i}"
            for n, sub in enumerate(item.subitems, 1):
                numbers[sub.id] = checklist.number_of(sub.id) or f"{numbers[item.id]}.{n}"
    return numbers


def _left_out_sections(checklist, left_out: dict[str, str]) -> list[dict]:
    """Sections with items not asked of this factory: how many, and why."""
    out = []
    for n, section in enumerate(checklist.sections, 1):
        reasons = [left_out[item.id] for item in section.items if item.id in left_out]
        if reasons:
            out.append(
                {
                    "number": n,
                    "section": section,
                    "count": len(reasons),
                    "all": len(reasons) == len(section.items),
                    "reasons": sorted(set(reasons)),
                }
            )
    return out


def _problem_rows(problems: dict, checklist, numbers: dict, lang: str) -> list[dict]:
    """Submission problems in checklist order (people first), each with its anchor in the form."""
    order = {item_id: n for n, item_id in enumerate(numbers)}
    rows = []
    for key, message in problems.items():
        if checklist.knows(key):
            sub = checklist.sub_item(key)
            text = (sub or checklist.item(key)).text.get(lang)
            rows.append(
                {"anchor": f"item-{key}", "label": f"{numbers[key]} {text}", "message": message}
            )
        else:  # "inspector_ids": the people in the form's header
            rows.append({"anchor": "inspectors", "label": _("Inspectors"), "message": message})
    return sorted(rows, key=lambda row: order.get(row["anchor"].removeprefix("item-"), -1))


def _answer_row(item, value, answer, applies: bool, lang: str) -> dict:
    """One item (or sub-item) of the answers list: its answer in words, a tone for the badge,
    and whether it is a problem (then the report prints its number and legal references)."""
    row = {
        "item": item,
        "answer": answer,
        "applies": applies,
        "label": "",
        "tone": "neutral",
        "problem": False,
    }
    if not applies or value is None:
        return row
    kind = item.answer_kind
    options = {option[0]: option[1] if lang == "zh_CN" else option[2] for option in kind.options()}
    values = value if isinstance(value, list) else [value]
    if options and all(v in options for v in values):
        row["label"] = ("、" if lang == "zh_CN" else ", ").join(options[v] for v in values)
    else:
        unit = getattr(item.answers, "unit", None)
        row["label"] = f"{value} {unit.get(lang)}" if unit else str(value)
    try:
        valid = kind.validate(value)
    except (AnswerError, TypeError, ValueError):
        return row  # an answer stored under an older version of the item: shown as given
    if kind.is_not_applicable(valid):
        row["tone"] = "muted"
    elif kind.needs_action(valid):
        row["problem"] = True
        row["tone"] = (
            "danger" if kind.is_priority(valid) or item.is_decisive_problem(valid) else "warn"
        )
    elif kind.score(valid) is True:
        row["tone"] = "ok"
    return row


def _photo_url(photo, size: str = "thumb") -> str:
    return url_for("photos.serve_photo", photo_id=photo.id, size=size)


def _embedded_photo(photo, size: str = "thumb") -> str | None:
    """The photo as a data: URL, read from storage: WeasyPrint never fetches over HTTP."""
    key = photo.thumb_key if size == "thumb" else photo.web_key
    try:
        data = photo_services.storage().read(key)
    except (FileNotFoundError, ValueError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def pdf_disposition(inspection, title: str, lang: str) -> str:
    """`inline` with an ASCII name and the reader's-language name (RFC 6266 filename*)."""
    day = inspection.inspected_on.isoformat()
    factory = inspection.factory.name_zh if lang == "zh_CN" else inspection.factory.name_en
    name = "-".join(part for part in (title, factory or inspection.factory.name_zh, day) if part)
    name = re.sub(r'[\\/:*?"<>|\s]+', "-", name) + ".pdf"
    fallback = f"inspection-{inspection.id}-{day}.pdf"
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@bp.post("/inspections/<int:inspection_id>/discard")
@login_required
def discard_inspection(inspection_id: int):
    """Throw away a draft started by mistake (wrong factory, wrong checklist)."""
    inspection = services.get_inspection_or_404(inspection_id, current_user, for_edit=True)
    try:
        services.discard(inspection, by=current_user)
        reports.forget(inspection)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("inspections.report", inspection_id=inspection.id))
    db.session.commit()
    flash(_("The draft was discarded."), "success")
    return redirect(url_for("main.home"))


@bp.post("/inspections/<int:inspection_id>/submit")
@login_required
def submit_inspection(inspection_id: int):
    inspection = services.get_inspection_or_404(inspection_id, current_user, for_edit=True)
    try:
        services.submit(inspection, by=current_user)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("inspections.report", inspection_id=inspection.id))
    reports.keep_after_submit(inspection, by=current_user, base_url=request.url_root)
    db.session.commit()
    flash(_("Inspection submitted. It is now read-only."), "success")
    return redirect(url_for("inspections.report", inspection_id=inspection.id))
