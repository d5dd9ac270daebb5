"""Checklist pages: the library, a checklist with its guidance, the blank paper form (HTML and
PDF), and the admins' file status page with the load button."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..extensions import db
from ..factories.schemas import Sector
from . import services
from . import text as text_html
from .schema import ChecklistKind, PhotoRule

bp = Blueprint("checklists", __name__)


@bp.app_template_filter("md")
def markdown_filter(text: str | None):
    """Checklist text (the safe Markdown subset of `text.py`) as block HTML."""
    return text_html.render(text or "")


@bp.app_template_filter("md_lean")
def markdown_lean_filter(text: str | None):
    """Checklist text as `md` does, but a single paragraph without its <p> (the form)."""
    return text_html.render_lean(text or "")


@bp.app_template_filter("md_heading")
def markdown_heading_filter(text: str | None):
    """(first paragraph inline, the rest as blocks): a question shown as a heading."""
    return text_html.split_heading(text or "")


LANGUAGES = ("zh_CN", "en")
BOTH = "both"

KIND_LABELS = {
    ChecklistKind.SCORE_VISIT: _l("SCORE visit"),
    ChecklistKind.ENFORCEMENT: _l("Enforcement inspection"),
    ChecklistKind.SELF_INSPECTION: _l("Self-inspection"),
}

PHOTO_LABELS = {
    PhotoRule.NONE: _l("No photo"),
    PhotoRule.OPTIONAL: _l("Photo optional"),
    PhotoRule.ON_ACTION: _l("Photo required when action is needed"),
    PhotoRule.ALWAYS: _l("Photo always required"),
}


def _reader_language() -> str:
    locale = get_locale()
    return "zh_CN" if locale is None or locale.language == "zh" else "en"


def _language_arg(*allowed: str) -> str:
    """`?lang=` when it is one of `allowed`, else the reader's language."""
    lang = request.args.get("lang", "")
    return lang if lang in allowed else _reader_language()


def _version_arg() -> int | None:
    """`?version=N`, or None for the latest; anything but a number is a 404."""
    number = request.args.get("version", type=int)
    if number is None and "version" in request.args:
        abort(404)
    return number


def _require_admin() -> None:
    if current_user.role is not Role.ADMIN:
        abort(403)


def _page_context(version) -> dict:
    checklist = services.definition_of(version)
    return {
        "version": version,
        "checklist": checklist,
        "areas": checklist.area_catalogue,
        "sector_labels": {sector.value: sector.label for sector in Sector},
        "kind_labels": KIND_LABELS,
        "photo_labels": PHOTO_LABELS,
    }


@bp.get("/checklists")
@login_required
def list_checklists():
    return render_template(
        "checklists/list_checklists.html",
        versions=services.latest_versions(),
        kind_labels=KIND_LABELS,
        lang=_reader_language(),
        can_load=current_user.role is Role.ADMIN,
    )


@bp.get("/checklists/<slug>")
@login_required
def show_checklist(slug: str):
    version = services.get_version_or_404(slug, _version_arg())
    return render_template(
        "checklists/show_checklist.html",
        lang=_language_arg(*LANGUAGES, BOTH),
        versions=services.versions_of(slug),
        **_page_context(version),
    )


def _paper_form(version, lang: str, *, for_pdf: bool) -> str:
    # The form speaks the checklist's language throughout, labels included.
    with force_locale(lang):
        return render_template(
            "checklists/print_checklist.html", lang=lang, for_pdf=for_pdf, **_page_context(version)
        )


@bp.get("/checklists/<slug>/print")
@login_required
def print_checklist(slug: str):
    version = services.get_version_or_404(slug, _version_arg())
    return _paper_form(version, _language_arg(*LANGUAGES), for_pdf=False)


@bp.get("/checklists/<slug>/form.pdf")
@login_required
def checklist_pdf(slug: str):
    version = services.get_version_or_404(slug, _version_arg())
    lang = _language_arg(*LANGUAGES)
    from ..pdf import render_pdf  # WeasyPrint: imported only where a PDF is made

    pdf = render_pdf(_paper_form(version, lang, for_pdf=True), base_url=request.url_root)
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    filename = f"{version.slug}-v{version.number}-{lang}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.get("/admin/checklists")
@login_required
def admin_checklists():
    _require_admin()
    statuses = services.check_files()
    latest = {version.slug: version for version in services.latest_versions()}
    return render_template(
        "checklists/admin_checklists.html",
        statuses=statuses,
        latest=latest,
        orphans=[v for slug, v in latest.items() if slug not in {s.slug for s in statuses}],
        directory=services.checklist_dir(),
    )


@bp.post("/admin/checklists/load")
@login_required
def load_checklists():
    _require_admin()
    statuses = services.load_files()
    db.session.commit()
    created = [s for s in statuses if s.created]
    bad = [s for s in statuses if not s.ok]
    if created:
        names = ", ".join(f"{s.slug} v{s.version.number}" for s in created)
        flash(_("New versions stored: %(names)s.", names=names), "success")
    else:
        flash(_("No checklist has changed since the last load."), "info")
    if bad:
        message = ngettext(
            "%(num)d file has problems and was skipped; see below.",
            "%(num)d files have problems and were skipped; see below.",
            len(bad),
        )
        flash(message, "error")
    return redirect(url_for("checklists.admin_checklists"))
