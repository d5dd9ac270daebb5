"""Progress pages: a factory's charts with their tables, chart images and CSVs, the region
overview, and the actions ledger downloads."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..actions import services as action_services
from ..extensions import db, local_today
from ..factories import services as factory_services
from ..factories.kpis import can_enter_kpis
from ..factories.models import Factory, Region
from . import charts, ledger, queries, render

bp = Blueprint("progress", __name__)


@bp.app_template_global("can_enter_kpis")
def _can_enter_kpis(factory) -> bool:
    """Whether the signed-in user enters this factory's monthly KPIs (for templates)."""
    return current_user.is_authenticated and can_enter_kpis(current_user, factory)


def chart_lang() -> str:
    """The language of chart labels: `?lang=` if given, else the reader's."""
    requested = request.args.get("lang", "").lower()
    if requested.startswith("zh"):
        return "zh_CN"
    if requested.startswith("en"):
        return "en"
    locale = get_locale()
    return "zh_CN" if locale is None or locale.language == "zh" else "en"


def _download_headers(filename: str, fallback: str) -> dict[str, str]:
    return {
        "Content-Disposition": (
            f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
        )
    }


def _cell(value, lang: str) -> str:
    """A table cell as the page shows it."""
    if value is None:
        return "—"
    if isinstance(value, date):
        return charts.month_label(value, lang)
    if isinstance(value, charts.Percent):
        return str(value)
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


# ---------------------------------------------------------------- the factory's progress page


@bp.get("/factories/<int:factory_id>/progress")
@login_required
def factory_progress(factory_id: int):
    factory = factory_services.get_factory_or_404(factory_id, current_user)
    lang = chart_lang()
    stamp = queries.data_stamp(factory.id)
    months = queries.factory_months(factory.id)
    figures = []
    data_by_name = {}
    for spec in render.CHARTS.values():
        data = render.load_data(spec, factory.id, months)
        data_by_name[spec.name] = data
        table = spec.table(data, lang=lang)
        figures.append(
            {
                "spec": spec,
                "empty": data.empty,
                "headers": table.headers,
                "rows": [[_cell(c, lang) for c in row] for row in table.rows],
                "stamp": stamp,
            }
        )
    actions = data_by_name["actions"]
    overdue = data_by_name["overdue"]
    findings = data_by_name["findings"]
    areas = data_by_name["areas"]
    year_ago = months[-12] if len(months) >= 12 else (months[0] if months else None)
    summary = {
        "open": actions.months[-1].backlog if actions.months else 0,
        "overdue": overdue.months[-1].overdue if overdue.months else 0,
        "completed_12": sum(
            m.completed for m in actions.months if year_ago and m.month >= year_ago
        ),
        "open_findings": findings.total,
        "major_findings": sum(
            findings.count(level, grade)
            for level, grade in findings.counts
            if grade.value == "major"
        ),
        "latest": areas.inspections[-1] if areas.inspections else None,
    }
    return render_template(
        "progress/factory_progress.html",
        factory=factory,
        figures=figures,
        summary=summary,
        lang=lang,
        can_enter_kpis=can_enter_kpis(current_user, factory),
        today=local_today(),
    )


# ---------------------------------------------------------------- chart images and CSVs


