"""Progress charts: pure functions from the numbers in `progress.queries` to a Figure.

Built on `matplotlib.figure.Figure`, never pyplot (pyplot keeps global state and leaks in a
server). Each chart has a twin table function giving the same numbers as rows, for the table
beside the chart and its CSV download. Labels are in the language asked for. Fonts and output
formats are the business of `progress.render`.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..checklists.areas import AREAS
from ..inspections.models import RISK_LABELS, Grade, InspectionKind

if TYPE_CHECKING:  # matplotlib is imported where a chart is drawn, not with the app
    from matplotlib.figure import Figure

from .queries import (
    GRADE_ORDER,
    RISK_ORDER,
    ActionsData,
    AreasData,
    FindingsData,
    KpiData,
    OverdueData,
)

# Colours from the app's design tokens; series also differ by hatch, marker or line style so
# that no chart relies on colour alone (and prints in black and white).
INK = "#111418"
MUTED = "#5a6270"
GRID = "#d9dee5"
BRAND = "#0b4f8a"
OK = "#1d6b35"
WARN = "#b07400"
DANGER = "#a4161a"
AMBER = "#f2b705"
NA = "#eceff3"

WIDTH = 7.6  # inches: at 100 dpi 760 px, about a tablet's content width, so text stays legible
HEIGHT = 4.0

EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def is_zh(lang: str) -> bool:
    return lang.lower().startswith("zh")


def month_label(month: date, lang: str) -> str:
    """A month for tables: 2026年1月 / Jan 2026."""
    if is_zh(lang):
        return f"{month.year}年{month.month}月"
    return f"{EN_MONTHS[month.month - 1]} {month.year}"


def day_label(day: date, lang: str) -> str:
    """A date for tables: 2026年1月5日 / 5 Jan 2026."""
    if is_zh(lang):
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"


def _tick(month: date, lang: str, with_year: bool) -> str:
    name = f"{month.month}月" if is_zh(lang) else EN_MONTHS[month.month - 1]
    if with_year:
        return f"{name}\n{month.year}年" if is_zh(lang) else f"{name}\n{month.year}"
    return name


def _month_axis(ax, months: list[date], lang: str) -> None:
    """Month ticks that stay readable: every month up to 18, then every 2nd, 3rd or 6th month
    (aligned to quarters); the year under the first tick and under each January."""
    n = len(months)
    step = 1 if n <= 18 else 2 if n <= 30 else 3 if n <= 48 else 6
    ticks = [i for i, m in enumerate(months) if (m.month - 1) % step == 0 or n == 1]
    if ticks and ticks[0] != 0 and step > 1 and ticks[0] >= step // 2 + 1:
        ticks.insert(0, 0)
    labels = []
    for position, i in enumerate(ticks):
        month = months[i]
        labels.append(_tick(month, lang, with_year=position == 0 or month.month <= step))
    ax.set_xticks(ticks, labels)
    pad = max(0.7, (6 - n) / 2)
    ax.set_xlim(-pad, n - 1 + pad)


def _style(ax) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.spines[["top", "right"]].set_visible(False)
    ax.spines[["left", "bottom"]].set_color(MUTED)
    ax.tick_params(colors=INK, labelsize=12)
    ax.yaxis.grid(True, color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))


def _figure(height: float = HEIGHT) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH, height), facecolor="white", layout="constrained")
    return fig


def empty_chart(message, hint, *, lang: str) -> Figure:
    """The chart of a factory with nothing to show yet: what to do, in words."""
    from matplotlib.figure import Figure

    with force_locale(lang):
        fig = Figure(figsize=(WIDTH, 2.4), facecolor="white")
        fig.text(0.5, 0.62, str(message), ha="center", va="center", fontsize=18, color=INK)
        fig.text(0.5, 0.36, str(hint), ha="center", va="center", fontsize=12, color=MUTED)
        return fig


NO_DATA = _l("No data yet")


@dataclass(frozen=True)
class Table:
    """A chart's numbers as rows: the table beside the chart and its CSV download."""

    headers: list[str]
    rows: list[list[object]]


