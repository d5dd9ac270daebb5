"""The anonymity check: does a case's text name its source factory, its code, address or people?

A case never shows the factory by construction (only sector and city), but its story is free
text written from the finding and the action, and a name slips in easily ("张丽 proposed…",
"at Hengtong Plastics"). Before publishing, every story field in both languages is scanned for
the source factory's names (in full and shortened: without 有限公司 / "Co., Ltd." and without
the place names in front), its credit code and address, and the names of the people involved:
the factory's users, the source inspection's inspectors and committee members, the actions'
responsible persons. Hits are a warning the trainer may override, not a refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from ..accounts.models import Role, User
from ..extensions import db
from .models import STORY_FIELDS, Case

#: Legal-form suffixes of Chinese company names, longest first.
ZH_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "分公司",
    "公司",
    "工厂",
    "厂",
)
#: Legal-form endings of English company names (matched case-insensitively at the end).
_EN_SUFFIX = re.compile(
    r"[\s,.]*(?:co\.?,?\s*ltd\.?|company\s+limited|co\.?\s*limited|limited|ltd\.?|inc\.?|"
    r"corp(?:oration)?\.?|llc|plc|group|company|co\.?|factory|works)\s*$",
    re.IGNORECASE,
)
_ZH_PLACE_SUFFIX = re.compile(r"(?:省|市|区|县|自治区|辖区)$")
_EN_PLACE_SUFFIX = re.compile(r"\s+(?:district|city|county|province|urban districts)$", re.I)
_CJK = re.compile(r"[\u3400-\u9fff]")
_SPACE = re.compile(r"\s+")
_BRACKETS = re.compile(r"[(（][^)）]*[)）]")
#: Account names and name parts that are everyday words (the demo's role-named accounts, a
#: display name like "Inspector 3" or "系统管理员 Admin"): never taken for a person's name.
_GENERIC_WORDS = frozenset({role.value for role in Role}) | {
    "test",
    "demo",
    "user",
    "administrator",
    "系统管理员",
    "管理员",
    "检查员",
    "安全委员会",
    "培训师",
    "老师",
}
#: Shortest term worth looking for: shorter ones match ordinary words.
_MIN_ZH = 2
_MIN_LATIN = 3


@dataclass(frozen=True)
class Term:
    """Something that identifies the source: its text and what it is (for the message)."""

    text: str
    kind: str  # factory_name | credit_code | address | person


@dataclass(frozen=True)
class Hit:
    """A term found in one field of the case."""

    field: str  # e.g. "problem_zh"
    text: str  # the matched text as written in the field
    kind: str

    def as_dict(self) -> dict:
        return {"field": self.field, "text": self.text, "kind": self.kind}


def _is_zh(text: str) -> bool:
    return bool(_CJK.search(text))


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def _place_names(factory) -> tuple[list[str], list[str]]:
    """The names of the factory's region and its ancestors, as they appear in company names
    (重庆市 → 重庆市 and 重庆; "Yubei District" → "Yubei District" and "Yubei")."""
    zh: list[str] = []
    en: list[str] = []
    region = factory.region
    while region is not None:
        for name in (region.name_zh, _ZH_PLACE_SUFFIX.sub("", region.name_zh)):
            if name and name not in zh:
                zh.append(name)
        for name in (region.name_en, _EN_PLACE_SUFFIX.sub("", region.name_en)):
            if name and name not in en:
                en.append(name)
        region = region.parent
    return sorted(zh, key=len, reverse=True), sorted(en, key=len, reverse=True)


def _strip_places(name: str, places: list[str], *, sep: str = "") -> str:
    """Drop place names from the front of a company name, repeatedly."""
    changed = True
    while changed:
        changed = False
        for place in places:
            if name.lower().startswith(place.lower() + sep) and len(name) > len(place):
                name = name[len(place) :].lstrip(" ,'-")
                changed = True
                break  # start again with the longest place names
    return name


def zh_name_forms(name: str, places: list[str]) -> list[str]:
    """A Chinese company name, shortened: without its legal form, and without places."""
    forms = []
    name = _squash(name)
    short = name
    for _ in range(2):  # "…制品有限公司" → "…制品"; "…塑胶厂分公司" → "…塑胶"
        for suffix in ZH_SUFFIXES:
            if short.endswith(suffix) and len(short) > len(suffix) + 1:
                short = short[: -len(suffix)]
                break
    for form in (name, short, _strip_places(short, places)):
        if len(form) >= 4 and form not in forms:
            forms.append(form)
    return forms


def en_name_forms(name: str, places: list[str]) -> list[str]:
    """An English company name, shortened: without "Co., Ltd." etc., and without places."""
    forms = []
    name = _SPACE.sub(" ", name).strip()
    short = name
    for _ in range(2):
        short = _EN_SUFFIX.sub("", short).strip(" ,.")
    for form in (name, short, _strip_places(short, places, sep=" ")):
        # A shortened form of one word ("Rubber" from "Yubei Rubber Works") is an ordinary word.
        distinctive = form == name or (len(form.split()) >= 2 and len(form) >= 6)
        if distinctive and form.lower() not in (f.lower() for f in forms):
            forms.append(form)
    return forms


#: A CJK part ending like a job or a department ("车间主任", "设备科", "安全员") is a role,
#: not a person's name; so is a Latin part with one of these words ("cutting team leader").
_ROLE_SUFFIX = re.compile(r"(?:主任|主管|经理|长|员|工|科|部|组|师|班|处|办|室|会)$")
_ROLE_WORDS = frozenset(
    {
        "team",
        "leader",
        "manager",
        "head",
        "officer",
        "dept",
        "department",
        "electrician",
        "supervisor",
        "worker",
        "workers",
        "staff",
        "director",
        "committee",
        "safety",
        "foreman",
        "chief",
        "inspector",
        "trainer",
        "fitter",
        "operator",
    }
)


def person_forms(name: str) -> list[str]:
    """A person's name split into the parts a story would use: "王建国 Wang Jianguo" → both.
    Remarks in brackets ("(安全委员会)") and job titles ("车间主任 陈刚" → 陈刚) are left out."""
    name = _BRACKETS.sub(" ", name or "")
    parts = re.findall(r"[\u3400-\u9fff·]+|[A-Za-z][A-Za-z'.\- ]*[A-Za-z]", name)
    forms = []
    for part in (p.strip() for p in parts):
        if _is_zh(part):
            usable = len(part) >= _MIN_ZH and not _ROLE_SUFFIX.search(part)
        else:
            words = part.lower().split()
            usable = len(part) >= _MIN_LATIN and not _ROLE_WORDS.intersection(words)
        if usable and part.lower() not in _GENERIC_WORDS and part not in forms:
            forms.append(part)
    return forms


def _people(case: Case, factory) -> list[User]:
    """Everyone whose name would identify the source."""
    from ..inspections.models import Finding

    people: dict[int, User] = {}
    if factory is not None:
        for user in db.session.scalars(sa.select(User).where(User.factory_id == factory.id)):
            people[user.id] = user
    finding = db.session.get(Finding, case.finding_id) if case.finding_id else None
    if finding is not None:
        inspection = finding.inspection
        for user in (*inspection.inspectors, *inspection.committee_members):
            people[user.id] = user
    return list(people.values())


def identifying_terms(case: Case) -> list[Term]:
    """What must not appear in the case's text, longest first (so a full name is reported
    rather than its shortened form)."""
    from ..actions.models import Action
    from ..factories.models import Factory

    factory = db.session.get(Factory, case.factory_id) if case.factory_id else None
    terms: list[Term] = []
    if factory is not None:
        places_zh, places_en = _place_names(factory)
        terms += [Term(t, "factory_name") for t in zh_name_forms(factory.name_zh, places_zh)]
        if factory.name_en:
            terms += [Term(t, "factory_name") for t in en_name_forms(factory.name_en, places_en)]
        terms.append(Term(factory.uscc, "credit_code"))
        if factory.address.strip():
            address = _squash(factory.address)
            terms.append(Term(address, "address"))
            # The street part alone ("双凤桥街道工业园18号"), without the region in front.
            local = _strip_places(address, places_zh)
            if local != address and len(local) >= 4:
                terms.append(Term(local, "address"))
    for user in _people(case, factory):
        for form in person_forms(user.display_name):
            terms.append(Term(form, "person"))
        username = (user.username or "").strip()
        if len(username) >= _MIN_LATIN and username.lower() not in _GENERIC_WORDS:
            terms.append(Term(username, "person"))
    if case.finding_id:
        for (responsible,) in db.session.execute(
            sa.select(Action.responsible).where(
                Action.finding_id == case.finding_id, Action.responsible != ""
            )
        ):
            terms += [Term(form, "person") for form in person_forms(responsible)]
    unique: dict[str, Term] = {}
    for term in terms:
        unique.setdefault(term.text.lower(), term)
    return sorted(unique.values(), key=lambda t: len(t.text), reverse=True)


def _latin_pattern(term: str) -> re.Pattern:
    """A Latin term as a whole word, any case, any run of spaces between its words."""
    words = [re.escape(w) for w in term.split()]
    return re.compile(r"(?<![A-Za-z0-9])" + r"\s+".join(words) + r"(?![A-Za-z0-9])", re.I)


def find_in_text(text: str, terms: list[Term]) -> list[tuple[str, Term]]:
    """The terms that occur in `text`, each with the text as written there. Chinese terms
    match anywhere, ignoring spaces; Latin terms match whole words in any case. A term inside
    a longer term already found is not reported again."""
    found: list[tuple[str, Term]] = []
    squashed = _squash(text).lower()
    covered: list[str] = []
    for term in terms:
        needle = term.text
        if _is_zh(needle) or term.kind == "credit_code":
            key = _squash(needle).lower()
            if key and key in squashed and not any(key in c for c in covered):
                loose = r"\s*".join(re.escape(ch) for ch in key)
                match = re.search(loose, text, re.IGNORECASE)
                found.append((match.group(0) if match else needle, term))
                covered.append(key)
        else:
            match = _latin_pattern(needle).search(text)
            if match and not any(needle.lower() in c for c in covered):
                found.append((match.group(0), term))
                covered.append(needle.lower())
    return found


def check(case: Case) -> list[Hit]:
    """Every identifying term found in the case's text fields (both languages), in field order."""
    terms = identifying_terms(case)
    if not terms:
        return []
    hits = []
    fields = [f"{name}_{lang}" for name in STORY_FIELDS for lang in ("zh", "en")]
    fields += ["city_zh", "city_en", "checklist_item"]
    fields += [f"photo_caption_{photo.id}" for photo in case.photos if photo.caption]
    for field in fields:
        if field.startswith("photo_caption_"):
            photo_id = int(field.removeprefix("photo_caption_"))
            text = next(p.caption for p in case.photos if p.id == photo_id)
        else:
            text = getattr(case, field) or ""
        for matched, term in find_in_text(text, terms):
            hits.append(Hit(field, matched, term.kind))
    return hits
