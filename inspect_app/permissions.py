"""Pure authorization checks, used by views, services and templates alike.

Records outside a user's scope are answered with 404 by the loaders that use these checks, so
that their existence does not leak; whole features a role never uses answer 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .accounts.models import Role

if TYPE_CHECKING:
    from .accounts.models import User
    from .factories.models import Factory


def region_paths(user: User) -> list[str]:
    """The region subtrees an inspector covers, as path prefixes."""
    return [region.path for region in user.regions]


def can_view_factory(user: User, factory: Factory) -> bool:
    """Admin: all; inspector: factories in their regions; committee: its own factory."""
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.INSPECTOR:
        return any(factory.region.path.startswith(p) for p in region_paths(user))
    if user.role is Role.COMMITTEE:
        return user.factory_id == factory.id
    return False


def can_edit_factory(user: User, factory: Factory) -> bool:
    """Admins and the inspectors of its region edit a factory's register entry."""
    return user.role in (Role.ADMIN, Role.INSPECTOR) and can_view_factory(user, factory)


def can_create_factory(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.INSPECTOR)


def can_manage_users(user: User) -> bool:
    return user.role is Role.ADMIN


def can_read_audit(user: User) -> bool:
    return user.role is Role.ADMIN


def can_view_inspection(user: User, inspection) -> bool:
    """Committees see their factory's submitted inspections (and their own self-inspections)."""
    if not can_view_factory(user, inspection.factory):
        return False
    if user.role is Role.COMMITTEE:
        return not inspection.is_draft or _own_self_inspection(user, inspection)
    return user.role in (Role.ADMIN, Role.INSPECTOR)


def _own_self_inspection(user: User, inspection) -> bool:
    return (
        user.role is Role.COMMITTEE
        and inspection.kind.value == "self_inspection"
        and inspection.factory_id == user.factory_id
    )


def can_start_inspection(user: User, factory: Factory, kind: str) -> bool:
    """Inspectors and admins inspect; a committee runs self-inspections of its own factory."""
    if not can_view_factory(user, factory):
        return False
    if user.role in (Role.ADMIN, Role.INSPECTOR):
        return True
    return user.role is Role.COMMITTEE and kind == "self_inspection"


def can_edit_inspection(user: User, inspection) -> bool:
    """Answers and findings change only while the inspection is a draft."""
    if not inspection.is_draft or not can_view_inspection(user, inspection):
        return False
    return user.role in (Role.ADMIN, Role.INSPECTOR) or _own_self_inspection(user, inspection)


def can_view_finding(user: User, finding) -> bool:
    return can_view_inspection(user, finding.inspection)


def can_view_photo(user: User, photo) -> bool:
    """A photo is visible to whoever may see the record it belongs to."""
    if photo.finding is not None:
        return can_view_finding(user, photo.finding)
    for check in PHOTO_OWNER_CHECKS:
        verdict = check(user, photo)
        if verdict is not None:
            return verdict
    return False


#: Later features (actions, cases) add checks: (user, photo) -> True/False, or None if not theirs.
PHOTO_OWNER_CHECKS: list = []


def can_region_cover(user: User, factory: Factory) -> bool:
    """Whether an inspector's regions include the factory (used to offer co-inspectors)."""
    return user.role is Role.INSPECTOR and can_view_factory(user, factory)


# ---------------------------------------------------------------- improvement actions

#: Roles that work on actions at all; trainers never do (403).
ACTION_ROLES = frozenset({Role.ADMIN, Role.INSPECTOR, Role.COMMITTEE})


def can_use_actions(user: User) -> bool:
    return user.role in ACTION_ROLES


def can_view_action(user: User, action) -> bool:
    """Whoever sees the factory sees its actions; a committee does not see actions raised
    from a finding it may not see yet (an inspector's draft inspection)."""
    if not can_use_actions(user) or not can_view_factory(user, action.factory):
        return False
    return action.finding is None or can_view_finding(user, action.finding)