def _legend(fig, ax, ncols: int) -> None:
    """One legend row above the plot, bars first (in drawing order), then lines."""
    from matplotlib.container import BarContainer

    pairs = list(zip(*ax.get_legend_handles_labels(), strict=True))
    pairs.sort(key=lambda pair: 0 if isinstance(pair[0], BarContainer) else 1)
    fig.legend(
        [h for h, _ in pairs],
        [label for _, label in pairs],
        loc="outside upper center",
        ncols=ncols,
        frameon=False,
        fontsize=12,
        handlelength=2.2,
    )


def _bar_labels(ax, bars, values, *, color=INK) -> None:
    """The count on top of each bar (left out when there are too many bars to read)."""
    if len(values) > 24:
        return
    for bar, value in zip(bars, values, strict=True):
        if not value:
            continue
        ax.annotate(
            str(value),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=10,
            color=color,
            zorder=5,
            bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.85},
        )


# ---------------------------------------------------------------- (a) opened vs completed

ACTIONS_HINT = _l("Actions appear here once findings get improvement actions.")
L_OPENED = _l("Opened")
L_COMPLETED = _l("Completed (verified)")
L_BACKLOG = _l("Still open at month end")
L_ACTIONS = _l("Actions")
L_MONTH = _l("Month")


def actions_chart(data: ActionsData, *, lang: str) -> Figure:
    """Actions opened and completed (verified) per month, with the open backlog as a line."""
    if data.empty or not data.months:
        return empty_chart(NO_DATA, ACTIONS_HINT, lang=lang)
    with force_locale(lang):
        fig = _figure()
        ax = fig.subplots()
        _style(ax)
        x = list(range(len(data.months)))
        width = 0.38
        opened = [m.opened for m in data.months]
        completed = [m.completed for m in data.months]
        bars = ax.bar([i - width / 2 for i in x], opened, width, color=BRAND, label=str(L_OPENED))
        _bar_labels(ax, bars, opened)
        bars = ax.bar(
            [i + width / 2 for i in x],
            completed,
            width,
            color=OK,
            hatch="//",
            edgecolor="white",
            linewidth=0,
            label=str(L_COMPLETED),
        )
        _bar_labels(ax, bars, completed)
        ax.plot(
            x,
            [m.backlog for m in data.months],
            color=INK,
            marker="o",
            markersize=5,
            linewidth=2,
            label=str(L_BACKLOG),
        )
        ax.set_ylabel(str(L_ACTIONS), fontsize=12)
        ax.set_ylim(bottom=0)
        _month_axis(ax, [m.month for m in data.months], lang)
        _legend(fig, ax, 3)
        return fig


def actions_table(data: ActionsData, *, lang: str) -> Table:
    with force_locale(lang):
        return Table(
            [str(L_MONTH), str(L_OPENED), str(L_COMPLETED), str(L_BACKLOG)],
            [[m.month, m.opened, m.completed, m.backlog] for m in data.months]
            if not data.empty
            else [],
        )


# ---------------------------------------------------------------- (b) overdue

OVERDUE_HINT = _l("Overdue actions are counted once actions have due dates.")
L_OVERDUE = _l("Overdue at month end")
L_PENDING = _l("Pending at month end")


def overdue_chart(data: OverdueData, *, lang: str) -> Figure:
    """Actions past their due date at each month's end, against all pending actions."""
    if data.empty or not data.months:
        return empty_chart(NO_DATA, OVERDUE_HINT, lang=lang)
    with force_locale(lang):
        fig = _figure()
        ax = fig.subplots()
        _style(ax)
        x = list(range(len(data.months)))
        overdue = [m.overdue for m in data.months]
        bars = ax.bar(x, overdue, 0.6, color=DANGER, label=str(L_OVERDUE))
        _bar_labels(ax, bars, overdue, color=DANGER)
        ax.plot(
            x,
            [m.pending for m in data.months],
            color=MUTED,
            linestyle="--",
            marker="s",
            markersize=4,
            linewidth=1.6,
            label=str(L_PENDING),
        )
        ax.set_ylabel(str(L_ACTIONS), fontsize=12)
        ax.set_ylim(bottom=0)
        _month_axis(ax, [m.month for m in data.months], lang)
        _legend(fig, ax, 2)
        return fig


