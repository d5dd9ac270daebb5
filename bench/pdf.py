"""The report PDF of a big inspection, cold and kept (issue 13).

SCORE Module 5 with all 69 items answered and 52 findings, each with one phone-sized photo
(a factory early in the programme). Renders the PDF cold several times (no kept copy; the
first run also pays WeasyPrint's font set-up), then times `GET /inspections/<id>/report.pdf`
once the PDF is kept. `--profile` prints where the rendering time goes.

    .venv/bin/python bench/pdf.py [--findings 52] [--runs 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw  # noqa: E402

from inspect_app import create_app  # noqa: E402
from inspect_app.accounts import services as account_services  # noqa: E402
from inspect_app.accounts.models import Role  # noqa: E402
from inspect_app.checklists import services as checklist_services  # noqa: E402
from inspect_app.extensions import db  # noqa: E402
from inspect_app.factories.cli import load_regions  # noqa: E402
from inspect_app.factories.models import Factory, Region  # noqa: E402
from inspect_app.factories.schemas import Sector  # noqa: E402
from inspect_app.inspections import reports  # noqa: E402
from inspect_app.inspections import services as inspection_services  # noqa: E402
from inspect_app.inspections.models import Inspection, InspectionStatus  # noqa: E402
from inspect_app.photos import services as photo_services  # noqa: E402

PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway database


def phone_photo(n: int) -> bytes:
    """A 2560×1920 JPEG with texture (noise compresses like a real photo, flat colour not)."""
    noise = Image.effect_noise((2560, 1920), 48).convert("RGB")
    tint = Image.new("RGB", noise.size, ((n * 47) % 200 + 30, (n * 89) % 200 + 30, 120))
    img = Image.blend(noise, tint, 0.55)
    ImageDraw.Draw(img).rectangle((400, 300, 1800, 1400), outline=(200, 20, 20), width=24)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def build(app, findings: int) -> tuple[int, int, str]:
    """The inspection; returns (inspection id, user id, username)."""
    with app.app_context():
        db.create_all()
        load_regions()
        checklist_services.load_files()
        region = db.session.scalar(db.select(Region).where(Region.code == "500112"))
        factory = Factory(
            name_zh="渝北橡胶厂", name_en="Yubei Rubber Works", uscc="91500112MA5U000000",
            region_id=region.id, sector=Sector.RUBBER_PLASTICS, headcount_women=120,
            headcount_men=180,
        )  # fmt: skip
        db.session.add(factory)
        user = account_services.create_user(
            username="bench-inspector", role=Role.INSPECTOR, password=PASSWORD,
            display_name="王检查", region_names=["500000"],
        )  # fmt: skip
        db.session.flush()
        inspection = inspection_services.start_inspection(
            by=user, factory=factory, checklist="score-module5", kind="score_visit"
        )
        items = list(inspection_services.checklist_of(inspection).items())
        for n, item in enumerate(items):
            value = "priority" if n < findings else "no"
            inspection_services.set_answer(inspection, item_id=item.id, value=value, by=user)
        for n in range(findings):
            item = items[n % len(items)]
            finding, _ = inspection_services.add_finding(
                inspection, by=user, item_id=item.id, title=f"隐患 {n + 1}：皮带轮无防护罩",
                description="二号冲床的皮带轮外露，距地面1.2米，操作工经过时衣物可能被卷入。",
                location="冲压车间", source="unsafe_condition", grade="general",
                likelihood=1 + n % 5, severity=1 + (n * 3) % 5,
            )  # fmt: skip
            photo_services.add_photo(
                io.BytesIO(phone_photo(n)), factory_id=factory.id, by_id=user.id,
                finding_id=finding.id,
            )  # fmt: skip
            print(f"\rfindings with photos: {n + 1}/{findings}", end="", file=sys.stderr)
        print(file=sys.stderr)
        inspection.status = InspectionStatus.SUBMITTED
        db.session.commit()
        return inspection.id, user.id, user.username


def render_once(app, inspection_id: int, user_id: int, lang: str) -> tuple[float, int]:
    from flask import g

    from inspect_app.accounts.models import User

    with app.app_context(), app.test_request_context("/", base_url="http://localhost/"):
        g._login_user = db.session.get(User, user_id)
        inspection = db.session.get(Inspection, inspection_id)
        started = time.perf_counter()
        pdf = reports.render_report_pdf(inspection, lang, base_url="http://localhost/")
        return time.perf_counter() - started, len(pdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=52)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
            "UPLOAD_DIR": str(tmp / "uploads"),
            "SECRET_KEY": "bench",
            "REDIS_URL": None,
            "JOBS_AT_SUBMIT": False,
            "SESSION_COOKIE_SECURE": False,
            "WTF_CSRF_ENABLED": False,  # the bench signs in with a plain form post
        }
    )
    inspection_id, user_id, username = build(app, args.findings)
    times = []
    for run in range(args.runs):
        seconds, size = render_once(app, inspection_id, user_id, "zh_CN")
        times.append(seconds)
        print(f"cold render {run + 1}: {seconds:.2f} s, {size / 1024:.0f} KB")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(render_once, app, inspection_id, user_id, "zh_CN")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    client = app.test_client()
    client.post("/login", data={"username": username, "password": PASSWORD})
    first = client.get(f"/inspections/{inspection_id}/report.pdf?lang=zh_CN")  # makes, keeps
    assert first.status_code == 200, first.status_code
    served = []
    for _ in range(50):
        started = time.perf_counter()
        response = client.get(f"/inspections/{inspection_id}/report.pdf?lang=zh_CN")
        response.get_data()
        served.append(time.perf_counter() - started)
        assert response.status_code == 200
    served.sort()
    print(
        f"{args.findings} findings: cold median {statistics.median(times):.2f} s "
        f"(first {times[0]:.2f} s); kept PDF served p50 {served[24] * 1000:.1f} ms, "
        f"p95 {served[47] * 1000:.1f} ms"
    )
    app.extensions["jobs"].shutdown(wait=True)


if __name__ == "__main__":
    main()
