"""Case pages: the library, a case, editing and publishing, blurring photos, promoting a
finding, the presentation for a training room, and the printable handout."""

from __future__ import annotations

from decimal import Decimal

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..actions.models import CONTROL_LABELS, ActionStatus
from ..checklists.services import describe_item, item_choices, known_areas
from ..errors import Conflict, DomainError, wants_json
from ..extensions import db
from ..factories.models import SECTOR_LABELS
from ..permissions import (
    can_copy_case,
    can_edit_case,
    can_promote_finding,
    can_use_case_library,
)
from ..photos.models import Photo
from ..web import whole_id
from . import anonymity, services
from .blur import Region
from .forms import HINTS, STORY_PAIRS, CaseForm
from .models import Case, CaseStatus

bp = Blueprint("cases", __name__)

LANGUAGES = ("zh_CN", "en")
MAX_CHOSEN = 60
HIT_KINDS = {
    "factory_name": _l("Factory name"),
    "credit_code": _l("Credit code"),
    "address": _l("Address"),
    "person": _l("Person's name"),
}


def _lang() -> str:
    """ "zh" or "en": the language of the story to show."""
    locale = get_locale()
    return "zh" if locale is None or locale.language == "zh" else "en"


def _require_library() -> None:
    if not can_use_case_library(current_user):
        abort(403)


def format_cost(cost: Decimal | None) -> str:
    if cost is None:
        return ""
    return f"¥{cost:,.0f}" if cost == cost.to_integral_value() else f"¥{cost:,.2f}"


@bp.app_template_global()
def case_card(case: Case, lang: str | None = None) -> dict:
    """What a card, a slide or a page shows of a case, in one language ("zh"/"en")."""
    lang = lang or _lang()
    befores, afters = services.before_photos(case), services.after_photos(case)
    return {
        "case": case,
        "id": case.id,
        "title": services.title(case, lang),
        "title_lang": services.text(case, "title", lang)[1],
        "draft": case.status is CaseStatus.DRAFT,
        "sector": services.sector_label(case),
        "city": services.city(case, lang),
        "control": services.control_label(case),
        "control_type": case.control_type,
        "areas": services.area_labels(case, lang),
        "cost": format_cost(case.cost),
        "before": befores[0] if befores else None,
        "after": afters[0] if afters else None,
        "befores": befores,
        "afters": afters,
        "story": services.story(case, lang),
        "checklist_item": describe_item(case.checklist_item, lang) if case.checklist_item else "",
    }


bp.add_app_template_global(services.photo_url, "case_photo_url")


@bp.app_template_global()
def can_share_as_case(action) -> bool:
    """Whether the action's page offers to make a training case of its finding: a verified
    improvement, seen by an inspector (in scope) or an admin."""
    return (
        current_user.is_authenticated
        and action.finding is not None
        and action.status is ActionStatus.VERIFIED
        and can_promote_finding(current_user, action.finding)
    )


@bp.app_template_global()
def case_library_summary() -> dict:
    """Counts and recent cases for the trainer's home page."""
    return services.summary(current_user)


def _filters() -> services.CaseFilters:
    return services.CaseFilters(
        q=request.args.get("q", "")[:200],
        area=request.args.get("area", ""),
        control_type=request.args.get("control_type", ""),
        sector=request.args.get("sector", ""),
        status=request.args.get("status", ""),
    )


@bp.get("/cases")
@login_required
def library():
    _require_library()
    filters = _filters()
    page = db.paginate(
        services.library(current_user, filters),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "cases/library.html",
        page=page,
        filters=filters,
        areas=[(a.id, a.label(_lang())) for a in known_areas().values()],
        control_types=CONTROL_LABELS,
        sectors=SECTOR_LABELS,
        statuses=list(CaseStatus),
    )


@bp.get("/cases/new")
@login_required
def new_case():
    """Findings with verified actions that an inspector or admin may turn into cases."""
    if current_user.role not in (Role.ADMIN, Role.INSPECTOR):
        abort(403)
    page = db.paginate(
        services.promotable_query(current_user),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "cases/new_case.html", page=page, rows=services.promotion_rows(list(page.items))
    )