def overdue_table(data: OverdueData, *, lang: str) -> Table:
    with force_locale(lang):
        return Table(
            [str(L_MONTH), str(L_OVERDUE), str(L_PENDING)],
            [[m.month, m.overdue, m.pending] for m in data.months] if not data.empty else [],
        )


# ---------------------------------------------------------------- (c) results per area

AREAS_HINT = _l("Results per hazard area appear after the first submitted inspection.")
L_AREA = _l("Hazard area")
L_OVERALL = _l("Overall")
KIND_SHORT = {
    InspectionKind.ENFORCEMENT.value: _l("Enforcement"),
    InspectionKind.SCORE_VISIT.value: _l("SCORE visit"),
    InspectionKind.SELF_INSPECTION.value: _l("Self-inspection"),
}


def _area_label(area_id: str, lang: str, declared: dict | None = None) -> str:
    area = AREAS.get(area_id)
    if area is not None:
        return area.label(lang)
    if declared and area_id in declared:  # an area a checklist declares (issue 14)
        zh, en = declared[area_id]
        return zh if lang.lower().startswith("zh") else en
    return area_id


def _wrapped(label: str, width: int = 26) -> str:
    """Long labels on two lines (only English ones are long)."""
    return "\n".join(textwrap.wrap(label, width)) if len(label) > width else label


def _text_colour(percent: float) -> str:
    return "white" if percent < 30 or percent > 80 else INK


def _cell_colour(percent: float) -> tuple[float, float, float]:
    """Red (0 %) → amber (50 %) → green (100 %), darker at the ends for white text."""
    stops = ((0, (0.64, 0.09, 0.10)), (50, (0.95, 0.72, 0.02)), (100, (0.11, 0.42, 0.21)))
    for (p0, c0), (p1, c1) in zip(stops, stops[1:], strict=False):
        if percent <= p1:
            t = (percent - p0) / (p1 - p0)
            return tuple(a + (b - a) * t for a, b in zip(c0, c1, strict=True))
    return stops[-1][1]


def _column_label(column, lang: str) -> str:
    day = column.inspected_on
    when = f"{day.month}月{day.day}日\n{day.year}" if is_zh(lang) else day.strftime("%d %b\n%Y")
    return when


def areas_chart(data: AreasData, *, lang: str) -> Figure:
    """Share of good answers per hazard area at each inspection: a grid of percentages."""
    if data.empty or not data.areas:
        return empty_chart(NO_DATA, AREAS_HINT, lang=lang)
    with force_locale(lang):
        rows = list(data.areas.items())
        n_cols = len(data.inspections)
        fig = _figure(height=1.6 + 0.46 * (len(rows) + 1))
        ax = fig.subplots()
        labels = [_wrapped(_area_label(area_id, lang, data.declared)) for area_id, _ in rows] + [
            str(L_OVERALL)
        ]
        values = [v for _, v in rows] + [[c.overall for c in data.inspections]]
        for r, series in enumerate(values):
            for c, percent in enumerate(series):
                if percent is None:
                    colour, text, text_colour = NA, "—", MUTED
                else:
                    colour = _cell_colour(percent)
                    text, text_colour = f"{percent:.0f}%", _text_colour(percent)
                ax.add_patch(_rect((c - 0.5, r - 0.5), colour, bold=r == len(values) - 1))
                ax.text(
                    c,
                    r,
                    text,
                    ha="center",
                    va="center",
                    fontsize=10 if n_cols > 8 else 12,
                    color=text_colour,
                    fontweight="bold" if r == len(values) - 1 else "normal",
                )
        ax.set_xlim(-0.5, n_cols - 0.5)
        ax.set_ylim(len(values) - 0.5, -0.5)
        ax.set_yticks(range(len(values)), labels, fontsize=12)
        ax.set_xticks(range(n_cols), [_column_label(c, lang) for c in data.inspections])
        ax.xaxis.tick_top()
        ax.tick_params(length=0, labelsize=10 if n_cols > 8 else 11, colors=INK)
        for spine in ax.spines.values():
            spine.set_visible(False)
        kinds = [str(KIND_SHORT.get(c.kind, c.kind)) for c in data.inspections]
        secondary = ax.secondary_xaxis("bottom")
        secondary.set_xticks(range(n_cols), kinds if n_cols <= 6 else [""] * n_cols)
        secondary.tick_params(length=0, labelsize=10, colors=MUTED)
        for spine in secondary.spines.values():
            spine.set_visible(False)
        return fig


