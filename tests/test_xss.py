"""HTML, script and formulas typed into any free-text field stay text: in pages, in PDFs and in
spreadsheet exports.

One factory's records are built once for the module with every free-text field holding its own
copy of a hostile payload (tagged with the field's name), then every page, PDF and export is
fetched once. The tests then ask, field by field, that the payload shows as literal text, and,
page by page, that nothing in it became markup: no inline <script>, no on* attribute, no
<img src=x>, no element WeasyPrint would fetch, no spreadsheet cell that starts a formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
from photo_files import jpeg_with_gps
from support import PASSWORD, PG_URL, region

from inspect_app import create_app, pdf
from inspect_app.accounts import services as account_services
from inspect_app.accounts.models import Role
from inspect_app.actions import services as action_services
from inspect_app.actions.models import ActionStatus
from inspect_app.cases import services as case_services
from inspect_app.extensions import db
from inspect_app.factories import services as factory_services
from inspect_app.factories.cli import load_regions
from inspect_app.factories.models import Sector
from inspect_app.inspections import services as inspection_services
from inspect_app.photos import services as photo_services

#: What an attacker types: a script, an element with an event handler, quotes to break out of
#: an attribute and an ampersand.
HTML_PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&"
FORMULA = '=HYPERLINK("http://x","y")'


#: For columns of 60 characters: the same markup, a shorter handler and tag.
SHORT_PAYLOAD = "<script>alert(1)</script><img src=x onerror=a()>\"'&"
SHORT_FIELDS = {"factory.score_batch": "sb", "case.city_zh": "cz"}


def payload(field: str) -> str:
    """The payload for one field: tagged, so each field's own text can be found."""
    if field in SHORT_FIELDS:
        return SHORT_FIELDS[field] + SHORT_PAYLOAD
    return f"{field}{HTML_PAYLOAD}"


def spreadsheet_payload(field: str) -> str:
    """For fields that reach the hazard ledger: a formula first, then the HTML payload."""
    return f"{FORMULA}{field}{HTML_PAYLOAD}"


#: Every free-text field → where its text shows (page names of PAGES below). Text fields of
#: the ledger start with a formula, too (LEDGER_FIELDS).
FIELDS: dict[str, tuple[str, ...]] = {
    "factory.name_zh": ("factory", "factories", "factory_edit", "inspection", "report"),
    "factory.name_en": ("factory_edit", "factory_en", "report_en"),
    "factory.address": ("factory", "factory_edit"),
    "factory.score_batch": ("factory", "factory_edit"),
    "inspection.good_points": ("inspection", "report"),
    "answer.note": ("report",),
    "finding.title": ("report", "action_open", "new_action"),
    "finding.description": ("report",),
    "finding.location": ("report",),
    "photo.caption": ("report",),
    "action.title": ("action_open", "action_edit", "board", "report"),
    "action.description": ("action_open", "action_edit"),
    "action.responsible": ("action_open", "action_edit", "board"),
    "action.done_description": ("action_open",),
    "action.due_date_reason": ("action_open",),
    "action.rejected_note": ("action_open",),
    "action.void_note": ("action_void",),
    **{
        f"case.{column}": (
            ("case", "case_edit", "case_present")
            if column.endswith("_zh")
            else ("case_en", "case_edit", "case_present_en")
        )
        for column in case_services.TEXT_COLUMNS
    },
    "case.city_zh": ("case", "case_edit", "cases"),
    "user.inspector_name": ("inspection", "users", "action_open"),
    "user.committee_name": ("users", "user_edit", "home_committee"),
}
#: Fields whose text the hazard ledger carries: they hold spreadsheet_payload().
LEDGER_FIELDS = (
    "factory.name_zh",
    "finding.title",
    "finding.location",
    "action.title",
    "action.responsible",
)
#: Fields a PDF shows, by document.
PDF_FIELDS = {
    "report_pdf": (
        "factory.name_zh",
        "inspection.good_points",
        "answer.note",
        "finding.title",
        "finding.description",
        "finding.location",
        "action.title",
    ),
    "handout_pdf": tuple(f"case.{c}" for c in case_services.TEXT_COLUMNS if c.endswith("_zh")),
}