@bp.post("/findings/<int:finding_id>/promote")
@login_required
def promote_finding(finding_id: int):
    if current_user.role not in (Role.ADMIN, Role.INSPECTOR):
        abort(403)
    from ..inspections.services import get_finding_or_404

    finding = get_finding_or_404(finding_id, current_user)
    if not can_promote_finding(current_user, finding):
        abort(404)
    try:
        case = services.promote(finding, by=current_user)
    except Conflict as error:
        db.session.rollback()
        existing = getattr(error, "case", None)
        if existing is not None:
            flash(error.message, "info")
            return redirect(url_for("cases.show_case", case_id=existing.id))
        flash(error.message, "error")
        return redirect(url_for("cases.new_case"))
    db.session.commit()
    flash(
        _(
            "The case is a draft. A trainer edits its story, blurs what must not be seen and "
            "publishes it."
        ),
        "success",
    )
    return redirect(url_for("cases.show_case", case_id=case.id))


@bp.get("/cases/<int:case_id>")
@login_required
def show_case(case_id: int):
    case = services.get_case_or_404(case_id, current_user)
    return render_template(
        "cases/show_case.html",
        case=case,
        card=case_card(case),
        editable=can_edit_case(current_user, case),
        copyable=can_copy_case(current_user, case),
    )


def practice_json(case: Case, lang: str, ref: str) -> dict:
    """A case as good practice beside a problem answer: what the library's card shows of it
    (sector and city, never the factory), its idea in words, and a before and an after
    thumbnail."""
    befores, afters = services.before_photos(case), services.after_photos(case)
    idea = services.text(case, "idea", lang)[0] or services.text(case, "change", lang)[0]
    return {
        "id": case.id,
        "title": services.title(case, lang),
        "idea": idea or services.title(case, lang),
        "sector": services.sector_label(case),
        "city": services.city(case, lang),
        "areas": services.area_labels(case, lang),
        "cost": format_cost(case.cost),
        "same_item": case.checklist_item == ref,
        "before": services.photo_url(befores[0], "thumb") if befores else None,
        "after": services.photo_url(afters[0], "thumb") if afters else None,
    }