def _rect(xy, colour, *, bold: bool):
    from matplotlib.patches import Rectangle

    return Rectangle(xy, 1, 1, facecolor=colour, edgecolor="white", linewidth=3 if bold else 2)


def areas_table(data: AreasData, *, lang: str) -> Table:
    with force_locale(lang):
        headers = [str(L_AREA)] + [
            f"{day_label(c.inspected_on, lang)} {KIND_SHORT.get(c.kind, c.kind)}"
            for c in data.inspections
        ]
        rows = [
            [_area_label(area_id, lang, data.declared), *(_percent(p) for p in series)]
            for area_id, series in data.areas.items()
        ]
        if data.inspections:
            rows.append([str(L_OVERALL), *(_percent(c.overall) for c in data.inspections)])
        return Table(headers, rows)


def _percent(value: float | None):
    return None if value is None else Percent(value)


class Percent(float):
    """A percentage cell: shown as 85% in tables, written as 85.0 in CSV."""

    def __str__(self) -> str:
        return f"{self:.0f}%" if float(self).is_integer() else f"{self:.1f}%"


# ---------------------------------------------------------------- (d) open findings now

FINDINGS_HINT = _l("No open findings: every hazard found so far has been dealt with.")
L_RISK = _l("Risk level")
L_MAJOR = _l("Major hazards")
L_GENERAL = _l("General hazards")
L_TOTAL = _l("Total")
L_OPEN_FINDINGS = _l("Open findings")
GRADE_SERIES = {Grade.MAJOR: L_MAJOR, Grade.GENERAL: L_GENERAL}


def findings_chart(data: FindingsData, *, lang: str) -> Figure:
    """Open findings now, by risk level (rows) and grade (stacked)."""
    from matplotlib.ticker import MaxNLocator

    if data.empty:
        return empty_chart(NO_DATA, FINDINGS_HINT, lang=lang)
    with force_locale(lang):
        fig = _figure(height=3.4)
        ax = fig.subplots()
        _style(ax)
        ax.yaxis.grid(False)
        ax.xaxis.grid(True, color=GRID, linewidth=0.8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        y = list(range(len(RISK_ORDER)))
        left = [0] * len(RISK_ORDER)
        styles = {
            Grade.MAJOR: {"color": DANGER, "hatch": "xx", "edgecolor": "white"},
            Grade.GENERAL: {"color": AMBER, "edgecolor": "white"},
        }
        for grade in GRADE_ORDER:
            counts = [data.count(level, grade) for level in RISK_ORDER]
            bars = ax.barh(
                y,
                counts,
                0.6,
                left=left,
                linewidth=0,
                label=str(GRADE_SERIES[grade]),
                **styles[grade],
            )
            both = [
                data.count(level, Grade.MAJOR) and data.count(level, Grade.GENERAL)
                for level in RISK_ORDER
            ]
            for bar, count, mixed in zip(bars, counts, both, strict=True):
                if count and mixed:
                    ax.text(
                        bar.get_x() + bar.get_width() / 2,
                        bar.get_y() + bar.get_height() / 2,
                        str(count),
                        ha="center",
                        va="center",
                        fontsize=10,
                        fontweight="bold",
                        color="white" if grade is Grade.MAJOR else INK,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "none", "ec": "none"},
                    )
            left = [a + b for a, b in zip(left, counts, strict=True)]
        for i, total in enumerate(left):
            ax.annotate(
                str(total),
                (total, i),
                xytext=(5, 0),
                textcoords="offset points",
                va="center",
                ha="left",
                fontsize=12,
                color=INK,
            )
        ax.set_yticks(y, [str(RISK_LABELS[level]) for level in RISK_ORDER], fontsize=12)
        ax.invert_yaxis()
        ax.set_xlim(0, max(left) * 1.15 + 1)
        ax.set_xlabel(str(L_OPEN_FINDINGS), fontsize=12)
        _legend(fig, ax, 2)
        return fig


