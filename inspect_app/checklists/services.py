"""Checklist versions: load files into versions, find the latest, and rebuild definitions."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa

from ..extensions import MAX_ID, db
from . import loader
from .areas import AREAS, Area
from .models import ChecklistVersion
from .schema import Checklist


@dataclass
class FileStatus:
    """What happened to one checklist file at load or validation time."""

    path: str
    slug: str | None = None
    problems: list[loader.Problem] = field(default_factory=list)
    version: ChecklistVersion | None = None
    created: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def checklist_dir() -> Path:
    from flask import current_app

    return Path(current_app.config["CHECKLIST_DIR"])


@lru_cache(maxsize=64)
def _definition(content_hash: str, definition: str) -> Checklist:
    return Checklist.model_validate_json(definition)


def definition_of(version: ChecklistVersion) -> Checklist:
    """The validated, frozen checklist of a stored version (parsed once per process)."""
    return _definition(version.content_hash, version.definition)


def store(checklist: Checklist, *, source_file: str = "") -> tuple[ChecklistVersion, bool]:
    """Store a checklist as a version unless that exact content exists; return (version, new)."""
    digest = loader.content_hash(checklist)
    existing = db.session.scalar(
        sa.select(ChecklistVersion).where(
            ChecklistVersion.slug == checklist.id, ChecklistVersion.content_hash == digest
        )
    )
    if existing is not None:
        return existing, False
    last = db.session.scalar(
        sa.select(sa.func.max(ChecklistVersion.number)).where(ChecklistVersion.slug == checklist.id)
    )
    version = ChecklistVersion(
        slug=checklist.id,
        number=(last or 0) + 1,
        content_hash=digest,
        definition=loader.canonical_json(checklist),
        title_zh=checklist.title.zh,
        title_en=checklist.title.en,
        kind=checklist.kind.value,
        item_count=sum(1 for _ in checklist.items()),
        areas=[area.model_dump() for area in checklist.areas],
        source_file=source_file,
    )
    db.session.add(version)
    db.session.flush()
    return version, True


def check_files(directory: Path | None = None) -> list[FileStatus]:
    """Validate every checklist file without storing anything (for the admin status page)."""
    return _scan(directory, store_versions=False)


def load_files(directory: Path | None = None) -> list[FileStatus]:
    """Store a new version of each valid file whose content changed; bad files are skipped."""
    return _scan(directory, store_versions=True)


def _file_stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=32)
def _parse_file(path: str, _mtime_ns: int, _size: int) -> Checklist:
    """Parse a checklist file once per content stamp (the admin page re-checks files often)."""
    return loader.load_checklist(path)


def _scan(directory: Path | None, *, store_versions: bool) -> list[FileStatus]:
    directory = directory or checklist_dir()
    statuses: list[FileStatus] = []
    seen: dict[str, str] = {}
    for path in loader.checklist_files([directory]):
        status = FileStatus(path=path.name)
        try:
            checklist = (
                _parse_file(str(path), *_file_stamp(path))
                if path.is_file()
                else (
                    loader.load_checklist(path)  # reports the missing file as a problem
                )
            )
        except loader.ChecklistError as error:
            status.problems = error.problems
            statuses.append(status)
            continue
        status.slug = checklist.id
        if checklist.id in seen:
            status.problems = [
                loader.Problem(
                    str(path),
                    1,
                    1,
                    f"checklist id `{checklist.id}` is also used in {seen[checklist.id]}",
                )
            ]
            statuses.append(status)
            continue
        seen[checklist.id] = path.name
        if store_versions:
            status.version, status.created = store(checklist, source_file=path.name)
        else:
            status.version = db.session.scalar(
                sa.select(ChecklistVersion).where(
                    ChecklistVersion.slug == checklist.id,
                    ChecklistVersion.content_hash == loader.content_hash(checklist),
                )
            )
        statuses.append(status)
    return statuses


def latest_versions() -> list[ChecklistVersion]:
    """The newest version of every checklist, by title."""
    newest = (
        sa.select(ChecklistVersion.slug, sa.func.max(ChecklistVersion.number).label("number"))
        .group_by(ChecklistVersion.slug)
        .subquery()
    )
    stmt = (
        sa.select(ChecklistVersion)
        .join(
            newest,
            sa.and_(
                ChecklistVersion.slug == newest.c.slug, ChecklistVersion.number == newest.c.number
            ),
        )
        .order_by(ChecklistVersion.slug)
    )
    return list(db.session.scalars(stmt))


def get_version(slug: str, number: int | None = None) -> ChecklistVersion | None:
    """A checklist's version by number, or its latest one."""
    stmt = sa.select(ChecklistVersion).where(ChecklistVersion.slug == slug)
    if number is not None:
        if not 0 < number <= MAX_ID:
            return None  # no such version (and past what the driver can bind)
        stmt = stmt.where(ChecklistVersion.number == number)
    return db.session.scalar(stmt.order_by(ChecklistVersion.number.desc()).limit(1))