def can_edit_action(user: User, action) -> bool:
    """Fields (and the due date) change until the action is verified or void."""
    return can_view_action(user, action) and action.status.value not in ("verified", "void")


def can_create_action(user: User, factory: Factory) -> bool:
    """Committees (their factory), inspectors (their regions) and admins raise actions."""
    return can_use_actions(user) and can_view_factory(user, factory)


def can_add_action_photo(user: User, action, kind: str) -> bool:
    """An "after" photo: anyone working on the action until it is closed; a verification
    photo: an inspector, while the action waits for verification."""
    if not can_edit_action(user, action):
        return False
    if kind == "after":
        return True
    return kind == "verification" and user.role is Role.INSPECTOR and action.status.value == "done"


def _action_photo_check(user: User, photo):
    """Action photos are visible to whoever may see the action."""
    if photo.action_id is None:
        return None
    from .actions.models import Action
    from .extensions import db

    action = db.session.get(Action, photo.action_id)
    return action is not None and can_view_action(user, action)


PHOTO_OWNER_CHECKS.append(_action_photo_check)


# ---------------------------------------------------------------- the case library

#: Roles that use the case library; inspectors and committees never do (403).
CASE_LIBRARY_ROLES = frozenset({Role.ADMIN, Role.TRAINER})


def can_use_case_library(user: User) -> bool:
    return user.role in CASE_LIBRARY_ROLES


def can_promote_finding(user: User, finding) -> bool:
    """Inspectors (in scope) and admins turn a finding into a case."""
    return user.role in (Role.ADMIN, Role.INSPECTOR) and can_view_finding(user, finding)


def can_view_case(user: User, case) -> bool:
    """Admins see every case. Trainers see published cases, and drafts that no trainer has
    taken up yet or that they have worked on themselves; other trainers' drafts stay private.
    The inspector who promoted a case may look at it."""
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.INSPECTOR:
        return case.created_by_id == user.id
    if user.role is not Role.TRAINER:
        return False
    if case.status.value == "published":
        return True
    from .cases.services import trainer_editor_ids

    editors = trainer_editor_ids(case)
    return not editors or user.id in editors


def can_edit_case(user: User, case) -> bool:
    """Admins edit any case. A trainer edits a draft they may see; a published case only if
    they are one of its editors (or no trainer has worked on it yet): other trainers copy it
    into a new draft of their own instead of changing or withdrawing someone's work."""
    if not can_use_case_library(user) or not can_view_case(user, case):
        return False
    if user.role is Role.ADMIN or case.status.value != "published":
        return True
    from .cases.services import trainer_editor_ids

    editors = trainer_editor_ids(case)
    return not editors or user.id in editors


def can_copy_case(user: User, case) -> bool:
    """Trainers and admins copy any case they may see into a new draft of their own."""
    return can_use_case_library(user) and can_view_case(user, case)


def _case_photo_check(user: User, photo):
    """A case's own photo copies are visible to whoever may see the case."""
    if photo.case_id is None:
        return None
    from .cases.models import Case
    from .extensions import db

    case = db.session.get(Case, photo.case_id)
    return case is not None and can_view_case(user, case)


PHOTO_OWNER_CHECKS.append(_case_photo_check)


# ---------------------------------------------------------------- enforcement documents

#: Roles that see enforcement documents at all; trainers never do (403).
DOCUMENT_ROLES = frozenset({Role.ADMIN, Role.INSPECTOR, Role.COMMITTEE})


def can_use_documents(user: User) -> bool:
    return user.role in DOCUMENT_ROLES


def can_view_document(user: User, document) -> bool:
    """Whoever sees the inspection sees its documents; a committee only the issued ones
    (and those a correction superseded), never a draft."""
    if not can_use_documents(user) or not can_view_inspection(user, document.inspection):
        return False
    return user.role is not Role.COMMITTEE or not document.is_draft


def can_write_documents(user: User, inspection) -> bool:
    """Inspectors of the factory's region (and admins) draft, edit and issue documents."""
    return user.role in (Role.ADMIN, Role.INSPECTOR) and can_view_factory(user, inspection.factory)