def text_of(field: str) -> str:
    return spreadsheet_payload(field) if field in LEDGER_FIELDS else payload(field)


# ---------------------------------------------------------------- the records, built once


@pytest.fixture(scope="module")
def xss_app(_template_db, tmp_path_factory):
    """An app of its own for this module (the records are built once, pages fetched once)."""
    tmp = tmp_path_factory.mktemp("xss")
    if PG_URL:
        url = PG_URL
    else:
        shutil.copyfile(_template_db, tmp / "xss.db")
        url = f"sqlite:///{tmp / 'xss.db'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_DIR": str(tmp / "uploads"),
            "WTF_CSRF_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        }
    )
    with app.app_context():
        if PG_URL:
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
        load_regions()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _photo(factory_id: int, by, **owner):
    photo, _ = photo_services.add_photo(
        io.BytesIO(jpeg_with_gps()), factory_id=factory_id, by_id=by.id, **owner
    )
    return photo


def build(app) -> dict:
    """Every free-text field filled with its payload, through the services users go through."""
    from inspect_app.checklists import services as checklist_services
    from inspect_app.factories import uscc

    with app.app_context():
        checklist_services.load_files()
        admin = account_services.create_user(
            username="admin", role=Role.ADMIN, password=PASSWORD, display_name="Admin"
        )
        factory = factory_services.create_factory(
            by=admin,
            name_zh=text_of("factory.name_zh"),
            name_en=text_of("factory.name_en"),
            uscc=uscc.complete("91500112MA0000001"),
            region_id=region("500112").id,
            sector=Sector.RUBBER_PLASTICS,
            address=text_of("factory.address"),
            score_batch=text_of("factory.score_batch"),
        )
        inspector = account_services.create_user(
            username="inspector",
            role=Role.INSPECTOR,
            password=PASSWORD,
            display_name=text_of("user.inspector_name"),
            region_names=["500000"],
        )
        committee = account_services.create_user(
            username="committee",
            role=Role.COMMITTEE,
            password=PASSWORD,
            display_name=text_of("user.committee_name"),
            factory=factory,
        )
        trainer = account_services.create_user(
            username="trainer", role=Role.TRAINER, password=PASSWORD, display_name="Trainer"
        )

        inspection = inspection_services.start_inspection(
            by=inspector, factory=factory, checklist="machine-guarding", kind="score_visit"
        )
        inspection_services.update_inspection(
            inspection, good_points=text_of("inspection.good_points")
        )
        items = [item.id for item in inspection_services.checklist_of(inspection).items()]
        for n, item_id in enumerate(items):
            note = text_of("answer.note") if n == 0 else ""
            inspection_services.set_answer(
                inspection, item_id=item_id, value="no", note=note, by=inspector
            )
        finding, _ = inspection_services.add_finding(
            inspection,
            by=inspector,
            item_id=items[0],
            title=text_of("finding.title"),
            description=text_of("finding.description"),
            location=text_of("finding.location"),
            likelihood=4,
            severity=4,
        )
        photo_services.add_photo(
            io.BytesIO(jpeg_with_gps()),
            factory_id=factory.id,
            by_id=inspector.id,
            finding_id=finding.id,
            caption=text_of("photo.caption"),
        )
        inspection_services.submit(inspection, by=inspector)

        action = action_services.create_from_finding(
            finding,
            by=inspector,
            title=text_of("action.title"),
            description=text_of("action.description"),
            responsible=text_of("action.responsible"),
        )
        action_services.change_due_date(action, new_due_on="2030-01-31", reason="", by=inspector)
        action_services.change_due_date(
            action, new_due_on="2030-03-31", reason=text_of("action.due_date_reason"), by=inspector
        )
        action_services.move(action, to=ActionStatus.IN_PROGRESS, by=committee)
        _photo(factory.id, committee, action_id=action.id, kind="after")
        action_services.update_action(
            action,
            by=committee,
            expected_version=action.version,
            done_description=text_of("action.done_description"),
        )
        action_services.move(action, to=ActionStatus.DONE, by=committee)
        action_services.move(
            action, to=ActionStatus.REJECTED, by=inspector, note=text_of("action.rejected_note")
        )
        action_services.move(action, to=ActionStatus.IN_PROGRESS, by=committee)

        void = action_services.create_from_finding(finding, by=inspector, title="作废的措施")
        action_services.move(
            void, to=ActionStatus.VOID, by=inspector, note=text_of("action.void_note")
        )

        verified = action_services.create_from_finding(finding, by=inspector, title="已验证")
        action_services.move(verified, to=ActionStatus.IN_PROGRESS, by=committee)
        _photo(factory.id, committee, action_id=verified.id, kind="after")
        action_services.move(verified, to=ActionStatus.DONE, by=committee)
        action_services.move(verified, to=ActionStatus.VERIFIED, by=inspector)

        case = case_services.promote(finding, by=inspector)
        case_services.update_case(
            case,
            by=trainer,
            expected_version=case.version,
            city_zh=text_of("case.city_zh"),
            **{column: text_of(f"case.{column}") for column in case_services.TEXT_COLUMNS},
        )
        case_services.publish(case, by=trainer, confirm_anonymity=True)
        db.session.commit()
        return {
            "factory": factory.id,
            "inspection": inspection.id,
            "finding": finding.id,
            "action": action.id,
            "void": void.id,
            "case": case.id,
            "committee": committee.id,
        }