@bp.get("/inspections/<int:inspection_id>/practice/<item_id>")
@login_required
def practice(inspection_id: int, item_id: str):
    """Good practice at hand, as JSON: the form asks for it when an item is answered as a
    problem (not with the page: it stays light), and the service worker keeps the answer for
    working without network."""
    from sqlalchemy.orm import lazyload

    from ..checklists.services import item_ref
    from ..inspections.models import Inspection
    from ..inspections.services import ANSWERS_ONLY, checklist_of, get_inspection_or_404

    inspection = get_inspection_or_404(
        inspection_id, current_user, options=(*ANSWERS_ONLY, lazyload(Inspection.answers))
    )
    checklist = checklist_of(inspection)
    if not checklist.knows(item_id):
        abort(404)
    slug = inspection.checklist_version.slug
    cases = services.good_practice(
        current_user,
        checklist_slug=slug,
        item_id=item_id,
        areas=list(checklist.item_of(item_id).areas),
    )
    lang, ref = _lang(), item_ref(slug, item_id)
    response = jsonify(
        {
            "cases": [practice_json(case, lang, ref) for case in cases],
            "new_action": url_for("actions.new_from_finding", finding_id=0).replace("/0/", "/{f}/"),
            # The words of the box, here rather than in the form's page (it stays light).
            "t": {
                "title": _("Good practice from other factories"),
                "same_item": _("Same checklist item"),
                "same_area": _("Same hazard area"),
                "before": _("Before"),
                "after": _("After"),
                "cost": _("Cost %(c)s", c="{c}"),
                "use": _("Use this idea for an action"),
                "wait": _("Opens once the finding is sent…"),
            },
        }
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _form_for(case: Case) -> CaseForm:
    form = CaseForm(obj=case if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = case.version
        form.cost.data = "" if case.cost is None else f"{case.cost:f}"
        form.control_type.data = case.control_type or ""
        form.areas.data = list(case.areas or [])
        form.checklist_item.data = case.checklist_item or ""
    form.checklist_item.choices = _item_choices(case.checklist_item)
    return form


def _item_choices(current: str | None) -> dict:
    """The item picker's choices: none, then each checklist's items; a case's reference that no
    checklist offers any more stays choosable, so saving the case does not drop it."""
    choices = {None: [("", "—")], **item_choices(_lang())}
    if current and all(current != value for group in choices.values() for value, _ in group):
        choices[None].append((current, describe_item(current, _lang())))
    return choices


def _hits(case: Case, hits: list | None = None) -> list[dict]:
    """The anonymity check's hits (of the case as stored, or the ones given) with words for
    the page."""
    labels = {}
    for zh, en, name in STORY_PAIRS:
        labels[zh] = f"{services.STORY_LABELS[name]} ({_('Chinese')})"
        labels[en] = f"{services.STORY_LABELS[name]} ({_('English')})"
    labels.update(city_zh=_("City (Chinese)"), city_en=_("City (English)"))
    labels["checklist_item"] = _("Checklist item")
    return [
        {
            "field": hit.field,
            "label": labels.get(hit.field, hit.field),
            "text": hit.text,
            "kind": str(HIT_KINDS.get(hit.kind, hit.kind)),
        }
        for hit in (anonymity.check(case) if hits is None else hits)
    ]


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
def edit_case(case_id: int):
    case = services.get_case_or_404(case_id, current_user, for_edit=True)
    form = _form_for(case)
    status = 200
    hits = None
    if form.validate_on_submit():
        try:
            services.update_case(
                case,
                by=current_user,
                expected_version=int(form.version.data) if form.version.data else None,
                confirm_anonymity=request.form.get("confirm_anonymity") == "1",
                **form.data_for_service(),
            )
        except services.AnonymityWarning as warning:
            db.session.rollback()
            hits = _hits(case, warning.hits)
            flash(warning.message, "error")
            status = 409
        except DomainError as error:
            db.session.rollback()
            for name, message in error.fields.items():
                if name in form and isinstance(message, str):
                    form[name].errors.append(message)
            flash(error.message, "error")
            status = error.status
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("cases.show_case", case_id=case.id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "cases/edit_case.html",
        case=case,
        card=case_card(case),
        form=form,
        pairs=STORY_PAIRS,
        labels=services.STORY_LABELS,
        hints=HINTS,
        hits=_hits(case) if hits is None else hits,
        confirm_needed=hits is not None,
    ), status


@bp.post("/cases/<int:case_id>/publish")
@login_required
def publish_case(case_id: int):
    case = services.get_case_or_404(case_id, current_user, for_edit=True)
    confirmed = request.form.get("confirm_anonymity") == "1"
    try:
        services.publish(case, by=current_user, confirm_anonymity=confirmed)
    except services.AnonymityWarning:
        db.session.rollback()
        return render_template(
            "cases/publish_warning.html", case=case, card=case_card(case), hits=_hits(case)
        ), 409
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        for message in error.fields.values():
            flash(message, "error")
        return redirect(url_for("cases.edit_case", case_id=case.id))
    db.session.commit()
    flash(_("Published: every trainer can now find and use this case."), "success")
    return redirect(url_for("cases.show_case", case_id=case.id))


@bp.post("/cases/<int:case_id>/unpublish")
@login_required
def unpublish_case(case_id: int):
    case = services.get_case_or_404(case_id, current_user, for_edit=True)
    try:
        services.unpublish(case, by=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("cases.show_case", case_id=case.id))
    db.session.commit()
    flash(_("The case is a draft again: other trainers no longer see it."), "success")
    return redirect(url_for("cases.show_case", case_id=case.id))


@bp.post("/cases/<int:case_id>/copy")
@login_required
def copy_case(case_id: int):
    """Someone else's published case, copied into a new draft of one's own."""
    _require_library()
    case = services.get_case_or_404(case_id, current_user)
    copy = services.copy_case(case, by=current_user)
    db.session.commit()
    flash(_("A copy of the case is your new draft: edit it, then publish."), "success")
    return redirect(url_for("cases.edit_case", case_id=copy.id))


@bp.post("/cases/<int:case_id>/photos/<int:case_photo_id>/blur")
@login_required
def blur_case_photo(case_id: int, case_photo_id: int):
    case = services.get_case_or_404(case_id, current_user, for_edit=True)
    photo = services.get_case_photo_or_404(case, case_photo_id)
    data = request.get_json(silent=True) if request.is_json else request.form
    try:
        region = Region.parse(data or {})
    except ValueError:
        message = _("Drag a rectangle over the part of the photo to blur.")
        raise DomainError(
            message, fields={"region": message}, status=400, code="bad_request"
        ) from None
    photo = services.blur_photo(case, photo, by=current_user, region=region)
    db.session.commit()
    if request.is_json or wants_json():
        return {"photo": services.photo_json(photo), "version": case.version}
    flash(_("The area is blurred."), "success")
    return redirect(url_for("cases.edit_case", case_id=case.id, _anchor=f"photo-{photo.id}"))


@bp.post("/cases/<int:case_id>/photos/<int:case_photo_id>/remove")
@login_required
def remove_case_photo(case_id: int, case_photo_id: int):
    case = services.get_case_or_404(case_id, current_user, for_edit=True)
    if db.session.get(Photo, case_photo_id) is None:  # a second tap on "Remove": already gone
        flash(_("The photo was already removed."), "info")
        return redirect(url_for("cases.edit_case", case_id=case.id, _anchor="photos"))
    photo = services.get_case_photo_or_404(case, case_photo_id)
    services.remove_photo(case, photo, by=current_user)
    db.session.commit()
    flash(_("The photo is no longer part of this case. The original evidence is kept."), "success")
    return redirect(url_for("cases.edit_case", case_id=case.id, _anchor="photos"))


def _chosen_ids() -> list[int]:
    """`ids=1,2,3` (or `ids=1&ids=2` from the library's checkboxes), in order, no repeats.
    Anything that is not a case number, or more cases than a session holds, is refused (422)
    rather than skipped or cut: the trainer would present something else than was chosen."""
    ids: list[int] = []
    for value in request.args.getlist("ids"):
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            number = whole_id(part)
            if number is None:
                message = _("Give case numbers separated by commas, like 3,7,12.")
                raise DomainError(message, fields={"ids": message})
            if number not in ids:
                ids.append(number)
    if len(ids) > MAX_CHOSEN:
        message = _("Choose at most %(num)d cases at a time.", num=MAX_CHOSEN)
        raise DomainError(message, fields={"ids": message})
    return ids


def _chosen_lang() -> str:
    lang = request.args.get("lang", "")
    if lang in LANGUAGES:
        return lang
    return "zh_CN" if _lang() == "zh" else "en"


@bp.get("/cases/present")
@login_required
def present():
    """One case per slide, for a projector: before, after, the story."""
    _require_library()
    ids = _chosen_ids()
    if not ids:
        flash(_("Choose one or more cases to present."), "error")
        return redirect(url_for("cases.library"))
    cases = services.chosen_cases(current_user, ids)
    lang = _chosen_lang()
    with force_locale(lang):
        short = "zh" if lang == "zh_CN" else "en"
        return render_template(
            "cases/present.html",
            cards=[case_card(case, short) for case in cases],
            lang=lang,
            ids=",".join(str(i) for i in ids),
        )


@bp.get("/cases/handout.pdf")
@login_required
def handout():
    """The chosen cases on A4, one per page, in the chosen language."""
    _require_library()
    ids = _chosen_ids()
    if not ids:
        flash(_("Choose one or more cases for the handout."), "error")
        return redirect(url_for("cases.library"))
    cases = services.chosen_cases(current_user, ids)
    lang = _chosen_lang()
    allowed = {photo.id: photo for case in cases for photo in case.photos}
    with force_locale(lang):
        short = "zh" if lang == "zh_CN" else "en"
        html = render_template(
            "cases/handout.html", cards=[case_card(case, short) for case in cases], lang=lang
        )
    from ..pdf import render_pdf  # WeasyPrint: imported only where a PDF is made

    pdf = render_pdf(html, base_url=request.url_root, photos=_photo_reader(allowed))
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="cases-{lang}.pdf"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _photo_reader(allowed: dict[int, Photo]):
    """Photo bytes for the PDF renderer: only the chosen cases' own copies."""
    from ..photos.services import storage

    def read(photo_id: int, size: str) -> bytes | None:
        photo = allowed.get(photo_id)
        if photo is None or size not in ("web", "thumb"):
            return None
        try:
            return storage().read(photo.web_key if size == "web" else photo.thumb_key)
        except (FileNotFoundError, ValueError):
            return None

    return read
