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


NAV: list[NavItem] = []


def add(endpoint: str, label, roles, order: int) -> None:
    """Register a navigation entry (idempotent)."""
    if any(item.endpoint == endpoint for item in NAV):
        return
    NAV.append(NavItem(endpoint, label, frozenset(roles), order))
    NAV.sort(key=lambda item: item.order)


def items_for(role: Role) -> list[tuple[str, str]]:
    """Endpoints and labels the role sees, in order."""
    return [(item.endpoint, str(item.label)) for item in NAV if role in item.roles]


add("main.home", _l("Home"), Role, 0)
add("cases.library", _l("Case library"), {Role.TRAINER, Role.ADMIN}, 5)
add("cases.new_case", _l("Cases to share"), {Role.INSPECTOR}, 60)
add("factories.list_factories", _l("Factories"), {Role.ADMIN, Role.INSPECTOR}, 20)
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
add("accounts.list_users", _l("Users"), {Role.ADMIN}, 90)
add("accounts.audit_log", _l("Audit log"), {Role.ADMIN}, 95)