def findings_table(data: FindingsData, *, lang: str) -> Table:
    with force_locale(lang):
        rows = []
        for level in RISK_ORDER:
            major, general = data.count(level, Grade.MAJOR), data.count(level, Grade.GENERAL)
            rows.append([str(RISK_LABELS[level]), major, general, major + general])
        if not data.empty:
            rows.append(
                [
                    str(L_TOTAL),
                    sum(r[1] for r in rows),
                    sum(r[2] for r in rows),
                    data.total,
                ]
            )
        return Table([str(L_RISK), str(L_MAJOR), str(L_GENERAL), str(L_TOTAL)], rows)


# ---------------------------------------------------------------- (e) KPIs

KPIS_HINT = _l("Enter the monthly safety numbers to see them here.")
L_LTI_RATE = _l("Lost-time injuries per 100 workers")
L_LTI_RATE_SHORT = _l("LTI rate (per 100 workers)")
L_NEAR_MISSES = _l("Near misses reported")
L_SUGGESTIONS_MADE = _l("Suggestions made")
L_SUGGESTIONS_DONE = _l("Suggestions implemented")
L_WORKERS = _l("Workers")
L_LTI = _l("Lost-time injuries")
L_COUNT = _l("Number per month")


def _gaps(values) -> list[float]:
    return [math.nan if v is None else v for v in values]


def kpis_chart(data: KpiData, *, lang: str) -> Figure:
    """Lost-time injury rate per 100 workers (top); near misses and suggestions (bottom)."""
    from matplotlib.ticker import MaxNLocator

    if data.empty:
        return empty_chart(NO_DATA, KPIS_HINT, lang=lang)
    with force_locale(lang):
        fig = _figure(height=5.6)
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(1, 1.4))
        for ax in (top, bottom):
            _style(ax)
        x = list(range(len(data.months)))
        rates = [(m.lti_rate or 0) if m.recorded else 0 for m in data.months]
        top.bar(x, rates, 0.6, color=DANGER, label=str(L_LTI_RATE))
        top.yaxis.set_major_locator(MaxNLocator(nbins=4))
        top.set_ylim(bottom=0, top=max(max(rates) * 1.25, 0.5))
        top.set_title(str(L_LTI_RATE), fontsize=12, loc="left", color=INK)
        if len(x) <= 24:
            for i, (rate, month) in enumerate(zip(rates, data.months, strict=True)):
                if month.recorded and rate:
                    top.annotate(
                        f"{rate:.2f}".rstrip("0").rstrip("."),
                        (i, rate),
                        xytext=(0, 2),
                        textcoords="offset points",
                        ha="center",
                        va="bottom",
                        fontsize=10,
                        color=DANGER,
                    )
        bottom.plot(
            x,
            _gaps(m.near_misses for m in data.months),
            color=BRAND,
            marker="o",
            markersize=5,
            linewidth=2,
            label=str(L_NEAR_MISSES),
        )
        bottom.plot(
            x,
            _gaps(m.suggestions_implemented for m in data.months),
            color=OK,
            marker="s",
            markersize=5,
            linewidth=2,
            linestyle="--",
            label=str(L_SUGGESTIONS_DONE),
        )
        bottom.set_ylim(bottom=0)
        bottom.set_title(str(L_COUNT), fontsize=12, loc="left", color=INK)
        _month_axis(bottom, [m.month for m in data.months], lang)
        _legend(fig, bottom, 2)
        return fig


def kpis_table(data: KpiData, *, lang: str) -> Table:
    with force_locale(lang):
        return Table(
            [
                str(L_MONTH),
                str(L_WORKERS),
                str(L_LTI),
                str(L_LTI_RATE_SHORT),
                str(L_NEAR_MISSES),
                str(L_SUGGESTIONS_MADE),
                str(L_SUGGESTIONS_DONE),
            ],
            [
                [
                    m.month,
                    m.headcount,
                    m.lost_time_injuries,
                    m.lti_rate,
                    m.near_misses,
                    m.suggestions_made,
                    m.suggestions_implemented,
                ]
                for m in data.months
            ]
            if not data.empty
            else [],
        )