def versions_of(slug: str) -> list[ChecklistVersion]:
    """Every stored version of a checklist, newest first."""
    stmt = (
        sa.select(ChecklistVersion)
        .where(ChecklistVersion.slug == slug)
        .order_by(ChecklistVersion.number.desc())
    )
    return list(db.session.scalars(stmt))


def get_version_or_404(slug: str, number: int | None = None) -> ChecklistVersion:
    """A checklist's version by number (or its latest); 404 when there is none."""
    from flask import abort

    version = get_version(slug, number)
    if version is None:
        abort(404)
    return version


def area_catalogue() -> dict[str, Area]:
    """Every hazard area an inspection may have been scored on: the shipped registry, then the
    areas checklists declare (the newest declaration of an id wins)."""
    declared: dict[str, Area] = {}
    rows = db.session.execute(
        sa.select(ChecklistVersion.areas).order_by(ChecklistVersion.id)
    ).scalars()
    for areas in rows:
        for area in areas or ():
            if isinstance(area, dict) and area.get("id") not in AREAS:
                declared[area["id"]] = Area(area["id"], area.get("zh", ""), area.get("en", ""))
    return {**AREAS, **declared}


def known_areas() -> dict[str, Area]:
    """`area_catalogue()` read once per request (a list names many areas; a form offers them
    all), outside a request each time."""
    from flask import g, has_request_context

    if not has_request_context():
        return area_catalogue()
    if "area_catalogue" not in g:
        g.area_catalogue = area_catalogue()
    return g.area_catalogue


def area_label(area_id: str, lang: str, catalogue: dict[str, Area] | None = None) -> str:
    """An area's name in `lang` (its id when no checklist names it)."""
    area = (catalogue if catalogue is not None else area_catalogue()).get(area_id)
    return area.label(lang) if area else area_id


# --- items named across checklists (cases point to the item their lesson is about)

#: An item id alone is ambiguous (the same id is another question in another checklist), so a
#: reference names the checklist too: "<checklist slug>/<item id>".
ITEM_REF_SEPARATOR = "/"


def item_ref(slug: str, item_id: str) -> str:
    return f"{slug}{ITEM_REF_SEPARATOR}{item_id}"


def item_choices(lang: str) -> dict[str, list[tuple[str, str]]]:
    """Every item of the newest version of each checklist, for a picker:
    {checklist title: [(reference, "number  question"), …]}, in checklist order."""
    choices = {}
    for version in _latest_versions_once():
        checklist = definition_of(version)
        choices[checklist.title.get(lang)] = [
            (item_ref(version.slug, item.id), _item_words(checklist, item.id, lang))
            for item in checklist.items()
        ]
    return choices


def describe_item(ref: str, lang: str) -> str:
    """An item in words: "checklist title · number question". A bare item id (cases made before
    references named the checklist) is looked up in the newest checklists, first match; a
    reference no checklist knows any more is shown as it is."""
    slug, _, item_id = ref.rpartition(ITEM_REF_SEPARATOR)
    for version in _latest_versions_once():
        if slug and version.slug != slug:
            continue
        checklist = definition_of(version)
        if checklist.has_item(item_id):
            return f"{checklist.title.get(lang)} · {_item_words(checklist, item_id, lang)}"
    return ref


def _item_words(checklist: Checklist, item_id: str, lang: str, limit: int = 90) -> str:
    """The item's own number and the first line of its question, shortened for a list."""
    question = checklist.item(item_id).text.get(lang).strip().splitlines()[0]
    if len(question) > limit:
        question = question[: limit - 1].rstrip() + "…"
    number = checklist.number_of(item_id)
    return f"{number}  {question}" if number else question


def _latest_versions_once() -> list[ChecklistVersion]:
    """`latest_versions()` once per request (a page of case cards asks for each card)."""
    from flask import g, has_request_context

    if not has_request_context():
        return latest_versions()
    if "latest_checklist_versions" not in g:
        g.latest_checklist_versions = latest_versions()
    return g.latest_checklist_versions
