"""Web workers stay lean: WeasyPrint and matplotlib are imported where a PDF or a chart is
made (a job, a chart request), never by importing the app or serving its pages."""

from __future__ import annotations

import json
import subprocess
import sys

from support import REPO

PROBE = """
import json, sys
from inspect_app import create_app
from inspect_app.extensions import db

app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "TESTING": True,
                  "UPLOAD_DIR": sys.argv[1]})
with app.app_context():
    db.create_all()
client = app.test_client()
statuses = [client.get(path).status_code
            for path in ("/login", "/healthz", "/api/v1/openapi.json", "/static/js/app.js")]
heavy = [name for name in ("weasyprint", "matplotlib") if name in sys.modules]
print(json.dumps({"statuses": statuses, "heavy": heavy}))
"""


def test_importing_the_app_and_serving_pages_imports_no_pdf_or_chart_library(tmp_path):
    result = subprocess.run(  # noqa: S603 - this interpreter on the probe above
        [sys.executable, "-c", PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["statuses"] == [200, 200, 200, 200]
    assert seen["heavy"] == []


def test_the_probe_would_see_weasyprint_if_a_page_imported_it(tmp_path):
    """The check above can fail: the same probe, after importing the PDF module."""
    probe = PROBE.replace(
        "client = app.test_client()", "import inspect_app.pdf\nclient = app.test_client()"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter on the probe above
        [sys.executable, "-c", probe, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["heavy"] == ["weasyprint"]
