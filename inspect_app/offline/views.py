"""The web app manifest, the offline kit a device keeps, the "Available offline" page and the
import of unsent work exported from a device."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..bodies import accepts_uploads
from ..errors import DomainError
from ..extensions import db, utcnow
from ..inspections.views import FORM_ASSETS, _asset_version
from . import services
from .forms import ImportForm

bp = Blueprint("offline", __name__)

#: Scripts and styles every page of the kit uses (the form's carry their version).
SHARED_ASSETS = (
    "css/app.css",
    "js/app.js",
    "js/offline-queue.js",
    "js/device.js",
    "js/device-work.js",
    "js/offline-start.js",
    "js/offline-draft.js",
    "css/submitted-form.css",
)


@bp.get("/manifest.webmanifest")
def manifest():
    """What a tablet needs to install the app to its home screen (no sign-in: the browser
    fetches it without cookies)."""
    icon = lambda name, size, kind: {  # noqa: E731 - three icons, one shape
        "src": url_for("static", filename=f"img/{name}"),
        "sizes": size,
        "type": kind,
        "purpose": "any",
    }
    body = {
        "name": "安全检查 · Safety inspections",
        "short_name": "安全检查",
        "description": "工厂职业安全健康检查 · Occupational safety inspections in factories",
        "lang": "zh-CN",
        "start_url": url_for("main.home"),
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": "#ffffff",
        "theme_color": "#1b1b1b",
        "icons": [
            icon("icon-192.png", "192x192", "image/png"),
            icon("icon-512.png", "512x512", "image/png"),
            icon("icon.svg", "any", "image/svg+xml"),
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
@login_required
def available():
    """What this device keeps for working without network, and its unsent work."""
    return render_template(
        "offline/available.html",
        can_import=current_user.role in (Role.ADMIN, Role.INSPECTOR),
    )


@bp.get("/offline/kit.json")
@login_required
def kit():
    """The pages and files the service worker keeps for this user, refreshed while online."""
    version = _asset_version()
    assets = [url_for("static", filename=name) for name in SHARED_ASSETS]
    assets += [url_for("static", filename=name, v=version) for name in FORM_ASSETS]
    assets += [url_for("static", filename="img/icon.svg")]
    response = jsonify(
        {
            "user": current_user.id,
            "generated_at": utcnow().isoformat() + "Z",
            "pages": services.kit_urls(current_user),
            "assets": assets,
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_global()
def device_data() -> dict:
    """What device.js needs on every signed-in page (kept short: the form page has a budget)."""
    return {
        "user": current_user.id,
        "kit": url_for("offline.kit"),
        "sw": url_for("inspections.service_worker"),
        "t": {
            "signout_blocked": _(
                "You cannot sign out yet: %(n)s changes on this device were not sent. Connect to "
                "the network and wait until they are sent, or use “Export unsent work” on the "
                "home page and give the file to your administrator.",
                n="{n}",
            ),
            "storage_low": _(
                "This device's storage is almost full (%(pct)s%% used): unsent work may not be "
                "kept. Connect to send it, or export it, and free some space.",
                pct="{pct}",
            ),
        },
    }


@bp.app_template_global()
def device_work_strings() -> dict:
    """The words of device-work.js (home page and "Available offline")."""
    return {
        # [one, many]: the script fills in {n} and picks the form (the form's convention).
        "changes": [
            ngettext("%(n)s change not sent", "%(n)s changes not sent", count, n="{n}")
            for count in (1, 2)
        ],
        "refused": [
            ngettext(
                "%(n)s change refused: open the form to see it",
                "%(n)s changes refused: open the form to see them",
                count,
                n="{n}",
            )
            for count in (1, 2)
        ],
        "all_sent": _("Everything sent"),
        "started_offline": _("Started on this device with no network: not on the server yet"),
        "inspection": _("Inspection %(id)s", id="{id}"),
        "exported": _(
            "Saved as %(name)s. Keep the file until the work is imported.", name="{name}"
        ),
        "storage_denied": _(
            "The browser may clear this site's data when space runs short: install the app to "
            "the home screen so that unsent work is kept."
        ),
        "never": _("Not kept yet: open the app once with network."),
        "refreshed": _("Last refreshed %(at)s.", at="{at}"),
        "refreshing": _("Refreshing…"),
        "failed": _("Could not refresh (no network?): the pages below are from the last refresh."),
    }


@bp.route("/offline/import", methods=["GET", "POST"])
@accepts_uploads  # the file carries the visit's photos
@login_required
def import_work():
    """An inspector or admin imports the file a device exported; importing it again, or after
    the device's queue also synced, changes nothing."""
    if current_user.role not in (Role.ADMIN, Role.INSPECTOR):
        abort(403)
    form = ImportForm()
    lines = None
    if form.validate_on_submit():
        try:
            document = services.read_export(form.file.data.read())
        except DomainError as error:
            form.file.errors.append(error.message)
        else:
            lines = services.import_unsent(document, by=current_user)
            db.session.commit()
    status = 422 if request.method == "POST" and lines is None else 200
    counts = {o: sum(1 for line in lines or () if line.outcome is o) for o in services.Outcome}
    return render_template(
        "offline/import_work.html", form=form, lines=lines, counts=counts, Outcome=services.Outcome
    ), status
