"""The top navigation: features register their entries with the roles that see them."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..accounts.models import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: frozenset[Role]
    order: int
    #: Other pages that belong to this entry (a factory's progress page is under "Factories").
    section: frozenset[str] = frozenset()


NAV: list[NavItem] = []


def add(endpoint: str, label, roles, order: int, section=()) -> None:
    """Register a navigation entry (idempotent)."""
    if any(item.endpoint == endpoint for item in NAV):
        return
    NAV.append(NavItem(endpoint, label, frozenset(roles), order, frozenset(section)))
    NAV.sort(key=lambda item: item.order)


def _blueprint(endpoint: str) -> str:
    return endpoint.rsplit(".", 1)[0]


def current_entry(items: list[NavItem], endpoint: str | None) -> str | None:
    """The one entry a page belongs to: its own, the entry that lists it in its section, or
    the only entry of its blueprint (two entries of one blueprint, say Users and Audit log,
    claim only their own pages)."""
    if not endpoint:
        return None
    for item in items:
        if item.endpoint == endpoint:
            return item.endpoint
    for item in items:
        if endpoint in item.section:
            return item.endpoint
    same = [item for item in items if _blueprint(item.endpoint) == _blueprint(endpoint)]
    return same[0].endpoint if len(same) == 1 and endpoint != "main.home" else None


def items_for(role: Role, endpoint: str | None = None) -> list[tuple[str, str, bool]]:
    """Endpoints and labels the role sees, in order, and whether the page is in each one."""
    items = [item for item in NAV if role in item.roles]
    current = current_entry(items, endpoint)
    return [(item.endpoint, str(item.label), item.endpoint == current) for item in items]


add("main.home", _l("Home"), Role, 0)
add("cases.library", _l("Case library"), {Role.TRAINER, Role.ADMIN}, 5)
add("cases.new_case", _l("Cases to share"), {Role.INSPECTOR}, 60)
add(
    "factories.list_factories",
    _l("Factories"),
    {Role.ADMIN, Role.INSPECTOR},
    20,
    section={"progress.factory_progress", "kpis.factory_kpis", "actions.board"},
)
add(
    "inspections.list_inspections",
    _l("Inspections"),
    {Role.ADMIN, Role.INSPECTOR, Role.COMMITTEE},
    30,
)
add(
    "checklists.list_checklists",
    _l("Checklists"),
    {Role.ADMIN, Role.INSPECTOR, Role.TRAINER, Role.COMMITTEE},
    40,
)
add("actions.my_board", _l("Our actions"), {Role.COMMITTEE}, 35)
add("actions.queue", _l("Verification queue"), {Role.INSPECTOR}, 35)
add("progress.region_overview", _l("Region overview"), {Role.ADMIN, Role.INSPECTOR}, 50)
add(
    "accounts.list_users",
    _l("Users"),
    {Role.ADMIN},
    90,
    section={"accounts.create_user", "accounts.edit_user"},
)
add("accounts.audit_log", _l("Audit log"), {Role.ADMIN}, 95)