def _client(app, username: str, lang: str = "zh-CN"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


#: Pages by name: (who looks, URL with {ids}, language).
PAGES = {
    "factories": ("admin", "/factories", "zh-CN"),
    "factory": ("admin", "/factories/{factory}", "zh-CN"),
    "factory_en": ("admin", "/factories/{factory}", "en"),
    "factory_edit": ("admin", "/factories/{factory}/edit", "zh-CN"),
    "progress": ("admin", "/factories/{factory}/progress", "zh-CN"),
    "kpis": ("committee", "/factories/{factory}/kpis", "zh-CN"),
    "board": ("committee", "/factories/{factory}/actions", "zh-CN"),
    "inspections": ("inspector", "/inspections", "zh-CN"),
    "inspection": ("inspector", "/inspections/{inspection}", "zh-CN"),
    "report": ("inspector", "/inspections/{inspection}/report", "zh-CN"),
    "report_en": ("inspector", "/inspections/{inspection}/report", "en"),
    "new_action": ("inspector", "/findings/{finding}/actions/new", "zh-CN"),
    "action_open": ("committee", "/actions/{action}", "zh-CN"),
    "action_edit": ("committee", "/actions/{action}/edit", "zh-CN"),
    "action_void": ("inspector", "/actions/{void}", "zh-CN"),
    "queue": ("inspector", "/actions/queue", "zh-CN"),
    "my_board": ("committee", "/actions/board", "zh-CN"),
    "home_committee": ("committee", "/", "zh-CN"),
    "home_inspector": ("inspector", "/", "zh-CN"),
    "home_trainer": ("trainer", "/", "zh-CN"),
    "overview": ("inspector", "/regions/overview", "zh-CN"),
    "cases": ("trainer", "/cases", "zh-CN"),
    "case": ("trainer", "/cases/{case}", "zh-CN"),
    "case_edit": ("trainer", "/cases/{case}/edit", "zh-CN"),
    "case_en": ("trainer", "/cases/{case}", "en"),
    "case_present": ("trainer", "/cases/present?ids={case}", "zh-CN"),
    "case_present_en": ("trainer", "/cases/present?ids={case}", "en"),
    "case_new": ("inspector", "/cases/new", "zh-CN"),
    "users": ("admin", "/admin/users", "zh-CN"),
    "user_edit": ("admin", "/admin/users/{committee}/edit", "zh-CN"),
    "audit": ("admin", "/admin/audit", "zh-CN"),
}
DOCUMENTS = {
    "report_pdf": ("inspector", "/inspections/{inspection}/report.pdf?lang=zh_CN"),
    "handout_pdf": ("trainer", "/cases/handout.pdf?ids={case}&lang=zh_CN"),
}
EXPORTS = {
    "ledger_csv": ("committee", "/factories/{factory}/ledger.csv"),
    "ledger_xlsx": ("committee", "/factories/{factory}/ledger.xlsx"),
    "region_csv": ("inspector", "/regions/ledger.csv"),
    "region_xlsx": ("inspector", "/regions/ledger.xlsx"),
}
CHARTS = ("actions", "overdue", "areas", "findings", "kpis")


class RecordingFetcher(pdf.LocalStaticFetcher):
    """The app's own fetcher, noting every URL WeasyPrint asks it for."""

    asked: list[str] = []

    def fetch(self, url, headers=None):
        type(self).asked.append(url)
        return super().fetch(url, headers)


@pytest.fixture(scope="module")
def rendered(xss_app):
    """Every page, PDF (as text, with the URLs WeasyPrint fetched) and export, fetched once."""
    ids = build(xss_app)
    clients = {
        role: _client(xss_app, role) for role in ("admin", "inspector", "committee", "trainer")
    }
    out: dict[str, object] = {"pages": {}, "documents": {}, "exports": {}, "charts": {}}
    for name, (role, path, lang) in PAGES.items():
        clients[role].environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
        response = clients[role].get(path.format(**ids), follow_redirects=True)
        assert response.status_code == 200, (name, response.status_code)
        out["pages"][name] = response.get_data(as_text=True)
    fetchers = []
    original = pdf.LocalStaticFetcher
    pdf.LocalStaticFetcher = RecordingFetcher  # render_pdf builds the app's fetcher by name
    try:
        for name, (role, path) in DOCUMENTS.items():
            RecordingFetcher.asked = []
            response = clients[role].get(path.format(**ids))
            assert response.status_code == 200, (name, response.status_code)
            fetchers.append(list(RecordingFetcher.asked))
            out["documents"][name] = (_pdf_text(response.data), list(RecordingFetcher.asked))
    finally:
        pdf.LocalStaticFetcher = original
    for name, (role, path) in EXPORTS.items():
        response = clients[role].get(path.format(**ids))
        assert response.status_code == 200, (name, response.status_code)
        out["exports"][name] = response.data
    for chart in CHARTS:
        for fmt in ("csv", "svg"):
            response = clients["admin"].get(f"/factories/{ids['factory']}/charts/{chart}.{fmt}")
            assert response.status_code == 200, (chart, fmt, response.status_code)
            out["charts"][f"{chart}.{fmt}"] = response.data
    return out


def _pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


# ---------------------------------------------------------------- reading HTML as a browser


class Page(HTMLParser):
    """What a browser would build from the HTML: the markup that would run, and the text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.dangers: list[str] = []
        self.texts: list[str] = []
        self._script_type: str | None = None
        self._script: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.dangers.append(f"<{tag} {name}=…>")
            if value is not None:
                self.texts.append(value)
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith(("javascript:", "data:text/html")):
                self.dangers.append(f"<{tag} {name}={value[:40]}>")
        if tag in ("iframe", "object", "embed", "base"):
            self.dangers.append(f"<{tag}>")
        if tag == "img" and attributes.get("src") == "x":
            self.dangers.append("<img src=x>")
        if tag == "script":
            self._script_type = attributes.get("type", "")
            if "src" not in attributes and self._script_type != "application/json":
                self.dangers.append("inline <script>")
            self._script = []

    def handle_endtag(self, tag):
        if tag == "script" and self._script_type is not None:
            body = "".join(self._script)
            if self._script_type == "application/json" and body.strip():
                self.texts.extend(_strings(json.loads(body)))  # a JSON block stays JSON
            self._script_type = None

    def handle_data(self, data):
        if self._script_type is not None:
            self._script.append(data)
        else:
            self.texts.append(data)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def read(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


# ---------------------------------------------------------------- pages


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_runs_no_markup_from_the_records(name, rendered):
    html = rendered["pages"][name]
    page = read(html)
    assert not page.dangers, f"{name}: {page.dangers}"
    assert "<script>alert" not in html and "<img src=x" not in html


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_field_shows_as_the_text_typed(field, rendered):
    expected = text_of(field)
    missing = [
        name
        for name in FIELDS[field]
        if not any(expected in t for t in read(rendered["pages"][name]).texts)
    ]
    assert not missing, f"{field} is not shown as its literal text on {missing}"


# ---------------------------------------------------------------- PDFs


@pytest.mark.parametrize("document", sorted(DOCUMENTS))
def test_pdf_shows_the_literal_text_and_fetches_nothing_it_was_given(document, rendered):
    text, asked = rendered["documents"][document]
    squeezed = re.sub(r"\s+", "", text)
    for field in PDF_FIELDS[document]:
        literal = re.sub(r"\s+", "", text_of(field))
        assert literal in squeezed, f"{document}: {field} is not in the PDF's text"
    # WeasyPrint went through the app's restricted fetcher, and only for the app's own files
    # and photos: the <img src=x> typed into the fields never became an element to fetch.
    assert asked, "the restricted fetcher was not used"
    strays = [
        url
        for url in asked
        if not url.startswith("data:")
        and not re.fullmatch(
            r"http://localhost/(static/[\w./-]+|photos/\d+/(web|thumb)(\?v=\w+)?)", url
        )
    ]
    assert not strays, f"{document} fetched {strays}"


def test_the_pdf_fetcher_refuses_anything_but_the_apps_files():
    fetcher = pdf.LocalStaticFetcher()
    for url in ("http://x/", "https://127.0.0.1/a.png", "file:///etc/passwd", "/x", "x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


# ---------------------------------------------------------------- exports

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("export", ["ledger_csv", "region_csv"])
def test_ledger_csv_cells_are_formula_safe_and_keep_the_text(export, rendered):
    rows = _csv_rows(rendered["exports"][export])
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    for field in LEDGER_FIELDS:
        assert "'" + text_of(field) in cells, f"{export}: {field}"


@pytest.mark.parametrize("export", ["ledger_xlsx", "region_xlsx"])
def test_ledger_xlsx_cells_are_text_never_formulas(export, rendered):
    from openpyxl import load_workbook

    data = rendered["exports"][export]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        for name in sheets:
            assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    sheet = load_workbook(io.BytesIO(data)).active
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row if cell.value}
    for field in LEDGER_FIELDS:
        cell = cells.get(text_of(field))
        assert cell is not None, f"{export}: {field} is not a cell's text"
        assert cell.data_type == "s" and cell.quotePrefix, f"{export}: {field}"


def test_chart_csvs_are_formula_safe_and_svgs_hold_no_script(rendered):
    for name, data in rendered["charts"].items():
        if name.endswith(".csv"):
            cells = [cell for row in _csv_rows(data) for cell in row]
            assert not [c for c in cells if c.startswith(FORMULA_START)], name
        else:
            root = ElementTree.fromstring(data)  # noqa: S314  (our own chart)
            for element in root.iter():
                assert not element.tag.endswith("script"), name
                assert not [a for a in element.attrib if a.lower().startswith("on")], name


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", FORMULA])
def test_every_formula_start_is_escaped_in_both_exports(text):
    from inspect_app.progress import ledger, render

    assert ledger.escape_formula(text) == "'" + text
    assert render.csv_cell(text) == "'" + text
