"""Checklists over JSON: the latest versions, and one version's full definition."""

from __future__ import annotations

import json

from flask import abort, request
from flask_login import login_required

from ..checklists import services
from ..checklists.models import ChecklistVersion
from . import bp


def checklist_summary_json(version: ChecklistVersion) -> dict:
    """A checklist version as the library lists it."""
    return {
        "slug": version.slug,
        "version": version.number,
        "title": {"zh": version.title_zh, "en": version.title_en},
        "kind": version.kind,
        "item_count": version.item_count,
        "content_hash": version.content_hash,
    }


@bp.get("/checklists")
@login_required
def list_checklists():
    return {"items": [checklist_summary_json(v) for v in services.latest_versions()]}


@bp.get("/checklists/<slug>")
@login_required
def get_checklist(slug: str):
    number = request.args.get("version", type=int)
    if number is None and "version" in request.args:
        abort(404)
    version = services.get_version_or_404(slug, number)
    return {
        **json.loads(version.definition),
        "version": version.number,
        "content_hash": version.content_hash,
        "versions": sorted(v.number for v in services.versions_of(slug)),
    }
