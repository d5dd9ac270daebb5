"""Render progress charts to SVG, PNG and CSV, and cache the images by data version.

SVG keeps text as text (svg.fonttype "none") so Chinese labels are drawn by the reader's own
fonts; its font-family is the app's CSS font stack. PNG (for PDFs) is drawn with a CJK font
found through matplotlib's font manager, falling back to DejaVu Sans (with a warning in the
log) when none is installed. Rendering holds a lock because matplotlib's rc settings are
process-wide. Rendered charts are kept in the shared cache (inspect_app/cache.py).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from ..cache import get_cache
from . import charts, queries

if TYPE_CHECKING:  # matplotlib is imported where a chart is drawn, not with the app
    from matplotlib.figure import Figure
from .ledger import escape_formula

log = logging.getLogger(__name__)

#: Bump when the charts' drawing changes, so cached images of the old drawing are not served.
CHART_REVISION = "1"

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK JP",
    "Droid Sans Fallback",
)
# The app's font stack, with the font the layout was measured with first: text drawn wider
# than measured would run past the chart's edge. Source Han Sans is Noto Sans CJK by another
# name; PingFang and YaHei have close metrics.
CSS_FONT_STACK = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Hiragino Sans GB', "
    "'Microsoft YaHei', system-ui, -apple-system, sans-serif"
)
MIMETYPES = {"svg": "image/svg+xml", "png": "image/png", "csv": "text/csv; charset=utf-8"}


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed CJK font family matplotlib can use, or None."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    log.warning("No CJK font found for charts; install fonts-noto-cjk for Chinese PNG charts.")
    return None


def _rc() -> dict:
    family = cjk_font()
    return {
        "font.family": ["sans-serif"],
        "font.sans-serif": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
        "svg.fonttype": "none",
        "svg.hashsalt": "inspect-progress",  # stable ids: the same chart gives the same bytes
        "axes.unicode_minus": False,
        "hatch.color": "white",
    }


_render_lock = threading.Lock()
_FONT_FAMILY = re.compile(r"font-family:[^;\"]*")


def figure_bytes(build: Callable[[], Figure], fmt: str) -> bytes:
    """Build a figure and save it as SVG or PNG, with the chart fonts in force."""
    from matplotlib import rc_context

    buffer = io.BytesIO()
    with _render_lock, rc_context(_rc()), warnings.catch_warnings():
        # Without a CJK font, Chinese glyphs are missing from the PNG: degrade, don't fail.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        figure = build()
        if fmt == "svg":
            figure.savefig(buffer, format="svg", metadata={"Date": None})
        else:
            figure.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
    data = buffer.getvalue()
    if fmt == "svg":
        data = _FONT_FAMILY.sub(f"font-family: {CSS_FONT_STACK}", data.decode("utf-8"))
        data = data.encode("utf-8")
    return data


# ---------------------------------------------------------------- the charts


@dataclass(frozen=True)
class ChartSpec:
    name: str
    title: object
    description: object
    load: Callable[[int, list[date]], object]
    draw: Callable[..., Figure]
    table: Callable[..., charts.Table]
    uses_months: bool = True


CHARTS: dict[str, ChartSpec] = {
    spec.name: spec
    for spec in (
        ChartSpec(
            "actions",
            _l("Actions opened and completed"),
            _l(
                "Improvement actions opened and verified each month, and how many were still "
                "open at the end of the month."
            ),
            lambda factory_id, months: queries.actions_by_month(factory_id, months),
            charts.actions_chart,
            charts.actions_table,
        ),
        ChartSpec(
            "overdue",
            _l("Overdue actions"),
            _l(
                "Actions past their due date and not yet done at the end of each month (for "
                "this month: today), out of all actions still to be done."
            ),
            lambda factory_id, months: queries.overdue_by_month(factory_id, months),
            charts.overdue_chart,
            charts.overdue_table,
        ),
        ChartSpec(
            "areas",
            _l("Checklist results per hazard area"),
            _l(
                "Share of good answers per hazard area at each submitted inspection (the last "
                "12). Areas line up across checklists and checklist versions."
            ),
            lambda factory_id, _months: queries.area_results(factory_id),
            charts.areas_chart,
            charts.areas_table,
            uses_months=False,
        ),
        ChartSpec(
            "findings",
            _l("Open findings by risk level and grade"),
            _l("Hazards found at submitted inspections and not yet closed, as of today."),
            lambda factory_id, _months: queries.open_findings(factory_id),
            charts.findings_chart,
            charts.findings_table,
            uses_months=False,
        ),
        ChartSpec(
            "kpis",
            _l("Monthly safety KPIs"),
            _l(
                "Lost-time injuries per 100 workers, near misses reported and worker "
                "suggestions implemented, as entered each month."
            ),
            lambda factory_id, months: queries.kpi_series(factory_id, months),
            charts.kpis_chart,
            charts.kpis_table,
        ),
    )
}


def load_data(spec: ChartSpec, factory_id: int, months: list[date] | None = None):
    """The numbers behind one chart."""
    if spec.uses_months and months is None:
        months = queries.factory_months(factory_id)
    return spec.load(factory_id, months or [])


def render_image(spec: ChartSpec, data, fmt: str, lang: str) -> bytes:
    """One chart as SVG or PNG bytes."""
    return figure_bytes(lambda: spec.draw(data, lang=lang), fmt)


# ---------------------------------------------------------------- CSV


def csv_cell(value) -> object:
    """A value safe for spreadsheets: text that a spreadsheet would run as a formula
    (starting with = + - @, tab or CR) gets a leading apostrophe; dates are ISO."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return escape_formula(value)
    if isinstance(value, float):
        return f"{value:g}" if not isinstance(value, charts.Percent) else f"{float(value):.1f}"
    return value


def csv_bytes(table: charts.Table, *, month_cells: bool = True) -> bytes:
    """A table as CSV: UTF-8 with a BOM (so Excel shows Chinese), CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(h) for h in table.headers])
    for row in table.rows:
        writer.writerow(
            [
                csv_cell(cell.strftime("%Y-%m") if month_cells and _is_month(cell) else cell)
                for cell in row
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _is_month(value) -> bool:
    return isinstance(value, date) and value.day == 1


# ---------------------------------------------------------------- cache


def cache_key(factory_id: int, name: str, fmt: str, lang: str, stamp: str) -> tuple:
    return (factory_id, name, fmt, lang, stamp, CHART_REVISION)


def etag(key: tuple) -> str:
    return hashlib.sha256(repr(key).encode()).hexdigest()[:32]


def cached_chart(factory_id: int, name: str, fmt: str, lang: str, stamp: str) -> tuple[bytes, bool]:
    """The chart's bytes and whether they came from the cache."""
    key = "chart:" + etag(cache_key(factory_id, name, fmt, lang, stamp))
    cache = get_cache()  # shared by every app server when Redis is configured
    body = cache.get(key)
    if body is not None:
        return body, True
    spec = CHARTS[name]
    body = render_image(spec, load_data(spec, factory_id), fmt, lang)
    cache.put(key, body)
    return body, False