def _chart_image(factory_id: int, name: str, fmt: str):
    factory = factory_services.get_factory_or_404(factory_id, current_user)
    if name not in render.CHARTS:
        abort(404)
    lang = chart_lang()
    stamp = queries.data_stamp(factory.id)
    tag = render.etag(render.cache_key(factory.id, name, fmt, lang, stamp))
    if tag in request.if_none_match:
        response = Response(status=304)
        hit = True
    else:
        body, hit = render.cached_chart(factory.id, name, fmt, lang, stamp)
        response = Response(body, mimetype=render.MIMETYPES[fmt])
    response.set_etag(tag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Chart-Cache"] = "hit" if hit else "miss"
    return response


@bp.get("/factories/<int:factory_id>/charts/<name>.svg")
@login_required
def chart_svg(factory_id: int, name: str):
    return _chart_image(factory_id, name, "svg")


@bp.get("/factories/<int:factory_id>/charts/<name>.png")
@login_required
def chart_png(factory_id: int, name: str):
    return _chart_image(factory_id, name, "png")


@bp.get("/factories/<int:factory_id>/charts/<name>.csv")
@login_required
def chart_csv(factory_id: int, name: str):
    factory = factory_services.get_factory_or_404(factory_id, current_user)
    spec = render.CHARTS.get(name)
    if spec is None:
        abort(404)
    lang = chart_lang()
    table = spec.table(render.load_data(spec, factory.id), lang=lang)
    with force_locale(lang):
        filename = f"{factory.name_zh}-{spec.title}.csv"
    return Response(
        render.csv_bytes(table),
        mimetype=render.MIMETYPES["csv"],
        headers=_download_headers(filename, f"factory-{factory.id}-{name}.csv"),
    )


# ---------------------------------------------------------------- ledger downloads


def _ledger_name(scope_name: str, ext: str) -> str:
    return f"{_('Hazard ledger')}-{scope_name}-{local_today().isoformat()}.{ext}"


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _chunks_then_close(file, size: int = 256 * 1024):
    try:
        while chunk := file.read(size):
            yield chunk
    finally:
        file.close()


def _send_ledger(where, fmt: str, filename: str, fallback: str):
    words = ledger.labels(chart_lang())
    checklists = ledger.checklists_in(where)
    headers = _download_headers(filename, fallback)
    if fmt == "xlsx":
        result = db.session.execute(
            ledger.ledger_query(where).execution_options(yield_per=ledger.BATCH)
        )
        workbook = ledger.xlsx_file(result, words, checklists)
        if workbook.size <= ledger.IN_MEMORY:
            body = workbook.file.read()
            workbook.file.close()
        else:  # a big region: send the spooled file in pieces, closing it at the end
            body = _chunks_then_close(workbook.file)
        response = Response(body, mimetype=XLSX_MIMETYPE, headers=headers)
        if not isinstance(body, bytes):
            response.call_on_close(workbook.file.close)
        return response
    # CSV streams: the query runs now (in this request, so read-only on SQLite) on a connection
    # of its own, and its rows are written out as the client reads; whichever comes first, the
    # end of the rows or the response being closed, gives the connection back.
    connection = db.engine.connect()
    result = connection.execution_options(yield_per=ledger.BATCH).execute(
        ledger.ledger_query(where)
    )

    def release():
        result.close()  # PostgreSQL: close the server-side cursor before the connection
        connection.close()

    def body():
        try:
            yield from ledger.csv_stream(result, words, checklists)
        finally:
            release()

    response = Response(body(), mimetype="text/csv; charset=utf-8", headers=headers)
    response.call_on_close(release)
    return response


def _factory_ledger(factory_id: int, fmt: str):
    factory = factory_services.get_factory_or_404(factory_id, current_user)
    return _send_ledger(
        sa.and_(Factory.id == factory.id, action_services.visible_clause(current_user)),
        fmt,
        _ledger_name(factory.name, fmt),
        f"ledger-factory-{factory.id}.{fmt}",
    )


@bp.get("/factories/<int:factory_id>/ledger.csv")
@login_required
def factory_ledger_csv(factory_id: int):
    return _factory_ledger(factory_id, "csv")


@bp.get("/factories/<int:factory_id>/ledger.xlsx")
@login_required
def factory_ledger_xlsx(factory_id: int):
    return _factory_ledger(factory_id, "xlsx")


def _require_region_role() -> None:
    if current_user.role not in (Role.ADMIN, Role.INSPECTOR):
        abort(403)


def _chosen_region() -> Region | None:
    """The `?region=` filter, limited to regions the user covers (else 404)."""
    region_id = request.args.get("region", type=int)
    if not region_id:
        return None
    allowed = {r.id: r for r in factory_services.visible_regions(current_user)}
    if region_id not in allowed:
        abort(404)
    return allowed[region_id]


def _region_where(region: Region | None):
    where = action_services.visible_clause(current_user)
    if region is not None:
        where = sa.and_(
            where,
            Factory.region_id.in_(sa.select(Region.id).where(Region.path.startswith(region.path))),
        )
    return where


def _region_ledger(fmt: str):
    _require_region_role()
    region = _chosen_region()
    name = region.full_name if region else _("all my regions")
    return _send_ledger(
        _region_where(region),
        fmt,
        _ledger_name(name, fmt),
        f"ledger-region-{region.code if region else 'all'}.{fmt}",
    )


@bp.get("/regions/ledger.csv")
@login_required
def region_ledger_csv():
    return _region_ledger("csv")


@bp.get("/regions/ledger.xlsx")
@login_required
def region_ledger_xlsx():
    return _region_ledger("xlsx")


# ---------------------------------------------------------------- region overview

DEFAULT_DESCENDING = {"name": False, "inspected": True, "score": False}


@bp.get("/regions/overview")
@login_required
def region_overview():
    _require_region_role()
    region = _chosen_region()
    sort = request.args.get("sort", "overdue")
    if sort not in queries.OVERVIEW_SORTS:
        sort = "overdue"
    direction = request.args.get("dir", "")
    descending = (
        direction == "desc" if direction in ("asc", "desc") else DEFAULT_DESCENDING.get(sort, True)
    )
    page = queries.region_overview(
        factory_services.scope_clause(current_user),
        region=region,
        sort=sort,
        descending=descending,
        page=max(1, request.args.get("page", 1, type=int) or 1),
        per_page=current_app.config["PER_PAGE"],
        lang=chart_lang(),
    )
    return render_template(
        "progress/region_overview.html",
        page=page,
        region=region,
        regions=factory_services.visible_regions(current_user),
        sort=sort,
        descending=descending,
    )
